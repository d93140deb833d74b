//! Signing in and out of a tenant server, and syncing with it.
//!
//! A sync pushes first (the outbox, oldest first, in batches; each answer applied to the
//! store as it arrives) and then pulls the change feed page by page (each page and its cursor
//! in one transaction), so an interruption at any point loses nothing and repeats nothing.
//! The store's lock is held only while applying, never across a network call. The token and
//! the SIP password go to the OS keychain and nowhere else.

use crate::keychain::{self, Secret};
use crate::{CoreError, Handle, Session};
use leadline_api::{ChangesPage, ErrorCode, Mutation};
use leadline_store::Timestamp;
use leadline_store::model::{OutboxEntry, OutboxState, Permission};
use leadline_store::phone::Region;
use leadline_store::repo::{self, outbox, profile};
use leadline_store::sync_apply::FEED;
use leadline_sync::{ApiClient, SyncError};
use serde::Serialize;
use tokio::sync::mpsc;

/// Mutations sent per push request.
const PUSH_BATCH: usize = 200;
/// Changes asked for per pull request.
const PULL_PAGE: usize = leadline_api::MAX_PAGE;
/// Pages fetched before the store has applied them.
const PAGES_AHEAD: usize = 16;
/// Most changes applied in one transaction.
const APPLY_BATCH: usize = 20 * PULL_PAGE;

/// How far a sync has come (for a progress bar).
#[derive(Debug, Clone, Copy, Default, Serialize, ts_rs::TS)]
pub struct SyncProgress {
    /// Mutations the server has answered.
    pub pushed: usize,
    /// Changes applied from the feed.
    pub pulled: usize,
    /// Pages applied.
    pub pages: usize,
    /// At most this many changes are still to pull (for the bar's end).
    pub remaining: u64,
}

/// What a sync did.
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS)]
pub struct SyncReport {
    /// Mutations applied by the server (now or before).
    pub pushed: usize,
    /// Reasons of the mutations the server refused.
    pub rejected: Vec<String>,
    /// Rows written from the feed.
    pub pulled: usize,
    /// Rows removed by the feed.
    pub deleted: usize,
}

fn device_name() -> String {
    let host = std::env::var("HOSTNAME").ok().filter(|h| !h.trim().is_empty());
    format!("Leadline on {}", host.as_deref().unwrap_or("this computer"))
}

fn to_mutation(entry: &OutboxEntry) -> Mutation {
    Mutation {
        mutation_id: entry.mutation_id.clone(),
        kind: entry.kind,
        entity_type: entry.entity_type,
        entity_id: entry.entity_id,
        base_version: entry.base_version,
        payload: entry.payload.0.clone(),
        created_at: entry.created_at,
    }
}

impl Handle {
    /// The signed-in account's server and email, if signed in to a server.
    fn account(&self) -> Result<(String, String), CoreError> {
        let store = self.store()?;
        let session = Session::load(&store)?;
        let server = profile::require(store.conn())?
            .server_url
            .ok_or(CoreError::NotSignedIn)?;
        Ok((server, session.user.email))
    }

    /// A client holding the keychain's token.
    fn api(&self) -> Result<ApiClient, CoreError> {
        let (server, email) = self.account()?;
        let token = keychain::get(Secret::ApiToken, &email, &server)?.ok_or(CoreError::NotSignedIn)?;
        Ok(ApiClient::new(&server)?.with_token(token))
    }

    /// Whether the profile holds a tenant server's token (signed in, possibly offline).
    pub fn signed_in(&self) -> bool {
        self.api().is_ok()
    }

    /// Signs in to `server`. A different account's data is replaced (refused while it has
    /// changes not yet synced; the demo's never count).
    pub async fn login(&self, server: &str, email: &str, password: &str) -> Result<Session, CoreError> {
        let client = ApiClient::new(server)?;
        let answer = client.login(email, password, &device_name()).await?;
        let server = client.base().to_owned();
        let me = &answer.me;
        {
            let mut store = self.store()?;
            let current = profile::load(store.conn())?;
            let same = current.as_ref().is_some_and(|p| {
                p.server_url.as_deref() == Some(server.as_str())
                    && p.user_id == me.user.id
                    && p.tenant_id == me.tenant.id
            });
            if !same {
                let pending = outbox::count(store.conn(), OutboxState::Pending)?;
                if pending > 0 && current.as_ref().is_some_and(|p| p.server_url.is_some()) {
                    return Err(CoreError::UnsyncedChanges(pending));
                }
                store.reset()?;
            }
            keychain::set(Secret::ApiToken, &me.user.email, &server, &answer.token)?;
            let saved = profile::Profile {
                tenant_id: me.tenant.id,
                user_id: me.user.id,
                server_url: Some(server.clone()),
                default_region: current.map_or(Region::US, |p| p.default_region),
            };
            store.adopt_account(&me.tenant, &me.user, &saved, Timestamp::now())?;
        }
        if me.permissions.contains(&Permission::CallsMake) {
            let api = client.clone().with_token(answer.token.clone());
            match api.sip_credentials().await {
                Ok(sip) => keychain::set(Secret::SipPassword, &me.user.email, &server, &sip.sip_password)?,
                Err(SyncError::Rejected { status: 404, .. }) => {}
                Err(error) => return Err(error.into()),
            }
        }
        tracing::info!(server = %server, user = me.user.id.0, tenant = me.tenant.id.0, "signed in");
        Ok(Session {
            user: me.user.clone(),
            tenant: me.tenant.clone(),
            role: me.role,
            permissions: me.permissions.clone(),
            demo: false,
        })
    }

