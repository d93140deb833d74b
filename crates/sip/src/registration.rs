//! Drives one account's registration: the thin tokio driver around [`Line`], which decides
//! everything about time (when to register, refresh, ping, give up on a connect or a REGISTER,
//! call a silent connection dead, retry). The driver opens the WebSocket, runs the SIP endpoint
//! over it, registers with digest authentication, sends the keepalive pings, dispatches what
//! the PBX sends (calls to the application), and unregisters on stop. Every change of state is
//! a [`RegEvent`].

use crate::call::IncomingCall;
use crate::challenges::Challenges;
use crate::dialer::Dialer;
use crate::keepalive::{self, Pinged};
use crate::line::{Line, LineAction};
use crate::policy::{Failure, Outcome};
use crate::route::{Route, Routes};
use crate::transport::{self, Dialed};
use crate::{Account, SipError};
use rsipstack::EndpointBuilder;
use rsipstack::dialog::dialog::Dialog;
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::registration::Registration as RegisterClient;
use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Header, Method, StatusCode};
use rsipstack::transaction::Endpoint;
use rsipstack::transport::TransportLayer;
use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, mpsc, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// What the agent sees of registration.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum RegEvent {
    /// Opening the connection to the PBX.
    Connecting {
        /// The PBX's WebSocket URL.
        url: String,
    },
    /// Registered.
    Registered {
        /// Seconds granted.
        expires: u32,
        /// This REGISTER's round trip (challenge included), in milliseconds (to the µs).
        ms: f64,
    },
    /// Not registered, and why; retried in `retry_in_ms` unless final.
    RegistrationFailed {
        /// Why.
        #[serde(flatten)]
        failure: Failure,
        /// The agent must fix something first.
        #[serde(rename = "final")]
        final_: bool,
        /// When the next attempt goes out.
        retry_in_ms: Option<u64>,
    },
    /// Unregistered (on stop).
    Unregistered,
}

/// Calls arriving faster than the phone takes them wait in a queue this long; beyond it they
/// are refused as busy (486).
pub const MAX_WAITING_CALLS: usize = 16;

/// One account's registration, and the calls over its connection.
pub struct Registration {
    account: Account,
    line: Line,
    link: Option<Link>,
    /// Counts connections, so that a late ping answer from a closed one is not taken as news.
    generation: u64,
    incoming_tx: mpsc::Sender<IncomingCall>,
    incoming_rx: Option<mpsc::Receiver<IncomingCall>>,
    /// The connection calls run over, published for them (and for [`Dialer`]s).
    routes: watch::Sender<Option<Route>>,
    /// Each live call holds a clone: while there are any, retries come sooner.
    live_calls: Arc<()>,
}

/// A connection and the SIP endpoint running over it.
struct Link {
    dialed: Dialed,
    endpoint: Endpoint,
    registration: Arc<Mutex<RegisterClient>>,
    challenges: Arc<Challenges>,
}

impl Drop for Link {
    fn drop(&mut self) {
        self.endpoint.shutdown();
        self.dialed.closed.cancel();
    }
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("account", &self.account)
            .field("connected", &self.link.is_some())
            .finish()
    }
}

fn outcome_of(error: &SipError) -> Outcome {
    match error {
        SipError::Tls { reason, .. } => Outcome::Tls(reason.clone()),
        other => Outcome::Unreachable(other.to_string()),
    }
}

fn min_expires(response: &rsipstack::sip::Response) -> Option<u32> {
    response.headers.iter().find_map(|h| match h {
        Header::MinExpires(v) => v.value().trim().parse().ok(),
        _ => None,
    })
}

/// What the driver has in flight for the line.
enum InFlight {
    Connect(JoinHandle<Result<Dialed, SipError>>),
    Register(JoinHandle<Outcome>),
}

/// How something in flight ended.
enum Finished {
    Connect(Result<Dialed, SipError>),
    Register(Outcome),
}

/// Waits for what is in flight (forever when nothing is).
async fn finished(in_flight: &mut Option<InFlight>) -> Finished {
    let stopped = |e: tokio::task::JoinError| e.to_string();
    match in_flight {
        Some(InFlight::Connect(task)) => {
            Finished::Connect(task.await.unwrap_or_else(|e| Err(SipError::Stack(stopped(e)))))
        }
        Some(InFlight::Register(task)) => {
            Finished::Register(task.await.unwrap_or_else(|e| Outcome::Unreachable(stopped(e))))
        }
        None => std::future::pending().await,
    }
}

