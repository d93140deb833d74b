//! Leadline's local store: one tenant's slice of the CRM in SQLite.
//!
//! Owns the database file: applies `migrations/` on open ([`migrate`]), gives typed
//! repositories for every table the client holds ([`repo`]), the seed's sample queries as
//! functions ([`queries`]), lead search and caller lookup, and the agent's actions
//! ([`actions`]) which write the change, its activity and its outbox mutation in one
//! transaction.
//!
//! Invariants: foreign keys are on; the database is in WAL mode when it is a file; no secret
//! (password, token) is ever written here.

pub mod actions;
pub mod demo;
pub mod disk;
mod error;
pub mod phone;
pub mod queries;
pub mod repo;
pub mod sync_apply;

pub use error::{Result, Rule, StoreError};
pub use leadline_migrations as migrate;
pub use leadline_model as model;
pub use leadline_model::Timestamp;

use rusqlite::Connection;
use std::path::Path;
use std::time::Duration;

/// An open local database with the client schema applied.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    pub fn open(path: &Path) -> Result<Store> {
        disk::remember(path);
        let conn = Connection::open(path)?;
        // The agent's data: the owner's only (SQLite gives the WAL the same mode).
        leadline_model::files::owner_only(path).map_err(|e| StoreError::InvalidInput {
            field: "database",
            reason: format!("cannot make {} private: {e}", path.display()),
        })?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Checkpoint (and fsync) every ~40 MiB of WAL rather than every 4 MiB: a pull applies
        // pages of a thousand leads, and a checkpoint per page halves its speed on slow disks.
        // The WAL file is trimmed back to 64 MiB after a checkpoint.
        conn.pragma_update(None, "wal_autocheckpoint", 10_000)?;
        conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
        Store::init(conn)
    }

    /// An in-memory database (tests, benchmarks).
    pub fn open_in_memory() -> Result<Store> {
        Store::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Store> {
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // A 100,000-lead tenant's hot indexes fit in 64 MiB; the 2 MiB default thrashes.
        conn.pragma_update(None, "cache_size", -65_536)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        migrate::apply(&mut conn, &[migrate::SCHEMA, migrate::CLIENT])?;
        Ok(Store { conn })
    }

    /// Removes every row of every tenant and the client's own state (outbox, cursors,
    /// profile), keeping the schema: the store is as new, ready for another account.
    pub fn reset(&mut self) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute_batch(
            "DELETE FROM client_profile; DELETE FROM outbox; DELETE FROM sync_cursors; DELETE FROM tenants;",
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The connection, for reads.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The connection, for writes that manage their own transaction.
    pub fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}
