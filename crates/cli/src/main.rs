//! `leadline`: the headless agent and admin tool, over the same core the desktop app uses.
//!
//! Output is readable text, or one JSON object per line with `--json`. Exit codes: 0 done,
//! 1 failure (storage, profile, keychain), 2 bad arguments, 3 refused (a business rule, a
//! permission, a value that cannot be read), 4 not found, 5 the server refused the account
//! (or not signed in), 6 the server is unreachable or failing.

mod answering;
mod args;
mod audio;
mod dialing;
mod output;
mod phone;
mod sync;

use args::{CallingAction, CallsAction, ChangesAction, Cli, Command, LeadAction, LeadsAction};
use clap::Parser;
use leadline_core::phone::WrapUp;
use leadline_core::store::model::{CallId, LeadId};
use leadline_core::{CoreError, Handle, LeadFilter};
use output::Output;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Output::new(cli.json);
    match run(&cli, &out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            out.error(&error);
            ExitCode::from(exit_code(&error))
        }
    }
}

fn exit_code(error: &CoreError) -> u8 {
    use leadline_core::ErrorKind as Kind;
    match error.kind() {
        Kind::Rule | Kind::Forbidden | Kind::InvalidInput | Kind::WrapUpPending => 3,
        Kind::NotFound | Kind::NoSuchCall => 4,
        Kind::Refused | Kind::NotSignedIn | Kind::UnsyncedChanges => 5,
        Kind::Offline | Kind::Server | Kind::NotConnected => 6,
        Kind::SipAuth => 7,
        Kind::Call => 8,
        Kind::AudioDevice => 9,
        Kind::NewerDatabase
        | Kind::NoProfile
        | Kind::Storage
        | Kind::DataDir
        | Kind::Keychain
        | Kind::Demo
        | Kind::Sip
        | Kind::PhoneOff
        | Kind::NoSipAccount
        | Kind::Internal => 1,
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, CoreError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CoreError::DataDir {
            path: "tokio runtime".into(),
            source: e,
        })
}

/// The password, from the first line of standard input (never an argument: arguments show
/// in process lists and shell history).
fn read_password() -> Result<String, CoreError> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| CoreError::DataDir {
            path: "standard input".into(),
            source: e,
        })?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// `leadline calling [ACTION]`: changes this device's calling settings, then shows them (a
/// TURN password never: it is in the keychain).
fn calling_settings(handle: &Handle, action: Option<&CallingAction>) -> Result<(), CoreError> {
    match action {
        None => {}
        Some(CallingAction::PbxCa { file }) => handle.set_pbx_ca_file(Some(file))?,
        Some(CallingAction::NoPbxCa) => handle.set_pbx_ca_file(None)?,
        Some(CallingAction::CallsDuringWrapUp { choice }) => {
            handle.set_calls_during_wrap_up(*choice == args::Allowance::Allow)?;
        }
        Some(CallingAction::AddIce { url, username, .. }) => match username {
            Some(user) => handle.set_ice_server(url, Some((user, &read_password()?)))?,
            None => handle.set_ice_server(url, None)?,
        },
        Some(CallingAction::RemoveIce { url }) => {
            let removed = handle.remove_ice_server(url)?;
            if !removed {
                return Err(CoreError::Store(leadline_core::store::StoreError::InvalidInput {
                    field: "ice_url",
                    reason: format!("no ICE server {url:?} is set"),
                }));
            }
        }
    }
    phone::emit(&handle.calling_settings()?);
    Ok(())
}

