//! This device's calling settings: the CA file of a private PBX (trusted beside the system's
//! roots for WSS) and the STUN/TURN servers for ICE. Set by the agent or an IT admin, kept in
//! the local store across sign-ins; a TURN password goes to the OS keychain and only ever
//! comes back out into the media session's configuration.

use crate::keychain::{self, Secret};
use crate::{CoreError, Handle};
use leadline_media::IceServer;
use leadline_store::StoreError;
use leadline_store::Timestamp;
use leadline_store::repo::calling_settings::{self, CallingSettings, IceServerSetting};
use std::path::Path;

/// The longest ICE server URL or TURN user accepted.
const MAX_LEN: usize = 512;

/// The copy of the trusted PBX CA, in the profile directory.
pub const PBX_CA_FILE: &str = "pbx-ca.pem";

fn invalid(field: &'static str, reason: String) -> CoreError {
    CoreError::Store(StoreError::InvalidInput { field, reason })
}

/// Whether `url` is a STUN/TURN URL (RFC 7064/7065): a scheme, a host, an optional port and
/// an optional `?transport=udp|tcp` (TURN only). Returns whether it is a TURN server.
fn check_ice_url(url: &str) -> Result<bool, CoreError> {
    let refuse = |why: &str| invalid("ice_url", format!("{url:?} {why}"));
    if url.len() > MAX_LEN || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(refuse("is not a STUN or TURN URL"));
    }
    let (scheme, rest) = url.split_once(':').ok_or_else(|| refuse("has no scheme"))?;
    let turn = match scheme.to_ascii_lowercase().as_str() {
        "stun" | "stuns" => false,
        "turn" | "turns" => true,
        _ => return Err(refuse("is neither stun:, stuns:, turn: nor turns:")),
    };
    let (address, query) = rest.split_once('?').map_or((rest, None), |(a, q)| (a, Some(q)));
    if let Some(query) = query
        && !(turn && matches!(query, "transport=udp" | "transport=tcp"))
    {
        return Err(refuse("has a query other than TURN's ?transport=udp|tcp"));
    }
    let (host, port) = match address.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || host.starts_with('[') => (host, Some(port)),
        _ => (address, None),
    };
    let host_ok = !host.is_empty()
        && !host.starts_with("//")
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'));
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0));
    if !host_ok || !port_ok {
        return Err(refuse("has no valid host and port"));
    }
    Ok(turn)
}

impl Handle {
    /// This device's calling settings.
    pub fn calling_settings(&self) -> Result<CallingSettings, CoreError> {
        Ok(calling_settings::load(self.store()?.conn())?)
    }

    /// Loads the settings, changes them and saves them; returns what `change` returned.
    fn update_calling_settings<T>(
        &self,
        change: impl FnOnce(&mut CallingSettings) -> T,
    ) -> Result<T, CoreError> {
        let store = self.store()?;
        let mut settings = calling_settings::load(store.conn())?;
        let changed = change(&mut settings);
        calling_settings::save(store.conn(), &settings, Timestamp::now())?;
        Ok(changed)
    }

    /// Lets the agent place calls while a finished call waits for its wrap-up (`true`), or makes
    /// the next call wait until it is done (`false`, the default).
    pub fn set_calls_during_wrap_up(&self, allow: bool) -> Result<(), CoreError> {
        self.update_calling_settings(|s| s.calls_during_wrap_up = allow)
    }

    /// Trusts the CA in PEM file `path` for a private PBX's WSS certificate (beside the system's
    /// roots), or stops trusting it (`None`). The file must hold at least one certificate; it
    /// is copied into the profile (`pbx-ca.pem`, the owner's only), so what the phone trusts
    /// later is what was checked now, not whatever the chosen path holds by then.
    pub fn set_pbx_ca_file(&self, path: Option<&Path>) -> Result<(), CoreError> {
        let kept = self.data_dir().join(PBX_CA_FILE);
        let saved = match path {
            Some(path) => {
                leadline_sip::transport::ca_certificates(path)?;
                let pem = std::fs::read(path)
                    .map_err(|e| invalid("pbx_ca_file", format!("cannot read {}: {e}", path.display())))?;
                let io = |e: std::io::Error| {
                    invalid("pbx_ca_file", format!("cannot keep the CA in the profile: {e}"))
                };
                let temporary = kept.with_extension("pem.tmp");
                std::fs::write(&temporary, &pem).map_err(io)?;
                leadline_store::model::files::owner_only(&temporary).map_err(io)?;
                std::fs::rename(&temporary, &kept).map_err(io)?;
                Some(kept.to_string_lossy().into_owned())
            }
            None => {
                if let Err(error) = std::fs::remove_file(&kept)
                    && error.kind() != std::io::ErrorKind::NotFound
                {
                    tracing::warn!(%error, "the old PBX CA copy could not be removed");
                }
                None
            }
        };
        self.update_calling_settings(|s| s.pbx_ca_file = saved)
    }

