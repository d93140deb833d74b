//! The receive side end to end on explicit time: a 440 Hz tone encoded as the far side would
//! (Opus with in-band FEC, or PCMU) crosses a lossy, jittery network into [`Playback`]; the
//! frames played are one continuous tone — lost frames concealed, not dropped — and Opus
//! recovers lost frames from the following packets.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

use leadline_media::decode::{FrameDecoder, MAX_OPUS_SAMPLES};
use leadline_media::g711;
use leadline_media::playback::{Playback, Played};
use leadline_media::sdp::Codec;
use leadline_media::tone::{detect, sine};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::time::{Duration, Instant};

/// The far side's packets: (seq, timestamp, payload) of a 440 Hz tone in 20 ms frames.
fn packets(codec: Codec, seconds: f64) -> Vec<(u16, u32, Vec<u8>)> {
    let rate = if codec == Codec::Opus { 48_000 } else { 8_000 };
    let frame = rate as usize / 50;
    let tone = sine(440.0, rate, seconds);
    let mut encoder = (codec == Codec::Opus).then(|| {
        let mut e = opus::Encoder::new(48_000, opus::Channels::Mono, opus::Application::Voip).unwrap();
        e.set_inband_fec(true).unwrap();
        e.set_packet_loss_perc(15).unwrap();
        e
    });
    tone.chunks_exact(frame)
        .enumerate()
        .map(|(k, samples)| {
            let payload = match &mut encoder {
                Some(e) => e.encode_vec(samples, 1500).unwrap(),
                None => samples.iter().map(|s| g711::linear_to_ulaw(*s)).collect(),
            };
            (k as u16, (k * frame) as u32, payload)
        })
        .collect()
}

/// Plays `codec` through `loss` and up to `jitter_ms`: (samples played, what each frame was,
/// the frames the network lost).
fn through_network(codec: Codec, loss: f64, jitter_ms: f64, seed: u64) -> (Vec<i16>, Vec<Played>, usize) {
    let mut rng = SmallRng::seed_from_u64(seed);
    let sent = packets(codec, 20.0);
    let mut arrivals: Vec<(f64, usize)> = Vec::new();
    let mut lost = 0;
    for k in 0..sent.len() {
        if rng.random::<f64>() < loss {
            lost += 1;
            continue;
        }
        arrivals.push((k as f64 * 20.0 + 30.0 + rng.random::<f64>() * jitter_ms, k));
    }
    arrivals.sort_by(|a, b| a.0.total_cmp(&b.0));
    let t0 = Instant::now();
    let at = |ms: f64| t0 + Duration::from_secs_f64(ms / 1e3);
    let mut playback = Playback::new(codec);
    let mut frame = vec![0i16; playback.frame_samples()];
    let (mut played, mut kinds) = (Vec::new(), Vec::new());
    let mut next = 0;
    for tick in 0..(sent.len() + 20) {
        let now = tick as f64 * 20.0 + 3.0;
        while next < arrivals.len() && arrivals[next].0 <= now {
            let (arrived, k) = arrivals[next];
            let (seq, ts, payload) = &sent[k];
            playback.push(at(arrived), *seq, *ts, payload);
            next += 1;
        }
        kinds.push(playback.next_frame(at(now), &mut frame));
        played.extend_from_slice(&frame);
    }
    (played, kinds, lost)
}

fn continuous_tone(codec: Codec, loss: f64, jitter_ms: f64) {
    let (played, kinds, lost) = through_network(codec, loss, jitter_ms, 11);
    let rate = if codec == Codec::Opus { 48_000 } else { 8_000 };
    let start = kinds.iter().position(|k| *k == Played::Audio).unwrap();
    let end = kinds.len() - 25;
    let frame = rate as usize / 50;
    let report = detect(&played[start * frame..end * frame], rate, 440.0);
    let concealed = kinds[start..end]
        .iter()
        .filter(|k| **k == Played::Concealed)
        .count();
    let silent = kinds[start..end]
        .iter()
        .filter(|k| **k == Played::Silence)
        .count();
    eprintln!(
        "{codec:?}, {loss} loss, {jitter_ms} ms jitter: {report:?}, {concealed} concealed, {lost} lost"
    );
    assert_eq!(silent, 0, "no silence once the audio started");
    assert!(
        concealed >= lost * 9 / 10,
        "{concealed} concealed for {lost} lost"
    );
    assert!(
        report.tone_share() >= 0.9,
        "the tone goes on through the losses: {report:?}"
    );
}

