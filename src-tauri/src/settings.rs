//! Tauri commands for this device's calling settings (a private PBX's CA, STUN/TURN servers):
//! forwarded to the core; a TURN password goes from the window straight to the keychain and
//! never comes back. A new PBX CA restarts the phone line so that it takes effect.

use crate::commands::blocking;
use crate::phone;
use leadline_core::store::repo::calling_settings::CallingSettings;
use leadline_core::{CoreError, Handle};
use std::path::PathBuf;
use tauri::{AppHandle, State};

#[tauri::command]
pub async fn calling_settings(handle: State<'_, Handle>) -> Result<CallingSettings, CoreError> {
    blocking(&handle, |h| h.calling_settings()).await
}

#[tauri::command]
pub async fn set_pbx_ca_file(
    app: AppHandle,
    handle: State<'_, Handle>,
    path: Option<String>,
) -> Result<CallingSettings, CoreError> {
    let settings = blocking(&handle, move |h| {
        h.set_pbx_ca_file(path.map(PathBuf::from).as_deref())?;
        h.calling_settings()
    })
    .await?;
    phone::restart(&app, &handle).await;
    Ok(settings)
}

#[tauri::command]
pub async fn set_ice_server(
    handle: State<'_, Handle>,
    url: String,
    username: Option<String>,
    password: Option<String>,
) -> Result<CallingSettings, CoreError> {
    blocking(&handle, move |h| {
        let login = username.as_deref().zip(password.as_deref());
        h.set_ice_server(&url, login)?;
        h.calling_settings()
    })
    .await
}

#[tauri::command]
pub async fn remove_ice_server(handle: State<'_, Handle>, url: String) -> Result<CallingSettings, CoreError> {
    blocking(&handle, move |h| {
        h.remove_ice_server(&url)?;
        h.calling_settings()
    })
    .await
}
