//! A call center at 9:00 against one tenant server, over real HTTP on loopback: 500 agents
//! pulling every 10 s (each synced the day before, so pulling what changed since), 100 agents pushing notes
//! and call records every 5 s (a third of the pushes sent twice, as when an answer is lost),
//! and sign-ins arriving at 20 a second. Prints requests per second held, p50/p99 latency and
//! errors per kind, then checks that every mutation was applied exactly once.
//!
//! `cargo test --release -p leadline-tenant-server --test load -- --ignored --nocapture`
//! (`LOAD_SECONDS=60` by default). Figures go to `docs/benchmarks.md`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark fails loudly

use leadline_api::{ChangesPage, PushResponse};
use leadline_tenant_server::auth::{hash_password, token_hash};
use leadline_tenant_server::{ServerKey, TenantServer};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TENANTS: usize = 5;
const LEADS_PER_TENANT: usize = 2_000;
const PULLERS: usize = 500;
const PUSHERS: usize = 100;
const LOGINS_PER_SECOND: u64 = 20;
const COLD_STARTS: usize = 50;
const PASSWORD: &str = "load-test-password";

#[derive(Default)]
struct Figures {
    latencies: HashMap<&'static str, Vec<Duration>>,
    errors: HashMap<&'static str, usize>,
}

impl Figures {
    fn note(&mut self, kind: &'static str, took: Duration, ok: bool) {
        self.latencies.entry(kind).or_default().push(took);
        if !ok {
            *self.errors.entry(kind).or_default() += 1;
        }
    }
}

type Shared = Arc<Mutex<Figures>>;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// Agents (and their tokens) in every tenant, written straight to the database.
fn agents(server: &TenantServer, count: usize, tenants: &[i64], label: &str) -> Vec<(i64, String)> {
    let hash = hash_password(PASSWORD).unwrap();
    let label = label.to_owned();
    let tenants = tenants.to_vec();
    server.db().run_now(move |conn| {
        let tx = conn.transaction().unwrap();
        let mut out = Vec::new();
        for n in 0..count {
            let tenant = tenants[n % tenants.len()];
            tx.execute(
                "INSERT INTO users (tenant_id, name, email, password, role, is_active) VALUES (?1, ?2, ?3, ?4, 'sales_agent', 1)",
                rusqlite::params![tenant, format!("{label} {n}"), format!("{label}{n}@load.test"), hash],
            )
            .unwrap();
            let user = tx.last_insert_rowid();
            let token = format!("llt_load-{label}-{n}-{}", "x".repeat(20));
            tx.execute(
                "INSERT INTO api_tokens (tenant_id, user_id, token_hash, created_at) VALUES (?1, ?2, ?3, datetime('now'))",
                rusqlite::params![tenant, user, token_hash(&token)],
            )
            .unwrap();
            out.push((tenant, token));
        }
        tx.commit().unwrap();
        out
    })
}

async fn pull_all(http: &reqwest::Client, base: &str, token: &str, cursor: &mut String, figures: &Shared) {
    loop {
        let started = Instant::now();
        let res = http
            .get(format!("{base}/api/v1/changes?cursor={cursor}"))
            .bearer_auth(token)
            .send()
            .await;
        let page = match res {
            Ok(r) if r.status().is_success() => r.json::<ChangesPage>().await.ok(),
            _ => None,
        };
        figures
            .lock()
            .unwrap()
            .note("pull", started.elapsed(), page.is_some());
        let Some(page) = page else { return };
        *cursor = page.next_cursor;
        if !page.has_more {
            return;
        }
    }
}

fn mutation(id: &str, kind: &str, entity: &str, entity_id: i64, payload: Value) -> Value {
    json!({"mutation_id": id, "kind": kind, "entity_type": entity, "entity_id": entity_id,
           "payload": payload, "created_at": "2026-03-10T15:00:00Z"})
}

