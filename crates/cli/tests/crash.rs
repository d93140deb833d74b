//! Crash safety: the client is killed with SIGKILL at random instants while it pushes and
//! pulls, fifty times over, with new offline edits and server-side changes in between. At the
//! end the server holds every mutation exactly once and the client's cache equals the server.

#![allow(clippy::unwrap_used)] // a test fails loudly on unexpected errors
#![cfg(unix)]

mod common;

use rusqlite::Connection;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const KILLS: usize = 50;

fn leadline(dir: &Path, args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_leadline"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn finish(child: std::process::Child) -> (i32, String) {
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A tiny deterministic generator, so a failure can be replayed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % bound
    }
}

fn rows(conn: &Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn killing_the_client_anywhere_loses_and_doubles_nothing() {
    let common::Seeded { _dir, server, tenant } = common::seeded("Crash Co", "crash", 2_500, 11);
    let profile = tempfile::tempdir().unwrap();
    let running = server
        .clone()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let email = common::agent(&tenant);
    let dir = profile.path().to_owned();

    let mut login = leadline(
        &dir,
        &[
            "login",
            "--server",
            &running.url(),
            "--email",
            &email,
            "--password-stdin",
        ],
    );
    login.stdin.take().unwrap().write_all(b"leadline-demo\n").unwrap();
    let (code, err) = tokio::task::spawn_blocking(move || finish(login)).await.unwrap();
    assert_eq!(code, 0, "{err}");

    let lead_ids: Vec<i64> = {
        let conn = Connection::open(dir.join("leadline.sqlite3")).unwrap();
        let mut stmt = conn
            .prepare("SELECT id FROM leads ORDER BY id LIMIT 200")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    // How long one sync with a page to pull takes here: kills land within that span.
    server.db().run_now(|c| {
        c.execute(
            "UPDATE leads SET score = 'hot' WHERE tenant_id = ?1 AND id % 3 = 0",
            [tenant.tenant_id.0],
        )
        .unwrap()
    });
    let timed = std::time::Instant::now();
    let (code, err) = finish(leadline(&dir, &["sync"]));
    assert_eq!(code, 0, "{err}");
    let span_ms = u64::try_from(timed.elapsed().as_millis()).unwrap_or(200).max(20);
    let mut rng = Lcg(20_261_124);
    let mut notes = 0usize;
    let mut killed = 0usize;
    for round in 0..KILLS {
        // New offline work: a couple of notes.
        for _ in 0..2 {
            let lead = lead_ids[rng.next(lead_ids.len() as u64) as usize].to_string();
            let text = format!("crash note {notes}");
            let (code, err) = finish(leadline(&dir, &["lead", "note", &lead, &text]));
            assert_eq!(code, 0, "{err}");
            notes += 1;
        }
        // Server-side changes, so the next pull has pages to apply.
        {
            server.db().run_now(|c| {
                c.execute(
                    "UPDATE leads SET updated_at = strftime('%Y-%m-%d %H:%M:%S', 'now'), score = CASE score WHEN 'hot' THEN 'warm' ELSE 'hot' END \
                     WHERE tenant_id = ?1 AND id % 3 = ?2",
                    rusqlite::params![tenant.tenant_id.0, (round % 3) as i64],
                )
                .unwrap()
            });
        }
        // Sync, killed at a random instant.
        let mut child = leadline(&dir, &["sync"]);
        tokio::time::sleep(Duration::from_millis(rng.next(span_ms))).await;
        if child.try_wait().unwrap().is_none() {
            killed += 1;
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    assert!(
        killed >= KILLS / 2,
        "only {killed} of {KILLS} syncs were still running when killed"
    );
    println!("{killed} of {KILLS} syncs were killed mid-way");
    // Let a sync finish.
    for _ in 0..3 {
        let (code, err) = tokio::task::spawn_blocking({
            let dir = dir.clone();
            move || finish(leadline(&dir, &["sync"]))
        })
        .await
        .unwrap();
        assert_eq!(code, 0, "{err}");
    }

    let client = Connection::open(dir.join("leadline.sqlite3")).unwrap();
    let pending: i64 = client
        .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
        .unwrap();
    assert_eq!(pending, 0, "every change was pushed");
    let server_notes = server.db().run_now(|c| {
        rows(c, "SELECT payload_json ->> '$.note' FROM lead_activities WHERE payload_json ->> '$.note' LIKE 'crash note %' ORDER BY 1")
    });
    let mut expected: Vec<String> = (0..notes).map(|n| format!("crash note {n}")).collect();
    expected.sort();
    assert_eq!(server_notes, expected, "every note exactly once on the server");
    let applied = server.db().run_now(|c| {
        c.query_row("SELECT count(*) FROM applied_mutations", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap()
    });
    assert_eq!(applied as usize, notes);

    // The client's cache is the server's tenant.
    let tenant_id = tenant.tenant_id.0;
    let lead_sql = format!(
        "SELECT id || '|' || lead_status_id || '|' || score || '|' || coalesce(next_followup_at, '') || '|' || coalesce(updated_at, '') \
         FROM leads WHERE tenant_id = {tenant_id} ORDER BY id"
    );
    let activity_sql = format!(
        "SELECT id || '|' || lead_id || '|' || type || '|' || coalesce(payload_json, '') FROM lead_activities WHERE tenant_id = {tenant_id} ORDER BY id"
    );
    assert_eq!(
        rows(&client, &lead_sql),
        server.db().run_now(|c| rows(c, &lead_sql)),
        "leads differ"
    );
    assert_eq!(
        rows(&client, &activity_sql),
        server.db().run_now(|c| rows(c, &activity_sql)),
        "activities differ"
    );
    let local_left: i64 = client
        .query_row("SELECT count(*) FROM lead_activities WHERE id < 0", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(local_left, 0, "no local copy is left behind");
    running.stop();
}
