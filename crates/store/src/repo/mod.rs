//! Typed repositories: the shared row mapping ([`Table`], from `leadline-model`) with the
//! store's errors, and the client's own tables and queries.
//!
//! Writes here are the server's rows arriving (sync, demo seeding): they do not touch the
//! outbox. The agent's own changes go through [`crate::actions`], which does.

pub mod audio_devices;
pub mod calling_settings;
mod calls;
mod cursors;
mod dispositions;
mod leads;
pub mod outbox;
mod permissions;
pub mod profile;
mod statuses;

pub use calls::pending_wrapups;
pub use cursors::{get_cursor, set_cursor};
pub use dispositions::dispositions_in_order;
pub use leads::upsert_leads;
pub use permissions::{role_has, role_permissions};
pub use statuses::{statuses_in_order, upsert_statuses};

pub use leadline_model::table::{
    Table, TenantScoped, UPSERT_CHUNK, delete, find, list_for_tenant, next_local_id, upsert, upsert_all,
};

use crate::error::{Result, StoreError};
use crate::model::TenantId;
use rusqlite::Connection;

/// The row with this id in `tenant`; another tenant's row is [`StoreError::NotFound`] too, so
/// its existence does not leak.
pub fn get_in_tenant<T: Table + TenantScoped>(conn: &Connection, tenant: TenantId, id: i64) -> Result<T> {
    let row: T = get(conn, id)?;
    if row.tenant() != tenant {
        return Err(StoreError::NotFound {
            entity: T::ENTITY,
            id,
        });
    }
    Ok(row)
}
/// The row with this id, or [`StoreError::NotFound`].
pub fn get<T: Table>(conn: &Connection, id: i64) -> Result<T> {
    find::<T>(conn, id)?.ok_or(StoreError::NotFound {
        entity: T::ENTITY,
        id,
    })
}
