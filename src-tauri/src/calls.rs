//! Tauri commands for the agent's calls: each forwards to the core's phone (which checks the
//! role, the pending wrap-up and the line) and returns at once; what happens next arrives as
//! `phone-event`s. Without a phone running (no SIP account, signed out) a command is refused
//! with the line's reason.

use crate::account::{Account, change};
use crate::commands::blocking;
use leadline_core::phone::{Dial, DtmfMethod, Phone, WrapUp, WrapUpDue};
use leadline_core::store::model::Call;
use leadline_core::{CoreError, Handle};
use tauri::State;

/// The running phone, or why there is none.
fn phone(handle: &Handle) -> Result<Phone, CoreError> {
    handle.phone().ok_or_else(|| {
        let reason = match handle.sip_account() {
            Ok(_) => "the line is not started".to_owned(),
            Err(error) => error.to_string(),
        };
        CoreError::PhoneOff(reason)
    })
}

#[tauri::command]
pub async fn dial(handle: State<'_, Handle>, dial: Dial) -> Result<String, CoreError> {
    phone(&handle)?.dial(&dial).await
}

#[tauri::command]
pub async fn answer(handle: State<'_, Handle>, call_id: String) -> Result<(), CoreError> {
    phone(&handle)?.answer(&call_id).await
}

#[tauri::command]
pub async fn reject(handle: State<'_, Handle>, call_id: String) -> Result<(), CoreError> {
    phone(&handle)?.reject(&call_id, None).await
}

#[tauri::command]
pub async fn hangup(handle: State<'_, Handle>, call_id: String) -> Result<(), CoreError> {
    phone(&handle)?.hangup(&call_id).await
}

#[tauri::command]
pub async fn hold(handle: State<'_, Handle>, call_id: String, on: bool) -> Result<(), CoreError> {
    phone(&handle)?.hold(&call_id, on).await
}

#[tauri::command]
pub async fn swap(handle: State<'_, Handle>) -> Result<(), CoreError> {
    phone(&handle)?.swap().await
}

#[tauri::command]
pub fn mute(handle: State<'_, Handle>, call_id: String, on: bool) -> Result<(), CoreError> {
    phone(&handle)?.mute(&call_id, on)
}

#[tauri::command]
pub async fn send_dtmf(
    handle: State<'_, Handle>,
    call_id: String,
    digits: String,
) -> Result<DtmfMethod, CoreError> {
    phone(&handle)?.send_dtmf(&call_id, &digits).await
}

#[tauri::command]
pub async fn transfer(handle: State<'_, Handle>, call_id: String, target: String) -> Result<(), CoreError> {
    phone(&handle)?.transfer(&call_id, &target).await
}

#[tauri::command]
pub async fn transfer_attended(
    handle: State<'_, Handle>,
    call_id: String,
    consultation: String,
) -> Result<(), CoreError> {
    phone(&handle)?.transfer_attended(&call_id, &consultation).await
}

/// Turns the calls' level reports (`levels` events, ten a second) on while the window shows
/// them, or off.
#[tauri::command]
pub fn meter_call_levels(handle: State<'_, Handle>, on: bool) -> Result<(), CoreError> {
    phone(&handle)?.meter_levels(on);
    Ok(())
}

/// The ended calls waiting for their wrap-up (oldest first): back after a crash or restart.
#[tauri::command]
pub async fn pending_wrap_ups(handle: State<'_, Handle>) -> Result<Vec<WrapUpDue>, CoreError> {
    blocking(&handle, |h| h.pending_wrap_ups()).await
}

#[tauri::command]
pub async fn wrap_up(
    handle: State<'_, Handle>,
    account: State<'_, Account>,
    wrap_up: WrapUp,
) -> Result<Call, CoreError> {
    change(&handle, &account, move |h| h.wrap_up(&wrap_up)).await
}
