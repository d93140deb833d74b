//! The SQLite mapping of the rows: one [`Table`] implementation per table of the seed schema,
//! and the generic reads and writes every table shares. Used by the client's store and the
//! tenant server alike (both apply the same `migrations/schema`).

mod activities;
mod audit;
mod calls;
mod dispositions;
mod leads;
mod permissions;
mod sip_accounts;
mod statuses;
mod tenants;
mod users;

use crate::TenantId;
use rusqlite::types::ToSql;
use rusqlite::{Connection, OptionalExtension, Row, params_from_iter};
use std::sync::{Mutex, PoisonError};

/// A table whose rows map one to one onto a Rust struct.
pub trait Table: Sized {
    /// The SQL table name.
    const NAME: &'static str;
    /// The entity name used in messages (`lead`, `call`, …).
    const ENTITY: &'static str;
    /// Columns read and written, the key first, in [`Table::values`] order.
    const COLUMNS: &'static [&'static str];
    /// The primary key column.
    const KEY: &'static str = "id";
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

/// Rows per multi-row upsert statement. One statement per chunk instead of per row keeps the
/// full-text index's pending terms in memory across the chunk (FTS5 flushes them at every
/// statement boundary of a trigger-firing statement) and stays far below SQLite's 32,766
/// parameters for the widest table.
pub const UPSERT_CHUNK: usize = 200;

/// The `INSERT … ON CONFLICT(id) DO UPDATE` statement for `rows` rows of `T`. A row equal to
/// the stored one is left alone (no index or trigger work), which is most of a re-pulled page.
/// Built once per table and row count for the life of the process (two counts are used).
fn upsert_sql<T: Table>(rows: usize) -> &'static str {
    static BUILT: Mutex<Vec<(&'static str, usize, &'static str)>> = Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, _, sql)) = built.iter().find(|(table, n, _)| *table == T::NAME && *n == rows) {
        return sql;
    }
    let mut columns: Vec<&str> = T::COLUMNS.to_vec();
    columns.extend_from_slice(T::WITHHELD);
    let width = T::COLUMNS.len();
    let tuples: Vec<String> = (0..rows)
        .map(|row| {
            let values: Vec<String> = (1..=width)
                .map(|i| format!("?{}", row * width + i))
                .chain(T::WITHHELD.iter().map(|_| "''".to_owned()))
                .collect();
            format!("({})", values.join(", "))
        })
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
        "INSERT INTO {} ({}) VALUES {} ON CONFLICT ({}) DO UPDATE SET {} WHERE {}",
        T::NAME,
        columns.join(", "),
        tuples.join(", "),
        T::KEY,
        updates.join(", "),
        changed.join(" OR ")
    );
    let sql: &'static str = Box::leak(sql.into_boxed_str());
    built.push((T::NAME, rows, sql));
    sql
}

/// Rows that belong to one tenant.
pub trait TenantScoped {
    /// The owning tenant.
    fn tenant(&self) -> TenantId;
}

macro_rules! tenant_scoped {
    ($($t:ty),* $(,)?) => {$(
        impl TenantScoped for $t {
            fn tenant(&self) -> TenantId {
                self.tenant_id
            }
        }
    )*};
}

tenant_scoped!(
    crate::User,
    crate::PermissionGrant,
    crate::LeadStatus,
    crate::Lead,
    crate::LeadActivity,
    crate::SipAccount,
    crate::CallDisposition,
    crate::Call,
    crate::AuditLog,
);

/// The row with this id, if any.
pub fn find<T: Table>(conn: &Connection, id: i64) -> rusqlite::Result<Option<T>> {
    let sql = format!("{} WHERE {} = ?1", select_sql::<T>(), T::KEY);
    conn.prepare_cached(&sql)?.query_row([id], T::from_row).optional()
}

/// Every row of the tenant, by id.
pub fn list_for_tenant<T: Table>(conn: &Connection, tenant: TenantId) -> rusqlite::Result<Vec<T>> {
    let sql = format!("{} WHERE tenant_id = ?1 ORDER BY {}", select_sql::<T>(), T::KEY);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([tenant], T::from_row)?;
    rows.collect()
}

