//! `grades.xlsx`: the grades for upload, header row frozen, points as numbers (text cells are
//! written as text, never as formulas).

use super::Exporter;
use crate::score::Status;
use crate::score::run::{GradeRun, RespondentResult};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

pub struct Xlsx;

/// Excel's limit on rows of one sheet.
const MAX_ROWS: usize = 1_048_576;

/// Excel's limit on the characters of one cell.
pub const MAX_CELL_CHARS: usize = 32_767;

/// A text cell within Excel's limit: a longer one (a hostile name) is cut, and says so,
/// rather than failing the whole run. Text is always written as a string cell, which Excel
/// shows as text and never runs as a formula — so no `'` is added here (it would become part
/// of the value).
fn fit(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().count() <= MAX_CELL_CHARS {
        return std::borrow::Cow::Borrowed(text);
    }
    const NOTE: &str = " … [cut at Excel's 32,767-character limit]";
    let keep = MAX_CELL_CHARS - NOTE.chars().count();
    let mut cut: String = text.chars().take(keep).collect();
    cut.push_str(NOTE);
    std::borrow::Cow::Owned(cut)
}

impl Exporter for Xlsx {
    fn file_name(&self) -> &'static str {
        "grades.xlsx"
    }

    fn render(&self, run: &GradeRun) -> anyhow::Result<Vec<u8>> {
        let mut sheet = XlsxStream::begin(run, None)?;
        for r in &run.respondents {
            sheet.add(r)?;
        }
        Ok(sheet.book.save_to_buffer()?)
    }
}

/// grades.xlsx written a row at a time. With a scratch folder it uses rust_xlsxwriter's
/// constant-memory mode: each row goes to a temporary file inside the run's own folder as it
/// is written, so a large class is never whole in memory.
pub struct XlsxStream {
    book: Workbook,
    row: u32,
}

impl XlsxStream {
    pub fn begin(run: &GradeRun, scratch: Option<&std::path::Path>) -> anyhow::Result<Self> {
        let mut book = Workbook::new();
        // A fixed creation time keeps the file byte-identical from run to run.
        let created = ExcelDateTime::from_ymd(2000, 1, 1)?;
        book.set_properties(&DocProperties::new().set_creation_datetime(&created));
        let bold = Format::new().set_bold();
        let sheet = match scratch {
            Some(dir) => {
                book.set_tempdir(dir)?;
                book.add_worksheet_with_constant_memory()
            }
            None => book.add_worksheet(),
        };
        sheet.set_name("grades")?;
        let mut header = vec!["id".to_string(), "email".into(), "name".into()];
        for q in &run.questions {
            header.push(if q.graded {
                q.id.clone()
            } else {
                format!("{} (ungraded)", q.id)
            });
        }
        header.extend(["total".into(), "max".into(), "review".into()]);
        for (c, h) in header.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, fit(h), &bold)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        Ok(XlsxStream { book, row: 0 })
    }

    pub fn add(&mut self, r: &RespondentResult) -> anyhow::Result<()> {
        if self.row as usize + 1 >= MAX_ROWS {
            anyhow::bail!(
                "more respondents than fit in one sheet (Excel's limit is {} rows); grades.csv \
                 and grades.json hold them all",
                MAX_ROWS - 1
            );
        }
        self.row += 1;
        let row = self.row;
        let sheet = self.book.worksheet_from_index(0)?;
        sheet.write_string(row, 0, fit(&r.respondent.id))?;
        sheet.write_string(row, 1, fit(&r.respondent.email))?;
        sheet.write_string(row, 2, fit(&r.respondent.name))?;
        let mut col = 3u16;
        for q in &r.questions {
            if !matches!(q.score.status, Status::Ungraded | Status::Error) {
                sheet.write_number(row, col, q.score.points.rounded_f64())?;
            }
            col += 1;
        }
        sheet.write_number(row, col, r.total.rounded_f64())?;
        sheet.write_number(row, col + 1, r.max.rounded_f64())?;
        sheet.write_number(row, col + 2, r.review_count() as f64)?;
        Ok(())
    }

    pub fn finish(mut self, path: &std::path::Path) -> anyhow::Result<()> {
        self.book.save(path)?;
        Ok(())
    }
}
