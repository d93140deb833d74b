//! Builds the app's ACL: every command not granted in `capabilities/` is denied.

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(&[
        "session",
        "board",
        "board_column",
        "search",
        "lead",
        "phone_status",
        "calling_settings",
        "set_pbx_ca_file",
        "set_ice_server",
        "remove_ice_server",
        "account_state",
        "sign_in",
        "sign_out",
        "sync_now",
        "demo_call_me",
        "changes",
        "dismiss_change",
        "dial",
        "answer",
        "reject",
        "hangup",
        "hold",
        "swap",
        "mute",
        "send_dtmf",
        "transfer",
        "transfer_attended",
        "pending_wrap_ups",
        "wrap_up",
        "move_lead",
        "add_note",
        "schedule_followup",
        "calls_today",
        "followups",
        "take_dial_link",
    ]);
    if let Err(error) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)) {
        println!("cargo::error={error}");
    }
}
