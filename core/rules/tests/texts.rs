//! Every reason has a clear, distinct message in every locale.

#![allow(clippy::unwrap_used)] // test helpers unwrap known-good fixtures

use std::collections::HashSet;

use peerlog_rules::{Locale, Reason};

/// Fails to compile when a variant is added, as a reminder to extend `all_reasons`.
#[allow(dead_code)]
fn exhaustive(r: Reason) {
    match r {
        Reason::CountsOutreach
        | Reason::CountsGroup
        | Reason::CountsCourse
        | Reason::Abroad
        | Reason::RemoteContact
        | Reason::MeetingNotOutreach
        | Reason::GroupTooFewParticipants { .. }
        | Reason::GroupTooShort { .. }
        | Reason::GroupNotLedByPeer
        | Reason::CourseTooShort { .. }
        | Reason::KindNotCounted
        | Reason::NoReportingRules => {}
    }
}

fn all_reasons() -> Vec<Reason> {
    vec![
        Reason::CountsOutreach,
        Reason::CountsGroup,
        Reason::CountsCourse,
        Reason::Abroad,
        Reason::RemoteContact,
        Reason::MeetingNotOutreach,
        Reason::GroupTooFewParticipants {
            min_participants: 3,
        },
        Reason::GroupTooShort { min_minutes: 45 },
        Reason::GroupNotLedByPeer,
        Reason::CourseTooShort { min_minutes: 90 },
        Reason::KindNotCounted,
        Reason::NoReportingRules,
    ]
}

#[test]
fn every_reason_is_listed_with_a_distinct_snake_case_code() {
    let codes: Vec<_> = all_reasons().iter().map(Reason::code).collect();
    assert_eq!(codes, Reason::CODES);
    let unique: HashSet<_> = codes.iter().collect();
    assert_eq!(unique.len(), codes.len());
    for code in codes {
        assert!(
            code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "{code}"
        );
    }
}

#[test]
fn every_message_is_present_distinct_and_translated() {
    for &locale in Locale::ALL {
        let mut seen = HashSet::new();
        for r in all_reasons() {
            let m = r.message(locale);
            assert!(!m.trim().is_empty(), "{} {locale}", r.code());
            assert!(seen.insert(m.clone()), "duplicate {locale} message: {m}");
        }
    }
    for r in all_reasons() {
        let (nb, da, en) = (
            r.message(Locale::Nb),
            r.message(Locale::Da),
            r.message(Locale::En),
        );
        assert_ne!(nb, en, "{}", r.code());
        assert_ne!(da, en, "{}", r.code());
        assert_ne!(nb, da, "{}", r.code());
    }
}

#[test]
fn messages_say_whether_it_counts() {
    for r in all_reasons() {
        let en = r.message(Locale::En);
        let nb = r.message(Locale::Nb);
        let da = r.message(Locale::Da);
        if r.counts() {
            assert!(en.starts_with("counts as"), "{en}");
            assert!(nb.starts_with("teller som"), "{nb}");
            assert!(da.starts_with("tæller som"), "{da}");
        } else {
            assert!(
                en.contains("not count") || en.starts_with("not counted"),
                "{en}"
            );
            assert!(nb.contains("ikke"), "{nb}");
            assert!(da.contains("ikke"), "{da}");
        }
    }
}

#[test]
fn thresholds_come_from_the_data() {
    let cases = [
        (
            Reason::GroupTooFewParticipants {
                min_participants: 3,
            },
            [
                "teller ikke: færre enn 3 deltakere",
                "tæller ikke: færre end 3 deltagere",
                "does not count: fewer than 3 participants",
            ],
        ),
        (
            Reason::GroupTooFewParticipants {
                min_participants: 5,
            },
            [
                "teller ikke: færre enn 5 deltakere",
                "tæller ikke: færre end 5 deltagere",
                "does not count: fewer than 5 participants",
            ],
        ),
        (
            Reason::CourseTooShort { min_minutes: 120 },
            [
                "teller ikke: en kursdag må vare minst 120 minutter",
                "tæller ikke: en kursusdag skal vare mindst 120 minutter",
                "does not count: a course day must last at least 120 minutes",
            ],
        ),
    ];
    for (reason, [nb, da, en]) in cases {
        assert_eq!(reason.message(Locale::Nb), nb);
        assert_eq!(reason.message(Locale::Da), da);
        assert_eq!(reason.message(Locale::En), en);
    }
    let r = Reason::GroupTooShort { min_minutes: 60 };
    for &l in Locale::ALL {
        assert!(r.message(l).contains("60"), "{l}");
    }
    // Singular where the number is 1.
    let one = Reason::GroupTooFewParticipants {
        min_participants: 1,
    };
    assert_eq!(
        one.message(Locale::En),
        "does not count: fewer than 1 participant"
    );
    assert_eq!(one.message(Locale::Nb), "teller ikke: færre enn 1 deltaker");
}

#[test]
fn examples_from_the_brief() {
    assert_eq!(
        Reason::CountsOutreach.message(Locale::En),
        "counts as outreach"
    );
    assert_eq!(
        Reason::CountsOutreach.message(Locale::Nb),
        "teller som oppsøkende likepersonsarbeid"
    );
}
