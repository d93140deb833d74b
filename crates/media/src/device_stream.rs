//! Device streams: a microphone's samples into a ring, a ring's samples out to a speaker. The
//! cpal callbacks run on the OS audio thread and only move samples between the device buffer
//! and a preallocated lock-free single-producer/single-consumer ring (`rtrb`): no lock, no
//! allocation, no system call, no logging (a test runs the callback bodies under an allocator
//! that aborts on allocation). Overruns and underruns are counted in atomics; a device error
//! (unplugged) is reported through an atomic flag for the owner to act on, never a panic.
//! Samples are mono `i16` at the device's rate; the device clock paces both sides.

use crate::MediaError;
use crate::devices;
use cpal::traits::{DeviceTrait, StreamTrait};
use cpal::{FromSample, Sample, SizedSample};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Counters a stream's callback keeps.
#[derive(Debug, Default)]
pub struct StreamCounters {
    /// Samples moved.
    pub samples: AtomicU64,
    /// Samples lost because the ring was full (capture) or missing because it was empty
    /// (playout: silence played instead).
    pub slips: AtomicU64,
    /// Glitches the device reported (an underrun or overrun); the stream goes on.
    pub xruns: AtomicU64,
    /// The device failed (unplugged, taken away, or its stream must be rebuilt): the stream
    /// no longer runs.
    pub failed: AtomicBool,
}

impl StreamCounters {
    /// What a device error means for the stream: a glitch is counted, a lost device or a
    /// stream that must be rebuilt stops it. Runs on the audio thread: no allocation.
    pub fn on_error(&self, error: &cpal::Error) {
        match error.kind() {
            cpal::ErrorKind::Xrun => {
                self.xruns.fetch_add(1, Ordering::Relaxed);
            }
            cpal::ErrorKind::DeviceNotAvailable
            | cpal::ErrorKind::DeviceChanged
            | cpal::ErrorKind::StreamInvalidated
            | cpal::ErrorKind::HostUnavailable => self.failed.store(true, Ordering::Relaxed),
            _ => {
                self.xruns.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// A device stream (cpal's, or one on the PulseAudio server), closed on a thread of its own
/// when dropped: closing joins the device's worker thread, which may wait on the audio
/// server, and must not hold up the caller (an async runtime's worker, say).
struct Owned(Option<Box<dyn Send>>);

impl Owned {
    fn new(stream: impl Send + 'static) -> Owned {
        Owned(Some(Box::new(stream)))
    }
}

impl Drop for Owned {
    fn drop(&mut self) {
        if let Some(stream) = self.0.take() {
            let closing = std::thread::Builder::new()
                .name("leadline-audio-close".into())
                .spawn(move || drop(stream));
            if let Err(error) = closing {
                tracing::warn!(%error, "an audio stream could not be closed on its own thread");
            }
        }
    }
}

/// A microphone's samples, as they come.
pub struct Capture {
    _stream: Owned,
    /// Mono samples at [`Capture::rate`].
    pub samples: rtrb::Consumer<i16>,
    /// The device's rate.
    pub rate: u32,
    /// What the callback counted.
    pub counters: Arc<StreamCounters>,
}

/// A speaker fed with samples.
pub struct Playout {
    _stream: Owned,
    /// Mono samples at [`Playout::rate`], played as the device asks for them.
    pub samples: rtrb::Producer<i16>,
    /// The device's rate.
    pub rate: u32,
    /// What the callback counted.
    pub counters: Arc<StreamCounters>,
    /// A headset or headphones (no echo to cancel).
    pub headset: bool,
}

impl Capture {
    /// A capture with no device behind it: whoever holds the returned producer plays the
    /// device's callback (to drive the pipeline on explicit time, as the latency benchmark does).
    pub fn detached(rate: u32) -> (Capture, rtrb::Producer<i16>) {
        let (producer, consumer) = rtrb::RingBuffer::new(ring_len(rate));
        let capture = Capture {
            _stream: Owned(None),
            samples: consumer,
            rate,
            counters: Arc::new(StreamCounters::default()),
        };
        (capture, producer)
    }
}

impl Playout {
    /// A speaker with no device behind it: whoever holds the returned consumer plays the
    /// device's callback.
    pub fn detached(rate: u32) -> (Playout, rtrb::Consumer<i16>) {
        let (producer, consumer) = rtrb::RingBuffer::new(ring_len(rate));
        let playout = Playout {
            _stream: Owned(None),
            samples: producer,
            rate,
            counters: Arc::new(StreamCounters::default()),
            headset: false,
        };
        (playout, consumer)
    }
}

impl std::fmt::Debug for Capture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Capture").field("rate", &self.rate).finish()
    }
}

impl std::fmt::Debug for Playout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Playout").field("rate", &self.rate).finish()
    }
}

