//! A call outliving its connection. The audio does not run over the PBX connection, so a call
//! whose WebSocket drops can go on: when the registration has a new connection (within the
//! window its [`CallState`](crate::CallState) keeps, the line's `move_within`), the call's dialog is carried over to it (the stack's dialog snapshot,
//! with our new Contact) and the application sends a target-refresh re-INVITE
//! ([`CallEvent::Moved`](crate::CallEvent::Moved)) so that the other side and the proxy reach
//! us at the new address. The dialog survived when that re-INVITE is answered 2xx; otherwise
//! (481, no answer, or no connection in time) the call ends as `connection_lost`.

use crate::call::{Call, Leg, sleep_until};
use crate::call_state::Step;
use rsipstack::dialog::dialog::{Dialog, DialogStateReceiver};
use std::time::Instant;

impl Call {
    /// Waits for the registration's next connection and moves the dialog onto it; `states`
    /// becomes the moved dialog's. Returns whether the call now runs over a new connection.
    pub(crate) async fn move_to_next_route(&self, states: &mut DialogStateReceiver) -> bool {
        let old = self.leg();
        let id = old.dialog.id();
        let mut routes = self.routes.clone();
        self.with_state(|s| s.on_connection_lost(Instant::now(), old.route.move_within));
        let route = loop {
            let next = routes
                .borrow_and_update()
                .clone()
                .filter(|r| !r.carries(&old.route.dialogs) && !r.closed.is_cancelled());
            if let Some(route) = next {
                break route;
            }
            let deadline = self.with_state(|s| s.next_deadline());
            tokio::select! {
                changed = routes.changed() => {
                    if changed.is_err() {
                        tracing::info!(call_id = %id.call_id, "the registration is gone");
                        return false;
                    }
                }
                () = sleep_until(deadline) => {
                    if let Step::End(_) = self.with_state(|s| s.on_time(Instant::now())) {
                        tracing::info!(call_id = %id.call_id, "no new connection to move the call to");
                        return false;
                    }
                }
            }
        };
        self.with_state(|s| s.on_moved());
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
