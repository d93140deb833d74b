//! The machine's audio devices (cpal): each with a stable id (`host:device`, kept across runs
//! and replugs where the OS allows) and a readable name, which way it goes, whether it is the
//! OS default, and whether it is a headset (no echo to cancel). The agent's remembered choice —
//! microphone, speaker, ringer — is resolved against what is present now: a device that is gone
//! falls back to the OS default, and the resolution says so.

use crate::MediaError;
use cpal::traits::{DeviceTrait, HostTrait};
use serde::{Deserialize, Serialize};

/// One audio device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AudioDevice {
    /// Stable id, `host:device` (what the choice remembers).
    pub id: String,
    /// What the agent reads.
    pub name: String,
    /// It records (a microphone).
    pub input: bool,
    /// It plays (a speaker, headset or ringer).
    pub output: bool,
    /// The OS default for recording.
    pub default_input: bool,
    /// The OS default for playing.
    pub default_output: bool,
    /// A headset or headphones: what it plays does not reach the microphone.
    pub headset: bool,
}

/// Lists the devices of the default host, defaults first.
pub fn list() -> Result<Vec<AudioDevice>, MediaError> {
    let host = cpal::default_host();
    let id_of = |device: Option<cpal::Device>| device.and_then(|d| d.id().ok()).map(|id| id.to_string());
    let (default_in, default_out) = (
        id_of(host.default_input_device()),
        id_of(host.default_output_device()),
    );
    let devices = host
        .devices()
        .map_err(|e| MediaError::Device(format!("the audio devices cannot be listed: {e}")))?;
    let mut listed: Vec<AudioDevice> = devices
        .filter_map(|device| {
            // A device that vanished while listing is left out.
            let id = device.id().ok()?.to_string();
            let description = device.description().ok();
            let name = description
                .as_ref()
                .map_or_else(|| id.clone(), |d| d.name().to_owned());
            let headset = description.as_ref().is_some_and(is_headset);
            Some(AudioDevice {
                default_input: default_in.as_deref() == Some(id.as_str()),
                default_output: default_out.as_deref() == Some(id.as_str()),
                input: device.supports_input(),
                output: device.supports_output(),
                headset,
                name,
                id,
            })
        })
        .filter(|d| (d.input || d.output) && !is_converter(&d.id))
        .collect();
    listed.sort_by_key(|d| !(d.default_input || d.default_output));
    Ok(listed)
}

/// Whether a device is worn: what it plays does not reach a microphone. The OS's type when it
/// says one; else the name, as a sound server describes a device ("Jabra Evolve2 65 Headset",
/// "Headphones").
pub(crate) fn is_headset(description: &cpal::DeviceDescription) -> bool {
    matches!(
        description.device_type(),
        cpal::DeviceType::Headset | cpal::DeviceType::Headphones | cpal::DeviceType::Earpiece
    ) || named_worn(description.name())
}

/// Whether a device's name says it is worn.
pub(crate) fn named_worn(name: &str) -> bool {
    let name = name.to_lowercase();
    ["headset", "headphone", "earpiece", "earphone", "earbud"]
        .iter()
        .any(|word| name.contains(word))
}

/// ALSA's converter and routing plugins (resamplers, up- and downmixers, the null device…):
/// listed by ALSA as devices, but not something an agent picks as a headset.
fn is_converter(id: &str) -> bool {
    const PLUGINS: &[&str] = &[
        "null",
        "speex",
        "speexrate",
        "upmix",
        "vdownmix",
        "lavrate",
        "samplerate",
        "a52",
        "usbstream",
        "jack",
        "oss",
        "dmix",
        "dsnoop",
    ];
    id.strip_prefix("alsa:").is_some_and(|name| {
        PLUGINS.contains(&name) || name.starts_with("samplerate") || name.starts_with("lavrate")
    })
}

