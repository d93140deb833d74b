//! The demo tenant's PBX: a registrar for one SIP user and the far end of its calls, over
//! SIP on WebSocket (RFC 7118) on the loopback interface only. It is not a proxy: it answers
//! every call the agent places itself (the [`FarEnd`] brings the audio: a greeting, then the
//! agent's own voice back), and calls the agent when asked ([`DemoPbx::call_agent`], the
//! demo's "call me").
//!
//! Over a reliable transport there is nothing to retransmit, so its transactions are simple:
//! a request gets its final answer, an INVITE first `100 Trying` and `180 Ringing`. It accepts
//! only the demo's user in the demo's domain; anything else is refused (`403`), and what it
//! cannot parse is dropped. Messages are bounded (64 KiB).

use futures_util::{SinkExt, StreamExt};
use rsipstack::sip::{Header, Headers, Method, SipMessage};
use std::collections::HashMap;
use std::future::Future;
use std::net::Ipv4Addr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{
    ErrorResponse, Request as WsRequest, Response as WsResponse,
};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_util::sync::CancellationToken;

/// A future the far end returns.
pub type Pending<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A far end's call starting: the SDP (answer or offer) and the call's media.
pub type Starting = Pending<'static, Result<(String, Box<dyn FarCall>), String>>;

/// The audio side of the demo's calls.
pub trait FarEnd: Send + Sync + 'static {
    /// Answers the agent's offer: the SDP answer and the call's media, running.
    fn answer(&self, offer: String) -> Starting;
    /// Makes an offer for a call to the agent: the SDP offer and the call's media, waiting for
    /// the answer ([`FarCall::accept_answer`]).
    fn offer(&self) -> Starting;
}

/// A demo call's media.
pub trait FarCall: Send + Sync {
    /// The agent answered our offer.
    fn accept_answer(&self, answer: String) -> Pending<'_, Result<(), String>>;
    /// The agent offers again (hold, resume): our answer.
    fn reoffer(&self, offer: String) -> Pending<'_, Result<String, String>>;
    /// The call ended.
    fn close(&self) -> Pending<'_, ()>;
}

/// Who the demo PBX serves.
#[derive(Debug, Clone)]
pub struct DemoPbxConfig {
    /// The SIP domain of the demo's account.
    pub domain: String,
    /// The one SIP user that may register.
    pub user: String,
    /// How long the far end rings before it answers.
    pub ring: Duration,
}

/// Why the demo PBX could not do something.
#[derive(Debug, thiserror::Error)]
pub enum DemoPbxError {
    /// Its port could not be opened.
    #[error("the demo PBX cannot listen on the loopback interface: {0}")]
    Listen(std::io::Error),
    /// The agent's phone is not registered.
    #[error("the demo agent's phone is not registered: start the phone line first")]
    NotRegistered,
    /// The far end could not make its offer.
    #[error("the demo call could not start: {0}")]
    Media(String),
}

/// Biggest SIP message taken.
const MAX_MESSAGE: usize = 64 * 1024;
/// Longest registration granted.
const MAX_EXPIRES: u32 = 600;

/// The demo PBX, listening until dropped.
pub struct DemoPbx {
    inner: Arc<Inner>,
    url: String,
    stop: CancellationToken,
}

struct Inner {
    config: DemoPbxConfig,
    far_end: Arc<dyn FarEnd>,
    port: u16,
    agent: Mutex<Option<Agent>>,
    calls: Mutex<HashMap<String, Leg>>,
    connections: AtomicU64,
}

/// The registered agent: where to send its calls.
#[derive(Clone)]
struct Agent {
    connection: u64,
    contact: String,
    out: mpsc::UnboundedSender<String>,
}

/// A call through the demo PBX.
struct Leg {
    connection: u64,
    state: LegState,
}

enum LegState {
    /// The agent's call rings at the far end; cancelling stops it.
    Ringing(CancellationToken),
    /// Our call to the agent waits for its answer; the INVITE's headers make the ACK.
    Calling { far: Arc<dyn FarCall>, invite: Outgoing },
    /// Talking.
    Up(Arc<dyn FarCall>),
}

/// What an ACK to our INVITE repeats.
#[derive(Clone)]
struct Outgoing {
    uri: String,
    from: String,
    call_id: String,
}

