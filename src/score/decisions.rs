//! TA decisions applied on top of the machine's grading (`grade --decisions FILE`): a
//! question's points for a respondent, with a comment. A decision is data that outlives runs:
//! it names the respondent by a stable key (the e-mail when the export has one, otherwise the
//! export file's name and the Forms ID — Forms numbers IDs from 1 in every export), and it
//! remembers the answer it was made on (a hash of the cell), so a decision on an answer that a
//! re-export changed is reported stale and not applied. A decision that matches no respondent,
//! or several, is an error naming its line — never a guess.

use super::run::{GradeRun, answer_hash};
use super::{Finding, Status};
use crate::points::Points;
use serde::Serialize;
use thiserror::Error;

/// One TA decision, as read from the decisions file.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Decision {
    /// Line of the decisions file, for messages.
    pub line: usize,
    /// The respondent's stable key (`respondent` column), when the file has one.
    pub key: String,
    /// E-mail, Forms ID and export file, for files written by hand.
    pub email: String,
    pub id: String,
    pub file: String,
    pub question: String,
    /// Hash of the answer the decision was made on (`answer` column); empty: not checked.
    pub answer: String,
    /// New points; `None` keeps the machine's points (a comment only).
    pub points: Option<Points>,
    pub comment: String,
}

#[derive(Debug, Error, PartialEq)]
pub enum DecisionError {
    #[error("{file}:{line}: no graded respondent is {who}")]
    NoRespondent {
        file: String,
        line: usize,
        who: String,
    },
    #[error(
        "{file}:{line}: {who} matches {count} graded respondents ({which}); name one by its \
         `respondent` key"
    )]
    Several {
        file: String,
        line: usize,
        who: String,
        count: usize,
        which: String,
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
        "{file}:{line}: respondent `{who}` and question `{question}` are decided twice (first on \
         line {first})"
    )]
    Twice {
        file: String,
        line: usize,
        who: String,
        question: String,
        first: usize,
    },
    #[error("{file}:{line}: a decision needs a `respondent`, `email` or `id`")]
    Nobody { file: String, line: usize },
}

/// What became of one decision, kept in the run (grades.json, review.csv).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DecisionRecord {
    /// Line of the decisions file.
    pub line: usize,
    /// Respondent key and Forms ID it applies to.
    pub respondent: String,
    pub id: String,
    pub question: String,
    /// Hash of the answer it was made on (as written in the file).
    pub answer: String,
    /// `applied` or `stale` (the answer changed since: not applied).
    pub status: &'static str,
    /// The TA's points (`None`: a comment only) and the machine's.
    pub points: Option<Points>,
    pub machine: Points,
    pub comment: String,
}

