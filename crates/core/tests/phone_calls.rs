//! The core's phone driven as the desktop app drives it, against real peers: the agent signs in
//! to a tenant server (in this process), the phone registers with Kamailio, and calls go to and
//! come from baresip, with a tone heard each way, hold and resume, call waiting with a screen
//! pop, and the CRM record and wrap-up reaching the server exactly once.
//!
//! Each test runs in a private network namespace (loopback only) and uses the real keychain
//! (`scripts/with-keyring.sh`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

#[path = "../../cli/tests/common/mod.rs"]
mod common;
#[path = "../../cli/tests/pbx/mod.rs"]
mod pbx;

use leadline_core::Handle;
use leadline_core::media::audio::AudioSink;
use leadline_core::media::devices::DeviceRole;
use leadline_core::phone::{
    AudioFactory, DeviceChange, Dial, Phone, PhoneEvent, PhoneStatus, Side, WavRecorder, WavSource, WrapUp,
    WrapUpDue,
};
use leadline_core::store::model::LeadId;
use pbx::{Baresip, Kamailio, User, tone_file, tone_in};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

const ANA: User = User::plain("1001", "ana-sip-secret");
const CARL: User = User::plain("3003", "carl-sip-secret");
/// A customer's phone; one lead's phone number is theirs.
const CUSTOMER: User = User::plain("15550103003", "customer-sip-secret");
/// The customer's number as the lead has it.
const LEAD_PHONE: &str = "+1 555-010-3003";

/// The agent at work: a tenant server whose agent has Ana's SIP account (registering on
/// start), a lead whose phone is the customer's, the signed-in profile and its running phone.
struct Agent {
    seeded: common::Seeded,
    server: Option<leadline_tenant_server::RunningServer>,
    handle: Handle,
    phone: Phone,
    events: mpsc::UnboundedReceiver<PhoneEvent>,
    lead: LeadId,
    dir: tempfile::TempDir,
}

impl Drop for Agent {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop();
        }
    }
}

/// Where the agent's calls talk.
enum CallsAudio {
    /// Our 1000 Hz file, recorded per call ([`audio`]).
    Files,
    /// The chosen devices (the test's PulseAudio microphone and speaker).
    Devices,
    /// This factory.
    Given(AudioFactory),
}

/// Our 1000 Hz, and where the call numbered `n` records what it hears.
fn audio(dir: &Path) -> AudioFactory {
    let ours = dir.join("tone1000.wav");
    tone_file(&ours, 1000.0, 8000, 1, 60.0);
    let dir = dir.to_owned();
    Arc::new(move |n| {
        Ok((
            Box::new(WavSource::open(&ours)?),
            Box::new(WavRecorder::new(&heard(&dir, n))),
        ))
    })
}

fn heard(dir: &Path, n: usize) -> PathBuf {
    dir.join(format!("heard-{n}.wav"))
}

impl Agent {
    async fn start(kamailio: &Kamailio) -> Agent {
        Agent::start_with(kamailio, CallsAudio::Files).await
    }

