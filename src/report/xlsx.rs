//! `grades.xlsx`: the grades for upload, header row frozen, points as numbers (text cells are
//! written as text, never as formulas).

use super::Exporter;
use crate::score::Status;
use crate::score::run::GradeRun;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

pub struct Xlsx;

impl Exporter for Xlsx {
    fn file_name(&self) -> &'static str {
        "grades.xlsx"
    }

    fn render(&self, run: &GradeRun) -> anyhow::Result<Vec<u8>> {
        let mut book = Workbook::new();
        // A fixed creation time keeps the file byte-identical from run to run.
        let created = ExcelDateTime::from_ymd(2000, 1, 1)?;
        book.set_properties(&DocProperties::new().set_creation_datetime(&created));
        let bold = Format::new().set_bold();
        let sheet = book.add_worksheet();
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
            sheet.write_string_with_format(0, c as u16, h, &bold)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        for (i, r) in run.respondents.iter().enumerate() {
            let row = i as u32 + 1;
            sheet.write_string(row, 0, &r.respondent.id)?;
            sheet.write_string(row, 1, &r.respondent.email)?;
            sheet.write_string(row, 2, &r.respondent.name)?;
            let mut col = 3u16;
            for q in &r.questions {
                if q.score.status != Status::Ungraded {
                    sheet.write_number(row, col, q.score.points.rounded_f64())?;
                }
                col += 1;
            }
            sheet.write_number(row, col, r.total.rounded_f64())?;
            sheet.write_number(row, col + 1, r.max.rounded_f64())?;
            sheet.write_number(row, col + 2, r.review_count() as f64)?;
        }
        Ok(book.save_to_buffer()?)
    }
}
