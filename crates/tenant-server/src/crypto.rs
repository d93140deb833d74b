//! The server key and what it protects: SIP passwords are stored encrypted
//! (ChaCha20-Poly1305, a random nonce per value, `v1:` + base64 of nonce and ciphertext),
//! decrypted only to answer their own agent. The key is 32 random bytes in a file beside the
//! database (created with mode 0600 when missing) or in `LEADLINE_SERVER_KEY` (base64).

use crate::error::ServerError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use std::path::Path;

const PREFIX: &str = "v1:";

/// The key that encrypts secrets at rest. Its `Debug` never shows it.
#[derive(Clone)]
pub struct ServerKey(Key);

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKey(..)")
    }
}

fn random<const N: usize>() -> Result<[u8; N], ServerError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| ServerError::Key {
        path: "-".into(),
        reason: e.to_string(),
    })?;
    Ok(bytes)
}

impl ServerKey {
    /// A fresh random key.
    pub fn generate() -> Result<ServerKey, ServerError> {
        Ok(ServerKey(Key::from(random::<32>()?)))
    }

    /// From its base64 text.
    pub fn from_base64(text: &str) -> Option<ServerKey> {
        let bytes = STANDARD.decode(text.trim()).ok()?;
        let bytes: [u8; 32] = bytes.try_into().ok()?;
        Some(ServerKey(Key::from(bytes)))
    }

    /// `LEADLINE_SERVER_KEY` if set, else the key file at `path`, created when missing.
    pub fn load_or_create(path: &Path) -> Result<ServerKey, ServerError> {
        let bad = |reason: &str| ServerError::Key {
            path: path.display().to_string(),
            reason: reason.to_owned(),
        };
        if let Ok(text) = std::env::var("LEADLINE_SERVER_KEY") {
            return ServerKey::from_base64(&text)
                .ok_or_else(|| bad("LEADLINE_SERVER_KEY is not 32 bytes of base64"));
        }
        match std::fs::read_to_string(path) {
            Ok(text) => {
                // Checked at every start, not only when created: a key copied or restored
                // with a looser mode is made the owner's only again.
                if leadline_model::files::owner_only(path).map_err(|e| bad(&e.to_string()))? {
                    tracing::warn!(path = %path.display(), "the server key was readable by others: made private");
                }
                ServerKey::from_base64(&text).ok_or_else(|| bad("not 32 bytes of base64"))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = ServerKey::generate()?;
                write_private(path, &STANDARD.encode(key.0)).map_err(|e| bad(&e.to_string()))?;
                Ok(key)
            }
            Err(e) => Err(bad(&e.to_string())),
        }
    }

    /// Encrypts `plain`.
    pub fn encrypt(&self, plain: &str) -> Result<String, ServerError> {
        let nonce = random::<12>()?;
        let sealed = ChaCha20Poly1305::new(&self.0)
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .map_err(|_| ServerError::Key {
                path: "-".into(),
                reason: "encryption failed".into(),
            })?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{}", STANDARD.encode(out)))
    }

    /// Decrypts what [`ServerKey::encrypt`] made with this key; `None` if it was not.
    pub fn decrypt(&self, sealed: &str) -> Option<String> {
        let bytes = STANDARD.decode(sealed.strip_prefix(PREFIX)?).ok()?;
        if bytes.len() < 12 {
            return None;
        }
        let (nonce, body) = bytes.split_at(12);
        let plain = ChaCha20Poly1305::new(&self.0)
            .decrypt(Nonce::from_slice(nonce), body)
            .ok()?;
        String::from_utf8(plain).ok()
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn the_key_and_the_database_are_made_the_owners_only_at_every_start() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let loosen = |p: &Path| std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o644)).unwrap();
        let key_path = dir.path().join("server.key");
        let key = ServerKey::load_or_create(&key_path).unwrap();
        assert_eq!(mode(&key_path), 0o600);
        loosen(&key_path);
        let again = ServerKey::load_or_create(&key_path).unwrap();
        assert_eq!(mode(&key_path), 0o600, "a key restored with a looser mode");
        assert_eq!(again.0, key.0, "the same key");
        let db_path = dir.path().join("tenants.sqlite3");
        drop(crate::db::Db::open(&db_path).unwrap());
        loosen(&db_path);
        drop(crate::db::Db::open(&db_path).unwrap());
        assert_eq!(mode(&db_path), 0o600);
    }

    #[test]
    fn secrets_round_trip_and_only_with_their_key() {
        let key = ServerKey::generate().unwrap();
        let sealed = key.encrypt("s3cret-sip").unwrap();
        assert!(!sealed.contains("s3cret"));
        assert_ne!(
            sealed,
            key.encrypt("s3cret-sip").unwrap(),
            "a fresh nonce each time"
        );
        assert_eq!(key.decrypt(&sealed).as_deref(), Some("s3cret-sip"));
        assert_eq!(ServerKey::generate().unwrap().decrypt(&sealed), None);
        assert_eq!(key.decrypt("v1:garbage"), None);
        assert_eq!(key.decrypt("plain"), None);
        assert_eq!(format!("{key:?}"), "ServerKey(..)");
    }

    #[test]
    fn the_key_file_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.key");
        let a = ServerKey::load_or_create(&path).unwrap();
        let b = ServerKey::load_or_create(&path).unwrap();
        assert_eq!(b.decrypt(&a.encrypt("x").unwrap()).as_deref(), Some("x"));
        std::fs::write(&path, "short").unwrap();
        assert!(ServerKey::load_or_create(&path).is_err());
    }
}
