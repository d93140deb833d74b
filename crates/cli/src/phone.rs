//! Headless calling, for admins diagnosing a PBX and for tests: `register`, `call`, `answer`. Every state change
//! is one JSON line on stdout (whatever `--json` says); logs go to stderr. The SIP password
//! comes from standard input or the keychain and is never printed.

use crate::args::{CallAudioArgs, SipAccountArgs, WrapUpArgs};
use leadline_core::CallRecord;
use leadline_core::media::audio::{AudioSink, AudioSource, Discard, Silence, WavRecorder, WavSource};
use leadline_core::media::{IceServer, MediaConfig, MediaSession};
use leadline_core::sip::{Account, Dialer, Password, RegEvent, Registration, SipError};
use leadline_core::store::model::{CallId, Direction};
use leadline_core::{CoreError, Handle};
use std::io::Write;
use tokio_util::sync::CancellationToken;

/// One JSON line on stdout, flushed at once (a test or a script reads it as it happens).
pub fn emit<T: serde::Serialize>(event: &T) {
    if let Ok(text) = serde_json::to_string(event) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }
}

/// The account from the flags, or the signed-in agent's.
fn account(handle: &Handle, args: &SipAccountArgs) -> Result<Account, CoreError> {
    let Some(ws_url) = &args.ws_url else {
        let (mut account, _) = handle.sip_account()?;
        account.ca_cert = args.ca_cert.clone();
        account.expires = args.expires;
        return Ok(account);
    };
    let required = |value: &Option<String>, flag: &str| {
        value
            .clone()
            .ok_or_else(|| SipError::InvalidAccount(format!("--ws-url needs {flag}")))
    };
    Ok(Account {
        ws_url: ws_url.clone(),
        username: required(&args.username, "--username")?,
        domain: required(&args.domain, "--domain")?,
        auth_username: args.auth_username.clone(),
        display_name: args.display_name.clone(),
        password: Password::new(crate::read_password()?),
        ca_cert: args.ca_cert.clone(),
        expires: args.expires,
    })
}

fn seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
        ^ u64::from(std::process::id())
}

/// `leadline register [--once]`.
pub fn register(handle: &Handle, args: &SipAccountArgs, once: bool) -> Result<(), CoreError> {
    let account = account(handle, args)?;
    let url = account.ws_url.clone();
    let mut registration = Registration::new(account, seed())?;
    crate::runtime()?.block_on(async move {
        if once {
            emit(&RegEvent::Connecting { url });
            let (event, _) = registration.register().await;
            emit(&event);
            if let RegEvent::RegistrationFailed { failure, .. } = event {
                return Err(SipError::Registration(failure).into());
            }
            emit(&registration.unregister().await);
            return Ok(());
        }
        let (events, mut received) = tokio::sync::mpsc::unbounded_channel();
        let stop = CancellationToken::new();
        let running = tokio::spawn(registration.run(events, stop.clone()));
        let mut last_failure = None;
        loop {
            tokio::select! {
                event = received.recv() => match event {
                    Some(event) => {
                        emit(&event);
                        last_failure = match event {
                            RegEvent::RegistrationFailed { failure, final_: true, .. } => Some(failure),
                            _ => None,
                        };
                    }
                    None => break,
                },
                _ = tokio::signal::ctrl_c() => stop.cancel(),
            }
        }
        let _ = running.await;
        match last_failure {
            Some(failure) => Err(SipError::Registration(failure).into()),
            None => Ok(()),
        }
    })
}

/// `leadline phone`: the app's phone line, headless. A final failure (bad password) ends it
/// with that error.
pub fn phone_line(handle: &Handle) -> Result<(), CoreError> {
    use leadline_core::PhoneStatus;
    crate::runtime()?.block_on(async move {
        let (statuses, mut received) = tokio::sync::mpsc::unbounded_channel();
        let line = handle.start_phone_line(seed(), move |status| {
            let _ = statuses.send(status);
        });
        let Some(line) = line else {
            while let Ok(status) = received.try_recv() {
                emit(&status);
            }
            return Ok(());
        };
        let mut failed = None;
        loop {
            tokio::select! {
                Some(status) = received.recv() => {
                    emit(&status);
                    if let PhoneStatus::Failed { final_: true, kind, reason, .. } = status {
                        failed = Some((kind, reason));
                        break;
                    }
                }
                _ = tokio::signal::ctrl_c() => break,
            }
        }
        line.stop().await;
        while let Ok(status) = received.try_recv() {
            emit(&status);
        }
        use leadline_core::sip::Failure;
        match failed.as_ref().map(|(kind, reason)| (kind.as_str(), reason)) {
            None => Ok(()),
            Some(("bad_credentials", _)) => Err(SipError::Registration(Failure::BadCredentials).into()),
            Some(("forbidden", _)) => Err(SipError::Registration(Failure::Forbidden).into()),
            Some((_, reason)) => Err(SipError::Stack(reason.clone()).into()),
        }
    })
}

/// An account kept registered on its own task while calls go on: refreshed before expiry,
/// reconnected with backoff after a drop (calls in progress then move to the new connection),
/// every registration event printed.
pub struct Registered {
    /// Places calls over the current connection.
    pub dialer: Dialer,
    stop: CancellationToken,
    running: tokio::task::JoinHandle<()>,
    printing: tokio::task::JoinHandle<()>,
}

