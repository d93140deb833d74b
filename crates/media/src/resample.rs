//! A streaming resampler between a device's rate and a codec's. Band-limited (rubato's FFT
//! resampler: going down removes what the lower rate cannot carry instead of folding it back
//! as aliases; going up leaves no images), and stateful across frames: a tone cut into 20 ms
//! frames comes out as one tone, with no seam at each frame. Samples go in and come out in any
//! amounts. A fixed resampler uses rubato's FFT resampler; an adjustable one (the speaker's,
//! whose ratio [`crate::drift`] steers by a fraction of a percent to follow the far side's
//! clock) uses its asynchronous sinc resampler, also between equal rates.

use crate::MediaError;
use audioadapter_buffers::direct::InterleavedSlice;
use rubato::{
    Async, Fft, FixedAsync, FixedSync, Resampler, SincInterpolationParameters, SincInterpolationType,
    WindowFunction,
};
use std::collections::VecDeque;

/// Input frames per resampling step at the input rate (10 ms).
fn chunk_of(rate: u32) -> usize {
    (rate as usize / 100).max(1)
}

/// How far an adjustable resampler's ratio may be steered (±1 %).
const MAX_RELATIVE: f64 = 1.01;

/// A resampler from one rate to another, fed and drained in any amounts.
pub struct StreamResampler {
    rates: (u32, u32),
    /// `None` when the rates are the same and the ratio fixed.
    inner: Option<Box<dyn Resampler<f32>>>,
    adjustable: bool,
    pending: Vec<f32>,
    ready: VecDeque<i16>,
    out: Vec<f32>,
}

impl std::fmt::Debug for StreamResampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamResampler")
            .field("resampling", &self.inner.is_some())
            .finish()
    }
}

impl StreamResampler {
    /// From `from` Hz to `to` Hz.
    pub fn new(from: u32, to: u32) -> Result<StreamResampler, MediaError> {
        let inner = if from == to {
            None
        } else {
            let fft = Fft::<f32>::new(from as usize, to as usize, chunk_of(from), 1, FixedSync::Input)
                .map_err(|e| MediaError::Audio(format!("no resampler from {from} Hz to {to} Hz: {e}")))?;
            Some(Box::new(fft) as Box<dyn Resampler<f32>>)
        };
        Ok(StreamResampler::with(from, to, inner, false))
    }

    /// From `from` Hz to `to` Hz with a ratio that can be steered ([`Self::set_relative`]).
    pub fn adjustable(from: u32, to: u32) -> Result<StreamResampler, MediaError> {
        let parameters = SincInterpolationParameters {
            sinc_len: 64,
            f_cutoff: None,
            oversampling_factor: 128,
            interpolation: SincInterpolationType::Linear,
            window: WindowFunction::BlackmanHarris2,
        };
        let sinc = Async::<f32>::new_sinc(
            f64::from(to) / f64::from(from.max(1)),
            MAX_RELATIVE,
            &parameters,
            chunk_of(from),
            1,
            FixedAsync::Input,
        )
        .map_err(|e| MediaError::Audio(format!("no resampler from {from} Hz to {to} Hz: {e}")))?;
        Ok(StreamResampler::with(from, to, Some(Box::new(sinc)), true))
    }

    fn with(from: u32, to: u32, inner: Option<Box<dyn Resampler<f32>>>, adjustable: bool) -> StreamResampler {
        let out_len = inner.as_ref().map_or(0, |r| r.output_frames_max());
        StreamResampler {
            rates: (from, to),
            inner,
            adjustable,
            pending: Vec::with_capacity(chunk_of(from) * 2),
            ready: VecDeque::with_capacity(out_len * 4),
            out: vec![0.0; out_len],
        }
    }

    /// Steers the ratio: `relative` times the nominal one (below 1: fewer samples out, the
    /// stream drains faster), within ±1 %. A fixed resampler ignores it.
    pub fn set_relative(&mut self, relative: f64) {
        let relative = relative.clamp(1.0 / MAX_RELATIVE, MAX_RELATIVE);
        if let Some(adjustable) = self.inner.as_mut().and_then(|r| r.as_adjustable())
            && let Err(error) = adjustable.set_resample_ratio_relative(relative, true)
        {
            tracing::debug!(%error, "the resampling ratio stays");
        }
    }

    /// The resampler kept in `slot` from `from` to `to` Hz, made (again, when a rate changed)
    /// as needed; `None`, logged, when those rates cannot be resampled.
    pub fn kept(slot: &mut Option<StreamResampler>, from: u32, to: u32) -> Option<&mut StreamResampler> {
        StreamResampler::kept_as(slot, from, to, false)
    }

