//! What the CLI's server tests share: a seeded tenant server on a throwaway SQLite file, and
//! the `leadline` binary run to its end.

#![allow(dead_code, clippy::unwrap_used)] // each test binary uses part of it; a fixture fails loudly

use leadline_tenant_server::seed::SeededTenant;
use leadline_tenant_server::{ServerKey, TenantServer};
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

/// A tenant server with one demo tenant; the file lives as long as `_dir`.
pub struct Seeded {
    pub _dir: tempfile::TempDir,
    pub server: TenantServer,
    pub tenant: SeededTenant,
}

/// A server seeded with `leads` demo leads.
pub fn seeded(name: &str, slug: &str, leads: usize, seed: u64) -> Seeded {
    let dir = tempfile::tempdir().unwrap();
    let server = TenantServer::open(
        &dir.path().join("tenants.sqlite3"),
        ServerKey::generate().unwrap(),
    )
    .unwrap();
    let tenant = server.seed_demo(name, slug, leads, seed).unwrap();
    Seeded {
        _dir: dir,
        server,
        tenant,
    }
}

/// The tenant's sales agent's email (the demo's one SIP-enabled agent).
pub fn agent(tenant: &SeededTenant) -> String {
    tenant
        .users
        .iter()
        .find(|u| u.role.as_str() == "sales_agent")
        .unwrap()
        .email
        .clone()
}
