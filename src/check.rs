//! Check: everything CI needs to trust a rubric before an exam is graded — keys proven by the
//! engine, built-in self-tests per question (the key scores full points, an empty answer is
//! "not answered", a known-wrong answer scores less), the rubric's worked examples, and, against
//! a real export, that every column is there and every ticked option is known. Pure: rubrics
//! and exports in, results out (PrairieLearn's question self-test, STACK's question tests,
//! Moodle pattern-match's response tests).

use crate::answers::checkbox::{Selection, Separator, parse as parse_checkbox};
use crate::answers::summary::parse_shape;
use crate::engine::{self, Keras};
use crate::ingest::{self, Export};
use crate::points::Points;
use crate::report::neutralize;
use crate::rubric::{Kind, Question, Rubric, Verified};
use crate::score::{Finding, Status, score};
use serde::Serialize;
use std::collections::BTreeMap;

/// One check and how it went.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Check {
    pub rubric: String,
    /// The question checked, or `None` for the rubric as a whole.
    pub question: Option<String>,
    pub name: String,
    pub passed: bool,
    pub detail: String,
}

fn check(
    rubric: &Rubric,
    q: Option<&Question>,
    name: String,
    passed: bool,
    detail: String,
) -> Check {
    Check {
        rubric: rubric.file.clone(),
        question: q.map(|q| q.id.clone()),
        name,
        passed,
        detail,
    }
}

/// The answer cell that gives the key (what a perfect student would write), when there is one.
fn key_answer(q: &Question) -> Option<String> {
    match &q.kind {
        Kind::Checkbox(c) => Some(
            c.options
                .texts
                .iter()
                .zip(&c.correct)
                .filter(|(_, ok)| **ok)
                .map(|(t, _)| format!("{};", t.trim()))
                .collect(),
        ),
        Kind::Choice(c) => Some(c.key_text().to_string()),
        Kind::Number(n) => Some(n.key.decimal()),
        Kind::Summary(s) => Some(s.reference.filled.clone()),
        Kind::Text(_) | Kind::Ungraded(_) => None,
    }
}

/// An answer that must score less than full points.
fn wrong_answer(q: &Question) -> Option<String> {
    match &q.kind {
        Kind::Checkbox(c) if c.correct.iter().any(|ok| !ok) => Some(
            c.options
                .texts
                .iter()
                .map(|t| format!("{};", t.trim()))
                .collect(),
        ),
        Kind::Choice(c) => (0..c.options.len())
            .find(|i| !c.is_key(*i))
            .map(|i| c.options.texts[i].clone()),
        Kind::Number(n) => n
            .key
            .checked_add(Points::int(1_000_000))
            .map(|v| v.decimal()),
        Kind::Summary(s) => {
            // The perfect answer with the first non-zero count off by one.
            let r = &s.reference;
            let row = r.rows.iter().find(|row| row.weights.total() > 0)?;
            let total = row.weights.total();
            let needle = format!("= {total}");
            let at = r.filled.match_indices(&needle).map(|(i, _)| i).find(|&i| {
                !r.filled[i + needle.len()..].starts_with(|c: char| c.is_ascii_digit())
            })?;
            let mut wrong = r.filled.clone();
            wrong.replace_range(at..at + needle.len(), &format!("= {}", total + 1));
            Some(wrong)
        }
        _ => None,
    }
}

fn self_tests(rubric: &Rubric, q: &Question, out: &mut Vec<Check>) {
    if let Some(key) = key_answer(q) {
        let s = score(q, &key, Separator::Semicolon);
        out.push(check(
            rubric,
            Some(q),
            "the key scores full points".into(),
            s.points == q.points,
            format!("{} of {}", s.points, q.points),
        ));
    }
    if q.is_graded() {
        let s = score(q, "", Separator::Semicolon);
        out.push(check(
            rubric,
            Some(q),
            "an empty answer is not answered".into(),
            s.points.is_zero() && s.status == Status::NotAnswered,
            format!(
                "{} points, {}",
                s.points,
                serde_json::to_value(s.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            ),
        ));
    }
    if let Some(wrong) = wrong_answer(q) {
        let s = score(q, &wrong, Separator::Semicolon);
        out.push(check(
            rubric,
            Some(q),
            "a wrong answer scores less than full".into(),
            s.points < q.points,
            format!("{} of {}", s.points, q.points),
        ));
    }
}

/// `12 x 12` → (12, 12).
fn two_sizes(text: &str) -> Option<(u64, u64)> {
    let nums: Vec<u64> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().ok())
        .collect::<Option<_>>()?;
    match nums.as_slice() {
        [h, w] => Some((*h, *w)),
        [s] => Some((*s, *s)),
        _ => None,
    }
}

