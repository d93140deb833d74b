//! Leadline's SIP user agent: SIP over WebSocket (WS and WSS) to the tenant's PBX, built on
//! rsipstack.
//!
//! - [`Account`]: what the agent's `agent_sip_credentials` row and the keychain give (the
//!   password never leaves this crate in a message, a log line or an event).
//! - [`transport`]: dials the PBX's WebSocket, verifying its certificate against the system's
//!   roots plus an optional private CA; never "accept anything".
//! - [`policy`]: the registration policy as a pure state machine on explicit time: when to
//!   refresh, how to back off with jitter, what a response means for the agent.
//! - [`line`]: the registration line on explicit time (the policy, keepalive and dead
//!   detection, connect and REGISTER deadlines, faster retries while calls are up); and
//!   [`call_state`]: each call's (ring timeout, the window to move to a new connection,
//!   re-INVITE glare). The tokio code around them only carries out what they decide.
//! - [`Registration`]: drives the client side of registration (the PBX is the registrar) over a live connection: digest authentication (401
//!   and 407, MD5 and SHA-256 — the algorithm named as RFC 7616 spells it, see
//!   `digest_names` —, `qop=auth`, `stale=true`, a separate auth username),
//!   `423 Min-Expires`, refresh, keepalive, reconnect, unregister; reports [`RegEvent`]s.
//! - [`Dialer`]: places calls over the registration's current connection; a [`Call`] whose
//!   connection drops moves to the next one when its dialog survives (`reconnect`).

mod account;
mod call;
pub mod call_state;
pub mod challenges;
#[cfg(feature = "demo-pbx")]
pub mod demo_pbx;
mod dialer;
mod digest_names;
mod end_reason;
mod error;
mod in_call;
mod keepalive;
pub mod line;
pub mod policy;
mod reconnect;
mod registration;
pub mod request_checks;
mod route;
pub mod transport;

pub use account::{Account, DEFAULT_EXPIRES, Password};
pub use call::{Call, Caller, GiveUp, IncomingCall, Ringing, new_call_id};
pub use call_state::{CallState, HoldChange, Transfer};
pub use dialer::Dialer;
pub use end_reason::EndReason;
pub use error::SipError;
pub use in_call::{CallEvent, Reoffer, dtmf_of_info, holds_us, refer_progress};
pub use line::{Line, LineAction, LineTiming};
pub use policy::{Failure, RegState};
pub use registration::{MAX_WAITING_CALLS, RegEvent, Registration};