    /// Signs out: revokes the token (when the server is reachable) and removes both secrets
    /// from the keychain. Local data stays until the next sign-in of another account.
    pub async fn logout(&self) -> Result<(), CoreError> {
        let (server, email) = self.account()?;
        if let Ok(api) = self.api() {
            match api.logout().await {
                Ok(()) | Err(SyncError::Unreachable(_)) => {}
                Err(error) => tracing::warn!(%error, "logout was not confirmed by the server"),
            }
        }
        keychain::delete(Secret::ApiToken, &email, &server)?;
        keychain::delete(Secret::SipPassword, &email, &server)?;
        Ok(())
    }

    /// Whether the tenant server answers now (any answer but "unreachable" or a server error),
    /// cheaply: one `GET /me`.
    pub async fn server_answers(&self) -> bool {
        match self.api() {
            Ok(api) => !matches!(api.me().await, Err(error) if error.is_transient()),
            Err(_) => true,
        }
    }

    /// Pushes the outbox, then pulls the feed, reporting progress as it goes.
    pub async fn sync(
        &self,
        progress: &mut (dyn FnMut(SyncProgress) + Send),
    ) -> Result<SyncReport, CoreError> {
        let started = std::time::Instant::now();
        let result = self.push_then_pull(progress).await;
        let ms = started.elapsed().as_millis();
        match &result {
            Ok(r) => tracing::info!(
                pushed = r.pushed,
                rejected = r.rejected.len(),
                pulled = r.pulled,
                deleted = r.deleted,
                ms,
                "sync finished"
            ),
            Err(error) => tracing::warn!(kind = %error.kind(), %error, ms, "sync failed"),
        }
        result
    }

    async fn push_then_pull(
        &self,
        progress: &mut (dyn FnMut(SyncProgress) + Send),
    ) -> Result<SyncReport, CoreError> {
        let api = self.api()?;
        let region = profile::require(self.store()?.conn())?.default_region;
        let mut report = SyncReport::default();
        let mut state = SyncProgress::default();
        loop {
            let batch: Vec<Mutation> = {
                let store = self.store()?;
                outbox::pending(store.conn(), PUSH_BATCH)?
                    .iter()
                    .map(to_mutation)
                    .collect()
            };
            if batch.is_empty() {
                break;
            }
            let answer = api.push(batch).await?;
            let applied = self.store()?.apply_push_results(&answer.results, region)?;
            let progressed = applied.applied + applied.rejected.len();
            report.pushed += applied.applied;
            report.rejected.extend(applied.rejected);
            state.pushed += progressed;
            progress(state);
            if progressed == 0 {
                break; // only mutations waiting for rows not yet on the server: next sync
            }
        }
        // Pages are fetched ahead while earlier ones are applied; whatever has arrived is
        // applied together (up to APPLY_BATCH changes) in one transaction with its last
        // cursor, so stopping anywhere resumes at the first page not applied.
        let cursor = repo::get_cursor(self.store()?.conn(), FEED)?;
        let mut pages = fetch_ahead(api, cursor);
        while let Some(first) = pages.recv().await {
            let mut batch = vec![first?];
            let mut size = batch[0].changes.len();
            let mut failed = None;
            while size < APPLY_BATCH {
                match pages.try_recv() {
                    Ok(Ok(page)) => {
                        size += page.changes.len();
                        batch.push(page);
                    }
                    Ok(Err(error)) => {
                        failed = Some(error);
                        break;
                    }
                    Err(_) => break,
                }
            }
            let applied = self.store()?.apply_pages(&batch, region)?;
            report.pulled += applied.upserts;
            report.deleted += applied.deletes;
            state.pulled += applied.upserts + applied.deletes;
            state.pages += batch.len();
            state.remaining = batch.last().map_or(0, |p| p.remaining);
            progress(state);
            if let Some(error) = failed {
                return Err(error.into());
            }
        }
        Ok(report)
    }
}

/// Fetches the feed from `cursor` on, page after page, up to [`PAGES_AHEAD`] ahead of the
/// reader; ends after the last page or the first error (which it passes on). Dropping the
/// receiver stops it.
fn fetch_ahead(api: ApiClient, cursor: Option<String>) -> mpsc::Receiver<Result<ChangesPage, SyncError>> {
    let (sender, receiver) = mpsc::channel(PAGES_AHEAD);
    tokio::spawn(async move {
        let mut cursor = cursor;
        loop {
            let page = api.changes(cursor.as_deref(), PULL_PAGE).await;
            let next = match &page {
                Ok(page) if page.has_more => Some(page.next_cursor.clone()),
                _ => None,
            };
            if sender.send(page).await.is_err() || next.is_none() {
                return;
            }
            cursor = next;
        }
    });
    receiver
}

/// Whether an error means the account can no longer sync (as opposed to "try later").
pub fn stops_sync(error: &CoreError) -> bool {
    matches!(
        error,
        CoreError::Sync(SyncError::Refused {
            code: ErrorCode::Unauthenticated
                | ErrorCode::TenantSuspended
                | ErrorCode::TenantClosed
                | ErrorCode::UserInactive,
            ..
        })
    )
}