/// The devices the agent chose, by id (`None`: the OS default).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DeviceChoice {
    /// Records the agent.
    #[serde(default)]
    pub microphone: Option<String>,
    /// Plays the call (the headset).
    #[serde(default)]
    pub speaker: Option<String>,
    /// Rings for incoming calls (may be the laptop's speaker while the headset is on).
    #[serde(default)]
    pub ringer: Option<String>,
}

/// What a device is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum DeviceRole {
    /// Records the agent.
    Microphone,
    /// Plays the call.
    Speaker,
    /// Rings.
    Ringer,
}

/// A role's device as it stands now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Resolved {
    /// The role.
    pub role: DeviceRole,
    /// The device to use (`None`: there is no such device at all).
    pub device: Option<AudioDevice>,
    /// The remembered device is absent: the OS default stands in for it.
    pub fell_back: bool,
    /// The id remembered for the role, if any.
    pub remembered: Option<String>,
}

/// Resolves `choice` against `devices`: the remembered device when present (and able to do
/// the role), else the OS default for the role, else the first device that can.
pub fn resolve(choice: &DeviceChoice, devices: &[AudioDevice]) -> [Resolved; 3] {
    let pick = |role: DeviceRole, remembered: &Option<String>| {
        let able = |d: &&AudioDevice| match role {
            DeviceRole::Microphone => d.input,
            DeviceRole::Speaker | DeviceRole::Ringer => d.output,
        };
        let default = |d: &&AudioDevice| match role {
            DeviceRole::Microphone => d.default_input,
            DeviceRole::Speaker | DeviceRole::Ringer => d.default_output,
        };
        let chosen = remembered
            .as_ref()
            .and_then(|id| devices.iter().filter(able).find(|d| &d.id == id));
        let fell_back = remembered.is_some() && chosen.is_none();
        let device = chosen
            .or_else(|| devices.iter().filter(able).find(default))
            .or_else(|| devices.iter().find(able))
            .cloned();
        Resolved {
            role,
            device,
            fell_back,
            remembered: remembered.clone(),
        }
    };
    [
        pick(DeviceRole::Microphone, &choice.microphone),
        pick(DeviceRole::Speaker, &choice.speaker),
        pick(DeviceRole::Ringer, &choice.ringer),
    ]
}

/// When the device list is worth asking for again. Where the OS's sound server reports its
/// device changes (Linux with PulseAudio or PipeWire's PulseAudio service: [`crate::pulse_watch`]),
/// only after one; elsewhere, or while no server reports, on every look. Opening and looking may
/// block on the server: not on an async runtime's worker.
#[derive(Default)]
pub struct DeviceChanges {
    #[cfg(target_os = "linux")]
    watch: Option<crate::pulse_watch::DeviceWatch>,
}

impl DeviceChanges {
    /// Whether to list the devices now: something changed since the last look, or nothing
    /// says. A watch that ended (its server gone) is opened again here once a server is back.
    pub fn list_again(&mut self) -> bool {
        #[cfg(target_os = "linux")]
        {
            if let Some(watch) = self.watch.as_ref().filter(|w| w.alive()) {
                return watch.changed();
            }
            self.watch = pulseaudio::socket_path_from_env().and_then(|_| crate::pulse_watch::open().ok());
            if let Some(watch) = &self.watch {
                watch.changed();
            }
        }
        true
    }
}

/// The sound server's device to use for an id, when the id is the server's default (the OS
/// default, or ALSA's `default`/`pulse`, which on a desktop with a sound server are its
/// PulseAudio plugin) and a server runs: `Some(None)` for the server's default,
/// `Some(Some(name))` for the one `PULSE_SOURCE` (microphone) or `PULSE_SINK` (speaker)
/// names (PulseAudio's own convention, which the plugin honours too). `None`: open the device
/// through cpal.
#[cfg(target_os = "linux")]
pub(crate) fn pulse_device(id: Option<&str>, input: bool) -> Option<Option<String>> {
    let via_server = matches!(id, None | Some("alsa:default") | Some("alsa:pulse"));
    let variable = if input { "PULSE_SOURCE" } else { "PULSE_SINK" };
    (via_server && pulseaudio::socket_path_from_env().is_some()).then(|| {
        std::env::var(variable)
            .ok()
            .filter(|name| !name.trim().is_empty())
    })
}

