//! Headless calling, for admins diagnosing a PBX and for tests: `register`, `phone`, and the
//! phone that `call` and `answer` drive. The core's phone does the work; this module turns
//! flags into its setup and its events into JSON lines on stdout (whatever `--json` says;
//! logs go to stderr). The SIP password comes from standard input or the keychain and is
//! never printed.

use crate::args::{CallAudioArgs, SipAccountArgs, WrapUpArgs};
use leadline_core::phone::{
    Account, AudioFactory, CallAudio, Discard, IceServer, LineFailure, LineTiming, MediaConfig, Password,
    Phone, PhoneEvent, PhoneSetup, PhoneStatus, Silence, WavRecorder, WavSource, WrapUp, WrapUpDue,
};
use leadline_core::{CoreError, Handle, audio};
use std::collections::HashSet;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;

/// One JSON line on stdout, flushed at once (a test or a script reads it as it happens).
pub fn emit<T: serde::Serialize>(event: &T) {
    if let Ok(text) = serde_json::to_string(event) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }
}

/// A registration status as `register`, `call` and `answer` print it: `connecting`,
/// `registered` (with the round trip), `registration_failed` (`reason` and `detail`),
/// `unregistered`.
fn registration_line(status: &PhoneStatus) -> serde_json::Value {
    match status {
        PhoneStatus::Off { reason } => serde_json::json!({"event": "off", "reason": reason}),
        PhoneStatus::Connecting { url } => serde_json::json!({"event": "connecting", "url": url}),
        PhoneStatus::Registered { expires, ms } => {
            serde_json::json!({"event": "registered", "expires": expires, "ms": ms})
        }
        PhoneStatus::Failed {
            kind,
            reason,
            final_,
            retry_in_ms,
        } => serde_json::json!({
            "event": "registration_failed", "reason": kind, "detail": reason,
            "final": final_, "retry_in_ms": retry_in_ms,
        }),
        PhoneStatus::Unregistered => serde_json::json!({"event": "unregistered"}),
    }
}

/// How the line's status prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineFormat {
    /// As registration events (`register`, `call`, `answer`).
    Events,
    /// As the app's status (`phone`): `{"state": …}`.
    Status,
}

/// Prints `event` as its JSON line.
fn print(event: &PhoneEvent, format: LineFormat) {
    match (event, format) {
        (PhoneEvent::Line { status }, LineFormat::Events) => emit(&registration_line(status)),
        (PhoneEvent::Line { status }, LineFormat::Status) => emit(status),
        (event, _) => emit(event),
    }
}

/// The account from the flags, or the signed-in agent's.
fn account(handle: &Handle, args: &SipAccountArgs) -> Result<Account, CoreError> {
    let Some(ws_url) = &args.ws_url else {
        let (mut account, _) = handle.sip_account()?;
        account.ca_cert = args.ca_cert.clone().or(account.ca_cert);
        account.expires = args.expires;
        account.timing = timing(args);
        return Ok(account);
    };
    let required = |value: &Option<String>, flag: &str| {
        value.clone().ok_or_else(|| CoreError::Invalid {
            field: "--ws-url",
            reason: format!("needs {flag}"),
        })
    };
    Ok(Account {
        ws_url: ws_url.clone(),
        username: required(&args.username, "--username")?,
        domain: required(&args.domain, "--domain")?,
        realm: args.realm.clone(),
        auth_username: args.auth_username.clone(),
        display_name: args.display_name.clone(),
        password: Password::new(crate::read_password()?),
        ca_cert: args.ca_cert.clone(),
        expires: args.expires,
        timing: timing(args),
    })
}

/// The line's timers from the flags.
fn timing(args: &SipAccountArgs) -> LineTiming {
    LineTiming {
        move_within: Duration::from_secs_f64(args.reconnect_within),
        ..LineTiming::with_keepalive(Duration::from_secs_f64(args.keepalive))
    }
}

/// A seed for the registration's retry jitter.
pub fn seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
        ^ u64::from(std::process::id())
}

/// `leadline register [--once]`.
pub fn register(handle: &Handle, args: &SipAccountArgs, once: bool) -> Result<(), CoreError> {
    let account = account(handle, args)?;
    crate::runtime()?.block_on(async move {
        if once {
            return leadline_core::phone::register_once(account, seed(), |status| {
                emit(&registration_line(&status));
            })
            .await;
        }
        let setup = PhoneSetup {
            account,
            record_calls: false,
            media: MediaConfig::default(),
            audio: Arc::new(|_| Ok((Box::new(Silence), Box::new(Discard)))),
            seed: seed(),
            tones: false,
        };
        let running = Running::start(handle, setup, LineFormat::Events)?;
        running.until_interrupted_or_final().await
    })
}

