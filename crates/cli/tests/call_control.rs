//! Call control through Kamailio and rtpengine, on loopback in a private network namespace:
//! baresip holds and resumes us; a blind transfer hands baresip to a third phone that then
//! hears it; an attended transfer (linphonec on both ends, which take REFER with Replaces)
//! puts the caller in place of our consultation call; call waiting holds one caller, answers
//! a second and swaps; a phone waiting for calls stays reachable past the idle timeout; a call
//! goes on over a new connection when the PBX restarts, and ends cleanly when its dialog did
//! not survive. Audio is proven by tones detected in recordings.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod pbx;

use pbx::{Baresip, Kamailio, Linphone, User, tone_file, tone_in};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

const ANA: User = User::plain("1001", "ana-sip-secret");
const CARL: User = User::plain("3003", "carl-sip-secret");
const DAVE: User = User::plain("4004", "dave-sip-secret");

fn events<'a>(lines: &'a [Value], event: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["event"] == event).collect()
}

fn received(line: &Value) -> u64 {
    line["packets_received"].as_u64().unwrap()
}

fn tones(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let (ours, carls, daves) = (
        dir.join("tone1000.wav"),
        dir.join("tone440.wav"),
        dir.join("tone660.wav"),
    );
    tone_file(&ours, 1000.0, 8000, 1, 30.0);
    tone_file(&carls, 440.0, 8000, 1, 30.0);
    tone_file(&daves, 660.0, 8000, 1, 30.0);
    (ours, carls, daves)
}

fn args(kamailio: &Kamailio, command: &[&str], ours: &Path, heard: &Path) -> Vec<String> {
    let mut args: Vec<String> = command.iter().map(|s| s.to_string()).collect();
    args.extend(["--audio-in".into(), ours.display().to_string()]);
    args.extend(["--record".into(), heard.display().to_string()]);
    args.extend(pbx::account_args(&kamailio.ws_url(), &ANA));
    args
}

#[test]
fn baresip_holds_and_resumes_leadline_by_reinvite() {
    if pbx::rerun_isolated("baresip_holds_and_resumes_leadline_by_reinvite") {
        return;
    }
    let kamailio = Kamailio::start(&[ANA, CARL], 60);
    let dir = tempfile::tempdir().unwrap();
    let (ours, carls, _) = tones(dir.path());
    let carl = Baresip::start(CARL, 5070, &carls, "PCMU", true);
    let heard = dir.path().join("heard.wav");
    let args = args(&kamailio, &["call", CARL.name, "--duration", "7"], &ours, &heard);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut calling = pbx::Leadline::start(dir.path(), &args, &format!("{}\n", ANA.password));
    calling.expect_event("answered", Duration::from_secs(10));
    std::thread::sleep(Duration::from_secs(1));
    carl.command("hold", "");
    let held = calling.expect_event("held", Duration::from_secs(5));
    std::thread::sleep(Duration::from_secs(2));
    carl.command("resume", "");
    let resumed = calling.expect_event("resumed", Duration::from_secs(5));
    let (code, lines, stderr) = calling.finish();
    assert_eq!(code, 0, "{lines:#?}\n{stderr}\n{}", carl.log());
    assert_eq!(held["by"], "remote", "{held}");
    assert_eq!(resumed["by"], "remote", "{resumed}");
    let last = received(events(&lines, "media").last().unwrap());
    eprintln!(
        "held at {}, resumed at {}, last {last}",
        received(&held),
        received(&resumed)
    );
    // About 2 s on hold: at 50 packets a second that would be 100 if Carl kept sending.
    assert!(
        received(&resumed) - received(&held) < 30,
        "Carl stopped sending while holding us: {held} {resumed}"
    );
    assert!(
        last - received(&resumed) > 50,
        "Carl's audio came back: {resumed} then {last}"
    );
    let ended = events(&lines, "ended")[0];
    assert_eq!(ended["reason"]["reason"], "local_hangup", "{ended}");
    assert!(tone_in(&heard, 440.0).tone_blocks >= 10, "we heard Carl");
}

