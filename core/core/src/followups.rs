//! Follow-ups on agreements: a private date on a contact by which the peer means to follow
//! it up. The date is a record of its own in the peer-only `notes` collection (type
//! `peerlog-follow-up/1`), never in the contact the chapter reads (ADR 0021). The apps
//! schedule a local notification for it whose text names nothing.

use crate::contacts;
use crate::error::{CoreError, Result};
use crate::i18n::{Invalid, pick};
use crate::model::Checker;
use crate::session::{self, Audience, Session};
use crate::store::{self, CertifiedBy, Store};
use crate::util::{now_rfc3339, today};
use chrono::NaiveDate;
use peerlog_protocol::Collection;
use peerlog_rules::{ContactKind, Locale};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

/// Payload type of a follow-up record.
pub const FOLLOW_UP_TYPE: &str = "peerlog-follow-up/1";
/// How far ahead a follow-up may be set, in days.
pub const MAX_FOLLOW_UP_DAYS: u32 = 366;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FollowUpPayload {
    #[serde(rename = "type")]
    kind: String,
    contact_id: String,
    due: NaiveDate,
    done_at: Option<String>,
    updated_at: String,
}

/// Whether a follow-up is due (today or earlier) or still ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, uniffi::Enum)]
#[serde(rename_all = "lowercase")]
pub enum FollowUpStatus {
    Due,
    Upcoming,
}

/// An open follow-up as the apps list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct FollowUp {
    pub contact_id: String,
    /// `YYYY-MM-DD`.
    pub due: String,
    pub status: FollowUpStatus,
    /// The contact's date and kind, to recognise it in the list (never in a notification).
    pub contact_date: String,
    pub contact_kind: ContactKind,
}

/// The text of the local notification for a due follow-up: the same for every follow-up,
/// naming no person, reference or kind of contact.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FollowUpNotification {
    pub title: String,
    pub body: String,
}

pub fn notification(l: Locale) -> FollowUpNotification {
    FollowUpNotification {
        title: "Peerlog".into(),
        body: pick(
            l,
            "You have a follow-up to do. Open Peerlog to see it.",
            "Du har en oppfølging å gjøre. Åpne Peerlog for å se den.",
            "Du har en opfølgning at gøre. Åbn Peerlog for at se den.",
        )
        .into(),
    }
}

/// Checks a follow-up date for a contact dated `contact_date`: a date, not before the
/// contact, at most [`MAX_FOLLOW_UP_DAYS`] ahead of `today`.
pub(crate) fn check_due(
    due: &str,
    contact_date: NaiveDate,
    today: NaiveDate,
    locale: Locale,
) -> Result<NaiveDate> {
    let mut c = Checker::new(locale);
    match NaiveDate::parse_from_str(due.trim(), "%Y-%m-%d") {
        Err(_) => c.fail("follow_up", Invalid::BadDate),
        Ok(d) if d < contact_date => c.fail("follow_up", Invalid::BeforeContact),
        Ok(d) if d > today + chrono::Duration::days(i64::from(MAX_FOLLOW_UP_DAYS)) => {
            c.fail("follow_up", Invalid::TooFarAhead(MAX_FOLLOW_UP_DAYS))
        }
        Ok(d) => return Ok(d),
    }
    c.finish()?;
    Err(CoreError::corrupt("unreachable follow-up check"))
}

/// Checks a follow-up date before a contact dated `contact_date` is saved with it.
pub(crate) fn validate(due: &str, contact_date: &str, locale: Locale) -> Result<()> {
    let from = NaiveDate::parse_from_str(contact_date.trim(), "%Y-%m-%d").unwrap_or(today());
    check_due(due, from, today(), locale).map(|_| ())
}

/// The follow-up records of this peer, written by one of the peer's own devices:
/// (record id, payload).
fn records(conn: &Connection, s: &Session) -> Result<Vec<(String, FollowUpPayload)>> {
    let mut out = Vec::new();
    for r in store::all_records(conn, Some(Collection::Notes))? {
        let env = &r.envelope;
        if env.meta.deleted {
            continue;
        }
        let by = store::device(conn, &env.meta.author_device)?.map(|d| d.certified_by);
        if by != Some(CertifiedBy::Account) {
            continue;
        }
        let Ok(verified) = session::verify(conn, env) else {
            continue;
        };
        let Ok(v) = s.open_verified::<serde_json::Value>(verified) else {
            continue;
        };
        if crate::certs::payload_type(&v) != Some(FOLLOW_UP_TYPE) {
            continue;
        }
        if let Ok(p) = serde_json::from_value::<FollowUpPayload>(v) {
            out.push((env.meta.id.clone(), p));
        }
    }
    Ok(out)
}

fn record_of(
    conn: &Connection,
    s: &Session,
    contact_id: &str,
) -> Result<Option<(String, FollowUpPayload)>> {
    Ok(records(conn, s)?
        .into_iter()
        .find(|(_, p)| p.contact_id == contact_id))
}

