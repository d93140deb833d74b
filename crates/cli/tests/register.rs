//! `leadline register` against a real Kamailio (WS and WSS, digest authentication) on
//! loopback in a private network namespace: success both ways, a private CA, a separate auth
//! username, `423 Min-Expires`, a wrong password, an untrusted certificate, an unreachable PBX,
//! Kamailio killed and restarted under a running registration, a PBX gone silent; and, with SIPp
//! as the registrar behind Kamailio, a SHA-256 challenge and a nonce that goes stale.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod pbx;

use pbx::{Kamailio, Leadline, User, leadline};
use std::time::Duration;

const ANA: User = User::plain("1001", "ana-sip-secret");
const BEN: User = User {
    name: "2002",
    auth_name: "ben-auth",
    password: "ben-sip-secret",
};

fn account<'a>(url: &'a str, user: &'a User) -> Vec<&'a str> {
    let mut args = vec![
        "--ws-url",
        url,
        "--username",
        user.name,
        "--domain",
        pbx::DOMAIN,
        "--password-stdin",
    ];
    if user.auth_name != user.name {
        args.extend(["--auth-username", user.auth_name]);
    }
    args
}

fn register_once(
    profile: &std::path::Path,
    extra: &[&str],
    password: &str,
) -> (i32, Vec<serde_json::Value>, String) {
    let mut args = vec!["register", "--once"];
    args.extend_from_slice(extra);
    leadline(profile, &args, &format!("{password}\n"))
}

fn events(lines: &[serde_json::Value]) -> Vec<String> {
    lines
        .iter()
        .map(|l| l["event"].as_str().unwrap_or("?").to_owned())
        .collect()
}

#[test]
fn registers_over_ws_and_wss_and_reports_each_failure_as_such() {
    if pbx::rerun_isolated("registers_over_ws_and_wss_and_reports_each_failure_as_such") {
        return;
    }
    let kamailio = Kamailio::start(&[ANA, BEN], 60);
    let profile = tempfile::tempdir().unwrap();
    let ws = kamailio.ws_url();
    let wss = kamailio.wss_url();
    let ca = kamailio.ca_file().display().to_string();

    // WS.
    let (code, lines, stderr) = register_once(profile.path(), &account(&ws, &ANA), ANA.password);
    assert_eq!(code, 0, "{lines:?}\n{stderr}\n{}", kamailio.log());
    assert_eq!(events(&lines), ["connecting", "registered", "unregistered"]);
    assert_eq!(lines[1]["expires"], 600);

    // WSS, trusting the PBX's private CA.
    let mut args = account(&wss, &ANA);
    args.extend(["--ca-cert", &ca]);
    let (code, lines, stderr) = register_once(profile.path(), &args, ANA.password);
    assert_eq!(code, 0, "{lines:?}\n{stderr}");
    assert_eq!(events(&lines), ["connecting", "registered", "unregistered"]);

    // A separate digest username.
    let (code, lines, stderr) = register_once(profile.path(), &account(&ws, &BEN), BEN.password);
    assert_eq!(code, 0, "{lines:?}\n{stderr}");

    // Asking for less than the PBX's minimum: 423, then the minimum.
    let mut args = account(&ws, &ANA);
    args.extend(["--expires", "20"]);
    let (code, lines, stderr) = register_once(profile.path(), &args, ANA.password);
    assert_eq!(code, 0, "{lines:?}\n{stderr}");
    assert_eq!(lines[1]["expires"], 60, "{lines:?}");

    // A wrong password: reported as such, final, exit 7, and never printed.
    let (code, lines, stderr) = register_once(profile.path(), &account(&ws, &ANA), "not-the-password");
    assert_eq!(code, 7, "{lines:?}\n{stderr}");
    let failed = lines
        .iter()
        .find(|l| l["event"] == "registration_failed")
        .unwrap();
    assert_eq!(failed["reason"], "bad_credentials");
    assert_eq!(failed["final"], true);
    assert!(
        lines
            .iter()
            .any(|l| l["event"] == "error" && l["kind"] == "sip_auth")
            || stderr.contains("username or password")
    );
    let printed = format!("{lines:?}{stderr}");
    assert!(!printed.contains("not-the-password") && !printed.contains(ANA.password));
    let logs = std::fs::read_dir(profile.path().join("logs"))
        .unwrap()
        .map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap())
        .collect::<String>();
    assert!(logs.contains("REGISTER"), "debug logs hold the SIP exchange");
    assert!(
        !logs.contains("not-the-password") && !logs.contains(ANA.password),
        "no password in the logs"
    );

    // WSS without trusting the private CA: a TLS failure, exit 6.
    let (code, lines, stderr) = register_once(profile.path(), &account(&wss, &ANA), ANA.password);
    assert_eq!(code, 6, "{lines:?}\n{stderr}");
    let failed = lines
        .iter()
        .find(|l| l["event"] == "registration_failed")
        .unwrap();
    assert_eq!(failed["reason"], "tls", "{failed}");

    // Nobody listening: unreachable, exit 6.
    let (code, lines, _) = register_once(profile.path(), &account("ws://127.0.0.1:9", &ANA), ANA.password);
    assert_eq!(code, 6);
    let failed = lines
        .iter()
        .find(|l| l["event"] == "registration_failed")
        .unwrap();
    assert_eq!(failed["reason"], "unreachable");

    // Bad arguments: a clear error, exit 3 (an unusable account) or 2 (clap).
    let (code, _, stderr) = register_once(profile.path(), &account("https://127.0.0.1", &ANA), ANA.password);
    assert_eq!(code, 3, "{stderr}");
}

