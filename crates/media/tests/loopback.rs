//! Two sessions of ours on loopback, one offering and one answering: ICE, DTLS-SRTP and G.711
//! carry a tone each way. (Calls against real peers are proven by the CLI's PBX tests.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

use leadline_media::audio::{AudioSource, WavRecorder, read_wav};
use leadline_media::sdp::Codec;
use leadline_media::{MediaConfig, MediaSession, tone};
use std::time::Duration;

struct Tone(f64, usize);

impl AudioSource for Tone {
    fn next_frame(&mut self, rate: u32) -> Vec<i16> {
        let n = leadline_media::audio::frame_len(rate);
        let frame = (0..n)
            .map(|i| {
                let t = (self.1 + i) as f64 / f64::from(rate);
                (12_000.0 * (2.0 * std::f64::consts::PI * self.0 * t).sin()) as i16
            })
            .collect();
        self.1 += n;
        frame
    }
}

async fn call(codec: Codec) {
    let config = MediaConfig {
        bind: vec!["127.0.0.1:0".parse().unwrap()],
        codecs: vec![codec],
        ..MediaConfig::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let (caller, offer) = MediaSession::offering(&config).await.unwrap();
    assert!(offer.contains("c=IN IP4 127.0.0.1"), "{offer}");
    assert!(offer.contains("a=setup:active"), "{offer}");
    let (callee, answer) = MediaSession::answering(&config, &offer).await.unwrap();
    assert!(answer.contains("a=setup:passive"), "{answer}");
    caller.accept_answer(&answer).await.unwrap();
    assert_eq!(caller.codec().unwrap().0, codec);
    assert_eq!(callee.codec().unwrap().0, codec);

    let heard_by_callee = dir.path().join("callee.wav");
    let heard_by_caller = dir.path().join("caller.wav");
    let a = caller
        .start(
            Box::new(Tone(1000.0, 0)),
            Box::new(WavRecorder::new(&heard_by_caller)),
        )
        .unwrap();
    let b = callee
        .start(
            Box::new(Tone(440.0, 0)),
            Box::new(WavRecorder::new(&heard_by_callee)),
        )
        .unwrap();
    assert!(caller.connected(Duration::from_secs(5)).await, "caller connected");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    caller.close().await;
    callee.close().await;
    a.finish().unwrap();
    b.finish().unwrap();

    let (samples, rate) = read_wav(&heard_by_callee).unwrap();
    let report = tone::detect(&samples, rate, 1000.0);
    assert!(
        report.tone_blocks >= 5,
        "the callee heard the caller's 1000 Hz: {report:?}"
    );
    let (samples, rate) = read_wav(&heard_by_caller).unwrap();
    let report = tone::detect(&samples, rate, 440.0);
    assert!(
        report.tone_blocks >= 5,
        "the caller heard the callee's 440 Hz: {report:?}"
    );
    assert!(caller.counters.sent.load(std::sync::atomic::Ordering::Relaxed) > 40);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tone_crosses_each_way_over_pcmu() {
    call(Codec::Pcmu).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tone_crosses_each_way_over_pcma() {
    call(Codec::Pcma).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tone_crosses_each_way_over_opus() {
    call(Codec::Opus).await;
}
