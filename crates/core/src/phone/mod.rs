//! The phone: one long-lived service per profile that the desktop app and the CLI drive the
//! same way. It owns the agent's line (registration, on its own task), every call — placed,
//! arriving, ringing, talking, held — and each call's CRM record and wrap-up.
//!
//! Commands are methods on [`Phone`] (cheap to clone); everything that happens comes out as
//! one stream of typed [`PhoneEvent`]s to the listener given at start. Calls are named by
//! their SIP Call-ID. Rules the phone keeps, whoever drives it:
//! - one call is active, the others are held: answering, dialling or resuming a call holds
//!   the active one first;
//! - an arriving call carries the leads the local cache finds for the caller's number;
//! - with the signed-in agent's account, each call is recorded (`calls` row through the
//!   outbox), `calls.make` is checked before dialling, and a new outgoing call is refused
//!   while a finished call waits for its wrap-up;
//! - a transfer that worked ends our leg as `transferred`, and a consultation call replaced
//!   by an attended transfer ends as `transferred` too.
//!
//! What to do *when* (hang up after N seconds, swap after M) is the front end's business; the
//! phone's own timers (registration refresh and retries, ring timeout, the window for a call
//! to move to a new connection) live in `leadline-sip`'s state machines.

mod calls;
mod devices;
pub mod events;
pub mod line;
pub mod record;

pub use calls::Dial;
pub use events::{DeviceChange, DtmfMethod, PhoneEvent, Side, WrapUpDue};
pub use line::{LineFailure, PhoneStatus, UNREGISTER_WITHIN};
pub use record::{CallRecord, WrapUp};

/// What front ends name when they set a phone up, without reaching into the SIP and media
/// crates.
pub use leadline_media::audio::{AudioSink, AudioSource, Discard, Silence, WavRecorder, WavSource};
pub use leadline_media::dtmf::valid as valid_dtmf;
pub use leadline_media::sdp::Codec;
pub use leadline_media::{IceServer, MediaConfig};
pub use leadline_sip::{Account, DEFAULT_EXPIRES, EndReason, LineTiming, Password};

use crate::{CoreError, Handle};
use calls::CallTable;
use leadline_sip::{Dialer, IncomingCall, RegEvent, Registration};
use std::sync::{Arc, Mutex};

/// What a call plays and where what it hears goes.
pub type CallAudio = (Box<dyn AudioSource>, Box<dyn AudioSink>);

/// Gives the audio of the call numbered `n` (from 0, in the order calls are answered).
pub type AudioFactory = Arc<dyn Fn(usize) -> Result<CallAudio, CoreError> + Send + Sync>;

/// Hears every [`PhoneEvent`].
pub type Listener = Arc<dyn Fn(PhoneEvent) + Send + Sync>;

/// What a phone runs.
pub struct PhoneSetup {
    /// The SIP account.
    pub account: Account,
    /// Record the calls in the CRM (the signed-in agent's own account).
    pub record_calls: bool,
    /// The calls' media settings.
    pub media: MediaConfig,
    /// The calls' audio.
    pub audio: AudioFactory,
    /// Seeds the registration's retry jitter.
    pub seed: u64,
    /// Plays the phone's own sounds on the chosen devices: the ringtone on the ringer, the
    /// call-waiting beep and the key feedback in the headset.
    pub tones: bool,
}

impl std::fmt::Debug for PhoneSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhoneSetup")
            .field("account", &self.account)
            .field("record_calls", &self.record_calls)
            .finish()
    }
}

/// The running phone.
#[derive(Clone)]
pub struct Phone {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Phone").finish_non_exhaustive()
    }
}

struct Shared {
    handle: Handle,
    account: Account,
    record_calls: bool,
    media: MediaConfig,
    audio: AudioFactory,
    tones: bool,
    /// The key feedback playing, if any (replaced by the next).
    feedback: Mutex<Option<leadline_media::tones::TonePlayer>>,
    /// The speakers' volume (`f32` bits of the gain; 1 plays as received).
    volume: std::sync::atomic::AtomicU32,
    /// Whether calls report their levels ten times a second (a meter is showing).
    levels: std::sync::atomic::AtomicBool,
    dialer: Dialer,
    emit: Listener,
    calls: Mutex<CallTable>,
    line: tokio::sync::Mutex<Option<line::LineTask>>,
    status: Mutex<PhoneStatus>,
}

impl Shared {
    fn emit(&self, event: PhoneEvent) {
        (self.emit)(event);
    }

    fn table(&self) -> std::sync::MutexGuard<'_, CallTable> {
        match self.calls.lock() {
            Ok(table) => table,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    fn report_error(&self, call_id: Option<&str>, error: &CoreError) {
        tracing::warn!(%error, ?call_id, "phone");
        self.emit(PhoneEvent::Error {
            call_id: call_id.map(str::to_owned),
            kind: error.kind(),
            message: error.to_string(),
        });
    }
}

impl Handle {
    /// Starts the phone on `setup` (registering at once), reporting to `listener`. Must run
    /// inside a tokio runtime.
    pub fn start_phone(&self, setup: PhoneSetup, listener: Listener) -> Result<Phone, CoreError> {
        let mut registration = Registration::new(setup.account.clone(), setup.seed)?;
        let dialer = registration.dialer();
        let incoming = registration
            .incoming_calls()
            .ok_or_else(|| CoreError::PhoneOff("incoming calls are already taken".into()))?;
        let shared = Arc::new(Shared {
            handle: self.clone(),
            account: setup.account,
            record_calls: setup.record_calls,
            media: setup.media,
            audio: setup.audio,
            tones: setup.tones,
            feedback: Mutex::new(None),
            volume: std::sync::atomic::AtomicU32::new(1.0f32.to_bits()),
            levels: std::sync::atomic::AtomicBool::new(false),
            dialer,
            emit: listener,
            calls: Mutex::new(CallTable::default()),
            line: tokio::sync::Mutex::new(None),
            status: Mutex::new(PhoneStatus::Off {
                reason: "starting".into(),
            }),
        });
        let phone = Phone { shared };
        let reporting = Arc::downgrade(&phone.shared);
        let task = line::LineTask::start(registration, move |status| {
            if let Some(shared) = reporting.upgrade() {
                if let Ok(mut now) = shared.status.lock() {
                    *now = status.clone();
                }
                shared.emit(PhoneEvent::Line { status });
            }
        });
        if let Ok(mut line) = phone.shared.line.try_lock() {
            *line = Some(task);
        }
        phone.take_calls(incoming);
        if phone.shared.tones {
            phone.watch_devices();
        }
        if let Ok(mut kept) = self.inner.phone.lock() {
            *kept = Some(phone.clone());
        }
        Ok(phone)
    }