/// Inserts or replaces one row by id.
pub fn upsert<T: Table>(conn: &Connection, row: &T) -> rusqlite::Result<()> {
    conn.prepare_cached(upsert_sql::<T>(1))?
        .execute(params_from_iter(row.values()))?;
    Ok(())
}

/// Inserts or replaces many rows by id, [`UPSERT_CHUNK`] to a statement. Rows apply in order,
/// so a later copy of an id wins. The caller provides the transaction.
pub fn upsert_all<T: Table>(conn: &Connection, rows: &[T]) -> rusqlite::Result<()> {
    let mut chunks = rows.chunks_exact(UPSERT_CHUNK);
    for chunk in chunks.by_ref() {
        let values = chunk.iter().flat_map(Table::values);
        conn.prepare_cached(upsert_sql::<T>(UPSERT_CHUNK))?
            .execute(params_from_iter(values))?;
    }
    for row in chunks.remainder() {
        upsert(conn, row)?;
    }
    Ok(())
}

/// Deletes the row with this id; returns whether it existed.
pub fn delete<T: Table>(conn: &Connection, id: i64) -> rusqlite::Result<bool> {
    let sql = format!("DELETE FROM {} WHERE {} = ?1", T::NAME, T::KEY);
    Ok(conn.prepare_cached(&sql)?.execute([id])? > 0)
}

/// A fresh id for a row created on this device before the server has assigned one.
/// Local ids are negative so they never collide with the server's.
pub fn next_local_id<T: Table>(conn: &Connection) -> rusqlite::Result<i64> {
    let sql = format!(
        "SELECT min(coalesce(min({k}), 0), 0) - 1 FROM {}",
        T::NAME,
        k = T::KEY
    );
    conn.prepare_cached(&sql)?.query_row([], |row| row.get(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Lead;

    #[test]
    fn upsert_statement_updates_every_column_but_the_key() {
        let sql = upsert_sql::<Lead>(2);
        assert!(sql.starts_with("INSERT INTO leads (id, tenant_id,"));
        assert!(
            sql.contains("(?1, ?2,")
                && sql.contains("?16), (?17, ?18,")
                && sql.ends_with("leads.updated_at IS NOT excluded.updated_at")
        );
        assert!(sql.contains("ON CONFLICT (id) DO UPDATE SET tenant_id = excluded.tenant_id"));
        assert!(!sql.contains("id = excluded.id,"));
        assert!(std::ptr::eq(sql, upsert_sql::<Lead>(2)), "built once");
    }

    #[test]
    fn upsert_all_applies_every_row_in_order_across_chunks() {
        use crate::{Tenant, TenantStatus};
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE tenants (id INTEGER PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL, timezone TEXT NOT NULL, created_at TEXT, updated_at TEXT)").unwrap();
        let tenant = |id: i64, name: String| Tenant {
            id: TenantId(id),
            name,
            status: TenantStatus::Active,
            timezone: "UTC".into(),
            created_at: None,
            updated_at: None,
        };
        let mut rows: Vec<Tenant> = (1..=UPSERT_CHUNK as i64 * 2 + 7)
            .map(|i| tenant(i, format!("t{i}")))
            .collect();
        rows.push(tenant(3, "renamed".into()));
        upsert_all(&conn, &rows).unwrap();
        let all: Vec<Tenant> = conn
            .prepare("SELECT id, name, status, timezone, created_at, updated_at FROM tenants ORDER BY id")
            .unwrap()
            .query_map([], Tenant::from_row)
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(all.len(), UPSERT_CHUNK * 2 + 7);
        assert_eq!(all[2].name, "renamed");
        assert_eq!(
            all[UPSERT_CHUNK * 2 + 6].name,
            format!("t{}", UPSERT_CHUNK * 2 + 7)
        );
    }
}
