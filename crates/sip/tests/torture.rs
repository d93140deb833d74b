//! The SIP torture messages of RFC 4475 and RFC 5118, delivered to Leadline's registration over
//! its WebSocket by a test PBX: as requests outside a dialog, as requests inside an answered
//! call, and as responses to Leadline's own INVITE. For every message: no panic, the line stays
//! registered, no call is left stuck, a valid request is answered and an invalid one is never
//! accepted. The counts are printed for `docs/reliability.md`. `TORTURE_ONLY=wsinv,esc01`
//! limits the in-dialog run to those messages.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

#[path = "torture/line.rs"]
mod line;
#[path = "torture/pbx.rs"]
mod pbx;

use leadline_sip::{CallEvent, EndReason, GiveUp, new_call_id};
use line::{SDP, registered};
use pbx::{header, header_name, method, reply, status};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Messages RFC 4475 and RFC 5118 call valid (the rest are invalid on purpose).
const VALID: &[&str] = &[
    "wsinv",
    "intmeth",
    "esc01",
    "escnull",
    "esc02",
    "lwsdisp",
    "longreq",
    "dblreq",
    "semiuri",
    "transports",
    "mpart01",
    "unreason",
    "noreason",
    "badbranch",
    "unksm2",
    "regaut01",
    "cparam01",
    "cparam02",
    "regescrt",
    "inv2543",
    "zeromf",
    "ipv6-good",
    "port-ambiguous",
    "port-unambiguous",
    "via-received-plain",
    "ipv6-in-sdp",
    "mult-ip-in-header",
    "mult-ip-in-sdp",
    "ipv4-mapped-ipv6",
    "ipv6-2-colons",
];

/// Valid messages the SIP stack's parser drops unanswered: line folding (`wsinv`), methods it
/// does not know (`intmeth`, `esc02`), RFC 2543 transaction ids without `z9hG4bK`
/// (`inv2543`). Nothing breaks (the tests prove it); they are listed so that a change either
/// way is noticed.
const DROPPED_BY_THE_STACK: &[&str] = &["esc02", "intmeth", "inv2543", "wsinv"];

/// Messages RFC 4475 lets an element either refuse or accept leniently.
const EITHER: &[&str] = &["trws"];

/// Every torture message: (name, bytes).
fn messages() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/torture");
    let mut out = Vec::new();
    for set in ["rfc4475", "rfc5118"] {
        let mut files: Vec<_> = std::fs::read_dir(dir.join(set))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for file in files {
            let name = file.file_stem().unwrap().to_string_lossy().into_owned();
            out.push((name, std::fs::read(&file).unwrap()));
        }
    }
    assert_eq!(out.len(), 49 + 12, "RFC 4475's 49 messages and 12 of RFC 5118");
    out
}

/// Counts panics anywhere in the process (the stack's tasks included).
fn count_panics() -> Arc<AtomicUsize> {
    let panics = Arc::new(AtomicUsize::new(0));
    let seen = panics.clone();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        seen.fetch_add(1, Ordering::SeqCst);
        previous(info);
    }));
    panics
}

