//! Timestamps as the schema stores them: UTC text `YYYY-MM-DD HH:MM:SS`.
//!
//! Reading is lenient (RFC 3339 with `T`, a zone offset or fractional seconds is accepted and
//! converted to UTC) because the server and older rows may write either; writing is always the
//! one canonical form, so text order is time order.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

const FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// A point in time, to the second, in UTC. On the wire: RFC 3339 text with `Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ts_rs::TS)]
#[ts(type = "string")]
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
        write!(f, "{}", self.0.format(FORMAT))
    }
}

impl ToSql for Timestamp {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.to_string()))
    }
}

impl FromSql for Timestamp {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        Timestamp::parse(text).ok_or_else(|| FromSqlError::Other(format!("bad timestamp {text:?}").into()))
    }
}

impl Serialize for Timestamp {
    /// RFC 3339 with `Z`, which every JSON consumer parses.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0.format("%Y-%m-%dT%H:%M:%SZ"))
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
    }
}
