//! Filled-in `model.summary()` templates, graded row by row and field by field against the
//! engine's reference, with error carried forward (Numbas' "adaptive marking"): a row that is
//! wrong only because of the student's own earlier mistake is recomputed from the student's
//! own input shape and earns `follow-through` credit, saying which earlier value it followed.

use super::{Finding, Reason, Review, Score, Status, times};
use crate::answers::summary::{AnswerRow, Cell, SummaryAnswer, parse};
use crate::engine::layers::{Shape, show};
use crate::engine::reference::{Producer, Reference};
use crate::points::Points;
use crate::rubric::SummaryKey;
use serde::Serialize;

/// How one field of one row was judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Correct,
    FollowThrough,
    Wrong,
    Missing,
    Unparsed,
}

/// Similarity above which a written layer name is taken as a reference layer's.
const NAME_SIMILARITY: f64 = 0.75;

/// Whether a written layer name stands for a reference layer's name.
type NameTest = dyn Fn(&str, &str) -> bool;

/// Which answer row stands for each reference row: exact name, then case-insensitive, then
/// close by strsim, then the remaining rows by position.
fn match_rows(reference: &Reference, answer: &SummaryAnswer) -> (Vec<Option<usize>>, Vec<usize>) {
    let n = reference.rows.len();
    let mut of_ref: Vec<Option<usize>> = vec![None; n];
    let mut used = vec![false; answer.rows.len()];
    let passes: [&NameTest; 3] = [
        &|a, b| a == b,
        &|a, b| a.eq_ignore_ascii_case(b),
        // Edit distance is quadratic: a name far longer than the other is not a misspelling.
        &|a, b| {
            a.len().max(b.len()) <= 2 * a.len().min(b.len()) + 16
                && strsim::normalized_levenshtein(&a.to_lowercase(), &b.to_lowercase())
                    >= NAME_SIMILARITY
        },
    ];
    for same in passes {
        for (r, row) in reference.rows.iter().enumerate() {
            if of_ref[r].is_some() {
                continue;
            }
            if let Some(a) =
                (0..answer.rows.len()).find(|&a| !used[a] && same(&answer.rows[a].name, &row.name))
            {
                of_ref[r] = Some(a);
                used[a] = true;
            }
        }
    }
    let rest: Vec<usize> = (0..answer.rows.len()).filter(|a| !used[*a]).collect();
    let mut rest = rest.into_iter();
    for slot in of_ref.iter_mut().filter(|s| s.is_none()) {
        if let Some(a) = rest.next() {
            *slot = Some(a);
            used[a] = true;
        }
    }
    let extra = (0..answer.rows.len()).filter(|a| !used[*a]).collect();
    (of_ref, extra)
}

/// A student's shape at the reference's rank: the batch `None` may be left out.
fn normalise(given: &[Option<u64>], expected: &Shape) -> Shape {
    if given.len() + 1 == expected.len() && expected.first() == Some(&None) {
        let mut s = vec![None];
        s.extend_from_slice(given);
        s
    } else {
        given.to_vec()
    }
}

fn flat(outputs: &[Shape]) -> Shape {
    outputs.concat()
}

fn show_shape(s: &Shape) -> String {
    show(s)
}

fn swapped(s: &Shape) -> Option<Shape> {
    (s.len() == 4).then(|| vec![s[0], s[2], s[1], s[3]])
}

struct Grader<'a> {
    key: &'a SummaryKey,
    findings: Vec<Finding>,
    review: Vec<Review>,
    earned: Points,
    possible: Points,
}