/// Sleeps until `at` (forever when there is none).
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

impl Registration {
    /// A registration of `account` with its timers ([`Account::timing`]); `seed` drives the
    /// retry jitter.
    pub fn new(account: Account, seed: u64) -> Result<Registration, SipError> {
        account.validate()?;
        let line = Line::new(
            account.ws_url.clone(),
            account.expires,
            seed,
            account.timing,
            Instant::now(),
        );
        let (incoming_tx, incoming_rx) = mpsc::channel(MAX_WAITING_CALLS);
        let (routes, _) = watch::channel(None);
        Ok(Registration {
            account,
            line,
            link: None,
            generation: 0,
            incoming_tx,
            incoming_rx: Some(incoming_rx),
            routes,
            live_calls: Arc::new(()),
        })
    }

    /// Places calls over this registration's connection, whichever it is at the time (usable
    /// while [`Registration::run`] keeps the account registered on its own task).
    pub fn dialer(&self) -> Dialer {
        Dialer::new(
            self.account.clone(),
            self.routes.subscribe(),
            Arc::downgrade(&self.live_calls),
        )
    }

    /// Whether any call placed or taken over this registration is still up.
    fn calls_up(&self) -> bool {
        Arc::strong_count(&self.live_calls) > 1
    }

    /// Forgets the connection (closing it), and tells the calls.
    fn drop_link(&mut self) {
        self.link = None;
        self.routes.send_replace(None);
    }

    fn registrar_uri(&self) -> Result<rsipstack::sip::Uri, SipError> {
        rsipstack::sip::Uri::try_from(format!("sip:{}", self.account.domain).as_str()).map_err(|e| {
            SipError::InvalidAccount(format!("{:?} is not a SIP domain: {e}", self.account.domain))
        })
    }

    /// Runs the SIP endpoint over the freshly opened connection and publishes it for calls.
    fn attach(&mut self, dialed: Dialed) -> Result<(), SipError> {
        self.drop_link();
        let cancel = CancellationToken::new();
        let challenges = Arc::new(Challenges::new(self.account.digest_realm()));
        let mut layer = TransportLayer::new(cancel.clone());
        layer.outbound = Some(dialed.remote.clone());
        // Silence is judged by the line (keepalive), not by a read timeout in the stack.
        layer.set_stream_idle_timeout(Duration::ZERO);
        layer.add_connection(dialed.connection.clone());
        let endpoint = EndpointBuilder::new()
            .with_transport_layer(layer)
            .with_cancel_token(cancel)
            .with_user_agent(concat!("Leadline/", env!("CARGO_PKG_VERSION")))
            .with_inspector(Box::new(crate::digest_names::DigestNames {
                challenges: challenges.clone(),
            }))
            .build();
        let serving = endpoint.inner.clone();
        tokio::spawn(async move {
            if let Err(error) = serving.serve().await {
                tracing::debug!(%error, "SIP endpoint stopped");
            }
        });
        let dialogs = Arc::new(DialogLayer::new(endpoint.inner.clone()));
        let contact = rsipstack::sip::Uri::try_from(contact_address(&self.account, &dialed).as_str())
            .map_err(|e| SipError::Stack(format!("our contact address: {e}")))?;
        let route = Route {
            dialogs: dialogs.clone(),
            contact,
            closed: dialed.closed.clone(),
            move_within: self.account.timing.move_within,
        };
        let calls = Calls {
            routes: self.routes.subscribe(),
            live: Arc::downgrade(&self.live_calls),
            to_app: self.incoming_tx.clone(),
        };
        dispatch_incoming(&endpoint, route.clone(), calls)?;
        self.routes.send_replace(Some(route));
        let credential = crate::dialer::credential(&self.account);
        let registration = RegisterClient::new(endpoint.inner.clone(), Some(credential));
        self.generation += 1;
        self.link = Some(Link {
            dialed,
            endpoint,
            registration: Arc::new(Mutex::new(registration)),
            challenges,
        });
        Ok(())
    }

