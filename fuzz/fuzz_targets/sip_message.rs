//! A SIP message from the PBX: the stack's parser, then everything Leadline reads of it — the
//! request checks, the caller, DTMF in INFO, transfer progress in NOTIFY, hold in the SDP,
//! the digest challenges of a 401/407.

#![no_main]

use leadline_sip::challenges::{Challenges, read};
use leadline_sip::request_checks::refusal;
use leadline_sip::{Caller, dtmf_of_info, holds_us, refer_progress};
use libfuzzer_sys::fuzz_target;
use rsipstack::sip::{Header, SipMessage};

fuzz_target!(|data: &[u8]| {
    let Ok(message) = SipMessage::try_from(data) else {
        return;
    };
    match &message {
        SipMessage::Request(request) => {
            let _ = refusal(request);
            let _ = dtmf_of_info(request);
            let _ = refer_progress(request);
            let _ = holds_us(&String::from_utf8_lossy(&request.body));
            for header in request.headers.iter() {
                if let Header::From(from) = header {
                    let _ = Caller::parse(from.value());
                }
            }
        }
        SipMessage::Response(response) => {
            let values: Vec<&str> = response
                .headers
                .iter()
                .filter_map(|h| match h {
                    Header::WwwAuthenticate(h) => Some(h.value()),
                    Header::ProxyAuthenticate(h) => Some(h.value()),
                    _ => None,
                })
                .collect();
            for value in &values {
                let _ = read(value);
            }
            let _ = Challenges::new("pbx.example").choose(&values);
            let _ = holds_us(&String::from_utf8_lossy(&response.body));
        }
    }
    let _ = message.to_string();
});
