//! The line's and the calls' timers on explicit time: each test walks a state machine through
//! minutes of a PBX's life instant by instant, with no clock and no sleeping.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

use leadline_sip::call_state::{MAX_GLARE, Step};
use leadline_sip::policy::{Outcome, RETRY_DURING_CALLS};
use leadline_sip::{CallState, EndReason, Failure, Line, LineAction, LineTiming, RegEvent, RegState};
use std::time::{Duration, Instant};

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

/// A line and the instant it started.
struct Driven {
    line: Line,
    t0: Instant,
    actions: Vec<(f64, LineAction)>,
    events: Vec<(f64, RegEvent)>,
}

impl Driven {
    fn new(timing: LineTiming) -> Driven {
        let t0 = Instant::now();
        let line = Line::new("ws://pbx.test/ws", 600, 7, timing, t0);
        Driven {
            line,
            t0,
            actions: Vec::new(),
            events: Vec::new(),
        }
    }

    fn at(&self, s: f64) -> Instant {
        self.t0 + secs(s)
    }

    fn drain(&mut self, s: f64) {
        while let Some(action) = self.line.poll_action() {
            self.actions.push((s, action));
        }
        while let Some(event) = self.line.poll_event() {
            self.events.push((s, event));
        }
    }

    /// Runs the timers up to `s` seconds, firing every deadline on the way (as the driver
    /// would) without answering anything.
    fn run_until(&mut self, s: f64) {
        let end = self.at(s);
        while let Some(at) = self.line.poll_timeout().filter(|at| *at <= end) {
            self.line.handle_timeout(at);
            let s = at.duration_since(self.t0).as_secs_f64();
            self.drain(s);
        }
    }

    fn connected(&mut self, s: f64) {
        self.line.handle_connected(self.at(s));
        self.drain(s);
    }

    fn outcome(&mut self, s: f64, outcome: Outcome) {
        self.line.handle_outcome(self.at(s), &outcome);
        self.drain(s);
    }

    fn heard(&mut self, s: f64) {
        self.line.handle_heard(self.at(s));
        self.drain(s);
    }

    fn closed(&mut self, s: f64) {
        self.line.handle_closed(self.at(s));
        self.drain(s);
    }

    /// Connects and registers at `s` (the REGISTER answered 20 ms later).
    fn register(&mut self, s: f64) {
        self.run_until(s);
        self.connected(s);
        self.outcome(s + 0.02, Outcome::Registered { granted: 600 });
    }

    fn times_of(&self, wanted: &LineAction) -> Vec<f64> {
        self.actions
            .iter()
            .filter(|(_, a)| a == wanted)
            .map(|(s, _)| *s)
            .collect()
    }

    fn connects(&self) -> Vec<f64> {
        self.times_of(&LineAction::Connect)
    }

    fn last_event(&self) -> &RegEvent {
        &self.events.last().expect("an event").1
    }
}

#[test]
fn it_connects_at_once_registers_and_times_the_register_alone() {
    let mut line = Driven::new(LineTiming::default());
    line.run_until(0.0);
    assert_eq!(line.actions, vec![(0.0, LineAction::Connect)]);
    assert!(matches!(line.events[0].1, RegEvent::Connecting { .. }));
    line.connected(0.4);
    assert_eq!(line.actions[1], (0.4, LineAction::Register { expires: 600 }));
    line.outcome(0.4125, Outcome::Registered { granted: 300 });
    assert_eq!(
        line.last_event(),
        &RegEvent::Registered {
            expires: 300,
            ms: 12.5
        }
    );
    assert_eq!(line.line.state(), &RegState::Registered { expires: 300 });
}

#[test]
fn a_registration_is_refreshed_at_half_its_lifetime_on_the_same_connection() {
    let mut line = Driven::new(LineTiming::default());
    line.register(0.0);
    // Answer every ping, so the connection stays alive for the whole 10 minutes.
    for tick in 1..=60 {
        let s = f64::from(tick) * 10.0;
        line.run_until(s);
        line.heard(s + 0.01);
    }
    let registers = line.times_of(&LineAction::Register { expires: 600 });
    assert!(registers.len() >= 2, "{:?}", line.actions);
    assert!((registers[1] - 300.02).abs() < 1e-6, "{registers:?}");
    assert_eq!(line.connects(), vec![0.0], "one connection all along");
}

