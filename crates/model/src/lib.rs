//! The CRM's rows as typed values: newtype ids, the seed's enums, and one struct per table,
//! shared by the client's store, the tenant server and the sync API (their serde form is the
//! wire form). Enums read from the database or the wire refuse unknown values with a clear
//! error instead of guessing.
//!
//! Fields mirror the seed's columns one for one (`crm-schema.md` documents each), so they carry
//! no doc comments of their own.

#![allow(missing_docs)]

pub mod demo;
pub mod files;
#[cfg(feature = "openapi")]
mod schema;
#[cfg(feature = "sqlite")]
pub mod table;
mod time;

#[cfg(feature = "sqlite")]
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};
pub use time::Timestamp;
#[cfg(feature = "ts")]
use ts_rs::TS;
#[cfg(feature = "openapi")]
use utoipa::ToSchema;

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(TS))]
        #[cfg_attr(feature = "openapi", derive(ToSchema))]
        pub struct $name(pub i64);

        #[cfg(feature = "sqlite")]
        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.0))
            }
        }

        #[cfg(feature = "sqlite")]
        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                i64::column_result(value).map($name)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type! {
    /// `tenants.id`
    TenantId,
    /// `users.id`
    UserId,
    /// `lead_statuses.id`
    LeadStatusId,
    /// `leads.id`
    LeadId,
    /// `lead_activities.id`
    ActivityId,
    /// `call_dispositions.id`
    DispositionId,
    /// `calls.id`
    CallId,
    /// `agent_sip_credentials.id`
    SipCredentialId,
    /// `permissions.id`
    PermissionId,
    /// `audit_logs.id`
    AuditLogId,
}

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:tt),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(TS))]
        #[cfg_attr(feature = "openapi", derive(ToSchema))]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $text)] $variant),*
        }

        impl $name {
            /// Every value, in the seed's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The value as the schema spells it.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                match text {
                    $($text => Ok($name::$variant),)*
                    other => Err(format!("unknown {} {other:?}", stringify!($name))),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #[cfg(feature = "sqlite")]
        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        #[cfg(feature = "sqlite")]
        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                value.as_str()?.parse().map_err(|e: String| FromSqlError::Other(e.into()))
            }
        }
    };
}

text_enum! {
    /// `tenants.status`
    TenantStatus { Active = "active", Suspended = "suspended", Closed = "closed" }
}

text_enum! {
    /// `users.role`
    Role {
        TenantAdmin = "tenant_admin",
        SalesAgent = "sales_agent",
        SupportAgent = "support_agent",
        Supervisor = "supervisor",
        ReadOnly = "read_only",
    }
}

text_enum! {
    /// `leads.score`
    Score { Hot = "hot", Warm = "warm", Cold = "cold" }
}

text_enum! {
    /// `lead_activities.type`
    ActivityType { Call = "call", Note = "note", StatusChange = "status_change", Followup = "followup" }
}

text_enum! {
    /// `calls.direction`
    Direction { Inbound = "inbound", Outbound = "outbound" }
}

text_enum! {
    /// The seed's permission strings.
    Permission {
        /// See leads.
        LeadsView = "leads.view",
        /// Create, edit and move leads.
        LeadsManage = "leads.manage",
        /// Place and take calls.
        CallsMake = "calls.make",
        /// See call records.
        CallsView = "calls.view",
        /// Listen to recordings.
        CallsRecordingsView = "calls.recordings.view",
        /// Manage the tenant's users.
        UsersManage = "users.manage",
        /// Change tenant settings.
        SettingsManage = "settings.manage",
    }
}

/// Money: `DECIMAL(10,2)` in the seed, integer cents in SQLite, and on the wire the decimal as
/// a string (`"1234.50"`, what Laravel's `decimal:2` cast sends). Reading also accepts a JSON
/// number (`1234.5`) and refuses more than two decimals or values outside the column's range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "ts", derive(TS))]
#[cfg_attr(feature = "ts", ts(type = "string"))]
pub struct Cents(pub i64);

impl Cents {
    /// The largest magnitude `DECIMAL(10,2)` holds: 99 999 999.99.
    pub const MAX: i64 = 9_999_999_999;

    /// Reads a decimal such as `-1234.5`.
    pub fn parse(text: &str) -> Result<Cents, String> {
        let text = text.trim();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) || fraction.len() > 2 {
            return Err(format!("{text:?} is not an amount with at most two decimals"));
        }
        let whole: i64 = whole.parse().map_err(|_| format!("{text:?} is out of range"))?;
        let fraction: i64 = format!("{fraction:0<2}").parse().unwrap_or(0);
        let cents = whole.checked_mul(100).and_then(|c| c.checked_add(fraction));
        match cents {
            Some(c) if c <= Cents::MAX => Ok(Cents(if negative { -c } else { c })),
            _ => Err(format!("{text:?} is out of range for DECIMAL(10,2)")),
        }
    }
}

