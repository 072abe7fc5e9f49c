//! The peer's contacts: logging, editing and deleting them (sealed on write), reading
//! them back, their version history and "repeat last".
//!
//! A contact is two records with the same id: the `contacts` record (readable by the peer
//! and, once enrolled, the chapter) and, when the peer wrote a private reference or note,
//! a `notes` record sealed for the peer only. Both parts of one change share a version.

use crate::chapter_settings;
use crate::declarations;
use crate::error::{CoreError, Result};
use crate::i18n::{self, Change, Msg};
use crate::index;
use crate::model::{
    Contact, ContactEvaluation, ContactInput, ContactPayload, ContactVersion, PrivatePayload,
    VersionChange, validate_contact,
};
use crate::session::{Audience, Session, parse_payload_of};
use crate::store::{self, Store};
use crate::util::{now_rfc3339, today, unix_rfc3339};
use chrono::NaiveDate;
use peerlog_protocol::Collection;
use peerlog_rules::{Locale, RuleSet};
use rusqlite::Connection;

/// Bounds for open-ended listing: four-digit years, as the index's ISO dates compare.
fn any_day() -> (NaiveDate, NaiveDate) {
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    (day(1, 1, 1), day(9999, 12, 31))
}

fn build(
    id: &str,
    version: u64,
    pending: bool,
    p: ContactPayload,
    private: Option<PrivatePayload>,
    rules: &RuleSet,
    locale: Locale,
) -> Contact {
    let evaluation = ContactEvaluation::from_rules(&rules.evaluate(&p.facts()), locale);
    let (private_ref, private_note, themes) = private
        .map(|p| (p.private_ref, p.private_note, p.themes))
        .unwrap_or_default();
    Contact {
        id: id.to_string(),
        version,
        // `Display` is ISO 8601 (`%Y-%m-%d`), without parsing a format string per contact.
        date: p.date.to_string(),
        start_time: p.start_time,
        minutes: p.minutes,
        kind: p.kind,
        participants: p.participants,
        who: p.who,
        is_new: p.is_new,
        abroad: p.abroad,
        led_by_peer: p.led_by_peer,
        place: p.place,
        municipality: p.municipality,
        topics: p.topics,
        travel_km: p.travel_km,
        private_ref,
        private_note,
        shared_note: p.shared_note,
        themes,
        created_at: p.created_at,
        updated_at: p.updated_at,
        evaluation,
        pending_sync: pending,
    }
}

fn is_live(conn: &Connection, collection: Collection, id: &str) -> Result<bool> {
    Ok(store::get_record(conn, collection, id)?.is_some_and(|r| !r.envelope.meta.deleted))
}

/// One contact, verified and decrypted.
pub(crate) fn get(conn: &Connection, s: &Session, id: &str) -> Result<Contact> {
    let (rec, payload) = s
        .open_live::<ContactPayload>(conn, Collection::Contacts, id)?
        .ok_or(CoreError::NotFound { what: "contact" })?;
    let private = s
        .open_live::<PrivatePayload>(conn, Collection::Notes, id)?
        .map(|(_, p)| p);
    Ok(build(
        id,
        rec.envelope.meta.version,
        rec.pending,
        payload,
        private,
        s.profile.rules()?,
        s.locale(),
    ))
}

