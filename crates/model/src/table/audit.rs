//! `audit_logs` (immutable). The server writes them; the client holds what it is sent.

use super::Table;
use crate::AuditLog;
use rusqlite::Row;
use rusqlite::types::ToSql;

impl Table for AuditLog {
    const NAME: &'static str = "audit_logs";
    const ENTITY: &'static str = "audit log entry";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "tenant_id",
        "user_id",
        "action",
        "entity_type",
        "entity_id",
        "ip_address",
        "user_agent",
        "created_at",
    ];

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(AuditLog {
            id: row.get(0)?,
            tenant_id: row.get(1)?,
            user_id: row.get(2)?,
            action: row.get(3)?,
            entity_type: row.get(4)?,
            entity_id: row.get(5)?,
            ip_address: row.get(6)?,
            user_agent: row.get(7)?,
            created_at: row.get(8)?,
        })
    }

    fn values(&self) -> Vec<&dyn ToSql> {
        vec![
            &self.id,
            &self.tenant_id,
            &self.user_id,
            &self.action,
            &self.entity_type,
            &self.entity_id,
            &self.ip_address,
            &self.user_agent,
            &self.created_at,
        ]
    }
}
