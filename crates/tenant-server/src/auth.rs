//! Who is calling: passwords (argon2id), bearer tokens (random, stored as SHA-256), and the
//! [`Caller`] extractor that every authenticated route takes. A token works only while it is
//! not revoked, not expired (at most [`TOKEN_MAX_AGE_SECS`] after sign-in, and
//! [`TOKEN_IDLE_SECS`] after its last use), its user is active and its tenant is active.
//! `last_used_at` is kept to the minute.

use crate::AppState;
use crate::error::{ApiError, ServerError};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::{AUTHORIZATION, USER_AGENT};
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use leadline_api::{ErrorCode, Me};
use leadline_model::table::find;
use leadline_model::{Permission, Role, Tenant, TenantId, TenantStatus, Timestamp, User, UserId};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use std::net::SocketAddr;

/// A token stops working this long after sign-in, used or not (90 days).
pub const TOKEN_MAX_AGE_SECS: i64 = 90 * 24 * 3600;
/// A token stops working after this long unused (30 days).
pub const TOKEN_IDLE_SECS: i64 = 30 * 24 * 3600;
/// `last_used_at` is written at most this often per token.
const LAST_USED_RESOLUTION_SECS: i64 = 60;

/// When a token issued at `created` and last used at `last_used` stops working.
pub fn token_expiry(created: Timestamp, last_used: Option<Timestamp>) -> Timestamp {
    let idle_from = last_used.unwrap_or(created).unix();
    Timestamp::from_unix((created.unix() + TOKEN_MAX_AGE_SECS).min(idle_from + TOKEN_IDLE_SECS))
}

/// Hashes a password for `users.password`.
pub fn hash_password(password: &str) -> Result<String, ServerError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| ServerError::Hash(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| ServerError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| ServerError::Hash(e.to_string()))
}

/// Whether `password` matches `hash` (false for a malformed hash).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A new bearer token and the hash the server keeps of it.
pub fn new_token() -> Result<(String, String), ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(ApiError::internal)?;
    let token = format!("llt_{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = token_hash(&token);
    Ok((token, hash))
}

/// SHA-256 of a token, hex.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The role's permissions in the tenant (unknown strings skipped).
pub fn permissions_of(conn: &Connection, tenant: TenantId, role: Role) -> rusqlite::Result<Vec<Permission>> {
    let mut stmt = conn.prepare_cached(
        "SELECT permission FROM permissions WHERE tenant_id = ?1 AND role = ?2 ORDER BY permission",
    )?;
    let texts = stmt.query_map(params![tenant, role], |row| row.get::<_, String>(0))?;
    let mut out = Vec::new();
    for text in texts {
        if let Ok(permission) = text?.parse() {
            out.push(permission);
        }
    }
    Ok(out)
}

/// Refuses a user or tenant that may not use the API now.
pub fn check_standing(user: &User, tenant: &Tenant) -> Result<(), ApiError> {
    match tenant.status {
        TenantStatus::Suspended => {
            return Err(ApiError::refused(
                ErrorCode::TenantSuspended,
                "this tenant is suspended; contact your administrator",
            ));
        }
        TenantStatus::Closed => {
            return Err(ApiError::refused(
                ErrorCode::TenantClosed,
                "this tenant is closed",
            ));
        }
        TenantStatus::Active => {}
    }
    if !user.is_active {
        return Err(ApiError::refused(
            ErrorCode::UserInactive,
            "this account is deactivated",
        ));
    }
    Ok(())
}

/// An authenticated request's caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The token's row id.
    pub token_id: i64,
    /// The user.
    pub user: User,
    /// The user's tenant.
    pub tenant: Tenant,
    /// The role's permissions.
    pub permissions: Vec<Permission>,
    /// Where the request came from.
    pub ip: Option<String>,
    /// The client's user agent.
    pub user_agent: Option<String>,
}

impl Caller {
    /// The tenant's id.
    pub fn tenant_id(&self) -> TenantId {
        self.tenant.id
    }

    /// The user's id.
    pub fn user_id(&self) -> UserId {
        self.user.id
    }

    /// Whether the role holds `permission`.
    pub fn may(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }

