//! The year summary kept between launches (ADR 0025): what the home screen shows must be
//! what a summary made afresh from the index says, after every kind of change.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use peerlog_core::*;
use std::path::Path;

const YEAR: i32 = 2026;

/// The summary made afresh (`summary` for the same days is never kept).
fn afresh(app: &Peerlog) -> PeriodSummary {
    app.summary("2026-01-01".into(), "2026-12-31".into())
        .unwrap()
}

fn db(home: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(home.join(DB_FILE)).unwrap()
}

/// A signed device with one visit in March (one activity-day).
fn with_one_visit() -> Device {
    let d = signed_device(Locale::En);
    d.app
        .add_contact(contact("2026-03-02", ContactKind::Visit, 60))
        .unwrap();
    d
}

fn kept_rows(home: &Path) -> i64 {
    db(home)
        .query_row("SELECT count(*) FROM summary_cache", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn the_kept_summary_follows_every_change_to_the_contacts() {
    let d = signed_device(Locale::En);
    let app = &d.app;
    let first = app
        .add_contact(contact("2026-03-02", ContactKind::Visit, 60))
        .unwrap();
    app.add_contact(group("2026-03-03", ContactKind::SelfHelpGroup, 90, 5))
        .unwrap();
    let before = app.year_summary(YEAR).unwrap();
    assert_eq!(before, afresh(app));
    assert_eq!(kept_rows(&d.home()), 1, "the year's summary is kept");

    // Added, edited so that it no longer counts, deleted: each is seen at once.
    let added = app
        .add_contact(contact("2026-04-10", ContactKind::Visit, 45))
        .unwrap();
    let after_add = app.year_summary(YEAR).unwrap();
    assert_eq!(after_add, afresh(app));
    assert_eq!(after_add.activity_days, before.activity_days + 1);

    app.edit_contact(
        added.id.clone(),
        group("2026-04-10", ContactKind::SelfHelpGroup, 90, 2),
    )
    .unwrap();
    let after_edit = app.year_summary(YEAR).unwrap();
    assert_eq!(after_edit, afresh(app));
    assert_ne!(after_edit, after_add);

    app.delete_contact(first.id.clone()).unwrap();
    let after_delete = app.year_summary(YEAR).unwrap();
    assert_eq!(after_delete, afresh(app));
    assert_ne!(after_delete, after_edit);

    // Another language: the kept English summary is not shown in Norwegian.
    app.set_locale(Locale::Nb).unwrap();
    let nb = app.year_summary(YEAR).unwrap();
    assert_eq!(nb, afresh(app));
    assert_ne!(
        nb.not_counted, after_delete.not_counted,
        "messages are in bokmål"
    );

    // And across a launch.
    let home = d.home();
    let Device { dir: _dir, app } = d;
    drop(app);
    let app = open(&home);
    assert_eq!(app.year_summary(YEAR).unwrap(), afresh(&app));
}

#[test]
fn a_launch_reads_the_kept_summary_until_the_index_changes() {
    let d = with_one_visit();
    let made = d.app.year_summary(YEAR).unwrap();
    assert_eq!(made.activity_days, 1);

    // Change the kept copy behind the app's back: a launch shows it, so the summary is
    // read, not made again.
    let c = db(&d.home());
    let kept: Vec<u8> = c
        .query_row("SELECT summary FROM summary_cache", [], |r| r.get(0))
        .unwrap();
    let mut value: serde_json::Value = serde_json::from_slice(&kept).unwrap();
    value["activity_days"] = 4242.into();
    c.execute(
        "UPDATE summary_cache SET summary = ?1",
        [serde_json::to_vec(&value).unwrap()],
    )
    .unwrap();
    drop(c);
    let home = d.home();
    let Device { dir: _dir, app } = d;
    drop(app);
    let app = open(&home);
    assert_eq!(app.year_summary(YEAR).unwrap().activity_days, 4242);

    // Any change to the index drops what was kept.
    app.add_contact(contact("2026-03-05", ContactKind::Visit, 60))
        .unwrap();
    assert_eq!(kept_rows(&home), 0);
    let s = app.year_summary(YEAR).unwrap();
    assert_eq!(s.activity_days, 2);
    assert_eq!(s, afresh(&app));
}

#[test]
fn a_kept_summary_that_does_not_parse_is_made_again() {
    let d = with_one_visit();
    let made = d.app.year_summary(YEAR).unwrap();
    db(&d.home())
        .execute("UPDATE summary_cache SET summary = x'00ff'", [])
        .unwrap();
    assert_eq!(d.app.year_summary(YEAR).unwrap(), made);
}

#[test]
fn a_summary_is_given_when_the_store_cannot_keep_it() {
    let d = with_one_visit();
    // Another program holds the store's write lock: the summary does not wait for it.
    let other = db(&d.home());
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let started = std::time::Instant::now();
    let s = d.app.year_summary(YEAR).unwrap();
    let waited = started.elapsed();
    other.execute_batch("ROLLBACK").unwrap();
    assert_eq!(s.activity_days, 1);
    assert_eq!(kept_rows(&d.home()), 0, "nothing was kept");
    // Not a timing assertion on speed: the store's busy wait is 5 s, and this proves the
    // summary did not sit in it.
    assert!(waited < std::time::Duration::from_secs(4), "{waited:?}");
}
