//! Leadline's call audio: WebRTC media (ICE, DTLS-SRTP) negotiated inside SIP offer/answer,
//! with codecs and audio sources and sinks.
//!
//! - [`audio`]: sources and sinks of call audio (WAV files, silence).
//! - [`audio_check`]: the settings' audio check (test sound, microphone level, playback).
//! - [`decode`]: decoding into the caller's buffer, and concealing lost frames (Opus FEC and
//!   PLC, G.711 fading repetition).
//! - [`devices`]: the audio devices (cpal), and the agent's choice resolved against them.
//! - [`device_audio`]: the microphone and the speaker as a call's source and sink, paced by
//!   their clocks.
//! - [`device_stream`]: microphone and speaker streams whose callbacks only move samples
//!   through lock-free rings.
//! - [`drift`]: the speaker's resampling ratio steered to follow the far side's clock.
//! - [`dtmf`]: RFC 4733 telephone events.
//! - [`g711`]: PCMU and PCMA.
//! - [`jitter`]: the adaptive jitter buffer, a pure state machine on explicit time.
//! - [`playback`]: the receive side per frame period: jitter buffer and decoder together.
//! - [`pulse`] (Linux): a blocking connection to the PulseAudio server for one stream.
//! - [`pulse_microphone`] (Linux): the microphone read over PulseAudio's protocol.
//! - [`pulse_speaker`] (Linux): the speaker written over PulseAudio's protocol.
//! - [`pulse_watch`] (Linux): the sound server's device changes, as they happen.
//! - [`quality`]: receive statistics (loss, RFC 3550 jitter) and the E-model's MOS.
//! - [`resample`]: band-limited streaming resampling between device and codec rates.
//! - [`rtt`]: the round-trip time from RTCP sender and receiver reports.
//! - [`sdp`]: the SDP adjustments between webrtc-rs and SIP peers, one per quirk.
//! - [`tone`]: a Goertzel detector that says whether a frequency dominates a recording.
//! - [`tones`]: the phone's own sounds (ringtone, call-waiting beep, key feedback) on a device.
//! - [`voice`]: echo cancellation and noise suppression on the microphone.

pub mod audio;
pub mod audio_check;
pub mod decode;
pub mod device_audio;
pub mod device_stream;
pub mod devices;
pub mod drift;
pub mod dtmf;
mod error;
pub mod g711;
pub mod jitter;
pub mod playback;
#[cfg(target_os = "linux")]
pub(crate) mod pulse;
#[cfg(target_os = "linux")]
pub mod pulse_microphone;
#[cfg(target_os = "linux")]
pub mod pulse_speaker;
#[cfg(target_os = "linux")]
pub mod pulse_watch;
pub mod quality;
pub mod resample;
pub mod rtt;
pub mod sdp;
mod session;
pub mod tone;
pub mod tones;
pub mod voice;
mod wrap;

pub use error::MediaError;
pub use session::{Counters, IceServer, MediaConfig, MediaSession, SinkHandle};
