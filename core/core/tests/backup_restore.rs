//! Moving to a new phone: export an encrypted backup, restore it with the recovery code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use peerlog_core::*;

#[test]
fn restore_on_a_new_device_brings_everything_back() {
    let d = signed_device(Locale::Nb);
    let c = d
        .app
        .add_contact(ContactInput {
            private_ref: Some("ON".into()),
            ..contact("2026-03-01", ContactKind::Visit, 40)
        })
        .unwrap();
    d.app
        .edit_contact(
            c.id.clone(),
            ContactInput {
                minutes: 45,
                private_ref: Some("ON".into()),
                ..contact("2026-03-01", ContactKind::Visit, 40)
            },
        )
        .unwrap();
    d.app
        .add_contact(group("2026-03-02", ContactKind::SelfHelpGroup, 60, 5))
        .unwrap();
    let gone = d
        .app
        .add_contact(contact("2026-03-03", ContactKind::Phone, 10))
        .unwrap();
    d.app.delete_contact(gone.id).unwrap();
    d.app
        .add_expense(ExpenseInput {
            date: "2026-03-01".into(),
            kind: ExpenseKind::Travel,
            km: Some(12),
            amount_minor: None,
            description: None,
            contact_ids: vec![c.id.clone()],
            receipt: None,
        })
        .unwrap();
    let code = d.app.recovery_code().unwrap();
    let backup = d.dir.path().join("backup.json");
    d.app
        .export_backup(backup.to_string_lossy().into_owned())
        .unwrap();
    let old_device = d.app.profile().unwrap().device_id;

    let new_dir = tempfile::tempdir().unwrap();
    let new_home = new_dir.path().join("home");
    // A wrong code and a code with a typo are refused with clear, different errors.
    let wrong = "AAAAA-AAAAA-AAAAA-AAAAA-AAAA0";
    let err = Peerlog::restore(
        new_home.to_string_lossy().into_owned(),
        secrets(&new_home),
        backup.to_string_lossy().into_owned(),
        wrong.into(),
        None,
    )
    .unwrap_err();
    assert!(
        ["wrong_recovery_code", "recovery_code_typo"].contains(&err.code()),
        "{err:?}"
    );
    let mut typo = code.clone().into_bytes();
    typo[0] = if typo[0] == b'A' { b'B' } else { b'A' };
    let err = Peerlog::restore(
        new_home.to_string_lossy().into_owned(),
        secrets(&new_home),
        backup.to_string_lossy().into_owned(),
        String::from_utf8(typo).unwrap(),
        None,
    )
    .unwrap_err();
    assert_eq!(err.code(), "recovery_code_typo", "{err:?}");

    let app = Peerlog::restore(
        new_home.to_string_lossy().into_owned(),
        secrets(&new_home),
        backup.to_string_lossy().into_owned(),
        code.to_lowercase(),
        None,
    )
    .unwrap();
    let p = app.profile().unwrap();
    assert_ne!(p.device_id, old_device, "the new phone has its own key");
    assert_eq!(p.name, "Kari Nordmann");
    assert_eq!(p.locale, Locale::Nb);
    assert!(app.declaration_status().unwrap().signed);
    let list = app.list_contacts(None, None).unwrap();
    assert_eq!(list.len(), 2);
    let restored = app.get_contact(c.id.clone()).unwrap();
    assert_eq!(restored.minutes, 45);
    assert_eq!(restored.private_ref.as_deref(), Some("ON"));
    assert_eq!(app.contact_history(c.id).unwrap().len(), 2);
    assert_eq!(app.list_expenses().unwrap().len(), 1);
    assert_eq!(app.year_summary(2026).unwrap().activity_days, 2);
    // The new device can keep working, and its versions are newer than the old ones.
    let next = app
        .add_contact(contact("2026-03-05", ContactKind::Visit, 30))
        .unwrap();
    assert!(next.version > restored.version);
    drop(app);
    let reopened = open(&new_home);
    assert_eq!(reopened.list_contacts(None, None).unwrap().len(), 3);

    // Restoring over existing data is refused.
    let err = Peerlog::restore(
        new_home.to_string_lossy().into_owned(),
        secrets(&new_home),
        backup.to_string_lossy().into_owned(),
        code,
        None,
    )
    .unwrap_err();
    assert_eq!(err.code(), "home_not_empty");
}

#[test]
fn a_tampered_backup_is_refused() {
    let d = signed_device(Locale::En);
    d.app
        .add_contact(contact("2026-03-01", ContactKind::Visit, 40))
        .unwrap();
    let code = d.app.recovery_code().unwrap();
    let backup = d.dir.path().join("backup.json");
    d.app
        .export_backup(backup.to_string_lossy().into_owned())
        .unwrap();
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&backup).unwrap()).unwrap();
    // Claim a record is newer than it is: the file no longer matches its signed manifest
    // (nor the record its author's signature).
    let recs = v["records"].as_array_mut().unwrap();
    let n = recs.len();
    let version = recs[n - 1]["meta"]["version"].as_u64().unwrap();
    recs[n - 1]["meta"]["version"] = (version + 1).into();
    std::fs::write(&backup, serde_json::to_vec(&v).unwrap()).unwrap();
    let new_dir = tempfile::tempdir().unwrap();
    let err = Peerlog::restore(
        new_dir.path().to_string_lossy().into_owned(),
        secrets(new_dir.path()),
        backup.to_string_lossy().into_owned(),
        code,
        None,
    )
    .unwrap_err();
    assert_eq!(err.code(), "backup_tampered", "{err:?}");
    std::fs::write(&backup, b"{}").unwrap();
    let err = Peerlog::restore(
        new_dir.path().join("b").to_string_lossy().into_owned(),
        secrets(&new_dir.path().join("b")),
        backup.to_string_lossy().into_owned(),
        d.app.recovery_code().unwrap(),
        None,
    )
    .unwrap_err();
    assert_eq!(err.code(), "backup_wrong_format");
}
