//! The device callbacks' bodies are real-time safe: run under an allocator that aborts the
//! process on any allocation inside `assert_no_alloc`, they move samples through the rings,
//! convert formats, mix down channels and count slips without allocating.

#![allow(clippy::unwrap_used)] // a test fails loudly

use assert_no_alloc::{AllocDisabler, assert_no_alloc};
use leadline_media::device_stream::{StreamCounters, fill_output, take_input};
use std::sync::atomic::Ordering;

#[global_allocator]
static ALLOCATOR: AllocDisabler = AllocDisabler;

#[test]
fn capture_moves_the_first_channel_into_the_ring_and_counts_what_did_not_fit() {
    let (mut producer, mut consumer) = rtrb::RingBuffer::<i16>::new(300);
    let counters = StreamCounters::default();
    // Stereo f32 frames: left carries the signal.
    let device: Vec<f32> = (0..512).flat_map(|i| [i as f32 / 1024.0, -1.0]).collect();
    assert_no_alloc(|| {
        take_input(&device, 2, &mut producer, &counters);
    });
    assert_eq!(counters.samples.load(Ordering::Relaxed), 300);
    assert_eq!(
        counters.slips.load(Ordering::Relaxed),
        212,
        "the ring held 300 of 512"
    );
    let first: Vec<i16> = (0..3).map(|_| consumer.pop().unwrap()).collect();
    assert_eq!(first, vec![0, 32, 64]);
}

#[test]
fn playout_spreads_each_sample_on_every_channel_and_plays_silence_when_the_ring_runs_dry() {
    let (mut producer, mut consumer) = rtrb::RingBuffer::<i16>::new(1024);
    for sample in [1000i16, -1000, 500] {
        producer.push(sample).unwrap();
    }
    let counters = StreamCounters::default();
    let mut device = vec![0.5f32; 10]; // five stereo frames
    assert_no_alloc(|| {
        fill_output(&mut device, 2, &mut consumer, &counters);
    });
    let expect = |s: i16| f32::from(s) / 32768.0;
    assert_eq!(
        &device[..6],
        &[
            expect(1000),
            expect(1000),
            expect(-1000),
            expect(-1000),
            expect(500),
            expect(500)
        ]
    );
    assert_eq!(&device[6..], &[0.0; 4], "silence once the ring is empty");
    assert_eq!(counters.samples.load(Ordering::Relaxed), 3);
    assert_eq!(counters.slips.load(Ordering::Relaxed), 2);
    let mut i16_device = vec![7i16; 4];
    producer.push(-5).unwrap();
    assert_no_alloc(|| {
        fill_output(&mut i16_device, 1, &mut consumer, &counters);
    });
    assert_eq!(i16_device, vec![-5, 0, 0, 0]);
}

#[test]
fn a_glitch_is_counted_and_a_lost_device_stops_the_stream() {
    let counters = StreamCounters::default();
    let xrun = cpal::Error::new(cpal::ErrorKind::Xrun);
    let gone = cpal::Error::new(cpal::ErrorKind::DeviceNotAvailable);
    assert_no_alloc(|| counters.on_error(&xrun));
    assert_eq!(counters.xruns.load(Ordering::Relaxed), 1);
    assert!(
        !counters.failed.load(Ordering::Relaxed),
        "an underrun does not end the stream"
    );
    assert_no_alloc(|| counters.on_error(&gone));
    assert!(
        counters.failed.load(Ordering::Relaxed),
        "an unplugged device does"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn the_pulseaudio_microphone_moves_samples_into_the_ring_without_allocating() {
    let (mut producer, mut consumer) = rtrb::RingBuffer::<i16>::new(3);
    let counters = StreamCounters::default();
    let bytes: Vec<u8> = [100i16, -100, 7, 9]
        .iter()
        .flat_map(|s| s.to_le_bytes())
        .collect();
    assert_no_alloc(|| {
        leadline_media::pulse_microphone::take_bytes(&bytes, &mut producer, &counters);
    });
    let got: Vec<i16> = (0..3).map(|_| consumer.pop().unwrap()).collect();
    assert_eq!(got, vec![100, -100, 7]);
    assert_eq!(counters.samples.load(Ordering::Relaxed), 3);
    assert_eq!(counters.slips.load(Ordering::Relaxed), 1, "the ring held 3 of 4");
}

#[cfg(target_os = "linux")]
#[test]
fn the_pulseaudio_speaker_answers_a_request_without_allocating() {
    let (mut producer, mut consumer) = rtrb::RingBuffer::<i16>::new(4);
    for sample in [300i16, -300] {
        producer.push(sample).unwrap();
    }
    let counters = StreamCounters::default();
    let mut samples = vec![0i16; 4];
    let mut message = vec![0u8; 20 + 8];
    let length = assert_no_alloc(|| {
        leadline_media::pulse_speaker::fill_message(&mut samples, &mut message, 3, &mut consumer, &counters)
    });
    assert_eq!(length, 28, "a descriptor and four samples");
    let payload: Vec<i16> = message[20..]
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    assert_eq!(payload, vec![300, -300, 0, 0]);
    assert_eq!(
        counters.slips.load(Ordering::Relaxed),
        2,
        "silence where the ring ran dry"
    );
}
