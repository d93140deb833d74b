//! The receive side of a call as the playout clock sees it: RTP payloads go into the jitter
//! buffer as they arrive; each frame period the playout takes one 20 ms frame out — the
//! packet's audio, a concealed frame (Opus FEC or PLC, G.711 fading repetition) or silence —
//! decoded into the caller's buffer. Explicit time in, samples out: no clock, no lock, no
//! allocation after construction, so an audio thread can run it.

use crate::audio::AudioSink;
use crate::decode::{FrameDecoder, MAX_OPUS_SAMPLES};
use crate::drift::DriftControl;
use crate::jitter::{JitterBuffer, JitterConfig, JitterStats, Playout, Pushed};
use crate::sdp::Codec;
use std::time::Instant;

/// What a frame period played.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Played {
    /// The other side's audio.
    Audio,
    /// A frame made up for one that was lost or late.
    Concealed,
    /// Nothing to play (before the audio starts, or during a long silence).
    Silence,
}

/// The jitter buffer and decoder of one received stream.
#[derive(Debug)]
pub struct Playback {
    jitter: JitterBuffer,
    decoder: FrameDecoder,
    /// Decoding room for packets longer than a frame (their surplus is not played).
    scratch: Box<[i16]>,
    concealed: u64,
}

impl Playback {
    /// The playback of a `codec` stream.
    pub fn new(codec: Codec) -> Playback {
        let decoder = FrameDecoder::new(codec);
        let clock_rate = match codec {
            Codec::Opus => 48_000,
            Codec::Pcmu | Codec::Pcma => 8_000,
        };
        Playback {
            jitter: JitterBuffer::new(JitterConfig::for_clock_rate(clock_rate)),
            decoder,
            scratch: vec![0; MAX_OPUS_SAMPLES].into_boxed_slice(),
            concealed: 0,
        }
    }

    /// Samples per second played.
    pub fn rate(&self) -> u32 {
        self.decoder.rate()
    }

    /// Samples in one frame period.
    pub fn frame_samples(&self) -> usize {
        self.decoder.frame_samples()
    }

    /// A packet arrived at `now`.
    pub fn push(&mut self, now: Instant, seq: u16, timestamp: u32, payload: &[u8]) -> Pushed {
        self.jitter.push(now, seq, timestamp, payload)
    }

    /// Writes the frame period's audio at `now` into `out` (a frame's length: the rest is
    /// left alone), and says what it was.
    pub fn next_frame(&mut self, now: Instant, out: &mut [i16]) -> Played {
        let frame = self.decoder.frame_samples().min(out.len());
        let out = &mut out[..frame];
        match self.jitter.pop(now) {
            Playout::Frame(payload) => match self.decoder.decode(payload, &mut self.scratch) {
                Some(n) if n >= frame => {
                    out.copy_from_slice(&self.scratch[..frame]);
                    Played::Audio
                }
                Some(n) => {
                    out[..n].copy_from_slice(&self.scratch[..n]);
                    out[n..].fill(0);
                    Played::Audio
                }
                None => {
                    self.concealed += 1;
                    self.decoder.conceal(None, out);
                    Played::Concealed
                }
            },
            Playout::Conceal { next } => {
                self.concealed += 1;
                let written = self.decoder.conceal(next, out);
                out[written.min(frame)..].fill(0);
                Played::Concealed
            }
            Playout::Silence => {
                out.fill(0);
                Played::Silence
            }
        }
    }

    /// How much later than the jitter buffer's target the next frame plays at `now`, in
    /// milliseconds; `None` while nothing plays.
    pub fn delay_error_ms(&self, now: Instant) -> Option<f64> {
        self.jitter.delay_error_ms(now)
    }

    /// Feeds a device-paced `sink` at `now`: a frame (decoded into `frame`) each time it has
    /// room, resampled a little faster or slower as `drift` says to follow the far side's
    /// clock. Returns the frames written.
    pub fn fill_speaker(
        &mut self,
        sink: &mut dyn AudioSink,
        drift: &mut DriftControl,
        now: Instant,
        frame: &mut [i16],
    ) -> usize {
        let mut written = 0;
        while sink.room_for_frame() {
            sink.set_playout_ratio(drift.on_frame(self.delay_error_ms(now)));
            self.next_frame(now, frame);
            sink.write(self.rate(), frame);
            written += 1;
        }
        written
    }

    /// Frames concealed so far.
    pub fn concealed(&self) -> u64 {
        self.concealed
    }

    /// The jitter buffer's figures.
    pub fn jitter_stats(&self) -> JitterStats {
        self.jitter.stats()
    }
}
