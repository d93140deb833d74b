//! Why the profile's disk refused a write, in the agent's words. SQLite reports a full or
//! read-only disk as a generic I/O error (in WAL mode the write fails in the log file), so on
//! such an error the profile's directory is probed with a small file and the operating
//! system's answer names the cause. Nothing of the failed write is kept: SQLite rolled it back.

use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

fn profile_dir() -> &'static Mutex<Option<PathBuf>> {
    static DIR: OnceLock<Mutex<Option<PathBuf>>> = OnceLock::new();
    DIR.get_or_init(Mutex::default)
}

/// Remembers where the open profile lives (the store's database file).
pub(crate) fn remember(database: &Path) {
    if let Some(dir) = database.parent() {
        *profile_dir().lock().unwrap_or_else(PoisonError::into_inner) = Some(dir.to_owned());
    }
}

/// Whether SQLite's error is about the disk (full, read-only, failing to write or open).
pub(crate) fn is_disk_error(err: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode::{CannotOpen, DiskFull, ReadOnly, SystemIoFailure};
    matches!(
        err.sqlite_error_code(),
        Some(DiskFull | ReadOnly | SystemIoFailure | CannotOpen)
    )
}

/// What to tell the agent about a disk error, probing `dir` (the profile) for the cause.
pub fn explain(dir: Option<&Path>) -> String {
    let probe = dir.map(|dir| {
        let path = dir.join(".leadline-write-probe");
        let written = std::fs::File::create(&path).and_then(|mut f| {
            f.write_all(&[0u8; 8192])?;
            f.sync_all()
        });
        let _ = std::fs::remove_file(&path);
        written
    });
    let cause = match probe {
        Some(Err(e)) if e.kind() == ErrorKind::StorageFull => "the disk holding Leadline's profile is full",
        Some(Err(e)) if e.kind() == ErrorKind::ReadOnlyFilesystem => {
            "Leadline's profile is on a read-only disk"
        }
        Some(Err(e)) if e.kind() == ErrorKind::PermissionDenied => {
            "Leadline may not write to its profile folder"
        }
        _ => "the disk holding Leadline's profile failed to write",
    };
    format!(
        "{cause}: the change was not saved and nothing else was lost; free some space or make the disk writable, then try again"
    )
}

/// [`explain`] for the open profile.
pub(crate) fn explain_profile() -> String {
    let dir = profile_dir()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    explain(dir.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_writable_folder_or_none_gives_the_plain_cause() {
        let dir = tempfile::tempdir().unwrap();
        assert!(explain(Some(dir.path())).starts_with("the disk holding Leadline's profile failed to write"));
        assert!(explain(None).contains("nothing else was lost"));
        assert!(
            !dir.path().join(".leadline-write-probe").exists(),
            "the probe is removed"
        );
    }
}
