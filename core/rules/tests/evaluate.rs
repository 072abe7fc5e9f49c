//! Table-driven tests of the rule sets' decisions.

#![allow(clippy::unwrap_used)] // test helpers unwrap known-good fixtures

use peerlog_rules::{
    Category, ContactFacts, ContactKind, DEFAULT_RULE_SET, Evaluation, Reason, RuleSet, Treatment,
    default_rule_set, rule_set, rule_set_version, rule_sets,
};

/// A contact with neutral facts: one hour, one participant, led by the peer.
fn f(kind: ContactKind) -> ContactFacts {
    ContactFacts {
        kind,
        minutes: 60,
        participants: 1,
        abroad: false,
        led_by_peer: true,
    }
}

fn minutes(mut c: ContactFacts, m: u32) -> ContactFacts {
    c.minutes = m;
    c
}

fn people(mut c: ContactFacts, p: u32) -> ContactFacts {
    c.participants = p;
    c
}

fn group(kind: ContactKind, p: u32, m: u32) -> ContactFacts {
    minutes(people(f(kind), p), m)
}

fn abroad(mut c: ContactFacts) -> ContactFacts {
    c.abroad = true;
    c
}

fn not_led(mut c: ContactFacts) -> ContactFacts {
    c.led_by_peer = false;
    c
}

fn bufdir() -> &'static RuleSet {
    rule_set("no-bufdir-2020").unwrap()
}

const FEW: Reason = Reason::GroupTooFewParticipants {
    min_participants: 3,
};
const SHORT: Reason = Reason::GroupTooShort { min_minutes: 45 };
const COURSE_SHORT: Reason = Reason::CourseTooShort { min_minutes: 90 };

#[test]
fn no_bufdir_2020_table() {
    use ContactKind::*;
    let rows: Vec<(&str, ContactFacts, Reason)> = vec![
        // outreach
        ("visit at home", f(Visit), Reason::CountsOutreach),
        (
            "visit, 0 minutes",
            minutes(f(Visit), 0),
            Reason::CountsOutreach,
        ),
        ("meeting", f(Meeting), Reason::MeetingNotOutreach),
        (
            "long meeting",
            minutes(f(Meeting), 240),
            Reason::MeetingNotOutreach,
        ),
        // remote
        ("phone", f(Phone), Reason::RemoteContact),
        ("video", f(Video), Reason::RemoteContact),
        ("message", f(Message), Reason::RemoteContact),
        (
            "video with a group's numbers",
            group(Video, 10, 120),
            Reason::RemoteContact,
        ),
        // abroad wins over everything
        ("visit abroad", abroad(f(Visit)), Reason::Abroad),
        (
            "group abroad",
            abroad(group(SelfHelpGroup, 8, 90)),
            Reason::Abroad,
        ),
        (
            "course abroad",
            abroad(minutes(f(Course), 360)),
            Reason::Abroad,
        ),
        ("phone abroad", abroad(f(Phone)), Reason::Abroad),
        ("meeting abroad", abroad(f(Meeting)), Reason::Abroad),
        (
            "short unled group abroad",
            abroad(not_led(group(ActivityGroup, 1, 10))),
            Reason::Abroad,
        ),
        // groups: thresholds
        (
            "conversation group 3 × 45",
            group(ConversationGroup, 3, 45),
            Reason::CountsGroup,
        ),
        (
            "self-help group 3 × 45",
            group(SelfHelpGroup, 3, 45),
            Reason::CountsGroup,
        ),
        (
            "activity group 3 × 45",
            group(ActivityGroup, 3, 45),
            Reason::CountsGroup,
        ),
        (
            "large long group",
            group(ConversationGroup, 40, 600),
            Reason::CountsGroup,
        ),
        ("2 participants", group(ConversationGroup, 2, 45), FEW),
        ("0 participants", group(SelfHelpGroup, 0, 45), FEW),
        ("44 minutes", group(ActivityGroup, 3, 44), SHORT),
        ("0 minutes", group(ConversationGroup, 3, 0), SHORT),
        (
            "not led by a peer",
            not_led(group(SelfHelpGroup, 3, 45)),
            Reason::GroupNotLedByPeer,
        ),
        // groups: order of failing checks is lead → participants → minutes
        (
            "2 participants and 44 minutes",
            group(ConversationGroup, 2, 44),
            FEW,
        ),
        (
            "not led, 2 participants",
            not_led(group(ActivityGroup, 2, 45)),
            Reason::GroupNotLedByPeer,
        ),
        (
            "not led, 44 minutes",
            not_led(group(ActivityGroup, 3, 44)),
            Reason::GroupNotLedByPeer,
        ),
        // courses
        (
            "course 90 minutes",
            minutes(f(Course), 90),
            Reason::CountsCourse,
        ),
        (
            "course full day",
            minutes(f(Course), 420),
            Reason::CountsCourse,
        ),
        ("course 89 minutes", minutes(f(Course), 89), COURSE_SHORT),
        ("course 45 minutes", minutes(f(Course), 45), COURSE_SHORT),
        (
            "course not led by a peer still counts",
            not_led(minutes(f(Course), 90)),
            Reason::CountsCourse,
        ),
        // other
        ("other", f(Other), Reason::KindNotCounted),
        (
            "other, group-like",
            group(Other, 10, 120),
            Reason::KindNotCounted,
        ),
    ];
    let rs = bufdir();
    for (name, facts, reason) in rows {
        let ev = rs.evaluate(&facts);
        assert_eq!(ev.reason, reason, "{name}");
        assert_eq!(ev.counts, reason.counts(), "{name}");
        assert_eq!(ev.category, reason.category(), "{name}");
        assert_eq!(ev.rule_set, "no-bufdir-2020", "{name}");
        assert_eq!(ev.rule_set_version, 1, "{name}");
    }
}

