//! The handle on a real profile directory: demo tenant on first open, the same data on the
//! next, errors as `{kind, message}`.

#![allow(clippy::unwrap_used)] // a test fails loudly on unexpected errors

use leadline_core::store::model::{LeadId, Permission};
use leadline_core::{CoreError, Handle};

#[test]
fn first_open_loads_the_demo_tenant_and_reopening_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let handle = Handle::open(dir.path()).unwrap();
    let session = handle.session().unwrap();
    assert!(session.demo);
    assert_eq!(session.user.name, "Sam Ortega");
    assert!(session.permissions.contains(&Permission::LeadsManage));
    let board = handle.board().unwrap();
    assert!(board.columns.len() >= 5);
    let total: i64 = board.columns.iter().map(|c| c.total).sum();
    assert_eq!(total, 400);
    drop(handle);
    let again = Handle::open(dir.path()).unwrap();
    let total_again: i64 = again.board().unwrap().columns.iter().map(|c| c.total).sum();
    assert_eq!(total_again, total, "the demo was seeded twice");
    let first = &again.board().unwrap().columns[0].leads[0];
    let detail = again.lead(first.lead.id).unwrap();
    let (card, timeline) = (detail.card, detail.timeline);
    assert_eq!(card.lead.id, first.lead.id);
    assert!(timeline.iter().all(|e| e.activity.lead_id == first.lead.id));
    assert!(!again.search(&first.lead.name).unwrap().is_empty());
}

#[test]
fn errors_reach_the_ui_as_kind_and_message() {
    let dir = tempfile::tempdir().unwrap();
    let handle = Handle::open(dir.path()).unwrap();
    let err = handle.lead(LeadId(987_654)).unwrap_err();
    let json = serde_json::to_value(&err).unwrap();
    assert_eq!(json["kind"], "not_found");
    assert_eq!(json["message"], "lead 987654 not found");
    let forbidden = serde_json::to_value(CoreError::Forbidden(Permission::UsersManage)).unwrap();
    assert_eq!(forbidden["kind"], "forbidden");
}

#[test]
fn an_unusable_profile_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let err = Handle::open(&file.join("profile")).unwrap_err();
    assert_eq!(err.kind(), leadline_core::ErrorKind::DataDir);
    assert!(err.to_string().contains("not-a-dir"), "{err}");
}
