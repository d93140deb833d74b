//! JsSIP in headless Chromium: a browser softphone (WebRTC, registered over WebSocket) driven
//! by `tests/peers/jssip/driver.mjs` through JSON lines. It sends a sine tone from WebAudio and
//! says on request how much of what it heard was a given frequency.

use super::{DOMAIN, User, peer, read_lines};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A running browser phone.
pub struct Browser {
    child: Child,
    input: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    /// Every event seen so far.
    pub seen: Vec<serde_json::Value>,
}

fn driver() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/peers/jssip/driver.mjs")
}

impl Browser {
    /// Starts the phone as `user` on the PBX at `ws_url`, sending a `tone` Hz sine, answering
    /// by itself when `auto_answer`; returns once it is registered.
    pub fn start(user: User, ws_url: &str, tone: u32, auto_answer: bool) -> Browser {
        Browser::start_with(user, ws_url, tone, auto_answer, false)
    }

    /// [`Browser::start`] on the system's microphone and speaker (PulseAudio's defaults).
    pub fn start_on_devices(user: User, ws_url: &str, auto_answer: bool) -> Browser {
        Browser::start_with(user, ws_url, 0, auto_answer, true)
    }

    fn start_with(user: User, ws_url: &str, tone: u32, auto_answer: bool, devices: bool) -> Browser {
        let mut command = peer("node");
        command
            .arg(driver())
            .args([
                "--ws-url",
                ws_url,
                "--user",
                user.name,
                "--password",
                user.password,
            ])
            .args(["--domain", DOMAIN, "--tone", &tone.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if auto_answer {
            command.arg("--auto-answer");
        }
        if devices {
            // Chromium lists no monitor sources: the same microphone, remapped
            // (scripts/with-audio.sh).
            command.arg("--devices").env("PULSE_SOURCE", "micin");
        }
        let mut child = command
            .spawn()
            .expect("node runs the JsSIP driver (scripts/setup.sh test installs its packages)");
        let input = child.stdin.take();
        let lines = read_lines(child.stdout.take().expect("stdout"));
        let mut browser = Browser {
            child,
            input,
            lines,
            seen: Vec::new(),
        };
        browser.expect("registered", Duration::from_secs(20));
        browser
    }

    /// The process id of its driver (Chromium's processes are its descendants).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends a command (`{"cmd": "dial", "target": …}`, `answer`, `hangup`, `hold`, …).
    pub fn command(&mut self, command: serde_json::Value) {
        let input = self.input.as_mut().expect("the browser phone is running");
        writeln!(input, "{command}").expect("send a command to the browser phone");
    }

    /// Waits up to `within` for the event `event`; returns it.
    pub fn expect(&mut self, event: &str, within: Duration) -> serde_json::Value {
        super::wait_for_json(&self.lines, &mut self.seen, ("event", event), within)
    }

    /// How much of what it heard was `frequency`: `{blocks, loud_blocks, tone_blocks,
    /// packets_received}`.
    pub fn heard(&mut self, frequency: f64) -> serde_json::Value {
        self.command(serde_json::json!({"cmd": "heard", "frequency": frequency}));
        self.expect("heard", Duration::from_secs(5))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Closing stdin closes the browser. A driver that hangs gets SIGTERM (its exit handler
        // closes the browser it launched), then SIGKILL.
        drop(self.input.take());
        for signal in ["-TERM", "-KILL"] {
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline {
                if matches!(self.child.try_wait(), Ok(Some(_))) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = std::process::Command::new("kill")
                .args([signal, &self.child.id().to_string()])
                .status();
        }
        let _ = self.child.wait();
    }
}
