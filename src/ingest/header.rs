//! The header row: which column is which. Fixed columns come from a vocabulary table (one line
//! per language, FORMAT.md §1.6); a question's `Points - <Q>` and `Feedback - <Q>` columns are
//! recognised by prefix *and* by naming another column, in any order (FORMAT.md §1.2).

use crate::text::{normalize, similarity};
use serde::Serialize;

/// The fixed (non-question) columns an export can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fixed {
    Id,
    StartTime,
    CompletionTime,
    Email,
    Name,
    TotalPoints,
    QuizFeedback,
    GradePostedTime,
    LastModifiedTime,
}

/// Header names of one export language. An empty string means "not known in this language".
struct Vocabulary {
    id: &'static str,
    start: &'static str,
    completion: &'static str,
    email: &'static str,
    name: &'static str,
    total_points: &'static str,
    quiz_feedback: &'static str,
    grade_posted: &'static str,
    last_modified: &'static str,
    points_prefix: &'static str,
    feedback_prefix: &'static str,
}

macro_rules! vocab {
    ($id:expr, $start:expr, $completion:expr, $email:expr, $name:expr, $total:expr, $qfb:expr,
     $posted:expr, $modified:expr, $points:expr, $feedback:expr) => {
        Vocabulary {
            id: $id,
            start: $start,
            completion: $completion,
            email: $email,
            name: $name,
            total_points: $total,
            quiz_feedback: $qfb,
            grade_posted: $posted,
            last_modified: $modified,
            points_prefix: $points,
            feedback_prefix: $feedback,
        }
    };
}

/// Confirmed header vocabularies (FORMAT.md §1.6, §6). Another language is one line.
#[rustfmt::skip]
const LANGUAGES: &[Vocabulary] = &[
    // en: real Forms downloads [S1][S2][S3]; `Id` also seen [S20d].
    vocab!("id", "start time", "completion time", "email", "name", "total points", "quiz feedback", "grade posted time", "last modified time", "points - ", "feedback - "),
    // ja [S6][S7][S20k]
    vocab!("id", "開始時刻", "完了時刻", "メール", "名前", "", "", "", "", "", ""),
    // pt-BR [S20c]
    vocab!("id", "hora de início", "hora da conclusão", "email", "nome", "", "", "", "", "", ""),
    // es [S20g]
    vocab!("id", "hora de inicio", "hora de finalización", "correo electrónico", "nombre", "", "", "", "", "", ""),
    // de [S20f]
    vocab!("id", "", "", "e-mail", "name", "gesamtpunktzahl", "", "", "", "punkte - ", "feedback - "),
    // Google Forms CSV: Timestamp, Email Address, Score [S24b]
    vocab!("", "", "timestamp", "email address", "", "score", "", "", "", "", ""),
];

/// What a column holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "role", content = "of")]
pub enum Role {
    Fixed(Fixed),
    /// A question's answers.
    Question,
    /// `Points - <Q>`: the points Forms gave for the question in column `of`.
    Points(usize),
    /// `Feedback - <Q>` for the question in column `of`.
    Feedback(usize),
    /// `Points - ...`/`Feedback - ...` whose question column is not in the file.
    Orphan,
}

/// One column of the export.
#[derive(Clone, Debug, Serialize)]
pub struct Column {
    /// 0-based position in the row.
    pub index: usize,
    /// Header text as in the file.
    pub header: String,
    /// Header after [`normalize`].
    #[serde(skip)]
    pub key: String,
    pub role: Role,
}

/// Is this export Google Forms' flavour (checkbox answers joined with `, `)?
pub fn is_google(columns: &[Column]) -> bool {
    columns.iter().any(|c| c.key == "timestamp")
        && !columns.iter().any(|c| c.role == Role::Fixed(Fixed::Id))
}

fn fixed_for(key: &str) -> Option<Fixed> {
    LANGUAGES.iter().find_map(|v| {
        let table = [
            (v.id, Fixed::Id),
            (v.start, Fixed::StartTime),
            (v.completion, Fixed::CompletionTime),
            (v.email, Fixed::Email),
            (v.name, Fixed::Name),
            (v.total_points, Fixed::TotalPoints),
            (v.quiz_feedback, Fixed::QuizFeedback),
            (v.grade_posted, Fixed::GradePostedTime),
            (v.last_modified, Fixed::LastModifiedTime),
        ];
        table
            .into_iter()
            .find(|(name, _)| !name.is_empty() && *name == key)
            .map(|(_, f)| f)
    })
}

