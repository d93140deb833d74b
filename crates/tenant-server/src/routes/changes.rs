//! `GET /changes?cursor=…&limit=…`: the pull feed.
//!
//! Reads the tenant's `change_log` after the cursor, keeps the last entry per row, and sends
//! each upserted row as it is now, shaped as its table's schema. What the caller may not see
//! is left out: leads and activities without `leads.view`, calls without `calls.view`,
//! recording URLs without `calls.recordings.view`, other agents' SIP accounts (and every SIP
//! password). Rows are read with the tenant in the query, so an entry can never bring another
//! tenant's row. A page ends early once its rows reach [`MAX_PAGE_BYTES`]. The cursor is
//! `v1:<seq>`; the client treats it as opaque.

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use leadline_api::{Change, ChangeOp, ChangesPage, ErrorBody, MAX_PAGE, MAX_PAGE_BYTES, SyncTable};
use leadline_model::table::Table;
use leadline_model::{
    Call, CallDisposition, Lead, LeadActivity, LeadStatus, Permission, PermissionGrant, SipAccount, Tenant,
    TenantId, User,
};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use serde_json::value::{RawValue, to_raw_value};
use std::collections::{HashMap, HashSet};

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

/// Changes whose rows are read together (one query per table and chunk).
const CHUNK: usize = 200;

/// The tenant's rows of `T` with these ids, by id.
fn read_many<T: Table + Serialize>(
    conn: &Connection,
    tenant: TenantId,
    ids: &[i64],
) -> Result<HashMap<i64, T>, ApiError> {
    let scope = if T::NAME == "tenants" { "id" } else { "tenant_id" };
    // `+` keeps the tenant out of the index choice: the rows are found by key, then checked.
    let sql = format!(
        "SELECT {} FROM {} WHERE {} IN (SELECT value FROM json_each(?1)) AND +{scope} = ?2",
        T::COLUMNS.join(", "),
        T::NAME,
        T::KEY
    );
    let ids = serde_json::to_string(ids).map_err(ApiError::internal)?;
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![ids, tenant], |row| {
        Ok((row.get::<_, i64>(0)?, T::from_row(row)?))
    })?;
    let mut out = HashMap::new();
    for row in rows {
        let (id, value) = row?;
        out.insert(id, value);
    }
    Ok(out)
}

fn as_json<T: Serialize>(rows: HashMap<i64, T>) -> Result<HashMap<i64, Box<RawValue>>, ApiError> {
    rows.into_iter()
        .map(|(id, row)| Ok((id, to_raw_value(&row).map_err(ApiError::internal)?)))
        .collect()
}

/// The rows of `table` with these ids as this caller may see them; missing ones are gone or
/// not theirs to see.
fn visible_rows(
    conn: &Connection,
    caller: &Caller,
    table: SyncTable,
    ids: &[i64],
) -> Result<HashMap<i64, Box<RawValue>>, ApiError> {
    let tenant = caller.tenant_id();
    match table {
        SyncTable::Tenants => as_json(read_many::<Tenant>(conn, tenant, ids)?),
        SyncTable::Users => as_json(read_many::<User>(conn, tenant, ids)?),
        SyncTable::Permissions => as_json(read_many::<PermissionGrant>(conn, tenant, ids)?),
        SyncTable::LeadStatuses => as_json(read_many::<LeadStatus>(conn, tenant, ids)?),
        SyncTable::Leads => as_json(read_many::<Lead>(conn, tenant, ids)?),
        SyncTable::LeadActivities => as_json(read_many::<LeadActivity>(conn, tenant, ids)?),
        SyncTable::CallDispositions => as_json(read_many::<CallDisposition>(conn, tenant, ids)?),
        SyncTable::AgentSipCredentials => {
            let mut rows = read_many::<SipAccount>(conn, tenant, ids)?;
            rows.retain(|_, s| s.user_id == caller.user_id());
            as_json(rows)
        }
        SyncTable::Calls => {
            let mut rows = read_many::<Call>(conn, tenant, ids)?;
            if !caller.may(Permission::CallsRecordingsView) {
                for call in rows.values_mut() {
                    call.recording_url = None;
                }
            }
            as_json(rows)
        }
    }
}

/// The changes with their rows as the caller may see them now, read a chunk at a time, until
/// the rows reach [`MAX_PAGE_BYTES`]; then also the seq of the last change kept (the page's
/// new end).
fn with_rows(
    conn: &Connection,
    caller: &Caller,
    kept: &[(i64, SyncTable, i64, bool)],
) -> Result<(Vec<Change>, Option<i64>), ApiError> {
    let mut changes = Vec::with_capacity(kept.len());
    let mut bytes = 0usize;
    for chunk in kept.chunks(CHUNK) {
        let mut rows: HashMap<SyncTable, HashMap<i64, Box<RawValue>>> = HashMap::new();
        for table in chunk.iter().map(|k| k.1).collect::<HashSet<_>>() {
            let ids: Vec<i64> = chunk
                .iter()
                .filter(|k| k.1 == table && !k.3)
                .map(|k| k.2)
                .collect();
            rows.insert(table, visible_rows(conn, caller, table, &ids)?);
        }
        for &(seq, table, id, deleted) in chunk {
            let row = if deleted {
                None
            } else {
                rows.get_mut(&table).and_then(|r| r.remove(&id))
            };
            bytes += row.as_ref().map_or(0, |r| r.get().len());
            let op = if row.is_some() {
                ChangeOp::Upsert
            } else {
                ChangeOp::Delete
            };
            changes.push(Change {
                seq,
                table,
                op,
                id,
                row,
            });
            if bytes >= MAX_PAGE_BYTES && changes.len() < kept.len() {
                return Ok((changes, Some(seq)));
            }
        }
    }
    Ok((changes, None))
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
    let mut seen = HashSet::new();
    let mut kept: Vec<(i64, SyncTable, i64, bool)> = Vec::with_capacity(entries.len());
    for (seq, name, id, op) in entries.iter().rev() {
        let Some(table) = table_of(name) else { continue };
        if seen.insert((table, *id)) && may_see(caller, table) {
            kept.push((*seq, table, *id, op == "delete"));
        }
    }
    kept.reverse();
    let (changes, cut) = with_rows(conn, caller, &kept)?;
    let (has_more, last_seq) = match cut {
        Some(seq) => (true, seq),
        None => (has_more, last_seq),
    };
    let latest: i64 = conn
        .prepare_cached("SELECT coalesce(max(seq), 0) FROM change_log WHERE tenant_id = ?1")?
        .query_row([caller.tenant_id()], |row| row.get(0))?;
    let remaining = u64::try_from(latest - last_seq).unwrap_or(0);
    Ok(ChangesPage {
        changes,
        next_cursor: format!("v1:{last_seq}"),
        has_more,
        remaining,
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
