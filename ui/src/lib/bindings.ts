// Generated from the Rust types by `cargo test -p leadline-core --test bindings`;
// LEADLINE_BLESS=1 rewrites it. Do not edit by hand.

export type Timestamp = string;

export type Json = Record<string, unknown>;

export type Cents = string;

export type TenantId = number;

export type UserId = number;

export type LeadStatusId = number;

export type LeadId = number;

export type ActivityId = number;

export type DispositionId = number;

export type CallId = number;

export type TenantStatus = "active" | "suspended" | "closed";

export type Role = "tenant_admin" | "sales_agent" | "support_agent" | "supervisor" | "read_only";

export type Score = "hot" | "warm" | "cold";

export type ActivityType = "call" | "note" | "status_change" | "followup";

export type Direction = "inbound" | "outbound";

export type Permission = "leads.view" | "leads.manage" | "calls.make" | "calls.view" | "calls.recordings.view" | "users.manage" | "settings.manage";

export type Tenant = { id: TenantId, name: string, status: TenantStatus, timezone: string, created_at: Timestamp | null, updated_at: Timestamp | null, };

export type User = { id: UserId, tenant_id: TenantId, name: string, email: string, email_verified_at: Timestamp | null, role: Role, is_active: boolean, created_at: Timestamp | null, updated_at: Timestamp | null, };

export type LeadStatus = { id: LeadStatusId, tenant_id: TenantId, name: string, color: string, sort_order: number, is_default: boolean, is_closed: boolean, is_won: boolean, is_lost: boolean, requires_note: boolean, requires_followup_date: boolean, created_at: Timestamp | null, updated_at: Timestamp | null, };

export type Lead = { id: LeadId, tenant_id: TenantId, lead_status_id: LeadStatusId, assigned_to_user_id: UserId | null, created_by_user_id: UserId | null, name: string, company_name: string | null, email: string | null, phone: string | null, source: string | null, score: Score, estimated_value: Cents | null, last_contacted_at: Timestamp | null, next_followup_at: Timestamp | null, created_at: Timestamp | null, updated_at: Timestamp | null, };

export type LeadActivity = { id: ActivityId, tenant_id: TenantId, lead_id: LeadId, user_id: UserId, type: ActivityType, payload: Json | null, created_at: Timestamp | null, };

export type CallDisposition = { id: DispositionId, tenant_id: TenantId, name: string, sort_order: number, is_default: boolean, requires_note: boolean, created_at: Timestamp | null, updated_at: Timestamp | null, };

export type Call = { id: CallId, tenant_id: TenantId, user_id: UserId, related_type: string | null, related_id: number | null, direction: Direction, from_number: string, to_number: string, started_at: Timestamp, ended_at: Timestamp | null, duration_seconds: number | null, pbx_call_id: string | null, recording_url: string | null, disposition_id: DispositionId | null, wrapup_notes: string | null, created_at: Timestamp | null, updated_at: Timestamp | null, };

export type LeadCard = { 
/**
 * Its status's name.
 */
status_name: string, 
/**
 * Its status's color.
 */
status_color: string, 
/**
 * The assignee's name, if assigned.
 */
assigned_to_name: string | null, id: LeadId, tenant_id: TenantId, lead_status_id: LeadStatusId, assigned_to_user_id: UserId | null, created_by_user_id: UserId | null, name: string, company_name: string | null, email: string | null, phone: string | null, source: string | null, score: Score, estimated_value: Cents | null, last_contacted_at: Timestamp | null, next_followup_at: Timestamp | null, created_at: Timestamp | null, updated_at: Timestamp | null, };

export type BoardCursor = { 
/**
 * The last card's `created_at`.
 */
created_at: Timestamp | null, 
/**
 * The last card's id.
 */
id: LeadId, };

export type BoardColumn = { 
/**
 * The status.
 */
status: LeadStatus, 
/**
 * How many leads the status has in all.
 */
total: number, 
/**
 * The first page of cards.
 */
leads: Array<LeadCard>, 
/**
 * Where the next page starts, if there is one.
 */
next: BoardCursor | null, };

export type Board = { 
/**
 * Columns in `sort_order`.
 */
columns: Array<BoardColumn>, };

export type TimelineEntry = { 
/**
 * Who performed it.
 */
user_name: string, id: ActivityId, tenant_id: TenantId, lead_id: LeadId, user_id: UserId, type: ActivityType, payload: Json | null, created_at: Timestamp | null, };

export type Session = { 
/**
 * The agent.
 */
user: User, 
/**
 * The agent's tenant (status and timezone included).
 */
tenant: Tenant, 
/**
 * The agent's role.
 */
role: Role, 
/**
 * What the role may do in this tenant.
 */
permissions: Array<Permission>, 
/**
 * True on the built-in demo tenant (local, or its in-process server).
 */
demo: boolean, };

export type ColumnPage = { 
/**
 * The cards.
 */
leads: Array<LeadCard>, 
/**
 * Where the next page starts, if any.
 */
next: BoardCursor | null, };

export type LeadDetail = { 
/**
 * The lead.
 */
card: LeadCard, 
/**
 * Its newest activities.
 */
timeline: Array<TimelineEntry>, };

export type CoreError = { 
/**
 * Stable machine-readable kind ([`CoreError::kind`]).
 */
kind: string, 
/**
 * A sentence for the agent.
 */
message: string, };

export type PhoneStatus = { "state": "off", 
/**
 * Why, for the agent.
 */
reason: string, } | { "state": "connecting", 
/**
 * The PBX's address.
 */
url: string, } | { "state": "registered", 
/**
 * Seconds the PBX granted.
 */
expires: number, } | { "state": "failed", 
/**
 * `bad_credentials`, `forbidden`, `unreachable`, `tls`, `server_error`, `timeout`,
 * `connection_lost`.
 */
kind: string, 
/**
 * What happened, for the agent.
 */
reason: string, 
/**
 * The agent must fix something first (no retry).
 */
final: boolean, 
/**
 * Milliseconds to the next attempt.
 */
retry_in_ms: number | null, } | { "state": "unregistered" };

export type IceServerSetting = { 
/**
 * `stun:host[:port]`, `turn:host[:port][?transport=udp|tcp]` or `turns:…`.
 */
url: string, 
/**
 * The TURN user (a STUN server has none).
 */
username: string | null, };

export type CallingSettings = { 
/**
 * A PEM file of the CA behind a private PBX's certificate, trusted beside the system's.
 */
pbx_ca_file: string | null, 
/**
 * ICE servers, in the order they are used.
 */
ice_servers: Array<IceServerSetting>, };
