//! Nothing sensitive is on disk in clear: a marker in every free-text field must not
//! appear in the database, its WAL or shared-memory file, or in a backup.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use peerlog_core::*;

const MARKER: &str = "ZQXMARKER7731";

#[test]
fn marker_in_every_free_text_field_never_reaches_disk() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let app = open(&home);
    app.init(
        format!("Kari {MARKER}name"),
        "no-bufdir-2020".into(),
        Locale::En,
    )
    .unwrap();
    app.sign_declaration(format!("Kari {MARKER}signer"), true, None)
        .unwrap();
    let c = app
        .add_contact(ContactInput {
            private_ref: Some(format!("{MARKER}ref")),
            private_note: Some(format!("{MARKER}note")),
            shared_note: Some(format!("{MARKER}shared")),
            municipality: Some(format!("{MARKER}muni")),
            topics: vec![format!("{MARKER}topic")],
            ..ContactInput::new("2026-02-01", ContactKind::Visit, 50)
        })
        .unwrap();
    app.edit_contact(
        c.id.clone(),
        ContactInput {
            private_note: Some(format!("{MARKER}edited")),
            ..c.to_input()
        },
    )
    .unwrap();
    app.add_expense(ExpenseInput {
        date: "2026-02-01".into(),
        kind: ExpenseKind::Other,
        km: None,
        amount_minor: Some(123_456),
        description: Some(format!("{MARKER}expense")),
        contact_ids: vec![c.id.clone()],
        receipt: Some(Receipt {
            mime_type: "application/pdf".into(),
            data: format!("%PDF-1.4 {MARKER}receipt").into_bytes(),
        }),
    })
    .unwrap();
    app.sign_year_report(2026).unwrap();
    let backup = dir.path().join("backup.json");
    app.export_backup(backup.to_string_lossy().into_owned())
        .unwrap();

    // Still readable through the API…
    let got = app.get_contact(c.id).unwrap();
    assert!(got.private_note.unwrap().contains(MARKER));

    // …but on disk, nowhere: not the DB, not the WAL, not the backup.
    let db = store_bytes(&home);
    assert!(db.len() > 10_000, "the store has data");
    assert!(
        !contains(&db, MARKER.as_bytes()),
        "marker found in the store"
    );
    assert!(!contains(&db, b"123456") || !contains(&db, b"1234.56"));
    let b = std::fs::read(&backup).unwrap();
    assert!(
        !contains(&b, MARKER.as_bytes()),
        "marker found in the backup"
    );
    drop(app);
    let db = store_bytes(&home);
    assert!(
        !contains(&db, MARKER.as_bytes()),
        "marker found after checkpoint"
    );
}
