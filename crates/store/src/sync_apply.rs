//! Applying what the tenant server sends: a pulled page of changes (in one transaction with
//! its cursor, so an interrupted pull resumes from the last whole page), and the answers to a
//! push (applied mutations leave the outbox; rows created offline take the ids the server gave
//! them; refusals stay, with the server's reason, for the agent to see).

use crate::error::{Result, StoreError};
use crate::model::table::{Table, upsert_all};
use crate::model::{
    Call, CallDisposition, EntityType, Lead, LeadActivity, LeadStatus, PermissionGrant, SipAccount, Tenant,
    User,
};
use crate::phone::Region;
use crate::repo::{self, outbox};
use crate::{Store, Timestamp};
use leadline_api::{AssignedId, Change, ChangeOp, ChangesPage, MutationResult, MutationStatus, SyncTable};
use rusqlite::{Connection, params};
use serde::de::DeserializeOwned;

/// The name of the pull feed's cursor.
pub const FEED: &str = "changes";

/// What a page changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct PageReport {
    /// Rows written.
    pub upserts: usize,
    /// Rows removed.
    pub deletes: usize,
}

/// What a push's answers did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PushReport {
    /// Applied now or before.
    pub applied: usize,
    /// Refused, with the server's reasons.
    pub rejected: Vec<String>,
}

/// Tables in the order their rows may be written (parents first).
const WRITE_ORDER: [SyncTable; 9] = [
    SyncTable::Tenants,
    SyncTable::Users,
    SyncTable::Permissions,
    SyncTable::LeadStatuses,
    SyncTable::CallDispositions,
    SyncTable::Leads,
    SyncTable::AgentSipCredentials,
    SyncTable::Calls,
    SyncTable::LeadActivities,
];

fn rows<T: DeserializeOwned>(changes: &[&Change], table: SyncTable) -> Result<Vec<T>> {
    changes
        .iter()
        .filter(|c| c.table == table && c.op == ChangeOp::Upsert)
        .map(|c| {
            let invalid = |reason: String| StoreError::InvalidInput {
                field: "pulled row",
                reason: format!("{table:?} {}: {reason}", c.id),
            };
            c.row_as::<T>()
                .ok_or_else(|| invalid("an upsert without its row".into()))?
                .map_err(|e| invalid(e.to_string()))
        })
        .collect()
}

fn delete_sql(table: SyncTable) -> &'static str {
    match table {
        SyncTable::Tenants => Tenant::NAME,
        SyncTable::Users => User::NAME,
        SyncTable::Permissions => PermissionGrant::NAME,
        SyncTable::LeadStatuses => LeadStatus::NAME,
        SyncTable::Leads => Lead::NAME,
        SyncTable::LeadActivities => LeadActivity::NAME,
        SyncTable::AgentSipCredentials => SipAccount::NAME,
        SyncTable::CallDispositions => CallDisposition::NAME,
        SyncTable::Calls => Call::NAME,
    }
}

fn upsert_table(conn: &Connection, changes: &[&Change], table: SyncTable, region: Region) -> Result<()> {
    match table {
        SyncTable::Tenants => upsert_all(conn, &rows::<Tenant>(changes, table)?)?,
        SyncTable::Users => upsert_all(conn, &rows::<User>(changes, table)?)?,
        SyncTable::Permissions => upsert_all(conn, &rows::<PermissionGrant>(changes, table)?)?,
        SyncTable::LeadStatuses => repo::upsert_statuses(conn, &rows::<LeadStatus>(changes, table)?)?,
        SyncTable::CallDispositions => upsert_all(conn, &rows::<CallDisposition>(changes, table)?)?,
        SyncTable::Leads => repo::upsert_leads(conn, &rows::<Lead>(changes, table)?, region)?,
        SyncTable::AgentSipCredentials => upsert_all(conn, &rows::<SipAccount>(changes, table)?)?,
        SyncTable::Calls => upsert_all(conn, &rows::<Call>(changes, table)?)?,
        SyncTable::LeadActivities => {
            // Activities are immutable (no UPDATE): the server's copy replaces ours (an
            // optimistic one the server recorded with its own payload) by delete and insert.
            let activities = rows::<LeadActivity>(changes, table)?;
            let ids: Vec<i64> = activities.iter().map(|a| a.id.0).collect();
            let ids = serde_json::to_string(&ids).map_err(|source| StoreError::Json {
                context: "activity ids",
                source,
            })?;
            conn.prepare_cached("DELETE FROM lead_activities WHERE id IN (SELECT value FROM json_each(?1))")?
                .execute([ids])?;
            upsert_all(conn, &activities)?
        }
    }
    Ok(())
}

