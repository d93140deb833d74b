//! The audio check of the settings screen: a test sound on the chosen speaker or ringer, the
//! microphone's level about ten times a second, and a few seconds recorded then played back.
//! Each runs on the device streams of [`device_stream`](crate::device_stream) and is paced by
//! the devices' clocks (levels every tenth of a second of samples); the caller's thread only
//! polls the rings.

use crate::MediaError;
use crate::audio::level_dbfs;
use crate::device_stream::{capture, playout};
use crate::resample::StreamResampler;
use crate::tone::sine;
use serde::Serialize;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// How often the rings are looked at (the devices set the pace; this only bounds the wait).
const POLL: Duration = Duration::from_millis(10);
/// How long beyond its length a check waits for a device that is slow to start (an audio
/// server can take over a second to open a stream).
const START_UP: Duration = Duration::from_secs(4);

/// One tenth of a second of the microphone.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Level {
    /// Root mean square, in dBFS (0 is full scale; silence is -96 or below).
    pub rms_dbfs: f64,
    /// The loudest sample, in dBFS.
    pub peak_dbfs: f64,
}

impl Level {
    /// The level of `samples`.
    pub fn of(samples: &[i16]) -> Level {
        let peak = samples
            .iter()
            .map(|s| (f64::from(*s) / 32768.0).abs())
            .fold(0.0, f64::max);
        let tenths = |db: f64| (db * 10.0).round() / 10.0;
        Level {
            rms_dbfs: tenths(f64::from(level_dbfs(samples))),
            peak_dbfs: tenths(20.0 * peak.max(1e-5).log10()),
        }
    }
}

/// Plays a two-note chime for `seconds` on `speaker` (`None`: the default); returns the
/// samples the device took.
pub fn test_sound(speaker: Option<&str>, seconds: f64) -> Result<u64, MediaError> {
    let mut out = playout(speaker)?;
    let half = seconds.max(0.2) / 2.0;
    let chime: Vec<i16> = sine(660.0, out.rate, half)
        .into_iter()
        .chain(sine(880.0, out.rate, half))
        .map(|s| s / 4)
        .collect();
    feed(
        &mut out,
        &chime,
        Duration::from_secs_f64(seconds + START_UP.as_secs_f64()),
    )?;
    Ok(out.counters.samples.load(Ordering::Relaxed))
}

/// Pushes `samples` into the speaker as it takes them, and waits until it has played them
/// (or `within` passes, or the device fails).
fn feed(
    out: &mut crate::device_stream::Playout,
    samples: &[i16],
    within: Duration,
) -> Result<(), MediaError> {
    let deadline = Instant::now() + within;
    let mut pushed = 0;
    let done = samples.len() as u64;
    while Instant::now() < deadline {
        if out.counters.failed.load(Ordering::Relaxed) {
            return Err(MediaError::Device("the speaker stopped (unplugged?)".into()));
        }
        while pushed < samples.len() && out.samples.push(samples[pushed]).is_ok() {
            pushed += 1;
        }
        if out.counters.samples.load(Ordering::Relaxed) >= done {
            break;
        }
        std::thread::sleep(POLL);
    }
    Ok(())
}

/// Reads `microphone` (`None`: the default) for `seconds`, telling `on_level` the level of
/// each tenth of a second; returns what was recorded.
pub fn microphone_levels(
    microphone: Option<&str>,
    seconds: f64,
    on_level: impl FnMut(Level),
) -> Result<(Vec<i16>, u32), MediaError> {
    microphone_levels_until(microphone, seconds, on_level, || false)
}

/// [`microphone_levels`] that ends early once `stop` says so (the settings' meter closing).
pub fn microphone_levels_until(
    microphone: Option<&str>,
    seconds: f64,
    mut on_level: impl FnMut(Level),
    stop: impl Fn() -> bool,
) -> Result<(Vec<i16>, u32), MediaError> {
    let mut mic = capture(microphone)?;
    let tenth = (mic.rate as usize / 10).max(1);
    let wanted = (f64::from(mic.rate) * seconds.max(0.1)) as usize;
    let mut recorded = Vec::with_capacity(wanted);
    let deadline = Instant::now() + Duration::from_secs_f64(seconds + START_UP.as_secs_f64());
    let mut reported = 0;
    while recorded.len() < wanted && Instant::now() < deadline && !stop() {
        if mic.counters.failed.load(Ordering::Relaxed) {
            return Err(MediaError::Device("the microphone stopped (unplugged?)".into()));
        }
        while recorded.len() < wanted
            && let Ok(sample) = mic.samples.pop()
        {
            recorded.push(sample);
        }
        while recorded.len() >= reported + tenth {
            on_level(Level::of(&recorded[reported..reported + tenth]));
            reported += tenth;
        }
        std::thread::sleep(POLL);
    }
    Ok((recorded, mic.rate))
}

/// Records `seconds` from `microphone` (levels to `on_level`), then plays them on `speaker`;
/// returns the samples recorded and played.
pub fn record_then_play(
    microphone: Option<&str>,
    speaker: Option<&str>,
    seconds: f64,
    on_level: impl FnMut(Level),
) -> Result<(u64, u64), MediaError> {
    let (recorded, rate) = microphone_levels(microphone, seconds, on_level)?;
    let recorded_samples = recorded.len() as u64;
    let mut out = playout(speaker)?;
    let mut resampler = StreamResampler::new(rate, out.rate)?;
    resampler.push(&recorded);
    let mut played = vec![0; resampler.ready()];
    resampler.pull(&mut played);
    feed(
        &mut out,
        &played,
        Duration::from_secs_f64(seconds + START_UP.as_secs_f64()),
    )?;
    Ok((recorded_samples, out.counters.samples.load(Ordering::Relaxed)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_read_in_dbfs() {
        assert!(Level::of(&[0; 480]).rms_dbfs <= -96.0);
        let full = Level::of(&[i16::MAX, i16::MIN, i16::MAX, i16::MIN]);
        assert!(full.rms_dbfs > -0.1 && full.peak_dbfs > -0.1, "{full:?}");
        let half_sine = Level::of(&sine(440.0, 48_000, 0.1).iter().map(|s| s / 2).collect::<Vec<_>>());
        assert!(
            (half_sine.peak_dbfs - half_sine.rms_dbfs - 3.0).abs() < 0.3,
            "{half_sine:?}"
        );
    }
}
