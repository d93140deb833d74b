//! The registration policy, a pure state machine on explicit time: given what a REGISTER
//! attempt ended with (or that the connection dropped) and the current instant, it says what
//! the agent's registration state is now and when to send the next REGISTER. No I/O, no
//! clock, seeded randomness: the tests drive it instant by instant.
//!
//! - Registered: refresh after half the granted lifetime (well before expiry; a PBX that
//!   grants 60 s is refreshed every 30 s).
//! - `423 Interval Too Brief`: ask again at once for the server's `Min-Expires`.
//! - Credentials refused (a challenge answered and challenged again) or `403`: final; retrying
//!   a wrong password only locks the account. The agent must fix the credentials.
//! - Unreachable, TLS failure, timeout, `5xx`, a dropped connection: retry with exponential
//!   backoff (1 s doubling to 60 s) and full jitter in the upper half, so a PBX restart is not
//!   met by every agent at the same instant.

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::time::{Duration, Instant};

/// Where the agent's registration stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RegState {
    /// Not registered and not trying (before start, after unregistering).
    Unregistered,
    /// A REGISTER is on its way.
    Registering,
    /// Registered for this many seconds.
    Registered {
        /// The lifetime the PBX granted.
        expires: u32,
    },
    /// Not registered; retrying at the policy's next instant unless the failure is final.
    Failed {
        /// Why.
        failure: Failure,
        /// Whether the agent must act (fix credentials) before anything is retried.
        final_: bool,
    },
}

/// Why registration failed, as the agent is told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "reason", content = "detail", rename_all = "snake_case")]
pub enum Failure {
    /// The PBX refused the username or password.
    BadCredentials,
    /// The PBX forbids this account to register (`403`).
    Forbidden,
    /// The PBX cannot be reached.
    Unreachable(String),
    /// The TLS handshake failed (certificate not trusted, name mismatch…).
    Tls(String),
    /// The PBX answered with an error.
    ServerError {
        /// SIP status code.
        code: u16,
        /// Reason phrase.
        reason: String,
    },
    /// The PBX did not answer in time.
    Timeout,
    /// The connection to the PBX dropped.
    ConnectionLost,
    /// The PBX asked for the password in a way the account does not answer (another realm,
    /// or a weaker digest than it offered before).
    UntrustedChallenge(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::BadCredentials => f.write_str("the PBX refused the SIP username or password"),
            Failure::Forbidden => f.write_str("the PBX forbids this account to register (403)"),
            Failure::Unreachable(why) => write!(f, "the PBX cannot be reached: {why}"),
            Failure::Tls(why) => write!(f, "TLS with the PBX failed: {why}"),
            Failure::ServerError { reason, .. } => write!(f, "the PBX answered {reason}"),
            Failure::Timeout => f.write_str("the PBX did not answer in time"),
            Failure::ConnectionLost => f.write_str("the connection to the PBX dropped"),
            Failure::UntrustedChallenge(why) => write!(f, "the password was not sent: {why}"),
        }
    }
}

impl Failure {
    /// Whether the agent's credentials or rights are the cause (as opposed to the network).
    pub fn is_auth(&self) -> bool {
        matches!(
            self,
            Failure::BadCredentials | Failure::Forbidden | Failure::UntrustedChallenge(_)
        )
    }

    /// Whether the network or TLS is the cause.
    pub fn is_network(&self) -> bool {
        matches!(
            self,
            Failure::Unreachable(_) | Failure::Tls(_) | Failure::Timeout | Failure::ConnectionLost
        )
    }
}

/// How one REGISTER attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `2xx` with the lifetime granted.
    Registered {
        /// Seconds.
        granted: u32,
    },
    /// `423` with the server's `Min-Expires`, if it sent one.
    TooBrief {
        /// Seconds.
        min_expires: Option<u32>,
    },
    /// Challenged again after answering a challenge: the credentials are wrong.
    Unauthorized,
    /// A challenge the account does not answer (another realm, a downgrade).
    UntrustedChallenge(String),
    /// Any other final answer.
    Rejected {
        /// SIP status code.
        code: u16,
        /// Reason phrase.
        reason: String,
    },
    /// The request could not be sent or the connection failed.
    Unreachable(String),
    /// TLS failed.
    Tls(String),
    /// No final answer in time.
    Timeout,
}

/// What to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The registration state to report.
    pub state: RegState,
    /// When to send the next REGISTER; `None` to stop until told otherwise.
    pub next: Option<Instant>,
}

/// Longest wait between retries.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// `423` answers followed in a row before giving up.
const MAX_TOO_BRIEF: u32 = 3;
/// Longest wait between retries while calls wait for a new connection (they give up when the
/// line's `move_within` has passed).
pub const RETRY_DURING_CALLS: Duration = Duration::from_secs(3);

