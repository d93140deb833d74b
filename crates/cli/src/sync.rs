//! `leadline sync --watch`: sync now, then every 30 s; while the server is unreachable, retry
//! with backoff and jitter, probing every few seconds so a server that comes back is synced
//! with at once; stop with the reason when the account can no longer sync.

use crate::output::Output;
use leadline_core::{CoreError, Handle, stops_sync};
use leadline_sync::backoff;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Between syncs while all is well.
const INTERVAL: Duration = Duration::from_secs(30);
/// How often a backing-off client asks whether the server is back.
const PROBE: Duration = Duration::from_secs(2);

fn jitter() -> f64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    f64::from(nanos % 1_000) / 1_000.0
}

/// Syncs until the account is refused (returns that error) or the process is stopped.
pub async fn watch(handle: &Handle, out: &Output) -> Result<(), CoreError> {
    let mut failures: u32 = 0;
    loop {
        match handle.sync(&mut |p| out.progress(&p)).await {
            Ok(report) => {
                out.synced(&report);
                failures = 0;
                tokio::time::sleep(INTERVAL).await;
            }
            Err(error) if stops_sync(&error) => return Err(error),
            Err(error) => {
                let wait = backoff::delay(failures, jitter());
                out.retrying(&error, wait);
                failures = failures.saturating_add(1);
                let deadline = tokio::time::Instant::now() + wait;
                while tokio::time::Instant::now() < deadline {
                    tokio::time::sleep(PROBE.min(deadline - tokio::time::Instant::now())).await;
                    if handle.server_answers().await {
                        break;
                    }
                }
            }
        }
    }
}
