//! Headless calling, for admins diagnosing a PBX and for tests: `register`, `call`, `answer`. Every state change
//! is one JSON line on stdout (whatever `--json` says); logs go to stderr. The SIP password
//! comes from standard input or the keychain and is never printed.

use crate::args::{CallAudioArgs, SipAccountArgs, TalkArgs, WrapUpArgs};
use leadline_core::CallRecord;
use leadline_core::media::audio::{AudioSink, AudioSource, Discard, Silence, WavRecorder, WavSource};
use leadline_core::media::{MediaConfig, MediaSession};
use leadline_core::sip::{Account, Call, GiveUp, Password, RegEvent, Registrar, SipError};
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
    let mut registrar = Registrar::new(account, seed())?;
    crate::runtime()?.block_on(async move {
        if once {
            emit(&RegEvent::Connecting { url });
            let (event, _) = registrar.register().await;
            emit(&event);
            if let RegEvent::RegistrationFailed { failure, .. } = event {
                return Err(SipError::Registration(failure).into());
            }
            emit(&registrar.unregister().await);
            return Ok(());
        }
        let (events, mut received) = tokio::sync::mpsc::unbounded_channel();
        let stop = CancellationToken::new();
        let running = tokio::spawn(registrar.run(events, stop.clone()));
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

/// Registers (printing the events) and returns the registrar, or the failure.
async fn registered(registrar: &mut Registrar, url: String) -> Result<(), CoreError> {
    emit(&RegEvent::Connecting { url });
    let (event, _) = registrar.register().await;
    emit(&event);
    match event {
        RegEvent::RegistrationFailed { failure, .. } => Err(SipError::Registration(failure).into()),
        _ => Ok(()),
    }
}

/// What a call plays and where what it hears goes.
type CallAudio = (Box<dyn AudioSource>, Box<dyn AudioSink>);

fn audio(args: &CallAudioArgs) -> Result<CallAudio, CoreError> {
    let source: Box<dyn AudioSource> = match &args.audio_in {
        Some(path) => Box::new(WavSource::open(path)?),
        None => Box::new(Silence),
    };
    let sink: Box<dyn AudioSink> = match &args.record {
        Some(path) => Box::new(WavRecorder::new(path)),
        None => Box::new(Discard),
    };
    Ok((source, sink))
}

/// Milliseconds to the microsecond.
fn millis(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

fn media_event(session: &MediaSession) -> serde_json::Value {
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
struct Recorder<'a> {
    handle: &'a Handle,
    wrap_up: &'a WrapUpArgs,
    /// The agent's SIP user.
    local: String,
}

impl Recorder<'_> {
    fn start(&self, direction: Direction, remote: &str, pbx_call_id: &str) -> Option<CallId> {
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

    fn end(&self, call: Option<CallId>) -> Result<(), CoreError> {
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

/// Holds (or resumes) the other side by re-INVITE; prints `held` or `resumed` with the packets
/// received so far.
async fn hold(call: &Call, session: &MediaSession, on: bool) -> Result<(), CoreError> {
    let offer = session.reoffer(on).await?;
    let answer = call.reinvite(offer).await.map_err(SipError::Call)?;
    session.accept_answer(&answer).await?;
    let received = session
        .counters
        .received
        .load(std::sync::atomic::Ordering::Relaxed);
    emit(&serde_json::json!({"event": if on { "held" } else { "resumed" }, "packets_received": received}));
    Ok(())
}

/// Sends `digits` by RFC 4733, or by SIP INFO when the other side takes no telephone-event.
async fn send_dtmf(call: &Call, session: &MediaSession, digits: &str) {
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let method = match session.send_dtmf(digits) {
        Ok(()) => "rfc4733",
        Err(_) => {
            for digit in digits.chars() {
                if !call.send_dtmf_info(digit).await {
                    emit(
                        &serde_json::json!({"event": "error", "kind": "call", "message": format!("the other side refused DTMF {digit} by INFO")}),
                    );
                    return;
                }
            }
            "info"
        }
    };
    emit(&serde_json::json!({"event": "dtmf", "digits": digits, "method": method}));
}

/// Talks on an established call until `duration` passes or the other side hangs up.
async fn talk(
    call: &Call,
    session: &MediaSession,
    args: &CallAudioArgs,
    answered: std::time::Instant,
    dial: &Dial<'_>,
) -> Result<(), CoreError> {
    let (source, sink) = audio(args)?;
    let recording = session.start(source, sink)?;
    let connected = session.connected(std::time::Duration::from_secs(10)).await;
    if !connected {
        tracing::warn!("media did not connect within 10 s");
    }
    if let Some(digits) = dial.dtmf {
        send_dtmf(call, session, digits).await;
    }
    if let Some(after) = dial.hold_after {
        let wait = std::time::Duration::from_secs_f64(after.max(0.0)).saturating_sub(answered.elapsed());
        tokio::time::sleep(wait).await;
        hold(call, session, true).await?;
        tokio::time::sleep(HOLD_FOR).await;
        hold(call, session, false).await?;
    }
    let reason = match args.duration {
        Some(seconds) => {
            let wait = std::time::Duration::from_secs_f64(seconds.max(0.0));
            tokio::select! {
                reason = call.ended() => reason,
                () = tokio::time::sleep(wait) => {
                    emit(&media_event(session));
                    call.hangup().await
                }
            }
        }
        None => call.ended().await,
    };
    emit(&media_event(session));
    session.close().await;
    recording.finish()?;
    emit(&serde_json::json!({
        "event": "ended",
        "reason": reason,
        "duration_ms": millis(answered.elapsed()),
        "call_id": call.call_id,
    }));
    Ok(())
}

/// The registrar of the account, its URL, and the recorder when the account is the agent's.
/// A bad audio file is a usage error before anything is dialled.
fn prepare<'a>(
    handle: &'a Handle,
    args: &SipAccountArgs,
    audio_args: &CallAudioArgs,
    wrap_up: &'a WrapUpArgs,
) -> Result<(Registrar, String, Option<Recorder<'a>>), CoreError> {
    let account = account(handle, args)?;
    let recorder = args.ws_url.is_none().then(|| Recorder {
        handle,
        wrap_up,
        local: account.username.clone(),
    });
    let url = account.ws_url.clone();
    audio(audio_args)?;
    Ok((Registrar::new(account, seed())?, url, recorder))
}

/// What `leadline call` dials and does on the call.
pub struct Dial<'a> {
    /// Whom to call.
    pub destination: &'a str,
    /// Seconds of ringing before CANCEL.
    pub ring_timeout: f64,
    /// DTMF digits to send once the audio flows.
    pub dtmf: Option<&'a str>,
    /// Seconds into the call to hold the other side (for [`HOLD_FOR`]), then resume.
    pub hold_after: Option<f64>,
}

/// How long `--hold-after` holds.
const HOLD_FOR: std::time::Duration = std::time::Duration::from_secs(2);

/// `leadline call DEST`.
pub fn call(handle: &Handle, dial: &Dial<'_>, setup: &TalkArgs) -> Result<(), CoreError> {
    let (args, audio_args, wrap_up) = (&setup.account, &setup.audio, &setup.wrap_up);
    let (destination, ring_timeout) = (dial.destination, dial.ring_timeout);
    if let Some(digits) = dial.dtmf
        && !leadline_core::media::dtmf::valid(digits)
    {
        return Err(
            leadline_core::media::MediaError::Audio(format!("{digits:?} are not DTMF digits")).into(),
        );
    }
    let (mut registrar, url, recorder) = prepare(handle, args, audio_args, wrap_up)?;
    crate::runtime()?.block_on(async move {
        registered(&mut registrar, url).await?;
        let (session, offer) = MediaSession::offering(&MediaConfig::default()).await?;
        let call_id = leadline_core::sip::new_call_id();
        let record = recorder
            .as_ref()
            .and_then(|r| r.start(Direction::Outbound, destination, &call_id));
        let invited = std::time::Instant::now();
        // Ctrl-C before an answer cancels the call.
        let cancel = CancellationToken::new();
        let interrupted = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                interrupted.cancel();
            }
        });
        let give_up = GiveUp {
            ring_timeout: std::time::Duration::from_secs_f64(ring_timeout.clamp(1.0, 600.0)),
            cancel,
        };
        let outcome = registrar
            .call(
                destination,
                &call_id,
                offer,
                |ringing| {
                    emit(&serde_json::json!({"event": "ringing", "code": ringing.code, "early_media": ringing.early_media}));
                },
                give_up,
            )
            .await;
        let call = match outcome {
            Ok(call) => call,
            Err(reason) => {
                session.close().await;
                emit(&serde_json::json!({"event": "ended", "reason": reason, "duration_ms": 0}));
                if let Some(recorder) = &recorder {
                    recorder.end(record)?;
                }
                registrar.unregister().await;
                return Err(SipError::Call(reason).into());
            }
        };
        let answered = std::time::Instant::now();
        if let Err(error) = session.accept_answer(&call.remote_sdp).await {
            call.hangup().await;
            registrar.unregister().await;
            return Err(error.into());
        }
        emit(&serde_json::json!({
            "event": "answered",
            "codec": session.codec().map(|(c, _)| c),
            "setup_ms": millis(answered - invited),
            "call_id": call.call_id,
        }));
        let talked = talk(&call, &session, audio_args, answered, dial).await;
        if let Some(recorder) = &recorder {
            recorder.end(record)?;
        }
        emit(&registrar.unregister().await);
        talked
    })
}