    /// One REGISTER for `expires` seconds (0 unregisters) over the current connection, as a
    /// future of what it ended with (no deadline of its own: the line decides how long).
    fn send_register(&self, expires: u32) -> impl Future<Output = Outcome> + Send + 'static {
        let uri = self.registrar_uri();
        let client = self
            .link
            .as_ref()
            .map(|link| (link.registration.clone(), link.challenges.clone()));
        async move {
            let uri = match uri {
                Ok(uri) => uri,
                Err(e) => {
                    return Outcome::Rejected {
                        code: 0,
                        reason: e.to_string(),
                    };
                }
            };
            let Some((client, challenges)) = client else {
                return Outcome::Unreachable("not connected".into());
            };
            let mut client = client.lock().await;
            let answer = client.register(uri, Some(expires)).await;
            if let Some(why) = challenges.take_refusal() {
                return Outcome::UntrustedChallenge(why);
            }
            match answer {
                Err(error) => Outcome::Unreachable(error.to_string()),
                Ok(response) => match response.status_code.code() {
                    200..=299 => Outcome::Registered {
                        granted: client.expires(),
                    },
                    401 | 407 => Outcome::Unauthorized,
                    423 => Outcome::TooBrief {
                        min_expires: min_expires(&response),
                    },
                    code => Outcome::Rejected {
                        code,
                        reason: response.status_code.to_string(),
                    },
                },
            }
        }
    }

    /// Carries out what the line asks.
    fn carry_out(
        &mut self,
        action: LineAction,
        in_flight: &mut Option<InFlight>,
        heard: &mpsc::UnboundedSender<u64>,
    ) {
        match action {
            LineAction::Connect => {
                let account = self.account.clone();
                *in_flight = Some(InFlight::Connect(tokio::spawn(async move {
                    transport::dial(&account).await
                })));
            }
            LineAction::Register { expires } => {
                *in_flight = Some(InFlight::Register(tokio::spawn(self.send_register(expires))));
            }
            LineAction::Ping => {
                let Some(link) = self.link.as_ref() else {
                    return;
                };
                let (endpoint, connection) = (link.endpoint.inner.clone(), link.dialed.connection.clone());
                let (account, closed) = (self.account.clone(), link.dialed.closed.clone());
                let (heard, generation) = (heard.clone(), self.generation);
                tokio::spawn(async move {
                    match keepalive::ping(endpoint, connection, &account).await {
                        Pinged::Answered => {
                            let _ = heard.send(generation);
                        }
                        Pinged::SendFailed => closed.cancel(),
                        Pinged::Unanswered => {}
                    }
                });
            }
            LineAction::Close => self.drop_link(),
            LineAction::Abandon => match in_flight.take() {
                Some(InFlight::Connect(task)) => task.abort(),
                Some(InFlight::Register(task)) => task.abort(),
                None => {}
            },
        }
    }

    /// Drives the line until `stop` is cancelled (returns `true`), a final failure, or — when
    /// `once` — the first registration outcome; each [`RegEvent`] goes to `report`.
    async fn drive(
        &mut self,
        report: &mut (dyn FnMut(RegEvent) + Send),
        stop: &CancellationToken,
        once: bool,
    ) -> bool {
        let (heard_tx, mut heard) = mpsc::unbounded_channel();
        let mut in_flight = None;
        loop {
            self.line.set_calls_up(Instant::now(), self.calls_up());
            while let Some(action) = self.line.poll_action() {
                self.carry_out(action, &mut in_flight, &heard_tx);
            }
            let mut outcome = false;
            while let Some(event) = self.line.poll_event() {
                outcome |= matches!(
                    event,
                    RegEvent::Registered { .. } | RegEvent::RegistrationFailed { .. }
                );
                report(event);
            }
            if self.line.is_finished() || (once && outcome) {
                return false;
            }
            let closed = self
                .link
                .as_ref()
                .map_or_else(CancellationToken::new, |l| l.dialed.closed.clone());
            tokio::select! {
                () = stop.cancelled() => return true,
                () = sleep_until(self.line.poll_timeout()) => self.line.handle_timeout(Instant::now()),
                done = finished(&mut in_flight) => {
                    in_flight = None;
                    match done {
                        Finished::Connect(Ok(dialed)) => match self.attach(dialed) {
                            Ok(()) => self.line.handle_connected(Instant::now()),
                            Err(error) => self.line.handle_outcome(Instant::now(), &outcome_of(&error)),
                        },
                        Finished::Connect(Err(error)) => self.line.handle_outcome(Instant::now(), &outcome_of(&error)),
                        Finished::Register(outcome) => self.line.handle_outcome(Instant::now(), &outcome),
                    }
                }
                () = closed.cancelled(), if self.link.is_some() => {
                    tracing::info!("the connection to the PBX closed");
                    self.drop_link();
                    self.line.handle_closed(Instant::now());
                }
                Some(generation) = heard.recv() => {
                    if generation == self.generation {
                        self.line.handle_heard(Instant::now());
                    }
                }
            }
        }
    }

    /// Registers once (following `423` at once), reporting each step to `report`; the last
    /// event is the outcome.
    pub async fn register_once(&mut self, mut report: impl FnMut(RegEvent) + Send) {
        self.drive(&mut report, &CancellationToken::new(), true).await;
    }

    /// The calls that arrive (once: the receiver moves to the caller).
    pub fn incoming_calls(&mut self) -> Option<mpsc::Receiver<IncomingCall>> {
        self.incoming_rx.take()
    }

    /// Removes the registration (best effort: a PBX that is gone lets it expire).
    pub async fn unregister(&mut self) -> RegEvent {
        if self
            .link
            .as_ref()
            .is_some_and(|l| !l.dialed.closed.is_cancelled())
        {
            let outcome = self.send_register(0).await;
            if !matches!(outcome, Outcome::Registered { .. }) {
                tracing::warn!(?outcome, "the PBX did not confirm unregistering");
            }
        }
        self.drop_link();
        RegEvent::Unregistered
    }

    /// Keeps the account registered until `stop` is cancelled (then unregisters), or until a
    /// final failure. Sends each [`RegEvent`] to `events`.
    pub async fn run(mut self, events: mpsc::UnboundedSender<RegEvent>, stop: CancellationToken) {
        let mut report = |event| {
            let _ = events.send(event);
        };
        if self.drive(&mut report, &stop, false).await {
            report(self.unregister().await);
        }
    }
}

