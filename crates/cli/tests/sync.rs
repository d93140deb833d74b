//! The `leadline` binary against a real tenant server on loopback, with real SQLite files and
//! the real OS keychain (Secret Service in CI): sign in, pull 10,000 leads, work offline while
//! the server is down, come back — every change arrives exactly once, with its audit entry —
//! and no secret is ever written to the profile or printed.

#![allow(clippy::unwrap_used)] // a test fails loudly on unexpected errors

mod common;
mod run;

use leadline_tenant_server::seed::DEMO_SIP_PASSWORD;
use leadline_tenant_server::{RunningServer, TenantServer};
use run::{json, leadline, login};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};

fn count(server: &TenantServer, sql: &str) -> i64 {
    server
        .db()
        .run_now(|c| c.query_row(sql, [], |r| r.get(0)).unwrap())
}

async fn start(server: &TenantServer, addr: SocketAddr) -> RunningServer {
    server.clone().spawn(addr).await.unwrap()
}

/// Every file of the profile (its log files included), as bytes.
fn profile_bytes(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            all.extend(profile_bytes(&path));
        } else {
            all.extend(std::fs::read(path).unwrap());
        }
    }
    all
}

/// The text of the profile's log files.
fn logs(dir: &Path) -> String {
    let logs = leadline_core::logging::log_dir(dir);
    String::from_utf8(profile_bytes(&logs)).unwrap()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread")]
async fn offline_edits_reach_the_server_exactly_once_and_no_secret_leaks() {
    let common::Seeded { _dir, server, tenant } = common::seeded("Northwind Solar", "northwind", 10_000, 7);
    let profile = tempfile::tempdir().unwrap();
    let running = start(&server, "127.0.0.1:0".parse().unwrap()).await;
    let addr = running.addr;
    let url = running.url();
    let email = common::agent(&tenant);
    let mut printed = String::new();

    let login = login(profile.path(), &url, &email).await;
    let synced = json(&login);
    assert_eq!(synced["event"], "synced");
    // Progress for a progress bar: pages counted up, the estimate of what remains down to 0.
    let progress: Vec<serde_json::Value> = login
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["event"] == "progress" && e["pages"].as_u64() > Some(0))
        .collect();
    assert!(progress.len() > 1, "a 10,000-lead pull takes several pages");
    let remaining: Vec<u64> = progress
        .iter()
        .map(|p| p["remaining"].as_u64().unwrap())
        .collect();
    assert!(
        remaining.windows(2).all(|w| w[0] >= w[1]) && remaining.last() == Some(&0),
        "{remaining:?}"
    );
    printed.push_str(&login.stdout);
    printed.push_str(&login.stderr);
    let status = json(&leadline(profile.path(), &["--json", "status"], ""));
    assert_eq!(status["leads"], 10_000);
    assert_eq!(status["server_url"], url.as_str());

    // The server goes away; the agent keeps working.
    running.stop();
    let leads: Vec<serde_json::Value> = leadline(
        profile.path(),
        &["--json", "leads", "list", "--status", "New", "--limit", "4"],
        "",
    )
    .stdout
    .lines()
    .map(|l| serde_json::from_str(l).unwrap())
    .collect();
    let ids: Vec<String> = leads.iter().map(|l| l["id"].to_string()).collect();
    assert_eq!(
        json(&leadline(
            profile.path(),
            &["--json", "lead", "note", &ids[0], "Offline note: wants a demo"],
            ""
        ))["type"],
        "note"
    );
    assert_eq!(
        json(&leadline(
            profile.path(),
            &[
                "--json",
                "lead",
                "move",
                &ids[1],
                "Lost",
                "--note",
                "Chose a competitor"
            ],
            ""
        ))["status_name"],
        "Lost"
    );
    json(&leadline(
        profile.path(),
        &["--json", "lead", "followup", &ids[2], "+3d"],
        "",
    ));
    // Meanwhile a colleague changes another lead on the server: the agent's move of it conflicts.
    json(&leadline(
        profile.path(),
        &["--json", "lead", "move", &ids[3], "Qualified"],
        "",
    ));
    let colleague = ids[3].parse::<i64>().unwrap();
    server.db().run_now(|c| {
        c.execute(
            "UPDATE leads SET updated_at = '2099-01-01 00:00:00', score = 'cold' WHERE id = ?1",
            [colleague],
        )
        .unwrap()
    });
    let offline = leadline(profile.path(), &["sync"], "");
    assert_eq!(offline.code, 6, "{}", offline.stderr);
    assert!(offline.stderr.contains("cannot be reached"), "{}", offline.stderr);
    assert_eq!(
        json(&leadline(profile.path(), &["--json", "status"], ""))["pending_changes"],
        4
    );
    let waiting = leadline(profile.path(), &["changes"], "");
    assert_eq!(
        waiting.stdout.lines().filter(|l| l.contains("waiting")).count(),
        4,
        "{}",
        waiting.stdout
    );
    let first = waiting.stdout.split_whitespace().next().unwrap().to_owned();
    let refused = leadline(profile.path(), &["changes", "dismiss", &first], "");
    assert_eq!(
        refused.code, 3,
        "a waiting change cannot be dismissed: {}",
        refused.stderr
    );

    // It comes back on the same address: every edit arrives once.
    let running = start(&server, addr).await;
    let sync = tokio::task::spawn_blocking({
        let dir = profile.path().to_owned();
        move || leadline(&dir, &["--json", "sync"], "")
    })
    .await
    .unwrap();
    let report = json(&sync);
    assert_eq!(report["pushed"], 3, "{report}");
    assert_eq!(report["rejected"].as_array().unwrap().len(), 1, "{report}");
    // The refused move shows with its reason, the server's lead is back, and it can be dismissed.
    let changes = leadline(profile.path(), &["changes"], "");
    assert!(
        changes.stdout.contains("refused:") && changes.stdout.contains("changed by someone else"),
        "{}",
        changes.stdout
    );
    let shown = json(&leadline(
        profile.path(),
        &["--json", "leads", "show", &ids[3]],
        "",
    ));
    assert_eq!(shown["card"]["status_name"], "New");
    assert_eq!(shown["card"]["score"], "cold");
    let refused_id = changes.stdout.split_whitespace().next().unwrap().to_owned();
    assert_eq!(
        leadline(profile.path(), &["changes", "dismiss", &refused_id], "").code,
        0
    );
    assert!(
        leadline(profile.path(), &["changes"], "")
            .stdout
            .contains("Everything is synced.")
    );
    printed.push_str(&sync.stdout);
    for _ in 0..2 {
        let again = tokio::task::spawn_blocking({
            let dir = profile.path().to_owned();
            move || leadline(&dir, &["--json", "sync"], "")
        })
        .await
        .unwrap();
        assert_eq!(json(&again)["pushed"], 0);
    }
    let note = count(
        &server,
        "SELECT count(*) FROM lead_activities WHERE payload_json ->> '$.note' = 'Offline note: wants a demo'",
    );
    assert_eq!(note, 1);
    let lost = count(
        &server,
        &format!(
            "SELECT count(*) FROM leads l JOIN lead_statuses s ON s.id = l.lead_status_id WHERE l.id = {} AND s.name = 'Lost'",
            ids[1]
        ),
    );
    assert_eq!(lost, 1);
    assert_eq!(
        count(
            &server,
            &format!(
                "SELECT count(*) FROM leads WHERE id = {} AND next_followup_at IS NOT NULL",
                ids[2]
            )
        ),
        1
    );
    assert_eq!(
        count(&server, "SELECT count(*) FROM applied_mutations"),
        4,
        "the refusal is recorded too"
    );
    assert_eq!(
        count(
            &server,
            "SELECT count(*) FROM audit_logs WHERE action = 'lead.status_changed' AND ip_address = '127.0.0.1'"
        ),
        1
    );
    let status = json(&leadline(profile.path(), &["--json", "status"], ""));
    assert_eq!(status["pending_changes"], 0);
    // The server's copies replaced the local ones: one note in the timeline, with a server id.
    let shown = json(&leadline(
        profile.path(),
        &["--json", "leads", "show", &ids[0]],
        "",
    ));
    let notes: Vec<&serde_json::Value> = shown["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["payload"]["note"] == "Offline note: wants a demo")
        .collect();
    assert_eq!(notes.len(), 1);
    assert!(notes[0]["id"].as_i64().unwrap() > 0);

    // No secret in the profile's files (log files included) or in anything printed.
    let logged = logs(profile.path());
    assert!(
        logged.contains("signed in") && logged.contains("sync finished") && logged.contains("DEBUG"),
        "the session is in the logs: {logged}"
    );
    let files = profile_bytes(profile.path());
    for secret in [DEMO_SIP_PASSWORD, "leadline-demo", "llt_"] {
        assert!(!contains(&files, secret), "{secret} found in the profile's files");
        assert!(!printed.contains(secret), "{secret} printed");
    }

    // A revoked token stops sync with a clear reason; nothing pending is lost.
    server.db().run_now(|c| {
        c.execute("UPDATE api_tokens SET revoked_at = '2026-01-01 00:00:00'", [])
            .unwrap()
    });
    json(&leadline(
        profile.path(),
        &["--json", "lead", "note", &ids[0], "after revocation"],
        "",
    ));
    let refused = tokio::task::spawn_blocking({
        let dir = profile.path().to_owned();
        move || leadline(&dir, &["sync"], "")
    })
    .await
    .unwrap();
    assert_eq!(refused.code, 5, "{}", refused.stderr);
    assert!(refused.stderr.contains("sign in again"), "{}", refused.stderr);
    assert_eq!(
        json(&leadline(profile.path(), &["--json", "status"], ""))["pending_changes"],
        1
    );
    let out = leadline(profile.path(), &["logout"], "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let after = leadline(profile.path(), &["sync"], "");
    assert_eq!(after.code, 5);
    assert!(after.stderr.contains("not signed in"), "{}", after.stderr);
    running.stop();
}

/// The next event of a kind (20 s at most).
fn next_event(lines: &std::sync::mpsc::Receiver<serde_json::Value>, wanted: &str) -> serde_json::Value {
    loop {
        let event = lines.recv_timeout(std::time::Duration::from_secs(20)).unwrap();
        if event["event"] == wanted {
            return event;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_backs_off_while_the_server_is_down_and_syncs_as_soon_as_it_returns() {
    let common::Seeded { _dir, server, tenant } = common::seeded("Watch Co", "watch", 50, 9);
    let profile = tempfile::tempdir().unwrap();
    let running = start(&server, "127.0.0.1:0".parse().unwrap()).await;
    let addr = running.addr;
    let login = tokio::task::spawn_blocking({
        let (dir, url, email) = (profile.path().to_owned(), running.url(), common::agent(&tenant));
        move || {
            leadline(
                &dir,
                &["login", "--server", &url, "--email", &email, "--password-stdin"],
                "leadline-demo\n",
            )
        }
    })
    .await
    .unwrap();
    assert_eq!(login.code, 0, "{}", login.stderr);
    running.stop();
    let lead = json(&leadline(
        profile.path(),
        &["--json", "leads", "list", "--limit", "1"],
        "",
    ))["id"]
        .to_string();
    json(&leadline(
        profile.path(),
        &[
            "--json",
            "lead",
            "note",
            &lead,
            "written while the server was down",
        ],
        "",
    ));

    let mut watch = Command::new(env!("CARGO_BIN_EXE_leadline"))
        .arg("--data-dir")
        .arg(profile.path())
        .args(["--json", "sync", "--watch"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = watch.stdout.take().unwrap();
    let (events, lines) = std::sync::mpsc::channel::<serde_json::Value>();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(event) = serde_json::from_str(&line) {
                let _ = events.send(event);
            }
        }
    });
    let retrying = next_event(&lines, "retrying");
    assert_eq!(retrying["kind"], "offline");
    std::thread::sleep(std::time::Duration::from_secs(3));
    let back = start(&server, addr).await;
    let came_back = std::time::Instant::now();
    let synced = tokio::task::spawn_blocking(move || next_event(&lines, "synced"))
        .await
        .unwrap();
    assert_eq!(synced["pushed"], 1);
    assert!(
        came_back.elapsed() < std::time::Duration::from_secs(5),
        "took {:?} after the server returned",
        came_back.elapsed()
    );
    let _ = watch.kill();
    let _ = watch.wait();
    assert_eq!(
        count(
            &server,
            "SELECT count(*) FROM lead_activities WHERE payload_json ->> '$.note' = 'written while the server was down'"
        ),
        1
    );
    back.stop();
}