#[test]
fn counting_reasons_map_to_categories() {
    let rs = bufdir();
    let cases = [
        (f(ContactKind::Visit), Category::Outreach),
        (
            group(ContactKind::ConversationGroup, 3, 45),
            Category::Group,
        ),
        (minutes(f(ContactKind::Course), 90), Category::Course),
    ];
    for (facts, category) in cases {
        let ev = rs.evaluate(&facts);
        assert!(ev.counts);
        assert_eq!(ev.category, Some(category));
    }
}

#[test]
fn none_counts_nothing() {
    let rs = rule_set("none").unwrap();
    assert!(!rs.counts_anything());
    assert_eq!(rs.version(), 1);
    let mut all: Vec<ContactFacts> = ContactKind::ALL.iter().map(|&k| f(k)).collect();
    all.extend(ContactKind::ALL.iter().map(|&k| abroad(group(k, 10, 600))));
    all.extend(ContactKind::ALL.iter().map(|&k| not_led(group(k, 0, 0))));
    for facts in all {
        let ev = rs.evaluate(&facts);
        assert_eq!(
            ev,
            Evaluation {
                counts: false,
                category: None,
                reason: Reason::NoReportingRules,
                rule_set: "none",
                rule_set_version: 1,
            },
            "{facts:?}"
        );
        assert_eq!(ev.reason.code(), "no_reporting_rules");
    }
    for &k in ContactKind::ALL {
        assert_eq!(rs.treatment(k), None);
    }
    assert_eq!(rs.min_group_participants(), None);
}

#[test]
fn bufdir_data_is_as_published() {
    let rs = bufdir();
    assert_eq!(rs.version(), 1);
    assert!(rs.counts_anything());
    assert_eq!(rs.min_group_participants(), Some(3));
    assert_eq!(rs.min_group_minutes(), Some(45));
    assert_eq!(rs.min_course_minutes(), Some(90));
    assert_eq!(rs.abroad_counts(), Some(false));
    assert_eq!(rs.group_requires_peer_lead(), Some(true));
    use ContactKind::*;
    let expected = [
        (Visit, Treatment::Outreach),
        (Meeting, Treatment::NeverMeeting),
        (Phone, Treatment::NeverRemote),
        (Video, Treatment::NeverRemote),
        (Message, Treatment::NeverRemote),
        (ConversationGroup, Treatment::Group),
        (SelfHelpGroup, Treatment::Group),
        (ActivityGroup, Treatment::Group),
        (Course, Treatment::Course),
        (Other, Treatment::NeverOther),
    ];
    for (kind, t) in expected {
        assert_eq!(rs.treatment(kind), Some(t), "{kind}");
    }
}

