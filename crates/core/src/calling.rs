//! Calling's link to the profile: the agent's SIP account as the synced
//! `agent_sip_credentials` row describes it, with its password from the OS keychain. The SIP
//! user agent itself lives in `leadline-sip`; the password goes from the keychain straight
//! into it and nowhere else.

use crate::keychain::{self, Secret};
use crate::{CoreError, Handle, Session};
use leadline_sip::{Account, DEFAULT_EXPIRES, LineTiming, Password};
use leadline_store::model::SipAccount;
use leadline_store::repo::{self, calling_settings, profile};

/// The agent's SIP account as the settings show it: as the tenant server sent it, without the
/// password (which stays in the keychain).
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct SipAccountView {
    /// The PBX's WebSocket address.
    pub ws_url: String,
    /// The SIP user.
    pub username: String,
    /// The SIP domain.
    pub domain: String,
    /// The name callers see.
    pub display_name: Option<String>,
    /// The line registers when Leadline starts.
    pub register_on_start: bool,
    /// The keychain holds its password.
    pub has_password: bool,
}

impl Handle {
    /// The signed-in agent's SIP account for the settings (no password).
    pub fn sip_account_view(&self) -> Result<SipAccountView, CoreError> {
        let (row, email, server) = {
            let store = self.store()?;
            let session = Session::load(&store)?;
            let server = profile::require(store.conn())?.server_url;
            let row: SipAccount = repo::list_for_tenant::<SipAccount>(store.conn(), session.tenant.id)
                .map_err(leadline_store::StoreError::from)?
                .into_iter()
                .find(|s| s.user_id == session.user.id)
                .ok_or(CoreError::NoSipAccount)?;
            (row, session.user.email, server)
        };
        let has_password = server
            .map(|server| keychain::get(Secret::SipPassword, &email, &server).is_ok_and(|p| p.is_some()))
            .unwrap_or(false);
        Ok(SipAccountView {
            ws_url: row.sip_ws_url,
            username: row.sip_username,
            domain: row.sip_domain,
            display_name: row.display_name,
            register_on_start: row.auto_register,
            has_password,
        })
    }

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
            realm: None,
            display_name: row.display_name.or(Some(session.user.name)),
            password: Password::new(password),
            ca_cert: calling_settings::load(store.conn())?.pbx_ca_file.map(Into::into),
            expires: DEFAULT_EXPIRES,
            timing: LineTiming::default(),
        };
        Ok((account, row.auto_register))
    }
}
