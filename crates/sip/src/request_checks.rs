//! What a request from the PBX must be before the phone acts on it (RFC 3261 8.2, and the
//! invalid messages of RFC 4475 that the stack's lenient parser lets through). A request that
//! fails gets the status RFC 3261 names, and nothing else happens:
//! - a Request-URI scheme other than `sip`/`sips`: 416;
//! - a `Require` naming any extension (Leadline implements none that a peer may require):
//!   420 with `Unsupported`;
//! - a CSeq whose method is not the request's, more than one CSeq or Content-Length, a
//!   Content-Length that is not the body's length, a To or From whose address does not parse:
//!   400.
//!
//! Inside a dialog, a request whose CSeq is below the last one the peer sent is out of order
//! and gets 500 (RFC 3261 12.2.2); an ACK or CANCEL carries its INVITE's number and is exempt.

use rsipstack::sip::headers::typed::CSeq;
use rsipstack::sip::{Header, Method, Request, Scheme, StatusCode, Uri};

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The status to answer.
    pub status: StatusCode,
    /// For 420: the option tags not supported.
    pub unsupported: Option<String>,
}

impl Refusal {
    fn bad(status: StatusCode) -> Option<Refusal> {
        Some(Refusal {
            status,
            unsupported: None,
        })
    }
}

/// Whether an address header value (`"Name" <sip:…>;tag=…` or `sip:…;tag=…`) holds a URI.
fn address_parses(value: &str) -> bool {
    let uri = match (value.find('<'), value.rfind('>')) {
        (Some(open), Some(close)) if open < close => {
            let inner = &value[open + 1..close];
            if inner.starts_with(char::is_whitespace) || inner.ends_with(char::is_whitespace) {
                return false;
            }
            inner
        }
        (None, None) => value.split(';').next().unwrap_or_default().trim(),
        _ => return false,
    };
    !uri.contains(char::is_whitespace) && Uri::try_from(uri).is_ok()
}

/// The refusal `request` earns, if any.
pub fn refusal(request: &Request) -> Option<Refusal> {
    let uri = request.uri.to_string();
    let sip_uri = ["sip:", "sips:"]
        .iter()
        .any(|p| uri.get(..p.len()).is_some_and(|s| s.eq_ignore_ascii_case(p)));
    if matches!(request.uri.scheme, Some(Scheme::Other(_))) || !sip_uri {
        return Refusal::bad(StatusCode::UnsupportedUriScheme);
    }
    let (mut cseqs, mut lengths) = (Vec::new(), Vec::new());
    for header in request.headers.iter() {
        match header {
            Header::CSeq(h) => cseqs.push(h.value().to_owned()),
            Header::ContentLength(h) => lengths.push(h.value().trim().to_owned()),
            Header::To(h) if !address_parses(h.value()) => return Refusal::bad(StatusCode::BadRequest),
            Header::From(h) if !address_parses(h.value()) => return Refusal::bad(StatusCode::BadRequest),
            Header::Require(h) if !matches!(request.method, Method::Ack | Method::Cancel) => {
                return Some(Refusal {
                    status: StatusCode::BadExtension,
                    unsupported: Some(h.value().trim().to_owned()),
                });
            }
            _ => {}
        }
    }
    let cseq_fits = match cseqs.as_slice() {
        [one] => CSeq::parse(one).is_ok_and(|c| c.method == request.method),
        _ => false,
    };
    let length_fits = match lengths.as_slice() {
        [] => true,
        [one] => one.parse::<usize>().is_ok_and(|n| n == request.body.len()),
        _ => false,
    };
    if !cseq_fits || !length_fits {
        return Refusal::bad(StatusCode::BadRequest);
    }
    None
}

/// Whether `request`, inside a dialog whose peer last sent CSeq `remote_cseq` (0: none yet),
/// is out of order: RFC 3261 12.2.2 answers it 500.
pub fn out_of_order(request: &Request, remote_cseq: u32) -> bool {
    if remote_cseq == 0 || matches!(request.method, Method::Ack | Method::Cancel) {
        return false;
    }
    request
        .headers
        .iter()
        .find_map(|h| match h {
            Header::CSeq(h) => CSeq::parse(h.value()).ok(),
            _ => None,
        })
        .is_some_and(|cseq| cseq.seq < remote_cseq)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(text: &str) -> Request {
        let text = text.replace('\n', "\r\n");
        match rsipstack::sip::SipMessage::try_from(text.as_str()) {
            Ok(rsipstack::sip::SipMessage::Request(r)) => r,
            other => panic!("{other:?}"),
        }
    }

    const OK: &str = "OPTIONS sip:alice@127.0.0.1 SIP/2.0\nVia: SIP/2.0/WS 127.0.0.1;branch=z9hG4bK1\nTo: <sip:alice@127.0.0.1>\nFrom: \"PBX\" <sip:pbx@127.0.0.1>;tag=1\nCall-ID: c1\nCSeq: 7 OPTIONS\nContent-Length: 0\n\n";

    #[test]
    fn a_proper_request_passes() {
        assert_eq!(refusal(&request(OK)), None);
        let bare = OK.replace("To: <sip:alice@127.0.0.1>", "To: sip:alice@127.0.0.1");
        assert_eq!(refusal(&request(&bare)), None);
    }

    #[test]
    fn an_older_cseq_in_a_dialog_is_out_of_order() {
        let options = request(OK);
        assert!(!out_of_order(&options, 0), "the peer's first request");
        assert!(!out_of_order(&options, 7), "the same number (a retransmission's)");
        assert!(!out_of_order(&options, 6));
        assert!(out_of_order(&options, 8));
        let ack = request(&OK.replace("OPTIONS", "ACK"));
        assert!(!out_of_order(&ack, 8), "an ACK carries its INVITE's number");
    }

    #[test]
    fn each_flaw_gets_its_status() {
        let status = |text: String| refusal(&request(&text)).map(|r| r.status);
        assert_eq!(
            status(OK.replace("CSeq: 7 OPTIONS", "CSeq: 7 INVITE")),
            Some(StatusCode::BadRequest)
        );
        for scheme in [
            "nobodyKnowsThisScheme:alice@127.0.0.1",
            "soap.beep://192.0.2.103:3002",
        ] {
            assert_eq!(
                status(OK.replace("sip:alice@127.0.0.1 SIP", &format!("{scheme} SIP"))),
                Some(StatusCode::UnsupportedUriScheme),
                "{scheme}"
            );
        }
        assert_eq!(
            status(OK.replace("Content-Length: 0", "Content-Length: 0\nContent-Length: 0")),
            Some(StatusCode::BadRequest)
        );
        assert_eq!(
            status(OK.replace("Content-Length: 0", "Content-Length: 99")),
            Some(StatusCode::BadRequest)
        );
        assert_eq!(
            status(OK.replace("<sip:alice@127.0.0.1>", "< sip:alice@127.0.0.1 >")),
            Some(StatusCode::BadRequest)
        );
        let required = refusal(&request(
            &OK.replace("Content-Length", "Require: nothingKnown\nContent-Length"),
        ));
        assert_eq!(
            required,
            Some(Refusal {
                status: StatusCode::BadExtension,
                unsupported: Some("nothingKnown".into())
            })
        );
    }
}
