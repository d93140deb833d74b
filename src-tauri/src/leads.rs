//! Tauri commands for the agent's lead work and lists: move a lead, add a note, schedule a
//! follow-up (each checked by the core against the role and the tenant's rules, and nudging
//! the sync loop), today's calls and the follow-ups due.

use crate::account::{Account, change};
use crate::commands::blocking;
use leadline_core::store::model::{LeadActivity, LeadId};
use leadline_core::store::queries::{
    BoardCursor, CallCursor, CallPage, CallRow, LeadCard, LeadPage, LeadQuery,
};
use leadline_core::{CoreError, Handle};
use tauri::State;

#[tauri::command]
pub async fn move_lead(
    handle: State<'_, Handle>,
    account: State<'_, Account>,
    lead: LeadId,
    status: String,
    note: Option<String>,
    followup: Option<String>,
) -> Result<LeadCard, CoreError> {
    change(&handle, &account, move |h| {
        h.move_lead(lead, &status, note.as_deref(), followup.as_deref())
    })
    .await
}

#[tauri::command]
pub async fn add_note(
    handle: State<'_, Handle>,
    account: State<'_, Account>,
    lead: LeadId,
    note: String,
) -> Result<LeadActivity, CoreError> {
    change(&handle, &account, move |h| h.add_note(lead, &note)).await
}

#[tauri::command]
pub async fn schedule_followup(
    handle: State<'_, Handle>,
    account: State<'_, Account>,
    lead: LeadId,
    when: String,
    note: Option<String>,
) -> Result<LeadCard, CoreError> {
    let scheduled = blocking(&handle, move |h| {
        h.schedule_followup(lead, &when, note.as_deref())
    })
    .await?;
    account.nudge();
    Ok(scheduled)
}

/// A page of the lead list: `query`'s leads (with `due_today`, those whose follow-up falls
/// due by the end of today), after `after`.
#[tauri::command]
pub async fn lead_page(
    handle: State<'_, Handle>,
    query: LeadQuery,
    due_today: bool,
    after: Option<BoardCursor>,
) -> Result<LeadPage, CoreError> {
    blocking(&handle, move |h| h.lead_page(&query, due_today, after)).await
}

/// A page of the call history (before today), after `after`.
#[tauri::command]
pub async fn call_history(
    handle: State<'_, Handle>,
    after: Option<CallCursor>,
) -> Result<CallPage, CoreError> {
    blocking(&handle, move |h| h.call_history(after)).await
}

#[tauri::command]
pub async fn calls_today(handle: State<'_, Handle>) -> Result<Vec<CallRow>, CoreError> {
    blocking(&handle, |h| h.calls_today()).await
}

#[tauri::command]
pub async fn followups(handle: State<'_, Handle>) -> Result<Vec<LeadCard>, CoreError> {
    blocking(&handle, |h| h.followups()).await
}
