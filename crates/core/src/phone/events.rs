//! The phone's one event vocabulary: everything a front end hears about the line and its
//! calls, as typed values (serde for the CLI's JSON lines and the window's events, ts-rs for
//! the UI's types). Every event about a call names it by its SIP Call-ID (`call_id`), the id
//! the phone's commands take.

use crate::phone::line::PhoneStatus;
use leadline_media::devices::{AudioDevice, DeviceRole};
use leadline_media::quality::Quality;
use leadline_media::sdp::Codec;
use leadline_sip::EndReason;
use leadline_store::model::{CallDisposition, CallId, DispositionId, LeadId};
use leadline_store::queries::CallerMatch;
use serde::Serialize;

/// Who did something to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The agent.
    Us,
    /// The other side of the call.
    Remote,
}

/// Why a call's device changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum DeviceChange {
    /// The agent chose it.
    Chosen,
    /// The device in use went away; the default stands in for it.
    Unplugged,
}

/// How a DTMF key travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum DtmfMethod {
    /// An RFC 4733 event in the audio stream.
    Rfc4733,
    /// A SIP INFO request (`application/dtmf-relay`).
    Info,
}

/// What happened on the phone.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum PhoneEvent {
    /// The line's registration changed.
    Line {
        /// Where the line stands now.
        status: PhoneStatus,
    },
    /// A call arrives: everything a screen pop shows, before the agent answers.
    Incoming {
        /// The call.
        call_id: String,
        /// The caller's display name, if their phone sent one.
        caller_name: Option<String>,
        /// The caller's number (the user part of their address).
        caller_number: String,
        /// Another call is up: this one waits (call waiting).
        waiting: bool,
        /// Leads in the local cache whose phone is the caller's number, best first.
        leads: Vec<CallerMatch>,
    },
    /// An arriving call was refused with this SIP status.
    Rejected {
        /// The call.
        call_id: String,
        /// 486 Busy Here, 603 Decline, 488 when its offer could not be answered.
        code: u16,
    },
    /// Our call is ringing at the other end (180), or sends early media (183).
    Ringing {
        /// The call.
        call_id: String,
        /// 180 or 183.
        code: u16,
        /// The answer carried audio before the answer.
        early_media: bool,
    },
    /// The call was answered; audio flows.
    Answered {
        /// The call.
        call_id: String,
        /// The negotiated codec.
        codec: Option<Codec>,
        /// From our INVITE to the answer, in milliseconds (our calls only).
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        setup_ms: Option<f64>,
    },
    /// The call's packet counts (at hang-up, and whenever asked).
    Media {
        /// The call.
        call_id: String,
        /// The negotiated codec.
        codec: Option<Codec>,
        /// RTP packets sent.
        #[ts(type = "number")]
        packets_sent: u64,
        /// RTP packets received.
        #[ts(type = "number")]
        packets_received: u64,
        /// From the start of the audio to the first packet received.
        first_packet_ms: Option<f64>,
    },
    /// The call's quality figures (every few seconds, and at its end).
    Quality {
        /// The call.
        call_id: String,
        /// The figures.
        quality: Quality,
    },
    /// A call's microphone or speaker changed: chosen by the agent, or the default standing
    /// in for a device that went away.
    Device {
        /// Which one.
        role: DeviceRole,
        /// The device now in use (`None`: the host's default could not be named).
        device: Option<String>,
        /// Why.
        change: DeviceChange,
        /// The calls moved to it.
        calls: Vec<String>,
    },
    /// The speakers' volume changed.
    Volume {
        /// Percent of the level received (100 plays it as it comes; up to 200).
        percent: u16,
    },
    /// A call's levels, ten times a second while a meter is on ([`Phone::meter_levels`]).
    ///
    /// [`Phone::meter_levels`]: crate::phone::Phone::meter_levels
    Levels {
        /// The call.
        call_id: String,
        /// The microphone's level in dBFS (a device's), if metered.
        microphone_dbfs: Option<f32>,
        /// The speaker's level in dBFS (a device's), if metered.
        speaker_dbfs: Option<f32>,
    },
    /// The machine's audio devices changed (one plugged in or taken away).
    Devices {
        /// Every device now.
        devices: Vec<AudioDevice>,
    },
    /// Keys the agent sent.
    Dtmf {
        /// The call.
        call_id: String,
        /// The keys.
        digits: String,
        /// How they went.
        method: DtmfMethod,
    },
    /// The other side pressed a key.
    DtmfReceived {
        /// The call.
        call_id: String,
        /// The key.
        digit: char,
        /// How it came.
        method: DtmfMethod,
    },
    /// The call went on hold.
    Held {
        /// The call.
        call_id: String,
        /// Who holds.
        by: Side,
        /// Packets received so far (what the tests watch to see the audio stop).
        #[ts(type = "number")]
        packets_received: u64,
    },
    /// The call came off hold.
    Resumed {
        /// The call.
        call_id: String,
        /// Who resumed.
        by: Side,
        /// Packets received so far.
        #[ts(type = "number")]
        packets_received: u64,
    },
    /// The agent's microphone on this call was muted or unmuted.
    Muted {
        /// The call.
        call_id: String,
        /// Muted now.
        on: bool,
    },
    /// We asked the other side to go to `to` (REFER).
    Transferring {
        /// The call.
        call_id: String,
        /// The SIP address they were sent to.
        to: String,
        /// In place of our consultation call with `to` (REFER with Replaces).
        attended: bool,
    },
    /// How our transfer goes: the status of the transferee's new call.
    Transfer {
        /// The call.
        call_id: String,
        /// 100 trying, 180 ringing, 200 answered, 486 busy…
        code: u16,
        /// Final: the call ends as transferred (2xx) or goes on (failure).
        done: bool,
    },
    /// The PBX connection dropped and came back, and the call went on over the new one.
    Reconnected {
        /// The call.
        call_id: String,
    },
    /// The call ended.
    Ended {
        /// The call.
        call_id: String,
        /// Why.
        reason: EndReason,
        /// How long it was talked, in milliseconds (0 when never answered).
        duration_ms: f64,
    },
    /// The ended call waits for its wrap-up in the CRM (it stays due across restarts).
    WrapUpDue(WrapUpDue),
    /// The call's wrap-up was recorded.
    WrappedUp {
        /// The call's CRM record.
        call: CallId,
        /// The disposition chosen.
        disposition: DispositionId,
        /// The lead the call is on, if any.
        lead: Option<LeadId>,
    },
    /// Something failed outside any command (recording a call, a call's CRM record).
    Error {
        /// The call concerned, if any.
        call_id: Option<String>,
        /// What kind of failure.
        kind: crate::ErrorKind,
        /// What happened, for the agent.
        message: String,
    },
}

/// A finished call waiting for its disposition.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct WrapUpDue {
    /// The call's CRM record.
    pub call: CallId,
    /// The SIP Call-ID (when the call was placed or taken in this run of the phone).
    pub call_id: Option<String>,
    /// The lead the call is on, if any.
    pub lead: Option<LeadId>,
    /// The call's number at the other end.
    pub number: String,
    /// Seconds talked.
    pub duration_seconds: Option<i64>,
    /// The tenant's dispositions in display order.
    pub dispositions: Vec<CallDisposition>,
    /// The one preselected (the tenant's default).
    pub default_disposition: Option<DispositionId>,
}
