//! The database: one SQLite connection (WAL) behind a mutex, used from the blocking pool so
//! request handlers never block the async runtime. Writes are serialized, as SQLite wants.

use crate::error::{ApiError, ServerError};
use leadline_migrations::{SCHEMA, SERVER, apply};
use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// The shared database.
#[derive(Debug, Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

impl Db {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Db, ServerError> {
        let mut conn = Connection::open(path)?;
        // Every tenant's data: the server's owner's only (SQLite gives the WAL the same mode).
        if leadline_model::files::owner_only(path)? {
            tracing::warn!(path = %path.display(), "the database was readable by others: made private");
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "cache_size", -65_536)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        apply(&mut conn, &[SCHEMA, SERVER])?;
        Ok(Db {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `work` with the connection on the blocking pool.
    pub async fn run<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, ApiError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
            work(&mut conn)
        })
        .await
        .map_err(ApiError::internal)?
    }

    /// Runs `work` with the connection on the current thread (start-up, seeding).
    pub fn run_now<T>(&self, work: impl FnOnce(&mut Connection) -> T) -> T {
        let mut conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        work(&mut conn)
    }
}