impl std::fmt::Display for Cents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl Serialize for Cents {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Cents {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(text) => Cents::parse(&text).map_err(D::Error::custom),
            serde_json::Value::Number(n) => Cents::parse(&n.to_string()).map_err(D::Error::custom),
            other => Err(D::Error::custom(format!("expected an amount, got {other}"))),
        }
    }
}

#[cfg(feature = "sqlite")]
impl ToSql for Cents {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0))
    }
}

#[cfg(feature = "sqlite")]
impl FromSql for Cents {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        i64::column_result(value).map(Cents)
    }
}

/// A JSON document stored as text (`payload_json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[cfg_attr(feature = "ts", ts(type = "Record<string, unknown>"))]
pub struct Json(pub serde_json::Value);

#[cfg(feature = "sqlite")]
impl ToSql for Json {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0.to_string()))
    }
}

#[cfg(feature = "sqlite")]
impl FromSql for Json {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        serde_json::from_str(value.as_str()?)
            .map(Json)
            .map_err(|e| FromSqlError::Other(e.into()))
    }
}

/// A row of `tenants`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Tenant {
    pub id: TenantId,
    pub name: String,
    pub status: TenantStatus,
    pub timezone: String,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
}

/// A row of `users`, without the password hash and remember token (the client never holds them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct User {
    pub id: UserId,
    pub tenant_id: TenantId,
    pub name: String,
    pub email: String,
    pub email_verified_at: Option<Timestamp>,
    pub role: Role,
    pub is_active: bool,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
}

/// A row of `permissions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PermissionGrant {
    pub id: PermissionId,
    pub tenant_id: TenantId,
    pub role: Role,
    pub permission: String,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
}

/// A row of `lead_statuses`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LeadStatus {
    pub id: LeadStatusId,
    pub tenant_id: TenantId,
    pub name: String,
    pub color: String,
    pub sort_order: i64,
    pub is_default: bool,
    pub is_closed: bool,
    pub is_won: bool,
    pub is_lost: bool,
    pub requires_note: bool,
    pub requires_followup_date: bool,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
}

/// A row of `leads`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Lead {
    pub id: LeadId,
    pub tenant_id: TenantId,
    pub lead_status_id: LeadStatusId,
    pub assigned_to_user_id: Option<UserId>,
    pub created_by_user_id: Option<UserId>,
    pub name: String,
    pub company_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub source: Option<String>,
    pub score: Score,
    pub estimated_value: Option<Cents>,
    pub last_contacted_at: Option<Timestamp>,
    pub next_followup_at: Option<Timestamp>,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
}

/// A row of `lead_activities`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LeadActivity {
    pub id: ActivityId,
    pub tenant_id: TenantId,
    pub lead_id: LeadId,
    pub user_id: UserId,
    #[serde(rename = "type")]
    pub kind: ActivityType,
    pub payload: Option<Json>,
    pub created_at: Option<Timestamp>,
}

/// A row of `agent_sip_credentials` without the password, which only the keychain holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SipAccount {
    pub id: SipCredentialId,
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub sip_ws_url: String,
    pub sip_username: String,
    pub sip_domain: String,
    pub display_name: Option<String>,
    pub auto_register: bool,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
}

/// A row of `call_dispositions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CallDisposition {
    pub id: DispositionId,
    pub tenant_id: TenantId,
    pub name: String,
    pub sort_order: i64,
    pub is_default: bool,
    pub requires_note: bool,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
}

/// A row of `calls`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Call {
    pub id: CallId,
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub related_type: Option<String>,
    pub related_id: Option<i64>,
    pub direction: Direction,
    pub from_number: String,
    pub to_number: String,
    pub started_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    pub duration_seconds: Option<i64>,
    pub pbx_call_id: Option<String>,
    pub recording_url: Option<String>,
    pub disposition_id: Option<DispositionId>,
    pub wrapup_notes: Option<String>,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
    /// Leadline's addition: the call's audio quality, measured by the agent's app at its end.
    #[serde(default)]
    pub quality: Option<CallQuality>,
}

