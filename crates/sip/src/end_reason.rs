//! How a call ended, as the agent is told: the one vocabulary of call endings that the call
//! model, the SIP adapter and the application share.

use serde::Serialize;

/// How a call ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum EndReason {
    /// We hung up.
    LocalHangup,
    /// The other side hung up.
    RemoteHangup,
    /// We transferred the other side elsewhere, and the transfer worked.
    Transferred,
    /// The connection to the PBX dropped during the call: nothing more can be said on it, so
    /// it is over for us (the audio stops with it).
    ConnectionLost,
    /// There was no connection to the PBX to place the call on.
    NotConnected,
    /// Cancelled before it was answered.
    Cancelled,
    /// The callee is busy (486, 600).
    Busy,
    /// The callee declined (603).
    Declined,
    /// No such number (404, 484, 604).
    NotFound,
    /// Nobody answered in time (408, 480, 487 without our CANCEL).
    NoAnswer,
    /// Any other failure.
    Failed {
        /// SIP status code (0 when there was no answer at all).
        code: u16,
        /// What happened.
        detail: String,
    },
}

impl EndReason {
    /// The reason of a final failure response.
    pub fn of_status(code: u16, text: &str) -> EndReason {
        match code {
            486 | 600 => EndReason::Busy,
            603 => EndReason::Declined,
            404 | 484 | 604 => EndReason::NotFound,
            408 | 480 | 487 => EndReason::NoAnswer,
            _ => EndReason::Failed {
                code,
                detail: text.to_owned(),
            },
        }
    }

    /// Whether the call was set up and then hung up (as opposed to never connecting).
    pub fn was_connected(&self) -> bool {
        matches!(
            self,
            EndReason::LocalHangup | EndReason::RemoteHangup | EndReason::Transferred
        )
    }
}