/// Contacts with `from <= date <= to` (either end open), oldest first.
pub(crate) fn list(
    conn: &Connection,
    s: &Session,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Vec<Contact>> {
    let (first, last) = any_day();
    let rules = s.profile.rules()?;
    let locale = s.locale();
    let authors = store::unrevoked_device_ids(conn)?;
    store::listed_contacts(
        conn,
        from.unwrap_or(first),
        to.unwrap_or(last),
        |id, contact, note| {
            let (meta, plaintext) = s.open_listed(conn, contact, &authors)?;
            if meta.deleted {
                return Err(CoreError::NotFound { what: "contact" });
            }
            let payload: ContactPayload = parse_payload_of(Collection::Contacts, &plaintext)?;
            let private = note
                .map(|n| {
                    let (_, plaintext) = s.open_listed(conn, n, &authors)?;
                    parse_payload_of::<PrivatePayload>(Collection::Notes, &plaintext)
                })
                .transpose()?;
            Ok(build(
                id,
                meta.version,
                contact.pending,
                payload,
                private,
                rules,
                locale,
            ))
        },
    )
}

/// How the rules judge an input right now (it need not be valid yet).
pub(crate) fn evaluate_input(s: &Session, input: &ContactInput) -> Result<ContactEvaluation> {
    let rules = s.profile.rules()?;
    Ok(ContactEvaluation::from_rules(
        &rules.evaluate(&input.facts()),
        s.locale(),
    ))
}

/// Writes a new contact, or a new version of contact `id` when `created_at` (the
/// original's) is given. Refused until the declaration is signed; nothing is written when
/// the input is invalid.
pub(crate) fn write(
    st: &mut Store,
    s: &mut Session,
    id: &str,
    input: &ContactInput,
    created_at: Option<String>,
) -> Result<Contact> {
    declarations::require_signed(st.conn(), s)?;
    let valid = validate_contact(input, today(), s.locale())?;
    let rules = s.profile.rules()?;
    let now = now_rfc3339();
    let payload = ContactPayload {
        schema: 1,
        date: valid.date,
        start_time: valid.start_time.clone(),
        minutes: valid.minutes,
        kind: valid.kind,
        participants: valid.participants,
        who: valid.who,
        is_new: valid.is_new,
        abroad: valid.abroad,
        led_by_peer: valid.led_by_peer,
        place: valid.place,
        municipality: valid.municipality.clone(),
        topics: valid.topics.clone(),
        travel_km: valid.travel_km,
        shared_note: valid.shared_note.clone(),
        created_at: created_at.unwrap_or_else(|| now.clone()),
        updated_at: now,
    };
    let private = valid.private;
    check_themes_allowed(st.conn(), s, id, &private.themes)?;
    let has_private = !private.is_empty();
    let had_note = is_live(st.conn(), Collection::Notes, id)?;
    let env = st.tx(|tx| {
        let version = s.next_version(tx)?;
        let env = s.write_at(
            tx,
            version,
            Collection::Contacts,
            id,
            Some(&payload),
            Audience::PeerAndChapter,
        )?;
        if has_private {
            s.write_at(
                tx,
                version,
                Collection::Notes,
                id,
                Some(&private),
                Audience::PeerOnly,
            )?;
        } else if had_note {
            s.write_at::<()>(tx, version, Collection::Notes, id, None, Audience::PeerOnly)?;
        }
        store::put_contact_row(tx, &index::contact_row(id, &payload), false)?;
        Ok(env)
    })?;
    Ok(build(
        id,
        env.meta.version,
        true,
        payload,
        has_private.then_some(private),
        rules,
        s.locale(),
    ))
}

/// Themes need the chapter's question switched on; an edit may keep the themes a
/// contact already has after the chapter switched it off (the form carries them along).
fn check_themes_allowed(conn: &Connection, s: &Session, id: &str, themes: &[String]) -> Result<()> {
    if themes.is_empty() || chapter_settings::current(conn)?.themes {
        return Ok(());
    }
    let kept = s
        .open_live::<PrivatePayload>(conn, Collection::Notes, id)?
        .map(|(_, p)| p.themes);
    if kept.as_deref() == Some(themes) {
        return Ok(());
    }
    Err(CoreError::NotAllowed(Msg::ThemesOff))
}

/// Replaces contact `id` with `input` (a new version; the old one stays in the history).
pub(crate) fn edit(
    st: &mut Store,
    s: &mut Session,
    id: &str,
    input: &ContactInput,
) -> Result<Contact> {
    let old = get(st.conn(), s, id)?;
    write(st, s, id, input, Some(old.created_at))
}

/// Deletes a contact: tombstones for both parts, sharing one version.
pub(crate) fn delete(st: &mut Store, s: &mut Session, id: &str) -> Result<()> {
    if !is_live(st.conn(), Collection::Contacts, id)? {
        return Err(CoreError::NotFound { what: "contact" });
    }
    let has_note = is_live(st.conn(), Collection::Notes, id)?;
    st.tx(|tx| {
        let version = s.next_version(tx)?;
        s.write_at::<()>(
            tx,
            version,
            Collection::Contacts,
            id,
            None,
            Audience::PeerAndChapter,
        )?;
        if has_note {
            s.write_at::<()>(tx, version, Collection::Notes, id, None, Audience::PeerOnly)?;
        }
        store::mark_contact_deleted(tx, id)
    })
}

/// Every version of a contact, oldest first, including its deletion.
pub(crate) fn history(conn: &Connection, s: &Session, id: &str) -> Result<Vec<ContactVersion>> {
    let rules = s.profile.rules()?;
    let versions = store::record_history(conn, Collection::Contacts, id)?;
    if versions.is_empty() {
        return Err(CoreError::NotFound { what: "contact" });
    }
    let notes = store::record_history(conn, Collection::Notes, id)?;
    let locale = s.locale();
    versions
        .iter()
        .enumerate()
        .map(|(i, env)| {
            let contact = if env.meta.deleted {
                None
            } else {
                let p: ContactPayload = s.open(conn, env)?;
                // The private part as it was at this version: the newest note written no
                // later than the contact version.
                let private = match notes
                    .iter()
                    .rev()
                    .find(|n| n.meta.version <= env.meta.version)
                {
                    Some(n) if !n.meta.deleted => Some(s.open::<PrivatePayload>(conn, n)?),
                    _ => None,
                };
                Some(build(
                    id,
                    env.meta.version,
                    false,
                    p,
                    private,
                    rules,
                    s.locale(),
                ))
            };
            let change = if env.meta.deleted {
                VersionChange::Deleted
            } else if i == 0 {
                VersionChange::Created
            } else {
                VersionChange::Edited
            };
            let by_this_device = env.meta.author_device == s.device_id;
            let author_short = short_device_id(env.meta.author_device.clone());
            let label = i18n::version_label(
                locale,
                match change {
                    VersionChange::Created => Change::Created,
                    VersionChange::Edited => Change::Edited,
                    VersionChange::Deleted => Change::Deleted,
                },
                by_this_device,
                &author_short,
            );
            Ok(ContactVersion {
                version: env.meta.version,
                deleted: env.meta.deleted,
                author_device: env.meta.author_device.clone(),
                contact,
                number: u32::try_from(i + 1).unwrap_or(u32::MAX),
                change,
                by_this_device,
                author_short,
                label,
                // A version is the writer's hybrid clock: milliseconds × 1000 + a counter.
                at: unix_rfc3339(i64::try_from(env.meta.version / 1_000_000).unwrap_or(0)),
            })
        })
        .collect()
}

/// An input prefilled from the last logged contact, dated today, without its notes.
pub(crate) fn repeat_last(conn: &Connection, s: &Session) -> Result<Option<ContactInput>> {
    let Some(id) = store::last_contact_id(conn)? else {
        return Ok(None);
    };
    let mut input = get(conn, s, &id)?.to_input();
    input.date = today().to_string();
    input.start_time = None;
    input.private_note = None;
    input.shared_note = None;
    input.themes = Vec::new();
    input.is_new = false;
    Ok(Some(input))
}

/// A device id as the apps show it: its first eight characters in two groups
/// (`3f2a-91bc`), enough to tell the peer's devices apart.
#[uniffi::export]
pub fn short_device_id(device_id: String) -> String {
    let head: Vec<char> = device_id.chars().take(8).collect();
    if head.len() <= 4 {
        return head.into_iter().collect();
    }
    let (a, b) = head.split_at(4);
    format!(
        "{}-{}",
        a.iter().collect::<String>(),
        b.iter().collect::<String>()
    )
}

/// The contacts of one month, for the history.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ContactMonth {
    pub year: i32,
    pub month: u32,
    /// "March 2026", "Mars 2026", "Marts 2026".
    pub label: String,
    /// Newest first.
    pub contacts: Vec<Contact>,
}

