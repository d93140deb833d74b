//! The built-in demo tenant as data: a realistic CRM slice generated from a seed, so every run,
//! every test and every benchmark sees the same data. Pure: the client's store and the tenant
//! server each write it with their own SQL.
//!
//! One tenant with users of every role and the default permission matrix, a sales pipeline
//! (with a `requires_followup_date` and a `requires_note` status), the seed's default call
//! dispositions, the signed-in agent's SIP account (no password: each side keeps that its own
//! way), and leads with their activities and calls spread over the last six months (a few
//! calls today), each lead's timeline telling how it reached its status. Names include
//! accents; phones are written in the many ways people write them. Ids start where the caller
//! says, so several tenants can share one database; emails carry the tenant's slug.

#![allow(clippy::cast_possible_wrap)]

use crate::{
    ActivityId, ActivityType, Call, CallDisposition, CallId, CallQuality, Cents, Direction, DispositionId,
    Json, Lead, LeadActivity, LeadId, LeadStatus, LeadStatusId, Permission, PermissionGrant, PermissionId,
    RELATED_LEAD, Role, Score, SipAccount, SipCredentialId, Tenant, TenantId, TenantStatus, Timestamp, User,
    UserId,
};
use rand::rngs::SmallRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::json;

/// The password every demo user signs in with on the demo tenant server.
pub const DEMO_PASSWORD: &str = "leadline-demo";

/// What each role may do by default (the server enforces the tenant's own table).
pub const DEFAULT_PERMISSIONS: &[(Role, &[Permission])] = &[
    (Role::TenantAdmin, Permission::ALL),
    (
        Role::Supervisor,
        &[
            Permission::LeadsView,
            Permission::LeadsManage,
            Permission::CallsMake,
            Permission::CallsView,
            Permission::CallsRecordingsView,
        ],
    ),
    (
        Role::SalesAgent,
        &[
            Permission::LeadsView,
            Permission::LeadsManage,
            Permission::CallsMake,
            Permission::CallsView,
        ],
    ),
    (
        Role::SupportAgent,
        &[
            Permission::LeadsView,
            Permission::CallsMake,
            Permission::CallsView,
        ],
    ),
    (Role::ReadOnly, &[Permission::LeadsView, Permission::CallsView]),
];

/// The seed's default dispositions: name, requires_note.
pub const DEFAULT_DISPOSITIONS: &[(&str, bool)] = &[
    ("Answered", false),
    ("No Answer", false),
    ("Voicemail", false),
    ("Busy", false),
    ("Wrong Number", false),
    ("Follow-up Required", true),
];

/// The demo pipeline: name, color, closed, won, lost, requires_note, requires_followup_date.
const PIPELINE: &[(&str, &str, bool, bool, bool, bool, bool)] = &[
    ("New", "#3B82F6", false, false, false, false, false),
    ("Contacted", "#06B6D4", false, false, false, false, false),
    ("Qualified", "#8B5CF6", false, false, false, false, false),
    ("Callback Scheduled", "#14B8A6", false, false, false, false, true),
    ("Proposal Sent", "#F59E0B", false, false, false, false, false),
    ("Negotiation", "#EC4899", false, false, false, false, false),
    ("Won", "#22C55E", true, true, false, false, false),
    ("Lost", "#EF4444", true, false, true, true, false),
];

/// Demo users: name, local part of the email, role. The first sales agent is the one signed in.
const USERS: &[(&str, &str, Role)] = &[
    ("Dana Whitfield", "dana.whitfield", Role::TenantAdmin),
    ("Sam Ortega", "sam.ortega", Role::SalesAgent),
    ("Priya Nair", "priya.nair", Role::SalesAgent),
    ("Jonas Müller", "jonas.mueller", Role::SupportAgent),
    ("Grace Kim", "grace.kim", Role::Supervisor),
    ("Rui Costa", "rui.costa", Role::ReadOnly),
];

