//! `permissions`, and what a role may do.

use super::Table;
use crate::error::Result;
use crate::model::{Permission, PermissionGrant, Role, TenantId};
use rusqlite::types::ToSql;
use rusqlite::{Connection, Row};

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

/// Whether `role` holds `permission` in the tenant.
pub fn role_has(conn: &Connection, tenant: TenantId, role: Role, permission: Permission) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM permissions WHERE tenant_id = ?1 AND role = ?2 AND permission = ?3)",
        )?
        .query_row(rusqlite::params![tenant, role, permission.as_str()], |row| row.get(0))?)
}

/// The known permissions `role` holds in the tenant (unknown strings are skipped).
pub fn role_permissions(conn: &Connection, tenant: TenantId, role: Role) -> Result<Vec<Permission>> {
    let mut stmt = conn.prepare_cached(
        "SELECT permission FROM permissions WHERE tenant_id = ?1 AND role = ?2 ORDER BY permission",
    )?;
    let rows = stmt.query_map(rusqlite::params![tenant, role], |row| row.get::<_, String>(0))?;
    let mut out = Vec::new();
    for text in rows {
        if let Ok(permission) = text?.parse() {
            out.push(permission);
        }
    }
    Ok(out)
}
