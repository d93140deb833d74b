//! The network between Leadline and the PBX misbehaving, in the test's private network
//! namespace (iptables on its loopback; this kernel has no `netem`): the link gone for 20 s in
//! the middle of a call, and Leadline itself frozen for 60 s (SIGSTOP, as a laptop's sleep)
//! then let go. Audio is proven by tones detected in the recordings. (Packet loss during a
//! call on the devices, where the jitter buffer and concealment play, is in `device_calls`.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod pbx;

use pbx::{Baresip, Kamailio, User, iptables, tone_file, tone_in};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const ANA: User = User::plain("1001", "ana-sip-secret");
const CARL: User = User::plain("3003", "carl-sip-secret");

/// Leadline calling baresip (Carl) for `seconds`, recording what it hears, with `extra` flags.
struct Talk {
    kamailio: Kamailio,
    carl: Baresip,
    leadline: pbx::Leadline,
    heard: PathBuf,
    _dir: tempfile::TempDir,
}

fn talk(seconds: u32, extra: &[&str]) -> Talk {
    let kamailio = Kamailio::start(&[ANA, CARL], 60);
    let dir = tempfile::tempdir().unwrap();
    let (ours, carls) = (dir.path().join("tone1000.wav"), dir.path().join("tone440.wav"));
    tone_file(&ours, 1000.0, 8000, 1, 90.0);
    tone_file(&carls, 440.0, 8000, 1, 90.0);
    let carl = Baresip::start(CARL, 5070, &carls, "PCMU", true);
    let heard = dir.path().join("heard.wav");
    let duration = seconds.to_string();
    let mut args: Vec<String> = ["call", CARL.name, "--duration", &duration]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(["--audio-in".into(), ours.display().to_string()]);
    args.extend(["--record".into(), heard.display().to_string()]);
    args.extend(pbx::account_args(&kamailio.ws_url(), &ANA));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut leadline = pbx::Leadline::start(dir.path(), &args, &format!("{}\n", ANA.password));
    leadline.expect_event("answered", Duration::from_secs(15));
    Talk {
        kamailio,
        carl,
        leadline,
        heard,
        _dir: dir,
    }
}

fn last<'a>(lines: &'a [Value], event: &str) -> &'a Value {
    lines
        .iter()
        .rev()
        .find(|l| l["event"] == event)
        .unwrap_or_else(|| panic!("no {event} in {lines:#?}"))
}

/// Seconds of `frequency` in the recording at `path` (100 ms blocks).
fn seconds_of(path: &Path, frequency: f64) -> f64 {
    tone_in(path, frequency).tone_blocks as f64 * 0.1
}

#[test]
fn a_link_down_for_20_s_mid_call_then_up_registers_again_within_5_s_and_the_call_goes_on() {
    if pbx::rerun_isolated(
        "a_link_down_for_20_s_mid_call_then_up_registers_again_within_5_s_and_the_call_goes_on",
    ) {
        return;
    }
    // A 2 s keepalive: the line calls the connection dead 5 s into the outage, and the call
    // waits up to 30 s (the default) for a new one.
    let mut talk = talk(45, &["--keepalive", "2"]);
    std::thread::sleep(Duration::from_secs(3));
    iptables("-I INPUT 1 -i lo -j DROP");
    std::thread::sleep(Duration::from_secs(20));
    iptables("-D INPUT 1");
    let back = Instant::now();
    talk.leadline.expect_event("registered", Duration::from_secs(5));
    let registered_after = back.elapsed();
    talk.leadline.expect_event("reconnected", Duration::from_secs(10));
    let (code, lines, stderr) = talk.leadline.finish();
    assert_eq!(code, 0, "{lines:#?}\n{stderr}\n{}", talk.carl.log());
    let ended = last(&lines, "ended");
    assert_eq!(
        ended["reason"]["reason"], "local_hangup",
        "the call went on to its end: {ended}"
    );
    let heard = seconds_of(&talk.heard, 440.0);
    println!(
        "NETWORK link down 20 s: registered again {:.1} s after the link came back, the call moved \
         to the new connection and ran to its end; Leadline heard the tone for {heard:.1} s of 45",
        registered_after.as_secs_f64()
    );
    assert!(registered_after < Duration::from_secs(5));
    assert!(heard >= 20.0, "audio before and after the outage: {heard} s");
    drop(talk.kamailio);
}

#[test]
fn a_leadline_frozen_for_60_s_registers_again_within_5_s_of_waking() {
    if pbx::rerun_isolated("a_leadline_frozen_for_60_s_registers_again_within_5_s_of_waking") {
        return;
    }
    let kamailio = Kamailio::start(&[ANA, CARL], 60);
    let dir = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = vec!["register".into()];
    args.extend(pbx::account_args(&kamailio.ws_url(), &ANA));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut leadline = pbx::Leadline::start(dir.path(), &args, &format!("{}\n", ANA.password));
    leadline.expect_event("registered", Duration::from_secs(10));
    let pid = leadline.pid().to_string();
    // Asleep for a minute: the registration (60 s) lapses at the PBX meanwhile.
    assert!(
        Command::new("kill")
            .args(["-STOP", &pid])
            .status()
            .unwrap()
            .success()
    );
    std::thread::sleep(Duration::from_secs(60));
    assert!(
        Command::new("kill")
            .args(["-CONT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let woke = Instant::now();
    leadline.expect_event("registered", Duration::from_secs(5));
    let registered_after = woke.elapsed();
    println!(
        "NETWORK frozen 60 s: registered again {:.1} s after waking",
        registered_after.as_secs_f64()
    );
    leadline.interrupt();
    let (code, lines, stderr) = leadline.finish();
    assert_eq!(code, 0, "{lines:#?}\n{stderr}");
    drop(kamailio);
}
