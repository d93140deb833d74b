//! The phone's calls: the table of calls by SIP Call-ID (dialling, ringing, talking) with the
//! active one, and the commands on them. A call leaves the table exactly once, and whoever
//! takes it out finishes it: closes its audio, reports how it ended, completes its recording
//! and its CRM record (whose wrap-up is then due).

use super::events::{DtmfMethod, PhoneEvent, Side, WrapUpDue};
use super::record::CallRecord;
use super::record::call_quality;
use super::{Phone, Shared};
use crate::CoreError;
use crate::conversation::{Conversation, TalkEvent};
use leadline_media::devices::DeviceRole;
use leadline_media::tones::{Pattern, TonePlayer};
use leadline_media::{MediaSession, SinkHandle};
use leadline_sip::{Call, EndReason, GiveUp, IncomingCall, Ringing, SipError};
use leadline_store::model::{CallId, Direction, LeadId};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

/// What to call.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
pub struct Dial {
    /// A number, a SIP user, or a full SIP address.
    pub destination: String,
    /// The lead being called (its record goes on this lead; else found by the number).
    #[serde(default)]
    #[ts(optional)]
    pub lead: Option<LeadId>,
    /// Seconds of ringing before the call is given up as unanswered.
    #[serde(default = "default_ring_timeout")]
    #[ts(optional)]
    pub ring_timeout: Option<f64>,
}

fn default_ring_timeout() -> Option<f64> {
    Some(60.0)
}

/// A call on the phone.
struct Entry {
    /// The other side's number or address as dialled or shown.
    remote: String,
    /// The CRM record.
    record: Option<CallId>,
    /// Replaced by an attended transfer: the other side hanging it up is the transfer's end.
    replaced: bool,
    slot: Slot,
    /// The ringtone or call-waiting beep while it rings in (stops when dropped).
    tone: Option<TonePlayer>,
}

enum Slot {
    /// Our INVITE is out; cancelled with this token.
    Dialing(CancellationToken),
    /// Arriving; its ringing task hands the call over through this.
    Ringing(oneshot::Sender<oneshot::Sender<IncomingCall>>),
    /// Being answered, or answered and its audio starting; `hang_up` when the agent hung up
    /// meanwhile (the call is refused, or hung up as soon as it is up).
    Connecting { hang_up: bool },
    /// Answered.
    Up(Arc<Live>),
}

/// An answered call: its SIP side and media, the recording of what the other side says, and
/// the task watching what the other side does.
pub(super) struct Live {
    pub(super) conversation: Arc<Conversation>,
    pub(super) recording: SinkHandle,
    answered: Instant,
    watcher: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

/// Every call on the phone and which one is active.
#[derive(Default)]
pub(super) struct CallTable {
    calls: BTreeMap<String, Entry>,
    order: Vec<String>,
    /// The call the agent talks on (the others are held or ringing).
    pub active: Option<String>,
    /// Calls answered so far (numbers each call's audio).
    answered: usize,
}

impl CallTable {
    pub fn ids(&self) -> Vec<String> {
        self.order.clone()
    }

    fn insert(&mut self, call_id: &str, entry: Entry) {
        self.order.push(call_id.to_owned());
        self.calls.insert(call_id.to_owned(), entry);
    }

    fn take(&mut self, call_id: &str) -> Option<Entry> {
        let entry = self.calls.remove(call_id)?;
        self.order.retain(|id| id != call_id);
        if self.active.as_deref() == Some(call_id) {
            self.active = None;
        }
        Some(entry)
    }

    fn live(&self, call_id: &str) -> Result<Arc<Live>, CoreError> {
        match self.calls.get(call_id).map(|e| &e.slot) {
            Some(Slot::Up(live)) => Ok(live.clone()),
            _ => Err(CoreError::NoSuchCall(call_id.to_owned())),
        }
    }

    /// The answered calls.
    pub(super) fn lives(&self) -> Vec<(String, Arc<Live>)> {
        self.calls
            .iter()
            .filter_map(|(id, e)| match &e.slot {
                Slot::Up(live) => Some((id.clone(), live.clone())),
                _ => None,
            })
            .collect()
    }

    fn any_up(&self) -> bool {
        self.calls.values().any(|e| matches!(e.slot, Slot::Up(_)))
    }

