//! `GET /changes?cursor=…&limit=…`: the pull feed.
//!
//! Reads the tenant's `change_log` after the cursor, keeps the last entry per row, and sends
//! each upserted row as it is now, shaped as its table's schema. What the caller may not see
//! is left out: leads and activities without `leads.view`, calls without `calls.view`,
//! recording URLs without `calls.recordings.view`, other agents' SIP accounts (and every SIP
//! password). The cursor is `v1:<seq>`; the client treats it as opaque.

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use leadline_api::{Change, ChangeOp, ChangesPage, ErrorBody, MAX_PAGE, SyncTable};
use leadline_model::table::{Table, find};
use leadline_model::{
    Call, CallDisposition, Lead, LeadActivity, LeadStatus, Permission, PermissionGrant, SipAccount, Tenant,
    User,
};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

/// The query string.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ChangesQuery {
    /// Where the previous page ended (`next_cursor`); absent for the first pull.
    cursor: Option<String>,
    /// Most changes wanted (default and maximum 2000).
    limit: Option<usize>,
}

fn parse_cursor(cursor: Option<&str>) -> Result<i64, ApiError> {
    match cursor {
        None | Some("") => Ok(0),
        Some(text) => text
            .strip_prefix("v1:")
            .and_then(|n| n.parse::<i64>().ok())
            .filter(|n| *n >= 0)
            .ok_or_else(|| ApiError::bad_request(format!("{text:?} is not a cursor this server gave"))),
    }
}

fn table_of(name: &str) -> Option<SyncTable> {
    Some(match name {
        "tenants" => SyncTable::Tenants,
        "users" => SyncTable::Users,
        "permissions" => SyncTable::Permissions,
        "lead_statuses" => SyncTable::LeadStatuses,
        "leads" => SyncTable::Leads,
        "lead_activities" => SyncTable::LeadActivities,
        "agent_sip_credentials" => SyncTable::AgentSipCredentials,
        "call_dispositions" => SyncTable::CallDispositions,
        "calls" => SyncTable::Calls,
        _ => return None,
    })
}

fn may_see(caller: &Caller, table: SyncTable) -> bool {
    match table {
        SyncTable::Leads | SyncTable::LeadActivities => caller.may(Permission::LeadsView),
        SyncTable::Calls => caller.may(Permission::CallsView),
        _ => true,
    }
}

fn json_of<T: Serialize>(row: Option<T>) -> Result<Option<serde_json::Value>, ApiError> {
    row.map(|r| serde_json::to_value(r).map_err(ApiError::internal))
        .transpose()
}

fn read<T: Table + Serialize>(conn: &Connection, id: i64) -> Result<Option<serde_json::Value>, ApiError> {
    json_of(find::<T>(conn, id)?)
}

/// The row as this caller may see it, or `None` when it is gone or not theirs to see.
fn visible_row(
    conn: &Connection,
    caller: &Caller,
    table: SyncTable,
    id: i64,
) -> Result<Option<serde_json::Value>, ApiError> {
    match table {
        SyncTable::Tenants => read::<Tenant>(conn, id),
        SyncTable::Users => read::<User>(conn, id),
        SyncTable::Permissions => read::<PermissionGrant>(conn, id),
        SyncTable::LeadStatuses => read::<LeadStatus>(conn, id),
        SyncTable::Leads => read::<Lead>(conn, id),
        SyncTable::LeadActivities => read::<LeadActivity>(conn, id),
        SyncTable::CallDispositions => read::<CallDisposition>(conn, id),
        SyncTable::AgentSipCredentials => {
            json_of(find::<SipAccount>(conn, id)?.filter(|s| s.user_id == caller.user_id()))
        }
        SyncTable::Calls => {
            let mut call: Option<Call> = find(conn, id)?;
            if !caller.may(Permission::CallsRecordingsView)
                && let Some(c) = call.as_mut()
            {
                c.recording_url = None;
            }
            json_of(call)
        }
    }
}

/// One page of the caller's tenant's changes after `after`.
pub fn page(conn: &Connection, caller: &Caller, after: i64, limit: usize) -> Result<ChangesPage, ApiError> {
    let limit = limit.clamp(1, MAX_PAGE);
    let mut stmt = conn.prepare_cached(
        "SELECT seq, table_name, row_id, op FROM change_log WHERE tenant_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
    )?;
    let entries: Vec<(i64, String, i64, String)> = stmt
        .query_map(
            params![
                caller.tenant_id(),
                after,
                i64::try_from(limit + 1).unwrap_or(i64::MAX)
            ],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )?
        .collect::<rusqlite::Result<_>>()?;
    let has_more = entries.len() > limit;
    let entries = &entries[..entries.len().min(limit)];
    let last_seq = entries.last().map_or(after, |e| e.0);
    // Only the last entry of a row in this page counts: walk backwards, keep first sightings.
    let mut seen = std::collections::HashSet::new();
    let mut changes: Vec<Change> = Vec::with_capacity(entries.len());
    for (seq, name, id, op) in entries.iter().rev() {
        let Some(table) = table_of(name) else { continue };
        if !seen.insert((table, *id)) || !may_see(caller, table) {
            continue;
        }
        let row = if op == "delete" {
            None
        } else {
            visible_row(conn, caller, table, *id)?
        };
        let op = if row.is_some() {
            ChangeOp::Upsert
        } else {
            ChangeOp::Delete
        };
        changes.push(Change {
            seq: *seq,
            table,
            op,
            id: *id,
            row,
        });
    }
    changes.reverse();
    Ok(ChangesPage {
        changes,
        next_cursor: format!("v1:{last_seq}"),
        has_more,
    })
}

#[utoipa::path(get, path = "/api/v1/changes", tag = "sync", security(("bearer" = [])),
    params(ChangesQuery),
    responses(
        (status = 200, description = "A page of changes; repeat with next_cursor while has_more", body = ChangesPage),
        (status = 400, description = "A cursor this server did not give", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Tenant suspended or closed, or user deactivated", body = ErrorBody),
    ))]
/// The rows the caller may see that changed after the cursor, with deletions.
pub async fn changes(
    caller: Caller,
    State(state): State<AppState>,
    query: Result<Query<ChangesQuery>, QueryRejection>,
) -> Result<Json<ChangesPage>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let after = parse_cursor(query.cursor.as_deref())?;
    let limit = query.limit.unwrap_or(MAX_PAGE);
    let page = state
        .db
        .run(move |conn| page(conn, &caller, after, limit))
        .await?;
    Ok(Json(page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_are_checked() {
        assert_eq!(parse_cursor(None).unwrap(), 0);
        assert_eq!(parse_cursor(Some("v1:42")).unwrap(), 42);
        for bad in ["42", "v1:", "v1:-3", "v2:1", "v1:1e9", "v1:99999999999999999999"] {
            assert!(parse_cursor(Some(bad)).is_err(), "{bad}");
        }
    }
}
