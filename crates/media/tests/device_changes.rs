//! The sound server's device changes as they happen (`scripts/with-audio.sh`): the device
//! list is asked for again only after the server reports a change. In a file of its own: no
//! other test changes the server's devices while it runs (test binaries run one at a time).
//! Without that server (a plain `cargo test`), it says so and checks nothing.

#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

#[path = "sound_server/null_sink.rs"]
mod null_sink;

use leadline_media::devices::DeviceChanges;
use null_sink::NullSink;
use std::time::{Duration, Instant};

fn with_audio_server() -> bool {
    let running = std::env::var("LEADLINE_TEST_AUDIO").is_ok_and(|a| a == "pulse");
    if !running {
        eprintln!("no test audio server (run under scripts/with-audio.sh): skipped");
    }
    running
}

/// Looks for up to three seconds; whether a change was seen.
fn change_seen(changes: &mut DeviceChanges) -> bool {
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        if changes.list_again() {
            return true;
        }
    }
    false
}

#[test]
fn the_device_list_is_asked_for_again_only_when_the_sound_server_reports_a_change() {
    if !with_audio_server() {
        return;
    }
    let mut changes = DeviceChanges::default();
    assert!(changes.list_again(), "the first look lists");
    std::thread::sleep(Duration::from_millis(300));
    assert!(!changes.list_again(), "nothing changed since");
    let plugged = NullSink::load("leadline_plugged", "device.description=Plugged");
    assert!(change_seen(&mut changes), "a sink plugged in is a change");
    assert!(!changes.list_again(), "seen once");
    drop(plugged);
    assert!(change_seen(&mut changes), "and one unplugged too");
}