    /// The signed-in agent's phone setup: their SIP account (password from the keychain),
    /// this device's STUN/TURN servers, calls recorded in the CRM; and whether the account
    /// registers on start.
    pub fn agent_phone_setup(&self, audio: AudioFactory, seed: u64) -> Result<(PhoneSetup, bool), CoreError> {
        let (account, auto_register) = self.sip_account()?;
        let media = MediaConfig {
            ice_servers: self.ice_servers()?,
            ..MediaConfig::default()
        };
        let setup = PhoneSetup {
            account,
            record_calls: true,
            media,
            audio,
            seed,
            tones: true,
        };
        Ok((setup, auto_register))
    }
}

/// Registers `account` once and unregisters at once (a PBX check), reporting each step; fails
/// with the registration's failure.
pub async fn register_once(
    account: Account,
    seed: u64,
    on_status: impl Fn(PhoneStatus) + Send + Sync,
) -> Result<(), CoreError> {
    let mut registration = Registration::new(account, seed)?;
    let mut failed = None;
    registration
        .register_once(|event| {
            if let RegEvent::RegistrationFailed { failure, .. } = &event {
                failed = Some(failure.clone());
            }
            on_status(PhoneStatus::from(event));
        })
        .await;
    if let Some(failure) = failed {
        return Err(leadline_sip::SipError::Registration(failure).into());
    }
    on_status(PhoneStatus::from(registration.unregister().await));
    Ok(())
}

impl Handle {
    /// Starts the signed-in agent's phone when their SIP account says to register on start
    /// (the desktop app's line); otherwise reports [`PhoneStatus::Off`] with the reason and
    /// returns `None`. The phone is kept by the handle ([`Handle::phone`]).
    pub fn start_agent_phone(&self, audio: AudioFactory, seed: u64, listener: Listener) -> Option<Phone> {
        let off = |reason: &str| {
            listener(PhoneEvent::Line {
                status: PhoneStatus::Off {
                    reason: reason.to_owned(),
                },
            });
            None
        };
        let setup = match self.agent_phone_setup(audio, seed) {
            Ok((_, false)) => return off("not set to register on start"),
            Ok((setup, true)) => setup,
            Err(CoreError::NotSignedIn) => return off("not signed in to a tenant server"),
            Err(CoreError::NoSipAccount) => return off("no SIP account for this agent"),
            Err(error) => {
                tracing::warn!(%error, "the phone cannot start");
                return off(&error.to_string());
            }
        };
        match self.start_phone(setup, listener.clone()) {
            Ok(phone) => Some(phone),
            Err(error) => off(&error.to_string()),
        }
    }

    /// The running phone, if one was started.
    pub fn phone(&self) -> Option<Phone> {
        self.inner.phone.lock().ok().and_then(|p| p.clone())
    }

    /// Stops the running phone (hanging up its calls, unregistering).
    pub async fn stop_phone(&self) {
        let phone = self.inner.phone.lock().ok().and_then(|mut p| p.take());
        if let Some(phone) = phone {
            phone.stop().await;
        }
    }
}

impl Phone {
    /// The line's status now.
    pub fn status(&self) -> PhoneStatus {
        self.shared
            .status
            .lock()
            .map(|s| s.clone())
            .unwrap_or(PhoneStatus::Off {
                reason: "unknown".into(),
            })
    }

    /// The SIP address of `destination` on this account (a number, a user, or an address).
    pub fn address_of(&self, destination: &str) -> String {
        self.shared.account.address_of(destination)
    }

    /// Hangs up every call and unregisters (waiting briefly for the PBX).
    pub async fn stop(&self) {
        for call_id in self.call_ids() {
            if let Err(error) = self.hangup(&call_id).await {
                tracing::debug!(%error, "hanging up at stop");
            }
        }
        let task = self.shared.line.lock().await.take();
        if let Some(task) = task {
            task.stop().await;
        }
    }

    /// The calls on the phone, oldest first.
    pub fn call_ids(&self) -> Vec<String> {
        self.shared.table().ids()
    }

    /// The active call (the one not held), if any.
    pub fn active_call(&self) -> Option<String> {
        self.shared.table().active.clone()
    }

    /// Takes the calls the registration hands over: each rings with its screen pop until it
    /// is answered, rejected or cancelled by the caller.
    fn take_calls(&self, mut incoming: tokio::sync::mpsc::Receiver<IncomingCall>) {
        let phone = self.clone();
        tokio::spawn(async move {
            while let Some(call) = incoming.recv().await {
                phone.ring(call);
            }
        });
    }
}
