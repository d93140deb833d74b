//! Leads filtered by status and assignee, newest first (the agent's lists outside the board).

use super::board::{LeadCard, card_from_row, card_sql};
use crate::error::Result;
use crate::model::{LeadStatusId, TenantId, UserId};
use rusqlite::{Connection, params};

/// Up to `limit` leads of the tenant, optionally in one status and/or assigned to one user.
pub fn leads_list(
    conn: &Connection,
    tenant: TenantId,
    status: Option<LeadStatusId>,
    assignee: Option<UserId>,
    limit: usize,
) -> Result<Vec<LeadCard>> {
    let sql = card_sql(
        "l.tenant_id = ?1 AND (?2 IS NULL OR l.lead_status_id = ?2) \
         AND (?3 IS NULL OR l.assigned_to_user_id = ?3)",
        "ORDER BY l.created_at DESC, l.id DESC LIMIT ?4",
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = stmt.query_map(params![tenant, status, assignee, limit], card_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
