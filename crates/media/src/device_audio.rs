//! Call audio on devices: [`DeviceSource`] hands the microphone's frames over as its device
//! captures them, [`DeviceSink`] plays the far side through the speaker; both resample between
//! the device's rate and the codec's. The device clocks pace the call: the source says when a
//! frame is ready, the sink when the speaker has room for one (under 30 ms queued, so the added
//! latency stays small). A device that fails mid-call leaves silence, never a panic.
//!
//! The microphone's audio goes device rate → 48 kHz → voice processing ([`Voice`]: echo
//! cancellation, noise suppression) in 10 ms chunks → codec rate; the speaker hands what it
//! plays to the echo canceller as the reference.

use crate::MediaError;
use crate::audio::{AudioSink, AudioSource, frame_len, level_dbfs};
use crate::device_stream::{Capture, Playout, capture, playout};
use crate::resample::StreamResampler;
use crate::voice::{self, EchoReference, Voice, VoiceProcessor};
use std::sync::atomic::Ordering;

/// Frames of captured audio kept at most: older ones are dropped (latency stays bounded when
/// the sender fell behind).
const MAX_BACKLOG_FRAMES: usize = 10;
/// A frame is added while less than this much audio (ms) is queued ahead of the speaker: a
/// frame handed over plays after at most 30 ms, and with 30–50 ms queued when the pump has
/// looked (every 10 ms) the speaker runs dry only if the pump is 20 ms late.
const AHEAD_MS: usize = 30;

/// The microphone as a call's audio source.
pub struct DeviceSource {
    capture: Capture,
    /// From the device's rate to the processing rate.
    to_processing: Option<StreamResampler>,
    processor: VoiceProcessor,
    /// From the processing rate to the codec's, made when the codec's rate is first asked for.
    to_codec: Option<StreamResampler>,
    scratch: Vec<i16>,
    chunk: Vec<i16>,
    level: f32,
    /// Frames dropped because the sender fell behind.
    pub dropped: u64,
}

impl std::fmt::Debug for DeviceSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceSource")
            .field("rate", &self.capture.rate)
            .field("processor", &self.processor)
            .finish()
    }
}

impl DeviceSource {
    /// Opens microphone `id` (`None`: the OS default), unprocessed.
    pub fn open(id: Option<&str>) -> Result<DeviceSource, MediaError> {
        DeviceSource::open_with(id, &Voice::none())
    }

    /// Opens microphone `id` (`None`: the OS default) with the call's voice processing.
    pub fn open_with(id: Option<&str>, voice: &Voice) -> Result<DeviceSource, MediaError> {
        Ok(DeviceSource::from_capture(capture(id)?, voice))
    }

    /// The source of an opened capture.
    pub fn from_capture(capture: Capture, voice: &Voice) -> DeviceSource {
        let scratch = vec![0; capture.rate as usize / 2];
        DeviceSource {
            capture,
            to_processing: None,
            processor: voice.processor(),
            to_codec: None,
            scratch,
            chunk: vec![0; voice::CHUNK],
            level: -100.0,
            dropped: 0,
        }
    }
}

impl AudioSource for DeviceSource {
    fn next_frame(&mut self, rate: u32) -> Vec<i16> {
        // Whatever is not there (the device stopped) is silence.
        let mut frame = vec![0; frame_len(rate)];
        if let Some(resampler) = StreamResampler::kept(&mut self.to_codec, voice::RATE, rate) {
            resampler.pull(&mut frame);
        }
        self.level = level_dbfs(&frame);
        frame
    }

    fn device_paced(&self) -> bool {
        true
    }

    fn frame_ready(&mut self, rate: u32) -> bool {
        let failed = self.failed();
        let codec_frame = frame_len(rate);
        // What the device captured goes to the processing rate…
        let captured = self.capture.samples.slots().min(self.scratch.len());
        if let Ok(chunk) = self.capture.samples.read_chunk(captured) {
            let (first, second) = chunk.as_slices();
            self.scratch[..first.len()].copy_from_slice(first);
            self.scratch[first.len()..captured].copy_from_slice(second);
            chunk.commit_all();
        }
        let (Some(to_processing), Some(to_codec)) = (
            StreamResampler::kept(&mut self.to_processing, self.capture.rate, voice::RATE),
            StreamResampler::kept(&mut self.to_codec, voice::RATE, rate),
        ) else {
            return true; // nothing to resample with: silence, paced by the caller
        };
        to_processing.push(&self.scratch[..captured]);
        // …is processed 10 ms at a time, and goes to the codec's rate: once the chunks that
        // complete a codec frame are all there, back to back (a chunk processed right after
        // another costs less than one processed alone after the thread slept: 14 % less for
        // both cancellers, paced as a call paces them).
        let missing =
            codec_frame.saturating_sub(to_codec.ready()) * voice::RATE as usize / rate.max(1) as usize;
        let wanted = missing.div_ceil(voice::CHUNK).max(1) * voice::CHUNK;
        if to_processing.ready() >= wanted {
            while to_processing.ready() >= voice::CHUNK {
                to_processing.pull(&mut self.chunk);
                self.processor.process(&mut self.chunk);
                to_codec.push(&self.chunk);
            }
        }
        // Behind by more than a few frames: the oldest go, so the latency stays small.
        let mut dropped = 0;
        while to_codec.ready() > codec_frame * MAX_BACKLOG_FRAMES {
            to_codec.discard(codec_frame);
            dropped += 1;
        }
        self.dropped += dropped;
        // A failed device no longer captures: frames of silence keep the call going.
        to_codec.ready() >= codec_frame || failed
    }

