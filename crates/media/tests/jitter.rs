//! The jitter buffer against synthetic networks on explicit time: a sender's 20 ms packets
//! cross a network that delays (30–100 ms of jitter), reorders, duplicates and loses them (5–20 %,
//! in bursts), from a sender whose clock runs ±0.1 % off ours; the playout clock takes one frame
//! every 20 ms. Each test plays minutes of a call in milliseconds and checks what an agent would
//! hear: no gap longer than the loss itself plus the concealment window, and a delay that settles
//! within bounds and stays there.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

use leadline_media::jitter::{JitterBuffer, JitterConfig, Playout, Pushed};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::time::{Duration, Instant};

const FRAME_MS: f64 = 20.0;
/// Frames of concealment beyond the packets really lost that a gap may take.
const CONCEAL_WINDOW: usize = 3;

/// A network between the sender and us.
#[derive(Debug, Clone, Copy)]
struct Network {
    base_ms: f64,
    /// Extra delay, uniform in 0..jitter_ms (reorders packets when above a frame).
    jitter_ms: f64,
    /// Chance that a loss starts at a packet.
    loss: f64,
    /// Packets lost in a row when one is.
    burst: usize,
    duplicate: f64,
    /// The sender's clock runs this much faster (+) or slower (−) than ours.
    skew: f64,
    seconds: f64,
}

impl Network {
    fn clean() -> Network {
        Network {
            base_ms: 40.0,
            jitter_ms: 0.0,
            loss: 0.0,
            burst: 1,
            duplicate: 0.0,
            skew: 0.0,
            seconds: 60.0,
        }
    }
}

/// What the agent heard, frame by frame.
#[derive(Debug, Default)]
struct Heard {
    /// Per playout tick: the sequence number played, or `None` (concealed or silent).
    frames: Vec<Option<u64>>,
    /// Per playout tick: whether it was concealment (as opposed to silence or a frame).
    concealed: Vec<bool>,
    /// Per played frame: (tick time in s, delay from sending to playing in ms).
    delays: Vec<(f64, f64)>,
    /// Sequence numbers the network lost.
    lost: Vec<u64>,
    fec_offered: usize,
    late: u64,
    dropped: u64,
}

fn simulate(net: Network, seed: u64) -> Heard {
    let mut rng = SmallRng::seed_from_u64(seed);
    let t0 = Instant::now();
    let packets = (net.seconds * 1000.0 / FRAME_MS) as u64;
    // (arrival ms, seq, send ms)
    let mut arrivals: Vec<(f64, u64, f64)> = Vec::new();
    let mut heard = Heard::default();
    let mut losing = 0;
    for k in 0..packets {
        let sent = k as f64 * FRAME_MS / (1.0 + net.skew);
        if losing == 0 && rng.random::<f64>() < net.loss {
            losing = net.burst;
        }
        if losing > 0 {
            losing -= 1;
            heard.lost.push(k);
            continue;
        }
        let arrive = sent + net.base_ms + rng.random::<f64>() * net.jitter_ms;
        arrivals.push((arrive, k, sent));
        if rng.random::<f64>() < net.duplicate {
            arrivals.push((arrive + rng.random::<f64>() * 30.0, k, sent));
        }
    }
    arrivals.sort_by(|a, b| a.0.total_cmp(&b.0));
    let send_ms: Vec<f64> = (0..packets)
        .map(|k| k as f64 * FRAME_MS / (1.0 + net.skew))
        .collect();
    let mut jb = JitterBuffer::new(JitterConfig::for_clock_rate(8000));
    let payload_of = |seq: u64| seq.to_be_bytes();
    let at = |ms: f64| t0 + Duration::from_secs_f64(ms / 1e3);
    let mut next_arrival = 0;
    let ticks = ((net.seconds * 1000.0 + 1000.0) / FRAME_MS) as u64;
    // The playout clock starts at a phase of its own.
    let phase = 7.3;
    for tick in 0..ticks {
        let now_ms = phase + tick as f64 * FRAME_MS;
        while next_arrival < arrivals.len() && arrivals[next_arrival].0 <= now_ms {
            let (arrive, seq, _) = arrivals[next_arrival];
            let payload = payload_of(seq);
            jb.push(at(arrive), seq as u16, (seq * 160) as u32, &payload);
            next_arrival += 1;
        }
        match jb.pop(at(now_ms)) {
            Playout::Frame(payload) => {
                let seq = u64::from_be_bytes(payload.try_into().unwrap());
                heard.frames.push(Some(seq));
                heard.concealed.push(false);
                heard.delays.push((now_ms / 1e3, now_ms - send_ms[seq as usize]));
            }
            Playout::Conceal { next } => {
                heard.frames.push(None);
                heard.concealed.push(true);
                heard.fec_offered += usize::from(next.is_some());
            }
            Playout::Silence => {
                heard.frames.push(None);
                heard.concealed.push(false);
            }
        }
    }
    let stats = jb.stats();
    heard.late = stats.late;
    heard.dropped = stats.dropped;
    heard
}

