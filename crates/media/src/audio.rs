//! Where call audio comes from and goes to. [`AudioSource`] gives 20 ms frames of mono 16-bit
//! samples at the rate asked for; [`AudioSink`] takes what the far side said. This module has
//! the file ones (tests, the CLI); live devices implement the same traits.

use crate::MediaError;
use std::path::{Path, PathBuf};

/// Frame length: 20 ms.
pub const FRAME_MS: u32 = 20;

/// Samples in one frame at `rate`.
pub fn frame_len(rate: u32) -> usize {
    (rate * FRAME_MS / 1000) as usize
}

/// Audio to send.
pub trait AudioSource: Send {
    /// The next 20 ms at `rate` Hz.
    fn next_frame(&mut self, rate: u32) -> Vec<i16>;
    /// Whether a device clock paces this source (a microphone): frames are sent as
    /// [`AudioSource::frame_ready`] says, not on a timer.
    fn device_paced(&self) -> bool {
        false
    }
    /// Whether the next frame has been captured.
    fn frame_ready(&mut self, _rate: u32) -> bool {
        true
    }
    /// Whether its device went away (the source then gives silence).
    fn failed(&self) -> bool {
        false
    }
    /// The level of the last frame, in dBFS, for a device's meter (`None`: not metered).
    fn level(&self) -> Option<f32> {
        None
    }
}

/// The level of `samples` in dBFS (root mean square; -100 for silence).
pub fn level_dbfs(samples: &[i16]) -> f32 {
    if samples.is_empty() {
        return -100.0;
    }
    let energy: f64 = samples.iter().map(|s| (f64::from(*s) / 32_768.0).powi(2)).sum();
    let rms = (energy / samples.len() as f64).sqrt();
    (20.0 * rms.max(1e-5).log10()) as f32
}

/// Audio received.
pub trait AudioSink: Send {
    /// Decoded samples at `rate` Hz.
    fn write(&mut self, rate: u32, samples: &[i16]);
    /// Flushes and closes (a recording becomes a complete file).
    fn finish(&mut self) -> Result<(), MediaError>;
    /// Whether a device clock paces this sink (a speaker): it is fed from the jitter buffer
    /// as [`AudioSink::room_for_frame`] says, instead of as packets arrive.
    fn device_paced(&self) -> bool {
        false
    }
    /// Whether the device wants another frame now.
    fn room_for_frame(&mut self) -> bool {
        true
    }
    /// Whether its device went away (what it is given is then lost).
    fn failed(&self) -> bool {
        false
    }
    /// The call's voice processing, when this sink feeds its echo canceller (a device).
    fn voice(&self) -> Option<crate::voice::Voice> {
        None
    }
    /// The level of the last frame played, in dBFS (`None`: not metered).
    fn level(&self) -> Option<f32> {
        None
    }
    /// Plays at `gain` (1 is as received; a device's speaker volume).
    fn set_volume(&mut self, _gain: f32) {}
    /// Plays `relative` times as many samples per frame as nominal (below 1: drains the
    /// stream faster), to follow the far side's clock ([`crate::drift`]).
    fn set_playout_ratio(&mut self, _relative: f64) {}
}

/// Silence.
#[derive(Debug, Default)]
pub struct Silence;

impl AudioSource for Silence {
    fn next_frame(&mut self, rate: u32) -> Vec<i16> {
        vec![0; frame_len(rate)]
    }
}

/// A continuous sine of `frequency` Hz at any rate asked for (a test signal, the audio check).
#[derive(Debug, Clone)]
pub struct ToneSource {
    frequency: f64,
    /// Seconds played so far.
    elapsed: f64,
}

impl ToneSource {
    /// A sine of `frequency` Hz.
    pub fn new(frequency: f64) -> ToneSource {
        ToneSource {
            frequency,
            elapsed: 0.0,
        }
    }
}

