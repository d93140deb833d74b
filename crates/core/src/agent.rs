//! The agent's commands beyond the board: lists, lead actions, today's calls, follow-ups and
//! an overview of the profile. Each checks the role's permission and goes through the store's
//! actions, so every change lands with its activity and outbox mutation.

use crate::when::parse_when;
use crate::{CoreError, Handle, Session};
use leadline_store::Timestamp;
use leadline_store::model::{LeadActivity, LeadId, LeadStatus, OutboxEntry, OutboxState, Permission};
use leadline_store::queries::{self, CallRow, LeadCard};
use leadline_store::repo::{self, outbox, profile};
use serde::Serialize;

/// Which leads to list.
#[derive(Debug, Clone, Default)]
pub struct LeadFilter {
    /// A status name (any case) or id.
    pub status: Option<String>,
    /// Only leads assigned to the signed-in agent.
    pub assigned_to_me: bool,
    /// At most this many.
    pub limit: usize,
}

/// Leads a page of a list holds.
pub const LIST_PAGE: usize = 100;

/// What the window shows about the account: who, where, and what waits to sync.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct AccountState {
    /// The profile at a glance.
    pub overview: Overview,
    /// Signed in to a tenant server, or on the demo (false after signing out: the window asks
    /// to sign in).
    pub signed_in: bool,
}

/// A change not yet accepted by the server, as the window lists it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct ChangeView {
    /// Its id (to dismiss a refused one).
    pub mutation_id: String,
    /// What it does, as the API names it (`lead.update`, `activity.create`, …).
    pub kind: String,
    /// What it changes (`lead 12`).
    pub entity: String,
    /// The server refused it; else it waits to be sent.
    pub refused: bool,
    /// The server's reason, when refused.
    pub reason: Option<String>,
    /// When it was made.
    pub created_at: Timestamp,
}

impl From<OutboxEntry> for ChangeView {
    fn from(entry: OutboxEntry) -> ChangeView {
        ChangeView {
            mutation_id: entry.mutation_id,
            kind: entry.kind.to_string(),
            entity: format!("{} {}", entry.entity_type, entry.entity_id),
            refused: entry.state == OutboxState::Rejected,
            reason: entry.last_error,
            created_at: entry.created_at,
        }
    }
}

/// What `leadline status` shows.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Overview {
    /// Who is signed in.
    pub session: Session,
    /// The tenant server, or `None` on the built-in demo tenant.
    pub server_url: Option<String>,
    /// Leads held locally.
    pub leads: i64,
    /// Changes waiting to reach the server.
    pub pending_changes: i64,
    /// Changes the server refused (kept with its reason).
    pub rejected_changes: i64,
}

impl Handle {
    /// The status called `name_or_id` (a name in any case, or an id).
    pub fn find_status(&self, name_or_id: &str) -> Result<LeadStatus, CoreError> {
        let store = self.store()?;
        let session = Session::load(&store)?;
        let statuses = repo::statuses_in_order(store.conn(), session.tenant.id)?;
        let wanted = name_or_id.trim();
        let found = statuses.iter().find(|s| {
            s.name.eq_ignore_ascii_case(wanted) || wanted.parse::<i64>().is_ok_and(|id| id == s.id.0)
        });
        found.cloned().ok_or_else(|| CoreError::UnknownStatus {
            given: wanted.to_owned(),
            known: statuses
                .iter()
                .map(|s| s.name.clone())
                .collect::<Vec<_>>()
                .join(", "),
        })
    }

    /// A page of the leads `query` picks, newest first, after `after`; with `due_today`, only
    /// those whose follow-up falls due by the end of today in the tenant's timezone (overdue
    /// included).
    pub fn lead_page(
        &self,
        query: &queries::LeadQuery,
        due_today: bool,
        after: Option<queries::BoardCursor>,
    ) -> Result<queries::LeadPage, CoreError> {
        let store = self.store()?;
        let session = Session::load(&store)?;
        session.require(Permission::LeadsView)?;
        let mut query = query.clone();
        if due_today {
            let (_, end) = queries::local_day_bounds(&session.tenant.timezone, Timestamp::now())?;
            query.followup_before = Some(end);
        }
        Ok(queries::leads_page(
            store.conn(),
            session.tenant.id,
            session.user.id,
            &query,
            after,
            LIST_PAGE,
        )?)
    }

    /// Leads, newest first.
    pub fn leads(&self, filter: &LeadFilter) -> Result<Vec<LeadCard>, CoreError> {
        let status = filter
            .status
            .as_deref()
            .map(|s| self.find_status(s))
            .transpose()?;
        let store = self.store()?;
        let session = Session::load(&store)?;
        session.require(Permission::LeadsView)?;
        let assignee = filter.assigned_to_me.then_some(session.user.id);
        Ok(queries::leads_list(
            store.conn(),
            session.tenant.id,
            status.map(|s| s.id),
            assignee,
            filter.limit,
        )?)
    }

