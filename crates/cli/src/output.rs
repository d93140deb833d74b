//! What the command prints: readable text, or one JSON object per line (`--json`).
//! Text never passes a control character through: a lead named with terminal escape
//! sequences prints as visible replacement characters, not as commands to the terminal.

use leadline_core::store::model::{LeadActivity, OutboxEntry, OutboxState};
use leadline_core::store::queries::{CallRow, LeadCard};
use leadline_core::{CoreError, ErrorPayload, LeadDetail, Overview, Session, SyncProgress, SyncReport};
use serde::Serialize;
use std::io::Write;

/// The chosen output format.
pub struct Output {
    json: bool,
}

/// Text safe for a terminal.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

fn opt(text: &Option<String>) -> String {
    text.as_deref().map(clean).unwrap_or_default()
}

impl Output {
    /// Text unless `json`.
    pub fn new(json: bool) -> Output {
        Output { json }
    }

    fn line(&self, text: &str) {
        // A closed pipe (`leadline leads list | head`) is not an error worth a panic.
        let _ = writeln!(std::io::stdout().lock(), "{text}");
    }

    fn json_line<T: Serialize>(&self, value: &T) {
        match serde_json::to_string(value) {
            Ok(text) => self.line(&text),
            Err(error) => eprintln!("leadline: cannot encode output: {error}"),
        }
    }

