//! The outbox: mutations the server must learn of, in the order they were made.
//!
//! Rows are written only inside the transaction of the change they describe
//! ([`crate::actions`]). The sync layer reads [`pending`] in `seq` order, sends each with its
//! `mutation_id` as idempotency key, and reports back with [`applied`] (also for "duplicate")
//! or [`rejected`]; a transient failure is [`attempt_failed`].

use crate::Timestamp;
use crate::error::Result;
use crate::model::{EntityType, Json, MutationKind, OutboxEntry, OutboxState};
use rusqlite::{Connection, OptionalExtension, Row, params};

const COLUMNS: &str = "seq, mutation_id, kind, entity_type, entity_id, base_version, \
                       payload_json, state, attempts, last_error, created_at";

/// A mutation to record.
#[derive(Debug, Clone)]
pub struct NewMutation {
    /// What to do.
    pub kind: MutationKind,
    /// On what.
    pub entity_type: EntityType,
    /// Which one (negative while only local).
    pub entity_id: i64,
    /// The entity's `updated_at` the change was based on.
    pub base_version: Option<Timestamp>,
    /// The change itself.
    pub payload: serde_json::Value,
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<OutboxEntry> {
    Ok(OutboxEntry {
        seq: row.get(0)?,
        mutation_id: row.get(1)?,
        kind: row.get(2)?,
        entity_type: row.get(3)?,
        entity_id: row.get(4)?,
        base_version: row.get(5)?,
        payload: row.get(6)?,
        state: row.get(7)?,
        attempts: row.get(8)?,
        last_error: row.get(9)?,
        created_at: row.get(10)?,
    })
}

/// Records a mutation; returns its id (a fresh UUID).
pub fn enqueue(conn: &Connection, mutation: NewMutation, now: Timestamp) -> Result<String> {
    let mutation_id = uuid::Uuid::new_v4().to_string();
    conn.prepare_cached(
        "INSERT INTO outbox (mutation_id, kind, entity_type, entity_id, base_version, payload_json, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        mutation_id,
        mutation.kind,
        mutation.entity_type,
        mutation.entity_id,
        mutation.base_version,
        Json(mutation.payload),
        now
    ])?;
    Ok(mutation_id)
}

/// Pending mutations, oldest first, at most `limit`.
pub fn pending(conn: &Connection, limit: usize) -> Result<Vec<OutboxEntry>> {
    let sql = format!("SELECT {COLUMNS} FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT ?1");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every entry, pending and rejected, oldest first.
pub fn all(conn: &Connection) -> Result<Vec<OutboxEntry>> {
    let sql = format!("SELECT {COLUMNS} FROM outbox ORDER BY seq");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One entry by its mutation id.
pub fn find(conn: &Connection, mutation_id: &str) -> Result<Option<OutboxEntry>> {
    let sql = format!("SELECT {COLUMNS} FROM outbox WHERE mutation_id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([mutation_id], from_row)
        .optional()?)
}

/// Count of entries in a state.
pub fn count(conn: &Connection, state: OutboxState) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM outbox WHERE state = ?1")?
        .query_row([state], |row| row.get(0))?)
}

/// The server applied it (or already had): it leaves the outbox.
pub fn applied(conn: &Connection, mutation_id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM outbox WHERE mutation_id = ?1")?
        .execute([mutation_id])?
        > 0)
}

/// The server refused it: kept with the reason, no longer sent.
pub fn rejected(conn: &Connection, mutation_id: &str, reason: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "UPDATE outbox SET state = 'rejected', attempts = attempts + 1, last_error = ?2 \
             WHERE mutation_id = ?1",
        )?
        .execute(params![mutation_id, reason])?
        > 0)
}

/// Sending failed for a reason that may pass (network, server down): stays pending.
pub fn attempt_failed(conn: &Connection, mutation_id: &str, error: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE mutation_id = ?1")?
        .execute(params![mutation_id, error])?
        > 0)
}

/// Drops a refused mutation the agent has seen; pending ones cannot be dropped. Returns
/// whether one was.
pub fn dismiss(conn: &Connection, mutation_id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM outbox WHERE mutation_id = ?1 AND state = 'rejected'")?
        .execute([mutation_id])?
        > 0)
}
