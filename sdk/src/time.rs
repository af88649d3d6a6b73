//! Timestamps as the contract has them: Unix epoch milliseconds, UTC.

use crate::contract::Timestamp;
use time::format_description::well_known::{Rfc2822, Rfc3339};
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// One day in milliseconds.
pub const DAY_MS: i64 = 86_400_000;

/// Why a date or time could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot read {input:?} as {expected}")]
pub struct TimeError {
    /// The text that was given.
    pub input: String,
    /// The form that was expected.
    pub expected: &'static str,
}

/// Now, from the host's wall clock (the SDK's stand-in clock under native tests).
pub fn now_ms() -> Timestamp {
    let now = OffsetDateTime::now_utc();
    to_ms(now)
}

/// Midnight UTC of an ISO 8601 calendar date ("2026-06-30").
pub fn parse_date(s: &str) -> Result<Timestamp, TimeError> {
    let format = format_description!("[year]-[month]-[day]");
    let date = Date::parse(s.trim(), format).map_err(|_| TimeError {
        input: s.to_string(),
        expected: "a date like 2026-06-30",
    })?;
    Ok(to_ms(
        PrimitiveDateTime::new(date, time::Time::MIDNIGHT).assume_utc(),
    ))
}

/// An RFC 3339 timestamp ("2026-06-01T10:00:00Z", "2026-06-01T12:00:00+02:00").
pub fn parse_rfc3339(s: &str) -> Result<Timestamp, TimeError> {
    OffsetDateTime::parse(s.trim(), &Rfc3339)
        .map(to_ms)
        .map_err(|_| TimeError {
            input: s.to_string(),
            expected: "an RFC 3339 timestamp like 2026-06-01T10:00:00Z",
        })
}

/// An HTTP date (IMF-fixdate, "Mon, 01 Jun 2026 10:00:05 GMT").
pub fn parse_http_date(s: &str) -> Result<Timestamp, TimeError> {
    OffsetDateTime::parse(s.trim(), &Rfc2822)
        .map(to_ms)
        .map_err(|_| TimeError {
            input: s.to_string(),
            expected: "an HTTP date like Mon, 01 Jun 2026 10:00:05 GMT",
        })
}

/// RFC 3339 form of a timestamp, in UTC ("2026-06-01T10:00:00Z").
pub fn format_rfc3339(ts: Timestamp) -> String {
    from_ms(ts)
        .format(&Rfc3339)
        .unwrap_or_else(|_| ts.to_string())
}

/// ISO 8601 calendar date of a timestamp, in UTC ("2026-06-01").
pub fn format_date(ts: Timestamp) -> String {
    let d = from_ms(ts).date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn to_ms(t: OffsetDateTime) -> Timestamp {
    let nanos = t.to_offset(UtcOffset::UTC).unix_timestamp_nanos();
    i64::try_from(nanos / 1_000_000).unwrap_or(i64::MAX)
}

fn from_ms(ts: Timestamp) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ts) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        let ts = parse_date("2026-06-01").expect("date");
        assert_eq!(ts, 1_780_272_000_000);
        assert_eq!(format_date(ts), "2026-06-01");
        assert_eq!(format_rfc3339(ts + 10 * 3_600_000), "2026-06-01T10:00:00Z");
    }

    #[test]
    fn rfc3339_with_offset() {
        assert_eq!(
            parse_rfc3339("2026-06-01T12:00:00+02:00"),
            Ok(1_780_308_000_000)
        );
    }

    #[test]
    fn bad_dates_say_what_was_expected() {
        let e = parse_date("30.06.2026").expect_err("German order");
        assert!(e.to_string().contains("2026-06-30"));
        assert!(parse_date("2026-02-30").is_err());
    }
}
