//! Calling's link to the profile: the agent's SIP account as the synced
//! `agent_sip_credentials` row describes it, with its password from the OS keychain, and the
//! record of each call (`calls` row, wrap-up and the lead's `call` activity, via the outbox). The SIP
//! user agent itself lives in `leadline-sip`; the password goes from the keychain straight
//! into it and nowhere else.

use crate::keychain::{self, Secret};
use crate::{CoreError, Handle, Session};
use leadline_sip::{Account, DEFAULT_EXPIRES, Password};
use leadline_store::Timestamp;
use leadline_store::actions::NewCall;
use leadline_store::model::{Call, CallId, Direction, SipAccount};
use leadline_store::repo::{self, calling_settings, profile};

impl Handle {
    /// The signed-in agent's SIP account, password included (from the keychain), and whether
    /// it registers on start.
    pub fn sip_account(&self) -> Result<(Account, bool), CoreError> {
        let store = self.store()?;
        let session = Session::load(&store)?;
        let server = profile::require(store.conn())?
            .server_url
            .ok_or(CoreError::NotSignedIn)?;
        let row: SipAccount = repo::list_for_tenant::<SipAccount>(store.conn(), session.tenant.id)
            .map_err(leadline_store::StoreError::from)?
            .into_iter()
            .find(|s| s.user_id == session.user.id)
            .ok_or(CoreError::NoSipAccount)?;
        let password = keychain::get(Secret::SipPassword, &session.user.email, &server)?
            .ok_or(CoreError::NoSipAccount)?;
        let account = Account {
            ws_url: row.sip_ws_url,
            username: row.sip_username,
            auth_username: None,
            domain: row.sip_domain,
            display_name: row.display_name.or(Some(session.user.name)),
            password: Password::new(password),
            ca_cert: calling_settings::load(store.conn())?.pbx_ca_file.map(Into::into),
            expires: DEFAULT_EXPIRES,
        };
        Ok((account, row.auto_register))
    }
}

/// A call as the agent's record sees it: which way, and the number at the other end.
#[derive(Debug, Clone)]
pub struct CallRecord {
    /// Inbound or outbound.
    pub direction: Direction,
    /// The agent's own SIP user (the account the call was on).
    pub local: String,
    /// The other side's number (or SIP user).
    pub remote: String,
    /// The SIP Call-ID.
    pub pbx_call_id: String,
}

impl Handle {
    /// Records a call that starts now: a `calls` row (related to the lead whose phone matches
    /// the other side's number), through the outbox.
    pub fn record_call_start(&self, record: &CallRecord) -> Result<Call, CoreError> {
        let mut store = self.store()?;
        let actor = store.actor()?;
        let (from_number, to_number) = match record.direction {
            Direction::Inbound => (record.remote.clone(), record.local.clone()),
            Direction::Outbound => (record.local.clone(), record.remote.clone()),
        };
        let region = profile::require(store.conn())?.default_region;
        let new = NewCall {
            direction: record.direction,
            from_number,
            to_number,
            started_at: Timestamp::now(),
            pbx_call_id: Some(record.pbx_call_id.clone()),
            lead_id: None,
        };
        Ok(store.start_call(&actor, new, region)?)
    }

    /// Records that the call ended now; it then waits for its wrap-up.
    pub fn record_call_end(&self, call: CallId) -> Result<Call, CoreError> {
        let mut store = self.store()?;
        let actor = store.actor()?;
        Ok(store.end_call(&actor, call, Timestamp::now())?)
    }

    /// Wraps the ended call up with the disposition named `disposition` (any case) and notes:
    /// the related lead gets its `call` activity.
    pub fn wrap_up_call(
        &self,
        call: CallId,
        disposition: &str,
        notes: Option<&str>,
    ) -> Result<Call, CoreError> {
        let mut store = self.store()?;
        let actor = store.actor()?;
        let known = repo::dispositions_in_order(store.conn(), actor.tenant_id)?;
        let chosen = known
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(disposition.trim()))
            .ok_or_else(|| CoreError::UnknownDisposition {
                given: disposition.to_owned(),
                known: known
                    .iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        Ok(store.close_call(&actor, call, chosen.id, notes, Timestamp::now())?)
    }
}