fn key_text(q: &Question) -> Option<String> {
    match &q.kind {
        Kind::Choice(c) => Some(c.key_text().trim().to_string()),
        Kind::Number(n) => Some(n.key.decimal()),
        _ => None,
    }
}

fn verify(rubric: &Rubric, q: &Question, out: &mut Vec<Check>) {
    let Some(v) = &q.verify else { return };
    let name = format!(
        "the key is proven by the engine ({}:{}:{})",
        rubric.file, v.line, v.column
    );
    let Some(model) = &rubric.exam.model else {
        out.push(check(
            rubric,
            Some(q),
            name,
            false,
            "`verify` needs the exam's network: add `model = \"...\"` under [exam]".into(),
        ));
        return;
    };
    let net = match engine::analyze(&model.code, Keras::V2) {
        Ok(n) => n,
        Err(e) => {
            out.push(check(
                rubric,
                Some(q),
                name,
                false,
                format!("{}: {e}", model.path),
            ));
            return;
        }
    };
    let key = key_text(q).unwrap_or_default();
    let row = |layer: &str| net.rows.iter().find(|r| r.name == layer);
    let missing = |layer: &str| {
        let names: Vec<&str> = net.rows.iter().map(|r| r.name.as_str()).collect();
        let hint = crate::rubric::error::did_you_mean(layer, names.iter().copied())
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        format!("{} has no layer `{layer}`{hint}", model.path)
    };
    let (passed, detail) = match &v.what {
        Verified::ReceptiveField(layer) => match row(layer) {
            None => (false, missing(layer)),
            Some(r) => match r.receptive_field {
                None => (
                    false,
                    format!(
                        "the engine computes no receptive field for `{layer}` ({})",
                        r.class
                    ),
                ),
                Some((h, w)) => (
                    two_sizes(&key) == Some((h, w)),
                    format!("key `{key}`; the engine: the receptive field of {layer} is {h} x {w}"),
                ),
            },
        },
        Verified::Params(layer) => match row(layer) {
            None => (false, missing(layer)),
            Some(r) => (
                Points::parse(&key) == Some(Points::int(r.weights.total() as i64)),
                format!(
                    "key `{key}`; the engine: {layer} has {} parameters ({})",
                    r.weights.total(),
                    r.weights.formula
                ),
            ),
        },
        Verified::OutputShape(layer) => match row(layer) {
            None => (false, missing(layer)),
            Some(r) => {
                let shape = r
                    .outputs
                    .as_ref()
                    .and_then(|o| o.first())
                    .cloned()
                    .unwrap_or_default();
                let given = parse_shape(&key).map(|g| {
                    if g.len() + 1 == shape.len() {
                        [vec![None], g].concat()
                    } else {
                        g
                    }
                });
                (
                    given.as_ref() == Some(&shape),
                    format!(
                        "key `{key}`; the engine: {layer} outputs {}",
                        crate::engine::layers::show(&shape)
                    ),
                )
            }
        },
        Verified::TotalParams => (
            Points::parse(&key) == Some(Points::int(net.total() as i64)),
            format!(
                "key `{key}`; the engine: {} parameters in total",
                net.total()
            ),
        ),
    };
    out.push(check(rubric, Some(q), name, passed, detail));
}

