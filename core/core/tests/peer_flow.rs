//! The peer's offline flow through the public API: set up, sign the declaration, log,
//! edit, delete, summarise, sign a report, expenses.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use peerlog_core::*;

#[test]
fn logging_is_refused_until_the_declaration_is_signed() {
    let d = device(Locale::En);
    let err = d
        .app
        .add_contact(contact("2026-03-02", ContactKind::Visit, 60))
        .unwrap_err();
    assert!(
        matches!(err, PeerlogError::DeclarationRequired { .. }),
        "{err:?}"
    );
    assert!(err.message().contains("declaration"), "{}", err.message());
    assert_eq!(d.app.pending_count().unwrap(), 0, "nothing was written");

    let st = d.app.declaration_status().unwrap();
    assert!(!st.signed);
    assert!(!st.signed_before, "a new peer signs for the first time");
    let info = d
        .app
        .sign_declaration("Kari Nordmann".into(), true, None)
        .unwrap();
    assert_eq!(info.version, st.version);
    let st = d.app.declaration_status().unwrap();
    assert!(st.signed && st.signed_before);
    d.app
        .add_contact(contact("2026-03-02", ContactKind::Visit, 60))
        .unwrap();
}

#[test]
fn each_contact_says_whether_it_counts_and_why() {
    let d = signed_device(Locale::En);
    let visit = d
        .app
        .add_contact(contact("2026-03-02", ContactKind::Visit, 60))
        .unwrap();
    assert!(visit.evaluation.counts);
    assert_eq!(visit.evaluation.category, Some(Category::Outreach));

    let small = d
        .app
        .add_contact(group("2026-03-03", ContactKind::SelfHelpGroup, 90, 2))
        .unwrap();
    assert!(!small.evaluation.counts);
    assert_eq!(small.evaluation.reason_code, "group_too_few_participants");
    assert!(
        small.evaluation.reason.contains('3'),
        "{}",
        small.evaluation.reason
    );

    let phone = d
        .app
        .add_contact(contact("2026-03-04", ContactKind::Phone, 20))
        .unwrap();
    assert!(!phone.evaluation.counts);

    // The live line while typing matches what is saved.
    let live = d
        .app
        .evaluate_contact(group("2026-03-03", ContactKind::SelfHelpGroup, 90, 2))
        .unwrap();
    assert_eq!(live, small.evaluation);
}

#[test]
fn reasons_come_in_the_peers_language() {
    let d = signed_device(Locale::Nb);
    let c = d
        .app
        .add_contact(group("2026-03-03", ContactKind::ConversationGroup, 90, 2))
        .unwrap();
    let nb = c.evaluation.reason.clone();
    d.app.set_locale(Locale::Da).unwrap();
    let da = d.app.get_contact(c.id.clone()).unwrap().evaluation.reason;
    d.app.set_locale(Locale::En).unwrap();
    let en = d.app.get_contact(c.id).unwrap().evaluation.reason;
    assert_ne!(nb, en);
    assert_ne!(da, en);
    assert_ne!(nb, da);
}

