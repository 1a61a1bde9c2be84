//! Ingest: a Microsoft Forms (or Google Forms) export, as Forms and Excel really write it, to
//! one [`Submission`] per response row. Nothing is dropped: a row that cannot be fully read is
//! a submission with its problems stated.

pub mod cells;
pub mod decode;
pub mod duplicates;
pub mod header;
pub mod table;
pub mod timestamp;

pub use cells::Cells;
pub use duplicates::{DuplicatePolicy, Resolution, Superseded, identity, resolve};
pub use header::{Column, ColumnMatchError, Fixed, Role, find_question};
pub use table::FileFormat;
pub use timestamp::{DateOrder, Timestamp};

use serde::Serialize;
use thiserror::Error;

/// Why a file could not be read as an export at all.
#[derive(Debug, Error)]
pub enum IngestError {
    #[error("{file}: not a Microsoft Forms or Google Forms export: {why}")]
    NotAnExport { file: String, why: String },
    #[error("{file}: too large to read: {why}")]
    TooLarge { file: String, why: String },
    #[error("{file}{}: cannot read the CSV: {why}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Csv {
        file: String,
        line: Option<usize>,
        why: String,
    },
}

/// Which form service wrote the export; it decides how checkbox answers are joined.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Flavor {
    /// Microsoft Forms: `Option A;Option B;`.
    MicrosoftForms,
    /// Google Forms: `Option A, Option B`.
    GoogleForms,
}

/// One response row.
#[derive(Clone, Debug, Serialize)]
pub struct Submission {
    /// Index of the export file among those graded together.
    #[serde(skip)]
    pub source: usize,
    /// Line (CSV) or row number (xlsx) in the file.
    pub line: usize,
    /// Forms' response ID (Google Forms: the data row number).
    pub id: String,
    pub email: String,
    pub name: String,
    /// Completion time as written in the file.
    pub completed_text: String,
    /// Completion time, when it could be read.
    pub completed: Option<Timestamp>,
    /// Every cell of the row by column index, padded to the header's width.
    #[serde(skip)]
    pub cells: Cells,
    /// What could not be read in this row.
    pub problems: Vec<String>,
}

impl Submission {
    /// The answer cell of column `index` (empty when the row is short).
    pub fn cell(&self, index: usize) -> &str {
        self.cells.get(index).unwrap_or("")
    }
}

/// A whole export file.
#[derive(Clone, Debug)]
pub struct Export {
    pub file: String,
    pub format: FileFormat,
    pub flavor: Flavor,
    /// Line or row number of the header.
    pub header_line: usize,
    pub columns: Vec<Column>,
    pub submissions: Vec<Submission>,
    /// File-level notes (blank lines skipped), for the user.
    pub notes: Vec<String>,
    /// How the completion times' slashed dates were read, decided from the whole column.
    pub date_order: DateOrder,
}

impl Export {
    pub fn column_of(&self, fixed: Fixed) -> Option<usize> {
        self.columns
            .iter()
            .find(|c| c.role == Role::Fixed(fixed))
            .map(|c| c.index)
    }

    /// The `Points - <Q>` column of question column `question`.
    pub fn points_column_of(&self, question: usize) -> Option<usize> {
        self.columns
            .iter()
            .find(|c| c.role == Role::Points(question))
            .map(|c| c.index)
    }

    pub fn question_columns(&self) -> impl Iterator<Item = &Column> {
        self.columns.iter().filter(|c| c.role == Role::Question)
    }
}

/// Non-blank rows looked at for the header before deciding the file is no export.
const MAX_LINES_BEFORE_HEADER: usize = 3;

/// A row that is a header again (two exports pasted into one file): its ID or completion-time
/// cell, where the header has that column, is itself that column's title.
fn is_repeated_header(cells: &Cells, columns: &[Column]) -> bool {
    columns.iter().any(|c| {
        matches!(
            c.role,
            Role::Fixed(Fixed::Id | Fixed::CompletionTime | Fixed::Email)
        ) && cells.get(c.index).is_some_and(|cell| {
            // Header words are short and never start with a digit or contain `@`: most cells
            // are rejected without normalising them.
            cell.len() <= 40
                && !cell.starts_with(|ch: char| ch.is_ascii_digit())
                && !cell.contains('@')
                && header::classify(&[cell.to_string()])
                    .first()
                    .is_some_and(|a| a.role == c.role)
        })
    })
}