    /// Whether the agent hung up the call while it was connecting.
    fn hang_up_asked(&self, call_id: &str) -> bool {
        matches!(
            self.calls.get(call_id).map(|e| &e.slot),
            Some(Slot::Connecting { hang_up: true })
        )
    }

    /// Marks a call we placed as answered, its audio starting; an agent's hang-up that came
    /// too late to cancel it is kept.
    fn connecting(&mut self, call_id: &str) {
        if let Some(entry) = self.calls.get_mut(call_id)
            && let Slot::Dialing(cancel) = &entry.slot
        {
            entry.slot = Slot::Connecting {
                hang_up: cancel.is_cancelled(),
            };
        }
    }
}

/// How often a call's quality figures are reported.
const QUALITY_EVERY: Duration = Duration::from_secs(5);
/// How often a call's levels are reported while a meter is on.
const LEVELS_EVERY: Duration = Duration::from_millis(100);

fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

fn media_event(call_id: &str, media: &MediaSession) -> PhoneEvent {
    let first = media.counters.first_received_us.load(Relaxed);
    PhoneEvent::Media {
        call_id: call_id.to_owned(),
        codec: media.codec().map(|(c, _)| c),
        packets_sent: media.counters.sent.load(Relaxed),
        packets_received: media.counters.received.load(Relaxed),
        first_packet_ms: (first > 0).then(|| first as f64 / 1000.0),
    }
}

impl Shared {
    fn start_record(
        &self,
        direction: Direction,
        remote: &str,
        call_id: &str,
        lead: Option<LeadId>,
    ) -> Option<CallId> {
        if !self.record_calls {
            return None;
        }
        let record = CallRecord {
            direction,
            local: self.account.username.clone(),
            remote: remote.to_owned(),
            pbx_call_id: call_id.to_owned(),
            lead,
        };
        match self.handle.record_call_start(&record) {
            Ok(call) => Some(call.id),
            Err(error) => {
                self.report_error(Some(call_id), &error);
                None
            }
        }
    }

    /// Records the call's end in the CRM — before `ended` is reported, so that whoever hears
    /// it finds the wrap-up due in the store — and returns the wrap-up to announce after.
    fn end_record(
        &self,
        call_id: &str,
        record: Option<CallId>,
        quality: Option<&leadline_media::quality::Quality>,
    ) -> Option<WrapUpDue> {
        let record = record?;
        match self.handle.record_call_end(record, quality.map(call_quality)) {
            Ok(due) => Some(due),
            Err(error) => {
                self.report_error(Some(call_id), &error);
                None
            }
        }
    }

    /// Reports the end of a call, then its wrap-up.
    fn report_end(&self, call_id: &str, reason: EndReason, duration_ms: f64, due: Option<WrapUpDue>) {
        self.emit(PhoneEvent::Ended {
            call_id: call_id.to_owned(),
            reason,
            duration_ms,
        });
        if let Some(due) = due {
            self.emit(PhoneEvent::WrapUpDue(due));
        }
    }

    /// Finishes a call taken out of the table that never talked.
    fn finish_unanswered(&self, call_id: &str, record: Option<CallId>, reason: EndReason) {
        let due = self.end_record(call_id, record, None);
        self.report_end(call_id, reason, 0.0, due);
    }

    /// Finishes a call taken out of the table after it talked: hangs up unless `ended` says
    /// how it ended, closes the audio, reports, completes the recording and the record.
    async fn finish(&self, call_id: &str, entry: Entry, live: Arc<Live>, ended: Option<EndReason>) {
        if let Some(watcher) = live.watcher.lock().ok().and_then(|mut w| w.take()) {
            watcher.abort();
        }
        let conversation = &live.conversation;
        let reason = match ended {
            Some(reason) => reason,
            None => {
                self.emit(media_event(call_id, &conversation.media));
                conversation.hangup().await
            }
        };
        let reason = match reason {
            EndReason::RemoteHangup if entry.replaced => EndReason::Transferred,
            other => other,
        };
        self.emit(media_event(call_id, &conversation.media));
        // The last report is the whole call's, and the call's record keeps it.
        let summary = conversation.media.summary().await;
        self.emit(PhoneEvent::Quality {
            call_id: call_id.to_owned(),
            quality: summary.clone(),
        });
        conversation.close().await;
        let recorded = live.recording.finish();
        let due = self.end_record(call_id, entry.record, Some(&summary));
        self.report_end(call_id, reason, millis(live.answered.elapsed()), due);
        if let Err(error) = recorded {
            self.report_error(Some(call_id), &error.into());
        }
    }

