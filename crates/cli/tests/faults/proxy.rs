//! A fault-injecting HTTP proxy in front of the tenant server: each request it carries gets the
//! next fault of its script (then passes), one request per connection. A fault that lets the
//! request through first (a 500 or a cut answer) leaves the server having applied it while the
//! client learns nothing: what idempotency must survive. Loopback only.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// Carried as is.
    Pass,
    /// Carried to the server, answered 500 to the client.
    ServerError,
    /// Carried; the answer is cut after half its body and the connection closed.
    Truncated,
    /// Carried and answered, after this long.
    Slow(Duration),
    /// Not carried; the connection is held this long, then closed without an answer.
    Timeout(Duration),
}

/// The proxy: its address, the faults to come, and what each request met.
pub struct FaultProxy {
    /// Where clients connect.
    pub addr: SocketAddr,
    script: Arc<Mutex<VecDeque<Fault>>>,
    /// `(request line, fault)` for every request carried.
    pub seen: Arc<Mutex<Vec<(String, Fault)>>>,
}

async fn read_request(client: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        let n = client.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = client.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some(buf)
}

/// `request` with its connection closed after the answer (so the answer ends at EOF).
fn closing(request: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(request);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let kept: Vec<&str> = head
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .collect();
    format!("{}\r\nConnection: close\r\n\r\n{body}", kept.join("\r\n")).into_bytes()
}

async fn carry(upstream: SocketAddr, request: &[u8]) -> Option<Vec<u8>> {
    let mut server = TcpStream::connect(upstream).await.ok()?;
    server.write_all(&closing(request)).await.ok()?;
    let mut answer = Vec::new();
    server.read_to_end(&mut answer).await.ok()?;
    Some(answer)
}

async fn serve(
    mut client: TcpStream,
    upstream: SocketAddr,
    fault: Fault,
    seen: Arc<Mutex<Vec<(String, Fault)>>>,
) {
    let Some(request) = read_request(&mut client).await else {
        return;
    };
    let line = String::from_utf8_lossy(&request)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    seen.lock().unwrap().push((line, fault));
    if let Fault::Timeout(hold) = fault {
        tokio::time::sleep(hold).await;
        return;
    }
    let Some(answer) = carry(upstream, &request).await else {
        return;
    };
    let reply = match fault {
        Fault::ServerError => {
            b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_vec()
        }
        Fault::Truncated => {
            let body_at = answer
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .map_or(0, |p| p + 4);
            answer[..body_at + (answer.len() - body_at) / 2].to_vec()
        }
        Fault::Slow(delay) => {
            tokio::time::sleep(delay).await;
            answer
        }
        Fault::Pass | Fault::Timeout(_) => answer,
    };
    let _ = client.write_all(&reply).await;
    let _ = client.shutdown().await;
}

impl FaultProxy {
    /// A proxy to `upstream` on a free loopback port, passing everything until scripted.
    pub async fn start(upstream: SocketAddr) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let script: Arc<Mutex<VecDeque<Fault>>> = Arc::default();
        let seen: Arc<Mutex<Vec<(String, Fault)>>> = Arc::default();
        let (next, log) = (script.clone(), seen.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let fault = next.lock().unwrap().pop_front().unwrap_or(Fault::Pass);
                tokio::spawn(serve(client, upstream, fault, log.clone()));
            }
        });
        FaultProxy { addr, script, seen }
    }

    /// The faults the next requests meet, in order.
    pub fn script(&self, faults: &[Fault]) {
        self.script.lock().unwrap().extend(faults.iter().copied());
    }

    /// `http://…` of the proxy.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}
