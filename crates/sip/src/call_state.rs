//! A call's life as a pure state machine on explicit time: the decisions about a call, kept
//! apart from the SIP stack and the clock so that they are tested without sleeping.
//!
//! It says when an unanswered call must be cancelled (ring timeout, or the agent giving up —
//! once), what an answer that crosses our CANCEL means, how a failure reads for the agent,
//! whether the other side's new offer holds or resumes us, how a transfer's progress ends the
//! call, and how long the call was talked. When the connection to the PBX drops it says what
//! becomes of the call (an unanswered one ends at once; a talking one waits for a new
//! connection until its window closes), and when our re-INVITE meets the other side's (`491`,
//! glare) it says when to try again (RFC 3261 §14.1). The driver sleeps until
//! [`CallState::next_deadline`] and calls [`CallState::on_time`]; nothing here reads a clock.

use crate::end_reason::EndReason;
use std::time::{Duration, Instant};

/// Where a call is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// INVITE sent, nothing heard yet.
    Inviting,
    /// 180/183 heard.
    Ringing {
        /// The far side sent early media (183 with SDP).
        early_media: bool,
    },
    /// Answered.
    Talking,
    /// Over.
    Ended(EndReason),
}

/// What the caller must do now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Nothing.
    Wait,
    /// Send CANCEL; the call will end with this reason.
    Cancel(EndReason),
    /// The call is over, for this reason (nothing can be sent: the connection is gone).
    End(EndReason),
    /// Send the re-INVITE that met the other side's again.
    Reinvite,
}

/// Re-INVITEs refused for glare in a row before giving up on the change.
pub const MAX_GLARE: u32 = 3;

/// What to do with an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Talk.
    Talk,
    /// It crossed our CANCEL: hang up (BYE) and report this reason.
    HangUp(EndReason),
}

/// A change of hold made by the other side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldChange {
    /// They put us on hold.
    Held,
    /// They took us off hold.
    Resumed,
}

/// How a transfer we asked for goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transfer {
    /// Still going (1xx).
    Progress,
    /// The transferee's new call was answered: our part of the call ends.
    Completed,
    /// It failed; the call goes on.
    Failed,
}

/// One call's state.
#[derive(Debug, Clone)]
pub struct CallState {
    phase: Phase,
    ring_deadline: Option<Instant>,
    cancelled: Option<EndReason>,
    answered_at: Option<Instant>,
    ended_at: Option<Instant>,
    held_by_them: bool,
    held_by_us: bool,
    transferring: bool,
    transferred: bool,
    /// We sent the INVITE, so the Call-ID is ours (it sets the glare wait).
    ours: bool,
    move_deadline: Option<Instant>,
    glare_retry: Option<Instant>,
    glares: u32,
}

impl CallState {
    /// A call we place at `now`, cancelled if unanswered after `ring_timeout`.
    pub fn outbound(now: Instant, ring_timeout: Duration) -> CallState {
        CallState {
            phase: Phase::Inviting,
            ring_deadline: Some(now + ring_timeout),
            cancelled: None,
            answered_at: None,
            ended_at: None,
            held_by_them: false,
            held_by_us: false,
            transferring: false,
            transferred: false,
            ours: true,
            move_deadline: None,
            glare_retry: None,
            glares: 0,
        }
    }

    /// A call we answer at `now`.
    pub fn answered_inbound(now: Instant) -> CallState {
        let mut state = CallState::outbound(now, Duration::ZERO);
        state.ring_deadline = None;
        state.phase = Phase::Talking;
        state.answered_at = Some(now);
        state.ours = false;
        state
    }

    /// Where the call is.
    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    fn unanswered(&self) -> bool {
        matches!(self.phase, Phase::Inviting | Phase::Ringing { .. })
    }

    fn ring_deadline(&self) -> Option<Instant> {
        self.ring_deadline
            .filter(|_| self.unanswered() && self.cancelled.is_none())
    }

    /// When [`CallState::on_time`] must next be called (ring timeout, the end of the window to
    /// move to a new connection, a glare retry), if ever.
    pub fn next_deadline(&self) -> Option<Instant> {
        if matches!(self.phase, Phase::Ended(_)) {
            return None;
        }
        [self.ring_deadline(), self.move_deadline, self.glare_retry]
            .into_iter()
            .flatten()
            .min()
    }

