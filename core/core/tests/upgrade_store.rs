//! A peer's home frozen at store schema 6 (`tests/fixtures/home-schema-6/`: the store and
//! its test keys, made by `make.sh` there with the real `peerlog` program): the current
//! core opens it, upgrading the store if its schema is older, and everything the peer had
//! is there — the contacts at their versions (an edit, a deletion), a private note, the
//! year's summary, the expense, the signed declaration. The frozen v1 database of the
//! store's own tests covers the oldest schema.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use peerlog_core::Locale;

/// Copies `from` into `to` (the fixture stays untouched).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

#[test]
fn a_home_frozen_at_store_schema_6_opens_with_everything_in_it() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/home-schema-6");
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture.join("expected.json")).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    copy_dir(&fixture.join("home"), &home);
    {
        let conn = rusqlite::Connection::open(home.join("peerlog.db")).unwrap();
        let v: u32 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, 6, "the fixture is frozen at schema 6");
    }
    let app = common::open(&home);

    let mut contacts: Vec<String> = app
        .list_contacts(None, None)
        .unwrap()
        .iter()
        .map(|c| format!("{}@{}", c.id, c.version))
        .collect();
    contacts.sort();
    let want: Vec<String> = expected["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(contacts, want);
    // The private note, sealed for the peer alone, still opens.
    let notes: Vec<Option<String>> = app
        .list_contacts(None, None)
        .unwrap()
        .into_iter()
        .map(|c| app.get_contact(c.id).unwrap().private_note)
        .collect();
    assert!(notes.contains(&Some("privat".to_string())), "{notes:?}");

    let summary = app.year_summary(2026).unwrap();
    assert_eq!(
        u64::from(summary.activity_days),
        expected["activity_days"].as_u64().unwrap()
    );
    assert_eq!(
        u64::from(summary.by_category.group),
        expected["by_category"]["group"].as_u64().unwrap()
    );
    assert_eq!(
        app.list_expenses().unwrap().len() as u64,
        expected["expenses"].as_u64().unwrap()
    );
    assert_eq!(app.profile().unwrap().locale, Locale::Nb);
    // Logging works on it (the declaration is still signed), and it opens again.
    let input = peerlog_core::ContactInput::new("2026-05-01", peerlog_core::ContactKind::Visit, 30);
    app.add_contact(input).unwrap();
    drop(app);
    assert_eq!(
        common::open(&home).list_contacts(None, None).unwrap().len(),
        want.len() + 1
    );
}