fn longest_run(flags: impl Iterator<Item = bool>) -> usize {
    let (mut longest, mut run) = (0, 0);
    for flag in flags {
        run = if flag { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The median delay of frames played between `from` and `to` seconds.
fn delay_between(heard: &Heard, from: f64, to: f64) -> f64 {
    median(
        heard
            .delays
            .iter()
            .filter(|(t, _)| *t >= from && *t < to)
            .map(|(_, d)| *d)
            .collect(),
    )
}

/// Played in order, each packet at most once.
fn in_order(heard: &Heard) {
    let played: Vec<u64> = heard.frames.iter().flatten().copied().collect();
    assert!(played.windows(2).all(|w| w[0] < w[1]), "played out of order");
}

#[test]
fn a_clean_network_plays_every_packet_in_order_with_little_delay() {
    let heard = simulate(Network::clean(), 1);
    in_order(&heard);
    let played = heard.frames.iter().flatten().count();
    assert_eq!(played, 3000, "every packet of the minute played");
    let started = heard.frames.iter().position(Option::is_some).unwrap();
    let gaps = heard.concealed[started..3000].iter().filter(|c| **c).count();
    assert_eq!(gaps, 0, "nothing concealed");
    let delay = delay_between(&heard, 5.0, 60.0);
    assert!(delay <= 40.0 + 45.0, "network 40 ms, played after {delay:.1} ms");
}

#[test]
fn reordering_and_duplicates_under_30_ms_of_jitter_play_in_order_with_few_late() {
    let net = Network {
        jitter_ms: 30.0,
        duplicate: 0.05,
        ..Network::clean()
    };
    let heard = simulate(net, 2);
    in_order(&heard);
    let played = heard.frames.iter().flatten().count();
    assert!(played >= 2940, "{played} of 3000 played");
    assert!(heard.late <= 60, "{} late", heard.late);
    let delay = delay_between(&heard, 20.0, 60.0);
    assert!(
        (40.0 + 15.0..=40.0 + 30.0 + 50.0).contains(&delay),
        "delay {delay:.1} ms"
    );
}

fn lossy(jitter_ms: f64, loss: f64, burst: usize, seed: u64) {
    let net = Network {
        jitter_ms,
        loss,
        burst,
        seconds: 120.0,
        ..Network::clean()
    };
    let heard = simulate(net, seed);
    in_order(&heard);
    // After it settles (10 s), no gap is longer than the packets really lost plus the window.
    let settled = (10_000.0 / FRAME_MS) as usize;
    let end = (120_000.0 / FRAME_MS) as usize;
    let longest_loss = longest_run((0..6000u64).map(|k| heard.lost.binary_search(&k).is_ok()));
    let longest_gap = longest_run(heard.concealed[settled..end].iter().copied());
    assert!(
        longest_gap <= longest_loss + CONCEAL_WINDOW,
        "a gap of {longest_gap} frames; the network lost at most {longest_loss} in a row"
    );
    // Few packets come too late for their turn.
    let arrived = 6000 - heard.lost.len() as u64;
    assert!(
        (heard.late as f64) < arrived as f64 * 0.04,
        "{} of {arrived} late (jitter {jitter_ms} ms, loss {loss})",
        heard.late
    );
    // FEC is offered for most single losses.
    assert!(heard.fec_offered > 0);
    // The delay settles: covers the jitter, not far beyond it, and stays.
    let early = delay_between(&heard, 20.0, 40.0);
    let late = delay_between(&heard, 90.0, 120.0);
    eprintln!(
        "jitter {jitter_ms} ms, loss {loss} in bursts of {burst}: delay {early:.1} → {late:.1} ms \
         (network 40 ms), {} late, longest gap {longest_gap} (lost in a row {longest_loss})",
        heard.late
    );
    let (low, high) = (40.0 + jitter_ms * 0.5, 40.0 + jitter_ms + 60.0);
    assert!(
        (low..=high).contains(&late),
        "delay {late:.1} ms (jitter {jitter_ms})"
    );
    assert!(
        (late - early).abs() <= 25.0,
        "delay moved from {early:.1} to {late:.1} ms"
    );
}

#[test]
fn five_percent_loss_under_30_ms_of_jitter() {
    lossy(30.0, 0.05, 1, 3);
}

#[test]
fn twenty_percent_loss_under_60_ms_of_jitter() {
    lossy(60.0, 0.20, 1, 4);
}

#[test]
fn loss_in_bursts_under_100_ms_of_jitter() {
    lossy(100.0, 0.04, 3, 5);
}

fn skewed(skew: f64) -> Heard {
    let net = Network {
        jitter_ms: 30.0,
        skew,
        seconds: 300.0,
        ..Network::clean()
    };
    let heard = simulate(net, 6);
    in_order(&heard);
    let early = delay_between(&heard, 20.0, 40.0);
    let late = delay_between(&heard, 280.0, 300.0);
    assert!(
        (late - early).abs() <= 30.0,
        "with the sender's clock {skew:+} off, the delay went from {early:.1} to {late:.1} ms"
    );
    heard
}

#[test]
fn a_sender_clock_running_fast_by_0_1_percent_does_not_fill_the_buffer() {
    let heard = skewed(0.001);
    // 300 ms more audio than time in five minutes: about 15 frames dropped, a few at a time.
    assert!(heard.dropped >= 10, "{} dropped", heard.dropped);
}

#[test]
fn a_sender_clock_running_slow_by_0_1_percent_does_not_starve_the_buffer() {
    let heard = skewed(-0.001);
    let concealed = heard.concealed.iter().filter(|c| **c).count();
    assert!(concealed <= 60, "{concealed} frames concealed");
}

#[test]
fn a_long_pause_goes_silent_and_the_stream_picks_up_after_it() {
    let mut jb = JitterBuffer::new(JitterConfig::for_clock_rate(48_000));
    let t0 = Instant::now();
    let at = |ms: u64| t0 + Duration::from_millis(ms);
    for k in 0..50u16 {
        jb.push(at(u64::from(k) * 20), k, u32::from(k) * 960, &[1, 2, 3]);
    }
    let mut outputs = Vec::new();
    for tick in 0..150u64 {
        outputs.push(match jb.pop(at(tick * 20 + 5)) {
            Playout::Frame(_) => 'f',
            Playout::Conceal { .. } => 'c',
            Playout::Silence => 's',
        });
    }
    let text: String = outputs.iter().collect();
    assert!(text.contains(&"f".repeat(45)), "{text}");
    assert!(text.ends_with("sssss"), "silent after a long pause: {text}");
    let concealed = text.matches('c').count();
    assert!(concealed <= 21, "concealed at most the largest delay: {text}");
    // The sender resumes (after a hold, say): it plays again after its delay.
    for k in 50..100u16 {
        jb.push(at(4000 + u64::from(k) * 20), k, u32::from(k) * 960, &[4]);
    }
    let resumed = (0..80u64)
        .filter(|tick| matches!(jb.pop(at(5000 + tick * 20 + 5)), Playout::Frame(_)))
        .count();
    assert!(resumed >= 45, "{resumed} frames after the pause");
}

#[test]
fn sequence_numbers_wrap_and_a_jump_restarts_the_stream() {
    let mut jb = JitterBuffer::new(JitterConfig::for_clock_rate(8000));
    let t0 = Instant::now();
    let at = |ms: u64| t0 + Duration::from_millis(ms);
    // Across the 16-bit wrap.
    let mut played = Vec::new();
    for i in 0..40u64 {
        let seq = (65_520 + i) as u16;
        jb.push(at(i * 20), seq, (i * 160) as u32, &[i as u8]);
        if let Playout::Frame(p) = jb.pop(at(i * 20 + 10)) {
            played.push(p[0]);
        }
    }
    assert!(played.windows(2).all(|w| w[1] == w[0] + 1), "{played:?}");
    assert!(played.len() >= 35, "{played:?}");
    // A packet whose turn has passed is dropped and counted; so is one held twice.
    assert_eq!(jb.push(at(900), 7, 5000, &[9]), Pushed::Late);
    assert_eq!(jb.push(at(905), 50, 90 * 160, &[1]), Pushed::Accepted);
    assert_eq!(jb.push(at(906), 50, 90 * 160, &[1]), Pushed::Duplicate);
    // A jump far ahead starts over from it.
    assert_eq!(jb.push(at(1000), 30_000, 999_999, &[42]), Pushed::Restarted);
    let mut got = None;
    for tick in 0..20u64 {
        if let Playout::Frame(p) = jb.pop(at(1000 + tick * 20)) {
            got = Some(p[0]);
            break;
        }
    }
    assert_eq!(got, Some(42));
}
