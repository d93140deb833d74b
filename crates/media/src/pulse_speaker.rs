//! The speaker on a PulseAudio server (or PipeWire's PulseAudio service), written over the
//! server's own protocol on a connection and a thread of its own ([`crate::pulse`]). ALSA's
//! PulseAudio plugin polls its device a thousand times a second; cpal's PulseAudio output
//! zeroes the whole of each request before filling it. Here the thread sleeps in a read
//! until the server asks for more (about every 10 ms), then answers with what the ring holds,
//! silence where it runs dry: one read and one write per request, no allocation.
//!
//! The server keeps at most 40 ms queued ahead of the ear. A sink unplugged hands its streams
//! to the server's default one; a stream the server kills, or a server that goes away, marks
//! the playout failed, as a cpal device error would. The sink's form factor (or its name)
//! says whether it is worn.

use crate::MediaError;
use crate::device_stream::StreamCounters;
use crate::pulse::{self, Connection, Message, StreamThread};
use pulseaudio::protocol::{self, Command, DESCRIPTOR_SIZE};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// The rate the speaker is written at (the server converts to the sink's).
pub const RATE: u32 = 48_000;
/// Bytes of one millisecond (mono, 16 bits).
const BYTES_PER_MS: u32 = RATE / 1000 * 2;
/// What the server keeps queued.
const QUEUED_MS: u32 = 40;
/// What it asks for at a time, at least.
const REQUEST_MS: u32 = 10;
/// The most samples written in one message.
const CHUNK_SAMPLES: usize = 4_800;

/// An open speaker stream; dropping it closes the connection and the stream with it.
pub struct PulseSpeaker {
    _thread: StreamThread,
    /// The sink is worn (a headset or headphones).
    pub headset: bool,
}

/// Plays `ring` on sink `name` (`None`: the server's default sink), counting in `counters`.
pub fn open(
    name: Option<&str>,
    mut ring: rtrb::Consumer<i16>,
    counters: Arc<StreamCounters>,
) -> Result<PulseSpeaker, MediaError> {
    let mut connection = Connection::open()?;
    let params = protocol::PlaybackStreamParams {
        sample_spec: pulse::mono(RATE),
        channel_map: protocol::ChannelMap::mono(),
        sink_name: Some(pulse::device_name(name, protocol::DEFAULT_SINK, "speaker")?),
        buffer_attr: protocol::stream::BufferAttr {
            target_length: BYTES_PER_MS * QUEUED_MS,
            minimum_request_length: BYTES_PER_MS * REQUEST_MS,
            ..Default::default()
        },
        flags: pulse::adjusted_latency(),
        ..Default::default()
    };
    let stream: protocol::CreatePlaybackStreamReply =
        connection.roundtrip(Command::CreatePlaybackStream(params))?;
    let headset = worn(&mut connection, stream.sink_index);
    let mut requested = stream.requested_bytes as usize + connection.requested_early;
    let mut samples = vec![0i16; CHUNK_SAMPLES];
    let mut message = vec![0u8; DESCRIPTOR_SIZE + CHUNK_SAMPLES * 2];
    let playing = counters.clone();
    let thread = StreamThread::spawn("leadline-speaker", connection, counters, move |connection| {
        loop {
            while requested >= 2 {
                let count = (requested / 2).min(CHUNK_SAMPLES);
                let length = fill_message(
                    &mut samples[..count],
                    &mut message,
                    stream.channel,
                    &mut ring,
                    &playing,
                );
                connection.send(&message[..length])?;
                requested -= count * 2;
            }
            match connection.next()? {
                Message::Command(Command::Request(request)) if request.channel == stream.channel => {
                    requested += request.length as usize;
                }
                Message::Command(Command::Underflow(underflow)) if underflow.channel == stream.channel => {
                    playing.xruns.fetch_add(1, Ordering::Relaxed);
                }
                Message::Command(Command::PlaybackStreamKilled(channel)) if channel == stream.channel => {
                    return Err(MediaError::Device("the sound server closed the speaker".into()));
                }
                _ => {}
            }
        }
    })?;
    Ok(PulseSpeaker {
        _thread: thread,
        headset,
    })
}

/// Whether the sink is worn: its form factor says so, or its description does.
fn worn(connection: &mut Connection, sink: u32) -> bool {
    let info: Result<protocol::SinkInfo, _> =
        connection.roundtrip(Command::GetSinkInfo(protocol::GetSinkInfo {
            index: Some(sink),
            name: None,
        }));
    let Ok(info) = info else { return false };
    let form_factor = info
        .props
        .get(protocol::Prop::DeviceFormFactor)
        .unwrap_or_default();
    let description = info
        .description
        .as_ref()
        .map(|d| d.to_string_lossy().into_owned())
        .unwrap_or_default();
    [b"headset".as_slice(), b"headphone"]
        .iter()
        .any(|worn| form_factor.starts_with(worn))
        || crate::devices::named_worn(&description)
}

/// The writer's body: `samples.len()` samples from the ring (silence where it runs dry) as
/// a message of stream `channel` in `message`; returns the message's length. No allocation.
pub fn fill_message(
    samples: &mut [i16],
    message: &mut [u8],
    channel: u32,
    ring: &mut rtrb::Consumer<i16>,
    counters: &StreamCounters,
) -> usize {
    crate::device_stream::fill_output(samples, 1, ring, counters);
    let length = samples.len() * 2;
    let descriptor = protocol::Descriptor {
        length: length as u32,
        channel,
        offset: 0,
        flags: protocol::DescriptorFlags::empty(),
    };
    let (head, payload) = message.split_at_mut(DESCRIPTOR_SIZE);
    if let Ok(head) = <&mut [u8; DESCRIPTOR_SIZE]>::try_from(head) {
        protocol::encode_descriptor(head, &descriptor);
    }
    for (bytes, sample) in payload.chunks_exact_mut(2).zip(samples.iter()) {
        bytes.copy_from_slice(&sample.to_le_bytes());
    }
    DESCRIPTOR_SIZE + length
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_answered_with_the_ring_then_silence() {
        let (mut producer, mut consumer) = rtrb::RingBuffer::new(8);
        for sample in [1i16, -1] {
            producer.push(sample).unwrap();
        }
        let counters = StreamCounters::default();
        let mut samples = [0i16; 3];
        let mut message = [0xaau8; DESCRIPTOR_SIZE + 8];
        let length = fill_message(&mut samples, &mut message, 7, &mut consumer, &counters);
        assert_eq!(length, DESCRIPTOR_SIZE + 6);
        assert_eq!(&message[..4], &6u32.to_be_bytes(), "the payload's length");
        assert_eq!(&message[4..8], &7u32.to_be_bytes(), "the stream's channel");
        assert_eq!(&message[DESCRIPTOR_SIZE..length], &[1, 0, 0xff, 0xff, 0, 0]);
        assert_eq!(counters.samples.load(Ordering::Relaxed), 2);
        assert_eq!(counters.slips.load(Ordering::Relaxed), 1, "one sample of silence");
    }
}
