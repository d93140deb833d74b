//! The command line, as clap reads it.

use clap::{Parser, Subcommand};
use leadline_core::media::sdp::Codec;
use std::path::PathBuf;

/// Leadline's headless agent and admin tool.
#[derive(Debug, Parser)]
#[command(
    name = "leadline",
    version,
    about,
    after_help = "Exit codes: 0 done, 1 failure, 2 bad arguments, \
3 refused (rule, permission, unreadable value), 4 not found, 5 signed out or refused by the \
server, 6 server or PBX unreachable (network, TLS, timeout), 7 PBX refused the SIP credentials, \
8 call failed, 9 audio device absent or unusable."
)]
pub struct Cli {
    /// The profile directory (default: the OS's app-data directory for Leadline).
    #[arg(long, global = true, env = "LEADLINE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// One JSON object per line instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The profile directory to use.
    pub fn data_dir(&self) -> PathBuf {
        self.data_dir.clone().unwrap_or_else(default_data_dir)
    }
}

/// Where the desktop app keeps its profile (its Tauri identifier under the app-data folder).
fn default_data_dir() -> PathBuf {
    const IDENTIFIER: &str = "app.leadline.desktop";
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    if cfg!(target_os = "macos") {
        home.join("Library/Application Support").join(IDENTIFIER)
    } else if cfg!(windows) {
        std::env::var_os("APPDATA")
            .map(PathBuf::from)
            .unwrap_or(home)
            .join(IDENTIFIER)
    } else {
        std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(".local/share"))
            .join(IDENTIFIER)
    }
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Signs in to a tenant server (the token goes to the OS keychain), then syncs.
    Login {
        /// The tenant server, e.g. https://crm.example.com
        #[arg(long)]
        server: String,
        /// The agent's email.
        #[arg(long)]
        email: String,
        /// Read the password from the first line of standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Signs out: revokes the token and removes the secrets from the keychain.
    Logout,
    /// Pushes local changes and pulls the server's.
    Sync {
        /// Keep syncing (every 30 s; with backoff while the server is unreachable).
        #[arg(long)]
        watch: bool,
    },
    /// Who is signed in, to which tenant, and what is waiting to sync.
    Status,
    /// Lists and finds leads.
    Leads {
        /// What to do.
        #[command(subcommand)]
        action: LeadsAction,
    },
    /// Works one lead.
    Lead {
        /// What to do.
        #[command(subcommand)]
        action: LeadAction,
    },
    /// Calls.
    Calls {
        /// What to show.
        #[command(subcommand)]
        action: CallsAction,
    },
    /// My upcoming follow-ups in open statuses, soonest first.
    Followups,
    /// Changes not yet accepted by the server: waiting, or refused with the server's reason.
    Changes {
        /// What to do (list them when absent).
        #[command(subcommand)]
        action: Option<ChangesAction>,
    },
    /// Calls DEST (a number, a user, or a sip: address) and talks. One JSON line per state
    /// change: registered, ringing, answered, media, ended.
    Call {
        /// Whom to call.
        destination: String,
        /// Gives up (CANCEL) when nobody answers within this many seconds.
        #[arg(long, default_value_t = 60.0)]
        ring_timeout: f64,
        /// Sends these DTMF digits once the audio flows (RFC 4733, or SIP INFO when the other
        /// side takes no telephone-event).
        #[arg(long)]
        dtmf: Option<String>,
        /// Puts the other side on hold (re-INVITE, sendonly) this many seconds into the call,
        /// for two seconds, then resumes.
        #[arg(long)]
        hold_after: Option<f64>,
        /// Moves the call to this speaker (a device id, as `leadline audio` lists them) this
        /// many seconds into it: `--switch-speaker ID --switch-after S` (remembered, as
        /// `leadline audio use speaker` does).
        #[arg(long, requires = "switch_after")]
        switch_speaker: Option<String>,
        /// When `--switch-speaker` applies, in seconds into the call.
        #[arg(long, requires = "switch_speaker", value_parser = positive_seconds)]
        switch_after: Option<f64>,
        /// Transfers the other side to this number, user or sip: address (REFER) once the
        /// steps above are done, reporting the progress; the call ends as transferred.
        #[arg(long)]
        transfer_to: Option<String>,
        /// Makes the transfer attended: hold the other side, call the target first, then hand
        /// the other side over in place of that call (REFER with Replaces).
        #[arg(long, requires = "transfer_to")]
        attended: bool,
        /// Account, audio and wrap-up.
        #[command(flatten)]
        talk: TalkArgs,
    },
    /// Waits for calls and answers them. One JSON line per state change: registered,
    /// incoming, answered, media, ended.
    Answer {
        /// Calls to answer before exiting.
        #[arg(long, default_value_t = 1)]
        calls: usize,
        /// What a call arriving during a call gets: it rings until the line is free (ring),
        /// is refused busy (reject), or is answered with the current call held (answer).
        #[arg(long, value_enum, default_value_t = Waiting::Ring)]
        waiting: Waiting,
        /// With two calls up, swaps between them (holds one, resumes the other) this many
        /// seconds after the second was answered.
        #[arg(long, requires = "waiting")]
        swap_after: Option<f64>,
        /// Lets a call ring this many seconds before answering it (a caller who gives up
        /// meanwhile is not answered).
        #[arg(long, value_parser = positive_seconds)]
        ring_for: Option<f64>,
        /// Account, audio and wrap-up.
        #[command(flatten)]
        talk: TalkArgs,
    },
    /// The audio devices: lists them (one JSON line each) and the microphone, speaker and
    /// ringer in use, changes the choice, or runs the audio check.
    Audio {
        /// What to do (list them when absent).
        #[command(subcommand)]
        action: Option<AudioAction>,
    },
    /// This device's calling settings: a private PBX's CA and the STUN/TURN servers calls use.
    /// Shows them (as JSON) after any change, or alone.
    Calling {
        /// What to change (nothing: show them).
        #[command(subcommand)]
        action: Option<CallingAction>,
    },
    /// Runs the signed-in agent's phone line as the app does on start: registers when the
    /// agent's SIP account says so (auto_register), prints each status as a JSON line, and
    /// unregisters on Ctrl-C.
    Phone,
    /// Registers to the PBX and stays registered (refreshing, reconnecting) until Ctrl-C.
    /// Prints one JSON line per state change.
    Register {
        /// Exit 0 after registering (and unregistering), or non-zero with the reason.
        #[arg(long)]
        once: bool,
        /// The SIP account (the signed-in agent's when absent).
        #[command(flatten)]
        account: SipAccountArgs,
    },
}

