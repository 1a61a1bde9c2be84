//! `examgrade check RUBRIC... [--against EXPORT]... [--marked FILE] [--format text|json]`:
//! one line per check, grouped by rubric and question, ending `N passed, N failed`. Exit 0 when
//! every check passes, 1 when one fails, 2 when a file cannot be read.

use super::{CheckArgs, Fatal, read_file};
use crate::answers::checkbox::Separator;
use crate::check::{Check, against, rubric_checks};
use crate::report::agreement::{self, Pair, Report};
use crate::rubric::{self, Rubric};
use crate::score::score;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::process::ExitCode;

pub fn run(args: CheckArgs) -> ExitCode {
    match checks(&args) {
        Ok(code) => code,
        Err(Fatal(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// Parse a rubric already read; `Err` is the rendered errors.
fn parse(path: &std::path::Path, source: &str) -> Result<Rubric, String> {
    let base = path
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    let load = |relative: &str| super::read_model_file(&base.join(relative));
    rubric::parse_with(&path.display().to_string(), source, &load).map_err(|e| e.to_string())
}

/// Write to stdout; a closed pipe (`| head`) is not an error.
fn write_out(text: &str) -> Result<(), Fatal> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Fatal(format!("cannot write to standard output: {e}")))
        }
        _ => Ok(()),
    }
}

#[derive(Serialize)]
struct JsonReport<'a> {
    checks: &'a [Check],
    passed: usize,
    failed: usize,
}

fn checks(args: &CheckArgs) -> Result<ExitCode, Fatal> {
    let mut rubrics = Vec::new();
    for path in &args.rubrics {
        let source = String::from_utf8(read_file(path)?)
            .map_err(|_| Fatal(format!("{}: the rubric is not UTF-8 text", path.display())))?;
        rubrics.push((path.display().to_string(), parse(path, &source)));
    }
    let mut exports = Vec::new();
    for path in &args.against {
        let bytes = read_file(path)?;
        exports.push(crate::ingest::read_export(
            &path.display().to_string(),
            &bytes,
        )?);
    }
    if let Some(marked) = &args.marked {
        let rubric = match &rubrics[0].1 {
            Ok(r) => r,
            Err(e) => return Err(Fatal(e.clone())),
        };
        return marked_report(args, rubric, marked);
    }
    let mut all: Vec<Check> = Vec::new();
    for (file, rubric) in &rubrics {
        match rubric {
            Ok(r) => {
                all.extend(rubric_checks(r));
                for e in &exports {
                    all.extend(against(r, e));
                }
            }
            Err(errors) => all.push(Check {
                rubric: file.clone(),
                question: None,
                name: "loads".into(),
                passed: false,
                detail: errors.clone(),
            }),
        }
    }
    let passed = all.iter().filter(|c| c.passed).count();
    let failed = all.len() - passed;
    let mut text = String::new();
    if args.format == "json" {
        let report = JsonReport {
            checks: &all,
            passed,
            failed,
        };
        text = serde_json::to_string_pretty(&report).map_err(|e| Fatal(e.to_string()))?;
        text.push('\n');
    } else {
        let colour = std::io::stdout().is_terminal();
        let (ok, fail) = if colour {
            ("\x1b[32mok  \x1b[0m", "\x1b[31mFAIL\x1b[0m")
        } else {
            ("ok  ", "FAIL")
        };
        for c in &all {
            let what = match &c.question {
                Some(q) => format!("{} {q}", c.rubric),
                None => c.rubric.clone(),
            };
            let mark = if c.passed { ok } else { fail };
            if !c.passed && c.name == "loads" {
                text.push_str(&format!("{mark}  {what}: does not load\n{}\n", c.detail));
            } else {
                text.push_str(&format!("{mark}  {what}: {}: {}\n", c.name, c.detail));
            }
        }
        text.push_str(&format!("{passed} passed, {failed} failed\n"));
    }
    write_out(&text)?;
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn marked_report(
    args: &CheckArgs,
    rubric: &Rubric,
    marked: &std::path::Path,
) -> Result<ExitCode, Fatal> {
    let sheet = super::Sheet::read(marked)?;
    let file = &sheet.file;
    let column = |name: &str| {
        sheet.column(name).ok_or_else(|| {
            Fatal(format!(
                "{file}: no column `{name}` (columns: {}); name it with --question-column, --answer-column, --points-column",
                sheet.headers.join(", ")
            ))
        })
    };
    let (qc, ac, pc) = (
        column(&args.question_column)?,
        column(&args.answer_column)?,
        column(&args.points_column)?,
    );
    let mut pairs: BTreeMap<String, Vec<Pair>> = BTreeMap::new();
    let mut not_in_rubric: BTreeMap<String, usize> = BTreeMap::new();
    for (line, row) in &sheet.rows {
        let get = |c: usize| super::Sheet::cell(row, c);
        let id = get(qc);
        let Some(question) = rubric.questions.iter().find(|q| q.id == id) else {
            *not_in_rubric.entry(id).or_default() += 1;
            continue;
        };
        let human = crate::points::Points::parse(&get(pc)).ok_or_else(|| {
            Fatal(format!(
                "{file}:{line}: the human points `{}` are not a number",
                get(pc)
            ))
        })?;
        let answer = row.get(ac).map(String::as_str).unwrap_or("");
        let s = score(question, answer, Separator::Semicolon);
        pairs.entry(id).or_default().push(Pair {
            human: human.to_f64(),
            machine: s.points.to_f64(),
        });
    }
    let max_of = |id: &str| {
        rubric
            .questions
            .iter()
            .find(|q| q.id == id)
            .map(|q| q.points.to_f64())
            .unwrap_or(1.0)
    };
    let all: Vec<Pair> = pairs.values().flatten().copied().collect();
    let overall_max = rubric
        .questions
        .iter()
        .map(|q| q.points.to_f64())
        .fold(1.0, f64::max);
    let report = Report {
        per_question: pairs
            .iter()
            .map(|(q, p)| (q.clone(), agreement::agreement(p, max_of(q))))
            .collect(),
        overall: agreement::agreement(&all, overall_max),
        confusion: agreement::confusion(&all, overall_max),
        did_you_mean: not_in_rubric
            .keys()
            .filter_map(|id| {
                crate::rubric::error::did_you_mean(
                    id,
                    rubric.questions.iter().map(|q| q.id.as_str()),
                )
                .map(|known| (id.clone(), known.to_string()))
            })
            .collect(),
        not_in_rubric,
    };
    if args.format == "json" {
        write_out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&report).map_err(|e| Fatal(e.to_string()))?
        ))?;
    } else {
        write_out(&agreement::render(&report))?;
    }
    Ok(ExitCode::SUCCESS)
}
