//! When to try again after a failure: exponential backoff with full jitter, capped, from an
//! explicit attempt number and a caller-supplied random value (no clock, no RNG inside), so it
//! is tested deterministically. A server that answers again resets the attempt count.

use std::time::Duration;

/// The first retry waits up to this long.
pub const BASE: Duration = Duration::from_secs(1);
/// No wait is longer than this.
pub const CAP: Duration = Duration::from_secs(300);

/// The delay before retry number `attempt` (0 = first retry), scaled by `random` in `[0, 1)`.
pub fn delay(attempt: u32, random: f64) -> Duration {
    let ceiling = BASE
        .saturating_mul(1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX))
        .min(CAP);
    let random = if random.is_finite() {
        random.clamp(0.0, 1.0)
    } else {
        0.5
    };
    // Never zero: a burst of retries must not hammer a server that just came back.
    ceiling.mul_f64(random).max(Duration::from_millis(100))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_exponentially_with_jitter_and_a_cap() {
        assert_eq!(delay(0, 0.999), Duration::from_millis(999));
        assert_eq!(delay(3, 0.5), Duration::from_secs(4));
        assert_eq!(delay(30, 0.999).as_secs(), 299);
        assert_eq!(delay(u32::MAX, 1.0), CAP);
        assert_eq!(delay(2, 0.0), Duration::from_millis(100));
        assert_eq!(delay(2, f64::NAN), Duration::from_secs(2));
        let spread: Vec<_> = (0..10).map(|i| delay(5, f64::from(i) / 10.0)).collect();
        assert!(spread.windows(2).all(|w| w[0] <= w[1]) && spread[0] < spread[9]);
    }
}
