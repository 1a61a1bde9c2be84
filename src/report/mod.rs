//! Report: the graded run written out, one file per format behind one trait (the shape of
//! hyperfine's `export/`). Every exporter returns bytes, so each is tested without touching disk.

pub mod agreement;
pub mod class_pages;
pub mod csv;
pub mod i18n;
pub mod json;
pub mod pages;
pub mod stats;
pub mod student;
pub mod students;
pub mod xlsx;

use crate::score::run::GradeRun;

/// One output file of `grade --out DIR`.
pub trait Exporter {
    /// File name inside the output directory.
    fn file_name(&self) -> &'static str;
    /// The whole file in memory (for tests, and for the small files).
    fn render(&self, run: &GradeRun) -> anyhow::Result<Vec<u8>>;
}

/// Characters at which Excel (or a paste into it) starts a new cell: `,` and `;` (the list
/// separator in it-IT, de-DE, fr-FR, es-ES), tab, CR and LF.
const CELL_BREAKS: [char; 5] = [',', ';', '\t', '\r', '\n'];

/// Characters that make Excel read a cell as a formula.
const FORMULA_TRIGGERS: [char; 4] = ['=', '+', '-', '@'];

/// A text cell made safe for Excel, following OWASP's CSV-injection guidance: wherever a cell
/// could begin — at the start, or right after a character at which Excel or a paste splits
/// cells (`,` `;` tab CR LF), spaces skipped — a formula trigger (`=` `+` `-` `@`) gets a `'`
/// before it, and a leading tab or CR gets one too. Applied to every text cell of every CSV
/// the program writes; numbers the program computed are written as numbers (a negative score
/// stays a number).
pub fn neutralize(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1);
    let mut cell_start = true;
    for (i, c) in text.char_indices() {
        if cell_start && c != ' ' && needs_quote(&text[i..], i == 0) {
            out.push('\'');
        }
        if CELL_BREAKS.contains(&c) {
            cell_start = true;
        } else if c != ' ' {
            cell_start = false;
        }
        out.push(c);
    }
    out
}

/// Whether a cell that begins with `rest` gets a `'`: it starts with a formula trigger (or, at
/// the very start, a tab or CR) — after any `'`s already there, so that `'=x` and `=x` stay
/// two different texts once neutralised (`''=x` and `'=x`) and [`unneutralize`] is exact.
fn needs_quote(rest: &str, at_start: bool) -> bool {
    rest.trim_start_matches('\'')
        .chars()
        .next()
        .is_some_and(|c| FORMULA_TRIGGERS.contains(&c) || (at_start && matches!(c, '\t' | '\r')))
}

/// A cell of a CSV the program wrote, read back (a TA's decisions file): the `'` that
/// [`neutralize`] put before a formula trigger is taken off, so `'-5` is the ID `-5` again.
pub fn unneutralize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut cell_start = true;
    for (i, c) in text.char_indices() {
        if cell_start && c == '\'' && needs_quote(&text[i + 1..], i == 0) {
            cell_start = false;
            continue;
        }
        if CELL_BREAKS.contains(&c) {
            cell_start = true;
        } else if c != ' ' {
            cell_start = false;
        }
        out.push(c);
    }
    out
}

/// Whether a cell, split as Excel in any locale or a paste would split it, has a piece that
/// Excel would run as a formula. The check the output-audit tests apply to every cell.
pub fn has_formula_piece(cell: &str) -> bool {
    cell.split(CELL_BREAKS)
        .any(|piece| piece.trim_start_matches(' ').starts_with(FORMULA_TRIGGERS))
        || cell.starts_with(['\t', '\r'])
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
        assert_eq!(neutralize("Anne-Marie"), "Anne-Marie");
        // A cell break inside the cell starts a new cell in Excel (it-IT splits at `;`).
        assert_eq!(
            neutralize("Rossi;=cmd|' /C calc'!A0;"),
            "Rossi;'=cmd|' /C calc'!A0;"
        );
        assert_eq!(neutralize("a,  @x"), "a,  '@x");
        assert_eq!(neutralize("a\n-1\r\n+2"), "a\n'-1\r\n'+2");
        assert_eq!(neutralize("=\t=1"), "'=\t'=1");
        for hostile in ["Rossi;=cmd", "a\t+1", "x\r\n@SUM(A1)", "-5", "\tx", " =1"] {
            assert!(has_formula_piece(hostile));
            assert!(!has_formula_piece(&neutralize(hostile)), "{hostile}");
            assert_eq!(unneutralize(&neutralize(hostile)), hostile);
        }
        // Text that already looks neutralised stays distinct from the text it would come from.
        assert_eq!(neutralize("'=a@x.org"), "''=a@x.org");
        assert_ne!(neutralize("'=a@x.org"), neutralize("=a@x.org"));
    }

    proptest::proptest! {
        #[test]
        fn neutralising_is_undone_exactly(text in "[' =+@;,\t\r\na-]{0,12}") {
            proptest::prop_assert_eq!(unneutralize(&neutralize(&text)), text.clone());
            proptest::prop_assert!(!has_formula_piece(&neutralize(&text)));
        }
    }
}
