//! Two sessions of ours on loopback, one offering and one answering: ICE, DTLS-SRTP and G.711
//! carry a tone each way. (Calls against real peers are proven by the CLI's PBX tests.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

use leadline_media::audio::{ToneSource, WavRecorder, read_wav};
use leadline_media::sdp::Codec;
use leadline_media::{MediaConfig, MediaSession, tone};
use std::time::Duration;

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
            Box::new(ToneSource::new(1000.0)),
            Box::new(WavRecorder::new(&heard_by_caller)),
        )
        .unwrap();
    let b = callee
        .start(
            Box::new(ToneSource::new(440.0)),
            Box::new(WavRecorder::new(&heard_by_callee)),
        )
        .unwrap();
    assert!(caller.connected(Duration::from_secs(5)).await, "caller connected");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // Each side's RTCP reports give the other the round trip (loopback: tiny). Reports go
    // once a second, and a receiver report names a sender report it had: about 2 s.
    let mut quality = caller.summary().await;
    for _ in 0..40 {
        if quality.rtt_ms.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        quality = caller.summary().await;
    }
    let rtt = quality.rtt_ms.expect("an RTCP round trip within 5.5 s");
    assert!((0.0..50.0).contains(&rtt), "{quality:?}");
    assert_eq!(quality.codec, Some(codec));
    assert_eq!(quality.loss_percent, 0.0, "{quality:?}");
    assert!(quality.jitter_ms < 20.0, "{quality:?}");
    let expected_kbps = if codec == Codec::Opus {
        6.0..=80.0
    } else {
        55.0..=75.0
    };
    assert!(expected_kbps.contains(&quality.bitrate_kbps), "{quality:?}");
    assert!(quality.mos >= 4.0, "{quality:?}");
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

/// The payload types on the offer's `m=audio` line and each one's `a=rtpmap` encoding.
fn offered_formats(sdp: &str) -> Vec<(String, String)> {
    let m_line = sdp.lines().find(|l| l.starts_with("m=audio")).unwrap();
    m_line
        .split_whitespace()
        .skip(3)
        .map(|pt| {
            let prefix = format!("a=rtpmap:{pt} ");
            let encoding = sdp
                .lines()
                .find_map(|l| l.strip_prefix(&prefix))
                .unwrap_or_default();
            (pt.to_owned(), encoding.to_owned())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_offer_names_each_codec_once_with_telephone_events_at_both_rates() {
    let config = MediaConfig {
        bind: vec!["127.0.0.1:0".parse().unwrap()],
        codecs: vec![Codec::Opus, Codec::Pcmu, Codec::Pcma],
        ..MediaConfig::default()
    };
    let (session, offer) = MediaSession::offering(&config).await.unwrap();
    let formats = offered_formats(&offer);
    let encodings: Vec<&str> = formats.iter().map(|(_, e)| e.as_str()).collect();
    assert_eq!(
        encodings,
        [
            "opus/48000/2",
            "PCMU/8000/1",
            "PCMA/8000/1",
            "telephone-event/48000/1",
            "telephone-event/8000/1"
        ],
        "{offer}"
    );
    let mut payload_types: Vec<&str> = formats.iter().map(|(pt, _)| pt.as_str()).collect();
    payload_types.sort_unstable();
    payload_types.dedup();
    assert_eq!(payload_types.len(), formats.len(), "{offer}");
    session.close().await;
}
