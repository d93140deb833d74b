//! The phone's audio devices during calls: the agent chooses another microphone or speaker and
//! the calls on devices move to it at once; a device that goes away mid-call is replaced by the
//! default without dropping the call; the machine's device list is watched, and every change is
//! an event (listed again only when the sound server reports a change, where one does).

use super::calls::off_the_runtime;
use super::events::{DeviceChange, PhoneEvent};
use super::{Phone, Shared};
use crate::CoreError;
use leadline_media::audio::{AudioSink, AudioSource};
use leadline_media::device_audio::{DeviceSink, DeviceSource};
use leadline_media::devices::{self, DeviceRole};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How often the calls' devices are looked at, and the device list when the sound server
/// has reported a change (or, where none reports changes, every time).
const WATCH_EVERY: Duration = Duration::from_secs(2);

impl Phone {
    /// Uses `id` (`None`: the OS default) for `role` from now on — remembered — and moves the
    /// calls talking on devices to it at once.
    pub fn use_device(&self, role: DeviceRole, id: Option<&str>) -> Result<(), CoreError> {
        self.shared.handle.choose_audio_device(role, id)?;
        self.shared.move_calls(role, DeviceChange::Chosen, |_| true);
        Ok(())
    }

    /// Sets the speakers' volume, in percent of the level received (0 to 200), for the calls
    /// now and to come.
    pub fn set_volume(&self, percent: u16) {
        let percent = percent.min(200);
        let gain = f32::from(percent) / 100.0;
        self.shared.volume.store(gain.to_bits(), Ordering::Relaxed);
        for (_, live) in self.shared.table().lives() {
            live.recording.set_volume(gain);
        }
        self.shared.emit(PhoneEvent::Volume { percent });
    }

    /// Turns the calls' level reports on (a meter is showing) or off.
    pub fn meter_levels(&self, on: bool) {
        self.shared.levels.store(on, Ordering::Relaxed);
    }

    /// Watches the machine's devices (while the phone runs on devices): a change of the list is
    /// reported, and a call whose device went away moves to the default.
    pub(super) fn watch_devices(&self) {
        let shared = Arc::downgrade(&self.shared);
        tokio::spawn(async move {
            let mut known: Option<Vec<String>> = None;
            let mut changes = devices::DeviceChanges::default();
            loop {
                tokio::time::sleep(WATCH_EVERY).await;
                let Some(shared) = shared.upgrade() else { return };
                let mut watching = std::mem::take(&mut changes);
                let looked = tokio::task::spawn_blocking(move || {
                    let listed = watching.list_again().then(devices::list);
                    (watching, listed)
                })
                .await;
                let listed = looked.ok().and_then(|(watching, listed)| {
                    changes = watching;
                    listed
                });
                if let Some(Ok(devices)) = listed {
                    let ids: Vec<String> = devices.iter().map(|d| d.id.clone()).collect();
                    if known.as_ref().is_some_and(|k| *k != ids) {
                        shared.emit(PhoneEvent::Devices { devices });
                    }
                    known = Some(ids);
                }
                shared.move_calls(DeviceRole::Microphone, DeviceChange::Unplugged, |live| {
                    live.conversation.media.source_device() == (true, true)
                });
                shared.move_calls(DeviceRole::Speaker, DeviceChange::Unplugged, |live| {
                    live.recording.device() == (true, true)
                });
            }
        });
    }
}

impl Shared {
    /// The speakers' gain now.
    pub(super) fn gain(&self) -> f32 {
        f32::from_bits(self.volume.load(Ordering::Relaxed))
    }

    /// Whether level reports are on.
    pub(super) fn metering(&self) -> bool {
        self.levels.load(Ordering::Relaxed)
    }

    /// Moves the calls on devices that `which` picks to the device resolved for `role`, and
    /// says so.
    fn move_calls(
        &self,
        role: DeviceRole,
        change: DeviceChange,
        which: impl Fn(&super::calls::Live) -> bool,
    ) {
        if role == DeviceRole::Ringer {
            return; // rings start on the ringer as they come
        }
        let lives: Vec<_> = self
            .table()
            .lives()
            .into_iter()
            .filter(|(_, live)| {
                let on_device = match role {
                    DeviceRole::Microphone => live.conversation.media.source_device().0,
                    _ => live.recording.device().0,
                };
                on_device && which(live)
            })
            .collect();
        if lives.is_empty() {
            return;
        }
        let device = off_the_runtime(|| self.handle.resolved_id(role));
        let mut moved = Vec::new();
        for (call_id, live) in lives {
            // The new device joins the call's voice processing (its echo canceller).
            let voice = live.recording.voice().unwrap_or_else(|| self.handle.call_voice());
            let switched = match role {
                DeviceRole::Microphone => {
                    off_the_runtime(|| DeviceSource::open_with(device.as_deref(), &voice)).map(|source| {
                        live.conversation
                            .media
                            .switch_source(Box::new(source) as Box<dyn AudioSource>)
                    })
                }
                _ => off_the_runtime(|| DeviceSink::open_with(device.as_deref(), &voice)).and_then(|sink| {
                    live.recording.switch(Box::new(sink) as Box<dyn AudioSink>)?;
                    live.recording.set_volume(self.gain());
                    Ok(true)
                }),
            };
            match switched {
                Ok(true) => moved.push(call_id),
                Ok(false) => {}
                Err(error) => self.report_error(Some(&call_id), &error.into()),
            }
        }
        if !moved.is_empty() {
            self.emit(PhoneEvent::Device {
                role,
                device,
                change,
                calls: moved,
            });
        }
    }
}
