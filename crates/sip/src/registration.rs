//! Drives one account's registration: connects the WebSocket, registers with digest
//! authentication, refreshes as [`Policy`] says, pings the connection so a dead PBX is noticed
//! within [`DEAD_AFTER`], reconnects with backoff and registers again, and unregisters on stop.
//! Every change of state is a [`RegEvent`].

use crate::call::IncomingCall;
use crate::dialer::Dialer;
use crate::policy::{Decision, Failure, Outcome, Policy, RegState};
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
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

/// How long to wait for the WebSocket to open.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to wait for a final answer to a REGISTER.
pub const REGISTER_TIMEOUT: Duration = Duration::from_secs(16);
/// A WebSocket ping goes out this often.
pub const PING_EVERY: Duration = Duration::from_secs(10);
/// A connection silent for this long (no pong, no message) is closed as dead.
pub const DEAD_AFTER: Duration = Duration::from_secs(25);

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

/// One account's registration, and the calls over its connection.
pub struct Registration {
    account: Account,
    policy: Policy,
    link: Option<Link>,
    incoming_tx: mpsc::UnboundedSender<IncomingCall>,
    incoming_rx: Option<mpsc::UnboundedReceiver<IncomingCall>>,
    /// The connection calls run over, published for them (and for [`Dialer`]s).
    routes: watch::Sender<Option<Route>>,
    /// Each live call holds a clone: while there are any, retries come sooner.
    live_calls: Arc<()>,
}