const FIRST: &[&str] = &[
    "Anna", "José", "Zoë", "Łukasz", "Chloé", "Mateo", "Olivia", "Noah", "Amélie", "Björn", "Sofía", "Liam",
    "Aisha", "Hiroshi", "Fatima", "Ethan", "Ingrid", "Raúl", "Mei", "Oskar", "Nadia", "Lucas", "Emma",
    "Kwame", "Elif", "Jonas",
];
const LAST: &[&str] = &[
    "Müller",
    "García",
    "Smith",
    "Nowak",
    "Dubois",
    "Rossi",
    "Johansson",
    "Okafor",
    "Tanaka",
    "O'Brien",
    "Novák",
    "Fernández",
    "Kowalski",
    "Schäfer",
    "Brown",
    "Lefèvre",
    "Haddad",
    "Ødegaard",
    "Silva",
    "Nguyen",
    "Wright",
    "Çelik",
    "Andersen",
    "Moreau",
    "Patel",
    "Kim",
];
const COMPANY_A: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Hooli",
    "Vandelay",
    "Soylent",
    "Cyberdyne",
    "Tyrell",
    "Nordlicht",
    "Solaris",
    "Bluebird",
    "Granite",
    "Evergreen",
    "Crimson",
    "Atlas",
    "Pioneer",
    "Zenith",
];
const COMPANY_B: &[&str] = &[
    "Industries",
    "Logistics",
    "Foods",
    "Energy",
    "Labs",
    "Holdings",
    "GmbH",
    "S.A.",
    "Partners",
    "Systems",
    "Ltd",
];
const SOURCES: &[&str] = &[
    "Website",
    "Referral",
    "Trade Show",
    "Cold Call",
    "LinkedIn",
    "Partner",
    "Webinar",
];
const AREA_CODES: &[u32] = &[212, 312, 415, 617, 646, 702, 713, 818, 917, 305];
const NOTES: &[&str] = &[
    "Customer interested in enterprise plan",
    "Asked for a quote for 40 seats",
    "Prefers calls after 3pm",
    "Decision maker is the CFO",
    "Budget approved for Q3",
    "Wants a demo with the IT team",
    "Comparing us with two competitors",
];

/// How much data to generate.
#[derive(Debug, Clone, Copy)]
pub struct DemoSize {
    /// Leads.
    pub leads: usize,
    /// Activities per lead, on average.
    pub activities_per_lead: usize,
    /// Percentage of leads that had a call.
    pub called_percent: u32,
}

impl Default for DemoSize {
    /// The app's demo: enough to feel real, instant to create.
    fn default() -> Self {
        DemoSize {
            leads: 400,
            activities_per_lead: 6,
            called_percent: 60,
        }
    }
}

/// The first id of each table for a new demo tenant (one past the highest already present).
#[derive(Debug, Clone, Copy)]
pub struct FirstIds {
    /// `tenants`
    pub tenant: i64,
    /// `users`
    pub user: i64,
    /// `permissions`
    pub permission: i64,
    /// `lead_statuses`
    pub status: i64,
    /// `call_dispositions`
    pub disposition: i64,
    /// `agent_sip_credentials`
    pub sip: i64,
    /// `leads`
    pub lead: i64,
    /// `lead_activities`
    pub activity: i64,
    /// `calls`
    pub call: i64,
}

impl Default for FirstIds {
    /// An empty database.
    fn default() -> Self {
        FirstIds {
            tenant: 1,
            user: 1,
            permission: 1,
            status: 1,
            disposition: 1,
            sip: 1,
            lead: 1,
            activity: 1,
            call: 1,
        }
    }
}

impl FirstIds {
    /// One past the highest id of each table in the database behind `conn`.
    #[cfg(feature = "sqlite")]
    pub fn after_existing(conn: &rusqlite::Connection) -> rusqlite::Result<FirstIds> {
        fn next<T: crate::table::Table>(conn: &rusqlite::Connection) -> rusqlite::Result<i64> {
            conn.query_row(
                &format!("SELECT coalesce(max({}), 0) + 1 FROM {}", T::KEY, T::NAME),
                [],
                |row| row.get(0),
            )
        }
        Ok(FirstIds {
            tenant: next::<Tenant>(conn)?,
            user: next::<User>(conn)?,
            permission: next::<PermissionGrant>(conn)?,
            status: next::<LeadStatus>(conn)?,
            disposition: next::<CallDisposition>(conn)?,
            sip: next::<SipAccount>(conn)?,
            lead: next::<Lead>(conn)?,
            activity: next::<LeadActivity>(conn)?,
            call: next::<Call>(conn)?,
        })
    }
}