/// `leadline phone`: the app's phone line, headless. A final failure (bad password) ends it
/// with that error.
pub fn phone_line(handle: &Handle) -> Result<(), CoreError> {
    crate::runtime()?.block_on(async move {
        let (events, heard) = broadcast::channel(1024);
        let listener: leadline_core::phone::Listener = Arc::new(move |event: PhoneEvent| {
            print(&event, LineFormat::Status);
            let _ = events.send(event);
        });
        let audio: AudioFactory = Arc::new(|_| Ok((Box::new(Silence), Box::new(Discard))));
        let Some(phone) = handle.start_agent_phone(audio, seed(), listener) else {
            return Ok(());
        };
        let running = Running {
            handle: handle.clone(),
            phone,
            events: heard,
            talked: Arc::default(),
        };
        running.until_interrupted_or_final().await
    })
}

/// A phone running for a command, its events printed and heard.
pub struct Running {
    handle: Handle,
    /// The phone.
    pub phone: Phone,
    events: broadcast::Receiver<PhoneEvent>,
    /// The calls that ended in this run.
    talked: Arc<Mutex<HashSet<String>>>,
}

impl Running {
    /// Starts the phone on `setup`, printing every event.
    pub fn start(handle: &Handle, setup: PhoneSetup, format: LineFormat) -> Result<Running, CoreError> {
        let (events, heard) = broadcast::channel(1024);
        let talked = Arc::new(Mutex::new(HashSet::new()));
        let noting = talked.clone();
        let listener: leadline_core::phone::Listener = Arc::new(move |event: PhoneEvent| {
            print(&event, format);
            if let (PhoneEvent::Ended { call_id, .. }, Ok(mut talked)) = (&event, noting.lock()) {
                talked.insert(call_id.clone());
            }
            let _ = events.send(event);
        });
        let phone = handle.start_phone(setup, listener)?;
        Ok(Running {
            handle: handle.clone(),
            phone,
            events: heard,
            talked,
        })
    }

    /// Whether the call `call_id` was placed or taken (and ended) in this run.
    pub fn placed_or_taken(&self, call_id: &str) -> bool {
        self.talked.lock().is_ok_and(|t| t.contains(call_id))
    }