impl Drop for DemoPbx {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl DemoPbx {
    /// Listens on `127.0.0.1:port` (`0`, or a taken port: any free one).
    pub async fn start(
        config: DemoPbxConfig,
        far_end: Arc<dyn FarEnd>,
        port: u16,
    ) -> Result<DemoPbx, DemoPbxError> {
        let listener = match TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await {
            Ok(listener) => listener,
            Err(_) => TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
                .await
                .map_err(DemoPbxError::Listen)?,
        };
        let port = listener.local_addr().map_err(DemoPbxError::Listen)?.port();
        let inner = Arc::new(Inner {
            config,
            far_end,
            port,
            agent: Mutex::new(None),
            calls: Mutex::new(HashMap::new()),
            connections: AtomicU64::new(0),
        });
        let stop = CancellationToken::new();
        tokio::spawn(accept(listener, inner.clone(), stop.clone()));
        Ok(DemoPbx {
            inner,
            url: format!("ws://127.0.0.1:{port}"),
            stop,
        })
    }

    /// Its WebSocket address (`ws://127.0.0.1:PORT`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.inner.port
    }

    /// Whether the agent's phone is registered now.
    pub fn agent_registered(&self) -> bool {
        self.inner.agent().is_some()
    }

    /// Calls the agent from `number` (shown as `name`); returns the call's SIP Call-ID.
    pub async fn call_agent(&self, name: &str, number: &str) -> Result<String, DemoPbxError> {
        let agent = self.inner.agent().ok_or(DemoPbxError::NotRegistered)?;
        let (offer, far) = self.inner.far_end.offer().await.map_err(DemoPbxError::Media)?;
        let far: Arc<dyn FarCall> = Arc::from(far);
        let call_id = format!("demo-line-{:016x}", rand::random::<u64>());
        let number: String = number
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        let name: String = name
            .chars()
            .filter(|c| !c.is_control() && *c != '"' && *c != '\\')
            .take(64)
            .collect();
        let config = &self.inner.config;
        let invite = Outgoing {
            uri: agent.contact.clone(),
            from: format!(
                "\"{name}\" <sip:{number}@{domain}>;tag={tag:x}",
                domain = config.domain,
                tag = rand::random::<u32>()
            ),
            call_id: call_id.clone(),
        };
        let to = format!("<sip:{}@{}>", config.user, config.domain);
        let message = self.inner.request("INVITE", &invite, &to, 1, Some(&offer));
        self.inner.calls().insert(
            call_id.clone(),
            Leg {
                connection: agent.connection,
                state: LegState::Calling { far, invite },
            },
        );
        tracing::info!(%call_id, "the demo line calls the agent");
        if agent.out.send(message).is_err() {
            self.inner.calls().remove(&call_id);
            return Err(DemoPbxError::NotRegistered);
        }
        Ok(call_id)
    }
}

async fn accept(listener: TcpListener, inner: Arc<Inner>, stop: CancellationToken) {
    loop {
        let accepted = tokio::select! {
            () = stop.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) if peer.ip().is_loopback() => {
                tokio::spawn(serve(stream, inner.clone(), stop.child_token()));
            }
            Ok(_) => {} // loopback only
            Err(error) => tracing::debug!(%error, "the demo PBX could not accept a connection"),
        }
    }
    // The calls end with the PBX.
    let legs: Vec<Leg> = inner.calls().drain().map(|(_, leg)| leg).collect();
    for leg in legs {
        leg.close().await;
    }
}

/// The handshake's answer: the `sip` subprotocol when the client asks for it (RFC 7118).
#[allow(clippy::result_large_err)] // the handshake's callback type, as tungstenite defines it
fn offer_sip(request: &WsRequest, mut response: WsResponse) -> Result<WsResponse, ErrorResponse> {
    let wants_sip = request
        .headers()
        .get("sec-websocket-protocol")
        .and_then(|p| p.to_str().ok())
        .is_some_and(|p| p.split(',').any(|p| p.trim() == "sip"));
    if wants_sip {
        response.headers_mut().insert(
            "sec-websocket-protocol",
            tokio_tungstenite::tungstenite::http::HeaderValue::from_static("sip"),
        );
    }
    Ok(response)
}

