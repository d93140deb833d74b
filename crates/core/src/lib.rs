//! Leadline's runtime: the one API the desktop app and the CLI both speak.
//!
//! A [`Handle`] owns the agent's profile directory: the local store, and (as calling and sync
//! arrive) the SIP, media and sync drivers. Commands are methods on the handle; every error
//! reaching a UI is a [`CoreError`] that serializes as `{kind, message}` and never carries a
//! secret. The handle is cheap to clone and safe to share between threads.
//!
//! With no tenant server configured the profile is the built-in demo tenant: seeded into the
//! local store on first open, and served by an in-process tenant server once the app calls
//! [`Handle::start_demo`].

mod agent;
pub mod audio;
mod calling;
pub use calling::SipAccountView;
mod calling_settings;
mod conversation;
pub mod demo;
#[cfg(feature = "demo-server")]
pub mod demo_line;
#[cfg(feature = "demo-server")]
mod demo_server;
mod error;
mod keep_synced;
pub mod keychain;
pub mod logging;
pub mod phone;
pub mod preferences;
mod session;
mod sync;
pub mod when;

pub use agent::{AccountState, ChangeView, LeadFilter, Overview};
pub use conversation::{Conversation, TalkEvent};
#[cfg(feature = "demo-server")]
pub use demo_server::DemoServer;
pub use error::{CoreError, ErrorKind, ErrorPayload};
pub use keep_synced::{SYNC_EVERY, SyncNudge, SyncUpdate};
pub use leadline_media as media;
pub use leadline_sip as sip;
pub use leadline_store as store;
pub use phone::{Phone, PhoneEvent, PhoneStatus};
pub use session::Session;
pub use sync::{SyncProgress, SyncReport, stops_sync};

use leadline_store::demo::DemoSize;
use leadline_store::model::{LeadId, LeadStatusId, Permission};
use leadline_store::phone::Region;
use leadline_store::queries::{self, Board, BoardCursor, LeadCard, TimelineEntry};
use leadline_store::repo::profile::{self, Profile};
use leadline_store::{Store, Timestamp};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// The file name of the local database inside the profile directory.
pub const DATABASE_FILE: &str = "leadline.sqlite3";
/// Cards per Kanban column page.
pub const BOARD_PAGE: usize = 50;

/// The shared runtime of one profile.
#[derive(Debug, Clone)]
pub struct Handle {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    data_dir: PathBuf,
    store: Mutex<Store>,
    /// The phone, once started (it holds a handle too: [`Handle::stop_phone`] ends both).
    phone: Mutex<Option<Phone>>,
}

impl Handle {
    /// Opens the profile in `data_dir` (created if missing). A profile with no tenant server
    /// gets the demo tenant.
    pub fn open(data_dir: &Path) -> Result<Handle, CoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| CoreError::DataDir {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let mut store = Store::open(&data_dir.join(DATABASE_FILE))?;
        if profile::load(store.conn())?.is_none() {
            load_demo(&mut store)?;
        }
        Ok(Handle {
            inner: Arc::new(Inner {
                data_dir: data_dir.to_path_buf(),
                store: Mutex::new(store),
                phone: Mutex::new(None),
            }),
        })
    }

    /// Makes a signed-out profile the demo's again ("try the demo" on the sign-in screen): the
    /// tenant's local data goes and the built-in demo tenant takes its place. Refused while
    /// still signed in to a tenant server, and while changes wait to reach it.
    pub fn back_to_demo(&self) -> Result<(), CoreError> {
        if self.signed_in() && !self.is_demo()? {
            return Err(CoreError::Invalid {
                field: "profile",
                reason: "sign out of the tenant server first".into(),
            });
        }
        let mut store = self.store()?;
        let pending =
            leadline_store::repo::outbox::count(store.conn(), leadline_store::model::OutboxState::Pending)?;
        if pending > 0 {
            return Err(CoreError::UnsyncedChanges(pending));
        }
        store.reset()?;
        load_demo(&mut store)
    }

    /// The profile directory.
    pub fn data_dir(&self) -> &Path {
        &self.inner.data_dir
    }

    pub(crate) fn store(&self) -> Result<MutexGuard<'_, Store>, CoreError> {
        self.inner.store.lock().map_err(|_| CoreError::Poisoned)
    }

    /// Who is signed in, to which tenant, and what they may do.
    pub fn session(&self) -> Result<Session, CoreError> {
        let mut session = Session::load(&*self.store()?)?;
        session.demo = self.is_demo()?;
        Ok(session)
    }

    /// The Kanban board, first page of every column.
    pub fn board(&self) -> Result<Board, CoreError> {
        let store = self.store()?;
        let session = Session::load(&store)?;
        session.require(Permission::LeadsView)?;
        Ok(queries::board(store.conn(), session.tenant.id, BOARD_PAGE)?)
    }

    /// The next page of one Kanban column.
    pub fn board_column(
        &self,
        status: LeadStatusId,
        after: Option<BoardCursor>,
    ) -> Result<ColumnPage, CoreError> {
        let store = self.store()?;
        let session = Session::load(&store)?;
        session.require(Permission::LeadsView)?;
        let (leads, next) =
            queries::board_column(store.conn(), session.tenant.id, status, after, BOARD_PAGE)?;
        Ok(ColumnPage { leads, next })
    }

    /// Leads matching what the agent typed.
    pub fn search(&self, query: &str) -> Result<Vec<LeadCard>, CoreError> {
        let store = self.store()?;
        let session = Session::load(&store)?;
        session.require(Permission::LeadsView)?;
        Ok(queries::search_leads(store.conn(), session.tenant.id, query, 50)?)
    }

    /// One lead and its newest activities.
    pub fn lead(&self, lead: LeadId) -> Result<LeadDetail, CoreError> {
        let store = self.store()?;
        let session = Session::load(&store)?;
        session.require(Permission::LeadsView)?;
        let card = queries::lead_card(store.conn(), session.tenant.id, lead)?;
        let timeline = queries::timeline(store.conn(), session.tenant.id, lead, 100)?;
        Ok(LeadDetail { card, timeline })
    }
}

/// A page of a Kanban column.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct ColumnPage {
    /// The cards.
    pub leads: Vec<LeadCard>,
    /// Where the next page starts, if any.
    pub next: Option<BoardCursor>,
}

/// A lead with its timeline, for the lead panel.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct LeadDetail {
    /// The lead.
    pub card: LeadCard,
    /// Its newest activities.
    pub timeline: Vec<TimelineEntry>,
}

fn load_demo(store: &mut Store) -> Result<(), CoreError> {
    let now = Timestamp::now();
    let tenant = leadline_store::demo::seed(
        store.conn_mut(),
        demo::DEMO_TENANT,
        "demo",
        DemoSize::default(),
        demo::DEMO_SEED,
        now,
    )?;
    let demo_profile = Profile {
        tenant_id: tenant.tenant_id,
        user_id: tenant.agent_id,
        server_url: None,
        default_region: Region::US,
    };
    profile::save(store.conn(), &demo_profile, now)?;
    tracing::info!(tenant = tenant.tenant_id.0, "loaded the built-in demo tenant");
    Ok(())
}
