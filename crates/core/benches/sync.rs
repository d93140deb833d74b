//! Sync benchmarks, end to end through the real stack: the reference tenant server on
//! loopback (in-process, SQLite file), the core's sync (HTTP, JSON, the local store), and
//! the OS keychain for the token. Prints a Markdown table for `docs/benchmarks.md`.
//!
//! Run: `scripts/bench.sh` (it provides the Secret Service session), or inside one:
//! `cargo bench -p leadline-core --bench sync` (LEADLINE_BENCH_LEADS overrides 100,000).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark fails loudly

use leadline_core::Handle;
use leadline_core::store::model::LeadId;
use leadline_tenant_server::{ServerKey, TenantServer};
use std::time::Instant;

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let leads: usize = std::env::var("LEADLINE_BENCH_LEADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let server_dir = tempfile::tempdir().unwrap();
    let profile = tempfile::tempdir().unwrap();
    let server = TenantServer::open(
        &server_dir.path().join("tenants.sqlite3"),
        ServerKey::generate().unwrap(),
    )
    .unwrap();
    let started = Instant::now();
    let tenant = server.seed_demo("Bench Co", "bench", leads, 3).unwrap();
    let seeded = started.elapsed();
    let rows: i64 = server.db().run_now(|c| {
        c.query_row(
            "SELECT (SELECT count(*) FROM leads) + (SELECT count(*) FROM lead_activities) + (SELECT count(*) FROM calls)",
            [],
            |r| r.get(0),
        )
        .unwrap()
    });
    let running = server
        .clone()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let email = tenant
        .users
        .iter()
        .find(|u| u.role.as_str() == "sales_agent")
        .unwrap()
        .email
        .clone();
    // The server's share: every page fetched and decoded, nothing applied.
    let api = leadline_sync::ApiClient::new(&running.url()).unwrap();
    let token = api.login(&email, "leadline-demo", "bench").await.unwrap().token;
    let api = api.with_token(token);
    let start = Instant::now();
    let mut cursor: Option<String> = None;
    let mut pages = Vec::new();
    loop {
        let page = api
            .changes(cursor.as_deref(), leadline_api::MAX_PAGE)
            .await
            .unwrap();
        cursor = Some(page.next_cursor.clone());
        let more = page.has_more;
        pages.push(page);
        if !more {
            break;
        }
    }
    let fetch_only = start.elapsed();
    let fetched: usize = pages.iter().map(|p| p.changes.len()).sum();
    // The client's share: the same pages applied to an empty store, 20 to a transaction as
    // the sync does when pages arrive faster than they are applied; nothing fetched.
    let apply_dir = tempfile::tempdir().unwrap();
    let mut store = leadline_core::store::Store::open(&apply_dir.path().join("apply.sqlite3")).unwrap();
    let start = Instant::now();
    for batch in pages.chunks(20) {
        store
            .apply_pages(batch, leadline_core::store::phone::Region::US)
            .unwrap();
    }
    let apply_only = start.elapsed();
    drop(pages);
    let handle = Handle::open(profile.path()).unwrap();

    let start = Instant::now();
    handle
        .login(&running.url(), &email, "leadline-demo")
        .await
        .unwrap();
    let report = handle.sync(&mut |_| {}).await.unwrap();
    let initial = start.elapsed();
    assert!(report.pulled as i64 >= rows, "pulled {} of {rows}", report.pulled);

    let first = handle
        .leads(&leadline_core::LeadFilter {
            limit: 1_000,
            ..Default::default()
        })
        .unwrap();
    for i in 0..10_000 {
        handle
            .add_note(
                LeadId(first[i % first.len()].lead.id.0),
                &format!("bench note {i}"),
            )
            .unwrap();
    }
    let start = Instant::now();
    let report = handle.sync(&mut |_| {}).await.unwrap();
    let push = start.elapsed();
    assert_eq!(report.pushed, 10_000);

    let mut noop = Vec::new();
    for _ in 0..20 {
        let start = Instant::now();
        let report = handle.sync(&mut |_| {}).await.unwrap();
        noop.push(start.elapsed());
        assert_eq!(report.pushed + report.pulled, 0);
    }
    noop.sort();
    handle.logout().await.unwrap();
    running.stop();

    println!(
        "Server: {leads} leads seeded in {:.1} s ({rows} leads, activities and calls).",
        seeded.as_secs_f64()
    );
    println!();
    println!("| operation | time | target |");
    println!("|---|---|---|");
    println!(
        "| initial sign-in and pull of {leads} leads ({rows} rows with activities and calls) | {:.2} s | < 10 s |",
        initial.as_secs_f64()
    );
    println!(
        "| of which fetching and decoding the {fetched} changes (server and HTTP, nothing applied) | {:.2} s | |",
        fetch_only.as_secs_f64()
    );
    println!(
        "| of which applying them to the local store (nothing fetched) | {:.2} s | |",
        apply_only.as_secs_f64()
    );
    println!(
        "| push of 10,000 offline notes (then pulling them back) | {:.2} s | < 5 s |",
        push.as_secs_f64()
    );
    println!(
        "| no-op sync (median / worst of 20) | {:.1} ms / {:.1} ms | < 50 ms |",
        noop[noop.len() / 2].as_secs_f64() * 1e3,
        noop[noop.len() - 1].as_secs_f64() * 1e3
    );
}