/// One WebSocket connection: its messages in, ours out.
async fn serve(stream: TcpStream, inner: Arc<Inner>, stop: CancellationToken) {
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE));
    let Ok(socket) = tokio_tungstenite::accept_hdr_async_with_config(stream, offer_sip, Some(config)).await
    else {
        return;
    };
    let connection = inner.connections.fetch_add(1, Ordering::Relaxed);
    let (mut sink, mut read) = socket.split();
    let (out, mut outgoing) = mpsc::unbounded_channel::<String>();
    let writer = tokio::spawn(async move {
        while let Some(text) = outgoing.recv().await {
            if sink.send(Message::text(text)).await.is_err() {
                break;
            }
        }
    });
    loop {
        let message = tokio::select! {
            () = stop.cancelled() => break,
            message = read.next() => message,
        };
        let text = match message {
            Some(Ok(Message::Text(text))) => text.to_string(),
            Some(Ok(Message::Binary(bytes))) => String::from_utf8_lossy(&bytes).into_owned(),
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
            Some(Ok(_)) => continue,
        };
        match SipMessage::try_from(text.as_str()) {
            Ok(SipMessage::Request(request)) => inner.clone().on_request(connection, &out, request).await,
            Ok(SipMessage::Response(response)) => inner.on_response(&out, response).await,
            Err(error) => tracing::debug!(%error, "the demo PBX dropped a message it cannot read"),
        }
    }
    inner.connection_closed(connection).await;
    writer.abort();
}

/// The headers a response repeats, and what the PBX reads.
#[derive(Default)]
struct Heads {
    vias: Vec<String>,
    from: String,
    to: String,
    call_id: String,
    cseq: String,
    contact: Option<String>,
    expires: Option<u32>,
}

fn heads(headers: &Headers) -> Heads {
    let mut heads = Heads::default();
    for header in headers.iter() {
        match header {
            Header::Via(v) => heads.vias.push(v.0.clone()),
            Header::From(v) => heads.from.clone_from(&v.0),
            Header::To(v) => heads.to.clone_from(&v.0),
            Header::CallId(v) => heads.call_id.clone_from(&v.0),
            Header::CSeq(v) => heads.cseq.clone_from(&v.0),
            Header::Contact(v) if heads.contact.is_none() => heads.contact = Some(v.0.clone()),
            Header::Expires(v) => heads.expires = v.0.trim().parse().ok(),
            _ => {}
        }
    }
    heads
}

/// The URI inside a name-addr (`"Name" <sip:u@h>;p=1` → `sip:u@h`), or the value itself.
fn uri_of(value: &str) -> &str {
    match (value.find('<'), value.find('>')) {
        (Some(start), Some(end)) if start < end => &value[start + 1..end],
        _ => value.split(';').next().unwrap_or(value).trim(),
    }
}

/// The user part of a SIP URI.
fn user_of(uri: &str) -> &str {
    let rest = uri.split_once(':').map_or(uri, |(_, rest)| rest);
    rest.split(['@', ';']).next().unwrap_or_default()
}

/// The value of parameter `name` in a header's parameters.
fn param<'a>(value: &'a str, name: &str) -> Option<&'a str> {
    let after_uri = value.rfind('>').map_or(value, |end| &value[end..]);
    after_uri.split(';').skip(1).find_map(|p| {
        let (key, val) = p.split_once('=')?;
        key.trim().eq_ignore_ascii_case(name).then_some(val.trim())
    })
}

impl Leg {
    async fn close(self) {
        match self.state {
            LegState::Ringing(cancel) => cancel.cancel(),
            LegState::Calling { far, .. } | LegState::Up(far) => far.close().await,
        }
    }
}

impl Inner {
    fn agent(&self) -> Option<Agent> {
        self.agent.lock().ok().and_then(|a| a.clone())
    }

    fn calls(&self) -> std::sync::MutexGuard<'_, HashMap<String, Leg>> {
        self.calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn contact(&self) -> String {
        format!("<sip:demo@127.0.0.1:{};transport=ws>", self.port)
    }