/// Read an export from its bytes. `file` names it in every message.
pub fn read_export(file: &str, bytes: &[u8]) -> Result<Export, IngestError> {
    let table = table::read_table(file, bytes)?;
    let (format, ragged) = (table.format, table.ragged);
    ExportReader::new(
        file,
        format,
        ragged,
        Box::new(table.rows.into_iter().map(Ok)),
    )?
    .into_export()
}

/// An export opened for reading a submission at a time: its header is read, its rows are not
/// yet. A class far larger than memory is graded this way, in a second pass over the file.
pub fn open_export<'a>(
    file: &str,
    open: table::Open<'a>,
    known: Option<&table::Encoding>,
) -> Result<ExportReader<'a>, IngestError> {
    let rows = table::open_rows(file, open, known)?;
    let (format, ragged, encoding) = (rows.format.clone(), rows.ragged, rows.encoding.clone());
    let mut reader = ExportReader::new(file, format, ragged, Box::new(rows))?;
    reader.encoding = encoding;
    Ok(reader)
}

/// Which cells of a row to keep, by column (a row keeps all when it says so): a first pass
/// over a large class holds only what it needs.
pub type Keep<'a> = Box<dyn Fn(&Submission) -> bool + 'a>;

/// An export read row by row, into [`Submission`]s in file order.
pub struct ExportReader<'a> {
    file: String,
    format: FileFormat,
    ragged: bool,
    rows: Box<dyn Iterator<Item = Result<table::RawRow, IngestError>> + 'a>,
    header: table::RawRow,
    columns: Vec<Column>,
    flavor: Flavor,
    id_col: Option<usize>,
    email_col: Option<usize>,
    name_col: Option<usize>,
    done_col: Option<usize>,
    header_key: Vec<String>,
    notes: Vec<String>,
    blank_lines: Vec<usize>,
    repeated_headers: Vec<(usize, bool)>,
    /// Submissions read so far.
    count: usize,
    /// Columns whose cells are kept (all when `None`), and which rows keep every cell anyway.
    keep: Option<(Vec<bool>, Keep<'a>)>,
    /// How a CSV's text is read (for reading the same file again).
    pub encoding: Option<table::Encoding>,
    /// The completion column's date order when known before reading (a second pass); else
    /// decided from every row by [`ExportReader::into_export`].
    date_order: Option<DateOrder>,
    dates: timestamp::DateEvidence,
}