impl AudioSource for ToneSource {
    fn next_frame(&mut self, rate: u32) -> Vec<i16> {
        let n = frame_len(rate);
        let step = 1.0 / f64::from(rate.max(1));
        let frame = (0..n)
            .map(|i| {
                let t = self.elapsed + i as f64 * step;
                (12_000.0 * (2.0 * std::f64::consts::PI * self.frequency * t).sin()) as i16
            })
            .collect();
        self.elapsed += n as f64 * step;
        frame
    }
}

/// Discards what it gets.
#[derive(Debug, Default)]
pub struct Discard;

impl AudioSink for Discard {
    fn write(&mut self, _rate: u32, _samples: &[i16]) {}
    fn finish(&mut self) -> Result<(), MediaError> {
        Ok(())
    }
}

/// A WAV file played in a loop (mono or the first channel, 16-bit PCM, any rate).
#[derive(Debug)]
pub struct WavSource {
    samples: Vec<i16>,
    rate: u32,
    /// Position in the file, in seconds × the file's rate (fractional for resampling).
    position: f64,
}

impl WavSource {
    /// Reads the whole file.
    pub fn open(path: &Path) -> Result<WavSource, MediaError> {
        let file =
            std::fs::File::open(path).map_err(|e| MediaError::Audio(format!("{}: {e}", path.display())))?;
        WavSource::read(std::io::BufReader::new(file), &path.display().to_string())
    }

    /// Reads a WAV file held in memory (bundled audio); `name` names it in errors.
    pub fn from_bytes(bytes: &[u8], name: &str) -> Result<WavSource, MediaError> {
        WavSource::read(std::io::Cursor::new(bytes), name)
    }

    /// How long the file plays.
    pub fn duration(&self) -> std::time::Duration {
        std::time::Duration::from_secs_f64(self.samples.len() as f64 / f64::from(self.rate.max(1)))
    }

    fn read(input: impl std::io::Read, name: &str) -> Result<WavSource, MediaError> {
        let bad = |reason: String| MediaError::Audio(format!("{name}: {reason}"));
        let mut reader = hound::WavReader::new(input).map_err(|e| bad(e.to_string()))?;
        let spec = reader.spec();
        if spec.sample_format != hound::SampleFormat::Int || spec.bits_per_sample != 16 {
            return Err(bad("not 16-bit PCM".into()));
        }
        let channels = usize::from(spec.channels.max(1));
        let all: Vec<i16> = reader
            .samples::<i16>()
            .collect::<Result<_, _>>()
            .map_err(|e| bad(e.to_string()))?;
        let samples: Vec<i16> = all.chunks(channels).map(|c| c[0]).collect();
        if samples.is_empty() {
            return Err(bad("no audio".into()));
        }
        Ok(WavSource {
            samples,
            rate: spec.sample_rate,
            position: 0.0,
        })
    }
}

impl AudioSource for WavSource {
    fn next_frame(&mut self, rate: u32) -> Vec<i16> {
        let step = f64::from(self.rate) / f64::from(rate);
        let len = self.samples.len();
        (0..frame_len(rate))
            .map(|_| {
                let i = self.position.floor() as usize % len;
                let frac = self.position.fract();
                let a = f64::from(self.samples[i]);
                let b = f64::from(self.samples[(i + 1) % len]);
                self.position = (self.position + step) % len as f64;
                (a + (b - a) * frac) as i16
            })
            .collect()
    }
}

/// Records what it gets to a mono 16-bit WAV file at the rate of the first samples.
pub struct WavRecorder {
    path: PathBuf,
    writer: Option<hound::WavWriter<std::io::BufWriter<std::fs::File>>>,
    rate: Option<u32>,
    failed: Option<String>,
}

impl std::fmt::Debug for WavRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WavRecorder")
            .field("path", &self.path)
            .field("rate", &self.rate)
            .finish()
    }
}

