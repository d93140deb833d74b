//! Calling figures for docs/benchmarks.md, measured in one run against the same Kamailio and
//! rtpengine: Leadline (SIP over WS, WebRTC media with ICE and DTLS-SRTP) next to baresip (SIP
//! over UDP, plain RTP) doing the same thing. Run: `scripts/bench.sh` (or
//! `cargo test -p leadline-cli --test calling_bench -- --ignored --nocapture`).
//!
//! - REGISTER round trip (the 401 challenge included): Leadline's own `registered.ms`;
//!   baresip's from a packet capture on loopback (first REGISTER out to its 200 OK in).
//! - INVITE to answer (the 407 challenge included), calling an auto-answering baresip:
//!   Leadline's `answered.setup_ms`; baresip from its `dial` command to its
//!   `CALL_ESTABLISHED` event on the control socket.
//! - Answer to first audio packet received: Leadline's `media.first_packet_ms` (ICE and
//!   DTLS-SRTP happen in between); baresip's from a capture of its calls: the 200 OK to its
//!   INVITE arriving, to the first RTP packet arriving at the port its offer named.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark fails loudly

mod pbx;

use pbx::{Baresip, Kamailio, User, leadline, tone_file};
use std::time::{Duration, Instant};

const ANA: User = User::plain("1001", "ana-sip-secret");
const CARL: User = User::plain("3003", "carl-sip-secret");
const DORA: User = User::plain("4004", "dora-sip-secret");
const RUNS: usize = 10;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn account(url: &str) -> Vec<String> {
    pbx::account_args(url, &ANA)
}

/// A UDP datagram of a capture: time (s), source and destination ports, payload.
type Datagram = (f64, u16, u16, Vec<u8>);

/// UDP datagrams of a pcap file (Ethernet-framed loopback capture).
fn udp_payloads(pcap: &[u8]) -> Vec<Datagram> {
    ip_payloads(pcap, 17)
}

/// The payloads of IPv4 packets of `protocol` (17 UDP, 6 TCP) in a pcap file, with their time
/// and ports; TCP segments without data are left out.
fn ip_payloads(pcap: &[u8], protocol: u8) -> Vec<Datagram> {
    let mut out = Vec::new();
    let mut at = 24; // global header
    while at + 16 <= pcap.len() {
        let word = |o: usize| u32::from_le_bytes([pcap[o], pcap[o + 1], pcap[o + 2], pcap[o + 3]]);
        let (secs, micros, len) = (word(at), word(at + 4), word(at + 8) as usize);
        let frame = &pcap[at + 16..(at + 16 + len).min(pcap.len())];
        at += 16 + len;
        if frame.len() < 14 + 20 + 8 || frame[12..14] != [0x08, 0x00] || frame[14 + 9] != protocol {
            continue;
        }
        let transport = 14 + usize::from(frame[14] & 0x0F) * 4;
        let header_len = match protocol {
            6 if frame.len() >= transport + 20 => usize::from(frame[transport + 12] >> 4) * 4,
            17 => 8,
            _ => continue,
        };
        let Some(payload) = frame.get(transport + header_len..) else {
            continue;
        };
        if payload.is_empty() && protocol == 6 {
            continue;
        }
        let source = u16::from_be_bytes([frame[transport], frame[transport + 1]]);
        let destination = u16::from_be_bytes([frame[transport + 2], frame[transport + 3]]);
        let time = f64::from(secs) + f64::from(micros) / 1e6;
        out.push((time, source, destination, payload.to_vec()));
    }
    out
}

/// The messages of the WebSocket frames in one TCP segment, unmasked (a client masks).
fn websocket_messages(segment: &[u8]) -> Vec<Vec<u8>> {
    let mut messages = Vec::new();
    let mut at = 0;
    while at + 2 <= segment.len() {
        let masked = segment[at + 1] & 0x80 != 0;
        let (len, mut next) = match segment[at + 1] & 0x7F {
            126 if at + 4 <= segment.len() => (
                usize::from(u16::from_be_bytes([segment[at + 2], segment[at + 3]])),
                at + 4,
            ),
            126 | 127 => break, // cut off, or longer than any SIP message here
            len => (usize::from(len), at + 2),
        };
        let mask = if masked {
            let Some(key) = segment.get(next..next + 4) else {
                break;
            };
            next += 4;
            [key[0], key[1], key[2], key[3]]
        } else {
            [0; 4]
        };
        let Some(payload) = segment.get(next..next + len) else {
            break;
        };
        messages.push(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]).collect());
        at = next + len;
    }
    messages
}

/// SIP messages carried over WebSocket in a capture, as datagrams.
fn websocket_sip(pcap: &[u8]) -> Vec<Datagram> {
    ip_payloads(pcap, 6)
        .into_iter()
        .flat_map(|(time, source, destination, segment)| {
            websocket_messages(&segment)
                .into_iter()
                .map(move |message| (time, source, destination, message))
        })
        .collect()
}

