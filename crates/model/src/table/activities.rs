//! `lead_activities` (immutable: insert and delete only).

use super::Table;
use crate::LeadActivity;
use rusqlite::Row;
use rusqlite::types::ToSql;

impl Table for LeadActivity {
    const NAME: &'static str = "lead_activities";
    const ENTITY: &'static str = "lead activity";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "tenant_id",
        "lead_id",
        "user_id",
        "type",
        "payload_json",
        "created_at",
    ];

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(LeadActivity {
            id: row.get(0)?,
            tenant_id: row.get(1)?,
            lead_id: row.get(2)?,
            user_id: row.get(3)?,
            kind: row.get(4)?,
            payload: row.get(5)?,
            created_at: row.get(6)?,
        })
    }

    fn values(&self) -> Vec<&dyn ToSql> {
        vec![
            &self.id,
            &self.tenant_id,
            &self.lead_id,
            &self.user_id,
            &self.kind,
            &self.payload,
            &self.created_at,
        ]
    }
}
