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
    ))]
/// Exchanges email and password for a bearer token.
pub async fn login(
    State(state): State<AppState>,
    Origin { ip, user_agent }: Origin,
    ApiJson(login): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let email = login.email.trim().to_lowercase();
    let response = state
        .db
        .run(move |conn| {
            let found: Option<(UserId, String)> = conn
                .prepare_cached("SELECT id, password FROM users WHERE lower(email) = ?1")?
                .query_row([&email], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()?;
            let verified = match &found {
                Some((_, hash)) => verify_password(&login.password, hash),
                None => {
                    let _ = verify_password(&login.password, DECOY_HASH);
                    false
                }
            };
            let Some((user_id, _)) = found.filter(|_| verified) else {
                return Err(ApiError::invalid_credentials());
            };
            let user: User = find(conn, user_id.0)?.ok_or_else(ApiError::invalid_credentials)?;
            let tenant: Tenant = find(conn, user.tenant_id.0)?.ok_or_else(ApiError::invalid_credentials)?;
            check_standing(&user, &tenant)?;
            let (token, hash) = new_token()?;
            let name = login.device_name.map(|n| n.chars().take(255).collect::<String>());
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