/// The tenant's reference data: everything but the leads and their history.
#[derive(Debug, Clone)]
pub struct DemoReference {
    /// The tenant.
    pub tenant: Tenant,
    /// Users of every role.
    pub users: Vec<User>,
    /// The default permission matrix.
    pub permissions: Vec<PermissionGrant>,
    /// The pipeline, default first.
    pub statuses: Vec<LeadStatus>,
    /// The seed's default dispositions.
    pub dispositions: Vec<CallDisposition>,
    /// The signed-in agent's SIP account.
    pub sip: SipAccount,
    /// The agent the demo signs in as (a sales agent).
    pub agent_id: UserId,
}

/// A page of leads with their calls and activities.
#[derive(Debug, Clone, Default)]
pub struct DemoPage {
    /// Leads.
    pub leads: Vec<Lead>,
    /// Their calls.
    pub calls: Vec<Call>,
    /// Their activities.
    pub activities: Vec<LeadActivity>,
}

/// Generates a demo tenant: [`Generator::reference`] first, then [`Generator::next_page`]
/// until it returns `None`.
#[derive(Debug)]
pub struct Generator {
    rng: SmallRng,
    reference: DemoReference,
    size: DemoSize,
    now: Timestamp,
    ids: FirstIds,
    remaining: usize,
}

impl Generator {
    /// A generator for the tenant `name` (its `slug` goes into emails).
    pub fn new(
        name: &str,
        slug: &str,
        size: DemoSize,
        seed: u64,
        now: Timestamp,
        first: FirstIds,
    ) -> Generator {
        let reference = reference(name, slug, now, first);
        Generator {
            rng: SmallRng::seed_from_u64(seed),
            reference,
            size,
            now,
            ids: first,
            remaining: size.leads,
        }
    }

    /// The reference data.
    pub fn reference(&self) -> &DemoReference {
        &self.reference
    }

    /// Up to `max` more leads with their history, or `None` when all were generated.
    pub fn next_page(&mut self, max: usize) -> Option<DemoPage> {
        if self.remaining == 0 {
            return None;
        }
        let mut page = DemoPage::default();
        let context = Context {
            reference: &self.reference,
            now: self.now,
        };
        for _ in 0..max.min(self.remaining) {
            let mut lead = context.lead(&mut self.rng, &mut self.ids);
            let history = context.history(&mut self.rng, &mut self.ids, &lead, self.size);
            lead.last_contacted_at = history.calls.iter().map(|c| c.started_at).max();
            page.leads.push(lead);
            page.calls.extend(history.calls);
            page.activities.extend(history.activities);
        }
        self.remaining -= page.leads.len();
        Some(page)
    }
}

