//! The seed's sample queries, search, caller lookup and the outbox, on a real demo tenant.

#![allow(clippy::unwrap_used)] // a test fails loudly on unexpected errors

use leadline_store::actions::{Actor, NewCall, NewLead};
use leadline_store::demo::{self, DemoSize};
use leadline_store::model::{
    ActivityType, CallQuality, Direction, DispositionId, EntityType, LeadId, MutationKind, OutboxState, Role,
    TenantId,
};
use leadline_store::phone::{MatchKind, Region};
use leadline_store::queries::{self, BoardCursor};
use leadline_store::repo::{self, outbox, profile};
use leadline_store::{Store, Timestamp};

fn now() -> Timestamp {
    Timestamp::parse("2026-03-10 15:00:00").unwrap()
}

fn demo_store(leads: usize) -> (Store, Actor) {
    let mut store = Store::open_in_memory().unwrap();
    let size = DemoSize {
        leads,
        activities_per_lead: 4,
        called_percent: 60,
    };
    let tenant = demo::seed(store.conn_mut(), "Demo Co", "demo", size, 7, now()).unwrap();
    let saved = profile::Profile {
        tenant_id: tenant.tenant_id,
        user_id: tenant.agent_id,
        server_url: None,
        default_region: Region::US,
    };
    profile::save(store.conn(), &saved, now()).unwrap();
    let actor = store.actor().unwrap();
    assert_eq!(actor.role, Role::SalesAgent);
    (store, actor)
}

fn add_lead(store: &mut Store, actor: &Actor, name: &str, company: &str, email: &str, phone: &str) -> LeadId {
    let new = NewLead {
        name: name.into(),
        company_name: Some(company.into()),
        email: Some(email.into()),
        phone: Some(phone.into()),
        ..NewLead::default()
    };
    store.create_lead(actor, new, Region::US, now()).unwrap().id
}

#[test]
fn kanban_board_orders_statuses_and_pages_columns_newest_first() {
    let (store, actor) = demo_store(600);
    let board = queries::board(store.conn(), actor.tenant_id, 25).unwrap();
    let orders: Vec<i64> = board.columns.iter().map(|c| c.status.sort_order).collect();
    assert!(orders.windows(2).all(|w| w[0] <= w[1]), "{orders:?}");
    assert_eq!(board.columns.iter().map(|c| c.total).sum::<i64>(), 600);
    let busiest = board.columns.iter().max_by_key(|c| c.total).unwrap();
    assert!(busiest.total > 25 && busiest.next.is_some());
    // Walk the whole column page by page: every lead once, newest first.
    let mut seen = Vec::new();
    let mut cursor: Option<BoardCursor> = None;
    loop {
        let (cards, next) =
            queries::board_column(store.conn(), actor.tenant_id, busiest.status.id, cursor, 25).unwrap();
        for card in &cards {
            assert_eq!(card.status_name, busiest.status.name);
            assert_eq!(card.status_color, busiest.status.color);
            if card.lead.assigned_to_user_id.is_some() {
                assert!(card.assigned_to_name.is_some());
            }
        }
        seen.extend(cards.into_iter().map(|c| (c.lead.created_at, c.lead.id)));
        match next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    assert_eq!(seen.len() as i64, busiest.total);
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "not newest first");
}