    /// Adds a STUN server, or a TURN server with its user and password (the password to the
    /// keychain), or replaces the one with the same URL.
    pub fn set_ice_server(&self, url: &str, turn_login: Option<(&str, &str)>) -> Result<(), CoreError> {
        let turn = check_ice_url(url)?;
        let username = match (turn, turn_login) {
            (false, None) => None,
            (false, Some(_)) => {
                return Err(invalid(
                    "ice_url",
                    format!("{url:?} is a STUN server: it takes no login"),
                ));
            }
            (true, None) => {
                return Err(invalid(
                    "ice_url",
                    format!("{url:?} is a TURN server: it needs a user and a password"),
                ));
            }
            (true, Some((user, password))) => {
                if user.is_empty() || user.len() > MAX_LEN || user.chars().any(char::is_control) {
                    return Err(invalid(
                        "turn_username",
                        "a TURN user is 1 to 512 printable characters".into(),
                    ));
                }
                if password.is_empty() {
                    return Err(invalid("turn_password", "the TURN password is empty".into()));
                }
                keychain::set(Secret::TurnPassword, user, url, password)?;
                Some(user.to_owned())
            }
        };
        let entry = IceServerSetting {
            url: url.to_owned(),
            username: username.clone(),
        };
        let replaced =
            self.update_calling_settings(|s| match s.ice_servers.iter_mut().find(|e| e.url == url) {
                Some(existing) => Some(std::mem::replace(existing, entry)),
                None => {
                    s.ice_servers.push(entry);
                    None
                }
            })?;
        // A replaced TURN login leaves no password behind.
        if let Some(user) = replaced.and_then(|e| e.username)
            && Some(&user) != username.as_ref()
        {
            keychain::delete(Secret::TurnPassword, &user, url)?;
        }
        Ok(())
    }

    /// Removes the ICE server with this URL (and its password); returns whether there was one.
    pub fn remove_ice_server(&self, url: &str) -> Result<bool, CoreError> {
        let removed = self.update_calling_settings(|s| {
            let at = s.ice_servers.iter().position(|e| e.url == url)?;
            Some(s.ice_servers.remove(at))
        })?;
        let Some(removed) = removed else {
            return Ok(false);
        };
        if let Some(user) = &removed.username {
            keychain::delete(Secret::TurnPassword, user, url)?;
        }
        Ok(true)
    }

