//! Calls between Leadline (WebRTC over WS) and baresip (plain RTP over UDP) through Kamailio
//! and rtpengine, on loopback in a private network namespace. Audio is proven by a tone sent on
//! each side and detected in the other side's recording.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod common;
mod pbx;

use pbx::{Baresip, Kamailio, Linphone, User, leadline, tone_file, tone_in};
use std::time::Duration;

const ANA: User = User::plain("1001", "ana-sip-secret");
const CARL: User = User::plain("3003", "carl-sip-secret");

/// Leadline (recording to `heard`) heard baresip's 440 Hz, and baresip heard our 1000 Hz.
fn tones_crossed(heard: &std::path::Path, baresip: &Baresip) {
    let report = tone_in(heard, 440.0);
    assert!(
        report.tone_blocks >= 10,
        "Leadline heard baresip's 440 Hz: {report:?}"
    );
    let recordings = baresip.heard();
    assert!(
        !recordings.is_empty(),
        "baresip recorded the call:\n{}",
        baresip.log()
    );
    let report = tone_in(&recordings[0], 1000.0);
    assert!(
        report.tone_blocks >= 10,
        "baresip heard Leadline's 1000 Hz: {report:?}"
    );
}

/// Our 1000 Hz and the far side's 440 Hz, 30 s of 8 kHz WAV each, in `dir`.
fn tones(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let (ours, theirs) = (dir.join("tone1000.wav"), dir.join("tone440.wav"));
    tone_file(&ours, 1000.0, 8000, 1, 30.0);
    tone_file(&theirs, 440.0, 8000, 1, 30.0);
    (ours, theirs)
}

fn account(url: &str) -> Vec<String> {
    pbx::account_args(url, &ANA)
}

