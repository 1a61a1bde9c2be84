//! The rubric of one exam, validated and compiled: option texts are normalised once here, never
//! per answer.

use crate::ingest::DuplicatePolicy;
use crate::points::Points;
use serde::Serialize;

/// One exam's rubric.
#[derive(Clone, Debug)]
pub struct Rubric {
    /// The file it was read from, as given.
    pub file: String,
    pub exam: Exam,
    pub questions: Vec<Question>,
}

#[derive(Clone, Debug)]
pub struct Exam {
    pub title: String,
    pub date: Option<String>,
    pub duplicates: DuplicatePolicy,
    /// The exam's Keras code (`[exam] model`), for keys proven by the engine.
    pub model: Option<ExamModel>,
    /// Grade bands (`[[exam.bands]] grade = "A", min = 18`), highest first.
    pub bands: Vec<Band>,
    /// The language the reports are written in (`[exam] language`, `en` by default).
    pub language: crate::report::i18n::Lang,
    /// Student reports show the right options of choice and checkbox questions
    /// (`[exam] show_key`, true by default; false for teachers who reuse questions).
    pub show_key: bool,
}

/// A grade band: totals from `min` points up get `grade`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Band {
    pub grade: String,
    pub min: Points,
}

/// The exam's network as written in the rubric.
#[derive(Clone, Debug)]
pub struct ExamModel {
    /// Path as given in the rubric.
    pub path: String,
    pub code: String,
}

/// What the engine must confirm about a question's key (`verify = { ... }`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verified {
    /// The receptive field of the layer's centre unit, `H x W`.
    ReceptiveField(String),
    /// The layer's parameter count.
    Params(String),
    /// The layer's output shape.
    OutputShape(String),
    /// The model's total parameter count.
    TotalParams,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verify {
    pub what: Verified,
    pub line: usize,
    pub column: usize,
}

/// Where in the rubric file a question starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

#[derive(Clone, Debug)]
pub struct Question {
    /// Stable id used in every output (`q1-gradients`).
    pub id: String,
    /// The Forms column title (full, truncated, or an unambiguous prefix).
    pub column: String,
    /// Points the question is worth.
    pub points: Points,
    pub kind: Kind,
    pub position: Position,
    /// Worked answers and the points they must get (`[[questions.examples]]`).
    pub examples: Vec<Example>,
    /// A key the engine must prove (`verify = { receptive_field = "batchNorm" }`).
    pub verify: Option<Verify>,
    /// The rubric claims to grade as Forms did (`matches_forms = true`): a disagreement with
    /// the export's `Points - ` column is a problem, not just a figure.
    pub matches_forms: bool,
}

/// A worked answer in the rubric: the rubric's own test.
#[derive(Clone, Debug)]
pub struct Example {
    pub answer: String,
    pub points: Points,
    /// Line of the example in the rubric.
    pub line: usize,
    /// Free text: the criteria the answer must meet, exactly (`met = [...]`).
    pub met: Option<Vec<String>>,
}

impl Question {
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            Kind::Checkbox(_) => "checkbox",
            Kind::Choice(_) => "choice",
            Kind::Number(_) => "number",
            Kind::Summary(_) => "summary",
            Kind::Text(_) => "text",
            Kind::Ungraded(u) => u.declared,
        }
    }

    pub fn is_graded(&self) -> bool {
        !matches!(self.kind, Kind::Ungraded(_))
    }
}

#[derive(Clone, Debug)]
pub enum Kind {
    Checkbox(Checkbox),
    Choice(Choice),
    Number(NumberKey),
    /// A filled-in `model.summary()` template.
    Summary(Box<SummaryKey>),
    /// A free-text answer scored by criteria.
    Text(Box<super::criteria::TextKey>),
    /// A question kept in the rubric but not graded yet (`ungraded = true`).
    Ungraded(Ungraded),
}

#[derive(Clone, Debug)]
pub struct Ungraded {
    /// The kind the rubric declares (`text`, `summary`, ...).
    pub declared: &'static str,
}

/// The options a question shows, as authored and normalised for matching.
#[derive(Clone, Debug)]
pub struct Options {
    pub texts: Vec<String>,
    /// `text::normalize` of each text.
    pub keys: Vec<String>,
    /// `text::squeeze` of each text (whitespace-insensitive).
    pub squeezed: Vec<String>,
}