/// `leadline register` as Ana (with `extra` flags), running until interrupted; returns once it
/// is registered.
fn stay_registered(kamailio: &Kamailio, profile: &std::path::Path, extra: &[&str]) -> Leadline {
    let ws = kamailio.ws_url();
    let mut args = vec!["register"];
    args.extend(account(&ws, &ANA));
    args.extend(extra);
    let mut running = Leadline::start(profile, &args, &format!("{}\n", ANA.password));
    running.expect_event("registered", Duration::from_secs(10));
    running
}

#[test]
fn registers_again_by_itself_after_kamailio_is_killed_and_restarted() {
    if pbx::rerun_isolated("registers_again_by_itself_after_kamailio_is_killed_and_restarted") {
        return;
    }
    let mut kamailio = Kamailio::start(&[ANA], 60);
    let profile = tempfile::tempdir().unwrap();
    let mut running = stay_registered(&kamailio, profile.path(), &[]);

    kamailio.kill();
    let lost = running.expect_event("registration_failed", Duration::from_secs(30));
    assert_eq!(lost["reason"], "connection_lost", "{lost}");
    std::thread::sleep(Duration::from_secs(2)); // a retry or two meets a dead PBX
    kamailio.restart();
    running.expect_event("registered", Duration::from_secs(30));

    running.interrupt();
    let (code, lines, stderr) = running.finish();
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(lines.last().unwrap()["event"], "unregistered", "{lines:?}");
}

#[test]
fn a_pbx_that_stops_answering_is_noticed_after_the_promised_silence() {
    if pbx::rerun_isolated("a_pbx_that_stops_answering_is_noticed_after_the_promised_silence") {
        return;
    }
    let kamailio = Kamailio::start(&[ANA], 60);
    let profile = tempfile::tempdir().unwrap();
    // A ping a second: a connection silent for 2.5 s is dead.
    let mut running = stay_registered(&kamailio, profile.path(), &["--keepalive", "1"]);
    // Pings answered (OPTIONS, by Kamailio) keep it open past several such windows.
    std::thread::sleep(Duration::from_secs(6));

    // The connection stays open but nothing comes back: only the keepalive can tell.
    kamailio.freeze();
    let frozen = std::time::Instant::now();
    let lost = running.expect_event("registration_failed", Duration::from_secs(10));
    let noticed = frozen.elapsed();
    assert_eq!(lost["reason"], "connection_lost", "{lost}");
    // Last heard at most a ping before the freeze; dead 2.5 s after that.
    assert!(
        noticed >= Duration::from_millis(1300) && noticed < Duration::from_secs(4),
        "noticed after {noticed:?}, promised 1.5 to 2.5 s"
    );
    eprintln!("a silent PBX was noticed after {:.1} s", noticed.as_secs_f64());

    kamailio.thaw();
    running.expect_event("registered", Duration::from_secs(30));
    running.interrupt();
    let (code, _, stderr) = running.finish();
    assert_eq!(code, 0, "{stderr}");
}

/// Registers as 5005 at the SIPp registrar running `scenario` behind Kamailio; returns the
/// outcome and SIPp's message trace.
fn register_at_sipp(scenario: &str, password: &str) -> ((i32, Vec<serde_json::Value>, String), String) {
    let (outcome, messages) = try_register_at_sipp(scenario, password);
    let (code, lines, stderr) = &outcome;
    assert_eq!(*code, 0, "{lines:#?}\n{stderr}\n{messages}");
    (outcome, messages)
}

/// Registers once at SIPp playing `scenario` behind Kamailio, whatever the outcome.
fn try_register_at_sipp(scenario: &str, password: &str) -> ((i32, Vec<serde_json::Value>, String), String) {
    let kamailio = Kamailio::start(&[ANA], 60);
    let dir = tempfile::tempdir().unwrap();
    let sipp = pbx::Sipp::start(scenario, &dir.path().join("sipp-messages.log"));
    let ws_url = kamailio.ws_url();
    let args = [
        "register",
        "--once",
        "--ws-url",
        &ws_url,
        "--username",
        "5005",
        "--domain",
        pbx::SHA_DOMAIN,
    ];
    let mut args = args.to_vec();
    args.push("--password-stdin");
    let outcome = leadline(dir.path(), &args, &format!("{password}\n"));
    let messages = sipp.messages();
    drop(sipp);
    drop(kamailio);
    (outcome, messages)
}