    /// A response to a request with `heads`; `to_tag` is added when its To has none.
    fn response(
        &self,
        code: u16,
        reason: &str,
        heads: &Heads,
        to_tag: Option<&str>,
        extra: &str,
        sdp: Option<&str>,
    ) -> String {
        let mut text = format!("SIP/2.0 {code} {reason}\r\n");
        for via in &heads.vias {
            text.push_str(&format!("Via: {via}\r\n"));
        }
        let to = match to_tag {
            Some(tag) if param(&heads.to, "tag").is_none() => format!("{};tag={tag}", heads.to),
            _ => heads.to.clone(),
        };
        text.push_str(&format!(
            "From: {}\r\nTo: {to}\r\nCall-ID: {}\r\nCSeq: {}\r\nServer: Leadline demo PBX\r\n{extra}",
            heads.from, heads.call_id, heads.cseq
        ));
        body(&mut text, sdp);
        text
    }

    /// A request of ours within a call.
    fn request(&self, method: &str, call: &Outgoing, to: &str, cseq: u32, sdp: Option<&str>) -> String {
        let mut text = format!(
            "{method} {uri} SIP/2.0\r\nVia: SIP/2.0/WS 127.0.0.1:{port};branch=z9hG4bK{branch:016x}\r\n\
             Max-Forwards: 70\r\nFrom: {from}\r\nTo: {to}\r\nCall-ID: {call_id}\r\nCSeq: {cseq} {method}\r\n\
             Contact: {contact}\r\n",
            uri = call.uri,
            port = self.port,
            branch = rand::random::<u64>(),
            from = call.from,
            call_id = call.call_id,
            contact = self.contact(),
        );
        body(&mut text, sdp);
        text
    }

    async fn on_request(
        self: Arc<Self>,
        connection: u64,
        out: &mpsc::UnboundedSender<String>,
        request: rsipstack::sip::Request,
    ) {
        let heads = heads(&request.headers);
        let tag = format!("{:x}", rand::random::<u32>());
        let reply = |code: u16, reason: &str| self.response(code, reason, &heads, Some(&tag), "", None);
        let answer = match request.method {
            Method::Register => self.register(connection, out, &heads),
            Method::Invite if param(&heads.to, "tag").is_some() => self.reinvite(&heads, &request.body).await,
            Method::Invite => {
                let number = request.uri.user().unwrap_or_default().to_owned();
                tracing::info!(%number, "the demo line rings");
                let _ = out.send(reply(100, "Trying"));
                let cancel = CancellationToken::new();
                self.calls().insert(
                    heads.call_id.clone(),
                    Leg {
                        connection,
                        state: LegState::Ringing(cancel.clone()),
                    },
                );
                let offer = String::from_utf8_lossy(&request.body).into_owned();
                tokio::spawn(
                    self.clone()
                        .ring_and_answer(out.clone(), heads, tag, offer, cancel),
                );
                return;
            }
            Method::Ack => return,
            Method::Bye => {
                let leg = self.calls().remove(&heads.call_id);
                match leg {
                    Some(leg) => {
                        leg.close().await;
                        reply(200, "OK")
                    }
                    None => reply(481, "Call/Transaction Does Not Exist"),
                }
            }
            Method::Cancel => {
                let ringing = {
                    let mut calls = self.calls();
                    match calls.get(&heads.call_id) {
                        Some(Leg {
                            state: LegState::Ringing(_),
                            ..
                        }) => calls.remove(&heads.call_id),
                        _ => None,
                    }
                };
                if let Some(leg) = ringing {
                    leg.close().await;
                }
                reply(200, "OK")
            }
            Method::Options | Method::Info | Method::Notify => reply(200, "OK"),
            Method::Refer => reply(403, "Forbidden"),
            _ => reply(501, "Not Implemented"),
        };
        let _ = out.send(answer);
    }

