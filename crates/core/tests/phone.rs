//! The phone's rules that hold without a PBX: a call is refused while the line is not
//! connected (with a reason of its own), and while a finished call waits for its wrap-up — a
//! wait that outlives the process; a wrap-up whose disposition requires notes is refused
//! without them and changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

use leadline_core::phone::{
    Account, CallRecord, Dial, Discard, MediaConfig, Password, PhoneEvent, PhoneSetup, Silence, WrapUp,
};
use leadline_core::store::model::Direction;
use leadline_core::{ErrorKind, Handle};
use std::sync::{Arc, Mutex};

fn unreachable_pbx() -> PhoneSetup {
    // Port 9 (discard) on loopback: nothing listens, the connection is refused.
    PhoneSetup {
        account: Account {
            ws_url: "ws://127.0.0.1:9".into(),
            username: "1001".into(),
            auth_username: None,
            domain: "127.0.0.1".into(),
            realm: None,
            display_name: None,
            password: Password::new("not-used"),
            ca_cert: None,
            expires: 600,
            timing: Default::default(),
        },
        record_calls: true,
        media: MediaConfig::default(),
        audio: Arc::new(|_| Ok((Box::new(Silence), Box::new(Discard)))),
        seed: 7,
        tones: false,
    }
}

fn dial() -> Dial {
    Dial {
        destination: "+1 555 0100".into(),
        lead: None,
        ring_timeout: Some(30.0),
    }
}

#[tokio::test]
async fn calls_wait_for_the_line_and_for_the_last_wrap_up_even_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let handle = Handle::open(dir.path()).unwrap();
    let heard = Arc::new(Mutex::new(Vec::new()));
    let noted = heard.clone();
    let phone = handle
        .start_phone(
            unreachable_pbx(),
            Arc::new(move |event: PhoneEvent| noted.lock().unwrap().push(event)),
        )
        .unwrap();
    let refused = phone.dial(&dial()).await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::NotConnected, "{refused}");

    // A call ends without its wrap-up, then the process "restarts".
    let call = handle
        .record_call_start(&CallRecord {
            direction: Direction::Outbound,
            local: "1001".into(),
            remote: "+15550100".into(),
            pbx_call_id: "call-1".into(),
            lead: None,
        })
        .unwrap();
    let due = handle.record_call_end(call.id, None).unwrap();
    assert_eq!(due.call, call.id);
    assert!(!due.dispositions.is_empty());
    assert_eq!(
        due.default_disposition,
        due.dispositions.iter().find(|d| d.is_default).map(|d| d.id),
        "the tenant's default is preselected"
    );
    handle.stop_phone().await;
    drop((phone, handle));

    let handle = Handle::open(dir.path()).unwrap();
    let pending = handle.pending_wrap_ups().unwrap();
    assert_eq!(pending.len(), 1, "the wrap-up is still due after the restart");
    assert_eq!(pending[0].call_id.as_deref(), Some("call-1"));
    let phone = handle.start_phone(unreachable_pbx(), Arc::new(|_| {})).unwrap();
    let refused = phone.dial(&dial()).await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::WrapUpPending, "{refused}");
    // A device set to allow calls during wrap-up lets this one through (to the line's check).
    handle.set_calls_during_wrap_up(true).unwrap();
    let refused = phone.dial(&dial()).await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::NotConnected, "{refused}");
    handle.set_calls_during_wrap_up(false).unwrap();
    let refused = phone.dial(&dial()).await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::WrapUpPending, "{refused}");

    // A disposition that requires notes is refused without them, and nothing changes.
    let needs_notes = pending[0]
        .dispositions
        .iter()
        .find(|d| d.requires_note)
        .expect("the demo tenant has a disposition that requires notes");
    let mut wrap_up = WrapUp {
        call: call.id,
        disposition: needs_notes.name.to_uppercase(),
        notes: Some("   ".into()),
        status: None,
        followup: None,
    };
    let refused = handle.wrap_up(&wrap_up).unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Rule, "{refused}");
    assert_eq!(handle.pending_wrap_ups().unwrap().len(), 1);
    wrap_up.notes = Some("Call back after the budget meeting".into());
    let closed = handle.wrap_up(&wrap_up).unwrap();
    assert_eq!(closed.disposition_id, Some(needs_notes.id));
    assert!(handle.pending_wrap_ups().unwrap().is_empty());

    // With the wrap-up done, only the line stands in the way.
    let refused = phone.dial(&dial()).await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::NotConnected, "{refused}");
    handle.stop_phone().await;
    assert!(
        heard
            .lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, PhoneEvent::Line { .. })),
        "the line reported its state"
    );
}
