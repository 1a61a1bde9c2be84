//! Several submissions by one person. Identity is the e-mail, compared case-insensitively;
//! `anonymous` rows (and rows without an e-mail) are each their own respondent (FORMAT.md §1.3).
//! Which submission counts is the rubric's duplicate policy; every other one is listed.

use super::Submission;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Which submission of a respondent is graded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DuplicatePolicy {
    /// The latest completion time wins (ties: the later row).
    #[default]
    Latest,
    /// The earliest completion time wins.
    First,
    /// Every submission is graded.
    All,
}

/// A submission that was not graded because another one of the same respondent was.
#[derive(Clone, Debug, Serialize)]
pub struct Superseded {
    /// Index into the submissions.
    #[serde(skip)]
    pub index: usize,
    /// Index of the submission graded instead.
    #[serde(skip)]
    pub by: usize,
    pub reason: String,
}

/// Outcome of applying the duplicate policy.
#[derive(Clone, Debug, Default)]
pub struct Resolution {
    /// Indices of graded submissions, in export order.
    pub graded: Vec<usize>,
    /// Submissions left out, in export order.
    pub superseded: Vec<Superseded>,
}

/// The respondent key of a submission: its e-mail in lower case, or `None` (its own respondent).
/// ASCII letters only are folded: Unicode lower-casing would make the Kelvin sign `K` and `k`
/// one letter, and two students one respondent.
pub fn identity(s: &Submission) -> Option<String> {
    let email = s.email.trim().to_ascii_lowercase();
    (!email.is_empty() && email != "anonymous").then_some(email)
}

/// Which submissions count, by the duplicate policy. `submissions` are every export's, in
/// order (so position alone orders exports too).
pub fn resolve<S: std::borrow::Borrow<Submission>>(
    submissions: &[S],
    policy: DuplicatePolicy,
) -> Resolution {
    let submissions: Vec<&Submission> = submissions.iter().map(|s| s.borrow()).collect();
    if policy == DuplicatePolicy::All {
        return Resolution {
            graded: (0..submissions.len()).collect(),
            superseded: Vec::new(),
        };
    }
    let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, s) in submissions.iter().enumerate() {
        if let Some(key) = identity(s) {
            groups.entry(key).or_default().push(i);
        }
    }
    let mut winner_of: HashMap<usize, usize> = HashMap::new();
    for members in groups.values().filter(|m| m.len() > 1) {
        let all_dated = members.iter().all(|&i| submissions[i].completed.is_some());
        // Position in the export breaks ties; without every date it is the only order there is.
        let order = |&i: &usize| {
            let t = if all_dated {
                submissions[i].completed
            } else {
                None
            };
            (t, i)
        };
        let winner = match policy {
            DuplicatePolicy::Latest => members.iter().max_by_key(|i| order(i)),
            _ => members.iter().min_by_key(|i| order(i)),
        };
        let winner = *winner.expect("groups have members");
        for &m in members {
            winner_of.insert(m, winner);
        }
    }
    let mut resolution = Resolution::default();
    for i in 0..submissions.len() {
        match winner_of.get(&i) {
            Some(&w) if w != i => {
                let by = &submissions[w];
                let when = if by.completed_text.is_empty() {
                    String::new()
                } else {
                    format!(", completed {}", by.completed_text)
                };
                let rule = match policy {
                    DuplicatePolicy::Latest => "latest submission counts",
                    _ => "first submission counts",
                };
                resolution.superseded.push(Superseded {
                    index: i,
                    by: w,
                    reason: format!(
                        "{rule}: superseded by ID {} (line {}{when})",
                        by.id, by.line
                    ),
                });
            }
            _ => resolution.graded.push(i),
        }
    }
    resolution
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Timestamp;

    fn sub(id: &str, email: &str, time: &str) -> Submission {
        Submission {
            source: 0,
            line: id.parse::<usize>().unwrap() + 1,
            id: id.into(),
            email: email.into(),
            name: String::new(),
            completed_text: time.into(),
            completed: Timestamp::parse(time),
            cells: Default::default(),
            problems: vec![],
        }
    }

    fn subs() -> Vec<Submission> {
        vec![
            sub("1", "Anna@uni.it", "2/9/22 11:00:00"),
            sub("2", "anonymous", "2/9/22 11:00:00"),
            sub("3", "anna@UNI.it", "2/9/22 10:00:00"),
            sub("4", "anonymous", "2/9/22 11:00:00"),
            sub("5", "anna@uni.it", "2/9/22 12:00:00"),
        ]
    }

    #[test]
    fn latest_keeps_the_latest_completion_and_lists_the_others() {
        let r = resolve(&subs(), DuplicatePolicy::Latest);
        assert_eq!(r.graded, vec![1, 3, 4]);
        assert_eq!(
            r.superseded.iter().map(|s| s.index).collect::<Vec<_>>(),
            vec![0, 2]
        );
        assert_eq!(
            r.superseded[0].reason,
            "latest submission counts: superseded by ID 5 (line 6, completed 2/9/22 12:00:00)"
        );
    }

    #[test]
    fn first_keeps_the_earliest_completion_even_when_it_is_a_later_row() {
        let r = resolve(&subs(), DuplicatePolicy::First);
        assert_eq!(r.graded, vec![1, 2, 3]);
    }

    #[test]
    fn all_grades_everything() {
        let r = resolve(&subs(), DuplicatePolicy::All);
        assert_eq!(r.graded, vec![0, 1, 2, 3, 4]);
        assert!(r.superseded.is_empty());
    }
}
