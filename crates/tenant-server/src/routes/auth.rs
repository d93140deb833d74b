//! `POST /auth/login`, `POST /auth/logout`.

use crate::AppState;
use crate::auth::{Caller, Origin, check_standing, new_token, permissions_of, verify_password, write_audit};
use crate::error::ApiError;
use crate::json::ApiJson;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use leadline_api::{ErrorBody, LoginRequest, LoginResponse, Me};
use leadline_model::table::find;
use leadline_model::{Tenant, Timestamp, User, UserId};
use rusqlite::{OptionalExtension, params};
use std::net::IpAddr;
use std::sync::PoisonError;
use std::time::Instant;

/// A hash to verify against when the email is unknown, so a wrong email takes as long as a
/// wrong password and does not reveal which accounts exist.
const DECOY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$RdescudvJCsgt3ub+b+dWRWJTmaaJObG0M9hUXIyk7o";

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = LoginResponse),
        (status = 401, description = "Wrong email or password", body = ErrorBody),
        (status = 403, description = "Tenant suspended or closed, or user deactivated", body = ErrorBody),
        (status = 422, description = "Invalid body", body = ErrorBody),
        (status = 429, description = "Too many failed sign-ins for this account or from this address; wait Retry-After seconds", body = ErrorBody),
        (status = 503, description = "The server is busy; retry later", body = ErrorBody),
    ))]
/// Exchanges email and password for a bearer token. Failed attempts are counted per account
/// and per address; past the limit both are locked out for a while (429), before any password
/// is checked. The password is checked outside the database lock, a few at a time.
pub async fn login(
    State(state): State<AppState>,
    Origin { ip, user_agent }: Origin,
    ApiJson(login): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let email = login.email.trim().to_lowercase();
    let address: Option<IpAddr> = ip.as_deref().and_then(|ip| ip.parse().ok());
    let throttle = || state.throttle.lock().unwrap_or_else(PoisonError::into_inner);
    let wait = throttle().wait(&email, address, Instant::now());
    if let Some(wait) = wait {
        return Err(ApiError::too_many(
            wait.as_secs() + 1,
            &format!(
                "too many failed sign-ins; try again in {} minutes",
                wait.as_secs().div_ceil(60).max(1)
            ),
        ));
    }
    let lookup = email.clone();
    let found: Option<(UserId, String)> = state
        .db
        .run(move |conn| {
            Ok(conn
                .prepare_cached("SELECT id, password FROM users WHERE lower(email) = ?1")?
                .query_row([&lookup], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()?)
        })
        .await?;
    let hash = found
        .as_ref()
        .map_or_else(|| DECOY_HASH.to_owned(), |(_, hash)| hash.clone());
    let password = login.password;
    let verified = state
        .gates
        .check_password(move || verify_password(&password, &hash))
        .await?;
    let Some((user_id, _)) = found.filter(|_| verified) else {
        throttle().failed(&email, address, Instant::now());
        return Err(ApiError::invalid_credentials());
    };
    throttle().succeeded(&email);
    let device = login.device_name;
    let response = state
        .db
        .run(move |conn| {
            let user: User = find(conn, user_id.0)?.ok_or_else(ApiError::invalid_credentials)?;
            let tenant: Tenant = find(conn, user.tenant_id.0)?.ok_or_else(ApiError::invalid_credentials)?;
            check_standing(&user, &tenant)?;
            let (token, hash) = new_token()?;
            let name = device.map(|n| n.chars().take(255).collect::<String>());
            let tx = conn.transaction()?;
            tx.execute(
                "INSERT INTO api_tokens (tenant_id, user_id, token_hash, name, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![tenant.id, user.id, hash, name, Timestamp::now()],
            )?;
            write_audit(&tx, tenant.id, Some(user.id), "user.login", Some(("user", user.id.0)), ip.as_deref(), user_agent.as_deref())?;
            let permissions = permissions_of(&tx, tenant.id, user.role)?;
            tx.commit()?;
            Ok(LoginResponse { token, me: Me { role: user.role, user, tenant, permissions } })
        })
        .await?;
    Ok(Json(response))
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 204, description = "The token is revoked"),
        (status = 401, description = "No valid token", body = ErrorBody),
    ))]
/// Revokes the token the request carries.
pub async fn logout(caller: Caller, State(state): State<AppState>) -> Result<StatusCode, ApiError> {
    state
        .db
        .run(move |conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1",
                params![caller.token_id, Timestamp::now()],
            )?;
            caller.audit(&tx, "user.logout", Some(("user", caller.user_id().0)))?;
            tx.commit()?;
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
