//! A WAV file (a recording to play, a greeting): read, then played a few frames at two rates.

#![no_main]

use leadline_media::audio::{AudioSource, WavSource};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(mut wav) = WavSource::from_bytes(data, "fuzz.wav") {
        let _ = wav.duration();
        for rate in [8_000, 48_000] {
            for _ in 0..3 {
                let _ = wav.next_frame(rate);
            }
        }
    }
});