/// The cpal device with this id (`None`: the host's default for the direction).
pub(crate) fn open(id: Option<&str>, input: bool) -> Result<cpal::Device, MediaError> {
    let host = cpal::default_host();
    let device = match id {
        Some(id) => {
            let parsed: cpal::DeviceId = id
                .parse()
                .map_err(|e| MediaError::Device(format!("{id:?} is not an audio device id: {e}")))?;
            host.device_by_id(&parsed)
        }
        None if input => host.default_input_device(),
        None => host.default_output_device(),
    };
    device.ok_or_else(|| {
        let what = if input { "microphone" } else { "speaker" };
        MediaError::Device(match id {
            Some(id) => format!("the {what} {id:?} is not present"),
            None => format!("there is no {what}"),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(id: &str, input: bool, output: bool, default: bool) -> AudioDevice {
        AudioDevice {
            id: id.into(),
            name: id.to_uppercase(),
            input,
            output,
            default_input: default && input,
            default_output: default && output,
            headset: false,
        }
    }

    #[test]
    fn a_remembered_device_is_used_and_a_missing_one_falls_back_to_the_default_saying_so() {
        let devices = [
            device("alsa:default", true, true, true),
            device("alsa:headset", true, true, false),
            device("alsa:laptop", false, true, false),
        ];
        let choice = DeviceChoice {
            microphone: Some("alsa:headset".into()),
            speaker: Some("alsa:unplugged".into()),
            ringer: Some("alsa:laptop".into()),
        };
        let [mic, speaker, ringer] = resolve(&choice, &devices);
        assert_eq!(mic.device.unwrap().id, "alsa:headset");
        assert!(!mic.fell_back);
        assert_eq!(speaker.device.unwrap().id, "alsa:default");
        assert!(speaker.fell_back, "the remembered speaker is gone");
        assert_eq!(speaker.remembered.as_deref(), Some("alsa:unplugged"));
        assert_eq!(ringer.device.unwrap().id, "alsa:laptop");
        // A remembered speaker chosen as the microphone cannot record: default instead.
        let odd = DeviceChoice {
            microphone: Some("alsa:laptop".into()),
            ..DeviceChoice::default()
        };
        let [mic, speaker, _] = resolve(&odd, &devices);
        assert_eq!(mic.device.unwrap().id, "alsa:default");
        assert!(mic.fell_back);
        assert!(!speaker.fell_back, "nothing remembered: the default, no fallback");
    }

    #[test]
    fn a_device_named_as_worn_is_a_headset() {
        assert!(named_worn("Jabra Evolve2 65 Headset Mono") && named_worn("Built-in Headphones"));
        assert!(!named_worn("Built-in Audio Analog Stereo") && !named_worn("HDMI / DisplayPort"));
    }

    #[test]
    fn alsa_converter_plugins_are_not_offered_as_devices() {
        assert!(is_converter("alsa:speex") && is_converter("alsa:upmix") && is_converter("alsa:null"));
        assert!(!is_converter("alsa:default") && !is_converter("alsa:pulse"));
        assert!(!is_converter("alsa:sysdefault:CARD=Headset") && !is_converter("wasapi:speex"));
    }

    #[test]
    fn without_a_default_the_first_able_device_serves_and_without_any_there_is_none() {
        let devices = [device("alsa:usb", true, false, false)];
        let [mic, speaker, _] = resolve(&DeviceChoice::default(), &devices);
        assert_eq!(mic.device.unwrap().id, "alsa:usb");
        assert_eq!(speaker.device, None);
    }
}