/// Half a second of ring at the device's rate.
fn ring_len(rate: u32) -> usize {
    (rate as usize / 2).max(4_096)
}

/// Microphone periods a second: 10 ms (20 ms measured costlier through ALSA's PulseAudio
/// plugin: 4.2 % of a core against 2.4 %).
const CAPTURE_PERIODS: u32 = 100;
/// Speaker periods a second: 10 ms, so little is queued ahead of the ear.
const PLAYOUT_PERIODS: u32 = 100;

/// The stream configuration: the device's default format with a short period (`per_second`
/// periods a second, or the nearest the device allows), so that audio moves in small steps
/// and adds little latency.
fn short_period(config: &cpal::SupportedStreamConfig, per_second: u32) -> cpal::StreamConfig {
    let mut stream = config.config();
    if let cpal::SupportedBufferSize::Range { min, max } = config.buffer_size() {
        let wanted = config.sample_rate() / per_second;
        stream.buffer_size = cpal::BufferSize::Fixed(wanted.clamp(*min, *max));
    }
    stream
}

/// A device failure, said with what was being done (`what: error`).
pub(crate) fn device_error<E: std::fmt::Display>(what: &str) -> impl Fn(E) -> MediaError + '_ {
    move |e| MediaError::Device(format!("{what}: {e}"))
}

/// Opens the microphone `id` (`None`: the OS default) and starts capturing.
pub fn capture(id: Option<&str>) -> Result<Capture, MediaError> {
    #[cfg(target_os = "linux")]
    if let Some(source) = devices::pulse_device(id, true) {
        let (producer, consumer) = rtrb::RingBuffer::new(ring_len(crate::pulse_microphone::RATE));
        let counters = Arc::new(StreamCounters::default());
        let microphone = crate::pulse_microphone::open(source.as_deref(), producer, counters.clone())?;
        return Ok(Capture {
            _stream: Owned::new(microphone),
            samples: consumer,
            rate: crate::pulse_microphone::RATE,
            counters,
        });
    }
    let device = devices::open(id, true)?;
    let config = device
        .default_input_config()
        .map_err(device_error("the microphone has no usable format"))?;
    let rate = config.sample_rate();
    let (producer, consumer) = rtrb::RingBuffer::new(ring_len(rate));
    let counters = Arc::new(StreamCounters::default());
    let stream = match config.sample_format() {
        cpal::SampleFormat::I16 => build_capture::<i16>(
            &device,
            short_period(&config, CAPTURE_PERIODS),
            producer,
            counters.clone(),
        ),
        cpal::SampleFormat::I32 => build_capture::<i32>(
            &device,
            short_period(&config, CAPTURE_PERIODS),
            producer,
            counters.clone(),
        ),
        cpal::SampleFormat::F32 => build_capture::<f32>(
            &device,
            short_period(&config, CAPTURE_PERIODS),
            producer,
            counters.clone(),
        ),
        other => Err(MediaError::Device(format!(
            "the microphone's format {other} is not supported"
        ))),
    }?;
    stream
        .play()
        .map_err(device_error("the microphone cannot start"))?;
    Ok(Capture {
        _stream: Owned::new(stream),
        samples: consumer,
        rate,
        counters,
    })
}

fn build_capture<T>(
    device: &cpal::Device,
    config: cpal::StreamConfig,
    mut ring: rtrb::Producer<i16>,
    counters: Arc<StreamCounters>,
) -> Result<cpal::Stream, MediaError>
where
    T: SizedSample + Send + 'static,
    i16: FromSample<T>,
{
    let channels = usize::from(config.channels.max(1));
    let failed = counters.clone();
    device
        .build_input_stream(
            config,
            move |data: &[T], _: &cpal::InputCallbackInfo| take_input(data, channels, &mut ring, &counters),
            move |error| failed.on_error(&error),
            None,
        )
        .map_err(device_error("the microphone cannot be opened"))
}

/// The capture callback's body: the first channel of each frame into the ring.
pub fn take_input<T>(data: &[T], channels: usize, ring: &mut rtrb::Producer<i16>, counters: &StreamCounters)
where
    T: Sample,
    i16: FromSample<T>,
{
    let first_channel = data
        .chunks(channels.max(1))
        .map(|frame| i16::from_sample(frame[0]));
    push_captured(first_channel, ring, counters);
}

