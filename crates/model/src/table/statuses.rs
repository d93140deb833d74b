//! `lead_statuses`.

use super::Table;
use crate::LeadStatus;
use rusqlite::Row;
use rusqlite::types::ToSql;

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
