//! The desktop app as an agent uses it, against real peers: the built app under Xvfb over
//! WebDriver, an in-process tenant server, and Kamailio + rtpengine + baresip, in a private
//! network namespace with the test's PulseAudio (the microphone is a 440 Hz sine). The agent
//! signs in from the demo (a wrong password refused first), syncs, searches a lead and calls it
//! from its number (baresip answers and hears our sine; its tone plays on our speaker, as the
//! call's level meter shows, and its quality report comes), holds and resumes, hangs up, wraps
//! up with a disposition that requires
//! notes (refused without), is called by another customer (the screen pop names the lead),
//! answers, hangs up, wraps up, and moves a lead on the board to a status that requires a
//! follow-up (refused without). The changes reach the server exactly once.
//!
//! Needs the app built with `--features tauri/custom-protocol` (`LEADLINE_APP`), Xvfb and
//! tauri-driver: scripts/test.sh runs it in its desktop step.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod common;
mod desktop;
mod pbx;

use desktop::{App, Xvfb};
use pbx::{Baresip, Kamailio, User, tone_file};
use std::path::PathBuf;
use std::time::Duration;

const ANA: User = User::plain("1001", "ana-sip-secret");
/// A customer whose number one lead has (written with spaces, dialled as its digits).
const CUSTOMER: User = User::plain("15550103003", "customer-sip-secret");
const CUSTOMER_PHONE: &str = "1 555 010 3003";
/// Another customer, who calls the agent; another lead has their number.
const CALLER: User = User::plain("15550104004", "caller-sip-secret");
const CALLER_PHONE: &str = "1 555 010 4004";
const NOTES: &str = "Wants a quote for 40 panels";
const WAIT: Duration = Duration::from_secs(20);

fn application() -> PathBuf {
    PathBuf::from(std::env::var("LEADLINE_APP").expect("LEADLINE_APP: the desktop app to test"))
}

fn count(server: &leadline_tenant_server::TenantServer, sql: String) -> i64 {
    server.db().run_now(move |c| {
        c.query_row(&sql, [], |r| r.get::<_, Option<i64>>(0))
            .unwrap()
            .unwrap_or(0)
    })
}

