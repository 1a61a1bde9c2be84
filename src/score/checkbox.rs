//! Checkbox questions under the penalty schemes of shared/research/scoring-and-peers.md
//! (Part A). Notation: N options, C correct, W = N − C wrong; t correct ticked, f wrong
//! ticked, n = t + f.

use super::{Finding, Reason, Review, Score, Status, times};
use crate::answers::Match;
use crate::answers::checkbox::{Selection, Separator, parse};
use crate::points::Points;
use crate::rubric::{Checkbox, Scheme};

/// The counts a scheme works on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    pub n_options: usize,
    pub correct: usize,
    pub ticked_correct: usize,
    pub ticked_wrong: usize,
}

fn r(num: usize, den: usize) -> Points {
    Points::ratio(num as i64, den.max(1) as i64).unwrap_or(Points::ZERO)
}

/// The fraction of the points a scheme gives, before the floor and the cap, and its
/// arithmetic written out. `weight_sum` is Σ of the ticked options' weights (scheme `weights`).
pub fn fraction(
    scheme: Scheme,
    k: Counts,
    exact: bool,
    weight_terms: &[Points],
) -> (Points, String) {
    let (n, c, t, f) = (k.n_options, k.correct, k.ticked_correct, k.ticked_wrong);
    let w = n - c;
    let sub = |a: Points, b: Points| a.checked_sub(b).unwrap_or(Points::ZERO);
    match scheme {
        Scheme::AllOrNothing => {
            let v = if exact { Points::ONE } else { Points::ZERO };
            let said = if exact {
                "ticked exactly the key"
            } else {
                "did not tick exactly the key"
            };
            (v, format!("{said} = {}", v.exact()))
        }
        Scheme::NetCorrect => {
            let raw = Points::int(t as i64 - f as i64)
                .checked_div(Points::int(c.max(1) as i64))
                .unwrap_or(Points::ZERO);
            let v = raw.max(Points::ZERO);
            (
                v,
                format!(
                    "max(0, (t − f)/C) = max(0, ({t} − {f})/{c}) = {}",
                    v.exact()
                ),
            )
        }
        Scheme::EachAnswer => {
            let v = r(t + w - f, n);
            (
                v,
                format!("(t + W − f)/N = ({t} + {w} − {f})/{n} = {}", v.exact()),
            )
        }
        Scheme::Coverage => {
            let v = if t + f == 0 {
                Points::ZERO
            } else {
                r(t, c).checked_mul(r(t, t + f)).unwrap_or(Points::ZERO)
            };
            (
                v,
                format!("(t/C)·(t/n) = ({t}/{c})·({t}/{}) = {}", t + f, v.exact()),
            )
        }
        Scheme::False => {
            let penalty = if w == 0 { Points::ZERO } else { r(f, w) };
            let v = sub(r(t, c), penalty);
            (v, format!("t/C − f/W = {t}/{c} − {f}/{w} = {}", v.exact()))
        }
        Scheme::False2 => {
            let v = sub(r(t, c), r(f, w.max(2)));
            (
                v,
                format!(
                    "t/C − f/max(W, 2) = {t}/{c} − {f}/{} = {}",
                    w.max(2),
                    v.exact()
                ),
            )
        }
        Scheme::Weights => {
            let mut v = Points::ZERO;
            for term in weight_terms {
                v = v.checked_add(*term).unwrap_or(v);
            }
            let terms = if weight_terms.is_empty() {
                "0".to_string()
            } else {
                weight_terms
                    .iter()
                    .map(|w| w.exact())
                    .collect::<Vec<_>>()
                    .join(" + ")
            };
            (
                v,
                format!("Σ weights of ticked options = {terms} = {}", v.exact()),
            )
        }
    }
}

