//! Calls between Leadline and JsSIP in headless Chromium — WebRTC on both legs, through
//! Kamailio and rtpengine — on loopback in a private network namespace. Audio is proven by a
//! tone each side sends and the other detects.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod pbx;

use pbx::{Browser, Kamailio, User, tone_file, tone_in};
use std::time::Duration;

const ANA: User = User::plain("1001", "ana-sip-secret");
const BEA: User = User::plain("2002", "bea-sip-secret");

/// The browser heard our 1000 Hz.
fn browser_heard_us(browser: &mut Browser) {
    let heard = browser.heard(1000.0);
    assert!(
        heard["packets_received"].as_u64().unwrap() > 50,
        "the browser received our audio: {heard}"
    );
    assert!(
        heard["tone_blocks"].as_u64().unwrap() >= 10,
        "the browser heard our 1000 Hz: {heard}"
    );
}

#[test]
fn leadline_calls_a_browser_over_opus_and_a_tone_crosses_each_way() {
    if pbx::rerun_isolated("leadline_calls_a_browser_over_opus_and_a_tone_crosses_each_way") {
        return;
    }
    let kamailio = Kamailio::start(&[ANA, BEA], 60);
    let mut bea = Browser::start(BEA, &kamailio.ws_url(), 440, true);
    let dir = tempfile::tempdir().unwrap();
    let ours = dir.path().join("tone1000.wav");
    tone_file(&ours, 1000.0, 48_000, 1, 30.0);
    let heard = dir.path().join("heard.wav");
    let (code, lines, stderr) = pbx::leadline_as(
        dir.path(),
        &ANA,
        &kamailio.ws_url(),
        &[
            "call",
            BEA.name,
            "--ring-timeout",
            "10",
            "--duration",
            "4",
            "--audio-in",
            ours.to_str().unwrap(),
            "--record",
            heard.to_str().unwrap(),
        ],
    );
    assert_eq!(
        code,
        0,
        "{lines:#?}\n{stderr}\n{}\nbrowser: {:#?}",
        kamailio.log(),
        bea.seen
    );
    let answered = lines.iter().find(|l| l["event"] == "answered").unwrap();
    assert_eq!(answered["codec"], "OPUS", "{answered}");
    let ended = bea.expect("ended", Duration::from_secs(5));
    assert_eq!(ended["originator"], "remote", "we hung up: {ended}");
    let report = tone_in(&heard, 440.0);
    assert!(
        report.tone_blocks >= 10,
        "Leadline heard the browser's 440 Hz: {report:?}"
    );
    browser_heard_us(&mut bea);
}

#[test]
fn a_browser_calls_leadline_which_answers_over_pcmu_and_a_tone_crosses_each_way() {
    if pbx::rerun_isolated("a_browser_calls_leadline_which_answers_over_pcmu_and_a_tone_crosses_each_way") {
        return;
    }
    let kamailio = Kamailio::start(&[ANA, BEA], 60);
    let mut bea = Browser::start(BEA, &kamailio.ws_url(), 440, false);
    let dir = tempfile::tempdir().unwrap();
    let ours = dir.path().join("tone1000.wav");
    tone_file(&ours, 1000.0, 8000, 1, 30.0);
    let heard = dir.path().join("heard.wav");
    let mut args: Vec<String> = ["answer", "--codec", "pcmu", "--audio-in"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push(ours.display().to_string());
    args.extend(["--record".into(), heard.display().to_string()]);
    args.extend(pbx::account_args(&kamailio.ws_url(), &ANA));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut answering = pbx::Leadline::start(dir.path(), &args, &format!("{}\n", ANA.password));
    answering.expect_event("registered", Duration::from_secs(10));
    bea.command(serde_json::json!({"cmd": "dial", "target": format!("sip:{}@{}", ANA.name, pbx::DOMAIN)}));
    let incoming = answering.expect_event("incoming", Duration::from_secs(10));
    assert_eq!(incoming["caller_number"], BEA.name, "{incoming}");
    let answered = answering.expect_event("answered", Duration::from_secs(10));
    assert_eq!(answered["codec"], "PCMU", "{answered}");
    bea.expect("confirmed", Duration::from_secs(10));
    std::thread::sleep(Duration::from_secs(4));
    browser_heard_us(&mut bea);
    // With the audio flowing, keys both ways the browser sends them: SIP INFO, and RFC 4733
    // events in the audio.
    for (tone, transport, method) in [("5", "INFO", "info"), ("7", "RFC2833", "rfc4733")] {
        bea.command(serde_json::json!({"cmd": "dtmf", "tones": tone, "transport": transport}));
        let dtmf = answering.expect_event("dtmf_received", Duration::from_secs(5));
        assert_eq!(
            (dtmf["digit"].as_str(), dtmf["method"].as_str()),
            (Some(tone), Some(method)),
            "browser: {:?}",
            bea.seen
        );
    }
    bea.command(serde_json::json!({"cmd": "hangup"}));
    let ended = answering.expect_event("ended", Duration::from_secs(10));
    assert_eq!(ended["reason"]["reason"], "remote_hangup", "{ended}");
    let (code, lines, stderr) = answering.finish();
    assert_eq!(code, 0, "{lines:#?}\n{stderr}");
    let report = tone_in(&heard, 440.0);
    assert!(
        report.tone_blocks >= 10,
        "Leadline heard the browser's 440 Hz: {report:?}"
    );
}
