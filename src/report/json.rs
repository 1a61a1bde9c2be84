//! `grades.json`: the full result. Its shape is a contract — later versions add fields, never
//! rename or remove one: `{exam, rubric, duplicates, sources, questions, max, respondents:
//! [{respondent: {id, email, name}, file, line, questions: [{id, points, max, status, findings,
//! review}], total, max, problems}], superseded, problems}`.

use super::Exporter;
use crate::score::run::{GradeRun, QuestionResult, RespondentResult};

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

/// Writes question `qi`'s result of a respondent as compact JSON.
pub type WriteQuestion<'a> =
    dyn Fn(usize, &QuestionResult, &mut Vec<u8>) -> serde_json::Result<()> + Sync + 'a;

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

    /// [`JsonStream::encode`] compact, with each question written by `question` (which may
    /// copy a result shared by many respondents, encoded once): the same bytes as
    /// `serde_json::to_vec(r)`.
    pub fn encode_compact(
        r: &RespondentResult,
        question: &WriteQuestion,
    ) -> anyhow::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(4096);
        out.extend_from_slice(b"{\"respondent\":");
        serde_json::to_writer(&mut out, &r.respondent)?;
        out.extend_from_slice(b",\"file\":");
        serde_json::to_writer(&mut out, &r.file)?;
        out.extend_from_slice(b",\"line\":");
        serde_json::to_writer(&mut out, &r.line)?;
        out.extend_from_slice(b",\"questions\":[");
        for (qi, q) in r.questions.iter().enumerate() {
            if qi > 0 {
                out.push(b',');
            }
            question(qi, q, &mut out)?;
        }
        out.extend_from_slice(b"],\"total\":");
        serde_json::to_writer(&mut out, &r.total)?;
        out.extend_from_slice(b",\"max\":");
        serde_json::to_writer(&mut out, &r.max)?;
        out.extend_from_slice(b",\"problems\":");
        serde_json::to_writer(&mut out, &r.problems)?;
        out.push(b'}');
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

    /// The run without its respondents — `run.json` beside `grades.jsonl` (`grade --json
    /// lines`): the fields of grades.json in the same order, `respondents` left out.
    pub fn run_without_respondents(pretty: bool, head: &GradeRun) -> anyhow::Result<Vec<u8>> {
        let text = Self::head_text(pretty, head)?;
        let key = empty_list(pretty);
        let at = text
            .find(key)
            .ok_or_else(|| anyhow::anyhow!("no respondents field"))?;
        let after = &text[at + key.len()..];
        // `respondents` is never the last field: the comma after it goes with it.
        let after = after
            .strip_prefix(',')
            .ok_or_else(|| anyhow::anyhow!("respondents is the last field"))?;
        let mut out = if pretty {
            // Its whole line: the indentation before it, the line break after the comma.
            let before = text[..at].trim_end_matches(' ');
            let after = after.strip_prefix('\n').unwrap_or(after);
            format!("{before}{after}")
        } else {
            format!("{}{after}", &text[..at])
        };
        out.push('\n');
        Ok(out.into_bytes())
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

    #[test]
    fn shared_question_results_encode_to_the_bytes_serde_writes() {
        let rubric = crate::fuzzing::seed_rubric();
        let export = crate::ingest::read_export(
            "responses.xlsx",
            include_bytes!("../../fixtures/2022-02-09/responses.xlsx"),
        )
        .unwrap();
        // The class twice over: every answer is given at least twice, so results are shared.
        let mut twice = export.clone();
        twice
            .submissions
            .extend(export.submissions.iter().cloned().map(|mut s| {
                s.email = format!("again.{}", s.email);
                s.id = format!("{}-again", s.id);
                s
            }));
        let exports = [twice];
        let grading = crate::score::run::Grading::new(rubric, &exports).unwrap();
        let mut results = grading.grade(0..grading.len(), &crate::score::score, &|| {}, None);
        let shared = (0..results.len())
            .filter(|&n| {
                (0..results[n].questions.len()).any(|qi| {
                    results.iter().skip(n + 1).any(|o| {
                        std::sync::Arc::ptr_eq(
                            &o.questions[qi].score,
                            &results[n].questions[qi].score,
                        )
                    })
                })
            })
            .count();
        assert!(shared > 20, "only {shared} respondents share a result");
        // A TA's decision on a shared result: that respondent's own copy is encoded.
        let planned = crate::score::decisions::Planned {
            respondent: 3,
            question: 0,
            line: 2,
            answer: String::new(),
            stale: false,
            points: Some(crate::points::Points::int(1)),
            comment: "checked by hand".into(),
        };
        crate::score::decisions::apply(&mut results[3], &[&planned]);
        for _ in 0..2 {
            for (n, r) in results.iter().enumerate() {
                let ours = JsonStream::encode_compact(r, &|qi, q, out| {
                    grading.write_question_json(n, qi, q, out)
                })
                .unwrap();
                assert_eq!(
                    String::from_utf8(ours).unwrap(),
                    serde_json::to_string(r).unwrap()
                );
            }
        }
    }

    #[test]
    fn run_json_is_grades_json_without_its_respondents() {
        let run = run();
        let mut head = run.clone();
        head.respondents.clear();
        for pretty in [false, true] {
            let ours: serde_json::Value = serde_json::from_slice(
                &JsonStream::run_without_respondents(pretty, &head).unwrap(),
            )
            .unwrap();
            let mut whole: serde_json::Value =
                serde_json::from_slice(&Json { pretty }.render(&run).unwrap()).unwrap();
            whole.as_object_mut().unwrap().remove("respondents");
            assert_eq!(ours, whole);
        }
        let compact = JsonStream::run_without_respondents(false, &head).unwrap();
        let text = String::from_utf8(compact).unwrap();
        assert!(text.starts_with("{\"exam\":"), "{text}");
        assert_eq!(text.matches('\n').count(), 1);
    }
}