impl Store {
    /// Makes this store the signed-in account's: its tenant and user rows and the profile,
    /// in one transaction.
    pub fn adopt_account(
        &mut self,
        tenant: &Tenant,
        user: &User,
        profile: &repo::profile::Profile,
        now: Timestamp,
    ) -> Result<()> {
        let tx = self.conn_mut().transaction()?;
        repo::upsert(&tx, tenant)?;
        repo::upsert(&tx, user)?;
        repo::profile::save(&tx, profile, now)?;
        tx.commit()?;
        Ok(())
    }

    /// Applies a pulled page and saves its cursor, all or nothing. A row that does not read as
    /// its table's schema fails the page with a clear error and changes nothing.
    pub fn apply_page(&mut self, page: &ChangesPage, region: Region) -> Result<PageReport> {
        self.apply_pages(std::slice::from_ref(page), region)
    }

    /// Applies consecutive pulled pages and saves the last one's cursor, all in one
    /// transaction (fewer, larger commits: the initial pull's pages go in by the score).
    /// All or nothing, as for one page.
    pub fn apply_pages(&mut self, pages: &[ChangesPage], region: Region) -> Result<PageReport> {
        let Some(last_page) = pages.last() else {
            return Ok(PageReport::default());
        };
        let tx = self.conn_mut().transaction()?;
        // Later entries for the same row win: keep the last of each, then write in feed
        // order (ascending ids append to the tables' B-trees instead of splitting them).
        let mut seen = std::collections::HashSet::new();
        let mut last: Vec<&Change> = pages
            .iter()
            .rev()
            .flat_map(|page| page.changes.iter().rev())
            .filter(|c| seen.insert((c.table, c.id)))
            .collect();
        last.reverse();
        let mut report = PageReport::default();
        for table in WRITE_ORDER.iter().rev() {
            for change in last
                .iter()
                .filter(|c| c.table == *table && c.op == ChangeOp::Delete)
            {
                let sql = format!("DELETE FROM {} WHERE id = ?1", delete_sql(*table));
                report.deletes += tx.execute(&sql, [change.id])?;
            }
        }
        for table in WRITE_ORDER {
            upsert_table(&tx, &last, table, region)?;
        }
        report.upserts = last.iter().filter(|c| c.op == ChangeOp::Upsert).count();
        repo::set_cursor(&tx, FEED, &last_page.next_cursor, Timestamp::now())?;
        tx.commit()?;
        Ok(report)
    }

    /// Applies the server's answers to pushed mutations.
    pub fn apply_push_results(&mut self, results: &[MutationResult], region: Region) -> Result<PushReport> {
        let tx = self.conn_mut().transaction()?;
        let mut report = PushReport::default();
        for result in results {
            match result.status {
                MutationStatus::Applied | MutationStatus::Duplicate => {
                    for assigned in &result.assigned {
                        rekey(&tx, assigned, region)?;
                    }
                    outbox::applied(&tx, &result.mutation_id)?;
                    report.applied += 1;
                }
                MutationStatus::Rejected => {
                    let reason = result
                        .reason
                        .clone()
                        .unwrap_or_else(|| "refused by the server".into());
                    if result.code == Some(leadline_api::RejectionCode::UnknownLocalId) {
                        // Depends on a row not yet on the server: stays pending, retried later.
                        outbox::attempt_failed(&tx, &result.mutation_id, &reason)?;
                        continue;
                    }
                    if let Some(current) = &result.current
                        && let Ok(lead) = serde_json::from_value::<Lead>(current.clone())
                    {
                        repo::upsert_leads(&tx, std::slice::from_ref(&lead), region)?;
                    }
                    drop_optimistic_activity(&tx, &result.mutation_id)?;
                    outbox::rejected(&tx, &result.mutation_id, &reason)?;
                    report.rejected.push(reason);
                }
            }
        }
        tx.commit()?;
        Ok(report)
    }
}

