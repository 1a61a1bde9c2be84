//! examgrade — grades exams taken on Microsoft Forms.
//!
//! The stages of DESIGN.md, one module each: [`ingest`] reads the export, [`rubric`] reads the
//! TOML rubric, [`engine`] computes Keras references, [`answers`] parses what respondents typed,
//! [`score`] turns an answer into points with findings, [`report`] writes the results, and
//! [`cli`] wires them. `answers` and `score` do no I/O.

pub mod answers;
pub mod check;
pub mod cli;
pub mod engine;
#[doc(hidden)]
pub mod fuzzing;
pub mod ingest;
pub mod points;
pub mod report;
pub mod rubric;
pub mod score;
pub mod text;