/// The Authorization headers SIPp received, in order.
fn authorizations(messages: &str) -> Vec<String> {
    messages
        .lines()
        .filter(|l| l.starts_with("Authorization:"))
        .map(str::to_owned)
        .collect()
}

/// A parameter of a Digest Authorization header.
fn digest_param(authorization: &str, name: &str) -> String {
    authorization
        .split([',', ' '])
        .find_map(|p| p.trim().strip_prefix(&format!("{name}=")))
        .map(|v| v.trim_matches('"').to_owned())
        .unwrap_or_else(|| panic!("{name} in {authorization}"))
}

/// The RFC 7616 SHA-256 response that `authorization` should carry for user 5005.
fn expected_sha256_response(authorization: &str, password: &str) -> String {
    use sha2::{Digest, Sha256};
    let hex = |text: String| {
        Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let param = |name: &str| digest_param(authorization, name);
    let ha1 = hex(format!("5005:{}:{password}", pbx::SHA_DOMAIN));
    let ha2 = hex(format!("REGISTER:{}", param("uri")));
    hex(format!(
        "{ha1}:{}:{}:{}:auth:{ha2}",
        param("nonce"),
        param("nc"),
        param("cnonce")
    ))
}

#[test]
fn sha256_digest_is_answered_when_the_registrar_asks_for_it() {
    if pbx::rerun_isolated("sha256_digest_is_answered_when_the_registrar_asks_for_it") {
        return;
    }
    let password = "sha-sip-secret";
    let ((_, lines, _), messages) = register_at_sipp("sha256-registrar.xml", password);
    assert_eq!(events(&lines), ["connecting", "registered", "unregistered"]);
    // The answer to the challenge, checked against RFC 7616 with the password.
    let sent = authorizations(&messages);
    let authorization = sent
        .first()
        .unwrap_or_else(|| panic!("a REGISTER with credentials reached SIPp:\n{messages}"));
    assert_eq!(
        digest_param(authorization, "algorithm"),
        "SHA-256",
        "{authorization}"
    );
    assert_eq!(digest_param(authorization, "qop"), "auth");
    assert_eq!(digest_param(authorization, "nonce"), "5fa1c0de0ddba11");
    assert_eq!(
        digest_param(authorization, "response"),
        expected_sha256_response(authorization, password),
        "{authorization}"
    );
}

#[test]
fn a_stale_nonce_is_answered_again_with_the_new_one() {
    if pbx::rerun_isolated("a_stale_nonce_is_answered_again_with_the_new_one") {
        return;
    }
    let password = "sha-sip-secret";
    let ((_, lines, _), messages) = register_at_sipp("stale-registrar.xml", password);
    assert_eq!(events(&lines), ["connecting", "registered", "unregistered"]);
    let sent = authorizations(&messages);
    let nonces: Vec<String> = sent.iter().map(|a| digest_param(a, "nonce")).collect();
    assert_eq!(nonces[..2], ["0ld0ld0ld", "fre5hfre5h"], "{messages}");
    for authorization in &sent[..2] {
        assert_eq!(
            digest_param(authorization, "response"),
            expected_sha256_response(authorization, password),
            "{authorization}"
        );
    }
}

#[test]
fn a_challenge_for_another_realm_is_not_answered() {
    if pbx::rerun_isolated("a_challenge_for_another_realm_is_not_answered") {
        return;
    }
    let ((code, lines, stderr), messages) =
        try_register_at_sipp("evil-realm-registrar.xml", "sha-sip-secret");
    assert_ne!(code, 0, "{lines:#?}");
    assert!(
        authorizations(&messages).is_empty(),
        "no digest of the password was sent:\n{messages}"
    );
    let told = format!("{lines:?}{stderr}");
    assert!(
        told.contains("evil.leadline.test") && told.contains("untrusted_challenge"),
        "the agent is told why: {told}"
    );
}

#[test]
fn a_digest_downgrade_is_refused() {
    if pbx::rerun_isolated("a_digest_downgrade_is_refused") {
        return;
    }
    let ((code, lines, stderr), messages) = try_register_at_sipp("downgrade-registrar.xml", "sha-sip-secret");
    assert_ne!(code, 0, "{lines:#?}");
    let sent = authorizations(&messages);
    assert_eq!(
        sent.len(),
        1,
        "only the SHA-256 challenge was answered:\n{messages}"
    );
    assert_eq!(digest_param(&sent[0], "algorithm"), "SHA-256");
    let told = format!("{lines:?}{stderr}");
    assert!(told.contains("downgrade"), "the agent is told why: {told}");
}
