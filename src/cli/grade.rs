//! `examgrade grade --rubric R.toml EXPORT... --out DIR`

use super::{Fatal, GradeArgs, JsonForm};
use crate::ingest::Export;
use crate::report::Exporter;
use crate::score::run::Grading;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

pub fn run(args: GradeArgs) -> Result<super::Done, Fatal> {
    let rubric = super::load_rubric(&args.rubric)?;

    let mut kinds = report_kinds(args.reports.as_deref().unwrap_or("md,html"))?;
    let decisions_path = decisions_file(&args)?;
    let decisions = match &decisions_path {
        Some(path) => read_decisions(path)?,
        None => Vec::new(),
    };
    // Two passes over each export. The first holds what preparing the class needs: who
    // submitted when (duplicates, keys), the free-text answers (answer groups) and every cell
    // of the rows a decision may name; the second reads the rows again in full, a chunk at a
    // time, to grade them. Memory grows with the class's free text, not with the file.
    let named = std::sync::Arc::new(decision_names(&decisions));
    let (exports, encodings): (Vec<Export>, Vec<_>) = args
        .exports
        .iter()
        .map(|path| first_pass(path, &rubric, &named))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .unzip();

    let jobs = jobs(args.jobs);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .ok();
    let grading = match &pool {
        Some(pool) => pool.install(|| Grading::new(&rubric, &exports))?,
        None => Grading::new(&rubric, &exports)?,
    };
    // Respondents graded (superseded submissions are not), counted as they are graded.
    let rows = grading.len();
    if args.reports.is_none() && rows > ZIP_FROM {
        kinds.zip = true;
        if !args.quiet {
            eprintln!(
                "note: {rows} respondents: their reports go into reports.zip, one file instead \
                 of {} (--reports md,html writes them as files)",
                rows.saturating_mul(2)
            );
        }
    }
    let bar = if !args.quiet && std::io::stderr().is_terminal() {
        let bar = ProgressBar::with_draw_target(Some(rows as u64), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(
            "grading {bar:40} {human_pos}/{human_len} respondents, {rate}/s, ETA {eta}",
        ) {
            bar.set_style(style.with_key(
                "rate",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.0}", state.per_sec());
                },
            ));
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    // Decisions are checked against the class before anything is graded.
    let planned = match &decisions_path {
        Some(path) => {
            let file = path.display().to_string();
            crate::score::decisions::plan(&grading, &file, &decisions)?
        }
        None => Vec::new(),
    };
    let mut planned_for: Vec<Vec<&crate::score::decisions::Planned>> =
        vec![Vec::new(); grading.len()];
    for p in &planned {
        planned_for[p.respondent].push(p);
    }

    // Everything goes into a fresh folder beside DIR, written as the class is graded, a chunk
    // of respondents at a time; a failure on the way leaves DIR as it was.
    let mut staging = super::output::Staging::create(&args.out)?;
    let mut head = grading.head.clone();
    let mut out = Writers {
        grades_csv: crate::report::csv::Grades::begin(&head),
        review_csv: crate::report::csv::ReviewQueue::begin(),
        json_file: match args.json {
            JsonForm::Document => Some(staging.file("grades.json")?),
            JsonForm::Lines => Some(staging.file("grades.jsonl")?),
            JsonForm::None => None,
        },
        json: None,
        lines: args.json == JsonForm::Lines,
        xlsx: None,
        grades_file: staging.file("grades.csv")?,
        review_file: staging.file("review.csv")?,
        stats: crate::report::stats::StatsBuilder::new(&head),
        pages: crate::report::class_pages::ClassPages::new(&head),
        records: Vec::with_capacity(planned.len()),
        reviews: 0,
        problems: false,
        html: kinds.html,
        shared_ids: head.shared_ids.clone(),
        archive: match kinds.zip {
            true => Some(zip::ZipWriter::new(staging.file("reports.zip")?)),
            false => None,
        },
    };
    if let (JsonForm::Document, Some(file)) = (args.json, out.json_file.as_mut()) {
        out.json = Some(
            crate::report::json::JsonStream::begin(args.pretty, &head, file)
                .map_err(|e| Fatal(format!("grades.json: {e}")))?,
        );
    }
    let scratch = staging.scratch()?;
    // index.html's rows wait in a scratch file, not in memory.
    let rows = scratch.join("index-rows.html");
    out.pages
        .spill_rows_to(&rows)
        .map_err(|e| Fatal(format!("{}: cannot write: {e}", rows.display())))?;
    out.xlsx = Some(
        crate::report::xlsx::XlsxStream::begin(&head, Some(&scratch))
            .map_err(|e| Fatal(format!("grades.xlsx: {e}")))?,
    );
    // Two stages: this thread grades, decides, encodes and renders chunk after chunk (in
    // parallel on the pool), while a writer thread writes the previous chunk — in order, so
    // the output never depends on timing.
    let (send, receive) = std::sync::mpsc::sync_channel::<Chunk>(1);
    // Every grade compared with Forms' points as it is made (rubric points, before decisions).
    let forms = std::cell::RefCell::new(grading.reconciler());
    let written = std::thread::scope(|scope| -> Result<(), Fatal> {
        let writer = scope.spawn(|| -> Result<(), Fatal> {
            for chunk in receive {
                out.write(&args, &mut staging, chunk)?;
            }
            Ok(())
        });
        // The second pass: every graded row read again in full, in export order.
        let process = |start: usize, rows: Vec<crate::ingest::Submission>| -> Result<bool, Fatal> {
            let mut results = grading
                .grade_rows(
                    start,
                    &rows,
                    &crate::score::score,
                    &|| bar.inc(1),
                    pool.as_ref(),
                )
                .map_err(Fatal)?;
            grading.reconcile(&mut forms.borrow_mut(), start, &rows, &results);
            drop(rows);
            let decided: Vec<Vec<crate::score::decisions::DecisionRecord>> = results
                .iter_mut()
                .enumerate()
                .map(|(k, r)| crate::score::decisions::apply(r, &planned_for[start + k]))
                .collect();
            // The JSON of a chunk is encoded in parallel (it is most of the output's bytes);
            // compact, a question result many respondents share is encoded once.
            let encode = |(k, r): (usize, &crate::score::run::RespondentResult)| {
                if args.json == JsonForm::None {
                    Ok(Vec::new())
                } else if args.pretty && args.json == JsonForm::Document {
                    crate::report::json::JsonStream::encode(true, r)
                } else {
                    crate::report::json::JsonStream::encode_compact(r, &|qi, q, out| {
                        grading.write_question_json(start + k, qi, q, out)
                    })
                }
            };
            let render = |(k, r): (usize, &crate::score::run::RespondentResult)| {
                if kinds.md || kinds.html {
                    crate::report::students::report_files(
                        &head,
                        start + k,
                        r,
                        kinds.md,
                        kinds.html,
                        &|qi, q| grading.question_section(start + k, qi, q),
                    )
                } else {
                    Vec::new()
                }
            };
            let (json, reports): (Vec<_>, Vec<_>) = match &pool {
                Some(pool) => {
                    use rayon::prelude::*;
                    pool.install(|| {
                        results
                            .par_iter()
                            .enumerate()
                            .map(|x| (encode(x), render(x)))
                            .unzip()
                    })
                }
                None => results
                    .iter()
                    .enumerate()
                    .map(|x| (encode(x), render(x)))
                    .unzip(),
            };
            let chunk = Chunk {
                start,
                results,
                decided,
                json,
                reports,
            };
            // A closed channel: the writer stopped on an error, reported when it is joined.
            Ok(send.send(chunk).is_ok())
        };
        let mut flat = 0usize;
        let mut next = 0usize;
        let mut rows = Vec::with_capacity(CHUNK);
        let mut open = true;
        for ((path, export), encoding) in args.exports.iter().zip(&exports).zip(&encodings) {
            if !open {
                break;
            }
            // The encoding the first pass decided: the file is not sniffed again.
            super::stream_export(path, encoding.as_ref(), |mut reader| {
                // And the date order it decided from the whole column.
                reader.set_date_order(export.date_order);
                let first = flat;
                while let Some(s) = reader.next_submission() {
                    let s = s?;
                    if next < grading.len() && grading.submission_index(next) == flat {
                        rows.push(s);
                        next += 1;
                        if rows.len() == CHUNK {
                            let start = next - CHUNK;
                            open = process(
                                start,
                                std::mem::replace(&mut rows, Vec::with_capacity(CHUNK)),
                            )?;
                            if !open {
                                return Ok(());
                            }
                        }
                    }
                    flat += 1;
                }
                // A row more or less than the first pass read: the file is being written.
                if flat - first != export.submissions.len() {
                    return Err(Fatal(format!(
                        "{}: the export has {} response rows, {} when it was first read; grade \
                         again once the file is no longer being written",
                        export.file,
                        flat - first,
                        export.submissions.len()
                    )));
                }
                Ok(())
            })?;
        }
        if open && !rows.is_empty() {
            let start = next - rows.len();
            process(start, rows)?;
        }
        drop(send);
        writer
            .join()
            .unwrap_or_else(|_| Err(Fatal("the output writer failed unexpectedly".into())))
    });
    written?;
    let Writers {
        json_file,
        json,
        xlsx,
        grades_file,
        review_file,
        stats,
        pages: mut class_pages,
        records,
        reviews,
        mut problems,
        archive,
        ..
    } = out;
    if let Some(zip) = archive {
        let file = zip
            .finish()
            .map_err(|e| Fatal(format!("reports.zip: {e}")))?;
        file.into_inner()
            .map_err(|e| Fatal(format!("reports.zip: cannot write: {}", e.error())))?;
    }
    let (mut json_file, mut grades_file, mut review_file) = (json_file, grades_file, review_file);
    let io = |what: &str, e: std::io::Error| {
        Fatal(format!(
            "{}: cannot write: {e}",
            args.out.join(what).display()
        ))
    };
    bar.finish_and_clear();
    head.decisions = records;
    head.forms = forms.into_inner().finish();
    let (applied, stale) = head.decisions.iter().fold((0, 0), |(a, s), d| {
        if d.status == "stale" {
            (a, s + 1)
        } else {
            (a + 1, s)
        }
    });
    if let Some(file) = json_file.as_mut() {
        if let Some(stream) = json {
            stream
                .finish(&head, file)
                .map_err(|e| Fatal(format!("grades.json: {e}")))?;
        }
        std::io::Write::flush(file).map_err(|e| io(json_name(args.json), e))?;
    }
    if args.json == JsonForm::Lines {
        let run = crate::report::json::JsonStream::run_without_respondents(args.pretty, &head)
            .map_err(|e| Fatal(format!("run.json: {e}")))?;
        staging.write("run.json", &run)?;
    }
    std::io::Write::flush(&mut grades_file).map_err(|e| io("grades.csv", e))?;
    std::io::Write::flush(&mut review_file).map_err(|e| io("review.csv", e))?;
    drop((json_file, grades_file, review_file));
    let xlsx = xlsx.ok_or_else(|| Fatal("grades.xlsx: not begun".into()))?;
    let xlsx_path = staging.path("grades.xlsx")?;
    // The workbook is compressed on a thread of its own while the class pages are rendered
    // and written.
    let (finished, written_pages) = std::thread::scope(|scope| {
        let finishing = scope.spawn(|| xlsx.finish(&xlsx_path));
        let written_pages = (|| -> Result<(), Fatal> {
            let superseded = crate::report::csv::SupersededList
                .render(&head)
                .map_err(|e| Fatal(format!("superseded.csv: {e}")))?;
            let stats = stats.finish(&rubric.exam.bands);
            let mut stats_json =
                serde_json::to_vec_pretty(&stats).map_err(|e| Fatal(e.to_string()))?;
            stats_json.push(b'\n');
            let mut pages = vec![
                ("superseded.csv".to_string(), superseded),
                ("stats.json".to_string(), stats_json),
                (
                    "stats.md".to_string(),
                    crate::report::pages::stats_markdown(&head, &stats).into_bytes(),
                ),
                (
                    "stats.html".to_string(),
                    crate::report::pages::stats_html(&head, &stats).into_bytes(),
                ),
            ];
            pages.extend(
                class_pages
                    .question_pages(&head)
                    .into_iter()
                    .map(|(name, html)| (name, html.into_bytes())),
            );
            for (name, bytes) in pages {
                staging.write(&name, &bytes)?;
            }
            staging.write_with("index.html", |w| Ok(class_pages.write_index(&head, w)?))
        })();
        (finishing.join(), written_pages)
    });
    finished
        .unwrap_or_else(|_| Err(anyhow::anyhow!("the workbook writer failed unexpectedly")))
        .map_err(|e| Fatal(format!("grades.xlsx: {e}")))?;
    staging.remove_scratch();
    written_pages?;
    let mut written: Vec<String> = [
        "grades.csv",
        "grades.xlsx",
        json_name(args.json),
        if args.json == JsonForm::Lines {
            "run.json"
        } else {
            ""
        },
        "review.csv",
        "superseded.csv",
        "index.html",
        "stats.json",
        "stats.md",
        "stats.html",
    ]
    .iter()
    .filter(|name| !name.is_empty())
    .map(|name| args.out.join(name).display().to_string())
    .collect();
    if kinds.md || kinds.html {
        written.push(format!(
            "{} ({} reports, {})",
            args.out
                .join(if kinds.zip { "reports.zip" } else { "reports" })
                .display(),
            grading.len(),
            match (kinds.md, kinds.html) {
                (true, true) => "Markdown and HTML",
                (true, false) => "Markdown",
                _ => "HTML",
            }
        ));
    }
    staging.commit()?;
    let run = head;

    for note in &run.notes {
        eprintln!("warning: {note}");
    }
    for d in run.decisions.iter().filter(|d| d.status == "stale") {
        problems = true;
        eprintln!(
            "warning: {}:{}: decision for {} on {} NOT applied: the answer changed since it was \
             made (see review.csv, reason stale-decision)",
            decisions_path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            d.line,
            crate::text::excerpt(&d.respondent, 80),
            d.question
        );
    }
    for q in run.forms.failures() {
        problems = true;
        eprintln!("warning: {}", q.line());
    }
    let ungraded: Vec<String> = rubric
        .questions
        .iter()
        .filter(|q| !q.is_graded())
        .map(|q| format!("{} ({}, {} pts)", q.id, q.kind_name(), q.points))
        .collect();
    if !ungraded.is_empty() {
        eprintln!(
            "warning: {} question(s) NOT GRADED, left blank and out of the totals: {}",
            ungraded.len(),
            ungraded.join(", ")
        );
    }
    if args.quiet {
        return Ok(if problems {
            super::Done::WithProblems
        } else {
            super::Done::Clean
        });
    }
    for (e, s) in exports.iter().zip(&run.sources) {
        eprintln!("read {} ({}): {} response row(s)", e.file, s.format, s.rows);
        for note in &s.notes {
            eprintln!("  note: {note}");
        }
    }
    eprintln!(
        "graded {} respondent(s), out of {} points; {} superseded submission(s) (policy: {}); \
         {} row problem(s); {} item(s) to review",
        grading.len(),
        run.max,
        run.superseded.len(),
        serde_json::to_value(run.duplicates)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        run.problems.len(),
        reviews
    );
    let shared = run
        .answer_groups
        .iter()
        .filter(|g| g.possible_collusion)
        .count();
    if !run.answer_groups.is_empty() {
        eprintln!(
            "{} group(s) of identical or near-identical free-text answers ({} long ones shared: \
             possible collusion, a hint only) — see answer_groups in {}",
            run.answer_groups.len(),
            shared,
            match args.json {
                JsonForm::Document => "grades.json",
                JsonForm::Lines => "run.json",
                JsonForm::None => "grades.json (not written: --json none)",
            }
        );
    }
    if !run.forms.is_empty() {
        eprintln!("compared with the points Forms gave:");
        for line in run.forms.lines() {
            eprintln!("  {line}");
        }
    }
    if let Some(path) = &decisions_path {
        eprintln!(
            "applied {applied} TA decision(s) from {}{}",
            path.display(),
            if stale > 0 {
                format!("; {stale} stale, not applied")
            } else {
                String::new()
            }
        );
    }
    eprintln!("wrote {}", written.join(", "));
    Ok(if problems {
        super::Done::WithProblems
    } else {
        super::Done::Clean
    })
}

/// Respondents graded together (in parallel), then written out and let go. Up to three chunks
/// are alive at once (read, graded, written) with every finding and its JSON: 1,024 made the
/// peak memory of 100,000 rows 471 MiB, 256 makes it 390 MiB, and is no slower.
const CHUNK: usize = 256;

/// Lower-cased names a decision may give its respondent by (key, e-mail, Forms ID, the ID of
/// an anonymous key `file#ID`): the first pass keeps every cell of a row they name.
fn decision_names(
    decisions: &[crate::score::decisions::Decision],
) -> std::collections::HashSet<String> {
    let mut names = std::collections::HashSet::new();
    for d in decisions {
        for name in [&d.key, &d.email, &d.id] {
            let name = name.trim().to_lowercase();
            if let Some((_, id)) = name.rsplit_once('#') {
                names.insert(id.to_string());
            }
            if !name.is_empty() {
                names.insert(name);
            }
        }
    }
    names
}

/// The first pass over one export: submissions with the cells of the free-text questions
/// only (and every cell of rows a decision may name).
fn first_pass(
    path: &std::path::Path,
    rubric: &crate::rubric::Rubric,
    named: &std::sync::Arc<std::collections::HashSet<String>>,
) -> Result<(Export, Option<crate::ingest::table::Encoding>), Fatal> {
    super::stream_export(path, None, |mut reader| {
        // A rubric that does not fit the export keeps every cell: preparing the class
        // reports the mismatch.
        let header = reader.header();
        if let Ok(map) = crate::score::run::map_columns(rubric, &header) {
            let mut keep = vec![false; header.columns.len()];
            for (q, &col) in rubric.questions.iter().zip(&map) {
                if matches!(q.kind, crate::rubric::Kind::Text(_))
                    && let Some(k) = keep.get_mut(col)
                {
                    *k = true;
                }
            }
            let named = std::sync::Arc::clone(named);
            reader.keep_only(
                keep,
                Box::new(move |s: &crate::ingest::Submission| {
                    named.contains(&s.email.to_lowercase()) || named.contains(&s.id.to_lowercase())
                }),
            );
        }
        let encoding = reader.encoding.clone();
        Ok((reader.into_export()?, encoding))
    })
}

/// The file the full JSON result goes to.
fn json_name(form: JsonForm) -> &'static str {
    match form {
        JsonForm::Document => "grades.json",
        JsonForm::Lines => "grades.jsonl",
        JsonForm::None => "",
    }
}

