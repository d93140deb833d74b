//! Calls between two of our sessions on loopback whose audio is paced by device clocks: the far
//! side's tone reaches a speaker-paced sink through the jitter buffer, the microphone (the
//! PulseAudio sine source of `scripts/with-audio.sh`) is sent as its device captures it, and
//! the speaker (the null sink) plays the far side.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

use leadline_media::audio::{AudioSink, Discard, ToneSource, WavRecorder, read_wav};
use leadline_media::device_audio::{DeviceSink, DeviceSource};
use leadline_media::sdp::Codec;
use leadline_media::{MediaConfig, MediaError, MediaSession, tone};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A sink paced like a speaker by the wall clock: room for a frame every 20 ms (three ahead).
struct PacedRecorder {
    started: Instant,
    frames: usize,
    heard: Arc<Mutex<(Vec<i16>, u32)>>,
}

impl AudioSink for PacedRecorder {
    fn write(&mut self, rate: u32, samples: &[i16]) {
        self.frames += 1;
        if let Ok(mut heard) = self.heard.lock() {
            heard.0.extend_from_slice(samples);
            heard.1 = rate;
        }
    }
    fn finish(&mut self) -> Result<(), MediaError> {
        Ok(())
    }
    fn device_paced(&self) -> bool {
        true
    }
    fn room_for_frame(&mut self) -> bool {
        self.frames < (self.started.elapsed().as_millis() / 20) as usize + 3
    }
}

fn audio_server() -> bool {
    let running = std::env::var("LEADLINE_TEST_AUDIO").is_ok_and(|a| a == "pulse");
    if !running {
        eprintln!("no test audio server (run under scripts/with-audio.sh): skipped");
    }
    running
}

async fn sessions(codec: Codec) -> (MediaSession, MediaSession) {
    let config = MediaConfig {
        bind: vec!["127.0.0.1:0".parse().unwrap()],
        codecs: vec![codec],
        ..MediaConfig::default()
    };
    let (caller, offer) = MediaSession::offering(&config).await.unwrap();
    let (callee, answer) = MediaSession::answering(&config, &offer).await.unwrap();
    caller.accept_answer(&answer).await.unwrap();
    (caller, callee)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_far_sides_tone_reaches_a_speaker_paced_sink_through_the_jitter_buffer() {
    let (caller, callee) = sessions(Codec::Opus).await;
    let heard = Arc::new(Mutex::new((Vec::new(), 0)));
    let paced = PacedRecorder {
        started: Instant::now(),
        frames: 0,
        heard: heard.clone(),
    };
    caller
        .start(Box::new(ToneSource::new(440.0)), Box::new(Discard))
        .unwrap();
    callee
        .start(Box::new(ToneSource::new(1000.0)), Box::new(paced))
        .unwrap();
    assert!(caller.connected(Duration::from_secs(5)).await);
    tokio::time::sleep(Duration::from_secs(2)).await;
    caller.close().await;
    callee.close().await;
    let (samples, rate) = heard.lock().unwrap().clone();
    assert_eq!(rate, 48_000);
    // Played at the speaker's pace: about 50 frames a second, silence until the audio came.
    let seconds = samples.len() as f64 / f64::from(rate);
    assert!((1.5..=2.6).contains(&seconds), "{seconds:.2} s played in 2 s");
    let start = samples
        .iter()
        .position(|s| s.abs() > 1000)
        .expect("the tone arrived");
    let report = tone::detect(&samples[start..], rate, 440.0);
    assert!(report.tone_share() >= 0.9, "{report:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_microphone_is_sent_as_its_device_captures_it_and_the_speaker_plays_the_far_side() {
    if !audio_server() {
        return;
    }
    let (caller, callee) = sessions(Codec::Pcmu).await;
    let dir = tempfile::tempdir().unwrap();
    let heard_by_callee = dir.path().join("callee.wav");
    let speaker = DeviceSink::open(None).unwrap();
    let played = speaker.counters();
    caller
        .start(Box::new(DeviceSource::open(None).unwrap()), Box::new(speaker))
        .unwrap();
    let recording = callee
        .start(
            Box::new(ToneSource::new(1000.0)),
            Box::new(WavRecorder::new(&heard_by_callee)),
        )
        .unwrap();
    assert!(caller.connected(Duration::from_secs(5)).await);
    // The microphone starts delivering after the audio server's start-up latency.
    let waited = Instant::now();
    while caller.counters.sent.load(Ordering::Relaxed) == 0 && waited.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let first = caller.counters.sent.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let sent = caller.counters.sent.load(Ordering::Relaxed) - first;
    // The speaker starts after the audio server's start-up latency too (over a second on this
    // test bed's null sinks): give it until half a second has played.
    let waited = Instant::now();
    while played.samples.load(Ordering::Relaxed) < 48_000 / 2 && waited.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    caller.close().await;
    callee.close().await;
    recording.finish().unwrap();
    // The microphone's clock paced the packets: about 50 a second.
    assert!((80..=120).contains(&sent), "{sent} packets in 2 s");
    let (samples, rate) = read_wav(&heard_by_callee).unwrap();
    let report = tone::detect(&samples, rate, 440.0);
    assert!(
        report.tone_blocks >= 10,
        "the far side heard the sine microphone: {report:?}"
    );
    let samples_played = played.samples.load(Ordering::Relaxed);
    assert!(
        samples_played >= 48_000 / 2,
        "the speaker played {samples_played} samples"
    );
    assert!(!played.failed.load(Ordering::Relaxed));
}
