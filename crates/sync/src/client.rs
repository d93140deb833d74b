//! The tenant API client. Every failure is a [`SyncError`] that says whether to retry
//! (network, server error), to stop and tell the agent (account or tenant state, token), or
//! that the server sent something this client cannot read. The token never appears in an
//! error or a log line.

use leadline_api::{
    ChangesPage, ErrorBody, ErrorCode, LoginRequest, LoginResponse, MAX_ANSWER_BYTES, Me, Mutation, PREFIX,
    PushRequest, PushResponse, SipCredentials,
};
use reqwest::{RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use std::sync::Once;
use std::time::Duration;

/// Why a call to the tenant server failed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The server could not be reached (offline, refused, timed out): retry later.
    #[error("the tenant server cannot be reached: {0}")]
    Unreachable(String),
    /// The server refused the account or the token: stop syncing and tell the agent.
    #[error("{message}")]
    Refused {
        /// The server's code (`unauthenticated`, `tenant_suspended`, …).
        code: ErrorCode,
        /// The server's sentence.
        message: String,
    },
    /// The server rejected the request itself (4xx other than the above).
    #[error("the tenant server refused the request ({status}): {message}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// The server's sentence.
        message: String,
    },
    /// The server asks to wait (429: too many failed sign-ins, or too many refused changes).
    #[error("{message}")]
    Throttled {
        /// The server's sentence.
        message: String,
        /// Seconds to wait (`Retry-After`), if given.
        retry_after_secs: Option<u64>,
    },
    /// The server failed (5xx): retry later.
    #[error("the tenant server failed ({status}); will retry")]
    ServerError {
        /// HTTP status.
        status: u16,
    },
    /// The answer could not be read.
    #[error("the tenant server sent an answer this version cannot read: {0}")]
    BadAnswer(String),
    /// The server address is not usable.
    #[error("invalid server address {0:?}: use http(s)://host[:port]")]
    BadUrl(String),
    /// Plain `http://` to another machine: the password and the token would cross the network
    /// unencrypted.
    #[error(
        "refusing plain http:// to {0:?}: use https:// (plain HTTP is only for this machine's own address)"
    )]
    Cleartext(String),
}

/// Set to `1` on a development machine to let plain `http://` reach a server that is not on
/// this machine (a warning is logged for every client made so).
pub const ALLOW_CLEARTEXT_ENV: &str = "LEADLINE_ALLOW_CLEARTEXT";

/// Whether the authority of `rest` (what follows `http://`) is this machine.
fn is_loopback(rest: &str) -> bool {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(host, _)| host),
    };
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl SyncError {
    /// Whether trying again later may succeed (network, 5xx).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            SyncError::Unreachable(_) | SyncError::ServerError { .. } | SyncError::Throttled { .. }
        )
    }

    /// How long the server asked to wait before the next request, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SyncError::Throttled { retry_after_secs, .. } => {
                Some(Duration::from_secs(retry_after_secs.unwrap_or(60)))
            }
            _ => None,
        }
    }
}

/// A client of one tenant server, optionally holding a token (`Debug` shows no token).
#[derive(Clone)]
pub struct ApiClient {
    base: String,
    http: reqwest::Client,
    token: Option<String>,
}

impl std::fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClient")
            .field("base", &self.base)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .finish()
    }
}

static CRYPTO: Once = Once::new();