    fn register(&self, connection: u64, out: &mpsc::UnboundedSender<String>, heads: &Heads) -> String {
        let aor = uri_of(&heads.to);
        let domain = aor
            .rsplit_once('@')
            .map(|(_, d)| d.split([';', ':']).next().unwrap_or(d));
        if user_of(aor) != self.config.user || domain != Some(self.config.domain.as_str()) {
            return self.response(403, "Forbidden", heads, Some("demo"), "", None);
        }
        let contact = heads.contact.clone().unwrap_or_default();
        let expires = param(&contact, "expires")
            .and_then(|e| e.parse().ok())
            .or(heads.expires)
            .unwrap_or(MAX_EXPIRES)
            .min(MAX_EXPIRES);
        if let Ok(mut agent) = self.agent.lock() {
            *agent = (expires > 0 && !contact.is_empty()).then(|| Agent {
                connection,
                contact: uri_of(&contact).to_owned(),
                out: out.clone(),
            });
        }
        let extra = if expires > 0 {
            format!(
                "Contact: <{}>;expires={expires}\r\nExpires: {expires}\r\n",
                uri_of(&contact)
            )
        } else {
            String::new()
        };
        self.response(200, "OK", heads, Some("demo"), &extra, None)
    }

    async fn ring_and_answer(
        self: Arc<Self>,
        out: mpsc::UnboundedSender<String>,
        heads: Heads,
        tag: String,
        offer: String,
        cancel: CancellationToken,
    ) {
        let _ = out.send(self.response(180, "Ringing", &heads, Some(&tag), "", None));
        let cancelled = tokio::select! {
            () = cancel.cancelled() => true,
            () = tokio::time::sleep(self.config.ring) => false,
        };
        let answered: Option<(String, Arc<dyn FarCall>)> = if cancelled {
            None
        } else {
            self.far_end
                .answer(offer)
                .await
                .ok()
                .map(|(sdp, far)| (sdp, Arc::from(far)))
        };
        let still_ringing = {
            let mut calls = self.calls();
            match (calls.get_mut(&heads.call_id), &answered) {
                (Some(leg), Some((_, far))) if !cancel.is_cancelled() => {
                    leg.state = LegState::Up(far.clone());
                    true
                }
                _ => {
                    calls.remove(&heads.call_id);
                    false
                }
            }
        };
        let final_answer = match answered {
            Some((sdp, _)) if still_ringing => {
                let extra = format!("Contact: {}\r\n", self.contact());
                self.response(200, "OK", &heads, Some(&tag), &extra, Some(&sdp))
            }
            Some((_, far)) => {
                far.close().await;
                self.response(487, "Request Terminated", &heads, Some(&tag), "", None)
            }
            None if cancelled => self.response(487, "Request Terminated", &heads, Some(&tag), "", None),
            None => self.response(488, "Not Acceptable Here", &heads, Some(&tag), "", None),
        };
        let _ = out.send(final_answer);
    }

    async fn reinvite(&self, heads: &Heads, body: &[u8]) -> String {
        let far = match self.calls().get(&heads.call_id) {
            Some(Leg {
                state: LegState::Up(far),
                ..
            }) => far.clone(),
            _ => return self.response(481, "Call/Transaction Does Not Exist", heads, None, "", None),
        };
        match far.reoffer(String::from_utf8_lossy(body).into_owned()).await {
            Ok(sdp) => {
                let extra = format!("Contact: {}\r\n", self.contact());
                self.response(200, "OK", heads, None, &extra, Some(&sdp))
            }
            Err(_) => self.response(488, "Not Acceptable Here", heads, None, "", None),
        }
    }

    async fn on_response(&self, out: &mpsc::UnboundedSender<String>, response: rsipstack::sip::Response) {
        let heads = heads(&response.headers);
        if !heads.cseq.ends_with("INVITE") {
            return; // a BYE's answer
        }
        let code = response.status_code.code();
        if code < 200 {
            return;
        }
        let leg = self.calls().remove(&heads.call_id);
        let Some(Leg {
            connection,
            state: LegState::Calling { far, invite },
        }) = leg
        else {
            return;
        };
        // Every final answer to an INVITE is acknowledged.
        let mut ack = invite.clone();
        if code < 300
            && let Some(contact) = &heads.contact
        {
            ack.uri = uri_of(contact).to_owned();
        }
        let _ = out.send(self.request("ACK", &ack, &heads.to, 1, None));
        if code >= 300 {
            far.close().await;
            return;
        }
        match far
            .accept_answer(String::from_utf8_lossy(&response.body).into_owned())
            .await
        {
            Ok(()) => {
                self.calls().insert(
                    heads.call_id.clone(),
                    Leg {
                        connection,
                        state: LegState::Up(far),
                    },
                );
            }
            Err(error) => {
                tracing::warn!(%error, "the demo call's answer could not be used");
                far.close().await;
                let _ = out.send(self.request("BYE", &ack, &heads.to, 2, None));
            }
        }
    }

