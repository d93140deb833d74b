//! `client_calling_settings`: this device's calling settings — the CA file of a private PBX
//! and the STUN/TURN servers for ICE. No secret is kept here (a TURN password is in the OS
//! keychain); the settings outlive a sign-out, as they describe the device's network.

use crate::Timestamp;
use crate::error::{Result, StoreError};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

/// A STUN or TURN server, as the agent or admin set it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct IceServerSetting {
    /// `stun:host[:port]`, `turn:host[:port][?transport=udp|tcp]` or `turns:…`.
    pub url: String,
    /// The TURN user (a STUN server has none).
    #[serde(default)]
    pub username: Option<String>,
}

/// The device's calling settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct CallingSettings {
    /// A PEM file of the CA behind a private PBX's certificate, trusted beside the system's.
    pub pbx_ca_file: Option<String>,
    /// ICE servers, in the order they are used.
    pub ice_servers: Vec<IceServerSetting>,
    /// The agent may place a call while a finished call waits for its wrap-up.
    pub calls_during_wrap_up: bool,
}

/// The settings (the defaults when none were saved).
pub fn load(conn: &Connection) -> Result<CallingSettings> {
    let row: Option<(Option<String>, String, bool)> = conn
        .query_row(
            "SELECT pbx_ca_file, ice_servers, calls_during_wrap_up FROM client_calling_settings",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    let Some((pbx_ca_file, ice_servers, calls_during_wrap_up)) = row else {
        return Ok(CallingSettings::default());
    };
    let ice_servers = serde_json::from_str(&ice_servers).map_err(|e| StoreError::InvalidInput {
        field: "ice_servers",
        reason: format!("the saved ICE servers cannot be read: {e}"),
    })?;
    Ok(CallingSettings {
        pbx_ca_file,
        ice_servers,
        calls_during_wrap_up,
    })
}

/// Saves (replaces) the settings.
pub fn save(conn: &Connection, settings: &CallingSettings, now: Timestamp) -> Result<()> {
    let ice_servers = serde_json::to_string(&settings.ice_servers).map_err(|e| StoreError::InvalidInput {
        field: "ice_servers",
        reason: e.to_string(),
    })?;
    conn.execute(
        "INSERT INTO client_calling_settings (singleton, pbx_ca_file, ice_servers, calls_during_wrap_up, updated_at) \
         VALUES (1, ?1, ?2, ?3, ?4) \
         ON CONFLICT (singleton) DO UPDATE SET pbx_ca_file = excluded.pbx_ca_file, \
         ice_servers = excluded.ice_servers, calls_during_wrap_up = excluded.calls_during_wrap_up, \
         updated_at = excluded.updated_at",
        params![settings.pbx_ca_file, ice_servers, settings.calls_during_wrap_up, now],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    #[test]
    fn settings_default_then_round_trip() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(load(store.conn()).unwrap(), CallingSettings::default());
        let settings = CallingSettings {
            pbx_ca_file: Some("/etc/pbx-ca.pem".into()),
            ice_servers: vec![
                IceServerSetting {
                    url: "stun:stun.acme.example".into(),
                    username: None,
                },
                IceServerSetting {
                    url: "turn:turn.acme.example:3478".into(),
                    username: Some("agent7".into()),
                },
            ],
            calls_during_wrap_up: true,
        };
        let now = Timestamp::parse("2026-01-20 09:00:00").unwrap();
        save(store.conn(), &settings, now).unwrap();
        assert_eq!(load(store.conn()).unwrap(), settings);
        save(store.conn(), &CallingSettings::default(), now).unwrap();
        assert_eq!(load(store.conn()).unwrap(), CallingSettings::default());
    }

    #[test]
    fn garbage_in_the_row_is_an_error_not_a_panic() {
        let store = Store::open_in_memory().unwrap();
        store
            .conn()
            .execute(
                "INSERT INTO client_calling_settings (singleton, ice_servers, updated_at) \
                 VALUES (1, '[{\"nope\": 1}]', '2026-01-20 09:00:00')",
                [],
            )
            .unwrap();
        assert!(matches!(
            load(store.conn()),
            Err(StoreError::InvalidInput {
                field: "ice_servers",
                ..
            })
        ));
        let refused = store
            .conn()
            .execute("UPDATE client_calling_settings SET ice_servers = '{}'", []);
        assert!(refused.is_err(), "only a JSON array is accepted");
    }
}
