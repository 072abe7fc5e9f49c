//! Training and certification: the chapter's record that a peer completed the
//! organisation's peer course (course, date, optional valid-until), issued by a
//! coordinator's machine and signed through its chapter certificate, like an expense
//! decision. It travels to the peer in the collection `expenses` (the one route from the
//! chapter into a peer's pull) and is sealed for the chapter and that peer only.
//!
//! The peer accepts one only if it carries a certificate by the chapter signing key (the
//! one checked against the invitation) for the very device that signed the record, and
//! names this peer's account: a peer cannot certify itself, and a server cannot hand one
//! peer's record to another. The same rule decides "certified" on the coordinator.

use crate::certs::{DeviceCert, ISSUER_CHAPTER};
use crate::error::Result;
use crate::i18n::{self, Invalid};
use crate::model::Checker;
use crate::session::Session;
use crate::store;
use chrono::NaiveDate;
use peerlog_crypto::DevicePublicKey;
use peerlog_protocol::Collection;
use peerlog_rules::Locale;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

/// Payload type of a training record.
pub const TRAINING_TYPE: &str = "peerlog-training/1";
/// How many days before a certificate expires the peer is reminded.
pub const REMINDER_DAYS: i64 = 60;
/// Longest course name, in characters.
pub const MAX_COURSE_CHARS: usize = 120;

/// The chapter's record of one completed course of one peer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingRecord {
    #[serde(rename = "type")]
    pub kind: String,
    pub account_id: String,
    pub course: String,
    /// `YYYY-MM-DD`, the day the course was completed.
    pub date: NaiveDate,
    /// `YYYY-MM-DD`, the last day the certificate is valid; `None`: no expiry.
    pub valid_until: Option<NaiveDate>,
    pub issued_at: String,
    /// The issuing machine's certificate by the chapter signing key.
    pub cert: DeviceCert,
}

impl TrainingRecord {
    /// Whether the chapter issued this record: its certificate is signed by
    /// `chapter_signing`, certifies `author_device` (the verified author of the envelope)
    /// and is for the account the record is about.
    pub fn is_from_chapter(&self, author_device: &str, chapter_signing: &DevicePublicKey) -> bool {
        self.kind == TRAINING_TYPE
            && self.cert.device_key.device_id() == author_device
            && self.cert.account_id == self.account_id
            && self.cert.verify(ISSUER_CHAPTER, chapter_signing).is_ok()
            && self.valid_until.is_none_or(|u| u >= self.date)
    }
}

/// A checked course entry, ready to be issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingInput {
    pub course: String,
    pub date: NaiveDate,
    pub valid_until: Option<NaiveDate>,
}

/// Checks what a coordinator typed: a course name, a course date not in the future, and a
/// valid-until date (if any) not before it. One error per field, in `locale`.
pub fn check_input(
    course: &str,
    date: &str,
    valid_until: Option<&str>,
    today: NaiveDate,
    locale: Locale,
) -> Result<TrainingInput> {
    let mut c = Checker::new(locale);
    let name = c.text("course", Some(course), MAX_COURSE_CHARS, false);
    if course.trim().is_empty() {
        c.fail("course", Invalid::CourseRequired);
    }
    let day = c.date("date", date, today);
    let until = match valid_until.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(u) if day.is_some_and(|d| u < d) => {
                c.fail("valid_until", Invalid::BeforeStart);
                None
            }
            Ok(u) => Some(u),
            Err(_) => {
                c.fail("valid_until", Invalid::BadDate);
                None
            }
        },
    };
    c.finish()?;
    match (name, day) {
        (Some(course), Some(date)) => Ok(TrainingInput {
            course,
            date,
            valid_until: until,
        }),
        _ => Err(Invalid::CourseRequired.at("course", locale)),
    }
}

/// A peer's certification on one day, from their training records' dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Certification {
    /// A course completed on or before the day whose certificate has not expired.
    pub certified: bool,
    /// The latest expiry among the valid certificates (`None` when one has no expiry, or
    /// none is valid).
    pub valid_until: Option<NaiveDate>,
    /// Certified, but it ends within [`REMINDER_DAYS`].
    pub reminder_due: bool,
    /// Any record at all (so "expired" can be told from "never trained").
    pub any_record: bool,
}

/// Certification on `day` from `(date, valid_until)` pairs.
pub fn certification(
    records: impl IntoIterator<Item = (NaiveDate, Option<NaiveDate>)>,
    day: NaiveDate,
) -> Certification {
    let mut out = Certification::default();
    let mut forever = false;
    for (date, until) in records {
        out.any_record = true;
        if date > day || until.is_some_and(|u| u < day) {
            continue;
        }
        out.certified = true;
        match until {
            None => forever = true,
            Some(u) => out.valid_until = out.valid_until.max(Some(u)),
        }
    }
    if forever {
        out.valid_until = None;
    }
    out.reminder_due = out.certified
        && out
            .valid_until
            .is_some_and(|u| (u - day).num_days() <= REMINDER_DAYS);
    out
}

/// One of the peer's training records, as the apps show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct TrainingEntry {
    pub id: String,
    pub course: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `YYYY-MM-DD`; none: no expiry.
    pub valid_until: Option<String>,
    /// Valid today.
    pub valid: bool,
}

