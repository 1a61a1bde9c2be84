//! Engine: the reference that computes what real Keras computes for the exam's network
//! (output shapes, parameter counts with formulas, receptive fields, `model.summary()`).
//!
//! It is the answer key of the `summary` question kind, which this version keeps in rubrics as
//! an ungraded column (`ungraded = true`); no grading path calls into this module yet.