/// Captured samples into the ring in one chunk, counting those moved and those that did not
/// fit (the newest). Runs on the audio thread: no allocation.
pub(crate) fn push_captured(
    samples: impl ExactSizeIterator<Item = i16>,
    ring: &mut rtrb::Producer<i16>,
    counters: &StreamCounters,
) {
    let offered = samples.len();
    let room = ring.slots().min(offered);
    let moved = match ring.write_chunk_uninit(room) {
        Ok(chunk) => chunk.fill_from_iter(samples),
        Err(_) => 0,
    };
    counters.samples.fetch_add(moved as u64, Ordering::Relaxed);
    if offered > moved {
        counters
            .slips
            .fetch_add((offered - moved) as u64, Ordering::Relaxed);
    }
}

/// Opens the speaker `id` (`None`: the OS default) and starts playing what is pushed.
pub fn playout(id: Option<&str>) -> Result<Playout, MediaError> {
    #[cfg(target_os = "linux")]
    if let Some(sink) = devices::pulse_device(id, false) {
        let (producer, consumer) = rtrb::RingBuffer::new(ring_len(crate::pulse_speaker::RATE));
        let counters = Arc::new(StreamCounters::default());
        let speaker = crate::pulse_speaker::open(sink.as_deref(), consumer, counters.clone())?;
        return Ok(Playout {
            headset: speaker.headset,
            _stream: Owned::new(speaker),
            samples: producer,
            rate: crate::pulse_speaker::RATE,
            counters,
        });
    }
    let device = devices::open(id, false)?;
    let config = device
        .default_output_config()
        .map_err(device_error("the speaker has no usable format"))?;
    let rate = config.sample_rate();
    let headset = device.description().is_ok_and(|d| devices::is_headset(&d));
    let (producer, consumer) = rtrb::RingBuffer::new(ring_len(rate));
    let counters = Arc::new(StreamCounters::default());
    let stream = match config.sample_format() {
        cpal::SampleFormat::I16 => build_playout::<i16>(
            &device,
            short_period(&config, PLAYOUT_PERIODS),
            consumer,
            counters.clone(),
        ),
        cpal::SampleFormat::I32 => build_playout::<i32>(
            &device,
            short_period(&config, PLAYOUT_PERIODS),
            consumer,
            counters.clone(),
        ),
        cpal::SampleFormat::F32 => build_playout::<f32>(
            &device,
            short_period(&config, PLAYOUT_PERIODS),
            consumer,
            counters.clone(),
        ),
        other => Err(MediaError::Device(format!(
            "the speaker's format {other} is not supported"
        ))),
    }?;
    stream.play().map_err(device_error("the speaker cannot start"))?;
    Ok(Playout {
        _stream: Owned::new(stream),
        samples: producer,
        rate,
        counters,
        headset,
    })
}

fn build_playout<T>(
    device: &cpal::Device,
    config: cpal::StreamConfig,
    mut ring: rtrb::Consumer<i16>,
    counters: Arc<StreamCounters>,
) -> Result<cpal::Stream, MediaError>
where
    T: SizedSample + FromSample<i16> + Send + 'static,
{
    let channels = usize::from(config.channels.max(1));
    let failed = counters.clone();
    device
        .build_output_stream(
            config,
            move |data: &mut [T], _: &cpal::OutputCallbackInfo| {
                fill_output(data, channels, &mut ring, &counters)
            },
            move |error| failed.on_error(&error),
            None,
        )
        .map_err(device_error("the speaker cannot be opened"))
}

/// The playout callback's body: each frame gets the ring's next sample on every channel, or
/// silence when the ring is empty.
pub fn fill_output<T>(
    data: &mut [T],
    channels: usize,
    ring: &mut rtrb::Consumer<i16>,
    counters: &StreamCounters,
) where
    T: Sample + FromSample<i16>,
{
    let mut frames = data.chunks_mut(channels.max(1));
    let wanted = frames.len();
    let available = ring.slots().min(wanted);
    let mut moved = 0usize;
    if let Ok(chunk) = ring.read_chunk(available) {
        let (first, second) = chunk.as_slices();
        // Samples first: the frame after the last one is not taken.
        for (sample, frame) in first.iter().chain(second).zip(frames.by_ref()) {
            frame.fill(T::from_sample(*sample));
            moved += 1;
        }
        chunk.commit(moved);
    }
    for frame in frames {
        frame.fill(T::EQUILIBRIUM);
    }
    counters.samples.fetch_add(moved as u64, Ordering::Relaxed);
    if wanted > moved {
        counters
            .slips
            .fetch_add((wanted - moved) as u64, Ordering::Relaxed);
    }
}
