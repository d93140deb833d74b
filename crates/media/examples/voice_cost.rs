//! What voice processing costs: 60 s of a talker (a tone with a wobble) and of a far side
//! through the echo canceller and the noise suppressor, each alone and together, timed on this
//! machine and said as a share of one core (the real-time fraction).
//!
//! `cargo run --release -p leadline-media --example voice_cost`

use leadline_media::voice::{CHUNK, EchoCancellation, RATE, Voice, VoiceSettings};
use std::time::Instant;

const SECONDS: usize = 60;

fn signal(frequency: f32, n: usize) -> Vec<i16> {
    (0..n)
        .map(|i| {
            let t = i as f32 / RATE as f32;
            let wobble = 1.0 + 0.3 * (t * 3.0).sin();
            (8_000.0 * wobble * (2.0 * std::f32::consts::PI * frequency * t).sin()) as i16
        })
        .collect()
}

fn share_of_a_core(settings: VoiceSettings) -> f64 {
    let voice = Voice::new(settings);
    voice.speaker_opened(false);
    let mut microphone = voice.processor();
    let mut reference = voice.reference();
    let near = signal(440.0, RATE as usize * SECONDS);
    let far = signal(1_000.0, RATE as usize * SECONDS);
    let mut chunk = [0i16; CHUNK];
    let started = Instant::now();
    for (near, far) in near.chunks_exact(CHUNK).zip(far.chunks_exact(CHUNK)) {
        reference.played(RATE, far);
        chunk.copy_from_slice(near);
        microphone.process(&mut chunk);
    }
    started.elapsed().as_secs_f64() / SECONDS as f64 * 100.0
}

fn main() {
    let runs = [
        ("echo cancellation", false, EchoCancellation::On),
        ("noise suppression", true, EchoCancellation::Off),
        ("both", true, EchoCancellation::On),
    ];
    println!("| voice processing, 48 kHz mono | % of one core |");
    println!("|---|---|");
    for (name, noise_suppression, echo_cancellation) in runs {
        let cost = share_of_a_core(VoiceSettings {
            noise_suppression,
            echo_cancellation,
        });
        println!("| {name} | {cost:.2} |");
    }
}
