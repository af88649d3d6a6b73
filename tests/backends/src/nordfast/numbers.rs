//! Exact numbers, dates and identifiers for the Nordfast simulation.
//!
//! Prices are decimals ([`Dec`]), money is integer cents, quantities are whole pieces: a
//! supplier that computes invoices in floats would be a poor stand-in for a real one.

use time::OffsetDateTime;
use time::macros::format_description;

/// Milliseconds in one day.
pub(crate) const DAY_MS: i64 = 86_400_000;
/// Milliseconds in one hour.
pub(crate) const HOUR_MS: i64 = 3_600_000;

/// An exact non-huge decimal: `mantissa × 10^-scale`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dec {
    mantissa: i128,
    scale: u32,
}

impl Dec {
    /// `mantissa × 10^-scale`.
    pub const fn new(mantissa: i128, scale: u32) -> Self {
        Dec { mantissa, scale }
    }

    /// A whole number.
    pub const fn int(v: i128) -> Self {
        Dec {
            mantissa: v,
            scale: 0,
        }
    }

    /// Parse an `xsd:decimal` ("12", "-0.170", "+5.", ".5"), surrounding whitespace allowed.
    pub fn parse(text: &str) -> Result<Dec, String> {
        let t = text.trim();
        let (negative, body) = match t.as_bytes().first() {
            Some(b'-') => (true, &t[1..]),
            Some(b'+') => (false, &t[1..]),
            _ => (false, t),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if int.is_empty() && frac.is_empty() {
            return Err(format!("{text:?} is not a decimal number"));
        }
        if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(format!("{text:?} is not a decimal number"));
        }
        if int.len() + frac.len() > 30 {
            return Err(format!("{text:?} has too many digits"));
        }
        let mut mantissa: i128 = 0;
        for b in int.bytes().chain(frac.bytes()) {
            mantissa = mantissa * 10 + i128::from(b - b'0');
        }
        let scale = u32::try_from(frac.len()).map_err(|_| format!("{text:?} is too long"))?;
        Ok(Dec {
            mantissa: if negative { -mantissa } else { mantissa },
            scale,
        })
    }

    /// The mantissa at `scale`, when no digits are lost on the way.
    pub fn at_scale(self, scale: u32) -> Option<i128> {
        if scale >= self.scale {
            self.mantissa
                .checked_mul(10i128.checked_pow(scale - self.scale)?)
        } else {
            let div = 10i128.checked_pow(self.scale - scale)?;
            (self.mantissa % div == 0).then_some(self.mantissa / div)
        }
    }

    /// The value as a whole number, when it is one.
    pub fn whole(self) -> Option<i128> {
        self.at_scale(0)
    }

    /// The mantissa and scale.
    pub fn parts(self) -> (i128, u32) {
        (self.mantissa, self.scale)
    }
}

impl std::fmt::Display for Dec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.mantissa < 0 { "-" } else { "" };
        let digits = self.mantissa.unsigned_abs().to_string();
        let scale = self.scale as usize;
        if scale == 0 {
            return write!(f, "{sign}{digits}");
        }
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (int, frac) = padded.split_at(padded.len() - scale);
        write!(f, "{sign}{int}.{frac}")
    }
}

/// `numerator / denominator` rounded half away from zero; `None` for a zero denominator.
pub(crate) fn div_round(numerator: i128, denominator: i128) -> Option<i128> {
    if denominator == 0 {
        return None;
    }
    let q = numerator / denominator;
    let r = numerator % denominator;
    if r.unsigned_abs() * 2 >= denominator.unsigned_abs() {
        Some(q + numerator.signum() * denominator.signum())
    } else {
        Some(q)
    }
}

/// Price of `qty` pieces at `price` per `basis` pieces, in cents, rounded once (half up).
pub(crate) fn line_cents(qty: u64, price: Dec, basis: u64) -> i64 {
    let (m, s) = price.parts();
    let numerator = i128::from(qty) * m * 100;
    let denominator = i128::from(basis.max(1)) * 10i128.pow(s);
    div_round(numerator, denominator)
        .and_then(|c| i64::try_from(c).ok())
        .unwrap_or(i64::MAX)
}

/// `cents × percent / 100`, rounded half up: document-level VAT.
pub(crate) fn percent_of(cents: i64, percent: u32) -> i64 {
    div_round(i128::from(cents) * i128::from(percent), 100)
        .and_then(|c| i64::try_from(c).ok())
        .unwrap_or(i64::MAX)
}

/// Cents as a decimal amount with two places ("12.34").
pub(crate) fn amount(cents: i64) -> String {
    Dec::new(i128::from(cents), 2).to_string()
}