/// A change of this device's calling settings.
#[derive(Debug, Subcommand)]
pub enum CallingAction {
    /// Trusts the CA in this PEM file for the PBX's WSS certificate, beside the system's roots
    /// (for a PBX with a private CA).
    PbxCa {
        /// The PEM file.
        file: std::path::PathBuf,
    },
    /// Stops trusting a private PBX CA.
    NoPbxCa,
    /// Adds a STUN server (`stun:host[:port]`), or a TURN server (`turn:host[:port]`, `turns:…`)
    /// with its user and the password read from standard input (kept in the OS keychain); a
    /// server with the same URL is replaced.
    AddIce {
        /// The server's URL.
        url: String,
        /// The TURN user.
        #[arg(long, requires = "password_stdin")]
        username: Option<String>,
        /// Read the TURN password from the first line of standard input.
        #[arg(long, requires = "username")]
        password_stdin: bool,
    },
    /// Removes the STUN/TURN server with this URL (and its password).
    RemoveIce {
        /// The server's URL.
        url: String,
    },
    /// Whether a call may be placed while a finished call waits for its wrap-up.
    CallsDuringWrapUp {
        /// `allow`, or `refuse` (the default: the next call waits for the wrap-up).
        #[arg(value_enum)]
        choice: Allowance,
    },
}

/// Allowed or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Allowance {
    /// Allowed.
    Allow,
    /// Refused.
    Refuse,
}

