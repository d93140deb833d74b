//! A SIP account as the agent's `agent_sip_credentials` row describes it, with the password
//! from the OS keychain. [`Password`] never prints itself.

use crate::{LineTiming, SipError};
use std::path::PathBuf;

/// A secret that shows as `***` in `Debug` and has no `Display`.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// Wraps a password.
    pub fn new(text: impl Into<String>) -> Password {
        Password(text.into())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// One SIP account on a PBX reached over WebSocket.
#[derive(Debug, Clone)]
pub struct Account {
    /// `ws://host:port/path` or `wss://host:port/path`.
    pub ws_url: String,
    /// The user part of the address of record (`sip:username@domain`).
    pub username: String,
    /// The digest username when the PBX gives a separate one.
    pub auth_username: Option<String>,
    /// The SIP domain (and digest realm, as most PBXs use it).
    pub domain: String,
    /// The digest realm when the PBX uses another than the domain. Challenges for any other
    /// realm are not answered.
    pub realm: Option<String>,
    /// Shown to the people the agent calls.
    pub display_name: Option<String>,
    /// The password.
    pub password: Password,
    /// A PEM file of extra CA certificates trusted for this PBX (private PBXs).
    pub ca_cert: Option<PathBuf>,
    /// Registration lifetime asked for, in seconds.
    pub expires: u32,
    /// The line's timers: keepalive, how long calls wait for a new connection, …
    pub timing: LineTiming,
}

/// Set to `1` on a development machine to let plain `ws://` reach a PBX that is not on this
/// machine (a warning is logged each time).
pub const ALLOW_CLEARTEXT_ENV: &str = "LEADLINE_ALLOW_CLEARTEXT";

/// The registration lifetime asked for unless the account says otherwise.
pub const DEFAULT_EXPIRES: u32 = 600;

impl Account {
    /// The realm whose challenges are answered: the configured one, else the domain.
    pub fn digest_realm(&self) -> &str {
        self.realm.as_deref().unwrap_or(&self.domain)
    }

    /// Checks what can be checked without the network.
    pub fn validate(&self) -> Result<(), SipError> {
        let url = self.ws_url.trim();
        if !(url.starts_with("ws://") || url.starts_with("wss://")) {
            return Err(SipError::InvalidAccount(format!(
                "the PBX address {url:?} must start with ws:// or wss://"
            )));
        }
        let Some((host, _, _, secure)) = crate::transport::host_and_port(url) else {
            return Err(SipError::InvalidAccount(format!(
                "the PBX address {url:?} has no host"
            )));
        };
        let loopback = host.eq_ignore_ascii_case("localhost")
            || host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        if !secure && !loopback {
            if std::env::var(ALLOW_CLEARTEXT_ENV).is_ok_and(|v| v == "1") {
                tracing::warn!(
                    pbx = url,
                    "plain ws:// to another machine ({ALLOW_CLEARTEXT_ENV}=1): the SIP password's digest and the calls' signalling travel unencrypted"
                );
            } else {
                return Err(SipError::InvalidAccount(format!(
                    "refusing plain ws:// to {host}: use wss:// (plain WebSocket is only for this machine's own address)"
                )));
            }
        }
        let name_ok =
            |s: &str| !s.is_empty() && !s.chars().any(|c| c.is_whitespace() || "<>\"@:;".contains(c));
        if !name_ok(&self.username) {
            return Err(SipError::InvalidAccount(format!(
                "{:?} is not a SIP user name",
                self.username
            )));
        }
        if !name_ok(&self.domain.replace(':', "")) {
            return Err(SipError::InvalidAccount(format!(
                "{:?} is not a SIP domain",
                self.domain
            )));
        }
        let timing = &self.timing;
        if timing.keepalive.is_zero() || timing.dead_after <= timing.keepalive {
            return Err(SipError::InvalidAccount(
                "the keepalive must be positive and shorter than the silence that ends a connection".into(),
            ));
        }
        if self.expires == 0 {
            return Err(SipError::InvalidAccount(
                "the registration lifetime must be positive".into(),
            ));
        }
        Ok(())
    }

    /// `sip:username@domain`.
    pub fn aor(&self) -> String {
        format!("sip:{}@{}", self.username, self.domain)
    }

    /// The SIP address of `destination`: a full `sip:`/`sips:` address as it is, `user@host`
    /// with `sip:` before it, a bare number or user at this account's domain.
    pub fn address_of(&self, destination: &str) -> String {
        let destination = destination.trim();
        if destination.starts_with("sip:") || destination.starts_with("sips:") {
            destination.to_owned()
        } else if destination.contains('@') {
            format!("sip:{destination}")
        } else {
            format!("sip:{destination}@{}", self.domain)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> Account {
        Account {
            ws_url: "wss://pbx.example.com:8443/ws".into(),
            username: "1001".into(),
            auth_username: None,
            domain: "pbx.example.com".into(),
            realm: None,
            display_name: Some("Ana".into()),
            password: Password::new("s3cret-pw"),
            ca_cert: None,
            expires: DEFAULT_EXPIRES,
            timing: LineTiming::default(),
        }
    }

    #[test]
    fn the_password_never_prints() {
        let text = format!("{:?}", account());
        assert!(!text.contains("s3cret-pw"), "{text}");
        assert!(text.contains("***"));
    }

    #[test]
    fn destinations_become_addresses() {
        let account = account();
        assert_eq!(account.address_of("3003"), "sip:3003@pbx.example.com");
        assert_eq!(account.address_of(" +1555 "), "sip:+1555@pbx.example.com");
        assert_eq!(account.address_of("bob@other.net"), "sip:bob@other.net");
        assert_eq!(account.address_of("sips:bob@other.net"), "sips:bob@other.net");
    }

    #[test]
    fn bad_settings_are_clear_errors() {
        assert!(account().validate().is_ok());
        let mut bad = account();
        bad.ws_url = "https://pbx.example.com".into();
        assert!(bad.validate().unwrap_err().to_string().contains("ws://"));
        let mut bad = account();
        bad.username = "a b".into();
        assert!(bad.validate().is_err());
        let mut bad = account();
        bad.domain = "pbx example.com:5060".into();
        assert!(bad.validate().unwrap_err().to_string().contains("domain"));
        let mut port = account();
        port.domain = "pbx.example.com:5060".into();
        assert!(port.validate().is_ok());
        let mut bad = account();
        bad.ws_url = "ws://".into();
        assert!(bad.validate().unwrap_err().to_string().contains("no host"));
        for remote in [
            "ws://pbx.example.com/ws",
            "ws://10.0.0.5:8080",
            "ws://[2001:db8::1]:8080",
        ] {
            let mut bad = account();
            bad.ws_url = remote.into();
            assert!(
                bad.validate().unwrap_err().to_string().contains("use wss://"),
                "{remote}"
            );
        }
        for local in ["ws://127.0.0.1:8080", "ws://localhost:8080/ws", "ws://[::1]:8080"] {
            let mut ok = account();
            ok.ws_url = local.into();
            assert!(ok.validate().is_ok(), "{local}");
        }
        let mut bad = account();
        bad.timing.keepalive = std::time::Duration::ZERO;
        assert!(bad.validate().unwrap_err().to_string().contains("keepalive"));
    }
}