/// What became of one message.
#[derive(Debug, Default)]
struct Tally {
    delivered: usize,
    answered_valid: usize,
    refused_invalid: usize,
    dropped_invalid: usize,
    responses_dropped: usize,
    lenient: usize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn torture_requests_outside_a_dialog() {
    let panics = count_panics();
    let mut line = registered().await;
    let mut tally = Tally::default();
    let mut unanswered_valid = Vec::new();
    let mut accepted_invalid = Vec::new();
    for (name, bytes) in messages() {
        tally.delivered += 1;
        line.pbx.send(&bytes).await;
        // A call the message started rings nowhere: refuse it as busy at once.
        let mut replies = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_millis(300);
        loop {
            tokio::select! {
                Some(call) = line.calls.recv() => call.reject(Some(486)),
                message = line.pbx.next(Duration::from_millis(150)) => match message {
                    Some(m) => replies.push(m),
                    None if tokio::time::Instant::now() > deadline => break,
                    None => {}
                },
            }
        }
        let finals: Vec<u16> = replies
            .iter()
            .filter_map(|r| status(r))
            .filter(|s| *s >= 200)
            .collect();
        let is_response = std::str::from_utf8(&bytes).is_ok_and(|t| t.starts_with("SIP/"));
        let valid = VALID.contains(&name.as_str());
        println!("{name}: {finals:?}");
        if is_response {
            assert!(
                replies.is_empty(),
                "{name}: a stray response is dropped, not answered: {replies:?}"
            );
            tally.responses_dropped += 1;
        } else if EITHER.contains(&name.as_str()) {
            tally.lenient += 1;
        } else if valid {
            if finals.is_empty() {
                unanswered_valid.push(name.clone());
            } else {
                tally.answered_valid += 1;
            }
        } else {
            if finals.iter().any(|s| *s < 300) {
                accepted_invalid.push(name.clone());
            } else if finals.is_empty() {
                tally.dropped_invalid += 1;
            } else {
                tally.refused_invalid += 1;
            }
        }
        line.assert_still_registered(&name);
    }
    line.assert_still_answers("every torture message").await;
    assert_eq!(panics.load(Ordering::SeqCst), 0, "no panic");
    println!(
        "TORTURE outside a dialog: {tally:?}; valid requests unanswered: {unanswered_valid:?}; \
         invalid requests accepted: {accepted_invalid:?}"
    );
    assert!(
        accepted_invalid.is_empty(),
        "invalid requests are never accepted: {accepted_invalid:?}"
    );
    assert_eq!(
        unanswered_valid, DROPPED_BY_THE_STACK,
        "valid requests get an answer, but for those the stack cannot parse"
    );
    line.stop.cancel();
}

/// Replaces the dialog-identifying header lines of `message` with `dialog`'s.
fn into_dialog(message: &[u8], call_id: &str, from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(message);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return message.to_vec();
    };
    let mut lines = Vec::new();
    for line in head.split("\r\n") {
        lines.push(match header_name(line).as_str() {
            "call-id" | "i" => format!("Call-ID: {call_id}"),
            "from" | "f" => format!("From: {from}"),
            "to" | "t" => format!("To: {to}"),
            _ => line.to_owned(),
        });
    }
    format!("{}\r\n\r\n{body}", lines.join("\r\n")).into_bytes()
}

/// A call the PBX placed and Leadline answered (and the PBX acknowledged): its identifiers,
/// and the phone's side, which accepts every re-INVITE and returns how the call ended.
struct Answered {
    call_id: String,
    from: &'static str,
    to: String,
    phone: tokio::task::JoinHandle<EndReason>,
}

impl Answered {
    async fn on(line: &mut line::Line) -> Answered {
        let call_id = format!("dialog-{}", new_call_id());
        let invite = format!(
            "INVITE sip:alice@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS 127.0.0.1:5060;branch=z9hG4bKdlg1\r\n\
             Max-Forwards: 70\r\nTo: <sip:alice@127.0.0.1>\r\nFrom: <sip:pbx@127.0.0.1>;tag=pbxside\r\n\
             Call-ID: {call_id}\r\nCSeq: 1 INVITE\r\nContact: <sip:pbx@127.0.0.1;transport=ws>\r\n\
             Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{SDP}",
            SDP.len()
        );
        line.pbx.send(invite.as_bytes()).await;
        let incoming = tokio::time::timeout(Duration::from_secs(5), line.calls.recv())
            .await
            .unwrap()
            .unwrap();
        let call = incoming.answer(SDP.to_owned()).unwrap();
        let phone = tokio::spawn(async move {
            loop {
                match call.next_event().await {
                    CallEvent::Reoffer(offer) => {
                        tokio::spawn(offer.accept(SDP.to_owned()));
                    }
                    CallEvent::Ended(reason) => return reason,
                    _ => {}
                }
            }
        });
        let replies = line.pbx.drain(Duration::from_millis(300)).await;
        let ok = replies
            .iter()
            .find(|r| status(r) == Some(200))
            .unwrap_or_else(|| panic!("answered: {replies:?}"));
        let answered = Answered {
            call_id,
            from: "<sip:pbx@127.0.0.1>;tag=pbxside",
            to: header(ok, &["To", "t"]).unwrap().to_owned(),
            phone,
        };
        line.pbx
            .send(answered.request("ACK", 1, "dlgack").as_bytes())
            .await;
        answered
    }

