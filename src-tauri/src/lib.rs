//! The desktop shell: opens the window, starts the core on the agent's profile directory and
//! bridges commands and events. No business logic lives here: each command forwards to the
//! core [`Handle`] off the UI thread, and errors reach the UI as `{kind, message}`.

mod account;
mod audio;
mod calls;
mod commands;
mod desktop;
mod leads;
mod memory;
mod phone;
mod settings;

use leadline_core::Handle;
use std::path::PathBuf;
use std::process::ExitCode;
use tauri::Manager;
use tauri_plugin_window_state::StateFlags;

/// Environment variable that selects the profile directory (tests, several profiles).
pub const DATA_DIR_ENV: &str = "LEADLINE_DATA_DIR";

/// Runs the app until its window closes.
pub fn run() -> ExitCode {
    memory::return_freed_memory();
    memory::software_compositing_by_default();
    let app = tauri::Builder::default()
        // First: a second launch hands its arguments (a link to dial) to this one and exits.
        .plugin(tauri_plugin_single_instance::init(|app, args, _cwd| {
            desktop::second_launch(app, args);
        }))
        // `tel:`/`sip:` links: registered with the OS where the app registers them itself
        // (Windows; the Linux packages' desktop entry and the macOS bundle declare them), and
        // delivered where they do not come as arguments (macOS).
        .plugin(tauri_plugin_deep_link::init())
        .plugin(
            // Size and place are remembered; whether it shows is the preferences' business.
            tauri_plugin_window_state::Builder::default()
                .with_state_flags(StateFlags::all() & !StateFlags::VISIBLE)
                .build(),
        )
        .plugin(tauri_plugin_notification::init())
        .plugin(desktop::shortcuts_plugin())
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
            let demo = match tauri::async_runtime::block_on(handle.start_demo()) {
                Ok(demo) => demo,
                Err(error) => {
                    tracing::warn!(%error, "the demo runs without its tenant server");
                    None
                }
            };
            app.manage(account::Account::new(demo));
            app.manage(audio::Meter::default());
            app.manage(phone::start(app.handle(), &handle));
            app.manage(handle);
            desktop::setup(app.handle())?;
            account::start_sync(app.handle());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::session,
            commands::board,
            commands::board_column,
            commands::search,
            commands::lead,
            phone::phone_status,
            account::account_state,
            account::sign_in,
            account::sign_out,
            account::sync_now,
            account::demo_call_me,
            account::try_demo,
            desktop::take_dial_link,
            desktop::preferences,
            desktop::set_preferences,
            audio::audio_setup,
            audio::choose_audio_device,
            audio::voice_settings,
            audio::set_voice_settings,
            audio::set_volume,
            audio::test_sound,
            audio::start_meter,
            audio::stop_meter,
            audio::record_and_play,
            audio::sip_account,
            account::changes,
            account::dismiss_change,
            calls::dial,
            calls::answer,
            calls::reject,
            calls::hangup,
            calls::hold,
            calls::swap,
            calls::mute,
            calls::send_dtmf,
            calls::transfer,
            calls::transfer_attended,
            calls::meter_call_levels,
            calls::pending_wrap_ups,
            calls::wrap_up,
            leads::move_lead,
            leads::add_note,
            leads::schedule_followup,
            leads::calls_today,
            leads::lead_page,
            leads::call_history,
            leads::followups,
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
