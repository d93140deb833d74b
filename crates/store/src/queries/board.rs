//! The Kanban board: leads by status in `sort_order`, newest first, with the status's name
//! and color and the assignee's name (the seed's "Leads for Kanban Board"). Each column is
//! paged by `(created_at, id)` so a status with 50 000 leads opens as fast as one with 5.

use crate::Timestamp;
use crate::error::Result;
use crate::model::{Lead, LeadId, LeadStatus, LeadStatusId, TenantId};
use crate::repo::{self, Table};
use rusqlite::{Connection, Row, params};
use serde::{Deserialize, Serialize};

/// A lead as a card shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct LeadCard {
    /// The lead.
    #[serde(flatten)]
    pub lead: Lead,
    /// Its status's name.
    pub status_name: String,
    /// Its status's color.
    pub status_color: String,
    /// The assignee's name, if assigned.
    pub assigned_to_name: Option<String>,
}

/// Where a column page ended: the last card's `created_at` and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct BoardCursor {
    /// The last card's `created_at`.
    pub created_at: Option<Timestamp>,
    /// The last card's id.
    pub id: LeadId,
}

/// One status column.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct BoardColumn {
    /// The status.
    pub status: LeadStatus,
    /// How many leads the status has in all.
    pub total: i64,
    /// The first page of cards.
    pub leads: Vec<LeadCard>,
    /// Where the next page starts, if there is one.
    pub next: Option<BoardCursor>,
}

/// The whole board.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Board {
    /// Columns in `sort_order`.
    pub columns: Vec<BoardColumn>,
}

pub(crate) fn card_sql(filter: &str, order: &str) -> String {
    let columns: Vec<String> = Lead::COLUMNS.iter().map(|c| format!("l.{c}")).collect();
    format!(
        "SELECT {}, ls.name, ls.color, u.name \
         FROM leads l \
         JOIN lead_statuses ls ON l.lead_status_id = ls.id \
         LEFT JOIN users u ON l.assigned_to_user_id = u.id \
         WHERE {filter} {order}",
        columns.join(", ")
    )
}

pub(crate) fn card_from_row(row: &Row<'_>) -> rusqlite::Result<LeadCard> {
    let n = Lead::COLUMNS.len();
    Ok(LeadCard {
        lead: Lead::from_row(row)?,
        status_name: row.get(n)?,
        status_color: row.get(n + 1)?,
        assigned_to_name: row.get(n + 2)?,
    })
}

/// One lead as a card.
pub fn lead_card(conn: &Connection, tenant: TenantId, lead: LeadId) -> Result<LeadCard> {
    let sql = card_sql("l.tenant_id = ?1 AND l.id = ?2", "");
    conn.prepare_cached(&sql)?
        .query_row(params![tenant, lead], card_from_row)
        .map_err(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => crate::StoreError::NotFound {
                entity: "lead",
                id: lead.0,
            },
            other => other.into(),
        })
}

/// The board with the first `per_column` cards of each status.
pub fn board(conn: &Connection, tenant: TenantId, per_column: usize) -> Result<Board> {
    let mut totals = conn.prepare_cached(
        "SELECT lead_status_id, count(*) FROM leads WHERE tenant_id = ?1 GROUP BY lead_status_id",
    )?;
    let totals: Vec<(LeadStatusId, i64)> = totals
        .query_map([tenant], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut columns = Vec::new();
    for status in repo::statuses_in_order(conn, tenant)? {
        let total = totals
            .iter()
            .find(|(id, _)| *id == status.id)
            .map_or(0, |(_, n)| *n);
        let (leads, next) = board_column(conn, tenant, status.id, None, per_column)?;
        columns.push(BoardColumn {
            status,
            total,
            leads,
            next,
        });
    }
    Ok(Board { columns })
}

/// A page of one column, after `cursor` (or from the top).
pub fn board_column(
    conn: &Connection,
    tenant: TenantId,
    status: LeadStatusId,
    cursor: Option<BoardCursor>,
    limit: usize,
) -> Result<(Vec<LeadCard>, Option<BoardCursor>)> {
    let fetch = i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1);
    let (after, after_at, after_id) = after_cursor(cursor, 3);
    let filter = format!("l.tenant_id = ?1 AND l.lead_status_id = ?2 AND {after}");
    let sql = card_sql(&filter, "ORDER BY l.created_at DESC, l.id DESC LIMIT ?5");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![tenant, status, after_at, after_id, fetch], card_from_row)?;
    let cards: Vec<LeadCard> = rows.collect::<rusqlite::Result<_>>()?;
    Ok(page_end(cards, limit))
}

/// The condition "after `cursor`" in the newest-first order, on parameters `?n` (its
/// `created_at`) and `?n+1` (its id), with their values.
pub(crate) fn after_cursor(
    cursor: Option<BoardCursor>,
    n: usize,
) -> (String, Option<Timestamp>, Option<LeadId>) {
    let (at, id) = (n, n + 1);
    match cursor {
        None => (format!("?{at} IS NULL AND ?{id} IS NULL"), None, None),
        // NULL created_at sorts last under DESC, so it always follows a dated cursor.
        Some(BoardCursor {
            created_at: Some(created),
            id: last,
        }) => (
            format!(
                "(l.created_at < ?{at} OR (l.created_at = ?{at} AND l.id < ?{id}) OR l.created_at IS NULL)"
            ),
            Some(created),
            Some(last),
        ),
        Some(BoardCursor {
            created_at: None,
            id: last,
        }) => (
            format!("?{at} IS NULL AND l.created_at IS NULL AND l.id < ?{id}"),
            None,
            Some(last),
        ),
    }
}

/// `limit` cards of `cards` (fetched one over) and where the next page starts.
pub(crate) fn page_end(mut cards: Vec<LeadCard>, limit: usize) -> (Vec<LeadCard>, Option<BoardCursor>) {
    let next = if cards.len() > limit {
        cards.truncate(limit);
        cards.last().map(|c| BoardCursor {
            created_at: c.lead.created_at,
            id: c.lead.id,
        })
    } else {
        None
    };
    (cards, next)
}
