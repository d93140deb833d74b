//! Today's calls, "today" being the calendar day in the tenant's timezone (the seed's
//! "Calls for Today"), newest first, with the agent's and the disposition's names.

use crate::Timestamp;
use crate::error::{Result, StoreError};
use crate::model::{Call, TenantId};
use crate::repo::Table;
use chrono::{Days, NaiveTime, TimeZone};
use chrono_tz::Tz;
use rusqlite::{Connection, params};
use serde::Serialize;

/// A call as the calls list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct CallRow {
    /// The call.
    #[serde(flatten)]
    pub call: Call,
    /// The agent's name.
    pub agent_name: String,
    /// The disposition's name, once wrapped up.
    pub disposition_name: Option<String>,
}

/// The UTC bounds `[start, end)` of the calendar day containing `now` in `timezone`.
pub fn local_day_bounds(timezone: &str, now: Timestamp) -> Result<(Timestamp, Timestamp)> {
    let tz: Tz = timezone.parse().map_err(|_| StoreError::InvalidInput {
        field: "timezone",
        reason: format!("{timezone:?} is not an IANA timezone"),
    })?;
    let local_date = now.as_datetime().with_timezone(&tz).date_naive();
    let start_of = |date: chrono::NaiveDate| {
        // Where midnight does not exist (a DST jump at 00:00) the day starts at the first
        // instant that does.
        let midnight = date.and_time(NaiveTime::MIN);
        tz.from_local_datetime(&midnight)
            .earliest()
            .or_else(|| {
                tz.from_local_datetime(&(midnight + chrono::Duration::hours(1)))
                    .earliest()
            })
            .map(|t| Timestamp::from_unix(t.timestamp()))
    };
    let next_date = local_date.checked_add_days(Days::new(1));
    match (start_of(local_date), next_date.and_then(start_of)) {
        (Some(start), Some(end)) => Ok((start, end)),
        _ => Err(StoreError::InvalidInput {
            field: "timezone",
            reason: format!("no local day at {now} in {timezone}"),
        }),
    }
}

/// The tenant's calls that started today in its timezone.
pub fn calls_today(
    conn: &Connection,
    tenant: TenantId,
    timezone: &str,
    now: Timestamp,
) -> Result<Vec<CallRow>> {
    let (start, end) = local_day_bounds(timezone, now)?;
    let columns: Vec<String> = Call::COLUMNS.iter().map(|c| format!("c.{c}")).collect();
    let sql = format!(
        "SELECT {}, u.name, cd.name FROM calls c \
         JOIN users u ON c.user_id = u.id \
         LEFT JOIN call_dispositions cd ON c.disposition_id = cd.id \
         WHERE c.tenant_id = ?1 AND c.started_at >= ?2 AND c.started_at < ?3 \
         ORDER BY c.started_at DESC, c.id DESC",
        columns.join(", ")
    );
    let n = Call::COLUMNS.len();
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![tenant, start, end], |row| {
        Ok(CallRow {
            call: Call::from_row(row)?,
            agent_name: row.get(n)?,
            disposition_name: row.get(n + 1)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Where a page of the call history ended: the last call's start and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
pub struct CallCursor {
    /// The last call's `started_at`.
    pub started_at: Timestamp,
    /// The last call's id.
    pub id: crate::model::CallId,
}

/// A page of the call history.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct CallPage {
    /// The calls, latest first.
    pub calls: Vec<CallRow>,
    /// Where the next (older) page starts (`None`: no more).
    pub next: Option<CallCursor>,
}

/// Up to `limit` of the tenant's calls that started before `before` (or after the cursor),
/// latest first.
pub fn calls_before(
    conn: &Connection,
    tenant: TenantId,
    before: Timestamp,
    cursor: Option<CallCursor>,
    limit: usize,
) -> Result<CallPage> {
    let columns: Vec<String> = Call::COLUMNS.iter().map(|c| format!("c.{c}")).collect();
    let sql = format!(
        "SELECT {}, u.name, cd.name FROM calls c \
         JOIN users u ON c.user_id = u.id \
         LEFT JOIN call_dispositions cd ON c.disposition_id = cd.id \
         WHERE c.tenant_id = ?1 AND c.started_at < ?2 \
           AND (?3 IS NULL OR c.started_at < ?3 OR (c.started_at = ?3 AND c.id < ?4)) \
         ORDER BY c.started_at DESC, c.id DESC LIMIT ?5",
        columns.join(", ")
    );
    let n = Call::COLUMNS.len();
    let fetch = i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            tenant,
            before,
            cursor.map(|c| c.started_at),
            cursor.map(|c| c.id),
            fetch
        ],
        |row| {
            Ok(CallRow {
                call: Call::from_row(row)?,
                agent_name: row.get(n)?,
                disposition_name: row.get(n + 1)?,
            })
        },
    )?;
    let mut calls: Vec<CallRow> = rows.collect::<rusqlite::Result<_>>()?;
    let next = if calls.len() > limit {
        calls.truncate(limit);
        calls.last().map(|c| CallCursor {
            started_at: c.call.started_at,
            id: c.call.id,
        })
    } else {
        None
    };
    Ok(CallPage { calls, next })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn the_day_is_the_tenants_not_utcs() {
        // 02:30 UTC on 10 March is still 9 March in New York (EDT, UTC-4, since 8 March).
        let (start, end) = local_day_bounds("America/New_York", at("2026-03-10 02:30:00")).unwrap();
        assert_eq!(start.to_string(), "2026-03-09 04:00:00");
        assert_eq!(end.to_string(), "2026-03-10 04:00:00");
        // In winter New York is UTC-5.
        let (start, _) = local_day_bounds("America/New_York", at("2026-01-15 03:00:00")).unwrap();
        assert_eq!(start.to_string(), "2026-01-14 05:00:00");
        // DST begins 8 March 2026 in New York: that day has 23 hours.
        let (start, end) = local_day_bounds("America/New_York", at("2026-03-08 12:00:00")).unwrap();
        assert_eq!(end.unix() - start.unix(), 23 * 3600);
        // Tokyo is ahead of UTC.
        let (start, _) = local_day_bounds("Asia/Tokyo", at("2026-03-10 20:00:00")).unwrap();
        assert_eq!(start.to_string(), "2026-03-10 15:00:00");
    }

    #[test]
    fn an_unknown_timezone_is_a_clear_error() {
        let err = local_day_bounds("Mars/Olympus", at("2026-03-10 02:30:00")).unwrap_err();
        assert!(err.to_string().contains("Mars/Olympus"), "{err}");
    }
}
