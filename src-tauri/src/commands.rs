//! Tauri commands: one line each, forwarding to the core off the UI thread.

use leadline_core::store::model::{LeadId, LeadStatusId};
use leadline_core::store::queries::{Board, BoardCursor, LeadCard};
use leadline_core::{ColumnPage, CoreError, Handle, LeadDetail, Session};
use tauri::State;

/// Runs a blocking core call on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    handle: &Handle,
    call: impl FnOnce(Handle) -> Result<T, CoreError> + Send + 'static,
) -> Result<T, CoreError> {
    let handle = handle.clone();
    tauri::async_runtime::spawn_blocking(move || call(handle))
        .await
        .map_err(|_| CoreError::Poisoned)?
}

#[tauri::command]
pub async fn session(handle: State<'_, Handle>) -> Result<Session, CoreError> {
    blocking(&handle, |h| h.session()).await
}

#[tauri::command]
pub async fn board(handle: State<'_, Handle>) -> Result<Board, CoreError> {
    blocking(&handle, |h| h.board()).await
}

#[tauri::command]
pub async fn board_column(
    handle: State<'_, Handle>,
    status: LeadStatusId,
    after: Option<BoardCursor>,
) -> Result<ColumnPage, CoreError> {
    blocking(&handle, move |h| h.board_column(status, after)).await
}

#[tauri::command]
pub async fn search(handle: State<'_, Handle>, query: String) -> Result<Vec<LeadCard>, CoreError> {
    blocking(&handle, move |h| h.search(&query)).await
}

#[tauri::command]
pub async fn lead(handle: State<'_, Handle>, id: LeadId) -> Result<LeadDetail, CoreError> {
    blocking(&handle, move |h| h.lead(id)).await
}
