//! Which digest challenges the account answers. The SIP stack answers any challenge with the
//! challenge's own realm and algorithm, so a man in the middle (or a misconfigured proxy)
//! could ask for the password's digest under another realm, or offer MD5 without `qop` to a
//! client that was doing SHA-256. Here, before the stack sees a 401/407:
//! - only challenges for the account's realm (its domain, or a configured realm) are kept;
//! - of several (RFC 8760 lets a server offer one per algorithm) the strongest is kept;
//! - once the PBX has offered an algorithm (or `qop=auth`), a later challenge offering only
//!   weaker is a downgrade and is refused.
//!
//! A refused challenge is removed from the response, so the stack cannot answer it, and the
//! reason is kept for the registration to report.

use std::sync::{Mutex, PoisonError};

/// How strong a challenge is: the algorithm's rank, then whether it asks for `qop=auth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Strength {
    algorithm: u8,
    qop: bool,
}

impl std::fmt::Display for Strength {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.algorithm >= 1 { "SHA-256" } else { "MD5" })?;
        f.write_str(if self.qop {
            " with qop=auth"
        } else {
            " without qop"
        })
    }
}

/// One challenge's parameters that matter here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// `realm`
    pub realm: String,
    /// `None` for an algorithm the stack cannot answer.
    pub strength: Option<Strength>,
}

/// The `name=value` parameters of a `Digest …` header value (quotes removed).
fn params(value: &str) -> Vec<(String, String)> {
    let rest = value.trim();
    let rest = rest
        .get(..6)
        .filter(|scheme| scheme.eq_ignore_ascii_case("digest"))
        .map_or(rest, |_| &rest[6..]);
    let mut out = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        let name: String = chars
            .by_ref()
            .take_while(|c| *c != '=')
            .collect::<String>()
            .trim()
            .to_ascii_lowercase();
        if name.is_empty() {
            return out;
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            let mut escaped = false;
            for c in chars.by_ref() {
                match (escaped, c) {
                    (false, '\\') => escaped = true,
                    (false, '"') => break,
                    _ => {
                        value.push(c);
                        escaped = false;
                    }
                }
            }
        } else {
            value = chars
                .by_ref()
                .take_while(|c| *c != ',')
                .collect::<String>()
                .trim()
                .to_owned();
        }
        out.push((name, value));
    }
}

/// Reads a `WWW-Authenticate`/`Proxy-Authenticate` value; `None` if it is not Digest.
pub fn read(value: &str) -> Option<Challenge> {
    if !value.trim_start().to_ascii_lowercase().starts_with("digest") {
        return None;
    }
    let params = params(value);
    let get = |name: &str| params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    let algorithm = match get("algorithm").map(str::to_ascii_uppercase).as_deref() {
        None | Some("MD5" | "MD5-SESS") => Some(0),
        Some("SHA-256" | "SHA256" | "SHA-256-SESS" | "SHA256-SESS") => Some(1),
        Some(_) => None,
    };
    let qop = get("qop").is_some_and(|q| q.split(',').any(|o| o.trim().eq_ignore_ascii_case("auth")));
    Some(Challenge {
        realm: get("realm").unwrap_or_default().to_owned(),
        strength: algorithm.map(|algorithm| Strength { algorithm, qop }),
    })
}

#[derive(Debug, Default)]
struct Seen {
    strongest: Option<Strength>,
    refusal: Option<String>,
}

/// The account's challenge policy, shared by the endpoint's inspector and the registration.
#[derive(Debug)]
pub struct Challenges {
    realm: String,
    seen: Mutex<Seen>,
}

impl Challenges {
    /// Answers only challenges for `realm`.
    pub fn new(realm: &str) -> Challenges {
        Challenges {
            realm: realm.to_owned(),
            seen: Mutex::default(),
        }
    }

