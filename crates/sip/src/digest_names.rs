//! Digest algorithm names as RFC 7616 spells them on the wire. The SIP stack (rsipstack
//! 0.7) computes SHA-256 digests but only reads and writes the token `SHA256`; registrars
//! (Asterisk, FreeSWITCH, Kamailio, …) send and expect `SHA-256`, and the stack rejected their
//! challenge as unparsable. This inspector renames the token on the way in (challenges) and
//! on the way out (credentials). Before that, the account's [`Challenges`] policy keeps only
//! the challenge it may answer (right realm, strongest, no downgrade); nothing else in a
//! message changes.

use rsipstack::sip::headers::{Authorization, ProxyAuthenticate, ProxyAuthorization, WwwAuthenticate};
use rsipstack::sip::{Header, SipMessage};
use rsipstack::transaction::endpoint::MessageInspector;
use rsipstack::transport::SipAddr;
use std::sync::Arc;

use crate::challenges::Challenges;

/// The renaming inspector, holding the account's challenge policy; install it on the endpoint.
pub struct DigestNames {
    /// What may be answered.
    pub challenges: Arc<Challenges>,
}

fn is_challenge(header: &Header) -> bool {
    matches!(header, Header::WwwAuthenticate(_) | Header::ProxyAuthenticate(_))
}

/// Keeps the one challenge the policy lets the stack answer, or none.
fn filter_challenges(challenges: &Challenges, headers: &mut rsipstack::sip::Headers) {
    let values: Vec<String> = headers
        .iter()
        .filter_map(|h| match h {
            Header::WwwAuthenticate(h) => Some(h.value().to_owned()),
            Header::ProxyAuthenticate(h) => Some(h.value().to_owned()),
            _ => None,
        })
        .collect();
    if values.is_empty() {
        return;
    }
    let refs: Vec<&str> = values.iter().map(String::as_str).collect();
    let keep = match challenges.choose(&refs) {
        Ok(index) => Some(index),
        Err(reason) => {
            tracing::warn!(%reason, "a digest challenge was not answered");
            None
        }
    };
    let mut index = 0;
    headers.retain(|h| {
        if !is_challenge(h) {
            return true;
        }
        index += 1;
        Some(index - 1) == keep
    });
}

/// `(on the wire, as the stack spells it)`, the `-sess` variants first.
const NAMES: [(&str, &str); 2] = [("SHA-256-sess", "SHA256-sess"), ("SHA-256", "SHA256")];

/// `value` with the `algorithm=` parameter's token renamed by `rename`.
fn rename_algorithm(value: &str, rename: impl Fn(&str) -> Option<&'static str>) -> Option<String> {
    let lower = value.to_ascii_lowercase();
    let at = lower.find("algorithm=")? + "algorithm=".len();
    let rest = &value[at..];
    let quoted = rest.starts_with('"');
    let token_start = at + usize::from(quoted);
    let token_len = value[token_start..]
        .find(|c: char| c == ',' || c == '"' || c.is_whitespace())
        .unwrap_or(value.len() - token_start);
    let token = &value[token_start..token_start + token_len];
    let renamed = rename(token)?;
    Some(format!(
        "{}{renamed}{}",
        &value[..token_start],
        &value[token_start + token_len..]
    ))
}

/// The stack's spelling of a wire token (`SHA-256` → `SHA256`).
fn to_stack(token: &str) -> Option<&'static str> {
    NAMES
        .iter()
        .find(|(wire, _)| wire.eq_ignore_ascii_case(token))
        .map(|(_, stack)| *stack)
}

/// The wire spelling of a stack token (`SHA256` → `SHA-256`).
fn to_wire(token: &str) -> Option<&'static str> {
    NAMES
        .iter()
        .find(|(_, stack)| stack.eq_ignore_ascii_case(token))
        .map(|(wire, _)| *wire)
}

impl MessageInspector for DigestNames {
    fn before_send(&self, mut message: SipMessage, _dest: Option<&SipAddr>) -> SipMessage {
        if let SipMessage::Request(request) = &mut message {
            for header in request.headers.iter_mut() {
                match header {
                    Header::Authorization(h) => {
                        if let Some(v) = rename_algorithm(h.value(), to_wire) {
                            *h = Authorization::new(v);
                        }
                    }
                    Header::ProxyAuthorization(h) => {
                        if let Some(v) = rename_algorithm(h.value(), to_wire) {
                            *h = ProxyAuthorization::new(v);
                        }
                    }
                    _ => {}
                }
            }
        }
        message
    }

    fn after_received(&self, mut message: SipMessage, _from: Option<&SipAddr>) -> SipMessage {
        if let SipMessage::Response(response) = &mut message {
            if matches!(response.status_code.code(), 401 | 407) {
                filter_challenges(&self.challenges, &mut response.headers);
            }
            for header in response.headers.iter_mut() {
                match header {
                    Header::WwwAuthenticate(h) => {
                        if let Some(v) = rename_algorithm(h.value(), to_stack) {
                            *h = WwwAuthenticate::new(v);
                        }
                    }
                    Header::ProxyAuthenticate(h) => {
                        if let Some(v) = rename_algorithm(h.value(), to_stack) {
                            *h = ProxyAuthenticate::new(v);
                        }
                    }
                    _ => {}
                }
            }
        }
        message
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_are_read_in_the_stacks_spelling() {
        assert_eq!(
            rename_algorithm(
                r#"Digest realm="pbx", nonce="n", qop="auth", algorithm=SHA-256"#,
                to_stack
            )
            .as_deref(),
            Some(r#"Digest realm="pbx", nonce="n", qop="auth", algorithm=SHA256"#)
        );
        assert_eq!(
            rename_algorithm(r#"Digest algorithm="sha-256-sess", realm="pbx""#, to_stack).as_deref(),
            Some(r#"Digest algorithm="SHA256-sess", realm="pbx""#)
        );
        assert_eq!(
            rename_algorithm(r#"Digest realm="pbx", algorithm=MD5"#, to_stack),
            None
        );
        assert_eq!(rename_algorithm(r#"Digest realm="pbx""#, to_stack), None);
        // SHA-512-256 is another algorithm: left alone (and refused by the stack).
        assert_eq!(rename_algorithm("Digest algorithm=SHA-512-256", to_stack), None);
    }

    #[test]
    fn credentials_go_out_in_the_rfc_spelling() {
        assert_eq!(
            rename_algorithm(
                r#"Digest username="1001", response="ab", algorithm=SHA256, qop=auth"#,
                to_wire
            )
            .as_deref(),
            Some(r#"Digest username="1001", response="ab", algorithm=SHA-256, qop=auth"#)
        );
        assert_eq!(
            rename_algorithm(r#"Digest username="1001", algorithm=MD5"#, to_wire),
            None
        );
    }
}
