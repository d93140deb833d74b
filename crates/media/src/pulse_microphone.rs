//! The microphone on a PulseAudio server (or PipeWire's PulseAudio service), read over the
//! server's own protocol on a connection and a thread of its own ([`crate::pulse`]). cpal's
//! PulseAudio input gives its stream a server-side buffer of exactly one fragment, so a chunk
//! that arrives while the previous one is still queued is dropped (5 discontinuities a second
//! in a pure tone, measured); ALSA's PulseAudio plugin costs ten times the system calls. Here
//! the fragment is 20 ms — a codec frame: the call sends a frame as its last sample arrives,
//! whatever the fragment, and half the wake-ups cost less — and the buffer the server's
//! default: no discontinuity, one blocking read per fragment.
//!
//! The samples land in the same ring as a cpal capture's: no lock, no allocation, no system
//! call besides the read. A source unplugged hands its streams to the server's default one;
//! a stream the server kills, or a server that goes away, marks the capture failed, as a cpal
//! device error would.

use crate::MediaError;
use crate::device_stream::StreamCounters;
use crate::pulse::{self, Connection, Message, StreamThread};
use pulseaudio::protocol::{self, Command};
use std::sync::Arc;

/// The rate the microphone is read at (the server converts from the source's).
pub const RATE: u32 = 48_000;
/// What the server hands over at a time: a 20 ms codec frame.
const FRAGMENT_MS: u32 = 20;

/// An open microphone stream; dropping it closes the connection and the stream with it.
pub struct PulseMicrophone {
    _thread: StreamThread,
}

/// Reads source `name` (`None`: the server's default source) into `ring`, counting in
/// `counters`.
pub fn open(
    name: Option<&str>,
    mut ring: rtrb::Producer<i16>,
    counters: Arc<StreamCounters>,
) -> Result<PulseMicrophone, MediaError> {
    let mut connection = Connection::open()?;
    let params = protocol::RecordStreamParams {
        sample_spec: pulse::mono(RATE),
        channel_map: protocol::ChannelMap::mono(),
        source_name: Some(pulse::device_name(name, protocol::DEFAULT_SOURCE, "microphone")?),
        buffer_attr: protocol::stream::BufferAttr {
            fragment_size: RATE / 1000 * FRAGMENT_MS * 2,
            ..Default::default()
        },
        flags: pulse::adjusted_latency(),
        ..Default::default()
    };
    let stream: protocol::CreateRecordStreamReply =
        connection.roundtrip(Command::CreateRecordStream(params))?;
    let reading = counters.clone();
    let thread = StreamThread::spawn("leadline-mic", connection, counters, move |connection| {
        loop {
            match connection.next()? {
                Message::Audio { channel, bytes } if channel == stream.channel => {
                    take_bytes(bytes, &mut ring, &reading)
                }
                Message::Command(Command::RecordStreamKilled(channel)) if channel == stream.channel => {
                    return Err(MediaError::Device(
                        "the sound server closed the microphone".into(),
                    ));
                }
                _ => {}
            }
        }
    })?;
    Ok(PulseMicrophone { _thread: thread })
}

/// The reader's body: little-endian 16-bit mono samples into the ring (a sample that does
/// not fit is counted as slipped). No allocation.
pub fn take_bytes(bytes: &[u8], ring: &mut rtrb::Producer<i16>, counters: &StreamCounters) {
    let samples = bytes
        .chunks_exact(2)
        .map(|pair| i16::from_le_bytes([pair[0], pair[1]]));
    crate::device_stream::push_captured(samples, ring, counters);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering;

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
