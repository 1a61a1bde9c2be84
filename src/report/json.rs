//! `grades.json`: the full result. Its shape is a contract — later versions add fields, never
//! rename or remove one: `{exam, rubric, duplicates, sources, questions, max, respondents:
//! [{respondent: {id, email, name}, file, line, questions: [{id, points, max, status, findings,
//! review}], total, max, problems}], superseded, problems}`.

use super::Exporter;
use crate::score::run::GradeRun;

pub struct Json;

impl Exporter for Json {
    fn file_name(&self) -> &'static str {
        "grades.json"
    }

    fn render(&self, run: &GradeRun) -> anyhow::Result<Vec<u8>> {
        let mut bytes = serde_json::to_vec_pretty(run)?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}
