//! `call_dispositions`.

use super::Table;
use crate::error::Result;
use crate::model::{CallDisposition, TenantId};
use rusqlite::types::ToSql;
use rusqlite::{Connection, Row};

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

/// The tenant's dispositions in display order (the wrap-up picker).
pub fn dispositions_in_order(conn: &Connection, tenant: TenantId) -> Result<Vec<CallDisposition>> {
    let sql = format!(
        "SELECT {} FROM call_dispositions WHERE tenant_id = ?1 ORDER BY sort_order, id",
        CallDisposition::COLUMNS.join(", ")
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([tenant], CallDisposition::from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
