//! Calls through real audio devices: `leadline call` with no `--audio-in`/`--record` talks
//! through the OS's devices (PulseAudio under `scripts/with-audio.sh`: the microphone is a
//! 440 Hz sine, and our speaker is a null sink of the test's own, recorded from its monitor).
//! baresip, through Kamailio and rtpengine, hears the sine; we play baresip's 1000 Hz.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly

#[path = "network/jitter.rs"]
mod jitter;
mod pbx;
#[path = "sound/sound_server.rs"]
mod sound_server;

use pbx::{Baresip, Kamailio, User, tone_file};
use sound_server::SoundServer;
use std::process::{Child, Command, Stdio};

const ANA: User = User::plain("1001", "ana-sip-secret");
const CARL: User = User::plain("3003", "carl-sip-secret");

fn audio_server() -> bool {
    let running = std::env::var("LEADLINE_TEST_AUDIO").is_ok_and(|a| a == "pulse");
    if !running {
        eprintln!("no test audio server (run under scripts/with-audio.sh): skipped");
    }
    running
}

fn pactl(args: &[&str]) -> String {
    let out = Command::new("pactl").args(args).output().expect("pactl runs");
    assert!(
        out.status.success(),
        "pactl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Kamailio, Carl (baresip playing 1000 Hz, answering by himself or not) and a directory for
/// the test's files.
struct WithCarl {
    kamailio: Kamailio,
    carl: Baresip,
    dir: tempfile::TempDir,
}

impl WithCarl {
    fn start(carl_answers: bool) -> WithCarl {
        let kamailio = Kamailio::start(&[ANA, CARL], 60);
        let dir = tempfile::tempdir().unwrap();
        let carls = dir.path().join("tone1000.wav");
        tone_file(&carls, 1000.0, 8000, 1, 30.0);
        let carl = Baresip::start(CARL, 5070, &carls, "PCMU", carl_answers);
        WithCarl { kamailio, carl, dir }
    }

    /// `leadline COMMAND` as Ana (her account's flags and password added), with `env`.
    fn ana(&self, command: &[&str], env: &[(&str, &str)]) -> pbx::Leadline {
        let mut args: Vec<String> = command.iter().map(|a| a.to_string()).collect();
        args.extend(pbx::account_args(&self.kamailio.ws_url(), &ANA));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        pbx::Leadline::start_with_env(self.dir.path(), &args, &format!("{}\n", ANA.password), env)
    }
}

/// A null sink of the test's own (unloaded when dropped), recorded from its monitor.
struct Ear {
    name: String,
    module: String,
    recorder: Option<Child>,
    file: std::path::PathBuf,
}

impl Ear {
    fn new(name: &str, dir: &std::path::Path) -> Ear {
        let module = pactl(&[
            "load-module",
            "module-null-sink",
            &format!("sink_name={name}"),
            "rate=48000",
        ]);
        let file = dir.join(format!("{name}.raw"));
        let recorder = Command::new("parecord")
            .args(["--raw", "--rate=48000", "--channels=1", "--format=s16le"])
            .arg(format!("--device={name}.monitor"))
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("parecord runs");
        Ear {
            name: name.to_owned(),
            module,
            recorder: Some(recorder),
            file,
        }
    }

    /// Stops recording; returns what the sink played.
    fn heard(&mut self) -> Vec<i16> {
        if let Some(mut recorder) = self.recorder.take() {
            let _ = recorder.kill();
            let _ = recorder.wait();
        }
        sound_server::raw_samples(&self.file)
    }
}

impl Drop for Ear {
    fn drop(&mut self) {
        self.heard();
        let _ = Command::new("pactl")
            .args(["unload-module", &self.module])
            .status();
    }
}

#[test]
fn a_call_through_the_devices_carries_the_microphone_out_and_plays_the_far_side() {
    if !audio_server()
        || pbx::rerun_isolated("a_call_through_the_devices_carries_the_microphone_out_and_plays_the_far_side")
    {
        return;
    }
    let with = WithCarl::start(true);
    let (carl, dir) = (&with.carl, &with.dir);
    let mut ear = Ear::new("leadline_ear", dir.path());
    let calling = with.ana(
        &["call", CARL.name, "--duration", "4"],
        &[("PULSE_SINK", ear.name.as_str())],
    );
    let (code, lines, stderr) = calling.finish();
    assert_eq!(code, 0, "{lines:#?}\n{stderr}\n{}", carl.log());
    let played = ear.heard();
    let ours = leadline_core::media::tone::detect(&played, 48_000, 1000.0);
    assert!(
        ours.tone_blocks >= 10,
        "our speaker played Carl's 1000 Hz: {ours:?}"
    );
    let recordings = carl.heard();
    let theirs = pbx::tone_in(recordings.last().expect("baresip recorded the call"), 440.0);
    assert!(
        theirs.tone_blocks >= 10,
        "Carl heard our microphone's 440 Hz: {theirs:?}"
    );
    eprintln!("we played {ours:?}; Carl heard {theirs:?}");
}

#[test]
fn unplugging_the_speaker_mid_call_keeps_the_call_going() {
    if !audio_server() || pbx::rerun_isolated("unplugging_the_speaker_mid_call_keeps_the_call_going") {
        return;
    }
    let with = WithCarl::start(true);
    let (carl, dir) = (&with.carl, &with.dir);
    let ear = Ear::new("leadline_headset", dir.path());
    let mut calling = with.ana(
        &["call", CARL.name, "--duration", "5"],
        &[("PULSE_SINK", ear.name.as_str())],
    );
    calling.expect_event("answered", std::time::Duration::from_secs(10));
    std::thread::sleep(std::time::Duration::from_millis(1500));
    // The headset goes away: its sink is unloaded under the playing stream.
    drop(ear);
    let (code, lines, stderr) = calling.finish();
    assert_eq!(code, 0, "{lines:#?}\n{stderr}");
    let ended = lines.iter().find(|l| l["event"] == "ended").unwrap();
    assert_eq!(
        ended["reason"]["reason"], "local_hangup",
        "the call ran its course: {ended}"
    );
    assert!(ended["duration_ms"].as_f64().unwrap() >= 4500.0, "{ended}");
    let media = lines.iter().rev().find(|l| l["event"] == "media").unwrap();
    assert!(
        media["packets_received"].as_u64().unwrap() >= 200,
        "audio kept coming: {media}"
    );
    // Carl heard our microphone after the unplug too (the last second and a half of the call;
    // the start may be silent while the microphone's stream starts).
    let recordings = carl.heard();
    let recording = recordings.last().expect("baresip recorded the call");
    let (samples, rate) = leadline_core::media::audio::read_wav(recording).unwrap();
    let tail = &samples[samples.len().saturating_sub(rate as usize * 3 / 2)..];
    let theirs = leadline_core::media::tone::detect(tail, rate, 440.0);
    assert!(
        theirs.tone_share() >= 0.9,
        "Carl heard our microphone after the unplug: {theirs:?}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// For each 100 ms of `samples` (48 kHz), whether `frequency` holds `share` of its energy.
fn blocks_with(samples: &[i16], frequency: f64, share: f64) -> Vec<bool> {
    samples
        .chunks_exact(4_800)
        .map(|block| {
            leadline_core::media::tone::detect_share(block, 48_000, frequency, share).tone_blocks == 1
        })
        .collect()
}

#[test]
fn an_incoming_call_rings_on_the_ringer_until_it_is_answered() {
    if !audio_server() || pbx::rerun_isolated("an_incoming_call_rings_on_the_ringer_until_it_is_answered") {
        return;
    }
    let with = WithCarl::start(false);
    let (carl, dir) = (&with.carl, &with.dir);
    let mut ear = Ear::new("leadline_ringer", dir.path());
    // The test's null sinks add over a second of latency to every stream they play (a real
    // device adds milliseconds), and a stream closed drops what it still holds: ring long
    // enough to be heard through that.
    let mut answering = with.ana(
        &["answer", "--ring-for", "4", "--duration", "4"],
        &[("PULSE_SINK", ear.name.as_str())],
    );
    answering.expect_event("registered", std::time::Duration::from_secs(10));
    carl.command("dial", &format!("sip:{}@{}", ANA.name, pbx::DOMAIN));
    let (code, lines, stderr) = answering.finish();
    assert_eq!(code, 0, "{lines:#?}\n{stderr}\n{}", carl.log());
    let heard = ear.heard();
    // The ringtone (440 + 480 Hz) while the call rang, then Carl (1000 Hz).
    let ringing = blocks_with(&heard, 480.0, 0.3);
    let talking = blocks_with(&heard, 1000.0, 0.6);
    let rang = ringing.iter().filter(|b| **b).count();
    assert!(
        (10..=42).contains(&rang),
        "rang for {rang} tenths of a second: {lines:#?}"
    );
    let last_ring = ringing.iter().rposition(|b| *b).unwrap();
    let first_talk = talking.iter().position(|b| *b).expect("Carl was heard");
    assert!(
        last_ring <= first_talk + 1,
        "the ringing stopped when the call was answered ({last_ring} vs {first_talk})"
    );
    assert!(
        talking.iter().filter(|b| **b).count() >= 15,
        "Carl heard for the call"
    );
}

/// A home whose ALSA configuration names two PulseAudio sinks as devices of their own
/// (`alsa:leadline_ear1`, `alsa:leadline_ear2`), as a headset and a speaker would be.
fn home_with_two_speakers() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let device = |n: u32, what: &str| {
        format!(
            "pcm.leadline_ear{n} {{\n    type pulse\n    device \"leadline_ear{n}\"\n    hint {{ show on description \"{what}\" }}\n}}\n"
        )
    };
    let config = device(1, "Test headset") + &device(2, "Test speaker");
    std::fs::write(home.path().join(".asoundrc"), config).unwrap();
    home
}

#[test]
fn the_speaker_chosen_mid_call_takes_the_call_over() {
    if !audio_server() || pbx::rerun_isolated("the_speaker_chosen_mid_call_takes_the_call_over") {
        return;
    }
    let with = WithCarl::start(true);
    let (carl, dir) = (&with.carl, &with.dir);
    let home = home_with_two_speakers();
    let home_dir = home.path().to_str().unwrap();
    let mut ear1 = Ear::new("leadline_ear1", dir.path());
    let mut ear2 = Ear::new("leadline_ear2", dir.path());
    let env = [("HOME", home_dir)];
    let chose = pbx::Leadline::start_with_env(
        dir.path(),
        &["audio", "use", "speaker", "alsa:leadline_ear1"],
        "",
        &env,
    );
    let (code, _, stderr) = chose.finish();
    assert_eq!(code, 0, "{stderr}");
    let calling = with.ana(
        &[
            "call",
            CARL.name,
            "--duration",
            "7",
            "--switch-speaker",
            "alsa:leadline_ear2",
            "--switch-after",
            "3.5",
        ],
        &env,
    );
    let (code, lines, stderr) = calling.finish();
    assert_eq!(code, 0, "{lines:#?}\n{stderr}\n{}", carl.log());
    let moved = lines
        .iter()
        .find(|l| l["event"] == "device")
        .expect("the move was reported");
    assert_eq!(moved["role"], "speaker", "{moved}");
    assert_eq!(moved["device"], "alsa:leadline_ear2", "{moved}");
    assert_eq!(moved["change"], "chosen", "{moved}");
    let first = leadline_core::media::tone::detect(&ear1.heard(), 48_000, 1000.0);
    let second = leadline_core::media::tone::detect(&ear2.heard(), 48_000, 1000.0);
    assert!(
        first.tone_blocks >= 5,
        "the headset played Carl before the switch: {first:?}"
    );
    assert!(
        second.tone_blocks >= 5,
        "the speaker played Carl after it: {second:?}"
    );
    eprintln!("headset {first:?}, speaker {second:?}");
}

#[test]
fn a_tenth_of_the_packets_lost_and_up_to_100_ms_of_jitter_each_way_keep_the_call_intelligible() {
    if !audio_server()
        || pbx::rerun_isolated(
            "a_tenth_of_the_packets_lost_and_up_to_100_ms_of_jitter_each_way_keep_the_call_intelligible",
        )
    {
        return;
    }
    let with = WithCarl::start(true);
    let (carl, dir) = (&with.carl, &with.dir);
    let mut ear = Ear::new("lossy_ear", dir.path());
    let mut calling = with.ana(
        &["call", CARL.name, "--duration", "12"],
        &[("PULSE_SINK", ear.name.as_str())],
    );
    calling.expect_event("answered", std::time::Duration::from_secs(15));
    // Into rtpengine's media ports (each direction passes there once: ours and Carl's audio)
    // a tenth of the packets is lost and the rest held 0–100 ms each, so they arrive late and
    // out of order. Signalling is untouched. (This kernel has no netem: the holding is done
    // in this process, through an NFQUEUE.)
    let jitter = jitter::Jitter::start(7, std::time::Duration::from_millis(100));
    pbx::iptables("-A INPUT -p udp --dport 30000:30999 -m statistic --mode random --probability 0.1 -j DROP");
    pbx::iptables("-A INPUT -p udp --dport 30000:30999 -j NFQUEUE --queue-num 7 --queue-bypass");
    let (code, lines, stderr) = calling.finish();
    let held = jitter.finish();
    assert_eq!(code, 0, "{lines:#?}\n{stderr}\n{}", carl.log());
    assert!(held.packets > 500, "the media went through the jitter: {held:?}");
    assert!(held.overtaken > 50, "packets arrived out of order: {held:?}");
    let quality = &lines.iter().rev().find(|l| l["event"] == "quality").unwrap()["quality"];
    let loss = quality["loss_percent"].as_f64().unwrap();
    let concealed = quality["concealed"].as_u64().unwrap();
    let jitter_ms = quality["jitter_ms"].as_f64().unwrap();
    let buffer_ms = quality["buffer_ms"].as_f64().unwrap();
    assert!((4.0..=20.0).contains(&loss), "the loss was measured: {quality}");
    assert!(concealed > 20, "lost frames were concealed: {quality}");
    assert!(jitter_ms >= 10.0, "the jitter was measured: {quality}");
    assert!(
        (40.0..=300.0).contains(&buffer_ms),
        "the jitter buffer grew to the jitter, within bounds: {quality}"
    );
    let played = ear.heard();
    let ours = leadline_core::media::tone::detect(&played, 48_000, 1000.0);
    let recordings = carl.heard();
    let theirs = pbx::tone_in(recordings.last().expect("baresip recorded the call"), 440.0);
    println!(
        "NETWORK 10 % loss and 0–100 ms jitter each way: {} packets held, {} overtaken; measured \
         loss {loss:.1} %, jitter {jitter_ms:.1} ms, buffer {buffer_ms:.0} ms, {concealed} frames \
         concealed, MOS {:.2}; we played Carl's tone in {:.1} s, Carl heard ours in {:.1} s, of a \
         12 s call",
        held.packets,
        held.overtaken,
        quality["mos"].as_f64().unwrap_or_default(),
        ours.tone_blocks as f64 * 0.1,
        theirs.tone_blocks as f64 * 0.1
    );
    assert!(ours.tone_blocks >= 60, "we still play Carl's tone: {ours:?}");
    assert!(
        theirs.tone_blocks >= 60,
        "Carl still hears our microphone: {theirs:?}"
    );
}

#[test]
fn a_call_survives_the_sound_server_dying_and_comes_back_on_the_new_one() {
    if !audio_server()
        || pbx::rerun_isolated("a_call_survives_the_sound_server_dying_and_comes_back_on_the_new_one")
    {
        return;
    }
    let with = WithCarl::start(true);
    let (carl, dir) = (&with.carl, &with.dir);
    let runtime = dir.path().join("sound");
    let mut first = SoundServer::start(&runtime, &dir.path().join("first.raw"));
    let server = first.address();
    let mut calling = with.ana(
        &["call", CARL.name, "--duration", "10"],
        &[("PULSE_SERVER", server.as_str())],
    );
    calling.expect_event("answered", std::time::Duration::from_secs(10));
    std::thread::sleep(std::time::Duration::from_millis(2000));
    // The sound server dies under the call (as a crashed or restarted PipeWire would); a new
    // one comes up a second later at the same address.
    let before = first.kill();
    std::thread::sleep(std::time::Duration::from_millis(1000));
    let mut second = SoundServer::start(&runtime, &dir.path().join("second.raw"));
    let (code, lines, stderr) = calling.finish();
    let after = second.kill();
    assert_eq!(code, 0, "{lines:#?}\n{stderr}");
    let ended = lines.iter().find(|l| l["event"] == "ended").unwrap();
    assert_eq!(
        ended["reason"]["reason"], "local_hangup",
        "the call ran its course: {ended}"
    );
    assert!(ended["duration_ms"].as_f64().unwrap() >= 9500.0, "{ended}");
    let moved: Vec<_> = lines.iter().filter(|l| l["event"] == "device").collect();
    assert!(
        moved.iter().any(|l| l["role"] == "speaker") && moved.iter().any(|l| l["role"] == "microphone"),
        "both devices were moved to the new server's: {moved:#?}"
    );
    let played_before = leadline_core::media::tone::detect(&before, 48_000, 1000.0);
    let played_after = leadline_core::media::tone::detect(&after, 48_000, 1000.0);
    // (What the first server played is mostly still in its null sink's second of latency
    // when it dies: only the second server's is asserted.)
    assert!(
        played_after.tone_blocks >= 10,
        "we played Carl again after: {played_after:?}"
    );
    let recordings = carl.heard();
    let (samples, rate) = leadline_core::media::audio::read_wav(recordings.last().unwrap()).unwrap();
    let tail = &samples[samples.len().saturating_sub(rate as usize * 3 / 2)..];
    let theirs = leadline_core::media::tone::detect(tail, rate, 440.0);
    assert!(
        theirs.tone_share() >= 0.9,
        "Carl heard the new server's microphone at the end: {theirs:?}"
    );
    println!(
        "SOUND SERVER restarted mid-call: played {:.1} s before, {:.1} s after; moves {moved:?}",
        played_before.tone_blocks as f64 * 0.1,
        played_after.tone_blocks as f64 * 0.1
    );
}
