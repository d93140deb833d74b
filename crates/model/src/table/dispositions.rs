//! `call_dispositions`.

use super::Table;
use crate::CallDisposition;
use rusqlite::Row;
use rusqlite::types::ToSql;

impl Table for CallDisposition {
    const NAME: &'static str = "call_dispositions";
    const ENTITY: &'static str = "call disposition";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "tenant_id",
        "name",
        "sort_order",
        "is_default",
        "requires_note",
        "created_at",
        "updated_at",
    ];

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(CallDisposition {
            id: row.get(0)?,
            tenant_id: row.get(1)?,
            name: row.get(2)?,
            sort_order: row.get(3)?,
            is_default: row.get(4)?,
            requires_note: row.get(5)?,
            created_at: row.get(6)?,
            updated_at: row.get(7)?,
        })
    }

    fn values(&self) -> Vec<&dyn ToSql> {
        vec![
            &self.id,
            &self.tenant_id,
            &self.name,
            &self.sort_order,
            &self.is_default,
            &self.requires_note,
            &self.created_at,
            &self.updated_at,
        ]
    }
}