    /// As [`Self::kept`], an adjustable one.
    pub fn kept_adjustable(
        slot: &mut Option<StreamResampler>,
        from: u32,
        to: u32,
    ) -> Option<&mut StreamResampler> {
        StreamResampler::kept_as(slot, from, to, true)
    }

    fn kept_as(
        slot: &mut Option<StreamResampler>,
        from: u32,
        to: u32,
        adjustable: bool,
    ) -> Option<&mut StreamResampler> {
        if slot
            .as_ref()
            .is_none_or(|r| r.rates != (from, to) || r.adjustable != adjustable)
        {
            let made = if adjustable {
                StreamResampler::adjustable(from, to)
            } else {
                StreamResampler::new(from, to)
            };
            *slot = made
                .inspect_err(|error| tracing::warn!(%error, "audio cannot be resampled"))
                .ok();
        }
        slot.as_mut()
    }

    /// Takes `samples` in.
    pub fn push(&mut self, samples: &[i16]) {
        let Some(inner) = self.inner.as_mut() else {
            self.ready.extend(samples);
            return;
        };
        self.pending
            .extend(samples.iter().map(|s| f32::from(*s) / 32_768.0));
        loop {
            let needed = inner.input_frames_next();
            if self.pending.len() < needed {
                return;
            }
            let Ok(input) = InterleavedSlice::new(&self.pending[..needed], 1, needed) else {
                return;
            };
            let frames = self.out.len();
            let Ok(mut output) = InterleavedSlice::new_mut(&mut self.out, 1, frames) else {
                return;
            };
            match inner.process_into_buffer(&input, &mut output, None) {
                Ok((taken, written)) => {
                    self.pending.drain(..taken);
                    self.ready.extend(
                        self.out[..written]
                            .iter()
                            .map(|s| (s * 32_768.0).clamp(-32_768.0, 32_767.0) as i16),
                    );
                }
                Err(error) => {
                    tracing::warn!(%error, "resampling failed; input dropped");
                    self.pending.clear();
                    return;
                }
            }
        }
    }

    /// Samples ready to be taken.
    pub fn ready(&self) -> usize {
        self.ready.len()
    }

    /// Throws away up to `n` of the oldest ready samples (a backlog too long to play).
    pub fn discard(&mut self, n: usize) {
        let n = n.min(self.ready.len());
        self.ready.drain(..n);
    }

