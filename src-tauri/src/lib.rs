//! The desktop shell: opens the window, starts the core on the agent's profile directory and
//! bridges commands and events. No business logic lives here: each command forwards to the
//! core [`Handle`] off the UI thread, and errors reach the UI as `{kind, message}`.

mod commands;
mod phone;
mod settings;

use leadline_core::Handle;
use std::path::PathBuf;
use std::process::ExitCode;
use tauri::Manager;

/// Environment variable that selects the profile directory (tests, several profiles).
pub const DATA_DIR_ENV: &str = "LEADLINE_DATA_DIR";

/// Runs the app until its window closes.
pub fn run() -> ExitCode {
    let app = tauri::Builder::default()
        .setup(|app| {
            let data_dir = match std::env::var_os(DATA_DIR_ENV) {
                Some(dir) => PathBuf::from(dir),
                None => app.path().app_data_dir()?,
            };
            leadline_core::logging::init(&data_dir, Some("info"))?;
            tracing::info!(data_dir = %data_dir.display(), "opening profile");
            let handle = Handle::open(&data_dir)?;
            // No tenant server configured: serve the demo tenant from this process and sync
            // with it like any tenant. Without a keychain it stays the local demo.
            match tauri::async_runtime::block_on(handle.start_demo()) {
                Ok(Some(demo)) => {
                    app.manage(demo);
                }
                Ok(None) => {}
                Err(error) => tracing::warn!(%error, "the demo runs without its tenant server"),
            }
            app.manage(phone::start(app.handle(), &handle));
            app.manage(handle);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::session,
            commands::board,
            commands::board_column,
            commands::search,
            commands::lead,
            phone::phone_status,
            settings::calling_settings,
            settings::set_pbx_ca_file,
            settings::set_ice_server,
            settings::remove_ice_server,
        ])
        .build(tauri::generate_context!())
        .map(|app| {
            app.run(|app, event| {
                if let tauri::RunEvent::Exit = event {
                    phone::stop(app);
                }
            })
        });
    match app {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "Leadline could not start");
            ExitCode::FAILURE
        }
    }
}
