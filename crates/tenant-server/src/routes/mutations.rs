//! `POST /mutations`: the push of the client's outbox.
//!
//! Each mutation applies in its own transaction together with its row in
//! `applied_mutations`, so a mutation is applied exactly once however often it is sent: a
//! replay answers `duplicate` with the ids first assigned. A refused mutation is recorded too
//! (the same id always gets the same answer) and never stops the ones after it. Local
//! (negative) ids of rows created earlier in the same push resolve to the ids assigned.
//! The schema's triggers enforce the business rules here exactly as on the client.

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::json::ApiJson;
use axum::Json;
use axum::extract::State;
use leadline_api::{
    AssignedId, ErrorBody, MAX_ACTIVITY_PAYLOAD_BYTES, MAX_MUTATIONS_PER_PUSH, MAX_NOTE_CHARS, Mutation,
    MutationResult, MutationStatus, PushRequest, PushResponse, RejectionCode,
};
use leadline_model::table::{Table, find, upsert};
use leadline_model::{
    ActivityType, Call, CallDisposition, CallQuality, EntityType, Json as JsonDoc, Lead, LeadActivity,
    LeadStatus, MutationKind, Permission, RELATED_LEAD, Timestamp, User,
};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

/// Why a mutation is refused: a code and a sentence for the agent.
struct Refusal {
    code: RejectionCode,
    reason: String,
    current: Option<Value>,
}

impl Refusal {
    fn new(code: RejectionCode, reason: impl Into<String>) -> Refusal {
        Refusal {
            code,
            reason: reason.into(),
            current: None,
        }
    }
}

impl From<rusqlite::Error> for Refusal {
    fn from(error: rusqlite::Error) -> Self {
        let text = match &error {
            rusqlite::Error::SqliteFailure(_, Some(message)) => message.clone(),
            other => other.to_string(),
        };
        match text
            .strip_prefix("leadline:")
            .and_then(|rest| rest.split_once(':'))
        {
            Some((_, detail)) => Refusal::new(RejectionCode::Rule, detail.trim()),
            None if text.contains("CHECK constraint failed") || text.contains("FOREIGN KEY") => Refusal::new(
                RejectionCode::Invalid,
                format!("the change breaks a rule of the data: {text}"),
            ),
            None => Refusal::new(RejectionCode::Internal, "the server could not apply this change"),
        }
    }
}

type Outcome = Result<Vec<AssignedId>, Refusal>;

/// Local ids assigned earlier in this push.
#[derive(Default)]
struct LocalIds(HashMap<(EntityType, i64), i64>);

impl LocalIds {
    fn resolve(&self, entity: EntityType, id: i64) -> Result<i64, Refusal> {
        if id > 0 {
            return Ok(id);
        }
        self.0.get(&(entity, id)).copied().ok_or_else(|| {
            Refusal::new(
                RejectionCode::UnknownLocalId,
                format!("{entity} {id} has not reached the server yet"),
            )
        })
    }
}

fn field<T: for<'de> Deserialize<'de>>(payload: &Value, name: &str) -> Result<T, Refusal> {
    let value = payload.get(name).cloned().unwrap_or(Value::Null);
    serde_json::from_value(value).map_err(|e| Refusal::new(RejectionCode::Invalid, format!("{name}: {e}")))
}

/// An agent's text (a note, wrap-up notes): trimmed, empty as none, at most
/// [`MAX_NOTE_CHARS`] characters.
fn text(payload: &Value, name: &str) -> Result<Option<String>, Refusal> {
    let value: Option<String> = field(payload, name)?;
    let value = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    if let Some(v) = &value {
        check_length(name, v)?;
    }
    Ok(value)
}

fn check_length(name: &str, text: &str) -> Result<(), Refusal> {
    let chars = text.chars().count();
    if chars > MAX_NOTE_CHARS {
        return Err(Refusal::new(
            RejectionCode::Invalid,
            format!("{name} is {chars} characters long; at most {MAX_NOTE_CHARS} are kept"),
        ));
    }
    Ok(())
}

fn in_tenant<T: Table + leadline_model::table::TenantScoped>(
    conn: &Connection,
    caller: &Caller,
    id: i64,
) -> Result<T, Refusal> {
    find::<T>(conn, id)?
        .filter(|row| row.tenant() == caller.tenant_id())
        .ok_or_else(|| {
            Refusal::new(
                RejectionCode::NotFound,
                format!("{} {id} does not exist", T::ENTITY),
            )
        })
}

