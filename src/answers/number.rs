//! A numeric answer as typed: `12`, `12.5`, `12,5` (decimal comma, as Italian and German
//! students write), `1 234`, `−3`, `1e-3`. The value is exact (see `points`).

use crate::points::Points;

/// A number read from a cell.
#[derive(Clone, Debug, PartialEq)]
pub struct NumberAnswer {
    pub value: Points,
    /// Set when the text could be read two ways (`1,234`: 1.234 or 1234); we read the comma
    /// as a decimal separator and a human should confirm.
    pub ambiguous: bool,
}

/// Why a cell is not a number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotANumber;

/// Longest text accepted as a number; anything longer is not one.
const MAX_LEN: usize = 40;

pub fn parse(cell: &str) -> Result<NumberAnswer, NotANumber> {
    let t: String = cell
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{00A0}' | '\u{202F}' | '\''))
        .collect();
    if t.is_empty() || t.len() > MAX_LEN {
        return Err(NotANumber);
    }
    let commas = t.matches(',').count();
    let dots = t.matches('.').count();
    let (text, ambiguous) = match (commas, dots) {
        (0, _) => (t.clone(), false),
        // `1.234,5`: dots group thousands, the comma is the decimal separator.
        (1, _) if t.rfind(',') > t.rfind('.') => {
            let after = t.len() - t.rfind(',').unwrap_or(0) - 1;
            (
                t.replace('.', "").replace(',', "."),
                dots == 0 && after == 3,
            )
        }
        // `1,234.5` or `1,234,567`: commas group thousands.
        _ => (t.replace(',', ""), false),
    };
    let value = Points::parse(&text).ok_or(NotANumber)?;
    Ok(NumberAnswer { value, ambiguous })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Points {
        parse(s).unwrap().value
    }

    #[test]
    fn reads_decimal_points_commas_and_grouping() {
        assert_eq!(v("12.5"), Points::parse("25/2").unwrap());
        assert_eq!(v("12,5"), Points::parse("25/2").unwrap());
        assert_eq!(v("1 234"), Points::int(1234));
        assert_eq!(v("1.234,5"), Points::parse("2469/2").unwrap());
        assert_eq!(v("1,234.5"), Points::parse("2469/2").unwrap());
        assert_eq!(v("\u{2212}3"), Points::int(-3));
        assert!(parse("1,234").unwrap().ambiguous);
        assert!(!parse("1,5").unwrap().ambiguous);
    }

    #[test]
    fn text_is_not_a_number() {
        assert_eq!(parse("twelve"), Err(NotANumber));
        assert_eq!(parse(""), Err(NotANumber));
        assert_eq!(parse(&"9".repeat(100)), Err(NotANumber));
    }
}
