//! Reading the moments agents type: `2026-03-12 14:30` (in the tenant's timezone),
//! `2026-03-12` (09:00 that day), `tomorrow` / `tomorrow 10:00`, `+2d`, `+3h`, `+45m`, or a full
//! RFC 3339 timestamp.

use crate::CoreError;
use chrono::{Days, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;
use leadline_store::Timestamp;

/// The hour a follow-up given only as a day is due.
const DEFAULT_HOUR: u32 = 9;

fn invalid(text: &str, reason: &str) -> CoreError {
    CoreError::InvalidWhen {
        given: text.to_owned(),
        reason: reason.to_owned(),
    }
}

/// Reads `text` as a moment, relative to `now` and local to `timezone`.
pub fn parse_when(text: &str, timezone: &str, now: Timestamp) -> Result<Timestamp, CoreError> {
    let text = text.trim();
    let tz: Tz = timezone
        .parse()
        .map_err(|_| invalid(text, "the tenant's timezone is unknown"))?;
    if let Some(relative) = text.strip_prefix('+') {
        return relative_to(now, relative).ok_or_else(|| invalid(text, "use +Nd, +Nh or +Nm"));
    }
    if let Some(at) = Timestamp::parse(text).filter(|_| text.contains('T') || text.ends_with('Z')) {
        return Ok(at);
    }
    let local_now = now.as_datetime().with_timezone(&tz);
    let (date, time) = if let Some(rest) = text.strip_prefix("tomorrow") {
        let date = local_now
            .date_naive()
            .checked_add_days(Days::new(1))
            .ok_or_else(|| invalid(text, "out of range"))?;
        (date, rest.trim())
    } else if let Some(rest) = text.strip_prefix("today") {
        (local_now.date_naive(), rest.trim())
    } else {
        let (day, time) = text.split_once([' ', 'T']).unwrap_or((text, ""));
        let date = NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .map_err(|_| invalid(text, "use YYYY-MM-DD [HH:MM], tomorrow [HH:MM], +2d or RFC 3339"))?;
        (date, time.trim())
    };
    let time = if time.is_empty() {
        NaiveTime::from_hms_opt(DEFAULT_HOUR, 0, 0).unwrap_or(NaiveTime::MIN)
    } else {
        NaiveTime::parse_from_str(time, "%H:%M")
            .or_else(|_| NaiveTime::parse_from_str(time, "%H:%M:%S"))
            .map_err(|_| invalid(text, "the time must be HH:MM"))?
    };
    let local = NaiveDateTime::new(date, time);
    let instant = tz
        .from_local_datetime(&local)
        .earliest()
        .ok_or_else(|| invalid(text, "that time does not exist there (a clock change)"))?;
    Ok(Timestamp::from_unix(instant.timestamp()))
}

fn relative_to(now: Timestamp, amount: &str) -> Option<Timestamp> {
    let unit = amount.chars().last()?;
    let count: i64 = amount[..amount.len() - unit.len_utf8()].parse().ok()?;
    let step = match unit {
        'd' => Duration::try_days(count)?,
        'h' => Duration::try_hours(count)?,
        'm' => Duration::try_minutes(count)?,
        _ => return None,
    };
    now.unix()
        .checked_add(step.num_seconds())
        .map(Timestamp::from_unix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        Timestamp::parse("2026-03-10 15:00:00").unwrap()
    }

    fn read(text: &str) -> Result<String, CoreError> {
        parse_when(text, "America/New_York", now()).map(|t| t.to_string())
    }

    #[test]
    fn every_documented_form_reads() {
        // New York is UTC-4 on 10 March 2026 (DST began on the 8th).
        assert_eq!(read("2026-03-12 14:30").unwrap(), "2026-03-12 18:30:00");
        assert_eq!(read("2026-03-12").unwrap(), "2026-03-12 13:00:00");
        assert_eq!(read("tomorrow").unwrap(), "2026-03-11 13:00:00");
        assert_eq!(read("tomorrow 10:15").unwrap(), "2026-03-11 14:15:00");
        assert_eq!(read("+2d").unwrap(), "2026-03-12 15:00:00");
        assert_eq!(read("+90m").unwrap(), "2026-03-10 16:30:00");
        assert_eq!(read("2026-03-12T10:00:00Z").unwrap(), "2026-03-12 10:00:00");
    }

    #[test]
    fn garbage_is_a_clear_error() {
        for text in [
            "",
            "soon",
            "+",
            "+2w",
            "+99999999999999d",
            "2026-13-01",
            "2026-03-12 25:00",
            "tomorrow noon",
        ] {
            let err = read(text).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidInput, "{text}");
            assert!(err.to_string().contains(text.trim()), "{err}");
        }
    }
}
