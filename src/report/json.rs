//! `grades.json`: the full result. Its shape is a contract — later versions add fields, never
//! rename or remove one: `{exam, rubric, duplicates, sources, questions, max, respondents:
//! [{respondent: {id, email, name}, file, line, questions: [{id, points, max, status, findings,
//! review}], total, max, problems}], superseded, problems}`.

use super::Exporter;
use crate::score::run::GradeRun;

/// `pretty`: indented for reading (`grade --pretty`); otherwise compact, one line — a tenth
/// of the size for a large class.
pub struct Json {
    pub pretty: bool,
}

impl Json {
    fn write(&self, run: &GradeRun, w: &mut dyn std::io::Write) -> anyhow::Result<()> {
        if self.pretty {
            serde_json::to_writer_pretty(&mut *w, run)?;
        } else {
            serde_json::to_writer(&mut *w, run)?;
        }
        w.write_all(b"\n")?;
        Ok(())
    }
}

impl Exporter for Json {
    fn file_name(&self) -> &'static str {
        "grades.json"
    }

    fn render(&self, run: &GradeRun) -> anyhow::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        self.write(run, &mut bytes)?;
        Ok(bytes)
    }

    /// Streamed into the file: the JSON of a large class is never whole in memory.
    fn write_file(
        &self,
        run: &GradeRun,
        path: &std::path::Path,
        _scratch: &std::path::Path,
    ) -> anyhow::Result<()> {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, std::fs::File::create(path)?);
        self.write(run, &mut w)?;
        std::io::Write::flush(&mut w)?;
        Ok(())
    }
}
