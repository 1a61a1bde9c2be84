//! Dates and times as Forms and Excel write them. In .xlsx they are Excel serial numbers
//! (1900 date system) formatted `m/d/yy h:mm:ss`; in CSVs saved by Excel they are that display
//! text (`2/9/22 10:09:38`, m/d/yy even in Europe); other shapes seen in real files are
//! `3/27/2025 18:35`, `2025/11/07 16:42:31`, ISO, and Google's `2026/09/27 3:00:00 PM GMT+3`
//! (FORMAT.md §1.4, §6). Only the order of submissions depends on them.

use serde::Serialize;
use std::fmt;

/// A wall-clock date and time, no zone (Forms writes none). Ordered chronologically.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Timestamp {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

impl fmt::Display for Timestamp {
    /// ISO 8601 without zone: `2022-02-09T10:09:38`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

impl Timestamp {
    /// From an Excel serial date (days since 1899-12-30, fraction = time of day).
    pub fn from_excel_serial(serial: f64) -> Option<Timestamp> {
        if !serial.is_finite() || !(1.0..2_958_466.0).contains(&serial) {
            return None;
        }
        let total_seconds = (serial * 86_400.0).round() as i64;
        let days = total_seconds.div_euclid(86_400);
        let secs = total_seconds.rem_euclid(86_400);
        // 1899-12-30 is 25_569 days before 1970-01-01.
        let (year, month, day) = civil_from_days(days - 25_569);
        Some(Timestamp {
            year: u16::try_from(year).ok()?,
            month,
            day,
            hour: (secs / 3600) as u8,
            minute: (secs / 60 % 60) as u8,
            second: (secs % 60) as u8,
        })
    }

    /// The `m/d/yy h:mm:ss` text Excel displays for Forms' date cells.
    pub fn excel_display(&self) -> String {
        format!(
            "{}/{}/{:02} {}:{:02}:{:02}",
            self.month,
            self.day,
            self.year % 100,
            self.hour,
            self.minute,
            self.second
        )
    }

    /// Parse the date shapes Forms, Excel and Google Forms write, a slashed date read month
    /// first. `None` when it is none of them.
    pub fn parse(text: &str) -> Option<Timestamp> {
        Timestamp::parse_ordered(text, DateOrder::MonthFirst)
    }

    /// [`Timestamp::parse`] with slashed dates (`13/02/2022`) read in `order`: Excel re-saves
    /// Forms' `m/d/yy` as `dd/mm/yyyy` in European locales, so a column decides once
    /// ([`DateOrder::decide`]), never a cell.
    pub fn parse_ordered(text: &str, order: DateOrder) -> Option<Timestamp> {
        let text = text.trim();
        let (date, rest) = text.split_once([' ', 'T']).unwrap_or((text, ""));
        let parts: Vec<&str> = date.split(['/', '-', '.']).collect();
        if parts.len() != 3 {
            return None;
        }
        let nums: Vec<u32> = parts
            .iter()
            .map(|p| {
                if p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit()) {
                    None
                } else {
                    p.parse().ok()
                }
            })
            .collect::<Option<_>>()?;
        let (year, month, day) = if parts[0].len() == 4 {
            (nums[0], nums[1], nums[2])
        } else if date.contains('.') {
            // `09.02.2022` is always day.month.year (German and Italian Excel).
            let year = if parts[2].len() <= 2 {
                2000 + nums[2]
            } else {
                nums[2]
            };
            (year, nums[1], nums[0])
        } else {
            // m/d/yy — Forms' format is locale-independent (FORMAT.md §1.4) — unless the
            // column says otherwise.
            let year = if parts[2].len() <= 2 {
                2000 + nums[2]
            } else {
                nums[2]
            };
            match order {
                DateOrder::MonthFirst => (year, nums[0], nums[1]),
                DateOrder::DayFirst => (year, nums[1], nums[0]),
            }
        };
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) || !(1900..=9999).contains(&year)
        {
            return None;
        }
        let (hour, minute, second) = parse_time(rest)?;
        Some(Timestamp {
            year: year as u16,
            month: month as u8,
            day: day as u8,
            hour,
            minute,
            second,
        })
    }
}

/// How a column's slashed dates read: `2/9/22` is 9 February month first, 2 September day
/// first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DateOrder {
    #[default]
    MonthFirst,
    DayFirst,
}

/// What a column's slashed dates say about their order: a first field above 12 can only be a
/// day, a second field above 12 only a day.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DateEvidence {
    /// Cells whose first field is above 12 (day first).
    pub day_first: usize,
    /// Cells whose second field is above 12 (month first).
    pub month_first: usize,
    /// The first cell that can only be read day first, as written (bounded).
    pub example: Option<String>,
}

impl DateEvidence {
    /// Count what `text` says (nothing unless it is a slashed `a/b/year` date).
    pub fn add(&mut self, text: &str) {
        let date = text.trim().split([' ', 'T']).next().unwrap_or("");
        let mut parts = date.split('/');
        let (Some(a), Some(b), Some(_), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return;
        };
        if a.len() > 2 || b.len() > 2 {
            return;
        }
        let (Ok(a), Ok(b)) = (a.parse::<u8>(), b.parse::<u8>()) else {
            return;
        };
        if a > 12 && b <= 12 {
            self.day_first += 1;
            if self.example.is_none() {
                self.example = Some(crate::text::excerpt(date, 20));
            }
        } else if b > 12 && a <= 12 {
            self.month_first += 1;
        }
    }