/// The text after a `Points - ` or `Feedback - ` prefix in any language, and which it was.
fn split_prefix(key: &str) -> Option<(bool, &str)> {
    LANGUAGES.iter().find_map(|v| {
        if !v.points_prefix.is_empty()
            && let Some(rest) = key.strip_prefix(v.points_prefix)
        {
            return Some((true, rest));
        }
        if !v.feedback_prefix.is_empty()
            && let Some(rest) = key.strip_prefix(v.feedback_prefix)
        {
            return Some((false, rest));
        }
        None
    })
}

/// Classify every header. The first column with a fixed name is that fixed column; a later
/// one with the same name is a question (a question titled "Name" is real, FORMAT.md §1.5).
pub fn classify(headers: &[String]) -> Vec<Column> {
    let keys: Vec<String> = headers.iter().map(|h| normalize(h)).collect();
    let mut seen = std::collections::HashSet::new();
    let mut roles: Vec<Option<Role>> = keys
        .iter()
        .map(|k| match fixed_for(k) {
            Some(f) if seen.insert(f) => Some(Role::Fixed(f)),
            _ => None,
        })
        .collect();
    for i in 0..keys.len() {
        if roles[i].is_some() {
            continue;
        }
        if let Some((is_points, rest)) = split_prefix(&keys[i]) {
            let target = (0..keys.len()).find(|&j| {
                j != i && keys[j] == rest && split_prefix(&keys[j]).is_none() && roles[j].is_none()
            });
            roles[i] = Some(match (target, is_points) {
                (Some(j), true) => Role::Points(j),
                (Some(j), false) => Role::Feedback(j),
                (None, _) => Role::Orphan,
            });
        }
    }
    headers
        .iter()
        .zip(keys)
        .zip(roles)
        .enumerate()
        .map(|(index, ((header, key), role))| Column {
            index,
            header: header.clone(),
            key,
            role: role.unwrap_or(Role::Question),
        })
        .collect()
}

/// Forms keeps 195 characters of a title over 200 and appends ` ...` (FORMAT.md §1.5); some
/// workbooks cut at exactly 200 with no ellipsis.
const TRUNCATED_AT: usize = 195;

/// Why a rubric's `column` did not find exactly one question column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnMatchError {
    NotFound { closest: Vec<String> },
    Ambiguous { candidates: Vec<String> },
}

/// Find the question column a rubric's `column` text names: the same title, the title Forms
/// truncated, or an unambiguous prefix of a title.
pub fn find_question(columns: &[Column], wanted: &str) -> Result<usize, ColumnMatchError> {
    let want = normalize(wanted);
    let questions: Vec<&Column> = columns
        .iter()
        .filter(|c| c.role == Role::Question)
        .collect();
    let exact: Vec<&Column> = questions
        .iter()
        .copied()
        .filter(|c| c.key == want)
        .collect();
    if exact.len() == 1 {
        return Ok(exact[0].index);
    }
    let candidates: Vec<&Column> = if exact.is_empty() {
        questions
            .iter()
            .copied()
            .filter(|c| matches_loosely(&c.key, &want))
            .collect()
    } else {
        exact
    };
    match candidates.len() {
        1 => Ok(candidates[0].index),
        0 => {
            // Edit distance is quadratic: compare bounded heads only, so one 4 MB header cell
            // (or rubric title) costs no more than a long real title.
            let want_head: String = want.chars().take(CLOSEST_CHARS).collect();
            let n = want_head.chars().count().max(1);
            let mut scored: Vec<(f64, &Column)> = questions
                .iter()
                .map(|c| {
                    let head: String = c.key.chars().take(n).collect();
                    let key: String = c.key.chars().take(2 * CLOSEST_CHARS).collect();
                    (
                        similarity(&head, &want_head).max(similarity(&key, &want_head)),
                        *c,
                    )
                })
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.index.cmp(&b.1.index)));
            Err(ColumnMatchError::NotFound {
                closest: scored
                    .into_iter()
                    .take(3)
                    .map(|(_, c)| c.header.clone())
                    .collect(),
            })
        }
        _ => Err(ColumnMatchError::Ambiguous {
            candidates: candidates.iter().map(|c| c.header.clone()).collect(),
        }),
    }
}