    /// Takes up to `out.len()` ready samples into `out`; returns how many.
    pub fn pull(&mut self, out: &mut [i16]) -> usize {
        let n = out.len().min(self.ready.len());
        for (slot, sample) in out.iter_mut().zip(self.ready.drain(..n)) {
            *slot = sample;
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::resample;
    use crate::tone::{detect, sine};

    /// Runs `input` through in 20 ms frames; returns everything that came out.
    fn stream(input: &[i16], from: u32, to: u32) -> Vec<i16> {
        let mut resampler = StreamResampler::new(from, to).unwrap();
        let mut out = Vec::new();
        for frame in input.chunks(from as usize / 50) {
            resampler.push(frame);
            let mut buffer = vec![0; resampler.ready()];
            let n = resampler.pull(&mut buffer);
            out.extend_from_slice(&buffer[..n]);
        }
        out
    }

    /// No seam in a 1 kHz tone at 48 kHz: no step between neighbours larger than the sine's
    /// own steepest.
    fn assert_seamless(body: &[i16]) {
        let amplitude = body.iter().map(|s| f64::from(*s).abs()).fold(0.0, f64::max);
        let steepest = amplitude * 2.0 * std::f64::consts::PI * 1_000.0 / 48_000.0;
        let jump = body
            .windows(2)
            .map(|w| (f64::from(w[1]) - f64::from(w[0])).abs())
            .fold(0.0, f64::max);
        assert!(
            jump <= steepest * 1.05,
            "a step of {jump:.0} where the sine moves {steepest:.0}"
        );
    }

    fn energy(samples: &[i16]) -> f64 {
        samples.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / samples.len().max(1) as f64
    }

    #[test]
    fn going_down_removes_what_the_lower_rate_cannot_carry_instead_of_aliasing_it() {
        // 6 kHz cannot exist at 8 kHz: band-limited, it is gone; decimated naively, it folds
        // back as a loud 2 kHz.
        let high = sine(6_000.0, 48_000, 1.0);
        let resampled = stream(&high, 48_000, 8_000);
        let naive = resample(&high, 48_000, 8_000);
        let (kept, folded) = (energy(&resampled[800..]), energy(&naive));
        assert!(
            kept < folded / 1_000.0,
            "band-limited {kept:.0} vs naive {folded:.0}"
        );
        // A 1 kHz voice tone passes whole.
        let voice = sine(1_000.0, 48_000, 1.0);
        let passed = stream(&voice, 48_000, 8_000);
        assert!(detect(&passed[800..], 8_000, 1_000.0).tone_share() > 0.99);
        assert!((energy(&passed[800..]) / energy(&voice) - 1.0).abs() < 0.05);
    }

    #[test]
    fn a_tone_in_20_ms_frames_comes_out_seamless_between_unrelated_rates() {
        let tone = sine(1_000.0, 44_100, 2.0);
        let out = stream(&tone, 44_100, 48_000);
        let seconds = out.len() as f64 / 48_000.0;
        assert!((1.9..=2.0).contains(&seconds), "{seconds} s out of 2 s in");
        let body = &out[4_800..out.len() - 4_800];
        assert!(detect(body, 48_000, 1_000.0).tone_share() > 0.99);
        assert_seamless(body);
    }

    #[test]
    fn an_adjustable_resampler_follows_its_ratio_without_seams() {
        // 48 kHz to 48 kHz, steered 0.9 % faster: 0.9 % fewer samples, still one clean tone (at
        // 1009 Hz: the detector's bins are 10 Hz wide).
        let tone = sine(1_000.0, 48_000, 4.0);
        let mut resampler = StreamResampler::adjustable(48_000, 48_000).unwrap();
        let mut nominal = 0;
        let mut out = Vec::new();
        for (i, frame) in tone.chunks(960).enumerate() {
            if i == 100 {
                resampler.set_relative(0.991);
                nominal = out.len() + resampler.ready();
            }
            resampler.push(frame);
            let mut buffer = vec![0; resampler.ready()];
            let n = resampler.pull(&mut buffer);
            out.extend_from_slice(&buffer[..n]);
        }
        let steered = (out.len() - nominal) as f64;
        let expected = 2.0 * 48_000.0 * 0.991;
        assert!(
            (steered / expected - 1.0).abs() < 0.002,
            "{steered} samples for {expected}"
        );
        let body = &out[4_800..out.len() - 4_800];
        // The tone before; after, the same tone played 0.9 % faster.
        assert!(detect(&out[4_800..nominal], 48_000, 1_000.0).tone_share() > 0.99);
        let after = &out[nominal + 4_800..out.len() - 4_800];
        assert!(detect(after, 48_000, 1_009.0).tone_share() > 0.99);
        assert_seamless(body);
        // Out of bounds is held at ±1 %: a second in, 1.01 seconds out (unheld, the library
        // would refuse it and the ratio stay at 0.991).
        resampler.set_relative(1.5);
        let before = resampler.ready();
        let mut taken = 0;
        for frame in sine(1_000.0, 48_000, 1.0).chunks(960) {
            resampler.push(frame);
            let mut buffer = vec![0; resampler.ready()];
            taken += resampler.pull(&mut buffer);
        }
        let held = (taken - before) as f64 / (48_000.0 * 1.01);
        assert!((held - 1.0).abs() < 0.005, "{held}");
    }

    #[test]
    fn an_adjustable_resampler_keeps_the_top_of_the_voice_band() {
        // What a fullband codec carries, up to 16 kHz, comes through whole and clean, played
        // 0.1 % slower (tones picked to land on the detector's 10 Hz bins).
        for frequency in [300.3, 7_007.0, 16_016.0] {
            let tone = sine(frequency, 48_000, 2.0);
            let mut resampler = StreamResampler::adjustable(48_000, 48_000).unwrap();
            resampler.set_relative(1.001);
            let mut out = Vec::new();
            for frame in tone.chunks(960) {
                resampler.push(frame);
                let mut buffer = vec![0; resampler.ready()];
                let n = resampler.pull(&mut buffer);
                out.extend_from_slice(&buffer[..n]);
            }
            let body = &out[4_800..out.len() - 4_800];
            let heard = frequency / 1.001;
            let share = detect(body, 48_000, heard).tone_share();
            let loss = 10.0 * (energy(&tone[4_800..]) / energy(body)).log10();
            assert!(share > 0.99, "{frequency} Hz: {share}");
            assert!(loss.abs() < 0.5, "{frequency} Hz: {loss:.2} dB");
        }
    }

    #[test]
    fn the_same_rate_passes_through() {
        let mut same = StreamResampler::new(48_000, 48_000).unwrap();
        same.push(&[1, 2, 3]);
        let mut out = [0; 5];
        assert_eq!(same.pull(&mut out), 3);
        assert_eq!(&out[..3], &[1, 2, 3]);
    }
}