/// `leadline audio …`
#[derive(Debug, Subcommand)]
pub enum AudioAction {
    /// Uses DEVICE (an id as listed, or `default` to follow the OS) for ROLE; remembered on
    /// this machine, and replaced by the default while it is absent.
    Use {
        /// microphone, speaker or ringer.
        #[arg(value_enum)]
        role: AudioRole,
        /// The device's id, or `default`.
        device: String,
    },
    /// The microphone's voice processing for calls from now on (shown after the change).
    Processing {
        /// Noise suppression: `on` or `off`.
        #[arg(long, value_enum)]
        noise_suppression: Option<Switch>,
        /// Echo cancellation: `auto` (unless the speaker is a headset), `on` or `off`.
        #[arg(long, value_enum)]
        echo_cancellation: Option<EchoMode>,
    },
    /// The audio check: a test sound on the speaker and on the ringer, then the microphone's
    /// level ten times a second while it records, and the recording played back.
    Check {
        /// Seconds to record.
        #[arg(long, default_value_t = 3.0, value_parser = positive_seconds)]
        seconds: f64,
    },
}

/// On or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Switch {
    /// On.
    On,
    /// Off.
    Off,
}

/// When the echo canceller runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EchoMode {
    /// Unless the speaker is a headset.
    Auto,
    /// Always.
    On,
    /// Never.
    Off,
}

/// What a device is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AudioRole {
    /// Records the agent.
    Microphone,
    /// Plays the call.
    Speaker,
    /// Rings for incoming calls.
    Ringer,
}

/// What a call arriving during a call gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Waiting {
    /// It rings until the current call ends, then is answered.
    Ring,
    /// It is refused: 486 Busy Here.
    Reject,
    /// The current call is held and the new one answered.
    Answer,
}

/// What a headless call uses: the account, the audio and the wrap-up.
#[derive(Debug, clap::Args)]
pub struct TalkArgs {
    /// The audio.
    #[command(flatten)]
    pub audio: CallAudioArgs,
    /// The wrap-up.
    #[command(flatten)]
    pub wrap_up: WrapUpArgs,
    /// The SIP account (the signed-in agent's when absent).
    #[command(flatten)]
    pub account: SipAccountArgs,
}

/// Audio of a headless call.
#[derive(Debug, clap::Args)]
pub struct CallAudioArgs {
    /// What to say: a 16-bit PCM WAV file, played in a loop (silence when absent).
    #[arg(long)]
    pub audio_in: Option<PathBuf>,
    /// Records what the other side says to this WAV file.
    #[arg(long)]
    pub record: Option<PathBuf>,
    /// Hangs up after this many seconds of talk (default: wait for the other side).
    #[arg(long)]
    pub duration: Option<f64>,
    /// Offers or accepts only these codecs, best first (repeat: `--codec pcmu --codec opus`;
    /// default Opus, PCMU, PCMA).
    #[arg(long = "codec", value_parser = codec)]
    pub codecs: Vec<Codec>,
    /// A STUN server for ICE (`stun:host:port`; repeatable).
    #[arg(long = "stun")]
    pub stun: Vec<String>,
    /// A TURN server for ICE (`turn:host:port?transport=udp`), with `--turn-user`; its password
    /// comes from the LEADLINE_TURN_PASSWORD environment variable (never a flag).
    #[arg(long, requires = "turn_user")]
    pub turn: Option<String>,
    /// The TURN user name.
    #[arg(long, requires = "turn")]
    pub turn_user: Option<String>,
}

fn codec(name: &str) -> Result<Codec, String> {
    Codec::from_encoding(name).ok_or_else(|| format!("{name:?} is not a codec: use opus, pcmu or pcma"))
}

/// The wrap-up of a call made with the signed-in agent's account (each such call is recorded in
/// the CRM; without a disposition it waits for wrap-up).
#[derive(Debug, clap::Args)]
pub struct WrapUpArgs {
    /// Wraps the call up with this disposition (e.g. "Answered").
    #[arg(long)]
    pub disposition: Option<String>,
    /// Wrap-up notes.
    #[arg(long, requires = "disposition")]
    pub notes: Option<String>,
}