#[test]
fn invalid_input_names_every_field_and_writes_nothing() {
    let d = signed_device(Locale::En);
    let before = d.app.pending_count().unwrap();
    let bad = ContactInput {
        participants: 1,
        private_ref: Some("x".repeat(41)),
        start_time: Some("25:00".into()),
        ..ContactInput::new("2999-01-01", ContactKind::SelfHelpGroup, 0)
    };
    let err = d.app.add_contact(bad).unwrap_err();
    let PeerlogError::Invalid { fields, .. } = &err else {
        panic!("{err:?}")
    };
    let mut names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "date",
            "minutes",
            "participants",
            "private_ref",
            "start_time"
        ]
    );
    let date = fields.iter().find(|f| f.field == "date").unwrap();
    assert_eq!(date.code, "in_future");
    assert_eq!(d.app.pending_count().unwrap(), before);
    assert!(d.app.list_contacts(None, None).unwrap().is_empty());

    for (input, field) in [
        (
            ContactInput::new("2026-13-01", ContactKind::Visit, 30),
            "date",
        ),
        (
            ContactInput::new("2026-01-01", ContactKind::Visit, 1441),
            "minutes",
        ),
        (
            ContactInput {
                place: Some(Place::Home),
                ..ContactInput::new("2026-01-01", ContactKind::Phone, 10)
            },
            "place",
        ),
        (
            ContactInput {
                shared_note: Some("a\u{7}b".into()),
                ..ContactInput::new("2026-01-01", ContactKind::Visit, 10)
            },
            "shared_note",
        ),
        (
            ContactInput {
                travel_km: Some(100_000),
                ..ContactInput::new("2026-01-01", ContactKind::Visit, 10)
            },
            "travel_km",
        ),
    ] {
        let err = d.app.add_contact(input).unwrap_err();
        let PeerlogError::Invalid { fields, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(fields.len(), 1, "{fields:?}");
        assert_eq!(fields[0].field, field);
    }
    // A 40-character reference is fine; 1440 minutes is fine.
    let ok = ContactInput {
        private_ref: Some("ø".repeat(40)),
        ..ContactInput::new("2026-01-01", ContactKind::Visit, 1440)
    };
    d.app.add_contact(ok).unwrap();
}

#[test]
fn edit_and_delete_keep_history() {
    let d = signed_device(Locale::En);
    let c = d
        .app
        .add_contact(ContactInput {
            private_ref: Some("AB".into()),
            private_note: Some("first".into()),
            ..contact("2026-04-01", ContactKind::Visit, 30)
        })
        .unwrap();
    let edited = d
        .app
        .edit_contact(
            c.id.clone(),
            ContactInput {
                private_ref: Some("AB".into()),
                ..contact("2026-04-01", ContactKind::Meeting, 45)
            },
        )
        .unwrap();
    assert!(edited.version > c.version);
    assert_eq!(edited.created_at, c.created_at);
    assert!(!edited.evaluation.counts, "a meeting is not outreach");
    assert_eq!(edited.private_note, None);
    let got = d.app.get_contact(c.id.clone()).unwrap();
    assert_eq!(got.kind, ContactKind::Meeting);
    assert_eq!(got.private_ref.as_deref(), Some("AB"));

    d.app.delete_contact(c.id.clone()).unwrap();
    assert!(matches!(
        d.app.get_contact(c.id.clone()).unwrap_err(),
        PeerlogError::NotFound { .. }
    ));
    assert!(d.app.list_contacts(None, None).unwrap().is_empty());
    assert!(matches!(
        d.app.delete_contact(c.id.clone()).unwrap_err(),
        PeerlogError::NotFound { .. }
    ));

    let h = d.app.contact_history(c.id).unwrap();
    assert_eq!(h.len(), 3);
    let first = h[0].contact.as_ref().unwrap();
    assert_eq!(first.kind, ContactKind::Visit);
    assert_eq!(first.private_note.as_deref(), Some("first"));
    assert_eq!(h[1].contact.as_ref().unwrap().kind, ContactKind::Meeting);
    assert_eq!(h[1].contact.as_ref().unwrap().private_note, None);
    assert!(h[2].deleted && h[2].contact.is_none());
    assert!(h[0].version < h[1].version && h[1].version < h[2].version);
}

