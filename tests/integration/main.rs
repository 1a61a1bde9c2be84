//! Integration tests: the `examgrade` binary run as a user runs it, on the fixtures.

mod check;
mod engine;
mod errors;
mod formats;
mod fuzz;
mod grade;
mod init;
mod reports;
mod review;
mod safety;
mod summary;
mod text;

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// The binary, run from the repository root so fixture paths read as in the README.
pub fn examgrade() -> Command {
    let mut cmd = Command::cargo_bin("examgrade").expect("binary built");
    cmd.current_dir(root());
    cmd
}

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub const SEED_RUBRIC: &str = "rubrics/2022-02-09.toml";
pub const SEED_XLSX: &str = "fixtures/2022-02-09/responses.xlsx";

/// Grade `exports` with `rubric` into a fresh directory; returns it (kept alive by the TempDir).
pub fn grade(rubric: &str, exports: &[&str], extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    examgrade()
        .arg("grade")
        .args(["--rubric", rubric])
        .args(exports)
        .arg("--out")
        .arg(&out)
        .args(extra)
        .assert()
        .success();
    (dir, out)
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// grades.csv as rows of cells.
pub fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .expect("csv")
        .records()
        .map(|r| r.expect("record").iter().map(str::to_string).collect())
        .collect()
}

/// One entry of a zip file (a workbook part).
pub fn read_zip_entry(path: &Path, name: &str) -> Vec<u8> {
    // calamine re-exports nothing for raw entries; the sheet XML is small enough to find by hand.
    let bytes = std::fs::read(path).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut entry = archive.by_name(name).unwrap();
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut entry, &mut out).unwrap();
    out
}
