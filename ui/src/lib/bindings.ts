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

export type CallQuality = { 
/**
 * The codec heard (`opus`, `pcmu`, `pcma`).
 */
codec: string | null, 
/**
 * The estimated mean opinion score (E-model), 1 to 4.5.
 */
mos: number, 
/**
 * Received payload bitrate over the call, kbit/s.
 */
bitrate_kbps: number, 
/**
 * Interarrival jitter (RFC 3550) at the end, ms.
 */
jitter_ms: number, 
/**
 * Packets lost, percent of those expected.
 */
loss_percent: number, 
/**
 * Round-trip time from RTCP reports, ms (absent: the peer sent none).
 */
rtt_ms: number | null, 
/**
 * The jitter buffer's delay at the end, ms.
 */
buffer_ms: number, 
/**
 * Frames concealed (lost or late).
 */
concealed: number, };

export type Call = { id: CallId, tenant_id: TenantId, user_id: UserId, related_type: string | null, related_id: number | null, direction: Direction, from_number: string, to_number: string, started_at: Timestamp, ended_at: Timestamp | null, duration_seconds: number | null, pbx_call_id: string | null, recording_url: string | null, disposition_id: DispositionId | null, wrapup_notes: string | null, created_at: Timestamp | null, updated_at: Timestamp | null, 
/**
 * Leadline's addition: the call's audio quality, measured by the agent's app at its end.
 */
quality: CallQuality | null, };

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

export type ErrorKind = "call" | "data_dir" | "demo" | "forbidden" | "internal" | "invalid_input" | "keychain" | "newer_database" | "no_profile" | "no_sip_account" | "not_found" | "not_signed_in" | "offline" | "refused" | "rule" | "server" | "sip" | "sip_auth" | "storage" | "unsynced_changes" | "not_connected" | "wrap_up_pending" | "no_such_call" | "phone_off" | "audio_device";

export type CoreError = { 
/**
 * Stable machine-readable kind ([`CoreError::kind`]).
 */
kind: ErrorKind, 
/**
 * A sentence for the agent.
 */
message: string, };

export type LineFailure = "bad_credentials" | "forbidden" | "unreachable" | "tls" | "server_error" | "timeout" | "connection_lost" | "untrusted_challenge";

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
expires: number, 
/**
 * The REGISTER's round trip (challenge included), in milliseconds.
 */
ms: number, } | { "state": "failed", 
/**
 * Why, as a program reads it.
 */
kind: LineFailure, 
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
ice_servers: Array<IceServerSetting>, 
/**
 * The agent may place a call while a finished call waits for its wrap-up.
 */
calls_during_wrap_up: boolean, };

export type MatchKind = "exact" | "suffix";

export type CallerMatch = { 
/**
 * The lead.
 */
lead: LeadCard, 
/**
 * How sure the match is.
 */
matched: MatchKind, };

export type Codec = "OPUS" | "PCMU" | "PCMA";

export type EndReason = { "reason": "local_hangup" } | { "reason": "remote_hangup" } | { "reason": "transferred" } | { "reason": "connection_lost" } | { "reason": "not_connected" } | { "reason": "cancelled" } | { "reason": "busy" } | { "reason": "declined" } | { "reason": "not_found" } | { "reason": "no_answer" } | { "reason": "failed", 
/**
 * SIP status code (0 when there was no answer at all).
 */
code: number, 
/**
 * What happened.
 */
detail: string, };

export type Side = "us" | "remote";

export type DtmfMethod = "rfc4733" | "info";

export type WrapUpDue = { 
/**
 * The call's CRM record.
 */
call: CallId, 
/**
 * The SIP Call-ID (when the call was placed or taken in this run of the phone).
 */
call_id: string | null, 
/**
 * The lead the call is on, if any.
 */
lead: LeadId | null, 
/**
 * The call's number at the other end.
 */
number: string, 
/**
 * Seconds talked.
 */
duration_seconds: number | null, 
/**
 * The tenant's dispositions in display order.
 */
dispositions: Array<CallDisposition>, 
/**
 * The one preselected (the tenant's default).
 */
default_disposition: DispositionId | null, };

