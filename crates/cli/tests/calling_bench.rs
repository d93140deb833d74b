//! Calling figures for docs/benchmarks.md, measured in one run against the same Kamailio and
//! rtpengine: Leadline (SIP over WS, WebRTC media with ICE and DTLS-SRTP) next to baresip (SIP
//! over UDP, plain RTP) doing the same thing. Run: `scripts/bench.sh` (or
//! `cargo test -p leadline-cli --test calling_bench -- --ignored --nocapture`).
//!
//! - REGISTER round trip (the 401 challenge included): Leadline's own `registered.ms`;
//!   baresip's own "registered successfully (N ms)".
//! - INVITE to answer (the 407 challenge included), calling an auto-answering baresip:
//!   Leadline's `answered.setup_ms`; baresip from its `dial` command to its
//!   `CALL_ESTABLISHED` event on the control socket.
//! - Answer to first audio packet received: Leadline's `media.first_packet_ms` (ICE and
//!   DTLS-SRTP happen in between); baresip's is not observable from outside.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark fails loudly

mod pbx;

use pbx::{Baresip, Kamailio, User, leadline, tone_file};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

const ANA: User = User::plain("1001", "ana-sip-secret");
const CARL: User = User::plain("3003", "carl-sip-secret");
const DORA: User = User::plain("4004", "dora-sip-secret");
const RUNS: usize = 10;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn account(url: &str) -> Vec<String> {
    ["--ws-url", url, "--username", ANA.name, "--domain", pbx::DOMAIN, "--password-stdin"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn baresip_register_ms(log: &str) -> Option<f64> {
    let line = log.lines().find(|l| l.contains("registered successfully"))?;
    let ms = line.rsplit('(').next()?.split_whitespace().next()?;
    ms.parse().ok()
}

/// baresip dials `target` over its control socket; the time until it reports the call
/// established.
fn baresip_setup_ms(caller: &Baresip, target: &str) -> f64 {
    let mut events = caller.control();
    let body = serde_json::json!({"command": "dial", "params": target, "token": "d"}).to_string();
    let started = Instant::now();
    events.write_all(format!("{}:{},", body.len(), body).as_bytes()).unwrap();
    events.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut seen = String::new();
    let mut buf = [0u8; 4096];
    while !seen.contains("CALL_ESTABLISHED") {
        let n = events.read(&mut buf).expect("baresip's events");
        assert!(n > 0, "baresip closed its control socket: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    let ms = started.elapsed().as_secs_f64() * 1e3;
    let hangup = serde_json::json!({"command": "hangup", "params": "", "token": "h"}).to_string();
    events.write_all(format!("{}:{},", hangup.len(), hangup).as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    ms
}

#[test]
#[ignore = "a benchmark: run by scripts/bench.sh"]
fn calling_figures() {
    if pbx::rerun_isolated("calling_figures") {
        return;
    }
    let kamailio = Kamailio::start(&[ANA, CARL, DORA], 60);
    let dir = tempfile::tempdir().unwrap();
    let tone = dir.path().join("tone.wav");
    tone_file(&tone, 440.0, 8000, 1, 60.0);
    let callee = Baresip::start(CARL, 5070, &tone, "PCMU", true);

    let mut ours_register = Vec::new();
    for _ in 0..RUNS {
        let mut args = vec!["register".to_string(), "--once".to_string()];
        args.extend(account(&kamailio.ws_url()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, lines, stderr) = leadline(dir.path(), &args, &format!("{}\n", ANA.password));
        assert_eq!(code, 0, "{stderr}");
        let registered = lines.iter().find(|l| l["event"] == "registered").unwrap();
        ours_register.push(registered["ms"].as_f64().unwrap());
    }
    let mut theirs_register = Vec::new();
    for i in 0..RUNS {
        let port = 5100 + 10 * i as u16;
        let caller = Baresip::start(DORA, port, &tone, "PCMU", false);
        theirs_register.push(baresip_register_ms(&caller.log()).expect("baresip's registration time"));
    }

    let mut ours_setup = Vec::new();
    let mut ours_first_audio = Vec::new();
    for _ in 0..RUNS {
        let mut args: Vec<String> = ["call", CARL.name, "--duration", "1"].iter().map(|s| s.to_string()).collect();
        args.extend(account(&kamailio.ws_url()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, lines, stderr) = leadline(dir.path(), &args, &format!("{}\n", ANA.password));
        assert_eq!(code, 0, "{stderr}");
        let answered = lines.iter().find(|l| l["event"] == "answered").unwrap();
        ours_setup.push(answered["setup_ms"].as_f64().unwrap());
        let media = lines.iter().rev().find(|l| l["event"] == "media").unwrap();
        ours_first_audio.push(media["first_packet_ms"].as_f64().expect("audio arrived"));
        std::thread::sleep(Duration::from_millis(200));
    }
    let caller = Baresip::start(DORA, 5300, &tone, "PCMU", false);
    let mut theirs_setup = Vec::new();
    for _ in 0..RUNS {
        theirs_setup.push(baresip_setup_ms(&caller, &format!("sip:{}@{}", CARL.name, pbx::DOMAIN)));
    }
    drop(callee);

    let (r_ours, r_theirs) = (median(ours_register), median(theirs_register));
    let (s_ours, s_theirs) = (median(ours_setup), median(theirs_setup));
    println!("| measure (median of {RUNS}) | Leadline | baresip | ratio | target |");
    println!("|---|---|---|---|---|");
    println!(
        "| REGISTER round trip, challenge included | {r_ours:.1} ms | {r_theirs:.1} ms | {:.2} | ≤ 1.2 |",
        r_ours / r_theirs.max(0.1)
    );
    println!(
        "| INVITE to answer, challenge included | {s_ours:.1} ms | {s_theirs:.1} ms | {:.2} | ≤ 1.5 |",
        s_ours / s_theirs.max(0.1)
    );
    println!(
        "| answer to first audio packet (ICE + DTLS-SRTP for Leadline) | {:.1} ms | not observable | | |",
        median(ours_first_audio)
    );
}
