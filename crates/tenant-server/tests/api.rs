//! The tenant server over real HTTP on loopback, with a real SQLite file: auth, isolation
//! between tenants, permissions, the pull feed, the push with idempotency and rules, bad
//! input, account states, and the OpenAPI document.

#![allow(clippy::unwrap_used)] // a test fails loudly on unexpected errors

mod contract;
mod world;

use leadline_api::{ChangeOp, MutationStatus, PushResponse, RejectionCode, SyncTable};
use leadline_tenant_server::seed::DEMO_SIP_PASSWORD;
use reqwest::StatusCode;
use serde_json::{Value, json};
use world::{email, mutation, uuid_like, world};

#[tokio::test]
async fn login_me_and_logout() {
    let w = world().await;
    let agent = email(&w.a, "sales_agent");
    let login = w.login(&agent).await;
    assert_eq!(login.me.user.email, agent);
    assert_eq!(login.me.tenant.name, "Alpha Co");
    assert_eq!(login.me.tenant.timezone, "America/New_York");
    assert!(login.me.permissions.iter().any(|p| p.as_str() == "leads.manage"));
    let (status, me) = w.get(&login.token, "/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"]["email"], agent.as_str());
    assert!(me["user"].get("password").is_none());

    for (who, password) in [
        (agent.as_str(), "wrong"),
        ("nobody@alpha.leadline.test", "leadline-demo"),
    ] {
        let res = w
            .http
            .post(w.url("/auth/login"))
            .json(&json!({"email": who, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], "invalid_credentials");
    }
    let audit = w.count("SELECT count(*) FROM audit_logs WHERE action = 'user.login' AND ip_address = '127.0.0.1' AND user_agent = 'leadline-test/1'");
    assert_eq!(audit, 1);
    assert_eq!(
        w.count("SELECT count(*) FROM api_tokens WHERE token_hash LIKE 'llt_%'"),
        0,
        "tokens are stored hashed"
    );

    let (status, _) = w.post(&login.token, "/auth/logout", &json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = w.get(&login.token, "/me").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthenticated"))
    );
    let (status, _) = w.get("llt_not-a-token", "/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let res = w.http.get(w.url("/me")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sip_credentials_only_for_their_own_agent() {
    let w = world().await;
    let agent = w.login(&email(&w.a, "sales_agent")).await;
    let (status, sip) = w.get(&agent.token, "/me/sip-credentials").await;
    assert_eq!(status, StatusCode::OK, "{sip}");
    assert_eq!(sip["sip_password"], DEMO_SIP_PASSWORD);
    let reader = w.login(&email(&w.a, "read_only")).await;
    let (status, body) = w.get(&reader.token, "/me/sip-credentials").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    let other = w.login(&email(&w.a, "supervisor")).await;
    let (status, _) = w.get(&other.token, "/me/sip-credentials").await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the supervisor has no SIP account of their own"
    );
    let plain = w.count(&format!(
        "SELECT count(*) FROM agent_sip_credentials WHERE sip_password LIKE '%{DEMO_SIP_PASSWORD}%'"
    ));
    assert_eq!(plain, 0, "the SIP password is stored encrypted");
}

