//! Placing calls over whatever connection the registration has now. The registration publishes each
//! connection it opens as a [`Route`]; a [`Dialer`] (cheap to clone, usable while the
//! registration runs on its own task) places calls on the current one, and every call watches the
//! routes so that, when its connection drops, it can move to the next one (see
//! `Call::next_event`).

use crate::Account;
use crate::call::{Call, GiveUp, Ringing};
use crate::end_reason::EndReason;
use crate::route::Routes;
use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::invitation::InviteOption;

/// Places calls for one account over its registration's current connection.
#[derive(Clone)]
pub struct Dialer {
    account: Account,
    routes: Routes,
    live_calls: std::sync::Weak<()>,
}

impl std::fmt::Debug for Dialer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dialer").field("account", &self.account).finish()
    }
}

impl Dialer {
    pub(crate) fn new(account: Account, routes: Routes, live_calls: std::sync::Weak<()>) -> Dialer {
        Dialer {
            account,
            routes,
            live_calls,
        }
    }

    /// Whether there is a live connection to place a call on now.
    pub fn connected(&self) -> bool {
        self.routes
            .borrow()
            .as_ref()
            .is_some_and(|r| !r.closed.is_cancelled())
    }

    /// The SIP address of `destination` (a number, a user, `user@host` or a full address).
    pub fn address_of(&self, destination: &str) -> String {
        self.account.address_of(destination)
    }

    /// Calls `destination` (a number or user, or a full `sip:` address) as SIP Call-ID
    /// `call_id` with our SDP `offer` and waits for the final answer; `on_ringing` hears of
    /// 180/183 on the way.
    pub async fn call(
        &self,
        destination: &str,
        call_id: &str,
        offer: String,
        on_ringing: impl FnMut(Ringing) + Send,
        give_up: GiveUp,
    ) -> Result<Call, EndReason> {
        let route = self
            .routes
            .borrow()
            .clone()
            .filter(|r| !r.closed.is_cancelled())
            .ok_or(EndReason::NotConnected)?;
        let parse = |text: &str| {
            rsipstack::sip::Uri::try_from(text).map_err(|e| EndReason::Failed {
                code: 0,
                detail: format!("{text:?} is not a SIP address: {e}"),
            })
        };
        let callee = self.account.address_of(destination);
        let option = InviteOption {
            caller_display_name: self.account.display_name.clone(),
            caller: parse(&self.account.aor())?,
            callee: parse(&callee)?,
            contact: route.contact.clone(),
            content_type: Some("application/sdp".into()),
            offer: Some(offer.into_bytes()),
            credential: Some(credential(&self.account)),
            headers: Some(vec![crate::call::sdp_content_type()]),
            call_id: Some(call_id.to_owned()),
            ..Default::default()
        };
        let watching = (self.routes.clone(), self.live_calls.upgrade());
        crate::call::invite(route, watching, option, on_ringing, give_up).await
    }
}

/// The digest credential of `account`.
pub(crate) fn credential(account: &Account) -> Credential {
    Credential {
        username: account.username.clone(),
        password: account.password.expose().to_owned(),
        realm: None,
        auth_username: account.auth_username.clone(),
    }
}
