//! cli: clap subcommands that turn flags into settings and call the stages. Exit codes:
//! 0 done, 2 could not do the job (bad rubric, unreadable file); a broken pipe is a clean exit.

mod check;
mod diff;
mod grade;
mod init;
mod output;
mod review;
mod summary;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "examgrade",
    version,
    about = "Grade Microsoft Forms exam exports with a TOML rubric"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Grade one or more exports of the same exam and write grades, JSON and a review queue.
    Grade(GradeArgs),
    /// Print a rubric skeleton for an export: every question column, kinds guessed, keys to fill.
    Init(InitArgs),
    /// Print what Keras' model.summary() prints for a Keras snippet (the reference answer).
    Summary(SummaryArgs),
    /// Check rubrics: they load, and every worked example gets its points; with --marked,
    /// measure agreement with human graders on marked answers.
    Check(CheckArgs),
    /// Compare two `grade` output directories: who gained or lost points, on which question.
    Diff(DiffArgs),
    /// Grade, then serve the review queue on 127.0.0.1 and write each decision at once.
    Review(ReviewArgs),
}

#[derive(clap::Args, Debug)]
pub struct ReviewArgs {
    /// The rubric (TOML).
    #[arg(long, short)]
    pub rubric: PathBuf,
    /// Exports of the same exam (.xlsx or CSV).
    #[arg(required = true)]
    pub exports: Vec<PathBuf>,
    /// The decisions file read and written (default: RUBRIC-STEM.decisions.csv beside the
    /// rubric, the file `grade` reads by default).
    #[arg(long)]
    pub decisions: Option<PathBuf>,
    /// Port on 127.0.0.1 (0: a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
}

#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// The earlier output directory.
    pub old: PathBuf,
    /// The later one.
    pub new: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Rubric files.
    #[arg(required = true)]
    pub rubrics: Vec<PathBuf>,
    /// Also check the rubrics against this export: columns found, ticked options known.
    #[arg(long)]
    pub against: Vec<PathBuf>,
    /// A CSV of human-marked answers to score with the rubrics (question ids distinct across
    /// them): agreement and review figures per question, the largest disagreements, and
    /// suggested terms.
    #[arg(long)]
    pub marked: Option<PathBuf>,
    /// Column of the marked CSV with the question id.
    #[arg(long, default_value = "question")]
    pub question_column: String,
    /// Column with the answer text.
    #[arg(long, default_value = "answer")]
    pub answer_column: String,
    /// Column with the human's points.
    #[arg(long, default_value = "points")]
    pub points_column: String,
    /// `text` or `json`; with --marked also `csv` (one row per marked answer).
    #[arg(long, default_value = "text", value_parser = ["text", "json", "csv"])]
    pub format: String,
}

#[derive(clap::Args, Debug)]
pub struct SummaryArgs {
    /// The exam's Keras code (a .py file).
    pub model: PathBuf,
    /// Keras version whose output to reproduce.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(2..=3))]
    pub keras: u8,
    /// `text` (what model.summary() prints) or `json` (shapes, counts, formulas, receptive fields).
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
    /// The blank template handed to students (Keras 2 layout).
    #[arg(long, conflicts_with = "filled")]
    pub template: bool,
    /// The template filled with the reference answers.
    #[arg(long)]
    pub filled: bool,
}

