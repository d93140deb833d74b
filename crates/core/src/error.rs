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
    /// The phone is not connected to the PBX (registering, or the connection dropped).
    #[error("not connected to the PBX: the call cannot be placed now")]
    NotConnected,
    /// Finished calls wait for their wrap-up before the next outgoing call.
    #[error("wrap up the last call first ({0} waiting for a disposition)")]
    WrapUpPending(usize),
    /// No call of the phone has this id.
    #[error("no call {0:?} on the phone")]
    NoSuchCall(String),
    /// A value given cannot be used.
    #[error("{field}: {reason}")]
    Invalid {
        /// What was given.
        field: &'static str,
        /// Why it was refused.
        reason: String,
    },
    /// The phone's line could not register.
    #[error("{reason}")]
    Line {
        /// Why, as a program reads it.
        kind: crate::phone::LineFailure,
        /// What happened, for the agent.
        reason: String,
    },
    /// The phone line is not running.
    #[error("the phone is off: {0}")]
    PhoneOff(String),
    /// A previous command panicked while holding the store.
    #[error("internal error: the local store is unavailable; restart Leadline")]
    Poisoned,
}

/// What kind of failure a [`CoreError`] is: stable, machine-readable, matched by front ends
/// (the CLI's exit codes, the window's messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The call failed (busy, declined, no answer, media).
    Call,
    /// The profile directory cannot be used.
    DataDir,
    /// The built-in demo tenant is unavailable.
    Demo,
    /// The agent's role lacks the permission.
    Forbidden,
    /// An internal failure; restart Leadline.
    Internal,
    /// A value given cannot be used.
    InvalidInput,
    /// The OS keychain is unavailable.
    Keychain,
    /// The profile was written by a newer Leadline.
    NewerDatabase,
    /// The profile has no tenant yet.
    NoProfile,
    /// The agent has no SIP account.
    NoSipAccount,
    /// What was asked for does not exist.
    NotFound,
    /// Not signed in to a tenant server.
    NotSignedIn,
    /// The tenant server or the PBX cannot be reached now; worth retrying.
    Offline,
    /// The tenant server refused the account (wrong password, suspended tenant, revoked token).
    Refused,
    /// A business rule of the CRM refuses it.
    Rule,
    /// The tenant server failed or answered garbage.
    Server,
    /// The SIP stack failed.
    Sip,
    /// The PBX refused the SIP credentials.
    SipAuth,
    /// The local store failed.
    Storage,
    /// Signing in would throw away changes not yet synced.
    UnsyncedChanges,
    /// The phone line is not connected to the PBX.
    NotConnected,
    /// A finished call waits for its wrap-up first.
    WrapUpPending,
    /// No call of the phone has that id.
    NoSuchCall,
    /// The phone line is not running.
    PhoneOff,
    /// An audio device is absent or cannot be opened.
    AudioDevice,
}