/// Every live contact grouped by month, newest month first and newest first within a
/// month (by date, then start time, then when it was logged).
pub(crate) fn by_month(conn: &Connection, s: &Session) -> Result<Vec<ContactMonth>> {
    Ok(group_by_month(list(conn, s, None, None)?, s.locale()))
}

fn group_by_month(mut contacts: Vec<Contact>, locale: Locale) -> Vec<ContactMonth> {
    contacts.sort_by(|a, b| {
        (&b.date, &b.start_time, &b.created_at, &b.id).cmp(&(
            &a.date,
            &a.start_time,
            &a.created_at,
            &a.id,
        ))
    });
    let mut months: Vec<ContactMonth> = Vec::new();
    for c in contacts {
        let Ok(day) = NaiveDate::parse_from_str(&c.date, "%Y-%m-%d") else {
            continue;
        };
        let (year, month) = (chrono::Datelike::year(&day), chrono::Datelike::month(&day));
        match months.last_mut() {
            Some(m) if m.year == year && m.month == month => m.contacts.push(c),
            _ => months.push(ContactMonth {
                year,
                month,
                label: i18n::month_label(locale, year, month),
                contacts: vec![c],
            }),
        }
    }
    months
}

#[cfg(test)]
mod verified_at_rest_tests {
    //! The fast read path (kept content keys, ADR 0017) gives what a full verification
    //! gives, and trusts nothing a tampered or copied store could fake.
    use super::*;
    use crate::clock::Clock;
    use crate::keys::Keys;
    use crate::session::Session;
    use crate::testing;
    use peerlog_crypto::DeviceSigningKey;
    use peerlog_protocol::Envelope;
    use peerlog_rules::ContactKind;

