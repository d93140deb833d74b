//! `leadline audio` on real devices: PulseAudio's null sink and 440 Hz sine source, which
//! `scripts/with-audio.sh` runs as the defaults. The device list with the choice in use, a
//! refused choice of a device that is not there, a remembered choice, and the audio check
//! (test sounds played by the devices, about ten microphone levels a second, the recording
//! played back). Without that server (a plain `cargo test`) it says so and checks nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

mod pbx;

use serde_json::Value;

fn audio_server() -> bool {
    let running = std::env::var("LEADLINE_TEST_AUDIO").is_ok_and(|a| a == "pulse");
    if !running {
        eprintln!("no test audio server (run under scripts/with-audio.sh): skipped");
    }
    running
}

fn of<'a>(lines: &'a [Value], event: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["event"] == event).collect()
}

#[test]
fn the_devices_are_listed_chosen_and_checked() {
    if !audio_server() {
        return;
    }
    let profile = tempfile::tempdir().unwrap();
    let dir = profile.path();
    let (code, lines, stderr) = pbx::leadline(dir, &["audio"], "");
    assert_eq!(code, 0, "{stderr}");
    let devices = of(&lines, "device");
    assert!(devices.iter().any(|d| d["default_output"] == true), "{lines:#?}");
    let in_use = of(&lines, "in_use");
    assert_eq!(in_use.len(), 3, "microphone, speaker, ringer: {lines:#?}");
    assert!(
        in_use
            .iter()
            .all(|r| r["fell_back"] == false && r["device"].is_string())
    );

    let processing = of(&lines, "processing");
    assert_eq!(
        processing[0]["noise_suppression"], true,
        "on by default: {lines:#?}"
    );
    assert_eq!(processing[0]["echo_cancellation"], "auto");
    let change = [
        "audio",
        "processing",
        "--noise-suppression",
        "off",
        "--echo-cancellation",
        "on",
    ];
    let (code, lines, stderr) = pbx::leadline(dir, &change, "");
    assert_eq!(code, 0, "{stderr}");
    let processing = of(&lines, "processing");
    assert_eq!(processing[0]["noise_suppression"], false, "{lines:#?}");
    assert_eq!(processing[0]["echo_cancellation"], "on");
    let (_, lines, _) = pbx::leadline(dir, &["audio"], "");
    assert_eq!(
        of(&lines, "processing")[0]["echo_cancellation"],
        "on",
        "remembered"
    );

    let (code, _, stderr) = pbx::leadline(dir, &["audio", "use", "speaker", "alsa:no-such-headset"], "");
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("no speaker \"alsa:no-such-headset\""), "{stderr}");

    let other = devices
        .iter()
        .find(|d| d["output"] == true && d["default_output"] == false)
        .map(|d| d["id"].as_str().unwrap().to_owned());
    if let Some(other) = other {
        let (code, lines, stderr) = pbx::leadline(dir, &["audio", "use", "ringer", &other], "");
        assert_eq!(code, 0, "{stderr}");
        let ringer = of(&lines, "in_use")
            .into_iter()
            .find(|r| r["role"] == "ringer")
            .unwrap();
        assert_eq!(ringer["device"], other.as_str(), "remembered: {ringer}");
        assert_eq!(ringer["remembered"], other.as_str());
    }

    let (code, lines, stderr) = pbx::leadline(dir, &["audio", "check", "--seconds", "1"], "");
    assert_eq!(code, 0, "{stderr}\n{lines:#?}");
    let sounds = of(&lines, "test_sound");
    assert_eq!(sounds.len(), 2, "speaker and ringer: {lines:#?}");
    assert!(sounds.iter().all(|s| s["samples"].as_u64().unwrap() > 0));
    let levels = of(&lines, "mic_level");
    assert!(
        (8..=12).contains(&levels.len()),
        "about ten a second: {}",
        levels.len()
    );
    // The sine source is loud: far above silence.
    assert!(
        levels.iter().all(|l| l["rms_dbfs"].as_f64().unwrap() > -30.0),
        "{levels:#?}"
    );
    let back = of(&lines, "played_back")[0];
    assert!(
        back["played"].as_u64().unwrap() >= back["recorded"].as_u64().unwrap() * 9 / 10,
        "{back}"
    );
}
