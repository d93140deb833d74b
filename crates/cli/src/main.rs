//! `leadline`: the headless agent and admin tool, over the same core the desktop app uses.
//!
//! Output is readable text, or one JSON object per line with `--json`. Exit codes: 0 done,
//! 1 failure (storage, profile), 2 bad arguments, 3 refused (a business rule, a permission, a
//! value that cannot be read), 4 not found.

mod args;
mod output;

use args::{Cli, Command, LeadAction, LeadsAction};
use clap::Parser;
use leadline_core::store::model::LeadId;
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
    match error.kind() {
        "rule" | "forbidden" | "invalid_input" => 3,
        "not_found" => 4,
        _ => 1,
    }
}

fn run(cli: &Cli, out: &Output) -> Result<(), CoreError> {
    let handle = Handle::open(&cli.data_dir())?;
    match &cli.command {
        Command::Status => out.overview(&handle.overview()?),
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
        Command::Calls { .. } => out.calls(&handle.calls_today()?),
        Command::Followups => out.leads(&handle.followups()?),
    }
    Ok(())
}
