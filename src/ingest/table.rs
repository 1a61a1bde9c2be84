//! An export file as a grid of text cells, each row with the line (CSV) or row number (xlsx)
//! a person would look for in the file.

use super::IngestError;
use super::decode::decode;
use super::timestamp::Timestamp;
use calamine::{Data, Reader};
use std::io::Cursor;

/// One row of the file as text cells.
#[derive(Clone, Debug)]
pub struct RawRow {
    /// 1-based line (CSV, where the record starts) or row number (xlsx).
    pub line: usize,
    pub cells: Vec<String>,
}

/// How the file was read, said back to the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileFormat {
    Xlsx,
    Csv {
        encoding: &'static str,
        delimiter: char,
    },
}

impl std::fmt::Display for FileFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileFormat::Xlsx => f.write_str("xlsx"),
            FileFormat::Csv {
                encoding,
                delimiter,
            } => {
                let d = match delimiter {
                    '\t' => "tab".to_string(),
                    c => format!("'{c}'"),
                };
                write!(f, "csv, {encoding}, delimiter {d}")
            }
        }
    }
}

pub struct RawTable {
    pub format: FileFormat,
    pub rows: Vec<RawRow>,
    /// Rows end at their last filled cell (a workbook stores no empty trailing cells), so a
    /// row shorter than the header is no problem of the row.
    pub ragged: bool,
}

/// ZIP local-file signature: every .xlsx starts with it.
fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

pub fn read_table(file: &str, bytes: &[u8]) -> Result<RawTable, IngestError> {
    if is_zip(bytes) || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        read_workbook(file, bytes)
    } else {
        read_csv(file, bytes)
    }
}

/// Excel's own limits: no real workbook has a cell past them.
pub const MAX_ROWS: u32 = 1_048_576;
pub const MAX_COLUMNS: u32 = 16_384;
/// Most bytes the parts of an .xlsx may inflate to (a real 100,000-respondent export inflates
/// to a few hundred MB; a zip bomb to many GB).
pub const MAX_INFLATED_BYTES: u64 = 2 << 30;
/// Most cells held for one sheet (each row up to its last filled cell).
pub const MAX_CELLS: usize = 64 << 20;

fn read_workbook(file: &str, bytes: &[u8]) -> Result<RawTable, IngestError> {
    let not_a_workbook = |why: String| IngestError::NotAnExport {
        file: file.to_string(),
        why,
    };
    // calamine may fail on hostile files in ways of its own; whatever it does, one file's
    // failure is this file's error, not the end of the program.
    let read = std::panic::catch_unwind(|| {
        if is_zip(bytes) {
            read_xlsx(file, bytes)
        } else {
            read_xls(file, bytes)
        }
    });
    match read {
        Ok(result) => result,
        Err(_) => Err(not_a_workbook(
            "it is not a readable Excel workbook (the workbook reader failed on it)".into(),
        )),
    }
}

/// Inflate every part once, counting, before calamine reads any: a zip bomb is refused after
/// [`MAX_INFLATED_BYTES`] instead of being inflated whole (the sizes a zip declares can lie).
fn check_inflated_size(file: &str, bytes: &[u8]) -> Result<(), IngestError> {
    use std::io::Read;
    let error = |why: String| IngestError::NotAnExport {
        file: file.to_string(),
        why,
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| error(format!("it is not a readable Excel workbook ({e})")))?;
    let mut total: u64 = 0;
    let too_big = || IngestError::TooLarge {
        file: file.to_string(),
        why: format!(
            "its parts inflate to more than {} MiB, far more than any Forms export (a zip \
                 bomb?)",
            MAX_INFLATED_BYTES >> 20
        ),
    };
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| error(format!("it is not a readable Excel workbook ({e})")))?;
        if total.saturating_add(entry.size()) > MAX_INFLATED_BYTES {
            return Err(too_big());
        }
        let left = MAX_INFLATED_BYTES - total;
        let read = std::io::copy(&mut (&mut entry).take(left + 1), &mut std::io::sink())
            .map_err(|e| error(format!("it is not a readable Excel workbook ({e})")))?;
        total = total.saturating_add(read);
        if total > MAX_INFLATED_BYTES {
            return Err(too_big());
        }
    }
    Ok(())
}