#[test]
fn opus_with_fec_plays_a_continuous_tone_through_10_percent_loss_and_40_ms_of_jitter() {
    continuous_tone(Codec::Opus, 0.10, 40.0);
}

#[test]
fn pcmu_plays_a_continuous_tone_through_5_percent_loss_and_40_ms_of_jitter() {
    continuous_tone(Codec::Pcmu, 0.05, 40.0);
}

#[test]
fn a_lost_opus_frame_is_rebuilt_from_the_next_packets_fec_closer_than_by_plc() {
    let sent = packets(Codec::Opus, 4.0);
    // What the far side said, decoded from every packet.
    let mut reference = FrameDecoder::new(Codec::Opus);
    let mut with_fec = FrameDecoder::new(Codec::Opus);
    let mut with_plc = FrameDecoder::new(Codec::Opus);
    let mut out = vec![0i16; MAX_OPUS_SAMPLES];
    let (mut fec_error, mut plc_error) = (0.0f64, 0.0f64);
    let error = |a: &[i16], b: &[i16]| -> f64 {
        a.iter()
            .zip(b)
            .map(|(x, y)| (f64::from(*x) - f64::from(*y)).powi(2))
            .sum()
    };
    let mut lost = 0;
    for (k, (_, _, payload)) in sent.iter().enumerate() {
        let n = reference.decode(payload, &mut out).unwrap();
        let truth = out[..n].to_vec();
        if k % 5 == 2 && k + 1 < sent.len() {
            // This packet is lost; the next one is here.
            let mut fec = vec![0i16; 960];
            let mut plc = vec![0i16; 960];
            assert_eq!(with_fec.conceal(Some(&sent[k + 1].2), &mut fec), 960);
            assert_eq!(with_plc.conceal(None, &mut plc), 960);
            fec_error += error(&truth, &fec);
            plc_error += error(&truth, &plc);
            lost += 1;
        } else {
            with_fec.decode(payload, &mut out).unwrap();
            with_plc.decode(payload, &mut out).unwrap();
        }
    }
    eprintln!("{lost} frames lost: error energy with FEC {fec_error:.3e}, with PLC {plc_error:.3e}");
    assert!(lost >= 30);
    assert!(
        fec_error < plc_error / 2.0,
        "FEC {fec_error:.3e} vs PLC {plc_error:.3e}"
    );
}

#[test]
fn g711_concealment_repeats_the_last_frame_fading_to_silence() {
    let mut decoder = FrameDecoder::new(Codec::Pcmu);
    let tone: Vec<u8> = sine(440.0, 8000, 0.02)
        .iter()
        .map(|s| g711::linear_to_ulaw(*s))
        .collect();
    let mut out = vec![0i16; 160];
    assert_eq!(decoder.decode(&tone, &mut out), Some(160));
    let heard = out.clone();
    let energy = |s: &[i16]| s.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>();
    let mut energies = Vec::new();
    for _ in 0..7 {
        decoder.conceal(None, &mut out);
        energies.push(energy(&out));
    }
    assert!(
        (energies[0] - energy(&heard)).abs() < energy(&heard) * 0.01,
        "the first repeats it"
    );
    assert!(
        energies.windows(2).take(4).all(|w| w[1] < w[0]),
        "fading: {energies:?}"
    );
    assert_eq!(&energies[5..], &[0.0, 0.0], "then silence");
}
