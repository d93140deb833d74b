//! The media crate's errors.

/// What can go wrong with call audio.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// A WAV file or device failed.
    #[error("audio: {0}")]
    Audio(String),
    /// The SDP from the far side cannot be used.
    #[error("unusable SDP: {0}")]
    BadSdp(String),
    /// An audio device cannot be listed, found or opened.
    #[error("audio device: {0}")]
    Device(String),
    /// WebRTC failed (ICE, DTLS, the peer connection).
    #[error("WebRTC: {0}")]
    WebRtc(String),
}
