//! Secrets in the OS keychain — the API token, the SIP password, TURN passwords — and nowhere else: not in
//! SQLite, not in logs, not in anything sent to the webview. The store of record is the OS's
//! own: Secret Service on Linux, Keychain on macOS, Credential Manager on Windows. Unit tests
//! use keyring-core's in-memory mock.
//!
//! Entries are named by service `app.leadline.desktop` and a user string that says what the
//! secret is and whose, e.g. `api-token sam@acme.example @ https://crm.acme.example`.

use crate::CoreError;
use keyring_core::Entry;
use std::sync::OnceLock;

const SERVICE: &str = "app.leadline.desktop";

/// Which secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secret {
    /// The tenant API's bearer token.
    ApiToken,
    /// The agent's SIP password.
    SipPassword,
    /// A TURN server's password (by TURN user and server URL).
    TurnPassword,
}

impl Secret {
    fn label(self) -> &'static str {
        match self {
            Secret::ApiToken => "api-token",
            Secret::SipPassword => "sip-password",
            Secret::TurnPassword => "turn-password",
        }
    }
}

static STORE: OnceLock<Result<(), String>> = OnceLock::new();

fn keychain_error(error: keyring_core::Error) -> CoreError {
    CoreError::Keychain(error.to_string())
}

/// Makes the OS keychain the store (once per process).
pub fn use_native() -> Result<(), CoreError> {
    STORE
        .get_or_init(|| native_store().map_err(|e| e.to_string()))
        .clone()
        .map_err(CoreError::Keychain)
}

#[cfg(target_os = "linux")]
fn native_store() -> keyring_core::Result<()> {
    keyring_core::set_default_store(zbus_secret_service_keyring_store::Store::new()?);
    Ok(())
}

#[cfg(target_os = "macos")]
fn native_store() -> keyring_core::Result<()> {
    keyring_core::set_default_store(apple_native_keyring_store::keychain::Store::new()?);
    Ok(())
}

#[cfg(target_os = "windows")]
fn native_store() -> keyring_core::Result<()> {
    keyring_core::set_default_store(windows_native_keyring_store::Store::new()?);
    Ok(())
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn native_store() -> keyring_core::Result<()> {
    Err(keyring_core::Error::NotSupportedByStore(
        "no OS keychain on this platform".into(),
    ))
}

/// Makes keyring-core's in-memory mock the store (unit tests only).
#[cfg(test)]
pub fn use_mock() {
    let _ = STORE.get_or_init(|| {
        keyring_core::set_default_store(keyring_core::mock::Store::new().map_err(|e| e.to_string())?);
        Ok(())
    });
}

fn entry(secret: Secret, account: &str, server: &str) -> Result<Entry, CoreError> {
    use_native_or_existing()?;
    Entry::new(SERVICE, &format!("{} {account} @ {server}", secret.label())).map_err(keychain_error)
}

fn use_native_or_existing() -> Result<(), CoreError> {
    match STORE.get() {
        Some(result) => result.clone().map_err(CoreError::Keychain),
        None => use_native(),
    }
}

/// Saves a secret.
pub fn set(secret: Secret, account: &str, server: &str, value: &str) -> Result<(), CoreError> {
    entry(secret, account, server)?
        .set_password(value)
        .map_err(keychain_error)
}

/// Reads a secret; `None` when there is none.
pub fn get(secret: Secret, account: &str, server: &str) -> Result<Option<String>, CoreError> {
    match entry(secret, account, server)?.get_password() {
        Ok(value) => Ok(Some(value)),
        Err(keyring_core::Error::NoEntry) => Ok(None),
        Err(error) => Err(keychain_error(error)),
    }
}

/// Removes a secret (no error when there is none).
pub fn delete(secret: Secret, account: &str, server: &str) -> Result<(), CoreError> {
    match entry(secret, account, server)?.delete_credential() {
        Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
        Err(error) => Err(keychain_error(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_round_trip_per_account_and_server() {
        use_mock();
        set(Secret::ApiToken, "sam@a.test", "http://a", "tok-a").unwrap();
        set(Secret::ApiToken, "sam@a.test", "http://b", "tok-b").unwrap();
        assert_eq!(
            get(Secret::ApiToken, "sam@a.test", "http://a")
                .unwrap()
                .as_deref(),
            Some("tok-a")
        );
        assert_eq!(get(Secret::SipPassword, "sam@a.test", "http://a").unwrap(), None);
        delete(Secret::ApiToken, "sam@a.test", "http://a").unwrap();
        delete(Secret::ApiToken, "sam@a.test", "http://a").unwrap();
        assert_eq!(get(Secret::ApiToken, "sam@a.test", "http://a").unwrap(), None);
        assert_eq!(
            get(Secret::ApiToken, "sam@a.test", "http://b")
                .unwrap()
                .as_deref(),
            Some("tok-b")
        );
    }
}
