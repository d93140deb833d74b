//! `lead_statuses`.

use super::{Table, upsert};
use crate::error::Result;
use crate::model::LeadStatus;
use rusqlite::Connection;

/// Upserts statuses as the server sent them. Defaults go first: a tenant's first status must be
/// its default, and promoting the new default demotes the old one before it is seen again.
pub fn upsert_statuses(conn: &Connection, statuses: &[LeadStatus]) -> Result<()> {
    let mut ordered: Vec<&LeadStatus> = statuses.iter().collect();
    ordered.sort_by_key(|s| !s.is_default);
    for status in ordered {
        upsert(conn, status)?;
    }
    Ok(())
}

/// The tenant's statuses in board order.
pub fn statuses_in_order(conn: &Connection, tenant: crate::model::TenantId) -> Result<Vec<LeadStatus>> {
    let sql = format!(
        "SELECT {} FROM lead_statuses WHERE tenant_id = ?1 ORDER BY sort_order, id",
        LeadStatus::COLUMNS.join(", ")
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([tenant], LeadStatus::from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
