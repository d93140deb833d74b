//! Every business rule of the seed, broken on purpose: the change is refused with the rule's
//! typed error and nothing is written.

#![allow(clippy::unwrap_used)] // a test fails loudly on unexpected errors

use leadline_store::{Rule, Store, StoreError, Timestamp};
use rusqlite::Connection;

fn store() -> Store {
    let store = Store::open_in_memory().unwrap();
    store
        .conn()
        .execute_batch(
            "INSERT INTO tenants (id, name) VALUES (1, 'Acme'), (2, 'Other');
             INSERT INTO users (id, tenant_id, name, email, password, role)
                  VALUES (1, 1, 'Agent', 'a@acme.test', '', 'sales_agent'),
                         (2, 2, 'Else', 'e@other.test', '', 'sales_agent');
             INSERT INTO lead_statuses (id, tenant_id, name, is_default) VALUES (1, 1, 'New', 1);
             INSERT INTO lead_statuses (id, tenant_id, name, requires_note) VALUES (2, 1, 'Lost', 1);
             INSERT INTO lead_statuses (id, tenant_id, name, requires_followup_date) VALUES (3, 1, 'Callback', 1);
             INSERT INTO lead_statuses (id, tenant_id, name, is_default) VALUES (9, 2, 'Other new', 1);
             INSERT INTO leads (id, tenant_id, lead_status_id, name) VALUES (1, 1, 1, 'Lead');
             INSERT INTO call_dispositions (id, tenant_id, name) VALUES (1, 1, 'Answered');
             INSERT INTO call_dispositions (id, tenant_id, name, requires_note) VALUES (2, 1, 'Follow-up Required', 1);
             INSERT INTO call_dispositions (id, tenant_id, name) VALUES (9, 2, 'Other answered');
             INSERT INTO calls (id, tenant_id, user_id, direction, from_number, to_number, started_at)
                  VALUES (1, 1, 1, 'outbound', '100', '200', '2026-03-01 10:00:00');",
        )
        .unwrap();
    store
}

fn rule_of(result: Result<usize, rusqlite::Error>) -> Rule {
    match result.map_err(StoreError::from) {
        Err(StoreError::Rule { rule, .. }) => rule,
        other => panic!("expected a rule violation, got {other:?}"),
    }
}

