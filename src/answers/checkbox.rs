//! A checkbox cell. Microsoft Forms writes every ticked option followed by `;`, in click
//! order (`B) Loaders;C) Conveyor belts;`); Google Forms joins them with `, `; Power Automate
//! flows store a JSON array (FORMAT.md §2, §6). Option texts may themselves contain `;` or `,`,
//! so the cell is split against the known options, longest first, not blindly.

use super::Match;
use crate::rubric::Options;
use crate::text::{normalize, similarity, squeeze};

/// Similarity above which an unknown piece is taken as an edited option (and reviewed).
const FUZZY_THRESHOLD: f64 = 0.8;

/// One ticked item.
#[derive(Clone, Debug, PartialEq)]
pub enum Selection {
    /// Option `index` of the rubric.
    Option { index: usize, matched: Match },
    /// Text that is no option of the rubric.
    Unknown { text: String },
}

/// Separator between ticked options.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Separator {
    /// `;` after each option (Microsoft Forms).
    Semicolon,
    /// `, ` between options (Google Forms).
    CommaSpace,
}

impl Separator {
    fn as_str(self) -> &'static str {
        match self {
            Separator::Semicolon => ";",
            Separator::CommaSpace => ",",
        }
    }
}

/// The distinct selections in a cell, in the order they were written. An empty cell has none.
pub fn parse(cell: &str, options: &Options, sep: Separator) -> Vec<Selection> {
    let pieces = match json_array(cell) {
        Some(items) => items
            .iter()
            .map(|item| match_piece(&normalize(item), item, options))
            .collect(),
        None => {
            let mut pieces = split(&normalize(cell), options, sep);
            restore_original_text(&mut pieces, cell, sep);
            pieces
        }
    };
    let mut out: Vec<Selection> = Vec::new();
    for p in pieces {
        if !out.iter().any(|o| same(o, &p)) {
            out.push(p);
        }
    }
    out
}

/// Two selections of the same option (or the same unknown text): a tick counts once.
fn same(a: &Selection, b: &Selection) -> bool {
    match (a, b) {
        (Selection::Option { index: i, .. }, Selection::Option { index: j, .. }) => i == j,
        (Selection::Unknown { text: x }, Selection::Unknown { text: y }) => x == y,
        _ => false,
    }
}

/// Pieces are matched on normalised text; a TA should see what the respondent wrote, so
/// unknown and fuzzy pieces get their original spelling back where the raw cell shows it.
fn restore_original_text(pieces: &mut [Selection], cell: &str, sep: Separator) {
    let raw: Vec<&str> = cell.split(sep.as_str()).map(str::trim).collect();
    let original = |normalised: &str| {
        raw.iter()
            .find(|r| normalize(r) == normalised)
            .map(|r| r.to_string())
    };
    for piece in pieces {
        let text = match piece {
            Selection::Unknown { text } => text,
            Selection::Option {
                matched: Match::Fuzzy { text, .. },
                ..
            } => text,
            _ => continue,
        };
        if let Some(o) = original(text) {
            *text = o;
        }
    }
}

/// `["Option A","Option C"]` as Power Automate writes multi-select answers.
fn json_array(cell: &str) -> Option<Vec<String>> {
    let t = cell.trim();
    if !(t.starts_with('[') && t.ends_with(']')) {
        return None;
    }
    serde_json::from_str::<Vec<String>>(t).ok()
}

/// Split a normalised cell: at each position take the longest option followed by the separator
/// (or the end); otherwise the text up to the next separator is one unknown piece.
fn split(cell: &str, options: &Options, sep: Separator) -> Vec<Selection> {
    let sep_str = sep.as_str();
    let mut by_length: Vec<usize> = (0..options.len()).collect();
    by_length.sort_by_key(|&i| std::cmp::Reverse(options.keys[i].len()));
    let mut out = Vec::new();
    let mut rest = cell.trim_start();
    while !rest.is_empty() {
        let found = by_length.iter().find_map(|&i| {
            let key = &options.keys[i];
            let after = rest.strip_prefix(key.as_str())?.trim_start();
            if after.is_empty() {
                Some((i, after))
            } else {
                after.strip_prefix(sep_str).map(|a| (i, a))
            }
        });
        match found {
            Some((index, after)) => {
                out.push(Selection::Option {
                    index,
                    matched: Match::Exact,
                });
                rest = after.trim_start();
            }
            None => {
                let (piece, after) = match rest.find(sep_str) {
                    Some(at) => (&rest[..at], &rest[at + sep_str.len()..]),
                    None => (rest, ""),
                };
                let piece = piece.trim();
                if !piece.is_empty() {
                    out.push(match_piece(piece, piece, options));
                }
                rest = after.trim_start();
            }
        }
    }
    out
}

