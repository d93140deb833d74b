//! The migrations applied to an empty database match the seed (`crm-schema.md`): tables,
//! columns with type, nullability and default, index names and columns, foreign keys with their
//! ON DELETE action. And the runner is idempotent and refuses a newer database untouched.

#![allow(clippy::unwrap_used)] // a test fails loudly on unexpected errors

use leadline_store::migrate::MigrationError;
use leadline_store::{Store, StoreError};
use rusqlite::Connection;

/// (column, SQLite type, NOT NULL, default as SQL text)
type Col = (&'static str, &'static str, bool, Option<&'static str>);

const TS: &str = "TEXT";

fn expected_tables() -> Vec<(&'static str, Vec<Col>)> {
    let id: Col = ("id", "INTEGER", false, None);
    let tenant: Col = ("tenant_id", "INTEGER", true, None);
    let created: Col = ("created_at", TS, false, Some("NULL"));
    let updated: Col = ("updated_at", TS, false, Some("NULL"));
    let flag = |name: &'static str, default: &'static str| -> Col { (name, "INTEGER", true, Some(default)) };
    vec![
        (
            "tenants",
            vec![
                id,
                ("name", "TEXT", true, None),
                ("status", "TEXT", true, Some("'active'")),
                ("timezone", "TEXT", true, Some("'UTC'")),
                created,
                updated,
            ],
        ),
        (
            "users",
            vec![
                id,
                tenant,
                ("name", "TEXT", true, None),
                ("email", "TEXT", true, None),
                ("email_verified_at", TS, false, Some("NULL")),
                ("password", "TEXT", true, None),
                ("role", "TEXT", true, None),
                flag("is_active", "1"),
                ("remember_token", "TEXT", false, Some("NULL")),
                created,
                updated,
            ],
        ),
        (
            "permissions",
            vec![
                id,
                tenant,
                ("role", "TEXT", true, None),
                ("permission", "TEXT", true, None),
                created,
                updated,
            ],
        ),
        (
            "lead_statuses",
            vec![
                id,
                tenant,
                ("name", "TEXT", true, None),
                ("color", "TEXT", true, Some("'#3B82F6'")),
                ("sort_order", "INTEGER", true, Some("0")),
                flag("is_default", "0"),
                flag("is_closed", "0"),
                flag("is_won", "0"),
                flag("is_lost", "0"),
                flag("requires_note", "0"),
                flag("requires_followup_date", "0"),
                created,
                updated,
            ],
        ),
        (
            "leads",
            vec![
                id,
                tenant,
                ("lead_status_id", "INTEGER", true, None),
                ("assigned_to_user_id", "INTEGER", false, Some("NULL")),
                ("created_by_user_id", "INTEGER", false, Some("NULL")),
                ("name", "TEXT", true, None),
                ("company_name", "TEXT", false, Some("NULL")),
                ("email", "TEXT", false, Some("NULL")),
                ("phone", "TEXT", false, Some("NULL")),
                ("source", "TEXT", false, Some("NULL")),
                ("score", "TEXT", true, Some("'warm'")),
                ("estimated_value", "INTEGER", false, Some("NULL")),
                ("last_contacted_at", TS, false, Some("NULL")),
                ("next_followup_at", TS, false, Some("NULL")),
                created,
                updated,
            ],
        ),
        (
            "lead_activities",
            vec![
                id,
                tenant,
                ("lead_id", "INTEGER", true, None),
                ("user_id", "INTEGER", true, None),
                ("type", "TEXT", true, None),
                ("payload_json", "TEXT", false, Some("NULL")),
                created,
            ],
        ),
        (
            "agent_sip_credentials",
            vec![
                id,
                tenant,
                ("user_id", "INTEGER", true, None),
                ("sip_ws_url", "TEXT", true, None),
                ("sip_username", "TEXT", true, None),
                ("sip_password", "TEXT", true, None),
                ("sip_domain", "TEXT", true, None),
                ("display_name", "TEXT", false, Some("NULL")),
                flag("auto_register", "0"),
                created,
                updated,
            ],
        ),
        (
            "call_dispositions",
            vec![
                id,
                tenant,
                ("name", "TEXT", true, None),
                ("sort_order", "INTEGER", true, Some("0")),
                flag("is_default", "0"),
                flag("requires_note", "0"),
                created,
                updated,
            ],
        ),
        (
            "calls",
            vec![
                id,
                tenant,
                ("user_id", "INTEGER", true, None),
                ("related_type", "TEXT", false, Some("NULL")),
                ("related_id", "INTEGER", false, Some("NULL")),
                ("direction", "TEXT", true, None),
                ("from_number", "TEXT", true, None),
                ("to_number", "TEXT", true, None),
                ("started_at", TS, true, None),
                ("ended_at", TS, false, Some("NULL")),
                ("duration_seconds", "INTEGER", false, Some("NULL")),
                ("pbx_call_id", "TEXT", false, Some("NULL")),
                ("recording_url", "TEXT", false, Some("NULL")),
                ("disposition_id", "INTEGER", false, Some("NULL")),
                ("wrapup_notes", "TEXT", false, Some("NULL")),
                created,
                updated,
                // Leadline's addition (schema 0011): the call's audio quality.
                ("quality", "TEXT", false, Some("NULL")),
            ],
        ),
        (
            "audit_logs",
            vec![
                id,
                tenant,
                ("user_id", "INTEGER", false, Some("NULL")),
                ("action", "TEXT", true, None),
                ("entity_type", "TEXT", false, Some("NULL")),
                ("entity_id", "INTEGER", false, Some("NULL")),
                ("ip_address", "TEXT", false, Some("NULL")),
                ("user_agent", "TEXT", false, Some("NULL")),
                created,
            ],
        ),
    ]
}

/// (table, index name, unique, columns) — every index the seed names.
const INDEXES: &[(&str, &str, bool, &[&str])] = &[
    ("tenants", "tenants_idx_status", false, &["status"]),
    ("users", "users_email_unique", true, &["email"]),
    (
        "users",
        "users_idx_tenant_active",
        false,
        &["tenant_id", "is_active"],
    ),
    (
        "permissions",
        "permissions_unique_permission",
        true,
        &["tenant_id", "role", "permission"],
    ),
    ("permissions", "permissions_idx_tenant", false, &["tenant_id"]),
    (
        "lead_statuses",
        "lead_statuses_idx_tenant_sort",
        false,
        &["tenant_id", "sort_order"],
    ),
    (
        "leads",
        "leads_idx_tenant_status",
        false,
        &["tenant_id", "lead_status_id"],
    ),
    (
        "leads",
        "leads_idx_tenant_assigned",
        false,
        &["tenant_id", "assigned_to_user_id"],
    ),
    (
        "leads",
        "leads_idx_tenant_followup",
        false,
        &["tenant_id", "next_followup_at"],
    ),
    (
        "lead_activities",
        "lead_activities_idx_tenant_lead_created",
        false,
        &["tenant_id", "lead_id", "created_at"],
    ),
    (
        "agent_sip_credentials",
        "agent_sip_credentials_unique_user",
        true,
        &["tenant_id", "user_id"],
    ),
    (
        "agent_sip_credentials",
        "agent_sip_credentials_idx_tenant",
        false,
        &["tenant_id"],
    ),
    (
        "call_dispositions",
        "call_dispositions_idx_tenant_sort",
        false,
        &["tenant_id", "sort_order"],
    ),
    (
        "calls",
        "calls_idx_tenant_user_started",
        false,
        &["tenant_id", "user_id", "started_at"],
    ),
    (
        "calls",
        "calls_idx_tenant_related",
        false,
        &["tenant_id", "related_type", "related_id"],
    ),
    (
        "audit_logs",
        "audit_logs_idx_tenant_created",
        false,
        &["tenant_id", "created_at"],
    ),
    (
        "audit_logs",
        "audit_logs_idx_tenant_entity",
        false,
        &["tenant_id", "entity_type", "entity_id"],
    ),
];

/// (table, column, parent table, ON DELETE)
const FOREIGN_KEYS: &[(&str, &str, &str, &str)] = &[
    ("users", "tenant_id", "tenants", "CASCADE"),
    ("permissions", "tenant_id", "tenants", "CASCADE"),
    ("lead_statuses", "tenant_id", "tenants", "CASCADE"),
    ("leads", "tenant_id", "tenants", "CASCADE"),
    ("leads", "lead_status_id", "lead_statuses", "RESTRICT"),
    ("leads", "assigned_to_user_id", "users", "SET NULL"),
    ("leads", "created_by_user_id", "users", "SET NULL"),
    ("lead_activities", "tenant_id", "tenants", "CASCADE"),
    ("lead_activities", "lead_id", "leads", "CASCADE"),
    ("lead_activities", "user_id", "users", "CASCADE"),
    ("agent_sip_credentials", "tenant_id", "tenants", "CASCADE"),
    ("agent_sip_credentials", "user_id", "users", "CASCADE"),
    ("call_dispositions", "tenant_id", "tenants", "CASCADE"),
    ("calls", "tenant_id", "tenants", "CASCADE"),
    ("calls", "user_id", "users", "CASCADE"),
    ("calls", "disposition_id", "call_dispositions", "SET NULL"),
    ("audit_logs", "tenant_id", "tenants", "CASCADE"),
    ("audit_logs", "user_id", "users", "SET NULL"),
];

fn strings(conn: &Connection, sql: &str, column: usize) -> Vec<String> {
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |row| row.get::<_, String>(column))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn seed_tables_and_columns_match_the_seed() {
    let store = Store::open_in_memory().unwrap();
    let conn = store.conn();
    for (table, expected) in expected_tables() {
        let mut stmt = conn.prepare(&format!("PRAGMA table_info({table})")).unwrap();
        let actual: Vec<(String, String, bool, Option<String>)> = stmt
            .query_map([], |r| Ok((r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let expected: Vec<(String, String, bool, Option<String>)> = expected
            .iter()
            .map(|(n, t, nn, d)| ((*n).into(), (*t).into(), *nn, d.map(Into::into)))
            .collect();
        assert_eq!(actual, expected, "columns of {table}");
    }
}

#[test]
fn every_seed_index_exists_under_its_prefixed_name() {
    let store = Store::open_in_memory().unwrap();
    let conn = store.conn();
    for (table, name, unique, columns) in INDEXES {
        let listed: Vec<(String, bool)> = {
            let mut stmt = conn.prepare(&format!("PRAGMA index_list({table})")).unwrap();
            stmt.query_map([], |r| Ok((r.get(1)?, r.get(2)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        let found = listed.iter().find(|(n, _)| n == name);
        assert_eq!(
            found.map(|f| f.1),
            Some(*unique),
            "index {name} on {table}: {listed:?}"
        );
        let actual = strings(conn, &format!("PRAGMA index_info({name})"), 2);
        assert_eq!(actual, *columns, "columns of {name}");
    }
}

#[test]
fn foreign_keys_have_the_seeds_on_delete_actions() {
    let store = Store::open_in_memory().unwrap();
    let conn = store.conn();
    let seed_tables: Vec<&str> = expected_tables().iter().map(|(t, _)| *t).collect();
    let mut all = Vec::new();
    for table in &seed_tables {
        let mut stmt = conn
            .prepare(&format!("PRAGMA foreign_key_list({table})"))
            .unwrap();
        let rows: Vec<(String, String, String, String)> = stmt
            .query_map([], |r| Ok((r.get(2)?, r.get(3)?, r.get(4)?, r.get(6)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for (parent, from, to, on_delete) in rows {
            assert_eq!(to, "id");
            all.push((table.to_string(), from, parent, on_delete));
        }
    }
    let mut expected: Vec<(String, String, String, String)> = FOREIGN_KEYS
        .iter()
        .map(|(t, c, p, a)| ((*t).into(), (*c).into(), (*p).into(), (*a).into()))
        .collect();
    all.sort();
    expected.sort();
    assert_eq!(all, expected);
    let fk_on: bool = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
    assert!(fk_on);
}

#[test]
fn enum_values_are_check_constraints() {
    let store = Store::open_in_memory().unwrap();
    let conn = store.conn();
    conn.execute("INSERT INTO tenants (id, name) VALUES (1, 'T')", [])
        .unwrap();
    let bad = [
        "INSERT INTO tenants (name, status) VALUES ('x', 'paused')",
        "INSERT INTO users (tenant_id, name, email, password, role) VALUES (1, 'u', 'u@x', 'p', 'owner')",
        "INSERT INTO permissions (tenant_id, role, permission) VALUES (1, 'boss', 'leads.view')",
        "INSERT INTO lead_activities (tenant_id, lead_id, user_id, type) VALUES (1, 1, 1, 'email')",
        "INSERT INTO tenants (name) VALUES (printf('%.256c', 'x'))",
        "INSERT INTO lead_statuses (tenant_id, name, is_default, color) VALUES (1, 's', 2, '#000')",
    ];
    for sql in bad {
        let err = conn.execute(sql, []).unwrap_err().to_string();
        assert!(err.contains("CHECK constraint failed"), "{sql}: {err}");
    }
    let defaults: (String, String) = conn
        .query_row("SELECT status, timezone FROM tenants WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(defaults, ("active".into(), "UTC".into()));
}

#[test]
fn migrations_are_idempotent_and_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leadline.sqlite3");
    drop(Store::open(&path).unwrap());
    let store = Store::open(&path).unwrap();
    let versions: Vec<i64> = {
        let mut stmt = store
            .conn()
            .prepare("SELECT version FROM schema_migrations ORDER BY version")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(
        versions,
        vec![
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109
        ]
    );
    let mut conn = Connection::open(&path).unwrap();
    let applied = leadline_store::migrate::apply(
        &mut conn,
        &[leadline_store::migrate::SCHEMA, leadline_store::migrate::CLIENT],
    )
    .unwrap();
    assert_eq!(applied, 0);
}

#[test]
fn a_database_from_a_newer_leadline_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leadline.sqlite3");
    {
        let store = Store::open(&path).unwrap();
        store
            .conn()
            .execute(
                "INSERT INTO schema_migrations (version, name) VALUES (199, '0199_future.sql')",
                [],
            )
            .unwrap();
        store
            .conn()
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Migration(MigrationError::NewerDatabase {
                found: 199,
                known: 109
            })
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("newer version of Leadline"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before, "the file was changed");
}

#[test]
fn a_failing_migration_leaves_no_trace() {
    use leadline_store::migrate::{Migration, SCHEMA, apply};
    let mut conn = Connection::open_in_memory().unwrap();
    let broken = [Migration {
        version: 900,
        name: "0900_broken.sql",
        sql: "CREATE TABLE half (x); SELECT nope FROM nowhere;",
    }];
    let err = apply(&mut conn, &[SCHEMA, &broken]).unwrap_err();
    assert!(
        matches!(err, MigrationError::Failed { version: 900, .. }),
        "{err:?}"
    );
    let half: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'half')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!half, "the failed migration's table survived");
    let recorded: i64 = conn
        .query_row("SELECT count(*) FROM schema_migrations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(recorded, SCHEMA.len() as i64, "the schema's own migrations only");
}

#[test]
fn a_file_that_is_not_a_database_is_a_clear_error_and_stays_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leadline.sqlite3");
    let garbage = b"this is not a database, it is someone's shopping list".repeat(100);
    std::fs::write(&path, &garbage).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(err.to_string().contains("not a database"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), garbage);
}

#[test]
fn sync_cursors_persist_per_feed() {
    use leadline_store::Timestamp;
    use leadline_store::repo::{get_cursor, set_cursor};
    let store = Store::open_in_memory().unwrap();
    let now = Timestamp::now();
    assert_eq!(get_cursor(store.conn(), "changes").unwrap(), None);
    set_cursor(store.conn(), "changes", "c1", now).unwrap();
    set_cursor(store.conn(), "changes", "c2", now).unwrap();
    set_cursor(store.conn(), "other", "x", now).unwrap();
    assert_eq!(
        get_cursor(store.conn(), "changes").unwrap().as_deref(),
        Some("c2")
    );
    assert_eq!(get_cursor(store.conn(), "other").unwrap().as_deref(), Some("x"));
}
