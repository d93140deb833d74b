//! The built-in demo tenant served by the in-process tenant server: first start signs in and
//! pulls, a restart reuses the address, a taken port moves the profile (token included), and
//! what the agent did reaches the demo server. Uses the real OS keychain.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

use leadline_core::demo::{DEMO_DIR, DEMO_TENANT};
use leadline_core::{Handle, LeadFilter};
use leadline_tenant_server::{ServerKey, TenantServer};

fn server_notes(data_dir: &std::path::Path, text: &str) -> i64 {
    let dir = data_dir.join(DEMO_DIR);
    let key = ServerKey::load_or_create(&dir.join("server.key")).unwrap();
    let server = TenantServer::open(&dir.join("tenants.sqlite3"), key).unwrap();
    server.db().run_now(|c| {
        c.query_row(
            "SELECT count(*) FROM lead_activities WHERE payload_json LIKE '%' || ?1 || '%'",
            [text],
            |r| r.get(0),
        )
        .unwrap()
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_runs_on_its_own_tenant_server_and_keeps_its_address() {
    let profile = tempfile::tempdir().unwrap();
    let handle = Handle::open(profile.path()).unwrap();

    let demo = handle
        .start_demo()
        .await
        .unwrap()
        .expect("a new profile is the demo");
    let session = handle.session().unwrap();
    assert!(session.demo);
    assert_eq!(session.tenant.name, DEMO_TENANT);
    let first_url = demo.url().to_owned();
    assert!(first_url.starts_with("http://127.0.0.1:"), "{first_url}");
    let leads = handle
        .leads(&LeadFilter {
            limit: 1_000,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(leads.len(), 400, "the demo's leads came from its server");
    assert!(leads.iter().all(|c| c.lead.id.0 > 0));

    handle.add_note(leads[0].lead.id, "demo note one").unwrap();
    let report = handle.sync(&mut |_| {}).await.unwrap();
    assert_eq!(report.pushed, 1);
    drop(demo);
    drop(handle);
    assert_eq!(server_notes(profile.path(), "demo note one"), 1);

    // A restart asks for the same port, so the profile's address still holds.
    let handle = Handle::open(profile.path()).unwrap();
    let demo = handle.start_demo().await.unwrap().unwrap();
    assert_eq!(demo.url(), first_url);
    handle.add_note(leads[1].lead.id, "demo note two").unwrap();
    assert_eq!(handle.sync(&mut |_| {}).await.unwrap().pushed, 1);
    drop(demo);
    drop(handle);

    // Another program holds the port: the profile moves to a new one, token and all.
    let squatter = std::net::TcpListener::bind(first_url.trim_start_matches("http://")).unwrap();
    let handle = Handle::open(profile.path()).unwrap();
    let demo = handle.start_demo().await.unwrap().unwrap();
    assert_ne!(demo.url(), first_url);
    assert!(handle.session().unwrap().demo);
    handle.add_note(leads[2].lead.id, "demo note three").unwrap();
    assert_eq!(handle.sync(&mut |_| {}).await.unwrap().pushed, 1);
    drop(squatter);
    drop(demo);
    drop(handle);
    for note in ["demo note one", "demo note two", "demo note three"] {
        assert_eq!(server_notes(profile.path(), note), 1, "{note}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_profile_of_a_real_tenant_server_never_starts_the_demo() {
    let server_dir = tempfile::tempdir().unwrap();
    let server = TenantServer::open(
        &server_dir.path().join("t.sqlite3"),
        ServerKey::generate().unwrap(),
    )
    .unwrap();
    let tenant = server.seed_demo("Real Co", "real", 20, 1).unwrap();
    let running = server.spawn("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let agent = tenant
        .users
        .iter()
        .find(|u| u.role.as_str() == "sales_agent")
        .unwrap();
    let profile = tempfile::tempdir().unwrap();
    let handle = Handle::open(profile.path()).unwrap();
    handle
        .login(&running.url(), &agent.email, &agent.password)
        .await
        .unwrap();

    assert!(handle.start_demo().await.unwrap().is_none());
    assert!(!handle.session().unwrap().demo);
    assert!(!profile.path().join(DEMO_DIR).exists());
    handle.logout().await.unwrap();
    running.stop();
}
