//! The period summary.

#![allow(clippy::unwrap_used)] // test helpers unwrap known-good fixtures

use chrono::NaiveDate;
use peerlog_rules::{
    Category, ContactFacts, ContactKind, Locale, MonthCounts, RuleSet, Summary, SummaryEntry,
    WarningCode, rule_set, summarise,
};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn bufdir() -> &'static RuleSet {
    rule_set("no-bufdir-2020").unwrap()
}

fn facts(kind: ContactKind, participants: u32, minutes: u32) -> ContactFacts {
    ContactFacts {
        kind,
        minutes,
        participants,
        abroad: false,
        led_by_peer: true,
    }
}

fn entry_with(rs: &RuleSet, id: &str, date: NaiveDate, f: ContactFacts) -> SummaryEntry {
    SummaryEntry {
        id: id.to_owned(),
        date,
        kind: f.kind,
        evaluation: rs.evaluate(&f),
    }
}

fn entry(
    id: &str,
    date: NaiveDate,
    kind: ContactKind,
    participants: u32,
    minutes: u32,
) -> SummaryEntry {
    entry_with(bufdir(), id, date, facts(kind, participants, minutes))
}

fn month(s: &Summary, year: i32, m: u32) -> &MonthCounts {
    s.by_month
        .iter()
        .find(|x| x.year == year && x.month == m)
        .unwrap()
}

/// A year of contacts from 1 Nov 2023 to 29 Feb 2024, plus some outside.
fn sample() -> Vec<SummaryEntry> {
    use ContactKind::*;
    vec![
        entry("before", d(2023, 10, 31), Visit, 1, 60),
        entry("v1", d(2023, 11, 2), Visit, 1, 60),
        entry("v2", d(2023, 11, 20), Visit, 1, 30),
        entry("p1", d(2023, 11, 21), Phone, 1, 20),
        entry("g1", d(2024, 1, 10), ConversationGroup, 5, 90),
        entry("g2", d(2024, 1, 17), SelfHelpGroup, 2, 90),
        entry("g3", d(2024, 1, 24), ActivityGroup, 6, 30),
        entry("c1", d(2024, 2, 3), Course, 12, 180),
        entry("c2", d(2024, 2, 4), Course, 12, 60),
        entry("m1", d(2024, 2, 5), Meeting, 1, 60),
        entry("x1", d(2024, 2, 6), Video, 1, 30),
        entry("x2", d(2024, 2, 29), Message, 1, 5),
        entry("after", d(2024, 3, 1), Visit, 1, 60),
    ]
}

#[test]
fn counts_per_category_and_reason() {
    let s = summarise(
        bufdir(),
        d(2023, 11, 1),
        d(2024, 2, 29),
        &sample(),
        Locale::En,
    );
    assert_eq!(s.rule_set, "no-bufdir-2020");
    assert_eq!(s.rule_set_version, 1);
    assert_eq!(
        (
            s.by_category.outreach,
            s.by_category.group,
            s.by_category.course
        ),
        (2, 1, 1)
    );
    assert_eq!(s.activity_days, 4);
    assert_eq!(s.by_category.total(), 4);
    assert_eq!(s.by_category.get(Category::Outreach), 2);
    assert_eq!(s.not_counted_total, 7);
    let reasons: Vec<_> = s
        .not_counted
        .iter()
        .map(|r| (r.code.as_str(), r.count))
        .collect();
    // count desc, then code asc
    assert_eq!(
        reasons,
        [
            ("remote_contact", 3),
            ("course_too_short", 1),
            ("group_too_few_participants", 1),
            ("group_too_short", 1),
            ("meeting_not_outreach", 1),
        ]
    );
    let few = s
        .not_counted
        .iter()
        .find(|r| r.code == "group_too_few_participants")
        .unwrap();
    assert_eq!(few.message, "does not count: fewer than 3 participants");
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
}