export type Quality = { 
/**
 * The codec in use.
 */
codec: Codec | null, 
/**
 * Received payload bitrate since the last report, in kbit/s.
 */
bitrate_kbps: number, 
/**
 * Interarrival jitter (RFC 3550), in milliseconds.
 */
jitter_ms: number, 
/**
 * Packets lost, in percent of those expected.
 */
loss_percent: number, 
/**
 * Round-trip time from the far side's RTCP receiver reports, in milliseconds (`None`:
 * none came yet).
 */
rtt_ms: number | null, 
/**
 * The jitter buffer's delay, in milliseconds (0 when files play the call).
 */
buffer_ms: number, 
/**
 * Frames concealed (lost or late).
 */
concealed: number, 
/**
 * Estimated mean opinion score, 1 (bad) to 4.5 (excellent).
 */
mos: number, };

export type AudioDevice = { 
/**
 * Stable id, `host:device` (what the choice remembers).
 */
id: string, 
/**
 * What the agent reads.
 */
name: string, 
/**
 * It records (a microphone).
 */
input: boolean, 
/**
 * It plays (a speaker, headset or ringer).
 */
output: boolean, 
/**
 * The OS default for recording.
 */
default_input: boolean, 
/**
 * The OS default for playing.
 */
default_output: boolean, 
/**
 * A headset or headphones: what it plays does not reach the microphone.
 */
headset: boolean, };

export type DeviceRole = "microphone" | "speaker" | "ringer";

export type DeviceChange = "chosen" | "unplugged";

export type PhoneEvent = { "event": "line", 
/**
 * Where the line stands now.
 */
status: PhoneStatus, } | { "event": "incoming", 
/**
 * The call.
 */
call_id: string, 
/**
 * The caller's display name, if their phone sent one.
 */
caller_name: string | null, 
/**
 * The caller's number (the user part of their address).
 */
caller_number: string, 
/**
 * Another call is up: this one waits (call waiting).
 */
waiting: boolean, 
/**
 * Leads in the local cache whose phone is the caller's number, best first.
 */
leads: Array<CallerMatch>, } | { "event": "rejected", 
/**
 * The call.
 */
call_id: string, 
/**
 * 486 Busy Here, 603 Decline, 488 when its offer could not be answered.
 */
code: number, } | { "event": "ringing", 
/**
 * The call.
 */
call_id: string, 
/**
 * 180 or 183.
 */
code: number, 
/**
 * The answer carried audio before the answer.
 */
early_media: boolean, } | { "event": "answered", 
/**
 * The call.
 */
call_id: string, 
/**
 * The negotiated codec.
 */
codec: Codec | null, 
/**
 * From our INVITE to the answer, in milliseconds (our calls only).
 */
setup_ms?: number, } | { "event": "media", 
/**
 * The call.
 */
call_id: string, 
/**
 * The negotiated codec.
 */
codec: Codec | null, 
/**
 * RTP packets sent.
 */
packets_sent: number, 
/**
 * RTP packets received.
 */
packets_received: number, 
/**
 * From the start of the audio to the first packet received.
 */
first_packet_ms: number | null, } | { "event": "quality", 
/**
 * The call.
 */
call_id: string, 
/**
 * The figures.
 */
quality: Quality, } | { "event": "device", 
/**
 * Which one.
 */
role: DeviceRole, 
/**
 * The device now in use (`None`: the host's default could not be named).
 */
device: string | null, 
/**
 * Why.
 */
change: DeviceChange, 
/**
 * The calls moved to it.
 */
calls: Array<string>, } | { "event": "volume", 
/**
 * Percent of the level received (100 plays it as it comes; up to 200).
 */
percent: number, } | { "event": "levels", 
/**
 * The call.
 */
call_id: string, 
/**
 * The microphone's level in dBFS (a device's), if metered.
 */
microphone_dbfs: number | null, 
/**
 * The speaker's level in dBFS (a device's), if metered.
 */
speaker_dbfs: number | null, } | { "event": "devices", 
/**
 * Every device now.
 */
devices: Array<AudioDevice>, } | { "event": "dtmf", 
/**
 * The call.
 */
call_id: string, 
/**
 * The keys.
 */
digits: string, 
/**
 * How they went.
 */
method: DtmfMethod, } | { "event": "dtmf_received", 
/**
 * The call.
 */
call_id: string, 
/**
 * The key.
 */
digit: string, 
/**
 * How it came.
 */
method: DtmfMethod, } | { "event": "held", 
/**
 * The call.
 */
call_id: string, 
/**
 * Who holds.
 */
by: Side, 
/**
 * Packets received so far (what the tests watch to see the audio stop).
 */
packets_received: number, } | { "event": "resumed", 
/**
 * The call.
 */
call_id: string, 
/**
 * Who resumed.
 */
by: Side, 
/**
 * Packets received so far.
 */
packets_received: number, } | { "event": "muted", 
/**
 * The call.
 */
call_id: string, 
/**
 * Muted now.
 */
on: boolean, } | { "event": "transferring", 
/**
 * The call.
 */
call_id: string, 
/**
 * The SIP address they were sent to.
 */
to: string, 
/**
 * In place of our consultation call with `to` (REFER with Replaces).
 */
attended: boolean, } | { "event": "transfer", 
/**
 * The call.
 */
call_id: string, 
/**
 * 100 trying, 180 ringing, 200 answered, 486 busy…
 */
code: number, 
/**
 * Final: the call ends as transferred (2xx) or goes on (failure).
 */
done: boolean, } | { "event": "reconnected", 
/**
 * The call.
 */
call_id: string, } | { "event": "ended", 
/**
 * The call.
 */
call_id: string, 
/**
 * Why.
 */
reason: EndReason, 
/**
 * How long it was talked, in milliseconds (0 when never answered).
 */
duration_ms: number, } | { "event": "wrap_up_due" } & WrapUpDue | { "event": "wrapped_up", 
/**
 * The call's CRM record.
 */
call: CallId, 
/**
 * The disposition chosen.
 */
disposition: DispositionId, 
/**
 * The lead the call is on, if any.
 */
lead: LeadId | null, } | { "event": "error", 
/**
 * The call concerned, if any.
 */
call_id: string | null, 
/**
 * What kind of failure.
 */
kind: ErrorKind, 
/**
 * What happened, for the agent.
 */
message: string, };

