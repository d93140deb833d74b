//! The `leadline` binary on a real profile directory (the built-in demo tenant): every
//! command, text and JSON output, refusals with their exit codes, and hostile input.

#![allow(clippy::unwrap_used)] // a test fails loudly on unexpected errors

use std::path::Path;
use std::process::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn leadline(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_leadline"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("LEADLINE_DATA_DIR")
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn json_lines(run: &Run) -> Vec<serde_json::Value> {
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    run.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn status_shows_the_demo_profile() {
    let dir = tempfile::tempdir().unwrap();
    let run = leadline(dir.path(), &["status"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("Northwind Solar (demo)"), "{}", run.stdout);
    assert!(run.stdout.contains("built-in demo tenant"));
    let status = &json_lines(&leadline(dir.path(), &["--json", "status"]))[0];
    assert_eq!(status["leads"], 400);
    assert_eq!(status["pending_changes"], 0);
    assert_eq!(status["session"]["role"], "sales_agent");
}

#[test]
fn lists_filter_by_status_and_assignee() {
    let dir = tempfile::tempdir().unwrap();
    let won = json_lines(&leadline(
        dir.path(),
        &["--json", "leads", "list", "--status", "won", "--limit", "500"],
    ));
    assert!(!won.is_empty());
    assert!(won.iter().all(|l| l["status_name"] == "Won"));
    let me = json_lines(&leadline(dir.path(), &["--json", "status"]))[0]["session"]["user"]["id"].clone();
    let mine = json_lines(&leadline(
        dir.path(),
        &["--json", "leads", "list", "--assigned-to-me", "--limit", "500"],
    ));
    assert!(!mine.is_empty() && mine.iter().all(|l| l["assigned_to_user_id"] == me));
    let run = leadline(dir.path(), &["leads", "list", "--status", "Nowhere"]);
    assert_eq!(run.code, 3);
    assert!(
        run.stderr.contains("unknown status \"Nowhere\"") && run.stderr.contains("Won"),
        "{}",
        run.stderr
    );
}

#[test]
fn search_show_note_move_and_followup_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let found = json_lines(&leadline(dir.path(), &["--json", "leads", "search", "mül"]));
    assert!(
        found
            .iter()
            .any(|l| l["name"].as_str().unwrap().contains("Müller"))
    );
    // A lead with no follow-up yet, so the follow-up rule below has something to refuse.
    let lead = found
        .iter()
        .find(|l| {
            l["next_followup_at"].is_null()
                && l["status_name"] != "Lost"
                && l["status_name"] != "Callback Scheduled"
        })
        .unwrap();
    let id = lead["id"].as_i64().unwrap().to_string();

    // A hostile note is stored verbatim and printed safely.
    let note = "Call back \u{1b}[2J after 3pm; '); DROP TABLE leads; --";
    assert_eq!(leadline(dir.path(), &["lead", "note", &id, note]).code, 0);
    let shown = json_lines(&leadline(dir.path(), &["--json", "leads", "show", &id]));
    assert_eq!(shown[0]["timeline"][0]["payload"]["note"], note);
    let text = leadline(dir.path(), &["leads", "show", &id]);
    assert!(
        !text.stdout.contains('\u{1b}'),
        "an escape sequence reached the terminal"
    );

    // Lost needs a note: refused with exit 3, nothing written.
    let refused = leadline(dir.path(), &["lead", "move", &id, "lost"]);
    assert_eq!(refused.code, 3);
    assert!(refused.stderr.contains("requires a note"), "{}", refused.stderr);
    let moved = json_lines(&leadline(
        dir.path(),
        &[
            "--json",
            "lead",
            "move",
            &id,
            "Lost",
            "--note",
            "Chose a competitor",
        ],
    ));
    assert_eq!(moved[0]["status_name"], "Lost");

    // Callback Scheduled needs a follow-up; "+2d" reads.
    let refused = leadline(dir.path(), &["lead", "move", &id, "callback scheduled"]);
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    let moved = json_lines(&leadline(
        dir.path(),
        &[
            "--json",
            "lead",
            "move",
            &id,
            "Callback Scheduled",
            "--followup",
            "+2d",
        ],
    ));
    assert!(moved[0]["next_followup_at"].is_string());
    let scheduled = json_lines(&leadline(
        dir.path(),
        &["--json", "lead", "followup", &id, "tomorrow 10:00"],
    ));
    assert!(scheduled[0]["next_followup_at"].is_string());
    let past = leadline(dir.path(), &["lead", "followup", &id, "2020-01-01 10:00"]);
    assert_eq!(past.code, 3, "{}", past.stderr);

    let status = &json_lines(&leadline(dir.path(), &["--json", "status"]))[0];
    assert_eq!(
        status["pending_changes"], 4,
        "note, two moves, a follow-up wait in the outbox"
    );
}

#[test]
fn calls_today_and_followups() {
    let dir = tempfile::tempdir().unwrap();
    let calls = leadline(dir.path(), &["--json", "calls", "today"]);
    for call in json_lines(&calls) {
        assert!(call["agent_name"].is_string());
    }
    let followups = json_lines(&leadline(dir.path(), &["--json", "followups"]));
    let times: Vec<&str> = followups
        .iter()
        .map(|l| l["next_followup_at"].as_str().unwrap())
        .collect();
    assert!(!times.is_empty() && times.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn bad_arguments_and_missing_leads_exit_non_zero_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let usage = leadline(dir.path(), &["leads", "show", "abc"]);
    assert_eq!(usage.code, 2);
    assert!(usage.stderr.contains("invalid value 'abc'"), "{}", usage.stderr);
    let missing = leadline(dir.path(), &["leads", "show", "999999"]);
    assert_eq!(missing.code, 4);
    assert!(
        missing.stderr.contains("lead 999999 not found"),
        "{}",
        missing.stderr
    );
    let missing_json = leadline(dir.path(), &["--json", "lead", "note", "999999", "hi"]);
    assert_eq!(missing_json.code, 4);
    let event: serde_json::Value = serde_json::from_str(missing_json.stdout.trim()).unwrap();
    assert_eq!(event["event"], "error");
    assert_eq!(event["kind"], "not_found");
    let empty = leadline(dir.path(), &["lead", "note", "1", "   "]);
    assert_eq!(empty.code, 3, "{}", empty.stderr);
    let when = leadline(dir.path(), &["lead", "followup", "1", "someday"]);
    assert_eq!(when.code, 3);
    assert!(when.stderr.contains("cannot read \"someday\""), "{}", when.stderr);
}

#[test]
fn an_unusable_profile_is_a_failure_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let run = leadline(&file, &["status"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("cannot use the profile directory"),
        "{}",
        run.stderr
    );
}