#[test]
fn list_filters_by_date_and_summary_counts_per_category_and_month() {
    let d = signed_device(Locale::En);
    let app = &d.app;
    app.add_contact(contact("2025-12-31", ContactKind::Visit, 60))
        .unwrap();
    app.add_contact(contact("2026-01-10", ContactKind::Visit, 60))
        .unwrap();
    app.add_contact(contact("2026-01-10", ContactKind::Visit, 30))
        .unwrap();
    app.add_contact(group("2026-02-05", ContactKind::ConversationGroup, 45, 3))
        .unwrap();
    app.add_contact(group("2026-02-06", ContactKind::ActivityGroup, 44, 5))
        .unwrap();
    app.add_contact(group("2026-03-01", ContactKind::Course, 90, 8))
        .unwrap();
    app.add_contact(group("2026-03-02", ContactKind::Course, 89, 8))
        .unwrap();
    app.add_contact(ContactInput {
        abroad: true,
        ..contact("2026-03-03", ContactKind::Visit, 60)
    })
    .unwrap();
    app.add_contact(contact("2026-03-04", ContactKind::Video, 60))
        .unwrap();

    let jan = app
        .list_contacts(Some("2026-01-01".into()), Some("2026-01-31".into()))
        .unwrap();
    assert_eq!(jan.len(), 2);
    assert!(jan.iter().all(|c| c.date == "2026-01-10"));

    let s = app.year_summary(2026).unwrap();
    assert_eq!(s.activity_days, 4);
    assert_eq!(
        s.by_category,
        CategoryTotals {
            outreach: 2,
            group: 1,
            course: 1
        }
    );
    assert_eq!(s.not_counted_total, 4);
    assert_eq!(s.by_month.len(), 12);
    assert_eq!(s.by_month[0].outreach, 2);
    assert_eq!(s.by_month[1].group, 1);
    assert_eq!(s.by_month[1].not_counted, 1);
    assert_eq!(s.by_month[2].course, 1);
    assert_eq!(s.by_month[2].not_counted, 3);
    let codes: Vec<_> = s.not_counted.iter().map(|r| r.code.as_str()).collect();
    for code in [
        "group_too_short",
        "course_too_short",
        "abroad",
        "remote_contact",
    ] {
        assert!(codes.contains(&code), "{code} in {codes:?}");
    }
    assert!(
        s.warnings
            .iter()
            .any(|w| w.date.as_deref() == Some("2026-01-10")),
        "two counted visits on one day are flagged: {:?}",
        s.warnings
    );
    assert_eq!(app.year_summary(2025).unwrap().activity_days, 1);
}

#[test]
fn signed_report_verifies_offline_and_detects_tampering() {
    let d = signed_device(Locale::En);
    d.app
        .add_contact(contact("2026-05-01", ContactKind::Visit, 60))
        .unwrap();
    d.app
        .add_contact(group("2026-05-02", ContactKind::SelfHelpGroup, 60, 4))
        .unwrap();
    d.app
        .add_contact(contact("2026-05-03", ContactKind::Phone, 60))
        .unwrap();
    let f = d.app.sign_year_report(2026).unwrap();
    assert_eq!(f.verification.activity_days, 2);
    assert!(f.verification.declaration_signed);
    let v = verify_report_file(f.contents.clone().into_bytes()).unwrap();
    assert_eq!(v, f.verification);
    assert_eq!(v.by_category.group, 1);

    let forged = f.contents.replace("2026-05-03", "2026-05-04");
    let err = verify_report_file(forged.into_bytes()).unwrap_err();
    assert_eq!(err.code(), "report_signature_invalid");
    let err = verify_report_file(b"not json".to_vec()).unwrap_err();
    assert_eq!(err.code(), "report_unknown_format");
}

#[test]
fn declaration_copy_is_exported_and_verifiable() {
    let d = device(Locale::Da);
    assert!(d.app.export_signed_declaration().is_err());
    let drawn = DrawnSignature {
        width: 400,
        height: 150,
        strokes: vec![vec![
            StrokePoint { x: 5, y: 70 },
            StrokePoint { x: 390, y: 80 },
        ]],
    };
    d.app
        .sign_declaration("Mette Hansen".into(), true, Some(drawn))
        .unwrap();
    let html = d.app.export_signed_declaration().unwrap();
    assert!(html.contains("Mette Hansen"));
    assert!(html.contains("lang=\"da\""));
    let info = verify_declaration_html(html.clone()).unwrap();
    assert!(info.has_drawn_signature);
    assert!(verify_declaration_html(html.replace("tavshed", "TAVSHED")).is_err());
}