    /// The ICE servers for a call's media session, TURN passwords from the keychain. A TURN
    /// server whose password is gone from the keychain is an error naming it.
    pub fn ice_servers(&self) -> Result<Vec<IceServer>, CoreError> {
        self.calling_settings()?
            .ice_servers
            .into_iter()
            .map(|entry| {
                let credential = match &entry.username {
                    Some(user) => {
                        keychain::get(Secret::TurnPassword, user, &entry.url)?.ok_or_else(|| {
                            invalid(
                                "turn_password",
                                format!(
                                    "the password of TURN server {} is not in the keychain; set it again",
                                    entry.url
                                ),
                            )
                        })?
                    }
                    None => String::new(),
                };
                Ok(IceServer {
                    urls: vec![entry.url],
                    username: entry.username.unwrap_or_default(),
                    credential,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TURN: &str = "turn:turn.acme.example:3478";

    fn database_bytes(dir: &Path) -> Vec<u8> {
        let mut bytes = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            bytes.extend(std::fs::read(entry.unwrap().path()).unwrap_or_default());
        }
        bytes
    }

    #[test]
    fn a_turn_password_lives_in_the_keychain_only() {
        keychain::use_mock();
        let dir = tempfile::tempdir().unwrap();
        let handle = Handle::open(dir.path()).unwrap();
        handle.set_ice_server("stun:stun.acme.example", None).unwrap();
        handle
            .set_ice_server(TURN, Some(("agent7", "turn-secret-1")))
            .unwrap();
        let settings = handle.calling_settings().unwrap();
        let urls: Vec<&str> = settings.ice_servers.iter().map(|e| e.url.as_str()).collect();
        assert_eq!(urls, ["stun:stun.acme.example", TURN]);
        let servers = handle.ice_servers().unwrap();
        assert_eq!(servers[0].credential, "");
        assert_eq!(
            (servers[1].username.as_str(), servers[1].credential.as_str()),
            ("agent7", "turn-secret-1")
        );
        let found = database_bytes(dir.path())
            .windows(b"turn-secret-1".len())
            .any(|w| w == b"turn-secret-1");
        assert!(!found, "the TURN password reached the profile directory");
        assert!(!format!("{settings:?}").contains("turn-secret"));

        // A new login replaces the old one, whose password goes.
        handle
            .set_ice_server(TURN, Some(("agent8", "turn-secret-2")))
            .unwrap();
        assert_eq!(keychain::get(Secret::TurnPassword, "agent7", TURN).unwrap(), None);
        assert_eq!(handle.calling_settings().unwrap().ice_servers.len(), 2);
        assert!(handle.remove_ice_server(TURN).unwrap());
        assert_eq!(keychain::get(Secret::TurnPassword, "agent8", TURN).unwrap(), None);
        assert!(!handle.remove_ice_server(TURN).unwrap());

        // Refused, and nothing changes.
        assert!(handle.set_ice_server(TURN, None).is_err(), "TURN without a login");
        assert!(
            handle.set_ice_server(TURN, Some(("agent7", ""))).is_err(),
            "an empty password"
        );
        assert!(
            handle.set_ice_server("stun:s.example", Some(("a", "b"))).is_err(),
            "STUN with a login"
        );
        assert!(handle.set_ice_server("http://x", None).is_err());
        assert_eq!(handle.calling_settings().unwrap().ice_servers.len(), 1);
    }

    #[test]
    fn a_pbx_ca_file_must_hold_a_certificate_and_reaches_the_sip_account() {
        keychain::use_mock();
        let dir = tempfile::tempdir().unwrap();
        let handle = Handle::open(dir.path()).unwrap();
        let missing = dir.path().join("missing.pem");
        assert_eq!(
            handle.set_pbx_ca_file(Some(&missing)).unwrap_err().kind(),
            crate::ErrorKind::InvalidInput
        );
        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "not a certificate").unwrap();
        assert_eq!(
            handle.set_pbx_ca_file(Some(&text)).unwrap_err().kind(),
            crate::ErrorKind::InvalidInput
        );
        assert_eq!(handle.calling_settings().unwrap().pbx_ca_file, None);
        let ca = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/test-ca.pem"));
        // The chosen file is copied into the profile: changing it later changes nothing.
        let chosen = dir.path().join("chosen-ca.pem");
        std::fs::copy(ca, &chosen).unwrap();
        handle.set_pbx_ca_file(Some(&chosen)).unwrap();
        let saved = handle.calling_settings().unwrap().pbx_ca_file.unwrap();
        assert_eq!(Path::new(&saved), dir.path().join(PBX_CA_FILE), "{saved}");
        std::fs::write(&chosen, "swapped for something else").unwrap();
        assert_eq!(std::fs::read(&saved).unwrap(), std::fs::read(ca).unwrap());
        handle.set_pbx_ca_file(None).unwrap();
        assert_eq!(handle.calling_settings().unwrap().pbx_ca_file, None);
        assert!(!Path::new(&saved).exists(), "the copy goes with the setting");
    }

    #[test]
    fn stun_and_turn_urls_are_checked() {
        assert_eq!(check_ice_url("stun:stun.acme.example").ok(), Some(false));
        assert_eq!(check_ice_url("stun:127.0.0.1:3478").ok(), Some(false));
        assert_eq!(
            check_ice_url("turn:turn.acme.example:3478?transport=tcp").ok(),
            Some(true)
        );
        assert_eq!(check_ice_url("turns:[::1]:5349").ok(), Some(true));
        for bad in [
            "",
            "stun:",
            "http://stun.acme.example",
            "stun://stun.acme.example",
            "stun:stun.acme.example:0",
            "stun:stun.acme.example:99999",
            "stun:stun.acme.example?transport=udp",
            "turn:turn.acme.example?foo=bar",
            "turn:bad host",
            "turn:a@b",
            "stun:x\u{0}y",
        ] {
            assert!(check_ice_url(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
