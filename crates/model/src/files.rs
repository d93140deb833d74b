//! Files that hold secrets or the tenant's data (the server's key, both SQLite databases) are
//! readable by their owner only: on Unix their mode is made `0600` whenever they are opened,
//! whatever it was, so a file copied or created with a looser mode is tightened at the next
//! start. Elsewhere the OS's per-user profile directories do that job.

use std::path::Path;

/// Makes `path` readable and writable by its owner only (Unix); says whether it had to change.
#[cfg(unix)]
pub fn owner_only(path: &Path) -> std::io::Result<bool> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if mode == 0o600 {
        return Ok(false);
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(true)
}

/// Makes `path` readable and writable by its owner only (Unix); says whether it had to change.
#[cfg(not(unix))]
pub fn owner_only(_path: &Path) -> std::io::Result<bool> {
    Ok(false)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_loose_file_is_tightened_and_a_tight_one_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        std::fs::write(&path, "x").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(owner_only(&path).unwrap());
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(!owner_only(&path).unwrap());
    }
}
