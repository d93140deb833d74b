//! `permissions`, and what a role may do.

use super::Table;
use crate::PermissionGrant;
use rusqlite::Row;
use rusqlite::types::ToSql;

impl Table for PermissionGrant {
    const NAME: &'static str = "permissions";
    const ENTITY: &'static str = "permission";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "tenant_id",
        "role",
        "permission",
        "created_at",
        "updated_at",
    ];

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(PermissionGrant {
            id: row.get(0)?,
            tenant_id: row.get(1)?,
            role: row.get(2)?,
            permission: row.get(3)?,
            created_at: row.get(4)?,
            updated_at: row.get(5)?,
        })
    }

    fn values(&self) -> Vec<&dyn ToSql> {
        vec![
            &self.id,
            &self.tenant_id,
            &self.role,
            &self.permission,
            &self.created_at,
            &self.updated_at,
        ]
    }
}
