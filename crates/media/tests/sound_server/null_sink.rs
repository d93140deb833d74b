//! Null sinks of a test's own on the test's PulseAudio server (`scripts/with-audio.sh`), and
//! the server's command-line tools: `pactl`, and `pacmd` where `pactl` cannot (killing a
//! stream).

#![allow(dead_code)] // each test file uses its share

/// A null sink of the test's own on the test server, unloaded when dropped.
pub struct NullSink {
    module: String,
}

impl NullSink {
    pub fn load(name: &str, properties: &str) -> NullSink {
        let module = pactl(&[
            "load-module",
            "module-null-sink",
            &format!("sink_name={name}"),
            &format!("sink_properties={properties}"),
        ]);
        NullSink { module }
    }
}

impl Drop for NullSink {
    fn drop(&mut self) {
        pactl(&["unload-module", &self.module]);
    }
}

pub fn pactl(args: &[&str]) -> String {
    run("pactl", args)
}

pub fn run(program: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(program).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// The index of the stream on device `name`: a sink's playing stream (`streams`
/// `sink-inputs`, `devices` `sinks`) or a source's recording one (`source-outputs`,
/// `sources`). `pactl list short` gives the index first, the device's index second.
pub fn stream_on(devices: &str, streams: &str, name: &str) -> String {
    let second_is = |listing: String, wanted: &str| {
        listing
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(wanted))
            .and_then(|l| l.split_whitespace().next())
            .unwrap()
            .to_owned()
    };
    let device = second_is(pactl(&["list", "short", devices]), name);
    second_is(pactl(&["list", "short", streams]), &device)
}
