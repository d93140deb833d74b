//! Placing calls over whatever connection the registrar has now. The registrar publishes each
//! connection it opens as a [`Route`]; a [`Dialer`] (cheap to clone, usable while the
//! registrar runs on its own task) places calls on the current one, and every call watches the
//! routes so that, when its connection drops, it can move to the next one (see
//! `Call::next_event`).

use crate::Account;
use crate::call::{Call, EndReason, GiveUp, Ringing};
use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invitation::InviteOption;
use std::sync::Arc;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// A connection to the PBX as calls see it: the dialogs living on it, where the PBX reaches us
/// over it, and a token cancelled when it closes.
#[derive(Clone)]
pub(crate) struct Route {
    pub dialogs: Arc<DialogLayer>,
    pub contact: rsipstack::sip::Uri,
    pub closed: CancellationToken,
}

impl Route {
    /// Whether this is the connection `dialogs` lives on.
    pub fn carries(&self, dialogs: &Arc<DialogLayer>) -> bool {
        Arc::ptr_eq(&self.dialogs, dialogs)
    }
}

/// The routes a registrar publishes (`None` while it has no connection).
pub(crate) type Routes = watch::Receiver<Option<Route>>;

/// Places calls for one account over its registrar's current connection.
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
            .ok_or_else(|| EndReason::Failed {
                code: 0,
                detail: "not connected to the PBX".into(),
            })?;
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
