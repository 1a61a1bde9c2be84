//! An export file as a grid of text cells, each row with the line (CSV) or row number (xlsx)
//! a person would look for in the file.

use super::IngestError;
use super::cells::Cells;
use super::timestamp::Timestamp;
use calamine::{Data, Reader};
use std::io::Cursor;

/// One row of the file as text cells.
#[derive(Clone, Debug)]
pub struct RawRow {
    /// 1-based line (CSV, where the record starts) or row number (xlsx).
    pub line: usize,
    pub cells: Cells,
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

fn is_workbook(bytes: &[u8]) -> bool {
    is_zip(bytes) || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

pub fn read_table(file: &str, bytes: &[u8]) -> Result<RawTable, IngestError> {
    if is_workbook(bytes) {
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
    let too_long = |r: u32| IngestError::TooLarge {
        file: file.to_string(),
        why: format!("row {} is longer than 4 GiB", u64::from(r) + 1),
    };
    let mut row: Vec<String> = Vec::new();
    for r in first_row..=last_row {
        row.clear();
        while let Some((_, c, text)) = it.next_if(|x| x.0 == r) {
            let c = c as usize;
            if row.len() <= c {
                held = held.saturating_add(c + 1 - row.len());
                if held > MAX_CELLS {
                    return Err(IngestError::TooLarge {
                        file: file.to_string(),
                        why: format!(
                            "its rows would hold more than {MAX_CELLS} cells (filled cells far \
                             to the right)"
                        ),
                    });
                }
                row.resize(c + 1, String::new());
            }
            row[c] = text;
        }
        rows.push(RawRow {
            line: r as usize + 1,
            cells: Cells::new(&row).map_err(|_| too_long(r))?,
        });
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
            let cells =
                std::iter::repeat_n(String::new(), first_col).chain(row.iter().map(cell_text));
            Ok(RawRow {
                line: first_row + i + 1,
                // An .xls sheet is at most 65,536 × 256 cells of 32,767 characters.
                cells: Cells::new(cells).map_err(|_| IngestError::TooLarge {
                    file: file.to_string(),
                    why: format!("row {} is longer than 4 GiB", first_row + i + 1),
                })?,
            })
        })
        .collect::<Result<_, IngestError>>()?;
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
#[derive(Default)]
struct Nuls {
    /// Bytes of text seen, NULs among them, whether a line break was seen yet.
    len: u64,
    nuls: u64,
    past_head: bool,
    in_head: bool,
}

impl Nuls {
    fn feed(&mut self, text: &[u8]) {
        self.len += text.len() as u64;
        if !self.past_head {
            let head = text.iter().position(|&b| b == b'\n').unwrap_or(text.len());
            self.in_head |= text[..head].contains(&0);
            self.past_head = head < text.len();
        }
        self.nuls += text.iter().filter(|&&b| b == 0).count() as u64;
    }

    fn binary(&self) -> bool {
        self.in_head || (self.nuls > 0 && self.nuls.saturating_mul(64) > self.len)
    }
}

/// Where a CSV's bytes come from. It is read twice (the first pass decides the encoding and
/// whether the file is text at all), so it is opened afresh for each pass.
pub type Open<'a> = &'a dyn Fn() -> std::io::Result<Box<dyn Read + 'a>>;

use std::io::Read;

const CHUNK: usize = 1 << 20;

/// How a CSV's bytes are to be read as text (decided by a first read of the whole file; a
/// reader of the same file again may give it back to skip that read).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encoding {
    name: &'static str,
    /// BOM bytes to skip.
    bom: usize,
    /// Transcode with this encoding; `None`: the bytes are valid UTF-8 and are read as they are.
    transcode: Option<&'static encoding_rs::Encoding>,
}

/// The first pass: the BOM decides; without one, valid UTF-8 is UTF-8 and anything else is
/// Windows-1252 (see [`decode`], which does the same for bytes in memory). Also counts NULs.
fn sniff(open: Open) -> std::io::Result<(Encoding, Nuls)> {
    use encoding_rs::{UTF_8, WINDOWS_1252};
    let mut reader = open()?;
    let mut buf = vec![0u8; CHUNK];
    // At least the BOM's length, or the whole file when shorter.
    let mut have = 0;
    while have < 3 {
        let n = reader.read(&mut buf[have..])?;
        if n == 0 {
            break;
        }
        have += n;
    }
    let bom = encoding_rs::Encoding::for_bom(&buf[..have]);
    let skip = bom.map_or(0, |(_, len)| len);
    let mut nuls = Nuls::default();
    let mut valid = true;
    // Bytes of an incomplete UTF-8 sequence at the end of the previous chunk.
    let mut carry = 0usize;
    let mut start = skip;
    let mut end = have;
    loop {
        let chunk = &buf[..end];
        nuls.feed(&chunk[start.max(carry)..]);
        if valid {
            match std::str::from_utf8(&chunk[start..]) {
                Ok(_) => carry = 0,
                Err(e) if e.error_len().is_none() => carry = chunk.len() - start - e.valid_up_to(),
                Err(_) => valid = false,
            }
        }
        // Keep the carried bytes at the front and read on after them.
        let keep = if valid { carry } else { 0 };
        buf.copy_within(end - keep..end, 0);
        let n = reader.read(&mut buf[keep..])?;
        if n == 0 {
            if carry > 0 {
                valid = false;
            }
            break;
        }
        start = 0;
        end = keep + n;
        carry = keep;
    }
    let (encoding, name) = match bom {
        Some((e, _)) if e == UTF_8 => (UTF_8, "UTF-8 with BOM"),
        Some((e, _)) => (e, e.name()),
        None if valid => (UTF_8, "UTF-8"),
        None => (WINDOWS_1252, "windows-1252"),
    };
    let transcode = (!(valid && encoding == UTF_8)).then_some(encoding);
    if transcode.is_some() {
        // NULs are counted on the text, not on the bytes.
        nuls = Nuls::default();
        let mut text = text_reader(open, skip, transcode)?;
        loop {
            let n = text.read(&mut buf)?;
            if n == 0 {
                break;
            }
            nuls.feed(&buf[..n]);
        }
    }
    Ok((
        Encoding {
            name,
            bom: skip,
            transcode,
        },
        nuls,
    ))
}

/// The file as UTF-8 text, streamed.
fn text_reader<'a>(
    open: Open<'a>,
    bom: usize,
    transcode: Option<&'static encoding_rs::Encoding>,
) -> std::io::Result<Box<dyn Read + 'a>> {
    let mut raw = open()?;
    std::io::copy(&mut (&mut raw).take(bom as u64), &mut std::io::sink())?;
    Ok(match transcode {
        None => raw,
        Some(encoding) => Box::new(
            encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(Some(encoding))
                .bom_sniffing(false)
                .build(raw),
        ),
    })
}