    fn failed(&self) -> bool {
        self.capture.counters.failed.load(Ordering::Relaxed)
    }

    fn level(&self) -> Option<f32> {
        Some(self.level)
    }
}

/// The speaker as a call's audio sink.
pub struct DeviceSink {
    playout: Playout,
    capacity: usize,
    /// From the codec's rate to the device's, made when the codec's rate is first seen; its
    /// ratio follows the far side's clock.
    resampler: Option<StreamResampler>,
    ratio: f64,
    resampled: Vec<i16>,
    /// What is played goes to the call's echo canceller.
    reference: EchoReference,
    gain: f32,
    level: f32,
    /// Samples that did not fit (the device fell behind).
    pub overflow: u64,
}

impl std::fmt::Debug for DeviceSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceSink")
            .field("rate", &self.playout.rate)
            .finish()
    }
}

impl DeviceSink {
    /// Opens speaker `id` (`None`: the OS default), with no echo canceller listening.
    pub fn open(id: Option<&str>) -> Result<DeviceSink, MediaError> {
        DeviceSink::open_with(id, &Voice::none())
    }

    /// Opens speaker `id` (`None`: the OS default) for a call whose echo canceller hears what
    /// it plays (and runs, or not, by whether it is a headset).
    pub fn open_with(id: Option<&str>, voice: &Voice) -> Result<DeviceSink, MediaError> {
        Ok(DeviceSink::from_playout(playout(id)?, voice))
    }

    /// The sink of an opened playout.
    pub fn from_playout(playout: Playout, voice: &Voice) -> DeviceSink {
        voice.speaker_opened(playout.headset);
        let capacity = playout.samples.buffer().capacity();
        DeviceSink {
            playout,
            capacity,
            resampler: None,
            ratio: 1.0,
            resampled: Vec::new(),
            reference: voice.reference(),
            gain: 1.0,
            level: -100.0,
            overflow: 0,
        }
    }
}

impl DeviceSink {
    /// What the speaker's callback counts (samples played, slips), shared with it.
    pub fn counters(&self) -> std::sync::Arc<crate::device_stream::StreamCounters> {
        self.playout.counters.clone()
    }
}

impl AudioSink for DeviceSink {
    fn write(&mut self, rate: u32, samples: &[i16]) {
        let Some(resampler) = StreamResampler::kept_adjustable(&mut self.resampler, rate, self.playout.rate)
        else {
            return;
        };
        resampler.set_relative(self.ratio);
        resampler.push(samples);
        self.resampled.resize(resampler.ready(), 0);
        let n = resampler.pull(&mut self.resampled);
        let gain = self.gain;
        let played = &mut self.resampled[..n];
        if gain != 1.0 {
            for sample in played.iter_mut() {
                *sample = (f32::from(*sample) * gain).clamp(-32_768.0, 32_767.0) as i16;
            }
        }
        if !played.is_empty() {
            self.level = level_dbfs(played);
        }
        self.reference.played(self.playout.rate, played);
        let room = self.playout.samples.slots().min(played.len());
        let fitted = match self.playout.samples.write_chunk_uninit(room) {
            Ok(chunk) => chunk.fill_from_iter(played.iter().copied()),
            Err(_) => 0,
        };
        self.overflow += (played.len() - fitted) as u64;
    }

    fn finish(&mut self) -> Result<(), MediaError> {
        Ok(())
    }

    fn device_paced(&self) -> bool {
        true
    }

    fn failed(&self) -> bool {
        self.playout.counters.failed.load(Ordering::Relaxed)
    }

    fn level(&self) -> Option<f32> {
        Some(self.level)
    }

    fn voice(&self) -> Option<Voice> {
        Some(self.reference.voice())
    }

    fn set_volume(&mut self, gain: f32) {
        self.gain = gain.clamp(0.0, 4.0);
    }

    fn set_playout_ratio(&mut self, relative: f64) {
        self.ratio = relative;
    }

    fn room_for_frame(&mut self) -> bool {
        if self.failed() {
            return false; // the speaker is gone: nothing more to play
        }
        let queued = self.capacity - self.playout.samples.slots();
        queued < self.playout.rate as usize * AHEAD_MS / 1000
    }
}
