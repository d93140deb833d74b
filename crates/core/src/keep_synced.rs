//! Staying in sync, for every front end alike: sync now, then every 30 s or as soon as
//! [`SyncNudge::now`] asks (a change was made); while the server is unreachable, retry with
//! backoff and jitter, probing every few seconds so a server that comes back is synced with at
//! once. Ends with the reason when the account can no longer sync (signed out, tenant
//! suspended). Each step is reported as a [`SyncUpdate`].

use crate::{CoreError, ErrorKind, Handle, SyncProgress, SyncReport, stops_sync};
use leadline_sync::backoff;
use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::Notify;

/// Between syncs while all is well.
pub const SYNC_EVERY: Duration = Duration::from_secs(30);
/// How often a backing-off client asks whether the server is back.
const PROBE: Duration = Duration::from_secs(2);

/// A step of staying in sync.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SyncUpdate {
    /// A sync is under way.
    Syncing {
        /// How far it has come.
        progress: SyncProgress,
    },
    /// A sync finished.
    Synced {
        /// What it did.
        report: SyncReport,
    },
    /// The server could not be reached (or failed): the next try is in `retry_in_ms`.
    Offline {
        /// What went wrong.
        kind: ErrorKind,
        /// Said for a person.
        message: String,
        /// Milliseconds to the next try (sooner if the server answers a probe).
        #[ts(type = "number")]
        retry_in_ms: u64,
    },
    /// The account can no longer sync; nothing more is tried.
    Stopped {
        /// Why.
        kind: ErrorKind,
        /// Said for a person.
        message: String,
    },
}

/// Asks a running [`Handle::keep_synced`] to sync now (cheap to clone).
#[derive(Debug, Clone, Default)]
pub struct SyncNudge(Arc<Notify>);

impl SyncNudge {
    /// A new nudge, not yet given to a loop.
    pub fn new() -> SyncNudge {
        SyncNudge::default()
    }

    /// Syncs as soon as the loop can (now, if it is waiting).
    pub fn now(&self) {
        self.0.notify_one();
    }
}

fn jitter() -> f64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    f64::from(nanos % 1_000) / 1_000.0
}

impl Handle {
    /// Syncs until the account is refused (returns that error), reporting each step to `on`.
    /// Runs until dropped otherwise.
    pub async fn keep_synced(&self, nudge: &SyncNudge, on: &mut (dyn FnMut(SyncUpdate) + Send)) -> CoreError {
        let mut failures: u32 = 0;
        loop {
            let result = self
                .sync(&mut |progress| on(SyncUpdate::Syncing { progress }))
                .await;
            match result {
                Ok(report) => {
                    on(SyncUpdate::Synced { report });
                    failures = 0;
                    let _ = tokio::time::timeout(SYNC_EVERY, nudge.0.notified()).await;
                }
                Err(error) if stops_sync(&error) || matches!(error, CoreError::NotSignedIn) => {
                    on(SyncUpdate::Stopped {
                        kind: error.kind(),
                        message: error.to_string(),
                    });
                    return error;
                }
                Err(error) => {
                    // A server that asks to wait (429) is not probed sooner.
                    let asked = match &error {
                        CoreError::Sync(e) => e.retry_after(),
                        _ => None,
                    };
                    let wait = backoff::delay(failures, jitter()).max(asked.unwrap_or_default());
                    on(SyncUpdate::Offline {
                        kind: error.kind(),
                        message: error.to_string(),
                        retry_in_ms: u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                    });
                    failures = failures.saturating_add(1);
                    if asked.is_some() {
                        tokio::time::sleep(wait).await;
                    } else {
                        self.wait_for_server(wait, nudge).await;
                    }
                }
            }
        }
    }

    /// Waits `wait`, or less if the server answers a probe or a nudge comes.
    async fn wait_for_server(&self, wait: Duration, nudge: &SyncNudge) {
        let deadline = tokio::time::Instant::now() + wait;
        while tokio::time::Instant::now() < deadline {
            let step = PROBE.min(deadline - tokio::time::Instant::now());
            if tokio::time::timeout(step, nudge.0.notified()).await.is_ok() || self.server_answers().await {
                return;
            }
        }
    }
}
