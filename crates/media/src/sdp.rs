//! Every adjustment Leadline makes to SDP between webrtc-rs and a SIP peer, one function per
//! quirk, each with a test. SIP has no trickle ICE here: offers and answers go out with ICE
//! gathering complete.
//!
//! - [`fill_connection_address`]: webrtc-rs writes `c=IN IP4 0.0.0.0` and `m=audio 9` even
//!   after gathering; gateways such as rtpengine read 0.0.0.0 as old-style hold and the far
//!   end answers `recvonly`. Browsers put the chosen candidate there; so do we.
//! - [`add_bundle_group`]: gateways may offer without `a=group:BUNDLE`; webrtc-rs then rejects
//!   the media line. The group (with the offer's mid) is added before it is applied.
//! - [`prefer_dtls_client`]: in our own offers, `a=setup:active` instead of `actpass`, so we
//!   are the DTLS client and the handshake starts as soon as ICE connects (as the DTLS server,
//!   a gateway's first ClientHello can arrive before ICE is marked connected and be dropped,
//!   costing a retransmission second).
//! - [`answer_telephone_event`]: webrtc-rs matches an offer's codecs to its own by MIME type
//!   alone, so an offer with `telephone-event` at 48 and 8 kHz is answered with one of them
//!   twice, at whichever rate came first. Our answer names `telephone-event` once: at the
//!   chosen codec's rate, with the offer's payload type — or not at all.
//! - [`ask_for_mono`]: Opus's `a=fmtp` in what we send says `stereo=0;sprop-stereo=0`: we
//!   play and capture one channel. RFC 7587 makes mono the default when the parameters are
//!   absent, but some peers (baresip) then send stereo, which costs our decoder and the
//!   network for nothing. Added to the text, not to webrtc-rs's codec: its matching would
//!   take a peer's `stereo=1` for another codec.
//! - [`negotiated_codec`]: what the answer chose.

/// A codec Leadline speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "UPPERCASE")]
pub enum Codec {
    /// Opus, 48 kHz.
    Opus,
    /// G.711 μ-law.
    Pcmu,
    /// G.711 A-law.
    Pcma,
}

impl Codec {
    /// Its name as SDP and the call's record write it (`opus`, `pcmu`, `pcma`).
    pub fn name(self) -> &'static str {
        match self {
            Codec::Opus => "opus",
            Codec::Pcmu => "pcmu",
            Codec::Pcma => "pcma",
        }
    }

    /// The codec named in an `a=rtpmap` encoding name.
    pub fn from_encoding(name: &str) -> Option<Codec> {
        match name.to_ascii_lowercase().as_str() {
            "opus" => Some(Codec::Opus),
            "pcmu" => Some(Codec::Pcmu),
            "pcma" => Some(Codec::Pcma),
            _ => None,
        }
    }

    /// RTP clock rate.
    pub fn clock_rate(self) -> u32 {
        match self {
            Codec::Opus => 48_000,
            Codec::Pcmu | Codec::Pcma => 8_000,
        }
    }
}

fn lines(sdp: &str) -> impl Iterator<Item = &str> {
    sdp.split('\n')
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.is_empty())
}

fn join(lines: Vec<String>) -> String {
    let mut out = lines.join("\r\n");
    out.push_str("\r\n");
    out
}

/// The address and port of the best local host candidate: UDP, component 1, IPv4 first,
/// a routable address before loopback.
fn chosen_candidate(sdp: &str) -> Option<(String, u16)> {
    let mut best: Option<(String, u16)> = None;
    for line in lines(sdp) {
        let Some(rest) = line.strip_prefix("a=candidate:") else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // foundation component transport priority address port "typ" type
        if fields.len() < 8 || fields[1] != "1" || !fields[2].eq_ignore_ascii_case("udp") {
            continue;
        }
        let Ok(port) = fields[5].parse::<u16>() else {
            continue;
        };
        let address = fields[4].to_owned();
        let rank = |a: &str| match (a.contains(':'), a.starts_with("127.") || a == "::1") {
            (false, false) => 0, // IPv4, routable
            (false, true) => 1,  // IPv4 loopback
            (true, false) => 2,
            (true, true) => 3,
        };
        if best
            .as_ref()
            .is_none_or(|(current, _)| rank(&address) < rank(current))
        {
            best = Some((address, port));
        }
    }
    best
}