pub fn score(q: &Checkbox, points: Points, cell: &str, sep: Separator) -> Score {
    let selections = parse(cell, &q.options, sep);
    if selections.is_empty() {
        return Score::not_answered(points);
    }
    let mut findings = Vec::new();
    let mut review = Vec::new();
    let mut ticked = vec![false; q.options.len()];
    let (mut t, mut f) = (0, 0);
    let mut weight_terms = Vec::new();
    for s in &selections {
        match s {
            Selection::Option { index, matched } => {
                ticked[*index] = true;
                let correct = q.correct[*index];
                if correct {
                    t += 1;
                } else {
                    f += 1;
                }
                weight_terms.push(q.weights[*index]);
                if let Match::Fuzzy { text, similarity } = matched {
                    review.push(Review {
                        reason: Reason::FuzzyMatch,
                        detail: format!(
                            "`{text}` was taken as option `{}` (similarity {similarity})",
                            q.options.texts[*index].trim()
                        ),
                    });
                }
                findings.push(Finding::Ticked {
                    option: q.options.texts[*index].trim().to_string(),
                    correct,
                    matched: matched.clone(),
                });
            }
            Selection::Unknown { text } => {
                review.push(Review {
                    reason: Reason::UnknownSelection,
                    detail: format!("ticked `{text}`, which is no option of the rubric"),
                });
                findings.push(Finding::UnknownSelection { text: text.clone() });
            }
        }
    }
    for (i, correct) in q.correct.iter().enumerate() {
        if *correct && !ticked[i] {
            findings.push(Finding::Missed {
                option: q.options.texts[i].trim().to_string(),
            });
        }
    }
    if let Some(expected) = q.select
        && t + f != expected
    {
        findings.push(Finding::SelectCount {
            expected,
            ticked: t + f,
        });
    }
    let counts = Counts {
        n_options: q.options.len(),
        correct: q.correct_count(),
        ticked_correct: t,
        ticked_wrong: f,
    };
    let exact = ticked == q.correct;
    let (raw, formula) = fraction(q.scheme, counts, exact, &weight_terms);
    let fraction = raw.clamp(q.floor, Points::ONE);
    let mut formula = formula;
    if fraction != raw {
        formula.push_str(&format!(
            "; limited to [{}, 1] = {}",
            q.floor.exact(),
            fraction.exact()
        ));
    }
    let earned = times(fraction, points);
    formula.push_str(&format!(" × {} points = {}", points, earned));
    findings.push(Finding::Scheme {
        scheme: q.scheme,
        formula,
        fraction: fraction.exact(),
    });
    Score {
        points: earned,
        max: points,
        status: Status::Graded,
        findings,
        review,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rubric::Options;

    /// The seed exam's q1-gradients: 12 options, 6 correct ("six and only six"), 3 points.
    fn seed(scheme: Scheme) -> Checkbox {
        let texts: Vec<String> = (0..12).map(|i| format!("Option {i}")).collect();
        Checkbox {
            options: Options::new(texts),
            correct: (0..12).map(|i| i < 6).collect(),
            scheme,
            select: Some(6),
            floor: Points::ZERO,
            weights: vec![Points::ZERO; 12],
        }
    }

    /// A cell ticking `right` correct and `wrong` wrong options.
    fn cell(right: usize, wrong: usize) -> String {
        (0..right)
            .chain(6..6 + wrong)
            .map(|i| format!("Option {i};"))
            .collect()
    }

    fn pts(scheme: Scheme, right: usize, wrong: usize) -> String {
        score(
            &seed(scheme),
            Points::int(3),
            &cell(right, wrong),
            Separator::Semicolon,
        )
        .points
        .exact()
    }

    /// Hand-computed: N = 12, C = 6, W = 6, P = 3.
    #[test]
    fn every_scheme_matches_the_hand_computed_table() {
        use Scheme::*;
        let table: [(Scheme, usize, usize, &str); 24] = [
            // all-or-nothing
            (AllOrNothing, 6, 0, "3"),
            (AllOrNothing, 6, 1, "0"),
            (AllOrNothing, 5, 0, "0"),
            // net-correct: 3·max(0,(t−f)/6)
            (NetCorrect, 6, 0, "3"),
            (NetCorrect, 6, 1, "5/2"),
            (NetCorrect, 5, 0, "5/2"),
            (NetCorrect, 6, 6, "0"),
            (NetCorrect, 2, 4, "0"),
            // each-answer: 3·(t + 6 − f)/12
            (EachAnswer, 6, 0, "3"),
            (EachAnswer, 6, 1, "11/4"),
            (EachAnswer, 6, 6, "3/2"),
            (EachAnswer, 1, 0, "7/4"),
            // coverage: 3·(t/6)·(t/n)
            (Coverage, 6, 0, "3"),
            (Coverage, 6, 2, "9/4"),
            (Coverage, 3, 0, "3/2"),
            (Coverage, 3, 3, "3/4"),
            // false: 3·(t/6 − f/6), floor 0
            (False, 6, 1, "5/2"),
            (False, 5, 2, "3/2"),
            (False, 1, 3, "0"),
            (False, 6, 6, "0"),
            // false2: 3·(t/6 − f/max(6,2))
            (False2, 6, 1, "5/2"),
            (False2, 4, 1, "3/2"),
            (False2, 6, 0, "3"),
            (False2, 0, 1, "0"),
        ];
        for (scheme, right, wrong, expected) in table {
            assert_eq!(
                pts(scheme, right, wrong),
                expected,
                "{scheme:?} with {right} right, {wrong} wrong"
            );
        }
    }

    #[test]
    fn false2_uses_at_least_two_as_the_penalty_denominator() {
        // N = 3, C = 2, W = 1: a wrong tick costs 1/max(1,2) = 1/2, not 1.
        let q = Checkbox {
            options: Options::new(vec!["A".into(), "B".into(), "C".into()]),
            correct: vec![true, true, false],
            scheme: Scheme::False2,
            select: None,
            floor: Points::ZERO,
            weights: vec![Points::ZERO; 3],
        };
        let s = score(&q, Points::int(1), "A;B;C;", Separator::Semicolon);
        assert_eq!(s.points.exact(), "1/2");
        let mut q = q;
        q.scheme = Scheme::False;
        assert_eq!(
            score(&q, Points::int(1), "A;B;C;", Separator::Semicolon).points,
            Points::ZERO
        );
    }

    #[test]
    fn weights_sum_is_clamped_and_a_negative_floor_is_honoured() {
        let q = Checkbox {
            options: Options::new(vec!["A".into(), "B".into(), "C".into()]),
            correct: vec![true, true, false],
            scheme: Scheme::Weights,
            select: None,
            floor: Points::ZERO,
            weights: vec![
                Points::parse("1/2").unwrap(),
                Points::parse("1/2").unwrap(),
                Points::int(-1),
            ],
        };
        assert_eq!(
            score(&q, Points::int(2), "A;B;", Separator::Semicolon).points,
            Points::int(2)
        );
        assert_eq!(
            score(&q, Points::int(2), "A;C;", Separator::Semicolon).points,
            Points::ZERO
        );
        let mut q = q;
        q.floor = Points::parse("-1/2").unwrap();
        let s = score(&q, Points::int(2), "A;C;", Separator::Semicolon);
        assert_eq!(s.points, Points::int(-1));
        // Empty stays 0 and "not answered" even with a negative floor.
        let s = score(&q, Points::int(2), "", Separator::Semicolon);
        assert_eq!((s.points, s.status), (Points::ZERO, Status::NotAnswered));
    }

    #[test]
    fn findings_explain_the_points() {
        let s = score(
            &seed(Scheme::NetCorrect),
            Points::int(3),
            &cell(5, 1),
            Separator::Semicolon,
        );
        assert_eq!(s.points.exact(), "2");
        let last = s.findings.last().unwrap().message();
        assert_eq!(
            last,
            "net-correct: max(0, (t − f)/C) = max(0, (5 − 1)/6) = 2/3 × 3 points = 2"
        );
        assert!(s.findings.contains(&Finding::Missed {
            option: "Option 5".into()
        }));
        assert!(
            !s.findings
                .iter()
                .any(|f| matches!(f, Finding::SelectCount { .. }))
        );
        let s = score(
            &seed(Scheme::NetCorrect),
            Points::int(3),
            &cell(6, 1),
            Separator::Semicolon,
        );
        assert!(s.findings.contains(&Finding::SelectCount {
            expected: 6,
            ticked: 7
        }));
    }

    #[test]
    fn unknown_selections_are_not_counted_but_reviewed() {
        let s = score(
            &seed(Scheme::NetCorrect),
            Points::int(3),
            "Option 0;Something invented;",
            Separator::Semicolon,
        );
        assert_eq!(s.points.exact(), "1/2");
        assert_eq!(s.review[0].reason, Reason::UnknownSelection);
    }
}