#[test]
fn a_hold_refused_for_glare_is_sent_again_after_the_rfc_3261_wait() {
    if pbx::rerun_isolated("a_hold_refused_for_glare_is_sent_again_after_the_rfc_3261_wait") {
        return;
    }
    let kamailio = Kamailio::start(&[ANA], 60);
    let dir = tempfile::tempdir().unwrap();
    let mut phone = pbx::Sipp::start("glare-phone.xml", &dir.path().join("sipp.log"));
    let (ours, _, _) = tones(dir.path());
    let heard = dir.path().join("heard.wav");
    let command = ["call", "glare", "--hold-after", "1", "--duration", "9"];
    let args = args(&kamailio, &command, &ours, &heard);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut calling = pbx::Leadline::start(dir.path(), &args, &format!("{}\n", ANA.password));
    calling.expect_event("answered", Duration::from_secs(10));
    let answered = std::time::Instant::now();
    let held = calling.expect_event("held", Duration::from_secs(10));
    let held_after = answered.elapsed();
    calling.expect_event("resumed", Duration::from_secs(5));
    let (code, lines, stderr) = calling.finish();
    let messages = phone.messages();
    assert_eq!(code, 0, "{lines:#?}\n{stderr}\n{messages}");
    assert_eq!(held["by"], "us", "{held}");
    assert!(
        phone.finished(Duration::from_secs(5)),
        "the phone's scenario ran to its end:\n{messages}"
    );
    // Asked at 1 s, refused at once, sent again 2.1 to 4 s later (we placed the call).
    assert!(
        held_after >= Duration::from_millis(3000) && held_after < Duration::from_millis(5500),
        "held {held_after:?} after the answer"
    );
    let refused = messages.matches("SIP/2.0 491 Request Pending").count();
    assert_eq!(refused, 1, "{messages}");
    let ended = events(&lines, "ended")[0];
    assert_eq!(ended["reason"]["reason"], "local_hangup", "{ended}");
}

#[test]
fn a_blind_transfer_hands_the_caller_to_a_third_phone_that_hears_them() {
    if pbx::rerun_isolated("a_blind_transfer_hands_the_caller_to_a_third_phone_that_hears_them") {
        return;
    }
    let kamailio = Kamailio::start(&[ANA, CARL, DAVE], 60);
    let dir = tempfile::tempdir().unwrap();
    let (ours, carls, daves) = tones(dir.path());
    let carl = Baresip::start(CARL, 5070, &carls, "PCMU", true);
    let dave = Baresip::start(DAVE, 5080, &daves, "PCMU", true);
    let heard = dir.path().join("heard.wav");
    let args = args(
        &kamailio,
        &["call", CARL.name, "--transfer-to", DAVE.name, "--duration", "20"],
        &ours,
        &heard,
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, lines, stderr) = pbx::leadline(dir.path(), &args, &format!("{}\n", ANA.password));
    let logs = || {
        format!(
            "{lines:#?}\n{stderr}\ncarl:\n{}\ndave:\n{}\nkamailio:\n{}",
            carl.log(),
            dave.log(),
            kamailio.log()
        )
    };
    assert_eq!(code, 0, "{}", logs());
    let transferring = events(&lines, "transferring");
    assert_eq!(transferring.len(), 1, "{}", logs());
    assert_eq!(
        transferring[0]["to"],
        format!("sip:{}@{}", DAVE.name, pbx::DOMAIN)
    );
    let progress = events(&lines, "transfer");
    let last = progress
        .last()
        .unwrap_or_else(|| panic!("no progress: {}", logs()));
    assert_eq!(
        (last["code"].as_u64(), last["done"].as_bool()),
        (Some(200), Some(true)),
        "{}",
        logs()
    );
    let ended = events(&lines, "ended")[0];
    assert_eq!(ended["reason"]["reason"], "transferred", "{ended}");

    // Carl now talks to Dave: Dave hears Carl's 440 Hz once the call has run a while.
    std::thread::sleep(Duration::from_secs(2));
    dave.command("hangup", "");
    let recordings = dave.heard();
    assert!(
        !recordings.is_empty(),
        "Dave recorded the transferred call:\n{}",
        dave.log()
    );
    let report = tone_in(recordings.last().unwrap(), 440.0);
    assert!(
        report.tone_blocks >= 10,
        "Dave heard Carl: {report:?}\n{}",
        dave.log()
    );
}