#[test]
fn months_are_zero_filled_across_the_year_boundary() {
    let s = summarise(
        bufdir(),
        d(2023, 11, 1),
        d(2024, 2, 29),
        &sample(),
        Locale::En,
    );
    let months: Vec<_> = s.by_month.iter().map(|m| (m.year, m.month)).collect();
    assert_eq!(months, [(2023, 11), (2023, 12), (2024, 1), (2024, 2)]);
    let nov = month(&s, 2023, 11);
    assert_eq!(
        (nov.outreach, nov.group, nov.course, nov.not_counted),
        (2, 0, 0, 1)
    );
    let dec = month(&s, 2023, 12);
    assert_eq!(
        (dec.outreach, dec.group, dec.course, dec.not_counted),
        (0, 0, 0, 0)
    );
    let jan = month(&s, 2024, 1);
    assert_eq!(
        (jan.outreach, jan.group, jan.course, jan.not_counted),
        (0, 1, 0, 2)
    );
    let feb = month(&s, 2024, 2);
    assert_eq!(
        (feb.outreach, feb.group, feb.course, feb.not_counted),
        (0, 0, 1, 4)
    );
    let counted: u32 = s
        .by_month
        .iter()
        .map(|m| m.outreach + m.group + m.course)
        .sum();
    assert_eq!(counted, s.activity_days);
    let not: u32 = s.by_month.iter().map(|m| m.not_counted).sum();
    assert_eq!(not, s.not_counted_total);
}

#[test]
fn full_calendar_year_has_twelve_months() {
    let s = summarise(bufdir(), d(2024, 1, 1), d(2024, 12, 31), &[], Locale::Nb);
    assert_eq!(s.by_month.len(), 12);
    assert_eq!(s.by_month[0].month, 1);
    assert_eq!(s.by_month[11].month, 12);
    assert!(s.by_month.iter().all(|m| m.year == 2024));
    assert_eq!(s.activity_days, 0);
    assert!(s.not_counted.is_empty());
    assert!(s.warnings.is_empty());
    // A single day still gives its month.
    let one = summarise(bufdir(), d(2024, 5, 5), d(2024, 5, 5), &[], Locale::En);
    assert_eq!(one.by_month.len(), 1);
}

#[test]
fn entries_outside_the_range_are_ignored() {
    let s = summarise(
        bufdir(),
        d(2023, 11, 1),
        d(2024, 2, 29),
        &sample(),
        Locale::En,
    );
    let visits = s
        .by_kind
        .iter()
        .find(|k| k.kind == ContactKind::Visit)
        .unwrap();
    assert_eq!((visits.total, visits.counted), (2, 2));
    // The boundaries are inclusive.
    let edges = [
        entry("a", d(2024, 1, 1), ContactKind::Visit, 1, 60),
        entry("b", d(2024, 1, 31), ContactKind::Visit, 1, 60),
        entry("c", d(2023, 12, 31), ContactKind::Visit, 1, 60),
        entry("e", d(2024, 2, 1), ContactKind::Visit, 1, 60),
    ];
    let s = summarise(bufdir(), d(2024, 1, 1), d(2024, 1, 31), &edges, Locale::En);
    assert_eq!(s.activity_days, 2);
    assert_eq!(s.by_month.len(), 1);
}

#[test]
fn by_kind_lists_every_kind() {
    let s = summarise(
        bufdir(),
        d(2023, 11, 1),
        d(2024, 2, 29),
        &sample(),
        Locale::En,
    );
    let kinds: Vec<_> = s.by_kind.iter().map(|k| k.kind).collect();
    assert_eq!(kinds, ContactKind::ALL);
    let get = |k: ContactKind| {
        let c = s.by_kind.iter().find(|x| x.kind == k).unwrap();
        (c.total, c.counted)
    };
    assert_eq!(get(ContactKind::Course), (2, 1));
    assert_eq!(get(ContactKind::Phone), (1, 0));
    assert_eq!(get(ContactKind::Other), (0, 0));
    let total: u32 = s.by_kind.iter().map(|k| k.total).sum();
    assert_eq!(total, s.activity_days + s.not_counted_total);
}

