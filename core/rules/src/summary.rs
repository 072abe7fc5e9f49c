//! The period overview: activity-days per category and month, what did not count and
//! why, and warnings worth checking before the peer signs.

use std::collections::{BTreeMap, HashSet};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::evaluate::Evaluation;
use crate::locale::{Locale, format_date, plural};
use crate::rule_set::RuleSet;
use crate::vocab::{Category, ContactKind};

/// One logged contact as the summary sees it: its evaluation, already made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryEntry {
    /// The contact's record id; used to drop duplicates and to point warnings at
    /// contacts.
    pub id: String,
    /// The day the contact took place.
    pub date: NaiveDate,
    /// What kind of contact it was.
    pub kind: ContactKind,
    /// The rule set's decision about it.
    pub evaluation: Evaluation,
}

/// Counted activity-days per category.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryCounts {
    /// Outreach activity-days.
    pub outreach: u32,
    /// Group activity-days.
    pub group: u32,
    /// Course days.
    pub course: u32,
}

impl CategoryCounts {
    /// All counted activity-days.
    pub fn total(&self) -> u32 {
        self.outreach + self.group + self.course
    }

    /// The count for one category.
    pub fn get(&self, category: Category) -> u32 {
        match category {
            Category::Outreach => self.outreach,
            Category::Group => self.group,
            Category::Course => self.course,
        }
    }

    fn add(&mut self, category: Category) {
        let slot = match category {
            Category::Outreach => &mut self.outreach,
            Category::Group => &mut self.group,
            Category::Course => &mut self.course,
        };
        *slot = slot.saturating_add(1);
    }
}

/// Counts for one calendar month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthCounts {
    /// The year.
    pub year: i32,
    /// The month, 1–12.
    pub month: u32,
    /// Outreach activity-days.
    pub outreach: u32,
    /// Group activity-days.
    pub group: u32,
    /// Course days.
    pub course: u32,
    /// Contacts that did not count.
    pub not_counted: u32,
}

/// How many contacts did not count for one reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonCount {
    /// The reason's stable code (see [`crate::Reason::code`]).
    pub code: String,
    /// The reason's message in the summary's locale.
    pub message: String,
    /// How many contacts.
    pub count: u32,
}

/// Contacts of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindCount {
    /// The kind.
    pub kind: ContactKind,
    /// All contacts of this kind in the period.
    pub total: u32,
    /// Those that counted.
    pub counted: u32,
}

/// What a warning is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningCode {
    /// More than one counted activity on one date: that is only right with new
    /// participants each time.
    SeveralCountedOnOneDay,
    /// The same contact id appeared more than once; it was counted once.
    DuplicateEntry,
    /// Some contacts were evaluated under another rule set or version than the one
    /// the summary is for.
    OtherRuleSet,
    /// `to` is before `from`, or the period is longer than 100 years; nothing was
    /// summarised.
    InvalidPeriod,
}

impl WarningCode {
    /// The stable snake_case code (also the serde form).
    pub const fn code(self) -> &'static str {
        match self {
            WarningCode::SeveralCountedOnOneDay => "several_counted_on_one_day",
            WarningCode::DuplicateEntry => "duplicate_entry",
            WarningCode::OtherRuleSet => "other_rule_set",
            WarningCode::InvalidPeriod => "invalid_period",
        }
    }
}

impl std::fmt::Display for WarningCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// Something the peer or coordinator should check before the report is signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// What the warning is about.
    pub code: WarningCode,
    /// The day concerned, when there is one.
    pub date: Option<NaiveDate>,
    /// What to check, in the summary's locale.
    pub message: String,
    /// The ids of the contacts concerned, in input order (empty when none).
    pub entry_ids: Vec<String>,
}

/// The longest period [`summarise`] accepts: 100 years, in months.
const MAX_PERIOD_MONTHS: usize = 1200;

