//! Is a tone there? The Goertzel filter over 100 ms blocks: for each block, the energy at the
//! wanted frequency against the block's total. Used by the tests to prove that audio crossed
//! a call, and by diagnostics.

/// What a recording holds at one frequency.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ToneReport {
    /// Blocks of 100 ms examined.
    pub blocks: usize,
    /// Blocks where the frequency holds most of the energy.
    pub tone_blocks: usize,
    /// Blocks with next to no energy.
    pub silent_blocks: usize,
}

impl ToneReport {
    /// The share of blocks carrying the tone.
    pub fn tone_share(&self) -> f64 {
        if self.blocks == 0 {
            0.0
        } else {
            self.tone_blocks as f64 / self.blocks as f64
        }
    }
}

/// Energy at `frequency` in `block` (Goertzel), scaled like the block's own energy.
fn goertzel_power(block: &[f32], rate: u32, frequency: f64) -> f64 {
    let n = block.len() as f64;
    let k = (n * frequency / f64::from(rate)).round();
    let omega = 2.0 * std::f64::consts::PI * k / n;
    let coeff = 2.0 * omega.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in block {
        let s0 = f64::from(x) + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    2.0 * power / n
}

/// Looks for `frequency` in mono `samples` at `rate`: blocks where it holds most (60 %) of
/// the energy.
pub fn detect(samples: &[i16], rate: u32, frequency: f64) -> ToneReport {
    detect_share(samples, rate, frequency, 0.6)
}

/// Looks for `frequency` as a part of a chord (a dual tone holds about half the energy at
/// each frequency): blocks where it holds at least `share` of the energy.
pub fn detect_share(samples: &[i16], rate: u32, frequency: f64, share: f64) -> ToneReport {
    let block_len = (rate / 10).max(1) as usize;
    let mut report = ToneReport {
        blocks: 0,
        tone_blocks: 0,
        silent_blocks: 0,
    };
    for block in samples.chunks_exact(block_len) {
        let block: Vec<f32> = block.iter().map(|&s| f32::from(s) / 32_768.0).collect();
        let energy: f64 = block.iter().map(|&x| f64::from(x) * f64::from(x)).sum::<f64>();
        report.blocks += 1;
        if energy / (block_len as f64) < 1e-6 {
            report.silent_blocks += 1;
            continue;
        }
        if goertzel_power(&block, rate, frequency) / energy > share {
            report.tone_blocks += 1;
        }
    }
    report
}

/// A sine of `frequency` at `rate`, `seconds` long, at half scale.
pub fn sine(frequency: f64, rate: u32, seconds: f64) -> Vec<i16> {
    let n = (f64::from(rate) * seconds) as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(rate);
            (16_000.0 * (2.0 * std::f64::consts::PI * frequency * t).sin()) as i16
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_tone_and_only_that_tone() {
        let tone = sine(1000.0, 8000, 2.0);
        let report = detect(&tone, 8000, 1000.0);
        assert_eq!(report.blocks, 20);
        assert!(report.tone_share() > 0.95, "{report:?}");
        assert!(detect(&tone, 8000, 440.0).tone_share() < 0.05);
        let other = sine(440.0, 48_000, 1.0);
        assert!(detect(&other, 48_000, 440.0).tone_share() > 0.95);
        assert!(detect(&other, 48_000, 1000.0).tone_share() < 0.05);
    }

    #[test]
    fn silence_and_noise_are_not_a_tone() {
        let silence = vec![0i16; 8000];
        let report = detect(&silence, 8000, 1000.0);
        assert_eq!(report.silent_blocks, 10);
        assert_eq!(report.tone_share(), 0.0);
        let mut seed = 12_345u32;
        let noise: Vec<i16> = (0..8000)
            .map(|_| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (seed >> 16) as i16
            })
            .collect();
        assert!(detect(&noise, 8000, 1000.0).tone_share() < 0.05);
    }
}