/// A free-text question's criteria can earn its points, and do not add up to more unless the
/// rubric says the total is capped on purpose.
fn criteria_total(rubric: &Rubric, q: &Question, out: &mut Vec<Check>) {
    let Kind::Text(key) = &q.kind else { return };
    let total = key
        .criteria
        .iter()
        .fold(Points::ZERO, |a, c| a.checked_add(c.points).unwrap_or(a));
    let sum = key
        .criteria
        .iter()
        .map(|c| c.points.to_string())
        .collect::<Vec<_>>()
        .join(" + ");
    let sufficient: Vec<&str> = key
        .criteria
        .iter()
        .filter(|c| c.sufficient)
        .map(|c| c.id.as_str())
        .collect();
    let (passed, detail) = if total < q.points && sufficient.is_empty() {
        (
            false,
            format!(
                "{sum} = {total}: no answer can reach the question's {} points (raise the criteria, \
                 or mark one `sufficient = true`)",
                q.points
            ),
        )
    } else if total > q.points && !key.capped {
        (
            false,
            format!(
                "{sum} = {total}, more than the question's {} points: an answer meeting them all \
                 is cut to {}; say `capped = true` if that is meant",
                q.points, q.points
            ),
        )
    } else if !sufficient.is_empty() && total < q.points {
        (
            true,
            format!(
                "{sum} = {total} of {}; `{}` alone earns full points",
                q.points,
                sufficient.join("`, `")
            ),
        )
    } else {
        (true, format!("{sum} = {total} of {}", q.points))
    };
    out.push(check(
        rubric,
        Some(q),
        "the criteria add up to the question's points".into(),
        passed,
        detail,
    ));
}