impl Grader<'_> {
    fn credit(&self, verdict: Verdict) -> Points {
        match verdict {
            Verdict::Correct => Points::ONE,
            Verdict::FollowThrough => self.key.follow_through,
            _ => Points::ZERO,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn field(
        &mut self,
        layer: &str,
        field: &str,
        weight: Points,
        expected: String,
        given: String,
        verdict: Verdict,
        followed: Option<String>,
    ) {
        let points = times(self.credit(verdict), weight);
        self.earned = self.earned.checked_add(points).unwrap_or(self.earned);
        self.possible = self.possible.checked_add(weight).unwrap_or(self.possible);
        self.findings.push(Finding::Field {
            layer: layer.to_string(),
            field: field.to_string(),
            expected,
            given,
            verdict,
            points,
            weight,
            followed,
        });
    }
}

fn cell_text<T>(cell: &Cell<T>, show: impl Fn(&T) -> String) -> String {
    match cell {
        Cell::Missing => String::new(),
        Cell::Marker => "[ADD ...]".into(),
        Cell::Given(v) => show(v),
        Cell::Unparsed(t) => t.clone(),
    }
}

pub fn score(key: &SummaryKey, points: Points, cell: &str) -> Score {
    let reference = &key.reference;
    let names: Vec<String> = reference.rows.iter().map(|r| r.name.clone()).collect();
    let answer = parse(cell, &names);
    if cell.trim().is_empty() || answer.is_empty() || answer.untouched {
        let mut s = Score::not_answered(points);
        if answer.untouched {
            s.findings.push(Finding::Unparsed {
                text: "the template was pasted back without any value".into(),
                expected: "the template filled in".into(),
            });
        }
        return s;
    }
    let (of_ref, extra) = match_rows(reference, &answer);
    let mut g = Grader {
        key,
        findings: Vec::new(),
        review: Vec::new(),
        earned: Points::ZERO,
        possible: Points::ZERO,
    };
    // The student's own shape and count per reference row, when readable.
    let row_of = |r: usize| -> Option<&AnswerRow> { of_ref[r].map(|a| &answer.rows[a]) };
    let student_shape: Vec<Option<Shape>> = (0..reference.rows.len())
        .map(|r| {
            let expected = flat(&reference.rows[r].outputs);
            row_of(r)
                .and_then(|row| row.shape.given())
                .map(|s| normalise(s, &expected))
        })
        .collect();
    let mut own_total: u64 = 0;
    for (r, row) in reference.rows.iter().enumerate() {
        let student = row_of(r);
        if let Some(s) = student
            && s.name != row.name
        {
            g.review.push(Review {
                reason: Reason::FuzzyMatch,
                detail: format!(
                    "row `{}` (line {}) was taken as layer `{}`",
                    s.name, s.line, row.name
                ),
            });
        }
        // Error carried forward: this row's reference recomputed from the student's own inputs.
        let mut followed = Vec::new();
        let inputs: Vec<Shape> = row
            .producers
            .iter()
            .zip(reference.input_shapes(r))
            .map(|(p, reference_shape)| match p {
                Producer::Row { row: pr, tensor: 0 } if reference.rows[*pr].outputs.len() == 1 => {
                    match &student_shape[*pr] {
                        Some(s) if *s != reference_shape && s.len() == reference_shape.len() => {
                            followed.push(format!(
                                "your {} shape {}",
                                reference.rows[*pr].name,
                                show(s)
                            ));
                            s.clone()
                        }
                        _ => reference_shape,
                    }
                }
                _ => reference_shape,
            })
            .collect();
        let carried = if followed.is_empty() {
            None
        } else {
            reference.rebuild(r, &inputs)
        };
        let followed = (!followed.is_empty()).then(|| followed.join(", "));
        let expected_shape = flat(&row.outputs);
        // Shape.
        let (verdict, given) = match student.map(|s| &s.shape) {
            None | Some(Cell::Missing | Cell::Marker) => (Verdict::Missing, String::new()),
            Some(Cell::Unparsed(t)) => (Verdict::Unparsed, t.clone()),
            Some(Cell::Given(_)) => {
                let s = student_shape[r].clone().unwrap_or_default();
                let v = if s == expected_shape {
                    Verdict::Correct
                } else if key.accept_swapped_spatial
                    && swapped(&expected_shape).as_ref() == Some(&s)
                {
                    g.review.push(Review {
                        reason: Reason::SwappedSpatial,
                        detail: format!(
                            "{}: {} given for {} (height and width swapped)",
                            row.name,
                            show(&s),
                            show(&expected_shape)
                        ),
                    });
                    Verdict::Correct
                } else if carried.as_ref().is_some_and(|c| flat(&c.outputs) == s) {
                    Verdict::FollowThrough
                } else {
                    Verdict::Wrong
                };
                (v, show_shape(&s))
            }
        };
        let shape_followed = (verdict == Verdict::FollowThrough)
            .then(|| followed.clone())
            .flatten();
        g.field(
            &row.name,
            "shape",
            key.weights.shape,
            show_shape(&expected_shape),
            given,
            verdict,
            shape_followed,
        );
        // Parameters: the formula (only where there are weights) and the count.
        let expected_count = row.weights.total();
        let carried_count = carried.as_ref().map(|c| c.weights.total());
        let judge = |value: u64| {
            if value == expected_count {
                Verdict::Correct
            } else if carried_count == Some(value) {
                Verdict::FollowThrough
            } else {
                Verdict::Wrong
            }
        };
        if expected_count > 0 {
            let formula_has_operator = row.weights.formula.contains(['x', '+']);
            let (verdict, given) = match student.map(|s| &s.formula) {
                None | Some(Cell::Missing | Cell::Marker) => (Verdict::Missing, String::new()),
                Some(Cell::Unparsed(t)) => (Verdict::Unparsed, t.clone()),
                // A bare number is a count, not a formula — unless the formula is one number
                // (PReLU with shared axes: `3`).
                Some(Cell::Given(f)) if !f.has_operator && formula_has_operator => {
                    (Verdict::Wrong, f.text.clone())
                }
                Some(Cell::Given(f)) => (judge(f.value), format!("{} (= {})", f.text, f.value)),
            };
            let f = (verdict == Verdict::FollowThrough)
                .then(|| followed.clone())
                .flatten();
            let expected = format!("{} = {}", row.weights.formula, expected_count);
            g.field(
                &row.name,
                "formula",
                key.weights.formula,
                expected,
                given,
                verdict,
                f,
            );
        }
        let (verdict, given) = match student.map(|s| &s.count) {
            None | Some(Cell::Missing | Cell::Marker) => (Verdict::Missing, String::new()),
            Some(Cell::Unparsed(t)) => (Verdict::Unparsed, t.clone()),
            Some(Cell::Given(n)) => (judge(*n), n.to_string()),
        };
        own_total = own_total.saturating_add(
            student
                .and_then(|s| s.count.given().copied())
                .unwrap_or(expected_count),
        );
        let f = (verdict == Verdict::FollowThrough)
            .then(|| followed.clone())
            .flatten();
        g.field(
            &row.name,
            "params",
            key.weights.params,
            expected_count.to_string(),
            given,
            verdict,
            f,
        );
    }
    totals(&mut g, reference, &answer, own_total);
    for &a in &extra {
        let row = &answer.rows[a];
        g.findings.push(Finding::Unparsed {
            text: format!(
                "line {}: {}",
                row.line,
                crate::text::excerpt(&row.text, 100)
            ),
            expected: "a layer of the network".into(),
        });
        g.review.push(Review {
            reason: Reason::ExtraRow,
            detail: format!(
                "line {}: row `{}` matches no layer of the network",
                row.line, row.name
            ),
        });
    }
    for (line, text) in &answer.unparsed {
        let text = crate::text::excerpt(text, 100);
        g.findings.push(Finding::Unparsed {
            text: format!("line {line}: {text}"),
            expected: "a summary row or a totals line".into(),
        });
        g.review.push(Review {
            reason: Reason::Unparsed,
            detail: format!("line {line} could not be read: `{text}`"),
        });
    }
    for f in &g.findings {
        if let Finding::Field {
            layer,
            field,
            given,
            verdict: Verdict::Unparsed,
            ..
        } = f
        {
            g.review.push(Review {
                reason: Reason::Unparsed,
                detail: format!(
                    "{layer} {field}: `{}` could not be read",
                    crate::text::excerpt(given, 80)
                ),
            });
        }
    }
    g.findings.push(Finding::Diff {
        text: diff(reference, &answer, &of_ref, &g.findings),
    });
    if answer.truncated {
        g.review.push(Review {
            reason: Reason::Truncated,
            detail: format!(
                "the answer has {} characters; only the first {} were graded",
                cell.chars().count(),
                crate::answers::summary::MAX_ANSWER
            ),
        });
    }
    let fraction = g.earned.checked_div(g.possible).unwrap_or(Points::ZERO);
    Score {
        points: times(fraction, points),
        max: points,
        status: Status::Graded,
        findings: g.findings,
        review: g.review,
    }
}

/// A totals line: its weight, the reference value, and the value the student's own numbers
/// imply (with how).
struct TotalField {
    name: &'static str,
    weight: Points,
    expected: u64,
    carried: Option<(u64, String)>,
}

/// Totals: right, or right given the student's own counts.
fn totals(g: &mut Grader, reference: &Reference, answer: &SummaryAnswer, own_total: u64) {
    let given = |i: usize| answer.totals[i].as_ref().and_then(|c| c.given().copied());
    let (total, trainable, non_trainable) = (given(0), given(1), given(2));
    let fields = [
        TotalField {
            name: "total",
            weight: g.key.weights.total,
            expected: reference.total,
            carried: Some((
                own_total,
                format!("the sum of your own counts, {own_total}"),
            )),
        },
        TotalField {
            name: "trainable",
            weight: g.key.weights.trainable,
            expected: reference.trainable,
            carried: total.map(|t| {
                let nt = non_trainable.unwrap_or(reference.non_trainable);
                (
                    t.saturating_sub(nt),
                    format!("your total {t} minus non-trainable {nt}"),
                )
            }),
        },
        TotalField {
            name: "non_trainable",
            weight: g.key.weights.non_trainable,
            expected: reference.non_trainable,
            carried: total.zip(trainable).map(|(t, tr)| {
                (
                    t.saturating_sub(tr),
                    format!("your total {t} minus your trainable {tr}"),
                )
            }),
        },
    ];
    for (i, f) in fields.into_iter().enumerate() {
        let (verdict, text, followed) = match &answer.totals[i] {
            None | Some(Cell::Missing | Cell::Marker) => (Verdict::Missing, String::new(), None),
            Some(Cell::Unparsed(t)) => (Verdict::Unparsed, t.clone(), None),
            Some(Cell::Given(n)) if *n == f.expected => (Verdict::Correct, n.to_string(), None),
            Some(Cell::Given(n)) => match &f.carried {
                Some((value, why)) if value == n => {
                    (Verdict::FollowThrough, n.to_string(), Some(why.clone()))
                }
                _ => (Verdict::Wrong, n.to_string(), None),
            },
        };
        g.field(
            "totals",
            f.name,
            f.weight,
            f.expected.to_string(),
            text,
            verdict,
            followed,
        );
    }
}

/// A formula in the exam's spelling: `5*5*3*16+16` → `5 x 5 x 3 x 16 + 16`.
fn spelled(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        match c {
            '*' | 'x' | 'X' | '×' | '·' | '∙' | '⋅' => out.push_str(" x "),
            '+' | '-' => {
                out.push(' ');
                out.push(c);
                out.push(' ');
            }
            c => out.push(c),
        }
    }
    out.replace(" x  x ", " ** ")
}

