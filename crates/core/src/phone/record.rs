//! The CRM record of the agent's calls, kept by the phone whatever front end drives it: a
//! `calls` row when a call starts (on the lead whose phone matches, or the lead dialled),
//! its end, and its wrap-up — the disposition (notes where it requires them), and optionally a
//! move of the lead with the note or follow-up the new status requires. Every step goes
//! through the store's actions, so each lands with its outbox mutation in one transaction.
//!
//! A wrap-up is due from the call's end until it is done, read back from the store, so it
//! survives a crash or restart: an ended call without a disposition is pending.

use super::events::WrapUpDue;
use crate::{CoreError, Handle, Session};
use leadline_media::quality::Quality;
use leadline_store::Timestamp;
use leadline_store::actions::NewCall;
use leadline_store::model::{Call, CallId, CallQuality, Direction, DispositionId, LeadId, Permission};
use leadline_store::repo::{self, profile};
use serde::Deserialize;

/// A call as the agent's record sees it: which way, and the number at the other end.
#[derive(Debug, Clone)]
pub struct CallRecord {
    /// Inbound or outbound.
    pub direction: Direction,
    /// The agent's own SIP user (the account the call was on).
    pub local: String,
    /// The other side's number (or SIP user).
    pub remote: String,
    /// The SIP Call-ID.
    pub pbx_call_id: String,
    /// The lead called, when the agent called a lead (else found by the number).
    pub lead: Option<LeadId>,
}

/// The agent's wrap-up of an ended call.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
pub struct WrapUp {
    /// The call's CRM record.
    pub call: CallId,
    /// The disposition's id, or its name in any case.
    pub disposition: String,
    /// Wrap-up notes (required by some dispositions).
    #[serde(default)]
    #[ts(optional)]
    pub notes: Option<String>,
    /// Move the call's lead to this status (name or id).
    #[serde(default)]
    #[ts(optional)]
    pub status: Option<String>,
    /// The follow-up the new status requires (read like `leadline lead followup`).
    #[serde(default)]
    #[ts(optional)]
    pub followup: Option<String>,
}

impl Handle {
    /// Whether the signed-in agent may place calls (`calls.make`); refused otherwise.
    pub fn require_calling(&self) -> Result<(), CoreError> {
        Session::load(&*self.store()?)?.require(Permission::CallsMake)
    }

    /// Records a call that starts now: a `calls` row through the outbox.
    pub fn record_call_start(&self, record: &CallRecord) -> Result<Call, CoreError> {
        let mut store = self.store()?;
        let actor = store.actor()?;
        let (from_number, to_number) = match record.direction {
            Direction::Inbound => (record.remote.clone(), record.local.clone()),
            Direction::Outbound => (record.local.clone(), record.remote.clone()),
        };
        let region = profile::require(store.conn())?.default_region;
        let new = NewCall {
            direction: record.direction,
            from_number,
            to_number,
            started_at: Timestamp::now(),
            pbx_call_id: Some(record.pbx_call_id.clone()),
            lead_id: record.lead,
        };
        Ok(store.start_call(&actor, new, region)?)
    }

    /// Records that the call ended now, with its audio quality when it had audio; its wrap-up
    /// is then due.
    pub fn record_call_end(
        &self,
        call: CallId,
        quality: Option<CallQuality>,
    ) -> Result<WrapUpDue, CoreError> {
        let row = {
            let mut store = self.store()?;
            let actor = store.actor()?;
            store.end_call(&actor, call, Timestamp::now(), quality.as_ref())?
        };
        self.wrap_up_due(&row)
    }

    /// What the wrap-up of `row` offers.
    fn wrap_up_due(&self, row: &Call) -> Result<WrapUpDue, CoreError> {
        let store = self.store()?;
        let dispositions = repo::dispositions_in_order(store.conn(), row.tenant_id)?;
        let default_disposition = dispositions.iter().find(|d| d.is_default).map(|d| d.id);
        let number = match row.direction {
            Direction::Inbound => row.from_number.clone(),
            Direction::Outbound => row.to_number.clone(),
        };
        Ok(WrapUpDue {
            call: row.id,
            call_id: row.pbx_call_id.clone(),
            lead: row.related_id.map(LeadId),
            number,
            duration_seconds: row.duration_seconds,
            dispositions,
            default_disposition,
        })
    }