/// The first sheet of an .xlsx, cell by cell: nothing is allocated by the farthest cell's
/// position (calamine's `Range` would allocate rows × columns of the bounding box — 550 GB for
/// one cell at XFD1048576), positions past Excel's limits are refused, and the cells held are
/// bounded by [`MAX_CELLS`]. Rows end at their last filled cell; `RawTable::ragged` says so.
fn read_xlsx(file: &str, bytes: &[u8]) -> Result<RawTable, IngestError> {
    let not_a_workbook = |why: String| IngestError::NotAnExport {
        file: file.to_string(),
        why,
    };
    check_inflated_size(file, bytes)?;
    let mut book: calamine::Xlsx<_> = calamine::Xlsx::new(Cursor::new(bytes))
        .map_err(|e| not_a_workbook(format!("it is not a readable Excel workbook ({e})")))?;
    // Forms writes one sheet (`Sheet1`); localized names are unknown, so take the first.
    let name = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| not_a_workbook("the workbook has no worksheet".into()))?;
    let mut reader = book
        .worksheet_cells_reader(&name)
        .map_err(|e| not_a_workbook(format!("its first worksheet cannot be read ({e})")))?;
    let mut cells: Vec<(u32, u32, String)> = Vec::new();
    loop {
        let cell = reader
            .next_cell()
            .map_err(|e| not_a_workbook(format!("its first worksheet cannot be read ({e})")))?;
        let Some(cell) = cell else { break };
        let (row, col) = cell.get_position();
        if row >= MAX_ROWS || col >= MAX_COLUMNS {
            return Err(IngestError::TooLarge {
                file: file.to_string(),
                why: format!(
                    "it has a cell at row {}, column {}, beyond Excel's limits of {MAX_ROWS} rows \
                     and {MAX_COLUMNS} columns",
                    u64::from(row) + 1,
                    u64::from(col) + 1
                ),
            });
        }
        let value: Data = cell.get_value().clone().into();
        let text = cell_text(&value);
        if text.is_empty() {
            continue;
        }
        if cells.len() >= MAX_CELLS {
            return Err(IngestError::TooLarge {
                file: file.to_string(),
                why: format!("its first worksheet has more than {MAX_CELLS} filled cells"),
            });
        }
        cells.push((row, col, text));
    }
    // Excel writes rows in order, but the format does not promise it.
    cells.sort_by_key(|&(r, c, _)| (r, c));
    let Some(first_row) = cells.first().map(|c| c.0) else {
        return Ok(RawTable {
            format: FileFormat::Xlsx,
            rows: Vec::new(),
            ragged: true,
        });
    };
    let last_row = cells.last().map(|c| c.0).unwrap_or(first_row);
    let mut rows: Vec<RawRow> = Vec::new();
    let mut held = 0usize;
    let mut it = cells.into_iter().peekable();
    for r in first_row..=last_row {
        let mut row = RawRow {
            line: r as usize + 1,
            cells: Vec::new(),
        };
        while let Some((_, c, text)) = it.next_if(|x| x.0 == r) {
            let c = c as usize;
            if row.cells.len() <= c {
                held = held.saturating_add(c + 1 - row.cells.len());
                if held > MAX_CELLS {
                    return Err(IngestError::TooLarge {
                        file: file.to_string(),
                        why: format!(
                            "its rows would hold more than {MAX_CELLS} cells (filled cells far \
                             to the right)"
                        ),
                    });
                }
                row.cells.resize(c + 1, String::new());
            }
            row.cells[c] = text;
        }
        rows.push(row);
    }
    Ok(RawTable {
        format: FileFormat::Xlsx,
        rows,
        ragged: true,
    })
}

/// The old binary .xls: its own format bounds a sheet at 65,536 × 256 cells.
fn read_xls(file: &str, bytes: &[u8]) -> Result<RawTable, IngestError> {
    let not_a_workbook = |why: String| IngestError::NotAnExport {
        file: file.to_string(),
        why,
    };
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| not_a_workbook(format!("it is not a readable Excel workbook ({e})")))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| not_a_workbook("the workbook has no worksheet".into()))?
        .map_err(|e| not_a_workbook(format!("its first worksheet cannot be read ({e})")))?;
    let first_row = range.start().map(|(r, _)| r as usize).unwrap_or(0);
    let first_col = range.start().map(|(_, c)| c as usize).unwrap_or(0);
    let rows = range
        .rows()
        .enumerate()
        .map(|(i, row)| {
            let mut cells = vec![String::new(); first_col];
            cells.extend(row.iter().map(cell_text));
            RawRow {
                line: first_row + i + 1,
                cells,
            }
        })
        .collect();
    Ok(RawTable {
        format: FileFormat::Xlsx,
        rows,
        ragged: true,
    })
}

/// A workbook cell as the text Excel would show for it.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) => match Timestamp::from_excel_serial(dt.as_f64()) {
            Some(t) if dt.is_datetime() => t.excel_display(),
            _ => number_text(dt.as_f64()),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("{e}"),
    }
}

fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// Binary, judged by structure rather than by one byte: a NUL in the header line, or NULs
/// making up more than 1/64 of the text (UTF-16 without a BOM, images, PDFs). One NUL a student
/// pasted into an answer leaves the file an export; that row gets a problem instead.
fn looks_binary(text: &str) -> bool {
    let head = text.lines().next().unwrap_or_default();
    if head.contains('\0') {
        return true;
    }
    let nuls = text.bytes().filter(|&b| b == 0).count();
    nuls > 0 && nuls.saturating_mul(64) > text.len()
}

fn read_csv(file: &str, bytes: &[u8]) -> Result<RawTable, IngestError> {
    let decoded = decode(bytes);
    let mut text: &str = &decoded.text;
    if looks_binary(text) {
        return Err(IngestError::NotAnExport {
            file: file.to_string(),
            why: "it is a binary file, neither an Excel workbook nor CSV text".into(),
        });
    }
    // Excel honours a first line `sep=;` and some exports carry it.
    let mut line_offset = 0;
    let mut forced = None;
    if let Some(rest) = text
        .strip_prefix("sep=")
        .or_else(|| text.strip_prefix("SEP="))
    {
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            forced = Some(c);
            let after = chars.as_str();
            text = after
                .strip_prefix("\r\n")
                .or_else(|| after.strip_prefix('\n'))
                .unwrap_or(after);
            line_offset = 1;
        }
    }
    let delimiter = forced.unwrap_or_else(|| detect_delimiter(text));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter as u8)
        .from_reader(text.as_bytes());
    // csv's own line counter miscounts CRLF files; count line breaks before the record instead.
    let newlines: Vec<usize> = text
        .bytes()
        .enumerate()
        .filter(|(_, b)| *b == b'\n')
        .map(|(i, _)| i)
        .collect();
    let line_at = |byte: usize| {
        let mut b = byte;
        while matches!(text.as_bytes().get(b), Some(b'\r' | b'\n')) {
            b += 1;
        }
        newlines.partition_point(|&n| n < b) + 1 + line_offset
    };
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| IngestError::Csv {
            file: file.to_string(),
            line: e.position().map(|p| line_at(p.byte() as usize)),
            why: e.to_string(),
        })?;
        let line = record
            .position()
            .map(|p| line_at(p.byte() as usize))
            .unwrap_or(0);
        rows.push(RawRow {
            line,
            cells: record.iter().map(str::to_string).collect(),
        });
    }
    Ok(RawTable {
        format: FileFormat::Csv {
            encoding: decoded.encoding,
            delimiter,
        },
        rows,
        ragged: false,
    })
}

/// The delimiter is whichever of tab, `;` and `,` occurs most in the header record, counted
/// outside quotes (a header's question titles are full of commas inside quotes).
pub fn detect_delimiter(text: &str) -> char {
    let mut counts = [0usize; 3];
    let mut in_quotes = false;
    for c in text.chars() {
        match c {
            '"' => in_quotes = !in_quotes,
            '\n' | '\r' if !in_quotes => break,
            '\t' if !in_quotes => counts[0] += 1,
            ';' if !in_quotes => counts[1] += 1,
            ',' if !in_quotes => counts[2] += 1,
            _ => {}
        }
    }
    let candidates = ['\t', ';', ','];
    let best = (0..3).max_by_key(|&i| (counts[i], 3 - i)).unwrap_or(2);
    if counts[best] == 0 {
        ','
    } else {
        candidates[best]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiter_is_detected_from_the_header_outside_quotes() {
        assert_eq!(detect_delimiter("ID;Name;\"a, b, c\"\n1,2,3,4"), ';');
        assert_eq!(detect_delimiter("ID,Name,\"a; b; c; d\"\n"), ',');
        assert_eq!(detect_delimiter("ID\tName\t\"x,y\"\r\n"), '\t');
        assert_eq!(detect_delimiter("just one column"), ',');
    }

    #[test]
    fn csv_rows_keep_quoted_line_breaks_and_their_line_numbers() {
        let t = read_csv("x.csv", b"ID,Q\r\n1,\"two\r\nlines\"\r\n2,x\r\n").unwrap();
        assert_eq!(t.rows.len(), 3);
        assert_eq!(t.rows[1].cells[1], "two\r\nlines");
        assert_eq!(t.rows[2].line, 4);
    }

    #[test]
    fn sep_line_forces_the_delimiter() {
        let t = read_csv("x.csv", b"sep=;\nID;Q,R\n1;a,b\n").unwrap();
        assert_eq!(t.rows[0].cells, vec!["ID", "Q,R"]);
        assert_eq!(t.rows[1].line, 3);
    }

    #[test]
    fn binary_garbage_is_not_an_export() {
        let err = read_table("g.bin", b"\x00\x01\x02garbage").err().unwrap();
        assert!(err.to_string().contains("g.bin"), "{err}");
    }
}
