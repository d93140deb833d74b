//! The agent's actions. Each one checks the actor's permission and the business rules, then
//! writes the change, the lead activity that records it and the outbox mutation that tells the
//! server — in one transaction, so a crash at any instant leaves all or none of them.
//!
//! Rows created here get negative local ids until the server's copy arrives by pull.

use crate::error::{Result, Rule, StoreError};
use crate::model::{
    ActivityType, Call, CallDisposition, CallId, CallQuality, Cents, Direction, DispositionId, EntityType,
    Json, Lead, LeadActivity, LeadId, LeadStatus, LeadStatusId, MutationKind, Permission, RELATED_LEAD, Role,
    Score, TenantId, User, UserId,
};
use crate::phone::{self, Region};
use crate::repo::outbox::{self, NewMutation};
use crate::repo::{self, Table, profile};
use crate::{Store, Timestamp};
use leadline_api::MAX_NOTE_CHARS;
use rusqlite::{Connection, Transaction, params};
use serde_json::json;

/// Who is acting: the signed-in agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Actor {
    /// The agent's tenant.
    pub tenant_id: TenantId,
    /// The agent.
    pub user_id: UserId,
    /// The agent's role.
    pub role: Role,
}

/// A lead the agent creates.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct NewLead {
    /// Contact name (required).
    pub name: String,
    /// Company.
    pub company_name: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Phone, as written.
    pub phone: Option<String>,
    /// Where the lead came from.
    pub source: Option<String>,
    /// Hot, warm or cold (warm when absent).
    pub score: Option<Score>,
    /// Deal size in cents.
    pub estimated_value: Option<Cents>,
    /// Status; the tenant's default when absent.
    pub lead_status_id: Option<LeadStatusId>,
}

/// A call the agent places or takes.
#[derive(Debug, Clone)]
pub struct NewCall {
    /// Inbound or outbound.
    pub direction: Direction,
    /// Caller number.
    pub from_number: String,
    /// Called number.
    pub to_number: String,
    /// When it started.
    pub started_at: Timestamp,
    /// The PBX's id for it (SIP Call-ID).
    pub pbx_call_id: Option<String>,
    /// The lead it is about; looked up from the remote number when absent.
    pub lead_id: Option<LeadId>,
}

fn text(field: &'static str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(StoreError::InvalidInput {
            field,
            reason: "must not be empty".into(),
        });
    }
    if value.chars().count() > max {
        return Err(StoreError::InvalidInput {
            field,
            reason: format!("longer than {max} characters"),
        });
    }
    Ok(value.to_owned())
}

fn optional_text(field: &'static str, value: Option<&str>, max: usize) -> Result<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => text(field, v, max).map(Some),
    }
}

fn record_activity(
    tx: &Transaction<'_>,
    actor: &Actor,
    lead: LeadId,
    kind: ActivityType,
    payload: serde_json::Value,
    now: Timestamp,
) -> Result<LeadActivity> {
    let activity = LeadActivity {
        id: crate::model::ActivityId(repo::next_local_id::<LeadActivity>(tx)?),
        tenant_id: actor.tenant_id,
        lead_id: lead,
        user_id: actor.user_id,
        kind,
        payload: Some(Json(payload)),
        created_at: Some(now),
    };
    repo::upsert(tx, &activity)?;
    Ok(activity)
}

impl Store {
    /// The signed-in agent, from the saved profile.
    pub fn actor(&self) -> Result<Actor> {
        let profile = profile::require(self.conn())?;
        let user: User = repo::get(self.conn(), profile.user_id.0)?;
        Ok(Actor {
            tenant_id: profile.tenant_id,
            user_id: user.id,
            role: user.role,
        })
    }

    /// Errors with [`StoreError::Forbidden`] unless the actor's role holds `permission`.
    pub fn require_permission(&self, actor: &Actor, permission: Permission) -> Result<()> {
        if repo::role_has(self.conn(), actor.tenant_id, actor.role, permission)? {
            Ok(())
        } else {
            Err(StoreError::Forbidden { permission })
        }
    }

