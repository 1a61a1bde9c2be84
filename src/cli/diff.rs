//! `examgrade diff OLD_DIR NEW_DIR`: the regrade preview — which respondents' points changed
//! between two `grade` runs (a rubric change, overrides), by how much, on which question.

use super::{DiffArgs, Fatal, read_file};
use crate::report::neutralize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;

/// (respondent key → (Forms ID, name, total, question id → points)) from a grades.json.
type Grades = BTreeMap<String, (String, String, f64, BTreeMap<String, Option<f64>>)>;

/// Which exam a run graded: the rubric's title and its question ids.
struct Exam {
    title: String,
    questions: Vec<String>,
}

fn load(dir: &std::path::Path) -> Result<(Exam, Grades), Fatal> {
    let path = dir.join("grades.json");
    let json: Value = serde_json::from_slice(&read_file(&path)?)
        .map_err(|e| Fatal(format!("{}: not a grades.json: {e}", path.display())))?;
    let exam = Exam {
        title: json["exam"].as_str().unwrap_or_default().to_string(),
        questions: json["questions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|q| q["id"].as_str().map(str::to_string))
            .collect(),
    };
    let mut out = Grades::new();
    for r in json["respondents"].as_array().into_iter().flatten() {
        let id = r["respondent"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        // Respondents pair by their stable key (e-mail, or export file + Forms ID): two
        // exports both number their rows from ID 1.
        let key = r["respondent"]["key"]
            .as_str()
            .map(str::to_string)
            .or_else(|| {
                r["respondent"]["email"]
                    .as_str()
                    .filter(|e| !e.is_empty())
                    .map(str::to_lowercase)
            })
            .unwrap_or_else(|| format!("{}#{id}", r["file"].as_str().unwrap_or_default()));
        let name = r["respondent"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let questions = r["questions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|q| {
                (
                    q["id"].as_str().unwrap_or_default().to_string(),
                    q["points"].as_f64(),
                )
            })
            .collect();
        if out.contains_key(&key) {
            return Err(Fatal(format!(
                "{}: two respondents share the key `{}` (a run of an older examgrade?); \
                 regrade it to compare",
                path.display(),
                crate::text::excerpt(&key, 80)
            )));
        }
        out.insert(
            key,
            (id, name, r["total"].as_f64().unwrap_or(0.0), questions),
        );
    }
    Ok((exam, out))
}

/// Student text on a terminal: one bounded line, no control characters (no escape sequence
/// reaches the TA's terminal), never a formula if pasted into a sheet.
fn shown(text: &str) -> String {
    neutralize(&crate::text::excerpt(text, 80))
}

fn num(x: Option<f64>) -> String {
    match x {
        Some(v) => format!("{}", (v * 100.0).round() / 100.0),
        None => "–".into(),
    }
}

pub fn run(args: DiffArgs) -> Result<(), Fatal> {
    let ((old_exam, old), (new_exam, new)) = (load(&args.old)?, load(&args.new)?);
    let shared = new_exam
        .questions
        .iter()
        .filter(|q| old_exam.questions.contains(q))
        .count();
    if old_exam.title != new_exam.title || (shared == 0 && !new_exam.questions.is_empty()) {
        return Err(Fatal(format!(
            "{} and {} are runs of different exams (`{}` with {} question(s), `{}` with {}; {} \
             in common): nothing to compare",
            args.old.display(),
            args.new.display(),
            old_exam.title,
            old_exam.questions.len(),
            new_exam.title,
            new_exam.questions.len(),
            shared
        )));
    }
    let mut out = String::new();
    let mut changed = 0;
    for (key, (id, name, total, questions)) in &new {
        let (id, name) = (shown(id), shown(name));
        let Some((_, _, old_total, old_questions)) = old.get(key) else {
            out.push_str(&format!(
                "{id} {name}: new respondent, total {}\n",
                num(Some(*total))
            ));
            changed += 1;
            continue;
        };
        let mut moves = Vec::new();
        for (q, points) in questions {
            let before = old_questions.get(q).copied().flatten();
            if before != *points {
                let delta = match (before, points) {
                    (Some(b), Some(a)) => format!(" ({:+})", ((a - b) * 100.0).round() / 100.0),
                    _ => String::new(),
                };
                moves.push(format!("{q} {} → {}{delta}", num(before), num(*points)));
            }
        }
        for q in old_questions.keys().filter(|q| !questions.contains_key(*q)) {
            moves.push(format!("{q} removed"));
        }
        if !moves.is_empty() || old_total != total {
            changed += 1;
            out.push_str(&format!(
                "{id} {name}: total {} → {} ({:+}); {}\n",
                num(Some(*old_total)),
                num(Some(*total)),
                ((total - old_total) * 100.0).round() / 100.0,
                moves.join(", ")
            ));
        }
    }
    for (key, (id, name, total, _)) in &old {
        let (id, name) = (shown(id), shown(name));
        if !new.contains_key(key) {
            out.push_str(&format!(
                "{id} {name}: no longer graded (was {})\n",
                num(Some(*total))
            ));
            changed += 1;
        }
    }
    out.push_str(&format!(
        "{changed} of {} respondent(s) changed\n",
        new.len().max(old.len())
    ));
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(out.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Fatal(format!("cannot write to standard output: {e}")))
        }
        _ => Ok(()),
    }
}
