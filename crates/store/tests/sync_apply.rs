//! Applying pulled pages: several pages in one transaction, later entries winning, deletions,
//! the cursor moving with the last page, and a bad row changing nothing.

#![allow(clippy::unwrap_used)] // a test fails loudly on unexpected errors

use leadline_api::{Change, ChangeOp, ChangesPage, SyncTable};
use leadline_store::model::demo::{DemoSize, FirstIds, Generator};
use leadline_store::model::table::Table;
use leadline_store::model::{Lead, LeadId};
use leadline_store::phone::Region;
use leadline_store::repo;
use leadline_store::sync_apply::FEED;
use leadline_store::{Store, Timestamp, queries};
use serde::Serialize;
use serde_json::value::to_raw_value;

fn upsert<T: Serialize>(seq: i64, table: SyncTable, id: i64, row: &T) -> Change {
    Change {
        seq,
        table,
        op: ChangeOp::Upsert,
        id,
        row: Some(to_raw_value(row).unwrap()),
    }
}

fn page(changes: Vec<Change>, cursor: &str) -> ChangesPage {
    ChangesPage {
        changes,
        next_cursor: cursor.into(),
        has_more: true,
        remaining: 0,
    }
}

/// A first page with the demo tenant's reference rows and `leads` leads.
fn first_page(leads: usize) -> (ChangesPage, Vec<Lead>) {
    let now = Timestamp::parse("2026-03-10 15:00:00").unwrap();
    let size = DemoSize {
        leads,
        activities_per_lead: 2,
        called_percent: 0,
    };
    let mut generator = Generator::new("Pull Co", "pull", size, 3, now, FirstIds::default());
    let reference = generator.reference().clone();
    let mut changes = vec![upsert(
        1,
        SyncTable::Tenants,
        reference.tenant.id.0,
        &reference.tenant,
    )];
    changes.extend(
        reference
            .users
            .iter()
            .map(|u| upsert(2, SyncTable::Users, u.id.0, u)),
    );
    changes.extend(
        reference
            .statuses
            .iter()
            .map(|s| upsert(3, SyncTable::LeadStatuses, s.id.0, s)),
    );
    let leads = generator.next_page(leads).unwrap().leads;
    changes.extend(leads.iter().map(|l| upsert(4, SyncTable::Leads, l.id.0, l)));
    (page(changes, "v1:4"), leads)
}

fn lead_count(store: &Store) -> i64 {
    let sql = format!("SELECT count(*) FROM {}", Lead::NAME);
    store.conn().query_row(&sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn pages_applied_together_keep_the_last_entry_of_each_row_and_the_last_cursor() {
    let (first, leads) = first_page(5);
    let mut renamed = leads[0].clone();
    renamed.name = "Zebulon Quartermaine".into();
    let second = page(
        vec![
            upsert(5, SyncTable::Leads, renamed.id.0, &renamed),
            Change {
                seq: 6,
                table: SyncTable::Leads,
                op: ChangeOp::Delete,
                id: leads[1].id.0,
                row: None,
            },
        ],
        "v1:6",
    );
    let mut store = Store::open_in_memory().unwrap();
    let report = store.apply_pages(&[first, second], Region::US).unwrap();

    assert_eq!(report.deletes, 0, "the deleted lead never reached the store");
    assert_eq!(lead_count(&store), 4);
    let stored: Lead = repo::find(store.conn(), renamed.id.0).unwrap().unwrap();
    assert_eq!(stored.name, "Zebulon Quartermaine");
    assert!(repo::find::<Lead>(store.conn(), leads[1].id.0).unwrap().is_none());
    assert_eq!(
        repo::get_cursor(store.conn(), FEED).unwrap().as_deref(),
        Some("v1:6")
    );
    let found = queries::search_leads(store.conn(), renamed.tenant_id, "quarterm", 10).unwrap();
    assert_eq!(
        found.iter().map(|c| c.lead.id).collect::<Vec<LeadId>>(),
        vec![renamed.id]
    );
}

#[test]
fn a_row_that_does_not_read_fails_every_page_of_the_batch() {
    let (first, leads) = first_page(3);
    let mut broken = upsert(9, SyncTable::Leads, leads[0].id.0, &leads[0]);
    broken.row = Some(to_raw_value(&serde_json::json!({"id": leads[0].id.0, "name": 42})).unwrap());
    let mut store = Store::open_in_memory().unwrap();

    let error = store
        .apply_pages(&[first.clone(), page(vec![broken], "v1:9")], Region::US)
        .unwrap_err();

    assert!(error.to_string().contains("Leads"), "{error}");
    assert_eq!(lead_count(&store), 0);
    assert_eq!(repo::get_cursor(store.conn(), FEED).unwrap(), None);
    store.apply_pages(&[first], Region::US).unwrap();
    assert_eq!(lead_count(&store), 3);
}