#[derive(clap::Args, Debug)]
pub struct GradeArgs {
    /// The exam's rubric (TOML).
    #[arg(long, short)]
    pub rubric: PathBuf,
    /// Export files (.xlsx as downloaded from Forms, or .csv/.txt as saved by Excel).
    #[arg(required = true)]
    pub exports: Vec<PathBuf>,
    /// Output directory (created if missing).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Worker threads (default: one per core). Output is identical for any value.
    #[arg(long, short)]
    pub jobs: Option<usize>,
    /// No progress bar and no summary on stderr (warnings still print).
    #[arg(long, short)]
    pub quiet: bool,
    /// TA decisions to apply: a CSV you keep outside --out, with columns `respondent` (or
    /// `email`, or `id` and `file`), `question`, `answer`, `override` (points) and `comment` — a
    /// copy of an earlier run's `review.csv`, filled in, will do. Default:
    /// RUBRIC-STEM.decisions.csv next to the rubric, when it exists.
    #[arg(long, conflicts_with = "overrides")]
    pub decisions: Option<PathBuf>,
    /// The same as --decisions (its earlier name).
    #[arg(long)]
    pub overrides: Option<PathBuf>,
    /// Per-student reports: `md,html` (both), `md`, `html`, or `none` (for very large classes:
    /// grades, review queue and statistics only); add `zip` (or give it alone, for both kinds)
    /// to put them in one archive, reports.zip, instead of a file each. Default: both, as
    /// files, or in reports.zip for a class of more than 5,000 respondents.
    #[arg(long)]
    pub reports: Option<String>,
    /// Indent grades.json (and run.json) for reading (compact by default).
    #[arg(long)]
    pub pretty: bool,
    /// The full JSON result: `document` (grades.json, one JSON document), `lines`
    /// (grades.jsonl, one respondent per line, and run.json with the rest of the run: for
    /// tools that read a large class a respondent at a time) or `none`.
    #[arg(long, value_enum, default_value = "document")]
    pub json: JsonForm,
}

/// The form of the full JSON result (`grade --json`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum JsonForm {
    Document,
    Lines,
    None,
}

#[derive(clap::Args, Debug)]
pub struct InitArgs {
    /// The export to scaffold a rubric from.
    pub export: PathBuf,
}

/// A command that did its job: cleanly (exit 0) or with problems the user must see (exit 1).
pub(crate) enum Done {
    Clean,
    WithProblems,
}

/// Failure that ends the command with exit code 2.
pub(crate) struct Fatal(pub String);

