//! A connection to the PBX as calls see it. The registration publishes each connection it
//! opens as a [`Route`]; dialers place calls on the current one and calls move to the next one
//! when theirs drops.

use rsipstack::dialog::dialog_layer::DialogLayer;
use std::sync::Arc;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// A connection to the PBX as calls see it: the dialogs living on it, where the PBX reaches us
/// over it, a token cancelled when it closes, and how long a call whose connection drops
/// waits for the next one.
#[derive(Clone)]
pub(crate) struct Route {
    pub dialogs: Arc<DialogLayer>,
    pub contact: rsipstack::sip::Uri,
    pub closed: CancellationToken,
    pub move_within: std::time::Duration,
}

impl Route {
    /// Whether this is the connection `dialogs` lives on.
    pub fn carries(&self, dialogs: &Arc<DialogLayer>) -> bool {
        Arc::ptr_eq(&self.dialogs, dialogs)
    }
}

/// The routes a registration publishes (`None` while it has no connection).
pub(crate) type Routes = watch::Receiver<Option<Route>>;