/// Where the PBX reaches us inside a call: our end of the WebSocket, marked `transport=ws`
/// (or `wss`). Never the address of record: its domain is the PBX's own, and a proxy seeing
/// itself in the request URI would take the request for strict-routed.
fn contact_address(account: &Account, dialed: &Dialed) -> String {
    let transport = if dialed.secure { "wss" } else { "ws" };
    format!("sip:{}@{};transport={transport}", account.username, dialed.local)
}

/// A Contact without a `transport` parameter means UDP (RFC 3261), but the stack marks a
/// remote target without one with the transport it arrived on (WS), and the proxy would then
/// route our BYE to a UDP phone over WebSocket. Saying `transport=udp` keeps the meaning.
fn explicit_transport_in_contact(request: &mut rsipstack::sip::Request) {
    for header in request.headers.iter_mut() {
        if let Header::Contact(contact) = header
            && let Some(fixed) = with_udp_transport(contact.value())
        {
            *contact = rsipstack::sip::headers::Contact::new(fixed);
        }
    }
}

/// The URI of the request's first Contact.
fn contact_uri(request: &rsipstack::sip::Request) -> Option<rsipstack::sip::Uri> {
    request.headers.iter().find_map(|h| match h {
        Header::Contact(contact) => rsipstack::sip::typed::Contact::parse_header_list(contact.value())
            .ok()?
            .into_iter()
            .next()
            .map(|c| c.uri),
        _ => None,
    })
}

/// `contact` with `;transport=udp` in its URI, or `None` when it names a transport already.
fn with_udp_transport(contact: &str) -> Option<String> {
    if contact.to_ascii_lowercase().contains("transport=") || contact.trim() == "*" {
        return None;
    }
    match (contact.find('<'), contact.find('>')) {
        (Some(open), Some(close)) if open < close => Some(format!(
            "{};transport=udp{}",
            &contact[..close],
            &contact[close..]
        )),
        _ => {
            let (uri, params) = contact.split_once(';').map_or((contact, ""), |(u, p)| (u, p));
            let params = if params.is_empty() {
                String::new()
            } else {
                format!(";{params}")
            };
            Some(format!("<{};transport=udp>{params}", uri.trim()))
        }
    }
}

/// Routes what the PBX sends: requests inside a call to that call's dialog, a new INVITE to
/// the application as an [`IncomingCall`] (ringing at once), `OPTIONS` keepalives answered
/// 200, anything else refused.
/// Where arriving calls go, and what they keep.
struct Calls {
    routes: Routes,
    live: std::sync::Weak<()>,
    to_app: mpsc::Sender<IncomingCall>,
}