impl<E: std::fmt::Display> From<E> for Fatal {
    fn from(e: E) -> Self {
        Fatal(e.to_string())
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // A failure inside examgrade is a bug: one line on stderr, not a backtrace.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("internal error (please report it to examgrade's developers): {info}");
    }));
    let result = match cli.command {
        Command::Grade(args) => grade::run(args),
        Command::Init(args) => init::run(args).map(|()| Done::Clean),
        Command::Summary(args) => summary::run(args).map(|()| Done::Clean),
        Command::Check(args) => return check::run(args),
        Command::Diff(args) => diff::run(args).map(|()| Done::Clean),
        Command::Review(args) => review::run(args),
    };
    match result {
        Ok(Done::Clean) => ExitCode::SUCCESS,
        Ok(Done::WithProblems) => ExitCode::from(1),
        Err(Fatal(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// Read and validate a rubric; files it names (a summary question's `model`) are read
/// relative to it.
pub(crate) fn load_rubric(path: &std::path::Path) -> Result<crate::rubric::Rubric, Fatal> {
    let file = path.display().to_string();
    let source = String::from_utf8(read_file(path)?)
        .map_err(|_| Fatal(format!("{file}: the rubric is not UTF-8 text")))?;
    let base = path
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    let load = |relative: &str| read_model_file(&base.join(relative));
    Ok(crate::rubric::parse_with(&file, &source, &load)?)
}

/// A CSV a TA wrote (marked answers, decisions) read as exports are: any encoding Excel saves,
/// `,` `;` or tab, quoted line breaks, real line numbers.
pub(crate) struct Sheet {
    pub file: String,
    pub headers: Vec<String>,
    /// (line, cells) of every row after the header.
    pub rows: Vec<(usize, Vec<String>)>,
}

impl Sheet {
    pub fn read(path: &std::path::Path) -> Result<Sheet, Fatal> {
        let file = path.display().to_string();
        let table = crate::ingest::table::read_table(&file, &read_file(path)?)?;
        let mut rows = table.rows.into_iter();
        let headers = rows.next().map(|r| r.cells.to_vec()).unwrap_or_default();
        Ok(Sheet {
            file,
            headers,
            rows: rows.map(|r| (r.line, r.cells.to_vec())).collect(),
        })
    }

    /// Index of a column by name (trimmed, case-insensitive).
    pub fn column(&self, name: &str) -> Option<usize> {
        self.headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    }

    /// A cell, trimmed; empty when the row is short.
    pub fn cell(row: &[String], column: usize) -> String {
        row.get(column)
            .map(|c| c.trim().to_string())
            .unwrap_or_default()
    }
}

/// Largest input file read (an export of a million respondents is under 3 GB).
pub(crate) const MAX_INPUT_BYTES: u64 = 4 << 30;
/// Largest Keras model file a rubric may name.
pub(crate) const MAX_MODEL_BYTES: u64 = 4 << 20;

/// Read a whole file, naming it in the error.
pub(crate) fn read_file(path: &std::path::Path) -> Result<Vec<u8>, Fatal> {
    read_regular_file(path, MAX_INPUT_BYTES).map_err(Fatal)
}

/// Read an export, streamed: the file must be a regular file of at most [`MAX_INPUT_BYTES`],
/// and a CSV is read a record at a time (never held whole).
pub(crate) fn read_export_file(path: &std::path::Path) -> Result<crate::ingest::Export, Fatal> {
    stream_export(path, None, |reader| Ok(reader.into_export()?))
}

/// Open an export for reading a submission at a time and hand the reader to `f`.
pub(crate) fn stream_export<T>(
    path: &std::path::Path,
    known: Option<&crate::ingest::table::Encoding>,
    f: impl FnOnce(crate::ingest::ExportReader) -> Result<T, Fatal>,
) -> Result<T, Fatal> {
    check_regular_file(path, MAX_INPUT_BYTES).map_err(Fatal)?;
    let open = || -> std::io::Result<Box<dyn std::io::Read>> {
        use std::io::Read;
        Ok(Box::new(std::fs::File::open(path)?.take(MAX_INPUT_BYTES)))
    };
    f(crate::ingest::open_export(
        &path.display().to_string(),
        &open,
        known,
    )?)
}

/// A regular file of at most `limit` bytes, or why not.
fn check_regular_file(path: &std::path::Path, limit: u64) -> Result<u64, String> {
    let name = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("{name}: cannot read the file: {e}"))?;
    if !meta.is_file() {
        return Err(format!(
            "{name}: not a regular file (a directory, device or pipe); give the path of a file"
        ));
    }
    if meta.len() > limit {
        return Err(format!(
            "{name}: the file has {} bytes, more than the {limit} this command reads",
            meta.len()
        ));
    }
    Ok(meta.len())
}

/// Read a regular file of at most `limit` bytes. Devices, FIFOs and directories are refused
/// before they are opened for reading (`/dev/stdin` would block forever, `/dev/zero` never
/// ends), and the read itself stops past the limit in case the file grows meanwhile.
pub(crate) fn read_regular_file(path: &std::path::Path, limit: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let name = path.display();
    let len = check_regular_file(path, limit)?;
    let file =
        std::fs::File::open(path).map_err(|e| format!("{name}: cannot read the file: {e}"))?;
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{name}: cannot read the file: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "{name}: the file grew past the {limit} bytes this command reads"
        ));
    }
    Ok(bytes)
}

/// Read a Keras model file a rubric names (relative to the rubric): a regular UTF-8 file of at
/// most [`MAX_MODEL_BYTES`].
pub(crate) fn read_model_file(path: &std::path::Path) -> Result<String, String> {
    let bytes = read_regular_file(path, MAX_MODEL_BYTES)?;
    String::from_utf8(bytes)
        .map_err(|_| format!("{}: the model code is not UTF-8 text", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_valid() {
        Cli::command().debug_assert();
    }
}
