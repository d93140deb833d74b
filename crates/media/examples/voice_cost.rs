//! What voice processing costs: a talker (a tone with a wobble) and a far side through the
//! echo canceller and the noise suppressor, each alone and together, timed on this machine and
//! said as a share of one core (the real-time fraction). Three ways: back to back (60 s of
//! audio as fast as it goes), paced as a call paces it (a 10 ms chunk every 10 ms, the thread
//! asleep in between: 10 s), and paced in pairs (two chunks back to back every 20 ms, as the
//! microphone's side does once a codec frame is complete: 10 s).
//!
//! `cargo run --release -p leadline-media --example voice_cost`

use leadline_media::voice::{CHUNK, EchoCancellation, RATE, Voice, VoiceSettings};
use std::time::{Duration, Instant};

/// Audio processed back to back.
const SECONDS: usize = 60;
/// Audio processed paced.
const PACED_SECONDS: usize = 10;

fn signal(frequency: f32, n: usize) -> Vec<i16> {
    (0..n)
        .map(|i| {
            let t = i as f32 / RATE as f32;
            let wobble = 1.0 + 0.3 * (t * 3.0).sin();
            (8_000.0 * wobble * (2.0 * std::f32::consts::PI * frequency * t).sin()) as i16
        })
        .collect()
}

/// The share of a core `settings` cost over `seconds` of audio, in bursts of `burst` chunks
/// with the thread asleep for as long as they last in between (`None`: no pause at all).
fn share_of_a_core(settings: VoiceSettings, seconds: usize, burst: Option<usize>) -> f64 {
    let voice = Voice::new(settings);
    voice.speaker_opened(false);
    let mut microphone = voice.processor();
    let mut reference = voice.reference();
    let near = signal(440.0, RATE as usize * seconds);
    let far = signal(1_000.0, RATE as usize * seconds);
    let mut chunk = [0i16; CHUNK];
    let mut spent = Duration::ZERO;
    let chunks = near.chunks_exact(CHUNK).zip(far.chunks_exact(CHUNK));
    for (i, (near, far)) in chunks.enumerate() {
        if let Some(burst) = burst
            && i % burst == 0
        {
            std::thread::sleep(Duration::from_millis(10 * burst as u64));
        }
        let started = Instant::now();
        reference.played(RATE, far);
        chunk.copy_from_slice(near);
        microphone.process(&mut chunk);
        spent += started.elapsed();
    }
    spent.as_secs_f64() / seconds as f64 * 100.0
}

fn main() {
    let runs = [
        ("echo cancellation", false, EchoCancellation::On),
        ("noise suppression", true, EchoCancellation::Off),
        ("both", true, EchoCancellation::On),
    ];
    println!(
        "| voice processing, 48 kHz mono, % of one core | back to back | a chunk every 10 ms | two chunks every 20 ms |"
    );
    println!("|---|---|---|---|");
    for (name, noise_suppression, echo_cancellation) in runs {
        let settings = VoiceSettings {
            noise_suppression,
            echo_cancellation,
        };
        let cost = share_of_a_core(settings, SECONDS, None);
        let paced = share_of_a_core(settings, PACED_SECONDS, Some(1));
        let paired = share_of_a_core(settings, PACED_SECONDS, Some(2));
        println!("| {name} | {cost:.2} | {paced:.2} | {paired:.2} |");
    }
}
