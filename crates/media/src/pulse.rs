//! A connection to the PulseAudio server (or PipeWire's PulseAudio service) for one stream
//! (or the device watch), spoken in blocking calls on a thread of its own — as a native
//! softphone reads and writes its devices. The `pulseaudio` crate encodes and decodes the
//! protocol's messages; the socket is ours: one read wakes the thread per fragment of audio,
//! and nothing is zeroed or allocated per fragment (the crate's own client clears a megabyte
//! before every read and polls through a reactor thread).
//!
//! [`Connection::open`] authenticates and names the client; [`Connection::roundtrip`] sends a
//! command and waits for its reply (setting a stream up); [`Connection::next`] then yields
//! what the server sends: a fragment of a record stream's audio, or a command (a playback
//! stream's request for more, a stream killed, an underflow). [`StreamThread`] runs such a
//! loop and, dropped, shuts the socket and joins it.

use crate::MediaError;
use crate::device_stream::{StreamCounters, device_error};
use pulseaudio::protocol::{self, Command, CommandReply, DESCRIPTOR_SIZE};
use std::ffi::{CStr, CString};
use std::io::{BufReader, Cursor, Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The largest message taken from the server (its own queue limit).
const MAX_MESSAGE: usize = protocol::MAX_MEMBLOCKQ_LENGTH;
/// Room kept for messages from the start: two thirds of a second of mono audio.
const INITIAL_ROOM: usize = 64 * 1024;

/// What the server sent. The command stays unboxed: a box would allocate for every request
/// of a playback stream.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Message<'a> {
    /// Audio of the record stream on `channel`.
    Audio { channel: u32, bytes: &'a [u8] },
    /// A command of the server's own (not a reply).
    Command(Command),
}

/// One authenticated connection.
pub(crate) struct Connection {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
    version: u16,
    next_seq: u32,
    message: Vec<u8>,
    /// Bytes a playback stream asked for while a reply was awaited.
    pub(crate) requested_early: usize,
}

impl Connection {
    /// Connects to the server the environment names and introduces the client.
    pub(crate) fn open() -> Result<Connection, MediaError> {
        let path =
            pulseaudio::socket_path_from_env().ok_or_else(|| MediaError::Device("no sound server".into()))?;
        let socket =
            UnixStream::connect(&path).map_err(device_error("the sound server cannot be reached"))?;
        let writer = socket
            .try_clone()
            .map_err(device_error("the sound server's connection cannot be shared"))?;
        let mut connection = Connection {
            reader: BufReader::with_capacity(INITIAL_ROOM, socket),
            writer,
            version: protocol::MAX_VERSION,
            next_seq: 0,
            message: vec![0; DESCRIPTOR_SIZE + INITIAL_ROOM],
            requested_early: 0,
        };
        let cookie = pulseaudio::cookie_path_from_env()
            .and_then(|path| std::fs::read(path).ok())
            .unwrap_or_default();
        let auth: protocol::AuthReply = connection.roundtrip(Command::Auth(protocol::AuthParams {
            version: protocol::MAX_VERSION,
            supports_shm: false,
            supports_memfd: false,
            cookie,
        }))?;
        connection.version = auth.version.min(protocol::MAX_VERSION);
        let mut props = protocol::Props::new();
        props.set(protocol::Prop::ApplicationName, c"Leadline");
        let _: protocol::SetClientNameReply = connection.roundtrip(Command::SetClientName(props))?;
        Ok(connection)
    }

    /// A handle that shuts the connection from another thread.
    pub(crate) fn closer(&self) -> Result<UnixStream, MediaError> {
        self.writer
            .try_clone()
            .map_err(device_error("the sound server's connection cannot be shared"))
    }

    /// Sends `command` and waits for its reply; audio and requests that come first are set
    /// aside (requests counted in [`Connection::requested_early`]).
    pub(crate) fn roundtrip<R: CommandReply>(&mut self, command: Command) -> Result<R, MediaError> {
        let version = self.version;
        self.exchange(command, |frame| {
            protocol::read_reply_message::<R>(&mut Cursor::new(frame), version).map(|(_, reply)| reply)
        })
    }

    /// Sends `command` and waits for the server's acknowledgement (an empty reply).
    pub(crate) fn acknowledged(&mut self, command: Command) -> Result<(), MediaError> {
        self.exchange(command, |frame| {
            protocol::read_ack_message(&mut Cursor::new(frame)).map(|_| ())
        })
    }

    /// Sends `command`; reads what comes until its reply, which `parse` reads from the whole
    /// message.
    fn exchange<T>(
        &mut self,
        command: Command,
        parse: impl Fn(&[u8]) -> Result<T, protocol::ProtocolError>,
    ) -> Result<T, MediaError> {
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        let mut encoded = Vec::new();
        protocol::encode_command_message(&mut encoded, seq, &command, self.version)
            .map_err(device_error("a request to the sound server cannot be encoded"))?;
        self.writer
            .write_all(&encoded)
            .map_err(device_error("the sound server stopped listening"))?;
        loop {
            let length = self.read_message()?;
            if channel_of(&self.message) != u32::MAX {
                continue;
            }
            // A command this client cannot read (a newer server's) is not one to act on.
            let Ok(command) = self.command_in(length) else {
                continue;
            };
            match command {
                (reply_seq, Command::Reply) if reply_seq == seq => {
                    return parse(&self.message[..DESCRIPTOR_SIZE + length])
                        .map_err(device_error("the sound server's answer is garbage"));
                }
                (reply_seq, Command::Error(error)) if reply_seq == seq => {
                    return Err(MediaError::Device(format!("the sound server refused: {error:?}")));
                }
                (_, Command::Request(request)) => self.requested_early += request.length as usize,
                _ => {}
            }
        }
    }

    /// The next message from the server (blocking); commands this client cannot read (a
    /// newer server's) are passed over.
    pub(crate) fn next(&mut self) -> Result<Message<'_>, MediaError> {
        loop {
            let length = self.read_message()?;
            let channel = channel_of(&self.message);
            if channel != u32::MAX {
                return Ok(Message::Audio {
                    channel,
                    bytes: &self.message[DESCRIPTOR_SIZE..DESCRIPTOR_SIZE + length],
                });
            }
            if let Ok((_, command)) = self.command_in(length) {
                return Ok(Message::Command(command));
            }
        }
    }

    /// Writes a message whose descriptor and payload `frame` already holds.
    pub(crate) fn send(&mut self, frame: &[u8]) -> Result<(), MediaError> {
        self.writer
            .write_all(frame)
            .map_err(device_error("the sound server stopped listening"))
    }

    /// Reads one message into `self.message`; returns its payload's length.
    fn read_message(&mut self) -> Result<usize, MediaError> {
        let lost = device_error("the sound server's connection ended");
        self.reader
            .read_exact(&mut self.message[..DESCRIPTOR_SIZE])
            .map_err(&lost)?;
        let descriptor = protocol::read_descriptor(&mut Cursor::new(&self.message[..DESCRIPTOR_SIZE]))
            .map_err(device_error("the sound server sent garbage"))?;
        let length = descriptor.length as usize;
        if length > MAX_MESSAGE {
            return Err(MediaError::Device(format!(
                "the sound server sent a message of {length} bytes"
            )));
        }
        if self.message.len() < DESCRIPTOR_SIZE + length {
            self.message.resize(DESCRIPTOR_SIZE + length, 0);
        }
        self.reader
            .read_exact(&mut self.message[DESCRIPTOR_SIZE..DESCRIPTOR_SIZE + length])
            .map_err(lost)?;
        Ok(length)
    }

    /// The command in the message just read.
    fn command_in(&self, length: usize) -> Result<(u32, Command), MediaError> {
        let mut payload = Cursor::new(&self.message[DESCRIPTOR_SIZE..DESCRIPTOR_SIZE + length]);
        Command::read_tag_prefixed(&mut payload, self.version)
            .map_err(device_error("the sound server sent garbage"))
    }
}

