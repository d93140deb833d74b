//! A PBX that sends too much: a SIP message over the size bound, and more calls at once than
//! the phone can queue. The connection is dropped and the line registers again; calls beyond
//! the queue are refused busy, and the ones queued still ring.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

#[path = "torture/line.rs"]
mod line;
#[path = "torture/pbx.rs"]
mod pbx;

use leadline_sip::MAX_WAITING_CALLS;
use leadline_sip::RegEvent;
use leadline_sip::transport::MAX_SIP_MESSAGE;
use line::{invite, registered};
use pbx::{Pbx, status};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_over_the_bound_drops_the_connection_and_the_line_registers_again() {
    let mut line = registered().await;
    // Just under the bound is taken (and answered: an OPTIONS padded with a long header).
    let options = |pad: usize| {
        format!(
            "OPTIONS sip:alice@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS 127.0.0.1;branch=z9hG4bKbig{pad}\r\n\
             To: <sip:alice@127.0.0.1>\r\nFrom: <sip:pbx@127.0.0.1>;tag=big\r\nCall-ID: big{pad}\r\n\
             CSeq: 1 OPTIONS\r\nX-Padding: {}\r\nContent-Length: 0\r\n\r\n",
            "p".repeat(pad)
        )
    };
    line.pbx.send(options(60 * 1024).as_bytes()).await;
    let answers = line.pbx.drain(Duration::from_millis(500)).await;
    assert!(
        answers.iter().any(|a| status(a) == Some(200)),
        "under the bound: {answers:?}"
    );
    line.assert_still_registered("a large message under the bound");

    line.pbx.send(options(MAX_SIP_MESSAGE + 1024).as_bytes()).await;
    assert!(
        line.pbx.drain(Duration::from_secs(2)).await.is_empty(),
        "over the bound: not answered, the connection closed"
    );
    // The line notices, connects again and registers.
    let mut again = Pbx::accept(&line.listener).await;
    loop {
        tokio::select! {
            event = line.events.recv() => match event.unwrap() {
                RegEvent::Registered { .. } => break,
                RegEvent::Connecting { .. } | RegEvent::RegistrationFailed { final_: false, .. } => {}
                other => panic!("{other:?}"),
            },
            _ = again.next(Duration::from_secs(10)) => {}
        }
    }
    line.pbx = again;
    line.assert_still_answers("reconnecting").await;
    line.stop.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_beyond_the_queue_are_refused_busy() {
    let mut line = registered().await;
    let flood = MAX_WAITING_CALLS + 4;
    for n in 0..flood {
        line.pbx.send(invite(&format!("flood-{n}")).as_bytes()).await;
    }
    let answers = line.pbx.drain(Duration::from_millis(800)).await;
    let busy = answers.iter().filter(|a| status(a) == Some(486)).count();
    let ringing = answers.iter().filter(|a| status(a) == Some(180)).count();
    assert_eq!(busy, flood - MAX_WAITING_CALLS, "{answers:#?}");
    assert_eq!(ringing, flood, "each call rang before its fate was known");
    // The queued ones are there for the phone, in order.
    for n in 0..MAX_WAITING_CALLS {
        let call = line.calls.try_recv().unwrap();
        assert_eq!(call.call_id, format!("flood-{n}"));
        call.reject(Some(486));
    }
    assert!(line.calls.try_recv().is_err(), "no more than the queue holds");
    line.assert_still_registered("a flood of calls");
    line.stop.cancel();
}
