//! The tenant sync API, version 1: what the desktop client and a tenant server send each
//! other. Bearer-token JSON under [`PREFIX`]. The OpenAPI document in `docs/` is generated
//! from these types and the reference server's routes, so it cannot drift from them.
//!
//! - Auth: [`LoginRequest`] → [`LoginResponse`] (a token for the keychain, and [`Me`]).
//! - Pull: `GET /changes?cursor=…&limit=…` → [`ChangesPage`]: the rows the agent may see, in
//!   change order, with deletions; the cursor is opaque and resumable.
//! - Push: [`PushRequest`] → [`PushResponse`]: one [`MutationResult`] per mutation, keyed by
//!   the client's mutation UUID (the idempotency key).
//! - Errors: a status code and an [`ErrorBody`].

use leadline_model::{EntityType, MutationKind, Permission, Role, Tenant, Timestamp, User};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::ToSchema;

/// Every path starts with this.
pub const PREFIX: &str = "/api/v1";
/// Largest request body a server accepts (bytes); larger ones get 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Most mutations in one push; more get 422.
pub const MAX_MUTATIONS_PER_PUSH: usize = 500;
/// Most changes in one page, whatever `limit` asks.
pub const MAX_PAGE: usize = 2_000;
/// A page stops adding rows once its rows reach this many bytes of JSON (it always holds at
/// least one change), so a page stays small whatever the rows hold.
pub const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;
/// Largest answer a client reads (bytes): a page at its byte bound plus its largest row, with
/// room to spare. A longer answer is refused, not buffered.
pub const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;
/// Longest text an agent writes (characters): a note, the note of a move or follow-up, a
/// call's wrap-up notes. The schema holds the same bound.
pub const MAX_NOTE_CHARS: usize = 10_000;
/// Longest activity payload (bytes of JSON) the schema stores.
pub const MAX_ACTIVITY_PAYLOAD_BYTES: usize = 64 * 1024;

/// `POST /auth/login`
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// The agent's email.
    pub email: String,
    /// The agent's password.
    pub password: String,
    /// Names the token (shown when tokens are listed or revoked), e.g. "Leadline on ana-laptop".
    #[serde(default)]
    pub device_name: Option<String>,
}

/// Who the token belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Me {
    /// The user (no password, no remember token).
    pub user: User,
    /// The user's tenant, with its status and timezone.
    pub tenant: Tenant,
    /// The user's role.
    pub role: Role,
    /// What the role may do in this tenant.
    pub permissions: Vec<Permission>,
}

/// The answer to a successful login.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct LoginResponse {
    /// The bearer token. Shown once; the server keeps only its hash.
    pub token: String,
    /// Who signed in.
    pub me: Me,
}

/// `GET /me/sip-credentials`: the agent's own SIP account, password included.
#[derive(Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SipCredentials {
    /// `wss://…` of the PBX's WebSocket endpoint.
    pub sip_ws_url: String,
    /// SIP username / extension.
    pub sip_username: String,
    /// The SIP password, decrypted. The client puts it in the OS keychain.
    pub sip_password: String,
    /// SIP domain.
    pub sip_domain: String,
    /// Caller-ID display name.
    pub display_name: Option<String>,
    /// Register when the app starts.
    pub auto_register: bool,
}

/// What `Debug` prints in place of a secret: the login request's password, the login answer's
/// token and the SIP credentials' password never print.
const REDACTED: &str = "***";

impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest")
            .field("email", &self.email)
            .field("password", &REDACTED)
            .field("device_name", &self.device_name)
            .finish()
    }
}

impl std::fmt::Debug for LoginResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginResponse")
            .field("token", &REDACTED)
            .field("me", &self.me)
            .finish()
    }
}

impl std::fmt::Debug for SipCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SipCredentials")
            .field("sip_ws_url", &self.sip_ws_url)
            .field("sip_username", &self.sip_username)
            .field("sip_password", &REDACTED)
            .field("sip_domain", &self.sip_domain)
            .field("display_name", &self.display_name)
            .field("auto_register", &self.auto_register)
            .finish()
    }
}

/// The tables the change feed carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SyncTable {
    /// `tenants` (the agent's own).
    Tenants,
    /// `users` of the tenant (no passwords).
    Users,
    /// `permissions` of the tenant.
    Permissions,
    /// `lead_statuses`.
    LeadStatuses,
    /// `leads` (with `leads.view`).
    Leads,
    /// `lead_activities` (with `leads.view`).
    LeadActivities,
    /// `agent_sip_credentials`: the agent's own row only, without the password.
    AgentSipCredentials,
    /// `call_dispositions`.
    CallDispositions,
    /// `calls` (with `calls.view`; `recording_url` only with `calls.recordings.view`).
    Calls,
}

/// What happened to a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    /// The row is new or changed: `row` holds all of it.
    Upsert,
    /// The row is gone (or no longer visible to this agent).
    Delete,
}

/// One entry of the change feed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Change {
    /// Position in the tenant's change sequence.
    pub seq: i64,
    /// The table.
    pub table: SyncTable,
    /// Upsert or delete.
    pub op: ChangeOp,
    /// The row's id.
    pub id: i64,
    /// For upserts, the whole row, shaped as the table's schema (`Lead`, `Call`, …).
    // Kept as the JSON text it arrived as, so each table's rows are read straight into their
    // own type with no generic JSON tree in between.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub row: Option<Box<RawValue>>,
}

impl Change {
    /// The row read as `T`; `None` for a deletion.
    pub fn row_as<T: DeserializeOwned>(&self) -> Option<serde_json::Result<T>> {
        self.row.as_ref().map(|raw| serde_json::from_str(raw.get()))
    }
}

