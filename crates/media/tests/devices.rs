//! Real audio devices through cpal, on the PulseAudio server `scripts/with-audio.sh` runs (a
//! null sink `spk` and a 440 Hz sine source `mic` as the defaults, no sound card): the devices
//! are listed with the defaults marked, the default microphone's samples flow into the ring
//! and carry the sine, and samples pushed to the default speaker are played by its clock. On
//! Linux, the sound server's own streams: a sink's form factor says headset, and a stream the
//! server kills is a failed device.
//! Without that server (a plain `cargo test`), these tests say so and check nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

use leadline_media::device_stream::{capture, playout};
use leadline_media::devices::{DeviceChoice, list, resolve};
use leadline_media::tone::{detect, sine};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

#[cfg(target_os = "linux")]
#[path = "sound_server/null_sink.rs"]
mod null_sink;
#[cfg(target_os = "linux")]
use null_sink::{NullSink, run, stream_on};

fn with_audio_server() -> bool {
    let running = std::env::var("LEADLINE_TEST_AUDIO").is_ok_and(|a| a == "pulse");
    if !running {
        eprintln!("no test audio server (run under scripts/with-audio.sh): skipped");
    }
    running
}

#[test]
fn the_devices_are_listed_with_the_defaults_and_a_missing_choice_falls_back() {
    if !with_audio_server() {
        return;
    }
    let devices = list().unwrap();
    eprintln!("{devices:#?}");
    assert!(
        devices.iter().any(|d| d.input && d.default_input),
        "a default microphone"
    );
    assert!(
        devices.iter().any(|d| d.output && d.default_output),
        "a default speaker"
    );
    assert!(devices.iter().all(|d| !d.id.is_empty() && !d.name.is_empty()));
    let choice = DeviceChoice {
        speaker: Some("alsa:gone-headset".into()),
        ..DeviceChoice::default()
    };
    let [mic, speaker, ringer] = resolve(&choice, &devices);
    assert!(mic.device.unwrap().default_input);
    assert!(speaker.fell_back && speaker.device.unwrap().default_output);
    assert!(!ringer.fell_back);
}