fn reference(name: &str, slug: &str, now: Timestamp, first: FirstIds) -> DemoReference {
    let long_ago = Timestamp::from_unix(now.unix() - 400 * 86_400);

    let tenant = Tenant {
        id: TenantId(first.tenant),
        name: name.to_owned(),
        status: TenantStatus::Active,
        timezone: "America/New_York".to_owned(),
        created_at: Some(long_ago),
        updated_at: Some(long_ago),
    };

    let first_user = first.user;
    let mut users = Vec::new();
    for (i, (user_name, local, role)) in USERS.iter().enumerate() {
        let user = User {
            id: UserId(first_user + i as i64),
            tenant_id: tenant.id,
            name: (*user_name).to_owned(),
            email: format!("{local}@{slug}.leadline.test"),
            email_verified_at: Some(long_ago),
            role: *role,
            is_active: true,
            created_at: Some(long_ago),
            updated_at: Some(long_ago),
        };
        users.push(user);
    }
    let agent_id = users
        .iter()
        .find(|u| u.role == Role::SalesAgent)
        .map_or(users[0].id, |u| u.id);

    let mut grants = Vec::new();
    let mut permission_id = first.permission;
    for (role, permissions) in DEFAULT_PERMISSIONS {
        for permission in *permissions {
            let grant = PermissionGrant {
                id: PermissionId(permission_id),
                tenant_id: tenant.id,
                role: *role,
                permission: permission.as_str().to_owned(),
                created_at: Some(long_ago),
                updated_at: Some(long_ago),
            };
            grants.push(grant);
            permission_id += 1;
        }
    }

    let first_status = first.status;
    let statuses: Vec<LeadStatus> = PIPELINE
        .iter()
        .enumerate()
        .map(
            |(i, (status_name, color, closed, won, lost, note, followup))| LeadStatus {
                id: LeadStatusId(first_status + i as i64),
                tenant_id: tenant.id,
                name: (*status_name).to_owned(),
                color: (*color).to_owned(),
                sort_order: i as i64 * 10,
                is_default: i == 0,
                is_closed: *closed,
                is_won: *won,
                is_lost: *lost,
                requires_note: *note,
                requires_followup_date: *followup,
                created_at: Some(long_ago),
                updated_at: Some(long_ago),
            },
        )
        .collect();

    let first_disposition = first.disposition;
    let dispositions: Vec<CallDisposition> = DEFAULT_DISPOSITIONS
        .iter()
        .enumerate()
        .map(|(i, (disposition_name, requires_note))| CallDisposition {
            id: DispositionId(first_disposition + i as i64),
            tenant_id: tenant.id,
            name: (*disposition_name).to_owned(),
            sort_order: i as i64 * 10,
            is_default: i == 0,
            requires_note: *requires_note,
            created_at: Some(long_ago),
            updated_at: Some(long_ago),
        })
        .collect();

    let sip = SipAccount {
        id: SipCredentialId(first.sip),
        tenant_id: tenant.id,
        user_id: agent_id,
        sip_ws_url: format!("wss://pbx.{slug}.leadline.test:8089/ws"),
        sip_username: "1001".to_owned(),
        sip_domain: format!("{slug}.leadline.test"),
        display_name: Some("Sam Ortega".to_owned()),
        auto_register: false,
        created_at: Some(long_ago),
        updated_at: Some(long_ago),
    };

    DemoReference {
        tenant,
        users,
        permissions: grants,
        statuses,
        dispositions,
        sip,
        agent_id,
    }
}

struct Context<'a> {
    reference: &'a DemoReference,
    now: Timestamp,
}

/// A lead's calls and activities.
struct History {
    activities: Vec<LeadActivity>,
    calls: Vec<Call>,
}