    /// Starts the audio of an answered call, makes it the active call, reports `answered`
    /// (once the call takes commands) and watches it. When its audio cannot start, or the call
    /// left the table meanwhile, it is hung up and taken out of the table.
    async fn go_live(self: &Arc<Self>, call_id: &str, conversation: Conversation, setup_ms: Option<f64>) {
        let number = {
            let mut table = self.table();
            let number = table.answered;
            table.answered += 1;
            number
        };
        // Opening devices may wait on the audio server: not on a runtime worker's time.
        let audio = off_the_runtime(|| (self.audio)(number));
        let started = audio.and_then(|(source, sink)| Ok(conversation.media.start(source, sink)?));
        let recording = match started {
            Ok(recording) => {
                recording.set_volume(self.gain());
                recording
            }
            Err(error) => {
                self.report_error(Some(call_id), &error);
                let reason = conversation.hangup().await;
                conversation.close().await;
                if let Some(entry) = self.table().take(call_id) {
                    self.finish_unanswered(call_id, entry.record, reason);
                }
                return;
            }
        };
        let live = Arc::new(Live {
            conversation: Arc::new(conversation),
            recording,
            answered: Instant::now(),
            watcher: std::sync::Mutex::new(None),
        });
        let answered = PhoneEvent::Answered {
            call_id: call_id.to_owned(),
            codec: live.conversation.media.codec().map(|(c, _)| c),
            setup_ms,
        };
        let (orphan, hang_up) = {
            let mut table = self.table();
            let hang_up = table.hang_up_asked(call_id);
            match table.calls.get_mut(call_id) {
                Some(entry) => {
                    entry.slot = Slot::Up(live.clone());
                    table.active = Some(call_id.to_owned());
                    (false, hang_up)
                }
                None => (true, false),
            }
        };
        if orphan {
            live.conversation.hangup().await;
            live.conversation.close().await;
            return;
        }
        self.emit(answered);
        if hang_up {
            // Hung up while its audio was starting: ended now, as a hang-up of a live call.
            let entry = self.table().take(call_id);
            if let Some(entry) = entry {
                self.finish(call_id, entry, live, None).await;
            }
            return;
        }
        // Watched once it is in the table, so that its end finds it there.
        let watcher = tokio::spawn(watch(self.clone(), call_id.to_owned(), live.conversation.clone()));
        if let Ok(mut slot) = live.watcher.lock() {
            *slot = Some(watcher);
        }
    }

    /// Holds (`on`) or resumes the call and says so.
    async fn hold(&self, call_id: &str, live: &Live, on: bool) -> Result<(), CoreError> {
        live.conversation.hold(on).await?;
        let packets_received = live.conversation.media.counters.received.load(Relaxed);
        let call_id = call_id.to_owned();
        self.emit(if on {
            PhoneEvent::Held {
                call_id,
                by: Side::Us,
                packets_received,
            }
        } else {
            PhoneEvent::Resumed {
                call_id,
                by: Side::Us,
                packets_received,
            }
        });
        Ok(())
    }

