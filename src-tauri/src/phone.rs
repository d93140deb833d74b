//! The phone in the shell: the core's phone for the signed-in agent, started with the app
//! (the core decides whether the account registers on start). Every phone event goes to the
//! webview as a `phone-event`, the line's status also as `phone-status` (readable with the
//! `phone_status` command); the phone restarts when the calling settings change and stops
//! (unregistering) when the app exits.

use leadline_core::phone::PhoneEvent;
use leadline_core::{Handle, PhoneStatus};
use std::sync::{Arc, Mutex};
use tauri::{AppHandle, Emitter, Manager, State};

/// The line's last status.
pub struct Phone {
    status: Arc<Mutex<PhoneStatus>>,
}

fn seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

/// Sends each event to the window, keeping the line's status as the latest.
fn listener(app: &AppHandle, latest: Arc<Mutex<PhoneStatus>>) -> leadline_core::phone::Listener {
    let emitter = app.clone();
    Arc::new(move |event: PhoneEvent| {
        if let PhoneEvent::Line { status } = &event {
            if let Ok(mut latest) = latest.lock() {
                *latest = status.clone();
            }
            if let Err(error) = emitter.emit("phone-status", status) {
                tracing::debug!(%error, "the window did not take the phone status");
            }
        }
        crate::desktop::on_phone_event(&emitter, &event);
        if let Err(error) = emitter.emit("phone-event", event) {
            tracing::debug!(%error, "the window did not take the phone event");
        }
    })
}

/// Starts the phone for the profile of `handle`, reporting to the webview.
pub fn start(app: &AppHandle, handle: &Handle) -> Phone {
    let status = Arc::new(Mutex::new(PhoneStatus::Off {
        reason: "starting".into(),
    }));
    let events = listener(app, status.clone());
    tauri::async_runtime::block_on(async { handle.start_agent_phone(handle.device_audio(), seed(), events) });
    Phone { status }
}

/// Stops the phone (unregistering) and starts it again with the profile's current settings.
pub async fn restart(app: &AppHandle, handle: &Handle) {
    let Some(phone) = app.try_state::<Phone>() else {
        return;
    };
    handle.stop_phone().await;
    handle.start_agent_phone(handle.device_audio(), seed(), listener(app, phone.status.clone()));
}

/// Unregisters (waiting briefly for the PBX) as the app exits.
pub fn stop(app: &AppHandle) {
    if let Some(handle) = app.try_state::<Handle>() {
        tauri::async_runtime::block_on(handle.stop_phone());
    }
}

/// The phone line's status now.
#[tauri::command]
pub fn phone_status(phone: State<'_, Phone>) -> PhoneStatus {
    phone
        .status
        .lock()
        .map(|s| s.clone())
        .unwrap_or(PhoneStatus::Off {
            reason: "unknown".into(),
        })
}
