//! The tenant server against what a careless or hostile client sends: oversized text, pages
//! that would grow without bound, ids reused across tenants, a flood of refusals, password
//! guessing, stolen or stale tokens, slow requests. Real HTTP on loopback, real SQLite.

#![allow(clippy::unwrap_used)] // a test fails loudly on unexpected errors

mod contract;
mod world;

use leadline_api::{ChangeOp, MAX_NOTE_CHARS, MAX_PAGE_BYTES, SyncTable};
use leadline_model::Timestamp;
use leadline_tenant_server::{
    ANSWERS_KEPT_SECS, Limits, MAX_STORED_REFUSALS_PER_DAY, ServerKey, TenantServer, forget_old_answers,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use world::{World, email, mutation, uuid_like, world};

fn note(lead: i64, local: i64, text: &str) -> Value {
    mutation(
        "activity.create",
        "lead_activity",
        local,
        json!({"id": local, "lead_id": lead, "type": "note", "payload": {"note": text}, "created_at": "2026-03-10T15:00:00Z"}),
    )
}

async fn push(w: &World, token: &str, mutations: Vec<Value>) -> Value {
    let (status, res) = w
        .post(token, "/mutations", &json!({ "mutations": mutations }))
        .await;
    assert_eq!(status, StatusCode::OK, "{res}");
    res
}

fn first_lead(w: &World, tenant: i64) -> i64 {
    w.count(&format!("SELECT min(id) FROM leads WHERE tenant_id = {tenant}"))
}

#[tokio::test]
async fn the_feed_never_brings_another_tenants_row() {
    let w = world().await;
    let (a, b) = (w.a.tenant_id.0, w.b.tenant_id.0);
    let agent = w.login(&email(&w.a, "sales_agent")).await;
    let mut cursor = String::new();
    loop {
        let (_, page) = w.get(&agent.token, &format!("/changes?cursor={cursor}")).await;
        cursor = page["next_cursor"].as_str().unwrap().to_owned();
        if page["has_more"] == false {
            break;
        }
    }
    // An entry of tenant A naming an id that is (now) tenant B's row, as after an id reuse.
    let theirs = first_lead(&w, b);
    w.server.db().run_now(move |c| {
        c.execute(
            "INSERT INTO change_log (tenant_id, table_name, row_id, op) VALUES (?1, 'leads', ?2, 'upsert')",
            [a, theirs],
        )
        .unwrap()
    });
    let (status, page) = w.get(&agent.token, &format!("/changes?cursor={cursor}")).await;
    assert_eq!(status, StatusCode::OK);
    let change = &page["changes"][0];
    assert_eq!(change["id"], json!(theirs), "{page}");
    assert_eq!(
        change["op"], "delete",
        "another tenant's row is never sent: {page}"
    );
    assert!(change["row"].is_null(), "{page}");
}

#[tokio::test]
async fn ids_are_never_reused_after_a_delete() {
    let w = world().await;
    let (a, b) = (w.a.tenant_id.0, w.b.tenant_id.0);
    let create = |tenant: i64, status: i64| {
        mutation(
            "lead.create",
            "lead",
            -1,
            json!({"id": -1, "tenant_id": tenant, "lead_status_id": status, "name": "Newest Co", "score": "warm"}),
        )
    };
    let status_of = |t: i64| {
        w.count(&format!(
            "SELECT id FROM lead_statuses WHERE tenant_id = {t} AND is_default = 1"
        ))
    };
    let alice = w.login(&email(&w.a, "sales_agent")).await;
    let bob = w.login(&email(&w.b, "sales_agent")).await;
    let res = push(&w, &alice.token, vec![create(a, status_of(a))]).await;
    let lead = res["results"][0]["assigned"][0]["id"].as_i64().unwrap();
    let res = push(&w, &alice.token, vec![note(lead, -2, "first call went well")]).await;
    let activity = res["results"][0]["assigned"][0]["id"].as_i64().unwrap();
    assert_eq!(lead, w.count("SELECT max(id) FROM leads"), "the newest lead");
    // An administrator deletes the newest lead (its notes go with it).
    w.server
        .db()
        .run_now(move |c| c.execute("DELETE FROM leads WHERE id = ?1", [lead]).unwrap());
    let res = push(&w, &bob.token, vec![create(b, status_of(b))]).await;
    let next_lead = res["results"][0]["assigned"][0]["id"].as_i64().unwrap();
    assert!(next_lead > lead, "lead id {lead} came back as {next_lead}");
    let res = push(&w, &bob.token, vec![note(next_lead, -2, "hello")]).await;
    let next_activity = res["results"][0]["assigned"][0]["id"].as_i64().unwrap();
    assert!(
        next_activity > activity,
        "activity id {activity} came back as {next_activity}"
    );
}

#[tokio::test]
async fn what_an_agent_writes_is_bounded() {
    let w = world().await;
    let lead = first_lead(&w, w.a.tenant_id.0);
    let agent = w.login(&email(&w.a, "sales_agent")).await;
    let longest = "n".repeat(MAX_NOTE_CHARS);
    let too_long = "é".repeat(MAX_NOTE_CHARS + 1);
    let res = push(
        &w,
        &agent.token,
        vec![
            note(lead, -1, &longest),
            note(lead, -2, &too_long),
            mutation(
                "lead.followup",
                "lead",
                lead,
                json!({"lead_id": lead, "next_followup_at": "2030-01-01T09:00:00Z", "note": too_long, "activity_id": -3}),
            ),
        ],
    )
    .await;
    assert_eq!(res["results"][0]["status"], "applied", "{}", res["results"][0]);
    for i in [1, 2] {
        assert_eq!(res["results"][i]["status"], "rejected");
        assert_eq!(res["results"][i]["code"], "invalid");
        let reason = res["results"][i]["reason"].as_str().unwrap();
        assert!(reason.contains("10000"), "{reason}");
    }
    // The schema holds the bound for every other writer too.
    let tenant = w.a.tenant_id.0;
    let user = w.count(&format!("SELECT min(id) FROM users WHERE tenant_id = {tenant}"));
    let refused = w.server.db().run_now(move |c| {
        c.execute(
            "INSERT INTO lead_activities (tenant_id, lead_id, user_id, type, payload_json) VALUES (?1, ?2, ?3, 'note', json_object('note', ?4))",
            rusqlite::params![tenant, lead, user, "x".repeat(70_000)],
        )
        .unwrap_err()
        .to_string()
    });
    assert!(refused.contains("too_long"), "{refused}");
}

#[tokio::test]
async fn a_page_is_bounded_in_bytes_and_every_change_still_arrives() {
    let w = world().await;
    let lead = first_lead(&w, w.a.tenant_id.0);
    let agent = w.login(&email(&w.a, "sales_agent")).await;
    let text = "a long note. ".repeat(700); // ~9 KB
    let mut local = -1;
    for _ in 0..6 {
        let batch = (0..100)
            .map(|_| {
                local -= 1;
                note(lead, local, &text)
            })
            .collect();
        push(&w, &agent.token, batch).await;
    }
    let (mut cursor, mut pages, mut notes) = (String::new(), 0, std::collections::HashSet::new());
    loop {
        let (status, page) = w
            .get(&agent.token, &format!("/changes?cursor={cursor}&limit=2000"))
            .await;
        assert_eq!(status, StatusCode::OK);
        pages += 1;
        let bytes: usize = page["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["row"].to_string().len())
            .sum();
        assert!(
            bytes <= MAX_PAGE_BYTES + 70_000,
            "page {pages} holds {bytes} bytes of rows"
        );
        for change in page["changes"].as_array().unwrap() {
            if change["table"] == "lead_activities" && change["row"]["payload"]["note"] == json!(text) {
                assert!(
                    notes.insert(change["id"].as_i64().unwrap()),
                    "sent twice: {}",
                    change["id"]
                );
            }
        }
        cursor = page["next_cursor"].as_str().unwrap().to_owned();
        if page["has_more"] == false {
            break;
        }
    }
    assert!(pages >= 2, "5 MB of notes came in {pages} page(s)");
    assert_eq!(notes.len(), 600, "every note arrives once");
    let _ = (ChangeOp::Upsert, SyncTable::Leads);
}

#[tokio::test]
async fn refusals_are_bounded_and_old_answers_expire() {
    let w = world().await;
    let lead = first_lead(&w, w.a.tenant_id.0);
    // A read-only user's forbidden changes are answered but not stored.
    let reader = w.login(&email(&w.a, "read_only")).await;
    let flood: Vec<Value> = (0..500).map(|i| note(lead, -1 - i, "spam")).collect();
    let res = push(&w, &reader.token, flood).await;
    assert!(
        res["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["code"] == "forbidden")
    );
    assert_eq!(w.count("SELECT count(*) FROM applied_mutations"), 0);

    // A user at the day's quota of stored refusals waits.
    let agent = w.login(&email(&w.a, "sales_agent")).await;
    let (tenant, user) = (agent.me.tenant.id.0, agent.me.user.id.0);
    let now = Timestamp::now();
    w.server.db().run_now(move |c| {
        for _ in 0..MAX_STORED_REFUSALS_PER_DAY {
            c.execute(
                "INSERT INTO applied_mutations (mutation_id, tenant_id, user_id, result_json, applied_at, rejected) VALUES (?1, ?2, ?3, '{}', ?4, 1)",
                rusqlite::params![uuid_like(), tenant, user, now],
            )
            .unwrap();
        }
    });
    let res = w
        .http
        .post(w.url("/mutations"))
        .bearer_auth(&agent.token)
        .json(&json!({"mutations": [note(lead, -1, "hello")]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(wait > 23 * 3600, "the oldest refusal ages out in a day: {wait}");
    let body: Value = res.json().await.unwrap();
    contract::contract().check("POST", "/api/v1/mutations", None, 429, &body);

    // Answers older than the replay window are forgotten; newer ones stay.
    let old = Timestamp::from_unix(now.unix() - ANSWERS_KEPT_SECS - 60);
    let forgot = w.server.db().run_now(move |c| {
        c.execute(
            "UPDATE applied_mutations SET applied_at = ?1 WHERE rowid % 2 = 0",
            [old],
        )
        .unwrap();
        forget_old_answers(c, now).unwrap()
    });
    assert_eq!(forgot, usize::try_from(MAX_STORED_REFUSALS_PER_DAY / 2).unwrap());
    assert_eq!(
        w.count("SELECT count(*) FROM applied_mutations"),
        MAX_STORED_REFUSALS_PER_DAY / 2
    );
}

async fn sign_in(w: &World, email: &str, password: &str) -> reqwest::Response {
    w.http
        .post(w.url("/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn password_guessing_locks_the_account_out() {
    let w = world().await;
    let target = email(&w.a, "sales_agent");
    for _ in 0..5 {
        let res = sign_in(&w, &target, "guess").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    // Locked: even the right password waits, and says for how long.
    let res = sign_in(&w, &target, "leadline-demo").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((14 * 60..=15 * 60 + 1).contains(&wait), "{wait}");
    let body: Value = res.json().await.unwrap();
    contract::contract().check("POST", "/api/v1/auth/login", None, 429, &body);
    assert!(body["message"].as_str().unwrap().contains("15 minutes"), "{body}");
    // Other accounts sign in as usual.
    w.login(&email(&w.a, "tenant_admin")).await;
}

#[tokio::test]
async fn tokens_expire_and_can_be_listed_and_revoked() {
    let w = world().await;
    let laptop = w.login(&email(&w.a, "sales_agent")).await;
    let desktop = w.login(&email(&w.a, "sales_agent")).await;
    let admin = w.login(&email(&w.a, "tenant_admin")).await;
    let (_, list) = w.get(&laptop.token, "/tokens").await;
    let tokens = list["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 2, "an agent sees their own devices: {list}");
    assert_eq!(tokens.iter().filter(|t| t["current"] == true).count(), 1);
    assert!(
        !list.to_string().contains(&laptop.token[4..]),
        "no token is shown again"
    );
    let (_, all) = w.get(&admin.token, "/tokens").await;
    assert_eq!(
        all["tokens"].as_array().unwrap().len(),
        3,
        "an admin sees the tenant's"
    );

    // The agent may not revoke the admin's token; another tenant's admin may not revoke theirs.
    let admin_id = all["tokens"][0]["id"].as_i64().unwrap();
    let res = w
        .http
        .delete(w.url(&format!("/tokens/{admin_id}")))
        .bearer_auth(&laptop.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let other = w.login(&email(&w.b, "tenant_admin")).await;
    let desktop_id = tokens.iter().find(|t| t["current"] == false).unwrap()["id"]
        .as_i64()
        .unwrap();
    for (token, expected) in [
        (&other.token, StatusCode::NOT_FOUND),
        (&laptop.token, StatusCode::NO_CONTENT),
    ] {
        let res = w
            .http
            .delete(w.url(&format!("/tokens/{desktop_id}")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), expected);
    }
    let (status, _) = w.get(&desktop.token, "/me").await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a revoked device must sign in again"
    );

    // Use is recorded; a token past its idle or absolute limit stops working.
    let last_used: Option<String> = w.server.db().run_now(|c| {
        c.query_row("SELECT max(last_used_at) FROM api_tokens", [], |r| r.get(0))
            .unwrap()
    });
    assert!(last_used.is_some(), "last_used_at is kept");
    let day = 24 * 3600;
    let now = Timestamp::now().unix();
    for (created, used) in [(now - 40 * day, now - 31 * day), (now - 91 * day, now - 60)] {
        w.server.db().run_now(move |c| {
            c.execute(
                "UPDATE api_tokens SET created_at = ?1, last_used_at = ?2",
                [Timestamp::from_unix(created), Timestamp::from_unix(used)],
            )
            .unwrap()
        });
        let (status, _) = w.get(&laptop.token, "/me").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "created {created}, used {used}");
    }
    w.server.db().run_now(move |c| {
        c.execute(
            "UPDATE api_tokens SET created_at = ?1, last_used_at = ?2",
            [
                Timestamp::from_unix(now - 89 * day),
                Timestamp::from_unix(now - 29 * day),
            ],
        )
        .unwrap()
    });
    let (status, _) = w.get(&laptop.token, "/me").await;
    assert_eq!(status, StatusCode::OK, "within both limits");
}

#[tokio::test]
async fn a_slow_client_gets_503_and_cannot_hold_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let server = TenantServer::open(&dir.path().join("t.sqlite3"), ServerKey::generate().unwrap())
        .unwrap()
        .with_limits(Limits {
            concurrent: 1,
            queue_wait: Duration::from_millis(200),
            timeout: Duration::from_millis(800),
        });
    let running = server.spawn("127.0.0.1:0".parse().unwrap()).await.unwrap();
    // Headers promising a body that never comes: the request holds the one place.
    let mut slow = tokio::net::TcpStream::connect(running.addr).await.unwrap();
    slow.write_all(
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let http = reqwest::Client::new();
    let sign_in = || {
        http.post(format!("{}/api/v1/auth/login", running.url()))
            .json(&json!({"email": "x@y", "password": "z"}))
            .send()
    };
    let res = sign_in().await.unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE, "no place free");
    assert!(res.headers().contains_key("retry-after"));
    let mut answer = vec![0; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), slow.read(&mut answer))
        .await
        .unwrap()
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(
        answer.starts_with("HTTP/1.1 503"),
        "the slow request is cut off: {answer}"
    );
    // The place is free again.
    let res = sign_in().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}