    /// [`Agent::start`] with the calls' audio from `audio`.
    async fn start_with(kamailio: &Kamailio, audio: CallsAudio) -> Agent {
        let seeded = common::seeded("Northwind Solar", "northwind", 30, 7);
        let email = common::agent(&seeded.tenant);
        let sealed = seeded.server.key().encrypt(ANA.password).unwrap();
        let (ws_url, who) = (kamailio.ws_url(), email.clone());
        let lead: i64 = seeded.server.db().run_now(move |c| {
            c.execute(
                "UPDATE agent_sip_credentials SET sip_ws_url = ?1, sip_username = ?2, sip_domain = ?3,
                 sip_password = ?4, auto_register = 1 WHERE user_id = (SELECT id FROM users WHERE email = ?5)",
                (ws_url, ANA.name, pbx::DOMAIN, sealed, who),
            )
            .unwrap();
            let lead: i64 = c.query_row("SELECT min(id) FROM leads", [], |r| r.get(0)).unwrap();
            c.execute("UPDATE leads SET phone = ?1 WHERE id = ?2", (LEAD_PHONE, lead))
                .unwrap();
            lead
        });
        let server = seeded
            .server
            .clone()
            .spawn("127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let handle = Handle::open(&dir.path().join("profile")).unwrap();
        handle
            .login(&server.url(), &email, "leadline-demo")
            .await
            .unwrap();
        handle.sync(&mut |_| {}).await.unwrap();
        let (tx, events) = mpsc::unbounded_channel();
        let listener = Arc::new(move |event: PhoneEvent| {
            let _ = tx.send(event);
        });
        let phone = handle
            .start_agent_phone(
                match audio {
                    CallsAudio::Files => self::audio(dir.path()),
                    CallsAudio::Devices => handle.device_audio(),
                    CallsAudio::Given(audio) => audio,
                },
                7,
                listener,
            )
            .expect("the agent's phone starts (register on start)");
        let mut agent = Agent {
            seeded,
            server: Some(server),
            handle,
            phone,
            events,
            lead: LeadId(lead),
            dir,
        };
        agent
            .expect("registered", |e| {
                matches!(
                    e,
                    PhoneEvent::Line {
                        status: PhoneStatus::Registered { .. }
                    }
                )
            })
            .await;
        agent
    }

    /// Calls `destination` (on `lead`, if given) and waits until it is answered; returns the
    /// call's id.
    async fn call_answered(&mut self, destination: &str, lead: Option<LeadId>) -> String {
        let call = self
            .phone
            .dial(&Dial {
                destination: destination.into(),
                lead,
                ring_timeout: Some(30.0),
            })
            .await
            .unwrap();
        self.expect(
            "answered",
            |e| matches!(e, PhoneEvent::Answered { call_id, .. } if *call_id == call),
        )
        .await;
        call
    }

    /// The next event that `wanted` picks, within 15 s.
    async fn expect(&mut self, what: &str, wanted: impl Fn(&PhoneEvent) -> bool) -> PhoneEvent {
        let waiting = async {
            loop {
                match self.events.recv().await {
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

    async fn wrap_up_due(&mut self, call_id: &str) -> WrapUpDue {
        match self
            .expect(
                "wrap_up_due",
                |e| matches!(e, PhoneEvent::WrapUpDue(due) if due.call_id.as_deref() == Some(call_id)),
            )
            .await
        {
            PhoneEvent::WrapUpDue(due) => due,
            _ => unreachable!(),
        }
    }

    /// `(codec, loss_percent)` of the quality the server keeps for the SIP call `call_id`.
    fn quality_on_server(&self, call_id: &str) -> Option<(String, f64)> {
        let call_id = call_id.to_owned();
        self.seeded.server.db().run_now(move |c| {
            c.query_row(
                "SELECT json_extract(quality, '$.codec'), json_extract(quality, '$.loss_percent')
                 FROM calls WHERE pbx_call_id = ?1 AND json_extract(quality, '$.mos') >= 4.0",
                [&call_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .ok()
        })
    }

    /// `(calls, activities)` the server holds for the SIP call `call_id`.
    fn on_server(&self, call_id: &str, notes: &str) -> (i64, i64) {
        let (call_id, notes) = (call_id.to_owned(), notes.to_owned());
        self.seeded.server.db().run_now(move |c| {
            let calls = c
                .query_row(
                    "SELECT count(*) FROM calls WHERE pbx_call_id = ?1 AND disposition_id IS NOT NULL
                     AND wrapup_notes = ?2 AND duration_seconds >= 1",
                    (&call_id, &notes),
                    |r| r.get(0),
                )
                .unwrap();
            let activities = c
                .query_row(
                    "SELECT count(*) FROM lead_activities WHERE type = 'call'
                     AND json_extract(payload_json, '$.call_id') = (SELECT id FROM calls WHERE pbx_call_id = ?1)",
                    [&call_id],
                    |r| r.get(0),
                )
                .unwrap();
            (calls, activities)
        })
    }
}

/// baresip as `user` on `port`, playing `frequency` Hz (a tone file in `dir`), answering by
/// itself when `answers`.
fn peer(user: User, port: u16, dir: &Path, frequency: f64, answers: bool) -> Baresip {
    let tone = dir.join(format!("tone{frequency}.wav"));
    tone_file(&tone, frequency, 8000, 1, 60.0);
    Baresip::start(user, port, &tone, "PCMU", answers)
}

fn ended(event: &PhoneEvent, call: &str) -> bool {
    matches!(event, PhoneEvent::Ended { call_id, .. } if call_id == call)
}

#[test]
fn the_agent_calls_a_lead_holds_resumes_wraps_up_with_notes_and_the_server_has_it_once() {
    if pbx::rerun_isolated(
        "the_agent_calls_a_lead_holds_resumes_wraps_up_with_notes_and_the_server_has_it_once",
    ) {
        return;
    }
    let kamailio = Kamailio::start(&[ANA, CUSTOMER], 60);
    let tones = tempfile::tempdir().unwrap();
    let customer = peer(CUSTOMER, 5070, tones.path(), 440.0, true);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut agent = Agent::start(&kamailio).await;
        // The lead's number as the PBX routes it (digits only).
        let lead = agent.lead;
        let call_id = agent.call_answered(CUSTOMER.name, Some(lead)).await;
        tokio::time::sleep(Duration::from_millis(1500)).await;

        agent.phone.hold(&call_id, true).await.unwrap();
        agent
            .expect("held", |e| matches!(e, PhoneEvent::Held { by: Side::Us, .. }))
            .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        agent.phone.hold(&call_id, false).await.unwrap();
        let resumed = agent
            .expect("resumed", |e| {
                matches!(e, PhoneEvent::Resumed { by: Side::Us, .. })
            })
            .await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        agent.phone.hangup(&call_id).await.unwrap();
        let media = agent
            .expect(
                "media",
                |e| matches!(e, PhoneEvent::Media { call_id: c, .. } if *c == call_id),
            )
            .await;
        let (
            PhoneEvent::Resumed {
                packets_received: before,
                ..
            },
            PhoneEvent::Media {
                packets_received: after,
                ..
            },
        ) = (resumed, media)
        else {
            unreachable!()
        };
        assert!(
            after > before + 40,
            "the audio came back after the resume: {before} → {after}"
        );
        let PhoneEvent::Quality { quality, .. } = agent
            .expect(
                "quality",
                |e| matches!(e, PhoneEvent::Quality { call_id: c, .. } if *c == call_id),
            )
            .await
        else {
            unreachable!()
        };
        assert_eq!(quality.loss_percent, 0.0, "{quality:?}");
        // Near PCMU's 64 kbit/s (this short call's only report also spans its half second on
        // hold).
        assert!(quality.mos >= 4.0 && quality.bitrate_kbps > 40.0, "{quality:?}");
        agent.expect("ended", |e| ended(e, &call_id)).await;
        let due = agent.wrap_up_due(&call_id).await;
        assert_eq!(due.lead, Some(agent.lead), "the call is on the dialled lead");
        assert_eq!(
            agent
                .phone
                .dial(&Dial {
                    destination: LEAD_PHONE.into(),
                    lead: None,
                    ring_timeout: None,
                })
                .await
                .unwrap_err()
                .kind(),
            leadline_core::ErrorKind::WrapUpPending
        );

        // A disposition that requires notes: refused without them, accepted with them.
        let needs_notes = due
            .dispositions
            .iter()
            .find(|d| d.requires_note)
            .expect("such a disposition");
        let mut wrap_up = WrapUp {
            call: due.call,
            disposition: needs_notes.name.clone(),
            notes: None,
            status: None,
            followup: None,
        };
        let refused = agent.handle.wrap_up(&wrap_up).unwrap_err();
        assert_eq!(refused.kind(), leadline_core::ErrorKind::Rule, "{refused}");
        wrap_up.notes = Some("Wants a quote for 40 panels".into());
        agent.handle.wrap_up(&wrap_up).unwrap();
        assert!(agent.handle.pending_wrap_ups().unwrap().is_empty());

        let report = agent.handle.sync(&mut |_| {}).await.unwrap();
        assert!(report.pushed >= 1, "{report:?}");
        // A second sync sends nothing again.
        agent.handle.sync(&mut |_| {}).await.unwrap();
        assert_eq!(
            agent.on_server(&call_id, "Wants a quote for 40 panels"),
            (1, 1),
            "the call row with its disposition and notes, and its activity, reached the server once"
        );
        assert_eq!(
            agent.quality_on_server(&call_id),
            Some(("pcmu".to_owned(), quality.loss_percent)),
            "the call's quality went with its record"
        );
        agent.handle.stop_phone().await;

        let ours = tone_in(&heard(agent.dir.path(), 0), 440.0);
        assert!(ours.tone_blocks >= 10, "the agent heard the customer: {ours:?}");
        let recordings = customer.heard();
        let theirs = tone_in(recordings.last().expect("baresip recorded the call"), 1000.0);
        assert!(
            theirs.tone_blocks >= 10,
            "the customer heard the agent: {theirs:?}"
        );
    });
}

#[test]
fn a_lead_calls_during_a_call_pops_up_is_answered_with_the_first_held_swapped_and_both_wrapped_up() {
    if pbx::rerun_isolated(
        "a_lead_calls_during_a_call_pops_up_is_answered_with_the_first_held_swapped_and_both_wrapped_up",
    ) {
        return;
    }
    let kamailio = Kamailio::start(&[ANA, CARL, CUSTOMER], 60);
    let tones = tempfile::tempdir().unwrap();
    let carl = peer(CARL, 5070, tones.path(), 440.0, true);
    let customer = peer(CUSTOMER, 5080, tones.path(), 660.0, false);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut agent = Agent::start(&kamailio).await;
        let first = agent.call_answered(CARL.name, None).await;
        tokio::time::sleep(Duration::from_secs(1)).await;

        customer.command("dial", &format!("sip:{}@{}", ANA.name, pbx::DOMAIN));
        let PhoneEvent::Incoming {
            call_id: second,
            caller_number,
            waiting,
            leads,
            ..
        } = agent
            .expect("incoming", |e| matches!(e, PhoneEvent::Incoming { .. }))
            .await
        else {
            unreachable!()
        };
        assert!(waiting, "a call is up: this one waits");
        assert_eq!(caller_number, CUSTOMER.name);
        assert_eq!(
            leads.first().map(|m| m.lead.lead.id),
            Some(agent.lead),
            "the screen pop shows the lead whose phone is the caller's"
        );

        agent.phone.answer(&second).await.unwrap();
        agent
            .expect(
                "the first call held",
                |e| matches!(e, PhoneEvent::Held { call_id, by: Side::Us, .. } if *call_id == first),
            )
            .await;
        agent
            .expect(
                "answered",
                |e| matches!(e, PhoneEvent::Answered { call_id, .. } if *call_id == second),
            )
            .await;
        assert_eq!(agent.phone.active_call().as_deref(), Some(second.as_str()));
        tokio::time::sleep(Duration::from_millis(2500)).await;

        agent.phone.swap().await.unwrap();
        agent
            .expect(
                "the second call held",
                |e| matches!(e, PhoneEvent::Held { call_id, .. } if *call_id == second),
            )
            .await;
        agent
            .expect(
                "the first call resumed",
                |e| matches!(e, PhoneEvent::Resumed { call_id, .. } if *call_id == first),
            )
            .await;
        assert_eq!(agent.phone.active_call().as_deref(), Some(first.as_str()));
        tokio::time::sleep(Duration::from_secs(1)).await;

        agent.phone.hangup(&first).await.unwrap();
        agent.phone.hangup(&second).await.unwrap();
        let first_due = agent.wrap_up_due(&first).await;
        let second_due = agent.wrap_up_due(&second).await;
        assert_eq!(
            second_due.lead,
            Some(agent.lead),
            "the caller's call is on their lead"
        );
        assert_eq!(agent.handle.pending_wrap_ups().unwrap().len(), 2);
        for (due, notes) in [
            (&first_due, "Carl: all good"),
            (&second_due, "Customer called back"),
        ] {
            let default = due.default_disposition.expect("a default disposition");
            agent
                .handle
                .wrap_up(&WrapUp {
                    call: due.call,
                    disposition: default.0.to_string(),
                    notes: Some(notes.into()),
                    status: None,
                    followup: None,
                })
                .unwrap();
        }
        assert!(agent.handle.pending_wrap_ups().unwrap().is_empty());
        agent.handle.sync(&mut |_| {}).await.unwrap();
        assert_eq!(agent.on_server(&first, "Carl: all good").0, 1);
        assert_eq!(agent.on_server(&second, "Customer called back"), (1, 1));
        agent.handle.stop_phone().await;
        // The agent heard Carl on the first call and the customer on the second.
        let (carl_heard, customer_heard) = (
            tone_in(&heard(agent.dir.path(), 0), 440.0),
            tone_in(&heard(agent.dir.path(), 1), 660.0),
        );
        assert!(carl_heard.tone_blocks >= 10, "{carl_heard:?}");
        assert!(
            customer_heard.tone_blocks >= 10,
            "{customer_heard:?}\n{}",
            customer.log()
        );
        drop(carl);
    });
}

#[test]
fn a_call_hung_up_while_it_is_being_answered_is_refused_and_leaves_nothing_behind() {
    if pbx::rerun_isolated("a_call_hung_up_while_it_is_being_answered_is_refused_and_leaves_nothing_behind") {
        return;
    }
    let kamailio = Kamailio::start(&[ANA, CARL], 60);
    let tones = tempfile::tempdir().unwrap();
    let carl = peer(CARL, 5070, tones.path(), 440.0, false);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut agent = Agent::start(&kamailio).await;
        carl.command("dial", &format!("sip:{}@{}", ANA.name, pbx::DOMAIN));
        let PhoneEvent::Incoming { call_id, .. } = agent
            .expect("incoming", |e| matches!(e, PhoneEvent::Incoming { .. }))
            .await
        else {
            unreachable!()
        };
        // The hang-up lands while the answer is under way (its media being prepared).
        let (answered, hung_up) = tokio::join!(agent.phone.answer(&call_id), agent.phone.hangup(&call_id));
        answered.unwrap();
        hung_up.unwrap();
        let rejected = agent
            .expect("rejected", |e| {
                matches!(e, PhoneEvent::Rejected { .. } | PhoneEvent::Answered { .. })
            })
            .await;
        assert!(
            matches!(&rejected, PhoneEvent::Rejected { call_id: c, code: 486 } if *c == call_id),
            "{rejected:?}"
        );
        assert!(agent.phone.call_ids().is_empty(), "{:?}", agent.phone.call_ids());
        assert!(
            agent.handle.pending_wrap_ups().unwrap().is_empty(),
            "a refused call needs no wrap-up"
        );
        // The line is free: the next call from Carl rings again.
        tokio::time::sleep(Duration::from_millis(500)).await;
        carl.command("dial", &format!("sip:{}@{}", ANA.name, pbx::DOMAIN));
        agent
            .expect("incoming again", |e| {
                matches!(e, PhoneEvent::Incoming { waiting: false, .. })
            })
            .await;
        agent.handle.stop_phone().await;
    });
}

/// A headset that plays for a second of frames, then is unplugged.
struct Unpluggable {
    started: Option<std::time::Instant>,
    frames: u128,
}

impl AudioSink for Unpluggable {
    fn write(&mut self, _rate: u32, _samples: &[i16]) {
        self.frames += 1;
        self.started.get_or_insert_with(std::time::Instant::now);
    }
    fn finish(&mut self) -> Result<(), leadline_core::media::MediaError> {
        Ok(())
    }
    fn device_paced(&self) -> bool {
        true
    }
    fn room_for_frame(&mut self) -> bool {
        let elapsed = self.started.map_or(0, |s| s.elapsed().as_millis());
        !self.failed() && self.frames < elapsed / 20 + 3
    }
    fn failed(&self) -> bool {
        self.started.is_some_and(|s| s.elapsed() > Duration::from_secs(1))
    }
}

#[test]
fn a_headset_unplugged_mid_call_gives_way_to_the_default_speaker_and_the_call_goes_on() {
    if pbx::rerun_isolated(
        "a_headset_unplugged_mid_call_gives_way_to_the_default_speaker_and_the_call_goes_on",
    ) {
        return;
    }
    let kamailio = Kamailio::start(&[ANA, CARL], 60);
    let tones = tempfile::tempdir().unwrap();
    let _carl = peer(CARL, 5070, tones.path(), 440.0, true);
    let ours = tones.path().join("tone1000.wav");
    tone_file(&ours, 1000.0, 8000, 1, 30.0);
    let headset: AudioFactory = Arc::new(move |_| {
        Ok((
            Box::new(WavSource::open(&ours)?),
            Box::new(Unpluggable {
                started: None,
                frames: 0,
            }),
        ))
    });
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut agent = Agent::start_with(&kamailio, CallsAudio::Given(headset)).await;
        let call = agent.call_answered(CARL.name, None).await;
        let moved = agent
            .expect("the move to the default speaker", |e| {
                matches!(e, PhoneEvent::Device { .. })
            })
            .await;
        let PhoneEvent::Device {
            role, change, calls, ..
        } = moved
        else {
            unreachable!()
        };
        assert_eq!((role, change), (DeviceRole::Speaker, DeviceChange::Unplugged));
        assert_eq!(calls, vec![call.clone()]);
        // The call goes on, and ends when the agent hangs up.
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(agent.phone.call_ids(), vec![call.clone()]);
        agent.phone.hangup(&call).await.unwrap();
        let PhoneEvent::Ended { reason, .. } = agent.expect("ended", |e| ended(e, &call)).await else {
            unreachable!()
        };
        assert_eq!(reason, leadline_core::phone::EndReason::LocalHangup);
        agent.handle.stop_phone().await;
    });
}