    /// Holds the active call, if any other than `except` is talking.
    async fn hold_active(&self, except: Option<&str>) -> Result<(), CoreError> {
        let active = {
            let table = self.table();
            match table.active.clone() {
                Some(id) if Some(id.as_str()) != except => table.live(&id).ok().map(|l| (id, l)),
                _ => None,
            }
        };
        if let Some((id, live)) = active {
            if !live.conversation.call.holding() {
                self.hold(&id, &live, true).await?;
            }
            let mut table = self.table();
            if table.active.as_deref() == Some(id.as_str()) {
                table.active = None;
            }
        }
        Ok(())
    }
}

/// Turns what the other side does on a call into events, until it ends.
async fn watch(shared: Arc<Shared>, call_id: String, conversation: Arc<Conversation>) {
    let mut report = tokio::time::interval_at(tokio::time::Instant::now() + QUALITY_EVERY, QUALITY_EVERY);
    let mut meter = tokio::time::interval(LEVELS_EVERY);
    loop {
        let event = tokio::select! {
            event = conversation.next() => event,
            _ = meter.tick(), if shared.metering() => {
                let microphone_dbfs = conversation.media.source_level();
                let speaker = shared.table().live(&call_id).ok();
                let speaker_dbfs = speaker.and_then(|l| l.recording.level());
                if microphone_dbfs.is_some() || speaker_dbfs.is_some() {
                    shared.emit(PhoneEvent::Levels {
                        call_id: call_id.clone(),
                        microphone_dbfs,
                        speaker_dbfs,
                    });
                }
                continue;
            }
            _ = report.tick() => {
                shared.emit(PhoneEvent::Quality {
                    call_id: call_id.clone(),
                    quality: conversation.media.quality().await,
                });
                continue;
            }
        };
        let id = call_id.clone();
        let packets_received = || conversation.media.counters.received.load(Relaxed);
        match event {
            TalkEvent::Held { .. } => shared.emit(PhoneEvent::Held {
                call_id: id,
                by: Side::Remote,
                packets_received: packets_received(),
            }),
            TalkEvent::Resumed { .. } => shared.emit(PhoneEvent::Resumed {
                call_id: id,
                by: Side::Remote,
                packets_received: packets_received(),
            }),
            TalkEvent::DtmfReceived { digit, method } => shared.emit(PhoneEvent::DtmfReceived {
                call_id: id,
                digit,
                method: if method == "info" {
                    DtmfMethod::Info
                } else {
                    DtmfMethod::Rfc4733
                },
            }),
            TalkEvent::Reconnected => shared.emit(PhoneEvent::Reconnected { call_id: id }),
            TalkEvent::Transfer { code, done } => {
                shared.emit(PhoneEvent::Transfer {
                    call_id: id,
                    code,
                    done,
                });
                if done && (200..300).contains(&code) {
                    // The other side is in their new call: our leg ends as transferred.
                    return end_from_watcher(&shared, &call_id, None).await;
                }
            }
            TalkEvent::Ended { reason } => return end_from_watcher(&shared, &call_id, Some(reason)).await,
        }
    }
}

async fn end_from_watcher(shared: &Arc<Shared>, call_id: &str, ended: Option<EndReason>) {
    let Some(entry) = shared.table().take(call_id) else {
        return; // someone else is finishing it
    };
    if let Slot::Up(live) = &entry.slot {
        let live = live.clone();
        // The watcher is this task: finish without aborting it.
        if let Ok(mut watcher) = live.watcher.lock() {
            watcher.take();
        }
        shared.finish(call_id, entry, live, ended).await;
    }
}

impl Phone {
    /// Calls `dial.destination` and returns the call's id at once; ringing, the answer or how
    /// it failed follow as events. The active call goes on hold first.
    pub async fn dial(&self, dial: &Dial) -> Result<String, CoreError> {
        let shared = &self.shared;
        if shared.record_calls {
            shared.handle.require_calling()?;
            let pending = shared.handle.pending_wrap_up_count()?;
            if pending > 0 && !shared.handle.calling_settings()?.calls_during_wrap_up {
                return Err(CoreError::WrapUpPending(pending));
            }
        }
        if !shared.dialer.connected() {
            return Err(CoreError::NotConnected);
        }
        let (session, offer) = MediaSession::offering(&shared.media).await?;
        shared.hold_active(None).await?;
        let call_id = leadline_sip::new_call_id();
        let record = shared.start_record(Direction::Outbound, &dial.destination, &call_id, dial.lead);
        let cancel = CancellationToken::new();
        shared.table().insert(
            &call_id,
            Entry {
                remote: dial.destination.clone(),
                record,
                replaced: false,
                slot: Slot::Dialing(cancel.clone()),
                tone: None,
            },
        );
        let give_up = GiveUp {
            ring_timeout: Duration::from_secs_f64(dial.ring_timeout.unwrap_or(60.0).clamp(1.0, 600.0)),
            cancel,
        };
        tokio::spawn(place(
            shared.clone(),
            dial.destination.clone(),
            call_id.clone(),
            session,
            offer,
            give_up,
        ));
        Ok(call_id)
    }

