//! `leads`, kept in step with the caller-lookup index (`lead_phones`).

use super::upsert_all;
use crate::error::Result;
use crate::model::Lead;
use crate::phone::{self, Region};
use rusqlite::Connection;

/// Upserts leads (a pulled page, the demo seed) and their phone index entries. The caller
/// provides the transaction so a page lands whole or not at all.
pub fn upsert_leads(conn: &Connection, leads: &[Lead], region: Region) -> Result<()> {
    upsert_all(conn, leads)?;
    phone::index_leads(conn, leads, region)
}