/// One peer's overview of a period under one rule set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// First day of the period (inclusive).
    pub from: NaiveDate,
    /// Last day of the period (inclusive).
    pub to: NaiveDate,
    /// The rule set id the summary is for.
    pub rule_set: String,
    /// The rule set version.
    pub rule_set_version: u32,
    /// Counted activity-days in total.
    pub activity_days: u32,
    /// Counted activity-days per category.
    pub by_category: CategoryCounts,
    /// Every month the period touches, in order, zero-filled.
    pub by_month: Vec<MonthCounts>,
    /// Contacts that did not count.
    pub not_counted_total: u32,
    /// Contacts that did not count, per reason, most frequent first (then by code).
    pub not_counted: Vec<ReasonCount>,
    /// Contacts per kind, every kind in [`ContactKind::ALL`] order, zero-filled.
    pub by_kind: Vec<KindCount>,
    /// Things to check, in order: period, then by date, then rule set.
    pub warnings: Vec<Warning>,
}

/// Summarises one peer's contacts from `from` to `to` (both inclusive).
///
/// Entries outside the period are ignored; an id seen twice is counted once (with a
/// [`WarningCode::DuplicateEntry`] warning). Each counted contact is one
/// activity-day. An entry counts when its evaluation says `counts` *and* names a
/// category. Entries are taken as evaluated; those evaluated under another rule set
/// or version than `rule_set` are still summarised, with a
/// [`WarningCode::OtherRuleSet`] warning so they can be evaluated again.
pub fn summarise(
    rule_set: &RuleSet,
    from: NaiveDate,
    to: NaiveDate,
    entries: &[SummaryEntry],
    locale: Locale,
) -> Summary {
    let mut warnings = Vec::new();
    let span = month_index(from, to);
    if span.is_none_or(|months| months >= MAX_PERIOD_MONTHS) {
        warnings.push(Warning {
            code: WarningCode::InvalidPeriod,
            date: None,
            message: invalid_period_message(from, to, locale),
            entry_ids: Vec::new(),
        });
        return Summary {
            from,
            to,
            rule_set: rule_set.id().to_owned(),
            rule_set_version: rule_set.version(),
            activity_days: 0,
            by_category: CategoryCounts::default(),
            by_month: Vec::new(),
            not_counted_total: 0,
            not_counted: Vec::new(),
            by_kind: zero_kinds(),
            warnings,
        };
    }

    let mut by_month = months(from, to);
    let mut by_kind = zero_kinds();
    let mut by_category = CategoryCounts::default();
    let mut not_counted_total = 0u32;
    let mut reasons: BTreeMap<&'static str, ReasonCount> = BTreeMap::new();
    let mut counted_per_day: BTreeMap<NaiveDate, Vec<&str>> = BTreeMap::new();
    let mut other_rule_sets: BTreeMap<(&'static str, u32), Vec<&str>> = BTreeMap::new();
    let mut seen: HashSet<&str> = HashSet::with_capacity(entries.len());
    let mut duplicates: BTreeMap<&str, NaiveDate> = BTreeMap::new();

    for entry in entries {
        if entry.date < from || entry.date > to {
            continue;
        }
        if !seen.insert(entry.id.as_str()) {
            duplicates.entry(entry.id.as_str()).or_insert(entry.date);
            continue;
        }
        let ev = &entry.evaluation;
        if ev.rule_set != rule_set.id() || ev.rule_set_version != rule_set.version() {
            other_rule_sets
                .entry((ev.rule_set, ev.rule_set_version))
                .or_default()
                .push(entry.id.as_str());
        }
        let month = month_index(from, entry.date).and_then(|i| by_month.get_mut(i));
        let mut kind = by_kind.iter_mut().find(|k| k.kind == entry.kind);
        if let Some(k) = kind.as_deref_mut() {
            k.total = k.total.saturating_add(1);
        }
        match (ev.counts, ev.category) {
            (true, Some(category)) => {
                by_category.add(category);
                if let Some(m) = month {
                    let slot = match category {
                        Category::Outreach => &mut m.outreach,
                        Category::Group => &mut m.group,
                        Category::Course => &mut m.course,
                    };
                    *slot = slot.saturating_add(1);
                }
                if let Some(k) = kind {
                    k.counted = k.counted.saturating_add(1);
                }
                counted_per_day
                    .entry(entry.date)
                    .or_default()
                    .push(entry.id.as_str());
            }
            _ => {
                not_counted_total = not_counted_total.saturating_add(1);
                if let Some(m) = month {
                    m.not_counted = m.not_counted.saturating_add(1);
                }
                let r = reasons
                    .entry(ev.reason.code())
                    .or_insert_with(|| ReasonCount {
                        code: ev.reason.code().to_owned(),
                        message: ev.reason.message(locale),
                        count: 0,
                    });
                r.count = r.count.saturating_add(1);
            }
        }
    }

    let mut dated: Vec<Warning> = Vec::new();
    for (id, date) in duplicates {
        dated.push(Warning {
            code: WarningCode::DuplicateEntry,
            date: Some(date),
            message: duplicate_message(locale),
            entry_ids: vec![id.to_owned()],
        });
    }
    for (date, ids) in counted_per_day {
        if ids.len() > 1 {
            dated.push(Warning {
                code: WarningCode::SeveralCountedOnOneDay,
                date: Some(date),
                message: several_on_one_day_message(date, ids.len(), locale),
                entry_ids: ids.into_iter().map(str::to_owned).collect(),
            });
        }
    }
    dated.sort_by_key(|w| (w.date, w.code));
    warnings.extend(dated);
    for ((id, version), ids) in other_rule_sets {
        warnings.push(Warning {
            code: WarningCode::OtherRuleSet,
            date: None,
            message: other_rule_set_message(ids.len(), (id, version), rule_set, locale),
            entry_ids: ids.into_iter().map(str::to_owned).collect(),
        });
    }

    let mut not_counted: Vec<ReasonCount> = reasons.into_values().collect();
    not_counted.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.code.cmp(&b.code)));

    Summary {
        from,
        to,
        rule_set: rule_set.id().to_owned(),
        rule_set_version: rule_set.version(),
        activity_days: by_category.total(),
        by_category,
        by_month,
        not_counted_total,
        not_counted,
        by_kind,
        warnings,
    }
}