/// A reader that remembers where its line breaks were, so that a record's byte position
/// becomes the line a person finds it on (csv's own line counter miscounts CRLF files). Only
/// the runs of `\r`/`\n` bytes not yet passed by a record are held.
struct Lines<R> {
    inner: R,
    pos: u64,
    /// (start, end, line feeds) of each run of `\r`/`\n` bytes.
    runs: std::collections::VecDeque<(u64, u64, u64)>,
    counted: u64,
}

impl<R: Read> Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for i in memchr::memchr2_iter(b'\r', b'\n', &buf[..n]) {
            let at = self.pos + i as u64;
            let lf = u64::from(buf[i] == b'\n');
            match self.runs.back_mut() {
                Some(run) if run.1 == at => {
                    run.1 += 1;
                    run.2 += lf;
                }
                _ => self.runs.push_back((at, at + 1, lf)),
            }
        }
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R> Lines<R> {
    /// The 1-based line of the record that starts at `byte`, past any blank lines there
    /// (positions asked for only grow).
    fn line_at(&mut self, byte: u64) -> usize {
        while let Some(&(start, _, lf)) = self.runs.front() {
            if start > byte {
                break;
            }
            self.counted += lf;
            self.runs.pop_front();
        }
        usize::try_from(self.counted)
            .unwrap_or(usize::MAX)
            .saturating_add(1)
    }
}

