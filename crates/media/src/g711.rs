//! G.711 (ITU-T) μ-law (PCMU) and A-law (PCMA): 16-bit linear PCM at 8 kHz to one byte per
//! sample and back. Table-free, as the recommendation describes it.

const BIAS: i32 = 0x84;
const CLIP: i32 = 32_635;

/// One linear sample to μ-law.
pub fn linear_to_ulaw(sample: i16) -> u8 {
    let mut pcm = i32::from(sample);
    let sign = if pcm < 0 {
        pcm = -pcm;
        0x80
    } else {
        0
    };
    pcm = pcm.min(CLIP) + BIAS;
    let exponent = (7 - (pcm >> 7).leading_zeros().saturating_sub(24)).min(7) as i32;
    let exponent = exponent.max(0);
    let mantissa = (pcm >> (exponent + 3)) & 0x0F;
    !((sign | (exponent << 4) | mantissa) as u8)
}

/// One μ-law byte to a linear sample.
pub fn ulaw_to_linear(byte: u8) -> i16 {
    let byte = !byte;
    let sign = byte & 0x80;
    let exponent = i32::from((byte >> 4) & 0x07);
    let mantissa = i32::from(byte & 0x0F);
    let magnitude = (((mantissa << 3) + BIAS) << exponent) - BIAS;
    (if sign != 0 { -magnitude } else { magnitude }) as i16
}

/// One linear sample to A-law.
pub fn linear_to_alaw(sample: i16) -> u8 {
    let mut pcm = i32::from(sample);
    let sign = if pcm >= 0 { 0xD5 } else { 0x55 };
    if pcm < 0 {
        pcm = -pcm - 1;
    }
    pcm = pcm.min(32_767);
    let encoded = if pcm < 256 {
        pcm >> 4
    } else {
        let exponent = 31 - (pcm as u32).leading_zeros() as i32 - 7; // 1..=7
        (exponent << 4) | ((pcm >> (exponent + 3)) & 0x0F)
    };
    (encoded as u8) ^ sign
}

/// One A-law byte to a linear sample.
pub fn alaw_to_linear(byte: u8) -> i16 {
    let byte = byte ^ 0x55;
    let sign = byte & 0x80;
    let exponent = i32::from((byte >> 4) & 0x07);
    let mantissa = i32::from(byte & 0x0F);
    let magnitude = if exponent == 0 {
        (mantissa << 4) + 8
    } else {
        ((mantissa << 4) + 0x108) << (exponent - 1)
    };
    (if sign != 0 { magnitude } else { -magnitude }) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_ulaw_values() {
        assert_eq!(linear_to_ulaw(0), 0xFF);
        assert_eq!(linear_to_ulaw(-1), 0x7F);
        assert_eq!(linear_to_ulaw(32_767), 0x80);
        assert_eq!(linear_to_ulaw(-32_768), 0x00);
        assert_eq!(ulaw_to_linear(0xFF), 0);
        assert_eq!(ulaw_to_linear(0x80), 32_124);
        assert_eq!(ulaw_to_linear(0x00), -32_124);
    }

    #[test]
    fn known_alaw_values() {
        assert_eq!(linear_to_alaw(0), 0xD5);
        assert_eq!(linear_to_alaw(-1), 0x55);
        assert_eq!(alaw_to_linear(0xD5), 8);
        assert_eq!(alaw_to_linear(0x55), -8);
        assert_eq!(alaw_to_linear(0xAA), 32_256);
        assert_eq!(alaw_to_linear(0x2A), -32_256);
    }

    #[test]
    fn round_trips_stay_within_the_quantisation_step() {
        for sample in (-32_768i32..=32_767).step_by(7) {
            let s = sample as i16;
            let step = (i32::from(s).abs() / 16).max(16) + 8;
            let u = i32::from(ulaw_to_linear(linear_to_ulaw(s)));
            let a = i32::from(alaw_to_linear(linear_to_alaw(s)));
            assert!((u - sample).abs() <= step, "μ-law {sample} -> {u}");
            assert!((a - sample).abs() <= step, "A-law {sample} -> {a}");
        }
    }

    #[test]
    fn decoding_is_monotonic() {
        let mut ulaw: Vec<i16> = (0..=255u8).map(ulaw_to_linear).collect();
        let mut alaw: Vec<i16> = (0..=255u8).map(alaw_to_linear).collect();
        ulaw.sort_unstable();
        alaw.sort_unstable();
        ulaw.dedup();
        alaw.dedup();
        assert_eq!(ulaw.len(), 255, "μ-law has +0 and -0");
        assert_eq!(alaw.len(), 256);
    }
}
