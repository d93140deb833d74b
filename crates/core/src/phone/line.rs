//! The agent's line to the PBX as the phone reports it: each registration change becomes a
//! [`PhoneStatus`] (what the header's status pill shows), with a typed [`LineFailure`] when it
//! is down. The registration itself (refresh, keepalive, reconnect with backoff) runs in
//! `leadline-sip` on its own task; [`LineTask`] starts and stops it.

use leadline_sip::{Failure, RegEvent, Registration};
use serde::Serialize;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// How long stopping waits for the PBX to confirm the unregistration.
pub const UNREGISTER_WITHIN: Duration = Duration::from_secs(3);

/// Why the line is down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum LineFailure {
    /// The PBX refused the SIP username or password.
    BadCredentials,
    /// The PBX forbids this account to register.
    Forbidden,
    /// The PBX cannot be reached.
    Unreachable,
    /// TLS with the PBX failed.
    Tls,
    /// The PBX answered with an error.
    ServerError,
    /// The PBX did not answer in time.
    Timeout,
    /// The connection to the PBX dropped.
    ConnectionLost,
    /// The PBX asked for the password under another realm, or with a weaker digest than
    /// before: the password was not sent.
    UntrustedChallenge,
}

impl LineFailure {
    /// The agent's credentials or rights are the cause.
    pub fn is_auth(self) -> bool {
        matches!(
            self,
            LineFailure::BadCredentials | LineFailure::Forbidden | LineFailure::UntrustedChallenge
        )
    }
}

impl From<&Failure> for LineFailure {
    fn from(failure: &Failure) -> LineFailure {
        match failure {
            Failure::BadCredentials => LineFailure::BadCredentials,
            Failure::Forbidden => LineFailure::Forbidden,
            Failure::Unreachable(_) => LineFailure::Unreachable,
            Failure::Tls(_) => LineFailure::Tls,
            Failure::ServerError { .. } => LineFailure::ServerError,
            Failure::Timeout => LineFailure::Timeout,
            Failure::ConnectionLost => LineFailure::ConnectionLost,
            Failure::UntrustedChallenge(_) => LineFailure::UntrustedChallenge,
        }
    }
}

/// The phone line as the agent sees it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
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
        /// The REGISTER's round trip (challenge included), in milliseconds.
        ms: f64,
    },
    /// Not registered, and why.
    Failed {
        /// Why, as a program reads it.
        kind: LineFailure,
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

impl From<RegEvent> for PhoneStatus {
    fn from(event: RegEvent) -> PhoneStatus {
        match event {
            RegEvent::Connecting { url } => PhoneStatus::Connecting { url },
            RegEvent::Registered { expires, ms } => PhoneStatus::Registered { expires, ms },
            RegEvent::RegistrationFailed {
                failure,
                final_,
                retry_in_ms,
            } => PhoneStatus::Failed {
                kind: LineFailure::from(&failure),
                reason: failure.to_string(),
                final_,
                retry_in_ms,
            },
            RegEvent::Unregistered => PhoneStatus::Unregistered,
        }
    }
}

/// A registration running on its own task; [`LineTask::stop`] unregisters.
#[derive(Debug)]
pub struct LineTask {
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl LineTask {
    /// Runs `registration`, telling `on_status` of every change.
    pub fn start(registration: Registration, on_status: impl Fn(PhoneStatus) + Send + 'static) -> LineTask {
        let (events_tx, mut events) = mpsc::unbounded_channel();
        let stop = CancellationToken::new();
        let running = tokio::spawn(registration.run(events_tx, stop.clone()));
        let task = tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                tracing::info!(?event, "phone line");
                on_status(PhoneStatus::from(event));
            }
            let _ = running.await;
        });
        LineTask { stop, task }
    }

    /// Unregisters and waits (at most [`UNREGISTER_WITHIN`]) for the PBX to confirm.
    pub async fn stop(self) {
        self.stop.cancel();
        if tokio::time::timeout(UNREGISTER_WITHIN, self.task).await.is_err() {
            tracing::warn!("the PBX did not confirm unregistering in time");
        }
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
        assert_eq!(
            registered,
            PhoneStatus::Registered {
                expires: 600,
                ms: 1.5
            }
        );
        let lost = PhoneStatus::from(RegEvent::RegistrationFailed {
            failure: Failure::ConnectionLost,
            final_: false,
            retry_in_ms: Some(1200),
        });
        assert!(matches!(
            lost,
            PhoneStatus::Failed {
                kind: LineFailure::ConnectionLost,
                final_: false,
                retry_in_ms: Some(1200),
                ..
            }
        ));
    }
}
