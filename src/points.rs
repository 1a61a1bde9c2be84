//! Exact points. Scores are fractions of a question's points (5/6 of 3 points is 5/2), so they
//! are kept as rationals and only rounded when printed: 3 × 5/6 is 2.5, never 2.4999.

use num_rational::Ratio;
use num_traits::{CheckedAdd, CheckedDiv, CheckedMul, CheckedSub, Signed, Zero};
use serde::{Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;

/// An exact rational number of points (or a fraction of a question's points).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Points(Ratio<i128>);

/// Digits accepted in a decimal written in a rubric or typed by a student; beyond this the
/// value is refused rather than risk an overflow.
const MAX_DIGITS: usize = 18;

impl Points {
    pub const ZERO: Points = Points(Ratio::new_raw(0, 1));
    pub const ONE: Points = Points(Ratio::new_raw(1, 1));

    pub fn int(n: i64) -> Points {
        Points(Ratio::from_integer(i128::from(n)))
    }

    /// `num / den`; `None` when `den` is zero.
    pub fn ratio(num: i64, den: i64) -> Option<Points> {
        (den != 0).then(|| Points(Ratio::new(i128::from(num), i128::from(den))))
    }

    pub fn checked_add(self, other: Points) -> Option<Points> {
        // Most sums add zero or whole points: no greatest common divisor of 128-bit integers.
        match (self.0.denom(), other.0.denom()) {
            _ if other.0.is_zero() => Some(self),
            _ if self.0.is_zero() => Some(other),
            (1, 1) => i128::checked_add(*self.0.numer(), *other.0.numer()).map(Points::whole),
            _ => self.0.checked_add(&other.0).map(Points),
        }
    }
    pub fn checked_sub(self, other: Points) -> Option<Points> {
        match (self.0.denom(), other.0.denom()) {
            _ if other.0.is_zero() => Some(self),
            (1, 1) => i128::checked_sub(*self.0.numer(), *other.0.numer()).map(Points::whole),
            _ => self.0.checked_sub(&other.0).map(Points),
        }
    }
    /// A whole number of points (already in lowest terms).
    fn whole(n: i128) -> Points {
        Points(Ratio::new_raw(n, 1))
    }
    pub fn checked_mul(self, other: Points) -> Option<Points> {
        self.0.checked_mul(&other.0).map(Points)
    }
    pub fn checked_div(self, other: Points) -> Option<Points> {
        if other.0.is_zero() {
            return None;
        }
        self.0.checked_div(&other.0).map(Points)
    }

    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }
    pub fn is_negative(&self) -> bool {
        self.0.is_negative()
    }
    pub fn abs(self) -> Points {
        Points(self.0.abs())
    }
    pub fn max(self, other: Points) -> Points {
        if other > self { other } else { self }
    }
    pub fn min(self, other: Points) -> Points {
        if other < self { other } else { self }
    }
    /// Clamp into `[lo, hi]`.
    pub fn clamp(self, lo: Points, hi: Points) -> Points {
        self.max(lo).min(hi)
    }

    pub fn to_f64(self) -> f64 {
        *self.0.numer() as f64 / *self.0.denom() as f64
    }

    /// Parse an exact decimal or fraction: `2`, `-0.25`, `0,5` (decimal comma), `1/6`, `2.5e-1`.
    pub fn parse(text: &str) -> Option<Points> {
        let t = text.trim();
        if let Some((n, d)) = t.split_once('/') {
            let n = Points::parse_decimal(n.trim())?;
            let d = Points::parse_decimal(d.trim())?;
            return n.checked_div(d);
        }
        Points::parse_decimal(t)
    }

    fn parse_decimal(t: &str) -> Option<Points> {
        let (mantissa, exp) = match t.find(['e', 'E']) {
            Some(i) => (&t[..i], t[i + 1..].parse::<i32>().ok()?),
            None => (t, 0),
        };
        if exp.unsigned_abs() as usize > MAX_DIGITS {
            return None;
        }
        let (neg, body) = match mantissa.strip_prefix(['-', '\u{2212}']) {
            Some(rest) => (true, rest),
            None => (false, mantissa.strip_prefix('+').unwrap_or(mantissa)),
        };
        let (int, frac) = match body.split_once(['.', ',']) {
            Some((i, f)) => (i, f),
            None => (body, ""),
        };
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        if int.len() + frac.len() > MAX_DIGITS {
            return None;
        }
        let digits: i128 = format!("{int}{frac}").parse().ok()?;
        let scale = exp - frac.len() as i32;
        let pow = 10i128.checked_pow(scale.unsigned_abs())?;
        let value = if scale >= 0 {
            Ratio::from_integer(digits.checked_mul(pow)?)
        } else {
            Ratio::new(digits, pow)
        };
        Some(Points(if neg { -value } else { value }))
    }

    /// From a float written in a TOML file: its shortest decimal form is what the author typed.
    pub fn from_f64(value: f64) -> Option<Points> {
        if !value.is_finite() {
            return None;
        }
        Points::parse(&format!("{value}"))
    }

    /// The exact value as `n` or `n/d`.
    /// The value in full: a terminating decimal as such (`0.002`, `-1.25`), any other value as
    /// a fraction (`1/3`). For keys and answers, which must never be shown rounded.
    pub fn decimal(&self) -> String {
        let (numer, denom) = (*self.0.numer(), *self.0.denom());
        let mut d = denom;
        // 10^k / denom is whole exactly when denom = 2^a 5^b; k = max(a, b).
        let (mut twos, mut fives) = (0u32, 0u32);
        while d % 2 == 0 {
            d /= 2;
            twos += 1;
        }
        while d % 5 == 0 {
            d /= 5;
            fives += 1;
        }
        if d != 1 {
            return self.exact();
        }
        let digits = twos.max(fives);
        let Some(scale) = 10i128.checked_pow(digits) else {
            return self.exact();
        };
        let Some(scaled) = numer.checked_mul(scale / denom) else {
            return self.exact();
        };
        if digits == 0 {
            return scaled.to_string();
        }
        let sign = if scaled < 0 { "-" } else { "" };
        let abs = scaled.unsigned_abs();
        let unit = scale.unsigned_abs();
        format!(
            "{sign}{}.{:0width$}",
            abs / unit,
            abs % unit,
            width = digits as usize
        )
    }

    pub fn exact(&self) -> String {
        if self.0.is_integer() {
            self.0.numer().to_string()
        } else {
            format!("{}/{}", self.0.numer(), self.0.denom())
        }
    }

    /// Rounded to 2 decimals (half away from zero), as a display string without trailing zeros.
    pub fn display(&self) -> String {
        let hundredths = self.rounded_hundredths();
        let neg = hundredths < 0;
        let abs = hundredths.unsigned_abs();
        let (int, frac) = (abs / 100, abs % 100);
        let sign = if neg { "-" } else { "" };
        match frac {
            0 => format!("{sign}{int}"),
            f if f % 10 == 0 => format!("{sign}{int}.{}", f / 10),
            f => format!("{sign}{int}.{f:02}"),
        }
    }

    /// Whether [`Points::display`] shows the value exactly.
    pub fn displays_exactly(&self) -> bool {
        self.exact_hundredths().is_some()
    }

    /// The value in hundredths when it is a whole number of them (the fraction is kept in
    /// lowest terms: exactly when its denominator divides 100), without a gcd.
    fn exact_hundredths(&self) -> Option<i128> {
        let (numer, denom) = (*self.0.numer(), *self.0.denom());
        if denom > 0 && 100 % denom == 0 {
            numer.checked_mul(100 / denom)
        } else {
            None
        }
    }

    fn rounded_hundredths(&self) -> i128 {
        if let Some(exact) = self.exact_hundredths() {
            return exact;
        }
        match self.0.checked_mul(&Ratio::from_integer(100)) {
            Some(scaled) => scaled.round().to_integer(),
            // Beyond exact arithmetic (no rubric or decision value gets here): via f64.
            None => (self.to_f64() * 100.0).round() as i128,
        }
    }

    /// Whether the value is a plain number of points: at most 4 decimals or a fraction whose
    /// denominator is at most 10,000 (`2/3`). What a TA may write as a decision; anything else
    /// could overflow exact sums.
    pub fn is_plain(&self) -> bool {
        *self.0.denom() <= 10_000 && self.0.numer().unsigned_abs() <= 1 << 60
    }

    /// The value rounded to 2 decimals, for JSON.
    pub fn rounded_f64(&self) -> f64 {
        self.rounded_hundredths() as f64 / 100.0
    }
}

