//! `leadline audio`: the devices and the choice in use as JSON lines, a change of the choice,
//! and the audio check (test sound on speaker and ringer, microphone levels, playback).

use crate::args::{AudioAction, AudioRole, EchoMode, Switch};
use crate::phone::emit;
use leadline_core::media::audio_check::{self, Level};
use leadline_core::media::devices::{DeviceRole, Resolved};
use leadline_core::media::voice::EchoCancellation;
use leadline_core::{CoreError, Handle};
use serde_json::{Value, json};

/// Runs `leadline audio [ACTION]`.
pub fn run(handle: &Handle, action: Option<&AudioAction>) -> Result<(), CoreError> {
    match action {
        None => show(handle),
        Some(AudioAction::Use { role, device }) => {
            let id = (device != "default").then_some(device.as_str());
            handle.choose_audio_device(role_of(*role), id)?;
            show(handle)
        }
        Some(AudioAction::Processing {
            noise_suppression,
            echo_cancellation,
        }) => {
            let mut settings = handle.voice_settings()?;
            if let Some(switch) = noise_suppression {
                settings.noise_suppression = *switch == Switch::On;
            }
            if let Some(mode) = echo_cancellation {
                settings.echo_cancellation = match mode {
                    EchoMode::Auto => EchoCancellation::Auto,
                    EchoMode::On => EchoCancellation::On,
                    EchoMode::Off => EchoCancellation::Off,
                };
            }
            handle.set_voice_settings(settings)?;
            show(handle)
        }
        Some(AudioAction::Check { seconds }) => check(handle, *seconds),
    }
}

fn role_of(role: AudioRole) -> DeviceRole {
    match role {
        AudioRole::Microphone => DeviceRole::Microphone,
        AudioRole::Speaker => DeviceRole::Speaker,
        AudioRole::Ringer => DeviceRole::Ringer,
    }
}

/// `{"event": EVENT, …value's fields}`.
fn tagged(event: &str, value: impl serde::Serialize) -> Value {
    let mut line = serde_json::to_value(value).unwrap_or(Value::Null);
    if let Value::Object(fields) = &mut line {
        fields.insert("event".into(), json!(event));
    }
    line
}

fn show(handle: &Handle) -> Result<(), CoreError> {
    let setup = handle.audio_setup()?;
    for device in &setup.devices {
        emit(&tagged("device", device));
    }
    for resolved in &setup.resolved {
        emit(&in_use(resolved));
    }
    emit(&tagged("processing", handle.voice_settings()?));
    Ok(())
}

fn in_use(resolved: &Resolved) -> Value {
    json!({
        "event": "in_use",
        "role": resolved.role,
        "device": resolved.device.as_ref().map(|d| &d.id),
        "name": resolved.device.as_ref().map(|d| &d.name),
        "fell_back": resolved.fell_back,
        "remembered": resolved.remembered,
    })
}

fn check(handle: &Handle, seconds: f64) -> Result<(), CoreError> {
    let [microphone, speaker, ringer] = handle.audio_setup()?.resolved;
    for resolved in [&microphone, &speaker, &ringer] {
        emit(&in_use(resolved));
    }
    let id = |r: &Resolved| r.device.as_ref().map(|d| d.id.clone());
    for (role, resolved) in [("speaker", &speaker), ("ringer", &ringer)] {
        let samples = audio_check::test_sound(id(resolved).as_deref(), 1.0)?;
        emit(&json!({"event": "test_sound", "role": role, "device": id(resolved), "samples": samples}));
    }
    let (recorded, played) = audio_check::record_then_play(
        id(&microphone).as_deref(),
        id(&speaker).as_deref(),
        seconds,
        |level: Level| emit(&tagged("mic_level", level)),
    )?;
    emit(&json!({"event": "played_back", "recorded": recorded, "played": played}));
    Ok(())
}