#[test]
fn several_counted_on_one_day_warns_once_per_day() {
    use ContactKind::*;
    let day = d(2024, 3, 7);
    let entries = [
        entry("a", day, Visit, 1, 60),
        entry("b", day, Visit, 1, 60),
        entry("c", day, ConversationGroup, 4, 60),
        entry("phone", day, Phone, 1, 60), // not counted: not part of the warning
        entry("other-day-1", d(2024, 3, 8), Visit, 1, 60),
        entry("other-day-2", d(2024, 3, 8), Phone, 1, 60),
    ];
    for &locale in Locale::ALL {
        let s = summarise(bufdir(), d(2024, 1, 1), d(2024, 12, 31), &entries, locale);
        // Still one activity-day per counted contact.
        assert_eq!(s.activity_days, 4);
        assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
        let w = &s.warnings[0];
        assert_eq!(w.code, WarningCode::SeveralCountedOnOneDay);
        assert_eq!(w.code.code(), "several_counted_on_one_day");
        assert_eq!(w.code.to_string(), "several_counted_on_one_day");
        assert_eq!(
            serde_json::to_value(w.code).unwrap(),
            "several_counted_on_one_day"
        );
        assert_eq!(w.date, Some(day));
        assert_eq!(w.entry_ids, ["a", "b", "c"]);
        assert!(w.message.contains('3'), "{}", w.message);
        match locale {
            Locale::Nb => {
                assert!(w.message.contains("07.03.2024") && w.message.contains("nye deltakere"))
            }
            Locale::Da => {
                assert!(w.message.contains("07.03.2024") && w.message.contains("nye deltagere"))
            }
            Locale::En => {
                assert!(w.message.contains("2024-03-07") && w.message.contains("new participants"))
            }
        }
    }
}

#[test]
fn duplicates_are_counted_once_with_a_warning() {
    let entries = [
        entry("a", d(2024, 3, 7), ContactKind::Visit, 1, 60),
        entry("a", d(2024, 3, 7), ContactKind::Visit, 1, 60),
        entry("a", d(2024, 3, 7), ContactKind::Visit, 1, 60),
    ];
    let s = summarise(
        bufdir(),
        d(2024, 1, 1),
        d(2024, 12, 31),
        &entries,
        Locale::En,
    );
    assert_eq!(s.activity_days, 1);
    assert_eq!(s.warnings.len(), 1);
    assert_eq!(s.warnings[0].code, WarningCode::DuplicateEntry);
    assert_eq!(s.warnings[0].entry_ids, ["a"]);
}

#[test]
fn entries_from_another_rule_set_are_flagged() {
    let none = rule_set("none").unwrap();
    let entries = [
        entry("a", d(2024, 3, 7), ContactKind::Visit, 1, 60),
        entry_with(none, "b", d(2024, 3, 8), facts(ContactKind::Visit, 1, 60)),
        entry_with(none, "c", d(2024, 3, 9), facts(ContactKind::Visit, 1, 60)),
    ];
    let s = summarise(
        bufdir(),
        d(2024, 1, 1),
        d(2024, 12, 31),
        &entries,
        Locale::En,
    );
    assert_eq!(s.activity_days, 1);
    assert_eq!(s.not_counted[0].code, "no_reporting_rules");
    assert_eq!(s.warnings.len(), 1);
    let w = &s.warnings[0];
    assert_eq!(w.code, WarningCode::OtherRuleSet);
    assert_eq!(w.entry_ids, ["b", "c"]);
    assert!(w.message.contains("2 contacts were"), "{}", w.message);
}