/// `GET /changes`: a page of the feed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChangesPage {
    /// Changes in order.
    pub changes: Vec<Change>,
    /// Where the next request starts (send it back as `cursor`). Opaque.
    pub next_cursor: String,
    /// Whether more changes are waiting beyond this page.
    pub has_more: bool,
    /// At most this many changes remain after this page (for a progress bar: rows superseded
    /// later or not visible to the caller make the true number smaller).
    #[serde(default)]
    pub remaining: u64,
}

/// One change the agent made offline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Mutation {
    /// A UUID made by the client: the idempotency key.
    pub mutation_id: String,
    /// What to do.
    pub kind: MutationKind,
    /// On what.
    pub entity_type: EntityType,
    /// The entity's id; negative while it exists only on the client.
    pub entity_id: i64,
    /// The entity's `updated_at` the change was based on; a newer one is a conflict.
    #[serde(default)]
    pub base_version: Option<Timestamp>,
    /// The change.
    pub payload: serde_json::Value,
    /// When the agent made it.
    pub created_at: Timestamp,
}

/// `POST /mutations`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PushRequest {
    /// In the order they were made.
    pub mutations: Vec<Mutation>,
}

/// The outcome of one mutation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MutationStatus {
    /// Applied now.
    Applied,
    /// Applied before (same `mutation_id`): nothing done again.
    Duplicate,
    /// Refused: `reason` says why; the client keeps it for the agent.
    Rejected,
}

/// An id the server gave to a row the client created with a local (negative) id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AssignedId {
    /// The entity.
    pub entity_type: EntityType,
    /// The client's local id.
    pub local_id: i64,
    /// The server's id.
    pub id: i64,
}

/// `POST /mutations`, one per mutation, same order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MutationResult {
    /// The mutation.
    pub mutation_id: String,
    /// Applied, duplicate or rejected.
    pub status: MutationStatus,
    /// Why it was rejected, for the agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A stable code for the rejection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<RejectionCode>,
    /// Ids given to rows created by this mutation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assigned: Vec<AssignedId>,
    /// On a conflict, the entity as the server has it now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<serde_json::Value>,
}

/// Why the server refused a mutation, as a program reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RejectionCode {
    /// The lead changed on the server since the client read it (`current` has it now).
    Conflict,
    /// The entity does not exist in the agent's tenant.
    NotFound,
    /// The agent's role lacks the permission.
    Forbidden,
    /// A business rule of the CRM refuses it.
    Rule,
    /// The mutation is malformed.
    Invalid,
    /// The server failed; the client retries it.
    Internal,
    /// It names a row the client created that the server has not seen yet; retried.
    UnknownLocalId,
    /// A code this client does not know (a newer server).
    #[serde(other)]
    Unknown,
}

impl RejectionCode {
    /// Whether the client should send the mutation again later (the server did not record
    /// the refusal).
    pub fn is_retried(self) -> bool {
        matches!(self, RejectionCode::Internal | RejectionCode::UnknownLocalId)
    }
}

/// `POST /mutations` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PushResponse {
    /// One per mutation sent, in order.
    pub results: Vec<MutationResult>,
}

/// `GET /calls/{id}/recording`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RecordingLink {
    /// Where the recording can be fetched.
    pub url: String,
}

/// One signed-in device: a token as `GET /tokens` lists it (never the token itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TokenInfo {
    /// The token's id (for `DELETE /tokens/{id}`).
    pub id: i64,
    /// Whose token it is.
    pub user_id: leadline_model::UserId,
    /// The user's name.
    pub user_name: String,
    /// The device name given at sign-in.
    pub name: Option<String>,
    /// When it was issued.
    pub created_at: Timestamp,
    /// When it was last used (to the minute).
    pub last_used_at: Option<Timestamp>,
    /// When it stops working unless used before: the earlier of its absolute and idle expiry.
    pub expires_at: Timestamp,
    /// Whether this is the token of the request that listed it.
    pub current: bool,
}

/// `GET /tokens`: the caller's signed-in devices (an admin with `users.manage`: the tenant's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TokenList {
    /// Live tokens, newest first.
    pub tokens: Vec<TokenInfo>,
}

/// Why a request failed, beside its status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 401: wrong email or password.
    InvalidCredentials,
    /// 401: no token, or an unknown, revoked or expired one.
    Unauthenticated,
    /// 403: the tenant is suspended; nothing syncs until it is active again.
    TenantSuspended,
    /// 403: the tenant is closed.
    TenantClosed,
    /// 403: the user is deactivated.
    UserInactive,
    /// 403: the role lacks the permission.
    Forbidden,
    /// 404
    NotFound,
    /// 400: malformed JSON or query.
    BadRequest,
    /// 413
    PayloadTooLarge,
    /// 422: well-formed but invalid (wrong types, missing fields, limits).
    Invalid,
    /// 429: too many failed sign-ins or refused changes; wait `Retry-After` seconds.
    TooManyRequests,
    /// 500
    Internal,
    /// 503: the server is busy or the request took too long; retry later.
    Unavailable,
}

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// What kind of failure.
    pub error: ErrorCode,
    /// A sentence for the agent.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let login = LoginRequest {
            email: "ana@example.com".into(),
            password: "pw-s3cret".into(),
            device_name: None,
        };
        let sip = SipCredentials {
            sip_ws_url: "wss://pbx.example.com/ws".into(),
            sip_username: "1001".into(),
            sip_password: "sip-s3cret".into(),
            sip_domain: "example.com".into(),
            display_name: None,
            auto_register: true,
        };
        for text in [format!("{login:?}"), format!("{sip:?}"), format!("{sip:#?}")] {
            assert!(!text.contains("s3cret") && text.contains("***"), "{text}");
        }
        assert!(
            format!("{login:?}").contains("ana@example.com"),
            "the rest still prints"
        );
    }
}