export type EchoCancellation = "auto" | "on" | "off";

export type VoiceSettings = { 
/**
 * Suppress background noise (keyboards, a call-center floor) on the microphone.
 */
noise_suppression: boolean, 
/**
 * When the echo canceller runs.
 */
echo_cancellation: EchoCancellation, };

export type Dial = { 
/**
 * A number, a SIP user, or a full SIP address.
 */
destination: string, 
/**
 * The lead being called (its record goes on this lead; else found by the number).
 */
lead?: LeadId, 
/**
 * Seconds of ringing before the call is given up as unanswered.
 */
ring_timeout?: number, };

export type WrapUp = { 
/**
 * The call's CRM record.
 */
call: CallId, 
/**
 * The disposition's id, or its name in any case.
 */
disposition: string, 
/**
 * Wrap-up notes (required by some dispositions).
 */
notes?: string, 
/**
 * Move the call's lead to this status (name or id).
 */
status?: string, 
/**
 * The follow-up the new status requires (read like `leadline lead followup`).
 */
followup?: string, };

export type Overview = { 
/**
 * Who is signed in.
 */
session: Session, 
/**
 * The tenant server, or `None` on the built-in demo tenant.
 */
server_url: string | null, 
/**
 * Leads held locally.
 */
leads: number, 
/**
 * Changes waiting to reach the server.
 */
pending_changes: number, 
/**
 * Changes the server refused (kept with its reason).
 */
rejected_changes: number, };

export type AccountState = { 
/**
 * The profile at a glance.
 */
overview: Overview, 
/**
 * Signed in to a tenant server, or on the demo (false after signing out: the window asks
 * to sign in).
 */
signed_in: boolean, };

export type Resolved = { 
/**
 * The role.
 */
role: DeviceRole, 
/**
 * The device to use (`None`: there is no such device at all).
 */
device: AudioDevice | null, 
/**
 * The remembered device is absent: the OS default stands in for it.
 */
fell_back: boolean, 
/**
 * The id remembered for the role, if any.
 */
remembered: string | null, };

export type AudioSetup = { 
/**
 * Every device, the defaults first.
 */
devices: Array<AudioDevice>, 
/**
 * Microphone, speaker and ringer as they resolve now.
 */
resolved: [Resolved, Resolved, Resolved], };

export type Level = { 
/**
 * Root mean square, in dBFS (0 is full scale; silence is -96 or below).
 */
rms_dbfs: number, 
/**
 * The loudest sample, in dBFS.
 */
peak_dbfs: number, };

