//! The store's typed errors.
//!
//! Business rules that SQLite checks raise `leadline:<rule>: <message>` from a trigger or fail a
//! named CHECK constraint; [`StoreError::from`] turns both into [`StoreError::Rule`] so callers
//! match on a [`Rule`] instead of parsing strings.

use std::fmt;

/// A business rule of the CRM, enforced by the database or by the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Exactly one default lead status per tenant.
    DefaultStatusRequired,
    /// `is_won` and `is_lost` are mutually exclusive.
    WonLostExclusive,
    /// A lead status that has leads cannot be deleted.
    StatusInUse,
    /// Moving into a `requires_note` status needs a note.
    NoteRequired,
    /// Moving into a `requires_followup_date` status needs a follow-up date.
    FollowupRequired,
    /// Lead activities and audit log entries are never changed.
    Immutable,
    /// A call is not closed without a disposition (and keeps it).
    DispositionRequired,
    /// A `requires_note` disposition needs wrap-up notes.
    WrapupNoteRequired,
    /// A call does not end before it starts.
    CallEndsAfterStart,
    /// A call is closed only after it has ended.
    CallClosedAfterEnd,
    /// A timestamp column holds something that is not a timestamp.
    InvalidTimestamp,
    /// A row refers to another tenant's row.
    CrossTenant,
    /// A note, payload or wrap-up notes longer than the schema keeps.
    TooLong,
}

impl Rule {
    /// The rule's code as it appears in trigger messages and constraint names.
    fn from_code(code: &str) -> Option<Rule> {
        Some(match code {
            "default_status_required" => Rule::DefaultStatusRequired,
            "won_lost_exclusive" => Rule::WonLostExclusive,
            "status_in_use" => Rule::StatusInUse,
            "note_required" => Rule::NoteRequired,
            "followup_required" => Rule::FollowupRequired,
            "immutable" => Rule::Immutable,
            "disposition_required" => Rule::DispositionRequired,
            "wrapup_note_required" => Rule::WrapupNoteRequired,
            "call_ends_after_start" => Rule::CallEndsAfterStart,
            "call_closed_after_end" => Rule::CallClosedAfterEnd,
            "call_started_at_valid" | "call_ended_at_valid" => Rule::InvalidTimestamp,
            "cross_tenant" => Rule::CrossTenant,
            "too_long" => Rule::TooLong,
            _ => return None,
        })
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rule::DefaultStatusRequired => "a tenant has exactly one default lead status",
            Rule::WonLostExclusive => "a status cannot be both won and lost",
            Rule::StatusInUse => "a lead status that has leads cannot be deleted",
            Rule::NoteRequired => "this status requires a note",
            Rule::FollowupRequired => "this status requires a follow-up date",
            Rule::Immutable => "activities and audit entries cannot be changed",
            Rule::DispositionRequired => "a call is closed with a disposition",
            Rule::WrapupNoteRequired => "this disposition requires wrap-up notes",
            Rule::CallEndsAfterStart => "a call cannot end before it starts",
            Rule::CallClosedAfterEnd => "a call can be closed only after it has ended",
            Rule::InvalidTimestamp => "a timestamp is not valid",
            Rule::CrossTenant => "a row refers to another tenant's data",
            Rule::TooLong => "the text is longer than Leadline keeps",
        })
    }
}

/// Everything the store can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A business rule refused the change; nothing was written.
    #[error("{rule}: {detail}")]
    Rule {
        /// Which rule.
        rule: Rule,
        /// The explanation given where the rule was checked.
        detail: String,
    },
    /// Migrating the database failed or was refused (a newer Leadline wrote it); nothing was
    /// changed beyond the migrations that completed.
    #[error(transparent)]
    Migration(#[from] leadline_migrations::MigrationError),
    /// The entity does not exist (or belongs to another tenant).
    #[error("{entity} {id} not found")]
    NotFound {
        /// Entity kind, e.g. `lead`.
        entity: &'static str,
        /// The id looked for.
        id: i64,
    },
    /// The caller passed a value the store cannot accept.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The offending field.
        field: &'static str,
        /// Why it was refused.
        reason: String,
    },
    /// The actor's role lacks the permission the action needs.
    #[error("not allowed: your role lacks the {permission} permission")]
    Forbidden {
        /// The missing permission.
        permission: crate::model::Permission,
    },
    /// The store has no signed-in profile yet.
    #[error("no profile: sign in or load the demo tenant first")]
    NoProfile,
    /// A JSON payload could not be encoded or decoded.
    #[error("bad JSON in {context}: {source}")]
    Json {
        /// Where the JSON was.
        context: &'static str,
        /// The decoder's error.
        source: serde_json::Error,
    },
    /// The profile's disk refused the write (full, read-only, failing): why, in words.
    #[error("{0}")]
    Disk(String),
    /// Any other SQLite failure (I/O, corruption, constraint without a named rule).
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        if let Some(message) = sqlite_message(&err)
            && let Some((rule, detail)) = parse_rule(message)
        {
            return StoreError::Rule { rule, detail };
        }
        if crate::disk::is_disk_error(&err) {
            return StoreError::Disk(crate::disk::explain_profile());
        }
        StoreError::Sqlite(err)
    }
}

fn sqlite_message(err: &rusqlite::Error) -> Option<&str> {
    match err {
        rusqlite::Error::SqliteFailure(_, Some(message)) => Some(message.as_str()),
        _ => None,
    }
}

/// Reads `leadline:<rule>: <detail>` (trigger) or `CHECK constraint failed: <rule>`.
fn parse_rule(message: &str) -> Option<(Rule, String)> {
    if let Some(rest) = message.strip_prefix("leadline:") {
        let (code, detail) = rest.split_once(':')?;
        return Some((Rule::from_code(code)?, detail.trim().to_owned()));
    }
    let name = message.strip_prefix("CHECK constraint failed: ")?;
    let rule = Rule::from_code(name.trim())?;
    Some((rule, rule.to_string()))
}

/// The store's result type.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trigger_messages_become_rules() {
        let parsed = parse_rule("leadline:status_in_use: a lead status that has leads");
        assert_eq!(parsed.map(|p| p.0), Some(Rule::StatusInUse));
        let parsed = parse_rule("CHECK constraint failed: won_lost_exclusive");
        assert_eq!(parsed.map(|p| p.0), Some(Rule::WonLostExclusive));
        assert!(parse_rule("leadline:unknown_rule: x").is_none());
        assert!(parse_rule("UNIQUE constraint failed: users.email").is_none());
    }
}
