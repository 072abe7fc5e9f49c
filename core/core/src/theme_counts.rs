//! What of the recovery themes leaves a peer's device: per year, how many of the peer's
//! contacts touched each theme — one record per year in `reports` (type
//! `peerlog-theme-counts/1`), sealed for the peer and the chapter and replaced by a new
//! version whenever the counts change. Nothing else is in it: no dates, no contact ids
//! (ADR 0020). The device recomputes it before each sync, so contacts logged on the
//! peer's other devices are counted once they arrived.

use crate::certs;
use crate::error::Result;
use crate::model::PrivatePayload;
use crate::session::{Audience, Session, parse_payload_of};
use crate::store::{self, CertifiedBy, Store};
use crate::themes::THEME_IDS;
use crate::util::{YEARS, today, year_bounds};
use chrono::Datelike;
use peerlog_protocol::Collection;
use peerlog_rules::Locale;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Payload type of a counts record.
pub const THEME_COUNTS_TYPE: &str = "peerlog-theme-counts/1";

/// A peer's theme counts for one year, as sent to the chapter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeCounts {
    #[serde(rename = "type")]
    pub kind: String,
    /// The peer whose contacts these are: the chapter counts it only if the record's
    /// author is a device of this account.
    pub account_id: String,
    pub year: i32,
    /// Theme id → contacts of the year that touched it (every theme, zeros included).
    pub counts: BTreeMap<String, u64>,
}

impl ThemeCounts {
    /// Well-formed: this type, a year, known theme ids only.
    pub fn is_well_formed(&self) -> bool {
        self.kind == THEME_COUNTS_TYPE
            && YEARS.contains(&self.year)
            && self.counts.keys().all(|k| THEME_IDS.contains(&k.as_str()))
    }
}

/// Per year, how many live contacts touched each theme (years without any theme absent).
fn computed(conn: &Connection, s: &Session) -> Result<BTreeMap<i32, BTreeMap<String, u64>>> {
    let mut out = BTreeMap::new();
    let now = today();
    let Some(first) = store::first_contact_date(conn)? else {
        return Ok(out);
    };
    let authors = store::unrevoked_device_ids(conn)?;
    for year in first.year().max(*YEARS.start())..=now.year() {
        let (from, to) = year_bounds(year, Locale::En)?;
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        // Each live contact's themes, from its private part (none if it has none, or if
        // that part does not open).
        let themes = store::listed_contacts(conn, from, to, |_, _, note| {
            let opened = note.and_then(|n| s.open_listed(conn, n, &authors).ok());
            Ok(match opened {
                Some((meta, plaintext)) if !meta.deleted => {
                    parse_payload_of::<PrivatePayload>(Collection::Notes, &plaintext)
                        .map(|p| p.themes)
                        .unwrap_or_default()
                }
                _ => Vec::new(),
            })
        })?;
        for contact in themes {
            for t in contact {
                if THEME_IDS.contains(&t.as_str()) {
                    *counts.entry(t).or_default() += 1;
                }
            }
        }
        if !counts.is_empty() {
            for id in THEME_IDS {
                counts.entry(id.to_string()).or_default();
            }
            out.insert(year, counts);
        }
    }
    Ok(out)
}

/// The newest counts record per year written by one of the peer's own devices:
/// year → (record id, version, counts).
fn sent(conn: &Connection, s: &Session) -> Result<BTreeMap<i32, (String, u64, ThemeCounts)>> {
    let mut out: BTreeMap<i32, (String, u64, ThemeCounts)> = BTreeMap::new();
    for r in store::all_records(conn, Some(Collection::Reports))? {
        let env = &r.envelope;
        if env.meta.deleted {
            continue;
        }
        let by = store::device(conn, &env.meta.author_device)?.map(|d| d.certified_by);
        if by != Some(CertifiedBy::Account) {
            continue;
        }
        let Ok(v) = s.open_stored::<serde_json::Value>(conn, &r) else {
            continue;
        };
        if certs::payload_type(&v) != Some(THEME_COUNTS_TYPE) {
            continue;
        }
        let Ok(c) = serde_json::from_value::<ThemeCounts>(v) else {
            continue;
        };
        if !c.is_well_formed() || c.account_id != s.profile.peer_id {
            continue;
        }
        let version = env.meta.version;
        if out.get(&c.year).is_none_or(|(_, v, _)| version > *v) {
            out.insert(c.year, (env.meta.id.clone(), version, c));
        }
    }
    Ok(out)
}