/// Whether two unit prices on possibly different bases are the same price per piece.
pub(crate) fn same_unit_price(a: Dec, a_basis: u64, b: Dec, b_basis: u64) -> bool {
    let (am, asc) = a.parts();
    let (bm, bsc) = b.parts();
    let scale = asc.max(bsc);
    let lift = |m: i128, s: u32| m.checked_mul(10i128.checked_pow(scale - s)?);
    match (lift(am, asc), lift(bm, bsc)) {
        (Some(a), Some(b)) => {
            a.checked_mul(i128::from(b_basis)) == b.checked_mul(i128::from(a_basis))
        }
        _ => false,
    }
}

fn datetime(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// UBL date of a timestamp, UTC ("2026-06-01").
pub(crate) fn ubl_date(ms: i64) -> String {
    let d = datetime(ms).date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// UBL time of a timestamp, UTC with zone ("10:00:00Z").
pub(crate) fn ubl_time(ms: i64) -> String {
    let t = datetime(ms).time();
    format!("{:02}:{:02}:{:02}Z", t.hour(), t.minute(), t.second())
}

/// Midnight UTC of a UBL date, as epoch milliseconds.
pub(crate) fn parse_ubl_date(text: &str) -> Result<i64, String> {
    let format = format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(text.trim(), format)
        .map_err(|_| format!("{text:?} is not a date like 2026-06-30"))?;
    let at = date.midnight().assume_utc();
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000)
        .map_err(|_| format!("{text:?} is out of range"))
}

/// The last millisecond of the UTC day a timestamp falls on.
pub(crate) fn end_of_day(ms: i64) -> i64 {
    ms - ms.rem_euclid(DAY_MS) + DAY_MS - 1
}

/// An HTTP date (IMF-fixdate) for the `Date` header.
pub(crate) fn http_date(ms: i64) -> String {
    let format = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    datetime(ms)
        .format(format)
        .unwrap_or_else(|_| "Thu, 01 Jan 1970 00:00:00 GMT".to_string())
}

/// GS1 mod-10 check digit of a numeric body (GTIN, SSCC).
pub(crate) fn gs1_check_digit(body: &str) -> char {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b.saturating_sub(b'0'));
            if i % 2 == 0 { d * 3 } else { d }
        })
        .sum();
    char::from(b'0' + u8::try_from((10 - sum % 10) % 10).unwrap_or(0))
}

/// Standard base64 with padding, for the expected `Authorization: Basic` value.
pub(crate) fn base64(input: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(TABLE[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_parse_print_and_compare() {
        let d = Dec::parse(" 0.170 ").expect("decimal");
        assert_eq!(d.to_string(), "0.170");
        assert_eq!(Dec::parse("+5.").map(|d| d.to_string()), Ok("5".into()));
        assert_eq!(Dec::parse(".5").map(|d| d.to_string()), Ok("0.5".into()));
        assert_eq!(
            Dec::parse("-1.05").map(|d| d.to_string()),
            Ok("-1.05".into())
        );
        assert!(Dec::parse("1,5").is_err());
        assert!(Dec::parse("").is_err());
        assert!(Dec::parse("1e3").is_err());
        assert_eq!(Dec::parse("500.000").map(Dec::whole), Ok(Some(500)));
        assert_eq!(Dec::parse("500.5").map(Dec::whole), Ok(None));
    }

    #[test]
    fn money_rounds_once_half_up() {
        assert_eq!(line_cents(500, Dec::new(170, 3), 1), 8500);
        assert_eq!(line_cents(3, Dec::new(1905, 3), 100), 6); // 0.05715 → 0.06
        assert_eq!(line_cents(250, Dec::new(1250, 2), 100), 3125);
        assert_eq!(percent_of(11490, 19), 2183); // 21.831 → 21.83
        assert_eq!(amount(-5), "-0.05");
        assert_eq!(amount(13673), "136.73");
        assert!(same_unit_price(Dec::new(190, 2), 100, Dec::new(19, 3), 1));
        assert!(!same_unit_price(Dec::new(190, 2), 100, Dec::new(19, 2), 1));
    }

    #[test]
    fn dates_and_identifiers() {
        let ms = parse_ubl_date("2026-06-01").expect("date");
        assert_eq!(ubl_date(ms + 10 * HOUR_MS), "2026-06-01");
        assert_eq!(ubl_time(ms + 10 * HOUR_MS), "10:00:00Z");
        assert_eq!(end_of_day(ms + 5), ms + DAY_MS - 1);
        assert_eq!(http_date(ms), "Mon, 01 Jun 2026 00:00:00 GMT");
        assert_eq!(gs1_check_digit("400638133393"), '1'); // GTIN-13 4006381333931
        assert_eq!(base64(b"buyer:secret"), "YnV5ZXI6c2VjcmV0");
        assert_eq!(base64(b"ab"), "YWI=");
    }
}
