//! The agent's upcoming follow-ups in open statuses, soonest first (the seed's "User's Active
//! Leads with Upcoming Follow-Ups").

use super::board::{LeadCard, card_from_row, card_sql};
use crate::Timestamp;
use crate::error::Result;
use crate::model::{TenantId, UserId};
use rusqlite::{Connection, params};

/// Leads assigned to `user` with a follow-up at or after `now`, in statuses not closed.
pub fn upcoming_followups(
    conn: &Connection,
    tenant: TenantId,
    user: UserId,
    now: Timestamp,
    limit: usize,
) -> Result<Vec<LeadCard>> {
    let sql = card_sql(
        "l.tenant_id = ?1 AND l.assigned_to_user_id = ?2 AND l.next_followup_at IS NOT NULL \
         AND l.next_followup_at >= ?3 AND ls.is_closed = 0",
        "ORDER BY l.next_followup_at ASC, l.id ASC LIMIT ?4",
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![tenant, user, now, i64::try_from(limit).unwrap_or(i64::MAX)],
        card_from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
