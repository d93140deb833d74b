//! Writes the built-in demo tenant ([`leadline_model::demo`]) into the local store, in one
//! transaction, a thousand leads at a time. Ids continue after the highest already present.

use crate::Timestamp;
use crate::error::Result;
use crate::model::demo::{FirstIds, Generator};
use crate::model::{Role, TenantId, UserId};
use crate::phone::Region;
use crate::repo;
use rusqlite::Connection;

pub use crate::model::demo::{DEFAULT_DISPOSITIONS, DEFAULT_PERMISSIONS, DemoSize};

/// A demo user.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DemoUser {
    /// The user.
    pub id: UserId,
    /// Full name.
    pub name: String,
    /// Login email.
    pub email: String,
    /// Role.
    pub role: Role,
}

/// What was created.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DemoTenant {
    /// The tenant.
    pub tenant_id: TenantId,
    /// The signed-in agent (a sales agent).
    pub agent_id: UserId,
    /// Every user.
    pub users: Vec<DemoUser>,
}

/// Seeds one demo tenant named `name` (its slug goes into emails) in one transaction.
pub fn seed(
    conn: &mut Connection,
    name: &str,
    slug: &str,
    size: DemoSize,
    seed: u64,
    now: Timestamp,
) -> Result<DemoTenant> {
    let tx = conn.transaction()?;
    let mut generator = Generator::new(name, slug, size, seed, now, FirstIds::after_existing(&tx)?);
    let reference = generator.reference().clone();
    repo::upsert(&tx, &reference.tenant)?;
    repo::upsert_all(&tx, &reference.users)?;
    repo::upsert_all(&tx, &reference.permissions)?;
    repo::upsert_statuses(&tx, &reference.statuses)?;
    repo::upsert_all(&tx, &reference.dispositions)?;
    repo::upsert(&tx, &reference.sip)?;
    while let Some(page) = generator.next_page(1_000) {
        repo::upsert_leads(&tx, &page.leads, Region::US)?;
        repo::upsert_all(&tx, &page.calls)?;
        repo::upsert_all(&tx, &page.activities)?;
    }
    tx.commit()?;
    let users = reference
        .users
        .into_iter()
        .map(|u| DemoUser {
            id: u.id,
            name: u.name,
            email: u.email,
            role: u.role,
        })
        .collect();
    Ok(DemoTenant {
        tenant_id: reference.tenant.id,
        agent_id: reference.agent_id,
        users,
    })
}
