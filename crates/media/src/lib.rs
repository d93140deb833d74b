//! Leadline's call audio: WebRTC media (ICE, DTLS-SRTP) negotiated inside SIP offer/answer,
//! with codecs and audio sources and sinks.
//!
//! - [`g711`]: PCMU and PCMA.
//! - [`tone`]: a Goertzel detector that says whether a frequency dominates a recording.

pub mod g711;
pub mod tone;