#[test]
fn keepalive_pings_every_interval_and_a_silent_connection_is_dead_after_the_promised_silence() {
    let timing = LineTiming::default();
    let mut line = Driven::new(timing);
    line.register(0.0);
    // The PBX answers the first two pings, then goes silent (a frozen process, a cable pulled
    // behind a NAT): no FIN, no RST, nothing.
    line.run_until(10.0);
    line.heard(10.01);
    line.run_until(20.0);
    line.heard(20.01);
    line.run_until(60.0);
    let pings = line.times_of(&LineAction::Ping);
    assert_eq!(&pings[..4], &[10.0, 20.0, 30.0, 40.0], "{pings:?}");
    let closes = line.times_of(&LineAction::Close);
    let dead_at = 20.01 + timing.dead_after.as_secs_f64();
    assert_eq!(closes.len(), 1, "{:?}", line.actions);
    assert!(
        (closes[0] - dead_at).abs() < 1e-6,
        "closed at {closes:?}, promised {dead_at}"
    );
    let (at, lost) = line
        .events
        .iter()
        .find(|(_, e)| matches!(e, RegEvent::RegistrationFailed { .. }))
        .expect("reported");
    assert!((at - dead_at).abs() < 1e-6);
    assert!(
        matches!(lost, RegEvent::RegistrationFailed { failure: Failure::ConnectionLost, final_: false, retry_in_ms: Some(ms) } if *ms <= 1000),
        "{lost:?}"
    );
    // Reconnecting within the first backoff, and no pings on a closed connection.
    let connects = line.connects();
    assert!(connects.len() >= 2, "{connects:?}");
    assert!(
        connects[1] > dead_at && connects[1] <= dead_at + 1.0,
        "{connects:?}"
    );
    assert!(pings.iter().all(|p| *p < dead_at), "{pings:?}");
}

#[test]
fn a_connection_that_keeps_answering_is_never_called_dead() {
    let mut line = Driven::new(LineTiming::with_keepalive(secs(2.0)));
    line.register(0.0);
    for tick in 1..=1800 {
        let s = f64::from(tick) * 2.0;
        line.run_until(s);
        line.heard(s + 0.3);
    }
    assert!(line.times_of(&LineAction::Close).is_empty());
    assert_eq!(line.connects(), vec![0.0]);
    assert!(line.line.is_connected());
}

#[test]
fn a_register_without_an_answer_is_abandoned_at_its_deadline_and_retried() {
    let timing = LineTiming::default();
    let mut line = Driven::new(timing);
    line.run_until(0.0);
    line.connected(0.0);
    // The PBX answers pings but never the REGISTER.
    line.run_until(10.0);
    line.heard(10.0);
    let deadline = timing.register_timeout.as_secs_f64();
    line.run_until(deadline);
    let abandoned = line.times_of(&LineAction::Abandon);
    assert_eq!(abandoned, vec![deadline]);
    assert!(matches!(
        line.last_event(),
        RegEvent::RegistrationFailed {
            failure: Failure::Timeout,
            final_: false,
            ..
        }
    ));
    // A late answer to the abandoned REGISTER changes nothing (the driver has dropped it,
    // but the line does not rely on that).
    let state = line.line.state().clone();
    line.outcome(deadline + 0.2, Outcome::Registered { granted: 600 });
    assert_eq!(line.line.state(), &state);
    // The retry goes out on the same connection, within the first backoff.
    line.run_until(deadline + 1.0);
    let registers = line.times_of(&LineAction::Register { expires: 600 });
    assert_eq!(registers.len(), 2, "{:?}", line.actions);
    assert!(registers[1] > deadline + 0.49, "{registers:?}");
    assert_eq!(line.connects(), vec![0.0]);
}