    /// Of one response's challenges (header values), the index of the one to answer, or why
    /// none may be answered (also kept for [`Challenges::take_refusal`]).
    pub fn choose(&self, values: &[&str]) -> Result<usize, String> {
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        let read: Vec<Option<Challenge>> = values.iter().map(|v| read(v)).collect();
        let best = read
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.as_ref().map(|c| (i, c)))
            .filter(|(_, c)| c.realm.eq_ignore_ascii_case(&self.realm))
            .filter_map(|(i, c)| c.strength.map(|s| (i, s)))
            .max_by_key(|(_, s)| *s);
        let verdict = match best {
            None => {
                let offered: Vec<String> = read.iter().flatten().map(|c| format!("{:?}", c.realm)).collect();
                Err(format!(
                    "the PBX asked for the password under realm {} — Leadline answers only the account's realm {:?}",
                    if offered.is_empty() {
                        "(none readable)".to_owned()
                    } else {
                        offered.join(", ")
                    },
                    self.realm
                ))
            }
            Some((_, strength)) if seen.strongest.is_some_and(|s| strength < s) => Err(format!(
                "the PBX offered {} before and now only {strength}: a downgrade is refused",
                seen.strongest.map(|s| s.to_string()).unwrap_or_default()
            )),
            Some((index, strength)) => {
                seen.strongest = seen.strongest.max(Some(strength));
                Ok(index)
            }
        };
        if let Err(reason) = &verdict {
            seen.refusal = Some(reason.clone());
        }
        verdict
    }

    /// The last refusal, once.
    pub fn take_refusal(&self) -> Option<String> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .refusal
            .take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = r#"Digest realm="pbx.example", nonce="n1", qop="auth", algorithm=SHA-256"#;
    const MD5_QOP: &str = r#"Digest realm="pbx.example", nonce="n2", qop="auth,auth-int", algorithm=MD5"#;
    const MD5_BARE: &str = r#"Digest realm="pbx.example", nonce="n3""#;

    #[test]
    fn challenges_are_read_with_quotes_escapes_and_any_case() {
        let c = read(r#"DIGEST Realm="a \"b\", c", NONCE="x", Algorithm="sha-256-sess", qop=auth"#).unwrap();
        assert_eq!(c.realm, r#"a "b", c"#);
        assert_eq!(
            c.strength,
            Some(Strength {
                algorithm: 1,
                qop: true
            })
        );
        assert_eq!(
            read(MD5_BARE).unwrap().strength,
            Some(Strength {
                algorithm: 0,
                qop: false
            })
        );
        assert_eq!(
            read(r#"Digest realm="x", algorithm=SHA-512-256"#)
                .unwrap()
                .strength,
            None
        );
        assert_eq!(read("Basic realm=\"x\""), None);
        for garbage in [
            "",
            "Digest",
            "Digest ,,,",
            "Digest realm",
            "Digest realm=\"unterminated",
            "Digest =x",
        ] {
            let _ = read(garbage);
        }
    }

    #[test]
    fn only_the_accounts_realm_is_answered() {
        let policy = Challenges::new("pbx.example");
        let evil = r#"Digest realm="evil.example", nonce="n", qop="auth", algorithm=SHA-256"#;
        let refused = policy.choose(&[evil]).unwrap_err();
        assert!(
            refused.contains("evil.example") && refused.contains("pbx.example"),
            "{refused}"
        );
        assert_eq!(policy.take_refusal(), Some(refused));
        assert_eq!(policy.take_refusal(), None, "told once");
        assert_eq!(policy.choose(&[evil, SHA]), Ok(1), "the right realm among others");
    }

    #[test]
    fn the_strongest_offer_is_answered_and_a_later_downgrade_refused() {
        let policy = Challenges::new("PBX.example");
        assert_eq!(policy.choose(&[MD5_QOP, SHA]), Ok(1));
        assert_eq!(policy.choose(&[SHA]), Ok(0), "the same strength again");
        let refused = policy.choose(&[MD5_QOP]).unwrap_err();
        assert!(refused.contains("downgrade"), "{refused}");
        assert!(policy.choose(&[MD5_BARE]).is_err());

        let md5_first = Challenges::new("pbx.example");
        assert_eq!(
            md5_first.choose(&[MD5_QOP]),
            Ok(0),
            "MD5 is answered when it is all there is"
        );
        assert!(md5_first.choose(&[MD5_BARE]).unwrap_err().contains("without qop"));
        assert_eq!(md5_first.choose(&[SHA]), Ok(0), "an upgrade is fine");
    }
}
