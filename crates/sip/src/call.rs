//! Calls over the registration's connection: an outbound INVITE carrying our SDP offer (early
//! media and ringing reported, busy/declined/not-found reported as such, CANCEL before an
//! answer), an inbound INVITE with the caller's name and number (ring, answer with our SDP, or
//! reject), and BYE either way. Media is not this crate's business: SDP goes in and out as
//! text.

use crate::call_state::{Answer, CallState, Step};
use crate::end_reason::EndReason;
use crate::route::{Route, Routes};
use rsipstack::dialog::DialogId;
use rsipstack::dialog::dialog::{DialogState, DialogStateReceiver, TerminatedReason};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invitation::InviteOption;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::{Header, StatusCode};
use serde::Serialize;
use std::sync::Arc;
use tokio::sync::Mutex;

/// Who is calling, from the INVITE's `From`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Caller {
    /// The display name, if any.
    pub name: Option<String>,
    /// The user part of the address (usually the number).
    pub number: String,
}

impl Caller {
    /// Reads a `From` (or `To`) header value: `"Ana Ruiz" <sip:+15550101@pbx>;tag=…`.
    pub fn parse(from: &str) -> Caller {
        let (display, address) = match from.find('<') {
            Some(i) => (&from[..i], &from[i + 1..]),
            None => ("", from),
        };
        let name = display.trim().trim_matches('"').trim();
        let address = address.split('>').next().unwrap_or("");
        let user = address
            .trim()
            .trim_start_matches("sips:")
            .trim_start_matches("sip:")
            .trim_start_matches("tel:");
        let number = user.split(['@', ';']).next().unwrap_or("").to_owned();
        Caller {
            name: (!name.is_empty()).then(|| name.to_owned()),
            number,
        }
    }
}

/// What a call watches of its registration: the connections, and the count of live calls (which
/// it joins).
pub(crate) type Watching = (Routes, Option<Arc<()>>);

/// The dialog of a call and the connection it runs over now.
#[derive(Clone)]
pub(crate) struct Leg {
    pub dialog: InviteDialog,
    pub route: Route,
}

/// An established (or establishing) call.
pub struct Call {
    /// Replaced when the call moves to a new connection.
    pub(crate) leg: std::sync::Mutex<Leg>,
    /// The registration's connections, to move to the next one after a drop.
    pub(crate) routes: Routes,
    /// Counts this call among the registration's live calls.
    _live: Option<Arc<()>>,
    pub(crate) states: Mutex<DialogStateReceiver>,
    /// The call's decisions (hold, transfer, how it ended).
    pub(crate) state: std::sync::Mutex<CallState>,
    /// The far side's SDP.
    pub remote_sdp: String,
    /// The SIP Call-ID.
    pub call_id: String,
}

impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call").field("call_id", &self.call_id).finish()
    }
}

pub(crate) fn ended_by(reason: &TerminatedReason) -> EndReason {
    match reason {
        TerminatedReason::UacBye | TerminatedReason::UasBye => EndReason::RemoteHangup,
        TerminatedReason::UacCancel => EndReason::Cancelled,
        TerminatedReason::UacBusy | TerminatedReason::UasBusy => EndReason::Busy,
        TerminatedReason::UasDecline => EndReason::Declined,
        TerminatedReason::Timeout => EndReason::NoAnswer,
        other => EndReason::Failed {
            code: 0,
            detail: format!("{other:?}"),
        },
    }
}

impl Call {
    /// Hangs up (BYE); returns how the call ended (transferred, after a transfer that worked).
    pub async fn hangup(&self) -> EndReason {
        self.end(EndReason::LocalHangup).await
    }

    /// Ends the call for `reason`: BYE (best effort), the dialog forgotten.
    pub(crate) async fn end(&self, reason: EndReason) -> EndReason {
        let leg = self.leg();
        if let Err(error) = leg.dialog.hangup().await {
            tracing::debug!(%error, "BYE failed");
        }
        leg.route.dialogs.remove_dialog(&leg.dialog.id());
        self.with_state(|s| s.on_ended(std::time::Instant::now(), reason))
    }

