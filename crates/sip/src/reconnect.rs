//! A call outliving its connection. The audio does not run over the PBX connection, so a call
//! whose WebSocket drops can go on: when the registration has a new connection (within
//! [`MOVE_WITHIN`]), the call's dialog is carried over to it (the stack's dialog snapshot,
//! with our new Contact) and the application sends a target-refresh re-INVITE
//! ([`CallEvent::Moved`](crate::CallEvent::Moved)) so that the other side and the proxy reach
//! us at the new address. The dialog survived when that re-INVITE is answered 2xx; otherwise
//! (481, no answer, or no connection in time) the call ends as `connection_lost`.

use crate::call::{Call, Leg};
use rsipstack::dialog::dialog::{Dialog, DialogStateReceiver};
use std::time::Duration;

/// How long a call waits for a new connection after its own dropped.
pub const MOVE_WITHIN: Duration = Duration::from_secs(30);

impl Call {
    /// Waits for the registration's next connection and moves the dialog onto it; `states`
    /// becomes the moved dialog's. Returns whether the call now runs over a new connection.
    pub(crate) async fn move_to_next_route(&self, states: &mut DialogStateReceiver) -> bool {
        let old = self.leg();
        let id = old.dialog.id();
        let mut routes = self.routes.clone();
        let waiting = tokio::time::timeout(MOVE_WITHIN, async {
            loop {
                let next = routes
                    .borrow_and_update()
                    .clone()
                    .filter(|r| !r.carries(&old.route.dialogs) && !r.closed.is_cancelled());
                if let Some(route) = next {
                    return Some(route);
                }
                if routes.changed().await.is_err() {
                    return None; // the registration is gone
                }
            }
        });
        let Ok(Some(route)) = waiting.await else {
            tracing::info!(call_id = %id.call_id, "no new connection to move the call to");
            return false;
        };
        let mut snapshot = old.dialog.snapshot();
        snapshot.local_contact = Some(route.contact.clone());
        old.route.dialogs.remove_dialog(&id);
        let (state_tx, moved_states) = route.dialogs.new_dialog_state_channel();
        match route.dialogs.restore_from_snapshot(snapshot, state_tx) {
            Ok(true) => {}
            Ok(false) => {
                tracing::info!(call_id = %id.call_id, "the call was not established; not moved");
                return false;
            }
            Err(error) => {
                tracing::warn!(%error, "the call could not be moved to the new connection");
                return false;
            }
        }
        let Some(Dialog::Invite(dialog)) = route.dialogs.get_dialog(&id) else {
            return false;
        };
        *states = moved_states;
        let moved = Leg { dialog, route };
        match self.leg.lock() {
            Ok(mut leg) => *leg = moved,
            Err(poisoned) => *poisoned.into_inner() = moved,
        }
        tracing::info!(call_id = %id.call_id, "the call moved to the new connection");
        true
    }
}