#[test]
fn an_attended_transfer_puts_the_caller_in_place_of_the_consultation_call() {
    if pbx::rerun_isolated("an_attended_transfer_puts_the_caller_in_place_of_the_consultation_call") {
        return;
    }
    let kamailio = Kamailio::start(&[ANA, CARL, DAVE], 60);
    let dir = tempfile::tempdir().unwrap();
    let (ours, _, _) = tones(dir.path());
    // liblinphone plays a file at the call's rate without resampling: 48 kHz for Opus.
    let (carls, daves) = (dir.path().join("carl48k.wav"), dir.path().join("dave48k.wav"));
    tone_file(&carls, 440.0, 48_000, 1, 30.0);
    tone_file(&daves, 660.0, 48_000, 1, 30.0);
    let carl = Linphone::start(CARL, 5070, &carls, true);
    let mut dave = Linphone::start(DAVE, 5080, &daves, true);
    let heard = dir.path().join("heard.wav");
    let args = args(
        &kamailio,
        &[
            "call",
            CARL.name,
            "--transfer-to",
            DAVE.name,
            "--attended",
            "--duration",
            "20",
        ],
        &ours,
        &heard,
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut calling = pbx::Leadline::start(dir.path(), &args, &format!("{}\n", ANA.password));
    for event in ["answered", "held", "answered", "transferring"] {
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            calling.expect_event(event, Duration::from_secs(15))
        }))
        .is_err()
        {
            calling.interrupt();
            panic!("no {event}:\ncarl:\n{}\ndave:\n{}", carl.log(), dave.log());
        }
    }
    let (code, lines, stderr) = calling.finish();
    let logs = || {
        format!(
            "{lines:#?}\n{stderr}\ncarl:\n{}\ndave:\n{}\nkamailio:\n{}",
            carl.log(),
            dave.log(),
            kamailio.log()
        )
    };
    assert_eq!(code, 0, "{}", logs());
    let answered = events(&lines, "answered");
    assert_eq!(
        answered.len(),
        2,
        "Carl, then Dave for the consultation: {}",
        logs()
    );
    let transferring = events(&lines, "transferring");
    assert_eq!(transferring.len(), 1, "{}", logs());
    assert_eq!(transferring[0]["attended"], true);
    let last = *events(&lines, "transfer")
        .last()
        .unwrap_or_else(|| panic!("no progress: {}", logs()));
    assert_eq!(
        (last["code"].as_u64(), last["done"].as_bool()),
        (Some(200), Some(true)),
        "{}",
        logs()
    );
    // Both of our calls end as transferred: Carl's by our BYE after the NOTIFY, Dave's by
    // Dave's BYE once Carl's call replaced it.
    let ended = events(&lines, "ended");
    assert_eq!(ended.len(), 2, "{}", logs());
    for end in ended {
        assert_eq!(end["reason"]["reason"], "transferred", "{end}\n{}", logs());
    }

    // Carl and Dave now talk: Dave hears Carl's 440 Hz.
    std::thread::sleep(Duration::from_secs(2));
    let report = dave.hang_up_and_hear(440.0);
    assert!(
        report.tone_blocks >= 10,
        "Dave heard Carl: {report:?}\n{}",
        dave.log()
    );
}

