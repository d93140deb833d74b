//! `call_dispositions`.

use super::Table;
use crate::error::Result;
use crate::model::{CallDisposition, TenantId};
use rusqlite::Connection;

/// The tenant's dispositions in display order (the wrap-up picker).
pub fn dispositions_in_order(conn: &Connection, tenant: TenantId) -> Result<Vec<CallDisposition>> {
    let sql = format!(
        "SELECT {} FROM call_dispositions WHERE tenant_id = ?1 ORDER BY sort_order, id",
        CallDisposition::COLUMNS.join(", ")
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([tenant], CallDisposition::from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