    /// The agent's finished calls still waiting for a wrap-up, oldest first (after a restart
    /// too).
    pub fn pending_wrap_ups(&self) -> Result<Vec<WrapUpDue>, CoreError> {
        self.pending_calls()?
            .iter()
            .map(|row| self.wrap_up_due(row))
            .collect()
    }

    /// How many finished calls wait for a wrap-up.
    pub fn pending_wrap_up_count(&self) -> Result<usize, CoreError> {
        Ok(self.pending_calls()?.len())
    }

    fn pending_calls(&self) -> Result<Vec<Call>, CoreError> {
        let store = self.store()?;
        let session = Session::load(&store)?;
        Ok(repo::pending_wrapups(
            store.conn(),
            session.tenant.id,
            session.user.id,
        )?)
    }

    /// Wraps the ended call up: the disposition (by id or name) and notes, the lead's `call`
    /// activity, and the lead's move when asked. A disposition that requires notes is refused
    /// without them before anything changes.
    pub fn wrap_up(&self, wrap_up: &WrapUp) -> Result<Call, CoreError> {
        let (disposition, lead) = {
            let store = self.store()?;
            let actor = store.actor()?;
            let known = repo::dispositions_in_order(store.conn(), actor.tenant_id)?;
            let wanted = wrap_up.disposition.trim();
            let chosen = known
                .iter()
                .find(|d| d.name.eq_ignore_ascii_case(wanted) || d.id.0.to_string() == wanted)
                .ok_or_else(|| CoreError::UnknownDisposition {
                    given: wrap_up.disposition.clone(),
                    known: known
                        .iter()
                        .map(|d| d.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                })?;
            let notes = wrap_up.notes.as_deref().map(str::trim).filter(|n| !n.is_empty());
            if chosen.requires_note && notes.is_none() {
                return Err(leadline_store::StoreError::Rule {
                    rule: leadline_store::Rule::WrapupNoteRequired,
                    detail: format!("{:?} requires wrap-up notes", chosen.name),
                }
                .into());
            }
            let call: Call = repo::get_in_tenant(store.conn(), actor.tenant_id, wrap_up.call.0)?;
            (chosen.id, call.related_id.map(LeadId))
        };
        if let Some(status) = &wrap_up.status {
            let lead = lead.ok_or_else(|| leadline_store::StoreError::InvalidInput {
                field: "status",
                reason: "the call is not on a lead".into(),
            })?;
            self.move_lead(
                lead,
                status,
                wrap_up.notes.as_deref(),
                wrap_up.followup.as_deref(),
            )?;
        }
        self.close_call(wrap_up.call, disposition, wrap_up.notes.as_deref())
    }

    fn close_call(
        &self,
        call: CallId,
        disposition: DispositionId,
        notes: Option<&str>,
    ) -> Result<Call, CoreError> {
        let mut store = self.store()?;
        let actor = store.actor()?;
        let notes = notes.map(str::trim).filter(|n| !n.is_empty());
        Ok(store.close_call(&actor, call, disposition, notes, Timestamp::now())?)
    }
}

impl Handle {
    /// Leads whose phone is `number`, best matches first (an incoming call's screen pop).
    pub fn caller_lookup(
        &self,
        number: &str,
    ) -> Result<Vec<leadline_store::queries::CallerMatch>, CoreError> {
        let store = self.store()?;
        let session = Session::load(&store)?;
        let region = profile::require(store.conn())?.default_region;
        Ok(leadline_store::queries::caller_lookup(
            store.conn(),
            session.tenant.id,
            number,
            region,
        )?)
    }
}

/// A call's quality figures as its record keeps them.
pub(crate) fn call_quality(quality: &Quality) -> CallQuality {
    CallQuality {
        codec: quality.codec.map(|codec| codec.name().to_owned()),
        mos: quality.mos,
        bitrate_kbps: quality.bitrate_kbps,
        jitter_ms: quality.jitter_ms,
        loss_percent: quality.loss_percent,
        rtt_ms: quality.rtt_ms,
        buffer_ms: quality.buffer_ms,
        concealed: quality.concealed,
    }
}
