//! `examgrade check RUBRIC... [--against EXPORT]... [--marked FILE] [--format text|json]`:
//! one line per check, grouped by rubric and question, ending `N passed, N failed`. Exit 0 when
//! every check passes, 1 when one fails, 2 when a file cannot be read.

use super::{CheckArgs, Fatal, read_file};
use crate::answers::checkbox::Separator;
use crate::check::{Check, against, rubric_checks};
use crate::report::agreement;
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
    if args.format == "csv" && args.marked.is_none() {
        return Err(Fatal(
            "--format csv writes one row per marked answer: it needs --marked FILE".into(),
        ));
    }
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
        let mut loaded = Vec::new();
        for (_, r) in &rubrics {
            match r {
                Ok(r) => loaded.push(r),
                Err(e) => return Err(Fatal(e.clone())),
            }
        }
        return marked_report(args, &loaded, marked);
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
    rubrics: &[&Rubric],
    marked: &std::path::Path,
) -> Result<ExitCode, Fatal> {
    use crate::points::Points;
    use crate::report::agreement::{Marked, Skipped};
    use crate::score::Finding;
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
    // Question ids over all rubrics: each id in one rubric only.
    let mut questions: BTreeMap<&str, (&Rubric, &crate::rubric::Question)> = BTreeMap::new();
    for r in rubrics {
        for q in &r.questions {
            if let Some((other, _)) = questions.insert(&q.id, (r, q)) {
                return Err(Fatal(format!(
                    "question `{}` is in {} and in {}: give --marked rubrics with distinct question ids",
                    q.id, other.file, r.file
                )));
            }
        }
    }
    let mut rows = Vec::new();
    let mut not_in_rubric: BTreeMap<String, usize> = BTreeMap::new();
    let mut blank = 0usize;
    let mut out_of_range = Vec::new();
    for (line, row) in &sheet.rows {
        let get = |c: usize| super::Sheet::cell(row, c);
        let id = get(qc);
        let Some(&(rubric, question)) = questions.get(id.as_str()) else {
            *not_in_rubric.entry(id).or_default() += 1;
            continue;
        };
        let mark = get(pc);
        if mark.is_empty() {
            blank += 1;
            continue;
        }
        let human = Points::parse(&mark).ok_or_else(|| {
            Fatal(format!(
                "{file}:{line}: the human points `{}` are not a number",
                crate::text::excerpt(&mark, 40)
            ))
        })?;
        if human < Points::ZERO || human > question.points {
            out_of_range.push(Skipped {
                line: *line,
                question: id,
                why: format!("{human} points; the question has {}", question.points),
            });
            continue;
        }
        let answer = row.get(ac).map(String::as_str).unwrap_or("");
        rows.push((*line, rubric, question, answer, human));
    }
    // Each question graded as for a class: its context learnt from all its marked answers
    // (never from the human marks).
    let mut prepared: BTreeMap<&str, crate::rubric::Question> = BTreeMap::new();
    for &(_, _, question, _, _) in &rows {
        if !prepared.contains_key(question.id.as_str()) {
            let answers: Vec<&str> = rows
                .iter()
                .filter(|r| r.2.id == question.id)
                .map(|r| r.3)
                .collect();
            prepared.insert(
                &question.id,
                crate::score::class::prepare(question, &answers),
            );
        }
    }
    let scored: Vec<Marked> = rows
        .iter()
        .map(|&(line, rubric, question, answer, human)| {
            let question = &prepared[question.id.as_str()];
            let s = score(question, answer, Separator::Semicolon);
            let mut met = Vec::new();
            let mut matched = Vec::new();
            for f in &s.findings {
                if let Finding::Criterion {
                    criterion,
                    met: true,
                    penalty,
                    matched: evidence,
                    ..
                } = f
                {
                    met.push(if *penalty {
                        format!("penalty:{criterion}")
                    } else {
                        criterion.clone()
                    });
                    for e in evidence {
                        matched.push(format!(
                            "`{}` ← {}",
                            e.term,
                            crate::text::excerpt(&e.text, 40)
                        ));
                    }
                }
            }
            let mut reasons: Vec<String> = s
                .review
                .iter()
                .map(|r| r.reason.name().to_string())
                .collect();
            reasons.dedup();
            let uncovered = match &question.kind {
                crate::rubric::Kind::Text(key) => {
                    crate::score::text::uncovered(key, &question.column, answer)
                }
                _ => Vec::new(),
            };
            Marked {
                rubric: rubric.file.clone(),
                question: question.id.clone(),
                line,
                answer: answer.to_string(),
                human: human.to_f64(),
                machine: s.points.to_f64(),
                max: question.points.to_f64(),
                met,
                matched,
                reasons,
                similarity: s.findings.iter().find_map(|f| match f {
                    Finding::SecondOpinion { similarity, .. } => Some(*similarity),
                    _ => None,
                }),
                uncovered,
            }
        })
        .collect();
    let mut not_in_rubric: Vec<(String, usize)> = not_in_rubric.into_iter().collect();
    not_in_rubric.sort_by(|a, b| crate::text::natural_cmp(&a.0, &b.0));
    let report = agreement::report(&scored, not_in_rubric, blank, out_of_range);
    match args.format.as_str() {
        "json" => write_out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&report).map_err(|e| Fatal(e.to_string()))?
        ))?,
        "csv" => {
            use crate::report::csv::{Cell, CsvOut};
            let mut out = CsvOut::default();
            out.header(&[
                "line",
                "question",
                "human",
                "machine",
                "max",
                "difference",
                "far",
                "reviewed",
                "criteria_met",
                "matched",
                "review_reasons",
                "similarity",
                "answer",
            ]);
            let mut sorted: Vec<&Marked> = scored.iter().collect();
            sorted.sort_by(|a, b| {
                crate::text::natural_cmp(&a.question, &b.question).then(a.line.cmp(&b.line))
            });
            let num = |x: f64| Cell::Plain(format!("{x}"));
            for m in sorted {
                out.row(&[
                    Cell::Plain(m.line.to_string()),
                    Cell::Text(&m.question),
                    num(m.human),
                    num(m.machine),
                    num(m.max),
                    num(m.machine - m.human),
                    Cell::Plain(if m.far() { "yes" } else { "no" }.into()),
                    Cell::Plain(if m.reviewed() { "yes" } else { "no" }.into()),
                    Cell::Text(&m.met.join(" ")),
                    Cell::Text(&m.matched.join("; ")),
                    Cell::Plain(m.reasons.join(" ")),
                    Cell::Plain(m.similarity.map(|x| format!("{x}")).unwrap_or_default()),
                    Cell::Text(&m.answer),
                ]);
            }
            write_out(&String::from_utf8_lossy(&out.into_bytes()))?;
        }
        _ => write_out(&agreement::render(&report))?,
    }
    Ok(ExitCode::SUCCESS)
}
