//! `leadline sync --watch`: the core's [`Handle::keep_synced`] with each step printed; stops
//! with the reason when the account can no longer sync.

use crate::output::Output;
use leadline_core::{CoreError, Handle, SyncNudge, SyncUpdate};

/// Syncs until the account is refused (returns that error) or the process is stopped.
pub async fn watch(handle: &Handle, out: &Output) -> Result<(), CoreError> {
    let nudge = SyncNudge::new();
    Err(handle
        .keep_synced(&nudge, &mut |update| match update {
            SyncUpdate::Syncing { progress } => out.progress(&progress),
            SyncUpdate::Synced { report } => out.synced(&report),
            SyncUpdate::Offline {
                kind,
                message,
                retry_in_ms,
            } => out.retrying(kind, &message, retry_in_ms),
            SyncUpdate::Stopped { .. } => {}
        })
        .await)
}
