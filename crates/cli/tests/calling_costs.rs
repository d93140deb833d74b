//! What a call costs, for docs/benchmarks.md: the same 20 s Opus call to an auto-answering
//! baresip through the same Kamailio and rtpengine, placed by Leadline, by baresip and by
//! JsSIP in headless Chromium, each on the system's audio devices (PulseAudio's null sinks
//! and sine microphone, `scripts/with-audio.sh`). Measured from /proc: CPU time over 20 s of
//! the established call (Chromium: all its processes) and resident memory; the answer to the
//! first audio packet received; and Leadline's memory idle, in a call and over 200
//! consecutive calls. Run: `scripts/bench.sh` (or `scripts/with-audio.sh cargo test --release
//! -p leadline-cli --test calling_costs -- --ignored --nocapture --test-threads 1`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark fails loudly

mod pbx;

use pbx::{Baresip, Browser, Kamailio, Leadline, User, tone_file};
use std::time::Duration;

const ANA: User = User::plain("1001", "ana-sip-secret");
const BEA: User = User::plain("2002", "bea-sip-secret");
const CARL: User = User::plain("3003", "carl-sip-secret");
const DORA: User = User::plain("4004", "dora-sip-secret");
/// The call measured.
const TALK: Duration = Duration::from_secs(20);
/// Calls in the memory run.
const CALLS: usize = 200;

/// Clock ticks per second of /proc's CPU times.
fn ticks_per_second() -> f64 {
    let out = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(100.0)
}

/// `(parent pid, CPU seconds used)` of process `pid`.
fn stat(pid: u32) -> Option<(u32, f64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name (in parentheses, possibly with spaces): state, ppid, …
    let fields: Vec<&str> = text[text.rfind(')')? + 2..].split_whitespace().collect();
    let ppid = fields.get(1)?.parse().ok()?;
    let (user, system): (f64, f64) = (fields.get(11)?.parse().ok()?, fields.get(12)?.parse().ok()?);
    Some((ppid, (user + system) / ticks_per_second()))
}

/// Resident memory of `pid` in MiB.
fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

/// `pid` and all its descendants.
fn tree(pid: u32) -> Vec<u32> {
    let all: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .filter_map(|p| Some((p, stat(p)?.0)))
        .collect();
    let mut found = vec![pid];
    let mut at = 0;
    while at < found.len() {
        let parent = found[at];
        found.extend(all.iter().filter(|(_, pp)| *pp == parent).map(|(p, _)| *p));
        at += 1;
    }
    found
}

/// CPU seconds of each thread of `pid`, by thread name.
fn threads(pid: u32) -> std::collections::BTreeMap<String, f64> {
    let mut by_name = std::collections::BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return by_name;
    };
    for task in tasks.filter_map(Result::ok) {
        let Ok(text) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        let (Some(open), Some(close)) = (text.find('('), text.rfind(')')) else {
            continue;
        };
        let name = text[open + 1..close]
            .trim_end_matches(char::is_numeric)
            .to_owned();
        let fields: Vec<&str> = text[close + 2..].split_whitespace().collect();
        let used = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        *by_name.entry(name).or_insert(0.0) += (used(11) + used(12)) / ticks_per_second();
    }
    by_name
}

/// CPU seconds and resident MiB of `pids` together.
fn usage(pids: &[u32]) -> (f64, f64) {
    let cpu = pids.iter().filter_map(|p| stat(*p)).map(|(_, s)| s).sum();
    let rss = pids.iter().map(|p| rss_mib(*p)).sum();
    (cpu, rss)
}

/// CPU (percent of one core) and resident MiB of `pids` (re-listed each time) over [`TALK`].
fn over_the_call(pids: impl Fn() -> Vec<u32>) -> (f64, f64) {
    let (before, _) = usage(&pids());
    std::thread::sleep(TALK);
    let (after, rss) = usage(&pids());
    ((after - before) / TALK.as_secs_f64() * 100.0, rss)
}

/// The calls use the audio devices: a private PulseAudio must be running.
fn require_audio_server() {
    assert!(
        std::env::var("LEADLINE_TEST_AUDIO").is_ok_and(|a| a == "pulse"),
        "run under scripts/with-audio.sh: the calls use the audio devices"
    );
}

