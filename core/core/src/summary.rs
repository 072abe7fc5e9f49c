//! What counts for the report in a period: the peer's overview, built from the clear
//! index with the peer's rule set.

use crate::error::Result;
use crate::i18n;
use crate::index;
use crate::report::CategoryTotals;
use crate::store;
use chrono::{Datelike, NaiveDate};
use peerlog_rules::{Category, ContactKind, Locale, RuleSet, SummaryEntry};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

/// Activity-days in one month.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize, Deserialize)]
pub struct MonthTotals {
    pub year: i32,
    pub month: u32,
    pub outreach: u32,
    pub group: u32,
    pub course: u32,
    pub not_counted: u32,
}

/// Not-counted contacts with one reason.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize, Deserialize)]
pub struct ReasonTotal {
    pub code: String,
    pub message: String,
    pub count: u32,
}

/// Contacts of one kind.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize, Deserialize)]
pub struct KindTotal {
    pub kind: ContactKind,
    pub total: u32,
    pub counted: u32,
}

/// Something the peer should look at before signing.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize, Deserialize)]
pub struct SummaryWarning {
    pub code: String,
    pub date: Option<String>,
    pub message: String,
}

/// What counts for the report in a period.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize, Deserialize)]
pub struct PeriodSummary {
    pub from: String,
    pub to: String,
    pub rule_set: String,
    pub rule_set_version: u32,
    /// Total counted activity-days.
    pub activity_days: u32,
    pub by_category: CategoryTotals,
    pub by_month: Vec<MonthTotals>,
    pub not_counted_total: u32,
    pub not_counted: Vec<ReasonTotal>,
    pub by_kind: Vec<KindTotal>,
    pub warnings: Vec<SummaryWarning>,
}

impl PeriodSummary {
    fn from_rules(s: &peerlog_rules::Summary) -> Self {
        PeriodSummary {
            from: s.from.to_string(),
            to: s.to.to_string(),
            rule_set: s.rule_set.clone(),
            rule_set_version: s.rule_set_version,
            activity_days: s.activity_days,
            by_category: CategoryTotals::from(&s.by_category),
            by_month: s
                .by_month
                .iter()
                .map(|m| MonthTotals {
                    year: m.year,
                    month: m.month,
                    outreach: m.outreach,
                    group: m.group,
                    course: m.course,
                    not_counted: m.not_counted,
                })
                .collect(),
            not_counted_total: s.not_counted_total,
            not_counted: s
                .not_counted
                .iter()
                .map(|r| ReasonTotal {
                    code: r.code.to_string(),
                    message: r.message.clone(),
                    count: r.count,
                })
                .collect(),
            by_kind: s
                .by_kind
                .iter()
                .map(|k| KindTotal {
                    kind: k.kind,
                    total: k.total,
                    counted: k.counted,
                })
                .collect(),
            warnings: s
                .warnings
                .iter()
                .map(|w| SummaryWarning {
                    code: w.code.to_string(),
                    date: w.date.map(|d| d.to_string()),
                    message: w.message.clone(),
                })
                .collect(),
        }
    }
}

/// The summary of `from..=to` and the evaluated contacts it was made from.
pub(crate) fn summarise(
    conn: &Connection,
    rules: &RuleSet,
    from: NaiveDate,
    to: NaiveDate,
    locale: Locale,
) -> Result<(PeriodSummary, Vec<SummaryEntry>)> {
    let entries = store::contact_rows(conn, from, to, |r| index::evaluate_one(rules, r))?;
    let s = peerlog_rules::summarise(rules, from, to, &entries, locale);
    Ok((PeriodSummary::from_rules(&s), entries))
}

/// The summary of `from..=to` as [`summarise`] makes it, kept in the store until the
/// contact index next changes (ADR 0025): the home screen shows the year's summary at every
/// launch, and most launches find nothing changed since the last one. A kept summary is
/// only used for the same period, rule set (id and version), language and build; one that
/// does not parse is made again. Keeping it is best effort: a store that cannot take the
/// write right away (read-only, busy, full) still gets its summary.
pub(crate) fn summary_kept(
    conn: &Connection,
    rules: &RuleSet,
    from: NaiveDate,
    to: NaiveDate,
    locale: Locale,
) -> Result<PeriodSummary> {
    let key = format!(
        "{}|{from}|{to}|{}|{}|{locale:?}",
        env!("CARGO_PKG_VERSION"),
        rules.id(),
        rules.version()
    );
    if let Some(kept) = store::kept_summary(conn, &key)?
        && let Ok(summary) = serde_json::from_slice::<PeriodSummary>(&kept)
    {
        return Ok(summary);
    }
    let (summary, _) = summarise(conn, rules, from, to, locale)?;
    if let Ok(bytes) = serde_json::to_vec(&summary) {
        store::keep_summary(conn, &key, &bytes);
    }
    Ok(summary)
}