impl WavRecorder {
    /// A recorder that creates `path` when the first audio arrives.
    pub fn new(path: &Path) -> WavRecorder {
        WavRecorder {
            path: path.to_path_buf(),
            writer: None,
            rate: None,
            failed: None,
        }
    }
}

impl AudioSink for WavRecorder {
    fn write(&mut self, rate: u32, samples: &[i16]) {
        if self.failed.is_some() {
            return;
        }
        if self.writer.is_none() {
            let spec = hound::WavSpec {
                channels: 1,
                sample_rate: rate,
                bits_per_sample: 16,
                sample_format: hound::SampleFormat::Int,
            };
            match hound::WavWriter::create(&self.path, spec) {
                Ok(writer) => {
                    self.writer = Some(writer);
                    self.rate = Some(rate);
                }
                Err(e) => {
                    self.failed = Some(e.to_string());
                    return;
                }
            }
        }
        let Some(writer) = self.writer.as_mut() else {
            return;
        };
        let to = self.rate.unwrap_or(rate);
        for sample in resample(samples, rate, to) {
            if let Err(e) = writer.write_sample(sample) {
                self.failed = Some(e.to_string());
                return;
            }
        }
    }

    fn finish(&mut self) -> Result<(), MediaError> {
        if let Some(reason) = self.failed.take() {
            return Err(MediaError::Audio(format!("{}: {reason}", self.path.display())));
        }
        match self.writer.take() {
            Some(writer) => writer
                .finalize()
                .map_err(|e| MediaError::Audio(format!("{}: {e}", self.path.display()))),
            None => Ok(()),
        }
    }
}

/// Linear resampling (good enough for tones and speech checks; calls use one rate per leg).
pub fn resample(samples: &[i16], from: u32, to: u32) -> Vec<i16> {
    if from == to || samples.is_empty() {
        return samples.to_vec();
    }
    let out_len = (samples.len() as u64 * u64::from(to) / u64::from(from)) as usize;
    let step = f64::from(from) / f64::from(to);
    (0..out_len)
        .map(|i| {
            let pos = i as f64 * step;
            let j = (pos.floor() as usize).min(samples.len() - 1);
            let k = (j + 1).min(samples.len() - 1);
            let frac = pos.fract();
            (f64::from(samples[j]) + (f64::from(samples[k]) - f64::from(samples[j])) * frac) as i16
        })
        .collect()
}

/// Reads a mono (or first-channel) 16-bit WAV: samples and rate.
pub fn read_wav(path: &Path) -> Result<(Vec<i16>, u32), MediaError> {
    let source = WavSource::open(path)?;
    Ok((source.samples, source.rate))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tone;

    #[test]
    fn a_tone_file_plays_at_any_rate_and_records_back() {
        let dir = std::env::temp_dir().join(format!("leadline-audio-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let input = dir.join("tone.wav");
        let mut rec = WavRecorder::new(&input);
        rec.write(8000, &tone::sine(1000.0, 8000, 1.0));
        rec.finish().unwrap();

        let mut source = WavSource::open(&input).unwrap();
        let mut out = WavRecorder::new(&dir.join("out.wav"));
        for _ in 0..100 {
            let frame = source.next_frame(48_000);
            assert_eq!(frame.len(), 960);
            out.write(48_000, &frame);
        }
        out.finish().unwrap();
        let (samples, rate) = read_wav(&dir.join("out.wav")).unwrap();
        assert_eq!(
            (samples.len(), rate),
            (96_000, 48_000),
            "2 s looped from a 1 s file"
        );
        assert!(tone::detect(&samples, rate, 1000.0).tone_share() > 0.9);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_that_is_not_audio_is_a_clear_error() {
        let path = std::env::temp_dir().join(format!("leadline-not-audio-{}.wav", std::process::id()));
        std::fs::write(&path, b"RIFF....not a wave").unwrap();
        let error = WavSource::open(&path).unwrap_err().to_string();
        assert!(error.contains("leadline-not-audio"), "{error}");
        std::fs::remove_file(&path).unwrap();
    }
}
