//! `examgrade grade --rubric R.toml EXPORT... --out DIR`

use super::{Fatal, GradeArgs, read_file};
use crate::ingest::{self, Export};
use crate::report::exporters;
use crate::score::run::grade;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

pub fn run(args: GradeArgs) -> Result<super::Done, Fatal> {
    let rubric = super::load_rubric(&args.rubric)?;

    let exports: Vec<Export> = args
        .exports
        .iter()
        .map(|path| {
            let bytes = read_file(path)?;
            ingest::read_export(&path.display().to_string(), &bytes).map_err(Fatal::from)
        })
        .collect::<Result<_, _>>()?;

    let rows: usize = exports.iter().map(|e| e.submissions.len()).sum();
    let bar = if !args.quiet && std::io::stderr().is_terminal() {
        let bar = ProgressBar::with_draw_target(Some(rows as u64), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(
            "grading {bar:40} {human_pos}/{human_len} rows, {per_sec}, ETA {eta}",
        ) {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let jobs = jobs(args.jobs);
    let decisions_path = decisions_file(&args)?;
    let mut run = grade(&rubric, &exports, jobs, &|| bar.inc(1))?;
    bar.finish_and_clear();
    let (applied, stale) = match &decisions_path {
        Some(path) => {
            let file = path.display().to_string();
            let decisions = read_decisions(path)?;
            crate::score::decisions::apply(&mut run, &file, &decisions)?
        }
        None => (0, 0),
    };

    // Everything goes into a fresh folder beside DIR, streamed as it is rendered; a failure
    // on the way leaves DIR as it was.
    let mut staging = super::output::Staging::create(&args.out)?;
    let mut written: Vec<String> = Vec::new();
    for exporter in exporters(args.pretty) {
        staging.write_path(exporter.file_name(), |path, scratch| {
            exporter.write_file(&run, path, scratch)
        })?;
        written.push(args.out.join(exporter.file_name()).display().to_string());
    }
    let stats = crate::report::stats::compute(&run, &rubric.exam.bands);
    let kinds = report_kinds(&args.reports)?;
    let pages: [(&str, Vec<u8>); 4] = [
        (
            "index.html",
            crate::report::students::index(&run, kinds.html),
        ),
        ("stats.json", {
            let mut json = serde_json::to_vec_pretty(&stats).map_err(|e| Fatal(e.to_string()))?;
            json.push(b'\n');
            json
        }),
        (
            "stats.md",
            crate::report::pages::stats_markdown(&run, &stats).into_bytes(),
        ),
        (
            "stats.html",
            crate::report::pages::stats_html(&run, &stats).into_bytes(),
        ),
    ];
    for (name, bytes) in pages {
        staging.write(name, &bytes)?;
        written.push(args.out.join(name).display().to_string());
    }
    // Reports are rendered in parallel, a chunk at a time, and written as they come: a class of
    // 100,000 is never whole in memory.
    if kinds.md || kinds.html {
        let render =
            |n: usize| crate::report::students::report_files(&run, n, kinds.md, kinds.html);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs)
            .build()
            .ok();
        for start in (0..run.respondents.len()).step_by(REPORT_CHUNK) {
            let end = (start + REPORT_CHUNK).min(run.respondents.len());
            let chunk: Vec<Vec<(String, Vec<u8>)>> = match &pool {
                Some(pool) => {
                    use rayon::prelude::*;
                    pool.install(|| (start..end).into_par_iter().map(render).collect())
                }
                None => (start..end).map(render).collect(),
            };
            for (name, bytes) in chunk.into_iter().flatten() {
                staging.write(&format!("reports/{name}"), &bytes)?;
            }
        }
        written.push(format!(
            "{} ({} reports, {})",
            args.out.join("reports").display(),
            run.respondents.len(),
            match (kinds.md, kinds.html) {
                (true, true) => "Markdown and HTML",
                (true, false) => "Markdown",
                _ => "HTML",
            }
        ));
    }
    staging.commit()?;

    let mut problems = false;
    for note in &run.notes {
        eprintln!("warning: {note}");
    }
    for r in &run.respondents {
        for q in &r.questions {
            if q.score.status == crate::score::Status::Error {
                problems = true;
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
    let reviews: usize = run.respondents.iter().map(|r| r.review_count()).sum();
    eprintln!(
        "graded {} respondent(s), out of {} points; {} superseded submission(s) (policy: {}); \
         {} row problem(s); {} item(s) to review",
        run.respondents.len(),
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
             possible collusion, a hint only) — see answer_groups in grades.json",
            run.answer_groups.len(),
            shared
        );
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

/// Respondents whose reports are rendered together (in parallel) before they are written.
const REPORT_CHUNK: usize = 512;

/// Which per-student reports `--reports` asks for.
struct ReportKinds {
    md: bool,
    html: bool,
}

/// `--reports md,html` (the default), `md`, `html` or `none`.
fn report_kinds(list: &str) -> Result<ReportKinds, Fatal> {
    let mut kinds = ReportKinds {
        md: false,
        html: false,
    };
    for word in list.split(',').map(str::trim) {
        match word {
            "md" | "markdown" => kinds.md = true,
            "html" => kinds.html = true,
            "none" if list.trim() == "none" => {}
            other => {
                return Err(Fatal(format!(
                    "--reports {list}: `{other}` is not a report kind (expected md, html, both \
                     as md,html, or none)"
                )));
            }
        }
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
fn read_decisions(path: &std::path::Path) -> Result<Vec<crate::score::decisions::Decision>, Fatal> {
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
