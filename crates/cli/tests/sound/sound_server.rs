//! A PulseAudio server of a test's own, in a runtime directory of its own, as
//! `scripts/with-audio.sh` starts one: its microphone a 440 Hz sine (`mic.monitor`), its
//! speaker a null sink (`spk`) recorded from its monitor. A client reaches it through
//! `PULSE_SERVER` ([`SoundServer::address`]). Ended by its PID, as a crash of the sound
//! server would end it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SoundServer {
    server: Child,
    recorder: Option<Child>,
    runtime: PathBuf,
    recording: PathBuf,
}

impl SoundServer {
    /// Starts a server in `runtime` and records its speaker into `recording` (raw 48 kHz mono).
    pub fn start(runtime: &Path, recording: &Path) -> SoundServer {
        std::fs::create_dir_all(runtime).expect("a runtime directory");
        let server = Command::new("pulseaudio")
            .args(["--daemonize=no", "--exit-idle-time=-1", "--system=false", "-n"])
            .args([
                "--load=module-native-protocol-unix",
                "--load=module-null-sink sink_name=spk rate=48000 channels=2",
                "--load=module-null-sink sink_name=mic rate=48000 channels=1",
                "--load=module-sine sink=mic frequency=440",
                "--load=module-always-sink",
            ])
            .env("XDG_RUNTIME_DIR", runtime)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pulseaudio runs");
        let mut started = SoundServer {
            server,
            recorder: None,
            runtime: runtime.to_owned(),
            recording: recording.to_owned(),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !started.pactl(&["info"]) {
            assert!(Instant::now() < deadline, "the test's sound server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(started.pactl(&["set-default-sink", "spk"]));
        assert!(started.pactl(&["set-default-source", "mic.monitor"]));
        let recorder = Command::new("parecord")
            .args([
                "--raw",
                "--rate=48000",
                "--channels=1",
                "--format=s16le",
                "--device=spk.monitor",
            ])
            .arg(recording)
            .env("PULSE_SERVER", started.address())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("parecord runs");
        started.recorder = Some(recorder);
        started
    }

    /// What a client sets `PULSE_SERVER` to.
    pub fn address(&self) -> String {
        format!("unix:{}", self.runtime.join("pulse/native").display())
    }

    fn pactl(&self, args: &[&str]) -> bool {
        Command::new("pactl")
            .args(args)
            .env("PULSE_SERVER", self.address())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Kills the server (and the recorder) by PID; returns what its speaker played.
    pub fn kill(&mut self) -> Vec<i16> {
        if let Some(mut recorder) = self.recorder.take() {
            let _ = recorder.kill();
            let _ = recorder.wait();
        }
        let _ = self.server.kill();
        let _ = self.server.wait();
        raw_samples(&self.recording)
    }
}

/// The samples of a raw 16-bit little-endian recording (none when there is no file).
pub fn raw_samples(file: &Path) -> Vec<i16> {
    std::fs::read(file)
        .unwrap_or_default()
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

impl Drop for SoundServer {
    fn drop(&mut self) {
        self.kill();
    }
}
