//! `examgrade init`: a rubric skeleton from an export. Every question column becomes a
//! question with its title, a kind guessed from the answers, the options seen, and points read
//! from the `Points - ` column's maximum. Keys are the TA's to fill: every question is written
//! `ungraded = true` until then, so the skeleton grades (with blanks) straight away.

use crate::answers::number;
use crate::ingest::{Export, Flavor};
use crate::points::Points;
use crate::text::{normalize, squeeze};
use std::collections::BTreeMap;
use std::fmt::Write;

/// What the answers of a column look like.
#[derive(Debug, PartialEq, Eq)]
enum Guess {
    Checkbox(Vec<String>),
    Choice(Vec<String>),
    Number,
    Text,
}

/// Most distinct answers a single-choice question is expected to have.
const MAX_CHOICES: usize = 12;

fn guess(cells: &[&str], flavor: Flavor) -> Guess {
    let answers: Vec<&str> = cells
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .collect();
    if answers.is_empty() {
        return Guess::Text;
    }
    let terminated = answers.iter().filter(|c| c.ends_with(';')).count();
    if flavor == Flavor::MicrosoftForms && terminated * 2 >= answers.len() {
        // Each distinct cell and option normalised once, not once per comparison.
        let mut seen = Vec::new();
        let mut seen_keys = std::collections::HashSet::new();
        let mut in_order: Vec<&str> = Vec::new();
        let mut added = std::collections::HashSet::new();
        for a in &answers {
            if added.insert(*a) {
                in_order.push(a);
            }
        }
        for a in in_order {
            for item in a.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                if seen_keys.insert(squeeze(item)) {
                    seen.push(item.to_string());
                }
            }
        }
        return Guess::Checkbox(seen);
    }
    if answers.iter().all(|a| number::parse(a).is_ok()) {
        return Guess::Number;
    }
    let mut distinct: Vec<String> = Vec::new();
    let mut keys = std::collections::HashSet::new();
    let mut cells = std::collections::HashSet::new();
    for a in &answers {
        // A cell seen before needs no normalising again.
        if cells.insert(*a) && keys.insert(normalize(a)) {
            distinct.push(a.to_string());
        }
    }
    let repeated = distinct.len() < answers.len() || answers.len() <= 2;
    if distinct.len() <= MAX_CHOICES
        && repeated
        && distinct.iter().all(|d| d.chars().count() <= 200)
    {
        Guess::Choice(distinct)
    } else {
        Guess::Text
    }
}

/// A TOML basic string.
fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn toml_list(items: &[String], indent: &str) -> String {
    if items.is_empty() {
        return "[]".into();
    }
    let mut out = String::from("[\n");
    for i in items {
        let _ = writeln!(out, "{indent}    {},", toml_str(i));
    }
    out.push_str(indent);
    out.push(']');
    out
}

/// A short id from a title: `q3-please-write-your`.
fn slug(n: usize, title: &str) -> String {
    let words: Vec<String> = normalize(title)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(4)
        .map(str::to_string)
        .collect();
    let mut id = format!("q{n}");
    for w in words {
        if id.len() + w.len() + 1 > 32 {
            break;
        }
        id.push('-');
        id.push_str(&w);
    }
    id
}

