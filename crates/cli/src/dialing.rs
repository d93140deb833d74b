//! `leadline call DEST`: dials, talks, and on the way does what the flags ask — DTMF, hold
//! and resume, a blind or attended transfer — while the core's phone answers whatever the
//! other side does (their hold, their DTMF, their hang-up). The phone prints one JSON line per
//! state change; this module only turns flags into its commands and times them.

use crate::args::TalkArgs;
use crate::phone::{LineFormat, Running, setup, wrap_up};
use leadline_core::phone::{Dial as DialCommand, EndReason, PhoneEvent};
use leadline_core::{CoreError, Handle};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

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
    /// Seconds into the call to move it to this speaker.
    pub switch_speaker: Option<(&'a str, f64)>,
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

/// How a call we placed came out of its ringing.
enum Placed {
    Answered,
    Ended(EndReason),
}

/// Waits for the answer (or the end) of our call `call_id`; Ctrl-C gives it up.
async fn answer_of(
    phone: &leadline_core::Phone,
    events: &mut broadcast::Receiver<PhoneEvent>,
    call_id: &str,
) -> Placed {
    let mut interrupted = false;
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(PhoneEvent::Answered { call_id: id, .. }) if id == call_id => return Placed::Answered,
                Ok(PhoneEvent::Ended { call_id: id, reason, .. }) if id == call_id => return Placed::Ended(reason),
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return Placed::Ended(EndReason::ConnectionLost),
            },
            _ = tokio::signal::ctrl_c(), if !interrupted => {
                interrupted = true;
                let _ = phone.hangup(call_id).await;
            }
        }
    }
}

/// Waits for the end of `call_id` (at most `within`); how it ended, if it did.
async fn end_of(
    events: &mut broadcast::Receiver<PhoneEvent>,
    call_id: &str,
    within: Duration,
) -> Option<EndReason> {
    tokio::time::timeout(within, async {
        loop {
            match events.recv().await {
                Ok(PhoneEvent::Ended {
                    call_id: id, reason, ..
                }) if id == call_id => return Some(reason),
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    })
    .await
    .ok()
    .flatten()
}

/// `leadline call DEST`.
pub fn call(handle: &Handle, dial: &Dial<'_>, talk: &TalkArgs) -> Result<(), CoreError> {
    if let Some(digits) = dial.dtmf
        && !leadline_core::phone::valid_dtmf(digits)
    {
        return Err(CoreError::Invalid {
            field: "--dtmf",
            reason: format!("{digits:?} are not DTMF digits"),
        });
    }
    let setup = setup(handle, &talk.account, &talk.audio)?;
    let recording = setup.record_calls;
    crate::runtime()?.block_on(async move {
        let mut running = Running::start(handle, setup, LineFormat::Events)?;
        running.registered().await?;
        let result = place_and_talk(&running, dial, talk).await;
        running.stop().await;
        if recording {
            wrap_up_ended(handle, &running, talk)?;
        }
        result
    })
}

/// Wraps up the calls of this run whose wrap-up is due (their end is in the store before it
/// is reported).
pub fn wrap_up_ended(handle: &Handle, running: &Running, talk: &TalkArgs) -> Result<(), CoreError> {
    for due in handle.pending_wrap_ups()? {
        if due.call_id.as_ref().is_some_and(|id| running.placed_or_taken(id)) {
            wrap_up(handle, &due, &talk.wrap_up)?;
        }
    }
    Ok(())
}

async fn place_and_talk(running: &Running, dial: &Dial<'_>, talk: &TalkArgs) -> Result<(), CoreError> {
    let phone = &running.phone;
    let mut events = running.subscribe();
    let call_id = phone
        .dial(&DialCommand {
            destination: dial.destination.to_owned(),
            lead: None,
            ring_timeout: Some(dial.ring_timeout),
        })
        .await?;
    if let Placed::Ended(reason) = answer_of(phone, &mut events, &call_id).await {
        return Err(reason.into());
    }
    let answered = Instant::now();
    if !phone
        .media_connected(&call_id, Duration::from_secs(10))
        .await
        .unwrap_or(false)
    {
        tracing::warn!("media did not connect within 10 s");
    }
    let steps = steps(running, &call_id, answered, dial);
    tokio::pin!(steps);
    let mut steps_done = false;
    let mut steps_result = Ok(());
    let talk_for = talk
        .audio
        .duration
        .map_or(Duration::from_secs(u64::from(u32::MAX)), |s| {
            Duration::from_secs_f64(s.max(0.0))
        });
    let deadline = tokio::time::sleep(talk_for);
    tokio::pin!(deadline);
    let ended = loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(PhoneEvent::Ended { call_id: id, .. }) if id == call_id => break true,
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => break true,
            },
            result = &mut steps, if !steps_done => {
                steps_done = true;
                steps_result = result;
            }
            () = &mut deadline => break false,
        }
    };
    if !steps_done {
        // An attended transfer still winds its consultation call down.
        steps_result = tokio::time::timeout(REPLACED_WITHIN, steps)
            .await
            .unwrap_or(Ok(()));
    }
    if !ended {
        phone.hangup(&call_id).await?;
    }
    steps_result
}

/// The flags' steps, in order: DTMF, hold and resume, transfer.
async fn steps(
    running: &Running,
    call_id: &str,
    answered: Instant,
    dial: &Dial<'_>,
) -> Result<(), CoreError> {
    let phone = &running.phone;
    if let Some(digits) = dial.dtmf {
        tokio::time::sleep(Duration::from_millis(300)).await;
        phone.send_dtmf(call_id, digits).await?;
    }
    if let Some((speaker, after)) = dial.switch_speaker {
        let wait = Duration::from_secs_f64(after).saturating_sub(answered.elapsed());
        tokio::time::sleep(wait).await;
        phone.use_device(leadline_core::media::devices::DeviceRole::Speaker, Some(speaker))?;
    }
    if let Some(after) = dial.hold_after {
        let wait = Duration::from_secs_f64(after.max(0.0)).saturating_sub(answered.elapsed());
        tokio::time::sleep(wait).await;
        phone.hold(call_id, true).await?;
        tokio::time::sleep(HOLD_FOR).await;
        phone.hold(call_id, false).await?;
    }
    let Some(target) = dial.transfer_to else {
        return Ok(());
    };
    if !dial.attended {
        return phone.transfer(call_id, target).await;
    }
    // Attended: the other side goes on hold as we consult the target, then is handed over.
    let mut events = running.subscribe();
    let consultation = phone
        .dial(&DialCommand {
            destination: target.to_owned(),
            lead: None,
            ring_timeout: Some(dial.ring_timeout),
        })
        .await?;
    if let Placed::Ended(reason) = answer_of(phone, &mut events, &consultation).await {
        return Err(reason.into());
    }
    tokio::time::sleep(CONSULT_FOR).await;
    phone.transfer_attended(call_id, &consultation).await?;
    // The target takes the other side's call in place of ours and hangs ours up.
    if end_of(&mut events, &consultation, REPLACED_WITHIN)
        .await
        .is_none()
    {
        phone.hangup(&consultation).await?;
    }
    Ok(())
}