    /// Moves a lead to the status named `status`; `followup` is read by [`parse_when`].
    pub fn move_lead(
        &self,
        lead: LeadId,
        status: &str,
        note: Option<&str>,
        followup: Option<&str>,
    ) -> Result<LeadCard, CoreError> {
        let target = self.find_status(status)?;
        let mut store = self.store()?;
        let session = Session::load(&store)?;
        let now = Timestamp::now();
        let followup = followup
            .map(|w| parse_when(w, &session.tenant.timezone, now))
            .transpose()?;
        let actor = store.actor()?;
        store.move_lead(&actor, lead, target.id, note, followup, now)?;
        Ok(queries::lead_card(store.conn(), session.tenant.id, lead)?)
    }

    /// Adds a note to a lead's timeline.
    pub fn add_note(&self, lead: LeadId, note: &str) -> Result<LeadActivity, CoreError> {
        let mut store = self.store()?;
        let actor = store.actor()?;
        Ok(store.add_note(&actor, lead, note, Timestamp::now())?)
    }

    /// Schedules a lead's next follow-up; `when` is read by [`parse_when`].
    pub fn schedule_followup(
        &self,
        lead: LeadId,
        when: &str,
        note: Option<&str>,
    ) -> Result<LeadCard, CoreError> {
        let mut store = self.store()?;
        let session = Session::load(&store)?;
        let now = Timestamp::now();
        let at = parse_when(when, &session.tenant.timezone, now)?;
        let actor = store.actor()?;
        store.schedule_followup(&actor, lead, at, note, now)?;
        Ok(queries::lead_card(store.conn(), session.tenant.id, lead)?)
    }

    /// The tenant's calls that started today in its timezone.
    pub fn calls_today(&self) -> Result<Vec<CallRow>, CoreError> {
        let store = self.store()?;
        let session = Session::load(&store)?;
        session.require(Permission::CallsView)?;
        Ok(queries::calls_today(
            store.conn(),
            session.tenant.id,
            &session.tenant.timezone,
            Timestamp::now(),
        )?)
    }

    /// A page of the tenant's calls before today (the history beside today's calls), latest
    /// first, after `after`.
    pub fn call_history(&self, after: Option<queries::CallCursor>) -> Result<queries::CallPage, CoreError> {
        let store = self.store()?;
        let session = Session::load(&store)?;
        session.require(Permission::CallsView)?;
        let (today, _) = queries::local_day_bounds(&session.tenant.timezone, Timestamp::now())?;
        Ok(queries::calls_before(
            store.conn(),
            session.tenant.id,
            today,
            after,
            LIST_PAGE,
        )?)
    }

    /// The agent's upcoming follow-ups in open statuses, soonest first.
    pub fn followups(&self) -> Result<Vec<LeadCard>, CoreError> {
        let store = self.store()?;
        let session = Session::load(&store)?;
        session.require(Permission::LeadsView)?;
        let now = Timestamp::now();
        Ok(queries::upcoming_followups(
            store.conn(),
            session.tenant.id,
            session.user.id,
            now,
            200,
        )?)
    }

    /// Changes not yet accepted by the server: pending ones, and refused ones with the reason.
    pub fn changes(&self) -> Result<Vec<OutboxEntry>, CoreError> {
        Ok(outbox::all(self.store()?.conn())?)
    }

    /// [`Handle::changes`] as the window lists them.
    pub fn change_views(&self) -> Result<Vec<ChangeView>, CoreError> {
        Ok(self.changes()?.into_iter().map(ChangeView::from).collect())
    }

    /// Drops a refused change after the agent has seen why.
    pub fn dismiss_change(&self, mutation_id: &str) -> Result<(), CoreError> {
        if outbox::dismiss(self.store()?.conn(), mutation_id)? {
            Ok(())
        } else {
            Err(CoreError::Store(leadline_store::StoreError::InvalidInput {
                field: "change",
                reason: format!("no refused change {mutation_id:?} (pending changes cannot be dismissed)"),
            }))
        }
    }

    /// The profile at a glance, and whether it is signed in.
    pub fn account_state(&self) -> Result<AccountState, CoreError> {
        Ok(AccountState {
            overview: self.overview()?,
            signed_in: self.signed_in() || self.is_demo()?,
        })
    }

    /// The profile at a glance.
    pub fn overview(&self) -> Result<Overview, CoreError> {
        let store = self.store()?;
        let session = Session::load(&store)?;
        let server_url = profile::require(store.conn())?.server_url;
        let leads = queries::tenant_stats(store.conn(), session.tenant.id, Timestamp::now())?.total_leads;
        Ok(Overview {
            session,
            server_url,
            leads,
            pending_changes: outbox::count(store.conn(), OutboxState::Pending)?,
            rejected_changes: outbox::count(store.conn(), OutboxState::Rejected)?,
        })
    }
}