/// The years a report can be made for: from the year of the oldest contact (the current
/// year when there is none) to the current year, newest first, within the years the core
/// accepts.
pub(crate) fn report_years(conn: &Connection, today: NaiveDate) -> Result<Vec<i32>> {
    let this_year = today.year();
    let first = store::first_contact_date(conn)?
        .map(|d| d.year())
        .unwrap_or(this_year)
        .min(this_year);
    Ok((first..=this_year)
        .rev()
        .filter(|y| crate::util::YEARS.contains(y))
        .collect())
}

/// One reporting category's line: the core's term and its activity-days.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CategoryLine {
    pub category: Category,
    pub label: String,
    pub days: u32,
}

/// One month with something logged, with its days per category in `categories`' order.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MonthLine {
    pub year: i32,
    pub month: u32,
    /// "March", "mars", "marts".
    pub label: String,
    pub days: Vec<u32>,
    pub not_counted: u32,
}

/// Contacts of one kind that were logged, and how many count.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct KindLine {
    pub kind: ContactKind,
    pub label: String,
    /// "2 of 3 count".
    pub text: String,
}

/// A period summary laid out as both apps show it, in the core's order and words.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReportDisplay {
    pub activity_days: u32,
    /// Every category, in the rules' order.
    pub categories: Vec<CategoryLine>,
    /// The months in which something was logged, oldest first.
    pub months: Vec<MonthLine>,
    /// The kinds that were logged, in the core's order of kinds.
    pub kinds: Vec<KindLine>,
    /// "fewer than 3 participants: 2 contacts", one line per reason.
    pub not_counted: Vec<String>,
    /// The core's warnings, already worded.
    pub warnings: Vec<String>,
}

/// Lays out a summary for the report screens.
#[uniffi::export]
pub fn report_display(summary: PeriodSummary, locale: Locale) -> ReportDisplay {
    let by = |c: Category, t: &CategoryTotals| match c {
        Category::Outreach => t.outreach,
        Category::Group => t.group,
        Category::Course => t.course,
    };
    let month_days = |c: Category, m: &MonthTotals| match c {
        Category::Outreach => m.outreach,
        Category::Group => m.group,
        Category::Course => m.course,
    };
    ReportDisplay {
        activity_days: summary.activity_days,
        categories: Category::ALL
            .iter()
            .map(|&category| CategoryLine {
                category,
                label: category.label(locale).to_string(),
                days: by(category, &summary.by_category),
            })
            .collect(),
        months: summary
            .by_month
            .iter()
            .filter(|m| m.outreach + m.group + m.course + m.not_counted > 0)
            .map(|m| MonthLine {
                year: m.year,
                month: m.month,
                label: i18n::month_name(locale, m.month).to_string(),
                days: Category::ALL.iter().map(|&c| month_days(c, m)).collect(),
                not_counted: m.not_counted,
            })
            .collect(),
        kinds: summary
            .by_kind
            .iter()
            .filter(|k| k.total > 0)
            .map(|k| KindLine {
                kind: k.kind,
                label: k.kind.label(locale).to_string(),
                text: i18n::kind_counted_line(locale, k.counted, k.total),
            })
            .collect(),
        not_counted: summary
            .not_counted
            .iter()
            .map(|r| i18n::not_counted_line(locale, &r.message, r.count))
            .collect(),
        warnings: summary.warnings.into_iter().map(|w| w.message).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month(month: u32, outreach: u32, not_counted: u32) -> MonthTotals {
        MonthTotals {
            year: 2026,
            month,
            outreach,
            group: 0,
            course: 0,
            not_counted,
        }
    }

    #[test]
    fn the_report_shows_every_category_and_only_months_and_kinds_with_contacts() {
        let summary = PeriodSummary {
            from: "2026-01-01".into(),
            to: "2026-12-31".into(),
            rule_set: "no-bufdir-2020".into(),
            rule_set_version: 1,
            activity_days: 3,
            by_category: CategoryTotals {
                outreach: 2,
                group: 1,
                course: 0,
            },
            by_month: vec![month(1, 0, 0), month(3, 2, 1), month(11, 0, 2)],
            not_counted_total: 3,
            not_counted: vec![ReasonTotal {
                code: "too_short".into(),
                message: "for kort".into(),
                count: 1,
            }],
            by_kind: vec![
                KindTotal {
                    kind: ContactKind::Visit,
                    total: 3,
                    counted: 2,
                },
                KindTotal {
                    kind: ContactKind::Phone,
                    total: 0,
                    counted: 0,
                },
            ],
            warnings: vec![],
        };
        let d = report_display(summary, Locale::Nb);
        let cats: Vec<_> = d.categories.iter().map(|c| (c.category, c.days)).collect();
        assert_eq!(
            cats,
            [
                (Category::Outreach, 2),
                (Category::Group, 1),
                (Category::Course, 0)
            ]
        );
        let months: Vec<_> = d
            .months
            .iter()
            .map(|m| (m.label.as_str(), m.days.clone()))
            .collect();
        assert_eq!(
            months,
            [("mars", vec![2, 0, 0]), ("november", vec![0, 0, 0])]
        );
        assert_eq!(d.kinds.len(), 1);
        assert_eq!(d.kinds[0].text, "2 av 3 teller");
        assert_eq!(d.not_counted, ["for kort: 1 kontakt"]);
    }
}
