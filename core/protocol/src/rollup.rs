//! The national roll-up (ADR 0020): a chapter's year as counts only, signed with the
//! chapter signing key, submitted to the organisation's server by a coordinator
//! (`POST /v1/chapter/rollup`). The server keeps the latest per chapter and year and the
//! organisation's admin reads every chapter's, each signature checked again.
//!
//! What it holds is sums over all peers of a chapter and a year: no account, name, date of
//! a single contact or free text. [`RollupDocument::check`] bounds every field, so the
//! coordinator refuses to sign and the server refuses to store anything else.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::b64;

/// Format tag of a [`RollupDocument`]; a later format gets a new tag.
pub const ROLLUP_FORMAT: &str = "peerlog-rollup/1";
/// Signature domain of a [`RollupDocument`] (by the chapter signing key).
pub const ROLLUP_DOMAIN: &str = "peerlog/v1/chapter-rollup";
/// Largest body of `POST /v1/chapter/rollup` the server reads, in bytes (a real one is
/// about 2 KiB).
pub const MAX_ROLLUP_BYTES: usize = 16 * 1024;
/// Most theme counts in one submission.
pub const MAX_ROLLUP_THEMES: usize = 16;
/// Longest theme id, in bytes (`a-z`, `0-9`, `_`, `-`).
pub const MAX_THEME_ID_BYTES: usize = 32;
/// Longest organisation or chapter name, in characters (as the server allows).
pub const MAX_NAME_CHARS: usize = 200;
/// Longest rule set id, in bytes.
pub const MAX_RULE_SET_BYTES: usize = 64;
/// The years a submission may be for.
pub const ROLLUP_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Activity-days per category.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollupCategories {
    /// Outreach (*oppsøkende*).
    pub outreach: u32,
    /// Conversation / activity / self-help groups.
    pub group: u32,
    /// Peer training course days.
    pub course: u32,
}

impl RollupCategories {
    /// Their sum (saturating).
    pub fn total(&self) -> u64 {
        u64::from(self.outreach) + u64::from(self.group) + u64::from(self.course)
    }
}

/// One month's activity-days per category.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollupMonth {
    /// 1..=12.
    pub month: u32,
    /// Outreach.
    pub outreach: u32,
    /// Groups.
    pub group: u32,
    /// Course days.
    pub course: u32,
}

/// What a chapter signs and submits: its year in counts only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollupDocument {
    /// [`ROLLUP_FORMAT`].
    pub format: String,
    /// The organisation, as the server names it.
    pub organisation: String,
    /// The chapter, as the server names it.
    pub chapter: String,
    /// The calendar year.
    pub year: i32,
    /// The rule set the figures were counted with (`no-bufdir-2020`).
    pub rule_set: String,
    /// When the coordinator made it (Unix seconds).
    pub created_at: i64,
    /// Activity-days of the year (the sum of `by_category`).
    pub activity_days: u32,
    /// Activity-days per category.
    pub by_category: RollupCategories,
    /// Every month of the year, in order (12 entries).
    pub by_month: Vec<RollupMonth>,
    /// Peers with at least one contact logged in the year.
    pub active_peers: u32,
    /// Peers of the chapter whose signature of the current declaration is valid.
    pub peers_with_declaration: u32,
    /// Active peers with a valid declaration signature (what Bufdir asks for).
    pub active_peers_with_declaration: u32,
    /// Peers with a valid course certificate (at the year's end, or today).
    pub certified_peers: u32,
    /// Recovery themes (theme id → contacts that touched it), empty if the chapter does
    /// not ask.
    pub themes: BTreeMap<String, u64>,
}

/// A [`RollupDocument`] and the chapter signing key's signature over it in
/// [`ROLLUP_DOMAIN`]: the body of `POST /v1/chapter/rollup` and what the server stores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedRollup {
    /// The figures.
    pub document: RollupDocument,
    /// Ed25519, by the chapter signing key.
    #[serde(with = "b64::array")]
    pub signature: [u8; 64],
}

/// Answer to `POST /v1/chapter/rollup`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollupResponse {
    /// The year the submission is stored for.
    pub year: i32,
    /// `true` if it replaced an earlier submission for that year.
    pub replaced: bool,
}

/// Why a [`RollupDocument`] is refused (a sentence for the error body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RollupError(pub &'static str);

impl std::fmt::Display for RollupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for RollupError {}

