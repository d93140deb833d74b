//! The phone's own sounds: the ringtone on the ringer device while a call rings in, the
//! call-waiting beep in the headset when a call arrives during a call, and the feedback of the
//! keys the agent presses. A [`TonePlayer`] feeds its pattern into a speaker stream as the
//! device takes it, on a thread of its own; stopping it (or dropping it) ends the sound at
//! once.

use crate::MediaError;
use crate::device_stream::playout;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// What to play.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    /// The ringtone: 440 + 480 Hz for 2 s, then 4 s of silence, over and over (the North
    /// American ring).
    Ring,
    /// The call-waiting beep: 440 Hz for 300 ms, twice, once.
    CallWaiting,
    /// The dual tones of these keys, 120 ms each with 60 ms between, once.
    Keys(String),
}

/// The frequencies of a DTMF key (row, column), if it is one.
pub fn dtmf_frequencies(key: char) -> Option<(f64, f64)> {
    let rows = [697.0, 770.0, 852.0, 941.0];
    let columns = [1209.0, 1336.0, 1477.0, 1633.0];
    let layout = ["123A", "456B", "789C", "*0#D"];
    layout.iter().enumerate().find_map(|(row, keys)| {
        keys.find(key.to_ascii_uppercase())
            .map(|column| (rows[row], columns[column]))
    })
}

/// `seconds` of the sum of `frequencies` at `rate`, at a comfortable level.
fn tone(frequencies: &[f64], rate: u32, seconds: f64) -> Vec<i16> {
    let n = (f64::from(rate) * seconds) as usize;
    let amplitude = 6_000.0 / frequencies.len().max(1) as f64;
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(rate);
            let sum: f64 = frequencies
                .iter()
                .map(|f| (2.0 * std::f64::consts::PI * f * t).sin())
                .sum();
            (amplitude * sum) as i16
        })
        .collect()
}

fn silence(rate: u32, seconds: f64) -> Vec<i16> {
    vec![0; (f64::from(rate) * seconds) as usize]
}

impl Pattern {
    /// The samples at `rate`, and whether they repeat.
    pub fn samples(&self, rate: u32) -> (Vec<i16>, bool) {
        match self {
            Pattern::Ring => {
                let mut ring = tone(&[440.0, 480.0], rate, 2.0);
                ring.extend(silence(rate, 4.0));
                (ring, true)
            }
            Pattern::CallWaiting => {
                let mut beep = tone(&[440.0], rate, 0.3);
                beep.extend(silence(rate, 0.1));
                beep.extend(tone(&[440.0], rate, 0.3));
                (beep, false)
            }
            Pattern::Keys(keys) => {
                let mut out = Vec::new();
                for (low, high) in keys.chars().filter_map(dtmf_frequencies) {
                    out.extend(tone(&[low, high], rate, 0.12));
                    out.extend(silence(rate, 0.06));
                }
                (out, false)
            }
        }
    }
}

/// A pattern playing on a device.
#[derive(Debug)]
pub struct TonePlayer {
    stop: Arc<AtomicBool>,
    counters: Arc<crate::device_stream::StreamCounters>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// How often the player tops the device's ring up.
const TOP_UP: Duration = Duration::from_millis(10);
/// Queued ahead of the device, so that stopping is heard within this.
const AHEAD: Duration = Duration::from_millis(60);

impl TonePlayer {
    /// Plays `pattern` on speaker `device` (`None`: the default) until stopped, or to its end.
    pub fn start(device: Option<&str>, pattern: Pattern) -> Result<TonePlayer, MediaError> {
        let out = playout(device)?;
        let (samples, repeat) = pattern.samples(out.rate);
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let counters = out.counters.clone();
        let ahead = (f64::from(out.rate) * AHEAD.as_secs_f64()) as u64;
        let thread = std::thread::Builder::new()
            .name("leadline-tones".into())
            .spawn(move || {
                // The whole stream moves here (not only the fields used), or it would close
                // when `start` returns.
                let mut out = out;
                let mut pushed = 0u64;
                let mut position = 0usize;
                while !stopped.load(Ordering::Relaxed) && !out.counters.failed.load(Ordering::Relaxed) {
                    let played = out.counters.samples.load(Ordering::Relaxed);
                    while pushed < played + ahead {
                        if position == samples.len() {
                            if !repeat {
                                break;
                            }
                            position = 0;
                        }
                        if samples.is_empty() || out.samples.push(samples[position]).is_err() {
                            break;
                        }
                        position += 1;
                        pushed += 1;
                    }
                    if !repeat && position == samples.len() && played >= pushed {
                        return; // played to its end
                    }
                    std::thread::sleep(TOP_UP);
                }
            })
            .map_err(|e| MediaError::Device(format!("the tone player cannot start: {e}")))?;
        Ok(TonePlayer {
            stop,
            counters,
            thread: Some(thread),
        })
    }

    /// Samples the device has played so far.
    pub fn played(&self) -> u64 {
        self.counters.samples.load(Ordering::Relaxed)
    }

    /// Whether it is still playing.
    pub fn playing(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }
}

impl Drop for TonePlayer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Not joined: the thread ends within a top-up, and closes its stream on its own.
        self.thread.take();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tone::{detect, detect_share};

    #[test]
    fn keys_map_to_their_dtmf_pairs() {
        assert_eq!(dtmf_frequencies('1'), Some((697.0, 1209.0)));
        assert_eq!(dtmf_frequencies('0'), Some((941.0, 1336.0)));
        assert_eq!(dtmf_frequencies('#'), Some((941.0, 1477.0)));
        assert_eq!(dtmf_frequencies('d'), Some((941.0, 1633.0)));
        assert_eq!(dtmf_frequencies('x'), None);
    }

    #[test]
    fn patterns_sound_as_they_should() {
        let (ring, repeat) = Pattern::Ring.samples(8_000);
        assert!(repeat);
        assert_eq!(ring.len(), 48_000, "2 s on, 4 s off");
        assert!(detect_share(&ring[..16_000], 8_000, 480.0, 0.35).tone_blocks > 10);
        assert_eq!(
            detect(&ring[..16_000], 8_000, 480.0).tone_blocks,
            0,
            "a chord, not one tone"
        );
        assert!(ring[16_000..].iter().all(|s| *s == 0));
        let (beep, repeat) = Pattern::CallWaiting.samples(8_000);
        assert!(!repeat);
        assert!(detect(&beep, 8_000, 440.0).tone_blocks >= 5);
        let (keys, _) = Pattern::Keys("5#".into()).samples(8_000);
        assert_eq!(keys.len(), 2 * (960 + 480));
        assert!(detect_share(&keys[..960], 8_000, 770.0, 0.25).tone_blocks >= 1);
        assert!(detect_share(&keys[..960], 8_000, 1336.0, 0.25).tone_blocks >= 1);
    }
}