    /// Another receiver of the phone's events, from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<PhoneEvent> {
        self.events.resubscribe()
    }

    /// The next event (`None` once the phone is gone).
    pub async fn next(&mut self) -> Option<PhoneEvent> {
        loop {
            match self.events.recv().await {
                Ok(event) => return Some(event),
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "events missed");
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// Waits for the first registration; fails with its failure (the phone stopped).
    pub async fn registered(&mut self) -> Result<(), CoreError> {
        loop {
            match self.next().await {
                Some(PhoneEvent::Line {
                    status: PhoneStatus::Registered { .. },
                }) => return Ok(()),
                Some(PhoneEvent::Line {
                    status: PhoneStatus::Failed { kind, reason, .. },
                }) => {
                    self.phone.stop().await;
                    return Err(CoreError::Line { kind, reason });
                }
                Some(_) => {}
                None => return Err(CoreError::PhoneOff("the registration stopped".into())),
            }
        }
    }

    /// Runs until Ctrl-C (then stops the phone) or a final registration failure.
    async fn until_interrupted_or_final(mut self) -> Result<(), CoreError> {
        let failed: Option<(LineFailure, String)> = loop {
            tokio::select! {
                event = self.next() => match event {
                    Some(PhoneEvent::Line { status: PhoneStatus::Failed { kind, reason, final_: true, .. } }) => {
                        break Some((kind, reason));
                    }
                    Some(_) => {}
                    None => break None,
                },
                _ = tokio::signal::ctrl_c() => break None,
            }
        };
        self.stop().await;
        match failed {
            Some((kind, reason)) => Err(CoreError::Line { kind, reason }),
            None => Ok(()),
        }
    }

    /// Stops the phone (hanging up, unregistering) and lets its last events print.
    pub async fn stop(&self) {
        // The handle keeps the phone it started: stopping it there stops this one.
        self.handle.stop_phone().await;
    }
}

/// The environment variable holding the TURN password.
pub const TURN_PASSWORD_ENV: &str = "LEADLINE_TURN_PASSWORD";

/// The media settings of a call: the default ones, with this device's STUN/TURN servers
/// (`stored`, from `leadline calling`), then `--codec`, `--stun` and `--turn` when given. A
/// TURN server without its password in the environment is a usage error.
pub fn media_config(args: &CallAudioArgs, stored: Vec<IceServer>) -> Result<MediaConfig, CoreError> {
    let mut config = MediaConfig {
        ice_servers: stored,
        ..MediaConfig::default()
    };
    if !args.codecs.is_empty() {
        config.codecs = args.codecs.clone();
    }
    config.ice_servers.extend(args.stun.iter().map(|url| IceServer {
        urls: vec![url.clone()],
        username: String::new(),
        credential: String::new(),
    }));
    if let (Some(url), Some(user)) = (&args.turn, &args.turn_user) {
        let credential = std::env::var(TURN_PASSWORD_ENV).map_err(|_| CoreError::Invalid {
            field: "--turn",
            reason: format!("needs the TURN password in {TURN_PASSWORD_ENV}"),
        })?;
        config.ice_servers.push(IceServer {
            urls: vec![url.clone()],
            username: user.clone(),
            credential,
        });
    }
    Ok(config)
}

/// The phone setup of `call` and `answer`: the account (the signed-in agent's calls are
/// recorded in the CRM; one given with flags is a PBX check, not the agent's work), the
/// media settings and the audio of each call. A bad audio file is a usage error before
/// anything is dialled.
pub fn setup(
    handle: &Handle,
    args: &SipAccountArgs,
    audio_args: &CallAudioArgs,
) -> Result<PhoneSetup, CoreError> {
    let account = account(handle, args)?;
    let media = media_config(audio_args, handle.ice_servers()?)?;
    let audio_args = Arc::new(AudioArgs {
        audio_in: audio_args.audio_in.clone(),
        record: audio_args.record.clone(),
        devices: handle.clone(),
    });
    audio_of(&audio_args, 0)?;
    // On a terminal's own devices the phone sounds like one; with files it stays quiet.
    let tones = audio_args.record.is_none();
    Ok(PhoneSetup {
        account,
        record_calls: args.ws_url.is_none(),
        media,
        audio: Arc::new(move |number| audio_of(&audio_args, number)),
        seed: seed(),
        tones,
    })
}

/// The audio flags a phone keeps for its calls (the chosen devices where a flag is absent).
struct AudioArgs {
    audio_in: Option<std::path::PathBuf>,
    record: Option<std::path::PathBuf>,
    devices: Handle,
}

/// The audio of the call numbered `number` (from 0): the first records to `--record`, the
/// next ones beside it (`heard-2.wav`, …).
fn audio_of(args: &AudioArgs, number: usize) -> Result<CallAudio, CoreError> {
    let [microphone, speaker, _] = if args.audio_in.is_none() || args.record.is_none() {
        args.devices.devices_in_use()
    } else {
        [None, None, None]
    };
    // A WAV file on either side means no room and no echo; devices on both get the processing.
    let voice = if args.audio_in.is_none() && args.record.is_none() {
        args.devices.call_voice()
    } else {
        leadline_core::media::voice::Voice::none()
    };
    let source: Box<dyn leadline_core::media::audio::AudioSource> = match &args.audio_in {
        Some(path) => Box::new(WavSource::open(path)?),
        None => audio::open_source(microphone.as_deref(), &voice),
    };
    let sink: Box<dyn leadline_core::media::audio::AudioSink> = match &args.record {
        Some(path) => Box::new(WavRecorder::new(&recording_path(path, number))),
        None => audio::open_sink(speaker.as_deref(), &voice),
    };
    Ok((source, sink))
}

/// Wraps a finished call up as `--disposition`/`--notes` say (nothing without a
/// disposition: it stays due) and prints what was recorded.
pub fn wrap_up(handle: &Handle, due: &WrapUpDue, args: &WrapUpArgs) -> Result<(), CoreError> {
    let mut disposition = None;
    if let Some(name) = &args.disposition {
        let call = handle.wrap_up(&WrapUp {
            call: due.call,
            disposition: name.clone(),
            notes: args.notes.clone(),
            status: None,
            followup: None,
        })?;
        disposition = call.disposition_id;
    }
    emit(&serde_json::json!({
        "event": "recorded",
        "call": due.call,
        "lead": due.lead,
        "duration_seconds": due.duration_seconds,
        "disposition": disposition,
    }));
    Ok(())
}

/// Where the call numbered `number` records: `path` itself for the first, `stem-N.ext` for the
/// N-th after it.
fn recording_path(path: &std::path::Path, number: usize) -> std::path::PathBuf {
    if number == 0 {
        return path.to_owned();
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match path.extension() {
        Some(ext) => format!("{stem}-{}.{}", number + 1, ext.to_string_lossy()),
        None => format!("{stem}-{}", number + 1),
    };
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::recording_path;
    use std::path::Path;

    #[test]
    fn later_calls_record_beside_the_first() {
        assert_eq!(
            recording_path(Path::new("/t/heard.wav"), 0),
            Path::new("/t/heard.wav")
        );
        assert_eq!(
            recording_path(Path::new("/t/heard.wav"), 1),
            Path::new("/t/heard-2.wav")
        );
        assert_eq!(recording_path(Path::new("heard"), 2), Path::new("heard-3"));
    }
}
