//! `users`. The client never holds password hashes or remember tokens.

use super::Table;
use crate::User;
use rusqlite::Row;
use rusqlite::types::ToSql;

impl Table for User {
    const NAME: &'static str = "users";
    const ENTITY: &'static str = "user";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "tenant_id",
        "name",
        "email",
        "email_verified_at",
        "role",
        "is_active",
        "created_at",
        "updated_at",
    ];
    const WITHHELD: &'static [&'static str] = &["password"];

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(User {
            id: row.get(0)?,
            tenant_id: row.get(1)?,
            name: row.get(2)?,
            email: row.get(3)?,
            email_verified_at: row.get(4)?,
            role: row.get(5)?,
            is_active: row.get(6)?,
            created_at: row.get(7)?,
            updated_at: row.get(8)?,
        })
    }

    fn values(&self) -> Vec<&dyn ToSql> {
        vec![
            &self.id,
            &self.tenant_id,
            &self.name,
            &self.email,
            &self.email_verified_at,
            &self.role,
            &self.is_active,
            &self.created_at,
            &self.updated_at,
        ]
    }
}
