//! `examgrade diff OLD_DIR NEW_DIR`: the regrade preview — which respondents' points changed
//! between two `grade` runs (a rubric change, overrides), by how much, on which question.

use super::{DiffArgs, Fatal, read_file};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;

/// (respondent id → (name, total, question id → points)) from a grades.json.
type Grades = BTreeMap<String, (String, f64, BTreeMap<String, Option<f64>>)>;

fn load(dir: &std::path::Path) -> Result<Grades, Fatal> {
    let path = dir.join("grades.json");
    let json: Value = serde_json::from_slice(&read_file(&path)?)
        .map_err(|e| Fatal(format!("{}: not a grades.json: {e}", path.display())))?;
    let mut out = Grades::new();
    for r in json["respondents"].as_array().into_iter().flatten() {
        let id = r["respondent"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
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
        out.insert(id, (name, r["total"].as_f64().unwrap_or(0.0), questions));
    }
    Ok(out)
}

fn num(x: Option<f64>) -> String {
    match x {
        Some(v) => format!("{}", (v * 100.0).round() / 100.0),
        None => "–".into(),
    }
}

pub fn run(args: DiffArgs) -> Result<(), Fatal> {
    let (old, new) = (load(&args.old)?, load(&args.new)?);
    let mut out = String::new();
    let mut changed = 0;
    for (id, (name, total, questions)) in &new {
        let Some((_, old_total, old_questions)) = old.get(id) else {
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
    for (id, (name, total, _)) in &old {
        if !new.contains_key(id) {
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