#[test]
#[ignore = "needs the desktop app, Xvfb and tauri-driver: run by scripts/test.sh's desktop step"]
fn an_agent_signs_in_calls_a_lead_takes_a_call_and_wraps_up_in_the_desktop_app() {
    assert!(
        std::env::var("LEADLINE_TEST_AUDIO").is_ok_and(|a| a == "pulse"),
        "run under scripts/with-audio.sh"
    );
    let application = application();
    if pbx::rerun_isolated("an_agent_signs_in_calls_a_lead_takes_a_call_and_wraps_up_in_the_desktop_app") {
        return;
    }
    let kamailio = Kamailio::start(&[ANA, CUSTOMER, CALLER], 60);
    let dir = tempfile::tempdir().unwrap();
    let theirs = dir.path().join("tone1000.wav");
    tone_file(&theirs, 1000.0, 8000, 1, 60.0);
    let customer = Baresip::start(CUSTOMER, 5070, &theirs, "PCMU", true);
    let caller = Baresip::start(CALLER, 5080, &theirs, "PCMU", false);

    // The tenant: the agent's SIP account on Kamailio, two leads with the customers' numbers.
    let seeded = common::seeded("Acme Roofing", "acme", 40, 11);
    let email = common::agent(&seeded.tenant);
    let sealed = seeded.server.key().encrypt(ANA.password).unwrap();
    let (ws_url, who) = (kamailio.ws_url(), email.clone());
    let (called, calling): (String, String) = seeded.server.db().run_now(move |c| {
        c.execute(
            "UPDATE agent_sip_credentials SET sip_ws_url = ?1, sip_username = ?2, sip_domain = ?3,
             sip_password = ?4, auto_register = 1 WHERE user_id = (SELECT id FROM users WHERE email = ?5)",
            (ws_url, ANA.name, pbx::DOMAIN, sealed, who.clone()),
        )
        .unwrap();
        let mine = |n: i64| -> (i64, String) {
            c.query_row(
                "SELECT id, name FROM leads WHERE assigned_to_user_id = (SELECT id FROM users WHERE email = ?1)
                 ORDER BY id LIMIT 1 OFFSET ?2",
                (who.clone(), n),
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
        };
        let (first, second) = (mine(0), mine(1));
        c.execute("UPDATE leads SET phone = ?1 WHERE id = ?2", (CUSTOMER_PHONE, first.0)).unwrap();
        c.execute("UPDATE leads SET phone = ?1 WHERE id = ?2", (CALLER_PHONE, second.0)).unwrap();
        (first.1, second.1)
    });
    // What the server held before: the test's own changes come after.
    let calls_before = count(&seeded.server, "SELECT max(id) FROM calls".into());
    let activities_before = count(&seeded.server, "SELECT max(id) FROM lead_activities".into());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime
        .block_on(seeded.server.clone().spawn("127.0.0.1:0".parse().unwrap()))
        .unwrap();

    let xvfb = Xvfb::start();
    let profile = dir.path().join("profile");
    let profile_text = profile.display().to_string();
    let app = App::start(
        &application,
        &xvfb.display,
        &[("LEADLINE_DATA_DIR", profile_text.as_str())],
    );
    app.wait_for(
        "return document.querySelector('[data-testid=sign-in]')",
        "the demo",
        WAIT,
    );

    // Sign in.
    app.click("[data-testid=sign-in]");
    app.type_into("[data-testid=signin-email]", &email);
    app.type_into("[data-testid=signin-server]", &server.url());
    app.type_into("[data-testid=signin-password]", "wrong password");
    app.click("[data-testid=signin-submit]");
    let refused = app.wait_for(
        "return document.querySelector('[data-testid=signin-error]')?.textContent",
        "the refusal",
        WAIT,
    );
    assert_eq!(refused, "Wrong email or password.");
    app.exec("document.querySelector('[data-testid=signin-password]').value = ''");
    app.type_into("[data-testid=signin-password]", "leadline-demo");
    app.click("[data-testid=signin-submit]");
    app.wait_for(
        "return document.querySelector('[data-testid=tenant-name]')?.textContent === 'Acme Roofing'",
        "the tenant",
        WAIT,
    );
    app.wait_for(
        "return document.querySelector('[data-testid=phone-status]')?.dataset.state === 'registered'",
        "the line registered on Kamailio",
        WAIT,
    );

    // Call the first lead from its number; baresip answers.
    app.type_into("input[type=search]", CUSTOMER_PHONE);
    app.wait_for(
        "return document.querySelector('[data-testid=search-result]')",
        "the lead found",
        WAIT,
    );
    app.click("[data-testid=search-result]");
    app.wait_for(
        "return document.querySelector('[data-testid=call-lead]')",
        "the lead",
        WAIT,
    );
    app.click("[data-testid=call-lead]");
    app.wait_for(
        "const t = document.querySelector('[data-testid=call-state]')?.textContent; return t && /^\\d+:\\d\\d$/.test(t)",
        "the call answered",
        WAIT,
    );
    assert!(
        app.exec("return document.querySelector('[data-testid=call]').textContent")
            .as_str()
            .unwrap()
            .contains(&called)
    );
    // The call's meters: baresip's tone comes out of our speaker, our sine goes into the call.
    let speaker = app.wait_for(
        "const v = Number(document.querySelector('[data-testid=level-speaker]')?.getAttribute('aria-valuenow')); return v > -40 ? v : null",
        "baresip's tone on our speaker",
        WAIT,
    );
    let microphone = app.wait_for(
        "const v = Number(document.querySelector('[data-testid=level-microphone]')?.getAttribute('aria-valuenow')); return v > -40 ? v : null",
        "our microphone's level",
        WAIT,
    );
    eprintln!("levels in the call: speaker {speaker} dBFS, microphone {microphone} dBFS");
    std::thread::sleep(Duration::from_secs(3));
    app.click("[data-testid=call] .controls button:nth-child(2)"); // Hold
    app.wait_for(
        "return document.querySelector('[data-testid=call-state]')?.textContent === 'On hold'",
        "held",
        WAIT,
    );
    app.click("[data-testid=call] .controls button"); // Resume
    app.wait_for(
        "const t = document.querySelector('[data-testid=call-state]')?.textContent; return t && /^\\d+:\\d\\d$/.test(t)",
        "resumed",
        WAIT,
    );
    let quality = app.wait_for(
        "const q = document.querySelector('[data-testid=call] .quality')?.getAttribute('aria-label'); return q && q.includes('MOS') ? q : null",
        "the call's quality report",
        WAIT,
    );
    app.click("[data-testid=hangup]");
    app.wait_for(
        "return document.querySelector('dialog.wrapup[open]')",
        "the wrap-up",
        WAIT,
    );

    // Both ways: baresip heard our microphone's sine; its audio reached our speaker (the meter
    // above) and the call's quality report was shown.
    let theirs_heard = customer.heard();
    let heard_us = theirs_heard
        .iter()
        .map(|f| pbx::tone_in(f, 440.0).tone_share())
        .fold(0.0, f64::max);
    assert!(
        heard_us > 0.5,
        "baresip heard our 440 Hz in {heard_us:.2} of its recording"
    );
    assert!(
        quality.as_str().is_some_and(|q| q.contains("MOS")),
        "the call's quality was reported: {quality}"
    );

    // The wrap-up: a disposition that requires notes is refused without them.
    let needs_notes = app.exec(
        "const l = [...document.querySelectorAll('dialog.wrapup label.choice')].find((l) => l.textContent.includes('notes required'));
         if (!l) return null; l.querySelector('input').click(); return true;",
    );
    assert_eq!(
        needs_notes,
        serde_json::json!(true),
        "a disposition requires notes"
    );
    app.click("[data-testid=save-wrapup]");
    app.wait_for(
        "return document.querySelector('dialog.wrapup .problems')",
        "the refusal",
        WAIT,
    );
    app.type_into("[data-testid=wrapup-notes]", NOTES);
    app.click("[data-testid=save-wrapup]");
    app.wait_for(
        "return !document.querySelector('dialog.wrapup[open]')",
        "the wrap-up saved",
        WAIT,
    );

    // The other customer calls: the screen pop names their lead.
    caller.command("dial", &format!("sip:{}@{}", ANA.name, pbx::DOMAIN));
    let popped = app.wait_for(
        "return document.querySelector('[data-testid=screen-pop-lead] .lead-name')?.textContent",
        "the screen pop",
        WAIT,
    );
    assert_eq!(popped, calling.as_str());
    app.click("[data-testid=answer]");
    app.wait_for(
        "const t = document.querySelector('[data-testid=call-state]')?.textContent; return t && /^\\d+:\\d\\d$/.test(t)",
        "the incoming call answered",
        WAIT,
    );
    std::thread::sleep(Duration::from_secs(2));
    app.click("[data-testid=hangup]");
    app.wait_for(
        "return document.querySelector('dialog.wrapup[open]')",
        "the second wrap-up",
        WAIT,
    );
    app.click("[data-testid=save-wrapup]");
    app.wait_for(
        "return !document.querySelector('dialog.wrapup[open]')",
        "the second wrap-up saved",
        WAIT,
    );

    // A move to a status that requires a follow-up: refused without one.
    app.exec("document.querySelector('.panel .close')?.click(); document.querySelector('input[type=search]').value = ''; document.querySelector('input[type=search]').dispatchEvent(new Event('input', { bubbles: true }));");
    app.click("[data-testid=view-board]");
    app.click("[data-testid=lead-card]");
    app.wait_for(
        "return document.querySelector('[data-testid=lead-status]')",
        "the lead's status list",
        WAIT,
    );
    let target = app.exec(
        "const s = document.querySelector('[data-testid=lead-status]');
         const o = [...s.options].find((o) => o.text === 'Callback Scheduled');
         s.value = o.value; s.dispatchEvent(new Event('change', { bubbles: true })); return o.text;",
    );
    assert_eq!(target, "Callback Scheduled");
    app.wait_for(
        "return document.querySelector('[data-testid=move-dialog]')",
        "the move dialog",
        WAIT,
    );
    app.click("[data-testid=save-move]");
    app.wait_for(
        "return document.querySelector('[data-testid=move-dialog] .problems')",
        "the refusal",
        WAIT,
    );
    app.type_into("[data-testid=move-followup]", "tomorrow 10:00");
    app.click("[data-testid=save-move]");
    app.wait_for(
        "return !document.querySelector('[data-testid=move-dialog]')",
        "the move saved",
        WAIT,
    );
    std::fs::create_dir_all("../../tests/desktop/out").ok();
    std::fs::write("../../tests/desktop/out/real-peers-board.png", app.screenshot()).ok();

    // The changes reach the server exactly once.
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let ours = |filter: &str| {
            count(
                &seeded.server,
                format!("SELECT count(*) FROM calls WHERE id > {calls_before} AND {filter}"),
            )
        };
        let outbound = ours(&format!("direction = 'outbound' AND wrapup_notes = '{NOTES}'"));
        let inbound = ours("direction = 'inbound' AND disposition_id IS NOT NULL");
        let all_calls = ours("1 = 1");
        let moved = count(
            &seeded.server,
            format!(
                "SELECT count(*) FROM lead_activities WHERE id > {activities_before} AND type = 'status_change'"
            ),
        );
        if (outbound, inbound, all_calls, moved) == (1, 1, 2, 1) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "on the server: outbound {outbound}, inbound {inbound}, calls {all_calls}, moves {moved}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    drop(app);
    drop(xvfb);
    drop(server);
}