impl Context<'_> {
    fn agents(&self) -> Vec<&User> {
        self.reference
            .users
            .iter()
            .filter(|u| matches!(u.role, Role::SalesAgent | Role::SupportAgent))
            .collect()
    }

    fn lead(&self, rng: &mut SmallRng, ids: &mut FirstIds) -> Lead {
        let first = FIRST.choose(rng).copied().unwrap_or("Anna");
        let last = LAST.choose(rng).copied().unwrap_or("Smith");
        let company = format!(
            "{} {}",
            COMPANY_A.choose(rng).copied().unwrap_or("Acme"),
            COMPANY_B.choose(rng).copied().unwrap_or("Labs")
        );
        let created = Timestamp::from_unix(self.now.unix() - rng.random_range(3_600..180 * 86_400));
        // Early statuses are the most crowded, as in a real funnel.
        let weights = [30, 18, 12, 8, 8, 6, 8, 10];
        let pick = rng.random_range(0..weights.iter().sum::<u32>());
        let mut acc = 0;
        let index = weights.iter().position(|w| {
            acc += w;
            pick < acc
        });
        let status = &self.reference.statuses[index.unwrap_or(0).min(self.reference.statuses.len() - 1)];
        let agents = self.agents();
        let assignee = if rng.random_bool(0.9) {
            agents.choose(rng).map(|u| u.id)
        } else {
            None
        };
        let followup = (status.requires_followup_date || (!status.is_closed && rng.random_bool(0.3)))
            .then(|| Timestamp::from_unix(self.now.unix() + rng.random_range(3_600..21 * 86_400)));
        let id = LeadId(ids.lead);
        ids.lead += 1;
        Lead {
            id,
            tenant_id: self.reference.tenant.id,
            lead_status_id: status.id,
            assigned_to_user_id: assignee,
            created_by_user_id: assignee.or(Some(self.reference.users[0].id)),
            name: format!("{first} {last}"),
            company_name: rng.random_bool(0.85).then_some(company),
            email: rng
                .random_bool(0.8)
                .then(|| format!("{}.{}{}@example.com", ascii(first), ascii(last), id.0)),
            phone: rng.random_bool(0.95).then(|| phone(rng)),
            source: SOURCES.choose(rng).map(|s| (*s).to_owned()),
            score: *[Score::Hot, Score::Warm, Score::Warm, Score::Cold]
                .choose(rng)
                .unwrap_or(&Score::Warm),
            estimated_value: rng
                .random_bool(0.7)
                .then(|| Cents(rng.random_range(50_000..5_000_000))),
            last_contacted_at: None,
            next_followup_at: followup,
            created_at: Some(created),
            updated_at: Some(created),
        }
    }

    fn history(&self, rng: &mut SmallRng, ids: &mut FirstIds, lead: &Lead, size: DemoSize) -> History {
        let mut history = History {
            activities: Vec::new(),
            calls: Vec::new(),
        };
        let start = lead.created_at.map_or(self.now.unix() - 86_400, Timestamp::unix);
        let span = (self.now.unix() - start).max(60);
        let count = if size.activities_per_lead == 0 {
            0
        } else {
            rng.random_range(0..=2 * size.activities_per_lead)
        };
        let actor = lead.assigned_to_user_id.unwrap_or(self.reference.users[0].id);
        let mut times: Vec<i64> = (0..count).map(|_| start + rng.random_range(0..span)).collect();
        times.sort_unstable();
        let called = rng.random_range(0..100) < size.called_percent;
        // Slots i % 4 == 1 carry the status changes.
        let mut moves = self.status_moves(rng, lead, (times.len() + 2) / 4).into_iter();
        for (i, at) in times.into_iter().enumerate() {
            let at = Timestamp::from_unix(at);
            let step = if i % 4 == 1 { moves.next() } else { None };
            let (kind, payload) = match (i % 4, step) {
                (0, _) if called => self.call(rng, ids, lead, actor, at, &mut history),
                (1, Some((from, to))) => {
                    let mut payload = json!({ "from_status": from.name, "to_status": to.name });
                    if to.requires_note {
                        payload["note"] = json!("Went with a competitor");
                    }
                    if to.requires_followup_date {
                        payload["followup_at"] = json!(lead.next_followup_at);
                    }
                    (ActivityType::StatusChange, payload)
                }
                (2, _) => (
                    ActivityType::Followup,
                    json!({ "followup_at": Timestamp::from_unix(at.unix() + 2 * 86_400) }),
                ),
                _ => (
                    ActivityType::Note,
                    json!({ "note": NOTES.choose(rng).copied().unwrap_or("Called") }),
                ),
            };
            history.activities.push(LeadActivity {
                id: ActivityId(ids.activity),
                tenant_id: self.reference.tenant.id,
                lead_id: lead.id,
                user_id: actor,
                kind,
                payload: Some(Json(payload)),
                created_at: Some(at),
            });
            ids.activity += 1;
        }
        // A few calls today, so the day's list is never empty.
        if called && rng.random_bool(0.02) {
            let at = Timestamp::from_unix(self.now.unix() - rng.random_range(60..6 * 3_600));
            let _ = self.call(rng, ids, lead, actor, at, &mut history);
        }
        history
    }

    /// Up to `slots` status changes that lead from the default status to the lead's current one
    /// through the pipeline (a closed status is reached from an open step).
    fn status_moves(&self, rng: &mut SmallRng, lead: &Lead, slots: usize) -> Vec<(&LeadStatus, &LeadStatus)> {
        let current = self
            .reference
            .statuses
            .iter()
            .position(|s| s.id == lead.lead_status_id)
            .unwrap_or(0);
        let open = self
            .reference
            .statuses
            .iter()
            .take_while(|s| !s.is_closed)
            .count()
            .max(1);
        let mut path: Vec<usize> = if self.reference.statuses[current].is_closed {
            (0..rng.random_range(1..=open)).chain([current]).collect()
        } else {
            (0..=current).collect()
        };
        if slots == 0 || path.len() < 2 {
            return Vec::new();
        }
        // Too few slots: keep the first steps and jump from the last kept one to the current.
        if path.len() - 1 > slots {
            path.drain(slots..path.len() - 1);
        }
        path.windows(2)
            .map(|w| (&self.reference.statuses[w[0]], &self.reference.statuses[w[1]]))
            .collect()
    }

    fn call(
        &self,
        rng: &mut SmallRng,
        ids: &mut FirstIds,
        lead: &Lead,
        agent: UserId,
        at: Timestamp,
        history: &mut History,
    ) -> (ActivityType, serde_json::Value) {
        let disposition = self
            .reference
            .dispositions
            .choose(rng)
            .unwrap_or(&self.reference.dispositions[0]);
        let talked = if disposition.name == "Answered" {
            rng.random_range(30..900)
        } else {
            rng.random_range(5..40)
        };
        let outbound = rng.random_bool(0.8);
        let agent_line = "+12125550100".to_owned();
        let remote = lead.phone.clone().unwrap_or_else(|| "+12125550199".to_owned());
        let call = Call {
            id: CallId(ids.call),
            tenant_id: self.reference.tenant.id,
            user_id: agent,
            related_type: Some(RELATED_LEAD.to_owned()),
            related_id: Some(lead.id.0),
            direction: if outbound {
                Direction::Outbound
            } else {
                Direction::Inbound
            },
            from_number: if outbound {
                agent_line.clone()
            } else {
                remote.clone()
            },
            to_number: if outbound { remote } else { agent_line },
            started_at: at,
            ended_at: Some(Timestamp::from_unix(at.unix() + talked)),
            duration_seconds: Some(talked),
            pbx_call_id: Some(format!("demo-{}@pbx", ids.call)),
            recording_url: (disposition.name == "Answered")
                .then(|| format!("https://recordings.leadline.test/{}.ogg", ids.call)),
            disposition_id: Some(disposition.id),
            wrapup_notes: disposition
                .requires_note
                .then(|| "Call back with pricing".to_owned()),
            created_at: Some(at),
            updated_at: Some(at),
            quality: Some(demo_quality(ids.call)),
        };
        ids.call += 1;
        let payload = json!({ "call_id": call.id, "duration": talked, "outcome": disposition.name });
        history.calls.push(call);
        (ActivityType::Call, payload)
    }
}

