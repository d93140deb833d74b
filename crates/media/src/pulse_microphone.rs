//! The microphone on a PulseAudio server (or PipeWire's PulseAudio service), read over the
//! server's own protocol. cpal's PulseAudio input gives its stream a server-side buffer of
//! exactly one fragment, so a chunk that arrives while the previous one is still queued is
//! dropped (5 discontinuities a second in a pure tone, measured); ALSA's PulseAudio plugin
//! costs ten times the system calls. Here the fragment is 10 ms and the buffer the server's
//! default: no discontinuity, 1.5 % of a core.
//!
//! The samples land in the same ring as a cpal capture's, from the client library's reader
//! thread: no lock, no allocation of ours, no system call. A source unplugged hands its
//! streams to the server's default one; a watcher asks the server for the stream's timing
//! four times a second, and once the stream is gone all the same (the server stopped) the
//! capture is marked failed, as a cpal device error would mark it.

use crate::MediaError;
use crate::device_stream::{StreamCounters, device_error};
use pulseaudio::protocol;
use std::ffi::CString;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The rate the microphone is read at (the server converts from the source's).
pub const RATE: u32 = 48_000;
/// What the server hands over at a time.
const FRAGMENT_MS: u32 = 10;
/// How often the watcher asks whether the stream still exists.
const WATCH_EVERY: Duration = Duration::from_millis(250);

/// An open microphone stream; closing it (dropping) deletes it on the server.
pub struct PulseMicrophone {
    stream: Option<pulseaudio::RecordStream>,
    _client: pulseaudio::Client,
    stop: Arc<AtomicBool>,
    watcher: Option<std::thread::JoinHandle<()>>,
}

impl Drop for PulseMicrophone {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(stream) = self.stream.take() {
            let _ = futures::executor::block_on(stream.delete());
        }
        if let Some(watcher) = self.watcher.take() {
            let _ = watcher.join();
        }
    }
}

/// Reads source `name` (`None`: the server's default source) into `ring`, counting in
/// `counters`.
pub fn open(
    name: Option<&str>,
    mut ring: rtrb::Producer<i16>,
    counters: Arc<StreamCounters>,
) -> Result<PulseMicrophone, MediaError> {
    let client = pulseaudio::Client::from_env(c"Leadline").map_err(device_error("no sound server"))?;
    let source = match name {
        Some(name) => CString::new(name)
            .map_err(|_| MediaError::Device(format!("{name:?} is not a microphone's name")))?,
        None => protocol::DEFAULT_SOURCE.to_owned(),
    };
    let params = protocol::RecordStreamParams {
        sample_spec: protocol::SampleSpec {
            format: protocol::SampleFormat::S16Le,
            channels: 1,
            sample_rate: RATE,
        },
        channel_map: protocol::ChannelMap::mono(),
        source_name: Some(source),
        buffer_attr: protocol::stream::BufferAttr {
            fragment_size: RATE / 1000 * FRAGMENT_MS * 2,
            ..Default::default()
        },
        flags: protocol::stream::StreamFlags {
            adjust_latency: true,
            ..Default::default()
        },
        ..Default::default()
    };
    let reading = counters.clone();
    let stream = futures::executor::block_on(
        client.create_record_stream(params, move |bytes: &[u8]| take_bytes(bytes, &mut ring, &reading)),
    )
    .map_err(device_error("the microphone cannot be opened"))?;
    let stop = Arc::new(AtomicBool::new(false));
    let watched = stream.clone();
    let stopping = stop.clone();
    let watcher = std::thread::Builder::new()
        .name("leadline-mic-watch".into())
        .spawn(move || {
            while !stopping.load(Ordering::Relaxed) {
                std::thread::sleep(WATCH_EVERY);
                if !stopping.load(Ordering::Relaxed)
                    && futures::executor::block_on(watched.timing_info()).is_err()
                {
                    counters.failed.store(true, Ordering::Relaxed);
                    return;
                }
            }
        })
        .map_err(device_error("the microphone cannot be watched"))?;
    Ok(PulseMicrophone {
        stream: Some(stream),
        _client: client,
        stop,
        watcher: Some(watcher),
    })
}

/// The reader's body: little-endian 16-bit mono samples into the ring (a sample that does
/// not fit is counted as slipped). Runs on the client's reader thread: no allocation.
pub fn take_bytes(bytes: &[u8], ring: &mut rtrb::Producer<i16>, counters: &StreamCounters) {
    let samples = bytes
        .chunks_exact(2)
        .map(|pair| i16::from_le_bytes([pair[0], pair[1]]));
    crate::device_stream::push_captured(samples, ring, counters);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_become_samples_and_what_does_not_fit_slips() {
        let (mut producer, mut consumer) = rtrb::RingBuffer::new(2);
        let counters = StreamCounters::default();
        take_bytes(
            &[0x01, 0x00, 0xff, 0xff, 0x00, 0x80, 0x7f],
            &mut producer,
            &counters,
        );
        assert_eq!(consumer.pop(), Ok(1));
        assert_eq!(consumer.pop(), Ok(-1));
        assert!(consumer.pop().is_err());
        assert_eq!(counters.samples.load(Ordering::Relaxed), 2);
        assert_eq!(
            counters.slips.load(Ordering::Relaxed),
            1,
            "the third sample had no room; the odd byte is no sample"
        );
    }
}
