//! The phone line in the shell: started with the app (the core decides whether the agent's
//! account registers on start), its status pushed to the webview as `phone-status` events and
//! readable with the `phone_status` command, restarted when the calling settings change, and
//! unregistered when the app exits.

use leadline_core::{Handle, PhoneLine, PhoneStatus};
use std::sync::{Arc, Mutex};
use tauri::{AppHandle, Emitter, Manager, State};

/// The running line and its last status.
pub struct Phone {
    line: tauri::async_runtime::Mutex<Option<PhoneLine>>,
    status: Arc<Mutex<PhoneStatus>>,
}

fn seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

/// Keeps each status as the latest and sends it to the window.
fn reporter(
    app: &AppHandle,
    latest: Arc<Mutex<PhoneStatus>>,
) -> impl Fn(PhoneStatus) + Send + Sync + 'static {
    let emitter = app.clone();
    move |now: PhoneStatus| {
        if let Ok(mut latest) = latest.lock() {
            *latest = now.clone();
        }
        if let Err(error) = emitter.emit("phone-status", now) {
            tracing::debug!(%error, "the window did not take the phone status");
        }
    }
}

/// Starts the line for the profile of `handle`, reporting to the webview.
pub fn start(app: &AppHandle, handle: &Handle) -> Phone {
    let status = Arc::new(Mutex::new(PhoneStatus::Off {
        reason: "starting".into(),
    }));
    let report = reporter(app, status.clone());
    let line = tauri::async_runtime::block_on(async { handle.start_phone_line(seed(), report) });
    Phone {
        line: tauri::async_runtime::Mutex::new(line),
        status,
    }
}

/// Stops the line (unregistering) and starts it again with the profile's current settings.
pub async fn restart(app: &AppHandle, handle: &Handle) {
    let Some(phone) = app.try_state::<Phone>() else {
        return;
    };
    let mut line = phone.line.lock().await;
    if let Some(running) = line.take() {
        running.stop().await;
    }
    *line = handle.start_phone_line(seed(), reporter(app, phone.status.clone()));
}

/// Unregisters (waiting briefly for the PBX) as the app exits.
pub fn stop(app: &AppHandle) {
    let Some(phone) = app.try_state::<Phone>() else {
        return;
    };
    tauri::async_runtime::block_on(async {
        if let Some(line) = phone.line.lock().await.take() {
            line.stop().await;
        }
    });
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
