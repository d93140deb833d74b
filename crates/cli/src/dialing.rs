//! `leadline call DEST`: dials, talks, and on the way does what the flags ask — DTMF, hold
//! and resume, a blind or attended transfer — while answering whatever the other side does
//! (their hold, their DTMF, their hang-up). One JSON line per state change.

use crate::args::{CallAudioArgs, TalkArgs};
use crate::line::{Line, LineEvents, hold, report};
use crate::phone::{Recorder, Registered, audio, emit, millis, prepare};
use leadline_core::media::{MediaConfig, MediaSession};
use leadline_core::sip::{Dialer, EndReason, GiveUp, SipError};
use leadline_core::store::model::Direction;
use leadline_core::{Conversation, CoreError, Handle, TalkEvent};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// What `leadline call` dials and does on the call.
pub struct Dial<'a> {
    /// Whom to call.
    pub destination: &'a str,
    /// Seconds of ringing before CANCEL.
    pub ring_timeout: f64,
    /// DTMF digits to send once the audio flows.
    pub dtmf: Option<&'a str>,
    /// Seconds into the call to hold the other side (for [`HOLD_FOR`]), then resume.
    pub hold_after: Option<f64>,
    /// Transfer the other side here once the steps above are done.
    pub transfer_to: Option<&'a str>,
    /// Transfer after a consultation call to the target (REFER with Replaces), not blind.
    pub attended: bool,
}

/// How long `--hold-after` holds.
const HOLD_FOR: Duration = Duration::from_secs(2);
/// How long an attended transfer's consultation call talks before the transfer.
const CONSULT_FOR: Duration = Duration::from_secs(1);
/// How long the replaced consultation call may take to be hung up by the target.
const REPLACED_WITHIN: Duration = Duration::from_secs(10);

/// What a call plays and records, where it is recorded, and its media settings.
type CallSetup<'a> = (&'a CallAudioArgs, Option<&'a Recorder<'a>>, &'a MediaConfig);

/// Calls `destination` as line `number` and returns the answered line, or how it failed
/// (printed as `ended`, recorded, and returned as the error).
async fn dial_out(
    dialer: &Dialer,
    destination: &str,
    ring_timeout: f64,
    (audio_args, recorder, media): CallSetup<'_>,
    number: usize,
    events: LineEvents,
) -> Result<Line, CoreError> {
    let (session, offer) = MediaSession::offering(media).await?;
    let call_id = leadline_core::sip::new_call_id();
    let record = recorder.and_then(|r| r.start(Direction::Outbound, destination, &call_id));
    let invited = Instant::now();
    // Ctrl-C before an answer cancels the call.
    let cancel = CancellationToken::new();
    let interrupted = cancel.clone();
    let watching = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            interrupted.cancel();
        }
    });
    let give_up = GiveUp {
        ring_timeout: Duration::from_secs_f64(ring_timeout.clamp(1.0, 600.0)),
        cancel,
    };
    let ringing = |r: leadline_core::sip::Ringing| {
        emit(
            &serde_json::json!({"event": "ringing", "code": r.code, "early_media": r.early_media, "call_id": call_id}),
        );
    };
    let outcome = dialer.call(destination, &call_id, offer, ringing, give_up).await;
    watching.abort();
    let call = match outcome {
        Ok(call) => call,
        Err(reason) => {
            session.close().await;
            emit(
                &serde_json::json!({"event": "ended", "reason": reason, "duration_ms": 0, "call_id": call_id}),
            );
            if let Some(recorder) = recorder {
                recorder.end(record)?;
            }
            return Err(SipError::Call(reason).into());
        }
    };
    let answered = Instant::now();
    if let Err(error) = session.accept_answer(&call.remote_sdp).await {
        call.hangup().await;
        session.close().await;
        return Err(error.into());
    }
    emit(&serde_json::json!({
        "event": "answered",
        "codec": session.codec().map(|(c, _)| c),
        "setup_ms": millis(answered - invited),
        "call_id": call.call_id,
    }));
    Line::start(
        Conversation::new(call, session),
        audio(audio_args, number)?,
        record,
        number,
        events,
    )
}

