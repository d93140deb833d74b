//! Voice processing between the microphone and the encoder, at 48 kHz in 10 ms chunks: echo
//! cancellation (WebRTC's AEC3, through `sonora`, a pure-Rust port of WebRTC's audio
//! processing module that builds on every desktop without a C++ toolchain) when what the
//! speaker plays can reach the microphone, then noise suppression (RNNoise, through
//! `nnnoiseless`) when the agent wants it. The canceller comes first, as in WebRTC: it models
//! a linear echo path, which a suppressor's gains would break.
//!
//! [`Voice`] is one call's processing, shared by its microphone and its speaker: the speaker
//! hands the canceller what it plays ([`EchoReference`]), the microphone takes that out of
//! what it hears ([`VoiceProcessor`]). What the speaker played waits in a queue and goes into
//! the canceller just before the microphone's next chunk, as WebRTC queues its render audio:
//! both halves of the canceller's work run in one burst (back to back, the work costs less
//! than in two bursts after the thread slept). Whether the canceller runs follows the speaker
//! in use: off on a headset (nothing to cancel), on otherwise, unless the agent's setting
//! forces it. None of it runs on an audio callback: the call's sender runs the canceller and
//! the suppressor, the speaker's pump only queues what it played, and the locks are only ever
//! held by them.

use crate::resample::StreamResampler;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// The processing rate.
pub const RATE: u32 = 48_000;
/// Samples per processing chunk (10 ms at [`RATE`]).
pub const CHUNK: usize = 480;
/// What the speaker played is kept at most this long (samples) for the canceller: a
/// microphone that stopped leaves the newest 250 ms.
const PLAYED_KEPT: usize = RATE as usize / 4;

/// When the echo canceller runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum EchoCancellation {
    /// Unless the speaker is a headset.
    #[default]
    Auto,
    /// Always (a headset that leaks, a device that does not say what it is).
    On,
    /// Never.
    Off,
}

impl EchoCancellation {
    /// Its name as settings store it (`auto`, `on`, `off`; the serde form too).
    pub fn name(self) -> &'static str {
        match self {
            EchoCancellation::Auto => "auto",
            EchoCancellation::On => "on",
            EchoCancellation::Off => "off",
        }
    }

    /// The mode `name`d (anything else: [`EchoCancellation::Auto`]).
    pub fn named(name: &str) -> EchoCancellation {
        match name {
            "on" => EchoCancellation::On,
            "off" => EchoCancellation::Off,
            _ => EchoCancellation::Auto,
        }
    }

    /// Whether to cancel echo with a speaker that is (or is not) a headset.
    pub fn runs(self, speaker_is_headset: bool) -> bool {
        match self {
            EchoCancellation::Auto => !speaker_is_headset,
            EchoCancellation::On => true,
            EchoCancellation::Off => false,
        }
    }
}

/// The agent's voice-processing settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VoiceSettings {
    /// Suppress background noise (keyboards, a call-center floor) on the microphone.
    pub noise_suppression: bool,
    /// When the echo canceller runs.
    pub echo_cancellation: EchoCancellation,
}

impl Default for VoiceSettings {
    fn default() -> Self {
        VoiceSettings {
            noise_suppression: true,
            echo_cancellation: EchoCancellation::Auto,
        }
    }
}

/// The echo canceller of one call, shared by its microphone and its speaker.
struct Canceller {
    mode: EchoCancellation,
    /// Whether it runs now (follows the speaker in use).
    active: AtomicBool,
    /// Made when first needed.
    apm: Mutex<Option<sonora::AudioProcessing>>,
    /// What the speaker played (at [`RATE`]) and the canceller has not heard yet.
    played: Mutex<VecDeque<i16>>,
}

impl Canceller {
    /// The queue of what the speaker played.
    fn played(&self) -> std::sync::MutexGuard<'_, VecDeque<i16>> {
        self.played.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn with_apm<T>(&self, run: impl FnOnce(&mut sonora::AudioProcessing) -> T) -> T {
        let mut apm = self.apm.lock().unwrap_or_else(PoisonError::into_inner);
        let apm = apm.get_or_insert_with(|| {
            let config = sonora::Config {
                echo_canceller: Some(sonora::config::EchoCanceller::default()),
                ..Default::default()
            };
            sonora::AudioProcessing::builder()
                .config(config)
                .capture_config(sonora::StreamConfig::new(RATE, 1))
                .render_config(sonora::StreamConfig::new(RATE, 1))
                .build()
        });
        run(apm)
    }
}

/// One call's voice processing (cheap to clone: the clones share the echo canceller).
#[derive(Clone)]
pub struct Voice {
    settings: VoiceSettings,
    canceller: Arc<Canceller>,
}

impl std::fmt::Debug for Voice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Voice")
            .field("settings", &self.settings)
            .field("cancelling", &self.cancelling())
            .finish()
    }
}

impl Voice {
    /// Processing by `settings`; the canceller waits for a speaker to say what it is.
    pub fn new(settings: VoiceSettings) -> Voice {
        Voice {
            settings,
            canceller: Arc::new(Canceller {
                mode: settings.echo_cancellation,
                active: AtomicBool::new(false),
                apm: Mutex::new(None),
                played: Mutex::new(VecDeque::with_capacity(PLAYED_KEPT + CHUNK * 4)),
            }),
        }
    }

    /// No processing at all (WAV sources, tests, the audio check).
    pub fn none() -> Voice {
        Voice::new(VoiceSettings {
            noise_suppression: false,
            echo_cancellation: EchoCancellation::Off,
        })
    }