fn examples(rubric: &Rubric, q: &Question, out: &mut Vec<Check>) {
    for e in &q.examples {
        let s = score(q, &e.answer, Separator::Semicolon);
        let met: Vec<String> = s
            .findings
            .iter()
            .filter_map(|f| match f {
                Finding::Criterion {
                    criterion,
                    met: true,
                    penalty: false,
                    ..
                } => Some(criterion.clone()),
                _ => None,
            })
            .collect();
        let mut problems = Vec::new();
        if s.points != e.points {
            problems.push(format!(
                "got {} points, the rubric expects {}",
                s.points, e.points
            ));
        }
        if let Some(expected) = &e.met {
            let (mut a, mut b) = (met.clone(), expected.clone());
            a.sort();
            b.sort();
            if a != b {
                problems.push(format!("met {a:?}, the rubric expects {b:?}"));
            }
        }
        let detail = if problems.is_empty() {
            format!("{} points", s.points)
        } else {
            let findings: Vec<String> = s
                .findings
                .iter()
                .filter(|f| !matches!(f, Finding::Diff { .. }))
                .map(|f| f.message())
                .collect();
            format!(
                "{}\n{}",
                problems.join("; "),
                findings
                    .iter()
                    .map(|f| format!("        {f}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        };
        out.push(check(
            rubric,
            Some(q),
            format!("example (line {})", e.line),
            problems.is_empty(),
            detail,
        ));
    }
}

/// Every check a rubric can run on its own.
pub fn rubric_checks(rubric: &Rubric) -> Vec<Check> {
    let mut out = vec![check(
        rubric,
        None,
        "loads".into(),
        true,
        format!("{} question(s)", rubric.questions.len()),
    )];
    for q in &rubric.questions {
        verify(rubric, q, &mut out);
        self_tests(rubric, q, &mut out);
        criteria_total(rubric, q, &mut out);
        examples(rubric, q, &mut out);
    }
    out
}

/// Every graded submission's rubric points compared with the points Forms gave: a check per
/// question Forms graded (failing where the rubric says `matches_forms = true` and disagrees),
/// and one for `Total points`.
fn forms_agreement(
    rubric: &Rubric,
    export: &Export,
    map: &[usize],
    graded: &[usize],
    sep: Separator,
) -> Vec<Check> {
    let mut forms = crate::score::forms::Reconciler::new(
        &rubric.questions,
        std::slice::from_ref(export),
        &[map.to_vec()],
    );
    for &i in graded {
        let s = &export.submissions[i];
        let points: Vec<Option<Points>> = rubric
            .questions
            .iter()
            .zip(map)
            .map(|(q, &c)| {
                if !q.is_graded() {
                    return None;
                }
                let r = score(q, s.cell(c), sep);
                matches!(r.status, Status::Graded | Status::NotAnswered).then_some(r.points)
            })
            .collect();
        forms.add(0, s, &points);
    }
    let result = forms.finish();
    let name = format!("agrees with Forms' points in {}", export.file);
    let mut out: Vec<Check> = result
        .questions
        .iter()
        .map(|a| {
            let q = rubric.questions.iter().find(|q| q.id == a.question);
            check(
                rubric,
                q,
                name.clone(),
                !a.failed(),
                neutralize(&a.summary()),
            )
        })
        .collect();
    if let Some(t) = &result.total {
        out.push(check(
            rubric,
            None,
            format!("Total points compared with Forms in {}", export.file),
            true,
            neutralize(&t.line()),
        ));
    }
    out
}

/// Checks of a rubric against a real export: columns found, ticked options known, duplicates.
pub fn against(rubric: &Rubric, export: &Export) -> Vec<Check> {
    let mut out = Vec::new();
    let mut columns = vec![None; rubric.questions.len()];
    for (i, q) in rubric.questions.iter().enumerate() {
        match ingest::find_question(&export.columns, &q.column) {
            Ok(c) => {
                columns[i] = Some(c);
                out.push(check(
                    rubric,
                    Some(q),
                    format!("column found in {}", export.file),
                    true,
                    neutralize(&crate::text::excerpt(&export.columns[c].header, 80)),
                ));
            }
            Err(e) => {
                let list = |h: &[String]| {
                    h.iter()
                        .map(|h| neutralize(&format!("`{}`", crate::text::excerpt(h, 60))))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let detail = match e {
                    ingest::ColumnMatchError::NotFound { closest } => format!(
                        "`{}` is not in the export; closest: {}",
                        crate::text::excerpt(&q.column, 60),
                        list(&closest)
                    ),
                    ingest::ColumnMatchError::Ambiguous { candidates } => format!(
                        "`{}` matches several headers: {}",
                        crate::text::excerpt(&q.column, 60),
                        list(&candidates)
                    ),
                };
                out.push(check(
                    rubric,
                    Some(q),
                    format!("column found in {}", export.file),
                    false,
                    detail,
                ));
            }
        }
    }
    let sep = match export.flavor {
        ingest::Flavor::MicrosoftForms => Separator::Semicolon,
        ingest::Flavor::GoogleForms => Separator::CommaSpace,
    };
    for (i, q) in rubric.questions.iter().enumerate() {
        let (Kind::Checkbox(c), Some(col)) = (&q.kind, columns[i]) else {
            continue;
        };
        let mut unknown: BTreeMap<String, usize> = BTreeMap::new();
        for s in &export.submissions {
            for sel in parse_checkbox(s.cell(col), &c.options, sep) {
                if let Selection::Unknown { text } = sel {
                    *unknown.entry(text).or_default() += 1;
                }
            }
        }
        let detail = if unknown.is_empty() {
            "every ticked option is one of the rubric's".into()
        } else {
            unknown
                .iter()
                // Text from the export: bounded, and never a formula if the output is pasted
                // into a spreadsheet.
                .map(|(t, n)| neutralize(&format!("`{}` ({n}×)", crate::text::excerpt(t, 80))))
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push(check(
            rubric,
            Some(q),
            format!("ticked options are known in {}", export.file),
            unknown.is_empty(),
            detail,
        ));
    }
    let resolution = ingest::resolve(&export.submissions, rubric.exam.duplicates);
    if let Some(map) = columns.iter().copied().collect::<Option<Vec<usize>>>() {
        out.extend(forms_agreement(
            rubric,
            export,
            &map,
            &resolution.graded,
            sep,
        ));
    }
    out.push(check(
        rubric,
        None,
        format!("duplicate policy on {}", export.file),
        true,
        format!(
            "{} row(s): {} graded, {} superseded",
            export.submissions.len(),
            resolution.graded.len(),
            resolution.superseded.len()
        ),
    ));
    out
}