/// A call's audio quality over the whole call, as the agent's app measured it when the call
/// ended (`calls.quality`, a JSON object). Refused unless every figure is finite and in range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CallQuality {
    /// The codec heard (`opus`, `pcmu`, `pcma`).
    pub codec: Option<String>,
    /// The estimated mean opinion score (E-model), 1 to 4.5.
    pub mos: f64,
    /// Received payload bitrate over the call, kbit/s.
    pub bitrate_kbps: f64,
    /// Interarrival jitter (RFC 3550) at the end, ms.
    pub jitter_ms: f64,
    /// Packets lost, percent of those expected.
    pub loss_percent: f64,
    /// Round-trip time from RTCP reports, ms (absent: the peer sent none).
    pub rtt_ms: Option<f64>,
    /// The jitter buffer's delay at the end, ms.
    pub buffer_ms: f64,
    /// Frames concealed (lost or late).
    pub concealed: u64,
}

impl CallQuality {
    /// Why the figures cannot be a call's, if they cannot.
    pub fn invalid(&self) -> Option<String> {
        let ranges = [
            ("mos", self.mos, 1.0, 5.0),
            ("bitrate_kbps", self.bitrate_kbps, 0.0, 10_000.0),
            ("jitter_ms", self.jitter_ms, 0.0, 60_000.0),
            ("loss_percent", self.loss_percent, 0.0, 100.0),
            ("rtt_ms", self.rtt_ms.unwrap_or(0.0), 0.0, 60_000.0),
            ("buffer_ms", self.buffer_ms, 0.0, 60_000.0),
        ];
        if let Some((name, value, low, high)) = ranges
            .into_iter()
            .find(|(_, value, low, high)| !(value.is_finite() && (*low..=*high).contains(value)))
        {
            return Some(format!("quality.{name} {value} is not between {low} and {high}"));
        }
        match &self.codec {
            Some(codec) if codec.is_empty() || codec.len() > 32 => {
                Some("quality.codec must be 1 to 32 characters".into())
            }
            _ => None,
        }
    }
}

#[cfg(feature = "sqlite")]
impl ToSql for CallQuality {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        serde_json::to_string(self)
            .map(ToSqlOutput::from)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))
    }
}

#[cfg(feature = "sqlite")]
impl FromSql for CallQuality {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        serde_json::from_str(value.as_str()?).map_err(|e| FromSqlError::Other(e.into()))
    }
}

/// A row of `audit_logs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(TS))]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditLog {
    pub id: AuditLogId,
    pub tenant_id: TenantId,
    pub user_id: Option<UserId>,
    pub action: String,
    pub entity_type: Option<String>,
    pub entity_id: Option<i64>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: Option<Timestamp>,
}

/// The `related_type` value of a call about a lead.
pub const RELATED_LEAD: &str = "lead";

text_enum! {
    /// What an outbox mutation asks the server to do.
    MutationKind {
        LeadCreate = "lead.create",
        LeadUpdate = "lead.update",
        LeadMove = "lead.move",
        LeadFollowup = "lead.followup",
        ActivityCreate = "activity.create",
        CallCreate = "call.create",
        CallUpdate = "call.update",
        CallClose = "call.close",
    }
}

text_enum! {
    /// The entity an outbox mutation is about.
    EntityType { Lead = "lead", LeadActivity = "lead_activity", Call = "call" }
}

text_enum! {
    /// Where an outbox mutation stands.
    OutboxState {
        /// Not yet accepted by the server.
        Pending = "pending",
        /// Refused by the server; kept, with its reason, for the agent to see.
        Rejected = "rejected",
    }
}

/// A row of the client's `outbox`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub seq: i64,
    pub mutation_id: String,
    pub kind: MutationKind,
    pub entity_type: EntityType,
    pub entity_id: i64,
    pub base_version: Option<Timestamp>,
    pub payload: Json,
    pub state: OutboxState,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_crosses_the_wire_as_a_decimal_string() {
        assert_eq!(serde_json::to_string(&Cents(123_450)).unwrap(), "\"1234.50\"");
        assert_eq!(serde_json::to_string(&Cents(-5)).unwrap(), "\"-0.05\"");
        let read = |json: &str| serde_json::from_str::<Cents>(json).map_err(|e| e.to_string());
        assert_eq!(read("\"1234.50\""), Ok(Cents(123_450)));
        assert_eq!(read("\"1234.5\""), Ok(Cents(123_450)));
        assert_eq!(read("1234.5"), Ok(Cents(123_450)));
        assert_eq!(read("12"), Ok(Cents(1_200)));
        assert_eq!(read("\"99999999.99\""), Ok(Cents(Cents::MAX)));
        for bad in [
            "\"1.234\"",
            "\"abc\"",
            "\"\"",
            "\"100000000.00\"",
            "true",
            "\"1e5\"",
            "\"--1\"",
            "\".5\"",
        ] {
            assert!(read(bad).is_err(), "{bad} was accepted");
        }
    }
}