/// A unified diff of the student's rows against the filled reference, one line per layer in
/// the reference's order, so a wrong number stands out on its own line.
/// The answer against the reference *as followed through*: a field the verdicts accept
/// (right, or right given the student's own earlier value) is written as the student wrote it
/// on both sides, so only real mistakes show as changes.
fn diff(
    reference: &Reference,
    answer: &SummaryAnswer,
    of_ref: &[Option<usize>],
    findings: &[Finding],
) -> String {
    let accepted = |layer: &str, field: &str| {
        findings.iter().all(|f| match f {
            Finding::Field {
                layer: l,
                field: n,
                verdict,
                ..
            } if l == layer && n == field => {
                matches!(verdict, Verdict::Correct | Verdict::FollowThrough)
            }
            _ => true,
        })
    };
    let mut mine = String::new();
    let mut theirs = String::new();
    for (r, row) in reference.rows.iter().enumerate() {
        let expected_params = if row.weights.total() > 0 {
            format!("{} = {}", row.weights.formula, row.weights.total())
        } else {
            "0".into()
        };
        let expected_shape = show(&flat(&row.outputs));
        match of_ref[r].map(|a| &answer.rows[a]) {
            None => {
                mine.push_str(&format!("{} | (missing row)\n", row.name));
                theirs.push_str(&format!(
                    "{} | {} | {}\n",
                    row.name, expected_shape, expected_params
                ));
            }
            Some(s) => {
                let shape = cell_text(&s.shape, |v| show(&normalise(v, &flat(&row.outputs))));
                // A formula with the reference's value is shown in the reference's words, so
                // only wrong numbers differ; others in a normalised spelling.
                let formula = cell_text(&s.formula, |f| {
                    if f.value == row.weights.total() {
                        row.weights.formula.clone()
                    } else {
                        spelled(&f.text)
                    }
                });
                let count = cell_text(&s.count, |n| n.to_string());
                let params = match (formula.is_empty(), count.is_empty()) {
                    _ if formula == "0" && count == "0" => "0".into(),
                    (false, false) => format!("{formula} = {count}"),
                    (true, false) => count,
                    (false, true) => formula,
                    (true, true) => String::new(),
                };
                let their_shape = if accepted(&row.name, "shape") {
                    shape.as_str()
                } else {
                    expected_shape.as_str()
                };
                let their_params =
                    if accepted(&row.name, "formula") && accepted(&row.name, "params") {
                        params.as_str()
                    } else {
                        expected_params.as_str()
                    };
                theirs.push_str(&format!(
                    "{} | {} | {}\n",
                    row.name, their_shape, their_params
                ));
                mine.push_str(&format!("{} | {} | {}\n", row.name, shape, params));
            }
        }
    }
    let names = ["Total params", "Trainable params", "Non-trainable params"];
    let fields = ["total", "trainable", "non_trainable"];
    let values = [
        reference.total,
        reference.trainable,
        reference.non_trainable,
    ];
    for i in 0..3 {
        let given = answer.totals[i]
            .as_ref()
            .map(|c| cell_text(c, |n| n.to_string()))
            .unwrap_or_default();
        if accepted("totals", fields[i]) && !given.is_empty() {
            theirs.push_str(&format!("{}: {}\n", names[i], given));
        } else {
            theirs.push_str(&format!("{}: {}\n", names[i], values[i]));
        }
        mine.push_str(&format!("{}: {}\n", names[i], given));
    }
    similar::TextDiff::from_lines(&mine, &theirs)
        .unified_diff()
        .context_radius(1)
        .header("your answer", "reference")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key() -> SummaryKey {
        let code = include_str!("../../rubrics/models/2022-02-09.py");
        SummaryKey {
            reference: crate::engine::reference::reference(code, crate::engine::Keras::V2)
                .expect("seed"),
            weights: crate::rubric::FieldWeights::default(),
            follow_through: Points::ONE,
            accept_swapped_spatial: false,
        }
    }

    proptest! {
        /// Whatever a student pastes, the points stay between 0 and the question's maximum.
        #[test]
        fn points_stay_within_the_maximum(text in "\\PC{0,300}", lines in proptest::collection::vec("(conv[123]|mp1|batchNorm|output) \\(None, [0-9]{1,3}, [0-9]{1,3}, [0-9]{1,3}\\) [0-9 x+*=]{0,20}", 0..12)) {
            let k = key();
            let answer = format!("{text}\n{}", lines.join("\n"));
            let s = score(&k, Points::int(5), &answer);
            prop_assert!(s.points >= Points::ZERO && s.points <= Points::int(5));
        }
    }
}
