//! The real desktop app under a private X server, driven over W3C WebDriver as an agent uses
//! it: Xvfb, tauri-driver (which starts WebKitWebDriver and the app), and a minimal WebDriver
//! client over plain HTTP. Every process started here is ended here.

#![allow(dead_code)] // each test file uses part of the harness

use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// One HTTP/1.1 exchange with `Connection: close`; the answer's JSON body. A connection closed
/// before any answer (tauri-driver's proxy drops one now and then) is tried again.
fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
    let mut tries = 0;
    loop {
        match exchange(port, method, path, body) {
            Err(error) if error.starts_with("no HTTP answer: \"\"") && tries < 5 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(200));
            }
            other => return other,
        }
    }
}

fn exchange(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .map_err(|e| e.to_string())?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&answer);
    let (head, rest) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("no HTTP answer: {text:?}"))?;
    let chunked = head.to_ascii_lowercase().contains("transfer-encoding: chunked");
    let json_text = if chunked { unchunk(rest) } else { rest.to_owned() };
    serde_json::from_str(&json_text).map_err(|e| format!("{e}: {json_text}"))
}

fn unchunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    out
}

/// A private X server.
pub struct Xvfb {
    child: Child,
    /// Its display (`:N`).
    pub display: String,
}

impl Xvfb {
    pub fn start() -> Xvfb {
        let number = (90..200)
            .find(|n| {
                !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                    && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
            })
            .expect("a free X display");
        let display = format!(":{number}");
        let child = Command::new("Xvfb")
            .args([
                display.as_str(),
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb runs");
        let socket = format!("/tmp/.X11-unix/X{number}");
        let deadline = Instant::now() + Duration::from_secs(15);
        while !Path::new(&socket).exists() {
            assert!(Instant::now() < deadline, "Xvfb did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Xvfb { child, display }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// tauri-driver, and the app it runs in a WebDriver session.
pub struct App {
    driver: Child,
    port: u16,
    session: String,
}

impl App {
    /// Starts `application` on `display` with `env` through tauri-driver; returns once its
    /// window answers.
    pub fn start(application: &Path, display: &str, env: &[(&str, &str)]) -> App {
        let (port, native) = (free_port(), free_port());
        let mut command = Command::new("tauri-driver");
        command
            .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
            .env("DISPLAY", display)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        // GPU compositing unless the environment chooses: under the app's own default
        // (software compositing) WebKitGTK's snapshot behind WebDriver's screenshot, which
        // this test takes of the board and of any failure, never returns for some pages (the
        // JavaScript end-to-end tests run the app's default and take theirs from the X server,
        // tests/desktop/xshot.mjs).
        const COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
        if std::env::var_os(COMPOSITING).is_none() {
            command.env(COMPOSITING, "0");
        }
        for (key, value) in env {
            command.env(key, value);
        }
        let driver = command.spawn().expect("tauri-driver runs");
        let deadline = Instant::now() + Duration::from_secs(20);
        while http(port, "GET", "/status", None).is_err() {
            assert!(Instant::now() < deadline, "tauri-driver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "wry",
            "tauri:options": {"application": application.display().to_string()}
        }}});
        let answer = http(port, "POST", "/session", Some(&capabilities)).expect("a WebDriver session");
        let session = answer["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {answer}"))
            .to_owned();
        App {
            driver,
            port,
            session,
        }
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let path = format!("/session/{}{path}", self.session);
        let answer = http(self.port, method, &path, body.as_ref()).unwrap_or_else(|e| panic!("{path}: {e}"));
        if answer["value"]["error"].is_string() {
            panic!("{path}: {}", answer["value"]);
        }
        answer["value"].clone()
    }

    /// Runs `script` (a function body) in the window; its result.
    pub fn exec(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
    }

    /// Waits (up to `within`) until `script` returns something truthy; returns it.
    pub fn wait_for(&self, script: &str, what: &str, within: Duration) -> Value {
        let deadline = Instant::now() + within;
        let mut last = Value::Null;
        while Instant::now() < deadline {
            last = self.exec(script);
            let truthy =
                !matches!(&last, Value::Null | Value::Bool(false)) && last != json!("") && last != json!(0);
            if truthy {
                return last;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let shot = std::env::temp_dir().join("leadline-desktop-failure.png");
        let _ = std::fs::write(&shot, self.screenshot());
        let notice =
            self.exec("return document.querySelector('[data-testid=phone-notice]')?.textContent ?? null");
        panic!(
            "no {what} within {within:?} (last: {last}; phone notice: {notice}; screenshot: {})",
            shot.display()
        );
    }

    /// The element `css` picks (the first).
    pub fn find(&self, css: &str) -> String {
        let found = self.call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_owned()
    }

    /// Clicks the element `css` picks, as a user does.
    pub fn click(&self, css: &str) {
        let element = self.find(css);
        self.call("POST", &format!("/element/{element}/click"), Some(json!({})));
    }

    /// Types `text` into the element `css` picks.
    pub fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css);
        self.call(
            "POST",
            &format!("/element/{element}/value"),
            Some(json!({"text": text})),
        );
    }

    /// A PNG of the window.
    pub fn screenshot(&self) -> Vec<u8> {
        use base64::Engine;
        let text = self.call("GET", "/screenshot", None);
        base64::engine::general_purpose::STANDARD
            .decode(text.as_str().unwrap_or_default())
            .unwrap_or_default()
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = http(self.port, "DELETE", &format!("/session/{}", self.session), None);
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