/// The most of a file looked at for the header line (its delimiter is decided there).
const MAX_HEADER_BYTES: usize = 64 << 20;

/// A CSV in memory, through the same reader as a file's.
fn read_csv(file: &str, bytes: &[u8]) -> Result<RawTable, IngestError> {
    let open = || -> std::io::Result<Box<dyn Read + '_>> { Ok(Box::new(bytes)) };
    let rows = csv_rows(file, &open, None)?;
    let format = rows.format.clone();
    Ok(RawTable {
        format,
        rows: rows.collect::<Result<_, _>>()?,
        ragged: false,
    })
}

/// A CSV's text as csv reads it: the header read ahead, then the rest of the file.
type TextStream<'a> = std::io::Chain<std::io::Cursor<Vec<u8>>, Box<dyn Read + 'a>>;

/// The rows of a CSV, read one at a time.
pub struct CsvRows<'a> {
    file: String,
    pub format: FileFormat,
    pub encoding: Encoding,
    reader: csv::Reader<Lines<TextStream<'a>>>,
    record: csv::StringRecord,
    line_offset: usize,
    done: bool,
}

fn csv_rows<'a>(
    file: &str,
    open: Open<'a>,
    known: Option<&Encoding>,
) -> Result<CsvRows<'a>, IngestError> {
    let io_error = |e| io_error(file, e);
    let encoding = match known {
        Some(e) => e.clone(),
        None => {
            let (encoding, nuls) = sniff(open).map_err(io_error)?;
            if nuls.binary() {
                return Err(IngestError::NotAnExport {
                    file: file.to_string(),
                    why: "it is a binary file, neither an Excel workbook nor CSV text".into(),
                });
            }
            encoding
        }
    };
    let mut text = text_reader(open, encoding.bom, encoding.transcode).map_err(io_error)?;
    // The header line (and a `sep=` line above it), read ahead to decide the delimiter.
    let mut prefix = Vec::new();
    let mut chunk = vec![0u8; 64 << 10];
    let mut eof = false;
    let mut fill = |prefix: &mut Vec<u8>, eof: &mut bool| -> Result<(), IngestError> {
        let n = text.read(&mut chunk).map_err(io_error)?;
        *eof = n == 0;
        prefix.extend_from_slice(&chunk[..n]);
        Ok(())
    };
    while prefix.len() < 16 && !eof {
        fill(&mut prefix, &mut eof)?;
    }
    // Excel honours a first line `sep=;` and some exports carry it.
    let mut line_offset = 0;
    let mut forced = None;
    let mut body = 0;
    if prefix.starts_with(b"sep=") || prefix.starts_with(b"SEP=") {
        let rest = String::from_utf8_lossy(&prefix[4..prefix.len().min(8)]).into_owned();
        if let Some(c) = rest
            .chars()
            .next()
            .filter(|&c| c != char::REPLACEMENT_CHARACTER)
        {
            forced = Some(c);
            body = 4 + c.len_utf8();
            if prefix[body..].starts_with(b"\r\n") {
                body += 2;
            } else if prefix[body..].starts_with(b"\n") {
                body += 1;
            }
            line_offset = 1;
        }
    }
    let delimiter = match forced {
        Some(c) => c,
        None => {
            let mut scan = HeaderScan::default();
            let mut at = body;
            while !scan.feed(&prefix[at..]) && !eof && prefix.len() < MAX_HEADER_BYTES {
                at = prefix.len();
                fill(&mut prefix, &mut eof)?;
            }
            scan.delimiter()
        }
    };
    // csv reads from the header on: the `sep=` line is not part of the table.
    prefix.drain(..body);
    let stream = Lines {
        inner: std::io::Cursor::new(prefix).chain(text),
        pos: 0,
        runs: Default::default(),
        counted: 0,
    };
    let reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter as u8)
        .from_reader(stream);
    Ok(CsvRows {
        file: file.to_string(),
        format: FileFormat::Csv {
            encoding: encoding.name,
            delimiter,
        },
        encoding,
        reader,
        record: csv::StringRecord::new(),
        line_offset,
        done: false,
    })
}