    /// Time has come to `now`: an unanswered call past its ring timeout is cancelled (once); a
    /// call still without a connection when its window closes is over; a glare wait is over.
    pub fn on_time(&mut self, now: Instant) -> Step {
        if self.ring_deadline().is_some_and(|at| now >= at) {
            return self.cancel(EndReason::NoAnswer);
        }
        if self.move_deadline.is_some_and(|at| now >= at) {
            self.move_deadline = None;
            self.end(now, EndReason::ConnectionLost);
            return Step::End(EndReason::ConnectionLost);
        }
        if self.glare_retry.is_some_and(|at| now >= at) {
            self.glare_retry = None;
            return Step::Reinvite;
        }
        Step::Wait
    }

    /// The connection to the PBX dropped at `now`. An unanswered call ends at once (nothing
    /// more can be said on a dead connection, not even CANCEL); a talking one waits up to
    /// `within` for a new connection ([`CallState::on_moved`]).
    pub fn on_connection_lost(&mut self, now: Instant, within: Duration) -> Step {
        match self.phase {
            Phase::Ended(_) => Step::Wait,
            Phase::Talking => {
                self.move_deadline = Some(now + within);
                Step::Wait
            }
            Phase::Inviting | Phase::Ringing { .. } => {
                self.end(now, EndReason::ConnectionLost);
                Step::End(EndReason::ConnectionLost)
            }
        }
    }

    /// The call runs over a new connection now.
    pub fn on_moved(&mut self) {
        self.move_deadline = None;
    }

    /// Our re-INVITE was refused with `491` at `now` (the other side sent one at the same
    /// time): returns when to send it again — after 2.1 to 4 s when we own the Call-ID (we
    /// placed the call), 0 to 2 s otherwise, in 10 ms steps picked by `jitter` (0 to 1) — or
    /// `None` after [`MAX_GLARE`] refusals in a row.
    pub fn on_glare(&mut self, now: Instant, jitter: f64) -> Option<Instant> {
        self.glares += 1;
        if self.glares > MAX_GLARE {
            self.glares = 0;
            self.glare_retry = None;
            return None;
        }
        let (first, steps) = if self.ours { (2_100, 190.0) } else { (10, 199.0) };
        let step = (jitter.clamp(0.0, 1.0) * steps).round() as u64;
        let wait = Duration::from_millis(first + step * 10);
        let at = now + wait;
        self.glare_retry = Some(at);
        Some(at)
    }

    /// A re-INVITE of ours was answered (the glare count starts over).
    pub fn on_reinvite_answered(&mut self) {
        self.glares = 0;
        self.glare_retry = None;
    }

    /// The agent gave up before an answer.
    pub fn on_give_up(&mut self) -> Step {
        if self.unanswered() && self.cancelled.is_none() {
            self.cancel(EndReason::Cancelled)
        } else {
            Step::Wait
        }
    }

    fn cancel(&mut self, reason: EndReason) -> Step {
        self.cancelled = Some(reason.clone());
        Step::Cancel(reason)
    }

    /// 180 or 183 arrived.
    pub fn on_progress(&mut self, early_media: bool) {
        if self.unanswered() {
            let before = matches!(self.phase, Phase::Ringing { early_media: true });
            self.phase = Phase::Ringing {
                early_media: early_media || before,
            };
        }
    }

    /// A 2xx arrived at `now`.
    pub fn on_answer(&mut self, now: Instant) -> Answer {
        if let Some(reason) = self.cancelled.clone() {
            self.end(now, reason.clone());
            return Answer::HangUp(reason);
        }
        self.phase = Phase::Talking;
        self.answered_at = Some(now);
        Answer::Talk
    }

    /// A final failure (`code`, `text`) arrived at `now`; returns how the call ended: after
    /// our CANCEL, for our reason (the 487 is its echo).
    pub fn on_failure(&mut self, now: Instant, code: u16, text: &str) -> EndReason {
        let reason = self
            .cancelled
            .clone()
            .unwrap_or_else(|| EndReason::of_status(code, text));
        self.end(now, reason.clone());
        reason
    }

    /// The call could not be set up (`detail`: a transport or stack error) at `now`; after our
    /// CANCEL it ended for our reason.
    pub fn on_error(&mut self, now: Instant, detail: String) -> EndReason {
        let reason = self
            .cancelled
            .clone()
            .unwrap_or(EndReason::Failed { code: 0, detail });
        self.end(now, reason.clone());
        reason
    }

