//! The UI's TypeScript types are generated from the Rust types that cross the bridge, never
//! hand-copied: this test renders them and compares with `ui/src/lib/bindings.ts`.
//! `LEADLINE_BLESS=1 cargo test -p leadline-core --test bindings` rewrites the file.

#![allow(clippy::unwrap_used)] // a test fails loudly on unexpected errors

use leadline_core::audio::AudioSetup;
use leadline_core::media::audio_check::Level;
use leadline_core::media::devices::{AudioDevice, DeviceRole, Resolved};
use leadline_core::media::quality::Quality;
use leadline_core::media::voice::{EchoCancellation, VoiceSettings};
use leadline_core::phone::{
    Codec, DeviceChange, Dial, DtmfMethod, EndReason, LineFailure, PhoneEvent, Side, WrapUp, WrapUpDue,
};
use leadline_core::preferences::Preferences;
use leadline_core::store::Timestamp;
use leadline_core::store::model::*;
use leadline_core::store::phone::MatchKind;
use leadline_core::store::queries::CallerMatch;
use leadline_core::store::queries::{
    Board, BoardColumn, BoardCursor, CallCursor, CallPage, CallRow, LeadCard, LeadPage, LeadQuery,
    TimelineEntry,
};
use leadline_core::store::repo::calling_settings::{CallingSettings, IceServerSetting};
use leadline_core::{
    AccountState, ChangeView, ColumnPage, ErrorKind, ErrorPayload, LeadDetail, Overview, PhoneStatus,
    Session, SipAccountView, SyncProgress, SyncReport, SyncUpdate,
};
use ts_rs::{Config, TS};

macro_rules! declarations {
    ($cfg:expr; $($t:ty),* $(,)?) => {
        vec![$(format!("export {}", <$t as TS>::decl($cfg))),*]
    };
}

fn render() -> String {
    // Ids and cents are i64 in Rust; every value the app handles fits a JS number exactly.
    let cfg = Config::new().with_large_int("number");
    let decls = declarations![&cfg;
        Timestamp, Json, Cents,
        TenantId, UserId, LeadStatusId, LeadId, ActivityId, DispositionId, CallId,
        TenantStatus, Role, Score, ActivityType, Direction, Permission,
        Tenant, User, LeadStatus, Lead, LeadActivity, CallDisposition, CallQuality, Call,
        LeadCard, BoardCursor, BoardColumn, Board, TimelineEntry,
        Session, ColumnPage, LeadDetail, ErrorKind, ErrorPayload, LineFailure, PhoneStatus,
        IceServerSetting, CallingSettings,
        MatchKind, CallerMatch, Codec, EndReason, Side, DtmfMethod, WrapUpDue, Quality,
        AudioDevice, DeviceRole, DeviceChange, PhoneEvent, EchoCancellation, VoiceSettings,
        Dial, WrapUp, Overview, AccountState, Resolved, AudioSetup, Level, SipAccountView, LeadQuery, LeadPage, CallCursor, CallPage, Preferences, ChangeView, SyncProgress, SyncReport, SyncUpdate, CallRow,
    ];
    let mut out = String::from(
        "// Generated from the Rust types by `cargo test -p leadline-core --test bindings`;\n\
         // LEADLINE_BLESS=1 rewrites it. Do not edit by hand.\n\n",
    );
    for decl in decls {
        out.push_str(&decl);
        out.push_str("\n\n");
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[test]
fn ui_bindings_match_the_rust_types() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../ui/src/lib/bindings.ts");
    let fresh = render();
    if std::env::var_os("LEADLINE_BLESS").is_some() {
        std::fs::write(path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == fresh,
        "ui/src/lib/bindings.ts is out of date: run LEADLINE_BLESS=1 cargo test -p leadline-core --test bindings"
    );
}
