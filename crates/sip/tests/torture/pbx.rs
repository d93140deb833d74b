#![allow(dead_code)] // each test file uses its own part

//! A test PBX at the far end of Leadline's WebSocket: it accepts the connection (subprotocol
//! `sip`), answers REGISTER and keepalive OPTIONS with 200, and lets a test send any bytes as
//! one SIP message and read what Leadline sends back. Loopback only.

use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::http::HeaderValue;

/// The PBX's side of one connection.
pub struct Pbx {
    ws: WebSocketStream<TcpStream>,
    /// Requests from Leadline the PBX answered on its own (REGISTER, OPTIONS), by method.
    pub answered: Vec<String>,
}

/// A listening PBX and its `ws://` address.
pub async fn listen() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/", listener.local_addr().unwrap());
    (listener, url)
}

/// A header line's name, lower case (`""` for a line without one).
pub fn header_name(line: &str) -> String {
    line.split(':')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// The first header line's value named `name` (or its compact form), if any.
pub fn header<'a>(message: &'a str, names: &[&str]) -> Option<&'a str> {
    message.split("\r\n").skip(1).find_map(|line| {
        let (name, value) = line.split_once(':')?;
        names
            .iter()
            .any(|n| name.trim().eq_ignore_ascii_case(n))
            .then(|| value.trim())
    })
}

/// The status code of a response, or `None` for a request.
pub fn status(message: &str) -> Option<u16> {
    let rest = message.strip_prefix("SIP/2.0 ")?;
    rest.get(..3)?.parse().ok()
}

/// The method of a request.
pub fn method(message: &str) -> Option<&str> {
    if message.starts_with("SIP/") {
        return None;
    }
    message.split(' ').next()
}

/// A response to `request` with `status_line` (`200 OK`) and `extra` header lines, copying
/// Via, From, To (adding a tag), Call-ID and CSeq.
pub fn reply(request: &str, status_line: &str, extra: &[&str]) -> String {
    let mut out = format!("SIP/2.0 {status_line}\r\n");
    for line in request.split("\r\n").skip(1) {
        match header_name(line).as_str() {
            "via" | "v" | "from" | "f" | "call-id" | "i" | "cseq" => out.push_str(&format!("{line}\r\n")),
            "to" | "t" if !line.contains("tag=") => out.push_str(&format!("{line};tag=pbx-tag\r\n")),
            "to" | "t" => out.push_str(&format!("{line}\r\n")),
            "" => break,
            _ => {}
        }
    }
    for line in extra {
        out.push_str(&format!("{line}\r\n"));
    }
    out.push_str("Content-Length: 0\r\n\r\n");
    out
}

impl Pbx {
    /// Accepts Leadline's connection.
    #[allow(clippy::result_large_err)] // the handshake callback's type is tungstenite's
    pub async fn accept(listener: &TcpListener) -> Pbx {
        let (tcp, _) = tokio::time::timeout(Duration::from_secs(10), listener.accept())
            .await
            .expect("Leadline connects")
            .unwrap();
        let offer_sip = |_: &Request, mut response: Response| {
            response
                .headers_mut()
                .insert("Sec-WebSocket-Protocol", HeaderValue::from_static("sip"));
            Ok(response)
        };
        let ws = tokio_tungstenite::accept_hdr_async(tcp, offer_sip).await.unwrap();
        Pbx {
            ws,
            answered: Vec::new(),
        }
    }

    /// Sends `bytes` as one message (a text frame when it is UTF-8, else binary).
    pub async fn send(&mut self, bytes: &[u8]) {
        let frame = match std::str::from_utf8(bytes) {
            Ok(text) => Message::text(text.to_owned()),
            Err(_) => Message::binary(bytes.to_vec()),
        };
        self.ws.send(frame).await.unwrap();
    }

    /// The next SIP message from Leadline within `within` that is not REGISTER or OPTIONS
    /// (those are answered 200 here); `None` on silence or a closed connection.
    pub async fn next(&mut self, within: Duration) -> Option<String> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .ok()??
                .ok()?;
            let text = match frame {
                Message::Text(text) => text.to_string(),
                Message::Binary(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                Message::Close(_) => return None,
                _ => continue,
            };
            if text.trim().is_empty() {
                continue;
            }
            match method(&text) {
                Some(m @ ("REGISTER" | "OPTIONS")) => {
                    self.answered.push(m.to_owned());
                    let answer = reply(
                        &text,
                        "200 OK",
                        &["Contact: <sip:alice@127.0.0.1;transport=ws>;expires=600"],
                    );
                    self.send(answer.as_bytes()).await;
                }
                _ => return Some(text),
            }
        }
    }

    /// Messages from Leadline until `within` of silence.
    pub async fn drain(&mut self, within: Duration) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(message) = self.next(within).await {
            out.push(message);
        }
        out
    }
}
