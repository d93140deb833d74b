//! What the CLI's server tests share: a seeded tenant server on a throwaway SQLite file.

#![allow(dead_code, clippy::unwrap_used)] // each test binary uses part of it; a fixture fails loudly

use leadline_tenant_server::seed::SeededTenant;
use leadline_tenant_server::{ServerKey, TenantServer};

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
