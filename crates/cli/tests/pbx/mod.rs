//! Real SIP peers for the calling tests, on loopback inside a private network namespace.
//!
//! Each test re-runs itself under `unshare --net` (with `--map-root-user` when not root, where user
//! namespaces are allowed) (see [`rerun_isolated`]) so that only `lo`
//! exists: every packet stays on loopback, fixed ports never clash with anything, and nothing
//! reaches another machine. Kamailio is started by the test from `kamailio.cfg` (WS and WSS,
//! digest authentication against an htable of users) with a private CA and a CA:FALSE leaf
//! certificate for 127.0.0.1, and is ended by its process group when the test is done.

#![allow(dead_code)] // each test file uses part of the harness

mod browser;
mod linphone;
mod turn;
#[allow(unused_imports)] // each test file uses part of the harness
pub use browser::Browser;
#[allow(unused_imports)]
pub use linphone::Linphone;
#[allow(unused_imports)]
pub use turn::{TURN_REALM, Turn};

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The PBX's SIP domain (and digest realm).
pub const DOMAIN: &str = "pbx.leadline.test";
/// Ports inside the private namespace.
pub const WS_PORT: u16 = 8080;
/// WSS port.
pub const WSS_PORT: u16 = 8443;
/// Kamailio's UDP port (plain SIP peers such as baresip).
pub const UDP_PORT: u16 = 5060;
/// rtpengine's control port.
const NG_PORT: u16 = 2223;
/// A SIP domain whose registrations Kamailio forwards to SIPp (a SHA-256 registrar).
pub const SHA_DOMAIN: &str = "sha256.leadline.test";
/// SIPp's UDP port.
pub const SIPP_PORT: u16 = 5099;

/// Whether this process runs in a network namespace whose only interface is `lo`.
pub fn isolated() -> bool {
    // /proc/self/net is this process's namespace (/sys/class/net is the mount's).
    let Ok(devices) = std::fs::read_to_string("/proc/self/net/dev") else {
        return false;
    };
    let names: Vec<&str> = devices
        .lines()
        .skip(2)
        .filter_map(|line| line.split(':').next().map(str::trim))
        .collect();
    names == ["lo"]
}

/// `unshare` flags: a network namespace, plus a user namespace mapping us to root when we are
/// not root already (tools that drop privileges, like tcpdump, need a real root).
fn namespace_flags() -> Vec<&'static str> {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let root = status
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .is_some_and(|l| l.split_whitespace().nth(1) == Some("0"));
    if root {
        vec!["--net"]
    } else {
        vec!["--map-root-user", "--net"]
    }
}

/// Set in the re-run test's environment.
const INSIDE: &str = "LEADLINE_TEST_NETNS";

