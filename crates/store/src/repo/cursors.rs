//! `sync_cursors`: where each pull feed stopped.

use crate::Timestamp;
use crate::error::Result;
use rusqlite::{Connection, OptionalExtension, params};

/// The saved cursor of `feed`, if any.
pub fn get_cursor(conn: &Connection, feed: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT cursor FROM sync_cursors WHERE feed = ?1")?
        .query_row([feed], |row| row.get(0))
        .optional()?)
}

/// Saves the cursor of `feed` (in the transaction that applied the page).
pub fn set_cursor(conn: &Connection, feed: &str, cursor: &str, now: Timestamp) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO sync_cursors (feed, cursor, updated_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (feed) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
    )?
    .execute(params![feed, cursor, now])?;
    Ok(())
}
