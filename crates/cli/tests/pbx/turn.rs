//! coturn, a TURN server (RFC 5766) with long-term credentials, on loopback: the ICE servers
//! a call is configured with must reach it with the right user and password.

use super::peer;
use std::net::UdpSocket;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// The realm coturn authenticates in.
pub const TURN_REALM: &str = "leadline.test";

/// A running coturn.
pub struct Turn {
    dir: tempfile::TempDir,
    child: Child,
    /// Its UDP port.
    pub port: u16,
}

impl Turn {
    /// Starts coturn on 127.0.0.1:`port` (UDP, no TLS) knowing one `user` with `password`,
    /// relaying on loopback. Returns once it answers on its port.
    pub fn start(port: u16, user: &str, password: &str) -> Turn {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let log = std::fs::File::create(dir.path().join("turn.log")).expect("create the log");
        let err = log.try_clone().expect("clone the log");
        let child = peer("turnserver")
            .args([
                "-n",
                "--no-cli",
                "--no-tls",
                "--no-dtls",
                "--verbose",
                "--log-file",
                "stdout",
            ])
            .args(["--listening-ip", "127.0.0.1", "--relay-ip", "127.0.0.1"])
            .args(["--listening-port", &port.to_string()])
            .args(["--min-port", "49152", "--max-port", "49252"])
            .args(["--lt-cred-mech", "--realm", TURN_REALM])
            .args(["--user", &format!("{user}:{password}")])
            .args(["--allow-loopback-peers", "--no-multicast-peers"])
            .arg("--pidfile")
            .arg(dir.path().join("turn.pid"))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .spawn()
            .expect("coturn is installed (scripts/setup.sh installs it)");
        let turn = Turn { dir, child, port };
        turn.wait_until_listening();
        turn
    }

    /// Waits until a STUN Binding Request to the port is answered.
    fn wait_until_listening(&self) {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("a UDP socket");
        socket
            .set_read_timeout(Some(Duration::from_millis(100)))
            .expect("a read timeout");
        // RFC 5389 Binding Request: type 0x0001, length 0, magic cookie, transaction id.
        let mut request = vec![0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42];
        request.extend([7u8; 12]);
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut buf = [0u8; 512];
        loop {
            let _ = socket.send_to(&request, ("127.0.0.1", self.port));
            if socket.recv_from(&mut buf).is_ok() {
                return;
            }
            assert!(Instant::now() < deadline, "coturn did not start:\n{}", self.log());
        }
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.path()).unwrap_or_default()
    }

    fn path(&self) -> PathBuf {
        self.dir.path().join("turn.log")
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