    /// Errors with 403 unless the role holds `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.may(permission) {
            Ok(())
        } else {
            Err(ApiError::forbidden(permission))
        }
    }

    /// What `GET /me` answers.
    pub fn me(&self) -> Me {
        Me {
            user: self.user.clone(),
            tenant: self.tenant.clone(),
            role: self.user.role,
            permissions: self.permissions.clone(),
        }
    }

    /// Writes an audit log entry with the caller's IP and user agent.
    pub fn audit(
        &self,
        conn: &Connection,
        action: &str,
        entity: Option<(&str, i64)>,
    ) -> rusqlite::Result<()> {
        write_audit(
            conn,
            self.tenant_id(),
            Some(self.user_id()),
            action,
            entity,
            self.ip.as_deref(),
            self.user_agent.as_deref(),
        )
    }
}

/// Appends to `audit_logs`.
pub fn write_audit(
    conn: &Connection,
    tenant: TenantId,
    user: Option<UserId>,
    action: &str,
    entity: Option<(&str, i64)>,
    ip: Option<&str>,
    user_agent: Option<&str>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO audit_logs (tenant_id, user_id, action, entity_type, entity_id, ip_address, user_agent, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        tenant,
        user,
        action,
        entity.map(|e| e.0),
        entity.map(|e| e.1),
        ip,
        user_agent.map(|ua| ua.chars().take(1_000).collect::<String>()),
        Timestamp::now()
    ])?;
    Ok(())
}

/// Where a request came from, for the audit log. Never fails: either part may be unknown.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// The peer's IP address.
    pub ip: Option<String>,
    /// The `User-Agent` header.
    pub user_agent: Option<String>,
}

impl Origin {
    fn of(parts: &Parts) -> Origin {
        Origin {
            ip: parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string()),
            user_agent: parts
                .headers
                .get(USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Origin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Origin::of(parts))
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(ApiError::unauthenticated)?;
        let hash = token_hash(token);
        let Origin { ip, user_agent } = Origin::of(parts);
        state
            .db
            .run(move |conn| {
                let found: Option<(i64, UserId, Timestamp, Option<Timestamp>)> = conn
                    .prepare_cached(
                        "SELECT id, user_id, created_at, last_used_at FROM api_tokens \
                         WHERE token_hash = ?1 AND revoked_at IS NULL",
                    )?
                    .query_row([&hash], |row| {
                        Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
                    })
                    .optional()?;
                let (token_id, user_id, created, last_used) = found.ok_or_else(ApiError::unauthenticated)?;
                let now = Timestamp::now();
                if token_expiry(created, last_used) <= now {
                    return Err(ApiError::unauthenticated());
                }
                if last_used.is_none_or(|t| now.unix() - t.unix() >= LAST_USED_RESOLUTION_SECS) {
                    conn.prepare_cached("UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1")?
                        .execute(params![token_id, now])?;
                }
                let user: User = find(conn, user_id.0)?.ok_or_else(ApiError::unauthenticated)?;
                let tenant: Tenant = find(conn, user.tenant_id.0)?.ok_or_else(ApiError::unauthenticated)?;
                check_standing(&user, &tenant)?;
                let permissions = permissions_of(conn, tenant.id, user.role)?;
                Ok(Caller {
                    token_id,
                    user,
                    tenant,
                    permissions,
                    ip,
                    user_agent,
                })
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("Correct horse", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
        assert!(!verify_password("", ""));
    }

    #[test]
    fn a_token_expires_at_its_age_or_idle_limit_whichever_comes_first() {
        let created = Timestamp::from_unix(1_000_000_000);
        let day = 24 * 3600;
        assert_eq!(
            token_expiry(created, None).unix(),
            created.unix() + TOKEN_IDLE_SECS
        );
        let used = Timestamp::from_unix(created.unix() + 20 * day);
        assert_eq!(
            token_expiry(created, Some(used)).unix(),
            used.unix() + TOKEN_IDLE_SECS
        );
        let late = Timestamp::from_unix(created.unix() + 80 * day);
        assert_eq!(
            token_expiry(created, Some(late)).unix(),
            created.unix() + TOKEN_MAX_AGE_SECS
        );
    }

    #[test]
    fn tokens_are_random_and_stored_only_as_hashes() {
        let (a, hash_a) = new_token().unwrap();
        let (b, _) = new_token().unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("llt_") && a.len() > 40);
        assert_eq!(hash_a, token_hash(&a));
        assert_eq!(hash_a.len(), 64);
        assert!(!hash_a.contains(&a[4..]));
    }
}