/// The value of SIP header `name` in `text`.
fn header(text: &str, name: &str) -> Option<String> {
    text.lines()
        .find(|l| {
            l.to_ascii_lowercase()
                .starts_with(&format!("{}:", name.to_ascii_lowercase()))
        })
        .map(|l| l[name.len() + 1..].trim().to_owned())
}

/// For each call the phone on SIP port `phone` placed: from the 200 OK to its INVITE arriving
/// to the first RTP packet arriving at the audio port its offer named, in ms (0 when audio
/// came first: plain RTP may be relayed before the answer reaches the caller).
fn answer_to_first_audio(pcap: &[u8], phone: u16) -> Vec<f64> {
    let packets = udp_payloads(pcap);
    // Call-ID → (the audio port offered, where in the capture the offer went out).
    let mut offered: std::collections::HashMap<String, (u16, usize)> = std::collections::HashMap::new();
    let mut delays = Vec::new();
    for (i, (time, source, destination, payload)) in packets.iter().enumerate() {
        let text = String::from_utf8_lossy(payload);
        let Some(call_id) = header(&text, "Call-ID") else {
            continue;
        };
        if *source == phone && text.starts_with("INVITE ") {
            let port = text
                .lines()
                .find_map(|l| l.strip_prefix("m=audio "))
                .and_then(|l| l.split_whitespace().next())
                .and_then(|p| p.parse().ok());
            if let Some(port) = port {
                offered.entry(call_id).or_insert((port, i));
            }
        } else if *destination == phone
            && text.starts_with("SIP/2.0 200")
            && header(&text, "CSeq").is_some_and(|c| c.ends_with("INVITE"))
            && let Some((audio, offer)) = offered.remove(&call_id)
        {
            let first = packets[offer..]
                .iter()
                .find(|(_, _, to, p)| *to == audio && p.len() > 12 && p[0] & 0xC0 == 0x80);
            if let Some((at, _, _, _)) = first {
                delays.push(((at - time) * 1e3).max(0.0));
            }
        }
    }
    delays
}

/// Captures on loopback into `file` until the returned child is interrupted; returns once
/// tcpdump says it is listening.
fn capture(file: &std::path::Path, filter: &[&str]) -> std::process::Child {
    let mut tcpdump = std::process::Command::new("tcpdump")
        .args(["-i", "lo", "-U", "--immediate-mode", "-n", "-Z", "root", "-w"])
        .arg(file)
        .args(filter)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("tcpdump is installed (scripts/setup.sh installs it)");
    let stderr = tcpdump.stderr.take().unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stderr));
    let listening = lines
        .by_ref()
        .map_while(Result::ok)
        .any(|l| l.contains("listening on"));
    assert!(listening, "tcpdump did not start");
    std::thread::spawn(move || lines.for_each(drop));
    tcpdump
}

/// Stops a capture and returns what it caught.
fn stop_capture(mut tcpdump: std::process::Child, file: &std::path::Path) -> Vec<u8> {
    std::thread::sleep(Duration::from_millis(300));
    let _ = std::process::Command::new("kill")
        .args(["-INT", &tcpdump.id().to_string()])
        .status();
    let _ = tcpdump.wait();
    std::fs::read(file).unwrap()
}

/// For each Call-ID, first REGISTER out to the first 200 OK to a REGISTER, in ms.
fn register_round_trips(messages: Vec<Datagram>) -> Vec<f64> {
    let mut sent: std::collections::HashMap<String, f64> = std::collections::HashMap::new();
    let mut trips = Vec::new();
    for (time, _, _, payload) in messages {
        let text = String::from_utf8_lossy(&payload);
        let Some(call_id) = header(&text, "Call-ID") else {
            continue;
        };
        if text.starts_with("REGISTER ") {
            sent.entry(call_id).or_insert(time);
        } else if text.starts_with("SIP/2.0 200")
            && header(&text, "CSeq").is_some_and(|c| c.ends_with("REGISTER"))
            && let Some(start) = sent.remove(&call_id)
        {
            trips.push((time - start) * 1e3);
        }
    }
    trips
}

/// baresip dials `target` over its control socket; the time until it reports the call
/// established.
fn baresip_setup_ms(caller: &Baresip, target: &str) -> f64 {
    let mut control = caller.control();
    let started = Instant::now();
    control.send("dial", target);
    control.wait_for("CALL_ESTABLISHED");
    let ms = started.elapsed().as_secs_f64() * 1e3;
    control.send("hangup", "");
    std::thread::sleep(Duration::from_millis(300));
    ms
}