impl ApiClient {
    /// A client of the server at `base` (`https://crm.example.com`, or `http://127.0.0.1:8787`).
    pub fn new(base: &str) -> Result<ApiClient, SyncError> {
        let base = base.trim().trim_end_matches('/');
        let valid =
            (base.starts_with("https://") || base.starts_with("http://")) && base.len() > "http://".len();
        if !valid || base.contains(char::is_whitespace) {
            return Err(SyncError::BadUrl(base.to_owned()));
        }
        if let Some(rest) = base.strip_prefix("http://")
            && !is_loopback(rest)
        {
            if std::env::var(ALLOW_CLEARTEXT_ENV).is_ok_and(|v| v == "1") {
                tracing::warn!(
                    server = base,
                    "plain http:// to another machine ({ALLOW_CLEARTEXT_ENV}=1): passwords and tokens travel unencrypted"
                );
            } else {
                return Err(SyncError::Cleartext(base.to_owned()));
            }
        }
        // ring is the one TLS provider compiled in; install it before the first connection.
        CRYPTO.call_once(|| {
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
        let http = reqwest::Client::builder()
            .user_agent(concat!("Leadline/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| SyncError::Unreachable(e.to_string()))?;
        Ok(ApiClient {
            base: base.to_owned(),
            http,
            token: None,
        })
    }

    /// The same client with a token.
    pub fn with_token(mut self, token: String) -> ApiClient {
        self.token = Some(token);
        self
    }

    /// The server's base address.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}{PREFIX}{path}", self.base)
    }

    fn authorized(&self, request: RequestBuilder) -> RequestBuilder {
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    async fn send<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T, SyncError> {
        let response = self
            .authorized(request)
            .send()
            .await
            .map_err(|e| SyncError::Unreachable(e.without_url().to_string()))?;
        let status = response.status();
        if status.is_success() {
            let bytes = read_bounded(response).await?;
            return serde_json::from_slice(&bytes).map_err(|e| SyncError::BadAnswer(e.to_string()));
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            let retry_after_secs = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok());
            let message = read_bounded(response)
                .await
                .ok()
                .and_then(|b| serde_json::from_slice::<ErrorBody>(&b).ok())
                .map_or_else(
                    || "the tenant server asks to wait before trying again".into(),
                    |b| b.message,
                );
            return Err(SyncError::Throttled {
                message,
                retry_after_secs,
            });
        }
        if status.is_server_error() {
            return Err(SyncError::ServerError {
                status: status.as_u16(),
            });
        }
        let body: Option<ErrorBody> = read_bounded(response)
            .await
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        Err(match body {
            Some(ErrorBody { error, message })
                if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
                    && error != ErrorCode::Forbidden =>
            {
                SyncError::Refused { code: error, message }
            }
            Some(body) => SyncError::Rejected {
                status: status.as_u16(),
                message: body.message,
            },
            None => SyncError::Rejected {
                status: status.as_u16(),
                message: "no readable reason given".into(),
            },
        })
    }

    /// Signs in; the answer's token is for the keychain.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        device_name: &str,
    ) -> Result<LoginResponse, SyncError> {
        let body = LoginRequest {
            email: email.to_owned(),
            password: password.to_owned(),
            device_name: Some(device_name.to_owned()),
        };
        self.send(self.http.post(self.url("/auth/login")).json(&body))
            .await
    }

    /// Revokes this client's token.
    pub async fn logout(&self) -> Result<(), SyncError> {
        let response = self
            .authorized(self.http.post(self.url("/auth/logout")))
            .send()
            .await
            .map_err(|e| SyncError::Unreachable(e.without_url().to_string()))?;
        match response.status() {
            s if s.is_success() || s == StatusCode::UNAUTHORIZED => Ok(()),
            s if s.is_server_error() => Err(SyncError::ServerError { status: s.as_u16() }),
            s => Err(SyncError::Rejected {
                status: s.as_u16(),
                message: "logout refused".into(),
            }),
        }
    }

    /// Who the token belongs to.
    pub async fn me(&self) -> Result<Me, SyncError> {
        self.send(self.http.get(self.url("/me"))).await
    }

    /// The agent's own SIP credentials (password included: for the keychain only).
    pub async fn sip_credentials(&self) -> Result<SipCredentials, SyncError> {
        self.send(self.http.get(self.url("/me/sip-credentials"))).await
    }

    /// A page of changes after `cursor`.
    pub async fn changes(&self, cursor: Option<&str>, limit: usize) -> Result<ChangesPage, SyncError> {
        let mut url = format!("{}?limit={limit}", self.url("/changes"));
        if let Some(cursor) = cursor {
            url.push_str("&cursor=");
            url.push_str(&percent_encode(cursor));
        }
        self.send(self.http.get(url)).await
    }

    /// Pushes mutations; one result each, in order.
    pub async fn push(&self, mutations: Vec<Mutation>) -> Result<PushResponse, SyncError> {
        self.send(
            self.http
                .post(self.url("/mutations"))
                .json(&PushRequest { mutations }),
        )
        .await
    }
}

/// Query-string encoding: unreserved characters as they are, every other byte as `%XX`.
/// The answer's body, refused past [`MAX_ANSWER_BYTES`] without buffering the rest (a
/// misbehaving server cannot make the client hold gigabytes).
async fn read_bounded(mut response: reqwest::Response) -> Result<Vec<u8>, SyncError> {
    let too_long = || {
        SyncError::BadAnswer(format!(
            "the answer is longer than {} MiB",
            MAX_ANSWER_BYTES / (1024 * 1024)
        ))
    };
    if response
        .content_length()
        .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
    {
        return Err(too_long());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| SyncError::Unreachable(format!("the answer was cut short ({})", e.without_url())))?
    {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(too_long());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked_and_cursors_encoded() {
        assert!(ApiClient::new("https://crm.example.com/").is_ok());
        assert!(ApiClient::new("http://127.0.0.1:8787").is_ok());
        assert!(ApiClient::new("http://localhost:8787/").is_ok());
        assert!(ApiClient::new("http://[::1]:8787").is_ok());
        for bad in ["", "crm.example.com", "ftp://x", "http://", "http://a b"] {
            assert!(matches!(ApiClient::new(bad), Err(SyncError::BadUrl(_))), "{bad}");
        }
        assert_eq!(percent_encode("v1:42&x=é"), "v1%3A42%26x%3D%C3%A9");
    }

    #[test]
    fn plain_http_reaches_only_this_machine() {
        for remote in [
            "http://crm.example.com",
            "http://10.0.0.5:8787",
            "http://127.0.0.1.example.com",
            "http://[2001:db8::1]:80",
        ] {
            assert!(
                matches!(ApiClient::new(remote), Err(SyncError::Cleartext(_))),
                "{remote}"
            );
        }
        assert!(ApiClient::new("https://10.0.0.5:8787").is_ok());
    }

    #[test]
    fn the_token_never_prints() {
        let client = ApiClient::new("https://crm.example.com")
            .unwrap()
            .with_token("llt_s3cret-token".into());
        let text = format!("{client:?}");
        assert!(
            !text.contains("s3cret") && text.contains("***") && text.contains("crm.example.com"),
            "{text}"
        );
    }
}