impl<'a> ExportReader<'a> {
    fn new(
        file: &str,
        format: FileFormat,
        ragged: bool,
        mut rows: Box<dyn Iterator<Item = Result<table::RawRow, IngestError>> + 'a>,
    ) -> Result<Self, IngestError> {
        let mut notes = Vec::new();
        // The header is the first non-blank row that names an export column; a title line or
        // two above it (added by hand in Excel) is skipped and reported, never taken as a
        // response.
        let mut skipped: Vec<usize> = Vec::new();
        let mut first_seen = None;
        let (header, columns) = loop {
            let Some(row) = rows.next().transpose()? else {
                return Err(IngestError::NotAnExport {
                    file: file.to_string(),
                    why: match first_seen {
                        None => "it has no header row (the file is empty)".into(),
                        Some(why) => why,
                    },
                });
            };
            if row.cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let columns = header::classify(&row.cells.to_vec());
            let has = |f: Fixed| columns.iter().any(|c| c.role == Role::Fixed(f));
            if has(Fixed::Id) || has(Fixed::Email) || has(Fixed::CompletionTime) {
                break (row, columns);
            }
            if first_seen.is_none() {
                let shown: Vec<String> = row
                    .cells
                    .iter()
                    .take(5)
                    .map(|c| format!("`{}`", crate::text::excerpt(c, 30)))
                    .collect();
                first_seen = Some(format!(
                    "its header row (line {}) starts {} and has none of the columns an export \
                     starts with (ID, Start time, Completion time, Email, Name; Google Forms: Timestamp)",
                    row.line,
                    shown.join(", ")
                ));
            }
            skipped.push(row.line);
            if skipped.len() >= MAX_LINES_BEFORE_HEADER {
                return Err(IngestError::NotAnExport {
                    file: file.to_string(),
                    why: first_seen.unwrap_or_default(),
                });
            }
        };
        if !skipped.is_empty() {
            notes.push(format!(
                "line(s) {} above the header row (line {}) are not responses and were skipped",
                skipped
                    .iter()
                    .map(|l| l.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                header.line
            ));
        }
        let flavor = if header::is_google(&columns) {
            Flavor::GoogleForms
        } else {
            Flavor::MicrosoftForms
        };
        let find = |f: Fixed| {
            columns
                .iter()
                .find(|c| c.role == Role::Fixed(f))
                .map(|c| c.index)
        };
        let (id_col, email_col, name_col, done_col) = (
            find(Fixed::Id),
            find(Fixed::Email),
            find(Fixed::Name),
            find(Fixed::CompletionTime),
        );
        let header_key: Vec<String> = header.cells.iter().map(crate::text::normalize).collect();
        Ok(ExportReader {
            file: file.to_string(),
            format,
            ragged,
            rows,
            header,
            columns,
            flavor,
            id_col,
            email_col,
            name_col,
            done_col,
            header_key,
            notes,
            blank_lines: Vec::new(),
            repeated_headers: Vec::new(),
            count: 0,
            keep: None,
            encoding: None,
            date_order: None,
            dates: timestamp::DateEvidence::default(),
        })
    }

    /// The export as known from its header: columns, flavor, notes so far; no submissions.
    pub fn header(&self) -> Export {
        Export {
            file: self.file.clone(),
            format: self.format.clone(),
            flavor: self.flavor,
            header_line: self.header.line,
            columns: self.columns.clone(),
            submissions: Vec::new(),
            notes: self.notes.clone(),
            date_order: self.date_order.unwrap_or_else(|| self.dates.decide()),
        }
    }

    /// Read the completion times in `order` (decided by a first pass over the same file).
    pub fn set_date_order(&mut self, order: DateOrder) {
        self.date_order = Some(order);
    }

    /// Keep only the cells of the columns marked in `columns` (the others read as empty),
    /// except in rows for which `whole` says to keep them all.
    pub fn keep_only(&mut self, columns: Vec<bool>, whole: Keep<'a>) {
        self.keep = Some((columns, whole));
    }

    /// The next submission, in file order.
    pub fn next_submission(&mut self) -> Option<Result<Submission, IngestError>> {
        loop {
            let row = match self.rows.next()? {
                Ok(row) => row,
                Err(e) => return Some(Err(e)),
            };
            if let Some(s) = self.submission(row) {
                return Some(Ok(s));
            }
        }
    }

    /// The submission of a row (`None` for a blank line or a repeated header, noted).
    fn submission(&mut self, row: table::RawRow) -> Option<Submission> {
        let (header, columns, header_key) = (&self.header, &self.columns, &self.header_key);
        let (id_col, email_col, name_col, done_col) =
            (self.id_col, self.email_col, self.name_col, self.done_col);
        let width = columns.len();
        if row.cells.iter().all(|c| c.trim().is_empty()) {
            self.blank_lines.push(row.line);
            return None;
        }
        if is_repeated_header(&row.cells, columns) {
            let same = row.cells.len() == header_key.len()
                && row
                    .cells
                    .iter()
                    .zip(header_key)
                    .all(|(c, h)| crate::text::normalize(c) == *h);
            self.repeated_headers.push((row.line, same));
            return None;
        }
        let mut problems = Vec::new();
        let mut cells = row.cells;
        let nul_cells: Vec<usize> = (0..cells.len())
            .filter(|&i| cells.get(i).is_some_and(|c| c.contains('\0')))
            .collect();
        if !nul_cells.is_empty() {
            // Fewer bytes than before: the row still fits.
            if let Ok(clean) = Cells::new(cells.iter().map(|c| c.replace('\0', ""))) {
                cells = clean;
            }
            problems.push(format!(
                "NUL character(s) removed from column(s) {}",
                nul_cells
                    .iter()
                    .map(|&i| {
                        let h = header.cells.get(i).unwrap_or("");
                        format!("{} `{}`", i + 1, crate::text::excerpt(h, 40))
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if cells.len() > width {
            let extra: Vec<&str> = cells.iter().skip(width).filter(|c| !c.is_empty()).collect();
            if !extra.is_empty() {
                problems.push(format!(
                    "the row has {} cells but the header has {width}; cells past the last column \
                     belong to no question: {}",
                    cells.len(),
                    extra
                        .iter()
                        .map(|c| format!("`{}`", crate::text::excerpt(c, 40)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        } else if cells.len() < width && self.ragged {
            cells = cells.padded(width);
        } else if cells.len() < width {
            problems.push(format!(
                "the row has only {} of the header's {width} cells; the missing ones are read as empty",
                cells.len()
            ));
            cells = cells.padded(width);
        }
        let get = |c: Option<usize>| {
            c.and_then(|i| cells.get(i))
                .map(|c| c.trim().to_string())
                .unwrap_or_default()
        };
        let mut id = get(id_col);
        if id_col.is_none() {
            id = (self.count + 1).to_string();
        } else if id.is_empty() {
            problems.push("the ID cell is empty".into());
        }
        let completed_text = get(done_col);
        let order = match self.date_order {
            Some(order) => order,
            None => {
                self.dates.add(&completed_text);
                DateOrder::MonthFirst
            }
        };
        let completed = read_time(&completed_text, order);
        // Undecided, an unreadable date is reported once the column has decided its order.
        if completed.is_none() && !completed_text.is_empty() && self.date_order.is_some() {
            problems.push(not_a_date(&completed_text));
        }
        self.count += 1;
        let mut s = Submission {
            source: 0,
            line: row.line,
            id,
            email: get(email_col),
            name: get(name_col),
            completed_text,
            completed,
            cells: Cells::default(),
            problems,
        };
        s.cells = match &self.keep {
            Some((keep, whole)) if !whole(&s) => {
                let kept = cells.iter().enumerate().map(|(i, c)| {
                    if keep.get(i).copied().unwrap_or(false) {
                        c
                    } else {
                        ""
                    }
                });
                // Fewer bytes than the row: it still fits.
                Cells::new(kept).unwrap_or(cells)
            }
            _ => cells,
        };
        Some(s)
    }

    /// Read every remaining row into an [`Export`].
    pub fn into_export(mut self) -> Result<Export, IngestError> {
        let mut submissions = Vec::with_capacity(self.rows.size_hint().0);
        while let Some(s) = self.next_submission() {
            submissions.push(s?);
        }
        let mut export = self.header();
        export.notes = self.notes();
        if self.date_order.is_none() {
            let order = self.dates.decide();
            for s in &mut submissions {
                if order != DateOrder::MonthFirst {
                    s.completed = read_time(&s.completed_text, order);
                }
                if s.completed.is_none() && !s.completed_text.is_empty() {
                    s.problems.push(not_a_date(&s.completed_text));
                }
            }
            if order == DateOrder::DayFirst {
                export.notes.push(format!(
                    "completion times read day first (`{}` can only be a day): the file was \
                     re-saved by Excel in a European locale",
                    self.dates.example.as_deref().unwrap_or("")
                ));
            }
        }
        export.submissions = submissions;
        Ok(export)
    }

    /// The file's notes: lines above the header, repeated headers, blank lines (complete once
    /// every row is read).
    pub fn notes(&self) -> Vec<String> {
        let mut notes = self.notes.clone();
        if !self.repeated_headers.is_empty() {
            notes.push(format!(
                "{} repeated header row(s) skipped (exports pasted together?): line(s) {}",
                self.repeated_headers.len(),
                self.repeated_headers
                    .iter()
                    .map(|(l, same)| {
                        if *same {
                            l.to_string()
                        } else {
                            format!("{l} (differs from the first header: rows below it may come from another form)")
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !self.blank_lines.is_empty() {
            notes.push(format!(
                "{} blank line(s) skipped (no cell filled): {}",
                self.blank_lines.len(),
                self.blank_lines
                    .iter()
                    .map(|l| l.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        notes
    }
}

fn not_a_date(text: &str) -> String {
    format!(
        "the completion time `{}` is not a date; duplicates are ordered by row position",
        crate::text::excerpt(text, 40)
    )
}

/// A time cell: text in any known shape, or an Excel serial that was not formatted as a date.
fn read_time(text: &str, order: DateOrder) -> Option<Timestamp> {
    Timestamp::parse_ordered(text, order).or_else(|| {
        text.parse::<f64>()
            .ok()
            .filter(|v| *v > 1000.0)
            .and_then(Timestamp::from_excel_serial)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_rows_are_kept_with_their_problem() {
        let csv = "ID,Start time,Completion time,Email,Name,Q\n\
                   1,2/9/22 10:00:00,2/9/22 10:30:00,a@x.it,A,yes\n\
                   2,2/9/22 10:00:00,not a date,b@x.it,B\n\
                   ,,,,,\n\
                   3,2/9/22 10:00:00,2/9/22 10:31:00,c@x.it,C,no,stray\n";
        let e = read_export("t.csv", csv.as_bytes()).unwrap();
        assert_eq!(e.submissions.len(), 3);
        assert_eq!(e.submissions[0].problems, Vec::<String>::new());
        assert_eq!(e.submissions[1].cell(5), "");
        assert_eq!(e.submissions[1].problems.len(), 2);
        assert!(e.submissions[2].problems[0].contains("`stray`"));
        assert_eq!(e.submissions[2].line, 5);
        assert_eq!(e.notes, vec!["1 blank line(s) skipped (no cell filled): 4"]);
    }

    #[test]
    fn a_csv_that_is_not_an_export_is_one_clear_error() {
        let err = read_export("list.csv", b"apples,pears\n1,2\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "list.csv: not a Microsoft Forms or Google Forms export: its header row (line 1) \
             starts `apples`, `pears` and has none of the columns an export starts with (ID, \
             Start time, Completion time, Email, Name; Google Forms: Timestamp)"
        );
    }

    #[test]
    fn a_title_line_above_the_header_is_skipped_and_reported() {
        let csv = "Quiz results\n\nID,Email,Q\n1,a@b.c,x\n";
        let e = read_export("t.csv", csv.as_bytes()).unwrap();
        assert_eq!(e.header_line, 3);
        assert_eq!(e.submissions.len(), 1);
        assert_eq!(
            e.notes,
            vec!["line(s) 1 above the header row (line 3) are not responses and were skipped"]
        );
    }

    #[test]
    fn european_dates_are_read_day_first_for_the_whole_column() {
        // Excel re-saved the export in Italy: `12/02/2022` is 12 February, as the later
        // `13/02/2022` proves; no row is a problem and "latest" is the real latest.
        let csv = "ID,Start time,Completion time,Email,Name,Q\n\
                   1,12/02/2022 09:00,12/02/2022 09:30,a@x.it,A,yes\n\
                   2,03/02/2022 09:00,03/02/2022 09:40,a@x.it,A,no\n\
                   3,13/02/2022 09:00,13/02/2022 09:10,b@x.it,B,no\n";
        let e = read_export("t.csv", csv.as_bytes()).unwrap();
        assert_eq!(e.date_order, DateOrder::DayFirst);
        assert!(e.submissions.iter().all(|s| s.problems.is_empty()));
        assert_eq!(
            e.submissions[0].completed.map(|t| t.to_string()).as_deref(),
            Some("2022-02-12T09:30:00")
        );
        assert_eq!(
            e.submissions[1].completed.map(|t| t.to_string()).as_deref(),
            Some("2022-02-03T09:40:00")
        );
        assert!(
            e.notes
                .iter()
                .any(|n| n.contains("day first (`13/02/2022`"))
        );
        let r = resolve(&e.submissions, DuplicatePolicy::Latest);
        assert_eq!(r.graded, vec![0, 2]);
        // The same cells with Forms' own month-first dates stay month first.
        let us = "ID,Start time,Completion time,Email,Name,Q\n\
                  1,2/12/22 09:00,2/12/22 09:30,a@x.it,A,yes\n";
        assert_eq!(
            read_export("u.csv", us.as_bytes()).unwrap().date_order,
            DateOrder::MonthFirst
        );
    }

    #[test]
    fn google_forms_csv_is_recognised() {
        let csv = "Timestamp,Email Address,Score,Pick\n8/4/2025 23:25:41,a@b.c,1 / 2,\"x, y\"\n";
        let e = read_export("g.csv", csv.as_bytes()).unwrap();
        assert_eq!(e.flavor, Flavor::GoogleForms);
        assert_eq!(e.submissions[0].id, "1");
        assert_eq!(e.submissions[0].email, "a@b.c");
        assert!(e.submissions[0].completed.is_some());
    }
}
