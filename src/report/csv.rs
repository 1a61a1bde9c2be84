//! `grades.csv` (one row per graded respondent, export order), `review.csv` (what a human
//! should look at) and `superseded.csv` (submissions the duplicate policy left out).
//!
//! Every text cell goes through [`neutralize`] and every cell that contains `,` `;` tab, a
//! quote, CR or LF is quoted (OWASP's CSV-injection guidance; the csv crate quotes only at its
//! own delimiter, and Excel in locales whose list separator is `;` splits at `;`). Numbers the
//! program computed are written as they are.

use super::{Exporter, neutralize};
use crate::score::Status;
use crate::score::decisions::DecisionRecord;
use crate::score::run::{GradeRun, RespondentResult, answer_hash, review_items};

pub struct Grades;
pub struct ReviewQueue;
pub struct SupersededList;

/// One cell of a CSV row.
pub enum Cell<'a> {
    /// Text, from an export, a student or a TA: neutralised.
    Text(&'a str),
    /// A number (or a fixed word) the program itself wrote: as it is.
    Plain(String),
}

/// A CSV file being written, row by row, with the quoting rule above. Lines end with LF (as
/// the csv crate writes them; Excel reads both).
#[derive(Default)]
pub struct CsvOut {
    bytes: Vec<u8>,
}

impl CsvOut {
    pub fn header(&mut self, names: &[&str]) {
        let cells: Vec<Cell> = names.iter().map(|n| Cell::Text(n)).collect();
        self.row(&cells);
    }

    pub fn row(&mut self, cells: &[Cell]) {
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                self.bytes.push(b',');
            }
            let text = match cell {
                Cell::Text(t) => neutralize(t),
                Cell::Plain(p) => p.clone(),
            };
            write_field(&mut self.bytes, &text);
        }
        self.bytes.push(b'\n');
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The rows written since the last call, to pass on to a file (streaming).
    pub fn drain(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.bytes)
    }
}

fn write_field(out: &mut Vec<u8>, text: &str) {
    if text.contains([',', ';', '\t', '"', '\r', '\n']) {
        out.push(b'"');
        out.extend_from_slice(text.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(text.as_bytes());
    }
}

impl Grades {
    /// A grades.csv with its header row.
    pub fn begin(run: &GradeRun) -> CsvOut {
        let mut w = CsvOut::default();
        let mut header = vec!["id".to_string(), "email".into(), "name".into()];
        for q in &run.questions {
            header.push(if q.graded {
                q.id.clone()
            } else {
                format!("{} (ungraded)", q.id)
            });
        }
        header.extend(["total".into(), "max".into(), "review".into()]);
        w.header(&header.iter().map(String::as_str).collect::<Vec<_>>());
        w
    }

    /// One respondent's row.
    pub fn add(w: &mut CsvOut, r: &RespondentResult) {
        let mut row = vec![
            Cell::Text(&r.respondent.id),
            Cell::Text(&r.respondent.email),
            Cell::Text(&r.respondent.name),
        ];
        for q in &r.questions {
            row.push(Cell::Plain(match q.score.status {
                Status::Ungraded | Status::Error => String::new(),
                _ => q.score.points.to_string(),
            }));
        }
        row.push(Cell::Plain(r.total.to_string()));
        row.push(Cell::Plain(r.max.to_string()));
        row.push(Cell::Plain(r.review_count().to_string()));
        w.row(&row);
    }
}

impl Exporter for Grades {
    fn file_name(&self) -> &'static str {
        "grades.csv"
    }

    fn render(&self, run: &GradeRun) -> anyhow::Result<Vec<u8>> {
        let mut w = Grades::begin(run);
        for r in &run.respondents {
            Grades::add(&mut w, r);
        }
        Ok(w.into_bytes())
    }
}

/// One row of review.csv after the respondent's own columns.
struct ReviewRow {
    question: String,
    points: String,
    reason: &'static str,
    detail: String,
    /// The TA's points and comment, for a decision row.
    decided: String,
    comment: String,
    answer: String,
}

impl ReviewQueue {
    /// A review.csv with its header row.
    pub fn begin() -> CsvOut {
        let mut w = CsvOut::default();
        w.header(&[
            "id",
            "email",
            "name",
            "file",
            "line",
            "question",
            "points",
            "reason",
            "detail",
            "override",
            "comment",
            "respondent",
            "answer",
        ]);
        w
    }