fn is_theme_id(s: &str) -> bool {
    (1..=MAX_THEME_ID_BYTES).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

fn is_name(s: &str) -> bool {
    let n = s.chars().count();
    (1..=MAX_NAME_CHARS).contains(&n) && s.trim() == s && !s.chars().any(char::is_control)
}

impl RollupDocument {
    /// Every bound of the format: the tag, names, year, twelve months in order, sums that
    /// agree, peer counts that fit together, at most [`MAX_ROLLUP_THEMES`] themes.
    pub fn check(&self) -> Result<(), RollupError> {
        if self.format != ROLLUP_FORMAT {
            return Err(RollupError("unknown format (expected peerlog-rollup/1)"));
        }
        if !is_name(&self.organisation) || !is_name(&self.chapter) {
            return Err(RollupError(
                "organisation and chapter must be 1 to 200 characters",
            ));
        }
        if !ROLLUP_YEARS.contains(&self.year) {
            return Err(RollupError("the year must be between 2000 and 2100"));
        }
        if self.rule_set.is_empty()
            || self.rule_set.len() > MAX_RULE_SET_BYTES
            || !self
                .rule_set
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        {
            return Err(RollupError("the rule set id is not valid"));
        }
        if self.created_at < 0 {
            return Err(RollupError("created_at must not be negative"));
        }
        if u64::from(self.activity_days) != self.by_category.total() {
            return Err(RollupError(
                "activity_days is not the sum of the categories",
            ));
        }
        if self.by_month.len() != 12
            || self
                .by_month
                .iter()
                .zip(1u32..)
                .any(|(m, month)| m.month != month)
        {
            return Err(RollupError("by_month must hold the twelve months in order"));
        }
        let mut sum = RollupCategories::default();
        for m in &self.by_month {
            sum.outreach = sum.outreach.saturating_add(m.outreach);
            sum.group = sum.group.saturating_add(m.group);
            sum.course = sum.course.saturating_add(m.course);
        }
        if sum != self.by_category {
            return Err(RollupError("the months do not add up to the categories"));
        }
        if self.active_peers_with_declaration > self.active_peers
            || self.active_peers_with_declaration > self.peers_with_declaration
        {
            return Err(RollupError(
                "active peers with a declaration exceed the active peers or the peers with a declaration",
            ));
        }
        if self.themes.len() > MAX_ROLLUP_THEMES {
            return Err(RollupError("too many theme counts"));
        }
        if !self.themes.keys().all(|k| is_theme_id(k)) {
            return Err(RollupError(
                "a theme id must be 1 to 32 characters of a-z, 0-9, _ and -",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    pub(crate) fn sample() -> RollupDocument {
        let mut by_month = (1..=12)
            .map(|month| RollupMonth {
                month,
                ..RollupMonth::default()
            })
            .collect::<Vec<_>>();
        by_month[2].outreach = 3;
        by_month[4].group = 2;
        by_month[10].course = 1;
        RollupDocument {
            format: ROLLUP_FORMAT.into(),
            organisation: "LHL".into(),
            chapter: "Bergen".into(),
            year: 2026,
            rule_set: "no-bufdir-2020".into(),
            created_at: 1_790_000_000,
            activity_days: 6,
            by_category: RollupCategories {
                outreach: 3,
                group: 2,
                course: 1,
            },
            by_month,
            active_peers: 4,
            peers_with_declaration: 5,
            active_peers_with_declaration: 3,
            certified_peers: 2,
            themes: [("hope".to_string(), 4u64)].into_iter().collect(),
        }
    }

    #[test]
    fn a_consistent_document_passes() {
        assert_eq!(sample().check(), Ok(()));
    }

    #[test]
    fn every_bound_is_checked() {
        type Change = Box<dyn Fn(&mut RollupDocument)>;
        let cases: Vec<(&str, Change)> = vec![
            ("format", Box::new(|d| d.format = "peerlog-rollup/2".into())),
            ("chapter", Box::new(|d| d.chapter = String::new())),
            ("chapter", Box::new(|d| d.chapter = "x".repeat(201))),
            ("organisation", Box::new(|d| d.organisation = " LHL".into())),
            ("year", Box::new(|d| d.year = 1999)),
            ("year", Box::new(|d| d.year = 2101)),
            ("rule set", Box::new(|d| d.rule_set = "a b".into())),
            ("created", Box::new(|d| d.created_at = -1)),
            ("sum", Box::new(|d| d.activity_days = 7)),
            ("months", Box::new(|d| d.by_month.truncate(11))),
            ("months", Box::new(|d| d.by_month.swap(0, 1))),
            ("add up", Box::new(|d| d.by_month[0].outreach = 1)),
            ("exceed", Box::new(|d| d.active_peers_with_declaration = 5)),
            (
                "too many",
                Box::new(|d| {
                    for i in 0..=MAX_ROLLUP_THEMES {
                        d.themes.insert(format!("t{i}"), 1);
                    }
                }),
            ),
            (
                "theme id",
                Box::new(|d| {
                    d.themes.insert("Hope!".into(), 1);
                }),
            ),
        ];
        for (what, change) in cases {
            let mut d = sample();
            change(&mut d);
            assert!(d.check().is_err(), "{what} passed");
        }
    }

    #[test]
    fn unknown_fields_are_refused() {
        let mut v = serde_json::to_value(sample()).unwrap();
        v["names"] = serde_json::json!(["Kari"]);
        assert!(serde_json::from_value::<RollupDocument>(v).is_err());
    }
}