impl Options {
    pub fn new(texts: Vec<String>) -> Options {
        let keys = texts.iter().map(|t| crate::text::normalize(t)).collect();
        let squeezed = texts.iter().map(|t| crate::text::squeeze(t)).collect();
        Options {
            texts,
            keys,
            squeezed,
        }
    }

    pub fn len(&self) -> usize {
        self.texts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }
}

/// Checkbox (multiple answers) question.
#[derive(Clone, Debug)]
pub struct Checkbox {
    pub options: Options,
    /// `correct[i]`: option i is in the key.
    pub correct: Vec<bool>,
    pub scheme: Scheme,
    /// "N and only N are correct": the expected number of ticks.
    pub select: Option<usize>,
    /// Lowest fraction of the points (0 by default; negative for exams that penalise).
    pub floor: Points,
    /// Fraction per option for the `weights` scheme (0 elsewhere).
    pub weights: Vec<Points>,
}

impl Checkbox {
    pub fn correct_count(&self) -> usize {
        self.correct.iter().filter(|c| **c).count()
    }
}

/// How a checkbox answer is scored. Formulas: shared/research/scoring-and-peers.md, Part A.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scheme {
    /// Full points for exactly the key, else 0 (Moodle multichoiceset, Google Forms).
    AllOrNothing,
    /// max(0, (t − f)/C) — PrairieLearn net-correct, Canvas, R/exams rule "true".
    NetCorrect,
    /// (t + W − f)/N — edX "every decision counts", PrairieLearn each-answer.
    EachAnswer,
    /// (t/C)·(t/n) — PrairieLearn coverage.
    Coverage,
    /// t/C − f/W — R/exams rule "false".
    False,
    /// t/C − f/max(W, 2) — R/exams rule "false2" (its default).
    False2,
    /// Σ of the ticked options' fractions, clamped — Moodle multichoice.
    Weights,
}

impl Scheme {
    pub const ALL: [(&'static str, Scheme); 7] = [
        ("all-or-nothing", Scheme::AllOrNothing),
        ("net-correct", Scheme::NetCorrect),
        ("each-answer", Scheme::EachAnswer),
        ("coverage", Scheme::Coverage),
        ("false", Scheme::False),
        ("false2", Scheme::False2),
        ("weights", Scheme::Weights),
    ];

    pub fn name(self) -> &'static str {
        Scheme::ALL
            .iter()
            .find(|(_, s)| *s == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }
}

/// Single-answer question.
#[derive(Clone, Debug)]
pub struct Choice {
    pub options: Options,
    /// Indices of the right option(s): one, or the variants of an option edited while the
    /// quiz was open (each earns the points).
    pub key: Vec<usize>,
    /// Fraction of the points a wrong answer gets (0, or negative, e.g. −1/4).
    pub wrong: Points,
}

impl Choice {
    pub fn is_key(&self, index: usize) -> bool {
        self.key.contains(&index)
    }

    /// The first right option, as the rubric writes it.
    pub fn key_text(&self) -> &str {
        self.key
            .first()
            .and_then(|&i| self.options.texts.get(i))
            .map(String::as_str)
            .unwrap_or("")
    }
}

/// Numeric answer with a tolerance.
#[derive(Clone, Debug)]
pub struct NumberKey {
    pub key: Points,
    pub tolerance: Tolerance,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tolerance {
    /// |answer − key| ≤ value.
    Absolute(Points),
    /// |answer − key| ≤ fraction · |key|.
    Relative(Points),
}

/// A "fill in the model.summary()" question: the engine's reference and how fields are weighed.
#[derive(Clone, Debug)]
pub struct SummaryKey {
    pub reference: crate::engine::reference::Reference,
    pub weights: FieldWeights,
    /// Fraction of a field's weight earned by an answer right given the student's own earlier
    /// mistake (error carried forward); 0 turns it off.
    pub follow_through: Points,
    /// Credit `(W, H, C)` given for `(H, W, C)` (and send it to review).
    pub accept_swapped_spatial: bool,
}

/// Weight of each field of a summary answer; the question's points are shared in proportion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldWeights {
    pub shape: Points,
    pub formula: Points,
    pub params: Points,
    pub total: Points,
    pub trainable: Points,
    pub non_trainable: Points,
}

impl Default for FieldWeights {
    fn default() -> Self {
        FieldWeights {
            shape: Points::ONE,
            formula: Points::ONE,
            params: Points::ONE,
            total: Points::ONE,
            trainable: Points::ONE,
            non_trainable: Points::ONE,
        }
    }
}
