//! The peer's contacts: logging, editing and deleting them (sealed on write), reading
//! them back, their version history and "repeat last".
//!
//! A contact is two records with the same id: the `contacts` record (readable by the peer
//! and, once enrolled, the chapter) and, when the peer wrote a private reference or note,
//! a `notes` record sealed for the peer only. Both parts of one change share a version.

use crate::declarations;
use crate::error::{CoreError, Result};
use crate::i18n::{self, Change};
use crate::index;
use crate::model::{
    Contact, ContactEvaluation, ContactInput, ContactPayload, ContactVersion, PrivatePayload,
    VersionChange, validate_contact,
};
use crate::session::{Audience, Session};
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
    let (private_ref, private_note) = private
        .map(|p| (p.private_ref, p.private_note))
        .unwrap_or((None, None));
    Contact {
        id: id.to_string(),
        version,
        date: p.date.format("%Y-%m-%d").to_string(),
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
    store::contact_rows(conn, from.unwrap_or(first), to.unwrap_or(last))?
        .iter()
        .map(|r| get(conn, s, &r.id))
        .collect()
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
    let has_private = private.private_ref.is_some() || private.private_note.is_some();
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
