//! The lead timeline: its activities newest first, with who did each (the seed's
//! "Lead Activity Timeline").

use crate::error::Result;
use crate::model::{LeadActivity, LeadId, TenantId};
use crate::repo::Table;
use rusqlite::{Connection, params};
use serde::Serialize;

/// One timeline entry.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct TimelineEntry {
    /// The activity.
    #[serde(flatten)]
    pub activity: LeadActivity,
    /// Who performed it.
    pub user_name: String,
}

/// The lead's newest `limit` activities.
pub fn timeline(
    conn: &Connection,
    tenant: TenantId,
    lead: LeadId,
    limit: usize,
) -> Result<Vec<TimelineEntry>> {
    let columns: Vec<String> = LeadActivity::COLUMNS.iter().map(|c| format!("la.{c}")).collect();
    let sql = format!(
        "SELECT {}, u.name FROM lead_activities la JOIN users u ON la.user_id = u.id \
         WHERE la.tenant_id = ?1 AND la.lead_id = ?2 \
         ORDER BY la.created_at DESC, la.id DESC LIMIT ?3",
        columns.join(", ")
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let n = LeadActivity::COLUMNS.len();
    let rows = stmt.query_map(
        params![tenant, lead, i64::try_from(limit).unwrap_or(i64::MAX)],
        |row| {
            Ok(TimelineEntry {
                activity: LeadActivity::from_row(row)?,
                user_name: row.get(n)?,
            })
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