/// Runs the test `name` of this test binary again inside a new network namespace (only `lo`,
/// brought up) and checks it passed. Returns `true` when it did that (the caller returns), and
/// `false` when already isolated (the caller runs the test).
pub fn rerun_isolated(name: &str) -> bool {
    if isolated() {
        return false;
    }
    assert!(
        std::env::var_os(INSIDE).is_none(),
        "still not isolated after unshare -n"
    );
    let exe = std::env::current_exe().expect("the test binary's path");
    let status = Command::new("unshare")
        .args(namespace_flags())
        .args(["sh", "-c", "ip link set lo up && exec \"$0\" \"$@\""])
        .arg(exe)
        .args([
            "--exact",
            name,
            "--include-ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(INSIDE, "1")
        .status()
        .expect("unshare (util-linux) runs");
    assert!(status.success(), "{name} failed inside its network namespace");
    true
}

/// `leadline` flags for `user`'s account on the test PBX at `url` (password on stdin).
pub fn account_args(url: &str, user: &User) -> Vec<String> {
    let mut args: Vec<String> = [
        "--ws-url",
        url,
        "--username",
        user.name,
        "--domain",
        DOMAIN,
        "--password-stdin",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if user.auth_name != user.name {
        args.extend(["--auth-username".to_string(), user.auth_name.to_string()]);
    }
    args
}

/// A SIP user of the test PBX.
#[derive(Debug, Clone)]
pub struct User {
    /// The AOR's user part.
    pub name: &'static str,
    /// The digest user name (often the same).
    pub auth_name: &'static str,
    /// The password.
    pub password: &'static str,
}

impl User {
    /// A user whose digest name is its SIP name.
    pub const fn plain(name: &'static str, password: &'static str) -> User {
        User {
            name,
            auth_name: name,
            password,
        }
    }
}

/// A command for a peer that dies with the test thread that started it (util-linux `setpriv`
/// sets its parent-death signal), so a test that crashes leaves nothing running.
fn peer(program: &str) -> Command {
    let mut command = Command::new("setpriv");
    command.args(["--pdeathsig", "KILL", "--", program]);
    command
}

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("the command starts");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A private CA and a CA:FALSE leaf for 127.0.0.1 (rustls refuses a CA as the server's own).
fn make_certificates(dir: &Path) {
    let at = |f: &str| dir.join(f);
    run(Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"])
        .args([
            "-subj",
            "/CN=Leadline Test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
        ])
        .arg("-keyout")
        .arg(at("ca.key"))
        .arg("-out")
        .arg(at("ca.pem")));
    run(Command::new("openssl")
        .args(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1"])
        .arg("-keyout")
        .arg(at("pbx.key"))
        .arg("-out")
        .arg(at("pbx.csr")));
    std::fs::write(
        at("leaf.ext"),
        "basicConstraints=critical,CA:FALSE\nsubjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write the extension file");
    run(Command::new("openssl")
        .args(["x509", "-req", "-days", "2"])
        .arg("-in")
        .arg(at("pbx.csr"))
        .arg("-CA")
        .arg(at("ca.pem"))
        .arg("-CAkey")
        .arg(at("ca.key"))
        .arg("-CAcreateserial")
        .arg("-extfile")
        .arg(at("leaf.ext"))
        .arg("-out")
        .arg(at("pbx.pem")));
}

/// Kamailio as the tenant's PBX, with rtpengine anchoring the media.
pub struct Kamailio {
    dir: tempfile::TempDir,
    child: Option<Child>,
    rtpengine: Option<Child>,
}

impl Kamailio {
    /// Starts it with these users; returns once its WebSocket port accepts connections.
    pub fn start(users: &[User], min_expires: u32) -> Kamailio {
        let dir = tempfile::tempdir().expect("a temporary directory");
        make_certificates(dir.path());
        let tls_cfg = dir.path().join("tls.cfg");
        std::fs::write(
            &tls_cfg,
            format!(
                "[server:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\nprivate_key = {}\ncertificate = {}\n",
                dir.path().join("pbx.key").display(),
                dir.path().join("pbx.pem").display()
            ),
        )
        .expect("write tls.cfg");
        let users: String = users
            .iter()
            .map(|u| {
                format!(
                    "    $sht(passwords=>{a}) = \"{p}\";\n    $sht(aors=>{a}) = \"{n}\";\n",
                    a = u.auth_name,
                    p = u.password,
                    n = u.name
                )
            })
            .collect();
        let config = include_str!("kamailio.cfg")
            .replace("{domain}", DOMAIN)
            .replace("{udp_port}", &UDP_PORT.to_string())
            .replace("{ws_port}", &WS_PORT.to_string())
            .replace("{wss_port}", &WSS_PORT.to_string())
            .replace("{tls_cfg}", &tls_cfg.display().to_string())
            .replace("{min_expires}", &min_expires.to_string())
            .replace("{ng_port}", &NG_PORT.to_string())
            .replace("{sha_domain}", SHA_DOMAIN)
            .replace("{sipp_port}", &SIPP_PORT.to_string())
            .replace("{users}", &users);
        std::fs::write(dir.path().join("kamailio.cfg"), config).expect("write kamailio.cfg");
        let mut kamailio = Kamailio {
            dir,
            child: None,
            rtpengine: None,
        };
        kamailio.start_rtpengine();
        kamailio.launch();
        kamailio
    }

    /// rtpengine in userspace, before Kamailio (whose first ping must find it).
    fn start_rtpengine(&mut self) {
        use std::os::unix::process::CommandExt;
        let log = std::fs::File::create(self.dir.path().join("rtpengine.log")).expect("create the log");
        let child = peer("rtpengine")
            .args([
                "--table=-1",
                "--interface=127.0.0.1",
                "--foreground",
                "--log-stderr",
            ])
            .args([
                "--port-min=30000",
                "--port-max=30999",
                "--log-level=6",
                "--delete-delay=0",
            ])
            .arg(format!("--listen-ng=127.0.0.1:{NG_PORT}"))
            .arg(format!(
                "--pidfile={}",
                self.dir.path().join("rtpengine.pid").display()
            ))
            .stdout(Stdio::null())
            .stderr(log)
            .process_group(0)
            .spawn()
            .expect("rtpengine is installed (scripts/setup.sh installs rtpengine-daemon)");
        self.rtpengine = Some(child);
        // Its control port is UDP: wait for the socket to appear in /proc.
        let deadline = Instant::now() + Duration::from_secs(10);
        let hex_port = format!(":{NG_PORT:04X}");
        loop {
            let udp = std::fs::read_to_string("/proc/self/net/udp").unwrap_or_default();
            if udp.lines().any(|l| {
                l.split_whitespace()
                    .nth(1)
                    .is_some_and(|a| a.ends_with(&hex_port))
            }) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "rtpengine did not start:\n{}",
                self.rtpengine_log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// rtpengine's log so far.
    pub fn rtpengine_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("rtpengine.log")).unwrap_or_default()
    }

    fn launch(&mut self) {
        use std::os::unix::process::CommandExt;
        let run_dir = self.dir.path().join("run");
        std::fs::create_dir_all(&run_dir).expect("create the run directory");
        let log = std::fs::File::create(self.dir.path().join("kamailio.log")).expect("create the log");
        let mut child = peer("kamailio")
            .arg("-f")
            .arg(self.dir.path().join("kamailio.cfg"))
            .args(["-DD", "-E", "-m", "64", "-M", "8", "-Y"])
            .arg(&run_dir)
            .stdout(Stdio::null())
            .stderr(log)
            .process_group(0)
            .spawn()
            .expect("kamailio is installed (scripts/setup.sh installs it)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", WS_PORT)).is_err() {
            let exited = child.try_wait().ok().flatten().is_some();
            assert!(
                !exited && Instant::now() < deadline,
                "kamailio did not start:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        self.child = Some(child);
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("kamailio.log")).unwrap_or_default()
    }

    /// `ws://127.0.0.1:PORT`.
    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{WS_PORT}")
    }

    /// `wss://127.0.0.1:PORT`.
    pub fn wss_url(&self) -> String {
        format!("wss://127.0.0.1:{WSS_PORT}")
    }

    /// The private CA that signed its certificate.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// Kills it (its whole process group) with SIGKILL, as a crash would.
    pub fn kill(&mut self) {
        self.thaw();
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
            let deadline = Instant::now() + Duration::from_secs(5);
            while TcpStream::connect(("127.0.0.1", WS_PORT)).is_ok() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    /// Freezes it (SIGSTOP): connections stay open but nothing answers, like a hung PBX or a
    /// network that silently drops packets.
    pub fn freeze(&self) {
        self.signal_group("-STOP");
    }

    /// Lets a frozen PBX run again.
    pub fn thaw(&self) {
        self.signal_group("-CONT");
    }

    fn signal_group(&self, signal: &str) {
        if let Some(child) = &self.child {
            let _ = Command::new("kill")
                .args([signal, "--", &format!("-{}", child.id())])
                .status();
        }
    }

    /// Starts it again with the same configuration.
    pub fn restart(&mut self) {
        self.kill();
        self.launch();
    }
}

impl Drop for Kamailio {
    fn drop(&mut self) {
        self.kill();
        if let Some(mut child) = self.rtpengine.take() {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
        }
    }
}

/// A running `leadline` command whose JSON lines are read as they come.
pub struct Leadline {
    child: Child,
    lines: mpsc::Receiver<String>,
    /// Its stderr, read as it comes (a full pipe would block the process).
    stderr: std::thread::JoinHandle<String>,
    /// Every line read so far.
    pub seen: Vec<serde_json::Value>,
}

/// Reads JSON lines from `lines` (keeping each in `seen`) until one whose `field` is `value`
/// arrives, within `within`; returns it.
fn wait_for_json(
    lines: &mpsc::Receiver<String>,
    seen: &mut Vec<serde_json::Value>,
    (field, value): (&str, &str),
    within: Duration,
) -> serde_json::Value {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(line) = lines.recv_timeout(left) else {
            panic!("no {field} {value:?} within {within:?}; seen: {seen:#?}");
        };
        let parsed: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        seen.push(parsed.clone());
        if parsed[field] == value {
            return parsed;
        }
    }
}

fn read_lines(stdout: ChildStdout) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

impl Leadline {
    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Starts `leadline ARGS` on a fresh profile in `data_dir`, with `stdin` written to it.
    pub fn start(data_dir: &Path, args: &[&str], stdin: &str) -> Leadline {
        Leadline::start_with_env(data_dir, args, stdin, &[])
    }

    /// [`Leadline::start`] with these environment variables set.
    pub fn start_with_env(data_dir: &Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Leadline {
        // Known to the CLI's tests; the core's tests share the harness but not the command.
        let Some(exe) = option_env!("CARGO_BIN_EXE_leadline") else {
            panic!("the leadline command is known to the CLI's tests only");
        };
        let mut child = Command::new(exe)
            .arg("--data-dir")
            .arg(data_dir)
            .args(args)
            // Debug logs tell what went wrong in a failed test; `env` may set another level.
            .env("LEADLINE_LOG", "debug")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("leadline starts");
        let mut input = child.stdin.take().expect("stdin");
        input.write_all(stdin.as_bytes()).expect("write stdin");
        drop(input);
        let lines = read_lines(child.stdout.take().expect("stdout"));
        let mut err = child.stderr.take().expect("stderr");
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut err, &mut text);
            text
        });
        Leadline {
            child,
            lines,
            stderr,
            seen: Vec::new(),
        }
    }

    /// Waits up to `within` for an event named `event`; returns it.
    pub fn expect_event(&mut self, event: &str, within: Duration) -> serde_json::Value {
        self.expect_event_field("event", event, within)
    }

    /// Waits up to `within` for a line whose `field` is `value`; returns it.
    pub fn expect_event_field(&mut self, field: &str, value: &str, within: Duration) -> serde_json::Value {
        wait_for_json(&self.lines, &mut self.seen, (field, value), within)
    }

    /// Kills it with SIGKILL, as a crash or a power cut would (nothing runs on the way out).
    pub fn kill(&self) {
        let _ = Command::new("kill")
            .args(["-KILL", &self.child.id().to_string()])
            .status();
    }

    /// Sends SIGINT (as Ctrl-C would).
    pub fn interrupt(&self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
    }

    /// Waits for it to end; returns its exit code, the remaining JSON lines and stderr.
    pub fn finish(mut self) -> (i32, Vec<serde_json::Value>, String) {
        let status = self.child.wait().expect("leadline ends");
        let stderr = self.stderr.join().unwrap_or_default();
        let mut seen = std::mem::take(&mut self.seen);
        while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(200)) {
            if let Ok(value) = serde_json::from_str(&line) {
                seen.push(value);
            }
        }
        (status.code().unwrap_or(-1), seen, stderr)
    }
}

/// Runs `leadline ARGS` with `user`'s account on the PBX at `url` (flags and password added),
/// to the end.
pub fn leadline_as(
    data_dir: &Path,
    user: &User,
    url: &str,
    args: &[&str],
) -> (i32, Vec<serde_json::Value>, String) {
    let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    all.extend(account_args(url, user));
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    leadline(data_dir, &all, &format!("{}\n", user.password))
}

/// Runs `leadline ARGS` to the end.
pub fn leadline(data_dir: &Path, args: &[&str], stdin: &str) -> (i32, Vec<serde_json::Value>, String) {
    Leadline::start(data_dir, args, stdin).finish()
}

/// SIPp running one of the scenarios beside this file on [`SIPP_PORT`], writing its message
/// trace to `trace`; it dies with the test (and is killed when dropped).
pub struct Sipp {
    child: Child,
    trace: PathBuf,
}

impl Sipp {
    /// Starts `scenario` (a file name in `tests/pbx/`) for one call, giving up after 20 s.
    pub fn start(scenario: &str, trace: &Path) -> Sipp {
        let scenario = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../cli/tests/pbx")
            .join(scenario);
        let child = Command::new("setpriv")
            .args(["--pdeathsig", "KILL", "--", "sipp", "-sf"])
            .arg(&scenario)
            .args(["-i", "127.0.0.1", "-p", &SIPP_PORT.to_string()])
            .args([
                "-m",
                "1",
                "-timeout",
                "20s",
                "-nostdin",
                "-trace_msg",
                "-message_file",
            ])
            .arg(trace)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sipp is installed (scripts/setup.sh installs sip-tester)");
        std::thread::sleep(Duration::from_millis(300));
        Sipp {
            child,
            trace: trace.to_owned(),
        }
    }

    /// Waits (up to `within`) for the scenario to end; returns whether it ran to its end.
    pub fn finished(&mut self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// The messages it sent and received so far.
    pub fn messages(&self) -> String {
        std::fs::read_to_string(&self.trace).unwrap_or_default()
    }
}

impl Drop for Sipp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where baresip plays what it hears: PulseAudio's null sink through ALSA's `default` when
/// `scripts/with-audio.sh` runs one (paced in real time), else ALSA's null device (which has no
/// clock and busy-loops a core during a call).
fn audio_player() -> &'static str {
    if std::env::var("LEADLINE_TEST_AUDIO").is_ok_and(|a| a == "pulse") {
        "alsa,default"
    } else {
        "alsa,null"
    }
}

/// baresip, a plain-RTP softphone, registered to the PBX over UDP.
pub struct Baresip {
    dir: tempfile::TempDir,
    child: Option<Child>,
    /// Its user.
    pub user: User,
    ctrl_port: u16,
}

impl Baresip {
    /// Starts baresip as `user` on SIP port `sip_port` (it also takes `sip_port + 1`), playing
    /// `tone` (an 8 kHz WAV) into every call and recording what it hears; answers by itself
    /// when `auto_answer`. Returns once it is registered.
    pub fn start(user: User, sip_port: u16, tone: &Path, codecs: &str, auto_answer: bool) -> Baresip {
        Baresip::start_with_source(
            user,
            sip_port,
            &format!("aufile,{}", tone.display()),
            codecs,
            auto_answer,
            &[],
        )
    }

    /// [`Baresip::start`] with the system's microphone (PulseAudio's default source through
    /// ALSA) instead of a tone file: baresip as on an agent's desk.
    pub fn start_on_devices(user: User, sip_port: u16, codecs: &str, auto_answer: bool) -> Baresip {
        Baresip::start_with_source(user, sip_port, "alsa,default", codecs, auto_answer, &[])
    }

    /// [`Baresip::start_on_devices`], calling out, with these modules loaded too (say its
    /// noise suppressor, `speex_pp.so`).
    pub fn start_on_devices_with(user: User, sip_port: u16, codecs: &str, modules: &[&str]) -> Baresip {
        Baresip::start_with_source(user, sip_port, "alsa,default", codecs, false, modules)
    }

    fn start_with_source(
        user: User,
        sip_port: u16,
        source: &str,
        codecs: &str,
        auto_answer: bool,
        modules: &[&str],
    ) -> Baresip {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let ctrl_port = sip_port + 2;
        let extra: String = modules.iter().map(|m| format!("module {m}\n")).collect();
        let config = format!(
            "poll_method epoll\nsip_listen 127.0.0.1:{sip_port}\nnet_interface 127.0.0.1\n\
             audio_player {player}\naudio_source {source}\naudio_alert {player}\n\
             module_path /usr/lib/baresip/modules\nmodule g711.so\nmodule opus.so\nmodule aufile.so\n\
             module alsa.so\nmodule sndfile.so\nmodule ctrl_tcp.so\n{extra}module_app account.so\nmodule_app menu.so\n\
             ctrl_tcp_listen 127.0.0.1:{ctrl_port}\nsnd_path {dir}\n",
            dir = dir.path().display(),
            player = audio_player(),
        );
        std::fs::write(dir.path().join("config"), config).expect("write the config");
        let answermode = if auto_answer { ";answermode=auto" } else { "" };
        std::fs::write(
            dir.path().join("accounts"),
            format!(
                "<sip:{name}@{DOMAIN}>;auth_user={auth};auth_pass={password};outbound=\"sip:127.0.0.1:{UDP_PORT};transport=udp\";regint=600;audio_codecs={codecs}{answermode}\n",
                name = user.name,
                auth = user.auth_name,
                password = user.password,
            ),
        )
        .expect("write the accounts");
        let mut baresip = Baresip {
            dir,
            child: None,
            user,
            ctrl_port,
        };
        baresip.launch();
        baresip
    }

    fn launch(&mut self) {
        use std::os::unix::process::CommandExt;
        let log = std::fs::File::create(self.dir.path().join("baresip.log")).expect("create the log");
        let err = log.try_clone().expect("clone the log");
        let child = peer("baresip")
            .arg("-f")
            .arg(self.dir.path())
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .process_group(0)
            .spawn()
            .expect("baresip is installed (scripts/setup.sh installs baresip-core)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.log().contains("200 OK") {
            assert!(
                Instant::now() < deadline,
                "baresip did not register:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Its output so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("baresip.log")).unwrap_or_default()
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// A connection to its control socket (commands in, events out, as netstrings).
    pub fn control(&self) -> Control {
        let stream = TcpStream::connect(("127.0.0.1", self.ctrl_port)).expect("baresip's control port");
        stream
            .set_read_timeout(Some(Duration::from_secs(15)))
            .expect("a read timeout");
        Control(stream)
    }

    /// Sends a control command (`dial`, `accept`, `hangup`, …) over its TCP control socket.
    /// Waits for baresip's answer to it: closing the connection at once let a busy baresip
    /// drop the command unread.
    pub fn command(&self, command: &str, params: &str) {
        let mut control = self.control();
        control.send(command, params);
        control.wait_for("\"response\"");
    }

    /// What it heard in its calls: the decoded audio recordings, once complete (baresip
    /// finishes a recording's header when the call's audio stops).
    pub fn heard(&self) -> Vec<PathBuf> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let files = self.recordings();
            let complete = !files.is_empty()
                && files
                    .iter()
                    .all(|f| leadline_core::media::audio::read_wav(f).is_ok());
            if complete || Instant::now() > deadline {
                return files;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn recordings(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.retain(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with("-dec.wav"))
        });
        files.sort();
        files
    }
}

impl Drop for Baresip {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
        }
    }
}

/// Writes a tone of `frequency` Hz, `seconds` long, at `rate` Hz, in `channels` channels
/// (baresip's file source wants the codec's own: 2 for Opus).
pub fn tone_file(path: &Path, frequency: f64, rate: u32, channels: u16, seconds: f64) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).expect("create the tone file");
    for sample in leadline_core::media::tone::sine(frequency, rate, seconds) {
        for _ in 0..channels {
            writer.write_sample(sample).expect("write the tone");
        }
    }
    writer.finalize().expect("finish the tone file");
}

