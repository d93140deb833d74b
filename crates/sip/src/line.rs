//! The agent's line to the PBX as a pure state machine on explicit time (the shape of str0m's
//! `Rtc` and quinn-proto's `Connection`): the driver feeds it what happened and the current
//! instant (`handle_*`), sleeps until [`Line::poll_timeout`], calls [`Line::handle_timeout`],
//! and carries out what [`Line::poll_action`] asks (open the connection, send a REGISTER, ping,
//! close, give up on what is in flight); [`Line::poll_event`] says what the agent sees. No
//! clock, no socket, no task: every decision is tested instant by instant.
//!
//! What it decides:
//! - When to register: at once, then as [`Policy`] says (refresh at half the granted lifetime,
//!   `423` at once with the server's minimum, backoff with jitter after failures, nothing after
//!   a final one), and sooner while calls wait for a connection ([`RETRY_DURING_CALLS`]).
//! - How long a connect or a REGISTER may take ([`LineTiming::connect_timeout`],
//!   [`LineTiming::register_timeout`]): past that it is abandoned and counts as a failure.
//! - Keepalive: a ping every [`LineTiming::keepalive`] while connected; a connection from which
//!   nothing has been heard (no answer to a ping or a REGISTER) for
//!   [`LineTiming::dead_after`] is closed as dead, and the line reconnects.
//!
//! [`Policy`]: crate::policy::Policy
//! [`RETRY_DURING_CALLS`]: crate::policy::RETRY_DURING_CALLS

use crate::policy::{Decision, Outcome, Policy, RegState};
use crate::registration::RegEvent;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The line's and its calls' timers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineTiming {
    /// A keepalive ping goes out this often while connected.
    pub keepalive: Duration,
    /// A connection silent this long (no answer to a ping or a REGISTER) is dead.
    pub dead_after: Duration,
    /// How long a call whose connection dropped waits for a new one.
    pub move_within: Duration,
    /// How long opening the connection may take.
    pub connect_timeout: Duration,
    /// How long a REGISTER may wait for its final answer.
    pub register_timeout: Duration,
}

impl Default for LineTiming {
    fn default() -> LineTiming {
        LineTiming::with_keepalive(Duration::from_secs(10))
    }
}

impl LineTiming {
    /// The defaults with a ping every `every`; a connection is dead after two and a half
    /// pings' worth of silence (two unanswered pings and a margin).
    pub fn with_keepalive(every: Duration) -> LineTiming {
        LineTiming {
            keepalive: every,
            dead_after: every.mul_f64(2.5),
            move_within: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            register_timeout: Duration::from_secs(16),
        }
    }
}

/// What the driver must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineAction {
    /// Open the connection to the PBX; then [`Line::handle_connected`], or
    /// [`Line::handle_outcome`] with why it failed.
    Connect,
    /// Send a REGISTER for `expires` seconds; then [`Line::handle_outcome`].
    Register {
        /// The lifetime to ask for.
        expires: u32,
    },
    /// Ping the PBX; an answer is [`Line::handle_heard`].
    Ping,
    /// Close the connection (dead, or of no use after a final failure).
    Close,
    /// Give up on the connect or REGISTER in flight (it took too long); its result, if it
    /// still comes, is ignored.
    Abandon,
}

/// What is in flight.
#[derive(Debug, Clone, Copy)]
enum Pending {
    Connect { deadline: Instant },
    Register { sent: Instant, deadline: Instant },
}

impl Pending {
    fn deadline(self) -> Instant {
        match self {
            Pending::Connect { deadline } | Pending::Register { deadline, .. } => deadline,
        }
    }
}

/// One account's line.
#[derive(Debug)]
pub struct Line {
    url: String,
    timing: LineTiming,
    policy: Policy,
    state: RegState,
    connected: bool,
    pending: Option<Pending>,
    next_register: Option<Instant>,
    next_ping: Option<Instant>,
    last_heard: Instant,
    calls_up: bool,
    actions: VecDeque<LineAction>,
    events: VecDeque<RegEvent>,
}

impl Line {
    /// The line of the PBX at `url`, asking for `expires` seconds, starting at `now`; `seed`
    /// drives the retry jitter.
    pub fn new(url: impl Into<String>, expires: u32, seed: u64, timing: LineTiming, now: Instant) -> Line {
        Line {
            url: url.into(),
            timing,
            policy: Policy::new(expires, seed),
            state: RegState::Unregistered,
            connected: false,
            pending: None,
            next_register: Some(now),
            next_ping: None,
            last_heard: now,
            calls_up: false,
            actions: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// Where the registration stands.
    pub fn state(&self) -> &RegState {
        &self.state
    }

    /// Whether the connection is open (as far as the line knows).
    pub fn is_connected(&self) -> bool {
        self.connected
    }

    /// A final failure: nothing more happens until the agent acts.
    pub fn is_finished(&self) -> bool {
        matches!(self.state, RegState::Failed { final_: true, .. })
    }

    /// The next instant [`Line::handle_timeout`] must be called at, if any.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let registering = match self.pending {
            Some(pending) => Some(pending.deadline()),
            None => self.next_register,
        };
        let keepalive = if self.connected {
            [self.next_ping, Some(self.last_heard + self.timing.dead_after)]
        } else {
            [None, None]
        };
        [registering].into_iter().chain(keepalive).flatten().min()
    }

    /// The next thing to do.
    pub fn poll_action(&mut self) -> Option<LineAction> {
        self.actions.pop_front()
    }

    /// The next thing to tell the agent.
    pub fn poll_event(&mut self) -> Option<RegEvent> {
        self.events.pop_front()
    }