/// Removes the activity a refused mutation had shown on the timeline ahead of the server (its
/// local copy); the outbox entry keeps the change and the reason.
fn drop_optimistic_activity(tx: &Connection, mutation_id: &str) -> Result<()> {
    let Some(entry) = outbox::find(tx, mutation_id)? else {
        return Ok(());
    };
    let local = match entry.entity_type {
        EntityType::LeadActivity => Some(entry.entity_id),
        _ => entry
            .payload
            .0
            .get("activity_id")
            .and_then(serde_json::Value::as_i64),
    };
    if let Some(id) = local.filter(|id| *id < 0) {
        tx.execute("DELETE FROM lead_activities WHERE id = ?1", [id])?;
    }
    Ok(())
}

/// Gives a row created offline (negative id) the id the server assigned, with everything that
/// refers to it: child rows, the phone index, and outbox entries not yet sent.
fn rekey(tx: &Connection, assigned: &AssignedId, region: Region) -> Result<()> {
    let AssignedId {
        entity_type,
        local_id,
        id,
    } = *assigned;
    if local_id >= 0 {
        return Ok(());
    }
    match entity_type {
        EntityType::Call => {
            tx.execute(
                "DELETE FROM calls WHERE id = ?1 AND EXISTS (SELECT 1 FROM calls WHERE id = ?2)",
                params![local_id, id],
            )?;
            tx.execute("UPDATE calls SET id = ?2 WHERE id = ?1", params![local_id, id])?;
            rewrite_outbox(tx, EntityType::Call, "$.call_id", local_id, id)?;
        }
        EntityType::LeadActivity => {
            // Activities are immutable: the row moves by copy, never by UPDATE.
            tx.execute(
                "INSERT OR IGNORE INTO lead_activities (id, tenant_id, lead_id, user_id, type, payload_json, created_at) \
                 SELECT ?2, tenant_id, lead_id, user_id, type, payload_json, created_at FROM lead_activities WHERE id = ?1",
                params![local_id, id],
            )?;
            tx.execute("DELETE FROM lead_activities WHERE id = ?1", [local_id])?;
        }
        EntityType::Lead => {
            let Some(mut lead) = repo::find::<Lead>(tx, local_id)? else {
                return Ok(());
            };
            lead.id = crate::model::LeadId(id);
            repo::upsert_leads(tx, std::slice::from_ref(&lead), region)?;
            // Its activities move by copy (immutable), its calls and index entry by update.
            let children: Vec<LeadActivity> = {
                let sql = format!(
                    "SELECT {} FROM lead_activities WHERE lead_id = ?1",
                    LeadActivity::COLUMNS.join(", ")
                );
                let mut stmt = tx.prepare(&sql)?;
                let rows = stmt.query_map([local_id], LeadActivity::from_row)?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            tx.execute("DELETE FROM lead_activities WHERE lead_id = ?1", [local_id])?;
            let moved: Vec<LeadActivity> = children
                .into_iter()
                .map(|a| LeadActivity {
                    lead_id: lead.id,
                    ..a
                })
                .collect();
            upsert_all(tx, &moved)?;
            tx.execute(
                "UPDATE calls SET related_id = ?2 WHERE related_type = 'lead' AND related_id = ?1",
                params![local_id, id],
            )?;
            tx.execute("DELETE FROM leads WHERE id = ?1", [local_id])?;
            rewrite_outbox(tx, EntityType::Lead, "$.lead_id", local_id, id)?;
            tx.execute(
                "UPDATE outbox SET payload_json = json_set(payload_json, '$.related_id', ?2) \
                 WHERE entity_type = 'call' AND json_extract(payload_json, '$.related_type') = 'lead' \
                 AND json_extract(payload_json, '$.related_id') = ?1",
                params![local_id, id],
            )?;
        }
    }
    Ok(())
}

/// Points not-yet-sent outbox entries that name `local` at `id`.
fn rewrite_outbox(tx: &Connection, entity: EntityType, path: &str, local: i64, id: i64) -> Result<()> {
    tx.execute(
        "UPDATE outbox SET entity_id = ?3 WHERE entity_type = ?1 AND entity_id = ?2",
        params![entity, local, id],
    )?;
    tx.execute(
        "UPDATE outbox SET payload_json = json_set(payload_json, ?1, ?3) WHERE json_extract(payload_json, ?1) = ?2",
        params![path, local, id],
    )?;
    Ok(())
}