impl Decision {
    /// This decision with calls up: a retry after a failure comes within
    /// [`RETRY_DURING_CALLS`] of `now`, so that a call waiting for a new connection finds one
    /// soon after the PBX is back. Refreshes and final failures are as they were.
    pub fn during_calls(mut self, now: Instant) -> Decision {
        if matches!(self.state, RegState::Failed { final_: false, .. }) {
            self.next = self.next.map(|next| next.min(now + RETRY_DURING_CALLS));
        }
        self
    }
}

/// The policy of one account's registration.
#[derive(Debug)]
pub struct Policy {
    asked: u32,
    failures: u32,
    too_brief: u32,
    rng: SmallRng,
}

impl Policy {
    /// A policy asking for `expires` seconds; `seed` drives the jitter.
    pub fn new(expires: u32, seed: u64) -> Policy {
        Policy {
            asked: expires.max(1),
            failures: 0,
            too_brief: 0,
            rng: SmallRng::seed_from_u64(seed),
        }
    }

    /// The lifetime to ask for in the next REGISTER.
    pub fn expires(&self) -> u32 {
        self.asked
    }

    /// After a REGISTER attempt ended at `now`.
    pub fn on_outcome(&mut self, now: Instant, outcome: &Outcome) -> Decision {
        match outcome {
            Outcome::Registered { granted } => {
                self.failures = 0;
                self.too_brief = 0;
                let granted = (*granted).max(1);
                Decision {
                    state: RegState::Registered { expires: granted },
                    next: Some(now + refresh_after(granted)),
                }
            }
            Outcome::TooBrief { min_expires } => {
                self.too_brief += 1;
                if self.too_brief > MAX_TOO_BRIEF {
                    return self.retry_later(
                        now,
                        Failure::ServerError {
                            code: 423,
                            reason: "Interval Too Brief (after raising the lifetime)".into(),
                        },
                    );
                }
                self.asked = match min_expires {
                    Some(min) if *min > self.asked => *min,
                    _ => self.asked.saturating_mul(2),
                };
                Decision {
                    state: RegState::Registering,
                    next: Some(now),
                }
            }
            Outcome::Unauthorized => final_failure(Failure::BadCredentials),
            Outcome::UntrustedChallenge(why) => final_failure(Failure::UntrustedChallenge(why.clone())),
            Outcome::Rejected { code: 403, .. } => final_failure(Failure::Forbidden),
            Outcome::Rejected { code, reason } => self.retry_later(
                now,
                Failure::ServerError {
                    code: *code,
                    reason: reason.clone(),
                },
            ),
            Outcome::Unreachable(reason) => self.retry_later(now, Failure::Unreachable(reason.clone())),
            Outcome::Tls(reason) => self.retry_later(now, Failure::Tls(reason.clone())),
            Outcome::Timeout => self.retry_later(now, Failure::Timeout),
        }
    }

    /// After the connection to the PBX dropped at `now`: reconnect and register again soon.
    pub fn on_connection_lost(&mut self, now: Instant) -> Decision {
        self.retry_later(now, Failure::ConnectionLost)
    }

    fn retry_later(&mut self, now: Instant, failure: Failure) -> Decision {
        self.failures += 1;
        let wait = backoff(self.failures, &mut self.rng);
        Decision {
            state: RegState::Failed {
                failure,
                final_: false,
            },
            next: Some(now + wait),
        }
    }
}

fn final_failure(failure: Failure) -> Decision {
    Decision {
        state: RegState::Failed {
            failure,
            final_: true,
        },
        next: None,
    }
}

/// When to refresh a registration granted for `granted` seconds: after half of it.
pub fn refresh_after(granted: u32) -> Duration {
    Duration::from_millis(u64::from(granted) * 500).max(Duration::from_secs(1))
}

