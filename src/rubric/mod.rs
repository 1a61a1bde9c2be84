//! Rubric: the TOML file of one exam, read into a validated [`Rubric`]. Every error names the
//! file, line and column and shows the line (see `error`).

pub mod error;
pub mod model;
mod parse;

pub use error::{RubricError, RubricErrors};
pub use model::*;
pub use parse::{parse, parse_with};
pub mod criteria;
pub mod scaffold;