#[test]
fn the_default_microphone_delivers_the_sine_through_the_ring() {
    if !with_audio_server() {
        return;
    }
    let mut mic = capture(None).unwrap();
    let mut samples = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    while samples.len() < mic.rate as usize && Instant::now() < deadline {
        while let Ok(sample) = mic.samples.pop() {
            samples.push(sample);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        samples.len() >= mic.rate as usize / 2,
        "{} samples in 5 s",
        samples.len()
    );
    assert!(!mic.counters.failed.load(Ordering::Relaxed));
    let report = detect(&samples[samples.len() / 4..], mic.rate, 440.0);
    assert!(report.tone_share() >= 0.8, "the sine source's 440 Hz: {report:?}");
}

#[test]
fn the_default_speaker_plays_what_is_pushed_at_its_own_pace() {
    if !with_audio_server() {
        return;
    }
    let mut speaker = playout(None).unwrap();
    let tone = sine(1000.0, speaker.rate, 0.5);
    let mut pushed = 0;
    let deadline = Instant::now() + Duration::from_secs(5);
    while pushed < tone.len() && Instant::now() < deadline {
        while pushed < tone.len() && speaker.samples.push(tone[pushed]).is_ok() {
            pushed += 1;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(pushed, tone.len());
    while speaker.counters.samples.load(Ordering::Relaxed) < tone.len() as u64 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let played = speaker.counters.samples.load(Ordering::Relaxed);
    assert_eq!(played, tone.len() as u64, "the device took every sample");
    assert!(!speaker.counters.failed.load(Ordering::Relaxed));
}

#[test]
fn a_tone_plays_on_the_speaker_until_stopped_and_a_beep_plays_to_its_end() {
    if !with_audio_server() {
        return;
    }
    use leadline_media::tones::{Pattern, TonePlayer};
    let ring = TonePlayer::start(None, Pattern::Ring).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while ring.played() < 48_000 / 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(ring.played() >= 48_000 / 2, "the ringtone plays");
    assert!(ring.playing(), "and goes on until stopped");
    drop(ring);
    let beep = TonePlayer::start(None, Pattern::CallWaiting).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while beep.playing() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!beep.playing(), "the beep ends by itself");
    assert!(
        beep.played() >= (48_000.0 * 0.7) as u64,
        "{} samples",
        beep.played()
    );
}

#[test]
fn the_speaker_volume_scales_what_it_plays_and_its_level_says_so() {
    if !with_audio_server() {
        return;
    }
    use leadline_media::audio::{AudioSink, frame_len};
    use leadline_media::device_audio::DeviceSink;
    let mut speaker = DeviceSink::open(None).unwrap();
    // A steady tone, frame after frame (the resampler settles in the first few).
    let tone: Vec<i16> = sine(440.0, 8_000, 1.0);
    let mut frames = tone.chunks_exact(frame_len(8_000));
    let mut play = |speaker: &mut DeviceSink, n: usize| {
        for frame in frames.by_ref().take(n) {
            speaker.write(8_000, frame);
        }
        speaker.level().unwrap()
    };
    let full = play(&mut speaker, 10);
    speaker.set_volume(0.5);
    let half = play(&mut speaker, 3);
    assert!((full - half - 6.02).abs() < 0.5, "{full} dBFS → {half} dBFS");
    speaker.set_volume(0.0);
    assert!(play(&mut speaker, 3) <= -99.0, "muted");
}

#[cfg(target_os = "linux")]
#[test]
fn a_sink_worn_by_its_form_factor_is_a_headset_and_a_stream_the_server_kills_fails() {
    use leadline_media::device_stream::StreamCounters;
    use leadline_media::pulse_speaker;
    use std::sync::Arc;
    if !with_audio_server() {
        return;
    }
    let _worn = NullSink::load("leadline_worn", "device.form_factor=headset");
    let _desk = NullSink::load("leadline_desk", "device.description=Desk");
    let open = |name: &str| {
        let (_, ring) = rtrb::RingBuffer::new(4_800);
        let counters = Arc::new(StreamCounters::default());
        let speaker = pulse_speaker::open(Some(name), ring, counters.clone()).unwrap();
        (speaker, counters)
    };
    let (worn, _) = open("leadline_worn");
    assert!(worn.headset, "the form factor says headset");
    let (desk, counters) = open("leadline_desk");
    assert!(!desk.headset, "a plain sink is no headset");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        counters.samples.load(Ordering::Relaxed) + counters.slips.load(Ordering::Relaxed) > 0,
        "the server asked for audio and got it (silence: the ring is empty)"
    );
    assert!(!counters.failed.load(Ordering::Relaxed));
    // pactl cannot kill a stream; pacmd (the same package) can.
    run(
        "pacmd",
        &[
            "kill-sink-input",
            &stream_on("sinks", "sink-inputs", "leadline_desk"),
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(3);
    while !counters.failed.load(Ordering::Relaxed) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        counters.failed.load(Ordering::Relaxed),
        "a stream the server killed is a failed speaker"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_microphone_stream_the_server_kills_fails() {
    use leadline_media::device_stream::StreamCounters;
    use leadline_media::pulse_microphone;
    use std::sync::Arc;
    if !with_audio_server() {
        return;
    }
    let _desk = NullSink::load("leadline_desk_mic", "device.description=DeskMic");
    let (ring, _samples) = rtrb::RingBuffer::new(48_000);
    let counters = Arc::new(StreamCounters::default());
    let _mic = pulse_microphone::open(Some("leadline_desk_mic.monitor"), ring, counters.clone()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(3);
    while counters.samples.load(Ordering::Relaxed) == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(counters.samples.load(Ordering::Relaxed) > 0, "samples came");
    let stream = stream_on("sources", "source-outputs", "leadline_desk_mic.monitor");
    run("pacmd", &["kill-source-output", &stream]);
    let deadline = Instant::now() + Duration::from_secs(3);
    while !counters.failed.load(Ordering::Relaxed) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        counters.failed.load(Ordering::Relaxed),
        "a stream the server killed is a failed microphone"
    );
}
