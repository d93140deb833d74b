//! The core's errors, as a UI shows them.

use leadline_store::StoreError;
use leadline_store::model::Permission;
use std::path::PathBuf;

/// What a command can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The local store refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The profile directory cannot be created or used.
    #[error("cannot use the profile directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The agent's role lacks a permission.
    #[error("not allowed: your role lacks the {0} permission")]
    Forbidden(Permission),
    /// No lead status has that name or id.
    #[error("unknown status {given:?}; this tenant's statuses are: {known}")]
    UnknownStatus {
        /// What was asked for.
        given: String,
        /// The names there are.
        known: String,
    },
    /// No call disposition has that name.
    #[error("unknown disposition {given:?}; this tenant's dispositions are: {known}")]
    UnknownDisposition {
        /// What was asked for.
        given: String,
        /// The names there are.
        known: String,
    },
    /// A moment could not be read.
    #[error("cannot read {given:?} as a time: {reason}")]
    InvalidWhen {
        /// What was typed.
        given: String,
        /// Why it was refused.
        reason: String,
    },
    /// The OS keychain refused or is unavailable.
    #[error("the OS keychain is unavailable: {0}")]
    Keychain(String),
    /// Talking to the tenant server failed.
    #[error(transparent)]
    Sync(#[from] leadline_sync::SyncError),
    /// The command needs a signed-in profile with a tenant server.
    #[error("not signed in to a tenant server: run `leadline login` first")]
    NotSignedIn,
    /// Signing in would throw away changes not yet synced.
    #[error("{0} changes of the current profile are not synced yet; sync them (or log out) first")]
    UnsyncedChanges(i64),
    /// The agent has no SIP account (or its password is not in the keychain).
    #[error("no SIP account: ask an administrator to set one up, then sign in again")]
    NoSipAccount,
    /// The PBX or the SIP account failed.
    #[error(transparent)]
    Sip(#[from] leadline_sip::SipError),
    /// Call audio failed (a file, the SDP, WebRTC).
    #[error(transparent)]
    Media(#[from] leadline_media::MediaError),
    /// The built-in demo tenant server could not start.
    #[error("the demo tenant is unavailable: {0}")]
    Demo(String),
    /// A previous command panicked while holding the store.
    #[error("internal error: the local store is unavailable; restart Leadline")]
    Poisoned,
}

impl CoreError {
    /// A stable machine-readable kind for the UI.
    pub fn kind(&self) -> &'static str {
        match self {
            CoreError::Store(StoreError::Rule { .. }) => "rule",
            CoreError::Store(StoreError::NotFound { .. }) => "not_found",
            CoreError::Store(StoreError::InvalidInput { .. }) => "invalid_input",
            CoreError::Store(StoreError::Forbidden { .. }) | CoreError::Forbidden(_) => "forbidden",
            CoreError::Store(StoreError::Migration(
                leadline_store::migrate::MigrationError::NewerDatabase { .. },
            )) => "newer_database",
            CoreError::Store(StoreError::NoProfile) => "no_profile",
            CoreError::Store(_) => "storage",
            CoreError::UnknownStatus { .. }
            | CoreError::UnknownDisposition { .. }
            | CoreError::InvalidWhen { .. } => "invalid_input",
            CoreError::DataDir { .. } => "data_dir",
            CoreError::Keychain(_) => "keychain",
            CoreError::Sync(e) if e.is_transient() => "offline",
            CoreError::Sync(leadline_sync::SyncError::Refused { .. }) => "refused",
            CoreError::Sync(_) => "server",
            CoreError::NotSignedIn => "not_signed_in",
            CoreError::UnsyncedChanges(_) => "unsynced_changes",
            CoreError::Demo(_) => "demo",
            CoreError::Media(leadline_media::MediaError::Audio(_)) => "invalid_input",
            CoreError::Media(_) => "call",
            CoreError::NoSipAccount => "no_sip_account",
            CoreError::Sip(leadline_sip::SipError::InvalidAccount(_)) => "invalid_input",
            CoreError::Sip(leadline_sip::SipError::Registration(f)) if f.is_auth() => "sip_auth",
            CoreError::Sip(leadline_sip::SipError::Registration(f)) if f.is_network() => "offline",
            CoreError::Sip(
                leadline_sip::SipError::Unreachable { .. } | leadline_sip::SipError::Tls { .. },
            ) => "offline",
            CoreError::Sip(leadline_sip::SipError::Call(leadline_sip::EndReason::ConnectionLost)) => {
                "offline"
            }
            CoreError::Sip(leadline_sip::SipError::Call(_)) => "call",
            CoreError::Sip(_) => "sip",
            CoreError::Poisoned => "internal",
        }
    }
}

/// A [`CoreError`] as it crosses to a UI: `{kind, message}`, nothing more.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[ts(rename = "CoreError")]
pub struct ErrorPayload {
    /// Stable machine-readable kind ([`CoreError::kind`]).
    pub kind: String,
    /// A sentence for the agent.
    pub message: String,
}

impl From<&CoreError> for ErrorPayload {
    fn from(error: &CoreError) -> Self {
        ErrorPayload {
            kind: error.kind().to_owned(),
            message: error.to_string(),
        }
    }
}

impl serde::Serialize for CoreError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ErrorPayload::from(self).serialize(serializer)
    }
}
