//! `permissions`, and what a role may do.

use crate::error::Result;
use crate::model::{Permission, Role, TenantId};
use rusqlite::Connection;

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