/// Writes a new counts record for every year whose counts differ from the newest one
/// sent (a year whose themes were all removed gets zeros). Nothing before enrolment, and
/// nothing at all while the chapter never asked and no counts were ever sent. Returns how
/// many records were written.
pub(crate) fn refresh(st: &mut Store, s: &mut Session) -> Result<u32> {
    if s.chapter_key.is_none() {
        return Ok(0);
    }
    let sent = sent(st.conn(), s)?;
    if sent.is_empty() && !crate::chapter_settings::current(st.conn())?.themes {
        return Ok(0);
    }
    let mut now = computed(st.conn(), s)?;
    for year in sent.keys() {
        now.entry(*year)
            .or_insert_with(|| THEME_IDS.iter().map(|id| (id.to_string(), 0)).collect());
    }
    let mut written = 0;
    for (year, counts) in now {
        let id = match sent.get(&year) {
            Some((_, _, old)) if old.counts == counts => continue,
            Some((id, _, _)) => id.clone(),
            None => uuid::Uuid::now_v7().to_string(),
        };
        let record = ThemeCounts {
            kind: THEME_COUNTS_TYPE.into(),
            account_id: s.profile.peer_id.clone(),
            year,
            counts,
        };
        st.tx(|tx| {
            s.write(
                tx,
                Collection::Reports,
                &id,
                Some(&record),
                Audience::PeerAndChapter,
            )
        })?;
        written += 1;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contacts;
    use crate::model::ContactInput;
    use peerlog_rules::ContactKind;

    fn themes_on(conn: &Connection) {
        let on = crate::chapter_settings::ChapterSettings {
            themes: true,
            flag_uncertified: false,
        };
        store::meta_put(
            conn,
            "chapter_settings",
            &serde_json::to_vec(&(1u64, on)).unwrap(),
        )
        .unwrap();
    }

    #[test]
    fn counts_per_year_leave_the_device_and_follow_edits_and_deletions() {
        let dir = tempfile::tempdir().unwrap();
        let mut h = crate::testing::enrolled_device(dir.path());
        let (st, s) = h.parts().unwrap();
        let d = today().to_string();
        let with = |themes: &[&str]| ContactInput {
            themes: themes.iter().map(|t| t.to_string()).collect(),
            ..ContactInput::new(&d, ContactKind::Phone, 20)
        };
        // Off: refused, and nothing is sent.
        let refused = contacts::write(
            st,
            s,
            "0193a000-0000-7000-8000-0000000000b1",
            &with(&["hope"]),
            None,
        )
        .unwrap_err()
        .to_ffi(Locale::En);
        assert_eq!(refused.code(), "themes_off");
        assert_eq!(refresh(st, s).unwrap(), 0);

        themes_on(st.conn());
        let a = "0193a000-0000-7000-8000-0000000000b1";
        let b = "0193a000-0000-7000-8000-0000000000b2";
        contacts::write(st, s, a, &with(&["hope", "connectedness"]), None).unwrap();
        contacts::write(st, s, b, &with(&["hope"]), None).unwrap();
        assert_eq!(refresh(st, s).unwrap(), 1);
        assert_eq!(
            refresh(st, s).unwrap(),
            0,
            "unchanged counts are not sent again"
        );
        let year = today().year();
        let counts = |st: &Store, s: &Session| sent(st.conn(), s).unwrap()[&year].2.counts.clone();
        let c = counts(st, s);
        assert_eq!((c["hope"], c["connectedness"], c["meaning"]), (2, 1, 0));
        assert_eq!(c.len(), 5);

        contacts::edit(st, s, a, &with(&["meaning"])).unwrap();
        contacts::delete(st, s, b).unwrap();
        assert_eq!(refresh(st, s).unwrap(), 1);
        let c = counts(st, s);
        assert_eq!((c["hope"], c["connectedness"], c["meaning"]), (0, 0, 1));
        // One record per year, replaced by new versions.
        let ids: std::collections::HashSet<_> =
            store::all_records(st.conn(), Some(Collection::Reports))
                .unwrap()
                .into_iter()
                .map(|r| r.envelope.meta.id)
                .collect();
        assert_eq!(ids.len(), 1);
        // The counts are for the chapter; the themes of each contact are not.
        for r in store::all_records(st.conn(), Some(Collection::Reports)).unwrap() {
            assert_eq!(r.envelope.recipients.len(), 2);
        }
        for r in store::all_records(st.conn(), Some(Collection::Notes)).unwrap() {
            assert_eq!(r.envelope.recipients.len(), 1);
        }
        // Switched off again: the contact keeps its themes through an edit that keeps
        // them, but no new ones can be set.
        crate::store::meta_put(
            st.conn(),
            "chapter_settings",
            &serde_json::to_vec(&(2u64, crate::chapter_settings::ChapterSettings::default()))
                .unwrap(),
        )
        .unwrap();
        let kept = ContactInput {
            minutes: 25,
            ..with(&["meaning"])
        };
        assert_eq!(contacts::edit(st, s, a, &kept).unwrap().themes, ["meaning"]);
        assert!(contacts::edit(st, s, a, &with(&["hope"])).is_err());
    }
}
