//! The `leadline` binary run to its end, for the CLI's tests (the binary is this package's).

#![allow(dead_code, clippy::unwrap_used)] // each test binary uses part of it; a fixture fails loudly

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// How a `leadline` run ended.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `leadline --data-dir DIR ARGS` with `stdin`, at the most detailed log level (which
/// must be as clean of secrets as the rest), to its end.
pub fn leadline(dir: &Path, args: &[&str], stdin: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leadline"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("LEADLINE_LOG", "debug")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// The last JSON line of a run that succeeded.
pub fn json(run: &Run) -> serde_json::Value {
    assert_eq!(run.code, 0, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    serde_json::from_str(run.stdout.lines().last().unwrap()).unwrap()
}

/// `leadline --json login` to the server at `url` as `email` (the demo password on stdin), off
/// the async runtime.
pub async fn login(dir: &Path, url: &str, email: &str) -> Run {
    let (dir, url, email) = (dir.to_owned(), url.to_owned(), email.to_owned());
    tokio::task::spawn_blocking(move || {
        leadline(
            &dir,
            &[
                "--json",
                "login",
                "--server",
                &url,
                "--email",
                &email,
                "--password-stdin",
            ],
            "leadline-demo\n",
        )
    })
    .await
    .unwrap()
}