/// The peer's own training records and what they mean today (decided here for both apps).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, uniffi::Record)]
pub struct TrainingStatus {
    /// Newest course first.
    pub records: Vec<TrainingEntry>,
    pub certified: bool,
    /// The latest expiry of a valid certificate; none when one has no expiry or none is valid.
    pub valid_until: Option<String>,
    /// The certificate ends within [`REMINDER_DAYS`]: show the reminder.
    pub reminder_due: bool,
    /// One line in the peer's language saying all of this.
    pub message: String,
}

/// Indexes a training record pulled or restored on the peer's device if the chapter
/// issued it for this peer; anything else is ignored.
pub(crate) fn reindex(
    conn: &Connection,
    s: &Session,
    id: &str,
    author_device: &str,
    version: u64,
    v: serde_json::Value,
) -> Result<()> {
    let Ok(r) = serde_json::from_value::<TrainingRecord>(v) else {
        return Ok(());
    };
    let genuine = s.issued_to_me(&r.account_id, |k| r.is_from_chapter(author_device, k));
    if !genuine {
        return Ok(());
    }
    store::training::put(
        conn,
        id,
        &r.date.to_string(),
        r.valid_until.map(|u| u.to_string()).as_deref(),
        version,
    )
}

/// The peer's training records and certification on `today`.
pub(crate) fn status(conn: &Connection, s: &Session, today: NaiveDate) -> Result<TrainingStatus> {
    let mut records = Vec::new();
    let mut dates = Vec::new();
    for row in store::training::all(conn)? {
        let Some((stored, r)) =
            s.open_live::<TrainingRecord>(conn, Collection::Expenses, &row.id)?
        else {
            continue;
        };
        // Checked again on reading: the index is only a cache of verified records.
        let author = &stored.envelope.meta.author_device;
        if !s.issued_to_me(&r.account_id, |k| r.is_from_chapter(author, k)) {
            continue;
        }
        dates.push((r.date, r.valid_until));
        records.push(TrainingEntry {
            id: row.id,
            course: r.course,
            date: r.date.to_string(),
            valid_until: r.valid_until.map(|u| u.to_string()),
            valid: certification([(r.date, r.valid_until)], today).certified,
        });
    }
    let c = certification(dates, today);
    let valid_until = c.valid_until.map(|u| u.to_string());
    Ok(TrainingStatus {
        records,
        certified: c.certified,
        message: i18n::training_line(
            s.locale(),
            c.certified,
            valid_until.as_deref(),
            c.reminder_due,
            c.any_record,
        ),
        valid_until,
        reminder_due: c.reminder_due,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn certification_follows_the_dates() {
        let today = d("2026-06-01");
        assert_eq!(certification([], today), Certification::default());
        let c = certification([(d("2025-01-10"), Some(d("2027-01-10")))], today);
        assert!(c.certified && !c.reminder_due);
        assert_eq!(c.valid_until, Some(d("2027-01-10")));
        // Within the reminder window (60 days), and the last day still counts.
        let c = certification([(d("2024-07-01"), Some(d("2026-07-31")))], today);
        assert!(c.certified && c.reminder_due);
        let c = certification([(d("2024-06-01"), Some(d("2026-06-01")))], today);
        assert!(c.certified && c.reminder_due);
        // Expired, and a course in the future does not count yet.
        let c = certification(
            [
                (d("2024-05-01"), Some(d("2026-05-31"))),
                (d("2026-06-02"), None),
            ],
            today,
        );
        assert!(!c.certified && c.any_record && !c.reminder_due);
        // A certificate without expiry wins over one that ends soon: no reminder.
        let c = certification(
            [
                (d("2024-07-01"), Some(d("2026-07-01"))),
                (d("2020-01-01"), None),
            ],
            today,
        );
        assert!(c.certified && !c.reminder_due);
        assert_eq!(c.valid_until, None);
    }

    #[test]
    fn bad_course_input_gets_one_error_per_field() {
        let today = d("2026-06-01");
        let ok = check_input(
            " Peer course ",
            "2026-05-01",
            Some("2028-05-01"),
            today,
            Locale::En,
        )
        .unwrap();
        assert_eq!(ok.course, "Peer course");
        let fields = |r: Result<TrainingInput>| match r {
            Err(e) => match e.to_ffi(Locale::En) {
                crate::PeerlogError::Invalid { fields, .. } => fields
                    .into_iter()
                    .map(|f| (f.field, f.code))
                    .collect::<Vec<_>>(),
                other => panic!("{other:?}"),
            },
            Ok(_) => panic!("accepted"),
        };
        assert_eq!(
            fields(check_input(
                "  ",
                "2026-13-01",
                Some("x"),
                today,
                Locale::Nb
            )),
            [
                ("course".to_string(), "required".to_string()),
                ("date".into(), "bad_date".into()),
                ("valid_until".into(), "bad_date".into()),
            ]
        );
        assert_eq!(
            fields(check_input("Kurs", "2026-07-01", None, today, Locale::En)),
            [("date".to_string(), "in_future".to_string())]
        );
        assert_eq!(
            fields(check_input(
                "Kurs",
                "2026-05-01",
                Some("2026-04-30"),
                today,
                Locale::Da
            )),
            [("valid_until".to_string(), "before_start".to_string())]
        );
        assert_eq!(
            fields(check_input(
                &"x".repeat(121),
                "2026-05-01",
                None,
                today,
                Locale::En
            )),
            [("course".to_string(), "too_long".to_string())]
        );
        assert_eq!(
            fields(check_input(
                "a\u{7}b",
                "2026-05-01",
                None,
                today,
                Locale::En
            )),
            [("course".to_string(), "control_characters".to_string())]
        );
    }
}
