//! cli: clap subcommands that turn flags into settings and call the stages. Exit codes:
//! 0 done, 2 could not do the job (bad rubric, unreadable file); a broken pipe is a clean exit.

mod grade;
mod init;
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
}

#[derive(clap::Args, Debug)]
pub struct InitArgs {
    /// The export to scaffold a rubric from.
    pub export: PathBuf,
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
    let result = match cli.command {
        Command::Grade(args) => grade::run(args),
        Command::Init(args) => init::run(args),
        Command::Summary(args) => summary::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Fatal(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// Read a whole file, naming it in the error.
pub(crate) fn read_file(path: &std::path::Path) -> Result<Vec<u8>, Fatal> {
    std::fs::read(path).map_err(|e| Fatal(format!("{}: cannot read the file: {e}", path.display())))
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
