//! Drift compensation on the playout side. The far side's sampling clock and our speaker's
//! never agree exactly (crystals differ by up to about 0.1 %): left alone, the jitter buffer's
//! delay creeps, and the buffer puts it back by dropping or stretching a whole frame — an
//! audible skip every 20 s or so at 0.1 %. [`DriftControl`] steers the speaker's resampler
//! instead: from how far the delay played is from the buffer's target, smoothed over about a
//! second (proportionally, and integrated so a steady drift leaves no lasting error), it sets the resampling ratio by up to 0.2 % faster or slower, so the
//! speaker drains frames at the far side's pace and the delay stays put without skips. The
//! buffer's own drop-and-stretch remains for what this cannot follow (a jump in the target).
//! Pure: errors in, a ratio out.

/// The largest correction: ±0.2 %, twice the worst drift of sound-card clocks (a tone moves by
/// 2 Hz in a thousand: inaudible). Larger errors are the jitter buffer's to fix.
pub const MAX_CORRECTION: f64 = 0.002;
/// Correction per millisecond of smoothed error (20 ms off: the largest correction).
const GAIN_PER_MS: f64 = MAX_CORRECTION / 20.0;
/// The smoothing per frame (about a second at 20 ms frames).
const SMOOTHING: f64 = 0.02;
/// The integral's share per frame: a steady drift is learnt over about ten seconds, so the
/// delay comes back to the target instead of resting an error away from it.
const INTEGRAL_PER_FRAME: f64 = GAIN_PER_MS / 500.0;

/// Turns the played delay's error into the speaker's resampling ratio.
#[derive(Debug, Clone, Default)]
pub struct DriftControl {
    smoothed_ms: Option<f64>,
    /// The drift learnt so far (a correction).
    learnt: f64,
}

impl DriftControl {
    /// A controller at rest (ratio 1).
    pub fn new() -> DriftControl {
        DriftControl::default()
    }

    /// A frame played `error_ms` later than the buffer's target (negative: earlier; `None`:
    /// nothing is playing). Returns the ratio to resample the following frames with, relative
    /// to the nominal one: below 1 plays faster (fewer samples per frame), above 1 slower.
    pub fn on_frame(&mut self, error_ms: Option<f64>) -> f64 {
        let Some(error) = error_ms.filter(|e| e.is_finite()) else {
            // Nothing plays: the error is forgotten, the drift learnt is kept (same clocks).
            self.smoothed_ms = None;
            return 1.0;
        };
        let smoothed = match self.smoothed_ms {
            Some(s) => s + SMOOTHING * (error - s),
            None => error,
        };
        self.smoothed_ms = Some(smoothed);
        self.learnt = (self.learnt + INTEGRAL_PER_FRAME * smoothed).clamp(-MAX_CORRECTION, MAX_CORRECTION);
        1.0 - (GAIN_PER_MS * smoothed + self.learnt).clamp(-MAX_CORRECTION, MAX_CORRECTION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn late_plays_faster_early_slower_and_nothing_playing_rests() {
        let mut control = DriftControl::new();
        assert_eq!(control.on_frame(None), 1.0);
        assert!(control.on_frame(Some(10.0)) < 1.0, "late: drain faster");
        let mut control = DriftControl::new();
        assert!(control.on_frame(Some(-10.0)) > 1.0, "early: drain slower");
        for _ in 0..1_000 {
            control.on_frame(Some(-500.0));
        }
        assert_eq!(control.on_frame(Some(-500.0)), 1.0 + MAX_CORRECTION, "bounded");
        assert_eq!(control.on_frame(Some(f64::NAN)), 1.0);
    }
}