/// The wait before retry number `failures` (1 for the first): 1 s doubling to
/// [`MAX_BACKOFF`], jittered uniformly over its upper half.
pub fn backoff(failures: u32, rng: &mut impl Rng) -> Duration {
    let ceiling = Duration::from_secs(1 << failures.saturating_sub(1).min(6)).min(MAX_BACKOFF);
    let half = ceiling / 2;
    half + half.mul_f64(rng.random::<f64>())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(start: Instant, secs: f64) -> Instant {
        start + Duration::from_secs_f64(secs)
    }

    #[test]
    fn with_calls_up_a_retry_comes_soon_and_nothing_else_changes() {
        let t0 = Instant::now();
        let mut policy = Policy::new(600, 1);
        for _ in 0..6 {
            policy.on_connection_lost(t0); // backoff now well past 3 s
        }
        let lost = policy.on_connection_lost(t0);
        assert!(lost.next.unwrap() > at(t0, 10.0));
        assert_eq!(lost.clone().during_calls(t0).next, Some(at(t0, 3.0)));
        let soon = Decision {
            state: lost.state.clone(),
            next: Some(at(t0, 1.0)),
        };
        assert_eq!(soon.clone().during_calls(t0), soon, "an earlier retry stays");
        let refresh = policy.on_outcome(t0, &Outcome::Registered { granted: 60 });
        assert_eq!(refresh.clone().during_calls(t0), refresh);
        let bad = policy.on_outcome(t0, &Outcome::Unauthorized);
        assert_eq!(bad.clone().during_calls(t0), bad);
    }

    #[test]
    fn a_registration_is_refreshed_after_half_its_granted_lifetime() {
        let t0 = Instant::now();
        let mut policy = Policy::new(600, 1);
        let d = policy.on_outcome(t0, &Outcome::Registered { granted: 60 });
        assert_eq!(d.state, RegState::Registered { expires: 60 });
        assert_eq!(d.next, Some(at(t0, 30.0)));
        // The next refresh follows what the PBX grants then.
        let d = policy.on_outcome(at(t0, 30.0), &Outcome::Registered { granted: 3600 });
        assert_eq!(d.next, Some(at(t0, 1830.0)));
        assert_eq!(refresh_after(1), Duration::from_secs(1));
    }

    #[test]
    fn too_brief_asks_again_at_once_for_the_servers_minimum() {
        let t0 = Instant::now();
        let mut policy = Policy::new(30, 1);
        let d = policy.on_outcome(
            t0,
            &Outcome::TooBrief {
                min_expires: Some(120),
            },
        );
        assert_eq!(
            d,
            Decision {
                state: RegState::Registering,
                next: Some(t0)
            }
        );
        assert_eq!(policy.expires(), 120);
        // Without Min-Expires the lifetime doubles.
        policy.on_outcome(t0, &Outcome::TooBrief { min_expires: None });
        assert_eq!(policy.expires(), 240);
        // A server that is never satisfied does not loop forever.
        policy.on_outcome(t0, &Outcome::TooBrief { min_expires: None });
        let d = policy.on_outcome(t0, &Outcome::TooBrief { min_expires: None });
        assert!(matches!(
            d.state,
            RegState::Failed {
                failure: Failure::ServerError { code: 423, .. },
                final_: false
            }
        ));
        assert!(d.next.unwrap() > t0);
    }

    #[test]
    fn wrong_credentials_and_forbidden_are_final() {
        let t0 = Instant::now();
        let mut policy = Policy::new(600, 1);
        let d = policy.on_outcome(t0, &Outcome::Unauthorized);
        assert_eq!(
            d.state,
            RegState::Failed {
                failure: Failure::BadCredentials,
                final_: true
            }
        );
        assert_eq!(d.next, None);
        let d = policy.on_outcome(
            t0,
            &Outcome::Rejected {
                code: 403,
                reason: "Forbidden".into(),
            },
        );
        assert_eq!(
            d.state,
            RegState::Failed {
                failure: Failure::Forbidden,
                final_: true
            }
        );
        assert_eq!(d.next, None);
    }

    #[test]
    fn failures_back_off_exponentially_with_jitter_up_to_a_minute_and_reset_on_success() {
        let t0 = Instant::now();
        let mut policy = Policy::new(600, 7);
        let mut waits = Vec::new();
        for _ in 0..9 {
            let d = policy.on_outcome(t0, &Outcome::Unreachable("connection refused".into()));
            assert!(matches!(d.state, RegState::Failed { final_: false, .. }));
            waits.push(d.next.unwrap() - t0);
        }
        for (i, wait) in waits.iter().enumerate() {
            let ceiling = Duration::from_secs(1 << i.min(6)).min(MAX_BACKOFF);
            assert!(*wait >= ceiling / 2 && *wait <= ceiling, "retry {i}: {wait:?}");
        }
        assert!(waits[8] >= Duration::from_secs(30));
        policy.on_outcome(t0, &Outcome::Registered { granted: 600 });
        let d = policy.on_connection_lost(t0);
        assert_eq!(
            d.state,
            RegState::Failed {
                failure: Failure::ConnectionLost,
                final_: false
            }
        );
        assert!(
            d.next.unwrap() - t0 <= Duration::from_secs(1),
            "first retry after success is quick"
        );
    }

    #[test]
    fn jitter_spreads_agents_apart() {
        let t0 = Instant::now();
        let waits: Vec<Duration> = (0..20)
            .map(|seed| {
                let mut policy = Policy::new(600, seed);
                for _ in 0..4 {
                    policy.on_connection_lost(t0);
                }
                policy.on_connection_lost(t0).next.unwrap() - t0
            })
            .collect();
        let distinct: std::collections::HashSet<_> = waits.iter().map(|w| w.as_millis()).collect();
        assert!(distinct.len() > 15, "{waits:?}");
    }

    #[test]
    fn server_errors_tls_and_timeouts_are_retried() {
        let t0 = Instant::now();
        let mut policy = Policy::new(600, 3);
        for outcome in [
            Outcome::Rejected {
                code: 503,
                reason: "Service Unavailable".into(),
            },
            Outcome::Tls("certificate not trusted".into()),
            Outcome::Timeout,
        ] {
            let d = policy.on_outcome(t0, &outcome);
            assert!(
                matches!(d.state, RegState::Failed { final_: false, .. }),
                "{outcome:?}"
            );
            assert!(d.next.is_some());
        }
    }
}
