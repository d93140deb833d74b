//! Timestamps as the schema stores them: UTC text `YYYY-MM-DD HH:MM:SS`.
//!
//! Reading is lenient (RFC 3339 with `T`, a zone offset or fractional seconds is accepted and
//! converted to UTC) because the server and older rows may write either; writing is always the
//! one canonical form, so text order is time order.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
#[cfg(feature = "sqlite")]
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

const FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// A point in time, to the second, in UTC. On the wire: RFC 3339 text with `Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(type = "string"))]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// The current time, truncated to the second.
    pub fn now() -> Timestamp {
        Timestamp::from_unix(Utc::now().timestamp())
    }

    /// From seconds since the Unix epoch (out-of-range values clamp to the epoch).
    pub fn from_unix(secs: i64) -> Timestamp {
        Timestamp(Utc.timestamp_opt(secs, 0).single().unwrap_or_default())
    }

    /// Seconds since the Unix epoch.
    pub fn unix(self) -> i64 {
        self.0.timestamp()
    }

    /// The chrono value.
    pub fn as_datetime(self) -> DateTime<Utc> {
        self.0
    }

    /// Parses the canonical form or RFC 3339.
    pub fn parse(text: &str) -> Option<Timestamp> {
        let text = text.trim();
        if let Some(fast) = parse_fixed(text) {
            return Some(fast);
        }
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, FORMAT) {
            return Some(Timestamp(naive.and_utc()));
        }
        if let Ok(with_zone) = DateTime::parse_from_rfc3339(text) {
            return Some(Timestamp::from_unix(with_zone.timestamp()));
        }
        NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
            .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f"))
            .ok()
            .map(|naive| Timestamp::from_unix(naive.and_utc().timestamp()))
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(value: DateTime<Utc>) -> Self {
        Timestamp::from_unix(value.timestamp())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, ' ', "")
    }
}

impl Timestamp {
    /// Writes `YYYY-MM-DD<sep>HH:MM:SS<suffix>` field by field: this runs for every timestamp
    /// written to SQLite or the wire, and a format string would be parsed each time.
    fn write(self, f: &mut fmt::Formatter<'_>, separator: char, suffix: &str) -> fmt::Result {
        use chrono::{Datelike, Timelike};
        let t = self.0;
        write!(
            f,
            "{:04}-{:02}-{:02}{separator}{:02}:{:02}:{:02}{suffix}",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }
}

/// The wire form: RFC 3339 with `Z`.
struct Rfc3339(Timestamp);

impl fmt::Display for Rfc3339 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.write(f, 'T', "Z")
    }
}

/// `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DDTHH:MM:SSZ` read by position (the forms this project
/// writes); anything else goes to the general parsers.
fn parse_fixed(text: &str) -> Option<Timestamp> {
    let b = text.as_bytes();
    let exact = match b.len() {
        19 => b[10] == b' ',
        20 => b[10] == b'T' && b[19] == b'Z',
        _ => false,
    };
    let digits = [0..4, 5..7, 8..10, 11..13, 14..16, 17..19];
    if !exact
        || b[4] != b'-'
        || b[7] != b'-'
        || b[13] != b':'
        || b[16] != b':'
        || !digits.iter().all(|r| b[r.clone()].iter().all(u8::is_ascii_digit))
    {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> { text.get(from..to)?.parse().ok() };
    let date = chrono::NaiveDate::from_ymd_opt(i32::try_from(num(0, 4)?).ok()?, num(5, 7)?, num(8, 10)?)?;
    let time = chrono::NaiveTime::from_hms_opt(num(11, 13)?, num(14, 16)?, num(17, 19)?)?;
    Some(Timestamp(NaiveDateTime::new(date, time).and_utc()))
}

#[cfg(feature = "sqlite")]
impl ToSql for Timestamp {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.to_string()))
    }
}

#[cfg(feature = "sqlite")]
impl FromSql for Timestamp {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        Timestamp::parse(text).ok_or_else(|| FromSqlError::Other(format!("bad timestamp {text:?}").into()))
    }
}

impl Serialize for Timestamp {
    /// RFC 3339 with `Z`, which every JSON consumer parses.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&Rfc3339(*self))
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Timestamp::parse(&text).ok_or_else(|| serde::de::Error::custom(format!("bad timestamp {text:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_and_rfc3339_forms_read_the_same() {
        let a = Timestamp::parse("2026-03-01 14:05:09");
        let b = Timestamp::parse("2026-03-01T15:05:09+01:00");
        let c = Timestamp::parse("2026-03-01T14:05:09.750Z");
        assert!(a.is_some());
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a.map(|t| t.to_string()).as_deref(), Some("2026-03-01 14:05:09"));
        assert!(Timestamp::parse("yesterday").is_none());
        for bad in [
            "2026-13-01 00:00:00",
            "2026-02-30 10:00:00",
            "2026-03-01 24:00:00",
            "2026-03-01 1a:00:00",
        ] {
            assert!(Timestamp::parse(bad).is_none(), "{bad}");
        }
        let t = Timestamp::parse("2026-03-01T14:05:09Z").unwrap();
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"2026-03-01T14:05:09Z\"");
        assert_eq!(Timestamp::from_unix(0).to_string(), "1970-01-01 00:00:00");
    }
}