    fn id(n: u32) -> String {
        format!("0193a000-0000-7000-8000-{n:012x}")
    }

    /// Twelve contacts in March 2026, every third with a private note; one edited (its
    /// note removed), one deleted.
    fn logged(st: &mut Store, s: &mut Session) {
        for n in 0..12 {
            let input = ContactInput {
                private_note: (n % 3 == 0).then(|| format!("note {n}")),
                ..ContactInput::new(&format!("2026-03-{:02}", n + 1), ContactKind::Visit, 30)
            };
            write(st, s, &id(n), &input, None).unwrap();
        }
        edit(
            st,
            s,
            &id(3),
            &ContactInput::new("2026-03-20", ContactKind::Phone, 15),
        )
        .unwrap();
        delete(st, s, &id(4)).unwrap();
    }

    fn verified_list(conn: &Connection, s: &mut Session) -> Result<Vec<Contact>> {
        s.trust_kept = false;
        let out = list(conn, s, None, None);
        s.trust_kept = true;
        out
    }

    fn stored(conn: &Connection, collection: Collection, n: u32) -> store::StoredRecord {
        store::get_record(conn, collection, &id(n))
            .unwrap()
            .unwrap()
    }

    fn replace_envelope(conn: &Connection, env: &Envelope) {
        conn.execute(
            "UPDATE records SET envelope = ?3 WHERE collection = ?1 AND id = ?2",
            rusqlite::params![
                env.meta.collection.as_str(),
                env.meta.id,
                env.to_json_bytes().unwrap()
            ],
        )
        .unwrap();
    }

