//! The reference tenant server: the CRM seed schema in SQLite (all tenants, strictly
//! isolated) and the tenant sync API of `leadline-api` over axum.
//!
//! Used three ways: the `leadline-tenant-server` binary (`seed`, `serve`), the app's built-in
//! demo, and tests that start one in-process on an ephemeral loopback port
//! ([`TenantServer::spawn`]). Every route but login takes a bearer token ([`auth::Caller`]);
//! every query is scoped to the caller's tenant; role permissions are checked on every route.
//! Passwords are argon2id hashes, tokens are stored as SHA-256, SIP passwords are encrypted
//! with the server key and decrypted only for their own agent.

pub mod auth;
mod crypto;
mod db;
mod error;
mod json;
pub mod limits;
pub mod openapi;
mod routes;
pub mod seed;
pub mod throttle;

pub use crypto::ServerKey;
pub use db::Db;
pub use error::{ApiError, ServerError};
pub use limits::Limits;
pub use routes::{ANSWERS_KEPT_SECS, MAX_STORED_REFUSALS_PER_DAY, forget_old_answers};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use leadline_model::Timestamp;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// The key that protects SIP passwords.
    pub key: Arc<ServerKey>,
    /// Requests in flight, time limits, password checks.
    pub gates: limits::Gates,
    /// Failed sign-ins per account and address.
    pub throttle: Arc<Mutex<throttle::LoginThrottle>>,
}

/// A tenant server over one database file.
#[derive(Debug, Clone)]
pub struct TenantServer {
    state: AppState,
}

/// A server running on a loopback port (tests, the demo).
#[derive(Debug)]
pub struct RunningServer {
    /// Where it listens.
    pub addr: SocketAddr,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops serving (connections in flight are dropped).
    pub fn stop(self) {
        self.task.abort();
    }
}

impl TenantServer {
    /// Opens (creating and migrating if needed) the database at `path`.
    pub fn open(path: &Path, key: ServerKey) -> Result<TenantServer, ServerError> {
        Ok(TenantServer {
            state: AppState {
                db: Db::open(path)?,
                key: Arc::new(key),
                gates: limits::Gates::new(Limits::default()),
                throttle: Arc::default(),
            },
        })
    }

    /// The same server with other limits (tests, small machines).
    pub fn with_limits(mut self, limits: Limits) -> TenantServer {
        self.state.gates = limits::Gates::new(limits);
        self
    }

    /// The database, for seeding and inspection.
    pub fn db(&self) -> &Db {
        &self.state.db
    }

    /// The key.
    pub fn key(&self) -> &ServerKey {
        &self.state.key
    }

    /// The API's routes.
    pub fn router(&self) -> Router {
        routes::router()
            .layer(DefaultBodyLimit::max(leadline_api::MAX_BODY_BYTES))
            .layer(axum::middleware::from_fn_with_state(
                self.state.clone(),
                limits::limit,
            ))
            .with_state(self.state.clone())
    }

    /// Serves on `listener` until the task is dropped; old mutation answers are forgotten at
    /// the start and every hour.
    pub async fn serve(self, listener: TcpListener) -> std::io::Result<()> {
        let db = self.state.db.clone();
        let housekeeping = tokio::spawn(async move {
            let mut hourly = tokio::time::interval(Duration::from_secs(3600));
            loop {
                hourly.tick().await;
                let forgot = db
                    .run(|conn| Ok(routes::forget_old_answers(conn, Timestamp::now())?))
                    .await;
                if let Err(e) = forgot {
                    tracing::warn!(error = %e.body.message, "forgetting old mutation answers failed");
                }
            }
        });
        let app = self.router().into_make_service_with_connect_info::<SocketAddr>();
        let served = axum::serve(listener, app).await;
        housekeeping.abort();
        served
    }

    /// Serves on `addr` (port 0: any free port) in a background task.
    pub async fn spawn(self, addr: SocketAddr) -> std::io::Result<RunningServer> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(self.serve(listener));
        Ok(RunningServer { addr, task })
    }
}