fn defaults(conn: &Connection, tenant: i64) -> Vec<i64> {
    let mut stmt = conn
        .prepare("SELECT id FROM lead_statuses WHERE tenant_id = ?1 AND is_default = 1")
        .unwrap();
    stmt.query_map([tenant], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn exactly_one_default_status_per_tenant() {
    let store = store();
    let conn = store.conn();
    // The first status of a tenant must be its default.
    conn.execute("INSERT INTO tenants (id, name) VALUES (3, 'Fresh')", [])
        .unwrap();
    let rule = rule_of(conn.execute("INSERT INTO lead_statuses (tenant_id, name) VALUES (3, 'x')", []));
    assert_eq!(rule, Rule::DefaultStatusRequired);
    // The default cannot be demoted directly, nor deleted.
    assert_eq!(
        rule_of(conn.execute("UPDATE lead_statuses SET is_default = 0 WHERE id = 1", [])),
        Rule::DefaultStatusRequired
    );
    conn.execute("DELETE FROM leads", []).unwrap();
    assert_eq!(
        rule_of(conn.execute("DELETE FROM lead_statuses WHERE id = 1", [])),
        Rule::DefaultStatusRequired
    );
    assert_eq!(defaults(conn, 1), vec![1]);
    // Promoting another status (update or insert) moves the default: still exactly one.
    conn.execute("UPDATE lead_statuses SET is_default = 1 WHERE id = 3", [])
        .unwrap();
    assert_eq!(defaults(conn, 1), vec![3]);
    conn.execute(
        "INSERT INTO lead_statuses (id, tenant_id, name, is_default) VALUES (4, 1, 'Fresh', 1)",
        [],
    )
    .unwrap();
    assert_eq!(defaults(conn, 1), vec![4]);
    // The other tenant's default is untouched.
    assert_eq!(defaults(conn, 2), vec![9]);
    // The old default, no longer default, can now be deleted.
    conn.execute("DELETE FROM lead_statuses WHERE id = 1", [])
        .unwrap();
}

#[test]
fn won_and_lost_are_exclusive() {
    let store = store();
    let conn = store.conn();
    let rule = rule_of(conn.execute(
        "INSERT INTO lead_statuses (tenant_id, name, is_closed, is_won, is_lost) VALUES (1, 'Both', 1, 1, 1)",
        [],
    ));
    assert_eq!(rule, Rule::WonLostExclusive);
    conn.execute(
        "INSERT INTO lead_statuses (id, tenant_id, name, is_won) VALUES (5, 1, 'Won', 1)",
        [],
    )
    .unwrap();
    assert_eq!(
        rule_of(conn.execute("UPDATE lead_statuses SET is_lost = 1 WHERE id = 5", [])),
        Rule::WonLostExclusive
    );
}

#[test]
fn a_status_with_leads_cannot_be_deleted() {
    let store = store();
    let conn = store.conn();
    conn.execute("UPDATE leads SET lead_status_id = 2 WHERE id = 1", [])
        .unwrap();
    assert_eq!(
        rule_of(conn.execute("DELETE FROM lead_statuses WHERE id = 2", [])),
        Rule::StatusInUse
    );
    conn.execute("UPDATE leads SET lead_status_id = 1 WHERE id = 1", [])
        .unwrap();
    conn.execute("DELETE FROM lead_statuses WHERE id = 2", [])
        .unwrap();
}

#[test]
fn deleting_a_tenant_cascades_through_every_rule() {
    let store = store();
    let conn = store.conn();
    conn.execute("DELETE FROM tenants WHERE id = 1", []).unwrap();
    for table in [
        "users",
        "lead_statuses",
        "leads",
        "call_dispositions",
        "calls",
        "lead_phones",
        "lead_activities",
    ] {
        let left: i64 = conn
            .query_row(
                &format!("SELECT count(*) FROM {table} WHERE tenant_id = 1"),
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(left, 0, "{table}");
    }
    assert_eq!(defaults(conn, 2), vec![9]);
}

#[test]
fn moving_into_a_followup_status_needs_a_followup_date() {
    let store = store();
    let conn = store.conn();
    assert_eq!(
        rule_of(conn.execute("UPDATE leads SET lead_status_id = 3 WHERE id = 1", [])),
        Rule::FollowupRequired
    );
    conn.execute(
        "UPDATE leads SET lead_status_id = 3, next_followup_at = '2030-01-01 09:00:00' WHERE id = 1",
        [],
    )
    .unwrap();
}

#[test]
fn a_lead_cannot_use_another_tenants_status() {
    let store = store();
    let conn = store.conn();
    let rule = rule_of(conn.execute(
        "INSERT INTO leads (tenant_id, lead_status_id, name) VALUES (1, 9, 'x')",
        [],
    ));
    assert_eq!(rule, Rule::CrossTenant);
    assert_eq!(
        rule_of(conn.execute("UPDATE leads SET lead_status_id = 9 WHERE id = 1", [])),
        Rule::CrossTenant
    );
}

#[test]
fn activities_and_audit_logs_reject_update() {
    let store = store();
    let conn = store.conn();
    conn.execute_batch(
        "INSERT INTO lead_activities (id, tenant_id, lead_id, user_id, type, payload_json)
              VALUES (1, 1, 1, 1, 'note', '{\"note\":\"hi\"}');
         INSERT INTO audit_logs (id, tenant_id, user_id, action) VALUES (1, 1, 1, 'user.login');",
    )
    .unwrap();
    let rule = rule_of(conn.execute("UPDATE lead_activities SET payload_json = '{}' WHERE id = 1", []));
    assert_eq!(rule, Rule::Immutable);
    assert_eq!(
        rule_of(conn.execute("UPDATE audit_logs SET action = 'x' WHERE id = 1", [])),
        Rule::Immutable
    );
    let note: String = conn
        .query_row(
            "SELECT payload_json ->> '$.note' FROM lead_activities WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(note, "hi");
    let err = conn
        .execute("INSERT INTO lead_activities (tenant_id, lead_id, user_id, type, payload_json) VALUES (1, 1, 1, 'note', '{bad')", [])
        .unwrap_err();
    assert!(err.to_string().contains("CHECK constraint failed"), "{err}");
}

#[test]
fn users_and_leads_are_named_only_inside_their_tenant() {
    let store = store();
    let conn = store.conn();
    // User 2 and status 9 are the other tenant's.
    let cross = [
        "INSERT INTO leads (tenant_id, lead_status_id, name, assigned_to_user_id) VALUES (1, 1, 'X', 2)",
        "INSERT INTO leads (tenant_id, lead_status_id, name, created_by_user_id) VALUES (1, 1, 'X', 2)",
        "UPDATE leads SET assigned_to_user_id = 2 WHERE id = 1",
        "INSERT INTO lead_activities (tenant_id, lead_id, user_id, type) VALUES (1, 1, 2, 'note')",
        "INSERT INTO lead_activities (tenant_id, lead_id, user_id, type) VALUES (2, 1, 2, 'note')",
        "INSERT INTO calls (tenant_id, user_id, direction, from_number, to_number, started_at)
              VALUES (1, 2, 'outbound', '1', '2', '2026-03-01 10:00:00')",
        "INSERT INTO calls (tenant_id, user_id, related_type, related_id, direction, from_number, to_number, started_at)
              VALUES (2, 2, 'lead', 1, 'outbound', '1', '2', '2026-03-01 10:00:00')",
        "UPDATE calls SET user_id = 2 WHERE id = 1",
        "INSERT INTO agent_sip_credentials (tenant_id, user_id, sip_ws_url, sip_username, sip_password, sip_domain)
              VALUES (1, 2, 'wss://pbx', '1001', 'x', 'pbx')",
        "INSERT INTO audit_logs (tenant_id, user_id, action) VALUES (1, 2, 'user.login')",
    ];
    for sql in cross {
        assert_eq!(rule_of(conn.execute(sql, [])), Rule::CrossTenant, "{sql}");
    }
    // The same inside the tenant is fine.
    conn.execute(
        "INSERT INTO leads (tenant_id, lead_status_id, name, assigned_to_user_id, created_by_user_id) VALUES (1, 1, 'Mine', 1, 1)",
        [],
    )
    .unwrap();
}

#[test]
fn deleting_a_user_keeps_their_audit_entries_without_them() {
    let store = store();
    let conn = store.conn();
    conn.execute_batch(
        "INSERT INTO users (id, tenant_id, name, email, password, role)
              VALUES (3, 1, 'Leaver', 'l@acme.test', '', 'read_only');
         INSERT INTO audit_logs (id, tenant_id, user_id, action) VALUES (7, 1, 3, 'user.login');
         INSERT INTO audit_logs (id, tenant_id, user_id, action) VALUES (8, 1, 1, 'user.login');",
    )
    .unwrap();
    conn.execute("DELETE FROM users WHERE id = 3", []).unwrap();
    let (user, action): (Option<i64>, String) = conn
        .query_row("SELECT user_id, action FROM audit_logs WHERE id = 7", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(
        (user, action.as_str()),
        (None, "user.login"),
        "the entry stays, without its user"
    );
    // Nothing else about an entry changes, not even its user while that user exists.
    assert_eq!(
        rule_of(conn.execute("UPDATE audit_logs SET user_id = NULL WHERE id = 8", [])),
        Rule::Immutable
    );
    assert_eq!(
        rule_of(conn.execute("UPDATE audit_logs SET action = 'x' WHERE id = 7", [])),
        Rule::Immutable
    );
}

#[test]
fn a_call_is_closed_only_after_it_ended_and_with_a_disposition() {
    let store = store();
    let conn = store.conn();
    // Closing a call still in progress.
    assert_eq!(
        rule_of(conn.execute("UPDATE calls SET disposition_id = 1 WHERE id = 1", [])),
        Rule::CallClosedAfterEnd
    );
    conn.execute(
        "UPDATE calls SET ended_at = '2026-03-01 10:03:20' WHERE id = 1",
        [],
    )
    .unwrap();
    // A requires_note disposition without notes (also whitespace-only notes).
    assert_eq!(
        rule_of(conn.execute("UPDATE calls SET disposition_id = 2 WHERE id = 1", [])),
        Rule::WrapupNoteRequired
    );
    let rule = rule_of(conn.execute(
        "UPDATE calls SET disposition_id = 2, wrapup_notes = ' \n\t' WHERE id = 1",
        [],
    ));
    assert_eq!(rule, Rule::WrapupNoteRequired);
    // Another tenant's disposition.
    assert_eq!(
        rule_of(conn.execute("UPDATE calls SET disposition_id = 9 WHERE id = 1", [])),
        Rule::CrossTenant
    );
    conn.execute(
        "UPDATE calls SET disposition_id = 2, wrapup_notes = 'Call back Friday' WHERE id = 1",
        [],
    )
    .unwrap();
    // A closed call keeps its disposition and its notes.
    assert_eq!(
        rule_of(conn.execute("UPDATE calls SET disposition_id = NULL WHERE id = 1", [])),
        Rule::DispositionRequired
    );
    assert_eq!(
        rule_of(conn.execute("UPDATE calls SET wrapup_notes = '' WHERE id = 1", [])),
        Rule::WrapupNoteRequired
    );
    // Deleting the disposition itself releases the call (the seed's ON DELETE SET NULL).
    conn.execute("DELETE FROM call_dispositions WHERE id = 2", [])
        .unwrap();
    let disposition: Option<i64> = conn
        .query_row("SELECT disposition_id FROM calls WHERE id = 1", [], |r| r.get(0))
        .unwrap();
    assert_eq!(disposition, None);
}

#[test]
fn call_times_are_ordered_and_duration_is_derived() {
    let store = store();
    let conn = store.conn();
    let rule = rule_of(conn.execute(
        "UPDATE calls SET ended_at = '2026-03-01 09:59:59' WHERE id = 1",
        [],
    ));
    assert_eq!(rule, Rule::CallEndsAfterStart);
    assert_eq!(
        rule_of(conn.execute("UPDATE calls SET ended_at = 'soon' WHERE id = 1", [])),
        Rule::InvalidTimestamp
    );
    let duration = |conn: &Connection| -> Option<i64> {
        conn.query_row("SELECT duration_seconds FROM calls WHERE id = 1", [], |r| {
            r.get(0)
        })
        .unwrap()
    };
    assert_eq!(duration(conn), None);
    conn.execute(
        "UPDATE calls SET ended_at = '2026-03-01 10:03:20' WHERE id = 1",
        [],
    )
    .unwrap();
    assert_eq!(duration(conn), Some(200));
    // A writer's own figure is replaced by the derived one.
    conn.execute("UPDATE calls SET duration_seconds = 5 WHERE id = 1", [])
        .unwrap();
    assert_eq!(duration(conn), Some(200));
    conn.execute(
        "INSERT INTO calls (id, tenant_id, user_id, direction, from_number, to_number, started_at, ended_at, duration_seconds)
         VALUES (2, 1, 1, 'inbound', '1', '2', '2026-03-01T10:00:00Z', '2026-03-01T11:00:00Z', 1)",
        [],
    )
    .unwrap();
    let two: i64 = conn
        .query_row("SELECT duration_seconds FROM calls WHERE id = 2", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(two, 3600);
}

mod store_enforced {
    //! Rules the database cannot see, enforced by the store's actions.
    use super::*;
    use leadline_store::actions::Actor;
    use leadline_store::model::{
        CallId, DispositionId, LeadId, LeadStatusId, Permission, Role, TenantId, UserId,
    };

    fn actor(store: &Store, role: Role) -> Actor {
        let conn = store.conn();
        for permission in Permission::ALL {
            conn.execute(
                "INSERT OR IGNORE INTO permissions (tenant_id, role, permission) VALUES (1, 'sales_agent', ?1)",
                [permission.as_str()],
            )
            .unwrap();
        }
        Actor {
            tenant_id: TenantId(1),
            user_id: UserId(1),
            role,
        }
    }

    fn now() -> Timestamp {
        Timestamp::parse("2026-03-02 12:00:00").unwrap()
    }

    fn outbox_len(store: &Store) -> i64 {
        store
            .conn()
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_requires_note_status_needs_a_note() {
        let mut store = store();
        let agent = actor(&store, Role::SalesAgent);
        for note in [None, Some(""), Some("   ")] {
            let err = store
                .move_lead(&agent, LeadId(1), LeadStatusId(2), note, None, now())
                .unwrap_err();
            assert!(
                matches!(
                    err,
                    StoreError::Rule {
                        rule: Rule::NoteRequired,
                        ..
                    }
                ),
                "{err:?}"
            );
        }
        assert_eq!(outbox_len(&store), 0);
        let moved = store
            .move_lead(
                &agent,
                LeadId(1),
                LeadStatusId(2),
                Some("Chose a competitor"),
                None,
                now(),
            )
            .unwrap();
        assert_eq!(moved.lead_status_id, LeadStatusId(2));
        assert_eq!(outbox_len(&store), 1);
    }

    #[test]
    fn a_requires_followup_status_needs_a_future_date() {
        let mut store = store();
        let agent = actor(&store, Role::SalesAgent);
        let err = store
            .move_lead(&agent, LeadId(1), LeadStatusId(3), None, None, now())
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Rule {
                    rule: Rule::FollowupRequired,
                    ..
                }
            ),
            "{err:?}"
        );
        let past = Timestamp::parse("2026-03-01 12:00:00").unwrap();
        let err = store
            .move_lead(&agent, LeadId(1), LeadStatusId(3), None, Some(past), now())
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::InvalidInput {
                    field: "followup",
                    ..
                }
            ),
            "{err:?}"
        );
        let soon = Timestamp::parse("2026-03-05 09:00:00").unwrap();
        let moved = store
            .move_lead(&agent, LeadId(1), LeadStatusId(3), None, Some(soon), now())
            .unwrap();
        assert_eq!(moved.next_followup_at, Some(soon));
    }

    #[test]
    fn closing_a_call_needs_its_end_and_notes_where_required() {
        let mut store = store();
        let agent = actor(&store, Role::SalesAgent);
        let err = store
            .close_call(&agent, CallId(1), DispositionId(1), None, now())
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Rule {
                    rule: Rule::CallClosedAfterEnd,
                    ..
                }
            ),
            "{err:?}"
        );
        store
            .end_call(
                &agent,
                CallId(1),
                Timestamp::parse("2026-03-01 10:01:00").unwrap(),
                None,
            )
            .unwrap();
        let err = store
            .close_call(&agent, CallId(1), DispositionId(2), Some(" "), now())
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Rule {
                    rule: Rule::WrapupNoteRequired,
                    ..
                }
            ),
            "{err:?}"
        );
        let err = store
            .close_call(&agent, CallId(1), DispositionId(9), None, now())
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
        let closed = store
            .close_call(
                &agent,
                CallId(1),
                DispositionId(2),
                Some("Call back Friday"),
                now(),
            )
            .unwrap();
        assert_eq!(closed.disposition_id, Some(DispositionId(2)));
        assert_eq!(closed.duration_seconds, Some(60));
    }

    #[test]
    fn a_role_without_the_permission_is_refused() {
        let mut store = store();
        let _ = actor(&store, Role::SalesAgent);
        let reader = Actor {
            tenant_id: TenantId(1),
            user_id: UserId(1),
            role: Role::ReadOnly,
        };
        let err = store.add_note(&reader, LeadId(1), "hello", now()).unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Forbidden {
                    permission: Permission::LeadsManage
                }
            ),
            "{err:?}"
        );
        assert_eq!(outbox_len(&store), 0);
    }

    #[test]
    fn another_tenants_lead_is_not_found() {
        let mut store = store();
        let agent = actor(&store, Role::SalesAgent);
        store
            .conn()
            .execute(
                "INSERT INTO leads (id, tenant_id, lead_status_id, name) VALUES (7, 2, 9, 'Theirs')",
                [],
            )
            .unwrap();
        let err = store.add_note(&agent, LeadId(7), "peek", now()).unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::NotFound {
                    entity: "lead",
                    id: 7
                }
            ),
            "{err:?}"
        );
    }
}

#[test]
fn notes_and_wrap_up_notes_are_bounded_by_the_schema() {
    let store = store();
    let conn = store.conn();
    let long = "x".repeat(10_001);
    let padded = format!("{{\"note\":\"ok\",\"pad\":\"{}\"}}", "y".repeat(70_000));
    let rule = rule_of(conn.execute(
        "INSERT INTO lead_activities (tenant_id, lead_id, user_id, type, payload_json) VALUES (1, 1, 1, 'note', ?1)",
        [&padded],
    ));
    assert_eq!(rule, Rule::TooLong);
    conn.execute(
        "INSERT INTO lead_activities (tenant_id, lead_id, user_id, type, payload_json) VALUES (1, 1, 1, 'note', json_object('note', ?1))",
        [&"z".repeat(60_000)],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO calls (id, tenant_id, user_id, direction, from_number, to_number, started_at) VALUES (77, 1, 1, 'outbound', '1', '2', '2026-01-01 10:00:00')",
        [],
    )
    .unwrap();
    let rule = rule_of(conn.execute("UPDATE calls SET wrapup_notes = ?1 WHERE id = 77", [&long]));
    assert_eq!(rule, Rule::TooLong);
}