    /// Time has come to `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(pending) = self.pending
            && now >= pending.deadline()
        {
            self.pending = None;
            self.actions.push_back(LineAction::Abandon);
            let outcome = match pending {
                Pending::Connect { .. } => Outcome::Unreachable(format!(
                    "no answer within {} s",
                    self.timing.connect_timeout.as_secs_f64()
                )),
                Pending::Register { .. } => Outcome::Timeout,
            };
            self.decide(now, &outcome, None);
        }
        if self.connected && now >= self.last_heard + self.timing.dead_after {
            tracing::info!(
                "nothing heard from the PBX for {:?}: the connection is dead",
                self.timing.dead_after
            );
            self.actions.push_back(LineAction::Close);
            self.lose_connection(now);
        }
        if self.connected && self.next_ping.is_some_and(|at| now >= at) {
            self.actions.push_back(LineAction::Ping);
            self.next_ping = Some(now + self.timing.keepalive);
        }
        if self.pending.is_none() && self.next_register.is_some_and(|at| now >= at) {
            self.start_attempt(now);
        }
    }

    /// The connection asked for opened at `now`.
    pub fn handle_connected(&mut self, now: Instant) {
        if !matches!(self.pending, Some(Pending::Connect { .. })) {
            return; // abandoned meanwhile
        }
        self.pending = None;
        self.connected = true;
        self.last_heard = now;
        self.next_ping = Some(now + self.timing.keepalive);
        self.start_attempt(now);
    }

    /// The connect or REGISTER in flight ended at `now` with `outcome` (a connect only fails).
    pub fn handle_outcome(&mut self, now: Instant, outcome: &Outcome) {
        let sent = match self.pending.take() {
            Some(Pending::Register { sent, .. }) => Some(sent),
            Some(Pending::Connect { .. }) => None,
            None => return, // abandoned meanwhile
        };
        let answered = matches!(
            outcome,
            Outcome::Registered { .. }
                | Outcome::TooBrief { .. }
                | Outcome::Unauthorized
                | Outcome::UntrustedChallenge(_)
                | Outcome::Rejected { .. }
        );
        if sent.is_some() && answered {
            self.handle_heard(now);
        }
        self.decide(now, outcome, sent);
    }

    /// The PBX answered something (a ping) at `now`: the connection is alive.
    pub fn handle_heard(&mut self, now: Instant) {
        if self.connected && now > self.last_heard {
            self.last_heard = now;
        }
    }

    /// The connection closed at `now` (the PBX closed it, or a send failed).
    pub fn handle_closed(&mut self, now: Instant) {
        if self.connected {
            self.lose_connection(now);
        }
    }

    /// Whether calls are up at `now`: while they are, a retry after a failure comes within
    /// [`RETRY_DURING_CALLS`](crate::policy::RETRY_DURING_CALLS), so that a call waiting for a
    /// new connection finds one soon after the PBX is back.
    pub fn set_calls_up(&mut self, now: Instant, up: bool) {
        self.calls_up = up;
        if up && self.pending.is_none() {
            let waiting = Decision {
                state: self.state.clone(),
                next: self.next_register,
            };
            self.next_register = waiting.during_calls(now).next;
        }
    }

    fn start_attempt(&mut self, now: Instant) {
        self.next_register = None;
        if self.connected {
            self.state = RegState::Registering;
            self.actions.push_back(LineAction::Register {
                expires: self.policy.expires(),
            });
            self.pending = Some(Pending::Register {
                sent: now,
                deadline: now + self.timing.register_timeout,
            });
        } else {
            self.events.push_back(RegEvent::Connecting {
                url: self.url.clone(),
            });
            self.actions.push_back(LineAction::Connect);
            self.pending = Some(Pending::Connect {
                deadline: now + self.timing.connect_timeout,
            });
        }
    }

    fn lose_connection(&mut self, now: Instant) {
        self.connected = false;
        self.next_ping = None;
        if matches!(self.pending, Some(Pending::Register { .. })) {
            self.pending = None;
            self.actions.push_back(LineAction::Abandon);
        }
        if self.is_finished() {
            return;
        }
        let decision = self.policy.on_connection_lost(now);
        self.apply(now, decision, None);
    }

    fn decide(&mut self, now: Instant, outcome: &Outcome, sent: Option<Instant>) {
        let decision = self.policy.on_outcome(now, outcome);
        self.apply(now, decision, sent);
    }

    fn apply(&mut self, now: Instant, decision: Decision, sent: Option<Instant>) {
        let decision = if self.calls_up {
            decision.during_calls(now)
        } else {
            decision
        };
        self.state = decision.state;
        self.next_register = decision.next;
        match &self.state {
            RegState::Registered { expires } => {
                let round_trip = sent.map_or(Duration::ZERO, |sent| now.saturating_duration_since(sent));
                self.events.push_back(RegEvent::Registered {
                    expires: *expires,
                    ms: (round_trip.as_secs_f64() * 1e6).round() / 1e3,
                });
            }
            RegState::Registering => self.start_attempt(now), // 423: again at once
            RegState::Failed { failure, final_ } => {
                self.events.push_back(RegEvent::RegistrationFailed {
                    failure: failure.clone(),
                    final_: *final_,
                    retry_in_ms: self
                        .next_register
                        .map(|at| millis(at.saturating_duration_since(now))),
                });
                if *final_ && self.connected {
                    self.connected = false;
                    self.next_ping = None;
                    self.actions.push_back(LineAction::Close);
                }
            }
            RegState::Unregistered => {}
        }
    }
}

fn millis(wait: Duration) -> u64 {
    u64::try_from(wait.as_millis()).unwrap_or(u64::MAX)
}
