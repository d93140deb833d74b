//! Talking to the tenant server: the API client ([`ApiClient`]) and the sync policy that
//! needs no I/O ([`backoff`]). Applying what comes back to the local store is the core's job;
//! this crate knows the wire, not the database.

pub mod backoff;
mod client;

pub use client::{ApiClient, SyncError};
