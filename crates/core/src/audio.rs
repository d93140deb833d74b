//! The agent's audio devices: what the machine has, the microphone, speaker and ringer the agent
//! chose (kept in the local store by stable id), and that choice resolved against what is
//! present now — a remembered device that is gone falls back to the OS default, and the
//! resolution says so. Calls talk through the resolved microphone and speaker, opened when each
//! call's audio starts; a device that cannot be opened leaves that side silent rather than
//! ending the call.

use crate::phone::AudioFactory;
use crate::{CoreError, Handle};
use leadline_media::audio::{AudioSink, AudioSource, Discard, Silence};
use leadline_media::device_audio::{DeviceSink, DeviceSource};
use leadline_media::devices::{self, AudioDevice, DeviceChoice, DeviceRole, Resolved};
use leadline_media::voice::{EchoCancellation, Voice, VoiceSettings};
use leadline_store::Timestamp;
use leadline_store::repo::audio_devices::{self, AudioChoice, VoiceChoice};
use serde::Serialize;
use std::sync::Arc;

/// The devices and the choice as it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct AudioSetup {
    /// Every device, the defaults first.
    pub devices: Vec<AudioDevice>,
    /// Microphone, speaker and ringer as they resolve now.
    pub resolved: [Resolved; 3],
}

fn to_media(choice: AudioChoice) -> DeviceChoice {
    DeviceChoice {
        microphone: choice.microphone,
        speaker: choice.speaker,
        ringer: choice.ringer,
    }
}

impl Handle {
    /// The agent's remembered choice (ids; `None`: the OS default).
    pub fn audio_choice(&self) -> Result<DeviceChoice, CoreError> {
        Ok(to_media(audio_devices::load(self.store()?.conn())?))
    }

    /// The machine's devices and the choice resolved against them.
    pub fn audio_setup(&self) -> Result<AudioSetup, CoreError> {
        let devices = devices::list()?;
        let resolved = devices::resolve(&self.audio_choice()?, &devices);
        Ok(AudioSetup { devices, resolved })
    }

    /// Remembers `id` for `role` (`None`: follow the OS default). The device must be present
    /// and able to do the role.
    pub fn choose_audio_device(&self, role: DeviceRole, id: Option<&str>) -> Result<(), CoreError> {
        if let Some(id) = id {
            let devices = devices::list()?;
            let able = devices.iter().find(|d| d.id == id).is_some_and(|d| match role {
                DeviceRole::Microphone => d.input,
                DeviceRole::Speaker | DeviceRole::Ringer => d.output,
            });
            if !able {
                let what = match role {
                    DeviceRole::Microphone => "microphone",
                    DeviceRole::Speaker => "speaker",
                    DeviceRole::Ringer => "ringer",
                };
                return Err(CoreError::Invalid {
                    field: "device",
                    reason: format!("no {what} {id:?} is present (see the device list)"),
                });
            }
        }
        let store = self.store()?;
        let mut choice = audio_devices::load(store.conn())?;
        let slot = match role {
            DeviceRole::Microphone => &mut choice.microphone,
            DeviceRole::Speaker => &mut choice.speaker,
            DeviceRole::Ringer => &mut choice.ringer,
        };
        *slot = id.map(str::to_owned);
        audio_devices::save(store.conn(), &choice, Timestamp::now())?;
        Ok(())
    }

    /// The ids of the microphone, speaker and ringer to use now (`None`: the host's default),
    /// from one listing of the devices.
    pub fn devices_in_use(&self) -> [Option<String>; 3] {
        let setup = match self.audio_setup() {
            Ok(setup) => setup,
            Err(error) => {
                tracing::warn!(%error, "the audio devices cannot be listed; using the defaults");
                return [None, None, None];
            }
        };
        setup.resolved.map(|resolved| {
            if resolved.fell_back {
                tracing::warn!(role = ?resolved.role, remembered = ?resolved.remembered, "the chosen device is absent: the default stands in");
            }
            resolved.device.map(|d| d.id)
        })
    }

    /// The id of the device to use now for `role`.
    pub(crate) fn resolved_id(&self, role: DeviceRole) -> Option<String> {
        let [microphone, speaker, ringer] = self.devices_in_use();
        match role {
            DeviceRole::Microphone => microphone,
            DeviceRole::Speaker => speaker,
            DeviceRole::Ringer => ringer,
        }
    }

    /// The microphone's voice processing on this device.
    pub fn voice_settings(&self) -> Result<VoiceSettings, CoreError> {
        let saved = audio_devices::load_voice(self.store()?.conn())?;
        Ok(VoiceSettings {
            noise_suppression: saved.noise_suppression,
            echo_cancellation: EchoCancellation::named(&saved.echo_cancellation),
        })
    }

    /// Saves the voice processing; calls started from now on use it.
    pub fn set_voice_settings(&self, settings: VoiceSettings) -> Result<(), CoreError> {
        let saved = VoiceChoice {
            noise_suppression: settings.noise_suppression,
            echo_cancellation: settings.echo_cancellation.name().into(),
        };
        audio_devices::save_voice(self.store()?.conn(), &saved, Timestamp::now())?;
        Ok(())
    }

    /// A call's voice processing by the saved settings (the defaults when they cannot be read).
    pub fn call_voice(&self) -> Voice {
        let settings = self.voice_settings().unwrap_or_else(|error| {
            tracing::warn!(%error, "the voice processing settings cannot be read; using the defaults");
            VoiceSettings::default()
        });
        Voice::new(settings)
    }

    /// Each call's audio on the chosen devices, resolved when its audio starts, with the
    /// voice processing the agent set.
    pub fn device_audio(&self) -> AudioFactory {
        let handle = self.clone();
        Arc::new(move |_| {
            let [microphone, speaker, _] = handle.devices_in_use();
            let voice = handle.call_voice();
            Ok((
                open_source(microphone.as_deref(), &voice),
                open_sink(speaker.as_deref(), &voice),
            ))
        })
    }
}

/// Microphone `id` as a call's source; silence when it cannot be opened.
pub fn open_source(id: Option<&str>, voice: &Voice) -> Box<dyn AudioSource> {
    match DeviceSource::open_with(id, voice) {
        Ok(source) => Box::new(source),
        Err(error) => {
            tracing::warn!(%error, "no microphone: the call sends silence");
            Box::new(Silence)
        }
    }
}

/// Speaker `id` as a call's sink; discarded when it cannot be opened.
pub fn open_sink(id: Option<&str>, voice: &Voice) -> Box<dyn AudioSink> {
    match DeviceSink::open_with(id, voice) {
        Ok(sink) => Box::new(sink),
        Err(error) => {
            tracing::warn!(%error, "no speaker: the call is not heard");
            Box::new(Discard)
        }
    }
}
