//! `lead_statuses`.

use super::{Table, upsert};
use crate::error::Result;
use crate::model::LeadStatus;
use rusqlite::types::ToSql;
use rusqlite::{Connection, Row};

impl Table for LeadStatus {
    const NAME: &'static str = "lead_statuses";
    const ENTITY: &'static str = "lead status";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "tenant_id",
        "name",
        "color",
        "sort_order",
        "is_default",
        "is_closed",
        "is_won",
        "is_lost",
        "requires_note",
        "requires_followup_date",
        "created_at",
        "updated_at",
    ];

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(LeadStatus {
            id: row.get(0)?,
            tenant_id: row.get(1)?,
            name: row.get(2)?,
            color: row.get(3)?,
            sort_order: row.get(4)?,
            is_default: row.get(5)?,
            is_closed: row.get(6)?,
            is_won: row.get(7)?,
            is_lost: row.get(8)?,
            requires_note: row.get(9)?,
            requires_followup_date: row.get(10)?,
            created_at: row.get(11)?,
            updated_at: row.get(12)?,
        })
    }

    fn values(&self) -> Vec<&dyn ToSql> {
        vec![
            &self.id,
            &self.tenant_id,
            &self.name,
            &self.color,
            &self.sort_order,
            &self.is_default,
            &self.is_closed,
            &self.is_won,
            &self.is_lost,
            &self.requires_note,
            &self.requires_followup_date,
            &self.created_at,
            &self.updated_at,
        ]
    }
}

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
