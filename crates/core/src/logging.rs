//! Log files: one a day in `<profile>/logs` (`leadline.YYYY-MM-DD.log`), the newest
//! [`KEPT_LOG_FILES`] kept, written as events happen (nothing buffered to lose in a crash).
//! `LEADLINE_LOG` sets the level (an `EnvFilter` directive; `info` by default, the SIP stack's
//! message dumps only at `debug`); a copy can go
//! to stderr at its own level. Nothing logged ever carries a password or token: the core
//! logs ids, counts and error kinds, and every error message is already free of secrets.

use crate::CoreError;
use std::path::{Path, PathBuf};
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// The environment variable holding the log filter.
pub const LOG_ENV: &str = "LEADLINE_LOG";
/// Daily log files kept.
pub const KEPT_LOG_FILES: usize = 14;

/// Where the profile in `data_dir` keeps its logs.
pub fn log_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("logs")
}

/// Sends this process's logs to the profile's log files and, when `stderr_level` is given
/// (e.g. `"warn"`), a copy at that level to stderr. Call once, early.
pub fn init(data_dir: &Path, stderr_level: Option<&str>) -> Result<(), CoreError> {
    let dir = log_dir(data_dir);
    // A profile that cannot take log files (a read-only or full disk) still opens: the logs go
    // to stderr only, and the store says what is wrong with the disk when it matters.
    let files = std::fs::create_dir_all(&dir)
        .map_err(|e| e.to_string())
        .and_then(|()| {
            RollingFileAppender::builder()
                .rotation(Rotation::DAILY)
                .filename_prefix("leadline")
                .filename_suffix("log")
                .max_log_files(KEPT_LOG_FILES)
                .build(&dir)
                .map_err(|e| e.to_string())
        });
    let (files, unwritable) = match files {
        Ok(files) => (Some(files), None),
        Err(why) => (None, Some(why)),
    };
    // The SIP stack logs every message at info; that detail is for `LEADLINE_LOG=debug`.
    let filter = EnvFilter::try_from_env(LOG_ENV).unwrap_or_else(|_| EnvFilter::new("info,rsipstack=warn"));
    let file_layer = files.map(|files| {
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(files)
            .with_filter(filter)
    });
    // The same holds on stderr: the SIP stack's messages only when asked for.
    let stderr_layer = stderr_level.map(|level| {
        let level: tracing::Level = level.parse().unwrap_or(tracing::Level::WARN);
        let filter = EnvFilter::try_from_env(LOG_ENV)
            .unwrap_or_else(|_| EnvFilter::new(format!("{},rsipstack=warn", level.as_str().to_lowercase())));
        // Colours only for a person at a terminal, not in a pipe or a log collector.
        tracing_subscriber::fmt::layer()
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_writer(std::io::stderr)
            .with_filter(filter)
    });
    // A second init in one process (tests) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(file_layer)
        .with(stderr_layer)
        .try_init();
    if let Some(why) = unwritable {
        tracing::warn!(dir = %dir.display(), %why, "log files cannot be written here: logging to stderr only");
    }
    Ok(())
}
