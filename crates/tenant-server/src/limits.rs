//! What one server takes on at once: at most [`Limits::concurrent`] requests in flight (a
//! request waits up to [`Limits::queue_wait`] for a place, else 503), each answered within
//! [`Limits::timeout`] (else 503); and password checks (argon2, deliberately slow) at most
//! one per core at a time, away from the database lock, so a burst of sign-ins cannot starve
//! syncing.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// The server's limits.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Most requests in flight.
    pub concurrent: usize,
    /// How long a request may wait for a place.
    pub queue_wait: Duration,
    /// How long a request may take.
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            concurrent: 512,
            queue_wait: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
        }
    }
}

/// The semaphores behind the limits.
#[derive(Debug, Clone)]
pub struct Gates {
    /// The limits.
    pub limits: Limits,
    requests: Arc<Semaphore>,
    passwords: Arc<Semaphore>,
}

impl Gates {
    /// Gates for `limits`; password checks get one place per core.
    pub fn new(limits: Limits) -> Gates {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Gates {
            requests: Arc::new(Semaphore::new(limits.concurrent)),
            passwords: Arc::new(Semaphore::new(cores)),
            limits,
        }
    }

    /// Runs `check` (a password verification) on the blocking pool once a place is free.
    pub async fn check_password<F>(&self, check: F) -> Result<bool, ApiError>
    where
        F: FnOnce() -> bool + Send + 'static,
    {
        let permit = tokio::time::timeout(self.limits.queue_wait, self.passwords.clone().acquire_owned())
            .await
            .map_err(|_| ApiError::unavailable(5, "the server is busy signing others in; try again"))?
            .map_err(ApiError::internal)?;
        let verified = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            check()
        })
        .await
        .map_err(ApiError::internal)?;
        Ok(verified)
    }
}

/// The middleware: a place among the requests in flight, and the time limit.
pub async fn limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let gates = &state.gates;
    let Ok(Ok(_permit)) =
        tokio::time::timeout(gates.limits.queue_wait, gates.requests.clone().acquire_owned()).await
    else {
        return ApiError::unavailable(5, "the server is busy; try again shortly").into_response();
    };
    match tokio::time::timeout(gates.limits.timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::unavailable(5, "the server took too long to answer; try again").into_response(),
    }
}