/// A piece that is not literally an option: exact after normalisation, the same text with
/// other spacing, close enough to one option, or unknown.
fn match_piece(key: &str, original: &str, options: &Options) -> Selection {
    if let Some(index) = options.keys.iter().position(|k| k == key) {
        return Selection::Option {
            index,
            matched: Match::Exact,
        };
    }
    // A piece far longer than every option is no edited option, and comparing it character by
    // character would cost O(piece × option) on hostile input: it is unknown.
    let longest = options.keys.iter().map(|k| k.len()).max().unwrap_or(0);
    if key.len() > 2 * longest + 16 {
        return Selection::Unknown {
            text: original.trim().to_string(),
        };
    }
    let squeezed = squeeze(key);
    let best = options
        .keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let s = if options.squeezed[i] == squeezed {
                1.0
            } else {
                similarity(k, key)
            };
            (s, i)
        })
        .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
    match best {
        Some((s, index)) if s >= FUZZY_THRESHOLD => Selection::Option {
            index,
            matched: Match::Fuzzy {
                text: original.trim().to_string(),
                similarity: (s * 100.0).round() / 100.0,
            },
        },
        _ => Selection::Unknown {
            text: original.trim().to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(list: &[&str]) -> Options {
        Options::new(list.iter().map(|s| s.to_string()).collect())
    }

    fn indices(sel: &[Selection]) -> Vec<Option<usize>> {
        sel.iter()
            .map(|s| match s {
                Selection::Option { index, .. } => Some(*index),
                Selection::Unknown { .. } => None,
            })
            .collect()
    }

    #[test]
    fn forms_cells_split_in_click_order_with_trailing_semicolon() {
        let o = opts(&[
            "A) Missing Tooth Detection ",
            "B) Lip Shroud Detection ",
            "H) Video Recording ",
        ]);
        let s = parse(
            "H) Video Recording ;A) Missing Tooth Detection ;",
            &o,
            Separator::Semicolon,
        );
        assert_eq!(indices(&s), vec![Some(2), Some(0)]);
    }

    #[test]
    fn options_containing_semicolons_and_commas_are_split_against_the_option_list() {
        let o = opts(&["Yes; always", "Yes", "E) Only A, B, and C are correct"]);
        let s = parse(
            "Yes; always;E) Only A, B, and C are correct;Yes;",
            &o,
            Separator::Semicolon,
        );
        assert_eq!(indices(&s), vec![Some(0), Some(2), Some(1)]);
        // Google Forms joins with ", ": the option with commas still comes out whole.
        let s = parse(
            "E) Only A, B, and C are correct, Yes",
            &o,
            Separator::CommaSpace,
        );
        assert_eq!(indices(&s), vec![Some(2), Some(1)]);
    }

    #[test]
    fn edited_option_texts_match_fuzzily_and_unknown_text_is_kept() {
        let o = opts(&["K) Options A to H ", "The depth of the network"]);
        let s = parse(
            "K)OptionsAtoH;The depht of the network;Something else;",
            &o,
            Separator::Semicolon,
        );
        assert_eq!(indices(&s), vec![Some(0), Some(1), None]);
        assert!(matches!(
            &s[1],
            Selection::Option {
                matched: Match::Fuzzy { .. },
                ..
            }
        ));
        assert_eq!(
            s[2],
            Selection::Unknown {
                text: "Something else".into()
            }
        );
    }

    #[test]
    fn old_single_choice_rows_without_semicolon_and_json_arrays_are_read() {
        let o = opts(&["C) Conveyor belts", "B) Loaders"]);
        assert_eq!(
            indices(&parse("C) Conveyor belts", &o, Separator::Semicolon)),
            vec![Some(0)]
        );
        assert_eq!(
            indices(&parse(
                r#"["B) Loaders","C) Conveyor belts"]"#,
                &o,
                Separator::Semicolon
            )),
            vec![Some(1), Some(0)]
        );
    }

    #[test]
    fn a_huge_cell_is_unknown_without_fuzzy_matching() {
        let o = opts(&["A", "B"]);
        let cell = "x".repeat(1_000_000);
        assert_eq!(indices(&parse(&cell, &o, Separator::Semicolon)), vec![None]);
    }

    #[test]
    fn empty_cells_and_repeated_options_give_distinct_selections() {
        let o = opts(&["A", "B"]);
        assert!(parse("", &o, Separator::Semicolon).is_empty());
        assert!(parse(" ; ", &o, Separator::Semicolon).is_empty());
        assert_eq!(
            indices(&parse("A;A;B;", &o, Separator::Semicolon)),
            vec![Some(0), Some(1)]
        );
    }
}
