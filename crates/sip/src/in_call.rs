//! What happens inside an established call: the other side's requests become [`CallEvent`]s
//! (a new offer to answer — being held or resumed —, a DTMF digit by SIP INFO, the progress of
//! a transfer we asked for, the end of the call), and we transfer the call by REFER, blind or
//! attended (with `Replaces`). Every request gets its final answer here or from the
//! application (a [`Reoffer`]); none is left to time out.

use crate::call::{Call, accepted, ended_by, sdp_content_type};
use crate::end_reason::EndReason;
use rsipstack::dialog::dialog::{DialogState, TransactionHandle};
use rsipstack::sip::{Header, Request, StatusCode};

/// Something the other side did during a call.
#[derive(Debug)]
pub enum CallEvent {
    /// A new offer (re-INVITE or UPDATE): hold, resume or changed media. Answer it.
    Reoffer(Reoffer),
    /// A DTMF digit sent by SIP INFO.
    Dtmf(char),
    /// How the transfer we asked for goes: the status of the transferee's new call (NOTIFY of
    /// the REFER's implicit subscription). NOTIFYs about no transfer of ours are not reported.
    TransferProgress {
        /// SIP status code of the new call (100, 180, 200, 486…).
        code: u16,
        /// Still going, completed (our part of the call ends), or failed (the call goes on).
        outcome: crate::Transfer,
    },
    /// The connection dropped and the call now runs over the registration's new one: send a
    /// target-refresh re-INVITE ([`Call::reinvite`]) to tell the other side; if that fails,
    /// the dialog did not survive ([`Call::end_lost`]).
    Moved,
    /// The call ended.
    Ended(EndReason),
}

/// A new offer from the other side, waiting for our answer.
pub struct Reoffer {
    /// Their SDP (empty when they ask for our offer; we answer with our current SDP then).
    pub sdp: String,
    handle: TransactionHandle,
}

impl std::fmt::Debug for Reoffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reoffer").field("sdp", &self.sdp.len()).finish()
    }
}

impl Reoffer {
    /// Answers 200 with our SDP.
    pub async fn accept(self, answer: String) {
        let headers = vec![sdp_content_type()];
        if let Err(error) = self
            .handle
            .respond(StatusCode::OK, Some(headers), Some(answer.into_bytes()))
            .await
        {
            tracing::debug!(%error, "answering a re-INVITE failed");
        }
    }

    /// Refuses it: 488 Not Acceptable Here (the call goes on as it was).
    pub async fn refuse(self) {
        if let Err(error) = self.handle.reply(StatusCode::NotAcceptableHere).await {
            tracing::debug!(%error, "refusing a re-INVITE failed");
        }
    }
}

/// Whether an SDP says its sender will not listen: `sendonly` or `inactive` (or the old
/// `c=IN IP4 0.0.0.0`). That is how the other side holds us.
pub fn holds_us(sdp: &str) -> bool {
    sdp.lines()
        .map(str::trim)
        .any(|l| l == "a=sendonly" || l == "a=inactive" || l == "c=IN IP4 0.0.0.0")
}

fn header_value<'a>(request: &'a Request, wanted: fn(&'a Header) -> Option<&'a str>) -> Option<&'a str> {
    request.headers.iter().find_map(wanted)
}

/// The digit of a SIP INFO: `application/dtmf-relay` (`Signal=5`, also `Signal=10` for `*`
/// and `11` for `#`) or `application/dtmf` (the digit alone).
pub fn dtmf_of_info(request: &Request) -> Option<char> {
    let content_type = header_value(request, |h| match h {
        Header::ContentType(c) => Some(c.value()),
        _ => None,
    })?
    .to_ascii_lowercase();
    let body = std::str::from_utf8(&request.body).ok()?;
    let signal = if content_type.starts_with("application/dtmf-relay") {
        body.lines().find_map(|l| {
            let (key, value) = l.split_once('=')?;
            key.trim().eq_ignore_ascii_case("signal").then(|| value.trim())
        })?
    } else if content_type.starts_with("application/dtmf") {
        body.trim()
    } else {
        return None;
    };
    match signal {
        "10" => Some('*'),
        "11" => Some('#'),
        s if s.chars().count() == 1 => s
            .chars()
            .next()
            .map(|c| c.to_ascii_uppercase())
            .filter(|c| "0123456789*#ABCD".contains(*c)),
        _ => None,
    }
}