    /// One respondent's review items, and the TA decisions read for it (`decisions`: this
    /// respondent's).
    pub fn add(w: &mut CsvOut, r: &RespondentResult, decisions: &[DecisionRecord]) {
        let hash = |question: &str| {
            r.questions
                .iter()
                .find(|q| q.id == question)
                .map(|q| answer_hash(&q.answer))
                .unwrap_or_default()
        };
        let mut rows: Vec<ReviewRow> = Vec::new();
        for (question, item) in review_items(r) {
            let points = r
                .questions
                .iter()
                .find(|q| q.id == question)
                .map(|q| q.score.points.to_string())
                .unwrap_or_default();
            rows.push(ReviewRow {
                answer: hash(&question),
                question,
                points,
                reason: item.reason.name(),
                detail: item.detail,
                decided: String::new(),
                comment: String::new(),
            });
        }
        for d in decisions {
            let Some(q) = r.questions.iter().find(|q| q.id == d.question) else {
                continue;
            };
            let (reason, detail) = if d.status == "stale" {
                (
                    "stale-decision",
                    format!(
                        "NOT applied: the answer changed since this decision (made on answer \
                         {}, now {}); look at it again, then put the new hash in `answer` to \
                         apply the decision, or change it",
                        d.answer,
                        answer_hash(&q.answer)
                    ),
                )
            } else {
                (
                    "decided",
                    format!("decided by a TA; the machine gave {}", d.machine),
                )
            };
            rows.push(ReviewRow {
                question: d.question.clone(),
                points: q.score.points.to_string(),
                reason,
                detail,
                decided: d.points.map(|p| p.exact()).unwrap_or_default(),
                comment: d.comment.clone(),
                answer: if d.answer.is_empty() {
                    answer_hash(&q.answer)
                } else {
                    d.answer.clone()
                },
            });
        }
        for row in rows {
            w.row(&[
                Cell::Text(&r.respondent.id),
                Cell::Text(&r.respondent.email),
                Cell::Text(&r.respondent.name),
                Cell::Text(&r.file),
                Cell::Plain(r.line.to_string()),
                Cell::Text(&row.question),
                Cell::Plain(row.points),
                Cell::Plain(row.reason.to_string()),
                Cell::Text(&row.detail),
                Cell::Plain(row.decided),
                Cell::Text(&row.comment),
                Cell::Text(&r.respondent.key),
                Cell::Text(&row.answer),
            ]);
        }
    }
}

impl Exporter for ReviewQueue {
    fn file_name(&self) -> &'static str {
        "review.csv"
    }

    /// The review queue is also the TA's worksheet: a copy of it, `override` and `comment`
    /// filled in, is a decisions file. So it lists every decision read for the run too
    /// (`decided`, or `stale-decision` when the answer changed since), with its points and
    /// comment filled in: copying this file over the decisions file again loses nothing.
    /// `respondent` and `answer` (the hash of the answer as exported) tie each row to the
    /// respondent and the answer it is about.
    fn render(&self, run: &GradeRun) -> anyhow::Result<Vec<u8>> {
        let mut w = ReviewQueue::begin();
        for r in &run.respondents {
            let mine: Vec<DecisionRecord> = run
                .decisions
                .iter()
                .filter(|d| d.respondent == r.respondent.key)
                .cloned()
                .collect();
            ReviewQueue::add(&mut w, r, &mine);
        }
        Ok(w.into_bytes())
    }
}

impl Exporter for SupersededList {
    fn file_name(&self) -> &'static str {
        "superseded.csv"
    }

    fn render(&self, run: &GradeRun) -> anyhow::Result<Vec<u8>> {
        let mut w = CsvOut::default();
        w.header(&["id", "email", "name", "file", "line", "completed", "reason"]);
        for s in &run.superseded {
            w.row(&[
                Cell::Text(&s.respondent.id),
                Cell::Text(&s.respondent.email),
                Cell::Text(&s.respondent.name),
                Cell::Text(&s.file),
                Cell::Plain(s.line.to_string()),
                Cell::Text(&s.completed),
                Cell::Text(&s.reason),
            ]);
        }
        Ok(w.into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_with_any_cell_break_are_quoted_and_neutralised() {
        let mut w = CsvOut::default();
        w.row(&[
            Cell::Text("Rossi;=cmd|' /C calc'!A0;"),
            Cell::Text("a\tb"),
            Cell::Text("say \"hi\""),
            Cell::Text("-5"),
            Cell::Plain("-0.5".into()),
            Cell::Text("plain"),
        ]);
        assert_eq!(
            String::from_utf8(w.into_bytes()).unwrap(),
            "\"Rossi;'=cmd|' /C calc'!A0;\",\"a\tb\",\"say \"\"hi\"\"\",'-5,-0.5,plain\n"
        );
    }
}
