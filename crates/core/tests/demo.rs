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

/// The next finished sync's report (within 10 s: the loop waits 30 s unless nudged).
async fn next_synced(
    updates: &mut tokio::sync::mpsc::UnboundedReceiver<leadline_core::SyncUpdate>,
) -> leadline_core::SyncReport {
    loop {
        let next = tokio::time::timeout(std::time::Duration::from_secs(10), updates.recv()).await;
        match next.expect("a sync within 10 s") {
            Some(leadline_core::SyncUpdate::Synced { report }) => return report,
            Some(_) => continue,
            None => panic!("the loop ended"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn staying_in_sync_sends_a_change_as_soon_as_it_is_nudged_and_stops_when_signed_out() {
    use leadline_core::{SyncNudge, SyncUpdate};
    let profile = tempfile::tempdir().unwrap();
    let handle = Handle::open(profile.path()).unwrap();
    let _demo = handle.start_demo().await.unwrap().unwrap();
    let state = handle.account_state().unwrap();
    assert!(state.signed_in);
    assert_eq!(state.overview.pending_changes, 0);

    let nudge = SyncNudge::new();
    let (tx, mut updates) = tokio::sync::mpsc::unbounded_channel::<SyncUpdate>();
    let looping = {
        let (handle, nudge) = (handle.clone(), nudge.clone());
        tokio::spawn(async move {
            handle
                .keep_synced(&nudge, &mut |update| {
                    let _ = tx.send(update);
                })
                .await
        })
    };
    next_synced(&mut updates).await;

    let lead = handle
        .leads(&LeadFilter {
            limit: 1,
            ..Default::default()
        })
        .unwrap()[0]
        .lead
        .id;
    handle.add_note(lead, "nudged note").unwrap();
    assert_eq!(handle.account_state().unwrap().overview.pending_changes, 1);
    assert_eq!(handle.change_views().unwrap().len(), 1);
    nudge.now();
    let report = next_synced(&mut updates).await;
    assert_eq!(
        report.pushed, 1,
        "the nudge sent the change well before the 30 s interval"
    );
    assert_eq!(handle.account_state().unwrap().overview.pending_changes, 0);

    handle.logout().await.unwrap();
    assert!(!handle.signed_in());
    nudge.now();
    let ended = tokio::time::timeout(std::time::Duration::from_secs(10), looping)
        .await
        .expect("the loop stops once signed out")
        .unwrap();
    assert_eq!(ended.kind(), leadline_core::ErrorKind::NotSignedIn);
}

#[tokio::test(flavor = "multi_thread")]
async fn what_the_window_reads_of_the_account_holds_no_secret() {
    use leadline_core::keychain::{self, Secret};
    use leadline_core::store::model::demo::DEMO_PASSWORD;
    let profile = tempfile::tempdir().unwrap();
    let handle = Handle::open(profile.path()).unwrap();
    let _demo = handle.start_demo().await.unwrap().unwrap();
    let email = handle.session().unwrap().user.email;
    let server = handle.overview().unwrap().server_url.unwrap();
    let sip_password = keychain::get(Secret::SipPassword, &email, &server)
        .unwrap()
        .unwrap();
    let token = keychain::get(Secret::ApiToken, &email, &server).unwrap().unwrap();
    let shown = [
        serde_json::to_string(&handle.sip_account_view().unwrap()).unwrap(),
        serde_json::to_string(&handle.account_state().unwrap()).unwrap(),
        serde_json::to_string(&handle.session().unwrap()).unwrap(),
        serde_json::to_string(&handle.change_views().unwrap()).unwrap(),
    ]
    .join("\n");
    assert!(shown.contains("\"has_password\":true"), "{shown}");
    for secret in [sip_password.as_str(), token.as_str(), DEMO_PASSWORD] {
        assert!(!shown.contains(secret), "a secret would reach the window");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_profile_signed_out_of_a_tenant_goes_back_to_the_demo() {
    let tenants = tempfile::tempdir().unwrap();
    let server = TenantServer::open(
        &tenants.path().join("tenants.sqlite3"),
        ServerKey::generate().unwrap(),
    )
    .unwrap();
    let seeded = server.seed_demo("Acme Roofing", "acme", 20, 3).unwrap();
    let agent = seeded
        .users
        .iter()
        .find(|u| u.role.as_str() == "sales_agent")
        .unwrap()
        .clone();
    let running = server.spawn("127.0.0.1:0".parse().unwrap()).await.unwrap();

    let profile = tempfile::tempdir().unwrap();
    let handle = Handle::open(profile.path()).unwrap();
    let _demo = handle.start_demo().await.unwrap().unwrap();
    handle
        .login(&running.url(), &agent.email, &agent.password)
        .await
        .unwrap();
    handle.sync(&mut |_| {}).await.unwrap();
    assert_eq!(handle.session().unwrap().tenant.name, "Acme Roofing");
    let refused = handle.back_to_demo().unwrap_err();
    assert_eq!(
        refused.kind(),
        leadline_core::ErrorKind::InvalidInput,
        "still signed in: {refused}"
    );

    let lead = handle
        .leads(&LeadFilter {
            limit: 1,
            ..Default::default()
        })
        .unwrap()[0]
        .lead
        .id;
    handle.add_note(lead, "not synced yet").unwrap();
    handle.logout().await.unwrap();
    let refused = handle.back_to_demo().unwrap_err();
    assert_eq!(
        refused.kind(),
        leadline_core::ErrorKind::UnsyncedChanges,
        "{refused}"
    );
    assert_eq!(
        handle.session().unwrap().tenant.name,
        "Acme Roofing",
        "nothing lost"
    );

    // Signed in again, synced, signed out: back to the demo, served as before.
    handle
        .login(&running.url(), &agent.email, &agent.password)
        .await
        .unwrap();
    handle.sync(&mut |_| {}).await.unwrap();
    handle.logout().await.unwrap();
    handle.back_to_demo().unwrap();
    let demo = handle.start_demo().await.unwrap().expect("the demo again");
    let session = handle.session().unwrap();
    assert!(session.demo);
    assert_eq!(session.tenant.name, DEMO_TENANT);
    assert!(
        handle.signed_in(),
        "signed in to the demo's server at {}",
        demo.url()
    );
}
