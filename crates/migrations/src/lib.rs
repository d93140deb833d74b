//! The SQL migrations under `migrations/`, embedded at build time, and their runner. The
//! client applies [`SCHEMA`] then [`CLIENT`]; the tenant server [`SCHEMA`] then [`SERVER`].
//!
//! Migrations are the SQL files under `migrations/`, embedded at build time. Each applies in
//! its own transaction together with its row in `schema_migrations`, so a crash leaves the
//! database at a migration boundary. Applying is idempotent. A database that records a version
//! this build does not know was written by a newer Leadline: it is refused before anything is
//! changed.

use rusqlite::{Connection, OptionalExtension, params};

/// Why migrating failed. Nothing was changed beyond the migrations that completed.
#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    /// The database was written by a newer Leadline; it was not touched.
    #[error(
        "this database was written by a newer version of Leadline (schema version {found}, \
         this version knows up to {known}); update Leadline to open it"
    )]
    NewerDatabase {
        /// Highest schema version found in the file.
        found: i64,
        /// Highest schema version this build knows.
        known: i64,
    },
    /// A migration failed to apply; the database was left as it was before it.
    #[error("migration {version} ({name}) failed: {source}")]
    Failed {
        /// The migration's version.
        version: i64,
        /// The migration's file name.
        name: &'static str,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// Reading or writing the bookkeeping failed (I/O, not a database, locked).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

type Result<T> = std::result::Result<T, MigrationError>;

/// One embedded SQL migration.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Version number; unique across all migration folders.
    pub version: i64,
    /// File name, for messages.
    pub name: &'static str,
    /// The SQL.
    pub sql: &'static str,
}

macro_rules! migration {
    ($version:literal, $dir:literal, $name:literal) => {
        Migration {
            version: $version,
            name: $name,
            sql: include_str!(concat!("../../../migrations/", $dir, "/", $name)),
        }
    };
}

/// The CRM seed schema, in the seed's migration order (shared by client and server).
pub const SCHEMA: &[Migration] = &[
    migration!(1, "schema", "0001_tenants.sql"),
    migration!(2, "schema", "0002_users.sql"),
    migration!(3, "schema", "0003_permissions.sql"),
    migration!(4, "schema", "0004_lead_statuses.sql"),
    migration!(5, "schema", "0005_leads.sql"),
    migration!(6, "schema", "0006_lead_activities.sql"),
    migration!(7, "schema", "0007_agent_sip_credentials.sql"),
    migration!(8, "schema", "0008_call_dispositions.sql"),
    migration!(9, "schema", "0009_calls.sql"),
    migration!(10, "schema", "0010_audit_logs.sql"),
    migration!(11, "schema", "0011_call_quality.sql"),
    migration!(12, "schema", "0012_audit_logs_outlive_users.sql"),
    migration!(13, "schema", "0013_same_tenant_people.sql"),
    migration!(14, "schema", "0014_text_limits.sql"),
];

/// The desktop client's own tables, applied after [`SCHEMA`].
pub const CLIENT: &[Migration] = &[
    migration!(100, "client", "0100_client_profile.sql"),
    migration!(101, "client", "0101_outbox.sql"),
    migration!(102, "client", "0102_sync_cursors.sql"),
    migration!(103, "client", "0103_leads_fts.sql"),
    migration!(104, "client", "0104_lead_phones.sql"),
    migration!(105, "client", "0105_client_indexes.sql"),
    migration!(106, "client", "0106_calling_settings.sql"),
    migration!(107, "client", "0107_calls_during_wrap_up.sql"),
    migration!(108, "client", "0108_audio_devices.sql"),
    migration!(109, "client", "0109_voice_processing.sql"),
];

/// The reference tenant server's own tables, applied after [`SCHEMA`].
pub const SERVER: &[Migration] = &[
    migration!(200, "server", "0200_api_tokens.sql"),
    migration!(201, "server", "0201_applied_mutations.sql"),
    migration!(202, "server", "0202_change_log.sql"),
    migration!(203, "server", "0203_no_reused_ids_and_refusal_quota.sql"),
];

const BOOKKEEPING: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now'))
)";

/// Applies every migration of `sets` not yet applied, in order. Returns how many were applied.
pub fn apply(conn: &mut Connection, sets: &[&[Migration]]) -> Result<usize> {
    let known: Vec<&Migration> = sets.iter().flat_map(|set| set.iter()).collect();
    refuse_newer(conn, &known)?;
    conn.execute_batch(BOOKKEEPING)?;
    let mut applied = 0;
    for migration in known {
        let tx = conn.transaction()?;
        let done: Option<i64> = tx
            .query_row(
                "SELECT version FROM schema_migrations WHERE version = ?1",
                [migration.version],
                |row| row.get(0),
            )
            .optional()?;
        if done.is_some() {
            continue;
        }
        let fail = |source| MigrationError::Failed {
            version: migration.version,
            name: migration.name,
            source,
        };
        tx.execute_batch(migration.sql).map_err(fail)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (?1, ?2)",
            params![migration.version, migration.name],
        )
        .map_err(fail)?;
        tx.commit()?;
        applied += 1;
    }
    Ok(applied)
}

/// Errors with [`MigrationError::NewerDatabase`] if the file records a version not in `known`.
fn refuse_newer(conn: &Connection, known: &[&Migration]) -> Result<()> {
    let has_table: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations')",
        [],
        |row| row.get(0),
    )?;
    if !has_table {
        return Ok(());
    }
    let mut stmt = conn.prepare("SELECT version FROM schema_migrations ORDER BY version")?;
    let versions = stmt.query_map([], |row| row.get::<_, i64>(0))?;
    let known_max = known.iter().map(|m| m.version).max().unwrap_or(0);
    for version in versions {
        let version = version?;
        if !known.iter().any(|m| m.version == version) {
            return Err(MigrationError::NewerDatabase {
                found: version.max(known_max + 1),
                known: known_max,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sql_file_is_embedded_once() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations");
        for (dir, set) in [("schema", SCHEMA), ("client", CLIENT), ("server", SERVER)] {
            let mut on_disk: Vec<String> = std::fs::read_dir(format!("{root}/{dir}"))
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".sql"))
                .collect();
            on_disk.sort();
            let embedded: Vec<String> = set.iter().map(|m| m.name.to_owned()).collect();
            assert_eq!(on_disk, embedded, "migrations/{dir} and the embedded list differ");
            for m in set {
                assert!(m.name.starts_with(&format!("{:04}_", m.version)), "{}", m.name);
            }
        }
    }
}