    /// A failure: a JSON line on stdout with `--json`, a sentence on stderr otherwise.
    pub fn error(&self, error: &CoreError) {
        if self.json {
            #[derive(Serialize)]
            struct Event<'a> {
                event: &'static str,
                #[serde(flatten)]
                error: &'a ErrorPayload,
            }
            self.json_line(&Event {
                event: "error",
                error: &ErrorPayload::from(error),
            });
        } else {
            eprintln!("leadline: {}", clean(&error.to_string()));
        }
    }

    /// Signed in.
    pub fn signed_in(&self, session: &Session) {
        if self.json {
            return self.json_line(&serde_json::json!({"event": "signed_in", "user": session.user.email, "tenant": session.tenant.name, "role": session.role}));
        }
        self.line(&format!(
            "Signed in as {} to {} ({}).",
            clean(&session.user.email),
            clean(&session.tenant.name),
            session.role
        ));
    }

    /// Signed out.
    pub fn signed_out(&self) {
        if self.json {
            return self.json_line(&serde_json::json!({"event": "signed_out"}));
        }
        self.line("Signed out; the token and SIP password were removed from the keychain.");
    }

    /// Sync progress (JSON only: text shows the summary).
    pub fn progress(&self, progress: &SyncProgress) {
        if self.json {
            #[derive(Serialize)]
            struct Event<'a> {
                event: &'static str,
                #[serde(flatten)]
                progress: &'a SyncProgress,
            }
            self.json_line(&Event {
                event: "progress",
                progress,
            });
        }
    }

    /// A sync finished.
    pub fn synced(&self, report: &SyncReport) {
        if self.json {
            #[derive(Serialize)]
            struct Event<'a> {
                event: &'static str,
                #[serde(flatten)]
                report: &'a SyncReport,
            }
            return self.json_line(&Event {
                event: "synced",
                report,
            });
        }
        self.line(&format!(
            "Synced: {} changes sent, {} refused, {} received, {} removed.",
            report.pushed,
            report.rejected.len(),
            report.pulled,
            report.deleted
        ));
        for reason in &report.rejected {
            self.line(&format!("  refused: {}", clean(reason)));
        }
    }

    /// A sync failed for a reason that may pass; the next try is in `in_ms`.
    pub fn retrying(&self, kind: leadline_core::ErrorKind, message: &str, in_ms: u64) {
        if self.json {
            return self.json_line(
                &serde_json::json!({"event": "retrying", "kind": kind, "message": message, "in_ms": in_ms}),
            );
        }
        eprintln!(
            "leadline: {} — retrying in {} s",
            clean(message),
            (in_ms / 1000).max(1)
        );
    }

    /// `leadline status`.
    pub fn overview(&self, o: &Overview) {
        if self.json {
            return self.json_line(o);
        }
        let t = &o.session.tenant;
        let u = &o.session.user;
        self.line(&format!(
            "Tenant:      {} ({}, {})",
            clean(&t.name),
            t.status,
            clean(&t.timezone)
        ));
        self.line(&format!(
            "Signed in:   {} <{}> — {}",
            clean(&u.name),
            clean(&u.email),
            o.session.role
        ));
        match &o.server_url {
            Some(url) => self.line(&format!("Server:      {}", clean(url))),
            None => self.line("Server:      none — the built-in demo tenant"),
        }
        self.line(&format!("Leads:       {}", o.leads));
        self.line(&format!(
            "To sync:     {} waiting, {} refused by the server",
            o.pending_changes, o.rejected_changes
        ));
    }

    /// A list of leads.
    pub fn leads(&self, leads: &[LeadCard]) {
        for card in leads {
            if self.json {
                self.json_line(card);
            } else {
                self.line(&card_line(card));
            }
        }
        if !self.json && leads.is_empty() {
            self.line("No leads.");
        }
    }

    /// One lead after a change.
    pub fn lead(&self, card: &LeadCard) {
        if self.json {
            return self.json_line(card);
        }
        self.line(&card_line(card));
    }

    /// A lead with its timeline.
    pub fn lead_detail(&self, detail: &LeadDetail) {
        if self.json {
            return self.json_line(detail);
        }
        let lead = &detail.card.lead;
        self.line(&format!(
            "{} — {} [{}]",
            lead.id,
            clean(&lead.name),
            clean(&detail.card.status_name)
        ));
        for (label, value) in [
            ("Company", opt(&lead.company_name)),
            ("Phone", opt(&lead.phone)),
            ("Email", opt(&lead.email)),
            ("Source", opt(&lead.source)),
            ("Score", lead.score.to_string()),
            (
                "Value",
                lead.estimated_value.map(|v| v.to_string()).unwrap_or_default(),
            ),
            (
                "Follow-up",
                lead.next_followup_at
                    .map(|t| format!("{t} UTC"))
                    .unwrap_or_default(),
            ),
            ("Assigned to", opt(&detail.card.assigned_to_name)),
        ] {
            if !value.is_empty() {
                self.line(&format!("  {label:<12} {value}"));
            }
        }
        self.line("Timeline:");
        for entry in &detail.timeline {
            let at = entry
                .activity
                .created_at
                .map(|t| t.to_string())
                .unwrap_or_default();
            let payload = entry
                .activity
                .payload
                .as_ref()
                .map(|p| p.0.to_string())
                .unwrap_or_default();
            self.line(&format!(
                "  {at}  {:<13} {}  {}",
                entry.activity.kind.to_string(),
                clean(&entry.user_name),
                clean(&payload)
            ));
        }
    }

    /// An activity just recorded.
    pub fn activity(&self, activity: &LeadActivity) {
        if self.json {
            return self.json_line(activity);
        }
        self.line(&format!(
            "Added {} to lead {} (waiting to sync).",
            activity.kind, activity.lead_id
        ));
    }

    /// The outbox.
    pub fn changes(&self, entries: &[OutboxEntry]) {
        for entry in entries {
            if self.json {
                self.json_line(entry);
                continue;
            }
            let state = match entry.state {
                OutboxState::Pending => "waiting".to_owned(),
                OutboxState::Rejected => format!("refused: {}", opt(&entry.last_error)),
            };
            self.line(&format!(
                "{}  {}  {:<15} {} {}  {}",
                entry.mutation_id,
                entry.created_at,
                entry.kind.to_string(),
                entry.entity_type,
                entry.entity_id,
                state
            ));
        }
        if !self.json && entries.is_empty() {
            self.line("Everything is synced.");
        }
    }

    /// Calls.
    pub fn calls(&self, calls: &[CallRow]) {
        for row in calls {
            if self.json {
                self.json_line(row);
                continue;
            }
            let c = &row.call;
            self.line(&format!(
                "{}  {:<8} {} → {}  {}s  {}  {}",
                c.started_at,
                c.direction.to_string(),
                clean(&c.from_number),
                clean(&c.to_number),
                c.duration_seconds
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "-".into()),
                clean(&row.agent_name),
                opt(&row.disposition_name)
            ));
        }
        if !self.json && calls.is_empty() {
            self.line("No calls today.");
        }
    }
}

fn card_line(card: &LeadCard) -> String {
    let lead = &card.lead;
    format!(
        "{:>7}  {:<28} {:<26} {:<20} [{}]",
        lead.id,
        clean(&lead.name),
        opt(&lead.company_name),
        opt(&lead.phone),
        clean(&card.status_name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_never_reach_the_terminal() {
        assert_eq!(clean("Ann\u{1b}[2J\u{7}Lee"), "Ann\u{FFFD}[2J\u{FFFD}Lee");
        assert_eq!(clean("Zoë Müller"), "Zoë Müller");
    }
}