    async fn connection_closed(&self, connection: u64) {
        if let Ok(mut agent) = self.agent.lock()
            && agent.as_ref().is_some_and(|a| a.connection == connection)
        {
            *agent = None;
        }
        let gone: Vec<Leg> = {
            let mut calls = self.calls();
            let ids: Vec<String> = calls
                .iter()
                .filter(|(_, leg)| leg.connection == connection)
                .map(|(id, _)| id.clone())
                .collect();
            ids.iter().filter_map(|id| calls.remove(id)).collect()
        };
        for leg in gone {
            leg.close().await;
        }
    }
}

fn body(text: &mut String, sdp: Option<&str>) {
    match sdp {
        Some(sdp) => text.push_str(&format!(
            "Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{sdp}",
            sdp.len()
        )),
        None => text.push_str("Content-Length: 0\r\n\r\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_parts_of_addresses_it_needs() {
        assert_eq!(
            uri_of("\"Sam\" <sip:1001@demo.test;transport=ws>;tag=abc"),
            "sip:1001@demo.test;transport=ws"
        );
        assert_eq!(uri_of("sip:1001@demo.test;tag=abc"), "sip:1001@demo.test");
        assert_eq!(user_of("sip:1001@demo.test;transport=ws"), "1001");
        assert_eq!(user_of("sip:+12125550100@demo.test"), "+12125550100");
        assert_eq!(param("<sip:a@b;expires=9>;expires=60;q=1", "expires"), Some("60"));
        assert_eq!(
            param("<sip:a@b;tag=x>", "tag"),
            None,
            "a URI's parameter is not the header's"
        );
        assert_eq!(param("\"A\" <sip:a@b>;TAG=7", "tag"), Some("7"));
    }

    #[test]
    fn a_response_repeats_the_request_and_tags_its_to() {
        let inner = Inner {
            config: DemoPbxConfig {
                domain: "demo.test".into(),
                user: "1001".into(),
                ring: Duration::ZERO,
            },
            far_end: Arc::new(NoMedia),
            port: 5066,
            agent: Mutex::new(None),
            calls: Mutex::new(HashMap::new()),
            connections: AtomicU64::new(0),
        };
        let heads = Heads {
            vias: vec![
                "SIP/2.0/WS a.invalid;branch=z9hG4bK1".into(),
                "SIP/2.0/WS b.invalid;branch=z9hG4bK2".into(),
            ],
            from: "<sip:1001@demo.test>;tag=f".into(),
            to: "<sip:1001@demo.test>".into(),
            call_id: "c1".into(),
            cseq: "7 REGISTER".into(),
            contact: None,
            expires: None,
        };
        let text = inner.response(200, "OK", &heads, Some("t9"), "", None);
        let parsed = SipMessage::try_from(text.as_str()).expect("a response a SIP stack reads");
        let SipMessage::Response(response) = parsed else {
            panic!("not a response")
        };
        assert_eq!(response.status_code.code(), 200);
        let again = super::heads(&response.headers);
        assert_eq!(again.vias, heads.vias, "every Via, in order");
        assert_eq!(again.to, "<sip:1001@demo.test>;tag=t9");
        assert_eq!(
            (again.call_id.as_str(), again.cseq.as_str()),
            ("c1", "7 REGISTER")
        );
        let tagged = Heads {
            to: again.to.clone(),
            ..heads
        };
        let text = inner.response(200, "OK", &tagged, Some("other"), "", Some("v=0\r\n"));
        assert!(
            text.contains("To: <sip:1001@demo.test>;tag=t9\r\n"),
            "a tag stays: {text}"
        );
        assert!(text.ends_with("Content-Length: 5\r\n\r\nv=0\r\n"), "{text}");
    }

    struct NoMedia;

    impl FarEnd for NoMedia {
        fn answer(&self, _: String) -> Starting {
            Box::pin(async { Err("no media".to_owned()) })
        }
        fn offer(&self) -> Starting {
            Box::pin(async { Err("no media".to_owned()) })
        }
    }
}
