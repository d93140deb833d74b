//! One call and its audio kept in step: a SIP [`Call`] and its [`MediaSession`].
//!
//! We hold and resume by re-INVITE with a new offer from the same session; the other side's
//! new offers (their hold, their resume) are answered from the session and reported as
//! [`TalkEvent::Held`]/[`TalkEvent::Resumed`]; DTMF goes out by RFC 4733 or SIP INFO and
//! comes in by either; a transfer (blind, or attended to another conversation) is asked for
//! by REFER and its progress reported until the call ends as transferred. A call whose PBX
//! connection dropped and came back tells the other side its new address (a target-refresh
//! re-INVITE) and goes on, or ends as `connection_lost` when the dialog did not survive.

use crate::CoreError;
use leadline_media::MediaSession;
use leadline_sip::{Call, CallEvent, EndReason, HoldChange, SipError, Transfer, holds_us};
use serde::Serialize;

/// What happened on a call, as the agent sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TalkEvent {
    /// The other side put us on hold.
    Held {
        /// Who holds: always `"remote"` here (our own hold is the caller's doing).
        by: &'static str,
    },
    /// The other side took us off hold.
    Resumed {
        /// Always `"remote"`.
        by: &'static str,
    },
    /// The other side pressed a key.
    DtmfReceived {
        /// The digit.
        digit: char,
        /// How it came: `"rfc4733"` (an event in the audio) or `"info"` (SIP INFO).
        method: &'static str,
    },
    /// How our transfer goes: the status of the transferee's new call.
    Transfer {
        /// SIP status (100 trying, 180 ringing, 200 answered, 486 busy…).
        code: u16,
        /// Final: the call ends as transferred (2xx) or goes on (failure).
        done: bool,
    },
    /// The connection to the PBX dropped and came back, and the call went on over the new
    /// one (the other side accepted our new address). The audio never stopped.
    Reconnected,
    /// The call ended.
    Ended {
        /// Why.
        reason: EndReason,
    },
}

/// A call with its media.
pub struct Conversation {
    /// The SIP side.
    pub call: Call,
    /// The audio.
    pub media: MediaSession,
}

impl std::fmt::Debug for Conversation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conversation").field("call", &self.call).finish()
    }
}

impl Conversation {
    /// Pairs an established call with its negotiated media.
    pub fn new(call: Call, media: MediaSession) -> Conversation {
        Conversation { call, media }
    }

    /// Holds the other side (`on`) or takes them off hold, by re-INVITE.
    pub async fn hold(&self, on: bool) -> Result<(), CoreError> {
        let offer = self.media.reoffer(on).await?;
        let answer = self.call.reinvite(offer).await.map_err(SipError::Call)?;
        self.media.accept_answer(&answer).await?;
        self.call.note_our_hold(on);
        Ok(())
    }

    /// Sends `digits` by RFC 4733, or by SIP INFO when the other side takes no
    /// telephone-event at the audio's rate; returns the method used.
    pub async fn send_dtmf(&self, digits: &str) -> Result<&'static str, CoreError> {
        if self.media.send_dtmf(digits).is_ok() {
            return Ok("rfc4733");
        }
        for digit in digits.chars() {
            if !self.call.send_dtmf_info(digit).await {
                return Err(SipError::Call(EndReason::Failed {
                    code: 0,
                    detail: format!("the other side refused DTMF {digit} by INFO"),
                })
                .into());
            }
        }
        Ok("info")
    }

    /// Asks the other side to call `target` (a SIP address) instead — or, with `replacing`,
    /// to take the place of that other call of ours (attended transfer).
    pub async fn transfer(&self, target: &str, replacing: Option<&Conversation>) -> Result<(), CoreError> {
        self.call
            .transfer(target, replacing.map(|c| &c.call))
            .await
            .map_err(SipError::Call)?;
        Ok(())
    }

    /// Waits for the next thing the agent should see. New offers are answered from the
    /// media session here (refused, the call going on as it was, when they cannot be); a
    /// transfer that worked hangs up our leg and ends the call as transferred.
    pub async fn next(&self) -> TalkEvent {
        loop {
            // Both waits are cancel-safe: the one that loses the race loses nothing.
            let event = tokio::select! {
                event = self.call.next_event() => event,
                Some(digit) = self.media.next_digit() => {
                    return TalkEvent::DtmfReceived { digit, method: "rfc4733" };
                }
            };
            match event {
                CallEvent::Reoffer(reoffer) => {
                    let holding = holds_us(&reoffer.sdp);
                    match self.media.answer_reoffer(&reoffer.sdp).await {
                        Ok(answer) => reoffer.accept(answer).await,
                        Err(error) => {
                            tracing::warn!(%error, "a new offer could not be answered");
                            reoffer.refuse().await;
                            continue;
                        }
                    }
                    match self.call.note_remote_offer(holding) {
                        Some(HoldChange::Held) => return TalkEvent::Held { by: "remote" },
                        Some(HoldChange::Resumed) => return TalkEvent::Resumed { by: "remote" },
                        None => {}
                    }
                }
                CallEvent::Dtmf(digit) => {
                    return TalkEvent::DtmfReceived {
                        digit,
                        method: "info",
                    };
                }
                CallEvent::TransferProgress { code, outcome } => {
                    return TalkEvent::Transfer {
                        code,
                        done: outcome != Transfer::Progress,
                    };
                }
                CallEvent::Moved => {
                    return match self.refresh_target().await {
                        Ok(()) => TalkEvent::Reconnected,
                        Err(error) => {
                            tracing::info!(%error, "the call did not survive the reconnect");
                            TalkEvent::Ended {
                                reason: self.call.end_lost().await,
                            }
                        }
                    };
                }
                CallEvent::Ended(reason) => return TalkEvent::Ended { reason },
            }
        }
    }

    /// Tells the other side where the call now reaches us (after a reconnect): a re-INVITE
    /// with a new offer from the same media session, on hold if we hold them.
    async fn refresh_target(&self) -> Result<(), CoreError> {
        let offer = self.media.reoffer(self.call.holding()).await?;
        let answer = self.call.reinvite(offer).await.map_err(SipError::Call)?;
        self.media.accept_answer(&answer).await?;
        Ok(())
    }

    /// Hangs up (BYE) and reports how the call ended: transferred after a transfer that
    /// worked, else our hang-up.
    pub async fn hangup(&self) -> EndReason {
        self.call.hangup().await
    }

    /// Stops the audio and closes the media connection.
    pub async fn close(&self) {
        self.media.close().await;
    }
}