/// Every kind with zero counts, in [`ContactKind::ALL`] order.
fn zero_kinds() -> Vec<KindCount> {
    ContactKind::ALL
        .iter()
        .map(|&kind| KindCount {
            kind,
            total: 0,
            counted: 0,
        })
        .collect()
}

/// Every month from `from`'s to `to`'s, zero-filled; empty when `to < from`.
fn months(from: NaiveDate, to: NaiveDate) -> Vec<MonthCounts> {
    let mut out = Vec::new();
    let (mut year, mut month) = (from.year(), from.month());
    while (year, month) <= (to.year(), to.month()) {
        out.push(MonthCounts {
            year,
            month,
            ..MonthCounts::default()
        });
        if month == 12 {
            year += 1;
            month = 1;
        } else {
            month += 1;
        }
    }
    out
}

/// Position of `date`'s month in [`months`]`(from, _)`.
fn month_index(from: NaiveDate, date: NaiveDate) -> Option<usize> {
    let months = (i64::from(date.year()) - i64::from(from.year())) * 12 + i64::from(date.month())
        - i64::from(from.month());
    usize::try_from(months).ok()
}

fn several_on_one_day_message(date: NaiveDate, n: usize, locale: Locale) -> String {
    let d = format_date(date, locale);
    match locale {
        Locale::Nb => format!(
            "{n} tellende aktiviteter den {d}. Flere aktivitetsdager på samme dag teller bare \
             når det er nye deltakere hver gang – sjekk at det stemmer."
        ),
        Locale::Da => format!(
            "{n} tællende aktiviteter den {d}. Flere aktivitetsdage på samme dag tæller kun, \
             når der er nye deltagere hver gang – tjek, at det passer."
        ),
        Locale::En => format!(
            "{n} counted activities on {d}. Several activity-days on one day only count with \
             new participants each time – please check."
        ),
    }
}

