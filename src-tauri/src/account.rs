//! The agent's account in the window: sign in and out, the profile at a glance (offline
//! banner, changes waiting), the changes the server refused, and staying in sync. The sync
//! loop is the core's [`Handle::keep_synced`]; each step reaches the window as a
//! `sync-event`. Signing in or out restarts the loop and the phone line for the new account.
//! Passwords go from the window to the core, which keeps the token in the keychain: nothing
//! secret comes back.

use crate::commands::blocking;
use crate::phone;
use leadline_core::{
    AccountState, ChangeView, CoreError, DemoServer, Handle, Session, SyncNudge, SyncUpdate,
};
use std::sync::{Arc, Mutex};
use tauri::async_runtime::JoinHandle;
use tauri::{AppHandle, Emitter, Manager, State};

/// The account's running parts.
pub struct Account {
    nudge: SyncNudge,
    sync: Mutex<Option<JoinHandle<()>>>,
    /// The built-in demo tenant's server (and its phone line), while the profile is the demo's.
    demo: Mutex<Option<Arc<DemoServer>>>,
}

impl Account {
    /// The account of a profile that runs `demo` (if it is the demo's).
    pub fn new(demo: Option<DemoServer>) -> Account {
        Account {
            nudge: SyncNudge::new(),
            sync: Mutex::new(None),
            demo: Mutex::new(demo.map(Arc::new)),
        }
    }

    /// Asks the sync loop to sync now (a change was made).
    pub fn nudge(&self) {
        self.nudge.now();
    }
}

/// Runs a change to the profile on the blocking pool, then asks the sync loop to send it.
pub(crate) async fn change<T: Send + 'static>(
    handle: &Handle,
    account: &Account,
    call: impl FnOnce(Handle) -> Result<T, CoreError> + Send + 'static,
) -> Result<T, CoreError> {
    let done = blocking(handle, call).await?;
    account.nudge();
    Ok(done)
}

/// (Re)starts staying in sync when the profile is signed in to a tenant server.
pub fn start_sync(app: &AppHandle) {
    let (Some(account), Some(handle)) = (app.try_state::<Account>(), app.try_state::<Handle>()) else {
        return;
    };
    stop_sync(&account);
    if !handle.signed_in() {
        return;
    }
    let handle = handle.inner().clone();
    let nudge = account.nudge.clone();
    let emitter = app.clone();
    let task = tauri::async_runtime::spawn(async move {
        let mut on = |update: SyncUpdate| {
            if let Err(error) = emitter.emit("sync-event", update) {
                tracing::debug!(%error, "the window did not take the sync event");
            }
        };
        let error = handle.keep_synced(&nudge, &mut on).await;
        tracing::warn!(%error, "sync stopped");
    });
    if let Ok(mut sync) = account.sync.lock() {
        *sync = Some(task);
    }
}

fn stop_sync(account: &Account) {
    if let Some(task) = account.sync.lock().ok().and_then(|mut s| s.take()) {
        task.abort();
    }
}

#[tauri::command]
pub async fn account_state(handle: State<'_, Handle>) -> Result<AccountState, CoreError> {
    blocking(&handle, |h| h.account_state()).await
}

#[tauri::command]
pub async fn sign_in(
    app: AppHandle,
    handle: State<'_, Handle>,
    account: State<'_, Account>,
    server: String,
    email: String,
    password: String,
) -> Result<Session, CoreError> {
    stop_sync(&account);
    let session = handle.login(server.trim(), email.trim(), &password).await;
    if session.is_ok() {
        // The line of the account before unregisters while its PBX is still there.
        handle.stop_phone().await;
        // A real tenant now: the demo's server (and its PBX) has no more use.
        if let Ok(mut demo) = account.demo.lock()
            && !handle.is_demo().unwrap_or(true)
        {
            demo.take();
        }
        // The new account's SIP account comes with its first pull.
        if let Err(error) = handle.sync(&mut |_| {}).await {
            tracing::warn!(%error, "the first sync after signing in failed; the sync loop retries");
        }
        phone::restart(&app, &handle).await;
    }
    start_sync(&app);
    session
}

#[tauri::command]
pub async fn sign_out(
    app: AppHandle,
    handle: State<'_, Handle>,
    account: State<'_, Account>,
) -> Result<(), CoreError> {
    stop_sync(&account);
    handle.stop_phone().await;
    let result = handle.logout().await;
    phone::restart(&app, &handle).await;
    result
}

/// "Try the demo" on the sign-in screen: a signed-out profile becomes the demo's again (refused
/// while changes wait to reach the tenant server), served and synced as at a first start.
#[tauri::command]
pub async fn try_demo(
    app: AppHandle,
    handle: State<'_, Handle>,
    account: State<'_, Account>,
) -> Result<Session, CoreError> {
    stop_sync(&account);
    handle.stop_phone().await;
    blocking(&handle, |h| h.back_to_demo()).await?;
    let demo = handle.start_demo().await?;
    if let Ok(mut slot) = account.demo.lock() {
        *slot = demo.map(Arc::new);
    }
    phone::restart(&app, &handle).await;
    start_sync(&app);
    blocking(&handle, |h| h.session()).await
}

/// The demo's "call me": one of the agent's demo leads calls the agent.
#[tauri::command]
pub async fn demo_call_me(
    handle: State<'_, Handle>,
    account: State<'_, Account>,
) -> Result<String, CoreError> {
    let demo = account.demo.lock().ok().and_then(|d| d.clone());
    let line = demo.as_ref().and_then(|d| d.line());
    match line {
        Some(line) => line.call_agent(&handle).await,
        None => Err(CoreError::Demo("the demo has no phone line".into())),
    }
}

#[tauri::command]
pub fn sync_now(account: State<'_, Account>) {
    account.nudge();
}

#[tauri::command]
pub async fn changes(handle: State<'_, Handle>) -> Result<Vec<ChangeView>, CoreError> {
    blocking(&handle, |h| h.change_views()).await
}

#[tauri::command]
pub async fn dismiss_change(handle: State<'_, Handle>, mutation_id: String) -> Result<(), CoreError> {
    blocking(&handle, move |h| h.dismiss_change(&mutation_id)).await
}