fn run(cli: &Cli, out: &Output) -> Result<(), CoreError> {
    leadline_core::logging::init(&cli.data_dir(), Some("warn"))?;
    let handle = Handle::open(&cli.data_dir())?;
    match &cli.command {
        Command::Login { server, email, .. } => {
            let password = read_password()?;
            let runtime = runtime()?;
            let session = runtime.block_on(handle.login(server, email, &password))?;
            out.signed_in(&session);
            let report = runtime.block_on(handle.sync(&mut |p| out.progress(&p)))?;
            out.synced(&report);
        }
        Command::Logout => {
            runtime()?.block_on(handle.logout())?;
            out.signed_out();
        }
        Command::Sync { watch } => {
            let runtime = runtime()?;
            if *watch {
                runtime.block_on(sync::watch(&handle, out))?;
            } else {
                let report = runtime.block_on(handle.sync(&mut |p| out.progress(&p)))?;
                out.synced(&report);
            }
        }
        Command::Status => out.overview(&handle.overview()?),
        Command::Audio { action } => audio::run(&handle, action.as_ref())?,
        Command::Leads { action } => match action {
            LeadsAction::List {
                status,
                assigned_to_me,
                limit,
            } => {
                let filter = LeadFilter {
                    status: status.clone(),
                    assigned_to_me: *assigned_to_me,
                    limit: *limit,
                };
                out.leads(&handle.leads(&filter)?)
            }
            LeadsAction::Search { query } => out.leads(&handle.search(query)?),
            LeadsAction::Show { id } => out.lead_detail(&handle.lead(LeadId(*id))?),
        },
        Command::Lead { action } => match action {
            LeadAction::Note { id, text } => out.activity(&handle.add_note(LeadId(*id), text)?),
            LeadAction::Move {
                id,
                status,
                note,
                followup,
            } => out.lead(&handle.move_lead(LeadId(*id), status, note.as_deref(), followup.as_deref())?),
            LeadAction::Followup { id, when, note } => {
                out.lead(&handle.schedule_followup(LeadId(*id), when, note.as_deref())?)
            }
        },
        Command::Calls { action } => match action {
            CallsAction::Today => out.calls(&handle.calls_today()?),
            CallsAction::Pending => {
                for due in handle.pending_wrap_ups()? {
                    phone::emit(&due);
                }
            }
            CallsAction::WrapUp {
                call,
                disposition,
                notes,
                status,
                followup,
            } => {
                let done = handle.wrap_up(&WrapUp {
                    call: CallId(*call),
                    disposition: disposition.clone(),
                    notes: notes.clone(),
                    status: status.clone(),
                    followup: followup.clone(),
                })?;
                phone::emit(&serde_json::json!({
                    "event": "wrapped_up",
                    "call": done.id,
                    "disposition": done.disposition_id,
                }));
            }
        },
        Command::Followups => out.leads(&handle.followups()?),
        Command::Register { once, account } => phone::register(&handle, account, *once)?,
        Command::Phone => phone::phone_line(&handle)?,
        Command::Calling { action } => calling_settings(&handle, action.as_ref())?,
        Command::Call {
            destination,
            ring_timeout,
            dtmf,
            hold_after,
            switch_speaker,
            switch_after,
            transfer_to,
            attended,
            talk,
        } => dialing::call(
            &handle,
            &dialing::Dial {
                destination,
                ring_timeout: *ring_timeout,
                dtmf: dtmf.as_deref(),
                hold_after: *hold_after,
                switch_speaker: switch_speaker.as_deref().zip(*switch_after),
                transfer_to: transfer_to.as_deref(),
                attended: *attended,
            },
            talk,
        )?,
        Command::Answer {
            calls,
            waiting,
            swap_after,
            ring_for,
            talk,
        } => answering::answer(
            &handle,
            &answering::Answering {
                calls: *calls,
                waiting: *waiting,
                swap_after: *swap_after,
                ring_for: ring_for.map(std::time::Duration::from_secs_f64),
            },
            talk,
        )?,
        Command::Changes { action: None } => out.changes(&handle.changes()?),
        Command::Changes {
            action: Some(ChangesAction::Dismiss { id }),
        } => {
            handle.dismiss_change(id)?;
            out.changes(&handle.changes()?);
        }
    }
    Ok(())
}