/// The progress a NOTIFY reports of a REFER: the `message/sipfrag` status code and whether
/// it is the last (`Subscription-State: terminated` or a final status).
pub fn refer_progress(request: &Request) -> Option<(u16, bool)> {
    let event = header_value(request, |h| match h {
        Header::Event(e) => Some(e.value()),
        _ => None,
    })?;
    if !event.trim().to_ascii_lowercase().starts_with("refer") {
        return None;
    }
    let terminated = header_value(request, |h| match h {
        Header::SubscriptionState(s) => Some(s.value()),
        _ => None,
    })
    .is_some_and(|s| s.trim().to_ascii_lowercase().starts_with("terminated"));
    let body = std::str::from_utf8(&request.body).ok()?;
    let status = body.lines().find(|l| l.starts_with("SIP/2.0"))?;
    let code: u16 = status.split_whitespace().nth(1)?.parse().ok()?;
    Some((code, terminated || code >= 200))
}

/// `Refer-To` for an attended transfer: `target` with the dialog it replaces
/// (`Replaces=call-id;to-tag=…;from-tag=…`, escaped), the tags as the far side of that dialog
/// sees them from the transferee's new INVITE (RFC 3891).
fn refer_to_replacing(target: &str, call_id: &str, local_tag: &str, remote_tag: &str) -> String {
    let replaces = format!("{call_id};to-tag={remote_tag};from-tag={local_tag}");
    let escaped: String = replaces
        .chars()
        .map(|c| match c {
            ';' => "%3B".to_owned(),
            '=' => "%3D".to_owned(),
            '@' => "%40".to_owned(),
            '%' => "%25".to_owned(),
            '?' => "%3F".to_owned(),
            '&' => "%26".to_owned(),
            c => c.to_string(),
        })
        .collect();
    format!("<{target}?Replaces={escaped}>")
}

/// Answers an in-call request on its own task, so that waiting for events stays
/// cancel-safe (a request taken is always answered).
fn reply(handle: TransactionHandle, status: StatusCode) {
    tokio::spawn(async move {
        if let Err(error) = handle.reply(status).await {
            tracing::debug!(%error, "answering an in-call request failed");
        }
    });
}

impl Call {
    /// Ends a call whose connection dropped and whose dialog could not be carried over (no new
    /// connection in time, or the other side no longer knows the call).
    pub async fn end_lost(&self) -> EndReason {
        self.end(EndReason::ConnectionLost).await
    }

    /// Waits for the next thing the other side does. Requests that need no decision (INFO,
    /// NOTIFY, OPTIONS) are answered here; a REFER asking us to call elsewhere is declined.
    /// Cancel-safe: dropped while waiting for a request or for a new connection, it loses
    /// nothing (moving a dialog, once a connection is there, does not wait).
    pub async fn next_event(&self) -> CallEvent {
        let mut states = self.states.lock().await;
        loop {
            let closed = self.leg().route.closed;
            let state = tokio::select! {
                state = states.recv() => state,
                () = closed.cancelled() => {
                    if self.move_to_next_route(&mut states).await {
                        return CallEvent::Moved;
                    }
                    return CallEvent::Ended(self.end_lost().await);
                }
            };
            let Some(state) = state else { break };
            match state {
                DialogState::Updated(_, request, handle) => {
                    let sdp = String::from_utf8_lossy(&request.body).into_owned();
                    return CallEvent::Reoffer(Reoffer { sdp, handle });
                }
                DialogState::Info(_, request, handle) => {
                    let digit = dtmf_of_info(&request);
                    let status = if digit.is_some() {
                        StatusCode::OK
                    } else {
                        StatusCode::UnsupportedMediaType
                    };
                    reply(handle, status);
                    if let Some(digit) = digit {
                        return CallEvent::Dtmf(digit);
                    }
                }
                DialogState::Notify(_, request, handle) => {
                    reply(handle, StatusCode::OK);
                    let progress = refer_progress(&request).and_then(|(code, done)| {
                        Some((code, self.with_state(|s| s.on_transfer_progress(code, done))?))
                    });
                    if let Some((code, outcome)) = progress {
                        return CallEvent::TransferProgress { code, outcome };
                    }
                }
                DialogState::Refer(_, _, handle) => {
                    tracing::info!("the other side asked to transfer us; declined");
                    reply(handle, StatusCode::Decline);
                }
                DialogState::Options(_, _, handle) | DialogState::Message(_, _, handle) => {
                    reply(handle, StatusCode::OK);
                }
                DialogState::Publish(_, _, handle) => {
                    reply(handle, StatusCode::MethodNotAllowed);
                }
                DialogState::Terminated(_, reason) => {
                    let leg = self.leg();
                    leg.route.dialogs.remove_dialog(&leg.dialog.id());
                    let now = std::time::Instant::now();
                    return CallEvent::Ended(self.with_state(|s| s.on_ended(now, ended_by(&reason))));
                }
                _ => {}
            }
        }
        CallEvent::Ended(EndReason::Failed {
            code: 0,
            detail: "the connection to the PBX closed".into(),
        })
    }

