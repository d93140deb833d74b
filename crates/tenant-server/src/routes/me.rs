//! `GET /me`, `GET /me/sip-credentials`.

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use leadline_api::{ErrorBody, Me, SipCredentials};
use leadline_model::Permission;
use rusqlite::OptionalExtension;

#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller, the tenant (status, timezone), role and permissions", body = Me),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Tenant suspended or closed, or user deactivated", body = ErrorBody),
    ))]
/// Who the token belongs to.
pub async fn me(caller: Caller) -> Json<Me> {
    Json(caller.me())
}

#[utoipa::path(get, path = "/api/v1/me/sip-credentials", tag = "calling", security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's own SIP account, password decrypted", body = SipCredentials),
        (status = 403, description = "The role lacks calls.make", body = ErrorBody),
        (status = 404, description = "The caller has no SIP account", body = ErrorBody),
    ))]
/// The caller's own SIP credentials. Nobody can read another agent's.
pub async fn sip_credentials(
    caller: Caller,
    State(state): State<AppState>,
) -> Result<Json<SipCredentials>, ApiError> {
    caller.require(Permission::CallsMake)?;
    let key = state.key.clone();
    let row = state
        .db
        .run(move |conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT sip_ws_url, sip_username, sip_password, sip_domain, display_name, auto_register \
                     FROM agent_sip_credentials WHERE tenant_id = ?1 AND user_id = ?2",
                )?
                .query_row(rusqlite::params![caller.tenant_id(), caller.user_id()], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, Option<String>>(4)?,
                        row.get::<_, bool>(5)?,
                    ))
                })
                .optional()?)
        })
        .await?;
    let (sip_ws_url, sip_username, sealed, sip_domain, display_name, auto_register) =
        row.ok_or_else(|| ApiError::not_found("SIP account"))?;
    let sip_password = key
        .decrypt(&sealed)
        .ok_or_else(|| ApiError::internal("a stored SIP password does not decrypt with this server key"))?;
    Ok(Json(SipCredentials {
        sip_ws_url,
        sip_username,
        sip_password,
        sip_domain,
        display_name,
        auto_register,
    }))
}