    /// The dialog and connection now.
    pub(crate) fn leg(&self) -> Leg {
        match self.leg.lock() {
            Ok(leg) => leg.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Runs `f` on the call's state.
    pub(crate) fn with_state<T>(&self, f: impl FnOnce(&mut CallState) -> T) -> T {
        match self.state.lock() {
            Ok(mut state) => f(&mut state),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    /// Notes a new offer from the other side that we answered; returns whether it held or
    /// resumed us.
    pub fn note_remote_offer(&self, holds_us: bool) -> Option<crate::HoldChange> {
        self.with_state(|s| s.on_remote_offer(holds_us))
    }

    /// Whether we hold the other side now.
    pub fn holding(&self) -> bool {
        self.with_state(|s| s.held_by_us())
    }

    /// Notes that we held (`on`) or resumed the other side.
    pub fn note_our_hold(&self, on: bool) {
        self.with_state(|s| s.on_our_hold(on));
    }

    /// Sends a re-INVITE with our new SDP `offer` (hold, resume) and returns the answer's SDP.
    /// Glare (`491`: the other side sent a re-INVITE at the same time) is retried when the
    /// call's state says.
    pub async fn reinvite(&self, offer: String) -> Result<String, EndReason> {
        loop {
            let answered = self
                .leg()
                .dialog
                .reinvite(Some(vec![sdp_content_type()]), Some(offer.clone().into_bytes()))
                .await;
            if let Ok(Some(response)) = &answered
                && response.status_code.code() == 491
                && let Some(retry) =
                    self.with_state(|s| s.on_glare(std::time::Instant::now(), rand::random()))
            {
                tracing::info!(call_id = %self.call_id, "re-INVITE glare: trying again");
                sleep_until(Some(retry)).await;
                if self.with_state(|s| s.on_time(std::time::Instant::now())) == Step::Reinvite {
                    continue;
                }
            }
            self.with_state(|s| s.on_reinvite_answered());
            return accepted(answered).map(|response| String::from_utf8_lossy(&response.body).into_owned());
        }
    }

    /// Sends DTMF `digit` by SIP INFO (`application/dtmf-relay`): the fallback when the far
    /// side takes no RFC 4733 events. Returns whether the far side accepted it (2xx).
    pub async fn send_dtmf_info(&self, digit: char) -> bool {
        let content_type = Header::ContentType(rsipstack::sip::headers::ContentType::new(
            "application/dtmf-relay",
        ));
        let body = format!("Signal={digit}\r\nDuration=100\r\n").into_bytes();
        match self.leg().dialog.info(Some(vec![content_type]), Some(body)).await {
            Ok(Some(response)) => (200..300).contains(&response.status_code.code()),
            Ok(None) => false,
            Err(error) => {
                tracing::debug!(%error, "INFO failed");
                false
            }
        }
    }

    /// The dialog's id.
    pub fn id(&self) -> DialogId {
        self.leg().dialog.id()
    }
}

/// Progress of an outbound call before its final answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ringing {
    /// 180 or 183.
    pub code: u16,
    /// Whether it carried SDP (early media).
    pub early_media: bool,
}

/// How an outbound call may be given up before it is answered.
#[derive(Debug, Clone)]
pub struct GiveUp {
    /// Unanswered after this long: CANCEL, reported as no answer.
    pub ring_timeout: std::time::Duration,
    /// Cancelled by the agent: CANCEL, reported as cancelled.
    pub cancel: tokio_util::sync::CancellationToken,
}

/// Places a call over `route` and waits for the final answer, reporting ringing on the way;
/// sends CANCEL when `give_up` says so, and ends it as `connection_lost` at once when the
/// connection drops before an answer.
pub(crate) async fn invite(
    route: Route,
    (routes, live): Watching,
    mut option: InviteOption,
    mut on_ringing: impl FnMut(Ringing) + Send,
    give_up: GiveUp,
) -> Result<Call, EndReason> {
    let layer = route.dialogs.clone();
    let closed = route.closed.clone();
    let (state_tx, mut states) = layer.new_dialog_state_channel();
    let call_id = option.call_id.get_or_insert_with(new_call_id).clone();
    let mut call = CallState::outbound(std::time::Instant::now(), give_up.ring_timeout);
    let inviting = {
        let layer = layer.clone();
        tokio::spawn(async move { layer.do_invite(option, state_tx).await })
    };
    tokio::pin!(inviting);
    let mut asked_to_give_up = false;
    let outcome = loop {
        let deadline = call.next_deadline();
        tokio::select! {
            result = &mut inviting => break result,
            Some(state) = states.recv() => {
                if let DialogState::Early(_, response) = state {
                    let early_media = !response.body.is_empty();
                    call.on_progress(early_media);
                    on_ringing(Ringing { code: response.status_code.code(), early_media });
                }
            }
            () = sleep_until(deadline), if deadline.is_some() => {
                if let Step::Cancel(_) = call.on_time(std::time::Instant::now()) {
                    cancel(&layer, &call_id).await;
                }
            }
            () = closed.cancelled() => {
                // Unanswered, so it ends: nothing more can be said on a dead connection, not
                // even CANCEL.
                let step = call.on_connection_lost(std::time::Instant::now(), route.move_within);
                inviting.abort();
                for dialog in layer.get_client_dialog_by_call_id(&call_id) {
                    layer.remove_dialog(&dialog.id());
                }
                return Err(match step {
                    Step::End(reason) => reason,
                    _ => EndReason::ConnectionLost,
                });
            }
            () = give_up.cancel.cancelled(), if !asked_to_give_up => {
                asked_to_give_up = true;
                if let Step::Cancel(_) = call.on_give_up() {
                    cancel(&layer, &call_id).await;
                }
            }
        }
    };
    let now = std::time::Instant::now();
    let (dialog, response) = match outcome {
        Ok(Ok(answer)) => answer,
        Ok(Err(error)) => return Err(call.on_error(now, error.to_string())),
        Err(join) => return Err(call.on_error(now, join.to_string())),
    };
    let Some(response) = response else {
        return Err(call.on_error(now, "no answer".into()));
    };
    let code = response.status_code.code();
    if !(200..300).contains(&code) {
        layer.remove_dialog(&dialog.id());
        return Err(call.on_failure(now, code, &response.status_code.to_string()));
    }
    if let Answer::HangUp(reason) = call.on_answer(now) {
        // Answered in the same instant as our CANCEL: the stack ends that call with a BYE.
        layer.remove_dialog(&dialog.id());
        return Err(reason);
    }
    let remote_sdp = String::from_utf8_lossy(&response.body).into_owned();
    Ok(Call {
        leg: std::sync::Mutex::new(Leg { dialog, route }),
        routes,
        _live: live,
        states: Mutex::new(states),
        state: std::sync::Mutex::new(call),
        remote_sdp,
        call_id,
    })
}

/// Sleeps until `at` (never when there is none).
pub(crate) async fn sleep_until(at: Option<std::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

/// The 2xx answer to an in-call request, or what its failure means.
pub(crate) fn accepted(
    answer: Result<Option<rsipstack::sip::Response>, rsipstack::Error>,
) -> Result<rsipstack::sip::Response, EndReason> {
    match answer {
        Ok(Some(response)) if (200..300).contains(&response.status_code.code()) => Ok(response),
        Ok(Some(response)) => Err(EndReason::of_status(
            response.status_code.code(),
            &response.status_code.to_string(),
        )),
        Ok(None) => Err(EndReason::Failed {
            code: 0,
            detail: "the call is not established".into(),
        }),
        Err(error) => Err(EndReason::Failed {
            code: 0,
            detail: error.to_string(),
        }),
    }
}

/// A fresh SIP Call-ID.
pub fn new_call_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// `Content-Type: application/sdp`.
pub(crate) fn sdp_content_type() -> Header {
    Header::ContentType(rsipstack::sip::headers::ContentType::new("application/sdp"))
}

/// Sends CANCEL for the unanswered call `call_id`.
async fn cancel(layer: &DialogLayer, call_id: &str) {
    for dialog in layer.get_client_dialog_by_call_id(call_id) {
        if let Err(error) = dialog.cancel().await {
            tracing::debug!(%error, "CANCEL failed");
        }
    }
}

/// A call arriving.
pub struct IncomingCall {
    dialog: InviteDialog,
    route: Route,
    watching: Watching,
    states: DialogStateReceiver,
    /// Who calls.
    pub caller: Caller,
    /// Their SDP offer.
    pub offer: String,
    /// The SIP Call-ID.
    pub call_id: String,
}

impl std::fmt::Debug for IncomingCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IncomingCall")
            .field("caller", &self.caller)
            .field("call_id", &self.call_id)
            .finish()
    }
}

impl IncomingCall {
    pub(crate) fn new(
        dialog: InviteDialog,
        states: DialogStateReceiver,
        route: Route,
        watching: Watching,
    ) -> IncomingCall {
        let request = dialog.initial_request();
        let from = request
            .headers
            .iter()
            .find_map(|h| match h {
                Header::From(from) => Some(from.value().to_owned()),
                _ => None,
            })
            .unwrap_or_default();
        IncomingCall {
            caller: Caller::parse(&from),
            offer: String::from_utf8_lossy(&request.body).into_owned(),
            call_id: dialog.id().call_id.clone(),
            dialog,
            route,
            watching,
            states,
        }
    }

    /// Sends 180 Ringing.
    pub fn ring(&self) {
        if let Err(error) = self.dialog.ringing(None, None) {
            tracing::debug!(%error, "180 failed");
        }
    }

    /// Answers with our SDP.
    pub fn answer(self, sdp: String) -> Result<Call, EndReason> {
        let content_type = sdp_content_type();
        self.dialog
            .accept(Some(vec![content_type]), Some(sdp.into_bytes()))
            .map_err(|e| EndReason::Failed {
                code: 0,
                detail: e.to_string(),
            })?;
        Ok(Call {
            remote_sdp: self.offer,
            call_id: self.call_id,
            leg: std::sync::Mutex::new(Leg {
                dialog: self.dialog,
                route: self.route,
            }),
            routes: self.watching.0,
            _live: self.watching.1,
            states: Mutex::new(self.states),
            state: std::sync::Mutex::new(CallState::answered_inbound(std::time::Instant::now())),
        })
    }

    /// Refuses the call (486 Busy Here by default).
    pub fn reject(self, code: Option<u16>) {
        let status = StatusCode::from(code.unwrap_or(486));
        if let Err(error) = self.dialog.reject(Some(status), None) {
            tracing::debug!(%error, "rejecting failed");
        }
        self.route.dialogs.remove_dialog(&self.dialog.id());
    }

    /// Waits until the caller gives up (CANCEL) — for a call left ringing.
    pub async fn cancelled(&mut self) -> EndReason {
        loop {
            let state = tokio::select! {
                state = self.states.recv() => state,
                () = self.route.closed.cancelled() => return EndReason::ConnectionLost,
            };
            match state {
                Some(DialogState::Terminated(_, reason)) => return ended_by(&reason),
                Some(_) => {}
                None => return EndReason::Cancelled,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callers_read_from_the_from_header() {
        assert_eq!(
            Caller::parse("\"Ana Ruiz\" <sip:+15550101@pbx.example.com>;tag=abc"),
            Caller {
                name: Some("Ana Ruiz".into()),
                number: "+15550101".into()
            }
        );
        assert_eq!(
            Caller::parse("<sip:1001@127.0.0.1;transport=ws>;tag=x"),
            Caller {
                name: None,
                number: "1001".into()
            }
        );
        assert_eq!(Caller::parse("sip:2002@pbx").number, "2002");
        assert_eq!(Caller::parse("garbage").number, "garbage");
        assert_eq!(Caller::parse("").number, "");
    }

    #[test]
    fn final_answers_are_reported_as_what_they_mean() {
        assert_eq!(EndReason::of_status(486, "486 Busy Here"), EndReason::Busy);
        assert_eq!(EndReason::of_status(600, "600 Busy Everywhere"), EndReason::Busy);
        assert_eq!(EndReason::of_status(603, "603 Decline"), EndReason::Declined);
        assert_eq!(EndReason::of_status(404, "404 Not Found"), EndReason::NotFound);
        assert_eq!(
            EndReason::of_status(480, "480 Temporarily Unavailable"),
            EndReason::NoAnswer
        );
        assert!(matches!(
            EndReason::of_status(500, "500 Oops"),
            EndReason::Failed { code: 500, .. }
        ));
    }
}
