//! `examgrade grade --rubric R.toml EXPORT... --out DIR`

use super::{Fatal, GradeArgs, read_file};
use crate::ingest::{self, Export};
use crate::report::exporters;
use crate::score::run::grade;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

pub fn run(args: GradeArgs) -> Result<(), Fatal> {
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
        if let Ok(style) = ProgressStyle::with_template("grading {bar:40} {pos}/{len}") {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let jobs = jobs(args.jobs);
    let mut run = grade(&rubric, &exports, jobs, &|| bar.inc(1))?;
    bar.finish_and_clear();
    let overridden = match &args.overrides {
        Some(path) => {
            let file = path.display().to_string();
            let overrides = read_overrides(path)?;
            crate::score::overrides::apply(&mut run, &file, &overrides)?
        }
        None => 0,
    };

    std::fs::create_dir_all(&args.out).map_err(|e| {
        Fatal(format!(
            "{}: cannot create the output directory: {e}",
            args.out.display()
        ))
    })?;
    let mut written = Vec::new();
    for exporter in exporters() {
        let bytes = exporter
            .render(&run)
            .map_err(|e| Fatal(format!("{}: {e}", exporter.file_name())))?;
        let path = args.out.join(exporter.file_name());
        std::fs::write(&path, bytes)
            .map_err(|e| Fatal(format!("{}: cannot write: {e}", path.display())))?;
        written.push(path.display().to_string());
    }

    let reports = args.out.join("reports");
    std::fs::create_dir_all(&reports)
        .map_err(|e| Fatal(format!("{}: cannot create: {e}", reports.display())))?;
    remove_old_reports(&reports)?;
    for (name, bytes) in crate::report::students::reports(&run) {
        let path = reports.join(name);
        std::fs::write(&path, bytes)
            .map_err(|e| Fatal(format!("{}: cannot write: {e}", path.display())))?;
    }
    let stats = crate::report::stats::compute(&run, &rubric.exam.bands);
    let mut stats_json = serde_json::to_vec_pretty(&stats).map_err(|e| Fatal(e.to_string()))?;
    stats_json.push(b'\n');
    let pages: [(&str, Vec<u8>); 4] = [
        ("index.html", crate::report::students::index(&run)),
        ("stats.json", stats_json),
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
        let path = args.out.join(name);
        std::fs::write(&path, bytes)
            .map_err(|e| Fatal(format!("{}: cannot write: {e}", path.display())))?;
        written.push(path.display().to_string());
    }
    written.push(format!(
        "{} ({} reports, Markdown and HTML)",
        reports.display(),
        run.respondents.len()
    ));

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
        return Ok(());
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
    if overridden > 0 {
        eprintln!("applied {overridden} TA decision(s)");
    }
    eprintln!("wrote {}", written.join(", "));
    Ok(())
}

/// Overrides from a CSV: columns `id`, `question`, `override` (or `points` when there is no
/// `override` column) and `comment`; rows with neither points nor a comment are no decision.
fn read_overrides(path: &std::path::Path) -> Result<Vec<crate::score::overrides::Override>, Fatal> {
    let sheet = super::Sheet::read(path)?;
    let file = &sheet.file;
    let id = sheet
        .column("id")
        .ok_or_else(|| Fatal(format!("{file}: no `id` column")))?;
    let question = sheet
        .column("question")
        .ok_or_else(|| Fatal(format!("{file}: no `question` column")))?;
    let points = sheet
        .column("override")
        .or_else(|| sheet.column("points"))
        .ok_or_else(|| Fatal(format!("{file}: no `override` (or `points`) column")))?;
    let comment = sheet.column("comment");
    let mut out = Vec::new();
    for (line, row) in &sheet.rows {
        let get = |c: usize| super::Sheet::cell(row, c);
        let (p, c) = (get(points), comment.map(get).unwrap_or_default());
        if p.is_empty() && c.is_empty() {
            continue;
        }
        let value =
            if p.is_empty() {
                None
            } else {
                Some(crate::points::Points::parse(&p).ok_or_else(|| {
                    Fatal(format!("{file}:{line}: `{p}` is not a number of points"))
                })?)
            };
        out.push(crate::score::overrides::Override {
            line: *line,
            respondent: get(id),
            question: get(question),
            points: value,
            comment: c,
        });
    }
    Ok(out)
}

/// Reports of an earlier run into the same directory would outlive their respondents: remove
/// the files this program names (`NNN-slug.md`, `NNN-slug.html`) and nothing else.
fn remove_old_reports(dir: &std::path::Path) -> Result<(), Fatal> {
    let entries = std::fs::read_dir(dir).map_err(|e| Fatal(format!("{}: {e}", dir.display())))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let Some((stem, ext)) = name.rsplit_once('.') else {
            continue;
        };
        let ours = matches!(ext, "md" | "html")
            && stem.split_once('-').is_some_and(|(n, slug)| {
                n.len() >= 3
                    && n.bytes().all(|b| b.is_ascii_digit())
                    && !slug.is_empty()
                    && slug.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'
                    })
            });
        if ours && entry.file_type().is_ok_and(|t| t.is_file()) {
            std::fs::remove_file(entry.path()).map_err(|e| {
                Fatal(format!(
                    "{}: cannot remove an old report: {e}",
                    entry.path().display()
                ))
            })?;
        }
    }
    Ok(())
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
