//! `GET /calls/{id}/recording`: only with `calls.recordings.view`.

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use axum::Json;
use axum::extract::{Path, State};
use leadline_api::{ErrorBody, RecordingLink};
use leadline_model::Permission;
use rusqlite::OptionalExtension;

#[utoipa::path(get, path = "/api/v1/calls/{id}/recording", tag = "calling", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The call's id")),
    responses(
        (status = 200, description = "Where the recording is", body = RecordingLink),
        (status = 403, description = "The role lacks calls.recordings.view", body = ErrorBody),
        (status = 404, description = "No such call in the tenant, or it has no recording", body = ErrorBody),
    ))]
/// The recording of one of the tenant's calls.
pub async fn recording(
    caller: Caller,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<RecordingLink>, ApiError> {
    caller.require(Permission::CallsRecordingsView)?;
    let url: Option<Option<String>> = state
        .db
        .run(move |conn| {
            Ok(conn
                .prepare_cached("SELECT recording_url FROM calls WHERE id = ?1 AND tenant_id = ?2")?
                .query_row(rusqlite::params![id, caller.tenant_id()], |row| row.get(0))
                .optional()?)
        })
        .await?;
    let url = url.flatten().ok_or_else(|| ApiError::not_found("recording"))?;
    Ok(Json(RecordingLink { url }))
}
