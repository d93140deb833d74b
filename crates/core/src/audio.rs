//! The agent's audio devices: what the machine has, the microphone, speaker and ringer the agent
//! chose (kept in the local store by stable id), and that choice resolved against what is
//! present now — a remembered device that is gone falls back to the OS default, and the
//! resolution says so.

use crate::{CoreError, Handle};
use leadline_media::devices::{self, AudioDevice, DeviceChoice, Resolved, Role};
use leadline_store::Timestamp;
use leadline_store::repo::audio_devices::{self, AudioChoice};
use serde::Serialize;

/// The devices and the choice as it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
    pub fn choose_audio_device(&self, role: Role, id: Option<&str>) -> Result<(), CoreError> {
        if let Some(id) = id {
            let devices = devices::list()?;
            let able = devices.iter().find(|d| d.id == id).is_some_and(|d| match role {
                Role::Microphone => d.input,
                Role::Speaker | Role::Ringer => d.output,
            });
            if !able {
                let what = match role {
                    Role::Microphone => "microphone",
                    Role::Speaker => "speaker",
                    Role::Ringer => "ringer",
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
            Role::Microphone => &mut choice.microphone,
            Role::Speaker => &mut choice.speaker,
            Role::Ringer => &mut choice.ringer,
        };
        *slot = id.map(str::to_owned);
        audio_devices::save(store.conn(), &choice, Timestamp::now())?;
        Ok(())
    }
}
