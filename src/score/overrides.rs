//! TA decisions applied on top of the machine's grading: `grade --overrides FILE` sets a
//! question's points for a respondent (with a comment), and the decision survives regrading with
//! a changed rubric because it names the respondent and the question, not a row of output.
//! An override for a respondent or a question that no longer exists is an error, never dropped.

use super::run::GradeRun;
use super::{Finding, Status};
use crate::points::Points;
use thiserror::Error;

/// One TA decision.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// Line of the overrides file, for messages.
    pub line: usize,
    pub respondent: String,
    pub question: String,
    /// New points; `None` keeps the machine's points (a comment only).
    pub points: Option<Points>,
    pub comment: String,
}

#[derive(Debug, Error, PartialEq)]
pub enum OverrideError {
    #[error("{file}:{line}: no graded respondent has the ID `{id}`")]
    Respondent {
        file: String,
        line: usize,
        id: String,
    },
    #[error("{file}:{line}: the rubric has no question `{question}`{hint}")]
    Question {
        file: String,
        line: usize,
        question: String,
        hint: String,
    },
    #[error("{file}:{line}: {points} points for `{question}` is outside 0..{max}")]
    Range {
        file: String,
        line: usize,
        question: String,
        points: String,
        max: String,
    },
    #[error(
        "{file}:{line}: respondent `{id}` and question `{question}` are overridden twice (first on line {first})"
    )]
    Twice {
        file: String,
        line: usize,
        id: String,
        question: String,
        first: usize,
    },
}

/// Apply the decisions; the respondents' totals are recomputed.
pub fn apply(
    run: &mut GradeRun,
    file: &str,
    overrides: &[Override],
) -> Result<usize, OverrideError> {
    let mut seen: Vec<(String, String, usize)> = Vec::new();
    for o in overrides {
        if let Some((_, _, first)) = seen
            .iter()
            .find(|(r, q, _)| *r == o.respondent && *q == o.question)
        {
            return Err(OverrideError::Twice {
                file: file.into(),
                line: o.line,
                id: o.respondent.clone(),
                question: o.question.clone(),
                first: *first,
            });
        }
        seen.push((o.respondent.clone(), o.question.clone(), o.line));
        let Some(qi) = run.questions.iter().position(|q| q.id == o.question) else {
            let hint = crate::rubric::error::did_you_mean(
                &o.question,
                run.questions.iter().map(|q| q.id.as_str()),
            )
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
            return Err(OverrideError::Question {
                file: file.into(),
                line: o.line,
                question: o.question.clone(),
                hint,
            });
        };
        let max = run.questions[qi].max;
        let Some(r) = run
            .respondents
            .iter_mut()
            .find(|r| r.respondent.id == o.respondent)
        else {
            return Err(OverrideError::Respondent {
                file: file.into(),
                line: o.line,
                id: o.respondent.clone(),
            });
        };
        let q = &mut r.questions[qi];
        let machine = q.score.points;
        if let Some(p) = o.points {
            if p.is_negative() || p > max {
                return Err(OverrideError::Range {
                    file: file.into(),
                    line: o.line,
                    question: o.question.clone(),
                    points: p.to_string(),
                    max: max.to_string(),
                });
            }
            q.score.points = p;
            q.score.status = Status::Graded;
            q.points_exact = (!p.displays_exactly()).then(|| p.exact());
        }
        // A human decided: nothing left to review on this question.
        q.score.review.clear();
        q.score.findings.push(Finding::Override {
            points: q.score.points,
            machine,
            comment: o.comment.clone(),
        });
        r.total = r
            .questions
            .iter()
            .filter(|q| q.score.status != Status::Ungraded)
            .fold(Points::ZERO, |acc, q| {
                acc.checked_add(q.score.points).unwrap_or(acc)
            });
    }
    Ok(overrides.len())
}
