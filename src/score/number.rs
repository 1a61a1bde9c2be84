//! Numeric questions: full points within the tolerance, none outside it.

use super::{Finding, Reason, Review, Score, Status};
use crate::answers::number::parse;
use crate::points::Points;
use crate::rubric::{NumberKey, Tolerance};

pub fn score(q: &NumberKey, points: Points, cell: &str) -> Score {
    if cell.trim().is_empty() {
        return Score::not_answered(points);
    }
    let (allowed, tolerance) = match q.tolerance {
        Tolerance::Absolute(t) => (t, t.decimal()),
        Tolerance::Relative(f) => (
            f.checked_mul(q.key.abs()).unwrap_or(Points::ZERO),
            format!(
                "{}%",
                f.checked_mul(Points::int(100)).unwrap_or(f).decimal()
            ),
        ),
    };
    match parse(cell) {
        Err(_) => {
            let text = crate::text::excerpt(cell, 80);
            Score {
                points: Points::ZERO,
                max: points,
                status: Status::Graded,
                findings: vec![Finding::Unparsed {
                    text: text.clone(),
                    expected: "a number".into(),
                }],
                review: vec![Review {
                    reason: Reason::Unparsed,
                    detail: format!("`{text}` is not a number"),
                }],
            }
        }
        Ok(answer) => {
            let diff = answer
                .value
                .checked_sub(q.key)
                .map(Points::abs)
                .unwrap_or(Points::int(i64::MAX));
            let within = diff <= allowed;
            let mut review = Vec::new();
            if answer.ambiguous {
                review.push(Review {
                    reason: Reason::AmbiguousNumber,
                    detail: format!(
                        "`{}` was read as {} (decimal comma); it could mean a thousands separator",
                        crate::text::excerpt(cell.trim(), 80),
                        answer.value.decimal()
                    ),
                });
            }
            Score {
                points: if within { points } else { Points::ZERO },
                max: points,
                status: Status::Graded,
                // As written and in full: rounding `0.002` against a key of `0.001` to two
                // decimals would show "answered 0; key 0".
                findings: vec![Finding::Number {
                    value: crate::text::excerpt(cell.trim(), 80),
                    key: q.key.decimal(),
                    tolerance,
                    within,
                }],
                review,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerance_absolute_and_relative() {
        let abs = NumberKey {
            key: Points::int(144),
            tolerance: Tolerance::Absolute(Points::parse("0.5").unwrap()),
        };
        assert_eq!(score(&abs, Points::int(2), "144,5").points, Points::int(2));
        assert_eq!(score(&abs, Points::int(2), "144.6").points, Points::ZERO);
        let rel = NumberKey {
            key: Points::int(200),
            tolerance: Tolerance::Relative(Points::parse("0.01").unwrap()),
        };
        assert_eq!(score(&rel, Points::int(1), "202").points, Points::int(1));
        assert_eq!(score(&rel, Points::int(1), "203").points, Points::ZERO);
        let s = score(&rel, Points::int(1), "about two hundred");
        assert_eq!(s.review[0].reason, Reason::Unparsed);
        // Small numbers are shown as written and the key in full, never rounded.
        let small = NumberKey {
            key: Points::parse("0.001").unwrap(),
            tolerance: Tolerance::Absolute(Points::parse("0.0005").unwrap()),
        };
        let s = score(&small, Points::int(1), " 0.002 ");
        assert_eq!(
            s.findings[0].message(),
            "answered 0.002; key 0.001 ± 0.0005: outside tolerance"
        );
    }
}