    /// The other side sent a new offer; `holds_us` says whether it holds us. Returns the
    /// change, if any.
    pub fn on_remote_offer(&mut self, holds_us: bool) -> Option<HoldChange> {
        if std::mem::replace(&mut self.held_by_them, holds_us) == holds_us {
            return None;
        }
        Some(if holds_us {
            HoldChange::Held
        } else {
            HoldChange::Resumed
        })
    }

    /// Whether the other side has us on hold.
    pub fn held_by_them(&self) -> bool {
        self.held_by_them
    }

    /// We held (`on`) or resumed the other side.
    pub fn on_our_hold(&mut self, on: bool) {
        self.held_by_us = on;
    }

    /// Whether we hold the other side.
    pub fn held_by_us(&self) -> bool {
        self.held_by_us
    }

    /// The other side accepted our REFER.
    pub fn on_transfer_accepted(&mut self) {
        self.transferring = true;
    }

    /// A NOTIFY reported the transferee's new call at `code`; `None` when no transfer of ours
    /// is going (a stray NOTIFY).
    pub fn on_transfer_progress(&mut self, code: u16, done: bool) -> Option<Transfer> {
        if !self.transferring {
            return None;
        }
        let outcome = match code {
            200..=299 => Transfer::Completed,
            100..=199 if !done => Transfer::Progress,
            _ => Transfer::Failed,
        };
        if outcome != Transfer::Progress {
            self.transferring = false;
            self.transferred = outcome == Transfer::Completed;
        }
        Some(outcome)
    }

    /// The call ended at `now` for `reason`; returns the reason the agent sees: after a
    /// completed transfer, either side hanging up is the transfer's end.
    pub fn on_ended(&mut self, now: Instant, reason: EndReason) -> EndReason {
        let reason = if self.transferred && reason.was_connected() {
            EndReason::Transferred
        } else {
            reason
        };
        self.end(now, reason.clone());
        reason
    }

    fn end(&mut self, now: Instant, reason: EndReason) {
        if !matches!(self.phase, Phase::Ended(_)) {
            self.phase = Phase::Ended(reason);
            self.ended_at = Some(now);
        }
    }

