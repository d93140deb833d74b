//! The agent's phone line in the app: registers the signed-in agent's SIP account on start
//! when its settings say so (`auto_register`), keeps it registered (refresh, keepalive,
//! reconnect with backoff), reports every change as a [`PhoneStatus`] the UI shows, and
//! unregisters when stopped (on quit). The password goes from the keychain to the SIP stack
//! only; no status carries it.

use crate::{CoreError, Handle};
use leadline_sip::{Failure, RegEvent, Registration};
use serde::Serialize;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How long quitting waits for the PBX to confirm the unregistration.
pub const UNREGISTER_WITHIN: Duration = Duration::from_secs(3);

/// The phone line as the agent sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PhoneStatus {
    /// Not registering: no SIP account, not signed in, or not set to register on start.
    Off {
        /// Why, for the agent.
        reason: String,
    },
    /// Connecting to the PBX.
    Connecting {
        /// The PBX's address.
        url: String,
    },
    /// Registered: calls can come in.
    Registered {
        /// Seconds the PBX granted.
        expires: u32,
    },
    /// Not registered, and why.
    Failed {
        /// `bad_credentials`, `forbidden`, `unreachable`, `tls`, `server_error`, `timeout`,
        /// `connection_lost`.
        kind: String,
        /// What happened, for the agent.
        reason: String,
        /// The agent must fix something first (no retry).
        #[serde(rename = "final")]
        #[ts(rename = "final")]
        final_: bool,
        /// Milliseconds to the next attempt.
        #[ts(type = "number | null")]
        retry_in_ms: Option<u64>,
    },
    /// Unregistered (on quit).
    Unregistered,
}

fn failure_kind(failure: &Failure) -> &'static str {
    match failure {
        Failure::BadCredentials => "bad_credentials",
        Failure::Forbidden => "forbidden",
        Failure::Unreachable(_) => "unreachable",
        Failure::Tls(_) => "tls",
        Failure::ServerError { .. } => "server_error",
        Failure::Timeout => "timeout",
        Failure::ConnectionLost => "connection_lost",
    }
}

impl From<RegEvent> for PhoneStatus {
    fn from(event: RegEvent) -> PhoneStatus {
        match event {
            RegEvent::Connecting { url } => PhoneStatus::Connecting { url },
            RegEvent::Registered { expires, .. } => PhoneStatus::Registered { expires },
            RegEvent::RegistrationFailed {
                failure,
                final_,
                retry_in_ms,
            } => PhoneStatus::Failed {
                kind: failure_kind(&failure).to_owned(),
                reason: failure.to_string(),
                final_,
                retry_in_ms,
            },
            RegEvent::Unregistered => PhoneStatus::Unregistered,
        }
    }
}

/// A running registration; [`PhoneLine::stop`] unregisters.
#[derive(Debug)]
pub struct PhoneLine {
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl PhoneLine {
    /// Unregisters and waits (at most [`UNREGISTER_WITHIN`]) for the PBX to confirm.
    pub async fn stop(self) {
        self.stop.cancel();
        if tokio::time::timeout(UNREGISTER_WITHIN, self.task).await.is_err() {
            tracing::warn!("the PBX did not confirm unregistering in time");
        }
    }
}

impl Handle {
    /// Starts the phone line when the signed-in agent's SIP account says to register on start;
    /// otherwise reports [`PhoneStatus::Off`] with the reason and returns `None`. Must run
    /// inside a tokio runtime. `on_status` hears every change.
    pub fn start_phone_line(
        &self,
        seed: u64,
        on_status: impl Fn(PhoneStatus) + Send + 'static,
    ) -> Option<PhoneLine> {
        let off = |reason: &str| {
            on_status(PhoneStatus::Off {
                reason: reason.to_owned(),
            });
            None
        };
        let account = match self.sip_account() {
            Ok((_, false)) => return off("not set to register on start"),
            Ok((account, true)) => account,
            Err(CoreError::NotSignedIn) => return off("not signed in to a tenant server"),
            Err(CoreError::NoSipAccount) => return off("no SIP account for this agent"),
            Err(error) => {
                tracing::warn!(%error, "the phone line cannot start");
                return off(&error.to_string());
            }
        };
        let registration = match Registration::new(account, seed) {
            Ok(registration) => registration,
            Err(error) => return off(&error.to_string()),
        };
        let (events_tx, mut events) = tokio::sync::mpsc::unbounded_channel();
        let stop = CancellationToken::new();
        let running = tokio::spawn(registration.run(events_tx, stop.clone()));
        let task = tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                tracing::info!(?event, "phone line");
                on_status(PhoneStatus::from(event));
            }
            let _ = running.await;
        });
        Some(PhoneLine { stop, task })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_events_become_what_the_agent_sees() {
        let failed = PhoneStatus::from(RegEvent::RegistrationFailed {
            failure: Failure::BadCredentials,
            final_: true,
            retry_in_ms: None,
        });
        assert_eq!(
            serde_json::to_value(&failed).unwrap(),
            serde_json::json!({
                "state": "failed",
                "kind": "bad_credentials",
                "reason": "the PBX refused the SIP username or password",
                "final": true,
                "retry_in_ms": null,
            })
        );
        let registered = PhoneStatus::from(RegEvent::Registered {
            expires: 600,
            ms: 1.5,
        });
        assert_eq!(registered, PhoneStatus::Registered { expires: 600 });
        let lost = PhoneStatus::from(RegEvent::RegistrationFailed {
            failure: Failure::ConnectionLost,
            final_: false,
            retry_in_ms: Some(1200),
        });
        assert!(
            matches!(lost, PhoneStatus::Failed { ref kind, final_: false, retry_in_ms: Some(1200), .. } if kind == "connection_lost")
        );
    }
}