fn dispatch_incoming(endpoint: &Endpoint, route: Route, calls: Calls) -> Result<(), SipError> {
    let mut incoming = endpoint.incoming_transactions()?;
    tokio::spawn(async move {
        let (dialogs, contact) = (route.dialogs.clone(), route.contact.clone());
        while let Some(mut tx) = incoming.recv().await {
            if let Some(refusal) = crate::request_checks::refusal(&tx.original) {
                tracing::debug!(status = %refusal.status, method = %tx.original.method, "a malformed request was refused");
                if tx.original.method != Method::Ack {
                    let headers = refusal
                        .unsupported
                        .map(|tags| vec![rsipstack::sip::headers::Unsupported::new(tags).into()])
                        .unwrap_or_default();
                    if let Err(error) = tx.reply_with(refusal.status, headers, None).await {
                        tracing::debug!(%error, "could not refuse a malformed request");
                    }
                }
                continue;
            }
            let in_dialog = tx
                .original
                .to_header()
                .ok()
                .and_then(|to| to.tag().ok().flatten())
                .is_some();
            let dialog = if in_dialog {
                dialogs.match_dialog(&tx)
            } else if tx.original.method == Method::Invite {
                explicit_transport_in_contact(&mut tx.original);
                let (state_tx, states) = dialogs.new_dialog_state_channel();
                match dialogs.get_or_create_server_invite(&tx, state_tx, None, Some(contact.clone())) {
                    Ok(dialog) => {
                        // The stack stamps the arrival transport on the remote target; the
                        // Contact's own (now explicit) transport is the right one.
                        if let Some(target) = contact_uri(&tx.original) {
                            Dialog::Invite(dialog.clone()).set_remote_target(target, None);
                        }
                        let call = IncomingCall::new(
                            dialog.clone(),
                            states,
                            route.clone(),
                            (calls.routes.clone(), calls.live.upgrade()),
                        );
                        call.ring();
                        // A flood of INVITEs waits no further than the queue: the rest are busy.
                        if let Err(
                            mpsc::error::TrySendError::Full(call) | mpsc::error::TrySendError::Closed(call),
                        ) = calls.to_app.try_send(call)
                        {
                            tracing::warn!("too many calls waiting for the phone: refused as busy");
                            call.reject(Some(486));
                        }
                        Some(Dialog::Invite(dialog))
                    }
                    Err(error) => {
                        tracing::warn!(%error, "an INVITE could not start a call");
                        None
                    }
                }
            } else {
                None
            };
            if let Some(Dialog::Invite(call)) = &dialog
                && crate::request_checks::out_of_order(&tx.original, call.snapshot().remote_cseq)
            {
                if let Err(error) = tx.reply(StatusCode::ServerInternalError).await {
                    tracing::debug!(%error, "could not refuse an out-of-order request");
                }
                continue;
            }
            if let Some(mut dialog) = dialog {
                tokio::spawn(async move {
                    if let Err(error) = dialog.handle(&mut tx).await {
                        tracing::debug!(%error, "in-call request failed");
                    }
                });
                continue;
            }
            let status = match tx.original.method {
                Method::Options => StatusCode::OK,
                Method::Ack => continue,
                _ if in_dialog => StatusCode::CallTransactionDoesNotExist,
                _ => StatusCode::MethodNotAllowed,
            };
            if let Err(error) = tx.reply(status).await {
                tracing::debug!(%error, "could not answer an incoming request");
            }
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::with_udp_transport;

    #[test]
    fn a_contact_without_transport_says_udp() {
        assert_eq!(
            with_udp_transport("<sip:3003-0x55@127.0.0.1:5070>").as_deref(),
            Some("<sip:3003-0x55@127.0.0.1:5070;transport=udp>")
        );
        assert_eq!(
            with_udp_transport("\"Carl\" <sip:3003@10.0.0.2>;+sip.instance=\"x\"").as_deref(),
            Some("\"Carl\" <sip:3003@10.0.0.2;transport=udp>;+sip.instance=\"x\"")
        );
        assert_eq!(
            with_udp_transport("sip:3003@10.0.0.2;expires=60").as_deref(),
            Some("<sip:3003@10.0.0.2;transport=udp>;expires=60")
        );
        assert_eq!(with_udp_transport("<sip:a@b;transport=ws>"), None);
        assert_eq!(with_udp_transport("*"), None);
    }
}