#[test]
fn registry_lookups() {
    assert_eq!(DEFAULT_RULE_SET, "no-bufdir-2020");
    assert_eq!(default_rule_set().id(), DEFAULT_RULE_SET);
    let ids: Vec<_> = rule_sets().iter().map(|r| (r.id(), r.version())).collect();
    assert_eq!(ids, [("no-bufdir-2020", 1), ("none", 1)]);
    assert!(rule_set("no-bufdir-2021").is_none());
    assert!(rule_set("").is_none());
    assert!(rule_set("NONE").is_none());
    assert_eq!(rule_set_version("none", 1).map(|r| r.id()), Some("none"));
    assert!(rule_set_version("none", 2).is_none());
}

#[test]
fn rule_set_texts_state_their_thresholds() {
    let rs = bufdir();
    for &locale in peerlog_rules::Locale::ALL {
        let d = rs.description(locale);
        for n in [
            rs.min_group_participants(),
            rs.min_group_minutes(),
            rs.min_course_minutes(),
        ] {
            let n = n.unwrap().to_string();
            assert!(d.contains(&n), "{locale}: {d}");
        }
    }
    for r in rule_sets() {
        for &l in peerlog_rules::Locale::ALL {
            assert!(!r.name(l).is_empty() && !r.description(l).is_empty());
        }
        assert_ne!(
            r.name(peerlog_rules::Locale::Nb),
            r.name(peerlog_rules::Locale::En)
        );
        assert_ne!(
            r.name(peerlog_rules::Locale::Da),
            r.name(peerlog_rules::Locale::En)
        );
    }
}

#[test]
fn evaluation_serde_round_trip_and_validation() {
    let ev = bufdir().evaluate(&group(ContactKind::SelfHelpGroup, 2, 60));
    let json = serde_json::to_string(&ev).unwrap();
    assert_eq!(
        json,
        r#"{"counts":false,"category":null,"reason":{"code":"group_too_few_participants","min_participants":3},"rule_set":"no-bufdir-2020","rule_set_version":1}"#
    );
    assert_eq!(serde_json::from_str::<Evaluation>(&json).unwrap(), ev);

    let ok = bufdir().evaluate(&f(ContactKind::Visit));
    let json = serde_json::to_string(&ok).unwrap();
    assert_eq!(
        json,
        r#"{"counts":true,"category":"outreach","reason":{"code":"counts_outreach"},"rule_set":"no-bufdir-2020","rule_set_version":1}"#
    );
    assert_eq!(serde_json::from_str::<Evaluation>(&json).unwrap(), ok);

    let bad = [
        // unknown rule set
        r#"{"counts":true,"category":"outreach","reason":{"code":"counts_outreach"},"rule_set":"xx","rule_set_version":1}"#,
        // counts without a category
        r#"{"counts":true,"category":null,"reason":{"code":"counts_outreach"},"rule_set":"none","rule_set_version":1}"#,
        // category disagrees with the reason
        r#"{"counts":true,"category":"group","reason":{"code":"counts_outreach"},"rule_set":"none","rule_set_version":1}"#,
        // a non-counting reason that claims to count
        r#"{"counts":true,"category":"group","reason":{"code":"abroad"},"rule_set":"none","rule_set_version":1}"#,
        // unknown reason code
        r#"{"counts":false,"category":null,"reason":{"code":"because"},"rule_set":"none","rule_set_version":1}"#,
        // threshold missing
        r#"{"counts":false,"category":null,"reason":{"code":"group_too_short"},"rule_set":"none","rule_set_version":1}"#,
        "null",
        "{}",
    ];
    for json in bad {
        assert!(serde_json::from_str::<Evaluation>(json).is_err(), "{json}");
    }
}

#[test]
fn contact_facts_serde_uses_kebab_case_values() {
    let facts = group(ContactKind::SelfHelpGroup, 4, 50);
    let json = serde_json::to_value(facts).unwrap();
    assert_eq!(json["kind"], "self-help-group");
    assert_eq!(json["led_by_peer"], true);
    let back: ContactFacts = serde_json::from_value(json).unwrap();
    assert_eq!(back, facts);
}
