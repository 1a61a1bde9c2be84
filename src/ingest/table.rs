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

fn read_workbook(file: &str, bytes: &[u8]) -> Result<RawTable, IngestError> {
    let not_a_workbook = |why: String| IngestError::NotAnExport {
        file: file.to_string(),
        why,
    };
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e| not_a_workbook(format!("it is not a readable Excel workbook ({e})")))?;
    // Forms writes one sheet (`Sheet1`); localized names are unknown, so take the first.
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
    let mut text = decoded.text.as_str();
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
