//! `client_profile`: the tenant and user this database belongs to.

use crate::Timestamp;
use crate::error::{Result, StoreError};
use crate::model::{TenantId, UserId};
use crate::phone::Region;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

/// Who is signed in on this device, and how numbers are read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    /// The agent's tenant.
    pub tenant_id: TenantId,
    /// The agent.
    pub user_id: UserId,
    /// The tenant server; `None` for the built-in demo tenant.
    pub server_url: Option<String>,
    /// Region for national-format numbers.
    pub default_region: Region,
}

/// The profile, if one was saved.
pub fn load(conn: &Connection) -> Result<Option<Profile>> {
    let row = conn
        .query_row(
            "SELECT tenant_id, user_id, server_url, default_region FROM client_profile",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get::<_, String>(3)?)),
        )
        .optional()?;
    let Some((tenant_id, user_id, server_url, region)) = row else {
        return Ok(None);
    };
    let default_region = Region::parse(&region).ok_or(StoreError::InvalidInput {
        field: "default_region",
        reason: format!("{region:?} is not a known region"),
    })?;
    Ok(Some(Profile {
        tenant_id,
        user_id,
        server_url,
        default_region,
    }))
}

/// The profile, or [`StoreError::NoProfile`].
pub fn require(conn: &Connection) -> Result<Profile> {
    load(conn)?.ok_or(StoreError::NoProfile)
}

/// Saves (replaces) the profile.
pub fn save(conn: &Connection, profile: &Profile, now: Timestamp) -> Result<()> {
    conn.execute(
        "INSERT INTO client_profile (singleton, tenant_id, user_id, server_url, default_region, created_at) \
         VALUES (1, ?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (singleton) DO UPDATE SET tenant_id = excluded.tenant_id, user_id = excluded.user_id, \
         server_url = excluded.server_url, default_region = excluded.default_region",
        params![
            profile.tenant_id,
            profile.user_id,
            profile.server_url,
            profile.default_region.code(),
            now
        ],
    )?;
    Ok(())
}
