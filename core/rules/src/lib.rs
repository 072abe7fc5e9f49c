//! Peerlog's domain vocabulary and reporting rules.
//!
//! This crate knows what a peer-support contact *is* ([`ContactKind`], [`Who`],
//! [`Place`], [`ContactFacts`]) and whether it counts for an organisation's yearly
//! report ([`RuleSet::evaluate`]). Rule sets are versioned data: each is a table that
//! maps every contact kind to a [`Treatment`] plus a handful of thresholds, so a new
//! rule set is a new table, not new code. Every decision carries a [`Reason`] with a
//! stable code and a message in Norwegian bokmål, Danish and English that the app
//! shows while the peer logs ("does not count: fewer than 3 participants").
//!
//! [`summarise`] turns evaluated contacts into a period overview (activity-days per
//! category and month, what did not count and why, and warnings worth checking).
//!
//! The crate is pure: no I/O, no clock, no allocation beyond the returned values.

mod evaluate;
mod locale;
mod rule_set;
mod summary;
mod vocab;

pub use evaluate::{ContactFacts, Evaluation, Reason};
pub use locale::{Locale, ParseError};
pub use rule_set::{
    DEFAULT_RULE_SET, RuleSet, Treatment, default_rule_set, rule_set, rule_set_version, rule_sets,
};
pub use summary::{
    CategoryCounts, KindCount, MonthCounts, ReasonCount, Summary, SummaryEntry, Warning,
    WarningCode, summarise,
};
pub use vocab::{Category, ContactKind, Place, Who};
