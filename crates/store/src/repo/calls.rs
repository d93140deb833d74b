//! `calls`.

use super::Table;
use crate::error::Result;
use crate::model::{Call, TenantId, UserId};
use rusqlite::Connection;

/// The agent's ended calls still waiting for a disposition (wrap-up survives restarts).
pub fn pending_wrapups(conn: &Connection, tenant: TenantId, user: UserId) -> Result<Vec<Call>> {
    let sql = format!(
        "SELECT {} FROM calls WHERE tenant_id = ?1 AND user_id = ?2 \
         AND ended_at IS NOT NULL AND disposition_id IS NULL ORDER BY started_at",
        Call::COLUMNS.join(", ")
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params![tenant, user], Call::from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
