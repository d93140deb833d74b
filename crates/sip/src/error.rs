//! The SIP crate's errors. Messages name the PBX and the cause, never a password.

/// What can go wrong talking to the PBX.
#[derive(Debug, thiserror::Error)]
pub enum SipError {
    /// The account's settings cannot work (bad URL, empty user, unreadable CA file).
    #[error("invalid SIP account: {0}")]
    InvalidAccount(String),
    /// The PBX could not be reached (refused, reset, timed out, DNS).
    #[error("cannot reach the PBX at {url}: {reason}")]
    Unreachable {
        /// The WebSocket URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The TLS handshake failed (untrusted or mismatched certificate, protocol error).
    #[error("TLS with the PBX at {url} failed: {reason}")]
    Tls {
        /// The WebSocket URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// Registration failed.
    #[error("registration failed: {0}")]
    Registration(crate::Failure),
    /// A call did not happen or failed.
    #[error("call failed: {0:?}")]
    Call(crate::EndReason),
    /// The SIP stack failed.
    #[error("SIP error: {0}")]
    Stack(String),
}

impl From<rsipstack::Error> for SipError {
    fn from(error: rsipstack::Error) -> Self {
        SipError::Stack(error.to_string())
    }
}