/// `leadline call DEST`.
pub fn call(handle: &Handle, dial: &Dial<'_>, setup: &TalkArgs) -> Result<(), CoreError> {
    let (args, audio_args, wrap_up) = (&setup.account, &setup.audio, &setup.wrap_up);
    if let Some(digits) = dial.dtmf
        && !leadline_core::media::dtmf::valid(digits)
    {
        return Err(
            leadline_core::media::MediaError::Audio(format!("{digits:?} are not DTMF digits")).into(),
        );
    }
    let (registration, recorder, media) = prepare(handle, args, audio_args, wrap_up)?;
    crate::runtime()?.block_on(async move {
        let registered = Registered::start(registration).await?;
        let dialer = &registered.dialer;
        let (events_tx, events) = mpsc::unbounded_channel();
        let dialled = dial_out(
            dialer,
            dial.destination,
            dial.ring_timeout,
            (audio_args, recorder.as_ref(), &media),
            0,
            events_tx,
        )
        .await;
        let talked = match dialled {
            Ok(line) => {
                talk(
                    dialer,
                    line,
                    events,
                    dial,
                    (audio_args, recorder.as_ref(), &media),
                )
                .await
            }
            Err(error) => Err(error),
        };
        registered.stop().await;
        talked
    })
}

/// Talks on `line` until `--duration` passes, the other side hangs up, or a transfer ends
/// our part; runs the flags' steps meanwhile.
async fn talk(
    dialer: &Dialer,
    line: Line,
    mut events: mpsc::UnboundedReceiver<(usize, TalkEvent)>,
    dial: &Dial<'_>,
    audio: CallSetup<'_>,
) -> Result<(), CoreError> {
    if !line.conversation.media.connected(Duration::from_secs(10)).await {
        tracing::warn!("media did not connect within 10 s");
    }
    let steps = steps(dialer, line.conversation.clone(), line.answered, dial, audio);
    tokio::pin!(steps);
    let mut steps_done = false;
    let mut steps_result = Ok(());
    let deadline = audio
        .0
        .duration
        .map_or(Duration::from_secs(u64::from(u32::MAX)), |s| {
            Duration::from_secs_f64(s.max(0.0))
        });
    let deadline = tokio::time::sleep(deadline);
    tokio::pin!(deadline);
    let ended = loop {
        tokio::select! {
            Some((_, event)) = events.recv() => match event {
                TalkEvent::Ended { reason } => break Some(reason),
                TalkEvent::Transfer { code, done: true } if (200..300).contains(&code) => {
                    line.report(&event);
                    line.emit(crate::phone::media_event(&line.conversation.media));
                    break Some(line.conversation.hangup().await);
                }
                event => line.report(&event),
            },
            result = &mut steps, if !steps_done => {
                steps_done = true;
                steps_result = result;
            }
            () = &mut deadline => break None,
        }
    };
    if !steps_done {
        // An attended transfer still winds its consultation call down.
        steps_result = tokio::time::timeout(REPLACED_WITHIN, steps)
            .await
            .unwrap_or(Ok(()));
    }
    line.finish(ended, audio.1).await?;
    steps_result
}

/// The flags' steps, in order: DTMF, hold and resume, transfer.
async fn steps(
    dialer: &Dialer,
    conversation: Arc<Conversation>,
    answered: Instant,
    dial: &Dial<'_>,
    audio: CallSetup<'_>,
) -> Result<(), CoreError> {
    if let Some(digits) = dial.dtmf {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let method = conversation.send_dtmf(digits).await?;
        report(
            &conversation,
            serde_json::json!({"event": "dtmf", "digits": digits, "method": method}),
        );
    }
    if let Some(after) = dial.hold_after {
        let wait = Duration::from_secs_f64(after.max(0.0)).saturating_sub(answered.elapsed());
        tokio::time::sleep(wait).await;
        hold(&conversation, true).await?;
        tokio::time::sleep(HOLD_FOR).await;
        hold(&conversation, false).await?;
    }
    let Some(target) = dial.transfer_to else {
        return Ok(());
    };
    let address = dialer.address_of(target);
    if !dial.attended {
        conversation.transfer(&address, None).await?;
        report(
            &conversation,
            serde_json::json!({"event": "transferring", "to": address, "attended": false}),
        );
        return Ok(());
    }
    // Attended: hold the other side, consult the target, then hand the other side over.
    hold(&conversation, true).await?;
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let consultation = dial_out(dialer, target, dial.ring_timeout, audio, 1, events_tx).await?;
    tokio::time::sleep(CONSULT_FOR).await;
    conversation
        .transfer(&address, Some(&consultation.conversation))
        .await?;
    report(
        &conversation,
        serde_json::json!({"event": "transferring", "to": address, "attended": true}),
    );
    // The target takes the other side's call in place of ours and hangs ours up.
    let ended = tokio::time::timeout(REPLACED_WITHIN, async {
        while let Some((_, event)) = events.recv().await {
            match event {
                TalkEvent::Ended { reason } => return Some(reason),
                event => consultation.report(&event),
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
    .map(|reason| match reason {
        EndReason::RemoteHangup => EndReason::Transferred,
        other => other,
    });
    consultation.finish(ended, audio.1).await
}
