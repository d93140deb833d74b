//! `client_audio_devices`: the microphone, speaker and ringer this device's agent chose, by the
//! audio layer's stable ids (`None`: the OS default). Kept across sign-ins: they describe the
//! machine, not the agent's account. The same row keeps the microphone's voice processing
//! ([`VoiceChoice`]).

use crate::Timestamp;
use crate::error::Result;
use rusqlite::{Connection, OptionalExtension, params};

/// The chosen devices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AudioChoice {
    /// Records the agent.
    pub microphone: Option<String>,
    /// Plays the call.
    pub speaker: Option<String>,
    /// Rings.
    pub ringer: Option<String>,
}

/// The choice (all defaults when none was saved).
pub fn load(conn: &Connection) -> Result<AudioChoice> {
    Ok(conn
        .query_row(
            "SELECT microphone, speaker, ringer FROM client_audio_devices",
            [],
            |row| {
                Ok(AudioChoice {
                    microphone: row.get(0)?,
                    speaker: row.get(1)?,
                    ringer: row.get(2)?,
                })
            },
        )
        .optional()?
        .unwrap_or_default())
}

/// Saves (replaces) the choice.
pub fn save(conn: &Connection, choice: &AudioChoice, now: Timestamp) -> Result<()> {
    conn.execute(
        "INSERT INTO client_audio_devices (singleton, microphone, speaker, ringer, updated_at) \
         VALUES (1, ?1, ?2, ?3, ?4) \
         ON CONFLICT (singleton) DO UPDATE SET microphone = excluded.microphone, \
         speaker = excluded.speaker, ringer = excluded.ringer, updated_at = excluded.updated_at",
        params![choice.microphone, choice.speaker, choice.ringer, now],
    )?;
    Ok(())
}

/// The microphone's voice processing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoiceChoice {
    /// Noise suppression on.
    pub noise_suppression: bool,
    /// `auto`, `on` or `off`.
    pub echo_cancellation: String,
}

impl Default for VoiceChoice {
    fn default() -> Self {
        VoiceChoice {
            noise_suppression: true,
            echo_cancellation: "auto".into(),
        }
    }
}

/// The voice processing (the defaults when none was saved).
pub fn load_voice(conn: &Connection) -> Result<VoiceChoice> {
    Ok(conn
        .query_row(
            "SELECT noise_suppression, echo_cancellation FROM client_audio_devices",
            [],
            |row| {
                Ok(VoiceChoice {
                    noise_suppression: row.get(0)?,
                    echo_cancellation: row.get(1)?,
                })
            },
        )
        .optional()?
        .unwrap_or_default())
}

/// Saves the voice processing (the devices stay as chosen).
pub fn save_voice(conn: &Connection, voice: &VoiceChoice, now: Timestamp) -> Result<()> {
    conn.execute(
        "INSERT INTO client_audio_devices (singleton, noise_suppression, echo_cancellation, updated_at) \
         VALUES (1, ?1, ?2, ?3) \
         ON CONFLICT (singleton) DO UPDATE SET noise_suppression = excluded.noise_suppression, \
         echo_cancellation = excluded.echo_cancellation, updated_at = excluded.updated_at",
        params![voice.noise_suppression, voice.echo_cancellation, now],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    #[test]
    fn the_choice_defaults_then_round_trips() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(load(store.conn()).unwrap(), AudioChoice::default());
        let choice = AudioChoice {
            microphone: Some("alsa:sysdefault:CARD=Headset".into()),
            speaker: None,
            ringer: Some("alsa:default".into()),
        };
        save(store.conn(), &choice, Timestamp::now()).unwrap();
        assert_eq!(load(store.conn()).unwrap(), choice);
        let too_long = AudioChoice {
            speaker: Some("x".repeat(600)),
            ..AudioChoice::default()
        };
        assert!(
            save(store.conn(), &too_long, Timestamp::now()).is_err(),
            "the schema bounds ids"
        );
    }

    #[test]
    fn voice_processing_defaults_on_then_round_trips_beside_the_devices() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(load_voice(store.conn()).unwrap(), VoiceChoice::default());
        let voice = VoiceChoice {
            noise_suppression: false,
            echo_cancellation: "on".into(),
        };
        save_voice(store.conn(), &voice, Timestamp::now()).unwrap();
        let choice = AudioChoice {
            speaker: Some("alsa:default".into()),
            ..AudioChoice::default()
        };
        save(store.conn(), &choice, Timestamp::now()).unwrap();
        assert_eq!(load_voice(store.conn()).unwrap(), voice);
        assert_eq!(load(store.conn()).unwrap(), choice);
        let unknown = VoiceChoice {
            echo_cancellation: "loud".into(),
            ..voice
        };
        assert!(save_voice(store.conn(), &unknown, Timestamp::now()).is_err());
    }
}