/// A plausible quality for demo call `n` (most calls clean, every seventh on a lossy line),
/// derived from the number so the demo's random draws stay as they are.
fn demo_quality(n: i64) -> CallQuality {
    let lossy = n % 7 == 3;
    let step = (n % 5) as f64;
    CallQuality {
        codec: Some("opus".into()),
        mos: if lossy { 3.6 } else { 4.2 + step * 0.04 },
        bitrate_kbps: 31.5 + step,
        jitter_ms: if lossy { 18.0 } else { 2.0 + step },
        loss_percent: if lossy { 4.5 } else { 0.1 * step },
        rtt_ms: Some(38.0 + step * 6.0),
        buffer_ms: if lossy { 80.0 } else { 40.0 },
        concealed: if lossy { 120 } else { n.rem_euclid(5) as u64 },
    }
}

/// A name as an email local part: lowercase ASCII letters.
fn ascii(name: &str) -> String {
    name.chars()
        .filter_map(|c| match c {
            'á' | 'à' | 'â' | 'ä' | 'Á' => Some('a'),
            'é' | 'è' | 'ê' | 'ë' | 'É' => Some('e'),
            'í' | 'ï' => Some('i'),
            'ó' | 'ö' | 'ø' | 'Ø' | 'Ö' => Some('o'),
            'ú' | 'ü' => Some('u'),
            'ç' | 'Ç' => Some('c'),
            'ł' | 'Ł' => Some('l'),
            c if c.is_ascii_alphabetic() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// A phone number written one of the ways people write them.
fn phone(rng: &mut SmallRng) -> String {
    let area = AREA_CODES.choose(rng).copied().unwrap_or(212);
    let exchange = rng.random_range(200..1000);
    let line = rng.random_range(0..10_000);
    match rng.random_range(0..6) {
        0 => format!("+1 ({area}) {exchange}-{line:04}"),
        1 => format!("({area}) {exchange}-{line:04}"),
        2 => format!("{area}.{exchange}.{line:04}"),
        3 => format!("+1{area}{exchange}{line:04}"),
        4 => format!("+44 20 7{:03} {line:04}", exchange % 1000),
        _ => format!("{area}-{exchange}-{line:04}"),
    }
}
