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
pub mod openapi;
mod routes;
pub mod seed;

pub use crypto::ServerKey;
pub use db::Db;
pub use error::{ApiError, ServerError};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// The key that protects SIP passwords.
    pub key: Arc<ServerKey>,
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
            },
        })
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
            .with_state(self.state.clone())
    }

    /// Serves on `listener` until the task is dropped.
    pub async fn serve(self, listener: TcpListener) -> std::io::Result<()> {
        let app = self.router().into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, app).await
    }

    /// Serves on `addr` (port 0: any free port) in a background task.
    pub async fn spawn(self, addr: SocketAddr) -> std::io::Result<RunningServer> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(self.serve(listener));
        Ok(RunningServer { addr, task })
    }
}
