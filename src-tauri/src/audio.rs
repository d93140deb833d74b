//! Tauri commands for the settings' audio: the devices and the choice of microphone, speaker
//! and ringer (a change reaches the calls up at once), the voice processing, the speakers'
//! volume, and the audio check — a test sound on the speaker or ringer, the microphone's
//! level ten times a second (`mic-level` events) while the meter shows, and a few seconds
//! recorded then played back. The checks run on the blocking pool, on the devices' clocks.

use crate::commands::blocking;
use leadline_core::audio::AudioSetup;
use leadline_core::media::audio_check::{self, Level};
use leadline_core::media::devices::DeviceRole;
use leadline_core::media::voice::VoiceSettings;
use leadline_core::{CoreError, Handle, SipAccountView};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tauri::{AppHandle, Emitter, State};

/// Counts the meter's runs: starting a new one (or stopping) ends the one before.
#[derive(Default)]
pub struct Meter(Arc<AtomicU64>);

/// How long one run of the meter listens at most.
const METER_SECONDS: f64 = 60.0;
/// How long the record-then-play check records.
const RECORD_SECONDS: f64 = 3.0;

fn device_of(setup: &AudioSetup, role: DeviceRole) -> Option<String> {
    setup
        .resolved
        .iter()
        .find(|r| r.role == role)
        .and_then(|r| r.device.as_ref())
        .map(|d| d.id.clone())
}

#[tauri::command]
pub async fn audio_setup(handle: State<'_, Handle>) -> Result<AudioSetup, CoreError> {
    blocking(&handle, |h| h.audio_setup()).await
}

/// Chooses the device for `role` (`None`: the OS default); the calls up move to it.
#[tauri::command]
pub async fn choose_audio_device(
    handle: State<'_, Handle>,
    role: DeviceRole,
    id: Option<String>,
) -> Result<AudioSetup, CoreError> {
    blocking(&handle, move |h| {
        h.choose_audio_device(role, id.as_deref())?;
        if let Some(phone) = h.phone() {
            phone.use_device(role, id.as_deref())?;
        }
        h.audio_setup()
    })
    .await
}

#[tauri::command]
pub async fn voice_settings(handle: State<'_, Handle>) -> Result<VoiceSettings, CoreError> {
    blocking(&handle, |h| h.voice_settings()).await
}

#[tauri::command]
pub async fn set_voice_settings(
    handle: State<'_, Handle>,
    settings: VoiceSettings,
) -> Result<VoiceSettings, CoreError> {
    blocking(&handle, move |h| {
        h.set_voice_settings(settings)?;
        h.voice_settings()
    })
    .await
}

/// The speakers' volume, in percent of the level received (up to 200).
#[tauri::command]
pub fn set_volume(handle: State<'_, Handle>, percent: u16) {
    if let Some(phone) = handle.phone() {
        phone.set_volume(percent);
    }
}

/// Plays the test chime on the speaker or the ringer.
#[tauri::command]
pub async fn test_sound(handle: State<'_, Handle>, role: DeviceRole) -> Result<(), CoreError> {
    blocking(&handle, move |h| {
        let device = device_of(&h.audio_setup()?, role);
        audio_check::test_sound(device.as_deref(), 1.2)?;
        Ok(())
    })
    .await
}

/// Shows the microphone's level (`mic-level` events) until [`stop_meter`] or a minute.
#[tauri::command]
pub async fn start_meter(
    app: AppHandle,
    handle: State<'_, Handle>,
    meter: State<'_, Meter>,
) -> Result<(), CoreError> {
    let run = meter.0.fetch_add(1, Ordering::SeqCst) + 1;
    let current = meter.0.clone();
    blocking(&handle, move |h| {
        let device = device_of(&h.audio_setup()?, DeviceRole::Microphone);
        let mut on_level = |level: Level| {
            if current.load(Ordering::SeqCst) == run {
                let _ = app.emit("mic-level", level);
            }
        };
        // The check reads for its whole length; a newer run (or a stop) silences this one.
        let seconds = METER_SECONDS;
        let stopped = current.clone();
        audio_check::microphone_levels_until(device.as_deref(), seconds, &mut on_level, || {
            stopped.load(Ordering::SeqCst) != run
        })?;
        Ok(())
    })
    .await
}

#[tauri::command]
pub fn stop_meter(meter: State<'_, Meter>) {
    meter.0.fetch_add(1, Ordering::SeqCst);
}

/// Records a few seconds from the microphone (levels as `mic-level` events), then plays them
/// on the speaker.
#[tauri::command]
pub async fn record_and_play(app: AppHandle, handle: State<'_, Handle>) -> Result<(), CoreError> {
    blocking(&handle, move |h| {
        let setup = h.audio_setup()?;
        let (mic, speaker) = (
            device_of(&setup, DeviceRole::Microphone),
            device_of(&setup, DeviceRole::Speaker),
        );
        audio_check::record_then_play(mic.as_deref(), speaker.as_deref(), RECORD_SECONDS, |level| {
            let _ = app.emit("mic-level", level);
        })?;
        Ok(())
    })
    .await
}

/// The SIP account as the tenant server sent it (never its password).
#[tauri::command]
pub async fn sip_account(handle: State<'_, Handle>) -> Result<SipAccountView, CoreError> {
    blocking(&handle, |h| h.sip_account_view()).await
}
