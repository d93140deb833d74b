//! `GET /tokens`, `DELETE /tokens/{id}`: the signed-in devices. An agent sees and revokes
//! their own; a role with `users.manage` the whole tenant's. Another tenant's token, or another
//! user's without the permission, is "not found". The token itself is never shown again.

use crate::AppState;
use crate::auth::{Caller, token_expiry};
use crate::error::ApiError;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use leadline_api::{ErrorBody, TokenInfo, TokenList};
use leadline_model::{Permission, Timestamp};
use rusqlite::params;

#[utoipa::path(get, path = "/api/v1/tokens", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, description = "Live tokens, newest first", body = TokenList),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Tenant suspended or closed, or user deactivated", body = ErrorBody),
    ))]
/// The caller's signed-in devices (with `users.manage`: every user's in the tenant).
pub async fn list_tokens(caller: Caller, State(state): State<AppState>) -> Result<Json<TokenList>, ApiError> {
    let everyone = caller.may(Permission::UsersManage);
    let tokens = state
        .db
        .run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT t.id, t.user_id, u.name, t.name, t.created_at, t.last_used_at FROM api_tokens t \
                 JOIN users u ON u.id = t.user_id \
                 WHERE t.tenant_id = ?1 AND t.revoked_at IS NULL AND (?3 OR t.user_id = ?2) \
                 ORDER BY t.id DESC",
            )?;
            let now = Timestamp::now();
            let rows = stmt.query_map(params![caller.tenant_id(), caller.user_id(), everyone], |row| {
                let created: Timestamp = row.get(4)?;
                let last_used: Option<Timestamp> = row.get(5)?;
                let id: i64 = row.get(0)?;
                Ok(TokenInfo {
                    id,
                    user_id: row.get(1)?,
                    user_name: row.get(2)?,
                    name: row.get(3)?,
                    created_at: created,
                    last_used_at: last_used,
                    expires_at: token_expiry(created, last_used),
                    current: id == caller.token_id,
                })
            })?;
            let mut tokens = Vec::new();
            for token in rows {
                let token = token?;
                if token.expires_at > now {
                    tokens.push(token);
                }
            }
            Ok(tokens)
        })
        .await?;
    Ok(Json(TokenList { tokens }))
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "auth", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The token's id from GET /tokens")),
    responses(
        (status = 204, description = "The token is revoked; the device must sign in again"),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such live token that the caller may revoke", body = ErrorBody),
    ))]
/// Revokes one of the caller's tokens (with `users.manage`: any of the tenant's).
pub async fn revoke_token(
    caller: Caller,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let everyone = caller.may(Permission::UsersManage);
    state
        .db
        .run(move |conn| {
            let tx = conn.transaction()?;
            let changed = tx.execute(
                "UPDATE api_tokens SET revoked_at = ?4 WHERE id = ?1 AND tenant_id = ?2 \
                 AND revoked_at IS NULL AND (?5 OR user_id = ?3)",
                params![
                    id,
                    caller.tenant_id(),
                    caller.user_id(),
                    Timestamp::now(),
                    everyone
                ],
            )?;
            if changed == 0 {
                return Err(ApiError::not_found("token"));
            }
            caller.audit(&tx, "user.token_revoked", Some(("api_token", id)))?;
            tx.commit()?;
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
