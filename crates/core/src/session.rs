//! Who is signed in: user, tenant, role and permissions, as the UI and the CLI gate on them.

use crate::CoreError;
use leadline_store::Store;
use leadline_store::model::{Permission, Role, Tenant, User};
use leadline_store::repo::{self, profile};
use serde::Serialize;

/// The signed-in agent's context.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Session {
    /// The agent.
    pub user: User,
    /// The agent's tenant (status and timezone included).
    pub tenant: Tenant,
    /// The agent's role.
    pub role: Role,
    /// What the role may do in this tenant.
    pub permissions: Vec<Permission>,
    /// True on the built-in demo tenant (local, or its in-process server).
    pub demo: bool,
}

impl Session {
    /// Reads the session from the store.
    pub fn load(store: &Store) -> Result<Session, CoreError> {
        let profile = profile::require(store.conn())?;
        let user: User = repo::get(store.conn(), profile.user_id.0)?;
        let tenant: Tenant = repo::get(store.conn(), profile.tenant_id.0)?;
        let permissions = repo::role_permissions(store.conn(), tenant.id, user.role)?;
        Ok(Session {
            role: user.role,
            user,
            tenant,
            permissions,
            demo: profile.server_url.is_none(),
        })
    }

    /// Errors unless the role holds `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), CoreError> {
        if self.permissions.contains(&permission) {
            Ok(())
        } else {
            Err(CoreError::Forbidden(permission))
        }
    }
}