/// Refuses when the lead changed on the server since the client read it.
fn check_version(lead: &Lead, base: Option<Timestamp>) -> Result<(), Refusal> {
    match base {
        Some(base) if lead.updated_at.is_some_and(|now| now > base) => Err(Refusal {
            code: RejectionCode::Conflict,
            reason: format!(
                "{} was changed by someone else; review it and try again",
                lead.name
            ),
            current: serde_json::to_value(lead).ok(),
        }),
        _ => Ok(()),
    }
}

fn add_activity(
    tx: &Transaction<'_>,
    caller: &Caller,
    lead: &Lead,
    kind: ActivityType,
    payload: Value,
    at: Timestamp,
) -> rusqlite::Result<i64> {
    let id = next_id::<LeadActivity>(tx)?;
    tx.prepare_cached(
        "INSERT INTO lead_activities (id, tenant_id, lead_id, user_id, type, payload_json, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![id, caller.tenant_id(), lead.id, caller.user_id(), kind, JsonDoc(payload), at])?;
    Ok(id)
}

fn assigned(entity_type: EntityType, local_id: Option<i64>, id: i64) -> Vec<AssignedId> {
    match local_id {
        Some(local_id) if local_id < 0 => vec![AssignedId {
            entity_type,
            local_id,
            id,
        }],
        _ => Vec::new(),
    }
}

fn apply(tx: &Transaction<'_>, caller: &Caller, m: &Mutation, local: &LocalIds) -> Outcome {
    let p = &m.payload;
    let now = Timestamp::now();
    match m.kind {
        MutationKind::ActivityCreate => {
            if !caller.may(Permission::LeadsManage) {
                return Err(Refusal::new(
                    RejectionCode::Forbidden,
                    "your role lacks the leads.manage permission",
                ));
            }
            let lead: Lead = in_tenant(tx, caller, local.resolve(EntityType::Lead, field(p, "lead_id")?)?)?;
            let kind: ActivityType = field(p, "type")?;
            if kind != ActivityType::Note {
                return Err(Refusal::new(
                    RejectionCode::Invalid,
                    "only notes are created directly; other activities follow their change",
                ));
            }
            let body: Value = field(p, "payload")?;
            let Some(note) = body
                .get("note")
                .and_then(Value::as_str)
                .filter(|n| !n.trim().is_empty())
            else {
                return Err(Refusal::new(RejectionCode::Invalid, "a note needs text"));
            };
            check_length("note", note)?;
            if body.to_string().len() > MAX_ACTIVITY_PAYLOAD_BYTES {
                return Err(Refusal::new(
                    RejectionCode::Invalid,
                    format!("a note's payload holds at most {MAX_ACTIVITY_PAYLOAD_BYTES} bytes"),
                ));
            }
            let at = field::<Option<Timestamp>>(p, "created_at")?.unwrap_or(m.created_at);
            let id = add_activity(tx, caller, &lead, ActivityType::Note, body, at)?;
            caller.audit(tx, "lead.updated", Some(("lead", lead.id.0)))?;
            Ok(assigned(EntityType::LeadActivity, field(p, "id")?, id))
        }
        MutationKind::LeadMove | MutationKind::LeadFollowup => {
            if !caller.may(Permission::LeadsManage) {
                return Err(Refusal::new(
                    RejectionCode::Forbidden,
                    "your role lacks the leads.manage permission",
                ));
            }
            let lead: Lead = in_tenant(tx, caller, local.resolve(EntityType::Lead, field(p, "lead_id")?)?)?;
            check_version(&lead, m.base_version)?;
            let note = text(p, "note")?;
            let followup: Option<Timestamp> = field(p, "next_followup_at")?;
            let (kind, payload, action, status) = if m.kind == MutationKind::LeadMove {
                let from: LeadStatus = in_tenant(tx, caller, lead.lead_status_id.0)?;
                let to: LeadStatus = in_tenant(tx, caller, field(p, "lead_status_id")?)?;
                if to.requires_note && note.is_none() {
                    return Err(Refusal::new(
                        RejectionCode::Rule,
                        format!("moving to {:?} requires a note", to.name),
                    ));
                }
                let mut payload = json!({ "from_status": from.name, "to_status": to.name });
                if let Some(n) = &note {
                    payload["note"] = json!(n);
                }
                if let Some(f) = followup {
                    payload["followup_at"] = json!(f);
                }
                (ActivityType::StatusChange, payload, "lead.status_changed", to.id)
            } else {
                let Some(when) = followup else {
                    return Err(Refusal::new(
                        RejectionCode::Invalid,
                        "next_followup_at is required",
                    ));
                };
                let mut payload = json!({ "followup_at": when });
                if let Some(n) = &note {
                    payload["note"] = json!(n);
                }
                (
                    ActivityType::Followup,
                    payload,
                    "lead.updated",
                    lead.lead_status_id,
                )
            };
            tx.execute(
                "UPDATE leads SET lead_status_id = ?2, next_followup_at = coalesce(?3, next_followup_at), updated_at = ?4 WHERE id = ?1",
                params![lead.id, status, followup, now],
            )?;
            let id = add_activity(tx, caller, &lead, kind, payload, m.created_at)?;
            caller.audit(tx, action, Some(("lead", lead.id.0)))?;
            Ok(assigned(EntityType::LeadActivity, field(p, "activity_id")?, id))
        }
        MutationKind::LeadCreate => {
            if !caller.may(Permission::LeadsManage) {
                return Err(Refusal::new(
                    RejectionCode::Forbidden,
                    "your role lacks the leads.manage permission",
                ));
            }
            let mut lead: Lead = serde_json::from_value(p.clone())
                .map_err(|e| Refusal::new(RejectionCode::Invalid, e.to_string()))?;
            let local_id = lead.id.0;
            let _: LeadStatus = in_tenant(tx, caller, lead.lead_status_id.0)?;
            if let Some(user) = lead.assigned_to_user_id {
                let assignee: User = in_tenant(tx, caller, user.0)?;
                if !assignee.is_active {
                    return Err(Refusal::new(
                        RejectionCode::Invalid,
                        format!(
                            "{} is deactivated: no lead can be assigned to them",
                            assignee.name
                        ),
                    ));
                }
            }
            lead.id = leadline_model::LeadId(next_id::<Lead>(tx)?);
            lead.tenant_id = caller.tenant_id();
            lead.created_by_user_id = Some(caller.user_id());
            lead.updated_at = Some(now);
            upsert(tx, &lead)?;
            caller.audit(tx, "lead.created", Some(("lead", lead.id.0)))?;
            Ok(assigned(EntityType::Lead, Some(local_id), lead.id.0))
        }
        MutationKind::LeadUpdate => Err(Refusal::new(
            RejectionCode::Invalid,
            "lead.update is not supported by this server version",
        )),
        MutationKind::CallCreate => {
            if !caller.may(Permission::CallsMake) {
                return Err(Refusal::new(
                    RejectionCode::Forbidden,
                    "your role lacks the calls.make permission",
                ));
            }
            let mut call: Call = serde_json::from_value(p.clone())
                .map_err(|e| Refusal::new(RejectionCode::Invalid, e.to_string()))?;
            let local_id = call.id.0;
            if call.related_type.as_deref() == Some(RELATED_LEAD)
                && let Some(lead) = call.related_id
            {
                let lead: Lead = in_tenant(tx, caller, local.resolve(EntityType::Lead, lead)?)?;
                call.related_id = Some(lead.id.0);
            }
            call.id = leadline_model::CallId(next_id::<Call>(tx)?);
            call.tenant_id = caller.tenant_id();
            call.user_id = caller.user_id();
            call.disposition_id = None;
            call.recording_url = None;
            call.quality = None; // measured when the call ends (call.update)
            upsert(tx, &call)?;
            caller.audit(tx, "call.started", Some(("call", call.id.0)))?;
            Ok(assigned(EntityType::Call, Some(local_id), call.id.0))
        }
        MutationKind::CallUpdate | MutationKind::CallClose => {
            let call: Call = in_tenant(tx, caller, local.resolve(EntityType::Call, field(p, "call_id")?)?)?;
            if call.user_id != caller.user_id() {
                return Err(Refusal::new(
                    RejectionCode::Forbidden,
                    "only the agent on the call can change it",
                ));
            }
            if m.kind == MutationKind::CallUpdate {
                let ended: Timestamp = field(p, "ended_at")?;
                // The quality is optional (older clients, calls without audio); when present it
                // must be figures a call can have.
                let quality: Option<CallQuality> = field(p, "quality")?;
                if let Some(reason) = quality.as_ref().and_then(CallQuality::invalid) {
                    return Err(Refusal::new(RejectionCode::Invalid, reason));
                }
                tx.execute(
                    "UPDATE calls SET ended_at = ?2, updated_at = ?3, quality = ?4 WHERE id = ?1",
                    params![call.id, ended, now, quality],
                )?;
                caller.audit(tx, "call.ended", Some(("call", call.id.0)))?;
                return Ok(Vec::new());
            }
            let disposition: CallDisposition = in_tenant(tx, caller, field(p, "disposition_id")?)?;
            let notes = text(p, "wrapup_notes")?;
            tx.execute(
                "UPDATE calls SET disposition_id = ?2, wrapup_notes = ?3, updated_at = ?4 WHERE id = ?1",
                params![call.id, disposition.id, notes, now],
            )?;
            let closed: Call = in_tenant(tx, caller, call.id.0)?;
            let mut ids = Vec::new();
            if let (Some(RELATED_LEAD), Some(lead)) = (closed.related_type.as_deref(), closed.related_id) {
                let lead: Lead = in_tenant(tx, caller, lead)?;
                let payload = json!({ "call_id": closed.id, "duration": closed.duration_seconds, "outcome": disposition.name });
                let id = add_activity(tx, caller, &lead, ActivityType::Call, payload, m.created_at)?;
                tx.execute(
                    "UPDATE leads SET last_contacted_at = ?2, updated_at = ?3 WHERE id = ?1",
                    params![lead.id, closed.started_at, now],
                )?;
                ids = assigned(EntityType::LeadActivity, field(p, "activity_id")?, id);
            }
            Ok(ids)
        }
    }
}

/// The id for a new row of `T`: above every id the table holds or ever held (deletes raise
/// `id_high_water`), so an id never names two rows.
fn next_id<T: Table>(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached(&format!(
        "SELECT max(coalesce((SELECT max(id) FROM {0}), 0), \
                coalesce((SELECT last_id FROM id_high_water WHERE table_name = '{0}'), 0)) + 1",
        T::NAME
    ))?
    .query_row([], |row| row.get(0))
}

/// Applies one mutation exactly once and answers for it.
fn apply_once(
    conn: &mut Connection,
    caller: &Caller,
    m: &Mutation,
    local: &mut LocalIds,
) -> Result<MutationResult, ApiError> {
    let previous: Option<(i64, String)> = conn
        .prepare_cached("SELECT tenant_id, result_json FROM applied_mutations WHERE mutation_id = ?1")?
        .query_row([&m.mutation_id], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    if let Some((tenant, text)) = previous {
        if tenant != caller.tenant_id().0 {
            return Ok(rejected(
                m,
                Refusal::new(RejectionCode::Invalid, "this mutation id is already used"),
            ));
        }
        let mut result: MutationResult = serde_json::from_str(&text).map_err(ApiError::internal)?;
        if result.status == MutationStatus::Applied {
            result.status = MutationStatus::Duplicate;
        }
        remember(local, &result);
        return Ok(result);
    }
    let tx = conn.transaction()?;
    let result = match apply(&tx, caller, m, local) {
        Ok(assigned) => MutationResult {
            mutation_id: m.mutation_id.clone(),
            status: MutationStatus::Applied,
            reason: None,
            code: None,
            assigned,
            current: None,
        },
        Err(mut refusal) => {
            // Nothing of a refused mutation is kept but the answer.
            drop(tx);
            // A refused lead change comes back with the lead as it is, so the client can drop
            // what it showed optimistically — only to a caller who may see leads.
            if !caller.may(Permission::LeadsView) {
                refusal.current = None;
            } else if refusal.current.is_none() && m.entity_type == EntityType::Lead && m.entity_id > 0 {
                refusal.current = find::<Lead>(conn, m.entity_id)?
                    .filter(|lead| lead.tenant_id == caller.tenant_id())
                    .and_then(|lead| serde_json::to_value(lead).ok());
            }
            let result = rejected(m, refusal);
            record(conn, caller, m, &result)?;
            return Ok(result);
        }
    };
    record(&tx, caller, m, &result)?;
    tx.commit()?;
    remember(local, &result);
    Ok(result)
}

fn rejected(m: &Mutation, refusal: Refusal) -> MutationResult {
    MutationResult {
        mutation_id: m.mutation_id.clone(),
        status: MutationStatus::Rejected,
        reason: Some(refusal.reason),
        code: Some(refusal.code),
        assigned: Vec::new(),
        current: refusal.current,
    }
}

fn remember(local: &mut LocalIds, result: &MutationResult) {
    for a in &result.assigned {
        local.0.insert((a.entity_type, a.local_id), a.id);
    }
}

fn record(conn: &Connection, caller: &Caller, m: &Mutation, result: &MutationResult) -> Result<(), ApiError> {
    if result
        .code
        .is_some_and(|code| code.is_retried() || code == RejectionCode::Forbidden)
    {
        // Worth retrying: not recorded, so the next push tries again. A forbidden one costs
        // nothing to refuse again and is not stored: a role without rights cannot fill the
        // database with refusals.
        return Ok(());
    }
    let text = serde_json::to_string(result).map_err(ApiError::internal)?;
    conn.prepare_cached(
        "INSERT INTO applied_mutations (mutation_id, tenant_id, user_id, result_json, applied_at, rejected) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        m.mutation_id,
        caller.tenant_id(),
        caller.user_id(),
        text,
        Timestamp::now(),
        result.status == MutationStatus::Rejected
    ])?;
    Ok(())
}

/// Most refusals stored for one user in a day; past it, pushes wait (429) until the day's
/// oldest ones age out. An agent's client never comes near it: it sends each change once.
pub const MAX_STORED_REFUSALS_PER_DAY: i64 = 1_000;

/// How long the answer to a mutation is kept for replays. A client retries a push within
/// minutes; one offline longer than this sends its outbox long before.
pub const ANSWERS_KEPT_SECS: i64 = 90 * 24 * 3600;

/// Refuses the push while the caller is over the day's refusal quota.
fn check_refusal_quota(conn: &Connection, caller: &Caller, now: Timestamp) -> Result<(), ApiError> {
    let day_ago = Timestamp::from_unix(now.unix() - 24 * 3600);
    let (count, oldest): (i64, Option<Timestamp>) = conn
        .prepare_cached(
            "SELECT count(*), min(applied_at) FROM applied_mutations WHERE user_id = ?1 AND applied_at > ?2 AND rejected = 1",
        )?
        .query_row(params![caller.user_id(), day_ago], |row| Ok((row.get(0)?, row.get(1)?)))?;
    if count < MAX_STORED_REFUSALS_PER_DAY {
        return Ok(());
    }
    let wait = oldest.map_or(3600, |o| (o.unix() + 24 * 3600 - now.unix()).max(60));
    Err(ApiError::too_many(
        u64::try_from(wait).unwrap_or(3600),
        "too many of this account's changes were refused today; try again later",
    ))
}

/// Forgets answers older than [`ANSWERS_KEPT_SECS`]; how many went.
pub fn forget_old_answers(conn: &Connection, now: Timestamp) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM applied_mutations WHERE applied_at < ?1",
        [Timestamp::from_unix(now.unix() - ANSWERS_KEPT_SECS)],
    )
}

fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

#[utoipa::path(post, path = "/api/v1/mutations", tag = "sync", security(("bearer" = [])),
    request_body = PushRequest,
    responses(
        (status = 200, description = "One result per mutation, in order", body = PushResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Tenant suspended or closed, or user deactivated", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 422, description = "Wrong types, bad mutation ids, or more than 500 mutations", body = ErrorBody),
        (status = 429, description = "Over the day's quota of refused changes; wait Retry-After seconds", body = ErrorBody),
        (status = 503, description = "The server is busy or the push took too long; retry later", body = ErrorBody),
    ))]
/// Applies the client's outbox mutations in order, each exactly once.
pub async fn push(
    caller: Caller,
    State(state): State<AppState>,
    ApiJson(request): ApiJson<PushRequest>,
) -> Result<Json<PushResponse>, ApiError> {
    if request.mutations.len() > MAX_MUTATIONS_PER_PUSH {
        return Err(ApiError::invalid(format!(
            "at most {MAX_MUTATIONS_PER_PUSH} mutations per push"
        )));
    }
    if let Some(bad) = request.mutations.iter().find(|m| !is_uuid(&m.mutation_id)) {
        return Err(ApiError::invalid(format!(
            "mutation_id {:?} is not a UUID",
            bad.mutation_id
        )));
    }
    let results = state
        .db
        .run(move |conn| {
            check_refusal_quota(conn, &caller, Timestamp::now())?;
            let mut local = LocalIds::default();
            request
                .mutations
                .iter()
                .map(|m| apply_once(conn, &caller, m, &mut local))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(Json(PushResponse { results }))
}
