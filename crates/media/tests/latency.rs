//! The latency Leadline adds each way, measured with a click through the real pipeline on
//! explicit time: the device's part (its callback every 10 ms) is played by the test through
//! a detached capture or playout ring, everything between is Leadline's code at default
//! settings (echo cancellation and noise suppression on, Opus). The operating system's and
//! the device's own buffering are not ours and not counted.
//!
//! - Capture → RTP: a tone starts in the microphone's samples; the time from the callback that
//!   delivered its first sample to the sender taking the frame that carries it (the sender
//!   looks every 10 ms, as in a call).
//! - RTP → playout: a tone starts in the far side's Opus stream; the time from the packet
//!   carrying it arriving to the speaker's callback taking its first sample, less the jitter
//!   buffer's own delay (reported separately: it is the network's due).
//!
//! `cargo test -p leadline-media --test latency -- --nocapture` prints the figures.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

use leadline_media::audio::{AudioSink, AudioSource};
use leadline_media::device_audio::{DeviceSink, DeviceSource};
use leadline_media::device_stream::{Capture, Playout};
use leadline_media::drift::DriftControl;
use leadline_media::playback::Playback;
use leadline_media::sdp::Codec;
use leadline_media::voice::{Voice, VoiceSettings};
use std::time::{Duration, Instant};

const RATE: u32 = 48_000;
/// The device's period (10 ms).
const PERIOD: usize = 480;
/// How often the sender and the speaker's pump look (as in a call).
const POLL_MS: u64 = 10;
const FRAME: usize = 960;

/// A 1 kHz tone starting at sample `onset` (silence before), sample `i`.
fn signal(i: usize, onset: usize) -> i16 {
    if i < onset {
        0
    } else {
        let t = (i - onset) as f64 / f64::from(RATE);
        (8_000.0 * (2.0 * std::f64::consts::PI * 1_000.0 * t).sin()) as i16
    }
}

/// The first index where the signal is clearly there.
fn first_loud(samples: &[i16]) -> Option<usize> {
    samples.iter().position(|s| s.unsigned_abs() > 2_000)
}

/// Capture → RTP for a tone starting `onset` samples into the call: ms.
fn capture_to_rtp(onset: usize) -> f64 {
    let voice = Voice::new(VoiceSettings::default());
    voice.speaker_opened(false);
    let (capture, mut device) = Capture::detached(RATE);
    let mut source = DeviceSource::from_capture(capture, &voice);
    let mut next_sample = 0;
    let mut sent = Vec::new();
    for ms in 0..3_000u64 {
        if ms % 10 == 0 {
            // The device's callback: one period captured.
            for _ in 0..PERIOD {
                device.push(signal(next_sample, onset)).unwrap();
                next_sample += 1;
            }
        }
        if ms % POLL_MS == 0 {
            while source.frame_ready(RATE) {
                let frame = source.next_frame(RATE);
                let at = sent.len();
                sent.extend_from_slice(&frame);
                if let Some(i) = first_loud(&sent[at..]) {
                    let _ = i;
                    // The callback that delivered the onset came at the start of its period.
                    let delivered = ((onset / PERIOD) * 10) as f64;
                    return ms as f64 - delivered;
                }
            }
        }
    }
    panic!("the tone never left");
}

/// The speaker's sink, noting when the tone is first handed to it.
struct Watched {
    sink: DeviceSink,
    now_ms: u64,
    handed_at: Option<u64>,
}

impl AudioSink for Watched {
    fn write(&mut self, rate: u32, samples: &[i16]) {
        if self.handed_at.is_none() && first_loud(samples).is_some() {
            self.handed_at = Some(self.now_ms);
        }
        self.sink.write(rate, samples);
    }
    fn finish(&mut self) -> Result<(), leadline_media::MediaError> {
        self.sink.finish()
    }
    fn device_paced(&self) -> bool {
        true
    }
    fn room_for_frame(&mut self) -> bool {
        self.sink.room_for_frame()
    }
    fn set_playout_ratio(&mut self, relative: f64) {
        self.sink.set_playout_ratio(relative);
    }
}

/// RTP → playout for a far side whose tone starts in packet `first`: (ms from the tone handed
/// to the speaker's sink to its first sample played, ms from the packet's arrival to that
/// hand-over: the jitter buffer's hold and the decoder's delay).
fn rtp_to_playout(first: usize) -> (f64, f64) {
    let voice = Voice::new(VoiceSettings::default());
    let (playout, mut device) = Playout::detached(RATE);
    let mut sink = Watched {
        sink: DeviceSink::from_playout(playout, &voice),
        now_ms: 0,
        handed_at: None,
    };
    let mut playback = Playback::new(Codec::Opus);
    let mut drift = DriftControl::new();
    let mut encoder = opus::Encoder::new(RATE, opus::Channels::Mono, opus::Application::Voip).unwrap();
    let start = Instant::now();
    let mut frame = vec![0i16; FRAME];
    let onset = first * FRAME;
    let mut arrived_at = None;
    for ms in 0..3_000u64 {
        let now = start + Duration::from_millis(ms);
        // A packet every 20 ms, 1 ms after its time (a clean network).
        if ms % 20 == 1 {
            let k = (ms / 20) as usize;
            let pcm: Vec<i16> = (0..FRAME).map(|i| signal(k * FRAME + i, onset)).collect();
            let payload = encoder.encode_vec(&pcm, 1500).unwrap();
            playback.push(now, k as u16, (k * FRAME) as u32, &payload);
            if k == first {
                arrived_at = Some(ms);
            }
        }
        if ms % POLL_MS == 0 {
            sink.now_ms = ms;
            playback.fill_speaker(&mut sink, &mut drift, now, &mut frame);
        }
        if ms % 10 == 0 {
            // The speaker's callback: one period played.
            let played: Vec<i16> = (0..PERIOD).map(|_| device.pop().unwrap_or(0)).collect();
            if let (Some(arrived), Some(handed), Some(_)) = (arrived_at, sink.handed_at, first_loud(&played))
            {
                return ((ms - handed) as f64, (handed - arrived) as f64);
            }
        }
    }
    panic!("the tone was never played");
}

#[test]
fn each_way_leadline_adds_less_than_40_ms_at_default_settings() {
    // Onsets at different phases of the device's period and the codec's frame.
    let capture: Vec<f64> = [24_000, 24_240, 24_480, 24_720, 25_000, 25_300, 25_900]
        .iter()
        .map(|onset| capture_to_rtp(*onset))
        .collect();
    let playout: Vec<(f64, f64)> = (50..57).map(rtp_to_playout).collect();
    let worst = |v: &[f64]| v.iter().copied().fold(f64::MIN, f64::max);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let added: Vec<f64> = playout.iter().map(|(a, _)| *a).collect();
    println!(
        "capture → RTP: mean {:.1} ms, worst {:.1} ms ({capture:?})",
        mean(&capture),
        worst(&capture)
    );
    let held: Vec<f64> = playout.iter().map(|(_, h)| *h).collect();
    println!(
        "RTP → playout: the speaker's path mean {:.1} ms, worst {:.1} ms ({added:?}); before it the \
         jitter buffer and decoder held the tone {:.1} ms on average (the buffer's minimum \
         target is 20 ms)",
        mean(&added),
        worst(&added),
        mean(&held)
    );
    assert!(worst(&capture) < 40.0, "capture → RTP {capture:?}");
    assert!(worst(&added) < 40.0, "RTP → playout {added:?}");
}