    /// How long the call has been (or was) talked, at `now`.
    pub fn talk_time(&self, now: Instant) -> Duration {
        match self.answered_at {
            Some(at) => self.ended_at.unwrap_or(now).saturating_duration_since(at),
            None => Duration::ZERO,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RING: Duration = Duration::from_secs(30);

    #[test]
    fn an_unanswered_call_is_cancelled_once_at_its_ring_timeout() {
        let t0 = Instant::now();
        let mut call = CallState::outbound(t0, RING);
        assert_eq!(call.next_deadline(), Some(t0 + RING));
        call.on_progress(false);
        assert_eq!(call.phase(), &Phase::Ringing { early_media: false });
        assert_eq!(call.on_time(t0 + Duration::from_secs(29)), Step::Wait);
        assert_eq!(call.on_time(t0 + RING), Step::Cancel(EndReason::NoAnswer));
        assert_eq!(call.on_time(t0 + RING * 2), Step::Wait, "one CANCEL only");
        assert_eq!(call.next_deadline(), None);
        assert_eq!(call.on_give_up(), Step::Wait);
        // The 487 that answers our CANCEL reads as no answer, not as a failure.
        let reason = call.on_failure(t0 + RING, 487, "Request Terminated");
        assert_eq!(reason, EndReason::NoAnswer);
        assert_eq!(call.phase(), &Phase::Ended(EndReason::NoAnswer));
        assert_eq!(call.talk_time(t0 + RING * 3), Duration::ZERO);
    }

    #[test]
    fn giving_up_cancels_and_an_answer_crossing_the_cancel_is_hung_up() {
        let t0 = Instant::now();
        let mut call = CallState::outbound(t0, RING);
        assert_eq!(call.on_give_up(), Step::Cancel(EndReason::Cancelled));
        assert_eq!(call.on_give_up(), Step::Wait);
        assert_eq!(call.on_time(t0 + RING), Step::Wait, "already cancelled");
        assert_eq!(
            call.on_answer(t0 + Duration::from_secs(1)),
            Answer::HangUp(EndReason::Cancelled)
        );
        assert_eq!(call.phase(), &Phase::Ended(EndReason::Cancelled));
    }

    #[test]
    fn failures_read_as_what_they_mean_and_early_media_is_kept() {
        let t0 = Instant::now();
        let mut call = CallState::outbound(t0, RING);
        call.on_progress(true);
        call.on_progress(false);
        assert_eq!(call.phase(), &Phase::Ringing { early_media: true });
        assert_eq!(call.on_failure(t0, 486, "Busy Here"), EndReason::Busy);
        let mut call = CallState::outbound(t0, RING);
        assert_eq!(call.on_failure(t0, 404, "Not Found"), EndReason::NotFound);
        let mut call = CallState::outbound(t0, RING);
        assert!(matches!(
            call.on_failure(t0, 503, "Service Unavailable"),
            EndReason::Failed { code: 503, .. }
        ));
        let mut call = CallState::outbound(t0, RING);
        assert!(matches!(
            call.on_error(t0, "reset".into()),
            EndReason::Failed { code: 0, .. }
        ));
        let mut call = CallState::outbound(t0, RING);
        call.on_give_up();
        assert_eq!(call.on_error(t0, "reset".into()), EndReason::Cancelled);
    }

    #[test]
    fn talk_time_runs_from_the_answer_to_the_end() {
        let t0 = Instant::now();
        let mut call = CallState::outbound(t0, RING);
        assert_eq!(call.on_answer(t0 + Duration::from_secs(4)), Answer::Talk);
        assert_eq!(call.next_deadline(), None, "no ring timeout once answered");
        assert_eq!(call.on_time(t0 + RING * 2), Step::Wait);
        assert_eq!(
            call.talk_time(t0 + Duration::from_secs(10)),
            Duration::from_secs(6)
        );
        let reason = call.on_ended(t0 + Duration::from_secs(64), EndReason::RemoteHangup);
        assert_eq!(reason, EndReason::RemoteHangup);
        assert_eq!(
            call.talk_time(t0 + Duration::from_secs(99)),
            Duration::from_secs(60)
        );
    }

    #[test]
    fn the_other_sides_offers_hold_and_resume_us_once_each() {
        let mut call = CallState::answered_inbound(Instant::now());
        assert_eq!(call.on_remote_offer(false), None, "a refresh changes nothing");
        assert_eq!(call.on_remote_offer(true), Some(HoldChange::Held));
        assert!(call.held_by_them());
        assert_eq!(call.on_remote_offer(true), None);
        assert_eq!(call.on_remote_offer(false), Some(HoldChange::Resumed));
        call.on_our_hold(true);
        assert!(call.held_by_us() && !call.held_by_them());
    }

    #[test]
    fn a_completed_transfer_ends_the_call_as_transferred() {
        let t0 = Instant::now();
        let mut call = CallState::answered_inbound(t0);
        assert_eq!(call.on_transfer_progress(200, true), None, "no transfer of ours");
        call.on_transfer_accepted();
        assert_eq!(call.on_transfer_progress(100, false), Some(Transfer::Progress));
        assert_eq!(call.on_transfer_progress(180, false), Some(Transfer::Progress));
        assert_eq!(call.on_transfer_progress(200, true), Some(Transfer::Completed));
        assert_eq!(
            call.on_ended(t0 + Duration::from_secs(5), EndReason::RemoteHangup),
            EndReason::Transferred
        );
    }

    #[test]
    fn a_failed_transfer_leaves_the_call_up() {
        let t0 = Instant::now();
        let mut call = CallState::answered_inbound(t0);
        call.on_transfer_accepted();
        assert_eq!(call.on_transfer_progress(486, true), Some(Transfer::Failed));
        assert_eq!(
            call.on_transfer_progress(200, true),
            None,
            "that transfer is over"
        );
        assert_eq!(call.phase(), &Phase::Talking);
        assert_eq!(call.on_ended(t0, EndReason::LocalHangup), EndReason::LocalHangup);
        // A 1xx marked final is a failure too (the subscription ended without an answer).
        let mut call = CallState::answered_inbound(t0);
        call.on_transfer_accepted();
        assert_eq!(call.on_transfer_progress(180, true), Some(Transfer::Failed));
    }
}
