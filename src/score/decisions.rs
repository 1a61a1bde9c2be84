//! TA decisions applied on top of the machine's grading (`grade --decisions FILE`): a
//! question's points for a respondent, with a comment. A decision is data that outlives runs:
//! it names the respondent by a stable key (the e-mail when the export has one, otherwise the
//! export file's name and the Forms ID — Forms numbers IDs from 1 in every export), and it
//! remembers the answer it was made on (a hash of the cell), so a decision on an answer that a
//! re-export changed is reported stale and not applied. A decision that matches no respondent,
//! or several, is an error naming its line — never a guess.

use super::run::{Grading, RespondentResult, answer_hash, file_name};
use super::{Finding, Status};
use crate::points::Points;
use serde::Serialize;
use std::collections::HashMap;
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

/// A decision checked against the class before grading: whose (graded respondent `n`), which
/// question, and whether the answer changed since it was made.
#[derive(Clone, Debug, PartialEq)]
pub struct Planned {
    pub respondent: usize,
    pub question: usize,
    pub line: usize,
    /// The answer hash as written in the file (empty: on the current answer).
    pub answer: String,
    pub stale: bool,
    pub points: Option<Points>,
    pub comment: String,
}

/// Check every decision of `file` against the prepared class — its respondent and question
/// exist and are named exactly once, its points fit, no answer is decided twice — before any
/// answer is graded, so that a bad decisions file costs nothing.
pub fn plan(
    grading: &Grading,
    file: &str,
    decisions: &[Decision],
) -> Result<Vec<Planned>, DecisionError> {
    let questions = &grading.head.questions;
    let mut by_key: HashMap<&str, Vec<usize>> = HashMap::new();
    for n in 0..grading.len() {
        by_key.entry(grading.key(n)).or_default().push(n);
    }
    let mut seen: HashMap<(usize, usize, String), usize> = HashMap::new();
    let mut out = Vec::with_capacity(decisions.len());
    for d in decisions {
        let Some(qi) = questions.iter().position(|q| q.id == d.question) else {
            let hint = crate::rubric::error::did_you_mean(
                &d.question,
                questions.iter().map(|q| q.id.as_str()),
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
        let n = find_respondent(grading, &by_key, file, d)?;
        // A decision without an answer hash is about the current answer.
        let current = answer_hash(grading.answer(n, qi));
        let about = if d.answer.is_empty() {
            current.clone()
        } else {
            d.answer.clone()
        };
        if let Some(first) = seen.get(&(n, qi, about.clone())) {
            return Err(DecisionError::Twice {
                file: file.into(),
                line: d.line,
                who: crate::text::excerpt(grading.key(n), 80),
                question: d.question.clone(),
                first: *first,
            });
        }
        seen.insert((n, qi, about.clone()), d.line);
        let max = questions[qi].max;
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
        out.push(Planned {
            respondent: n,
            question: qi,
            line: d.line,
            answer: d.answer.clone(),
            stale: about != current,
            points: d.points,
            comment: d.comment.clone(),
        });
    }
    Ok(out)
}

/// Apply one respondent's planned decisions (in file order) to its graded result; the total
/// is recomputed. Stale ones are recorded but change no points.
pub fn apply(r: &mut RespondentResult, planned: &[&Planned]) -> Vec<DecisionRecord> {
    let mut records = Vec::with_capacity(planned.len());
    for d in planned {
        let q = &mut r.questions[d.question];
        let machine = q.score.points;
        records.push(DecisionRecord {
            line: d.line,
            respondent: r.respondent.key.clone(),
            id: r.respondent.id.clone(),
            question: q.id.clone(),
            answer: d.answer.clone(),
            status: if d.stale { "stale" } else { "applied" },
            points: d.points,
            machine,
            comment: d.comment.clone(),
        });
        if d.stale {
            continue;
        }
        let score = std::sync::Arc::make_mut(&mut q.score);
        if let Some(p) = d.points {
            score.points = p;
            score.status = Status::Graded;
            q.points_exact = (!p.displays_exactly()).then(|| p.exact());
        }
        // A human decided: nothing left to review on this question.
        score.review.clear();
        score.findings.push(Finding::Override {
            points: score.points,
            machine,
            comment: d.comment.clone(),
        });
    }
    if !planned.is_empty() {
        r.total = r
            .questions
            .iter()
            .filter(|q| !matches!(q.score.status, Status::Ungraded))
            .try_fold(Points::ZERO, |acc, q| acc.checked_add(q.score.points))
            .unwrap_or(r.total);
    }
    records
}

/// The one graded respondent a decision names: by key, else by e-mail, else by Forms ID (in
/// the named export file when given).
fn find_respondent(
    grading: &Grading,
    by_key: &HashMap<&str, Vec<usize>>,
    file: &str,
    d: &Decision,
) -> Result<usize, DecisionError> {
    let all = 0..grading.len();
    let (who, found): (String, Vec<usize>) = if !d.key.is_empty() {
        (
            format!("`{}`", crate::text::excerpt(&d.key, 80)),
            by_key.get(d.key.as_str()).cloned().unwrap_or_default(),
        )
    } else if !d.email.is_empty() {
        (
            format!("e-mail `{}`", crate::text::excerpt(&d.email, 80)),
            all.filter(|&n| grading.who(n).3.eq_ignore_ascii_case(&d.email))
                .collect(),
        )
    } else if !d.id.is_empty() {
        let base = file_name(&d.file);
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
            all.filter(|&n| {
                let (f, _, id, _) = grading.who(n);
                id == d.id && (d.file.is_empty() || file_name(f) == base)
            })
            .collect(),
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
                .map(|&n| {
                    let (f, line, _, _) = grading.who(n);
                    format!("{f} line {line}")
                })
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}