    /// The settings it was made with.
    pub fn settings(&self) -> VoiceSettings {
        self.settings
    }

    /// A speaker (a headset or not) now plays the call: the canceller runs or rests by it.
    pub fn speaker_opened(&self, headset: bool) {
        let runs = self.canceller.mode.runs(headset);
        self.canceller.active.store(runs, Ordering::Relaxed);
    }

    /// Whether the echo canceller runs now.
    pub fn cancelling(&self) -> bool {
        self.canceller.active.load(Ordering::Relaxed)
    }

    /// The microphone's side.
    pub fn processor(&self) -> VoiceProcessor {
        VoiceProcessor {
            voice: self.clone(),
            denoiser: self
                .settings
                .noise_suppression
                .then(nnnoiseless::DenoiseState::new),
            input: vec![0.0; CHUNK],
            output: vec![0.0; CHUNK],
            played: Vec::with_capacity(PLAYED_KEPT + CHUNK * 4),
            reference: vec![0.0; CHUNK],
            warmed_up: false,
        }
    }

    /// The speaker's side.
    pub fn reference(&self) -> EchoReference {
        EchoReference {
            voice: self.clone(),
            resampler: None,
            resampled: Vec::with_capacity(CHUNK * 4),
        }
    }
}

/// What the speaker plays, handed to the echo canceller as its reference.
pub struct EchoReference {
    voice: Voice,
    resampler: Option<StreamResampler>,
    resampled: Vec<i16>,
}

impl std::fmt::Debug for EchoReference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EchoReference").finish()
    }
}

impl EchoReference {
    /// The call's voice processing.
    pub fn voice(&self) -> Voice {
        self.voice.clone()
    }

    /// `samples` at `rate` Hz went to the speaker: queued for the canceller.
    pub fn played(&mut self, rate: u32, samples: &[i16]) {
        let canceller = &self.voice.canceller;
        if !self.voice.cancelling() {
            canceller.played().clear();
            return;
        }
        let Some(resampler) = StreamResampler::kept(&mut self.resampler, rate, RATE) else {
            return;
        };
        resampler.push(samples);
        self.resampled.resize(resampler.ready(), 0);
        let n = resampler.pull(&mut self.resampled);
        let mut played = canceller.played();
        played.extend(&self.resampled[..n]);
        let over = played.len().saturating_sub(PLAYED_KEPT);
        played.drain(..over);
    }
}

/// The microphone's processing, one 10 ms chunk at a time.
pub struct VoiceProcessor {
    voice: Voice,
    denoiser: Option<Box<nnnoiseless::DenoiseState<'static>>>,
    input: Vec<f32>,
    output: Vec<f32>,
    /// The speaker's audio taken from the queue, and a chunk of it as the canceller reads it
    /// (the canceller's copy back lands in `output`, overwritten by the microphone's chunk).
    played: Vec<i16>,
    reference: Vec<f32>,
    /// RNNoise's first chunk is its own fade-in, not the signal.
    warmed_up: bool,
}

impl std::fmt::Debug for VoiceProcessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VoiceProcessor")
            .field("denoising", &self.denoiser.is_some())
            .finish()
    }
}

impl VoiceProcessor {
    /// Whether anything would change the microphone's audio now.
    pub fn active(&self) -> bool {
        self.denoiser.is_some() || self.voice.cancelling()
    }

    /// Processes one chunk ([`CHUNK`] samples at [`RATE`]) in place; other lengths pass as
    /// they are.
    pub fn process(&mut self, chunk: &mut [i16]) {
        if chunk.len() != CHUNK || !self.active() {
            return;
        }
        if self.voice.cancelling() {
            to_unit(chunk, &mut self.input);
            let canceller = &self.voice.canceller;
            {
                let mut queued = canceller.played();
                let whole = queued.len() / CHUNK * CHUNK;
                self.played.clear();
                self.played.extend(queued.drain(..whole));
            }
            let (input, output) = (&self.input, &mut self.output);
            let (played, reference) = (&self.played, &mut self.reference);
            let cancelled = canceller.with_apm(|apm| {
                // What the speaker played since the last chunk, then what the microphone heard.
                for samples in played.chunks_exact(CHUNK) {
                    to_unit(samples, reference);
                    if let Err(error) = apm.process_render_f32(&[reference], &mut [&mut *output]) {
                        tracing::warn!(?error, "the echo canceller refused the speaker's audio");
                    }
                }
                apm.process_capture_f32(&[input], &mut [output])
            });
            match cancelled {
                Ok(()) => from_unit(&self.output, chunk),
                Err(error) => tracing::warn!(?error, "the echo canceller refused the microphone's audio"),
            }
        }
        if let Some(denoiser) = self.denoiser.as_mut() {
            // RNNoise works on samples at 16-bit scale.
            for (slot, sample) in self.input.iter_mut().zip(chunk.iter()) {
                *slot = f32::from(*sample);
            }
            denoiser.process_frame(&mut self.output, &self.input);
            if self.warmed_up {
                for (sample, value) in chunk.iter_mut().zip(self.output.iter()) {
                    *sample = value.clamp(-32_768.0, 32_767.0) as i16;
                }
            } else {
                self.warmed_up = true;
            }
        }
    }
}

fn to_unit(samples: &[i16], out: &mut [f32]) {
    for (slot, sample) in out.iter_mut().zip(samples) {
        *slot = f32::from(*sample) / 32_768.0;
    }
}

fn from_unit(values: &[f32], out: &mut [i16]) {
    for (slot, value) in out.iter_mut().zip(values) {
        *slot = (value * 32_768.0).clamp(-32_768.0, 32_767.0) as i16;
    }
}