#[test]
fn a_connect_that_hangs_is_abandoned_and_retried_with_backoff() {
    let timing = LineTiming::default();
    let mut line = Driven::new(timing);
    line.run_until(120.0);
    let connects = line.connects();
    let abandoned = line.times_of(&LineAction::Abandon);
    assert!(connects.len() >= 4, "{connects:?}");
    for (connect, abandon) in connects.iter().zip(&abandoned) {
        assert!((abandon - connect - timing.connect_timeout.as_secs_f64()).abs() < 1e-6);
    }
    let waits: Vec<f64> = connects
        .windows(2)
        .zip(&abandoned)
        .map(|(pair, abandon)| pair[1] - abandon)
        .collect();
    // 1 s doubling, each jittered over its upper half.
    for (i, wait) in waits.iter().enumerate() {
        let ceiling = f64::from(1u32 << i).min(60.0);
        assert!(
            *wait >= ceiling / 2.0 - 1e-6 && *wait <= ceiling + 1e-6,
            "{waits:?}"
        );
    }
}

/// Drops the connection at 100 s after the backoff has grown (five failed reconnects
/// beforehand), then counts the connects in the following minute.
fn retries_after_outage(calls_up: bool) -> Vec<f64> {
    let mut line = Driven::new(LineTiming::default());
    line.register(0.0);
    line.closed(1.0);
    for _ in 0..5 {
        let next = line.line.poll_timeout().expect("a retry");
        let s = next.duration_since(line.t0).as_secs_f64();
        line.run_until(s);
        line.outcome(s + 0.01, Outcome::Unreachable("refused".into()));
    }
    let start = line
        .line
        .poll_timeout()
        .expect("a retry")
        .duration_since(line.t0)
        .as_secs_f64();
    line.line.set_calls_up(line.at(start - 0.5), calls_up);
    let before = line.connects().len();
    let mut s = start;
    while s < start + 60.0 {
        line.run_until(s);
        if let Some((at, LineAction::Connect)) = line.actions.last().cloned()
            && line.connects().len() > before
        {
            line.outcome(at + 0.01, Outcome::Unreachable("refused".into()));
        }
        s += 0.25;
    }
    line.connects()[before..].to_vec()
}

#[test]
fn while_calls_are_up_retries_come_within_seconds_and_idle_they_back_off_to_a_minute() {
    let with_calls = retries_after_outage(true);
    let gaps: Vec<f64> = with_calls.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(with_calls.len() >= 15, "{with_calls:?}");
    let limit = RETRY_DURING_CALLS.as_secs_f64() + 0.01 + 0.25;
    assert!(gaps.iter().all(|g| *g <= limit), "{gaps:?}");
    let idle = retries_after_outage(false);
    assert!(idle.len() <= 4, "{idle:?}");
    let gaps: Vec<f64> = idle.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps.iter().all(|g| *g >= 16.0), "{gaps:?}");
}

#[test]
fn refused_credentials_stop_the_line_and_close_the_connection() {
    let mut line = Driven::new(LineTiming::default());
    line.run_until(0.0);
    line.connected(0.0);
    line.outcome(0.05, Outcome::Unauthorized);
    assert!(line.line.is_finished());
    assert_eq!(line.line.poll_timeout(), None, "nothing is scheduled");
    assert_eq!(line.actions.last(), Some(&(0.05, LineAction::Close)));
    assert!(matches!(
        line.last_event(),
        RegEvent::RegistrationFailed {
            failure: Failure::BadCredentials,
            final_: true,
            retry_in_ms: None
        }
    ));
}

#[test]
fn interval_too_brief_registers_again_at_once_for_the_minimum() {
    let mut line = Driven::new(LineTiming::default());
    line.run_until(0.0);
    line.connected(0.0);
    line.outcome(
        0.01,
        Outcome::TooBrief {
            min_expires: Some(3600),
        },
    );
    assert_eq!(
        line.actions.last(),
        Some(&(0.01, LineAction::Register { expires: 3600 }))
    );
    line.outcome(0.02, Outcome::Registered { granted: 3600 });
    assert!(matches!(
        line.last_event(),
        RegEvent::Registered { expires: 3600, .. }
    ));
}

const RING: Duration = Duration::from_secs(30);
const MOVE: Duration = Duration::from_secs(30);