/// One graded chunk on its way to the writer: results with their decisions applied, each
/// one's JSON and report files.
struct Chunk {
    start: usize,
    results: Vec<crate::score::run::RespondentResult>,
    decided: Vec<Vec<crate::score::decisions::DecisionRecord>>,
    json: Vec<anyhow::Result<Vec<u8>>>,
    reports: Vec<Vec<(String, Vec<u8>)>>,
}

/// The outputs written as the class is graded, and the running totals the run ends with.
struct Writers {
    grades_csv: crate::report::csv::CsvOut,
    review_csv: crate::report::csv::CsvOut,
    json_file: Option<std::io::BufWriter<std::fs::File>>,
    /// grades.json, written as one document.
    json: Option<crate::report::json::JsonStream>,
    /// grades.jsonl: one respondent per line.
    lines: bool,
    xlsx: Option<crate::report::xlsx::XlsxStream>,
    grades_file: std::io::BufWriter<std::fs::File>,
    review_file: std::io::BufWriter<std::fs::File>,
    stats: crate::report::stats::StatsBuilder,
    /// index.html and the question pages, built as the class is graded.
    pages: crate::report::class_pages::ClassPages,
    records: Vec<crate::score::decisions::DecisionRecord>,
    reviews: usize,
    problems: bool,
    /// Per-student HTML reports are written (the class index links them).
    html: bool,
    /// IDs whose report names carry the position (see `students::file_stem`).
    shared_ids: std::collections::HashSet<String>,
    /// `reports.zip`, when the reports go into one archive.
    archive: Option<zip::ZipWriter<std::io::BufWriter<std::fs::File>>>,
}