#[test]
fn none_rule_set_summary_has_no_warnings() {
    let none = rule_set("none").unwrap();
    let entries: Vec<_> = ContactKind::ALL
        .iter()
        .enumerate()
        .map(|(i, &k)| entry_with(none, &format!("e{i}"), d(2024, 6, 1), facts(k, 5, 120)))
        .collect();
    let s = summarise(none, d(2024, 1, 1), d(2024, 12, 31), &entries, Locale::Da);
    assert_eq!(s.activity_days, 0);
    assert_eq!(s.not_counted_total, 10);
    assert_eq!(s.not_counted.len(), 1);
    assert_eq!(
        s.not_counted[0].message,
        "tælles ikke: din organisation indberetter ikke aktivitetstal"
    );
    assert!(s.warnings.is_empty());
}

#[test]
fn reversed_period_is_a_warning_not_a_panic() {
    let s = summarise(
        bufdir(),
        d(2024, 12, 31),
        d(2024, 1, 1),
        &sample(),
        Locale::Nb,
    );
    assert!(s.by_month.is_empty());
    assert_eq!(s.activity_days, 0);
    assert_eq!(s.warnings.len(), 1);
    assert_eq!(s.warnings[0].code, WarningCode::InvalidPeriod);
    assert_eq!(
        s.warnings[0].message,
        "Perioden slutter før den begynner (01.01.2024 er før 31.12.2024)."
    );
}

#[test]
fn extreme_dates_do_not_panic() {
    let entries = [
        entry("min", NaiveDate::MIN, ContactKind::Visit, 1, 60),
        entry("max", NaiveDate::MAX, ContactKind::Visit, 1, 60),
    ];
    let s = summarise(
        bufdir(),
        d(2024, 1, 1),
        d(2024, 1, 31),
        &entries,
        Locale::En,
    );
    assert_eq!(s.activity_days, 0);
    let s = summarise(bufdir(), d(9999, 11, 1), d(10000, 2, 1), &[], Locale::En);
    assert_eq!(s.by_month.len(), 4);
    // Absurd periods are refused rather than allocating millions of months.
    let s = summarise(
        bufdir(),
        NaiveDate::MIN,
        NaiveDate::MAX,
        &entries,
        Locale::En,
    );
    assert!(s.by_month.is_empty());
    assert_eq!(s.activity_days, 0);
    assert_eq!(s.warnings[0].code, WarningCode::InvalidPeriod);
    assert_eq!(s.by_kind.len(), ContactKind::ALL.len());
    let s = summarise(
        bufdir(),
        d(1950, 1, 1),
        d(2049, 12, 31),
        &entries,
        Locale::En,
    );
    assert_eq!(s.by_month.len(), 1200);
    assert!(s.warnings.is_empty());
}

#[test]
fn summary_json_shape() {
    let s = summarise(
        bufdir(),
        d(2023, 11, 1),
        d(2024, 2, 29),
        &sample(),
        Locale::Nb,
    );
    let v = serde_json::to_value(&s).unwrap();
    assert_eq!(v["from"], "2023-11-01");
    assert_eq!(v["to"], "2024-02-29");
    assert_eq!(v["rule_set"], "no-bufdir-2020");
    assert_eq!(v["activity_days"], 4);
    assert_eq!(v["by_category"]["outreach"], 2);
    assert_eq!(v["by_month"][0]["year"], 2023);
    assert_eq!(v["by_month"][0]["not_counted"], 1);
    assert_eq!(v["not_counted_total"], 7);
    assert_eq!(v["not_counted"][0]["code"], "remote_contact");
    assert_eq!(
        v["not_counted"][0]["message"],
        "teller ikke: telefon, video og meldinger registreres, men telles ikke"
    );
    assert_eq!(v["by_kind"][0]["kind"], "visit");
    assert!(v["warnings"].as_array().unwrap().is_empty());
    let back: Summary = serde_json::from_value(v).unwrap();
    assert_eq!(back, s);

    let entries = sample();
    let json = serde_json::to_string(&entries[4]).unwrap();
    let back: SummaryEntry = serde_json::from_str(&json).unwrap();
    assert_eq!(back, entries[4]);
}