/// Characters of a title compared when looking for the closest headers (Forms keeps 200).
const CLOSEST_CHARS: usize = 300;

fn matches_loosely(header: &str, want: &str) -> bool {
    if let Some(stem) = header.strip_suffix("...") {
        let stem = stem.trim_end();
        if stem.chars().count() >= TRUNCATED_AT - 5 && want.starts_with(stem) {
            return true;
        }
    }
    if header.chars().count() >= TRUNCATED_AT && want.starts_with(header) {
        return true;
    }
    !want.is_empty() && header.starts_with(want)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(h: &[&str]) -> Vec<Column> {
        classify(&h.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn triple_in_any_order_is_recognised() {
        let c = cols(&[
            "ID",
            "Start time",
            "Completion time",
            "Email",
            "Name",
            "Total points",
            "Quiz feedback",
            "Q one?\n\n",
            "Feedback - Q one?\n\n",
            "Points - Q one?\n\n",
            "Points - Gone question",
        ]);
        assert_eq!(c[0].role, Role::Fixed(Fixed::Id));
        assert_eq!(c[6].role, Role::Fixed(Fixed::QuizFeedback));
        assert_eq!(c[7].role, Role::Question);
        assert_eq!(c[8].role, Role::Feedback(7));
        assert_eq!(c[9].role, Role::Points(7));
        assert_eq!(c[10].role, Role::Orphan);
    }

    #[test]
    fn localized_fixed_columns_are_recognised() {
        let ja = cols(&["ID", "開始時刻", "完了時刻", "メール", "名前", "Q"]);
        assert_eq!(ja[3].role, Role::Fixed(Fixed::Email));
        let es = cols(&[
            "Id",
            "Hora de inicio",
            "Hora de finalización",
            "Correo electrónico",
            "Nombre",
        ]);
        assert_eq!(es[2].role, Role::Fixed(Fixed::CompletionTime));
        let de = cols(&[
            "ID",
            "E-Mail",
            "Name",
            "Gesamtpunktzahl",
            "Frage",
            "Punkte - Frage",
        ]);
        assert_eq!(de[3].role, Role::Fixed(Fixed::TotalPoints));
        assert_eq!(de[5].role, Role::Points(4));
        let pt = cols(&["ID", "Hora de início", "Hora da conclusão", "Email", "Nome"]);
        assert_eq!(pt[4].role, Role::Fixed(Fixed::Name));
    }

    #[test]
    fn a_second_name_column_is_a_question() {
        let c = cols(&["ID", "Email", "Name", "Name"]);
        assert_eq!(c[2].role, Role::Fixed(Fixed::Name));
        assert_eq!(c[3].role, Role::Question);
    }

    #[test]
    fn truncated_titles_are_found_from_the_full_text() {
        let full = "word ".repeat(60);
        let cut: String = full.chars().take(195).collect::<String>() + " ...";
        let c = cols(&["ID", &cut, &format!("Points - {cut}"), "Other"]);
        assert_eq!(c[2].role, Role::Points(1));
        assert_eq!(find_question(&c, &full), Ok(1));
        // A prefix is enough when it is unambiguous.
        assert_eq!(find_question(&c, "Oth"), Ok(3));
    }

    #[test]
    fn missing_or_ambiguous_columns_list_the_closest_headers() {
        let c = cols(&[
            "ID",
            "Describe GANs",
            "Describe GANs briefly",
            "Transformer?",
        ]);
        match find_question(&c, "Describe") {
            Err(ColumnMatchError::Ambiguous { candidates }) => assert_eq!(candidates.len(), 2),
            other => panic!("{other:?}"),
        }
        match find_question(&c, "Transformers") {
            Err(ColumnMatchError::NotFound { closest }) => assert_eq!(closest[0], "Transformer?"),
            other => panic!("{other:?}"),
        }
        assert_eq!(find_question(&c, "describe gans"), Ok(1));
    }
}