#[test]
fn call_waiting_holds_the_first_caller_answers_the_second_and_swaps() {
    if pbx::rerun_isolated("call_waiting_holds_the_first_caller_answers_the_second_and_swaps") {
        return;
    }
    let kamailio = Kamailio::start(&[ANA, CARL, DAVE], 60);
    let dir = tempfile::tempdir().unwrap();
    let (ours, carls, daves) = tones(dir.path());
    let carl = Baresip::start(CARL, 5070, &carls, "PCMU", false);
    let dave = Baresip::start(DAVE, 5080, &daves, "PCMU", false);
    let heard = dir.path().join("heard.wav");
    let args = args(
        &kamailio,
        &[
            "answer",
            "--calls",
            "2",
            "--waiting",
            "answer",
            "--swap-after",
            "2",
            "--duration",
            "7",
        ],
        &ours,
        &heard,
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut answering = pbx::Leadline::start(dir.path(), &args, &format!("{}\n", ANA.password));
    answering.expect_event("registered", Duration::from_secs(10));
    carl.command("dial", &format!("sip:{}@{}", ANA.name, pbx::DOMAIN));
    let first = answering.expect_event("answered", Duration::from_secs(10));
    std::thread::sleep(Duration::from_secs(1));
    dave.command("dial", &format!("sip:{}@{}", ANA.name, pbx::DOMAIN));
    let (code, lines, stderr) = answering.finish();
    let logs = || {
        format!(
            "{lines:#?}\n{stderr}\ncarl:\n{}\ndave:\n{}",
            carl.log(),
            dave.log()
        )
    };
    assert_eq!(code, 0, "{}", logs());
    let incoming = events(&lines, "incoming");
    assert_eq!(incoming.len(), 2, "{}", logs());
    assert_eq!(incoming[1]["waiting"], true);
    assert_eq!(incoming[1]["caller_number"], DAVE.name);
    let (carls_call, daves_call) = (first["call_id"].clone(), incoming[1]["call_id"].clone());
    // In order: Carl held, Dave answered; the swap holds Dave and resumes Carl; when Carl's
    // call ends Dave is resumed.
    let steps: Vec<(String, Value)> = lines
        .iter()
        .filter(|l| ["held", "resumed", "answered", "ended"].contains(&l["event"].as_str().unwrap()))
        .map(|l| (l["event"].as_str().unwrap().to_owned(), l["call_id"].clone()))
        .collect();
    let expected = vec![
        ("answered".to_owned(), carls_call.clone()),
        ("held".to_owned(), carls_call.clone()),
        ("answered".to_owned(), daves_call.clone()),
        ("held".to_owned(), daves_call.clone()),
        ("resumed".to_owned(), carls_call.clone()),
        ("ended".to_owned(), carls_call.clone()),
        ("resumed".to_owned(), daves_call.clone()),
        ("ended".to_owned(), daves_call.clone()),
    ];
    assert_eq!(steps, expected, "{}", logs());
    for ended in events(&lines, "ended") {
        assert_eq!(ended["reason"]["reason"], "local_hangup", "{ended}");
    }
    // Each caller was heard on their own line.
    let report = tone_in(&heard, 440.0);
    assert!(report.tone_blocks >= 10, "Carl on the first line: {report:?}");
    let report = tone_in(&dir.path().join("heard-2.wav"), 660.0);
    assert!(report.tone_blocks >= 10, "Dave on the second line: {report:?}");
}

#[test]
fn a_phone_waiting_for_calls_stays_reachable_past_the_idle_timeout() {
    if pbx::rerun_isolated("a_phone_waiting_for_calls_stays_reachable_past_the_idle_timeout") {
        return;
    }
    let kamailio = Kamailio::start(&[ANA, CARL], 60);
    let dir = tempfile::tempdir().unwrap();
    let (ours, carls, _) = tones(dir.path());
    let carl = Baresip::start(CARL, 5070, &carls, "PCMU", false);
    let heard = dir.path().join("heard.wav");
    let args = args(
        &kamailio,
        &["answer", "--duration", "1", "--keepalive", "1"],
        &ours,
        &heard,
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut answering = pbx::Leadline::start(dir.path(), &args, &format!("{}\n", ANA.password));
    answering.expect_event("registered", Duration::from_secs(10));
    // Twice as long as a silent connection may live (2.5 s with a ping a second): only the
    // answered keepalives keep it open.
    std::thread::sleep(Duration::from_secs(5));
    carl.command("dial", &format!("sip:{}@{}", ANA.name, pbx::DOMAIN));
    answering.expect_event("answered", Duration::from_secs(10));
    let (code, lines, stderr) = answering.finish();
    assert_eq!(code, 0, "{lines:#?}\n{stderr}");
    assert!(
        events(&lines, "registration_failed").is_empty() && events(&lines, "registered").len() == 1,
        "the connection was never closed: {lines:#?}"
    );
}

/// Kamailio, baresip as Carl (answering by itself when `carl_answers`) and `leadline COMMAND`
/// as Ana, playing a tone and recording what it hears.
struct WithCarl {
    kamailio: Kamailio,
    carl: Baresip,
    heard: std::path::PathBuf,
    leadline: pbx::Leadline,
    _dir: tempfile::TempDir,
}

/// Starts Kamailio, Carl and `leadline COMMAND`.
fn with_carl(command: &[&str], carl_answers: bool) -> WithCarl {
    let kamailio = Kamailio::start(&[ANA, CARL], 60);
    let dir = tempfile::tempdir().unwrap();
    let (ours, carls, _) = tones(dir.path());
    let carl = Baresip::start(CARL, 5070, &carls, "PCMU", carl_answers);
    let heard = dir.path().join("heard.wav");
    let args = args(&kamailio, command, &ours, &heard);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let leadline = pbx::Leadline::start(dir.path(), &args, &format!("{}\n", ANA.password));
    WithCarl {
        kamailio,
        carl,
        heard,
        leadline,
        _dir: dir,
    }
}

/// Calls Carl for `seconds` and returns once the call has been up a second.
fn talking_to_carl(seconds: u32) -> WithCarl {
    let duration = seconds.to_string();
    let mut talk = with_carl(&["call", CARL.name, "--duration", &duration], true);
    talk.leadline.expect_event("answered", Duration::from_secs(10));
    std::thread::sleep(Duration::from_secs(1));
    talk
}

#[test]
fn a_call_goes_on_when_the_pbx_restarts_and_moves_to_the_new_connection() {
    if pbx::rerun_isolated("a_call_goes_on_when_the_pbx_restarts_and_moves_to_the_new_connection") {
        return;
    }
    let mut talk = talking_to_carl(25);
    // Kamailio crashes and comes back (rtpengine keeps relaying the audio meanwhile).
    talk.kamailio.restart();
    let restarted = std::time::Instant::now();
    talk.leadline.expect_event("reconnected", Duration::from_secs(15));
    let moved_after = restarted.elapsed();
    std::thread::sleep(Duration::from_secs(2));
    // baresip's BYE reaches us over the new connection, at the address we gave it.
    talk.carl.command("hangup", "");
    let ended = talk.leadline.expect_event("ended", Duration::from_secs(10));
    assert_eq!(ended["reason"]["reason"], "remote_hangup", "{ended}");
    let (code, lines, stderr) = talk.leadline.finish();
    assert_eq!(code, 0, "{lines:#?}\n{stderr}\n{}", talk.carl.log());
    let registrations = events(&lines, "registered");
    assert!(registrations.len() >= 2, "registered again: {lines:#?}");
    // The audio went on through the reconnect: 50 packets a second for the whole call.
    let talked = ended["duration_ms"].as_f64().unwrap() / 1000.0;
    let media = events(&lines, "media").last().copied().unwrap();
    assert!(
        received(media) as f64 > 50.0 * (talked - 1.5),
        "{media} in {talked} s"
    );
    assert!(tone_in(&talk.heard, 440.0).tone_blocks >= 3, "the tone was heard");
    eprintln!("moved {moved_after:?} after the restart; {media}");
}

#[test]
fn a_call_finds_the_pbx_soon_after_a_long_outage() {
    if pbx::rerun_isolated("a_call_finds_the_pbx_soon_after_a_long_outage") {
        return;
    }
    let mut talk = talking_to_carl(40);
    // Down long enough for the idle backoff to wait 4-8 s between tries; a call up keeps the
    // tries within 3 s (the cadence itself is tested on explicit time in leadline-sip).
    talk.kamailio.kill();
    std::thread::sleep(Duration::from_secs(10));
    talk.kamailio.restart();
    let restarted = std::time::Instant::now();
    talk.leadline.expect_event("reconnected", Duration::from_secs(12));
    let found_after = restarted.elapsed();
    assert!(
        found_after < Duration::from_secs(5),
        "moved {found_after:?} after the restart"
    );
    talk.carl.command("hangup", "");
    let ended = talk.leadline.expect_event("ended", Duration::from_secs(10));
    assert_eq!(ended["reason"]["reason"], "remote_hangup", "{ended}");
}

#[test]
fn an_answered_call_goes_on_when_the_pbx_restarts() {
    if pbx::rerun_isolated("an_answered_call_goes_on_when_the_pbx_restarts") {
        return;
    }
    let mut talk = with_carl(&["answer"], false);
    talk.leadline.expect_event("registered", Duration::from_secs(10));
    talk.carl
        .command("dial", &format!("sip:{}@{}", ANA.name, pbx::DOMAIN));
    talk.leadline.expect_event("answered", Duration::from_secs(10));
    std::thread::sleep(Duration::from_secs(1));
    talk.kamailio.restart();
    talk.leadline.expect_event("reconnected", Duration::from_secs(15));
    std::thread::sleep(Duration::from_secs(1));
    talk.carl.command("hangup", "");
    let ended = talk.leadline.expect_event("ended", Duration::from_secs(10));
    assert_eq!(ended["reason"]["reason"], "remote_hangup", "{ended}");
    let (code, lines, stderr) = talk.leadline.finish();
    assert_eq!(code, 0, "{lines:#?}\n{stderr}\n{}", talk.carl.log());
    assert!(tone_in(&talk.heard, 440.0).tone_blocks >= 3, "the tone was heard");
}

#[test]
fn a_call_whose_pbx_stays_down_ends_cleanly_as_connection_lost() {
    if pbx::rerun_isolated("a_call_whose_pbx_stays_down_ends_cleanly_as_connection_lost") {
        return;
    }
    let mut talk = with_carl(
        &["call", CARL.name, "--duration", "30", "--reconnect-within", "4"],
        true,
    );
    talk.leadline.expect_event("answered", Duration::from_secs(10));
    // Two seconds of talk before the PBX dies, so the recording has something to complete.
    std::thread::sleep(Duration::from_secs(2));
    let killed = std::time::Instant::now();
    talk.kamailio.kill();
    let ended = talk.leadline.expect_event("ended", Duration::from_secs(15));
    let waited = killed.elapsed();
    assert_eq!(ended["reason"]["reason"], "connection_lost", "{ended}");
    // It waited for a new connection as long as promised, and no longer.
    let promised = Duration::from_secs(4);
    assert!(
        waited >= promised && waited < promised + Duration::from_secs(5),
        "ended after {waited:?}"
    );
    let (code, lines, stderr) = talk.leadline.finish();
    assert_eq!(code, 0, "{lines:#?}\n{stderr}\n{}", talk.carl.log());
    assert!(
        tone_in(&talk.heard, 440.0).tone_blocks >= 3,
        "the recording was completed"
    );
}

#[test]
fn a_call_ringing_when_the_pbx_dies_ends_at_once_as_connection_lost() {
    if pbx::rerun_isolated("a_call_ringing_when_the_pbx_dies_ends_at_once_as_connection_lost") {
        return;
    }
    let mut talk = with_carl(&["call", CARL.name, "--ring-timeout", "60"], false);
    talk.leadline.expect_event("ringing", Duration::from_secs(10));
    let killed = std::time::Instant::now();
    talk.kamailio.kill();
    let ended = talk.leadline.expect_event("ended", Duration::from_secs(10));
    let noticed = killed.elapsed();
    assert_eq!(ended["reason"]["reason"], "connection_lost", "{ended}");
    assert!(noticed < Duration::from_secs(3), "ended after {noticed:?}");
    let (code, lines, stderr) = talk.leadline.finish();
    assert_eq!(code, 6, "a network failure: {lines:#?}\n{stderr}");
}

#[test]
fn a_call_the_other_side_ended_while_the_pbx_was_down_ends_cleanly_as_connection_lost() {
    if pbx::rerun_isolated(
        "a_call_the_other_side_ended_while_the_pbx_was_down_ends_cleanly_as_connection_lost",
    ) {
        return;
    }
    let mut talk = talking_to_carl(25);
    talk.kamailio.kill();
    // baresip hangs up while its BYE cannot reach us; the call is over on its side.
    talk.carl.command("hangup", "");
    std::thread::sleep(Duration::from_secs(1));
    talk.kamailio.restart();
    // Our re-INVITE over the new connection finds no call (481): ended, cleanly.
    let ended = talk.leadline.expect_event("ended", Duration::from_secs(20));
    assert_eq!(ended["reason"]["reason"], "connection_lost", "{ended}");
    let (code, lines, stderr) = talk.leadline.finish();
    assert_eq!(code, 0, "{lines:#?}\n{stderr}\n{}", talk.carl.log());
    assert!(events(&lines, "reconnected").is_empty(), "{lines:#?}");
    // It ended after asking over the new connection, not when the old one dropped.
    let position = |event: &str, nth: usize| {
        lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l["event"] == event)
            .nth(nth)
            .map(|(i, _)| i)
    };
    let registered_again = position("registered", 1).expect("registered again");
    assert!(registered_again < position("ended", 0).unwrap(), "{lines:#?}");
    // What was heard before the drop is kept.
    assert!(
        tone_in(&talk.heard, 440.0).tone_blocks >= 3,
        "the recording was completed"
    );
}

#[test]
fn linphone_holds_and_resumes_leadline_and_its_audio_comes_back() {
    if pbx::rerun_isolated("linphone_holds_and_resumes_leadline_and_its_audio_comes_back") {
        return;
    }
    let kamailio = Kamailio::start(&[ANA, CARL], 60);
    let dir = tempfile::tempdir().unwrap();
    let (ours, _, _) = tones(dir.path());
    let carls = dir.path().join("carl48k.wav");
    tone_file(&carls, 440.0, 48_000, 1, 30.0);
    let mut carl = Linphone::start(CARL, 5070, &carls, true);
    let heard = dir.path().join("heard.wav");
    let args = args(&kamailio, &["call", CARL.name, "--duration", "7"], &ours, &heard);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut calling = pbx::Leadline::start(dir.path(), &args, &format!("{}\n", ANA.password));
    calling.expect_event("answered", Duration::from_secs(10));
    std::thread::sleep(Duration::from_secs(1));
    carl.command("pause");
    let held = calling.expect_event("held", Duration::from_secs(5));
    std::thread::sleep(Duration::from_secs(2));
    carl.command("resume");
    let resumed = calling.expect_event("resumed", Duration::from_secs(5));
    let (code, lines, stderr) = calling.finish();
    assert_eq!(code, 0, "{lines:#?}\n{stderr}");
    assert_eq!(
        (held["by"].as_str(), resumed["by"].as_str()),
        (Some("remote"), Some("remote"))
    );
    let last = received(events(&lines, "media").last().unwrap());
    eprintln!(
        "held at {}, resumed at {}, last {last}",
        received(&held),
        received(&resumed)
    );
    assert!(
        last - received(&resumed) > 50,
        "linphone's audio came back after it resumed: {resumed} then {last}\n{stderr}"
    );
}
