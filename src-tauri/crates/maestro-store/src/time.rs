//! The one text form for instants in the database: fixed-width UTC ISO 8601, so text order is
//! time order and range queries work on the column as stored.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::error::{Result, StoreError};

/// Formats an instant as `2026-11-25T20:12:18.123456Z`.
pub fn fmt_ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Parses a stored instant back.
pub fn parse_ts(text: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("bad timestamp '{text}': {e}")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn round_trips_and_sorts_as_text() {
        let a = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        let b = a + chrono::Duration::microseconds(1);
        assert_eq!(parse_ts(&fmt_ts(a)).unwrap(), a);
        assert!(fmt_ts(a) < fmt_ts(b));
        assert_eq!(fmt_ts(a), "2026-01-02T03:04:05.000000Z");
    }
}