    /// Lets an arriving call ring: reports it with its screen pop, and forgets it when the
    /// caller gives up.
    pub(super) fn ring(&self, mut incoming: IncomingCall) {
        let shared = self.shared.clone();
        let call_id = incoming.call_id.clone();
        let leads = if shared.record_calls {
            shared
                .handle
                .caller_lookup(&incoming.caller.number)
                .unwrap_or_else(|error| {
                    tracing::warn!(%error, "caller lookup failed");
                    Vec::new()
                })
        } else {
            Vec::new()
        };
        let (take_tx, take_rx) = oneshot::channel::<oneshot::Sender<IncomingCall>>();
        let waiting = {
            let mut table = shared.table();
            let waiting = table.any_up();
            table.insert(
                &call_id,
                Entry {
                    remote: incoming.caller.number.clone(),
                    record: None,
                    replaced: false,
                    slot: Slot::Ringing(take_tx),
                    tone: None,
                },
            );
            waiting
        };
        shared.emit(PhoneEvent::Incoming {
            call_id: call_id.clone(),
            caller_name: incoming.caller.name.clone(),
            caller_number: incoming.caller.number.clone(),
            waiting,
            leads,
        });
        if shared.tones {
            // Alone, it rings on the ringer; during a call, a beep in the headset.
            let (role, pattern) = if waiting {
                (DeviceRole::Speaker, Pattern::CallWaiting)
            } else {
                (DeviceRole::Ringer, Pattern::Ring)
            };
            // Listing and opening devices may wait on the audio server: off the runtime.
            let ringing =
                off_the_runtime(|| TonePlayer::start(shared.handle.resolved_id(role).as_deref(), pattern));
            match ringing {
                Ok(tone) => {
                    if let Some(entry) = shared.table().calls.get_mut(&call_id) {
                        entry.tone = Some(tone);
                    }
                }
                Err(error) => tracing::warn!(%error, "the call cannot ring"),
            }
        }
        tokio::spawn(async move {
            tokio::select! {
                reason = incoming.cancelled() => {
                    if let Some(entry) = shared.table().take(&call_id) {
                        shared.finish_unanswered(&call_id, entry.record, reason);
                    }
                }
                Ok(reply) = take_rx => {
                    let _ = reply.send(incoming);
                }
            }
        });
    }

    /// Takes a ringing call out of its ringing task; it stays in the table as connecting.
    async fn take_ringing(&self, call_id: &str) -> Result<IncomingCall, CoreError> {
        let gone = || CoreError::NoSuchCall(call_id.to_owned());
        let take = {
            let mut table = self.shared.table();
            let entry = table.calls.get_mut(call_id).ok_or_else(gone)?;
            if !matches!(entry.slot, Slot::Ringing(_)) {
                return Err(gone());
            }
            entry.tone = None; // answered or refused: the ringing stops
            match std::mem::replace(&mut entry.slot, Slot::Connecting { hang_up: false }) {
                Slot::Ringing(take) => take,
                _ => return Err(gone()),
            }
        };
        let (reply_tx, reply_rx) = oneshot::channel();
        let taken = match take.send(reply_tx) {
            Ok(()) => reply_rx.await.ok(),
            Err(_) => None,
        };
        taken.ok_or_else(|| {
            self.shared.table().take(call_id); // the caller gave up meanwhile
            gone()
        })
    }

    /// Refuses a call being answered with `code`, taking it out of the table.
    fn refuse(&self, call_id: &str, incoming: IncomingCall, code: u16) {
        self.shared.table().take(call_id);
        incoming.reject(Some(code));
        self.shared.emit(PhoneEvent::Rejected {
            call_id: call_id.to_owned(),
            code,
        });
    }

    /// Answers a ringing call (holding the active one first).
    pub async fn answer(&self, call_id: &str) -> Result<(), CoreError> {
        let shared = &self.shared;
        let incoming = self.take_ringing(call_id).await?;
        if let Err(error) = shared.hold_active(None).await {
            // The active call could not be held: the new one is refused as busy.
            self.refuse(call_id, incoming, 486);
            return Err(error);
        }
        let (session, answer) = match MediaSession::answering(&shared.media, &incoming.offer).await {
            Ok(answering) => answering,
            Err(error) => {
                let error = CoreError::from(error);
                shared.report_error(Some(call_id), &error);
                self.refuse(call_id, incoming, 488);
                return Err(error);
            }
        };
        if shared.table().hang_up_asked(call_id) {
            // The agent hung up while it was being answered: refused, as a hang-up of a
            // ringing call is.
            session.close().await;
            self.refuse(call_id, incoming, 486);
            return Ok(());
        }
        let record = shared.start_record(Direction::Inbound, &incoming.caller.number, call_id, None);
        if let Some(entry) = shared.table().calls.get_mut(call_id) {
            entry.record = record;
        }
        let call = match incoming.answer(answer) {
            Ok(call) => call,
            Err(reason) => {
                session.close().await;
                shared.table().take(call_id);
                shared.finish_unanswered(call_id, record, reason.clone());
                return Err(SipError::Call(reason).into());
            }
        };
        shared
            .go_live(call_id, Conversation::new(call, session), None)
            .await;
        Ok(())
    }