impl Writers {
    /// Write one chunk, in export order.
    fn write(
        &mut self,
        args: &GradeArgs,
        staging: &mut super::output::Staging,
        chunk: Chunk,
    ) -> Result<(), Fatal> {
        let io = |what: &str, e: std::io::Error| {
            Fatal(format!(
                "{}: cannot write: {e}",
                args.out.join(what).display()
            ))
        };
        let html = self.html;
        for (k, ((r, mine), bytes)) in chunk
            .results
            .iter()
            .zip(chunk.decided)
            .zip(chunk.json)
            .enumerate()
        {
            let n = chunk.start + k;
            crate::report::csv::Grades::add(&mut self.grades_csv, r);
            crate::report::csv::ReviewQueue::add(&mut self.review_csv, r, &mine);
            self.records.extend(mine);
            if let Some(file) = self.json_file.as_mut() {
                let bytes = bytes.map_err(|e| Fatal(format!("grades.json: {e}")))?;
                if let Some(stream) = self.json.as_mut() {
                    stream
                        .write_encoded(&bytes, file)
                        .map_err(|e| Fatal(format!("grades.json: {e}")))?;
                } else if self.lines {
                    std::io::Write::write_all(file, &bytes)
                        .and_then(|()| std::io::Write::write_all(file, b"\n"))
                        .map_err(|e| io("grades.jsonl", e))?;
                }
            }
            if let Some(xlsx) = self.xlsx.as_mut() {
                xlsx.add(r)
                    .map_err(|e| Fatal(format!("grades.xlsx: {e}")))?;
            }
            self.stats.add(r);
            self.pages.add(
                r,
                html.then(|| {
                    format!(
                        "{}.html",
                        crate::report::students::file_stem(&self.shared_ids, n, r)
                    )
                }),
            );
            self.reviews += r.review_count();
            for q in &r.questions {
                if q.score.status == crate::score::Status::Error {
                    self.problems = true;
                    eprintln!(
                        "warning: {} line {}: respondent {} ({}), question {}: grading failed \
                         unexpectedly; the answer has no points and is in review.csv",
                        r.file,
                        r.line,
                        crate::text::excerpt(&r.respondent.id, 40),
                        crate::text::excerpt(&r.respondent.key, 80),
                        q.id
                    );
                }
            }
        }
        std::io::Write::write_all(&mut self.grades_file, &self.grades_csv.drain())
            .map_err(|e| io("grades.csv", e))?;
        std::io::Write::write_all(&mut self.review_file, &self.review_csv.drain())
            .map_err(|e| io("review.csv", e))?;
        for (name, bytes) in chunk.reports.into_iter().flatten() {
            let rel = format!("reports/{name}");
            match self.archive.as_mut() {
                Some(zip) => {
                    // Stored, not compressed, and dated 1980-01-01: written as fast as the
                    // reports come, the same bytes on every run.
                    let options = zip::write::SimpleFileOptions::default()
                        .compression_method(zip::CompressionMethod::Stored)
                        .last_modified_time(zip::DateTime::default());
                    zip.start_file(&rel, options)
                        .map_err(|e| Fatal(format!("reports.zip: {e}")))?;
                    std::io::Write::write_all(zip, &bytes).map_err(|e| io("reports.zip", e))?;
                }
                None => staging.write(&rel, &bytes)?,
            }
        }
        Ok(())
    }
}

