//! `tenants`.

use super::Table;
use crate::Tenant;
use rusqlite::Row;
use rusqlite::types::ToSql;

impl Table for Tenant {
    const NAME: &'static str = "tenants";
    const ENTITY: &'static str = "tenant";
    const COLUMNS: &'static [&'static str] =
        &["id", "name", "status", "timezone", "created_at", "updated_at"];

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Tenant {
            id: row.get(0)?,
            name: row.get(1)?,
            status: row.get(2)?,
            timezone: row.get(3)?,
            created_at: row.get(4)?,
            updated_at: row.get(5)?,
        })
    }

    fn values(&self) -> Vec<&dyn ToSql> {
        vec![
            &self.id,
            &self.name,
            &self.status,
            &self.timezone,
            &self.created_at,
            &self.updated_at,
        ]
    }
}