    /// A request of the PBX's inside the call, without a body.
    fn request(&self, method: &str, cseq: u32, branch: &str) -> String {
        format!(
            "{method} sip:alice@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS 127.0.0.1:5060;branch=z9hG4bK{branch}\r\n\
             Max-Forwards: 70\r\nTo: {to}\r\nFrom: {from}\r\nCall-ID: {call_id}\r\nCSeq: {cseq} {method}\r\n\
             Content-Length: 0\r\n\r\n",
            to = self.to,
            from = self.from,
            call_id = self.call_id,
        )
    }

    /// The PBX hangs up with CSeq `cseq`: the call ends as the far side's hang-up.
    async fn hang_up(self, line: &mut line::Line, cseq: u32) {
        line.pbx
            .send(self.request("BYE", cseq, "dlgbye").as_bytes())
            .await;
        let after_bye = line.pbx.drain(Duration::from_millis(300)).await;
        println!("after BYE: {after_bye:?}");
        let ended = tokio::time::timeout(Duration::from_secs(5), self.phone)
            .await
            .expect("the call ends")
            .unwrap();
        assert_eq!(ended, EndReason::RemoteHangup);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_out_of_order_request_in_a_call_gets_500() {
    let mut line = registered().await;
    let call = Answered::on(&mut line).await;
    let statuses = |replies: Vec<String>| replies.iter().filter_map(|r| status(r)).collect::<Vec<_>>();
    line.pbx.send(call.request("INFO", 10, "info10").as_bytes()).await;
    let in_order = statuses(line.pbx.drain(Duration::from_millis(300)).await);
    assert!(
        !in_order.contains(&500),
        "CSeq 10 after 1 is in order: {in_order:?}"
    );
    line.pbx.send(call.request("INFO", 5, "info5").as_bytes()).await;
    let late = statuses(line.pbx.drain(Duration::from_millis(300)).await);
    assert_eq!(late, [500], "CSeq 5 after 10 is out of order (RFC 3261 12.2.2)");
    call.hang_up(&mut line, 11).await;
    line.stop.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn torture_requests_inside_an_answered_call() {
    let panics = count_panics();
    let mut line = registered().await;
    let call = Answered::on(&mut line).await;
    let (call_id, from, to) = (call.call_id.clone(), call.from, call.to.clone());
    let mut delivered = 0;
    for (name, bytes) in messages() {
        if std::str::from_utf8(&bytes).is_ok_and(|t| t.starts_with("SIP/")) {
            continue;
        }
        if std::env::var("TORTURE_ONLY").is_ok_and(|only| !only.split(',').any(|o| o == name)) {
            continue;
        }
        delivered += 1;
        line.pbx.send(&into_dialog(&bytes, &call_id, from, &to)).await;
        let replies = line.pbx.drain(Duration::from_millis(200)).await;
        println!(
            "in dialog {name}: {:?}",
            replies
                .iter()
                .map(|r| r.lines().next().unwrap_or_default().to_owned())
                .collect::<Vec<_>>()
        );
        // A re-INVITE answered 200 is acknowledged, as a PBX would.
        for ok in replies.iter().filter(|r| status(r) == Some(200)) {
            if header(ok, &["CSeq"]).is_some_and(|c| c.ends_with("INVITE")) {
                let ack = format!(
                    "ACK sip:alice@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS 127.0.0.1:5060;branch=z9hG4bKack{delivered}\r\n\
                     Max-Forwards: 70\r\nTo: {to}\r\nFrom: {from}\r\nCall-ID: {call_id}\r\nCSeq: {} ACK\r\nContent-Length: 0\r\n\r\n",
                    header(ok, &["CSeq"])
                        .unwrap_or_default()
                        .split(' ')
                        .next()
                        .unwrap_or("1")
                );
                line.pbx.send(ack.as_bytes()).await;
            }
        }
        let accepted_bye = replies.iter().any(|r| status(r) == Some(200))
            && method(std::str::from_utf8(&bytes).unwrap_or_default()) == Some("BYE");
        assert!(
            !accepted_bye || VALID.contains(&name.as_str()),
            "{name}: an invalid BYE ended the call"
        );
        line.assert_still_registered(&name);
    }
    // A proper BYE ends the call: it was not stuck.
    call.hang_up(&mut line, 4_294_967_290).await;
    line.assert_still_answers("torture inside a dialog").await;
    assert_eq!(panics.load(Ordering::SeqCst), 0, "no panic");
    println!("TORTURE inside a dialog: {delivered} requests delivered");
    line.stop.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn torture_responses_to_our_invite() {
    let panics = count_panics();
    let mut line = registered().await;
    let dialer = line.dialer.clone();
    let calling = tokio::spawn(async move {
        dialer
            .call(
                "bob",
                &new_call_id(),
                SDP.to_owned(),
                |_| {},
                GiveUp {
                    ring_timeout: Duration::from_secs(30),
                    cancel: CancellationToken::new(),
                },
            )
            .await
    });
    let invite = loop {
        let message = line.pbx.next(Duration::from_secs(5)).await.expect("the INVITE");
        if method(&message) == Some("INVITE") {
            break message;
        }
    };
    let mut delivered = 0;
    for (name, bytes) in messages() {
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        if !text.starts_with("SIP/") {
            continue;
        }
        // The torture status line and headers, with this transaction's identifiers.
        let (status_line, rest) = text.split_once("\r\n").unwrap();
        let ours = reply(&invite, status_line.trim_start_matches("SIP/2.0 "), &[]);
        let ids: String = ours
            .split("\r\n")
            .skip(1)
            .take_while(|l| !l.is_empty() && !l.starts_with("Content-Length"))
            .map(|l| format!("{l}\r\n"))
            .collect();
        let weird: String = rest
            .split("\r\n")
            .take_while(|l| !l.is_empty())
            .filter(|l| {
                let n = header_name(l);
                ![
                    "via",
                    "v",
                    "from",
                    "f",
                    "to",
                    "t",
                    "call-id",
                    "i",
                    "cseq",
                    "content-length",
                    "l",
                ]
                .contains(&n.as_str())
            })
            .map(|l| format!("{l}\r\n"))
            .collect();
        let message = format!("{status_line}\r\n{ids}{weird}Content-Length: 0\r\n\r\n");
        delivered += 1;
        line.pbx.send(message.as_bytes()).await;
        let _ = line.pbx.drain(Duration::from_millis(150)).await;
        line.assert_still_registered(&name);
    }
    // The call attempt still ends properly: busy.
    line.pbx
        .send(reply(&invite, "486 Busy Here", &[]).as_bytes())
        .await;
    let outcome = tokio::time::timeout(Duration::from_secs(10), calling)
        .await
        .expect("the call attempt ends")
        .unwrap();
    // RFC 4475's `unreason` is a valid 200 OK: the call may be up; then it hangs up cleanly.
    if let Ok(call) = outcome {
        let hanging_up = tokio::spawn(async move { call.hangup().await });
        if let Some(bye) = line
            .pbx
            .next(Duration::from_secs(5))
            .await
            .filter(|m| method(m) == Some("BYE"))
        {
            line.pbx.send(reply(&bye, "200 OK", &[]).as_bytes()).await;
        }
        let ended = tokio::time::timeout(Duration::from_secs(5), hanging_up)
            .await
            .expect("the call hangs up")
            .unwrap();
        assert_eq!(ended, EndReason::LocalHangup);
    }
    let _ = line.pbx.drain(Duration::from_millis(200)).await;
    line.assert_still_answers("torture responses").await;
    assert_eq!(panics.load(Ordering::SeqCst), 0, "no panic");
    println!("TORTURE responses to our INVITE: {delivered} delivered");
    line.stop.cancel();
}