    #[test]
    fn the_list_equals_a_fully_verified_read_and_uses_kept_keys() {
        let dir = tempfile::tempdir().unwrap();
        let (mut h, _) = testing::device(dir.path());
        let (st, s) = h.parts().unwrap();
        logged(st, s);
        let fast = list(st.conn(), s, None, None).unwrap();
        assert_eq!(fast.len(), 11);
        assert_eq!(
            fast.iter().filter(|c| c.private_note.is_some()).count(),
            3,
            "notes of 0, 6, 9 (3's was removed by the edit)"
        );
        assert_eq!(fast, verified_list(st.conn(), s).unwrap());
        let month = list(
            st.conn(),
            s,
            NaiveDate::from_ymd_opt(2026, 3, 5),
            NaiveDate::from_ymd_opt(2026, 3, 9),
        )
        .unwrap();
        assert_eq!(
            month.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
            [id(5), id(6), id(7), id(8)]
        );
        // Every record this device wrote carries a key it can open.
        for rec in store::all_records(st.conn(), None).unwrap() {
            let m = &rec.envelope.meta;
            let rec = store::get_record(st.conn(), m.collection, &m.id)
                .unwrap()
                .unwrap();
            assert!(s.kept_key(&rec).is_some(), "{:?}", rec.envelope.meta);
        }
    }

    #[test]
    fn a_tampered_envelope_is_refused_although_its_kept_key_is_intact() {
        let dir = tempfile::tempdir().unwrap();
        let (mut h, _) = testing::device(dir.path());
        let (st, s) = h.parts().unwrap();
        logged(st, s);
        // The attacker breaks the author's signature but leaves the ciphertext, so the kept
        // content key would still decrypt it: only the binding to the verified bytes stops it.
        let mut env = stored(st.conn(), Collection::Contacts, 6).envelope;
        env.signature[0] ^= 1;
        replace_envelope(st.conn(), &env);
        assert!(
            s.kept_key(&stored(st.conn(), Collection::Contacts, 6))
                .is_none()
        );
        assert!(list(st.conn(), s, None, None).is_err());
        assert!(get(st.conn(), s, &id(6)).is_err());
        assert!(get(st.conn(), s, &id(7)).is_ok());
        // The same for the private part.
        let mut note = stored(st.conn(), Collection::Notes, 9).envelope;
        note.signature[5] ^= 1;
        replace_envelope(st.conn(), &note);
        assert!(get(st.conn(), s, &id(9)).is_err());
    }