/// Puts the chosen candidate's address and port into `c=` and `m=audio` (see the module's
/// notes). Leaves an SDP without candidates as it is.
pub fn fill_connection_address(sdp: &str) -> String {
    let Some((address, port)) = chosen_candidate(sdp) else {
        return sdp.to_owned();
    };
    let family = if address.contains(':') { "IP6" } else { "IP4" };
    let out = lines(sdp)
        .map(|line| {
            if line.starts_with("c=IN ") {
                format!("c=IN {family} {address}")
            } else if let Some(rest) = line.strip_prefix("m=audio ") {
                let after_port = rest.split_once(' ').map_or("", |(_, after)| after);
                format!("m=audio {port} {after_port}")
            } else {
                line.to_owned()
            }
        })
        .collect();
    join(out)
}

/// Adds `a=group:BUNDLE <mid>` (and an `a=mid` when the audio section has none) to an offer
/// that lacks it.
pub fn add_bundle_group(sdp: &str) -> String {
    if lines(sdp).any(|l| l.starts_with("a=group:BUNDLE")) {
        return sdp.to_owned();
    }
    let mid = lines(sdp)
        .find_map(|l| l.strip_prefix("a=mid:").map(str::to_owned))
        .unwrap_or_else(|| "0".to_owned());
    let has_mid = lines(sdp).any(|l| l.starts_with("a=mid:"));
    let mut out = Vec::new();
    let mut in_media = false;
    for line in lines(sdp) {
        if line.starts_with("m=") {
            if !in_media {
                out.push(format!("a=group:BUNDLE {mid}"));
            }
            in_media = true;
            out.push(line.to_owned());
            if !has_mid {
                out.push(format!("a=mid:{mid}"));
            }
            continue;
        }
        out.push(line.to_owned());
    }
    join(out)
}

/// `a=setup:actpass` becomes `a=setup:active` (see the module's notes).
pub fn prefer_dtls_client(sdp: &str) -> String {
    join(
        lines(sdp)
            .map(|l| {
                if l == "a=setup:actpass" {
                    "a=setup:active".to_owned()
                } else {
                    l.to_owned()
                }
            })
            .collect(),
    )
}

/// Adds `stereo=0;sprop-stereo=0` to Opus's `a=fmtp` line (see the module's notes), unless
/// it says something of stereo already.
pub fn ask_for_mono(sdp: &str) -> String {
    let opus = lines(sdp).find_map(|l| {
        let (pt, encoding) = l.strip_prefix("a=rtpmap:")?.split_once(' ')?;
        encoding
            .to_ascii_lowercase()
            .starts_with("opus/")
            .then(|| pt.to_owned())
    });
    let Some(pt) = opus else {
        return sdp.to_owned();
    };
    let prefix = format!("a=fmtp:{pt} ");
    join(
        lines(sdp)
            .map(|l| match l.strip_prefix(&prefix) {
                Some(params) if !params.contains("stereo") => {
                    format!("{prefix}{params};stereo=0;sprop-stereo=0")
                }
                _ => l.to_owned(),
            })
            .collect(),
    )
}

/// The audio codec an SDP answer chose (its first payload type we know) and its payload type.
pub fn negotiated_codec(sdp: &str) -> Option<(Codec, u8)> {
    let media = lines(sdp).find_map(|l| l.strip_prefix("m=audio "))?;
    let payloads: Vec<u8> = media
        .split_whitespace()
        .skip(2)
        .filter_map(|p| p.parse().ok())
        .collect();
    for pt in payloads {
        let mapped = lines(sdp).find_map(|l| {
            let rest = l.strip_prefix(&format!("a=rtpmap:{pt} "))?;
            Codec::from_encoding(rest.split('/').next()?)
        });
        let codec = mapped.or(match pt {
            0 => Some(Codec::Pcmu),
            8 => Some(Codec::Pcma),
            _ => None,
        });
        if let Some(codec) = codec {
            return Some((codec, pt));
        }
    }
    None
}

/// The payload type of every `telephone-event` in an SDP, whatever its rate.
fn telephone_event_pts(sdp: &str) -> Vec<String> {
    lines(sdp)
        .filter_map(|l| {
            let (pt, encoding) = l.strip_prefix("a=rtpmap:")?.split_once(' ')?;
            let name = encoding.split('/').next()?;
            name.eq_ignore_ascii_case("telephone-event")
                .then(|| pt.to_owned())
        })
        .collect()
}

