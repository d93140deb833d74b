//! Typed repositories: one [`Table`] implementation per table the client holds, and the
//! generic reads and writes every table shares (`get`, `list_for_tenant`, `upsert`, `delete`).
//!
//! Writes here are the server's rows arriving (sync, demo seeding): they do not touch the
//! outbox. The agent's own changes go through [`crate::actions`], which does.

mod activities;
mod audit;
mod calls;
mod cursors;
mod dispositions;
mod leads;
pub mod outbox;
mod permissions;
pub mod profile;
mod sip_accounts;
mod statuses;
mod tenants;
mod users;

pub use calls::pending_wrapups;
pub use cursors::{get_cursor, set_cursor};
pub use dispositions::dispositions_in_order;
pub use leads::upsert_leads;
pub use permissions::{role_has, role_permissions};
pub use statuses::{statuses_in_order, upsert_statuses};

use crate::error::{Result, StoreError};
use crate::model::TenantId;
use rusqlite::types::ToSql;
use rusqlite::{Connection, OptionalExtension, Row, params_from_iter};
use std::sync::{Mutex, PoisonError};

/// A table whose rows map one to one onto a Rust struct.
pub trait Table: Sized {
    /// The SQL table name.
    const NAME: &'static str;
    /// The entity name used in messages (`lead`, `call`, …).
    const ENTITY: &'static str;
    /// Columns read and written, `id` first, in [`Table::values`] order.
    const COLUMNS: &'static [&'static str];
    /// NOT NULL secret columns the client never holds: written as `''`, never read.
    const WITHHELD: &'static [&'static str] = &[];

    /// Builds the struct from a row selected with [`Table::COLUMNS`].
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self>;
    /// The values in [`Table::COLUMNS`] order.
    fn values(&self) -> Vec<&dyn ToSql>;
}

fn select_sql<T: Table>() -> String {
    format!("SELECT {} FROM {}", T::COLUMNS.join(", "), T::NAME)
}

/// The `INSERT … ON CONFLICT(id) DO UPDATE` statement for `T`. A row equal to the stored one
/// is left alone (no index or trigger work), which is most of a re-pulled page.
fn upsert_sql<T: Table>() -> &'static str {
    static BUILT: Mutex<Vec<(&'static str, &'static str)>> = Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, sql)) = built.iter().find(|(table, _)| *table == T::NAME) {
        return sql;
    }
    let mut columns: Vec<&str> = T::COLUMNS.to_vec();
    columns.extend_from_slice(T::WITHHELD);
    let values: Vec<String> = (1..=T::COLUMNS.len())
        .map(|i| format!("?{i}"))
        .chain(T::WITHHELD.iter().map(|_| "''".to_owned()))
        .collect();
    let updates: Vec<String> = T::COLUMNS[1..]
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    let changed: Vec<String> = T::COLUMNS[1..]
        .iter()
        .map(|c| format!("{t}.{c} IS NOT excluded.{c}", t = T::NAME))
        .collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (id) DO UPDATE SET {} WHERE {}",
        T::NAME,
        columns.join(", "),
        values.join(", "),
        updates.join(", "),
        changed.join(" OR ")
    );
    // One statement per table, built once for the life of the process.
    let sql: &'static str = Box::leak(sql.into_boxed_str());
    built.push((T::NAME, sql));
    sql
}

/// The row with this id, or [`StoreError::NotFound`].
pub fn get<T: Table>(conn: &Connection, id: i64) -> Result<T> {
    find::<T>(conn, id)?.ok_or(StoreError::NotFound {
        entity: T::ENTITY,
        id,
    })
}

/// The row with this id, if any.
pub fn find<T: Table>(conn: &Connection, id: i64) -> Result<Option<T>> {
    let sql = format!("{} WHERE id = ?1", select_sql::<T>());
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], T::from_row)
        .optional()?)
}

/// Every row of the tenant, by id.
pub fn list_for_tenant<T: Table>(conn: &Connection, tenant: TenantId) -> Result<Vec<T>> {
    let sql = format!("{} WHERE tenant_id = ?1 ORDER BY id", select_sql::<T>());
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([tenant], T::from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Inserts or replaces one row by id.
pub fn upsert<T: Table>(conn: &Connection, row: &T) -> Result<()> {
    conn.prepare_cached(upsert_sql::<T>())?
        .execute(params_from_iter(row.values()))?;
    Ok(())
}

/// Deletes the row with this id; returns whether it existed.
pub fn delete<T: Table>(conn: &Connection, id: i64) -> Result<bool> {
    let sql = format!("DELETE FROM {} WHERE id = ?1", T::NAME);
    Ok(conn.prepare_cached(&sql)?.execute([id])? > 0)
}

/// A fresh id for a row created on this device before the server has assigned one.
/// Local ids are negative so they never collide with the server's.
pub fn next_local_id<T: Table>(conn: &Connection) -> Result<i64> {
    let sql = format!("SELECT min(coalesce(min(id), 0), 0) - 1 FROM {}", T::NAME);
    Ok(conn.prepare_cached(&sql)?.query_row([], |row| row.get(0))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Lead;

    #[test]
    fn upsert_statement_updates_every_column_but_id() {
        let sql = upsert_sql::<Lead>();
        assert!(sql.starts_with("INSERT INTO leads (id, tenant_id,"));
        assert!(sql.contains("ON CONFLICT (id) DO UPDATE SET tenant_id = excluded.tenant_id"));
        assert!(!sql.contains("id = excluded.id,"));
    }
}
