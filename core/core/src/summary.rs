//! What counts for the report in a period: the peer's overview, built from the clear
//! index with the peer's rule set.

use crate::error::Result;
use crate::index;
use crate::report::CategoryTotals;
use crate::store;
use chrono::NaiveDate;
use peerlog_rules::{ContactKind, Locale, RuleSet, SummaryEntry};
use rusqlite::Connection;
use serde::Serialize;

/// Activity-days in one month.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize)]
pub struct MonthTotals {
    pub year: i32,
    pub month: u32,
    pub outreach: u32,
    pub group: u32,
    pub course: u32,
    pub not_counted: u32,
}

/// Not-counted contacts with one reason.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize)]
pub struct ReasonTotal {
    pub code: String,
    pub message: String,
    pub count: u32,
}

/// Contacts of one kind.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize)]
pub struct KindTotal {
    pub kind: ContactKind,
    pub total: u32,
    pub counted: u32,
}

/// Something the peer should look at before signing.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize)]
pub struct SummaryWarning {
    pub code: String,
    pub date: Option<String>,
    pub message: String,
}

/// What counts for the report in a period.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize)]
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
    let rows = store::contact_rows(conn, from, to)?;
    let entries = index::evaluate(rules, &rows);
    let s = peerlog_rules::summarise(rules, from, to, &entries, locale);
    Ok((PeriodSummary::from_rules(&s), entries))
}