/// Our answer with `telephone-event` only at `rate` (the chosen codec's), under the payload
/// type and `a=fmtp` the offer gave it there; none when the offer has none at that rate.
pub fn answer_telephone_event(answer: &str, offer: &str, rate: u32) -> String {
    let ours = telephone_event_pts(answer);
    let theirs = telephone_event(offer, rate).map(|pt| {
        let fmtp = lines(offer)
            .find_map(|l| l.strip_prefix(&format!("a=fmtp:{pt} ")))
            .unwrap_or("0-15")
            .to_owned();
        (pt, fmtp)
    });
    let is_ours = |line: &str, prefix: &str| {
        line.strip_prefix(prefix)
            .and_then(|rest| rest.split([' ', ':']).next())
            .is_some_and(|pt| ours.iter().any(|o| o == pt))
    };
    let mut out = Vec::new();
    let mut last_format_line = None;
    for line in lines(answer) {
        if is_ours(line, "a=rtpmap:") || is_ours(line, "a=fmtp:") {
            continue;
        }
        if let Some(rest) = line.strip_prefix("m=audio ") {
            let mut fields: Vec<&str> = rest.split_whitespace().collect();
            let formats = fields.split_off(2.min(fields.len()));
            let mut kept: Vec<String> = formats
                .into_iter()
                .filter(|f| !ours.iter().any(|o| o == f))
                .map(str::to_owned)
                .collect();
            kept.extend(theirs.as_ref().map(|(pt, _)| pt.to_string()));
            out.push(format!("m=audio {} {}", fields.join(" "), kept.join(" ")));
            last_format_line = Some(out.len() - 1);
            continue;
        }
        out.push(line.to_owned());
        if line.starts_with("a=rtpmap:") || line.starts_with("a=fmtp:") {
            last_format_line = Some(out.len() - 1);
        }
    }
    if let (Some((pt, fmtp)), Some(at)) = (theirs, last_format_line) {
        out.insert(at + 1, format!("a=fmtp:{pt} {fmtp}"));
        out.insert(at + 1, format!("a=rtpmap:{pt} telephone-event/{rate}"));
    }
    join(out)
}

