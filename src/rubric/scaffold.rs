//! `examgrade init`: a rubric from an export. Every question column becomes a question with
//! its title, a kind guessed from the answers, the options seen, and points read from the
//! `Points - ` column's maximum. Where Forms graded a question, its points reveal the key
//! (the answers that always got full points) and the rubric reproduces Forms; every other
//! question is written `ungraded = true` until the TA fills it in, so the rubric grades
//! straight away.

use crate::answers::number;
use crate::ingest::{Export, Flavor};
use crate::points::Points;
use crate::score::forms::Learnt;
use crate::text::{excerpt, normalize, squeeze};
use std::collections::BTreeMap;
use std::fmt::Write;

/// What the answers of a column look like.
#[derive(Debug, PartialEq, Eq)]
enum Guess {
    Checkbox(Vec<String>),
    Choice(Vec<String>),
    Number,
    /// A filled-in `model.summary()` template.
    Summary,
    Text,
}

/// Most distinct answers a single-choice question is expected to have.
const MAX_CHOICES: usize = 12;

/// Does this cell look like a filled-in `model.summary()` (or the template itself)?
fn looks_like_summary(cell: &str) -> bool {
    let markers = ["[ADD SIZES]", "[ADD PARAMS]", "[ADD SIZE]", "[ADD PARAM]"];
    if markers.iter().any(|m| cell.contains(m)) {
        return true;
    }
    let lower = cell.to_ascii_lowercase();
    lower.contains("output shape") && lower.contains("param #")
        || lower.contains("total params") && lower.contains("trainable params")
}

/// Google Forms joins ticked options with `, `: a column is checkboxes when its cells split
/// into pieces that recur across rows (each piece is some other row's piece or whole answer).
fn google_checkbox(answers: &[&str]) -> Option<Vec<String>> {
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    let mut several = 0usize;
    let mut first_seen: Vec<String> = Vec::new();
    for a in answers {
        let pieces: Vec<&str> = a
            .split(", ")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        if pieces.len() > 1 {
            several += 1;
        }
        for p in pieces {
            let n = count.entry(squeeze(p)).or_insert(0);
            if *n == 0 {
                first_seen.push(p.to_string());
            }
            *n += 1;
        }
    }
    // Some rows tick several; the pieces are few and recur (options, not prose with commas).
    let recurring = count.values().filter(|n| **n >= 2).count();
    if several == 0 || count.len() > MAX_CHOICES * 2 || recurring * 2 < count.len() {
        return None;
    }
    Some(first_seen)
}