#[test]
fn lead_lists_filter_by_status_score_assignee_and_followups_due_and_page_through_all() {
    use leadline_store::model::Score;
    use leadline_store::queries::LeadQuery;
    let (store, actor) = demo_store(600);
    let conn = store.conn();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    let walk = |query: &LeadQuery| {
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page = queries::leads_page(conn, actor.tenant_id, actor.user_id, query, cursor, 40).unwrap();
            assert!(page.leads.len() <= 40);
            seen.extend(page.leads.iter().cloned());
            match page.next {
                Some(next) => cursor = Some(next),
                None => return (seen, page.total),
            }
        }
    };
    let (all, total) = walk(&LeadQuery::default());
    assert_eq!((all.len() as i64, total), (600, 600), "every lead once");
    let keys: Vec<_> = all.iter().map(|c| (c.lead.created_at, c.lead.id)).collect();
    assert!(keys.windows(2).all(|w| w[0] > w[1]), "newest first");

    let hot_mine = LeadQuery {
        score: Some(Score::Hot),
        assigned_to_me: true,
        ..LeadQuery::default()
    };
    let (found, total) = walk(&hot_mine);
    let expected = count(&format!(
        "SELECT count(*) FROM leads WHERE score = 'hot' AND assigned_to_user_id = {}",
        actor.user_id.0
    ));
    assert!(expected > 0);
    assert_eq!((found.len() as i64, total), (expected, expected));
    assert!(
        found
            .iter()
            .all(|c| c.lead.score == Score::Hot && c.lead.assigned_to_user_id == Some(actor.user_id))
    );

    let status = found[0].lead.lead_status_id;
    let due = LeadQuery {
        status: Some(status),
        followup_before: Some(now()),
        ..LeadQuery::default()
    };
    let (found, total) = walk(&due);
    let expected = count(&format!(
        "SELECT count(*) FROM leads WHERE lead_status_id = {} AND next_followup_at < '{}'",
        status.0,
        now()
    ));
    assert_eq!((found.len() as i64, total), (expected, expected));
    assert!(
        found
            .iter()
            .all(|c| c.lead.next_followup_at.is_some_and(|at| at < now()))
    );
}

#[test]
fn the_call_history_pages_through_every_earlier_call_latest_first() {
    let (store, actor) = demo_store(300);
    let conn = store.conn();
    let before = now();
    let expected: i64 = conn
        .query_row(
            "SELECT count(*) FROM calls WHERE started_at < ?1",
            [before.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert!(expected > 30, "{expected}");
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = queries::calls_before(conn, actor.tenant_id, before, cursor, 25).unwrap();
        seen.extend(page.calls.iter().map(|c| (c.call.started_at, c.call.id)));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len() as i64, expected, "every call once");
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "latest first");
}

#[test]
fn timeline_is_newest_first_with_user_names_and_new_notes_on_top() {
    let (mut store, actor) = demo_store(50);
    let lead = queries::board(store.conn(), actor.tenant_id, 1).unwrap().columns[0].leads[0]
        .lead
        .id;
    let note = store
        .add_note(&actor, lead, "Customer interested in enterprise plan", now())
        .unwrap();
    assert!(note.id.0 < 0, "a local activity has a local id");
    let timeline = queries::timeline(store.conn(), actor.tenant_id, lead, 100).unwrap();
    assert_eq!(timeline[0].activity.id, note.id);
    assert_eq!(timeline[0].activity.kind, ActivityType::Note);
    assert_eq!(timeline[0].user_name, "Sam Ortega");
    let times: Vec<_> = timeline.iter().map(|e| e.activity.created_at).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]));
}

#[test]
fn todays_calls_use_the_tenants_timezone() {
    let (mut store, actor) = demo_store(20);
    store
        .conn()
        .execute("UPDATE tenants SET timezone = 'America/New_York'", [])
        .unwrap();
    let at = |text: &str| Timestamp::parse(text).unwrap();
    // 10 March 04:30 UTC is 9 March 23:30 in New York: yesterday there.
    let late_yesterday = NewCall {
        direction: Direction::Inbound,
        from_number: "+1 212 555 0101".into(),
        to_number: "1001".into(),
        started_at: at("2026-03-10 03:30:00"),
        pbx_call_id: None,
        lead_id: None,
    };
    let this_morning = NewCall {
        started_at: at("2026-03-10 13:00:00"),
        ..late_yesterday.clone()
    };
    let a = store.start_call(&actor, late_yesterday, Region::US).unwrap();
    let b = store.start_call(&actor, this_morning, Region::US).unwrap();
    let today = queries::calls_today(store.conn(), actor.tenant_id, "America/New_York", now()).unwrap();
    let ids: Vec<_> = today.iter().map(|c| c.call.id).collect();
    assert!(ids.contains(&b.id) && !ids.contains(&a.id), "{ids:?}");
    let starts: Vec<_> = today.iter().map(|c| c.call.started_at).collect();
    assert!(starts.windows(2).all(|w| w[0] >= w[1]));
    assert!(today.iter().all(|c| !c.agent_name.is_empty()));
}