/// The microphone's and the speaker's levels of the next `Levels` report of `call` that has
/// both (the devices take a moment to start).
async fn speaker_level(agent: &mut Agent, call: &str) -> (Option<f32>, Option<f32>) {
    match agent
        .expect(
            "levels",
            |e| matches!(e, PhoneEvent::Levels { call_id, microphone_dbfs: Some(_), speaker_dbfs: Some(_) } if call_id == call),
        )
        .await
    {
        PhoneEvent::Levels {
            microphone_dbfs,
            speaker_dbfs,
            ..
        } => (microphone_dbfs, speaker_dbfs),
        _ => unreachable!(),
    }
}

#[test]
fn on_devices_a_call_reports_its_levels_and_takes_a_volume() {
    if std::env::var("LEADLINE_TEST_AUDIO").map_or(true, |a| a != "pulse") {
        eprintln!("no test audio server (run under scripts/with-audio.sh): skipped");
        return;
    }
    if pbx::rerun_isolated("on_devices_a_call_reports_its_levels_and_takes_a_volume") {
        return;
    }
    let kamailio = Kamailio::start(&[ANA, CARL], 60);
    let tones = tempfile::tempdir().unwrap();
    // Carl's tone is not the microphone's 440 Hz: the echo canceller (on, as the null sink is
    // no headset) would rightly take a microphone that only repeats the far side for echo.
    let _carl = peer(CARL, 5070, tones.path(), 1000.0, true);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut agent = Agent::start_with(&kamailio, CallsAudio::Devices).await;
        let call = agent.call_answered(CARL.name, None).await;
        agent.phone.meter_levels(true);
        // The devices take over a second to start on the test's audio server: the reports
        // (ten a second, queued since metering began) say so until Carl is heard.
        let mut reports = 0;
        let (microphone, loud) = loop {
            let (microphone, loud) = speaker_level(&mut agent, &call).await;
            reports += 1;
            if loud.is_some_and(|l| l > -40.0) || reports == 50 {
                break (microphone, loud);
            }
        };
        let microphone = microphone.expect("the microphone is metered");
        assert!(microphone > -30.0, "the sine microphone: {microphone} dBFS");
        agent.phone.set_volume(50);
        agent
            .expect("volume", |e| matches!(e, PhoneEvent::Volume { percent: 50 }))
            .await;
        assert!(loud.is_some_and(|l| l > -40.0), "Carl is heard: {loud:?} dBFS");
        // (How the volume scales what the speaker plays is checked in leadline-media.)
        agent.phone.meter_levels(false);
        // baresip's RTCP reports give the round trip (loopback: a few milliseconds); quality
        // comes every 5 s, and baresip reports about as often.
        let rtt = loop {
            let PhoneEvent::Quality { quality, .. } = agent
                .expect(
                    "quality",
                    |e| matches!(e, PhoneEvent::Quality { call_id, .. } if *call_id == call),
                )
                .await
            else {
                unreachable!()
            };
            if let Some(rtt) = quality.rtt_ms {
                break rtt;
            }
        };
        assert!((0.0..50.0).contains(&rtt), "round trip {rtt} ms");
        agent.phone.hangup(&call).await.unwrap();
        agent.expect("ended", |e| ended(e, &call)).await;
        agent.handle.stop_phone().await;
    });
}
