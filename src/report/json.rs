//! `grades.json`: the full result. Its shape is a contract — later versions add fields, never
//! rename or remove one: `{exam, rubric, duplicates, sources, questions, max, respondents:
//! [{respondent: {id, email, name}, file, line, questions: [{id, points, max, status, findings,
//! review}], total, max, problems}], superseded, problems}`.

use super::Exporter;
use crate::score::run::{GradeRun, RespondentResult};

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
}

/// grades.json written as the class is graded: the run's fields before `respondents` first,
/// each respondent as it comes, the fields after them at the end — byte for byte what
/// serialising the whole run at once gives (compact or `--pretty`), without the whole run in
/// memory.
pub struct JsonStream {
    pretty: bool,
    first: bool,
}

/// The `respondents` key with an empty list, as serde_json writes it: the unescaped sequence
/// can only be the key itself (a quote inside a string value is escaped).
fn empty_list(pretty: bool) -> &'static str {
    if pretty {
        "\"respondents\": []"
    } else {
        "\"respondents\":[]"
    }
}

impl JsonStream {
    /// Write what comes before the respondents of `head` (a run without respondents).
    pub fn begin(
        pretty: bool,
        head: &GradeRun,
        w: &mut dyn std::io::Write,
    ) -> anyhow::Result<JsonStream> {
        let text = Self::head_text(pretty, head)?;
        let at = text
            .find(empty_list(pretty))
            .ok_or_else(|| anyhow::anyhow!("no respondents field"))?;
        w.write_all(&text.as_bytes()[..at + empty_list(pretty).len() - 1])?;
        Ok(JsonStream {
            pretty,
            first: true,
        })
    }

    fn head_text(pretty: bool, head: &GradeRun) -> anyhow::Result<String> {
        anyhow::ensure!(head.respondents.is_empty(), "the head has respondents");
        Ok(if pretty {
            serde_json::to_string_pretty(head)?
        } else {
            serde_json::to_string(head)?
        })
    }

    /// One respondent as it stands in the list (indented for `--pretty`): pure, so a chunk of
    /// respondents is encoded in parallel and then written in order.
    pub fn encode(pretty: bool, r: &RespondentResult) -> anyhow::Result<Vec<u8>> {
        if !pretty {
            return Ok(serde_json::to_vec(r)?);
        }
        let text = serde_json::to_string_pretty(r)?;
        let mut out = Vec::with_capacity(text.len() + text.len() / 8);
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                out.push(b'\n');
            }
            out.extend_from_slice(b"    ");
            out.extend_from_slice(line.as_bytes());
        }
        Ok(out)
    }

    /// Write one respondent [`JsonStream::encode`]d, after the separator.
    pub fn write_encoded(
        &mut self,
        encoded: &[u8],
        w: &mut dyn std::io::Write,
    ) -> anyhow::Result<()> {
        match (self.pretty, self.first) {
            (true, true) => w.write_all(b"\n")?,
            (true, false) => w.write_all(b",\n")?,
            (false, false) => w.write_all(b",")?,
            (false, true) => {}
        }
        w.write_all(encoded)?;
        self.first = false;
        Ok(())
    }

    /// Close the list and write the fields after it, from the finished `head`.
    pub fn finish(self, head: &GradeRun, w: &mut dyn std::io::Write) -> anyhow::Result<()> {
        let text = Self::head_text(self.pretty, head)?;
        let at = text
            .find(empty_list(self.pretty))
            .ok_or_else(|| anyhow::anyhow!("no respondents field"))?;
        if self.pretty && !self.first {
            w.write_all(b"\n  ")?;
        }
        w.write_all(&text.as_bytes()[at + empty_list(self.pretty).len() - 1..])?;
        w.write_all(b"\n")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run() -> GradeRun {
        let rubric = crate::fuzzing::seed_rubric();
        let export = crate::ingest::read_export(
            "responses.xlsx",
            include_bytes!("../../fixtures/2022-02-09/responses.xlsx"),
        )
        .unwrap();
        crate::score::run::grade(rubric, &[export], 1, &|| {}).unwrap()
    }

    #[test]
    fn streamed_json_is_byte_for_byte_the_whole_run_serialised() {
        let run = run();
        for pretty in [false, true] {
            let whole = Json { pretty }.render(&run).unwrap();
            let mut head = run.clone();
            head.respondents.clear();
            let mut out = Vec::new();
            let mut stream = JsonStream::begin(pretty, &head, &mut out).unwrap();
            for r in &run.respondents {
                let encoded = JsonStream::encode(pretty, r).unwrap();
                stream.write_encoded(&encoded, &mut out).unwrap();
            }
            stream.finish(&head, &mut out).unwrap();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                String::from_utf8(whole).unwrap()
            );
            // And with no respondents at all.
            let mut out = Vec::new();
            let stream = JsonStream::begin(pretty, &head, &mut out).unwrap();
            stream.finish(&head, &mut out).unwrap();
            assert_eq!(out, Json { pretty }.render(&head).unwrap());
        }
    }
}