    /// Asks the other side to call `target` (a full SIP address) instead (blind transfer), or,
    /// with `replacing`, to take the place of our call `replacing` with the target (attended
    /// transfer). Returns once the other side accepts the REFER (202); the progress comes as
    /// [`CallEvent::TransferProgress`].
    pub async fn transfer(&self, target: &str, replacing: Option<&Call>) -> Result<(), EndReason> {
        let refer_to = match replacing {
            None => format!("<{target}>"),
            Some(other) => {
                let id = other.id();
                refer_to_replacing(target, &id.call_id, &id.local_tag, &id.remote_tag)
            }
        };
        accepted(self.leg().dialog.refer(refer_to.as_str(), None, None).await)?;
        self.with_state(|s| s.on_transfer_accepted());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsipstack::sip::headers::{ContentType, Event, SubscriptionState};

    fn request(headers: Vec<Header>, body: &str) -> Request {
        Request {
            method: rsipstack::sip::Method::Info,
            uri: rsipstack::sip::Uri::try_from("sip:1001@127.0.0.1").unwrap(),
            version: rsipstack::sip::Version::V2,
            headers: headers.into(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn info_digits_are_read_in_both_content_types() {
        let relay = |body: &str| {
            dtmf_of_info(&request(
                vec![Header::ContentType(ContentType::new("application/dtmf-relay"))],
                body,
            ))
        };
        assert_eq!(relay("Signal=5\r\nDuration=160\r\n"), Some('5'));
        assert_eq!(relay("signal = #\r\n"), Some('#'));
        assert_eq!(relay("Signal=10\r\n"), Some('*'));
        assert_eq!(relay("Signal=11\r\n"), Some('#'));
        assert_eq!(relay("Signal=d\r\n"), Some('D'));
        assert_eq!(relay("Signal=x\r\n"), None);
        assert_eq!(relay("Duration=160\r\n"), None);
        let plain = request(
            vec![Header::ContentType(ContentType::new("application/dtmf"))],
            "7\r\n",
        );
        assert_eq!(dtmf_of_info(&plain), Some('7'));
        let other = request(vec![Header::ContentType(ContentType::new("text/plain"))], "7");
        assert_eq!(dtmf_of_info(&other), None);
        assert_eq!(dtmf_of_info(&request(vec![], "Signal=1")), None);
    }

    #[test]
    fn refer_notifications_give_the_status_and_the_end() {
        let notify = |state: &str, body: &str| {
            refer_progress(&request(
                vec![
                    Header::Event(Event::new("refer")),
                    Header::SubscriptionState(SubscriptionState::new(state)),
                    Header::ContentType(ContentType::new("message/sipfrag")),
                ],
                body,
            ))
        };
        assert_eq!(
            notify("active;expires=60", "SIP/2.0 100 Trying\r\n"),
            Some((100, false))
        );
        assert_eq!(notify("active", "SIP/2.0 180 Ringing"), Some((180, false)));
        assert_eq!(
            notify("terminated;reason=noresource", "SIP/2.0 200 OK\r\n"),
            Some((200, true))
        );
        assert_eq!(notify("active", "SIP/2.0 486 Busy Here"), Some((486, true)));
        assert_eq!(notify("active", "garbage"), None);
        let presence = request(vec![Header::Event(Event::new("presence"))], "SIP/2.0 200 OK");
        assert_eq!(refer_progress(&presence), None);
    }

    #[test]
    fn holding_sdp_is_recognised() {
        assert!(holds_us("v=0\r\nm=audio 9 RTP/AVP 0\r\na=sendonly\r\n"));
        assert!(holds_us("v=0\r\na=inactive\r\n"));
        assert!(holds_us("c=IN IP4 0.0.0.0\r\n"));
        assert!(!holds_us("v=0\r\na=sendrecv\r\n"));
        assert!(!holds_us("v=0\r\na=recvonly\r\n"));
    }

    #[test]
    fn attended_transfers_name_the_replaced_dialog_escaped() {
        assert_eq!(
            refer_to_replacing("sip:3003@pbx", "abc@host", "ours", "theirs"),
            "<sip:3003@pbx?Replaces=abc%40host%3Bto-tag%3Dtheirs%3Bfrom-tag%3Dours>"
        );
    }
}
