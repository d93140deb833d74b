//! This device's STUN/TURN servers (`leadline calling add-ice`), on loopback in a private
//! network namespace: a TURN server set with its user (its password to the keychain) is asked
//! for a relay with that user and password when a call is placed, and the call goes on; the
//! password shows nowhere but the keychain. Needs the Secret Service (scripts/with-keyring.sh).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod pbx;

use pbx::{Baresip, Kamailio, TURN_REALM, Turn, User, leadline, tone_file};

const ANA: User = User::plain("1001", "ana-sip-secret");
const CARL: User = User::plain("3003", "carl-sip-secret");
const TURN_USER: &str = "ana-relay";
const TURN_PASSWORD: &str = "turn-secret-9";

#[test]
fn a_turn_server_set_on_this_device_relays_for_our_calls_with_its_login() {
    if pbx::rerun_isolated("a_turn_server_set_on_this_device_relays_for_our_calls_with_its_login") {
        return;
    }
    let kamailio = Kamailio::start(&[ANA, CARL], 60);
    let turn = Turn::start(3479, TURN_USER, TURN_PASSWORD);
    let dir = tempfile::tempdir().unwrap();
    let tone = dir.path().join("tone440.wav");
    tone_file(&tone, 440.0, 8000, 1, 30.0);
    let carl = Baresip::start(CARL, 5070, &tone, "PCMU", true);

    let url = format!("turn:127.0.0.1:{}", turn.port);
    let (code, lines, stderr) = leadline(
        dir.path(),
        &[
            "calling",
            "add-ice",
            &url,
            "--username",
            TURN_USER,
            "--password-stdin",
        ],
        &format!("{TURN_PASSWORD}\n"),
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(lines[0]["ice_servers"][0]["url"], url.as_str(), "{lines:?}");
    assert_eq!(lines[0]["ice_servers"][0]["username"], TURN_USER);
    let (code, shown, _) = leadline(dir.path(), &["calling"], "");
    assert_eq!(code, 0);
    assert_eq!(shown, lines);

    let (code, lines, stderr) = pbx::leadline_as(
        dir.path(),
        &ANA,
        &kamailio.ws_url(),
        &["call", CARL.name, "--duration", "2"],
    );
    assert_eq!(code, 0, "{lines:#?}\n{stderr}\n{}", carl.log());
    assert!(lines.iter().any(|l| l["event"] == "answered"), "{lines:#?}");
    // coturn took our ALLOCATE with the long-term credential of that user.
    let log = turn.log();
    let allocated = log.lines().find(|l| {
        l.contains(&format!("realm <{TURN_REALM}>"))
            && l.contains(&format!("user <{TURN_USER}>"))
            && l.contains("ALLOCATE processed, success")
    });
    assert!(allocated.is_some(), "no allocation for {TURN_USER}:\n{log}");
    eprintln!("coturn: {}", allocated.unwrap_or_default());
    // The password went from the keychain to the TURN server and nowhere else here.
    let mut profile = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            profile.extend(std::fs::read(path).unwrap());
        }
    }
    let everywhere = [stderr.as_bytes(), &profile, format!("{lines:?}").as_bytes()].concat();
    assert!(
        !everywhere
            .windows(TURN_PASSWORD.len())
            .any(|w| w == TURN_PASSWORD.as_bytes()),
        "the TURN password leaked into the output, the logs or the profile"
    );

    // Removed: the next call asks no TURN server.
    let (code, lines, _) = leadline(dir.path(), &["calling", "remove-ice", &url], "");
    assert_eq!(code, 0);
    assert_eq!(lines[0]["ice_servers"], serde_json::json!([]));
    let (code, _, _) = leadline(dir.path(), &["calling", "remove-ice", &url], "");
    assert_eq!(code, 3, "removing what is not there is refused");
}
