//! The phone line in the shell: started with the app (the core decides whether the agent's
//! account registers on start), its status pushed to the webview as `phone-status` events and
//! readable with the `phone_status` command, unregistered when the app exits.

use leadline_core::{Handle, PhoneLine, PhoneStatus};
use std::sync::Mutex;
use tauri::{AppHandle, Emitter, Manager, State};

/// The running line and its last status.
pub struct Phone {
    line: Mutex<Option<PhoneLine>>,
    status: std::sync::Arc<Mutex<PhoneStatus>>,
}

fn seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

/// Starts the line for the profile of `handle`, reporting to the webview.
pub fn start(app: &AppHandle, handle: &Handle) -> Phone {
    let status = std::sync::Arc::new(Mutex::new(PhoneStatus::Off {
        reason: "starting".into(),
    }));
    let (latest, emitter) = (status.clone(), app.clone());
    let report = move |now: PhoneStatus| {
        if let Ok(mut latest) = latest.lock() {
            *latest = now.clone();
        }
        if let Err(error) = emitter.emit("phone-status", now) {
            tracing::debug!(%error, "the window did not take the phone status");
        }
    };
    let line = tauri::async_runtime::block_on(async { handle.start_phone_line(seed(), report) });
    Phone {
        line: Mutex::new(line),
        status,
    }
}

/// Unregisters (waiting briefly for the PBX) as the app exits.
pub fn stop(app: &AppHandle) {
    let Some(phone) = app.try_state::<Phone>() else {
        return;
    };
    let line = phone.line.lock().ok().and_then(|mut l| l.take());
    if let Some(line) = line {
        tauri::async_runtime::block_on(line.stop());
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
