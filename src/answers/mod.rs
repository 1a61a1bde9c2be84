//! Answers: tolerant, pure parsers for what a respondent's cell holds. They never guess
//! silently: anything matched only approximately, or not at all, is reported as such.

pub mod checkbox;
pub mod choice;
pub mod number;
pub mod summary;
pub mod text;

use serde::Serialize;

/// How a piece of the cell was matched to an option.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "how")]
pub enum Match {
    /// Equal after normalisation.
    Exact,
    /// Close to the option text (edited option, typo) — a human should confirm.
    Fuzzy { text: String, similarity: f64 },
}