/// `leadline answer`.
pub fn answer(handle: &Handle, calls: usize, setup: &TalkArgs) -> Result<(), CoreError> {
    let (args, audio_args, wrap_up) = (&setup.account, &setup.audio, &setup.wrap_up);
    let (mut registrar, url, recorder) = prepare(handle, args, audio_args, wrap_up)?;
    crate::runtime()?.block_on(async move {
        let mut incoming = registrar
            .incoming_calls()
            .ok_or_else(|| SipError::Stack("incoming calls already taken".into()))?;
        registered(&mut registrar, url).await?;
        for _ in 0..calls {
            let Some(ringing) = incoming.recv().await else {
                break;
            };
            emit(&serde_json::json!({
                "event": "incoming",
                "caller_name": ringing.caller.name,
                "caller_number": ringing.caller.number,
                "call_id": ringing.call_id,
            }));
            let (session, answer) = match MediaSession::answering(&MediaConfig::default(), &ringing.offer)
                .await
            {
                Ok(answering) => answering,
                Err(error) => {
                    ringing.reject(Some(488));
                    emit(
                        &serde_json::json!({"event": "error", "kind": "call", "message": error.to_string()}),
                    );
                    continue;
                }
            };
            let record = recorder
                .as_ref()
                .and_then(|r| r.start(Direction::Inbound, &ringing.caller.number, &ringing.call_id));
            let answered = std::time::Instant::now();
            let call = ringing.answer(answer).map_err(SipError::Call)?;
            emit(&serde_json::json!({
                "event": "answered",
                "codec": session.codec().map(|(c, _)| c),
                "call_id": call.call_id,
            }));
            let nothing = Dial {
                destination: "",
                ring_timeout: 0.0,
                dtmf: None,
                hold_after: None,
            };
            talk(&call, &session, audio_args, answered, &nothing).await?;
            if let Some(recorder) = &recorder {
                recorder.end(record)?;
            }
        }
        emit(&registrar.unregister().await);
        Ok(())
    })
}
