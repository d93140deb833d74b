//! `seed --demo`: writes a demo tenant ([`leadline_model::demo`]) with every user's password
//! hashed and the agent's SIP password encrypted. Several tenants can be seeded into one
//! database (ids continue; emails carry the slug).

use crate::TenantServer;
use crate::auth::hash_password;
use crate::error::ServerError;
use leadline_model::demo::{DEMO_PASSWORD, DemoSize, FirstIds, Generator};
use leadline_model::table::{upsert, upsert_all};
use leadline_model::{Role, TenantId, Timestamp};
use rusqlite::params;
use serde::Serialize;

/// The SIP password of the demo agent (there is no demo PBX; it exists to be kept secret).
pub const DEMO_SIP_PASSWORD: &str = "demo-sip-secret";

/// A seeded user, as `seed` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct SeededUser {
    /// Login email.
    pub email: String,
    /// Login password.
    pub password: String,
    /// Role.
    pub role: Role,
    /// Name.
    pub name: String,
}

/// What was seeded.
#[derive(Debug, Clone, Serialize)]
pub struct SeededTenant {
    /// The tenant.
    pub tenant_id: TenantId,
    /// Its name.
    pub name: String,
    /// Its users.
    pub users: Vec<SeededUser>,
    /// Leads written.
    pub leads: usize,
}

impl TenantServer {
    /// The email of the first user (by id) with `role`, in any tenant: how the app's
    /// built-in demo finds the agent it signs in as.
    pub fn first_user_with_role(&self, role: Role) -> Result<Option<String>, ServerError> {
        self.db().run_now(|conn| {
            let found = conn.query_row(
                "SELECT email FROM users WHERE role = ?1 ORDER BY id LIMIT 1",
                [role.as_str()],
                |row| row.get(0),
            );
            match found {
                Ok(email) => Ok(Some(email)),
                Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
                Err(other) => Err(other.into()),
            }
        })
    }

    /// Points the SIP account of the user with `email` at `ws_url` in `domain`, registering
    /// on start: how the app's built-in demo gives its agent the demo PBX's line. Returns
    /// whether the account changed (`false` when it already pointed there, or when the user
    /// has no SIP account). A change reaches the agent's next pull.
    pub fn set_sip_line(&self, email: &str, ws_url: &str, domain: &str) -> Result<bool, ServerError> {
        self.db().run_now(|conn| {
            let changed = conn.execute(
                "UPDATE agent_sip_credentials
                    SET sip_ws_url = ?2, sip_domain = ?3, auto_register = 1, updated_at = ?4
                  WHERE user_id = (SELECT id FROM users WHERE email = ?1)
                    AND (sip_ws_url <> ?2 OR sip_domain <> ?3 OR auto_register = 0)",
                params![email, ws_url, domain, Timestamp::now()],
            )?;
            Ok(changed > 0)
        })
    }

    /// Seeds a demo tenant named `name` with `leads` leads.
    pub fn seed_demo(
        &self,
        name: &str,
        slug: &str,
        leads: usize,
        seed: u64,
    ) -> Result<SeededTenant, ServerError> {
        let sealed_sip = self.key().encrypt(DEMO_SIP_PASSWORD)?;
        let size = DemoSize {
            leads,
            ..DemoSize::default()
        };
        self.db().run_now(|conn| {
            let tx = conn.transaction()?;
            let mut generator = Generator::new(
                name,
                slug,
                size,
                seed,
                Timestamp::now(),
                FirstIds::after_existing(&tx)?,
            );
            let reference = generator.reference().clone();
            upsert(&tx, &reference.tenant)?;
            upsert_all(&tx, &reference.users)?;
            let mut users = Vec::new();
            for user in &reference.users {
                tx.execute(
                    "UPDATE users SET password = ?2 WHERE id = ?1",
                    params![user.id, hash_password(DEMO_PASSWORD)?],
                )?;
                users.push(SeededUser {
                    email: user.email.clone(),
                    password: DEMO_PASSWORD.to_owned(),
                    role: user.role,
                    name: user.name.clone(),
                });
            }
            upsert_all(&tx, &reference.permissions)?;
            let mut statuses = reference.statuses.clone();
            statuses.sort_by_key(|s| !s.is_default);
            upsert_all(&tx, &statuses)?;
            upsert_all(&tx, &reference.dispositions)?;
            upsert(&tx, &reference.sip)?;
            tx.execute(
                "UPDATE agent_sip_credentials SET sip_password = ?2 WHERE id = ?1",
                params![reference.sip.id, sealed_sip],
            )?;
            let mut written = 0;
            while let Some(page) = generator.next_page(1_000) {
                upsert_all(&tx, &page.leads)?;
                upsert_all(&tx, &page.calls)?;
                upsert_all(&tx, &page.activities)?;
                written += page.leads.len();
            }
            tx.commit()?;
            Ok(SeededTenant {
                tenant_id: reference.tenant.id,
                name: reference.tenant.name,
                users,
                leads: written,
            })
        })
    }
}