/// A SIP account given on the command line instead of the signed-in agent's.
#[derive(Debug, clap::Args)]
pub struct SipAccountArgs {
    /// The PBX's WebSocket URL (ws:// or wss://).
    #[arg(long, requires_all = ["username", "domain", "password_stdin"])]
    pub ws_url: Option<String>,
    /// The SIP user name.
    #[arg(long)]
    pub username: Option<String>,
    /// The SIP domain (and digest realm, unless --realm names another).
    #[arg(long)]
    pub domain: Option<String>,
    /// The digest realm when it differs from the domain; challenges for any other realm are
    /// not answered.
    #[arg(long)]
    pub realm: Option<String>,
    /// A digest user name that differs from the SIP user name.
    #[arg(long)]
    pub auth_username: Option<String>,
    /// Shown to the people called.
    #[arg(long)]
    pub display_name: Option<String>,
    /// A PEM file of CA certificates to trust for this PBX (besides the system's).
    #[arg(long)]
    pub ca_cert: Option<PathBuf>,
    /// Registration lifetime to ask for, in seconds.
    #[arg(long, default_value_t = 600)]
    pub expires: u32,
    /// Seconds between keepalive pings to the PBX; a connection silent for two and a half
    /// times this is closed as dead and the line reconnects.
    #[arg(long, default_value_t = 10.0, value_parser = positive_seconds)]
    pub keepalive: f64,
    /// Seconds a call whose PBX connection dropped waits for a new one before it ends.
    #[arg(long, default_value_t = 30.0, value_parser = positive_seconds)]
    pub reconnect_within: f64,
    /// Read the SIP password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
}

/// `leadline changes …`
#[derive(Debug, Subcommand)]
pub enum ChangesAction {
    /// Drops a refused change after reading why it was refused.
    Dismiss {
        /// The change's id (as listed).
        id: String,
    },
}

/// `leadline leads …`
#[derive(Debug, Subcommand)]
pub enum LeadsAction {
    /// Leads, newest first.
    List {
        /// Only this status (name, any case, or id).
        #[arg(long)]
        status: Option<String>,
        /// Only leads assigned to me.
        #[arg(long)]
        assigned_to_me: bool,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Leads whose name, company, email or phone starts with the words of QUERY.
    Search {
        /// What to look for.
        query: String,
    },
    /// One lead with its timeline.
    Show {
        /// The lead's id.
        #[arg(allow_negative_numbers = true)]
        id: i64,
    },
}

/// `leadline lead …`
#[derive(Debug, Subcommand)]
pub enum LeadAction {
    /// Adds a note to the lead's timeline.
    Note {
        /// The lead's id.
        #[arg(allow_negative_numbers = true)]
        id: i64,
        /// The note.
        text: String,
    },
    /// Moves the lead to another status.
    Move {
        /// The lead's id.
        #[arg(allow_negative_numbers = true)]
        id: i64,
        /// The status (name, any case, or id).
        status: String,
        /// A note (required by some statuses).
        #[arg(long)]
        note: Option<String>,
        /// The next follow-up (required by some statuses): 2026-03-12 14:30, tomorrow 10:00, +2d.
        #[arg(long)]
        followup: Option<String>,
    },
    /// Schedules the lead's next follow-up.
    Followup {
        /// The lead's id.
        #[arg(allow_negative_numbers = true)]
        id: i64,
        /// When: 2026-03-12 14:30 (tenant's timezone), 2026-03-12, tomorrow [HH:MM], +2d, +3h.
        when: String,
        /// A note.
        #[arg(long)]
        note: Option<String>,
    },
}

/// `leadline calls …`
#[derive(Debug, Subcommand)]
pub enum CallsAction {
    /// Today's calls (in the tenant's timezone), newest first.
    Today,
    /// Finished calls waiting for their wrap-up, oldest first (they outlive restarts; a new
    /// call is refused while one waits).
    Pending,
    /// Wraps a finished call up.
    WrapUp {
        /// The call's CRM id (as `calls pending` lists it; negative until the server has it).
        #[arg(allow_negative_numbers = true)]
        call: i64,
        /// The disposition (name in any case, or id).
        #[arg(long)]
        disposition: String,
        /// Wrap-up notes (required by some dispositions).
        #[arg(long)]
        notes: Option<String>,
        /// Moves the call's lead to this status (name or id).
        #[arg(long)]
        status: Option<String>,
        /// The follow-up the new status requires (as `lead followup` reads it).
        #[arg(long)]
        followup: Option<String>,
    },
}

/// A positive number of seconds (at most a day).
fn positive_seconds(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 86_400.0 => Ok(s),
        _ => Err(format!("{text:?} is not a number of seconds between 0 and 86400")),
    }
}
