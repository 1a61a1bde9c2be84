//! `grades.csv` (one row per graded respondent, export order), `review.csv` (what a human
//! should look at) and `superseded.csv` (submissions the duplicate policy left out).

use super::{Exporter, neutralize};
use crate::score::Status;
use crate::score::run::{GradeRun, review_items};

pub struct Grades;
pub struct ReviewQueue;
pub struct SupersededList;

fn finish(w: csv::Writer<Vec<u8>>) -> anyhow::Result<Vec<u8>> {
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

impl Exporter for Grades {
    fn file_name(&self) -> &'static str {
        "grades.csv"
    }

    fn render(&self, run: &GradeRun) -> anyhow::Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["id".to_string(), "email".into(), "name".into()];
        for q in &run.questions {
            header.push(if q.graded {
                q.id.clone()
            } else {
                format!("{} (ungraded)", q.id)
            });
        }
        header.extend(["total".into(), "max".into(), "review".into()]);
        w.write_record(&header)?;
        for r in &run.respondents {
            let mut row = vec![
                neutralize(&r.respondent.id),
                neutralize(&r.respondent.email),
                neutralize(&r.respondent.name),
            ];
            for q in &r.questions {
                row.push(match q.score.status {
                    Status::Ungraded => String::new(),
                    _ => q.score.points.to_string(),
                });
            }
            row.push(r.total.to_string());
            row.push(r.max.to_string());
            row.push(r.review_count().to_string());
            w.write_record(&row)?;
        }
        finish(w)
    }
}

impl Exporter for ReviewQueue {
    fn file_name(&self) -> &'static str {
        "review.csv"
    }

    fn render(&self, run: &GradeRun) -> anyhow::Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record([
            "id", "email", "name", "file", "line", "question", "points", "reason", "detail",
            "override", "comment",
        ])?;
        for r in &run.respondents {
            for (question, item) in review_items(r) {
                let points = r
                    .questions
                    .iter()
                    .find(|q| q.id == question)
                    .map(|q| q.score.points.to_string())
                    .unwrap_or_default();
                w.write_record([
                    neutralize(&r.respondent.id),
                    neutralize(&r.respondent.email),
                    neutralize(&r.respondent.name),
                    neutralize(&r.file),
                    r.line.to_string(),
                    question,
                    points,
                    item.reason.name().to_string(),
                    neutralize(&item.detail),
                    String::new(),
                    String::new(),
                ])?;
            }
        }
        finish(w)
    }
}

impl Exporter for SupersededList {
    fn file_name(&self) -> &'static str {
        "superseded.csv"
    }

    fn render(&self, run: &GradeRun) -> anyhow::Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["id", "email", "name", "file", "line", "completed", "reason"])?;
        for s in &run.superseded {
            w.write_record([
                neutralize(&s.respondent.id),
                neutralize(&s.respondent.email),
                neutralize(&s.respondent.name),
                neutralize(&s.file),
                s.line.to_string(),
                neutralize(&s.completed),
                s.reason.clone(),
            ])?;
        }
        finish(w)
    }
}
