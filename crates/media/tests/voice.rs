//! Voice processing with the real echo canceller (AEC3) and noise suppressor (RNNoise) on
//! synthetic rooms: what the speaker plays comes back into the microphone delayed, filtered
//! and attenuated, and the agent's voice is a tone; a fan is noise.

use leadline_media::audio::level_dbfs;
use leadline_media::tone::{detect, sine};
use leadline_media::voice::{CHUNK, EchoCancellation, RATE, Voice, VoiceSettings};

/// A deterministic noise in [-1, 1] (xorshift).
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }
}

/// Far-side "speech": noise shaped by a syllable-rate envelope (on and off four times a
/// second), at about -20 dBFS while on.
fn far_speech(seconds: f64) -> Vec<i16> {
    let mut noise = Noise(0x9E37_79B9_7F4A_7C15);
    let n = (seconds * f64::from(RATE)) as usize;
    let mut low = 0.0;
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(RATE);
            let envelope = if (t * 4.0).fract() < 0.7 { 1.0 } else { 0.1 };
            // A one-pole low-pass keeps it voice-like (most energy under 4 kHz).
            low += 0.3 * (noise.next() - low);
            (low * envelope * 0.3 * 32_767.0) as i16
        })
        .collect()
}

/// The room: the speaker's sound reaches the microphone 40 ms later through a small filter,
/// 6 dB down.
fn room_echo(far: &[i16]) -> Vec<i16> {
    let delay = (RATE as usize) * 40 / 1000;
    (0..far.len())
        .map(|i| {
            let at = |k: usize| i.checked_sub(delay + k).map_or(0.0, |j| f64::from(far[j]));
            (0.4 * at(0) + 0.15 * at(12) - 0.05 * at(30)) as i16
        })
        .collect()
}

/// Runs `far` through the speaker's side and `mic` through the microphone's, chunk by chunk,
/// as a call does; returns what would be sent.
fn run(voice: &Voice, far: &[i16], mic: &[i16]) -> Vec<i16> {
    let mut reference = voice.reference();
    let mut processor = voice.processor();
    let mut sent = Vec::with_capacity(mic.len());
    for (far, mic) in far.chunks_exact(CHUNK).zip(mic.chunks_exact(CHUNK)) {
        reference.played(RATE, far);
        let mut chunk = mic.to_vec();
        processor.process(&mut chunk);
        sent.extend_from_slice(&chunk);
    }
    sent
}

/// As [`run`], paced as a call on devices paces it: the speaker is handed 20 ms frames, the
/// microphone's chunks are processed in pairs once a codec frame is complete.
fn run_in_frames(voice: &Voice, far: &[i16], mic: &[i16]) -> Vec<i16> {
    let mut reference = voice.reference();
    let mut processor = voice.processor();
    let mut sent = Vec::with_capacity(mic.len());
    for (far, mic) in far.chunks_exact(2 * CHUNK).zip(mic.chunks_exact(2 * CHUNK)) {
        reference.played(RATE, far);
        for mic in mic.chunks_exact(CHUNK) {
            let mut chunk = mic.to_vec();
            processor.process(&mut chunk);
            sent.extend_from_slice(&chunk);
        }
    }
    sent
}

/// What was sent from `from` to `to` s is at least 20 dB under the echo heard then.
fn assert_echo_taken_out(echo: &[i16], sent: &[i16], from: f64, to: f64) {
    let echo_level = level_dbfs(seconds(echo, from, to));
    let residual = level_dbfs(seconds(sent, from, to));
    println!("echo {echo_level:.1} dBFS, after cancelling {residual:.1} dBFS");
    assert!(
        residual < echo_level - 20.0,
        "the echo is only {:.1} dB down",
        echo_level - residual
    );
}

fn seconds(samples: &[i16], from: f64, to: f64) -> &[i16] {
    &samples[(from * f64::from(RATE)) as usize..(to * f64::from(RATE)) as usize]
}

#[test]
fn the_far_side_is_taken_out_of_the_microphone_and_the_agent_still_heard() {
    let far = far_speech(8.0);
    let echo = room_echo(&far);
    // The agent is silent for 5 s, then speaks (a 300 Hz tone) over the far side.
    let voice_tone = sine(300.0, RATE, 3.0);
    let mic: Vec<i16> = echo
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let agent = i.checked_sub(5 * RATE as usize).map_or(0, |j| voice_tone[j] / 4);
            e.saturating_add(agent)
        })
        .collect();
    let voice = Voice::new(VoiceSettings {
        noise_suppression: false,
        echo_cancellation: EchoCancellation::Auto,
    });
    voice.speaker_opened(false);
    assert!(voice.cancelling(), "a loudspeaker needs the canceller");
    let sent = run(&voice, &far, &mic);

    assert_echo_taken_out(&echo, &sent, 3.0, 5.0);
    // Double talk: the agent's voice goes through.
    let talking = seconds(&sent, 6.0, 8.0);
    let share = detect(talking, RATE, 300.0).tone_share();
    println!(
        "the agent's tone is {:.0} % of what is sent while both talk",
        share * 100.0
    );
    assert!(share > 0.5, "the agent's voice is {share:.2} of what is sent");
    assert!(level_dbfs(talking) > level_dbfs(seconds(&mic, 6.0, 8.0)) - 10.0);
}

