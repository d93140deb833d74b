//! One call in progress on the headless phone: its [`Conversation`], the recording of what the
//! other side says, its CRM record, and a task that turns what the other side does into
//! [`TalkEvent`]s on a channel shared by all lines (so a caller can watch several calls and
//! act on its own timers at once). Every JSON line about a call carries its `call_id`.

use crate::phone::{CallAudio, Recorder, emit, millis};
use leadline_core::media::SinkHandle;
use leadline_core::sip::EndReason;
use leadline_core::store::model::CallId;
use leadline_core::{Conversation, CoreError, TalkEvent};
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Instant;
use tokio::sync::mpsc;

/// What the lines report: the line's number and its event.
pub type LineEvents = mpsc::UnboundedSender<(usize, TalkEvent)>;

/// A call in progress.
pub struct Line {
    /// The call and its media.
    pub conversation: Arc<Conversation>,
    recording: SinkHandle,
    record: Option<CallId>,
    /// When it was answered.
    pub answered: Instant,
    watcher: tokio::task::JoinHandle<()>,
}

impl Line {
    /// Starts the audio of an answered call and watches it as line `number`.
    pub fn start(
        conversation: Conversation,
        (source, sink): CallAudio,
        record: Option<CallId>,
        number: usize,
        events: LineEvents,
    ) -> Result<Line, CoreError> {
        let recording = conversation.media.start(source, sink)?;
        let conversation = Arc::new(conversation);
        let watched = conversation.clone();
        let watcher = tokio::spawn(async move {
            loop {
                let event = watched.next().await;
                let ended = matches!(event, TalkEvent::Ended { .. });
                if events.send((number, event)).is_err() || ended {
                    return;
                }
            }
        });
        Ok(Line {
            conversation,
            recording,
            record,
            answered: Instant::now(),
            watcher,
        })
    }

    /// Prints `event` about this call with its Call-ID.
    pub fn report(&self, event: &TalkEvent) {
        report(
            &self.conversation,
            serde_json::to_value(event).unwrap_or_default(),
        );
    }

    /// Prints `value` (a JSON object) about this call.
    pub fn emit(&self, value: serde_json::Value) {
        report(&self.conversation, value);
    }

    /// Holds (`on`) or resumes the other side and says so.
    pub async fn hold(&self, on: bool) -> Result<(), CoreError> {
        hold(&self.conversation, on).await
    }

    /// Ends the line: hangs up unless the call already ended (`ended` gives how), prints the
    /// final media counts and `ended`, completes the recording and the CRM record.
    pub async fn finish(
        self,
        ended: Option<EndReason>,
        recorder: Option<&Recorder<'_>>,
    ) -> Result<(), CoreError> {
        let reason = match ended {
            Some(reason) => reason,
            None => {
                self.emit(crate::phone::media_event(&self.conversation.media));
                self.conversation.hangup().await
            }
        };
        self.watcher.abort();
        self.emit(crate::phone::media_event(&self.conversation.media));
        self.conversation.close().await;
        let recorded = self.recording.finish();
        self.emit(serde_json::json!({
            "event": "ended",
            "reason": reason,
            "duration_ms": millis(self.answered.elapsed()),
        }));
        if let Some(recorder) = recorder {
            recorder.end(self.record)?;
        }
        recorded.map_err(CoreError::from)
    }
}

/// Prints `value` (a JSON object) about `conversation` with its Call-ID, and the packets
/// received so far when it is a hold change.
pub fn report(conversation: &Conversation, mut value: serde_json::Value) {
    if let Some(object) = value.as_object_mut() {
        object.insert("call_id".into(), conversation.call.call_id.clone().into());
        if matches!(
            object.get("event").and_then(|e| e.as_str()),
            Some("held" | "resumed")
        ) {
            let received = conversation.media.counters.received.load(Relaxed);
            object.insert("packets_received".into(), received.into());
        }
    }
    emit(&value);
}

/// Holds (`on`) or resumes the other side of `conversation` and says so.
pub async fn hold(conversation: &Conversation, on: bool) -> Result<(), CoreError> {
    conversation.hold(on).await?;
    report(
        conversation,
        serde_json::json!({"event": if on { "held" } else { "resumed" }, "by": "us"}),
    );
    Ok(())
}