    /// The column's order: day first when some cell can only be read that way and none only
    /// the other way; month first (Forms' own) otherwise. A column with both kinds keeps
    /// month first, and its day-first cells are reported as unreadable.
    pub fn decide(&self) -> DateOrder {
        if self.day_first > 0 && self.month_first == 0 {
            DateOrder::DayFirst
        } else {
            DateOrder::MonthFirst
        }
    }
}

fn parse_time(rest: &str) -> Option<(u8, u8, u8)> {
    let mut words = rest.split_whitespace();
    let Some(clock) = words.next() else {
        return Some((0, 0, 0));
    };
    // Drop fractional seconds and a trailing zone (`Z`, `+01:00`).
    let clock = clock.trim_end_matches('Z');
    let clock = clock.split(['+']).next().unwrap_or(clock);
    let fields: Vec<&str> = clock.split(':').collect();
    if !(2..=3).contains(&fields.len()) {
        return None;
    }
    let num = |s: &str| -> Option<u32> {
        let s = s.split('.').next()?;
        if s.is_empty() || s.len() > 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let mut hour = num(fields[0])?;
    let minute = num(fields[1])?;
    let second = match fields.get(2) {
        Some(s) => num(s)?,
        None => 0,
    };
    match words.next().map(|w| w.to_ascii_uppercase()) {
        Some(w) if w == "PM" && hour < 12 => hour += 12,
        Some(w) if w == "AM" && hour == 12 => hour = 0,
        _ => {}
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    Some((hour as u8, minute as u8, second.min(59) as u8))
}

/// Days since 1970-01-01 to (year, month, day) — Howard Hinnant's `civil_from_days`.
fn civil_from_days(z: i64) -> (i64, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(y: u16, mo: u8, d: u8, h: u8, mi: u8, s: u8) -> Timestamp {
        Timestamp {
            year: y,
            month: mo,
            day: d,
            hour: h,
            minute: mi,
            second: s,
        }
    }

    #[test]
    fn a_column_decides_its_date_order_from_all_its_cells() {
        let decide = |cells: &[&str]| {
            let mut e = DateEvidence::default();
            for c in cells {
                e.add(c);
            }
            e.decide()
        };
        // One cell above 12 settles the column, wherever it is.
        assert_eq!(
            decide(&["2/9/22 10:00", "1/3/2022 9:00", "13/02/2022 10:00"]),
            DateOrder::DayFirst
        );
        assert_eq!(
            decide(&["2/9/22 10:00", "2/13/22 10:00"]),
            DateOrder::MonthFirst
        );
        // Nothing settles it: Forms' own order.
        assert_eq!(
            decide(&["2/9/22 10:00", "2022-02-13"]),
            DateOrder::MonthFirst
        );
        // Contradicting cells: Forms' order, and the day-first cells do not read.
        assert_eq!(
            decide(&["13/2/22 1:00", "2/13/22 1:00"]),
            DateOrder::MonthFirst
        );
    }

    #[test]
    fn excel_serial_from_the_skoofer_sample() {
        // 43973.7487 is 2020-05-22 17:58:08 in the skoofer export (SOURCES.md).
        let t = Timestamp::from_excel_serial(43973.7487).unwrap();
        assert_eq!(t, ts(2020, 5, 22, 17, 58, 8));
        assert_eq!(t.excel_display(), "5/22/20 17:58:08");
    }

    #[test]
    fn parses_the_shapes_seen_in_real_exports() {
        assert_eq!(
            Timestamp::parse("2/9/22 10:09:38"),
            Some(ts(2022, 2, 9, 10, 9, 38))
        );
        assert_eq!(
            Timestamp::parse("3/27/2025 18:35"),
            Some(ts(2025, 3, 27, 18, 35, 0))
        );
        assert_eq!(
            Timestamp::parse("2025/11/07 16:42:31"),
            Some(ts(2025, 11, 7, 16, 42, 31))
        );
        assert_eq!(
            Timestamp::parse("2026/09/27 3:00:00 PM GMT+3"),
            Some(ts(2026, 9, 27, 15, 0, 0))
        );
        assert_eq!(
            Timestamp::parse("2022-02-09T10:09:38.500Z"),
            Some(ts(2022, 2, 9, 10, 9, 38))
        );
        assert_eq!(
            Timestamp::parse("09.02.2022 10:09"),
            Some(ts(2022, 2, 9, 10, 9, 0))
        );
        assert_eq!(Timestamp::parse("yesterday"), None);
        assert_eq!(
            Timestamp::parse_ordered("13/02/2022 10:00", DateOrder::DayFirst),
            Some(ts(2022, 2, 13, 10, 0, 0))
        );
        assert_eq!(
            Timestamp::parse_ordered("2/9/22 10:00", DateOrder::DayFirst),
            Some(ts(2022, 9, 2, 10, 0, 0))
        );
        assert_eq!(Timestamp::parse("13/02/2022 10:00"), None);
        assert_eq!(Timestamp::parse("13/40/22 10:00"), None);
        assert_eq!(Timestamp::parse("2/9/22 25:00"), None);
    }
}
