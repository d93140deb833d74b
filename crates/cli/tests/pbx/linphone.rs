//! linphonec (liblinphone 5), a plain-RTP softphone registered over UDP, driven through its
//! command line on stdin. In file mode it plays a WAV file into its calls and records what it
//! hears to another. Unlike baresip 1.0 it follows a REFER with `Replaces` and takes an INVITE
//! with `Replaces` in place of the call it names: the peers of an attended transfer.

use super::{DOMAIN, UDP_PORT, User, peer};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Stdio};
use std::time::{Duration, Instant};

/// A running linphonec.
pub struct Linphone {
    dir: tempfile::TempDir,
    child: Child,
    input: Option<ChildStdin>,
    /// Its user.
    pub user: User,
}

impl Linphone {
    /// Starts linphonec as `user` on SIP port `sip_port` (RTP from `sip_port + 10`), playing
    /// `tone` (a 16-bit WAV) into its calls and recording them; answers by itself when
    /// `auto_answer`. Returns once it is registered.
    pub fn start(user: User, sip_port: u16, tone: &Path, auto_answer: bool) -> Linphone {
        let dir = tempfile::tempdir().expect("a temporary directory");
        // liblinphone hangs before registering without a writable data directory.
        std::fs::create_dir_all(dir.path().join(".local/share/linphone")).expect("its data directory");
        let config = format!(
            "[sip]\nsip_port={sip_port}\nsip_tcp_port=-1\nsip_tls_port=-1\ndefault_proxy=0\n\
             register_only_when_network_is_up=0\nauto_net_state_mon=0\n\
             [rtp]\naudio_rtp_port={rtp}\n\
             [net]\nipv6=0\n\
             [proxy_0]\nreg_proxy=<sip:127.0.0.1:{UDP_PORT};transport=udp>\n\
             reg_route=<sip:127.0.0.1:{UDP_PORT};transport=udp;lr>\n\
             reg_identity=sip:{name}@{DOMAIN}\nreg_expires=600\nreg_sendregister=1\npublish=0\n\
             [auth_info_0]\nusername={name}\nuserid={auth}\npasswd={password}\nrealm={DOMAIN}\ndomain={DOMAIN}\n",
            rtp = sip_port + 10,
            name = user.name,
            auth = user.auth_name,
            password = user.password,
        );
        let rc = dir.path().join("linphonerc");
        std::fs::write(&rc, config).expect("write linphonerc");
        let log = std::fs::File::create(dir.path().join("linphone.log")).expect("create the log");
        let err = log.try_clone().expect("clone the log");
        let mut child = peer("linphonec")
            .arg("-c")
            .arg(&rc)
            .args(["-d", "4", "-S"])
            .env("HOME", dir.path())
            .stdin(Stdio::piped())
            .stdout(log)
            .stderr(err)
            .spawn()
            .expect("linphonec is installed (scripts/setup.sh installs linphone-cli)");
        let input = child.stdin.take();
        let mut linphone = Linphone {
            dir,
            child,
            input,
            user,
        };
        linphone.command("soundcard use files");
        linphone.command(&format!("play {}", tone.display()));
        linphone.command(&format!("record {}", linphone.recording().display()));
        if auto_answer {
            linphone.command("autoanswer enable");
        }
        linphone.wait_for(
            "moving from state",
            "to [LinphoneRegistrationOk]",
            Duration::from_secs(15),
        );
        linphone
    }

    /// Where it records its calls.
    pub fn recording(&self) -> PathBuf {
        self.dir.path().join("heard.wav")
    }

    /// Hangs up every call and says how much of what it recorded was `frequency`.
    pub fn hang_up_and_hear(&mut self, frequency: f64) -> leadline_core::media::tone::ToneReport {
        self.command("terminate all");
        self.wait_for(
            "moving from state",
            "to LinphoneCallReleased",
            Duration::from_secs(5),
        );
        let bytes = std::fs::read(self.recording()).unwrap_or_default();
        let (samples, rate) = wav_samples(&bytes).unwrap_or_else(|| {
            panic!(
                "linphonec recorded no WAV ({} bytes):\n{}",
                bytes.len(),
                self.log()
            )
        });
        leadline_core::media::tone::detect(&samples, rate, frequency)
    }

    /// Sends a command line (`call sip:…`, `terminate`, `transfer …`).
    pub fn command(&mut self, line: &str) {
        let input = self.input.as_mut().expect("linphonec is running");
        writeln!(input, "{line}").expect("send a command to linphonec");
        let _ = input.flush();
    }

    /// Its output so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("linphone.log")).unwrap_or_default()
    }

    /// Waits until a line of its output holds both `a` and `b`.
    pub fn wait_for(&self, a: &str, b: &str, within: Duration) {
        let deadline = Instant::now() + within;
        while !self.log().lines().any(|l| l.contains(a) && l.contains(b)) {
            assert!(
                Instant::now() < deadline,
                "linphonec never said {a:?} … {b:?}:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Linphone {
    fn drop(&mut self) {
        if let Some(mut input) = self.input.take() {
            let _ = writeln!(input, "quit");
        }
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The samples (first channel) and rate of a 16-bit PCM WAV, read to the end of the file
/// whatever its sizes say: liblinphone records every call into the same file, and the sizes
/// it writes are those of the first call only.
fn wav_samples(bytes: &[u8]) -> Option<(Vec<i16>, u32)> {
    let u16_at = |i: usize| Some(u16::from_le_bytes(bytes.get(i..i + 2)?.try_into().ok()?));
    let u32_at = |i: usize| Some(u32::from_le_bytes(bytes.get(i..i + 4)?.try_into().ok()?));
    if bytes.get(0..4)? != b"RIFF" || bytes.get(8..12)? != b"WAVE" {
        return None;
    }
    let (mut at, mut format) = (12, None);
    while at + 8 <= bytes.len() {
        let (id, size) = (bytes.get(at..at + 4)?, u32_at(at + 4)? as usize);
        if id == b"fmt " {
            format = Some((u16_at(at + 10)?, u32_at(at + 12)?, u16_at(at + 22)?));
        } else if id == b"data" {
            let (channels, rate, bits) = format?;
            if bits != 16 || channels == 0 {
                return None;
            }
            let data = &bytes[at + 8..];
            let samples = data
                .chunks_exact(2 * usize::from(channels))
                .map(|frame| i16::from_le_bytes([frame[0], frame[1]]))
                .collect();
            return Some((samples, rate));
        }
        at += 8 + size + size % 2;
    }
    None
}
