//! An SDP offer or answer from the far side: what Leadline reads of it (the codec, DTMF
//! events, hold) and the rewrites it makes to its own.

#![no_main]

use leadline_media::sdp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = sdp::negotiated_codec(text);
    let _ = sdp::telephone_event(text, 48_000);
    let _ = sdp::telephone_event(text, 8_000);
    let _ = sdp::answer_telephone_event(text, text, 8_000);
    let _ = sdp::fill_connection_address(text);
    let _ = sdp::add_bundle_group(text);
    let _ = sdp::prefer_dtls_client(text);
    let _ = leadline_sip::holds_us(text);
});