/// 16-bit little-endian mono at `rate`: what Leadline reads and writes.
pub(crate) fn mono(rate: u32) -> protocol::SampleSpec {
    protocol::SampleSpec {
        format: protocol::SampleFormat::S16Le,
        channels: 1,
        sample_rate: rate,
    }
}

/// The server's device `name` (`None`: `default`, the server's own choice); `what` names it
/// in the error ("microphone", "speaker").
pub(crate) fn device_name(name: Option<&str>, default: &CStr, what: &str) -> Result<CString, MediaError> {
    match name {
        Some(name) => {
            CString::new(name).map_err(|_| MediaError::Device(format!("{name:?} is not a {what}'s name")))
        }
        None => Ok(default.to_owned()),
    }
}

/// The server sizes its own buffering to the buffer a stream asks for.
pub(crate) fn adjusted_latency() -> protocol::stream::StreamFlags {
    protocol::stream::StreamFlags {
        adjust_latency: true,
        ..Default::default()
    }
}

/// The channel a message's descriptor names (`u32::MAX`: a command).
fn channel_of(frame: &[u8]) -> u32 {
    u32::from_be_bytes([frame[4], frame[5], frame[6], frame[7]])
}

/// A stream's thread: runs `serve` on the connection until the connection ends; an end the
/// owner did not ask for marks the stream failed, as a device error would.
pub(crate) struct StreamThread {
    closer: UnixStream,
    stopping: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl StreamThread {
    pub(crate) fn spawn(
        name: &str,
        mut connection: Connection,
        counters: Arc<StreamCounters>,
        mut serve: impl FnMut(&mut Connection) -> Result<(), MediaError> + Send + 'static,
    ) -> Result<StreamThread, MediaError> {
        let closer = connection.closer()?;
        let stopping = Arc::new(AtomicBool::new(false));
        let stopped = stopping.clone();
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                if let Err(error) = serve(&mut connection)
                    && !stopped.load(Ordering::Relaxed)
                {
                    counters.failed.store(true, Ordering::Relaxed);
                    tracing::warn!(%error, "a connection to the sound server ended");
                }
            })
            .map_err(device_error("the audio stream's thread cannot start"))?;
        Ok(StreamThread {
            closer,
            stopping,
            thread: Some(thread),
        })
    }
}

impl Drop for StreamThread {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::Relaxed);
        let _ = self.closer.shutdown(std::net::Shutdown::Both);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
