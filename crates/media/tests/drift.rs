//! Drift compensation on explicit time: a far side whose clock runs 0.1 % fast or slow against
//! our speaker's, 30 ms of network jitter, three minutes of a call. The speaker drains a ring
//! at its own rate and the playout fills it a frame at a time, as the device-paced pump does.
//! Without compensation the jitter buffer has to skip or stretch whole frames every 20 s or
//! so; with it (the resampling ratio steered by [`DriftControl`]) it needs none once settled,
//! and the delay stays near the target.

use leadline_media::drift::DriftControl;
use leadline_media::playback::Playback;
use leadline_media::sdp::Codec;
use std::time::{Duration, Instant};

/// A deterministic uniform draw in [0, 1) (xorshift).
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

struct Run {
    /// Frames skipped or stretched by the jitter buffer after the first 20 s.
    adjustments: u64,
    /// The largest |delay − target| after the first 20 s, in ms.
    worst_error_ms: f64,
    /// The ratio the speaker ended with.
    ratio: f64,
}

/// Three minutes of PCMU from a far side whose clock runs `skew` fast (0.001: 0.1 %).
fn call(skew: f64, compensate: bool) -> Run {
    const FRAME: usize = 160; // 20 ms at 8 kHz
    let start = Instant::now();
    let mut playback = Playback::new(Codec::Pcmu);
    let mut control = DriftControl::new();
    let mut draw = Draw(0x5EED);
    let mut out = vec![0i16; FRAME];
    let payload = vec![0xFFu8; FRAME];
    // Arrivals: packet k leaves at k × 20 ms of the far clock, then 20–50 ms of network.
    let seconds = 180.0;
    let packets = (seconds * 50.0 * (1.0 + skew)) as usize;
    let arrivals: Vec<Duration> = (0..packets)
        .map(|k| Duration::from_secs_f64(k as f64 * 0.020 / (1.0 + skew) + 0.020 + 0.030 * draw.next()))
        .collect();
    let mut arrivals = arrivals.into_iter().enumerate().peekable();
    let mut before_settled = 0;
    let (mut queued, mut ratio, mut worst) = (0.0f64, 1.0f64, 0.0f64);
    for ms in 0..(seconds as u64 * 1_000) {
        let now = start + Duration::from_millis(ms);
        while let Some((k, at)) = arrivals.peek().copied() {
            if start + at > now {
                break;
            }
            arrivals.next();
            playback.push(start + at, k as u16, (k * FRAME) as u32, &payload);
        }
        // The speaker plays 8 samples a millisecond; the pump keeps three frames queued (the
        // drift, not the queue, is what this measures).
        queued = (queued - 8.0).max(0.0);
        while queued < (3 * FRAME) as f64 {
            let error = playback.delay_error_ms(now);
            playback.next_frame(now, &mut out);
            if compensate {
                ratio = control.on_frame(error);
            }
            queued += FRAME as f64 * ratio;
            if ms >= 20_000 {
                worst = worst.max(error.unwrap_or(0.0).abs());
            }
        }
        if ms == 20_000 {
            let stats = playback.jitter_stats();
            before_settled = stats.dropped + stats.stretched;
        }
    }
    let stats = playback.jitter_stats();
    Run {
        adjustments: stats.dropped + stats.stretched - before_settled,
        worst_error_ms: worst,
        ratio,
    }
}

#[test]
fn a_fast_far_clock_is_followed_without_skipping_frames() {
    let left_alone = call(0.001, false);
    let compensated = call(0.001, true);
    println!(
        "far clock +0.1 %: {} frames skipped or stretched uncompensated, {} compensated \
         (ratio {:.5}, worst error {:.1} ms)",
        left_alone.adjustments, compensated.adjustments, compensated.ratio, compensated.worst_error_ms
    );
    assert!(
        left_alone.adjustments >= 5,
        "the drift is real: {}",
        left_alone.adjustments
    );
    assert!(
        compensated.adjustments <= 1,
        "{} frames skipped",
        compensated.adjustments
    );
    assert!(
        (0.9985..0.9995).contains(&compensated.ratio),
        "{}",
        compensated.ratio
    );
    assert!(
        compensated.worst_error_ms < 20.0,
        "{}",
        compensated.worst_error_ms
    );
}

#[test]
fn a_slow_far_clock_is_followed_without_stretching_frames() {
    let left_alone = call(-0.001, false);
    let compensated = call(-0.001, true);
    println!(
        "far clock −0.1 %: {} uncompensated, {} compensated (ratio {:.5})",
        left_alone.adjustments, compensated.adjustments, compensated.ratio
    );
    assert!(left_alone.adjustments >= 5, "{}", left_alone.adjustments);
    assert!(compensated.adjustments <= 1, "{}", compensated.adjustments);
    assert!(
        (1.0005..1.0015).contains(&compensated.ratio),
        "{}",
        compensated.ratio
    );
}
