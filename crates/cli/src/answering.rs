//! `leadline answer`: answers calls, one after another or, with call waiting, several at
//! once: a call arriving during a call rings on (`--waiting ring`, answered when the line
//! frees), is refused busy (`reject`), or is answered with the current call held (`answer`);
//! `--swap-after S` then swaps between the two. One JSON line per state change, each with its
//! call's `call_id`.

use crate::args::{CallAudioArgs, TalkArgs, Waiting};
use crate::line::Line;
use crate::phone::{Recorder, Registered, audio, emit, prepare};
use leadline_core::media::{MediaConfig, MediaSession};
use leadline_core::sip::{EndReason, IncomingCall, SipError};
use leadline_core::store::model::Direction;
use leadline_core::{Conversation, CoreError, Handle, TalkEvent};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How `leadline answer` takes calls.
pub struct Answering {
    /// Calls to answer before exiting.
    pub calls: usize,
    /// What a call arriving during a call gets.
    pub waiting: Waiting,
    /// With two calls up, swap between them this many seconds after the second was answered.
    pub swap_after: Option<f64>,
}

/// The lines up, and which one the agent talks on (the others are held).
struct Lines<'a> {
    up: BTreeMap<usize, Line>,
    active: Option<usize>,
    events: crate::line::LineEvents,
    audio: &'a CallAudioArgs,
    media: &'a MediaConfig,
    recorder: Option<&'a Recorder<'a>>,
}

impl Lines<'_> {
    /// Answers `ringing` as line `number`; a refused offer is answered 488 and reported.
    async fn answer(&mut self, ringing: IncomingCall, number: usize) -> Result<(), CoreError> {
        let (session, answer) = match MediaSession::answering(self.media, &ringing.offer).await {
            Ok(answering) => answering,
            Err(error) => {
                emit(
                    &serde_json::json!({"event": "error", "kind": "call", "message": error.to_string(), "call_id": ringing.call_id}),
                );
                ringing.reject(Some(488));
                return Ok(());
            }
        };
        let record = self
            .recorder
            .and_then(|r| r.start(Direction::Inbound, &ringing.caller.number, &ringing.call_id));
        let call = ringing.answer(answer).map_err(SipError::Call)?;
        emit(&serde_json::json!({
            "event": "answered",
            "codec": session.codec().map(|(c, _)| c),
            "call_id": call.call_id,
        }));
        let line = Line::start(
            Conversation::new(call, session),
            audio(self.audio, number)?,
            record,
            number,
            self.events.clone(),
        )?;
        self.up.insert(number, line);
        self.active = Some(number);
        Ok(())
    }

    /// Ends line `number` (hanging up unless `ended` says how it ended); when it was the
    /// active one, the agent goes back to a held call.
    async fn end(&mut self, number: usize, ended: Option<EndReason>) -> Result<(), CoreError> {
        let Some(line) = self.up.remove(&number) else {
            return Ok(());
        };
        line.finish(ended, self.recorder).await?;
        if self.active == Some(number) {
            self.active = self.up.keys().next_back().copied();
            if let Some(back) = self.active.and_then(|n| self.up.get(&n)) {
                back.hold(false).await?;
            }
        }
        Ok(())
    }

    /// Holds the active line and resumes another.
    async fn swap(&mut self) -> Result<(), CoreError> {
        let Some(current) = self.active else { return Ok(()) };
        let Some(other) = self.up.keys().copied().find(|n| *n != current) else {
            return Ok(());
        };
        if let Some(line) = self.up.get(&current) {
            line.hold(true).await?;
        }
        if let Some(line) = self.up.get(&other) {
            line.hold(false).await?;
        }
        self.active = Some(other);
        Ok(())
    }
}

/// `leadline answer`.
pub fn answer(handle: &Handle, how: &Answering, setup: &TalkArgs) -> Result<(), CoreError> {
    let (args, audio_args, wrap_up) = (&setup.account, &setup.audio, &setup.wrap_up);
    let (mut registration, recorder, media) = prepare(handle, args, audio_args, wrap_up)?;
    crate::runtime()?.block_on(async move {
        let mut incoming = registration
            .incoming_calls()
            .ok_or_else(|| SipError::Stack("incoming calls already taken".into()))?;
        let registered = Registered::start(registration).await?;
        let (events_tx, mut events) = mpsc::unbounded_channel();
        let mut lines = Lines {
            up: BTreeMap::new(),
            active: None,
            events: events_tx,
            audio: audio_args,
            media: &media,
            recorder: recorder.as_ref(),
        };
        let talk_for = audio_args.duration.map(|s| Duration::from_secs_f64(s.max(0.0)));
        let mut answered = 0;
        let mut swap_at: Option<Instant> = None;
        let result = loop {
            if answered >= how.calls && lines.up.is_empty() {
                break Ok(());
            }
            // The next timer: a line's --duration running out, or the swap.
            let hang_up_at = talk_for.and_then(|d| lines.up.iter().map(|(n, l)| (l.answered + d, *n)).min());
            let next_at = [hang_up_at.map(|(at, _)| at), swap_at].into_iter().flatten().min();
            let take_calls = answered < how.calls && (lines.up.is_empty() || how.waiting != Waiting::Ring);
            let step: Result<(), CoreError> = tokio::select! {
                ringing = incoming.recv(), if take_calls => {
                    let Some(ringing) = ringing else { break Ok(()) };
                    emit(&serde_json::json!({
                        "event": "incoming",
                        "caller_name": ringing.caller.name,
                        "caller_number": ringing.caller.number,
                        "call_id": ringing.call_id,
                        "waiting": !lines.up.is_empty(),
                    }));
                    let current = lines.active.and_then(|n| lines.up.get(&n));
                    match (current, how.waiting) {
                        (Some(_), Waiting::Reject) => {
                            emit(&serde_json::json!({"event": "rejected", "code": 486, "call_id": ringing.call_id}));
                            ringing.reject(Some(486));
                            Ok(())
                        }
                        (current, _) => {
                            let held = match current {
                                Some(line) => line.hold(true).await,
                                None => Ok(()),
                            };
                            let number = answered;
                            answered += 1;
                            if held.is_ok() && !lines.up.is_empty() {
                                swap_at = how.swap_after.map(|s| Instant::now() + Duration::from_secs_f64(s.max(0.0)));
                            }
                            match held {
                                Ok(()) => lines.answer(ringing, number).await,
                                Err(error) => Err(error),
                            }
                        }
                    }
                }
                Some((number, event)) = events.recv() => match event {
                    TalkEvent::Ended { reason } => lines.end(number, Some(reason)).await,
                    event => {
                        if let Some(line) = lines.up.get(&number) {
                            line.report(&event);
                        }
                        Ok(())
                    }
                },
                () = sleep_until(next_at) => {
                    let now = Instant::now();
                    if swap_at.is_some_and(|at| at <= now) {
                        swap_at = None;
                        lines.swap().await
                    } else if let Some((_, number)) = hang_up_at.filter(|(at, _)| *at <= now) {
                        lines.end(number, None).await
                    } else {
                        Ok(())
                    }
                }
            };
            if let Err(error) = step {
                break Err(error);
            }
        };
        let numbers: Vec<usize> = lines.up.keys().copied().collect();
        for number in numbers {
            lines.end(number, None).await?;
        }
        registered.stop().await;
        result
    })
}

/// Sleeps until `at`, or forever when there is nothing to wait for.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}
