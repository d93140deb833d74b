//! The demo can call: the app's demo tenant gets a line on the built-in demo PBX, the agent's
//! phone registers to it on start, a call to a demo lead's number is answered with the
//! greeting and then echoes the agent's voice, and "call me" makes a demo lead call the agent
//! with the screen pop naming the lead. Real phone, real media on both ends, loopback only;
//! uses the real OS keychain.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

#[path = "../../cli/tests/pbx/mod.rs"]
mod pbx;

use leadline_core::phone::{AudioFactory, Dial, PhoneEvent, PhoneStatus, WavRecorder, WavSource, WrapUp};
use leadline_core::{Handle, LeadFilter};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// The next event `wanted` picks, within 15 s.
async fn expect(
    events: &mut mpsc::UnboundedReceiver<PhoneEvent>,
    what: &str,
    wanted: impl Fn(&PhoneEvent) -> bool,
) -> PhoneEvent {
    let waiting = async {
        loop {
            match events.recv().await {
                Some(event) if wanted(&event) => return event,
                Some(_) => {}
                None => panic!("the phone stopped before {what}"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(15), waiting)
        .await
        .unwrap_or_else(|_| panic!("no {what} within 15 s"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_agent_calls_the_demo_line_hears_the_greeting_then_itself_and_is_called_back() {
    let dir = tempfile::tempdir().unwrap();
    let handle = Handle::open(&dir.path().join("profile")).unwrap();
    let demo = handle
        .start_demo()
        .await
        .unwrap()
        .expect("a new profile is the demo");
    let line = demo.line().expect("the demo has a phone line");
    assert!(line.url().starts_with("ws://127.0.0.1:"), "{}", line.url());
    let (account, on_start) = handle.sip_account().unwrap();
    assert_eq!(
        account.ws_url,
        line.url(),
        "the demo agent's account points at the demo PBX"
    );
    assert!(on_start, "the demo line registers on start");

    // The agent speaks a 1000 Hz tone; each call records what the agent hears.
    let voice = dir.path().join("voice.wav");
    pbx::tone_file(&voice, 1000.0, 8000, 1, 60.0);
    let recordings = dir.path().to_owned();
    let audio: AudioFactory = Arc::new(move |n| {
        Ok((
            Box::new(WavSource::open(&voice)?),
            Box::new(WavRecorder::new(&recordings.join(format!("heard-{n}.wav")))),
        ))
    });
    let (tx, mut events) = mpsc::unbounded_channel();
    let phone = handle
        .start_agent_phone(audio, 7, Arc::new(move |e: PhoneEvent| drop(tx.send(e))))
        .expect("the demo agent's phone starts");
    expect(&mut events, "registered", |e| {
        matches!(
            e,
            PhoneEvent::Line {
                status: PhoneStatus::Registered { .. }
            }
        )
    })
    .await;
    assert!(line.agent_registered());

    // A call to a demo lead: ringing, answered, the greeting, then our own voice.
    let lead = handle
        .leads(&LeadFilter {
            limit: 50,
            ..LeadFilter::default()
        })
        .unwrap()
        .into_iter()
        .find(|c| c.lead.phone.is_some())
        .expect("a demo lead with a phone");
    let call = phone
        .dial(&Dial {
            destination: lead.lead.phone.clone().unwrap(),
            lead: Some(lead.lead.id),
            ring_timeout: Some(10.0),
        })
        .await
        .unwrap();
    expect(
        &mut events,
        "ringing",
        |e| matches!(e, PhoneEvent::Ringing { call_id, .. } if *call_id == call),
    )
    .await;
    expect(
        &mut events,
        "answered",
        |e| matches!(e, PhoneEvent::Answered { call_id, .. } if *call_id == call),
    )
    .await;
    let greeting = WavSource::from_bytes(include_bytes!("../assets/demo-greeting.wav"), "greeting")
        .unwrap()
        .duration();
    tokio::time::sleep(greeting + Duration::from_secs(3)).await;
    phone.hangup(&call).await.unwrap();
    expect(
        &mut events,
        "ended",
        |e| matches!(e, PhoneEvent::Ended { call_id, .. } if *call_id == call),
    )
    .await;
    let due = match expect(&mut events, "wrap-up", |e| matches!(e, PhoneEvent::WrapUpDue(_))).await {
        PhoneEvent::WrapUpDue(due) => due,
        _ => unreachable!(),
    };
    assert_eq!(due.lead, Some(lead.lead.id), "the call is on the lead called");

    let (heard, rate) = leadline_core::media::audio::read_wav(&dir.path().join("heard-0.wav")).unwrap();
    let rate_us = rate as usize;
    let spoken = &heard[..(greeting.as_secs_f64() * 0.6 * rate as f64) as usize];
    let said = leadline_core::media::tone::detect(spoken, rate, 1000.0);
    assert!(
        said.silent_blocks < said.blocks / 2 && said.tone_blocks == 0,
        "the greeting is heard first, not our voice: {said:?}"
    );
    let last = &heard[heard.len().saturating_sub(2 * rate_us)..];
    let echoed = leadline_core::media::tone::detect(last, rate, 1000.0);
    assert!(
        echoed.tone_share() > 0.8,
        "then our own voice comes back: {echoed:?}"
    );

    // "Call me": a demo lead calls the agent; the screen pop names it.
    handle
        .wrap_up(&WrapUp {
            call: due.call,
            disposition: due.default_disposition.unwrap().0.to_string(),
            notes: None,
            status: None,
            followup: None,
        })
        .unwrap();
    let incoming = line.call_agent(&handle).await.unwrap();
    let pop = expect(
        &mut events,
        "incoming",
        |e| matches!(e, PhoneEvent::Incoming { call_id, .. } if *call_id == incoming),
    )
    .await;
    let PhoneEvent::Incoming {
        caller_name,
        caller_number,
        leads,
        ..
    } = pop
    else {
        unreachable!()
    };
    let caller_name = caller_name.expect("the demo lead's name is shown");
    assert!(!caller_number.is_empty());
    assert!(
        leads.iter().any(|m| m.lead.lead.name == caller_name),
        "the screen pop finds the calling lead {caller_name:?} by {caller_number}: {leads:?}"
    );
    phone.answer(&incoming).await.unwrap();
    expect(
        &mut events,
        "answered",
        |e| matches!(e, PhoneEvent::Answered { call_id, .. } if *call_id == incoming),
    )
    .await;
    phone.hangup(&incoming).await.unwrap();
    expect(
        &mut events,
        "ended",
        |e| matches!(e, PhoneEvent::Ended { call_id, .. } if *call_id == incoming),
    )
    .await;
    handle.stop_phone().await;
}