#[tokio::test]
async fn the_feed_holds_only_the_callers_tenant_and_what_the_role_may_see() {
    let w = world().await;
    let agent = w.login(&email(&w.a, "sales_agent")).await;
    let changes = w.pull_all(&agent.token, 97).await;
    let leads: Vec<_> = changes.iter().filter(|c| c.table == SyncTable::Leads).collect();
    assert_eq!(leads.len(), 60);
    for change in &changes {
        assert_eq!(change.op, ChangeOp::Upsert);
        let row = change.row_as::<Value>().unwrap().unwrap();
        let tenant = if change.table == SyncTable::Tenants {
            &row["id"]
        } else {
            &row["tenant_id"]
        };
        assert_eq!(
            tenant,
            &json!(w.a.tenant_id.0),
            "{:?} {} leaked",
            change.table,
            change.id
        );
        assert!(row.get("password").is_none() && row.get("sip_password").is_none());
    }
    let sip: Vec<_> = changes
        .iter()
        .filter(|c| c.table == SyncTable::AgentSipCredentials)
        .collect();
    assert_eq!(sip.len(), 1);
    assert_eq!(
        sip[0].row_as::<Value>().unwrap().unwrap()["user_id"],
        json!(agent.me.user.id.0)
    );
    // A sales agent lacks calls.recordings.view: no recording URL crosses.
    let calls: Vec<_> = changes.iter().filter(|c| c.table == SyncTable::Calls).collect();
    assert!(!calls.is_empty());
    assert!(
        calls
            .iter()
            .all(|c| c.row_as::<Value>().unwrap().unwrap()["recording_url"].is_null())
    );
    let supervisor = w.login(&email(&w.a, "supervisor")).await;
    let with_urls = w.pull_all(&supervisor.token, 2_000).await;
    assert!(
        with_urls.iter().any(|c| c.table == SyncTable::Calls
            && c.row_as::<Value>().unwrap().unwrap()["recording_url"].is_string())
    );
    // Recording links follow the same permission.
    let call_id = calls[0].id;
    let (status, _) = w.get(&agent.token, &format!("/calls/{call_id}/recording")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let b_call = w.count(&format!(
        "SELECT min(id) FROM calls WHERE tenant_id = {}",
        w.b.tenant_id.0
    ));
    let (status, _) = w
        .get(&supervisor.token, &format!("/calls/{b_call}/recording"))
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another tenant's call does not exist"
    );
    // Resuming from the last cursor returns nothing new; a bad cursor is a clear 400.
    let (_, page) = w.get(&agent.token, "/changes?limit=2000").await;
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let (_, again) = w.get(&agent.token, &format!("/changes?cursor={cursor}")).await;
    assert_eq!(again["changes"].as_array().unwrap().len(), 0);
    let (status, body) = w.get(&agent.token, "/changes?cursor=banana").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_request"))
    );
    let (status, _) = w.get(&agent.token, "/changes?limit=-1").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn pushed_mutations_apply_exactly_once_with_rules_and_conflicts() {
    let w = world().await;
    let agent = w.login(&email(&w.a, "sales_agent")).await;
    let lead = w.count(&format!("SELECT min(id) FROM leads WHERE tenant_id = {} AND lead_status_id = (SELECT id FROM lead_statuses WHERE tenant_id = {} AND is_default = 1)", w.a.tenant_id.0, w.a.tenant_id.0));
    let lost = w.count(&format!(
        "SELECT id FROM lead_statuses WHERE tenant_id = {} AND is_lost = 1",
        w.a.tenant_id.0
    ));
    let b_lead = w.count(&format!(
        "SELECT min(id) FROM leads WHERE tenant_id = {}",
        w.b.tenant_id.0
    ));
    let note = mutation(
        "activity.create",
        "lead_activity",
        -1,
        json!({"id": -1, "lead_id": lead, "type": "note", "payload": {"note": "Wants a demo"}, "created_at": "2026-03-10T14:00:00Z"}),
    );
    let no_note = mutation(
        "lead.move",
        "lead",
        lead,
        json!({"lead_id": lead, "lead_status_id": lost, "activity_id": -2}),
    );
    let moved = mutation(
        "lead.move",
        "lead",
        lead,
        json!({"lead_id": lead, "lead_status_id": lost, "note": "Chose a competitor", "activity_id": -3}),
    );
    let stale = json!({
        "mutation_id": uuid_like(), "kind": "lead.followup", "entity_type": "lead", "entity_id": lead,
        "base_version": "2000-01-01T00:00:00Z", "created_at": "2026-03-10T15:00:00Z",
        "payload": {"lead_id": lead, "next_followup_at": "2030-01-01T09:00:00Z", "activity_id": -4},
    });
    let theirs = mutation(
        "activity.create",
        "lead_activity",
        -5,
        json!({"id": -5, "lead_id": b_lead, "type": "note", "payload": {"note": "peek"}}),
    );
    let body = json!({"mutations": [note, no_note, moved, stale, theirs]});
    let (status, res) = w.post(&agent.token, "/mutations", &body).await;
    assert_eq!(status, StatusCode::OK, "{res}");
    let res: PushResponse = serde_json::from_value(res).unwrap();
    let statuses: Vec<_> = res.results.iter().map(|r| r.status).collect();
    use MutationStatus::{Applied, Duplicate, Rejected};
    assert_eq!(statuses, vec![Applied, Rejected, Applied, Rejected, Rejected]);
    assert_eq!(res.results[0].assigned[0].local_id, -1);
    assert_eq!(res.results[1].code, Some(RejectionCode::Rule));
    assert_eq!(
        res.results[1].current.as_ref().unwrap()["id"],
        json!(lead),
        "a refused lead change returns the lead"
    );
    assert!(
        res.results[1]
            .reason
            .as_deref()
            .unwrap()
            .contains("requires a note")
    );
    assert_eq!(res.results[3].code, Some(RejectionCode::Conflict));
    assert_eq!(res.results[3].current.as_ref().unwrap()["id"], json!(lead));
    assert_eq!(res.results[4].code, Some(RejectionCode::NotFound));
    // Replayed: nothing applied twice, the same ids come back.
    let (_, again) = w.post(&agent.token, "/mutations", &body).await;
    let again: PushResponse = serde_json::from_value(again).unwrap();
    assert_eq!(
        again.results.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![Duplicate, Rejected, Duplicate, Rejected, Rejected]
    );
    assert_eq!(again.results[0].assigned, res.results[0].assigned);
    assert_eq!(w.count(&format!("SELECT count(*) FROM lead_activities WHERE lead_id = {lead} AND payload_json ->> '$.note' = 'Wants a demo'")), 1);
    assert_eq!(
        w.count(&format!("SELECT lead_status_id FROM leads WHERE id = {lead}")),
        lost
    );
    assert_eq!(w.count("SELECT count(*) FROM audit_logs WHERE action = 'lead.status_changed' AND ip_address = '127.0.0.1'"), 1);
    // The feed carries the change to every agent of the tenant.
    let changes = w.pull_all(&agent.token, 2_000).await;
    assert!(changes.iter().any(|c| c.table == SyncTable::Leads
        && c.id == lead
        && c.row_as::<Value>().unwrap().unwrap()["lead_status_id"] == json!(lost)));
    // A read-only user's changes are refused, one by one.
    let reader = w.login(&email(&w.a, "read_only")).await;
    let (_, res) = w.post(&reader.token, "/mutations", &json!({"mutations": [mutation("activity.create", "lead_activity", -1, json!({"id": -1, "lead_id": lead, "type": "note", "payload": {"note": "x"}}))]})).await;
    assert_eq!(res["results"][0]["code"], "forbidden");
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_and_stores_nothing() {
    let w = world().await;
    let agent = w.login(&email(&w.a, "sales_agent")).await;
    let before =
        w.count("SELECT (SELECT count(*) FROM applied_mutations) + (SELECT count(*) FROM lead_activities)");
    let send = |body: String| {
        w.http
            .post(w.url("/mutations"))
            .bearer_auth(&agent.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let mut bad_id = mutation("lead.move", "lead", 1, json!({}));
    bad_id["mutation_id"] = json!("not-a-uuid");
    let bad_id = json!({ "mutations": [bad_id] });
    let cases = [
        ("{not json".to_owned(), StatusCode::BAD_REQUEST),
        (r#"{"mutations": "lots"}"#.to_owned(), StatusCode::UNPROCESSABLE_ENTITY),
        (r#"{"mutations": [{"mutation_id": 5}]}"#.to_owned(), StatusCode::UNPROCESSABLE_ENTITY),
        (bad_id.to_string(), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"mutations": (0..501).map(|_| mutation("lead.move", "lead", 1, json!({}))).collect::<Vec<_>>()}).to_string(), StatusCode::UNPROCESSABLE_ENTITY),
        (format!(r#"{{"mutations": [], "pad": "{}"}}"#, "x".repeat(2 * 1024 * 1024)), StatusCode::PAYLOAD_TOO_LARGE),
    ];
    for (body, expected) in cases {
        let res = send(body).await.unwrap();
        assert_eq!(res.status(), expected);
        let error: Value = res.json().await.unwrap();
        assert!(
            error["error"].is_string() && error["message"].is_string(),
            "{error}"
        );
    }
    // Well-formed but wrong: an unknown status, a missing field — rejected per mutation.
    let (_, res) = w.post(&agent.token, "/mutations", &json!({"mutations": [
        mutation("lead.move", "lead", 1, json!({"lead_id": 1, "lead_status_id": 999_999, "activity_id": -1})),
        mutation("lead.followup", "lead", 1, json!({"lead_id": "one"})),
    ]})).await;
    assert_eq!(res["results"][0]["code"], "not_found");
    assert_eq!(res["results"][1]["code"], "invalid");
    let activities = w.count("SELECT count(*) FROM lead_activities");
    let recorded = w.count("SELECT count(*) FROM applied_mutations");
    assert_eq!(recorded, 2, "only the two well-formed rejections are recorded");
    assert_eq!(activities + recorded, before + 2, "no activity written");
    let res = w
        .http
        .post(w.url("/auth/login"))
        .body("{}")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = w
        .http
        .get(format!("{}/nowhere", w.running.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_suspended_tenant_or_deactivated_user_is_stopped_with_a_clear_reason() {
    let w = world().await;
    let agent = w.login(&email(&w.a, "sales_agent")).await;
    let b_agent = w.login(&email(&w.b, "sales_agent")).await;
    w.server.db().run_now(|c| {
        c.execute(
            "UPDATE tenants SET status = 'suspended' WHERE id = ?1",
            [w.a.tenant_id.0],
        )
        .unwrap()
    });
    for path in ["/me", "/changes"] {
        let (status, body) = w.get(&agent.token, path).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::FORBIDDEN, Some("tenant_suspended")),
            "{path}"
        );
    }
    let res = w
        .http
        .post(w.url("/auth/login"))
        .json(&json!({"email": email(&w.a, "sales_agent"), "password": "leadline-demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let (status, _) = w.get(&b_agent.token, "/me").await;
    assert_eq!(status, StatusCode::OK, "the other tenant is not affected");
    w.server.db().run_now(|c| {
        c.execute(
            "UPDATE users SET is_active = 0 WHERE id = ?1",
            [b_agent.me.user.id.0],
        )
        .unwrap()
    });
    let (status, body) = w.get(&b_agent.token, "/me").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("user_inactive"))
    );
}

#[test]
fn docs_openapi_json_is_the_generated_document() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    let fresh = format!("{}\n", leadline_tenant_server::openapi::document());
    if std::env::var_os("LEADLINE_BLESS").is_some() {
        std::fs::write(path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == fresh,
        "docs/openapi.json is out of date: run LEADLINE_BLESS=1 cargo test -p leadline-tenant-server"
    );
    let doc: Value = serde_json::from_str(&fresh).unwrap();
    for schema in [
        "Lead",
        "Call",
        "Change",
        "Mutation",
        "MutationResult",
        "ErrorBody",
        "SipCredentials",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "{schema} missing"
        );
    }
}

#[tokio::test]
async fn every_role_gets_exactly_what_the_permission_table_grants() {
    let w = world().await;
    let lead = w.count(&format!(
        "SELECT min(id) FROM leads WHERE tenant_id = {}",
        w.a.tenant_id.0
    ));
    let recorded = w.count(&format!(
        "SELECT min(id) FROM calls WHERE tenant_id = {} AND recording_url IS NOT NULL",
        w.a.tenant_id.0
    ));
    let b_call = w.count(&format!(
        "SELECT min(id) FROM calls WHERE tenant_id = {}",
        w.b.tenant_id.0
    ));
    // (role, leads.manage, calls.make, calls.recordings.view, has a SIP account)
    let matrix = [
        ("tenant_admin", true, true, true, false),
        ("supervisor", true, true, true, false),
        ("sales_agent", true, true, false, true),
        ("support_agent", false, true, false, false),
        ("read_only", false, false, false, false),
    ];
    for (role, manage, make, recordings, has_sip) in matrix {
        let login = w.login(&email(&w.a, role)).await;
        let note = mutation(
            "activity.create",
            "lead_activity",
            -1,
            json!({"id": -1, "lead_id": lead, "type": "note", "payload": {"note": role}}),
        );
        let call = mutation(
            "call.create",
            "call",
            -2,
            json!({
                "id": -2, "tenant_id": 0, "user_id": 0, "related_type": null, "related_id": null, "direction": "outbound",
                "from_number": "1001", "to_number": "+15550100", "started_at": "2026-03-10T15:00:00Z", "ended_at": null,
                "duration_seconds": null, "pbx_call_id": null, "recording_url": null, "disposition_id": null,
                "wrapup_notes": null, "created_at": null, "updated_at": null,
            }),
        );
        let foreign = mutation(
            "call.update",
            "call",
            b_call,
            json!({"call_id": b_call, "ended_at": "2026-03-10T15:05:00Z"}),
        );
        let (_, res) = w
            .post(
                &login.token,
                "/mutations",
                &json!({"mutations": [note, call, foreign]}),
            )
            .await;
        let status = |i: usize| res["results"][i]["status"].as_str().unwrap().to_owned();
        assert_eq!(status(0) == "applied", manage, "{role} note: {res}");
        assert_eq!(status(1) == "applied", make, "{role} call: {res}");
        assert_eq!(
            res["results"][2]["code"], "not_found",
            "{role} reached another tenant's call"
        );
        let (sip, _) = w.get(&login.token, "/me/sip-credentials").await;
        let expected = if !make {
            StatusCode::FORBIDDEN
        } else if has_sip {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        };
        assert_eq!(sip, expected, "{role} SIP credentials");
        let (link, _) = w.get(&login.token, &format!("/calls/{recorded}/recording")).await;
        assert_eq!(
            link == StatusCode::OK,
            recordings,
            "{role} recording link: {link}"
        );
        let feed = w.pull_all(&login.token, 2_000).await;
        let urls = feed.iter().any(|c| {
            c.table == SyncTable::Calls && c.row_as::<Value>().unwrap().unwrap()["recording_url"].is_string()
        });
        assert_eq!(urls, recordings, "{role} recording URLs in the feed");
        assert!(
            feed.iter().any(|c| c.table == SyncTable::Leads),
            "{role} sees leads"
        );
    }
    // The tenant's own table decides: without leads.view, no lead crosses.
    w.server.db().run_now(|c| {
        c.execute("DELETE FROM permissions WHERE tenant_id = ?1 AND role = 'read_only' AND permission = 'leads.view'", [w.a.tenant_id.0]).unwrap()
    });
    let reader = w.login(&email(&w.a, "read_only")).await;
    let feed = w.pull_all(&reader.token, 2_000).await;
    assert!(
        !feed
            .iter()
            .any(|c| matches!(c.table, SyncTable::Leads | SyncTable::LeadActivities))
    );
    assert!(
        feed.iter().any(|c| c.table == SyncTable::Calls),
        "calls.view still holds"
    );
}

#[tokio::test]
async fn a_calls_quality_arrives_with_its_end_and_nonsense_is_refused() {
    let w = world().await;
    let login = w.login(&email(&w.a, "sales_agent")).await;
    let call = mutation(
        "call.create",
        "call",
        -7,
        json!({
            "id": -7, "tenant_id": 0, "user_id": 0, "related_type": null, "related_id": null, "direction": "outbound",
            "from_number": "1001", "to_number": "+15550100", "started_at": "2026-03-10T15:00:00Z", "ended_at": null,
            "duration_seconds": null, "pbx_call_id": null, "recording_url": null, "disposition_id": null,
            "wrapup_notes": null, "created_at": null, "updated_at": null,
            "quality": {"codec": "opus", "mos": 4.5, "bitrate_kbps": 1.0, "jitter_ms": 0.0, "loss_percent": 0.0,
                        "rtt_ms": null, "buffer_ms": 0.0, "concealed": 0},
        }),
    );
    let quality = |mos: f64| {
        json!({"codec": "opus", "mos": mos, "bitrate_kbps": 32.4, "jitter_ms": 3.1, "loss_percent": 0.5,
               "rtt_ms": 42.0, "buffer_ms": 40.0, "concealed": 4})
    };
    let nonsense = mutation(
        "call.update",
        "call",
        -7,
        json!({"call_id": -7, "ended_at": "2026-03-10T15:05:00Z", "quality": quality(9.0)}),
    );
    let ended = mutation(
        "call.update",
        "call",
        -7,
        json!({"call_id": -7, "ended_at": "2026-03-10T15:05:00Z", "quality": quality(4.2)}),
    );
    let (_, res) = w
        .post(
            &login.token,
            "/mutations",
            &json!({"mutations": [call, nonsense, ended]}),
        )
        .await;
    assert_eq!(res["results"][0]["status"], "applied", "{res}");
    assert_eq!(res["results"][1]["code"], "invalid", "{res}");
    assert!(res["results"][1].to_string().contains("quality.mos"), "{res}");
    assert_eq!(res["results"][2]["status"], "applied", "{res}");
    let id = w.count(&format!(
        "SELECT max(id) FROM calls WHERE tenant_id = {} AND to_number = '+15550100'",
        w.a.tenant_id.0
    ));
    let feed = w.pull_all(&login.token, 2_000).await;
    let row = feed
        .iter()
        .filter(|c| c.table == SyncTable::Calls)
        .filter_map(|c| c.row_as::<Value>().and_then(Result::ok))
        .find(|r| r["id"] == id)
        .unwrap();
    assert_eq!(
        row["quality"],
        quality(4.2),
        "the feed carries what the agent measured"
    );
}

#[tokio::test]
async fn a_refusal_shows_the_lead_only_to_a_caller_who_may_see_leads() {
    let w = world().await;
    let tenant = w.a.tenant_id.0;
    // This tenant's read-only role no longer sees leads.
    w.server.db().run_now(move |c| {
        c.execute(
            "DELETE FROM permissions WHERE tenant_id = ?1 AND role = 'read_only' AND permission = 'leads.view'",
            [tenant],
        )
        .unwrap()
    });
    let lead = w.count(&format!("SELECT min(id) FROM leads WHERE tenant_id = {tenant}"));
    let update = |when: &str| {
        mutation(
            "lead.followup",
            "lead",
            lead,
            json!({"lead_id": lead, "next_followup_at": when, "activity_id": -1}),
        )
    };
    let blind = w.login(&email(&w.a, "read_only")).await;
    let (status, res) = w
        .post(
            &blind.token,
            "/mutations",
            &json!({"mutations": [update("2030-01-01T09:00:00Z")]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{res}");
    assert_eq!(res["results"][0]["status"], "rejected", "{res}");
    assert!(
        res["results"][0]["current"].is_null(),
        "the lead is not shown: {res}"
    );
    let text = res.to_string();
    let name: String = w.server.db().run_now(move |c| {
        c.query_row("SELECT name FROM leads WHERE id = ?1", [lead], |r| r.get(0))
            .unwrap()
    });
    assert!(!text.contains(&name), "nothing of the lead leaks: {text}");

    // A support agent sees leads but may not change them: the refusal brings the lead back.
    let support = w.login(&email(&w.a, "support_agent")).await;
    let (_, res) = w
        .post(
            &support.token,
            "/mutations",
            &json!({"mutations": [update("2030-01-02T09:00:00Z")]}),
        )
        .await;
    assert_eq!(res["results"][0]["status"], "rejected", "{res}");
    assert_eq!(res["results"][0]["current"]["id"], json!(lead), "{res}");
}

#[tokio::test]
async fn a_new_lead_is_assigned_only_to_an_active_user_of_the_tenant() {
    let w = world().await;
    let (a, b) = (w.a.tenant_id.0, w.b.tenant_id.0);
    let status = w.count(&format!(
        "SELECT id FROM lead_statuses WHERE tenant_id = {a} AND is_default = 1"
    ));
    let theirs = w.count(&format!("SELECT min(id) FROM users WHERE tenant_id = {b}"));
    let leaver = w.count(&format!(
        "SELECT id FROM users WHERE tenant_id = {a} AND role = 'read_only'"
    ));
    w.server.db().run_now(move |c| {
        c.execute("UPDATE users SET is_active = 0 WHERE id = ?1", [leaver])
            .unwrap()
    });
    let create = |assignee: i64| {
        mutation(
            "lead.create",
            "lead",
            -1,
            json!({"id": -1, "tenant_id": a, "lead_status_id": status, "name": "New Co", "score": "warm",
                   "assigned_to_user_id": assignee}),
        )
    };
    let agent = w.login(&email(&w.a, "sales_agent")).await;
    let before = w.count("SELECT count(*) FROM leads");
    for (assignee, code) in [(theirs, "not_found"), (leaver, "invalid")] {
        let (_, res) = w
            .post(
                &agent.token,
                "/mutations",
                &json!({"mutations": [create(assignee)]}),
            )
            .await;
        assert_eq!(res["results"][0]["status"], "rejected", "{res}");
        assert_eq!(res["results"][0]["code"], code, "{res}");
    }
    assert_eq!(w.count("SELECT count(*) FROM leads"), before, "nothing created");
    let me = w.count(&format!(
        "SELECT id FROM users WHERE email = '{}'",
        email(&w.a, "sales_agent")
    ));
    let (_, res) = w
        .post(&agent.token, "/mutations", &json!({"mutations": [create(me)]}))
        .await;
    assert_eq!(res["results"][0]["status"], "applied", "{res}");
}
