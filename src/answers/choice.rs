//! A single-choice cell: the option text as authored (FORMAT.md §2). A question switched from
//! multiple to single answers mid-collection leaves a trailing `;` on some rows.

use super::Match;
use super::checkbox::{Selection, Separator, parse as parse_checkbox};
use crate::rubric::Options;

/// What a single-choice cell says.
#[derive(Clone, Debug, PartialEq)]
pub enum ChoiceAnswer {
    Empty,
    /// One option.
    Option {
        index: usize,
        matched: Match,
    },
    /// Several options in one cell (the question was multiple-answer at some point).
    Several(Vec<Selection>),
    /// Text that is no option.
    Unknown {
        text: String,
    },
}

pub fn parse(cell: &str, options: &Options) -> ChoiceAnswer {
    if cell.trim().trim_end_matches(';').trim().is_empty() {
        return ChoiceAnswer::Empty;
    }
    let mut selections = parse_checkbox(cell, options, Separator::Semicolon);
    match selections.len() {
        0 => ChoiceAnswer::Empty,
        1 => match selections.remove(0) {
            Selection::Option { index, matched } => ChoiceAnswer::Option { index, matched },
            Selection::Unknown { .. } => ChoiceAnswer::Unknown {
                text: cell.trim().to_string(),
            },
        },
        _ => ChoiceAnswer::Several(selections),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> Options {
        Options::new(vec![
            "6 x 8".into(),
            "12 x 12".into(),
            "Yes, PortaMetrics is a portable device\n".into(),
        ])
    }

    #[test]
    fn option_text_with_commas_and_trailing_newline_is_one_answer() {
        assert_eq!(
            parse("Yes, PortaMetrics is a portable device", &opts()),
            ChoiceAnswer::Option {
                index: 2,
                matched: Match::Exact
            }
        );
        assert_eq!(
            parse("12 x 12;", &opts()),
            ChoiceAnswer::Option {
                index: 1,
                matched: Match::Exact
            }
        );
    }

    #[test]
    fn unknown_and_empty_answers_are_told_apart() {
        assert_eq!(parse("  ", &opts()), ChoiceAnswer::Empty);
        assert_eq!(
            parse("banana", &opts()),
            ChoiceAnswer::Unknown {
                text: "banana".into()
            }
        );
        assert!(matches!(
            parse("6 x 8;12 x 12;", &opts()),
            ChoiceAnswer::Several(_)
        ));
    }
}
