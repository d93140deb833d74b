//! Tenant statistics (the seed's "Tenant Statistics"): active users, leads, open leads, and
//! calls started in the last 30 days. Computed with one subquery per figure: the seed's
//! single join over users x leads x calls gives the same counts but multiplies rows.

use crate::Timestamp;
use crate::error::Result;
use crate::model::TenantId;
use rusqlite::{Connection, params};
use serde::Serialize;

/// The figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct TenantStats {
    /// The tenant's name.
    pub tenant_name: String,
    /// Active users.
    pub total_users: i64,
    /// All leads.
    pub total_leads: i64,
    /// Leads in statuses that are not closed.
    pub open_leads: i64,
    /// Calls whose start date is within the last 30 days.
    pub total_calls: i64,
}

/// The tenant's figures as of `now`.
pub fn tenant_stats(conn: &Connection, tenant: TenantId, now: Timestamp) -> Result<TenantStats> {
    // DATE(started_at) >= DATE(now - 30 days), written as a range the index can use:
    // midnight (UTC) of that date.
    let since = Timestamp::from_unix((now.unix() - 30 * 86_400).div_euclid(86_400) * 86_400);
    let stats = conn
        .prepare_cached(
            "SELECT t.name, \
           (SELECT count(*) FROM users u WHERE u.tenant_id = t.id AND u.is_active = 1), \
           (SELECT count(*) FROM leads l WHERE l.tenant_id = t.id), \
           (SELECT count(*) FROM leads l WHERE l.tenant_id = t.id AND l.lead_status_id IN \
             (SELECT ls.id FROM lead_statuses ls WHERE ls.tenant_id = t.id AND ls.is_closed = 0)), \
           (SELECT count(*) FROM calls c WHERE c.tenant_id = t.id AND c.started_at >= ?2) \
         FROM tenants t WHERE t.id = ?1",
        )?
        .query_row(params![tenant, since], |row| {
            Ok(TenantStats {
                tenant_name: row.get(0)?,
                total_users: row.get(1)?,
                total_leads: row.get(2)?,
                open_leads: row.get(3)?,
                total_calls: row.get(4)?,
            })
        })
        .map_err(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => crate::StoreError::NotFound {
                entity: "tenant",
                id: tenant.0,
            },
            other => other.into(),
        })?;
    Ok(stats)
}
