//! The desktop's own preferences (not CRM data, not synced): whether the app starts minimized
//! to the tray, and the global shortcuts for answer, hang up and mute. Kept as JSON in the
//! profile directory (`preferences.json`), written whole through a temporary file so a crash
//! never leaves half of it; a missing or unreadable file gives the defaults.

use crate::{CoreError, Handle};
use serde::{Deserialize, Serialize};

/// The file's name in the profile directory.
pub const PREFERENCES_FILE: &str = "preferences.json";
/// The longest shortcut kept (a key chord is short; anything longer is not one).
const MAX_SHORTCUT: usize = 64;

/// The desktop's preferences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct Preferences {
    /// Start hidden in the tray (shown from the tray's menu or a second launch).
    pub start_minimized: bool,
    /// The global shortcut that answers the call ringing in (`""`: none).
    pub shortcut_answer: String,
    /// The global shortcut that hangs the active call up (`""`: none).
    pub shortcut_hangup: String,
    /// The global shortcut that mutes or unmutes the active call (`""`: none).
    pub shortcut_mute: String,
}

impl Default for Preferences {
    fn default() -> Preferences {
        Preferences {
            start_minimized: false,
            shortcut_answer: "CommandOrControl+Shift+A".into(),
            shortcut_hangup: "CommandOrControl+Shift+H".into(),
            shortcut_mute: "CommandOrControl+Shift+M".into(),
        }
    }
}

impl Preferences {
    /// The three shortcuts, answer, hang up, mute.
    pub fn shortcuts(&self) -> [&str; 3] {
        [&self.shortcut_answer, &self.shortcut_hangup, &self.shortcut_mute]
    }
}

impl Handle {
    /// The desktop's preferences (the defaults when none were saved or the file is unreadable).
    pub fn preferences(&self) -> Preferences {
        std::fs::read(self.data_dir().join(PREFERENCES_FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Saves the desktop's preferences; a shortcut too long to be one, or used twice, is
    /// refused.
    pub fn set_preferences(&self, preferences: &Preferences) -> Result<(), CoreError> {
        let shortcuts = preferences.shortcuts();
        for (i, shortcut) in shortcuts.iter().enumerate() {
            if shortcut.len() > MAX_SHORTCUT || shortcut.chars().any(char::is_control) {
                return Err(CoreError::Invalid {
                    field: "shortcut",
                    reason: "not a key combination".into(),
                });
            }
            let trimmed = shortcut.trim();
            if !trimmed.is_empty()
                && shortcuts[..i]
                    .iter()
                    .any(|s| s.trim().eq_ignore_ascii_case(trimmed))
            {
                return Err(CoreError::Invalid {
                    field: "shortcut",
                    reason: format!("{trimmed} is already used for another action"),
                });
            }
        }
        let path = self.data_dir().join(PREFERENCES_FILE);
        let temporary = path.with_extension("json.tmp");
        let io = |source| CoreError::DataDir {
            path: path.clone(),
            source,
        };
        let text = serde_json::to_vec_pretty(preferences).map_err(|e| io(std::io::Error::other(e)))?;
        std::fs::write(&temporary, text).map_err(io)?;
        std::fs::rename(&temporary, &path).map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preferences_round_trip_and_refuse_a_shortcut_used_twice() {
        let dir = tempfile::tempdir().unwrap();
        let handle = Handle::open(dir.path()).unwrap();
        assert_eq!(handle.preferences(), Preferences::default());
        let mine = Preferences {
            start_minimized: true,
            shortcut_answer: "Alt+F1".into(),
            ..Preferences::default()
        };
        handle.set_preferences(&mine).unwrap();
        assert_eq!(handle.preferences(), mine);
        let twice = Preferences {
            shortcut_mute: "alt+f1".into(),
            ..mine.clone()
        };
        assert!(handle.set_preferences(&twice).is_err());
        assert_eq!(
            handle.preferences(),
            mine,
            "a refused change leaves the file alone"
        );
        std::fs::write(dir.path().join(PREFERENCES_FILE), b"{not json").unwrap();
        assert_eq!(
            handle.preferences(),
            Preferences::default(),
            "garbage gives the defaults"
        );
    }
}
