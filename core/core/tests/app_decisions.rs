//! The decisions both apps take from the core, through the public API: forms that keep
//! what the peer entered (an expense's linked contacts, "repeat last", participants of a
//! one-to-one contact), the history by month with labelled versions, the years a report
//! can be made for.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use peerlog_core::*;

#[test]
fn editing_an_expense_through_the_form_keeps_its_linked_contacts() {
    let d = signed_device(Locale::Nb);
    let c1 = d
        .app
        .add_contact(contact("2026-02-01", ContactKind::Visit, 30))
        .unwrap();
    let stored = d
        .app
        .add_expense(ExpenseInput {
            contact_ids: vec![c1.id.clone()],
            km: Some(12),
            ..new_expense_input()
        })
        .unwrap();
    // The app's form shows date, kind, km/amount and description, not the contacts.
    let entry = ExpenseFormEntry {
        base: expense_to_input(stored.clone()),
        kind: stored.kind,
        date: stored.date.clone(),
        km: "20".into(),
        amount: String::new(),
        description: " parkering ".into(),
        contact_ids: None,
        receipt: None,
    };
    let input = d.app.expense_form_input(entry).unwrap();
    let saved = d.app.update_expense(stored.id, input).unwrap();
    assert_eq!(saved.contact_ids, [c1.id]);
    assert_eq!(saved.km, Some(20));
    assert_eq!(saved.description.as_deref(), Some("parkering"));
}

#[test]
fn repeat_last_through_the_form_keeps_every_field_the_core_returns() {
    let d = signed_device(Locale::En);
    d.app
        .add_contact(ContactInput {
            private_ref: Some("KN".into()),
            municipality: Some("Bergen".into()),
            topics: vec!["grief".into()],
            travel_km: Some(9),
            led_by_peer: false,
            participants: 4,
            ..contact("2026-02-01", ContactKind::ConversationGroup, 90)
        })
        .unwrap();
    let last = d.app.repeat_last_contact().unwrap().unwrap();
    let input = d.app.contact_form_input(contact_form_entry(last)).unwrap();
    let again = d.app.add_contact(input).unwrap();
    assert_eq!(again.private_ref.as_deref(), Some("KN"));
    assert_eq!(again.municipality.as_deref(), Some("Bergen"));
    assert_eq!(again.topics, ["grief"]);
    assert_eq!(again.travel_km, Some(9));
    assert!(!again.led_by_peer);
    assert_eq!(again.participants, 4);
}

#[test]
fn editing_a_one_to_one_contact_keeps_its_participants() {
    let d = signed_device(Locale::En);
    // Logged with the CLI or another app: a visit to a couple.
    let c = d
        .app
        .add_contact(group("2026-02-01", ContactKind::Visit, 45, 2))
        .unwrap();
    let mut entry = contact_form_entry(c.to_input());
    entry.minutes = "50".into();
    // The form has no participants field for a visit; whatever it holds is not read.
    entry.participants = String::new();
    let input = d.app.contact_form_input(entry).unwrap();
    let edited = d.app.edit_contact(c.id, input).unwrap();
    assert_eq!((edited.participants, edited.minutes), (2, 50));
}

#[test]
fn a_typed_word_is_not_a_number_in_the_peers_language() {
    let d = signed_device(Locale::Da);
    let mut entry = contact_form_entry(new_contact_input());
    entry.minutes = "en time".into();
    match d.app.contact_form_input(entry).unwrap_err() {
        PeerlogError::Invalid { fields, .. } => {
            assert_eq!(fields[0].field, "minutes");
            assert_eq!(fields[0].code, "not_a_number");
            assert!(fields[0].message.contains("tal"), "{}", fields[0].message);
        }
        e => panic!("{e:?}"),
    }
}

#[test]
fn the_history_is_grouped_by_month_newest_first() {
    let d = signed_device(Locale::Nb);
    for (date, time) in [
        ("2026-01-10", None),
        ("2026-03-02", Some("09:00")),
        ("2026-03-02", Some("14:00")),
        ("2026-03-20", None),
        ("2025-12-31", None),
    ] {
        d.app
            .add_contact(ContactInput {
                start_time: time.map(String::from),
                ..contact(date, ContactKind::Phone, 20)
            })
            .unwrap();
    }
    let months = d.app.contacts_by_month().unwrap();
    let labels: Vec<_> = months.iter().map(|m| m.label.as_str()).collect();
    assert_eq!(labels, ["Mars 2026", "Januar 2026", "Desember 2025"]);
    let march: Vec<_> = months[0]
        .contacts
        .iter()
        .map(|c| (c.date.as_str(), c.start_time.as_deref()))
        .collect();
    assert_eq!(
        march,
        [
            ("2026-03-20", None),
            ("2026-03-02", Some("14:00")),
            ("2026-03-02", Some("09:00"))
        ]
    );
}

#[test]
fn versions_are_numbered_and_labelled_by_the_core() {
    let d = signed_device(Locale::En);
    let c = d
        .app
        .add_contact(contact("2026-02-01", ContactKind::Visit, 30))
        .unwrap();
    d.app
        .edit_contact(c.id.clone(), contact("2026-02-01", ContactKind::Visit, 40))
        .unwrap();
    d.app.delete_contact(c.id.clone()).unwrap();
    let v = d.app.contact_history(c.id).unwrap();
    let got: Vec<_> = v
        .iter()
        .map(|v| (v.number, v.change, v.label.as_str(), v.by_this_device))
        .collect();
    assert_eq!(
        got,
        [
            (1, VersionChange::Created, "Logged on this device", true),
            (2, VersionChange::Edited, "Changed on this device", true),
            (3, VersionChange::Deleted, "Deleted on this device", true),
        ]
    );
    let device = d.app.profile().unwrap().device_id;
    assert_eq!(v[0].author_short, short_device_id(device.clone()));
    assert_eq!(v[0].author_short.len(), 9);
    assert!(device.starts_with(&v[0].author_short[..4]));
    assert!(v[0].at.starts_with("20"), "{}", v[0].at);
}

#[test]
fn reports_can_be_made_from_the_oldest_contacts_year_to_this_year() {
    let d = signed_device(Locale::En);
    let this_year: i32 = d.app.report_years().unwrap()[0];
    assert_eq!(d.app.report_years().unwrap(), [this_year]);
    d.app
        .add_contact(contact(
            &format!("{}-05-01", this_year - 2),
            ContactKind::Visit,
            30,
        ))
        .unwrap();
    assert_eq!(
        d.app.report_years().unwrap(),
        [this_year, this_year - 1, this_year - 2]
    );
}
