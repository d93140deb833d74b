//! Faults between the agent and the tenant server, and on the agent's own disk, with the real
//! `leadline` binary, a real tenant server and real SQLite files:
//! - the server answering 500 (after applying), cutting answers short, timing out and answering
//!   slowly, through a fault-injecting proxy, while the agent syncs offline work: nothing lost,
//!   nothing applied twice, every failed sync told in words;
//! - a read-only profile and a full disk: a clear error, the database intact, nothing lost once
//!   the disk is writable again.

#![allow(clippy::unwrap_used)] // a test fails loudly on unexpected errors

mod common;
#[path = "faults/proxy.rs"]
mod proxy;
mod run;

use proxy::{Fault, FaultProxy};
use run::{Run, json, leadline, login};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

async fn leadline_async(dir: &Path, args: &[&str]) -> Run {
    let (dir, args): (std::path::PathBuf, Vec<String>) =
        (dir.to_owned(), args.iter().map(|a| (*a).to_owned()).collect());
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        leadline(&dir, &args, "")
    })
    .await
    .unwrap()
}

/// What a failed sync may say: each names the cause in words.
const TOLD: &[&str] = &[
    "failed (500)",
    "cannot be reached",
    "cut short",
    "cannot read",
    "will retry",
];

#[tokio::test(flavor = "multi_thread")]
async fn a_faulty_tenant_server_loses_and_duplicates_nothing() {
    let common::Seeded { _dir, server, tenant } = common::seeded("Faulty Co", "faulty", 2_000, 11);
    let running = server
        .clone()
        .spawn("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let proxy = FaultProxy::start(running.addr).await;
    let profile = tempfile::tempdir().unwrap();
    let email = common::agent(&tenant);
    let login = login(profile.path(), &proxy.url(), &email).await;
    assert_eq!(json(&login)["event"], "synced");

    // Offline work: notes on twelve leads.
    let listed = leadline(profile.path(), &["--json", "leads", "list", "--limit", "12"], "");
    let ids: Vec<String> = listed
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].to_string())
        .collect();
    assert_eq!(ids.len(), 12);
    for (n, id) in ids.iter().enumerate() {
        json(&leadline(
            profile.path(),
            &["--json", "lead", "note", id, &format!("fault-proof note {n}")],
            "",
        ));
    }
    // Meanwhile the server gains leads the agent must pull.
    let tenant_id = tenant.tenant_id.0;
    server.db().run_now(move |c| {
        for n in 0..30 {
            c.execute(
                "INSERT INTO leads (tenant_id, lead_status_id, name, score) \
                 SELECT ?1, id, ?2, 'warm' FROM lead_statuses WHERE tenant_id = ?1 AND is_default = 1",
                rusqlite::params![tenant_id, format!("Arrived during faults {n}")],
            )
            .unwrap();
        }
    });

    let slow = Duration::from_secs(2);
    let hold = Duration::from_secs(3);
    proxy.script(&[
        Fault::ServerError,
        Fault::Truncated,
        Fault::Timeout(hold),
        Fault::Slow(slow),
        Fault::ServerError,
        Fault::Pass,
        Fault::Truncated,
        Fault::Slow(slow),
        Fault::Timeout(hold),
    ]);
    let mut told = Vec::new();
    let mut synced = false;
    for _ in 0..20 {
        let run = leadline_async(profile.path(), &["--json", "sync"]).await;
        if run.code == 0 {
            let status = json(&leadline(profile.path(), &["--json", "status"], ""));
            if status["pending_changes"] == 0 && proxy.seen.lock().unwrap().len() >= 9 {
                synced = true;
                break;
            }
        } else {
            assert!(
                TOLD.iter().any(|t| run.stderr.contains(t)),
                "a failed sync says why: {}",
                run.stderr
            );
            told.push(run.stderr.trim().to_owned());
        }
    }
    assert!(synced, "synced in the end; told: {told:#?}");
    let met: std::collections::HashSet<_> = proxy
        .seen
        .lock()
        .unwrap()
        .iter()
        .map(|(_, f)| std::mem::discriminant(f))
        .collect();
    assert_eq!(
        met.len(),
        5,
        "every kind of fault was met: {:?}",
        proxy.seen.lock().unwrap()
    );

    // Nothing lost, nothing twice: each note once on the server, every lead on the client.
    let notes: i64 = server.db().run_now(|c| {
        c.query_row(
            "SELECT count(*) FROM lead_activities WHERE payload_json ->> '$.note' LIKE 'fault-proof note %'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    });
    assert_eq!(notes, 12, "each note applied exactly once");
    let on_server: i64 = server.db().run_now(move |c| {
        c.query_row(
            "SELECT count(*) FROM leads WHERE tenant_id = ?1",
            [tenant_id],
            |r| r.get(0),
        )
        .unwrap()
    });
    let status = json(&leadline(profile.path(), &["--json", "status"], ""));
    assert_eq!(status["leads"], on_server, "every lead pulled");
    println!(
        "FAULTS sync: {} failed syncs told the agent, then synced: {told:#?}",
        told.len()
    );
}

/// Runs `script` in a private mount namespace where `dir` is a 16 MiB tmpfs (`$LEADLINE` is the
/// binary, `$DIR` the profile). Returns its output.
fn in_small_disk(dir: &Path, script: &str) -> String {
    let out = Command::new("unshare")
        .args(["-rm", "sh", "-c"])
        .arg(format!(
            "mount -t tmpfs -o size=16m tmpfs \"$DIR\" || exit 97\n{script}"
        ))
        .env("DIR", dir)
        .env("LEADLINE", env!("CARGO_BIN_EXE_leadline"))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_ne!(out.status.code(), Some(97), "no tmpfs here: {text}");
    text
}

/// The exit code the script recorded for `step` (`<<step:CODE>>`).
fn step_code(output: &str, step: &str) -> i32 {
    let marker = format!("<<{step}:");
    let at = output
        .find(&marker)
        .unwrap_or_else(|| panic!("{step} in {output}"))
        + marker.len();
    output[at..].split(">>").next().unwrap().parse().unwrap()
}

#[test]
fn a_full_disk_and_a_read_only_profile_are_told_and_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let output = in_small_disk(
        dir.path(),
        r#"
ll() { "$LEADLINE" --data-dir "$DIR" "$@"; }
lead=$(ll --json leads list --limit 1 | head -1 | sed 's/.*"id":\([0-9]*\).*/\1/')
ll --json lead note "$lead" "note A before the disk fills" >/dev/null; echo "<<first:$?>>"
dd if=/dev/zero of="$DIR/filler" bs=64k 2>/dev/null
echo "== disk full"
ll --json lead note "$lead" "note B while the disk is full"; echo "<<full:$?>>"
ll --json status; echo "<<status_full:$?>>"
rm "$DIR/filler"
ll --json lead note "$lead" "note B once there is room" >/dev/null; echo "<<room:$?>>"
mount -o remount,ro "$DIR"
echo "== read-only"
ll --json lead note "$lead" "note C on a read-only profile"; echo "<<readonly:$?>>"
mount -o remount,rw "$DIR"
ll --json lead note "$lead" "note C once writable" >/dev/null; echo "<<writable:$?>>"
echo "== pending"
ll --json status
ll --json leads show "$lead"
"#,
    );
    assert_eq!(step_code(&output, "first"), 0, "{output}");
    assert_ne!(step_code(&output, "full"), 0, "{output}");
    let full = &output[output.find("== disk full").unwrap()..output.find("<<full:").unwrap()];
    assert!(
        full.contains("the disk holding Leadline's profile is full"),
        "told why: {full}"
    );
    // Opening a WAL database may itself need a little room (its shared-memory index): reading
    // on a full disk works, or says the same plain words.
    let status_full = &output[output.find("<<full:").unwrap()..output.find("<<status_full:").unwrap()];
    assert!(
        step_code(&output, "status_full") == 0 || status_full.contains("profile is full"),
        "{status_full}"
    );
    assert_eq!(step_code(&output, "room"), 0, "{output}");
    assert_ne!(step_code(&output, "readonly"), 0, "{output}");
    let readonly = &output[output.find("== read-only").unwrap()..output.find("<<readonly:").unwrap()];
    assert!(readonly.contains("on a read-only disk"), "told why: {readonly}");
    assert_eq!(step_code(&output, "writable"), 0, "{output}");
    // Everything written is there, once, and waiting to sync; nothing of the failed writes.
    let pending = &output[output.find("== pending").unwrap()..];
    for kept in [
        "note A before the disk fills",
        "note B once there is room",
        "note C once writable",
    ] {
        assert_eq!(pending.matches(kept).count(), 1, "{kept}: {pending}");
    }
    for lost in ["while the disk is full", "on a read-only profile"] {
        assert!(!pending.contains(lost), "a failed write left nothing: {pending}");
    }
    assert!(pending.contains("\"pending_changes\":3"), "{pending}");
    println!("FAULTS disk full: {}", full.lines().nth(1).unwrap_or_default());
    println!(
        "FAULTS read-only: {}",
        readonly.lines().nth(1).unwrap_or_default()
    );
}