/// The rubric skeleton for `export`, as TOML text. `title` names the exam.
pub fn scaffold(export: &Export, title: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Rubric skeleton written by `examgrade init` from {}.\n\
         # For each question: check the kind, fill in `key` (and `scheme` for checkboxes), then\n\
         # delete `ungraded = true`. Until then the question is reported as ungraded.\n",
        export.file
    );
    let _ = writeln!(
        out,
        "[exam]\ntitle = {}\nduplicates = \"latest\"  # latest | first | all",
        toml_str(title)
    );
    let mut used: BTreeMap<String, usize> = BTreeMap::new();
    for (n, column) in export.question_columns().enumerate() {
        let cells: Vec<&str> = export
            .submissions
            .iter()
            .map(|s| s.cell(column.index))
            .collect();
        let points_col = export.points_column_of(column.index);
        let max_points = points_col.and_then(|pc| {
            export
                .submissions
                .iter()
                .filter_map(|s| number::parse(s.cell(pc)).ok().map(|n| n.value))
                .max()
        });
        let mut id = slug(n + 1, &column.header);
        let count = used.entry(id.clone()).or_insert(0);
        *count += 1;
        if *count > 1 {
            id = format!("{id}-{count}");
        }
        let answered = cells.iter().filter(|c| !c.trim().is_empty()).count();
        let _ = writeln!(out, "\n[[questions]]");
        let _ = writeln!(out, "id = {}", toml_str(&id));
        let _ = writeln!(out, "column = {}", toml_str(&column.header));
        match max_points {
            Some(p) if p > Points::ZERO => {
                let _ = writeln!(out, "points = {}  # the most Forms awarded", p.exact_toml());
            }
            _ => {
                let _ = writeln!(out, "points = 1  # no points in the export: set them");
            }
        }
        let full_marks = |answer_of: &dyn Fn(&str) -> Option<String>| -> Option<String> {
            let (pc, max) = (points_col?, max_points?);
            let mut found: Option<String> = None;
            for s in &export.submissions {
                if number::parse(s.cell(pc)).ok().map(|n| n.value) == Some(max) {
                    let a = answer_of(s.cell(column.index))?;
                    match &found {
                        Some(f) if *f != a => return None,
                        _ => found = Some(a),
                    }
                }
            }
            found
        };
        match guess(&cells, export.flavor) {
            Guess::Checkbox(options) => {
                let _ = writeln!(out, "kind = \"checkbox\"  # {answered} answer(s)");
                let _ = writeln!(out, "scheme = \"net-correct\"");
                let _ = writeln!(
                    out,
                    "options = {}  # as seen in the answers: add the ones nobody ticked",
                    toml_list(&options, "")
                );
                let sorted = |cell: &str| {
                    let mut items: Vec<String> = cell
                        .split(';')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect();
                    items.sort();
                    Some(items.join("\u{1F}"))
                };
                if let Some(key) = full_marks(&sorted) {
                    let key: Vec<String> = key.split('\u{1F}').map(str::to_string).collect();
                    let _ = writeln!(
                        out,
                        "# Forms gave full points to: key = {}",
                        toml_str_list_inline(&key)
                    );
                }
                let _ = writeln!(out, "key = []");
            }
            Guess::Choice(options) => {
                let _ = writeln!(out, "kind = \"choice\"  # {answered} answer(s)");
                let _ = writeln!(
                    out,
                    "options = {}  # as seen in the answers: add the ones nobody chose",
                    toml_list(&options, "")
                );
                if let Some(key) = full_marks(&|c: &str| Some(c.trim().to_string())) {
                    let _ = writeln!(out, "# Forms gave full points to: key = {}", toml_str(&key));
                }
                let _ = writeln!(out, "key = \"\"");
            }
            Guess::Number => {
                let _ = writeln!(out, "kind = \"number\"  # {answered} answer(s)");
                let _ = writeln!(out, "key = 0\ntolerance = 0");
            }
            Guess::Text => {
                let _ = writeln!(
                    out,
                    "kind = \"text\"  # {answered} answer(s); free text is not graded by this version"
                );
            }
        }
        let _ = writeln!(out, "ungraded = true");
    }
    out
}

fn toml_str_list_inline(items: &[String]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|i| toml_str(i))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

impl Points {
    /// The value as a TOML number or fraction string.
    fn exact_toml(&self) -> String {
        let e = self.exact();
        if e.contains('/') {
            if self.displays_exactly() {
                self.display()
            } else {
                toml_str(&e)
            }
        } else {
            e
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_guessed_from_the_answers() {
        let f = Flavor::MicrosoftForms;
        assert_eq!(
            guess(&["A;B;", "B;", ""], f),
            Guess::Checkbox(vec!["A".into(), "B".into()])
        );
        assert_eq!(
            guess(&["x", "y", "x"], f),
            Guess::Choice(vec!["x".into(), "y".into()])
        );
        assert_eq!(guess(&["12", "12,5"], f), Guess::Number);
        assert_eq!(
            guess(&["long answer one", "another", "third"], f),
            Guess::Text
        );
        assert_eq!(guess(&["", ""], f), Guess::Text);
    }

    #[test]
    fn toml_strings_are_escaped() {
        assert_eq!(toml_str("a \"b\"\n\\"), "\"a \\\"b\\\"\\n\\\\\"");
        assert_eq!(
            slug(3, "Please write your name and surname."),
            "q3-please-write-your-name"
        );
    }
}
