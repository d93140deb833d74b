//! The sound server's devices watched as they change: a connection of its own subscribes to
//! its sinks, sources, cards and server events, and each one raises a flag. Whoever lists the
//! devices then lists them again only when the flag says something changed, instead of asking
//! ALSA (which opens the server's plugin, a connection each time) on every look.
//!
//! A server that goes away ends the watch ([`DeviceWatch::alive`] turns false, and the flag is
//! raised so the next look lists what is left); the owner opens a new watch once a server is
//! back.

use crate::MediaError;
use crate::device_stream::StreamCounters;
use crate::pulse::{Connection, Message, StreamThread};
use pulseaudio::protocol::{Command, SubscriptionMask};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A live subscription to the server's device events.
pub struct DeviceWatch {
    _thread: StreamThread,
    changed: Arc<AtomicBool>,
    /// Only its `failed` flag counts: set when the connection ended unasked.
    ended: Arc<StreamCounters>,
}

impl DeviceWatch {
    /// Whether anything changed since the last call (the first call says yes).
    pub fn changed(&self) -> bool {
        self.changed.swap(false, Ordering::Relaxed)
    }

    /// Whether the server still reports its changes.
    pub fn alive(&self) -> bool {
        !self.ended.failed.load(Ordering::Relaxed)
    }
}

/// Subscribes to the device events of the server the environment names.
pub fn open() -> Result<DeviceWatch, MediaError> {
    let mut connection = Connection::open()?;
    connection.acknowledged(Command::Subscribe(
        SubscriptionMask::SINK | SubscriptionMask::SOURCE | SubscriptionMask::CARD | SubscriptionMask::SERVER,
    ))?;
    let changed = Arc::new(AtomicBool::new(true));
    let ended = Arc::new(StreamCounters::default());
    let raised = changed.clone();
    let thread = StreamThread::spawn("leadline-devices", connection, ended.clone(), move |connection| {
        loop {
            match connection.next() {
                Ok(Message::Command(Command::SubscribeEvent(_))) => raised.store(true, Ordering::Relaxed),
                Ok(_) => {}
                Err(error) => {
                    raised.store(true, Ordering::Relaxed);
                    return Err(error);
                }
            }
        }
    })?;
    Ok(DeviceWatch {
        _thread: thread,
        changed,
        ended,
    })
}
