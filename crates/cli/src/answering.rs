//! `leadline answer`: answers calls, one after another or, with call waiting, several at
//! once: a call arriving during a call rings on (`--waiting ring`, answered when the line
//! frees), is refused busy (`reject`), or is answered with the current call held (`answer`);
//! `--swap-after S` then swaps between the two. When the call talked on ends, the agent goes
//! back to a held one. The core's phone prints one JSON line per state change, each with its
//! call's `call_id`; this module decides what to do and when.

use crate::args::{TalkArgs, Waiting};
use crate::dialing::wrap_up_ended;
use crate::phone::{LineFormat, Running, setup};
use leadline_core::phone::PhoneEvent;
use leadline_core::{CoreError, Handle};
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

/// How `leadline answer` takes calls.
pub struct Answering {
    /// Calls to answer before exiting.
    pub calls: usize,
    /// What a call arriving during a call gets.
    pub waiting: Waiting,
    /// With two calls up, swap between them this many seconds after the second was answered.
    pub swap_after: Option<f64>,
    /// Let a call ring this long before answering it.
    pub ring_for: Option<Duration>,
}

/// Sleeps until `at`, or forever when there is nothing to wait for.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

/// `leadline answer`.
pub fn answer(handle: &Handle, how: &Answering, talk: &TalkArgs) -> Result<(), CoreError> {
    let setup = setup(handle, &talk.account, &talk.audio)?;
    let recording = setup.record_calls;
    crate::runtime()?.block_on(async move {
        let mut running = Running::start(handle, setup, LineFormat::Events)?;
        running.registered().await?;
        let result = take_calls(&mut running, how, talk).await;
        running.stop().await;
        if recording {
            wrap_up_ended(handle, &running, talk)?;
        }
        result
    })
}

async fn take_calls(running: &mut Running, how: &Answering, talk: &TalkArgs) -> Result<(), CoreError> {
    let phone = running.phone.clone();
    let talk_for = talk.audio.duration.map(|s| Duration::from_secs_f64(s.max(0.0)));
    // Calls answered (by when), calls left ringing for later, and the swap to come.
    let mut up: BTreeMap<String, Instant> = BTreeMap::new();
    // Calls hung up for `--duration` whose end is still to be heard.
    let mut hung_up: HashSet<String> = HashSet::new();
    let mut queued: VecDeque<String> = VecDeque::new();
    let mut answered = 0;
    let mut swap_at: Option<Instant> = None;
    loop {
        if answered >= how.calls && up.is_empty() && hung_up.is_empty() {
            return Ok(());
        }
        // A call left ringing is answered once the line is free.
        if up.is_empty()
            && answered < how.calls
            && let Some(next) = queued.pop_front()
        {
            answered += 1;
            phone.answer(&next).await?;
            up.insert(next, Instant::now());
            continue;
        }
        let hang_up_at = talk_for.and_then(|d| up.iter().map(|(id, at)| (*at + d, id.clone())).min());
        let next_at = [hang_up_at.as_ref().map(|(at, _)| *at), swap_at]
            .into_iter()
            .flatten()
            .min();
        let event = tokio::select! {
            event = running.next() => match event {
                Some(event) => event,
                None => return Ok(()),
            },
            () = sleep_until(next_at) => {
                let now = Instant::now();
                if swap_at.is_some_and(|at| at <= now) {
                    swap_at = None;
                    phone.swap().await?;
                } else if let Some((_, call_id)) = hang_up_at.filter(|(at, _)| *at <= now) {
                    up.remove(&call_id);
                    hung_up.insert(call_id.clone());
                    phone.hangup(&call_id).await?;
                }
                continue;
            }
        };
        match event {
            PhoneEvent::Incoming { call_id, .. } if answered < how.calls => {
                match (up.is_empty(), how.waiting) {
                    (false, Waiting::Reject) => phone.reject(&call_id, Some(486)).await?,
                    (false, Waiting::Ring) => queued.push_back(call_id),
                    (busy, _) => {
                        if let Some(ring) = how.ring_for {
                            tokio::time::sleep(ring).await;
                            if !phone.call_ids().contains(&call_id) {
                                continue; // the caller gave up
                            }
                        }
                        answered += 1;
                        phone.answer(&call_id).await?;
                        up.insert(call_id, Instant::now());
                        if busy {
                            swap_at = how
                                .swap_after
                                .map(|s| Instant::now() + Duration::from_secs_f64(s.max(0.0)));
                        }
                    }
                }
            }
            PhoneEvent::Ended { call_id, .. } => {
                queued.retain(|id| *id != call_id);
                let ours = up.remove(&call_id).is_some() | hung_up.remove(&call_id);
                if ours && phone.active_call().is_none() {
                    // Back to the call held most recently.
                    let back = phone.call_ids().into_iter().rev().find(|id| up.contains_key(id));
                    if let Some(back) = back {
                        phone.hold(&back, false).await?;
                    }
                }
            }
            _ => {}
        }
    }
}