#[test]
fn the_far_side_played_in_frames_is_taken_out_of_microphone_chunks_in_pairs() {
    let far = far_speech(6.0);
    let echo = room_echo(&far);
    let voice = Voice::new(VoiceSettings {
        noise_suppression: false,
        echo_cancellation: EchoCancellation::On,
    });
    voice.speaker_opened(false);
    let sent = run_in_frames(&voice, &far, &echo);
    assert_echo_taken_out(&echo, &sent, 3.0, 6.0);
}

#[test]
fn a_headset_leaves_the_microphone_untouched_unless_the_agent_forces_the_canceller() {
    let far = far_speech(1.0);
    let mic = sine(300.0, RATE, 1.0);
    let auto = Voice::new(VoiceSettings {
        noise_suppression: false,
        echo_cancellation: EchoCancellation::Auto,
    });
    auto.speaker_opened(true);
    assert!(!auto.cancelling());
    assert_eq!(run(&auto, &far, &mic), mic[..mic.len() / CHUNK * CHUNK]);

    let forced = Voice::new(VoiceSettings {
        noise_suppression: false,
        echo_cancellation: EchoCancellation::On,
    });
    forced.speaker_opened(true);
    assert!(forced.cancelling());
    let off = Voice::new(VoiceSettings {
        noise_suppression: false,
        echo_cancellation: EchoCancellation::Off,
    });
    off.speaker_opened(false);
    assert!(!off.cancelling());
    // Switching to a loudspeaker mid-call turns the canceller on.
    auto.speaker_opened(false);
    assert!(auto.cancelling());
}

#[test]
fn noise_suppression_quiets_a_noisy_room() {
    // A fan: steady noise at about -35 dBFS, no voice.
    let mut noise = Noise(7);
    let fan: Vec<i16> = (0..RATE as usize * 4)
        .map(|_| (noise.next() * 0.03 * 32_767.0) as i16)
        .collect();
    let silence = vec![0; fan.len()];
    let voice = Voice::new(VoiceSettings {
        noise_suppression: true,
        echo_cancellation: EchoCancellation::Off,
    });
    voice.speaker_opened(false);
    let sent = run(&voice, &silence, &fan);
    let (before, after) = (
        level_dbfs(seconds(&fan, 2.0, 4.0)),
        level_dbfs(seconds(&sent, 2.0, 4.0)),
    );
    println!("fan {before:.1} dBFS, suppressed {after:.1} dBFS");
    assert!(after < before - 12.0, "only {:.1} dB quieter", before - after);
}

/// A voiced sound: harmonics of a pitch that wanders between 120 and 160 Hz, in syllables.
fn voiced(seconds: f64) -> Vec<i16> {
    let n = (seconds * f64::from(RATE)) as usize;
    let mut phase = 0.0f64;
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(RATE);
            let pitch = 140.0 + 20.0 * (2.0 * std::f64::consts::PI * 3.0 * t).sin();
            phase += 2.0 * std::f64::consts::PI * pitch / f64::from(RATE);
            let envelope = (std::f64::consts::PI * (t * 4.0).fract()).sin();
            let sound: f64 = (1..=20)
                .map(|h| (phase * f64::from(h)).sin() / f64::from(h))
                .sum();
            (sound * envelope * 0.15 * 32_767.0) as i16
        })
        .collect()
}

#[test]
fn noise_suppression_keeps_the_agents_voice() {
    let mut noise = Noise(11);
    let speech = voiced(4.0);
    let mic: Vec<i16> = speech
        .iter()
        .map(|s| s.saturating_add((noise.next() * 0.01 * 32_767.0) as i16))
        .collect();
    let voice = Voice::new(VoiceSettings {
        noise_suppression: true,
        echo_cancellation: EchoCancellation::Off,
    });
    let sent = run(&voice, &vec![0; mic.len()], &mic);
    let (spoken, kept) = (
        level_dbfs(seconds(&mic, 1.0, 4.0)),
        level_dbfs(seconds(&sent, 1.0, 4.0)),
    );
    println!("voice {spoken:.1} dBFS, after suppression {kept:.1} dBFS");
    assert!(kept > spoken - 6.0, "the voice lost {:.1} dB", spoken - kept);
}