#[test]
#[ignore = "a benchmark: run by scripts/bench.sh"]
fn calling_figures() {
    if pbx::rerun_isolated("calling_figures") {
        return;
    }
    let kamailio = Kamailio::start(&[ANA, CARL, DORA], 60);
    let dir = tempfile::tempdir().unwrap();
    let tone = dir.path().join("tone.wav");
    tone_file(&tone, 440.0, 8000, 1, 60.0);
    let callee = Baresip::start(CARL, 5070, &tone, "PCMU", true);

    let mut ours_register = Vec::new();
    let ours_registering = dir.path().join("ours-register.pcap");
    let tcpdump = capture(&ours_registering, &["tcp", "port", &pbx::WS_PORT.to_string()]);
    for _ in 0..RUNS {
        let mut args = vec!["register".to_string(), "--once".to_string()];
        args.extend(account(&kamailio.ws_url()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, lines, stderr) = leadline(dir.path(), &args, &format!("{}\n", ANA.password));
        assert_eq!(code, 0, "{stderr}");
        let registered = lines.iter().find(|l| l["event"] == "registered").unwrap();
        ours_register.push(registered["ms"].as_f64().unwrap());
    }
    let ours_on_wire = register_round_trips(websocket_sip(&stop_capture(tcpdump, &ours_registering)));
    assert!(ours_on_wire.len() >= RUNS, "captured {ours_on_wire:?}");
    let registering = dir.path().join("register.pcap");
    let tcpdump = capture(&registering, &["udp", "port", &pbx::UDP_PORT.to_string()]);
    for i in 0..RUNS {
        let port = 5100 + 10 * i as u16;
        let _registered = Baresip::start(DORA, port, &tone, "PCMU", false);
    }
    let registered = stop_capture(tcpdump, &registering);
    let theirs_register = register_round_trips(udp_payloads(&registered));
    assert!(theirs_register.len() >= RUNS, "captured {theirs_register:?}");

    let mut ours_setup = Vec::new();
    let mut ours_first_audio = Vec::new();
    for _ in 0..RUNS {
        let (code, lines, stderr) = pbx::leadline_as(
            dir.path(),
            &ANA,
            &kamailio.ws_url(),
            &["call", CARL.name, "--duration", "1"],
        );
        assert_eq!(code, 0, "{stderr}");
        let answered = lines.iter().find(|l| l["event"] == "answered").unwrap();
        ours_setup.push(answered["setup_ms"].as_f64().unwrap());
        let media = lines.iter().rev().find(|l| l["event"] == "media").unwrap();
        ours_first_audio.push(media["first_packet_ms"].as_f64().expect("audio arrived"));
        std::thread::sleep(Duration::from_millis(200));
    }
    let caller = Baresip::start(DORA, 5300, &tone, "PCMU", false);
    let calling = dir.path().join("calls.pcap");
    let tcpdump = capture(&calling, &["udp"]);
    let mut theirs_setup = Vec::new();
    for _ in 0..RUNS {
        theirs_setup.push(baresip_setup_ms(
            &caller,
            &format!("sip:{}@{}", CARL.name, pbx::DOMAIN),
        ));
    }
    let theirs_first_audio = answer_to_first_audio(&stop_capture(tcpdump, &calling), 5300);
    // A call whose INVITE, answer or first packet the capture missed is left out (and said).
    assert!(
        theirs_first_audio.len() >= RUNS / 2,
        "captured {theirs_first_audio:?}"
    );
    drop(callee);

    let (r_ours, r_theirs) = (median(ours_register), median(theirs_register));
    let (s_ours, s_theirs) = (median(ours_setup), median(theirs_setup));
    println!("| measure (median of {RUNS}) | Leadline | baresip | ratio | target |");
    println!("|---|---|---|---|---|");
    let r_wire = median(ours_on_wire);
    println!(
        "| REGISTER round trip, challenge included (in the app) | {r_ours:.2} ms | {r_theirs:.2} ms (on the wire) | {:.2} | ≤ 1.2 |",
        r_ours / r_theirs.max(0.1)
    );
    println!(
        "| REGISTER round trip, challenge included (on the wire) | {r_wire:.2} ms | {r_theirs:.2} ms | {:.2} | ≤ 1.2 |",
        r_wire / r_theirs.max(0.1)
    );
    println!(
        "| INVITE to answer, challenge included | {s_ours:.1} ms | {s_theirs:.1} ms | {:.2} | ≤ 1.5 |",
        s_ours / s_theirs.max(0.1)
    );
    let captured = theirs_first_audio.len();
    let (a_ours, a_theirs) = (median(ours_first_audio), median(theirs_first_audio));
    // Plain RTP is relayed as soon as the callee sends it, often before its 200 OK reaches the
    // caller: no ratio against a figure near zero.
    let ratio = if a_theirs >= 1.0 {
        format!("{:.0}", a_ours / a_theirs)
    } else {
        "—".to_owned()
    };
    println!(
        "| answer to first audio packet (ICE + DTLS-SRTP for Leadline) | {a_ours:.1} ms | {a_theirs:.1} ms ({captured} calls captured) | {ratio} | |"
    );
}
