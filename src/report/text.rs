//! `reports/NNN-name.txt`: one plain-text report per graded respondent — every question's
//! points and the findings behind them, and for a filled-in summary the fields that lost points
//! and the row-by-row diff against the reference. A student could be sent this file.

use crate::score::run::{GradeRun, RespondentResult};
use crate::score::summary::Verdict;
use crate::score::{Finding, Status};
use std::fmt::Write;

/// A file-name-safe slug: ASCII letters, digits, `-` and `_` only, at most 40 characters.
/// Student-controlled text never reaches a path unfiltered.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 40 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "respondent".into()
    } else {
        out
    }
}

/// File name of the n-th (0-based) respondent's report; the position keeps names unique.
pub fn file_name(n: usize, r: &RespondentResult) -> String {
    let who =
        if r.respondent.email.is_empty() || r.respondent.email.eq_ignore_ascii_case("anonymous") {
            format!("id-{}", r.respondent.id)
        } else {
            r.respondent
                .email
                .split('@')
                .next()
                .unwrap_or_default()
                .to_string()
        };
    format!("{:03}-{}.txt", n + 1, slug(&who))
}

fn report(run: &GradeRun, r: &RespondentResult) -> String {
    let mut out = String::new();
    let who = [r.respondent.name.as_str(), r.respondent.email.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(out, "{}", run.exam);
    let _ = writeln!(
        out,
        "Respondent: {who} (ID {}, {} line {})",
        r.respondent.id, r.file, r.line
    );
    let _ = writeln!(out, "Total: {} / {}", r.total, r.max);
    for q in &r.questions {
        let s = &q.score;
        let _ = writeln!(out);
        match s.status {
            Status::Ungraded => {
                let _ = writeln!(
                    out,
                    "{}: not graded by this version (worth {})",
                    q.id, s.max
                );
                continue;
            }
            Status::NotAnswered => {
                let _ = writeln!(out, "{}: 0 / {} (not answered)", q.id, s.max);
                continue;
            }
            Status::Graded => {
                let _ = writeln!(out, "{}: {} / {}", q.id, s.points, s.max);
            }
        }
        let fields: Vec<&Finding> = s
            .findings
            .iter()
            .filter(|f| matches!(f, Finding::Field { .. }))
            .collect();
        if !fields.is_empty() {
            let count = |v: Verdict| {
                fields
                    .iter()
                    .filter(|f| matches!(f, Finding::Field { verdict, .. } if *verdict == v))
                    .count()
            };
            let parts: Vec<String> = [
                (Verdict::Correct, "correct"),
                (
                    Verdict::FollowThrough,
                    "right given your own earlier values",
                ),
                (Verdict::Wrong, "wrong"),
                (Verdict::Missing, "missing"),
                (Verdict::Unparsed, "unreadable"),
            ]
            .iter()
            .filter(|(v, _)| count(*v) > 0)
            .map(|(v, what)| format!("{} {what}", count(*v)))
            .collect();
            let _ = writeln!(out, "  {} fields: {}", fields.len(), parts.join(", "));
        }
        for f in &s.findings {
            match f {
                Finding::Field {
                    verdict: Verdict::Correct,
                    ..
                } => {}
                Finding::Diff { text } if text.is_empty() => {}
                Finding::Diff { text } => {
                    let _ = writeln!(
                        out,
                        "  Your answer against the reference (- yours, + reference):"
                    );
                    for line in text.lines() {
                        let _ = writeln!(out, "    {line}");
                    }
                }
                other => {
                    let _ = writeln!(out, "  - {}", other.message());
                }
            }
        }
        for item in &s.review {
            let _ = writeln!(out, "  (a TA will check: {})", item.detail);
        }
    }
    out
}

/// Every respondent's report as (file name, contents).
pub fn reports(run: &GradeRun) -> Vec<(String, Vec<u8>)> {
    run.respondents
        .iter()
        .enumerate()
        .map(|(n, r)| (file_name(n, r), report(run, r).into_bytes()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_safe_file_names() {
        assert_eq!(slug("Anna.Rossi"), "anna-rossi");
        assert_eq!(slug("../../etc/passwd"), "etc-passwd");
        assert_eq!(slug("Zoë Ñúñez"), "zo-ez");
        assert_eq!(slug("///"), "respondent");
        assert_eq!(slug(&"a".repeat(100)).len(), 40);
    }
}