#[test]
fn upcoming_followups_are_mine_in_open_statuses_soonest_first() {
    let (store, actor) = demo_store(400);
    let list = queries::upcoming_followups(store.conn(), actor.tenant_id, actor.user_id, now(), 500).unwrap();
    assert!(!list.is_empty());
    let statuses = repo::statuses_in_order(store.conn(), actor.tenant_id).unwrap();
    for card in &list {
        assert_eq!(card.lead.assigned_to_user_id, Some(actor.user_id));
        assert!(card.lead.next_followup_at.unwrap() >= now());
        let status = statuses
            .iter()
            .find(|s| s.id == card.lead.lead_status_id)
            .unwrap();
        assert!(!status.is_closed);
    }
    let times: Vec<_> = list.iter().map(|c| c.lead.next_followup_at).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn tenant_statistics_match_direct_counts() {
    let (store, actor) = demo_store(300);
    let stats = queries::tenant_stats(store.conn(), actor.tenant_id, now()).unwrap();
    let count = |sql: &str| -> i64 { store.conn().query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(stats.tenant_name, "Demo Co");
    assert_eq!(stats.total_users, 6);
    assert_eq!(stats.total_leads, 300);
    assert_eq!(
        stats.open_leads,
        count(
            "SELECT count(*) FROM leads l JOIN lead_statuses s ON s.id = l.lead_status_id WHERE s.is_closed = 0"
        )
    );
    assert_eq!(
        stats.total_calls,
        count("SELECT count(*) FROM calls WHERE started_at >= '2026-02-08'")
    );
    assert!(stats.total_calls > 0);
    assert!(queries::tenant_stats(store.conn(), TenantId(999), now()).is_err());
}

#[test]
fn search_is_prefix_case_and_accent_insensitive_over_every_field() {
    let (mut store, actor) = demo_store(200);
    let id = add_lead(
        &mut store,
        &actor,
        "Zoë Ærøskøbing-Müller",
        "Überwald Brauerei",
        "zoe.m@uberwald.example",
        "+1 (555) 010-2030",
    );
    let finds = |store: &Store, q: &str| -> bool {
        queries::search_leads(store.conn(), actor.tenant_id, q, 50)
            .unwrap()
            .iter()
            .any(|c| c.lead.id == id)
    };
    for query in [
        "zoë",
        "ZOE",
        "Zo",
        "mül",
        "muller",
        "ærøsk",
        "überw",
        "uberwald brau",
        "zoe.m@uber",
        "555010",
        "(555) 010-20",
        "+1 555 010",
        "2030",
    ] {
        assert!(finds(&store, query), "{query:?} did not find the lead");
    }
    for query in ["zoey", "brauhaus", "555011"] {
        assert!(!finds(&store, query), "{query:?} found the lead");
    }
    // Hostile input is plain text, never an FTS5 syntax error.
    for query in [
        "\"",
        "*",
        "NEAR(",
        "a OR",
        "-",
        "'; DROP TABLE leads; --",
        "^",
        "",
    ] {
        queries::search_leads(store.conn(), actor.tenant_id, query, 50).unwrap();
    }
    // Renaming updates the index.
    store
        .conn()
        .execute("UPDATE leads SET name = 'Renamed Person' WHERE id = ?1", [id.0])
        .unwrap();
    assert!(!finds(&store, "ærøsk") && finds(&store, "renamed"));
}

#[test]
fn caller_lookup_reads_any_common_format() {
    let (mut store, actor) = demo_store(100);
    let us = add_lead(
        &mut store,
        &actor,
        "Ann Caller",
        "Acme",
        "ann@acme.example",
        "(555) 010-2030",
    );
    let uk = add_lead(
        &mut store,
        &actor,
        "Ben Brit",
        "Brit Ltd",
        "ben@brit.example",
        "+44 20 7946 0958",
    );
    let look = |store: &Store, number: &str| {
        queries::caller_lookup(store.conn(), actor.tenant_id, number, Region::US).unwrap()
    };
    for number in [
        "+1 (555) 010-2030",
        "+15550102030",
        "555-010-2030",
        "1 555 010 2030",
        "tel:+1-555-010-2030",
    ] {
        let found = look(&store, number);
        assert_eq!(
            found.first().map(|m| (m.lead.lead.id, m.matched)),
            Some((us, MatchKind::Exact)),
            "{number}"
        );
    }
    for number in ["0044 20 7946 0958", "+442079460958", "011 44 20 7946 0958"] {
        let found = look(&store, number);
        assert_eq!(
            found.first().map(|m| (m.lead.lead.id, m.matched)),
            Some((uk, MatchKind::Exact)),
            "{number}"
        );
    }
    // A UK tenant reads the national form.
    let found = queries::caller_lookup(
        store.conn(),
        actor.tenant_id,
        "020 7946 0958",
        Region::parse("GB").unwrap(),
    )
    .unwrap();
    assert_eq!(found.first().map(|m| m.lead.lead.id), Some(uk));
    // Trailing digits still match when the country code is wrong or missing.
    let found = look(&store, "+49 555 010 2030");
    assert_eq!(
        found.first().map(|m| (m.lead.lead.id, m.matched)),
        Some((us, MatchKind::Suffix))
    );
    for number in ["", "anonymous", "2030", "+1 (555) 010-9999"] {
        assert!(
            look(&store, number).iter().all(|m| m.lead.lead.id != us),
            "{number}"
        );
    }
}

#[test]
fn every_agent_write_lands_in_the_outbox_in_the_same_transaction() {
    let (mut store, actor) = demo_store(10);
    let lead = add_lead(
        &mut store,
        &actor,
        "Out Box",
        "Co",
        "o@b.example",
        "+1 212 555 0177",
    );
    store.add_note(&actor, lead, "first", now()).unwrap();
    let soon = Timestamp::from_unix(now().unix() + 86_400);
    store
        .schedule_followup(&actor, lead, soon, Some("call back"), now())
        .unwrap();
    let call = store
        .start_call(
            &actor,
            NewCall {
                direction: Direction::Outbound,
                from_number: "1001".into(),
                to_number: "212-555-0177".into(),
                started_at: now(),
                pbx_call_id: Some("abc@pbx".into()),
                lead_id: None,
            },
            Region::US,
        )
        .unwrap();
    assert_eq!(call.related_id, Some(lead.0), "the call found its lead by number");
    store
        .end_call(&actor, call.id, Timestamp::from_unix(now().unix() + 95), None)
        .unwrap();
    let answered = DispositionId(
        repo::dispositions_in_order(store.conn(), actor.tenant_id).unwrap()[0]
            .id
            .0,
    );
    store.close_call(&actor, call.id, answered, None, now()).unwrap();
    let kinds: Vec<MutationKind> = outbox::all(store.conn())
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        vec![
            MutationKind::LeadCreate,
            MutationKind::ActivityCreate,
            MutationKind::LeadFollowup,
            MutationKind::CallCreate,
            MutationKind::CallUpdate,
            MutationKind::CallClose,
        ]
    );
    let timeline = queries::timeline(store.conn(), actor.tenant_id, lead, 10).unwrap();
    let call_activity = timeline
        .iter()
        .find(|e| e.activity.kind == ActivityType::Call)
        .unwrap();
    let payload = &call_activity.activity.payload.as_ref().unwrap().0;
    assert_eq!(payload["duration"], 95);
    assert_eq!(payload["outcome"], "Answered");
    // Applied leaves, rejected stays with the reason.
    let entries = outbox::pending(store.conn(), 100).unwrap();
    assert!(outbox::applied(store.conn(), &entries[0].mutation_id).unwrap());
    assert!(outbox::rejected(store.conn(), &entries[1].mutation_id, "lead was deleted").unwrap());
    assert_eq!(outbox::count(store.conn(), OutboxState::Pending).unwrap(), 4);
    let rejected = outbox::find(store.conn(), &entries[1].mutation_id)
        .unwrap()
        .unwrap();
    assert_eq!(
        (rejected.state, rejected.last_error.as_deref()),
        (OutboxState::Rejected, Some("lead was deleted"))
    );
    assert_eq!(rejected.entity_type, EntityType::LeadActivity);
}

#[test]
fn a_calls_quality_is_kept_with_its_record_and_sent_with_its_end() {
    let (mut store, actor) = demo_store(10);
    let call = store
        .start_call(
            &actor,
            NewCall {
                direction: Direction::Inbound,
                from_number: "+12125550123".into(),
                to_number: "1001".into(),
                started_at: now(),
                pbx_call_id: Some("q@pbx".into()),
                lead_id: None,
            },
            Region::US,
        )
        .unwrap();
    let quality = CallQuality {
        codec: Some("opus".into()),
        mos: 4.3,
        bitrate_kbps: 33.1,
        jitter_ms: 2.5,
        loss_percent: 0.4,
        rtt_ms: Some(41.0),
        buffer_ms: 40.0,
        concealed: 3,
    };
    let broken = CallQuality {
        loss_percent: f64::NAN,
        ..quality.clone()
    };
    let err = store.end_call(&actor, call.id, now(), Some(&broken)).unwrap_err();
    assert!(err.to_string().contains("loss_percent"), "{err}");
    let ended = store.end_call(&actor, call.id, now(), Some(&quality)).unwrap();
    assert_eq!(ended.quality.as_ref(), Some(&quality));
    let row: leadline_store::model::Call = repo::get(store.conn(), call.id.0).unwrap();
    assert_eq!(row.quality, Some(quality.clone()), "stored in calls.quality");
    let update = outbox::all(store.conn())
        .unwrap()
        .into_iter()
        .find(|e| e.kind == MutationKind::CallUpdate)
        .unwrap();
    assert_eq!(update.payload.0["quality"]["rtt_ms"], 41.0);
    assert_eq!(update.payload.0["quality"]["codec"], "opus");
}

#[test]
fn a_failed_action_writes_nothing() {
    let (mut store, actor) = demo_store(10);
    let before: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM lead_activities", [], |r| r.get(0))
        .unwrap();
    let err = store
        .add_note(&actor, LeadId(999_999), "lost?", now())
        .unwrap_err();
    assert!(err.to_string().contains("not found"), "{err}");
    let bad = NewLead {
        name: "  ".into(),
        ..NewLead::default()
    };
    assert!(store.create_lead(&actor, bad, Region::US, now()).is_err());
    let after: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM lead_activities", [], |r| r.get(0))
        .unwrap();
    assert_eq!(before, after);
    assert_eq!(outbox::all(store.conn()).unwrap().len(), 0);
}

#[test]
fn no_secret_column_holds_anything_on_the_client() {
    let (store, _) = demo_store(10);
    let secrets: i64 = store
        .conn()
        .query_row(
            "SELECT (SELECT count(*) FROM users WHERE password <> '') + \
                    (SELECT count(*) FROM agent_sip_credentials WHERE sip_password <> '')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(secrets, 0);
}

#[test]
fn the_demo_timeline_tells_how_each_lead_reached_its_status() {
    let (store, actor) = demo_store(300);
    let statuses = repo::statuses_in_order(store.conn(), actor.tenant_id).unwrap();
    let mut checked = 0;
    for lead in repo::list_for_tenant::<leadline_store::model::Lead>(store.conn(), actor.tenant_id).unwrap() {
        let timeline = queries::timeline(store.conn(), actor.tenant_id, lead.id, 1_000).unwrap();
        let moves: Vec<_> = timeline
            .iter()
            .filter(|e| e.activity.kind == ActivityType::StatusChange)
            .collect();
        let Some(latest) = moves.first() else { continue };
        let current = statuses.iter().find(|s| s.id == lead.lead_status_id).unwrap();
        let payload = &latest.activity.payload.as_ref().unwrap().0;
        assert_eq!(payload["to_status"], current.name.as_str(), "lead {}", lead.id);
        if current.requires_note {
            assert!(payload["note"].is_string());
        }
        let calls = timeline
            .iter()
            .filter(|e| e.activity.kind == ActivityType::Call)
            .count();
        assert_eq!(calls > 0, lead.last_contacted_at.is_some(), "lead {}", lead.id);
        checked += 1;
    }
    assert!(checked > 50, "only {checked} leads had status changes");
}

#[test]
fn lead_lists_filter_by_status_and_assignee() {
    let (store, actor) = demo_store(200);
    let statuses = repo::statuses_in_order(store.conn(), actor.tenant_id).unwrap();
    let won = statuses.iter().find(|s| s.is_won).unwrap();
    let list = queries::leads_list(store.conn(), actor.tenant_id, Some(won.id), None, 500).unwrap();
    assert!(!list.is_empty());
    assert!(list.iter().all(|c| c.lead.lead_status_id == won.id));
    let mine = queries::leads_list(store.conn(), actor.tenant_id, None, Some(actor.user_id), 500).unwrap();
    assert!(
        !mine.is_empty()
            && mine
                .iter()
                .all(|c| c.lead.assigned_to_user_id == Some(actor.user_id))
    );
    let all = queries::leads_list(store.conn(), actor.tenant_id, None, None, 500).unwrap();
    assert_eq!(all.len(), 200);
    assert_eq!(
        queries::leads_list(store.conn(), actor.tenant_id, None, None, 5)
            .unwrap()
            .len(),
        5
    );
}

#[test]
fn a_refused_change_restores_the_servers_lead_and_drops_the_optimistic_activity() {
    use leadline_api::{MutationResult, MutationStatus};
    let (mut store, actor) = demo_store(20);
    let card = queries::board(store.conn(), actor.tenant_id, 1).unwrap().columns[0].leads[0].clone();
    let before = card.lead.clone();
    let won = repo::statuses_in_order(store.conn(), actor.tenant_id)
        .unwrap()
        .into_iter()
        .find(|s| s.is_won)
        .unwrap();
    store
        .move_lead(&actor, before.id, won.id, None, None, now())
        .unwrap();
    let entry = outbox::pending(store.conn(), 10).unwrap().pop().unwrap();
    let local_activity = entry.payload.0["activity_id"].as_i64().unwrap();
    assert!(local_activity < 0);
    let refused = MutationResult {
        mutation_id: entry.mutation_id.clone(),
        status: MutationStatus::Rejected,
        reason: Some("the lead was closed by your supervisor".into()),
        code: Some(leadline_api::RejectionCode::Conflict),
        assigned: Vec::new(),
        current: Some(serde_json::to_value(&before).unwrap()),
    };
    let report = store.apply_push_results(&[refused], Region::US).unwrap();
    assert_eq!(
        report.rejected,
        vec!["the lead was closed by your supervisor".to_owned()]
    );
    let lead = queries::lead_card(store.conn(), actor.tenant_id, before.id)
        .unwrap()
        .lead;
    assert_eq!(
        lead.lead_status_id, before.lead_status_id,
        "the server's state is back"
    );
    let timeline = queries::timeline(store.conn(), actor.tenant_id, before.id, 100).unwrap();
    assert!(
        timeline.iter().all(|e| e.activity.id.0 != local_activity),
        "the optimistic activity is gone"
    );
    let kept = outbox::find(store.conn(), &entry.mutation_id).unwrap().unwrap();
    assert_eq!(kept.state, OutboxState::Rejected);
    assert_eq!(
        kept.last_error.as_deref(),
        Some("the lead was closed by your supervisor")
    );
}

#[cfg(unix)]
#[test]
fn the_database_file_is_the_owners_only_even_when_it_was_not() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leadline.sqlite3");
    drop(Store::open(&path).unwrap());
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600, "a new database");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let store = Store::open(&path).unwrap();
    assert_eq!(mode(&path), 0o600, "a loose one, at the next open");
    let wal = dir.path().join("leadline.sqlite3-wal");
    if wal.exists() {
        assert_eq!(mode(&wal) & 0o077, 0, "its WAL too");
    }
    drop(store);
}