fn duplicate_message(locale: Locale) -> String {
    match locale {
        Locale::Nb => "Den samme kontakten finnes flere ganger; den er bare telt med én gang.",
        Locale::Da => "Den samme kontakt optræder flere gange; den er kun talt med én gang.",
        Locale::En => "The same contact appears more than once; it has been counted only once.",
    }
    .to_owned()
}

fn other_rule_set_message(
    n: usize,
    (id, version): (&str, u32),
    current: &RuleSet,
    locale: Locale,
) -> String {
    let count = u32::try_from(n).unwrap_or(u32::MAX);
    let (cur, cur_v) = (current.id(), current.version());
    match locale {
        Locale::Nb => format!(
            "{n} {} er vurdert etter regelsettet {id} versjon {version}, ikke etter {cur} \
             versjon {cur_v} som denne oversikten gjelder. Vurder {} på nytt før rapporten \
             signeres.",
            plural(count, "kontakt", "kontakter"),
            plural(count, "den", "dem"),
        ),
        Locale::Da => format!(
            "{n} {} er vurderet efter regelsættet {id} version {version} og ikke efter {cur} \
             version {cur_v}, som denne opgørelse gælder. Vurder {} igen, før rapporten \
             underskrives.",
            plural(count, "kontakt", "kontakter"),
            plural(count, "den", "dem"),
        ),
        Locale::En => format!(
            "{n} {} evaluated under rule set {id} version {version}, not under {cur} \
             version {cur_v} that this summary is for. Evaluate {} again before the report \
             is signed.",
            plural(count, "contact was", "contacts were"),
            plural(count, "it", "them"),
        ),
    }
}

fn invalid_period_message(from: NaiveDate, to: NaiveDate, locale: Locale) -> String {
    let (f, t) = (format_date(from, locale), format_date(to, locale));
    if to >= from {
        return match locale {
            Locale::Nb => format!("Perioden {f}–{t} er lengre enn 100 år."),
            Locale::Da => format!("Perioden {f}–{t} er længere end 100 år."),
            Locale::En => format!("The period {f} to {t} is longer than 100 years."),
        };
    }
    match locale {
        Locale::Nb => format!("Perioden slutter før den begynner ({t} er før {f})."),
        Locale::Da => format!("Perioden slutter, før den begynder ({t} ligger før {f})."),
        Locale::En => format!("The period ends before it starts ({t} is before {f})."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warning_codes_match_their_serde_form() {
        let all = [
            WarningCode::SeveralCountedOnOneDay,
            WarningCode::DuplicateEntry,
            WarningCode::OtherRuleSet,
            WarningCode::InvalidPeriod,
        ];
        for code in all {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.code()));
            assert_eq!(serde_json::from_str::<WarningCode>(&json).unwrap(), code);
        }
    }

    #[test]
    fn warning_messages_differ_per_locale() {
        let d = NaiveDate::from_ymd_opt(2024, 5, 17).unwrap();
        let rs = crate::default_rule_set();
        let messages = |l| {
            [
                several_on_one_day_message(d, 2, l),
                duplicate_message(l),
                other_rule_set_message(1, ("none", 1), rs, l),
                invalid_period_message(d, d.pred_opt().unwrap(), l),
            ]
        };
        let (nb, da, en) = (
            messages(Locale::Nb),
            messages(Locale::Da),
            messages(Locale::En),
        );
        for i in 0..4 {
            assert!(!nb[i].is_empty() && !da[i].is_empty() && !en[i].is_empty());
            assert_ne!(nb[i], en[i]);
            assert_ne!(da[i], en[i]);
            assert_ne!(nb[i], da[i]);
        }
        assert!(en[2].starts_with("1 contact was"), "{}", en[2]);
        assert!(nb[2].contains("Vurder den på nytt"), "{}", nb[2]);
    }
}