    /// Creates a lead in its status (the tenant's default when none is given).
    pub fn create_lead(
        &mut self,
        actor: &Actor,
        new: NewLead,
        region: Region,
        now: Timestamp,
    ) -> Result<Lead> {
        self.require_permission(actor, Permission::LeadsManage)?;
        if let Some(Cents(value)) = new.estimated_value
            && value.abs() > Cents::MAX
        {
            return Err(StoreError::InvalidInput {
                field: "estimated_value",
                reason: "out of range".into(),
            });
        }
        let tx = self.conn_mut().transaction()?;
        let status = match new.lead_status_id {
            Some(id) => repo::get_in_tenant::<LeadStatus>(&tx, actor.tenant_id, id.0)?,
            None => repo::statuses_in_order(&tx, actor.tenant_id)?
                .into_iter()
                .find(|s| s.is_default)
                .ok_or(StoreError::Rule {
                    rule: Rule::DefaultStatusRequired,
                    detail: "the tenant has no default status".into(),
                })?,
        };
        let lead = Lead {
            id: LeadId(repo::next_local_id::<Lead>(&tx)?),
            tenant_id: actor.tenant_id,
            lead_status_id: status.id,
            assigned_to_user_id: Some(actor.user_id),
            created_by_user_id: Some(actor.user_id),
            name: text("name", &new.name, 255)?,
            company_name: optional_text("company_name", new.company_name.as_deref(), 255)?,
            email: optional_text("email", new.email.as_deref(), 255)?,
            phone: optional_text("phone", new.phone.as_deref(), 255)?,
            source: optional_text("source", new.source.as_deref(), 255)?,
            score: new.score.unwrap_or(Score::Warm),
            estimated_value: new.estimated_value,
            last_contacted_at: None,
            next_followup_at: None,
            created_at: Some(now),
            updated_at: Some(now),
        };
        repo::upsert(&tx, &lead)?;
        phone::index_lead(&tx, &lead, region)?;
        let payload = serde_json::to_value(&lead).map_err(|source| StoreError::Json {
            context: "lead",
            source,
        })?;
        enqueue(
            &tx,
            MutationKind::LeadCreate,
            EntityType::Lead,
            lead.id.0,
            None,
            payload,
            now,
        )?;
        tx.commit()?;
        Ok(lead)
    }

