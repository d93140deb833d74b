//! Dialing the PBX's WebSocket (RFC 7118, subprotocol `sip`). WSS verifies the PBX's
//! certificate against the operating system's roots plus the account's optional CA file (a
//! private PBX); there is no way to turn verification off. The dialed connection is handed to
//! rsipstack's transport layer; its cancel token fires when the connection closes, which is
//! how the registration notices a dead PBX.

use crate::{Account, SipError};
use futures_util::StreamExt;
use rsipstack::sip::{HostWithPort, Transport};
use rsipstack::transport::websocket::{WebSocketConnection, WebSocketInner};
use rsipstack::transport::{SipAddr, SipConnection};
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::sync::Arc;
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{Connector, MaybeTlsStream};
use tokio_util::sync::CancellationToken;

/// The largest SIP message taken from the PBX (bytes); a larger one closes the connection.
pub const MAX_SIP_MESSAGE: usize = 64 * 1024;

/// A live WebSocket to the PBX, registered with the transport layer.
#[derive(Debug, Clone)]
pub struct Dialed {
    /// The connection.
    pub connection: SipConnection,
    /// The PBX's address as the transport layer knows it.
    pub remote: SipAddr,
    /// Our end of the connection.
    pub local: std::net::SocketAddr,
    /// Whether it is TLS (`wss`).
    pub secure: bool,
    /// Cancelled when the connection closes (or to close it).
    pub closed: CancellationToken,
}

/// `(host, port, path, secure)` of a `ws://` or `wss://` URL.
pub fn host_and_port(url: &str) -> Option<(String, u16, String, bool)> {
    let (secure, rest) = if let Some(rest) = url.strip_prefix("wss://") {
        (true, rest)
    } else {
        (false, url.strip_prefix("ws://")?)
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let default_port = if secure { 443 } else { 80 };
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None if after.is_empty() => default_port,
            None => return None,
        };
        (host.to_owned(), port)
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host.to_owned(), port.parse().ok()?),
            None => (authority.to_owned(), default_port),
        }
    };
    (!host.is_empty() && !host.contains('@')).then(|| (host, port, path.to_owned(), secure))
}

/// The certificates of a private CA's PEM file: an error when it cannot be read, is not PEM,
/// or holds none.
pub fn ca_certificates(path: &std::path::Path) -> Result<Vec<CertificateDer<'static>>, SipError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .map_err(|e| SipError::InvalidAccount(format!("cannot read the CA file {}: {e}", path.display())))?
        .collect::<Result<_, _>>()
        .map_err(|e| SipError::InvalidAccount(format!("the CA file {} is not PEM: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(SipError::InvalidAccount(format!(
            "the CA file {} holds no certificate",
            path.display()
        )));
    }
    Ok(certs)
}

/// The TLS settings for this account: system roots plus its CA file.
fn tls_config(account: &Account) -> Result<Arc<rustls::ClientConfig>, SipError> {
    let mut roots = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for cert in native.certs {
        // A broken system certificate is the system's problem; the others still count.
        let _ = roots.add(cert);
    }
    if let Some(path) = &account.ca_cert {
        for cert in ca_certificates(path)? {
            roots.add(cert).map_err(|e| {
                SipError::InvalidAccount(format!("a certificate in {} is not usable: {e}", path.display()))
            })?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SipError::Tls {
            url: account.ws_url.clone(),
            reason: e.to_string(),
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

fn classify(url: &str, error: tokio_tungstenite::tungstenite::Error) -> SipError {
    use tokio_tungstenite::tungstenite::Error;
    let reason = error.to_string();
    match error {
        Error::Tls(_) => SipError::Tls {
            url: url.to_owned(),
            reason,
        },
        Error::Io(io) if io.get_ref().is_some_and(|inner| inner.is::<rustls::Error>()) => SipError::Tls {
            url: url.to_owned(),
            reason: io.to_string(),
        },
        _ => SipError::Unreachable {
            url: url.to_owned(),
            reason,
        },
    }
}

/// Opens the account's WebSocket (the caller bounds how long it may take).
pub async fn dial(account: &Account) -> Result<Dialed, SipError> {
    let url = account.ws_url.trim();
    let (_, _, _, secure) = host_and_port(url).ok_or_else(|| {
        SipError::InvalidAccount(format!("the PBX address {url:?} is not a ws:// or wss:// URL"))
    })?;
    let mut request = url
        .into_client_request()
        .map_err(|e| SipError::InvalidAccount(format!("the PBX address {url:?}: {e}")))?;
    request
        .headers_mut()
        .insert("sec-websocket-protocol", HeaderValue::from_static("sip"));
    let connector = if secure {
        Connector::Rustls(tls_config(account)?)
    } else {
        Connector::Plain
    };
    // Nagle off: SIP messages are small and each waits for an answer (with Nagle on, a
    // request written behind an unacknowledged one waits for the peer's delayed ACK, ~40 ms).
    // A SIP message is a few kilobytes; the library's default (64 MiB) would let a broken or
    // hostile PBX make us hold a huge one.
    let limits = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(MAX_SIP_MESSAGE))
        .max_frame_size(Some(MAX_SIP_MESSAGE));
    let connect =
        tokio_tungstenite::connect_async_tls_with_config(request, Some(limits), true, Some(connector));
    let (stream, _) = connect.await.map_err(|e| classify(url, e))?;
    let tcp = match stream.get_ref() {
        MaybeTlsStream::Plain(tcp) => tcp,
        MaybeTlsStream::Rustls(tls) => tls.get_ref().0,
        _ => {
            return Err(SipError::Stack("unexpected WebSocket stream type".into()));
        }
    };
    let io = |e: std::io::Error| SipError::Unreachable {
        url: url.to_owned(),
        reason: e.to_string(),
    };
    let local = tcp.local_addr().map_err(io)?;
    let peer = tcp.peer_addr().map_err(io)?;
    let transport = if secure { Transport::Wss } else { Transport::Ws };
    let remote = SipAddr {
        r#type: Some(transport),
        addr: HostWithPort::from(peer),
    };
    let (sink, read) = stream.split();
    let closed = CancellationToken::new();
    let connection = WebSocketConnection {
        inner: Arc::new(WebSocketInner {
            local_addr: SipAddr {
                r#type: Some(transport),
                addr: HostWithPort::from(local),
            },
            remote_addr: remote.clone(),
            ws_sink: Mutex::new(sink),
            ws_read: Mutex::new(Some(read)),
        }),
        cancel_token: Some(closed.clone()),
    };
    Ok(Dialed {
        connection: SipConnection::from(connection),
        remote,
        local,
        secure,
        closed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_read_as_host_port_path() {
        assert_eq!(
            host_and_port("wss://pbx.example.com:8443/ws"),
            Some(("pbx.example.com".into(), 8443, "/ws".into(), true))
        );
        assert_eq!(
            host_and_port("ws://127.0.0.1"),
            Some(("127.0.0.1".into(), 80, "/".into(), false))
        );
        assert_eq!(
            host_and_port("wss://[::1]:7443"),
            Some(("::1".into(), 7443, "/".into(), true))
        );
        for bad in [
            "http://x",
            "ws://",
            "ws://:80",
            "ws://a:port",
            "wss://[::1",
            "ws://u@h",
        ] {
            assert_eq!(host_and_port(bad), None, "{bad}");
        }
    }
}