export type SipAccountView = { 
/**
 * The PBX's WebSocket address.
 */
ws_url: string, 
/**
 * The SIP user.
 */
username: string, 
/**
 * The SIP domain.
 */
domain: string, 
/**
 * The name callers see.
 */
display_name: string | null, 
/**
 * The line registers when Leadline starts.
 */
register_on_start: boolean, 
/**
 * The keychain holds its password.
 */
has_password: boolean, };

export type LeadQuery = { 
/**
 * In this status.
 */
status?: LeadStatusId, 
/**
 * With this score.
 */
score?: Score, 
/**
 * Assigned to the signed-in agent.
 */
assigned_to_me: boolean, 
/**
 * With a follow-up due before this time (due today and overdue: the end of today).
 */
followup_before?: Timestamp, };

export type LeadPage = { 
/**
 * The page's leads.
 */
leads: Array<LeadCard>, 
/**
 * Where the next page starts (`None`: this was the last).
 */
next: BoardCursor | null, 
/**
 * Leads the whole list holds.
 */
total: number, };

export type CallCursor = { 
/**
 * The last call's `started_at`.
 */
started_at: Timestamp, 
/**
 * The last call's id.
 */
id: CallId, };

export type CallPage = { 
/**
 * The calls, latest first.
 */
calls: Array<CallRow>, 
/**
 * Where the next (older) page starts (`None`: no more).
 */
next: CallCursor | null, };

export type Preferences = { 
/**
 * Start hidden in the tray (shown from the tray's menu or a second launch).
 */
start_minimized: boolean, 
/**
 * The global shortcut that answers the call ringing in (`""`: none).
 */
shortcut_answer: string, 
/**
 * The global shortcut that hangs the active call up (`""`: none).
 */
shortcut_hangup: string, 
/**
 * The global shortcut that mutes or unmutes the active call (`""`: none).
 */
shortcut_mute: string, };

export type ChangeView = { 
/**
 * Its id (to dismiss a refused one).
 */
mutation_id: string, 
/**
 * What it does, as the API names it (`lead.update`, `activity.create`, …).
 */
kind: string, 
/**
 * What it changes (`lead 12`).
 */
entity: string, 
/**
 * The server refused it; else it waits to be sent.
 */
refused: boolean, 
/**
 * The server's reason, when refused.
 */
reason: string | null, 
/**
 * When it was made.
 */
created_at: Timestamp, };

export type SyncProgress = { 
/**
 * Mutations the server has answered.
 */
pushed: number, 
/**
 * Changes applied from the feed.
 */
pulled: number, 
/**
 * Pages applied.
 */
pages: number, 
/**
 * At most this many changes are still to pull (for the bar's end).
 */
remaining: number, };

export type SyncReport = { 
/**
 * Mutations applied by the server (now or before).
 */
pushed: number, 
/**
 * Reasons of the mutations the server refused.
 */
rejected: Array<string>, 
/**
 * Rows written from the feed.
 */
pulled: number, 
/**
 * Rows removed by the feed.
 */
deleted: number, };

export type SyncUpdate = { "state": "syncing", 
/**
 * How far it has come.
 */
progress: SyncProgress, } | { "state": "synced", 
/**
 * What it did.
 */
report: SyncReport, } | { "state": "offline", 
/**
 * What went wrong.
 */
kind: ErrorKind, 
/**
 * Said for a person.
 */
message: string, 
/**
 * Milliseconds to the next try (sooner if the server answers a probe).
 */
retry_in_ms: number, } | { "state": "stopped", 
/**
 * Why.
 */
kind: ErrorKind, 
/**
 * Said for a person.
 */
message: string, };

export type CallRow = { 
/**
 * The agent's name.
 */
agent_name: string, 
/**
 * The disposition's name, once wrapped up.
 */
disposition_name: string | null, id: CallId, tenant_id: TenantId, user_id: UserId, related_type: string | null, related_id: number | null, direction: Direction, from_number: string, to_number: string, started_at: Timestamp, ended_at: Timestamp | null, duration_seconds: number | null, pbx_call_id: string | null, recording_url: string | null, disposition_id: DispositionId | null, wrapup_notes: string | null, created_at: Timestamp | null, updated_at: Timestamp | null, 
/**
 * Leadline's addition: the call's audio quality, measured by the agent's app at its end.
 */
quality: CallQuality | null, };