impl PartialOrd for Points {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Points {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp(&other.0)
    }
}

impl fmt::Display for Points {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

/// Points serialise as a number rounded to 2 decimals; the exact value is given next to it
/// where it matters (see `report::json`).
impl Serialize for Points {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let hundredths = self.rounded_hundredths();
        match i64::try_from(hundredths / 100) {
            Ok(whole) if hundredths % 100 == 0 => s.serialize_i64(whole),
            _ => s.serialize_f64(self.rounded_f64()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn hundredths_without_a_gcd_are_the_ratio_arithmetic(
            numer in -1_000_000_000i128..1_000_000_000,
            denom in 1i128..2_000,
        ) {
            let p = Points(Ratio::new(numer, denom));
            let scaled = p.0.checked_mul(&Ratio::from_integer(100)).unwrap();
            proptest::prop_assert_eq!(p.displays_exactly(), scaled.is_integer());
            proptest::prop_assert_eq!(p.rounded_hundredths(), scaled.round().to_integer());
        }

        #[test]
        fn sums_without_a_gcd_are_the_ratio_arithmetic(
            a in -1_000_000i128..1_000_000,
            da in proptest::sample::select(vec![1i128, 1, 2, 3, 4, 10]),
            b in -1_000_000i128..1_000_000,
            db in proptest::sample::select(vec![1i128, 1, 2, 3, 4, 10]),
        ) {
            let (x, y) = (Points(Ratio::new(a, da)), Points(Ratio::new(b, db)));
            proptest::prop_assert_eq!(x.checked_add(y), x.0.checked_add(&y.0).map(Points));
            proptest::prop_assert_eq!(x.checked_sub(y), x.0.checked_sub(&y.0).map(Points));
        }
    }

    #[test]
    fn whole_sums_overflow_to_none() {
        let max = Points(Ratio::from_integer(i128::MAX));
        assert_eq!(max.checked_add(Points::ONE), None);
        assert_eq!(
            Points::ZERO.checked_sub(max).unwrap().checked_sub(p("2")),
            None
        );
        assert_eq!(p("0.5").checked_add(p("0.5")), Some(Points::ONE));
        assert_eq!(p("3").checked_sub(p("3")), Some(Points::ZERO));
    }

    fn p(s: &str) -> Points {
        Points::parse(s).unwrap()
    }

    #[test]
    fn decimal_shows_the_value_in_full() {
        assert_eq!(p("0.002").decimal(), "0.002");
        assert_eq!(p("-1.25").decimal(), "-1.25");
        assert_eq!(p("-0.5").decimal(), "-0.5");
        assert_eq!(p("144").decimal(), "144");
        assert_eq!(p("1/3").decimal(), "1/3");
        assert_eq!(p("1/40").decimal(), "0.025");
    }

    #[test]
    fn three_times_five_sixths_is_exactly_two_and_a_half() {
        let v = p("3").checked_mul(p("5/6")).unwrap();
        assert_eq!(v, p("2.5"));
        assert_eq!(v.display(), "2.5");
        assert_eq!(v.exact(), "5/2");
    }

    #[test]
    fn display_rounds_half_away_from_zero_to_two_decimals() {
        assert_eq!(p("1/3").display(), "0.33");
        assert_eq!(p("2/3").display(), "0.67");
        assert_eq!(p("0.125").display(), "0.13");
        assert_eq!(p("-0.125").display(), "-0.13");
        assert_eq!(p("3").display(), "3");
        assert_eq!(p("-1/4").display(), "-0.25");
        assert_eq!(p("0.5").display(), "0.5");
        assert!(!p("1/3").displays_exactly());
        assert!(p("1/4").displays_exactly());
    }

    #[test]
    fn parses_decimals_fractions_and_decimal_commas() {
        assert_eq!(p("0,25"), p("1/4"));
        assert_eq!(p("-0.25"), Points::ratio(-1, 4).unwrap());
        assert_eq!(p("2.5e-1"), p("1/4"));
        assert_eq!(p("\u{2212}3"), Points::int(-3));
        assert_eq!(Points::from_f64(0.1).unwrap(), p("1/10"));
        assert!(Points::parse("1/0").is_none());
        assert!(Points::parse("abc").is_none());
        assert!(Points::parse("").is_none());
        assert!(Points::parse("1e400").is_none());
        assert!(Points::parse("1234567890123456789012345").is_none());
    }
}
