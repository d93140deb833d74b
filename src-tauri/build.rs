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
    ]);
    if let Err(error) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)) {
        println!("cargo::error={error}");
    }
}