    /// Refuses a ringing call with `code` (486 Busy Here unless given).
    pub async fn reject(&self, call_id: &str, code: Option<u16>) -> Result<(), CoreError> {
        let incoming = self.take_ringing(call_id).await?;
        self.refuse(call_id, incoming, code.unwrap_or(486));
        Ok(())
    }

    /// Ends a call whatever its state: cancels it while it rings out, refuses it (486) while
    /// it rings in, hangs it up once answered (at once if it is being answered: as soon as it
    /// is up, or refused if it is not yet).
    pub async fn hangup(&self, call_id: &str) -> Result<(), CoreError> {
        let kind = {
            let mut table = self.shared.table();
            match table.calls.get_mut(call_id).map(|e| &mut e.slot) {
                Some(Slot::Dialing(cancel)) => {
                    cancel.cancel();
                    return Ok(());
                }
                Some(Slot::Connecting { hang_up }) => {
                    *hang_up = true;
                    return Ok(());
                }
                Some(Slot::Ringing(_)) => false,
                Some(Slot::Up(_)) => true,
                None => return Err(CoreError::NoSuchCall(call_id.to_owned())),
            }
        };
        if !kind {
            return self.reject(call_id, None).await;
        }
        let Some(entry) = self.shared.table().take(call_id) else {
            return Ok(()); // ended meanwhile
        };
        if let Slot::Up(live) = &entry.slot {
            let live = live.clone();
            self.shared.finish(call_id, entry, live, None).await;
        }
        Ok(())
    }

    /// Holds a call (`on`) or resumes it; resuming makes it the active call, holding the
    /// active one first.
    pub async fn hold(&self, call_id: &str, on: bool) -> Result<(), CoreError> {
        let live = self.shared.table().live(call_id)?;
        if on {
            self.shared.hold(call_id, &live, true).await?;
            let mut table = self.shared.table();
            if table.active.as_deref() == Some(call_id) {
                table.active = None;
            }
            return Ok(());
        }
        self.shared.hold_active(Some(call_id)).await?;
        if live.conversation.call.holding() {
            self.shared.hold(call_id, &live, false).await?;
        }
        self.shared.table().active = Some(call_id.to_owned());
        Ok(())
    }

    /// Swaps to another call: holds the active one and resumes the call held longest.
    pub async fn swap(&self) -> Result<(), CoreError> {
        let other = {
            let table = self.shared.table();
            table
                .order
                .iter()
                .find(|id| Some(id.as_str()) != table.active.as_deref() && table.live(id).is_ok())
                .cloned()
        };
        match other {
            Some(other) => self.hold(&other, false).await,
            None => Ok(()),
        }
    }

    /// Mutes (`on`) or unmutes the agent's microphone on a call.
    pub fn mute(&self, call_id: &str, on: bool) -> Result<(), CoreError> {
        let live = self.shared.table().live(call_id)?;
        live.conversation.media.set_muted(on);
        self.shared.emit(PhoneEvent::Muted {
            call_id: call_id.to_owned(),
            on,
        });
        Ok(())
    }

    /// Sends DTMF keys (RFC 4733, or SIP INFO when the other side takes no events).
    pub async fn send_dtmf(&self, call_id: &str, digits: &str) -> Result<DtmfMethod, CoreError> {
        if !leadline_media::dtmf::valid(digits) {
            return Err(leadline_media::MediaError::Audio(format!("{digits:?} are not DTMF digits")).into());
        }
        let live = self.shared.table().live(call_id)?;
        let method = match live.conversation.send_dtmf(digits).await? {
            "info" => DtmfMethod::Info,
            _ => DtmfMethod::Rfc4733,
        };
        self.shared.emit(PhoneEvent::Dtmf {
            call_id: call_id.to_owned(),
            digits: digits.to_owned(),
            method,
        });
        if self.shared.tones {
            // The agent hears the keys they pressed.
            let keys = Pattern::Keys(digits.to_owned());
            let feedback = off_the_runtime(|| {
                let speaker = self.shared.handle.resolved_id(DeviceRole::Speaker);
                TonePlayer::start(speaker.as_deref(), keys)
            });
            match feedback {
                Ok(feedback) => {
                    if let Ok(mut playing) = self.shared.feedback.lock() {
                        *playing = Some(feedback);
                    }
                }
                Err(error) => tracing::debug!(%error, "no key feedback"),
            }
        }
        Ok(method)
    }

