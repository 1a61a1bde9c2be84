//! Single-choice questions: the key's option earns the points, any other earns the rubric's
//! `wrong` fraction (0 unless the exam penalises guessing).

use super::{Finding, Reason, Review, Score, Status, times};
use crate::answers::Match;
use crate::answers::checkbox::Selection;
use crate::answers::choice::{ChoiceAnswer, parse};
use crate::points::Points;
use crate::rubric::Choice;

pub fn score(q: &Choice, points: Points, cell: &str) -> Score {
    let graded = |fraction: Points, findings: Vec<Finding>, review: Vec<Review>| Score {
        points: times(fraction, points),
        max: points,
        status: Status::Graded,
        findings,
        review,
    };
    match parse(cell, &q.options) {
        ChoiceAnswer::Empty => Score::not_answered(points),
        ChoiceAnswer::Option { index, matched } => {
            let correct = q.is_key(index);
            let mut review = Vec::new();
            if let Match::Fuzzy { text, similarity } = &matched {
                review.push(Review {
                    reason: Reason::FuzzyMatch,
                    detail: format!(
                        "`{text}` was taken as option `{}` (similarity {similarity})",
                        q.options.texts[index].trim()
                    ),
                });
            }
            let finding = Finding::Chose {
                option: q.options.texts[index].trim().to_string(),
                correct,
                matched,
            };
            let fraction = if correct { Points::ONE } else { q.wrong };
            graded(fraction, vec![finding], review)
        }
        ChoiceAnswer::Several(selections) => {
            let options: Vec<String> = selections
                .iter()
                .map(|s| match s {
                    Selection::Option { index, .. } => q.options.texts[*index].trim().to_string(),
                    Selection::Unknown { text } => text.clone(),
                })
                .collect();
            let review = vec![Review {
                reason: Reason::SeveralChoices,
                detail: format!("several options in one answer: {}", options.join("; ")),
            }];
            graded(q.wrong, vec![Finding::ChoseSeveral { options }], review)
        }
        ChoiceAnswer::Unknown { text } => {
            let shown = crate::text::excerpt(&text, 80);
            let review = vec![Review {
                reason: Reason::UnknownSelection,
                detail: format!("answered `{shown}`, which is no option of the rubric"),
            }];
            graded(
                Points::ZERO,
                vec![Finding::UnknownSelection { text: shown }],
                review,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rubric::Options;

    fn q(wrong: &str) -> Choice {
        Choice {
            options: Options::new(vec!["6 x 8".into(), "12 x 12".into(), "5 x 5".into()]),
            key: vec![1],
            wrong: Points::parse(wrong).unwrap(),
        }
    }

    #[test]
    fn every_variant_of_an_edited_key_earns_the_points() {
        let mut c = q("0");
        c.key = vec![1, 2];
        let p = Points::int(2);
        assert_eq!(score(&c, p, "12 x 12").points, Points::int(2));
        assert_eq!(score(&c, p, "5 x 5").points, Points::int(2));
        assert_eq!(score(&c, p, "6 x 8").points, Points::ZERO);
    }

    #[test]
    fn right_wrong_empty_and_unknown() {
        let p = Points::int(1);
        assert_eq!(score(&q("0"), p, "12 x 12").points, Points::int(1));
        assert_eq!(score(&q("0"), p, "5 x 5").points, Points::ZERO);
        assert_eq!(score(&q("-1/4"), p, "5 x 5").points.exact(), "-1/4");
        assert_eq!(score(&q("-1/4"), p, "").status, Status::NotAnswered);
        assert_eq!(score(&q("-1/4"), p, "").points, Points::ZERO);
        let s = score(&q("-1/4"), p, "no idea");
        assert_eq!(
            (s.points, s.review[0].reason),
            (Points::ZERO, Reason::UnknownSelection)
        );
    }
}
