//! The cells of one row, held compactly: the row's text in one allocation and where each cell
//! ends. A 100,000-row export has three million cells; as one `String` each they cost a third
//! more memory than the file and three million allocations to read and to free.

/// The text cells of one row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cells {
    text: Box<str>,
    /// End of each cell in `text` (cell `i` is `text[ends[i - 1]..ends[i]]`).
    ends: Box<[u32]>,
}

/// A row whose cells together exceed what [`Cells`] can index (4 GiB).
#[derive(Debug)]
pub struct RowTooLong;

impl Cells {
    /// Cells from their texts.
    pub fn new<I>(cells: I) -> Result<Cells, RowTooLong>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let mut text = String::new();
        let mut ends = Vec::new();
        for c in cells {
            text.push_str(c.as_ref());
            ends.push(u32::try_from(text.len()).map_err(|_| RowTooLong)?);
        }
        Ok(Cells {
            text: text.into_boxed_str(),
            ends: ends.into_boxed_slice(),
        })
    }

    /// The cells of a CSV record, copied once.
    pub fn from_record(record: &csv::StringRecord) -> Result<Cells, RowTooLong> {
        let mut ends = Vec::with_capacity(record.len());
        let mut end = 0usize;
        for field in record {
            end += field.len();
            ends.push(u32::try_from(end).map_err(|_| RowTooLong)?);
        }
        Ok(Cells {
            text: record.as_slice().into(),
            ends: ends.into_boxed_slice(),
        })
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Cell `i`, if the row has it.
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = match i {
            0 => 0,
            _ => self.ends[i - 1] as usize,
        };
        self.text.get(start..end)
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + Clone + '_ {
        (0..self.len()).map(|i| self.get(i).unwrap_or(""))
    }

    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_string).collect()
    }

    /// The row with empty cells added up to `width` cells.
    pub fn padded(mut self, width: usize) -> Cells {
        if self.len() < width {
            let end = self.ends.last().copied().unwrap_or(0);
            let mut ends = self.ends.into_vec();
            ends.resize(width, end);
            self.ends = ends.into_boxed_slice();
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_read_back_as_given_and_padding_adds_empty_ones() {
        let c = Cells::new(["ID", "", "Ĳssel – İstanbul", "x"]).unwrap();
        assert_eq!(c.len(), 4);
        assert_eq!(c.to_vec(), ["ID", "", "Ĳssel – İstanbul", "x"]);
        assert_eq!(c.get(4), None);
        let p = c.padded(6);
        assert_eq!(p.to_vec(), ["ID", "", "Ĳssel – İstanbul", "x", "", ""]);
        assert_eq!(Cells::default().padded(2).to_vec(), ["", ""]);
    }

    #[test]
    fn a_csv_record_becomes_the_same_cells() {
        let record = csv::StringRecord::from(vec!["1", "two\r\nlines", "", "é"]);
        let c = Cells::from_record(&record).unwrap();
        assert_eq!(c.to_vec(), ["1", "two\r\nlines", "", "é"]);
    }
}
