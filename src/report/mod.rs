//! Report: the graded run written out, one file per format behind one trait (the shape of
//! hyperfine's `export/`). Every exporter returns bytes, so each is tested without touching disk.

pub mod agreement;
pub mod csv;
pub mod json;
pub mod pages;
pub mod stats;
pub mod students;
pub mod xlsx;

use crate::score::run::GradeRun;

/// One output file of `grade --out DIR`.
pub trait Exporter {
    /// File name inside the output directory.
    fn file_name(&self) -> &'static str;
    fn render(&self, run: &GradeRun) -> anyhow::Result<Vec<u8>>;
}

/// Every file `grade` writes, in the order it writes them.
pub fn exporters() -> Vec<Box<dyn Exporter>> {
    vec![
        Box::new(csv::Grades),
        Box::new(xlsx::Xlsx),
        Box::new(json::Json),
        Box::new(csv::ReviewQueue),
        Box::new(csv::SupersededList),
    ]
}

/// A cell that came from a respondent or an export, made safe for Excel: text starting with
/// `=`, `+`, `-`, `@`, tab or CR would run as a formula, so it gets a leading `'` (OWASP's
/// CSV-injection advice).
pub fn neutralize(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_cells_are_neutralised() {
        assert_eq!(neutralize("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralize("+39 333"), "'+39 333");
        assert_eq!(neutralize("-1"), "'-1");
        assert_eq!(neutralize("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralize("\tx"), "'\tx");
        assert_eq!(neutralize("Anna"), "Anna");
    }
}