/// A connection and the SIP endpoint running over it.
struct Link {
    dialed: Dialed,
    endpoint: Endpoint,
    registration: RegisterClient,
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

impl Registration {
    /// A registration of `account`; `seed` drives the retry jitter.
    pub fn new(account: Account, seed: u64) -> Result<Registration, SipError> {
        account.validate()?;
        let policy = Policy::new(account.expires, seed);
        let (incoming_tx, incoming_rx) = mpsc::unbounded_channel();
        let (routes, _) = watch::channel(None);
        Ok(Registration {
            account,
            policy,
            link: None,
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

    /// `decision`, with retries sooner while calls wait for a connection.
    fn with_calls(&self, decision: Decision, now: Instant) -> Decision {
        if self.calls_up() {
            decision.during_calls(now)
        } else {
            decision
        }
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

    async fn connect(&mut self) -> Result<(), SipError> {
        self.drop_link();
        let dialed = transport::dial(&self.account, CONNECT_TIMEOUT).await?;
        let cancel = CancellationToken::new();
        let mut layer = TransportLayer::new(cancel.clone());
        layer.outbound = Some(dialed.remote.clone());
        layer.set_stream_idle_timeout(DEAD_AFTER);
        layer.add_connection(dialed.connection.clone());
        let endpoint = EndpointBuilder::new()
            .with_transport_layer(layer)
            .with_cancel_token(cancel)
            .with_user_agent(concat!("Leadline/", env!("CARGO_PKG_VERSION")))
            .with_inspector(Box::new(crate::digest_names::DigestNames))
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
        keep_alive(dialed.clone());
        self.link = Some(Link {
            dialed,
            endpoint,
            registration,
        });
        Ok(())
    }

    /// One REGISTER for `expires` seconds (0 unregisters) and what it ended with.
    async fn send_register(&mut self, expires: u32) -> Outcome {
        let uri = match self.registrar_uri() {
            Ok(uri) => uri,
            Err(e) => {
                return Outcome::Rejected {
                    code: 0,
                    reason: e.to_string(),
                };
            }
        };
        let Some(link) = self.link.as_mut() else {
            return Outcome::Unreachable("not connected".into());
        };
        let answer =
            tokio::time::timeout(REGISTER_TIMEOUT, link.registration.register(uri, Some(expires))).await;
        match answer {
            Err(_) => Outcome::Timeout,
            Ok(Err(error)) => Outcome::Unreachable(error.to_string()),
            Ok(Ok(response)) => match response.status_code.code() {
                200..=299 => Outcome::Registered {
                    granted: link.registration.expires(),
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

    /// Registers once (following `423` at once), reporting the outcome.
    pub async fn register(&mut self) -> (RegEvent, Decision) {
        loop {
            // The round trip timed is the REGISTER's alone (its challenge included), not the
            // WebSocket's opening.
            let disconnected = self.link.as_ref().is_none_or(|l| l.dialed.closed.is_cancelled());
            let connected = if disconnected {
                self.connect().await
            } else {
                Ok(())
            };
            let started = Instant::now();
            let outcome = match connected {
                Ok(()) => self.send_register(self.policy.expires()).await,
                Err(error) => outcome_of(&error),
            };
            let now = Instant::now();
            let decision = self.policy.on_outcome(now, &outcome);
            let decision = self.with_calls(decision, now);
            let event = match &decision.state {
                RegState::Registered { expires } => RegEvent::Registered {
                    expires: *expires,
                    ms: (started.elapsed().as_secs_f64() * 1e6).round() / 1e3,
                },
                RegState::Registering => continue,
                RegState::Failed { failure, final_ } => RegEvent::RegistrationFailed {
                    failure: failure.clone(),
                    final_: *final_,
                    retry_in_ms: decision.next.map(|at| {
                        u64::try_from(at.saturating_duration_since(now).as_millis()).unwrap_or(u64::MAX)
                    }),
                },
                RegState::Unregistered => RegEvent::Unregistered,
            };
            return (event, decision);
        }
    }

    /// The calls that arrive (once: the receiver moves to the caller).
    pub fn incoming_calls(&mut self) -> Option<mpsc::UnboundedReceiver<IncomingCall>> {
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
        let url = self.account.ws_url.clone();
        loop {
            if self.link.is_none() {
                let _ = events.send(RegEvent::Connecting { url: url.clone() });
            }
            let (event, decision) = self.register().await;
            let _ = events.send(event);
            let Some(next) = decision.next else {
                return; // final: the agent must act
            };
            let closed = self
                .link
                .as_ref()
                .map_or_else(CancellationToken::new, |l| l.dialed.closed.clone());
            tokio::select! {
                () = stop.cancelled() => {
                    let _ = events.send(self.unregister().await);
                }
                () = tokio::time::sleep_until(next.into()) => continue,
                () = closed.cancelled(), if self.link.is_some() => {
                    tracing::info!("the connection to the PBX closed");
                    self.drop_link();
                    let now = Instant::now();
                    let decision = self.policy.on_connection_lost(now);
                    let decision = self.with_calls(decision, now);
                    let wait = decision.next.map(|at| at.saturating_duration_since(Instant::now()));
                    let _ = events.send(RegEvent::RegistrationFailed {
                        failure: Failure::ConnectionLost,
                        final_: false,
                        retry_in_ms: wait.map(|w| u64::try_from(w.as_millis()).unwrap_or(u64::MAX)),
                    });
                    tokio::select! {
                        () = stop.cancelled() => {}
                        () = tokio::time::sleep(wait.unwrap_or_default()) => continue,
                    }
                }
            }
            return;
        }
    }
}

/// Pings the connection every [`PING_EVERY`] for as long as it is open — registered, ringing
/// or talking, whoever drives the registration — so that the transport's idle timer closes only a
/// dead one (silent for [`DEAD_AFTER`]). A failed ping closes it at once.
fn keep_alive(dialed: Dialed) {
    tokio::spawn(async move {
        let mut ping = tokio::time::interval(PING_EVERY);
        ping.tick().await;
        loop {
            tokio::select! {
                () = dialed.closed.cancelled() => return,
                _ = ping.tick() => {
                    if transport::ping(&dialed).await.is_err() {
                        dialed.closed.cancel();
                        return;
                    }
                }
            }
        }
    });
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
    to_app: mpsc::UnboundedSender<IncomingCall>,
}

fn dispatch_incoming(endpoint: &Endpoint, route: Route, calls: Calls) -> Result<(), SipError> {
    let mut incoming = endpoint.incoming_transactions()?;
    tokio::spawn(async move {
        let (dialogs, contact) = (route.dialogs.clone(), route.contact.clone());
        while let Some(mut tx) = incoming.recv().await {
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
                        let _ = calls.to_app.send(call);
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