/// The payload type of `telephone-event` at `rate` in an SDP, if offered.
pub fn telephone_event(sdp: &str, rate: u32) -> Option<u8> {
    lines(sdp).find_map(|l| {
        let rest = l.strip_prefix("a=rtpmap:")?;
        let (pt, encoding) = rest.split_once(' ')?;
        encoding
            .eq_ignore_ascii_case(&format!("telephone-event/{rate}"))
            .then(|| pt.parse().ok())
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_names_telephone_event_once_at_the_codecs_rate_as_offered() {
        let offer = "v=0\r\nm=audio 30000 UDP/TLS/RTP/SAVPF 111 0 110 126\r\n\
            a=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\n\
            a=rtpmap:110 telephone-event/48000\r\na=rtpmap:126 telephone-event/8000\r\n\
            a=fmtp:126 0-15\r\n";
        // What webrtc-rs answers: the 48 kHz event twice beside PCMU.
        let answer = "v=0\r\nm=audio 5000 UDP/TLS/RTP/SAVPF 0 110 110\r\na=mid:0\r\n\
            a=rtpmap:0 PCMU/8000\r\na=rtpmap:110 telephone-event/48000\r\na=fmtp:110 0-16\r\n\
            a=rtpmap:110 telephone-event/48000\r\na=fmtp:110 0-16\r\na=ssrc:1 cname:x\r\n";
        let fixed = answer_telephone_event(answer, offer, 8000);
        assert_eq!(
            fixed,
            "v=0\r\nm=audio 5000 UDP/TLS/RTP/SAVPF 0 126\r\na=mid:0\r\na=rtpmap:0 PCMU/8000\r\n\
             a=rtpmap:126 telephone-event/8000\r\na=fmtp:126 0-15\r\na=ssrc:1 cname:x\r\n"
        );
        assert_eq!(telephone_event(&fixed, 8000), Some(126));
        // An Opus answer keeps the 48 kHz event (the offer's fmtp absent: 0-15).
        let opus = answer.replace(
            "m=audio 5000 UDP/TLS/RTP/SAVPF 0 110 110",
            "m=audio 5000 UDP/TLS/RTP/SAVPF 111 110 110",
        );
        assert_eq!(
            telephone_event(&answer_telephone_event(&opus, offer, 48_000), 48_000),
            Some(110)
        );
        // An offer without events at the rate: the answer has none.
        let g711_only = "v=0\r\nm=audio 1 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
        let none = answer_telephone_event(answer, g711_only, 8000);
        assert!(!none.contains("telephone-event"), "{none}");
        assert!(none.contains("m=audio 5000 UDP/TLS/RTP/SAVPF 0\r\n"), "{none}");
    }

    const WEBRTC_RS: &str = "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n\
m=audio 9 UDP/TLS/RTP/SAVPF 111 0 8 101\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=setup:actpass\r\n\
a=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=candidate:1 1 udp 2130706431 ::1 40001 typ host\r\n\
a=candidate:2 1 udp 2130706431 127.0.0.1 40000 typ host\r\n\
a=candidate:2 2 udp 2130706430 127.0.0.1 40002 typ host\r\na=end-of-candidates\r\n";

    #[test]
    fn the_chosen_candidate_goes_into_c_and_m() {
        let filled = fill_connection_address(WEBRTC_RS);
        assert!(filled.contains("c=IN IP4 127.0.0.1\r\n"), "{filled}");
        assert!(
            filled.contains("m=audio 40000 UDP/TLS/RTP/SAVPF 111 0 8 101\r\n"),
            "{filled}"
        );
        assert!(
            filled.contains("o=- 1 2 IN IP4 0.0.0.0"),
            "the origin line is not a connection line"
        );
        let no_candidates = "v=0\r\nm=audio 9 RTP/AVP 0\r\nc=IN IP4 0.0.0.0\r\n";
        assert_eq!(fill_connection_address(no_candidates), no_candidates);
    }

    #[test]
    fn an_offer_without_bundle_gets_the_group_with_its_mid() {
        let rtpengine = "v=0\r\ns=-\r\nt=0 0\r\nm=audio 30000 UDP/TLS/RTP/SAVPF 0 101\r\na=mid:audio\r\na=rtpmap:0 PCMU/8000\r\n";
        let fixed = add_bundle_group(rtpengine);
        assert!(
            fixed.contains("t=0 0\r\na=group:BUNDLE audio\r\nm=audio"),
            "{fixed}"
        );
        let no_mid = "v=0\r\nt=0 0\r\nm=audio 30000 UDP/TLS/RTP/SAVPF 0\r\n";
        let fixed = add_bundle_group(no_mid);
        assert!(
            fixed.contains("a=group:BUNDLE 0\r\nm=audio 30000 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\n"),
            "{fixed}"
        );
        assert_eq!(add_bundle_group(WEBRTC_RS), WEBRTC_RS, "already bundled");
    }

    #[test]
    fn our_offer_asks_to_be_the_dtls_client() {
        let offer = prefer_dtls_client(WEBRTC_RS);
        assert!(offer.contains("a=setup:active\r\n") && !offer.contains("actpass"));
    }

    #[test]
    fn the_answer_says_which_codec_and_dtmf_payload() {
        let answer = "v=0\r\nm=audio 30000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n";
        assert_eq!(negotiated_codec(answer), Some((Codec::Pcmu, 0)));
        assert_eq!(telephone_event(answer, 8000), Some(101));
        assert_eq!(negotiated_codec(WEBRTC_RS), Some((Codec::Opus, 111)));
        assert_eq!(telephone_event(WEBRTC_RS, 48_000), None);
        assert_eq!(negotiated_codec("v=0\r\nm=audio 0 RTP/AVP 18\r\n"), None);
        assert_eq!(negotiated_codec("garbage"), None);
    }

    #[test]
    fn opus_asks_for_one_channel_each_way_and_other_codecs_are_left_alone() {
        let sdp = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\na=rtpmap:111 opus/48000/2\r\n\
            a=fmtp:111 minptime=10;useinbandfec=1\r\na=rtpmap:0 PCMU/8000\r\n";
        let mono = ask_for_mono(sdp);
        assert!(mono.contains("a=fmtp:111 minptime=10;useinbandfec=1;stereo=0;sprop-stereo=0\r\n"));
        assert!(mono.contains("a=rtpmap:0 PCMU/8000\r\n"));
        assert_eq!(ask_for_mono(&mono), mono, "said once");
        let g711 = "v=0\r\nm=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
        assert_eq!(ask_for_mono(g711), g711);
    }
}