fn uuid(agent: usize, n: u64, part: u64) -> String {
    format!("00000000-{agent:04x}-4000-8000-{:012x}", n * 4 + part)
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a load benchmark: run with --release -- --ignored --nocapture"]
async fn a_call_center_at_nine() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let seconds: u64 = std::env::var("LOAD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let dir = tempfile::tempdir().unwrap();
    let server =
        TenantServer::open(&dir.path().join("load.sqlite3"), ServerKey::generate().unwrap()).unwrap();
    let mut tenants = Vec::new();
    let mut first_leads = Vec::new();
    for t in 0..TENANTS {
        let seeded = server
            .seed_demo(
                &format!("Load {t}"),
                &format!("load{t}"),
                LEADS_PER_TENANT,
                t as u64,
            )
            .unwrap();
        let id = seeded.tenant_id.0;
        tenants.push(id);
        first_leads.push(server.db().run_now(move |c| {
            c.query_row("SELECT min(id) FROM leads WHERE tenant_id = ?1", [id], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap()
        }));
    }
    let pullers = agents(&server, PULLERS, &tenants, "puller");
    let pushers = agents(&server, PUSHERS, &tenants, "pusher");
    let running = server
        .clone()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let base = running.url();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(1_000)
        .build()
        .unwrap();
    let figures: Shared = Arc::default();
    let started = Instant::now();
    let end = tokio::time::Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();

    let synced: String = server.db().run_now(|c| {
        format!(
            "v1:{}",
            c.query_row("SELECT max(seq) FROM change_log", [], |r| r.get::<_, i64>(0))
                .unwrap()
        )
    });
    for (n, (_, token)) in pullers.into_iter().enumerate() {
        let (http, base, figures, synced) = (http.clone(), base.clone(), figures.clone(), synced.clone());
        tasks.push(tokio::spawn(async move {
            // Agents arrive over the first 10 s, then pull every 10 s.
            tokio::time::sleep(Duration::from_millis((n as u64 * 10_000) / PULLERS as u64)).await;
            // Synced yesterday: each agent pulls what changed since.
            let mut cursor = synced.clone();
            let mut every = tokio::time::interval(Duration::from_secs(10));
            while tokio::time::Instant::now() < end {
                every.tick().await;
                pull_all(&http, &base, &token, &mut cursor, &figures).await;
            }
        }));
    }

    let sent: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    for (n, (tenant, token)) in pushers.into_iter().enumerate() {
        let lead = first_leads[tenants.iter().position(|t| *t == tenant).unwrap()] + n as i64 % 50;
        let (http, base, figures, sent) = (http.clone(), base.clone(), figures.clone(), sent.clone());
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis((n as u64 * 5_000) / PUSHERS as u64)).await;
            let mut every = tokio::time::interval(Duration::from_secs(5));
            let mut round = 0u64;
            while tokio::time::Instant::now() < end {
                every.tick().await;
                round += 1;
                let note = uuid(n, round, 0);
                let call = uuid(n, round, 1);
                let batch = json!({"mutations": [
                    mutation(&note, "activity.create", "lead_activity", -1,
                        json!({"id": -1, "lead_id": lead, "type": "note", "payload": {"note": format!("load note {n}/{round}")}})),
                    mutation(&call, "call.create", "call", -2,
                        json!({"id": -2, "tenant_id": tenant, "user_id": 0, "related_type": "lead", "related_id": lead,
                               "direction": "outbound", "from_number": "1000", "to_number": "+15550100",
                               "started_at": "2026-03-10T15:00:00Z", "ended_at": null, "duration_seconds": null,
                               "pbx_call_id": null, "recording_url": null, "disposition_id": null,
                               "wrapup_notes": null, "created_at": null, "updated_at": null})),
                ]});
                let times = if round.is_multiple_of(3) { 2 } else { 1 };
                for _ in 0..times {
                    let started = Instant::now();
                    let res = http.post(format!("{base}/api/v1/mutations")).bearer_auth(&token).json(&batch).send().await;
                    let answer = match res {
                        Ok(r) if r.status().is_success() => r.json::<PushResponse>().await.ok(),
                        _ => None,
                    };
                    let ok = answer.as_ref().is_some_and(|a| {
                        a.results.iter().all(|r| r.status != leadline_api::MutationStatus::Rejected)
                    });
                    figures.lock().unwrap().note("push", started.elapsed(), ok);
                    if ok {
                        let mut sent = sent.lock().unwrap();
                        *sent.entry(note.clone()).or_default() += 1;
                        *sent.entry(call.clone()).or_default() += 1;
                    }
                }
            }
        }));
    }

    {
        let (http, base, figures) = (http.clone(), base.clone(), figures.clone());
        let emails: Vec<String> = (0..PUSHERS).map(|n| format!("pusher{n}@load.test")).collect();
        tasks.push(tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_millis(1_000 / LOGINS_PER_SECOND));
            let mut n = 0;
            let mut logins = Vec::new();
            while tokio::time::Instant::now() < end {
                every.tick().await;
                let (http, base, figures) = (http.clone(), base.clone(), figures.clone());
                let email = emails[n % emails.len()].clone();
                n += 1;
                logins.push(tokio::spawn(async move {
                    let started = Instant::now();
                    let res = http
                        .post(format!("{base}/api/v1/auth/login"))
                        .json(&json!({"email": email, "password": PASSWORD}))
                        .send()
                        .await;
                    let ok = res.is_ok_and(|r| r.status().is_success());
                    figures.lock().unwrap().note("login", started.elapsed(), ok);
                }));
            }
            for login in logins {
                let _ = login.await;
            }
        }));
    }

    for task in tasks {
        task.await.unwrap();
    }
    let _ = started;
    let elapsed = seconds as f64;
    {
        let figures = figures.lock().unwrap();
        let mut total = 0;
        println!(
            "LOAD {seconds} s: {PULLERS} agents pulling every 10 s, {PUSHERS} pushing every 5 s, {LOGINS_PER_SECOND} sign-ins/s; {TENANTS} tenants of {LEADS_PER_TENANT} leads"
        );
        for kind in ["pull", "push", "login"] {
            let mut all = figures.latencies.get(kind).cloned().unwrap_or_default();
            all.sort();
            total += all.len();
            println!(
                "LOAD {kind:5}: {:6} requests, {:6.1}/s, p50 {:7.1} ms, p99 {:7.1} ms, errors {}",
                all.len(),
                all.len() as f64 / elapsed,
                percentile(&all, 0.5).as_secs_f64() * 1e3,
                percentile(&all, 0.99).as_secs_f64() * 1e3,
                figures.errors.get(kind).copied().unwrap_or(0)
            );
        }
        println!(
            "LOAD all  : {total} requests, {:.1}/s held",
            total as f64 / elapsed
        );

        // Exactly once: every mutation acknowledged is in the database once, replays included.
        let sent = sent.lock().unwrap();
        let ids: Vec<String> = sent.keys().cloned().collect();
        let applied = server.db().run_now(move |conn| {
            let mut stmt = conn
                .prepare("SELECT count(*) FROM applied_mutations WHERE mutation_id = ?1")
                .unwrap();
            ids.iter()
                .map(|id| stmt.query_row([id], |r| r.get::<_, i64>(0)).unwrap())
                .collect::<Vec<_>>()
        });
        assert!(applied.iter().all(|n| *n == 1), "each mutation recorded once");
        let replayed = sent.values().filter(|n| **n > 1).count();
        let notes: i64 = server.db().run_now(|c| {
            c.query_row(
                "SELECT count(*) FROM lead_activities WHERE payload_json LIKE '%load note%'",
                [],
                |r| r.get(0),
            )
            .unwrap()
        });
        assert_eq!(
            notes as usize,
            sent.len() / 2,
            "one note per note mutation, replays included"
        );
        println!(
            "LOAD exactly once: {} mutations acknowledged ({replayed} of them sent twice), {notes} notes written",
            sent.len()
        );
        assert!(
            figures.errors.values().sum::<usize>() == 0,
            "no errors: {:?}",
            figures.errors
        );
    }

    // A cold start: agents with no cache at all sync their whole tenant at the same moment.
    let cold: Shared = Arc::default();
    let newcomers = agents(&server, COLD_STARTS, &tenants, "newcomer");
    let started = Instant::now();
    let syncs: Vec<_> = newcomers
        .into_iter()
        .map(|(_, token)| {
            let (http, base, cold) = (http.clone(), base.clone(), cold.clone());
            tokio::spawn(async move {
                let mut cursor = String::new();
                pull_all(&http, &base, &token, &mut cursor, &cold).await;
            })
        })
        .collect();
    for sync in syncs {
        sync.await.unwrap();
    }
    let cold = cold.lock().unwrap();
    let mut pages = cold.latencies.get("pull").cloned().unwrap_or_default();
    pages.sort();
    println!(
        "LOAD cold : {COLD_STARTS} agents syncing a tenant of {LEADS_PER_TENANT} leads at once: all done in {:.1} s, \
         {} pages, page p50 {:.0} ms, p99 {:.0} ms, errors {}",
        started.elapsed().as_secs_f64(),
        pages.len(),
        percentile(&pages, 0.5).as_secs_f64() * 1e3,
        percentile(&pages, 0.99).as_secs_f64() * 1e3,
        cold.errors.values().sum::<usize>()
    );
    assert!(cold.errors.is_empty());
}
