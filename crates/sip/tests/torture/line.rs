#![allow(dead_code)] // each test file uses its own part

//! Leadline's registration at the test PBX ([`crate::pbx`]), with the checks every hostile-PBX
//! test ends with: still registered, still answering.

use crate::pbx::{self, Pbx, status};
use leadline_sip::{Account, Dialer, IncomingCall, Password, RegEvent, Registration, new_call_id};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// An SDP offer or answer for calls that carry no media.
pub const SDP: &str = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

/// A plain INVITE from the PBX with Call-ID `call_id`.
pub fn invite(call_id: &str) -> String {
    format!(
        "INVITE sip:alice@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS 127.0.0.1:5060;branch=z9hG4bK{call_id}\r\n\
         Max-Forwards: 70\r\nTo: <sip:alice@127.0.0.1>\r\nFrom: <sip:pbx@127.0.0.1>;tag=alive\r\n\
         Call-ID: {call_id}\r\nCSeq: 1 INVITE\r\nContact: <sip:pbx@127.0.0.1;transport=ws>\r\n\
         Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{SDP}",
        SDP.len()
    )
}

/// Leadline registered at the test PBX.
pub struct Line {
    pub pbx: Pbx,
    pub listener: TcpListener,
    pub events: mpsc::UnboundedReceiver<RegEvent>,
    pub calls: mpsc::Receiver<IncomingCall>,
    pub dialer: Dialer,
    pub stop: CancellationToken,
}

pub async fn registered() -> Line {
    let (listener, url) = pbx::listen().await;
    let account = Account {
        ws_url: url,
        username: "alice".into(),
        auth_username: None,
        domain: "127.0.0.1".into(),
        realm: None,
        display_name: None,
        password: Password::new("torture-secret"),
        ca_cert: None,
        expires: 600,
        timing: Default::default(),
    };
    let mut registration = Registration::new(account, 7).unwrap();
    let calls = registration.incoming_calls().unwrap();
    let dialer = registration.dialer();
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let stop = CancellationToken::new();
    tokio::spawn(registration.run(events_tx, stop.clone()));
    let mut pbx = Pbx::accept(&listener).await;
    loop {
        tokio::select! {
            event = events.recv() => match event.unwrap() {
                RegEvent::Registered { .. } => break,
                RegEvent::Connecting { .. } => {}
                other => panic!("not registered: {other:?}"),
            },
            message = pbx.next(Duration::from_secs(10)) => {
                assert!(message.is_some(), "Leadline sent nothing but REGISTER/OPTIONS");
            }
        }
    }
    Line {
        pbx,
        listener,
        events,
        calls,
        dialer,
        stop,
    }
}

impl Line {
    /// Fails if the line reported anything since registering (a failure, a reconnect).
    pub fn assert_still_registered(&mut self, after: &str) {
        while let Ok(event) = self.events.try_recv() {
            assert!(
                matches!(event, RegEvent::Registered { .. }),
                "after {after}: {event:?}"
            );
        }
    }

    /// Proves the stack still serves: a plain valid INVITE arrives as a call, is refused
    /// busy, and the PBX gets the 486.
    pub async fn assert_still_answers(&mut self, after: &str) {
        let call_id = format!("alive-{}", new_call_id());
        let invite = invite(&call_id);
        self.pbx.send(invite.as_bytes()).await;
        let call = tokio::time::timeout(Duration::from_secs(5), self.calls.recv())
            .await
            .unwrap_or_else(|_| panic!("after {after}: a valid INVITE no longer arrives"))
            .unwrap();
        assert_eq!(call.call_id, call_id);
        call.reject(Some(486));
        let answers = self.pbx.drain(Duration::from_millis(300)).await;
        assert!(
            answers.iter().any(|a| status(a) == Some(486)),
            "after {after}: {answers:?}"
        );
    }
}