    /// Blind transfer: asks the other side of the call to call `target` instead (REFER).
    pub async fn transfer(&self, call_id: &str, target: &str) -> Result<(), CoreError> {
        let live = self.shared.table().live(call_id)?;
        let address = self.shared.account.address_of(target);
        live.conversation.transfer(&address, None).await?;
        self.shared.emit(PhoneEvent::Transferring {
            call_id: call_id.to_owned(),
            to: address,
            attended: false,
        });
        Ok(())
    }

    /// Attended transfer: hands the other side of `call_id` to the other side of our
    /// consultation call `consultation` (REFER with Replaces); the target then hangs our
    /// consultation leg up, which ends as transferred.
    pub async fn transfer_attended(&self, call_id: &str, consultation: &str) -> Result<(), CoreError> {
        let (live, consult, target) = {
            let mut table = self.shared.table();
            let live = table.live(call_id)?;
            let consult = table.live(consultation)?;
            let entry = table
                .calls
                .get_mut(consultation)
                .ok_or_else(|| CoreError::NoSuchCall(consultation.to_owned()))?;
            entry.replaced = true;
            (live, consult, entry.remote.clone())
        };
        let address = self.shared.account.address_of(&target);
        let asked = live
            .conversation
            .transfer(&address, Some(&consult.conversation))
            .await;
        if let Err(error) = asked {
            if let Some(entry) = self.shared.table().calls.get_mut(consultation) {
                entry.replaced = false;
            }
            return Err(error);
        }
        self.shared.emit(PhoneEvent::Transferring {
            call_id: call_id.to_owned(),
            to: address,
            attended: true,
        });
        Ok(())
    }

    /// Reports a call's packet counts now.
    pub fn report_media(&self, call_id: &str) -> Result<(), CoreError> {
        let live = self.shared.table().live(call_id)?;
        self.shared.emit(media_event(call_id, &live.conversation.media));
        Ok(())
    }

    /// Waits until a call's audio connects (at most `within`); whether it did.
    pub async fn media_connected(&self, call_id: &str, within: Duration) -> Result<bool, CoreError> {
        let live = self.shared.table().live(call_id)?;
        Ok(live.conversation.media.connected(within).await)
    }
}

/// Places the INVITE of a call in the table and carries it to its answer or its end.
async fn place(
    shared: Arc<Shared>,
    destination: String,
    call_id: String,
    session: MediaSession,
    offer: String,
    give_up: GiveUp,
) {
    let invited = Instant::now();
    let ringing_id = call_id.clone();
    let ringing_to = shared.clone();
    let on_ringing = move |r: Ringing| {
        ringing_to.emit(PhoneEvent::Ringing {
            call_id: ringing_id.clone(),
            code: r.code,
            early_media: r.early_media,
        });
    };
    let outcome = shared
        .dialer
        .call(&destination, &call_id, offer, on_ringing, give_up)
        .await;
    let call: Call = match outcome {
        Ok(call) => call,
        Err(reason) => {
            session.close().await;
            if let Some(entry) = shared.table().take(&call_id) {
                shared.finish_unanswered(&call_id, entry.record, reason);
            }
            return;
        }
    };
    let answered = Instant::now();
    shared.table().connecting(&call_id);
    if let Err(error) = session.accept_answer(&call.remote_sdp).await {
        call.hangup().await;
        session.close().await;
        shared.report_error(Some(&call_id), &error.into());
        if let Some(entry) = shared.table().take(&call_id) {
            shared.finish_unanswered(
                &call_id,
                entry.record,
                EndReason::Failed {
                    code: 488,
                    detail: "the answer's SDP could not be used".into(),
                },
            );
        }
        return;
    }
    let setup_ms = Some(millis(answered - invited));
    shared
        .go_live(&call_id, Conversation::new(call, session), setup_ms)
        .await;
}

/// Runs `work`, which may block, letting a multi-threaded runtime move its other tasks to
/// another worker meanwhile (on a single-threaded runtime it simply runs).
pub(super) fn off_the_runtime<T>(work: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(work),
        _ => work(),
    }
}