    #[test]
    fn a_kept_key_of_a_revoked_author_is_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let (mut h, _) = testing::device(dir.path());
        let (st, s) = h.parts().unwrap();
        logged(st, s);
        assert!(list(st.conn(), s, None, None).is_ok());
        // Intact envelopes with intact kept keys, but their author is revoked: a full read
        // refuses such records, so the list must not show them from the kept keys either.
        st.conn()
            .execute(
                "UPDATE devices SET revoked = 1 WHERE device_id = ?1",
                [&s.device_id],
            )
            .unwrap();
        assert!(list(st.conn(), s, None, None).is_err());
        // And back: the same contacts again, through the kept keys.
        st.conn()
            .execute(
                "UPDATE devices SET revoked = 0 WHERE device_id = ?1",
                [&s.device_id],
            )
            .unwrap();
        assert_eq!(
            list(st.conn(), s, None, None).unwrap(),
            verified_list(st.conn(), s).unwrap()
        );
    }

    #[test]
    fn an_envelope_moved_to_another_row_with_its_kept_key_shows_its_own_contents() {
        let dir = tempfile::tempdir().unwrap();
        let (mut h, _) = testing::device(dir.path());
        let (st, s) = h.parts().unwrap();
        logged(st, s);
        let before = list(st.conn(), s, None, None).unwrap();
        // Contact 2's envelope and kept key copied onto contact 1's row: the kept key opens
        // (it is bound to those bytes), and the list then shows contact 2's genuine
        // contents, exactly as a full verification of that genuine envelope would.
        st.conn()
            .execute(
                "UPDATE records SET (envelope, kept_key) = (SELECT envelope, kept_key FROM records
                     WHERE collection = 'contacts' AND id = ?2)
                 WHERE collection = 'contacts' AND id = ?1",
                [id(1), id(2)],
            )
            .unwrap();
        let fast = list(st.conn(), s, None, None).unwrap();
        assert_eq!(fast, verified_list(st.conn(), s).unwrap());
        assert_ne!(fast, before);
    }

    #[test]
    fn a_tampered_kept_key_is_not_trusted_and_the_record_is_verified_in_full() {
        let dir = tempfile::tempdir().unwrap();
        let (mut h, _) = testing::device(dir.path());
        let (st, s) = h.parts().unwrap();
        logged(st, s);
        let before = list(st.conn(), s, None, None).unwrap();
        // Another record's genuine kept key, and garbage.
        st.conn()
            .execute(
                "UPDATE records SET kept_key = (SELECT kept_key FROM records
                     WHERE collection = 'contacts' AND id = ?2)
                 WHERE collection = 'contacts' AND id = ?1",
                [id(1), id(2)],
            )
            .unwrap();
        st.conn()
            .execute(
                "UPDATE records SET kept_key = zeroblob(60) WHERE id = ?1",
                [id(5)],
            )
            .unwrap();
        for n in [1, 5] {
            assert!(
                s.kept_key(&stored(st.conn(), Collection::Contacts, n))
                    .is_none()
            );
        }
        assert_eq!(list(st.conn(), s, None, None).unwrap(), before);
    }

    #[test]
    fn a_store_copied_to_another_device_does_not_trust_its_kept_keys() {
        let dir = tempfile::tempdir().unwrap();
        let (mut h, _) = testing::device(dir.path());
        let (st, s) = h.parts().unwrap();
        logged(st, s);
        let before = list(st.conn(), s, None, None).unwrap();
        let copy = dir.path().join("copy.db");
        st.conn()
            .execute("VACUUM INTO ?1", [copy.to_str().unwrap()])
            .unwrap();
        // The same peer on another device: the peer key is the same, the device key not.
        let other = Session::new(
            Keys::from_parts(DeviceSigningKey::generate().unwrap(), s.keys.peer.clone()),
            s.profile.clone(),
            Clock::default(),
        );
        let copied = Store::open(&copy).unwrap();
        let records = store::all_records(copied.conn(), None).unwrap();
        assert!(records.len() > 10);
        for rec in records {
            let m = &rec.envelope.meta;
            let rec = store::get_record(copied.conn(), m.collection, &m.id)
                .unwrap()
                .unwrap();
            assert!(rec.kept.is_some(), "the copy carries the keys");
            assert!(other.kept_key(&rec).is_none(), "but they do not open here");
            assert!(s.kept_key(&rec).is_some());
        }
        // Read the slow way, it still shows the same contacts.
        assert_eq!(list(copied.conn(), &other, None, None).unwrap(), before);
    }

    #[test]
    fn the_month_list_is_one_query_covered_by_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let (h, _) = testing::device(dir.path());
        let plan: Vec<String> = h
            .store
            .conn()
            .prepare(&format!(
                "EXPLAIN QUERY PLAN {}",
                store::LISTED_CONTACTS_SQL
            ))
            .unwrap()
            .query_map(["2026-03-01", "2026-03-31"], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let text = plan.join("\n");
        assert!(
            text.contains("SEARCH i USING COVERING INDEX contact_index_date_covering"),
            "{text}"
        );
        assert!(
            text.contains("SEARCH r USING INDEX sqlite_autoindex_records_1"),
            "{text}"
        );
        assert!(
            text.contains("SEARCH n USING INDEX sqlite_autoindex_records_1"),
            "{text}"
        );
        assert!(!text.contains("SCAN"), "{text}");
    }
}