/// Sets (or moves) the follow-up date of one of the peer's contacts.
pub(crate) fn set(
    st: &mut Store,
    s: &mut Session,
    contact_id: &str,
    due: &str,
) -> Result<FollowUp> {
    let contact = contacts::get(st.conn(), s, contact_id)?;
    let from = NaiveDate::parse_from_str(&contact.date, "%Y-%m-%d")
        .map_err(|_| CoreError::corrupt("contact date"))?;
    let now = today();
    let due = check_due(due, from, now, s.locale())?;
    let id = record_of(st.conn(), s, contact_id)?
        .map(|(id, _)| id)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let payload = FollowUpPayload {
        kind: FOLLOW_UP_TYPE.into(),
        contact_id: contact_id.into(),
        due,
        done_at: None,
        updated_at: now_rfc3339(),
    };
    st.tx(|tx| {
        s.write(
            tx,
            Collection::Notes,
            &id,
            Some(&payload),
            Audience::PeerOnly,
        )
    })?;
    Ok(FollowUp {
        contact_id: contact_id.into(),
        due: due.to_string(),
        status: status(due, now),
        contact_date: contact.date,
        contact_kind: contact.kind,
    })
}

/// Marks the open follow-up of a contact done.
pub(crate) fn done(st: &mut Store, s: &mut Session, contact_id: &str) -> Result<()> {
    let (id, mut p) = record_of(st.conn(), s, contact_id)?
        .filter(|(_, p)| p.done_at.is_none())
        .ok_or(CoreError::NotFound { what: "follow-up" })?;
    let now = now_rfc3339();
    p.done_at = Some(now.clone());
    p.updated_at = now;
    st.tx(|tx| s.write(tx, Collection::Notes, &id, Some(&p), Audience::PeerOnly))?;
    Ok(())
}

fn status(due: NaiveDate, today: NaiveDate) -> FollowUpStatus {
    if due <= today {
        FollowUpStatus::Due
    } else {
        FollowUpStatus::Upcoming
    }
}

/// The open follow-ups of live contacts, the earliest first.
pub(crate) fn list(conn: &Connection, s: &Session) -> Result<Vec<FollowUp>> {
    let now = today();
    let mut out = Vec::new();
    for (_, p) in records(conn, s)? {
        if p.done_at.is_some() {
            continue;
        }
        // A deleted contact's follow-up is not listed.
        let Ok(contact) = contacts::get(conn, s, &p.contact_id) else {
            continue;
        };
        out.push(FollowUp {
            contact_id: p.contact_id,
            due: p.due.to_string(),
            status: status(p.due, now),
            contact_date: contact.date,
            contact_kind: contact.kind,
        });
    }
    out.sort_by(|a, b| (&a.due, &a.contact_id).cmp(&(&b.due, &b.contact_id)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_follow_up_date_is_after_the_contact_and_within_a_year() {
        let (contact, now) = (day("2026-03-01"), day("2026-03-10"));
        assert_eq!(
            check_due("2026-03-01", contact, now, Locale::En).unwrap(),
            contact
        );
        let code = |d: &str| {
            check_due(d, contact, now, Locale::En)
                .unwrap_err()
                .to_ffi(Locale::En)
                .code()
                .to_string()
        };
        assert_eq!(code("2026-02-28"), "before_contact");
        assert_eq!(code("2027-03-12"), "too_far_ahead");
        assert_eq!(code("10.03.2026"), "bad_date");
        assert!(check_due("2027-03-11", contact, now, Locale::En).is_ok());
    }

    #[test]
    fn the_notification_names_nothing() {
        for l in [Locale::En, Locale::Nb, Locale::Da] {
            let n = notification(l);
            assert_eq!(n.title, "Peerlog");
            assert!(!n.body.is_empty());
        }
        assert_ne!(notification(Locale::Nb).body, notification(Locale::Da).body);
    }

    #[test]
    fn follow_ups_are_private_listed_by_date_and_done_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut h = crate::testing::enrolled_device(dir.path());
        let (st, s) = h.parts().unwrap();
        let d = today().to_string();
        let a = contacts::write(
            st,
            s,
            "0193a000-0000-7000-8000-0000000000a1",
            &crate::model::ContactInput::new(&d, ContactKind::Visit, 30),
            None,
        )
        .unwrap();
        let b = contacts::write(
            st,
            s,
            "0193a000-0000-7000-8000-0000000000a2",
            &crate::model::ContactInput::new(&d, ContactKind::Phone, 10),
            None,
        )
        .unwrap();
        let later = (today() + chrono::Duration::days(7)).to_string();
        set(st, s, &a.id, &later).unwrap();
        set(st, s, &b.id, &d).unwrap();
        // Moving a date keeps one follow-up per contact.
        set(st, s, &a.id, &later).unwrap();
        let list = list(st.conn(), s).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(
            (list[0].contact_id.as_str(), list[0].status),
            (b.id.as_str(), FollowUpStatus::Due)
        );
        assert_eq!(list[1].status, FollowUpStatus::Upcoming);
        // Sealed for the peer only: the chapter is not a recipient, though the contacts
        // are for it.
        for r in store::all_records(st.conn(), Some(Collection::Notes)).unwrap() {
            assert_eq!(r.envelope.recipients.len(), 1);
        }
        for r in store::all_records(st.conn(), Some(Collection::Contacts)).unwrap() {
            assert_eq!(r.envelope.recipients.len(), 2);
        }
        done(st, s, &b.id).unwrap();
        assert!(done(st, s, &b.id).is_err(), "done once");
        assert_eq!(super::list(st.conn(), s).unwrap().len(), 1);
        assert!(set(st, s, "no-such-contact", &d).is_err());
        contacts::delete(st, s, &a.id).unwrap();
        assert!(super::list(st.conn(), s).unwrap().is_empty());
    }
}