#[test]
fn a_ringing_call_ends_at_once_when_the_connection_drops() {
    let t0 = Instant::now();
    let mut call = CallState::outbound(t0, RING);
    call.on_progress(false);
    let step = call.on_connection_lost(t0 + secs(4.0), MOVE);
    assert_eq!(step, Step::End(EndReason::ConnectionLost));
    assert_eq!(call.next_deadline(), None, "no ring timeout after the end");
    assert_eq!(call.on_time(t0 + secs(40.0)), Step::Wait);
}

#[test]
fn a_talking_call_waits_for_a_new_connection_until_the_window_closes() {
    let t0 = Instant::now();
    let mut call = CallState::outbound(t0, RING);
    call.on_answer(t0 + secs(2.0));
    assert_eq!(call.next_deadline(), None);
    let lost = t0 + secs(10.0);
    assert_eq!(call.on_connection_lost(lost, MOVE), Step::Wait);
    assert_eq!(call.next_deadline(), Some(lost + MOVE));
    assert_eq!(call.on_time(lost + MOVE - secs(0.001)), Step::Wait);
    assert_eq!(call.on_time(lost + MOVE), Step::End(EndReason::ConnectionLost));
    assert_eq!(call.next_deadline(), None);
    assert_eq!(
        call.talk_time(t0 + secs(100.0)),
        secs(38.0),
        "talked until the window closed"
    );
}

#[test]
fn a_call_that_moves_in_time_goes_on_and_may_move_again() {
    let t0 = Instant::now();
    let mut call = CallState::answered_inbound(t0);
    call.on_connection_lost(t0 + secs(5.0), MOVE);
    call.on_moved();
    assert_eq!(call.next_deadline(), None);
    assert_eq!(call.on_time(t0 + secs(60.0)), Step::Wait);
    call.on_connection_lost(t0 + secs(100.0), MOVE);
    assert_eq!(
        call.on_time(t0 + secs(130.0)),
        Step::End(EndReason::ConnectionLost)
    );
}

#[test]
fn glare_retries_after_rfc_3261_waits_and_gives_up_after_a_few() {
    let t0 = Instant::now();
    // We placed the call, so the Call-ID is ours: 2.1 to 4 s.
    let mut ours = CallState::outbound(t0, RING);
    ours.on_answer(t0);
    let lowest = ours.on_glare(t0, 0.0).expect("retry");
    assert_eq!(lowest - t0, secs(2.1));
    assert_eq!(ours.next_deadline(), Some(lowest));
    assert_eq!(ours.on_time(lowest - secs(0.01)), Step::Wait);
    assert_eq!(ours.on_time(lowest), Step::Reinvite);
    let highest = ours.on_glare(t0, 1.0).expect("retry");
    assert_eq!(highest - t0, secs(4.0));
    assert_eq!(ours.on_time(highest), Step::Reinvite);
    assert!(ours.on_glare(t0, 0.5).is_some());
    assert_eq!(ours.on_glare(t0, 0.5), None, "given up after {MAX_GLARE}");
    // They placed it: 0 to 2 s.
    let mut theirs = CallState::answered_inbound(t0);
    let soon = theirs.on_glare(t0, 0.0).expect("retry") - t0;
    let late = theirs.on_glare(t0, 1.0).expect("retry") - t0;
    assert!(soon > Duration::ZERO && soon <= secs(0.01), "{soon:?}");
    assert_eq!(late, secs(2.0));
    theirs.on_reinvite_answered();
    assert_eq!(theirs.next_deadline(), None);
    for _ in 0..MAX_GLARE {
        assert!(theirs.on_glare(t0, 0.3).is_some(), "the count started over");
    }
}

/// A PBX on explicit time: answers each of the line's actions after a small delay, and drops
/// the connection at the given instants.
struct SoakPbx {
    answers: std::collections::BTreeMap<u64, Vec<LineAction>>,
    drops: Vec<f64>,
}

impl SoakPbx {
    fn answer(&mut self, s: f64, action: &LineAction) {
        let delay = match action {
            LineAction::Connect => 0.005,
            LineAction::Register { .. } => 0.02,
            LineAction::Ping => 0.01,
            LineAction::Close | LineAction::Abandon => return,
        };
        let at = ((s + delay) * 1e6).round() as u64;
        self.answers.entry(at).or_default().push(action.clone());
    }
}