    /// Moves a lead to another status. A `requires_note` status needs `note`; a
    /// `requires_followup_date` status needs `followup` (or a follow-up already ahead).
    pub fn move_lead(
        &mut self,
        actor: &Actor,
        lead: LeadId,
        to: LeadStatusId,
        note: Option<&str>,
        followup: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<Lead> {
        self.require_permission(actor, Permission::LeadsManage)?;
        let tx = self.conn_mut().transaction()?;
        let mut row = repo::get_in_tenant::<Lead>(&tx, actor.tenant_id, lead.0)?;
        let from = repo::get_in_tenant::<LeadStatus>(&tx, actor.tenant_id, row.lead_status_id.0)?;
        let target = repo::get_in_tenant::<LeadStatus>(&tx, actor.tenant_id, to.0)?;
        if from.id == target.id {
            return Ok(row);
        }
        let note = optional_text("note", note, MAX_NOTE_CHARS)?;
        if target.requires_note && note.is_none() {
            return Err(StoreError::Rule {
                rule: Rule::NoteRequired,
                detail: format!("moving to {:?} requires a note", target.name),
            });
        }
        if let Some(when) = followup
            && when <= now
        {
            return Err(StoreError::InvalidInput {
                field: "followup",
                reason: "must be in the future".into(),
            });
        }
        let followup_ahead = followup.or(row.next_followup_at.filter(|at| *at > now));
        if target.requires_followup_date && followup_ahead.is_none() {
            return Err(StoreError::Rule {
                rule: Rule::FollowupRequired,
                detail: format!("moving to {:?} requires a follow-up date", target.name),
            });
        }
        let base_version = row.updated_at;
        row.lead_status_id = target.id;
        if followup.is_some() {
            row.next_followup_at = followup;
        }
        row.updated_at = Some(now);
        tx.execute(
            "UPDATE leads SET lead_status_id = ?2, next_followup_at = ?3, updated_at = ?4 WHERE id = ?1",
            params![row.id, row.lead_status_id, row.next_followup_at, row.updated_at],
        )?;
        let mut payload = json!({ "from_status": from.name, "to_status": target.name });
        if let Some(note) = &note {
            payload["note"] = json!(note);
        }
        if let Some(when) = followup {
            payload["followup_at"] = json!(when);
        }
        let activity = record_activity(&tx, actor, row.id, ActivityType::StatusChange, payload, now)?;
        let mutation = json!({
            "lead_id": row.id, "lead_status_id": target.id, "note": note,
            "next_followup_at": followup, "activity_id": activity.id,
        });
        enqueue(
            &tx,
            MutationKind::LeadMove,
            EntityType::Lead,
            row.id.0,
            base_version,
            mutation,
            now,
        )?;
        tx.commit()?;
        Ok(row)
    }

    /// Adds a note to a lead's timeline.
    pub fn add_note(
        &mut self,
        actor: &Actor,
        lead: LeadId,
        note: &str,
        now: Timestamp,
    ) -> Result<LeadActivity> {
        self.require_permission(actor, Permission::LeadsManage)?;
        let note = text("note", note, MAX_NOTE_CHARS)?;
        let tx = self.conn_mut().transaction()?;
        let row = repo::get_in_tenant::<Lead>(&tx, actor.tenant_id, lead.0)?;
        let activity = record_activity(
            &tx,
            actor,
            row.id,
            ActivityType::Note,
            json!({ "note": note }),
            now,
        )?;
        let payload = serde_json::to_value(&activity).map_err(|source| StoreError::Json {
            context: "activity",
            source,
        })?;
        enqueue(
            &tx,
            MutationKind::ActivityCreate,
            EntityType::LeadActivity,
            activity.id.0,
            None,
            payload,
            now,
        )?;
        tx.commit()?;
        Ok(activity)
    }

    /// Schedules the lead's next follow-up.
    pub fn schedule_followup(
        &mut self,
        actor: &Actor,
        lead: LeadId,
        when: Timestamp,
        note: Option<&str>,
        now: Timestamp,
    ) -> Result<Lead> {
        self.require_permission(actor, Permission::LeadsManage)?;
        if when <= now {
            return Err(StoreError::InvalidInput {
                field: "followup",
                reason: "must be in the future".into(),
            });
        }
        let note = optional_text("note", note, MAX_NOTE_CHARS)?;
        let tx = self.conn_mut().transaction()?;
        let mut row = repo::get_in_tenant::<Lead>(&tx, actor.tenant_id, lead.0)?;
        let base_version = row.updated_at;
        row.next_followup_at = Some(when);
        row.updated_at = Some(now);
        tx.execute(
            "UPDATE leads SET next_followup_at = ?2, updated_at = ?3 WHERE id = ?1",
            params![row.id, row.next_followup_at, row.updated_at],
        )?;
        let mut payload = json!({ "followup_at": when });
        if let Some(note) = &note {
            payload["note"] = json!(note);
        }
        let activity = record_activity(&tx, actor, row.id, ActivityType::Followup, payload, now)?;
        let mutation =
            json!({ "lead_id": row.id, "next_followup_at": when, "note": note, "activity_id": activity.id });
        enqueue(
            &tx,
            MutationKind::LeadFollowup,
            EntityType::Lead,
            row.id.0,
            base_version,
            mutation,
            now,
        )?;
        tx.commit()?;
        Ok(row)
    }

    /// Records the start of a call, related to a lead (given, or found by the remote number).
    pub fn start_call(&mut self, actor: &Actor, new: NewCall, region: Region) -> Result<Call> {
        self.require_permission(actor, Permission::CallsMake)?;
        let from_number = text("from_number", &new.from_number, 255)?;
        let to_number = text("to_number", &new.to_number, 255)?;
        let tx = self.conn_mut().transaction()?;
        let remote = match new.direction {
            Direction::Inbound => &from_number,
            Direction::Outbound => &to_number,
        };
        let lead = match new.lead_id {
            Some(id) => Some(repo::get_in_tenant::<Lead>(&tx, actor.tenant_id, id.0)?.id),
            None => phone::lookup(&tx, actor.tenant_id, remote, region)?
                .first()
                .map(|(id, _)| *id),
        };
        let call = Call {
            id: CallId(repo::next_local_id::<Call>(&tx)?),
            tenant_id: actor.tenant_id,
            user_id: actor.user_id,
            related_type: lead.map(|_| RELATED_LEAD.to_owned()),
            related_id: lead.map(|l| l.0),
            direction: new.direction,
            from_number,
            to_number,
            started_at: new.started_at,
            ended_at: None,
            duration_seconds: None,
            pbx_call_id: optional_text("pbx_call_id", new.pbx_call_id.as_deref(), 255)?,
            recording_url: None,
            disposition_id: None,
            wrapup_notes: None,
            created_at: Some(new.started_at),
            updated_at: Some(new.started_at),
            quality: None,
        };
        repo::upsert(&tx, &call)?;
        let payload = serde_json::to_value(&call).map_err(|source| StoreError::Json {
            context: "call",
            source,
        })?;
        enqueue(
            &tx,
            MutationKind::CallCreate,
            EntityType::Call,
            call.id.0,
            None,
            payload,
            new.started_at,
        )?;
        tx.commit()?;
        Ok(call)
    }

    /// Records the end of a call, with its audio quality when it had audio; it then waits for
    /// wrap-up ([`Store::close_call`]).
    pub fn end_call(
        &mut self,
        actor: &Actor,
        call: CallId,
        ended_at: Timestamp,
        quality: Option<&CallQuality>,
    ) -> Result<Call> {
        if let Some(reason) = quality.and_then(CallQuality::invalid) {
            return Err(StoreError::InvalidInput {
                field: "quality",
                reason,
            });
        }
        let tx = self.conn_mut().transaction()?;
        let row = call_of(&tx, actor, call)?;
        let base_version = row.updated_at;
        tx.execute(
            "UPDATE calls SET ended_at = ?2, updated_at = ?2, quality = ?3 WHERE id = ?1",
            params![row.id, ended_at, quality],
        )?;
        let row: Call = repo::get(&tx, call.0)?;
        let payload = json!({
            "call_id": row.id,
            "ended_at": row.ended_at,
            "duration_seconds": row.duration_seconds,
            "quality": row.quality,
        });
        enqueue(
            &tx,
            MutationKind::CallUpdate,
            EntityType::Call,
            row.id.0,
            base_version,
            payload,
            ended_at,
        )?;
        tx.commit()?;
        Ok(row)
    }

    /// Closes an ended call with its disposition (and notes, required by some dispositions),
    /// adds the `call` activity to the related lead and marks the lead as contacted.
    pub fn close_call(
        &mut self,
        actor: &Actor,
        call: CallId,
        disposition: DispositionId,
        notes: Option<&str>,
        now: Timestamp,
    ) -> Result<Call> {
        let notes = optional_text("wrapup_notes", notes, MAX_NOTE_CHARS)?;
        let tx = self.conn_mut().transaction()?;
        let row = call_of(&tx, actor, call)?;
        let outcome: CallDisposition = repo::get_in_tenant(&tx, actor.tenant_id, disposition.0)?;
        if row.ended_at.is_none() {
            return Err(StoreError::Rule {
                rule: Rule::CallClosedAfterEnd,
                detail: "the call is still in progress".into(),
            });
        }
        if outcome.requires_note && notes.is_none() {
            return Err(StoreError::Rule {
                rule: Rule::WrapupNoteRequired,
                detail: format!("{:?} requires wrap-up notes", outcome.name),
            });
        }
        let base_version = row.updated_at;
        tx.execute(
            "UPDATE calls SET disposition_id = ?2, wrapup_notes = ?3, updated_at = ?4 WHERE id = ?1",
            params![row.id, disposition, notes, now],
        )?;
        let activity = match (row.related_type.as_deref(), row.related_id) {
            (Some(RELATED_LEAD), Some(lead)) => {
                let payload =
                    json!({ "call_id": row.id, "duration": row.duration_seconds, "outcome": outcome.name });
                tx.execute(
                    "UPDATE leads SET last_contacted_at = ?2 WHERE id = ?1 AND tenant_id = ?3",
                    params![lead, row.started_at, actor.tenant_id],
                )?;
                Some(record_activity(
                    &tx,
                    actor,
                    LeadId(lead),
                    ActivityType::Call,
                    payload,
                    now,
                )?)
            }
            _ => None,
        };
        let payload = json!({
            "call_id": row.id, "disposition_id": disposition, "wrapup_notes": notes,
            "activity_id": activity.map(|a| a.id),
        });
        enqueue(
            &tx,
            MutationKind::CallClose,
            EntityType::Call,
            row.id.0,
            base_version,
            payload,
            now,
        )?;
        let closed = repo::get(&tx, call.0)?;
        tx.commit()?;
        Ok(closed)
    }
}

fn call_of(conn: &Connection, actor: &Actor, id: CallId) -> Result<Call> {
    let call: Call = repo::get_in_tenant(conn, actor.tenant_id, id.0)?;
    if call.user_id != actor.user_id {
        return Err(StoreError::NotFound {
            entity: Call::ENTITY,
            id: id.0,
        });
    }
    Ok(call)
}

fn enqueue(
    tx: &Transaction<'_>,
    kind: MutationKind,
    entity_type: EntityType,
    entity_id: i64,
    base_version: Option<Timestamp>,
    payload: serde_json::Value,
    now: Timestamp,
) -> Result<String> {
    outbox::enqueue(
        tx,
        NewMutation {
            kind,
            entity_type,
            entity_id,
            base_version,
            payload,
        },
        now,
    )
}