/// Apply the decisions of `file`; respondents' totals are recomputed. Stale decisions are
/// recorded in `run.decisions` (and so reach review.csv) but change no points.
pub fn apply(
    run: &mut GradeRun,
    file: &str,
    decisions: &[Decision],
) -> Result<(usize, usize), DecisionError> {
    let mut seen: Vec<(usize, usize, String, usize)> = Vec::new();
    let (mut applied, mut stale) = (0, 0);
    for d in decisions {
        let Some(qi) = run.questions.iter().position(|q| q.id == d.question) else {
            let hint = crate::rubric::error::did_you_mean(
                &d.question,
                run.questions.iter().map(|q| q.id.as_str()),
            )
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
            return Err(DecisionError::Question {
                file: file.into(),
                line: d.line,
                question: d.question.clone(),
                hint,
            });
        };
        let ri = find_respondent(run, file, d)?;
        // A decision without an answer hash is about the current answer.
        let current = answer_hash(&run.respondents[ri].questions[qi].answer);
        let about = if d.answer.is_empty() {
            current.clone()
        } else {
            d.answer.clone()
        };
        if let Some((_, _, _, first)) = seen
            .iter()
            .find(|(r, q, a, _)| *r == ri && *q == qi && *a == about)
        {
            return Err(DecisionError::Twice {
                file: file.into(),
                line: d.line,
                who: run.respondents[ri].respondent.key.clone(),
                question: d.question.clone(),
                first: *first,
            });
        }
        seen.push((ri, qi, about.clone(), d.line));
        let max = run.questions[qi].max;
        if let Some(p) = d.points
            && (p.is_negative() || p > max)
        {
            return Err(DecisionError::Range {
                file: file.into(),
                line: d.line,
                question: d.question.clone(),
                points: p.to_string(),
                max: max.to_string(),
            });
        }
        let r = &mut run.respondents[ri];
        let q = &mut r.questions[qi];
        let machine = q.score.points;
        let is_stale = about != current;
        run.decisions.push(DecisionRecord {
            line: d.line,
            respondent: r.respondent.key.clone(),
            id: r.respondent.id.clone(),
            question: d.question.clone(),
            answer: d.answer.clone(),
            status: if is_stale { "stale" } else { "applied" },
            points: d.points,
            machine,
            comment: d.comment.clone(),
        });
        if is_stale {
            stale += 1;
            continue;
        }
        applied += 1;
        if let Some(p) = d.points {
            q.score.points = p;
            q.score.status = Status::Graded;
            q.points_exact = (!p.displays_exactly()).then(|| p.exact());
        }
        // A human decided: nothing left to review on this question.
        q.score.review.clear();
        q.score.findings.push(Finding::Override {
            points: q.score.points,
            machine,
            comment: d.comment.clone(),
        });
        r.total = r
            .questions
            .iter()
            .filter(|q| !matches!(q.score.status, Status::Ungraded))
            .try_fold(Points::ZERO, |acc, q| acc.checked_add(q.score.points))
            .unwrap_or(r.total);
    }
    Ok((applied, stale))
}

/// The one graded respondent a decision names: by key, else by e-mail, else by Forms ID (in
/// the named export file when given).
fn find_respondent(run: &GradeRun, file: &str, d: &Decision) -> Result<usize, DecisionError> {
    let (who, found): (String, Vec<usize>) = if !d.key.is_empty() {
        (
            format!("`{}`", crate::text::excerpt(&d.key, 80)),
            matching(run, |r| r.respondent.key == d.key),
        )
    } else if !d.email.is_empty() {
        (
            format!("e-mail `{}`", crate::text::excerpt(&d.email, 80)),
            matching(run, |r| r.respondent.email.eq_ignore_ascii_case(&d.email)),
        )
    } else if !d.id.is_empty() {
        let base = crate::score::run::file_name(&d.file);
        (
            if d.file.is_empty() {
                format!("ID `{}`", crate::text::excerpt(&d.id, 40))
            } else {
                format!(
                    "ID `{}` of `{}`",
                    crate::text::excerpt(&d.id, 40),
                    crate::text::excerpt(&d.file, 80)
                )
            },
            matching(run, |r| {
                r.respondent.id == d.id
                    && (d.file.is_empty() || crate::score::run::file_name(&r.file) == base)
            }),
        )
    } else {
        return Err(DecisionError::Nobody {
            file: file.into(),
            line: d.line,
        });
    };
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(DecisionError::NoRespondent {
            file: file.into(),
            line: d.line,
            who,
        }),
        several => Err(DecisionError::Several {
            file: file.into(),
            line: d.line,
            who,
            count: several.len(),
            which: several
                .iter()
                .take(4)
                .map(|&i| {
                    let r = &run.respondents[i];
                    format!("{} line {}", r.file, r.line)
                })
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

fn matching(
    run: &GradeRun,
    test: impl Fn(&crate::score::run::RespondentResult) -> bool,
) -> Vec<usize> {
    run.respondents
        .iter()
        .enumerate()
        .filter(|(_, r)| test(r))
        .map(|(i, _)| i)
        .collect()
}