impl Registered {
    /// Registers `registration` (printing the events) and keeps it registered; fails with the
    /// first attempt's failure.
    pub async fn start(registration: Registration) -> Result<Registered, CoreError> {
        let dialer = registration.dialer();
        let (events_tx, mut events) = tokio::sync::mpsc::unbounded_channel();
        let stop = CancellationToken::new();
        let running = tokio::spawn(registration.run(events_tx, stop.clone()));
        loop {
            let event = events.recv().await;
            if let Some(event) = &event {
                emit(event);
            }
            match event {
                Some(RegEvent::Registered { .. }) => break,
                Some(RegEvent::RegistrationFailed { failure, .. }) => {
                    stop.cancel();
                    let _ = running.await;
                    return Err(SipError::Registration(failure).into());
                }
                Some(_) => {}
                None => return Err(SipError::Stack("the registration stopped".into()).into()),
            }
        }
        let printing = tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                emit(&event);
            }
        });
        Ok(Registered {
            dialer,
            stop,
            running,
            printing,
        })
    }

    /// Unregisters and stops.
    pub async fn stop(self) {
        self.stop.cancel();
        let _ = self.running.await;
        let _ = self.printing.await;
    }
}

/// What a call plays and where what it hears goes.
pub type CallAudio = (Box<dyn AudioSource>, Box<dyn AudioSink>);

/// The audio of the call numbered `number` (from 0): the first records to `--record`, the
/// next ones beside it (`heard-2.wav`, …).
pub fn audio(args: &CallAudioArgs, number: usize) -> Result<CallAudio, CoreError> {
    let source: Box<dyn AudioSource> = match &args.audio_in {
        Some(path) => Box::new(WavSource::open(path)?),
        None => Box::new(Silence),
    };
    let sink: Box<dyn AudioSink> = match &args.record {
        Some(path) => Box::new(WavRecorder::new(&recording_path(path, number))),
        None => Box::new(Discard),
    };
    Ok((source, sink))
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
        let credential = std::env::var(TURN_PASSWORD_ENV).map_err(|_| {
            leadline_core::media::MediaError::Audio(format!(
                "--turn needs the TURN password in {TURN_PASSWORD_ENV}"
            ))
        })?;
        config.ice_servers.push(IceServer {
            urls: vec![url.clone()],
            username: user.clone(),
            credential,
        });
    }
    Ok(config)
}

/// Milliseconds to the microsecond.
pub fn millis(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

pub fn media_event(session: &MediaSession) -> serde_json::Value {
    use std::sync::atomic::Ordering::Relaxed;
    let first = session.counters.first_received_us.load(Relaxed);
    serde_json::json!({
        "event": "media",
        "codec": session.codec().map(|(c, _)| c),
        "packets_sent": session.counters.sent.load(Relaxed),
        "packets_received": session.counters.received.load(Relaxed),
        "first_packet_ms": (first > 0).then(|| first as f64 / 1000.0),
    })
}

/// The CRM record of calls made with the signed-in agent's account (none for an account given
/// with flags: that is a PBX check, not the agent's work).
pub struct Recorder<'a> {
    handle: &'a Handle,
    wrap_up: &'a WrapUpArgs,
    /// The agent's SIP user.
    local: String,
}

impl Recorder<'_> {
    pub fn start(&self, direction: Direction, remote: &str, pbx_call_id: &str) -> Option<CallId> {
        let record = CallRecord {
            direction,
            local: self.local.clone(),
            remote: remote.to_owned(),
            pbx_call_id: pbx_call_id.to_owned(),
        };
        match self.handle.record_call_start(&record) {
            Ok(call) => Some(call.id),
            Err(error) => {
                emit(
                    &serde_json::json!({"event": "error", "kind": error.kind(), "message": error.to_string()}),
                );
                None
            }
        }
    }

    pub fn end(&self, call: Option<CallId>) -> Result<(), CoreError> {
        let Some(call) = call else { return Ok(()) };
        let mut row = self.handle.record_call_end(call)?;
        if let Some(disposition) = &self.wrap_up.disposition {
            row = self
                .handle
                .wrap_up_call(call, disposition, self.wrap_up.notes.as_deref())?;
        }
        emit(&serde_json::json!({
            "event": "recorded",
            "call": row.id,
            "lead": row.related_id,
            "duration_seconds": row.duration_seconds,
            "disposition": row.disposition_id,
        }));
        Ok(())
    }
}

/// The registration of the account, the recorder when the account is the agent's, and the media
/// settings of its calls. A bad audio file is a usage error before anything is dialled.
pub fn prepare<'a>(
    handle: &'a Handle,
    args: &SipAccountArgs,
    audio_args: &CallAudioArgs,
    wrap_up: &'a WrapUpArgs,
) -> Result<(Registration, Option<Recorder<'a>>, MediaConfig), CoreError> {
    let account = account(handle, args)?;
    let recorder = args.ws_url.is_none().then(|| Recorder {
        handle,
        wrap_up,
        local: account.username.clone(),
    });
    audio(audio_args, 0)?;
    let media = media_config(audio_args, handle.ice_servers()?)?;
    Ok((Registration::new(account, seed())?, recorder, media))
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