/// Runs iptables in the test's network namespace (the test owns it), e.g. to lose packets or
/// take the link down.
pub fn iptables(args: &str) {
    let status = Command::new("iptables")
        .args(args.split_whitespace())
        .status()
        .expect("iptables (Debian's iptables package) runs");
    assert!(status.success(), "iptables {args}");
}

/// How much of the recording at `path` is `frequency`.
pub fn tone_in(path: &Path, frequency: f64) -> leadline_core::media::tone::ToneReport {
    let (samples, rate) = leadline_core::media::audio::read_wav(path).expect("a WAV recording");
    leadline_core::media::tone::detect(&samples, rate, frequency)
}

/// A connection to baresip's control socket: commands in, events and answers out, as
/// netstrings.
pub struct Control(TcpStream);

impl Control {
    /// Sends `command` with `params`.
    pub fn send(&mut self, command: &str, params: &str) {
        let body = serde_json::json!({"command": command, "params": params, "token": "t"}).to_string();
        self.0
            .write_all(format!("{}:{},", body.len(), body).as_bytes())
            .expect("send the command");
    }

    /// Reads until what comes holds `what` (an event's name, or `"response"`).
    pub fn wait_for(&mut self, what: &str) {
        let mut seen = String::new();
        let mut buf = [0u8; 4096];
        while !seen.contains(what) {
            match self.0.read(&mut buf) {
                Ok(n) if n > 0 => seen.push_str(&String::from_utf8_lossy(&buf[..n])),
                _ => panic!("no {what} from baresip: {seen}"),
            }
        }
    }
}