/// `forms_graded`: Forms gave points for the column (a quiz's choice question is auto-graded;
/// its free-text questions are not).
fn guess(cells: &[&str], flavor: Flavor, forms_graded: bool) -> Guess {
    let answers: Vec<&str> = cells
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .collect();
    if answers.is_empty() {
        return Guess::Text;
    }
    if answers.iter().any(|a| looks_like_summary(a)) {
        return Guess::Summary;
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
    // Google's `2, 3, 5` is three ticked options, not a number.
    if flavor == Flavor::GoogleForms
        && let Some(options) = google_checkbox(&answers)
    {
        return Guess::Checkbox(options);
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
    // Few distinct answers, repeated: options — however long their texts when Forms graded
    // them; without Forms' points, prose (long or on several lines) is free text.
    let repeated = distinct.len() < answers.len() || answers.len() <= 2;
    let prose = distinct
        .iter()
        .any(|d| d.contains('\n') || d.chars().count() > 200);
    if distinct.len() <= MAX_CHOICES && repeated && (forms_graded || !prose) {
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

/// The exam's title from the export's file name: Forms names a download `<form title>(1-N)`,
/// with `_` for spaces.
pub fn title_from_file_name(stem: &str) -> String {
    let mut t = stem.trim();
    if let Some(open) = t.rfind('(')
        && t.ends_with(')')
        && t[open + 1..t.len() - 1]
            .split('-')
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    {
        t = &t[..open];
    }
    let spaced = t.replace('_', " ");
    let title = spaced.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.is_empty() {
        stem.to_string()
    } else {
        title
    }
}

/// What init could learn of a question's key from Forms' points.
enum Keyed {
    /// The key, as TOML, with comment lines; the rubric reproduces Forms.
    Key { toml: String, comments: Vec<String> },
    /// No key: why, as comment lines.
    No(Vec<String>),
}

/// Comment lines about answers Forms itself gave different points.
fn inconsistent_comments(learnt: &Learnt) -> Vec<String> {
    let odd: Vec<String> = learnt
        .inconsistent()
        .take(5)
        .map(|a| a.describe())
        .collect();
    if odd.is_empty() {
        return Vec::new();
    }
    let mut out = vec![format!(
        "Forms gave the same answer different points (a key changed during the quiz, or \
         points edited by hand); no key is inferred from {}:",
        if odd.len() == 1 { "it" } else { "them" }
    )];
    out.extend(odd.into_iter().map(|o| format!("  {o}")));
    out
}

/// The key of a choice or checkbox question from the answers Forms always gave the same
/// points: those with full points. `options` are the texts the rubric lists.
fn learn_key(learnt: &Learnt, options: &[String], multiple: bool) -> Keyed {
    let mut comments = inconsistent_comments(learnt);
    let Some(max) = learnt.max.filter(|m| *m > Points::ZERO) else {
        comments.push("no respondent got points from Forms: set the key".into());
        return Keyed::No(comments);
    };
    let partial: Vec<String> = learnt
        .consistent()
        .filter(|(_, p)| *p != max && !p.is_zero())
        .take(3)
        .map(|(a, p)| format!("`{}` ({p})", excerpt(a.answer.trim(), 40)))
        .collect();
    let full: Vec<&str> = learnt
        .consistent()
        .filter(|(_, p)| *p == max)
        .map(|(a, _)| a.answer.as_str())
        .collect();
    if !partial.is_empty() {
        comments.push(format!(
            "Forms gave partial points ({}): set the key and scheme by hand",
            partial.join(", ")
        ));
        return Keyed::No(comments);
    }
    if full.is_empty() {
        comments.push("no answer always got full points from Forms: set the key".into());
        return Keyed::No(comments);
    }
    // The rubric's own option texts, by whitespace-insensitive text.
    let option_of = |item: &str| -> Option<&String> {
        let k = squeeze(item);
        options.iter().find(|o| squeeze(o) == k)
    };
    if multiple {
        let mut sets: Vec<Vec<&String>> = Vec::new();
        for f in &full {
            let mut set: Vec<&String> = Vec::new();
            for item in f.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                match option_of(item) {
                    Some(o) if !set.contains(&o) => set.push(o),
                    Some(_) => {}
                    None => {
                        comments.push(format!("`{}` is no option seen", excerpt(item, 40)));
                        return Keyed::No(comments);
                    }
                }
            }
            // The key in the options' order, not the click order.
            set.sort_by_key(|o| options.iter().position(|x| x == *o));
            if !sets.contains(&set) {
                sets.push(set);
            }
        }
        if sets.len() > 1 {
            comments.push(format!(
                "Forms gave full points to {} different selections: set the key by hand",
                sets.len()
            ));
            return Keyed::No(comments);
        }
        let key: Vec<String> = sets[0].iter().map(|s| s.to_string()).collect();
        let rows: usize = learnt
            .consistent()
            .filter(|(_, p)| *p == max)
            .map(|(a, _)| a.points.values().map(|(n, _)| n).sum::<usize>())
            .sum();
        comments.push(format!(
            "from the {rows} answer(s) Forms gave full points; Forms scores multiple answers \
             all-or-nothing"
        ));
        comments.push(
            "partial credit instead: scheme = \"net-correct\" | \"each-answer\" | \"coverage\" | \
             \"false2\" | \"weights\" (then set matches_forms = false)"
                .into(),
        );
        Keyed::Key {
            toml: toml_str_list_inline(&key),
            comments,
        }
    } else {
        let mut key: Vec<String> = Vec::new();
        for f in &full {
            match option_of(f.trim()) {
                Some(o) if !key.contains(o) => key.push(o.clone()),
                Some(_) => {}
                None => {
                    comments.push(format!("`{}` is no option seen", excerpt(f, 40)));
                    return Keyed::No(comments);
                }
            }
        }
        key.sort_by_key(|k| options.iter().position(|o| o == k));
        if key.len() > 1 {
            comments.push(
                "Forms gave full points to each of these: variants of an option edited while the \
                 quiz was open, or several right options"
                    .into(),
            );
        }
        let toml = if key.len() == 1 {
            toml_str(&key[0])
        } else {
            toml_str_list_inline(&key)
        };
        comments.push("from the answers Forms gave full points".into());
        Keyed::Key { toml, comments }
    }
}

/// The key of a number question: every answer Forms gave full points has the same value.
fn learn_number(learnt: &Learnt) -> Keyed {
    let mut comments = inconsistent_comments(learnt);
    let Some(max) = learnt.max.filter(|m| *m > Points::ZERO) else {
        comments.push("no respondent got points from Forms: set the key".into());
        return Keyed::No(comments);
    };
    let mut values: Vec<Points> = Vec::new();
    for (a, p) in learnt.consistent() {
        if p == max
            && let Ok(n) = number::parse(&a.answer)
            && !values.contains(&n.value)
        {
            values.push(n.value);
        }
    }
    match values.as_slice() {
        [v] => {
            comments.push("from the answers Forms gave full points".into());
            Keyed::Key {
                toml: v.exact_toml(),
                comments,
            }
        }
        [] => {
            comments.push("no answer always got full points from Forms: set the key".into());
            Keyed::No(comments)
        }
        _ => {
            comments.push(format!(
                "Forms gave full points to several values ({}): set the key and tolerance",
                values
                    .iter()
                    .map(|v| v.decimal())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            Keyed::No(comments)
        }
    }
}

fn comment_lines(out: &mut String, lines: &[String]) {
    for l in lines {
        // A comment is one line: the export's text never ends it.
        let l: String = l
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let _ = writeln!(out, "# {l}");
    }
}

/// The rubric skeleton for `export`, as TOML text. `title` names the exam.
pub fn scaffold(export: &Export, title: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Rubric written by `examgrade init` from {}.\n\
         # Questions Forms graded have the key its points reveal (`matches_forms = true`: grade\n\
         # and check fail if the rubric stops reproducing Forms). The others are `ungraded = true`\n\
         # until you fill them in: check the kind and key, then delete that line.\n",
        export.file.replace(['\n', '\r'], " ")
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
        let points_column = export.points_column_of(column.index);
        let forms_graded = points_column.is_some_and(|pc| {
            export
                .submissions
                .iter()
                .any(|s| crate::score::forms::points_cell(s.cell(pc)).is_some())
        });
        let guess = guess(&cells, export.flavor, forms_graded);
        let multiple = matches!(guess, Guess::Checkbox(_));
        let learnt = points_column
            .map(|pc| Learnt::from_export(export, column.index, pc, multiple))
            .filter(|l| l.graded > 0);
        let max_points = learnt.as_ref().and_then(|l| l.max);
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
        let points = match max_points {
            Some(p) if p > Points::ZERO => {
                let _ = writeln!(out, "points = {}  # the most Forms awarded", p.exact_toml());
                p
            }
            _ => {
                let _ = writeln!(out, "points = 1  # no points in the export: set them");
                Points::ONE
            }
        };
        let no_points = || vec!["Forms did not grade this question: set the key".to_string()];
        let keyed = |options: &[String]| match &learnt {
            Some(l) => learn_key(l, options, multiple),
            None => Keyed::No(no_points()),
        };
        // Free text ends with its criteria tables: every question field comes before them.
        let graded = match guess {
            Guess::Checkbox(options) => {
                let _ = writeln!(out, "kind = \"checkbox\"  # {answered} answer(s)");
                let k = keyed(&options);
                // Both Forms and Google Forms score multiple answers all-or-nothing.
                let scheme = if matches!(k, Keyed::Key { .. })
                    || learnt.is_some()
                    || export.flavor == Flavor::GoogleForms
                {
                    "all-or-nothing"
                } else {
                    "net-correct"
                };
                let _ = writeln!(out, "scheme = \"{scheme}\"");
                let _ = writeln!(
                    out,
                    "options = {}  # as seen in the answers: add the ones nobody ticked",
                    toml_list(&options, "")
                );
                key_lines(&mut out, k, "[]")
            }
            Guess::Choice(options) => {
                let _ = writeln!(out, "kind = \"choice\"  # {answered} answer(s)");
                let _ = writeln!(
                    out,
                    "options = {}  # as seen in the answers: add the ones nobody chose",
                    toml_list(&options, "")
                );
                key_lines(&mut out, keyed(&options), "\"\"")
            }
            Guess::Number => {
                let _ = writeln!(out, "kind = \"number\"  # {answered} answer(s)");
                let k = match &learnt {
                    Some(l) => learn_number(l),
                    None => Keyed::No(no_points()),
                };
                let graded = key_lines(&mut out, k, "0");
                let _ = writeln!(out, "tolerance = 0");
                graded
            }
            Guess::Summary => {
                let _ = writeln!(
                    out,
                    "kind = \"summary\"  # {answered} answer(s): a filled-in model.summary()"
                );
                let _ = writeln!(
                    out,
                    "# The exam's network as Keras code: the engine computes every shape and count\n\
                     # from it (`examgrade summary MODEL.py` prints what Keras would)."
                );
                let _ = writeln!(out, "model = \"models/{id}.py\"");
                let _ = writeln!(out, "layout = \"keras2\"  # keras2 | keras3");
                let _ = writeln!(
                    out,
                    "weights = {{ shape = 1, formula = 1, params = 1, total = 1, trainable = 1, non_trainable = 1 }}"
                );
                let _ = writeln!(
                    out,
                    "follow_through = 1  # credit for a value right given the student's own earlier mistake"
                );
                false
            }
            Guess::Text => {
                let _ = writeln!(out, "kind = \"text\"  # {answered} answer(s)");
                let _ = writeln!(
                    out,
                    "# reference = [\"a model answer\"]  # a second opinion compares answers with it"
                );
                if let Some(l) = &learnt {
                    let full: Vec<String> = l
                        .consistent()
                        .filter(|(_, p)| Some(*p) == l.max && !p.is_zero())
                        .take(5)
                        .map(|(a, _)| format!("`{}`", excerpt(a.answer.trim(), 60)))
                        .collect();
                    if !full.is_empty() {
                        comment_lines(
                            &mut out,
                            &[format!("Forms gave full points to: {}", full.join(", "))],
                        );
                    }
                }
                let _ = writeln!(out, "ungraded = true");
                let _ = writeln!(
                    out,
                    "\n# Each criterion earns its points when the answer uses one of its terms\n\
                     # (`a ~3 b`: near each other; `word*`: any ending; `@name`: a synonym list).\n\
                     [[questions.criteria]]\n\
                     id = \"main-idea\"\n\
                     description = \"What a right answer must say.\"\n\
                     points = {}\n\
                     any = [\"TERM\", \"ANOTHER TERM\"]",
                    points.exact_toml()
                );
                continue;
            }
        };
        if graded {
            let _ = writeln!(out, "matches_forms = true");
        } else {
            let _ = writeln!(out, "ungraded = true");
        }
    }
    out
}

/// Write a learnt key (and its comments) or the placeholder; whether it was learnt.
fn key_lines(out: &mut String, keyed: Keyed, placeholder: &str) -> bool {
    match keyed {
        Keyed::Key { toml, comments } => {
            comment_lines(out, &comments);
            let _ = writeln!(out, "key = {toml}");
            true
        }
        Keyed::No(comments) => {
            comment_lines(out, &comments);
            let _ = writeln!(out, "key = {placeholder}");
            false
        }
    }
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
        let guess = |cells: &[&str], f| guess(cells, f, false);
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
        // A summary template, filled in or not.
        assert_eq!(
            guess(
                &["Layer (type)  Output Shape  Param #\nconv2d (Conv2D) [ADD SIZES] [ADD PARAMS]"],
                f
            ),
            Guess::Summary
        );
        // Google Forms: options joined by `, ` that recur across rows.
        let g = Flavor::GoogleForms;
        assert_eq!(
            guess(&["Red, Green", "Green", "Red", "Blue, Red"], g),
            Guess::Checkbox(vec!["Red".into(), "Green".into(), "Blue".into()])
        );
        assert_eq!(
            guess(
                &[
                    "Well, I think so",
                    "No, not really",
                    "Yes, of course",
                    "Maybe"
                ],
                g
            ),
            Guess::Text
        );
    }

    #[test]
    fn long_options_stay_choice_when_forms_graded_them() {
        let long = "x".repeat(250);
        let cells = [long.as_str(), long.as_str(), "short"];
        assert_eq!(
            guess(&cells, Flavor::MicrosoftForms, true),
            Guess::Choice(vec![long.clone(), "short".into()])
        );
        // Without Forms' points, repeated prose is free text.
        assert_eq!(guess(&cells, Flavor::MicrosoftForms, false), Guess::Text);
    }

    #[test]
    fn the_title_is_the_forms_title_not_the_download_name() {
        assert_eq!(
            title_from_file_name("[ENGLISH]_[INTERNAL]_[2024]_TruckMetrics_Training_Quiz(1-39)"),
            "[ENGLISH] [INTERNAL] [2024] TruckMetrics Training Quiz"
        );
        assert_eq!(title_from_file_name("Esame 9 febbraio"), "Esame 9 febbraio");
        assert_eq!(title_from_file_name("Quiz (draft)"), "Quiz (draft)");
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