impl Iterator for CsvRows<'_> {
    type Item = Result<RawRow, IngestError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let line_offset = self.line_offset;
        match self.reader.read_record(&mut self.record) {
            Ok(true) => {}
            Ok(false) => {
                self.done = true;
                return None;
            }
            Err(e) => {
                self.done = true;
                let line = e
                    .position()
                    .map(|p| self.reader.get_mut().line_at(p.byte()) + line_offset);
                return Some(Err(IngestError::Csv {
                    file: self.file.clone(),
                    line,
                    why: e.to_string(),
                }));
            }
        }
        let line = self
            .record
            .position()
            .map(|p| self.reader.get_mut().line_at(p.byte()) + line_offset)
            .unwrap_or(0);
        Some(match Cells::from_record(&self.record) {
            Ok(cells) => Ok(RawRow { line, cells }),
            Err(_) => {
                self.done = true;
                Err(IngestError::TooLarge {
                    file: self.file.clone(),
                    why: format!("the row at line {line} is longer than 4 GiB"),
                })
            }
        })
    }
}

/// A file that could not be read, as the error of its export.
fn io_error(file: &str, e: std::io::Error) -> IngestError {
    IngestError::Csv {
        file: file.to_string(),
        line: None,
        why: format!("cannot read the file: {e}"),
    }
}

/// The rows of a table, one at a time: a CSV streamed, a workbook (read whole: it is
/// compressed and small) from memory.
pub struct Rows<'a> {
    pub format: FileFormat,
    pub ragged: bool,
    /// How a CSV's text was read (`None`: a workbook).
    pub encoding: Option<Encoding>,
    inner: RowsInner<'a>,
}

enum RowsInner<'a> {
    Csv(Box<CsvRows<'a>>),
    Held(std::vec::IntoIter<RawRow>),
}

impl Iterator for Rows<'_> {
    type Item = Result<RawRow, IngestError>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            RowsInner::Csv(rows) => rows.next(),
            RowsInner::Held(rows) => rows.next().map(Ok),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.inner {
            RowsInner::Csv(_) => (0, None),
            RowsInner::Held(rows) => rows.size_hint(),
        }
    }
}

/// Open a table from `open` for reading a row at a time. `known`: the encoding an earlier
/// read of the same CSV decided (its first pass over the file is then skipped).
pub fn open_rows<'a>(
    file: &str,
    open: Open<'a>,
    known: Option<&Encoding>,
) -> Result<Rows<'a>, IngestError> {
    let io_error = |e| io_error(file, e);
    let mut head = Vec::with_capacity(4);
    open()
        .and_then(|r| r.take(4).read_to_end(&mut head))
        .map_err(io_error)?;
    if is_workbook(&head) {
        let mut bytes = Vec::new();
        open()
            .and_then(|mut r| r.read_to_end(&mut bytes))
            .map_err(io_error)?;
        let table = read_workbook(file, &bytes)?;
        Ok(Rows {
            format: table.format,
            ragged: table.ragged,
            encoding: None,
            inner: RowsInner::Held(table.rows.into_iter()),
        })
    } else {
        let rows = csv_rows(file, open, known)?;
        Ok(Rows {
            format: rows.format.clone(),
            ragged: false,
            encoding: Some(rows.encoding.clone()),
            inner: RowsInner::Csv(Box::new(rows)),
        })
    }
}

/// Counting the delimiters of the header record as its bytes arrive; see [`detect_delimiter`].
#[derive(Default)]
struct HeaderScan {
    counts: [usize; 3],
    in_quotes: bool,
}