/// Above this many respondents, reports go into reports.zip unless `--reports` says otherwise:
/// a MOOC's 100,000 students as 200,000 files take minutes to copy and fill a folder no file
/// manager opens (and writing them took 28 s of a 100,000-row run, the archive 4 s).
const ZIP_FROM: usize = 5000;

/// Which per-student reports `--reports` asks for.
struct ReportKinds {
    md: bool,
    html: bool,
    /// In one archive, `reports.zip`, instead of a file each.
    zip: bool,
}

/// `--reports md,html` (the default), `md`, `html` or `none`; `zip` (alone: both kinds) puts
/// them in `reports.zip`.
fn report_kinds(list: &str) -> Result<ReportKinds, Fatal> {
    let mut kinds = ReportKinds {
        md: false,
        html: false,
        zip: false,
    };
    for word in list.split(',').map(str::trim) {
        match word {
            "md" | "markdown" => kinds.md = true,
            "html" => kinds.html = true,
            "zip" => kinds.zip = true,
            "none" if list.trim() == "none" => {}
            other => {
                return Err(Fatal(format!(
                    "--reports {list}: `{other}` is not a report kind (expected md, html, both \
                     as md,html, zip to put them in reports.zip, or none)"
                )));
            }
        }
    }
    if kinds.zip && !kinds.md && !kinds.html {
        kinds.md = true;
        kinds.html = true;
    }
    Ok(kinds)
}