#[test]
fn expenses_use_minor_units_and_the_organisations_rate() {
    let d = signed_device(Locale::Nb);
    let visit = d
        .app
        .add_contact(contact("2026-06-01", ContactKind::Visit, 60))
        .unwrap();
    let travel = d
        .app
        .add_expense(ExpenseInput {
            date: "2026-06-01".into(),
            kind: ExpenseKind::Travel,
            km: Some(37),
            amount_minor: None,
            description: Some("Til sykehuset".into()),
            contact_ids: vec![visit.id.clone()],
            receipt: None,
        })
        .unwrap();
    assert_eq!(travel.amount_minor, 37 * 350);
    assert_eq!(travel.currency, "NOK");
    assert_eq!(travel.status, ExpenseStatus::Draft);

    d.app.set_mileage_rate(400, "NOK".into()).unwrap();
    let jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F'];
    let ticket = d
        .app
        .add_expense(ExpenseInput {
            date: "2026-06-02".into(),
            kind: ExpenseKind::Ticket,
            km: None,
            amount_minor: Some(4_950),
            description: None,
            contact_ids: vec![],
            receipt: Some(Receipt {
                mime_type: "image/jpeg".into(),
                data: jpeg.clone(),
            }),
        })
        .unwrap();
    assert!(ticket.has_receipt);
    assert_eq!(
        d.app
            .expense_receipt(ticket.id.clone())
            .unwrap()
            .unwrap()
            .data,
        jpeg
    );
    let submitted = d.app.submit_expense(ticket.id.clone()).unwrap();
    assert_eq!(submitted.status, ExpenseStatus::Submitted);
    assert!(submitted.submitted_at.is_some());
    let err = d.app.delete_expense(ticket.id.clone()).unwrap_err();
    assert_eq!(err.code(), "expense_not_draft");

    // Refusals: travel with an amount, unknown contact, a receipt that isn't what it says.
    let err = d
        .app
        .add_expense(ExpenseInput {
            date: "2026-06-02".into(),
            kind: ExpenseKind::Travel,
            km: Some(10),
            amount_minor: Some(100),
            description: None,
            contact_ids: vec!["nope".into()],
            receipt: Some(Receipt {
                mime_type: "image/png".into(),
                data: jpeg,
            }),
        })
        .unwrap_err();
    let PeerlogError::Invalid { fields, .. } = err else {
        panic!()
    };
    let mut names: Vec<_> = fields.iter().map(|f| f.field.clone()).collect();
    names.sort();
    assert_eq!(names, ["amount_minor", "contact_ids", "receipt"]);

    let list = d.app.list_expenses().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].id, ticket.id, "newest first");
    d.app.delete_expense(travel.id).unwrap();
    assert_eq!(d.app.list_expenses().unwrap().len(), 1);
}

#[test]
fn repeat_last_prefills_from_the_latest_contact() {
    let d = signed_device(Locale::En);
    assert_eq!(d.app.repeat_last_contact().unwrap(), None);
    d.app
        .add_contact(ContactInput {
            private_ref: Some("KN".into()),
            private_note: Some("secret".into()),
            place: Some(Place::Hospital),
            ..contact("2026-02-01", ContactKind::Visit, 50)
        })
        .unwrap();
    let input = d.app.repeat_last_contact().unwrap().unwrap();
    assert_eq!(input.kind, ContactKind::Visit);
    assert_eq!(input.minutes, 50);
    assert_eq!(input.place, Some(Place::Hospital));
    assert_eq!(input.private_ref.as_deref(), Some("KN"));
    assert_eq!(input.private_note, None);
    assert!(!input.is_new);
    d.app.add_contact(input).unwrap();
}

#[test]
fn data_survives_reopening_and_init_is_once() {
    let d = signed_device(Locale::En);
    let c = d
        .app
        .add_contact(contact("2026-02-01", ContactKind::Visit, 50))
        .unwrap();
    let err = d
        .app
        .init("Other".into(), "none".into(), Locale::En)
        .unwrap_err();
    assert_eq!(err.code(), "already_initialised");
    drop(d.app);
    let app = open(&d.dir.path().join("home"));
    assert!(app.is_initialised());
    assert_eq!(app.get_contact(c.id).unwrap().minutes, 50);
    assert!(app.declaration_status().unwrap().signed);
}

