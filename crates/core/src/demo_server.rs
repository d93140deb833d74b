//! The demo tenant server inside the app (feature `demo-server`): see [`crate::demo`].

use crate::demo::{DEMO_DIR, DEMO_SEED, DEMO_TENANT, port_file, saved_port, url_of};
use crate::keychain::{self, Secret};
use crate::{CoreError, Handle};
use leadline_store::model::Role;
use leadline_store::model::demo::DEMO_PASSWORD;
use leadline_store::repo::profile;
use leadline_tenant_server::{RunningServer, ServerKey, TenantServer};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;

/// Leads in the demo tenant.
const DEMO_LEADS: usize = 400;
/// Sizes a new demo tenant differently (1 to 100,000 leads): how the benchmarks get a board of
/// 10,000 leads. Read only when the demo tenant is first created.
pub const DEMO_LEADS_ENV: &str = "LEADLINE_DEMO_LEADS";

fn demo_leads() -> usize {
    std::env::var(DEMO_LEADS_ENV)
        .ok()
        .and_then(|n| n.trim().parse::<usize>().ok())
        .filter(|n| (1..=100_000).contains(n))
        .unwrap_or(DEMO_LEADS)
}

/// The demo tenant server running in this process. Stops when dropped.
#[derive(Debug)]
pub struct DemoServer {
    running: Option<RunningServer>,
    url: String,
    line: Option<crate::demo_line::DemoLine>,
}

impl DemoServer {
    /// The demo's phone line (its PBX), when the demo agent has a SIP account.
    pub fn line(&self) -> Option<&crate::demo_line::DemoLine> {
        self.line.as_ref()
    }

    /// Where it listens (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop();
        }
    }
}

fn demo_error(what: &str, error: impl std::fmt::Display) -> CoreError {
    CoreError::Demo(format!("{what}: {error}"))
}

/// The demo agent's email, seeding the demo tenant first if the server has none.
fn demo_agent(server: &TenantServer) -> Result<String, CoreError> {
    let existing = server
        .first_user_with_role(Role::SalesAgent)
        .map_err(|e| demo_error("cannot read the demo tenant", e))?;
    if let Some(email) = existing {
        return Ok(email);
    }
    let seeded = server
        .seed_demo(DEMO_TENANT, "demo", demo_leads(), DEMO_SEED)
        .map_err(|e| demo_error("cannot create the demo tenant", e))?;
    seeded
        .users
        .into_iter()
        .find(|u| u.role == Role::SalesAgent)
        .map(|u| u.email)
        .ok_or_else(|| demo_error("cannot create the demo tenant", "it has no sales agent"))
}

async fn listen(server: TenantServer, port: Option<u16>) -> Result<RunningServer, CoreError> {
    if let Some(port) = port
        && let Ok(running) = server
            .clone()
            .spawn(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
            .await
    {
        return Ok(running);
    }
    server
        .spawn(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .map_err(|e| demo_error("cannot listen on the loopback interface", e))
}

impl Handle {
    /// Starts the demo tenant server and brings this profile up to date with it; `None` for a
    /// profile of a real tenant server. Keep the returned server alive while the app runs.
    pub async fn start_demo(&self) -> Result<Option<DemoServer>, CoreError> {
        if !self.is_demo()? {
            return Ok(None);
        }
        let dir = self.data_dir().join(DEMO_DIR);
        std::fs::create_dir_all(&dir).map_err(|source| CoreError::DataDir {
            path: dir.clone(),
            source,
        })?;
        let key = ServerKey::load_or_create(&dir.join("server.key"))
            .map_err(|e| demo_error("cannot read the demo server's key", e))?;
        let server = TenantServer::open(&dir.join("tenants.sqlite3"), key)
            .map_err(|e| demo_error("cannot open the demo server's database", e))?;
        let email = demo_agent(&server)?;
        let old_port = saved_port(&dir);
        let running = listen(server.clone(), old_port).await?;
        let port = running.addr.port();
        std::fs::write(port_file(&dir), port.to_string()).map_err(|source| CoreError::DataDir {
            path: port_file(&dir),
            source,
        })?;
        let mut demo = DemoServer {
            url: url_of(port),
            running: Some(running),
            line: None,
        };
        let current = profile::load(self.store()?.conn())?.and_then(|p| p.server_url);
        match (current, old_port) {
            (Some(server), Some(old)) if server == url_of(old) && old != port => {
                self.move_server(&server, demo.url())?;
            }
            (Some(_), _) => {}
            (None, _) => {
                self.login(demo.url(), &email, DEMO_PASSWORD).await?;
            }
        }
        tracing::info!(url = %demo.url(), "demo tenant server running");
        self.sync(&mut |_| {}).await?;
        demo.line = self.start_demo_line(&server, &email, &dir).await;
        Ok(Some(demo))
    }

    /// Starts the demo PBX and points the demo agent's SIP account at it (synced here at
    /// once). Without it the demo still works, only without calls: `None`, and why is logged.
    async fn start_demo_line(
        &self,
        server: &TenantServer,
        email: &str,
        dir: &Path,
    ) -> Option<crate::demo_line::DemoLine> {
        let (account, _) = match self.sip_account() {
            Ok(account) => account,
            Err(error) => {
                tracing::warn!(%error, "the demo agent has no SIP account: the demo cannot call");
                return None;
            }
        };
        let pbx_port = dir.join("pbx-port");
        let old_port = std::fs::read_to_string(&pbx_port)
            .ok()
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or(0);
        let line = match crate::demo_line::DemoLine::start(&account.username, &account.domain, old_port).await
        {
            Ok(line) => line,
            Err(error) => {
                tracing::warn!(%error, "the demo PBX could not start: the demo cannot call");
                return None;
            }
        };
        if let Err(error) = std::fs::write(&pbx_port, line.port().to_string()) {
            tracing::debug!(%error, "the demo PBX's port is not remembered");
        }
        // The agent's account (known to exist: it was just read) points at the PBX; a change is
        // pulled at once so the phone registers there on start.
        match server.set_sip_line(email, line.url(), &account.domain) {
            Ok(true) => {
                if let Err(error) = self.sync(&mut |_| {}).await {
                    tracing::warn!(%error, "the demo agent's line did not sync");
                }
            }
            Ok(false) => {}
            Err(error) => {
                tracing::warn!(error = %demo_error("cannot give the demo agent its line", error), "the demo cannot call");
                return None;
            }
        }
        tracing::info!(url = %line.url(), "demo PBX running");
        Some(line)
    }

    /// Points the profile at the same tenant server under a new address, its token with it.
    fn move_server(&self, from: &str, to: &str) -> Result<(), CoreError> {
        let store = self.store()?;
        let mut saved = profile::require(store.conn())?;
        let email = crate::Session::load(&store)?.user.email;
        if let Some(token) = keychain::get(Secret::ApiToken, &email, from)? {
            keychain::set(Secret::ApiToken, &email, to, &token)?;
            keychain::delete(Secret::ApiToken, &email, from)?;
        }
        if let Some(sip) = keychain::get(Secret::SipPassword, &email, from)? {
            keychain::set(Secret::SipPassword, &email, to, &sip)?;
            keychain::delete(Secret::SipPassword, &email, from)?;
        }
        saved.server_url = Some(to.to_owned());
        profile::save(store.conn(), &saved, leadline_store::Timestamp::now())?;
        Ok(())
    }
}