impl HeaderScan {
    /// Feed more bytes; true once the header record has ended.
    fn feed(&mut self, bytes: &[u8]) -> bool {
        for &b in bytes {
            match b {
                b'"' => self.in_quotes = !self.in_quotes,
                b'\n' | b'\r' if !self.in_quotes => return true,
                b'\t' if !self.in_quotes => self.counts[0] += 1,
                b';' if !self.in_quotes => self.counts[1] += 1,
                b',' if !self.in_quotes => self.counts[2] += 1,
                _ => {}
            }
        }
        false
    }

    fn delimiter(&self) -> char {
        let candidates = ['\t', ';', ','];
        let best = (0..3).max_by_key(|&i| (self.counts[i], 3 - i)).unwrap_or(2);
        if self.counts[best] == 0 {
            ','
        } else {
            candidates[best]
        }
    }
}

/// The delimiter is whichever of tab, `;` and `,` occurs most in the header record, counted
/// outside quotes (a header's question titles are full of commas inside quotes).
pub fn detect_delimiter(text: &str) -> char {
    let mut scan = HeaderScan::default();
    scan.feed(text.as_bytes());
    scan.delimiter()
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
        assert_eq!(t.rows[1].cells.get(1), Some("two\r\nlines"));
        assert_eq!(t.rows[2].line, 4);
    }

    #[test]
    fn sep_line_forces_the_delimiter() {
        let t = read_csv("x.csv", b"sep=;\nID;Q,R\n1;a,b\n").unwrap();
        assert_eq!(t.rows[0].cells.to_vec(), ["ID", "Q,R"]);
        assert_eq!(t.rows[1].line, 3);
    }

    /// Lines as the whole-text reader counted them: line breaks before the record's first byte
    /// past any blank lines.
    fn lines_in_memory(text: &str, delimiter: u8) -> Vec<(usize, Vec<String>)> {
        let newlines: Vec<usize> = text.match_indices('\n').map(|(i, _)| i).collect();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(text.as_bytes());
        reader
            .records()
            .map(|r| {
                let r = r.unwrap();
                let mut b = r.position().unwrap().byte() as usize;
                while matches!(text.as_bytes().get(b), Some(b'\r' | b'\n')) {
                    b += 1;
                }
                let line = newlines.partition_point(|&n| n < b) + 1;
                (line, r.iter().map(str::to_string).collect())
            })
            .collect()
    }

    fn rows_of(t: &RawTable) -> Vec<(usize, Vec<String>)> {
        t.rows.iter().map(|r| (r.line, r.cells.to_vec())).collect()
    }

    #[test]
    fn streamed_lines_are_the_lines_of_the_whole_text_past_every_buffer_boundary() {
        // Records spanning csv's and the sniffer's buffers, CRLF and LF, blank lines, quoted
        // breaks.
        let mut text = String::from("ID,Q\r\n");
        for i in 0..40_000 {
            match i % 5 {
                0 => text.push_str(&format!("{i},\"a\r\nb\r\n\r\nc\"\r\n")),
                1 => text.push_str(&format!("\r\n\r\n{i},plain\n")),
                2 => text.push_str(&format!("{i},\"{}\"\r\n", "x".repeat(i % 97))),
                3 => text.push_str(&format!("{i},\"\n\n\"\n\n")),
                _ => text.push_str(&format!("{i},é\r\n")),
            }
        }
        let t = read_csv("big.csv", text.as_bytes()).unwrap();
        assert_eq!(rows_of(&t), lines_in_memory(&text, b','));
        assert_eq!(t.rows.last().unwrap().line, text.matches('\n').count());
    }

    #[test]
    fn utf8_split_by_the_sniffers_chunks_is_still_utf8_and_a_late_bad_byte_is_windows_1252() {
        // `é` (two bytes) straddles the first 1 MiB chunk.
        let mut bytes = b"ID,Q\n1,".to_vec();
        bytes.resize(CHUNK - 1, b'a');
        bytes.extend_from_slice("é\n".as_bytes());
        let t = read_csv("u.csv", &bytes).unwrap();
        assert_eq!(
            t.format,
            FileFormat::Csv {
                encoding: "UTF-8",
                delimiter: ','
            }
        );
        assert!(t.rows[1].cells.get(1).unwrap().ends_with("aé"));
        // One byte that is no UTF-8, far into the file: all of it is Windows-1252, as when read
        // whole.
        let mut bad = bytes.clone();
        bad.extend_from_slice(b"2,Ren\xE9e\n");
        let t = read_csv("w.csv", &bad).unwrap();
        assert_eq!(
            t.format,
            FileFormat::Csv {
                encoding: "windows-1252",
                delimiter: ','
            }
        );
        assert!(t.rows[1].cells.get(1).unwrap().ends_with("aÃ©"));
        assert_eq!(t.rows[2].cells.get(1), Some("Renée"));
        // A sequence cut off by the end of the file is no UTF-8 either.
        let t = read_csv("cut.csv", b"ID,Q\n1,\xC3").unwrap();
        assert_eq!(t.rows[1].cells.get(1), Some("Ã"));
    }

    #[test]
    fn utf16_is_streamed_through_the_decoder_with_its_lines() {
        let text = "sep=\t\r\nID\tQ\r\n1\t\"Nàme\r\nzwei\"\r\n\r\n2\tİ\r\n";
        let mut bytes = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let t = read_csv("u16.csv", &bytes).unwrap();
        assert_eq!(
            t.format,
            FileFormat::Csv {
                encoding: "UTF-16LE",
                delimiter: '\t'
            }
        );
        assert_eq!(
            rows_of(&t),
            [
                (2, vec!["ID".to_string(), "Q".into()]),
                (3, vec!["1".into(), "Nàme\r\nzwei".into()]),
                (6, vec!["2".into(), "İ".into()]),
            ]
        );
    }

    #[test]
    fn every_fixture_export_reads_the_same_streamed_from_a_file() {
        let mut seen = 0;
        for dir in ["fixtures", "../shared/formats/msforms"] {
            let Ok(walk) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut stack: Vec<std::path::PathBuf> = walk.flatten().map(|e| e.path()).collect();
            while let Some(path) = stack.pop() {
                if path.is_dir() {
                    stack.extend(
                        std::fs::read_dir(&path)
                            .unwrap()
                            .flatten()
                            .map(|e| e.path()),
                    );
                    continue;
                }
                if !path
                    .extension()
                    .is_some_and(|e| e == "csv" || e == "tsv" || e == "txt")
                {
                    continue;
                }
                let bytes = std::fs::read(&path).unwrap();
                let open = || -> std::io::Result<Box<dyn Read>> {
                    Ok(Box::new(std::fs::File::open(&path)?))
                };
                let name = path.display().to_string();
                let streamed = open_rows(&name, &open, None).and_then(|rows| {
                    let (format, ragged) = (rows.format.clone(), rows.ragged);
                    Ok(RawTable {
                        format,
                        rows: rows.collect::<Result<_, _>>()?,
                        ragged,
                    })
                });
                match (read_table(&name, &bytes), streamed) {
                    (Ok(a), Ok(b)) => {
                        assert_eq!(a.format, b.format, "{name}");
                        assert_eq!(rows_of(&a), rows_of(&b), "{name}");
                        // As the whole file decoded in memory reads.
                        let whole = crate::ingest::decode::decode(&bytes);
                        let FileFormat::Csv {
                            encoding,
                            delimiter,
                        } = a.format
                        else {
                            panic!("{name}: not CSV")
                        };
                        assert_eq!(encoding, whole.encoding, "{name}");
                        if !whole.text.starts_with("sep=") {
                            assert_eq!(
                                rows_of(&a),
                                lines_in_memory(&whole.text, delimiter as u8),
                                "{name}"
                            );
                        }
                        seen += 1;
                    }
                    (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{name}"),
                    (a, b) => panic!("{name}: {:?} vs {:?}", a.is_ok(), b.is_ok()),
                }
            }
        }
        assert!(seen >= 10, "only {seen} CSV fixtures found");
    }

    #[test]
    fn binary_garbage_is_not_an_export() {
        let err = read_table("g.bin", b"\x00\x01\x02garbage").err().unwrap();
        assert!(err.to_string().contains("g.bin"), "{err}");
    }
}
