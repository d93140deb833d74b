//! The built-in demo tenant, served the way a real one is. With no tenant server configured,
//! [`Handle::start_demo`] runs the reference tenant server inside this process on a loopback
//! port, with its demo tenant kept in the profile's `demo-server/` folder, signs in to it as
//! the demo's sales agent and syncs: the demo takes the real path (keychain, outbox, pull).
//! The port is remembered and asked for again on the next start, so the profile's server
//! address stays valid; when another program holds it, the profile moves to the new port.
//! A profile signed in to a real tenant server never starts the demo. Only the desktop app
//! serves the demo (feature `demo-server`, in `demo_server`): the CLI does not link the
//! tenant server, and keeps the same tenant seeded straight into the local store.

use crate::{CoreError, Handle};
use leadline_store::repo::profile;
use std::path::{Path, PathBuf};

/// The demo server's folder inside the profile directory.
pub const DEMO_DIR: &str = "demo-server";
/// The demo tenant's name.
pub const DEMO_TENANT: &str = "Northwind Solar (demo)";
/// Seed of the demo tenant's generator: every install shows the same demo.
pub(crate) const DEMO_SEED: u64 = 2026;

pub(crate) fn url_of(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

pub(crate) fn port_file(dir: &Path) -> PathBuf {
    dir.join("port")
}

pub(crate) fn saved_port(dir: &Path) -> Option<u16> {
    std::fs::read_to_string(port_file(dir)).ok()?.trim().parse().ok()
}

impl Handle {
    /// Whether this profile is the demo's (no server yet, or the demo server).
    pub fn is_demo(&self) -> Result<bool, CoreError> {
        let server = profile::load(self.store()?.conn())?.and_then(|p| p.server_url);
        let demo_url = saved_port(&self.data_dir().join(DEMO_DIR)).map(url_of);
        Ok(server.is_none() || server == demo_url)
    }
}
