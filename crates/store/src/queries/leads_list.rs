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

/// Which leads a list shows (every part optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct LeadQuery {
    /// In this status.
    #[serde(default)]
    #[ts(optional)]
    pub status: Option<LeadStatusId>,
    /// With this score.
    #[serde(default)]
    #[ts(optional)]
    pub score: Option<crate::model::Score>,
    /// Assigned to the signed-in agent.
    #[serde(default)]
    pub assigned_to_me: bool,
    /// With a follow-up due before this time (due today and overdue: the end of today).
    #[serde(default)]
    #[ts(optional)]
    pub followup_before: Option<crate::Timestamp>,
}

/// A page of a lead list, newest first.
#[derive(Debug, Clone, PartialEq, serde::Serialize, ts_rs::TS)]
pub struct LeadPage {
    /// The page's leads.
    pub leads: Vec<LeadCard>,
    /// Where the next page starts (`None`: this was the last).
    pub next: Option<super::BoardCursor>,
    /// Leads the whole list holds.
    pub total: i64,
}

const PAGE_FILTER: &str = "l.tenant_id = ?1 AND (?2 IS NULL OR l.lead_status_id = ?2) \
     AND (?3 IS NULL OR l.score = ?3) AND (?4 IS NULL OR l.assigned_to_user_id = ?4) \
     AND (?5 IS NULL OR (l.next_followup_at IS NOT NULL AND l.next_followup_at < ?5))";

/// A page of up to `limit` leads matching `query` after `cursor`, with the list's total.
/// `assignee` is the signed-in agent (for `assigned_to_me`).
pub fn leads_page(
    conn: &Connection,
    tenant: TenantId,
    assignee: UserId,
    query: &LeadQuery,
    cursor: Option<super::BoardCursor>,
    limit: usize,
) -> Result<LeadPage> {
    let mine = query.assigned_to_me.then_some(assignee);
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM leads l WHERE {PAGE_FILTER}"))?
        .query_row(
            params![tenant, query.status, query.score, mine, query.followup_before],
            |row| row.get(0),
        )?;
    let (after, after_at, after_id) = super::board::after_cursor(cursor, 6);
    let sql = card_sql(
        &format!("{PAGE_FILTER} AND {after}"),
        "ORDER BY l.created_at DESC, l.id DESC LIMIT ?8",
    );
    let fetch = i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            tenant,
            query.status,
            query.score,
            mine,
            query.followup_before,
            after_at,
            after_id,
            fetch
        ],
        card_from_row,
    )?;
    let (leads, next) = super::board::page_end(rows.collect::<rusqlite::Result<_>>()?, limit);
    Ok(LeadPage { leads, next, total })
}