impl ErrorKind {
    /// The kind as the wire spells it (`not_found`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Call => "call",
            ErrorKind::DataDir => "data_dir",
            ErrorKind::Demo => "demo",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::Internal => "internal",
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Keychain => "keychain",
            ErrorKind::NewerDatabase => "newer_database",
            ErrorKind::NoProfile => "no_profile",
            ErrorKind::NoSipAccount => "no_sip_account",
            ErrorKind::NotFound => "not_found",
            ErrorKind::NotSignedIn => "not_signed_in",
            ErrorKind::Offline => "offline",
            ErrorKind::Refused => "refused",
            ErrorKind::Rule => "rule",
            ErrorKind::Server => "server",
            ErrorKind::Sip => "sip",
            ErrorKind::SipAuth => "sip_auth",
            ErrorKind::Storage => "storage",
            ErrorKind::UnsyncedChanges => "unsynced_changes",
            ErrorKind::NotConnected => "not_connected",
            ErrorKind::WrapUpPending => "wrap_up_pending",
            ErrorKind::NoSuchCall => "no_such_call",
            ErrorKind::PhoneOff => "phone_off",
            ErrorKind::AudioDevice => "audio_device",
        }
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl CoreError {
    /// A stable machine-readable kind for the UI.
    pub fn kind(&self) -> ErrorKind {
        match self {
            CoreError::Store(StoreError::Rule { .. }) => ErrorKind::Rule,
            CoreError::Store(StoreError::NotFound { .. }) => ErrorKind::NotFound,
            CoreError::Store(StoreError::InvalidInput { .. }) => ErrorKind::InvalidInput,
            CoreError::Store(StoreError::Forbidden { .. }) | CoreError::Forbidden(_) => ErrorKind::Forbidden,
            CoreError::Store(StoreError::Migration(
                leadline_store::migrate::MigrationError::NewerDatabase { .. },
            )) => ErrorKind::NewerDatabase,
            CoreError::Store(StoreError::NoProfile) => ErrorKind::NoProfile,
            CoreError::Store(_) => ErrorKind::Storage,
            CoreError::UnknownStatus { .. }
            | CoreError::UnknownDisposition { .. }
            | CoreError::InvalidWhen { .. } => ErrorKind::InvalidInput,
            CoreError::DataDir { .. } => ErrorKind::DataDir,
            CoreError::Keychain(_) => ErrorKind::Keychain,
            // The server's own words ("too many failed sign-ins…"), not "unreachable".
            CoreError::Sync(leadline_sync::SyncError::Throttled { .. }) => ErrorKind::Server,
            CoreError::Sync(e) if e.is_transient() => ErrorKind::Offline,
            CoreError::Sync(leadline_sync::SyncError::BadUrl(_) | leadline_sync::SyncError::Cleartext(_)) => {
                ErrorKind::InvalidInput
            }
            CoreError::Sync(leadline_sync::SyncError::Refused { .. }) => ErrorKind::Refused,
            CoreError::Sync(_) => ErrorKind::Server,
            CoreError::NotSignedIn => ErrorKind::NotSignedIn,
            CoreError::UnsyncedChanges(_) => ErrorKind::UnsyncedChanges,
            CoreError::Demo(_) => ErrorKind::Demo,
            CoreError::Media(leadline_media::MediaError::Audio(_)) => ErrorKind::InvalidInput,
            CoreError::Media(leadline_media::MediaError::Device(_)) => ErrorKind::AudioDevice,
            CoreError::Media(_) => ErrorKind::Call,
            CoreError::NoSipAccount => ErrorKind::NoSipAccount,
            CoreError::Sip(leadline_sip::SipError::InvalidAccount(_)) => ErrorKind::InvalidInput,
            CoreError::Sip(leadline_sip::SipError::Registration(f)) if f.is_auth() => ErrorKind::SipAuth,
            CoreError::Sip(leadline_sip::SipError::Registration(f)) if f.is_network() => ErrorKind::Offline,
            CoreError::Sip(
                leadline_sip::SipError::Unreachable { .. } | leadline_sip::SipError::Tls { .. },
            ) => ErrorKind::Offline,
            CoreError::NotConnected
            | CoreError::Sip(leadline_sip::SipError::Call(leadline_sip::EndReason::NotConnected)) => {
                ErrorKind::NotConnected
            }
            CoreError::WrapUpPending(_) => ErrorKind::WrapUpPending,
            CoreError::Invalid { .. } => ErrorKind::InvalidInput,
            CoreError::Line { kind, .. } if kind.is_auth() => ErrorKind::SipAuth,
            CoreError::Line { .. } => ErrorKind::Offline,
            CoreError::NoSuchCall(_) => ErrorKind::NoSuchCall,
            CoreError::PhoneOff(_) => ErrorKind::PhoneOff,
            CoreError::Sip(leadline_sip::SipError::Call(leadline_sip::EndReason::ConnectionLost)) => {
                ErrorKind::Offline
            }
            CoreError::Sip(leadline_sip::SipError::Call(_)) => ErrorKind::Call,
            CoreError::Sip(_) => ErrorKind::Sip,
            CoreError::Poisoned => ErrorKind::Internal,
        }
    }
}

impl From<leadline_sip::EndReason> for CoreError {
    /// A call that ended before it could be talked.
    fn from(reason: leadline_sip::EndReason) -> CoreError {
        CoreError::Sip(leadline_sip::SipError::Call(reason))
    }
}

/// A [`CoreError`] as it crosses to a UI: `{kind, message}`, nothing more.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[ts(rename = "CoreError")]
pub struct ErrorPayload {
    /// Stable machine-readable kind ([`CoreError::kind`]).
    pub kind: ErrorKind,
    /// A sentence for the agent.
    pub message: String,
}

impl From<&CoreError> for ErrorPayload {
    fn from(error: &CoreError) -> Self {
        ErrorPayload {
            kind: error.kind(),
            message: error.to_string(),
        }
    }
}

impl serde::Serialize for CoreError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ErrorPayload::from(self).serialize(serializer)
    }
}