/// The decisions file of this run: `--decisions` (or `--overrides`), else
/// `RUBRIC-STEM.decisions.csv` next to the rubric when it exists. Refused when it lies inside
/// `--out`, which the run replaces.
fn decisions_file(args: &GradeArgs) -> Result<Option<std::path::PathBuf>, Fatal> {
    let path = match args.decisions.clone().or_else(|| args.overrides.clone()) {
        Some(p) => p,
        None => {
            let default = default_decisions(&args.rubric);
            if !default.is_file() {
                return Ok(None);
            }
            default
        }
    };
    let absolute = |p: &std::path::Path| {
        std::fs::canonicalize(p).unwrap_or_else(|_| {
            std::env::current_dir()
                .map(|d| d.join(p))
                .unwrap_or_else(|_| p.to_path_buf())
        })
    };
    let out = absolute(&args.out);
    if absolute(&path).starts_with(&out) {
        return Err(Fatal(format!(
            "{}: the decisions file is inside --out {}, which grade replaces on every run; copy \
             it elsewhere (the default place is next to the rubric: {}) and pass that",
            path.display(),
            args.out.display(),
            default_decisions(&args.rubric).display()
        )));
    }
    Ok(Some(path))
}

/// `rubrics/2022-02-09.toml` → `rubrics/2022-02-09.decisions.csv`.
pub(crate) fn default_decisions(rubric: &std::path::Path) -> std::path::PathBuf {
    let stem = rubric
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "rubric".into());
    rubric.with_file_name(format!("{stem}.decisions.csv"))
}