/// A 20 s Opus call from Leadline with the profile in `profile`: (CPU %, resident MiB, answer
/// to first audio in ms).
fn leadline_call(kamailio: &Kamailio, profile: &std::path::Path, processing: &str) -> (f64, f64, f64) {
    let mut args: Vec<String> = ["call", CARL.name, "--codec", "opus", "--duration", "24"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(pbx::account_args(&kamailio.ws_url(), &ANA));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // Logging as an agent's Leadline does (the tests' debug logs write a line per packet).
    let mut ours = Leadline::start_with_env(
        profile,
        &args,
        &format!("{}\n", ANA.password),
        &[("LEADLINE_LOG", "info")],
    );
    ours.expect_event("answered", Duration::from_secs(10));
    std::thread::sleep(Duration::from_secs(2));
    let pid = ours.pid();
    let before = threads(pid);
    // LEADLINE_PERF=<file>: a profile of the call's 20 s (`perf report -i <file>`).
    let perf = std::env::var("LEADLINE_PERF").ok().map(|file| {
        std::process::Command::new("perf")
            .args(["record", "--call-graph", "dwarf,8192", "-F", "499", "-o"])
            .arg(format!("{file}.{processing}"))
            .args(["-p", &pid.to_string(), "--", "sleep", "20"])
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("perf starts")
    });
    let (cpu, rss) = over_the_call(|| vec![pid]);
    if let Some(mut perf) = perf {
        let _ = perf.wait();
    }
    let after = threads(pid);
    let mut busiest: Vec<(String, f64)> = after
        .iter()
        .map(|(name, used)| {
            (
                name.clone(),
                (used - before.get(name).unwrap_or(&0.0)) / TALK.as_secs_f64() * 100.0,
            )
        })
        .filter(|(_, share)| *share >= 0.1)
        .collect();
    busiest.sort_by(|a, b| b.1.total_cmp(&a.1));
    println!("Leadline's threads (% of one core): {busiest:?}");
    let (code, lines, stderr) = ours.finish();
    assert_eq!(code, 0, "{stderr}");
    let media = lines.iter().rev().find(|l| l["event"] == "media").unwrap();
    let first = media["first_packet_ms"].as_f64().expect("audio arrived");
    println!("Leadline (voice processing {processing}): {cpu:.1} % CPU, {rss:.1} MiB");
    (cpu, rss, first)
}

#[test]
#[ignore = "a benchmark: run by scripts/bench.sh"]
fn what_a_call_costs_next_to_baresip_and_chromium() {
    require_audio_server();
    if pbx::rerun_isolated("what_a_call_costs_next_to_baresip_and_chromium") {
        return;
    }
    let kamailio = Kamailio::start(&[ANA, BEA, CARL, DORA], 60);
    let dir = tempfile::tempdir().unwrap();
    let tone = dir.path().join("tone.wav");
    // The far side talks at another pitch than the microphone's 440 Hz: with the same tone
    // both ways an echo canceller takes the agent's own voice for echo and removes it.
    tone_file(&tone, 1000.0, 48_000, 2, 120.0);
    let _callee = Baresip::start(CARL, 5070, &tone, "opus/48000/2", true);
    let target = format!("sip:{}@{}", CARL.name, pbx::DOMAIN);

    // Each profile made before its calls (its store created), so that no call pays for it.
    let processing = profile_processing("on", "auto");
    let headset = profile_processing("on", "off");
    let bare = profile_processing("off", "off");
    // The machine's figures move between runs by a fifth or more: the clients take turns,
    // round after round, and each round's ratios compare calls a minute apart.
    let rounds: Vec<Round> = (0..rounds())
        .map(|_| {
            // Leadline, on the chosen (default) devices: with its voice processing (the null
            // sink is no headset: echo cancellation and noise suppression both run), as on a
            // headset (noise suppression only), and without.
            let (ours, ours_rss, ours_first) = leadline_call(&kamailio, processing.path(), "on");
            let (headset, _, _) = leadline_call(&kamailio, headset.path(), "headset");
            let (bare, bare_rss, _) = leadline_call(&kamailio, bare.path(), "off");
            // baresip, on the same devices: as it comes, and with its noise suppressor.
            let (theirs, theirs_rss) = baresip_call(&target, &[]);
            let (theirs_denoised, _) = baresip_call(&target, &["speex_pp.so"]);
            let (chromium, chromium_rss, chromium_first) = chromium_call(&kamailio, &target);
            Round {
                ours,
                headset,
                bare,
                theirs,
                theirs_denoised,
                chromium,
                rss: [ours_rss, bare_rss, theirs_rss, chromium_rss],
                first: [ours_first, chromium_first],
            }
        })
        .collect();

    let each = |figure: &dyn Fn(&Round) -> String| rounds.iter().map(figure).collect::<Vec<_>>().join(" / ");
    println!(
        "| 20 s Opus call on the audio devices (round {}) | Leadline | baresip | Chromium (JsSIP) |",
        (1..=rounds.len())
            .map(|r| r.to_string())
            .collect::<Vec<_>>()
            .join(" / ")
    );
    println!("|---|---|---|---|");
    println!(
        "| CPU, % of one core (Leadline: echo cancellation and noise suppression; Chromium: its own) | {} | {} | {} |",
        each(&|r| format!("{:.1}", r.ours)),
        each(&|r| format!("{:.1}", r.theirs)),
        each(&|r| format!("{:.1}", r.chromium))
    );
    println!(
        "| CPU with noise suppression only, as on a headset (baresip: speex_pp) | {} | {} | |",
        each(&|r| format!("{:.1}", r.headset)),
        each(&|r| format!("{:.1}", r.theirs_denoised))
    );
    println!(
        "| CPU without voice processing | {} | {} | |",
        each(&|r| format!("{:.1}", r.bare)),
        each(&|r| format!("{:.1}", r.theirs))
    );
    println!(
        "| resident memory in the call, MiB | {} | {} | {} |",
        each(&|r| format!("{:.1} ({:.1} without)", r.rss[0], r.rss[1])),
        each(&|r| format!("{:.1}", r.rss[2])),
        each(&|r| format!("{:.1}", r.rss[3]))
    );
    println!(
        "| answer to first audio packet, ms | {} | — | {} |",
        each(&|r| format!("{:.1}", r.first[0])),
        each(&|r| format!("{:.1}", r.first[1]))
    );
    let ratios = |ratio: &dyn Fn(&Round) -> f64| {
        let mut all: Vec<f64> = rounds.iter().map(ratio).collect();
        let listed = all
            .iter()
            .map(|r| format!("{r:.2}"))
            .collect::<Vec<_>>()
            .join(" / ");
        all.sort_by(f64::total_cmp);
        format!("{listed} (median {:.2})", all[all.len() / 2])
    };
    let ratio = |a: f64, b: f64| a / b.max(0.01);
    println!(
        "CPU ratio to baresip (target ≤ 1.5) with all processing: {}",
        ratios(&|r| ratio(r.ours, r.theirs))
    );
    println!(
        "CPU ratio to baresip as on a headset: {}",
        ratios(&|r| ratio(r.headset, r.theirs_denoised))
    );
    println!(
        "CPU ratio to baresip without processing: {}",
        ratios(&|r| ratio(r.bare, r.theirs))
    );
    println!(
        "CPU ratio to Chromium (target < 0.25): {}; baresip's own: {}",
        ratios(&|r| ratio(r.ours, r.chromium)),
        ratios(&|r| ratio(r.theirs, r.chromium))
    );
}

/// One round of the calls measured: CPU (% of one core) of Leadline with all its processing,
/// as on a headset and without; of baresip without and with its noise suppressor; of
/// Chromium. Resident MiB: Leadline with and without processing, baresip, Chromium. Answer to
/// first audio (ms): Leadline, Chromium.
struct Round {
    ours: f64,
    headset: f64,
    bare: f64,
    theirs: f64,
    theirs_denoised: f64,
    chromium: f64,
    rss: [f64; 4],
    first: [f64; 2],
}

/// Rounds of calls: `LEADLINE_BENCH_ROUNDS`, 3 unless set.
fn rounds() -> usize {
    std::env::var("LEADLINE_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .filter(|r| *r > 0)
        .unwrap_or(3)
}

/// A 20 s call from JsSIP in headless Chromium on the devices: (CPU % over all the browser's
/// processes, resident MiB summed over them, answer to first audio in ms).
fn chromium_call(kamailio: &Kamailio, target: &str) -> (f64, f64, f64) {
    let mut browser = Browser::start_on_devices(BEA, &kamailio.ws_url(), false);
    browser.command(serde_json::json!({"cmd": "dial", "target": target}));
    let first = browser.expect("first_audio", Duration::from_secs(15));
    let first = first["ms"].as_f64().unwrap();
    std::thread::sleep(Duration::from_secs(2));
    let driver = browser.pid();
    // The browser's processes, without the node driver that steers it.
    let (cpu, rss) = over_the_call(|| tree(driver).into_iter().filter(|p| *p != driver).collect());
    browser.command(serde_json::json!({"cmd": "hangup"}));
    browser.expect("ended", Duration::from_secs(10));
    (cpu, rss, first)
}

/// A fresh profile with Leadline's voice processing set so.
fn profile_processing(noise_suppression: &str, echo_cancellation: &str) -> tempfile::TempDir {
    let profile = tempfile::tempdir().unwrap();
    let processing = [
        "audio",
        "processing",
        "--noise-suppression",
        noise_suppression,
        "--echo-cancellation",
        echo_cancellation,
    ];
    let (code, _, stderr) = pbx::leadline(profile.path(), &processing, "");
    assert_eq!(code, 0, "{stderr}");
    profile
}

/// A 20 s call from baresip on the devices, with these extra modules: (CPU %, resident MiB).
fn baresip_call(target: &str, modules: &[&str]) -> (f64, f64) {
    let caller = Baresip::start_on_devices_with(DORA, 5300, "opus/48000/2", modules);
    let mut events = caller.control();
    events.send("dial", target);
    events.wait_for("CALL_ESTABLISHED");
    std::thread::sleep(Duration::from_secs(2));
    let pid = caller.pid();
    let usage = over_the_call(|| vec![pid]);
    events.send("hangup", "");
    events.wait_for("CALL_CLOSED");
    usage
}

/// Open file descriptors of `pid`.
fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}

/// `leadline answer` on the devices, baresip calling it `calls` times (each call up about
/// 0.3 s, the first 2 s); Leadline's resident memory (MiB) and open descriptors, idle (call 0)
/// and after each call.
fn consecutive_calls(calls: usize) -> Vec<(usize, f64, usize)> {
    let kamailio = Kamailio::start(&[ANA, DORA], 60);
    let dir = tempfile::tempdir().unwrap();
    let tone = dir.path().join("tone.wav");
    tone_file(&tone, 440.0, 48_000, 2, 10.0);
    let total = (calls + 1).to_string();
    let mut args: Vec<String> = ["answer", "--calls", &total, "--codec", "opus"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(pbx::account_args(&kamailio.ws_url(), &ANA));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut ours = Leadline::start(dir.path(), &args, &format!("{}\n", ANA.password));
    ours.expect_event("registered", Duration::from_secs(10));
    std::thread::sleep(Duration::from_secs(1));
    let pid = ours.pid();
    let mut samples = vec![(0, rss_mib(pid), open_fds(pid))];
    let caller = Baresip::start(DORA, 5300, &tone, "opus/48000/2", false);
    let mut events = caller.control();
    let target = format!("sip:{}@{}", ANA.name, pbx::DOMAIN);
    for n in 1..=calls {
        events.send("dial", &target);
        events.wait_for("CALL_ESTABLISHED");
        std::thread::sleep(Duration::from_millis(if n == 1 { 2_000 } else { 300 }));
        if n == 1 {
            // In the first call: the peak a call adds.
            samples.push((usize::MAX, rss_mib(pid), open_fds(pid)));
        }
        events.send("hangup", "");
        events.wait_for("CALL_CLOSED");
        ours.expect_event("ended", Duration::from_secs(10));
        // Leadline closes a call's devices on threads of their own: let them finish.
        std::thread::sleep(Duration::from_millis(200));
        samples.push((n, rss_mib(pid), open_fds(pid)));
    }
    events.send("dial", &target);
    events.wait_for("CALL_ESTABLISHED");
    events.send("hangup", "");
    let (code, _, stderr) = ours.finish();
    assert_eq!(code, 0, "{stderr}");
    samples
}

fn after(samples: &[(usize, f64, usize)], call: usize) -> (f64, usize) {
    let s = samples.iter().find(|s| s.0 == call).unwrap();
    (s.1, s.2)
}

#[test]
#[ignore = "a benchmark: run by scripts/bench.sh"]
fn memory_stays_flat_over_200_calls() {
    require_audio_server();
    if pbx::rerun_isolated("memory_stays_flat_over_200_calls") {
        return;
    }
    let samples = consecutive_calls(CALLS);
    let (idle, in_call, after_20, after_all) = (
        after(&samples, 0).0,
        after(&samples, usize::MAX).0,
        after(&samples, 20).0,
        after(&samples, CALLS).0,
    );
    println!("| Leadline's resident memory | MiB |");
    println!("|---|---|");
    println!("| registered, idle | {idle:.1} |");
    println!("| in the first call | {in_call:.1} |");
    println!("| after 20 calls | {after_20:.1} |");
    println!("| after {CALLS} calls | {after_all:.1} |");
    println!(
        "growth from call 20 to call {CALLS}: {:.1} MiB (target ≤ 5)",
        after_all - after_20
    );
}

#[test]
#[ignore = "a soak: run by scripts/bench.sh"]
fn soak_500_calls_memory_and_descriptors_stay_flat() {
    require_audio_server();
    if pbx::rerun_isolated("soak_500_calls_memory_and_descriptors_stay_flat") {
        return;
    }
    let samples = consecutive_calls(500);
    println!("| after call | resident MiB | open descriptors |");
    println!("|---|---|---|");
    for (n, rss, fds) in samples
        .iter()
        .filter(|s| s.0 != usize::MAX && (s.0 % 50 == 0 || s.0 == 20))
    {
        println!("| {n} | {rss:.1} | {fds} |");
    }
    let (rss_20, fds_20) = after(&samples, 20);
    let (rss_500, fds_500) = after(&samples, 500);
    println!(
        "SOAK 500 calls: memory {rss_20:.1} → {rss_500:.1} MiB from call 20 to 500, descriptors {fds_20} → {fds_500}"
    );
    assert!(rss_500 - rss_20 <= 5.0, "memory grew {:.1} MiB", rss_500 - rss_20);
    assert!(fds_500 <= fds_20 + 2, "descriptors leak: {fds_20} → {fds_500}");
}