/// Runs `line` for `hours` of explicit time against `pbx`; returns the instants it registered.
fn soak(line: &mut Driven, pbx: &mut SoakPbx, hours: f64) -> Vec<f64> {
    let end = hours * 3600.0;
    let mut registered = Vec::new();
    let mut seen_actions = 0;
    let mut seen_events = 0;
    loop {
        let timer = line
            .line
            .poll_timeout()
            .map(|at| at.duration_since(line.t0).as_secs_f64());
        let answer = pbx.answers.keys().next().map(|us| *us as f64 / 1e6);
        let drop = pbx.drops.first().copied();
        let next = [timer, answer, drop]
            .into_iter()
            .flatten()
            .fold(f64::INFINITY, f64::min);
        if next > end {
            break;
        }
        if drop == Some(next) {
            pbx.drops.remove(0);
            pbx.answers.clear();
            line.closed(next);
        } else if answer == Some(next) {
            let key = (next * 1e6).round() as u64;
            for action in pbx.answers.remove(&key).unwrap_or_default() {
                match action {
                    LineAction::Connect => line.connected(next),
                    LineAction::Register { .. } => line.outcome(next, Outcome::Registered { granted: 600 }),
                    LineAction::Ping => line.heard(next),
                    LineAction::Close | LineAction::Abandon => {}
                }
            }
        } else {
            line.run_until(next);
        }
        for (s, action) in &line.actions[seen_actions..] {
            pbx.answer(*s, action);
        }
        seen_actions = line.actions.len();
        for (s, event) in &line.events[seen_events..] {
            if matches!(event, RegEvent::Registered { .. }) {
                registered.push(*s);
            }
        }
        seen_events = line.events.len();
    }
    registered
}

#[test]
fn eight_hours_registered_and_idle_keep_one_connection_refreshed_on_time() {
    let timing = LineTiming::default();
    let mut line = Driven::new(timing);
    let mut pbx = SoakPbx {
        answers: Default::default(),
        drops: Vec::new(),
    };
    let registered = soak(&mut line, &mut pbx, 8.0);
    let hours = 8.0 * 3600.0;
    assert_eq!(line.connects(), vec![0.0], "one connection for the whole day");
    // Refreshed at half the lifetime: every 300 s, never late.
    assert_eq!(registered.len(), (hours / 300.0) as usize, "{registered:?}");
    assert!(
        registered.windows(2).all(|w| (w[1] - w[0] - 300.0).abs() < 0.1),
        "{registered:?}"
    );
    let pings = line.times_of(&LineAction::Ping).len() as f64;
    let expected = hours / timing.keepalive.as_secs_f64();
    assert!((pings - expected).abs() <= 2.0, "{pings} pings for {expected}");
    assert!(
        line.events
            .iter()
            .all(|(_, e)| matches!(e, RegEvent::Registered { .. } | RegEvent::Connecting { .. })),
        "nothing but registering all day"
    );
    println!(
        "SOAK 8 h idle (explicit time): 1 connection, {} registrations, {pings} pings, {} events",
        registered.len(),
        line.events.len()
    );
}

#[test]
fn eight_hours_with_the_connection_dropping_every_hour_register_again_within_seconds() {
    let mut line = Driven::new(LineTiming::default());
    let drops: Vec<f64> = (1..8).map(|h| f64::from(h) * 3600.0 + 17.0).collect();
    let mut pbx = SoakPbx {
        answers: Default::default(),
        drops: drops.clone(),
    };
    let registered = soak(&mut line, &mut pbx, 8.0);
    assert_eq!(
        line.connects().len(),
        8,
        "one connection, then one after each drop"
    );
    for drop in drops {
        let back = registered.iter().find(|s| **s > drop).copied().unwrap();
        assert!(
            back - drop < 5.0,
            "registered again {:.1} s after the drop at {drop}",
            back - drop
        );
    }
    assert!(matches!(line.line.state(), RegState::Registered { .. }));
}