/// Decisions from a CSV: `question`, `override` (or `points` when there is no `override`
/// column) and `comment`, and the respondent as `respondent` (the key review.csv carries), or
/// `email`, or `id` (with `file` when several exports are graded together); `answer` is the
/// hash of the answer decided on. Rows with neither points nor a comment are no decision. The
/// `'` that neutralised a cell for Excel is taken off again.
pub(super) fn read_decisions(
    path: &std::path::Path,
) -> Result<Vec<crate::score::decisions::Decision>, Fatal> {
    let sheet = super::Sheet::read(path)?;
    let file = &sheet.file;
    let question = sheet
        .column("question")
        .ok_or_else(|| Fatal(format!("{file}: no `question` column")))?;
    let points = sheet
        .column("override")
        .or_else(|| sheet.column("points"))
        .ok_or_else(|| Fatal(format!("{file}: no `override` (or `points`) column")))?;
    let (key, email, id, export, answer, comment) = (
        sheet.column("respondent"),
        sheet.column("email"),
        sheet.column("id"),
        sheet.column("file"),
        sheet.column("answer"),
        sheet.column("comment"),
    );
    if key.is_none() && email.is_none() && id.is_none() {
        return Err(Fatal(format!(
            "{file}: no `respondent`, `email` or `id` column to say whose answer is decided"
        )));
    }
    let mut out = Vec::new();
    for (line, row) in &sheet.rows {
        let get = |c: Option<usize>| {
            c.map(|c| crate::report::unneutralize(&super::Sheet::cell(row, c)))
                .unwrap_or_default()
        };
        let (p, c) = (get(Some(points)), get(comment));
        if p.is_empty() && c.is_empty() {
            continue;
        }
        let value = if p.is_empty() {
            None
        } else {
            Some(
                crate::points::Points::parse(&p)
                    .filter(crate::points::Points::is_plain)
                    .ok_or_else(|| {
                        Fatal(format!(
                            "{file}:{line}: `{}` is not a number of points (a number with at \
                             most 4 decimals, or a fraction like 2/3)",
                            crate::text::excerpt(&p, 40)
                        ))
                    })?,
            )
        };
        let answer = get(answer);
        let is_hash = answer.len() == 16 && answer.bytes().all(|b| b.is_ascii_hexdigit());
        if !answer.is_empty() && !is_hash {
            return Err(Fatal(format!(
                "{file}:{line}: `{}` in the `answer` column is not an answer hash (16 hex \
                 digits, as review.csv writes them); leave it empty to decide on the current \
                 answer",
                crate::text::excerpt(&answer, 40)
            )));
        }
        out.push(crate::score::decisions::Decision {
            line: *line,
            key: get(key),
            email: get(email),
            id: get(id),
            file: get(export),
            question: get(Some(question)),
            answer: answer.to_ascii_lowercase(),
            points: value,
            comment: c,
        });
    }
    Ok(out)
}

/// Most worker threads `grade` starts: more than this only costs time creating threads.
pub(crate) const MAX_JOBS: usize = 256;

/// The number of worker threads: one per core by default; `--jobs` is clamped to 1..=256, with
/// a note on stderr when it was changed.
fn jobs(asked: Option<usize>) -> usize {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    match asked {
        None => cores.min(MAX_JOBS),
        Some(n) if (1..=MAX_JOBS).contains(&n) => n,
        Some(n) => {
            let used = n.clamp(1, MAX_JOBS);
            eprintln!("note: --jobs {n} is outside 1..={MAX_JOBS}; using {used} thread(s)");
            used
        }
    }
}