/// Leadline calls baresip offering `codec` (as baresip names it; `expected` as we report it),
/// sending DTMF on the way.
fn leadline_calls_baresip(codec: &str, rate: u32, channels: u16, expected: &str, dtmf_by: &str) {
    let kamailio = Kamailio::start(&[ANA, CARL], 60);
    let dir = tempfile::tempdir().unwrap();
    let ours = dir.path().join("tone1000.wav");
    let theirs = dir.path().join("tone440.wav");
    tone_file(&ours, 1000.0, 8000, 1, 30.0);
    tone_file(&theirs, 440.0, rate, channels, 30.0);
    let baresip = Baresip::start(CARL, 5070, &theirs, codec, true);
    let heard = dir.path().join("heard.wav");

    let mut args: Vec<String> = [
        "call",
        CARL.name,
        "--duration",
        "3",
        "--ring-timeout",
        "10",
        "--dtmf",
        "19#",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(["--audio-in".into(), ours.display().to_string()]);
    args.extend(["--record".into(), heard.display().to_string()]);
    args.extend(account(&kamailio.ws_url()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, lines, stderr) = leadline(dir.path(), &args, &format!("{}\n", ANA.password));
    assert_eq!(
        code,
        0,
        "{lines:#?}\n{stderr}\nkamailio:\n{}\nbaresip:\n{}",
        kamailio.log(),
        baresip.log()
    );
    assert!(
        lines
            .iter()
            .any(|l| l["event"] == "ringing" || l["event"] == "answered")
    );
    let answered = lines.iter().find(|l| l["event"] == "answered").unwrap();
    assert_eq!(answered["codec"], expected);
    let media = lines.iter().rev().find(|l| l["event"] == "media").unwrap();
    assert!(
        media["packets_received"].as_u64().unwrap() > 50,
        "{media}\n{stderr}\nrtpengine:\n{}\nbaresip:\n{}",
        kamailio.rtpengine_log(),
        baresip.log()
    );
    let ended = lines.iter().find(|l| l["event"] == "ended").unwrap();
    assert_eq!(ended["reason"]["reason"], "local_hangup", "{ended}");
    let dtmf = lines.iter().find(|l| l["event"] == "dtmf").unwrap();
    assert_eq!(dtmf["method"], dtmf_by, "{dtmf}");
    // baresip logs RFC 4733 events as `received event: 'X' (end=1)` and INFO digits as
    // `received DTMF: 'X'`.
    let received: String = baresip
        .log()
        .lines()
        .filter_map(|l| {
            let (_, rest) = l
                .split_once("received event: '")
                .or_else(|| l.split_once("received DTMF: '"))?;
            (!l.contains("end=0")).then(|| rest.chars().next())?
        })
        .collect();
    assert_eq!(
        received,
        "19#",
        "baresip heard the digits sent by {}:\n{}",
        dtmf["method"],
        baresip.log()
    );

    tones_crossed(&heard, &baresip);
}

#[test]
fn leadline_calls_baresip_over_pcmu_and_a_tone_crosses_each_way() {
    if pbx::rerun_isolated("leadline_calls_baresip_over_pcmu_and_a_tone_crosses_each_way") {
        return;
    }
    leadline_calls_baresip("PCMU", 8000, 1, "PCMU", "rfc4733");
}

#[test]
fn leadline_calls_baresip_over_opus_and_a_tone_crosses_each_way() {
    if pbx::rerun_isolated("leadline_calls_baresip_over_opus_and_a_tone_crosses_each_way") {
        return;
    }
    // baresip takes no telephone-event at 48 kHz: DTMF falls back to SIP INFO.
    leadline_calls_baresip("opus/48000/2", 48_000, 2, "OPUS", "info");
}

#[test]
fn baresip_calls_leadline_which_answers_and_a_tone_crosses_each_way() {
    if pbx::rerun_isolated("baresip_calls_leadline_which_answers_and_a_tone_crosses_each_way") {
        return;
    }
    let kamailio = Kamailio::start(&[ANA, CARL], 60);
    let dir = tempfile::tempdir().unwrap();
    let (ours, theirs) = tones(dir.path());
    let baresip = Baresip::start(CARL, 5070, &theirs, "PCMU", false);
    let heard = dir.path().join("heard.wav");

    // No --duration: the caller hangs up, and the call ends by its BYE.
    let mut args: Vec<String> = ["answer"].iter().map(|s| s.to_string()).collect();
    args.extend(["--audio-in".into(), ours.display().to_string()]);
    args.extend(["--record".into(), heard.display().to_string()]);
    args.extend(account(&kamailio.ws_url()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut answering = pbx::Leadline::start(dir.path(), &args, &format!("{}\n", ANA.password));
    answering.expect_event("registered", Duration::from_secs(10));
    baresip.command("dial", &format!("sip:{}@{}", ANA.name, pbx::DOMAIN));
    let incoming = answering.expect_event("incoming", Duration::from_secs(10));
    assert_eq!(incoming["caller_number"], CARL.name, "{incoming}");
    answering.expect_event("answered", Duration::from_secs(10));
    // baresip sends keys as RFC 4733 events (telephone-event/8000 is negotiated).
    std::thread::sleep(Duration::from_secs(1));
    let mut digits = String::new();
    let mut methods = Vec::new();
    for key in ["4", "2", "#"] {
        baresip.command("sndcode", key);
        let dtmf = answering.expect_event("dtmf_received", Duration::from_secs(5));
        digits.push_str(dtmf["digit"].as_str().unwrap_or_default());
        methods.push(dtmf["method"].clone());
    }
    assert_eq!(digits, "42#");
    assert!(methods.iter().all(|m| m == "rfc4733"), "{methods:?}");
    std::thread::sleep(Duration::from_secs(2));
    baresip.command("hangup", "");
    let ended = answering.expect_event("ended", Duration::from_secs(10));
    assert_eq!(ended["reason"]["reason"], "remote_hangup", "{ended}");
    let (code, lines, stderr) = answering.finish();
    assert_eq!(code, 0, "{lines:#?}\n{stderr}\n{}", baresip.log());
    let media = lines.iter().rev().find(|l| l["event"] == "media").unwrap();
    assert!(
        media["packets_received"].as_u64().unwrap() > 50,
        "{media}\n{}",
        kamailio.rtpengine_log()
    );

    tones_crossed(&heard, &baresip);
}

#[test]
fn unanswered_busy_and_unknown_calls_are_reported_as_such() {
    if pbx::rerun_isolated("unanswered_busy_and_unknown_calls_are_reported_as_such") {
        return;
    }
    let kamailio = Kamailio::start(&[ANA, CARL], 60);
    let dir = tempfile::tempdir().unwrap();
    let theirs = dir.path().join("tone440.wav");
    tone_file(&theirs, 440.0, 8000, 1, 30.0);
    let baresip = Baresip::start(CARL, 5070, &theirs, "PCMU", false);
    let run = |destination: &str, extra: &[&str]| {
        let mut args: Vec<String> = ["call", destination].iter().map(|s| s.to_string()).collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        args.extend(account(&kamailio.ws_url()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        pbx::Leadline::start(dir.path(), &args, &format!("{}\n", ANA.password))
    };

    // Nobody answers: CANCEL after the ring timeout; baresip stops ringing.
    let (code, lines, stderr) = run(CARL.name, &["--ring-timeout", "2"]).finish();
    assert_eq!(code, 8, "{lines:#?}\n{stderr}");
    assert!(lines.iter().any(|l| l["event"] == "ringing"), "{lines:#?}");
    let ended = lines.iter().find(|l| l["event"] == "ended").unwrap();
    assert_eq!(ended["reason"]["reason"], "no_answer", "{ended}");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let stopped_ringing = || baresip.log().contains("session closed") || baresip.log().contains("terminated");
    while !stopped_ringing() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(stopped_ringing(), "baresip saw the CANCEL:\n{}", baresip.log());

    // The callee refuses while it rings.
    let mut refused = run(CARL.name, &[]);
    refused.expect_event("ringing", Duration::from_secs(10));
    baresip.command("hangup", "");
    let (code, lines, _) = refused.finish();
    assert_eq!(code, 8);
    let ended = lines.iter().find(|l| l["event"] == "ended").unwrap();
    assert!(
        ended["reason"]["reason"] == "busy" || ended["reason"]["reason"] == "declined",
        "{ended}"
    );

    // No such user.
    let (code, lines, _) = run("9999", &[]).finish();
    assert_eq!(code, 8);
    let ended = lines.iter().find(|l| l["event"] == "ended").unwrap();
    assert_eq!(ended["reason"]["reason"], "not_found", "{ended}");
}

/// A customer's phone, registered as a SIP user on the test PBX.
const CUSTOMER: User = User::plain("15550103003", "customer-sip-secret");

/// An agent signed in to a tenant server whose SIP account for them is ANA on `kamailio`
/// (registering on start when `auto_register`), and a lead whose phone is the customer's.
struct SignedIn {
    seeded: common::Seeded,
    running: Option<leadline_tenant_server::RunningServer>,
    profile: tempfile::TempDir,
    lead_id: i64,
    _runtime: tokio::runtime::Runtime,
}

impl Drop for SignedIn {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop();
        }
    }
}

fn signed_in_agent(kamailio: &Kamailio, auto_register: bool) -> SignedIn {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let seeded = common::seeded("Northwind Solar", "northwind", 30, 7);
    let email = common::agent(&seeded.tenant);
    let sealed = seeded.server.key().encrypt(ANA.password).unwrap();
    let (ws_url, domain, who) = (kamailio.ws_url(), pbx::DOMAIN.to_owned(), email.clone());
    let lead_id: i64 = seeded.server.db().run_now(move |c| {
        c.execute(
            "UPDATE agent_sip_credentials SET sip_ws_url = ?1, sip_username = ?2, sip_domain = ?3, sip_password = ?4,
             auto_register = ?6 WHERE user_id = (SELECT id FROM users WHERE email = ?5)",
            rusqlite::params![ws_url, ANA.name, domain, sealed, who, auto_register],
        )
        .unwrap();
        let lead: i64 = c.query_row("SELECT min(id) FROM leads", [], |r| r.get(0)).unwrap();
        c.execute("UPDATE leads SET phone = '+1 555-010-3003' WHERE id = ?1", [lead]).unwrap();
        lead
    });
    let running = runtime
        .block_on(seeded.server.clone().spawn("127.0.0.1:0".parse().unwrap()))
        .unwrap();
    let profile = tempfile::tempdir().unwrap();
    let (code, _, stderr) = leadline(
        profile.path(),
        &[
            "login",
            "--server",
            &running.url(),
            "--email",
            &email,
            "--password-stdin",
        ],
        "leadline-demo\n",
    );
    assert_eq!(code, 0, "{stderr}");
    SignedIn {
        seeded,
        running: Some(running),
        profile,
        lead_id,
        _runtime: runtime,
    }
}

#[test]
fn the_phone_line_registers_an_agent_set_to_register_on_start_and_unregisters_on_quit() {
    if pbx::rerun_isolated(
        "the_phone_line_registers_an_agent_set_to_register_on_start_and_unregisters_on_quit",
    ) {
        return;
    }
    let kamailio = Kamailio::start(&[ANA], 60);
    let agent = signed_in_agent(&kamailio, true);
    let mut line = pbx::Leadline::start(agent.profile.path(), &["phone"], "");
    let connecting = line.expect_event_field("state", "connecting", Duration::from_secs(10));
    assert_eq!(connecting["url"], kamailio.ws_url());
    let registered = line.expect_event_field("state", "registered", Duration::from_secs(10));
    assert_eq!(registered["expires"], 600, "{registered}");
    line.interrupt();
    let (code, lines, stderr) = line.finish();
    assert_eq!(code, 0, "{lines:#?}\n{stderr}");
    assert_eq!(lines.last().unwrap()["state"], "unregistered", "{lines:#?}");
    assert!(!stderr.contains(ANA.password), "no SIP password in the logs");

    // An agent not set to register on start: the line stays off and says why.
    let off = signed_in_agent(&kamailio, false);
    let (code, lines, stderr) = leadline(off.profile.path(), &["phone"], "");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert_eq!(lines[0]["state"], "off");
    assert_eq!(lines[0]["reason"], "not set to register on start");
}

#[test]
fn a_signed_in_agents_call_is_recorded_on_the_lead_and_reaches_the_server() {
    if pbx::rerun_isolated("a_signed_in_agents_call_is_recorded_on_the_lead_and_reaches_the_server") {
        return;
    }
    let kamailio = Kamailio::start(&[ANA, CUSTOMER], 60);
    let agent = signed_in_agent(&kamailio, false);
    let (server, profile, lead_id) = (&agent.seeded.server, &agent.profile, agent.lead_id);

    let dir = tempfile::tempdir().unwrap();
    let theirs = dir.path().join("tone440.wav");
    tone_file(&theirs, 440.0, 8000, 1, 30.0);
    let customer = Baresip::start(CUSTOMER, 5070, &theirs, "PCMU", true);
    let (code, lines, stderr) = leadline(
        profile.path(),
        &[
            "call",
            CUSTOMER.name,
            "--duration",
            "2",
            "--disposition",
            "answered",
            "--notes",
            "Wants a quote",
        ],
        "",
    );
    assert_eq!(code, 0, "{lines:#?}\n{stderr}\n{}", customer.log());
    let recorded = lines.iter().find(|l| l["event"] == "recorded").unwrap();
    assert_eq!(
        recorded["lead"], lead_id,
        "the call is on the lead whose phone matched: {recorded}"
    );
    assert!(recorded["duration_seconds"].as_i64().unwrap() >= 1, "{recorded}");
    let call_id = lines.iter().find(|l| l["event"] == "answered").unwrap()["call_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let (code, _, stderr) = leadline(profile.path(), &["sync"], "");
    assert_eq!(code, 0, "{stderr}");
    let (calls, activities): (i64, i64) = server.db().run_now(move |c| {
        let calls = c
            .query_row(
                "SELECT count(*) FROM calls WHERE pbx_call_id = ?1 AND direction = 'outbound'
                 AND related_id = ?2 AND duration_seconds >= 1 AND disposition_id IS NOT NULL
                 AND wrapup_notes = 'Wants a quote'",
                rusqlite::params![call_id, lead_id],
                |r| r.get(0),
            )
            .unwrap();
        let activities = c
            .query_row(
                "SELECT count(*) FROM lead_activities WHERE lead_id = ?1 AND type = 'call'
                 AND payload_json LIKE '%\"outcome\":\"Answered\"%'",
                [lead_id],
                |r| r.get(0),
            )
            .unwrap();
        (calls, activities)
    });
    assert_eq!(
        (calls, activities),
        (1, 1),
        "the call and its activity reached the server once"
    );
    let (code, _, _) = leadline(profile.path(), &["logout"], "");
    assert_eq!(code, 0);
}

#[test]
fn a_wrap_up_pending_when_the_process_is_killed_is_still_due_after_restart_and_blocks_calls() {
    if pbx::rerun_isolated(
        "a_wrap_up_pending_when_the_process_is_killed_is_still_due_after_restart_and_blocks_calls",
    ) {
        return;
    }
    let kamailio = Kamailio::start(&[ANA, CUSTOMER], 60);
    let agent = signed_in_agent(&kamailio, false);
    let profile = agent.profile.path();
    let dir = tempfile::tempdir().unwrap();
    let theirs = dir.path().join("tone440.wav");
    tone_file(&theirs, 440.0, 8000, 1, 30.0);
    let customer = Baresip::start(CUSTOMER, 5070, &theirs, "PCMU", false);

    // The agent takes a call and is killed while its wrap-up is due.
    let mut answering = pbx::Leadline::start(profile, &["answer", "--calls", "2"], "");
    answering.expect_event("registered", Duration::from_secs(10));
    customer.command("dial", &format!("sip:{}@{}", ANA.name, pbx::DOMAIN));
    let answered = answering.expect_event("answered", Duration::from_secs(10));
    std::thread::sleep(Duration::from_secs(1));
    customer.command("hangup", "");
    let due = answering.expect_event("wrap_up_due", Duration::from_secs(10));
    assert_eq!(due["call_id"], answered["call_id"], "{due}");
    answering.kill();
    let (code, _, _) = answering.finish();
    assert_eq!(code, -1, "killed by a signal");

    // After the restart the wrap-up is still due, on the lead that called.
    let (code, pending, stderr) = leadline(profile, &["calls", "pending"], "");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(pending.len(), 1, "{pending:#?}");
    assert_eq!(pending[0]["call_id"], answered["call_id"]);
    assert_eq!(pending[0]["lead"], agent.lead_id);
    let call = pending[0]["call"].as_i64().unwrap().to_string();

    // A new call is refused until it is done (before anything goes to the PBX).
    let (code, lines, stderr) = leadline(profile, &["call", CUSTOMER.name, "--ring-timeout", "5"], "");
    assert_eq!(code, 3, "{lines:#?}\n{stderr}");
    assert!(stderr.contains("wrap"), "{stderr}");
    assert!(lines.iter().all(|l| l["event"] != "ringing"), "{lines:#?}");

    let (code, lines, stderr) = leadline(
        profile,
        &[
            "calls",
            "wrap-up",
            &call,
            "--disposition",
            "answered",
            "--notes",
            "Called back",
        ],
        "",
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(lines[0]["event"], "wrapped_up", "{lines:#?}");
    let (code, pending, _) = leadline(profile, &["calls", "pending"], "");
    assert_eq!(code, 0);
    assert!(pending.is_empty(), "{pending:#?}");
}

#[test]
fn leadline_holds_and_resumes_baresip_by_reinvite() {
    if pbx::rerun_isolated("leadline_holds_and_resumes_baresip_by_reinvite") {
        return;
    }
    let kamailio = Kamailio::start(&[ANA, CARL], 60);
    let dir = tempfile::tempdir().unwrap();
    let theirs = dir.path().join("tone440.wav");
    tone_file(&theirs, 440.0, 8000, 1, 30.0);
    let baresip = Baresip::start(CARL, 5070, &theirs, "PCMU", true);
    let (code, lines, stderr) = pbx::leadline_as(
        dir.path(),
        &ANA,
        &kamailio.ws_url(),
        &["call", CARL.name, "--duration", "6", "--hold-after", "1"],
    );
    assert_eq!(code, 0, "{lines:#?}\n{stderr}\n{}", baresip.log());
    let count = |event: &str| {
        lines
            .iter()
            .find(|l| l["event"] == event)
            .unwrap_or_else(|| panic!("no {event}: {lines:#?}"))["packets_received"]
            .as_u64()
            .unwrap()
    };
    let (held, resumed) = (count("held"), count("resumed"));
    let last = lines.iter().rev().find(|l| l["event"] == "media").unwrap()["packets_received"]
        .as_u64()
        .unwrap();
    eprintln!("held at {held}, resumed at {resumed}, last {last}");
    // 2 s on hold at 50 packets a second would be 100: the held side stopped sending.
    assert!(resumed - held < 20, "held at {held}, resumed at {resumed}");
    assert!(
        last - resumed > 50,
        "audio came back after resuming: {resumed} then {last}"
    );
}

#[test]
fn leadline_calls_linphone_and_a_tone_crosses_each_way() {
    if pbx::rerun_isolated("leadline_calls_linphone_and_a_tone_crosses_each_way") {
        return;
    }
    let kamailio = Kamailio::start(&[ANA, CARL], 60);
    let dir = tempfile::tempdir().unwrap();
    let ours = dir.path().join("tone1000.wav");
    let theirs = dir.path().join("tone440.wav");
    tone_file(&ours, 1000.0, 8000, 1, 30.0);
    // liblinphone plays a file at the call's rate without resampling: 48 kHz for Opus.
    tone_file(&theirs, 440.0, 48_000, 1, 30.0);
    let mut carl = Linphone::start(CARL, 5070, &theirs, true);
    let heard = dir.path().join("heard.wav");
    let (code, lines, stderr) = pbx::leadline_as(
        dir.path(),
        &ANA,
        &kamailio.ws_url(),
        &[
            "call",
            CARL.name,
            "--duration",
            "3",
            "--audio-in",
            ours.to_str().unwrap(),
            "--record",
            heard.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{lines:#?}\n{stderr}\n{}", carl.log());
    let media = lines.iter().rev().find(|l| l["event"] == "media").unwrap();
    assert!(
        media["packets_received"].as_u64().unwrap() > 50,
        "{media}\n{stderr}"
    );
    let report = tone_in(&heard, 440.0);
    assert!(
        report.tone_blocks >= 10,
        "Leadline heard linphone's 440 Hz: {report:?}"
    );
    let report = carl.hang_up_and_hear(1000.0);
    assert!(
        report.tone_blocks >= 10,
        "linphone heard Leadline's 1000 Hz: {report:?}"
    );
}

#[test]
fn a_configured_stun_server_is_asked_for_our_address_and_the_call_goes_on() {
    if pbx::rerun_isolated("a_configured_stun_server_is_asked_for_our_address_and_the_call_goes_on") {
        return;
    }
    let kamailio = Kamailio::start(&[ANA, CARL], 60);
    let dir = tempfile::tempdir().unwrap();
    let theirs = dir.path().join("tone440.wav");
    tone_file(&theirs, 440.0, 8000, 1, 30.0);
    let _carl = Baresip::start(CARL, 5070, &theirs, "PCMU", true);
    // A STUN server that never answers: it only records what it is asked.
    let stun = std::net::UdpSocket::bind("127.0.0.1:3478").unwrap();
    stun.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let asked = std::thread::spawn(move || {
        let mut buf = [0u8; 1500];
        let (n, _) = stun.recv_from(&mut buf).expect("a STUN request");
        buf[..n].to_vec()
    });
    let (code, lines, stderr) = pbx::leadline_as(
        dir.path(),
        &ANA,
        &kamailio.ws_url(),
        &[
            "call",
            CARL.name,
            "--duration",
            "1",
            "--stun",
            "stun:127.0.0.1:3478",
        ],
    );
    assert_eq!(code, 0, "{lines:#?}\n{stderr}");
    assert!(lines.iter().any(|l| l["event"] == "answered"), "{lines:#?}");
    let request = asked.join().unwrap();
    // RFC 5389: a Binding Request (0x0001) with the magic cookie.
    assert_eq!(&request[0..2], &[0x00, 0x01], "{request:?}");
    assert_eq!(&request[4..8], &[0x21, 0x12, 0xA4, 0x42], "{request:?}");
}

#[test]
fn keys_pressed_by_baresip_reach_leadline_on_a_call_leadline_placed() {
    if pbx::rerun_isolated("keys_pressed_by_baresip_reach_leadline_on_a_call_leadline_placed") {
        return;
    }
    // Our call sends RTCP sender reports (for the round trip); the far side's RFC 4733 keys
    // still come through.
    let kamailio = Kamailio::start(&[ANA, CARL], 60);
    let dir = tempfile::tempdir().unwrap();
    let (ours, theirs) = tones(dir.path());
    let baresip = Baresip::start(CARL, 5070, &theirs, "PCMU", true);
    let heard = dir.path().join("heard.wav");
    let mut args: Vec<String> = ["call", CARL.name, "--duration", "8"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(["--audio-in".into(), ours.display().to_string()]);
    args.extend(["--record".into(), heard.display().to_string()]);
    args.extend(account(&kamailio.ws_url()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut calling = pbx::Leadline::start(dir.path(), &args, &format!("{}\n", ANA.password));
    calling.expect_event("answered", Duration::from_secs(10));
    // After our first sender report (a second into the audio).
    std::thread::sleep(Duration::from_secs(2));
    let mut digits = String::new();
    for key in ["7", "0", "*"] {
        baresip.command("sndcode", key);
        let dtmf = calling.expect_event("dtmf_received", Duration::from_secs(5));
        digits.push_str(dtmf["digit"].as_str().unwrap_or_default());
    }
    assert_eq!(digits, "70*");
    let (code, lines, stderr) = calling.finish();
    assert_eq!(code, 0, "{lines:#?}\n{stderr}");
}