#[test]
fn missing_keys_are_reported_not_papered_over() {
    let d = signed_device(Locale::En);
    let home = d.home();
    drop(d.app);
    std::fs::remove_file(home.join("secrets/peer-key")).unwrap();
    let err = Peerlog::open_dir(&home, secrets(&home), None).unwrap_err();
    assert_eq!(err.code(), "keys_missing");
}

#[test]
fn init_validates_name_and_rules() {
    let dir = tempfile::tempdir().unwrap();
    let app = open(dir.path());
    assert_eq!(
        app.init("K".into(), "no-bufdir-2020".into(), Locale::En)
            .unwrap_err()
            .code(),
        "bad_name"
    );
    assert_eq!(
        app.init("Kari".into(), "us-irs".into(), Locale::En)
            .unwrap_err()
            .code(),
        "unknown_rule_set"
    );
    assert!(!app.is_initialised());
    let none = app.init("Kari".into(), "none".into(), Locale::Da).unwrap();
    assert_eq!(none.recovery_code.len(), 29);
    app.sign_declaration("Kari".into(), true, None).unwrap();
    let c = app
        .add_contact(contact("2026-02-01", ContactKind::Visit, 50))
        .unwrap();
    assert!(!c.evaluation.counts, "nothing counts under `none`");
    assert_eq!(c.evaluation.reason_code, "no_reporting_rules");
}

#[test]
fn wipe_erases_keys_and_data() {
    let d = signed_device(Locale::En);
    d.app
        .add_contact(ContactInput {
            private_note: Some("WIPE-MARKER".into()),
            ..contact("2026-02-01", ContactKind::Visit, 50)
        })
        .unwrap();
    d.app.wipe().unwrap();
    assert!(!d.app.is_initialised());
    assert!(d.app.list_contacts(None, None).is_err());
    let home = d.home();
    assert!(!home.join("secrets/peer-key").exists());
    assert!(!home.join("secrets/device-signing-key").exists());
    drop(d.app);
    let app = open(&home);
    assert!(!app.is_initialised());
}

#[test]
fn the_place_picker_is_offered_exactly_where_a_place_is_accepted() {
    let d = device(Locale::En);
    let kinds = contact_kinds(Locale::En);
    assert!(kinds.iter().any(|k| k.has_place) && kinds.iter().any(|k| !k.has_place));
    for k in kinds {
        let mut input = if k.is_group {
            group("2026-03-02", k.kind, 90, 5)
        } else {
            contact("2026-03-02", k.kind, 60)
        };
        input.place = Some(Place::Hospital);
        let refused_place = match d.app.validate_contact(input) {
            Ok(()) => false,
            Err(PeerlogError::Invalid { fields, .. }) => fields.iter().any(|f| f.field == "place"),
            Err(other) => panic!("{other:?}"),
        };
        assert_eq!(refused_place, !k.has_place, "{}", k.code);
    }
}

#[test]
fn the_expense_form_asks_for_km_or_an_amount_as_the_core_checks_them() {
    let d = signed_device(Locale::En);
    for k in vocabulary(Locale::En).expense_kinds {
        let input = |by_km: bool| ExpenseInput {
            date: "2026-03-02".into(),
            kind: k.kind,
            km: by_km.then_some(12),
            amount_minor: (!by_km).then_some(14_950),
            description: None,
            contact_ids: vec![],
            receipt: None,
        };
        assert!(d.app.add_expense(input(k.uses_km)).is_ok(), "{}", k.code);
        let err = d.app.add_expense(input(!k.uses_km)).unwrap_err();
        assert!(
            matches!(err, PeerlogError::Invalid { .. }),
            "{}: {err:?}",
            k.code
        );
    }
}
