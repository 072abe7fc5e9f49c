//! The peer's data: contacts and expenses, as the apps see them (uniffi records) and as
//! they are sealed into envelopes (serde payloads), with validation.

use crate::error::{CoreError, FieldError, Result};
use crate::i18n::{Invalid, pick};
use chrono::NaiveDate;
use peerlog_rules::{Category, ContactFacts, ContactKind, Locale, Place, Who};
use serde::{Deserialize, Serialize};

// The vocabulary enums live in peerlog-rules (which knows nothing of uniffi); these
// mirrors export them over the FFI.
#[uniffi::remote(Enum)]
pub enum ContactKind {
    Visit,
    Meeting,
    Phone,
    Video,
    Message,
    ConversationGroup,
    SelfHelpGroup,
    ActivityGroup,
    Course,
    Other,
}

#[uniffi::remote(Enum)]
pub enum Who {
    TargetGroup,
    Relative,
    Both,
}

#[uniffi::remote(Enum)]
pub enum Place {
    Home,
    Hospital,
    Institution,
    Other,
}

#[uniffi::remote(Enum)]
pub enum Category {
    Outreach,
    Group,
    Course,
}

#[uniffi::remote(Enum)]
pub enum Locale {
    Nb,
    Da,
    En,
}

/// Limits on contact input.
pub mod limits {
    pub const MAX_MINUTES: u32 = 1440;
    pub const MIN_GROUP_PARTICIPANTS: u32 = 2;
    pub const MAX_PARTICIPANTS: u32 = 1000;
    pub const MAX_PRIVATE_REF: usize = 40;
    pub const MAX_NOTE: usize = 2000;
    pub const MAX_MUNICIPALITY: usize = 80;
    pub const MAX_TOPICS: usize = 10;
    pub const MAX_TOPIC: usize = 40;
    pub const MAX_KM: u32 = 5000;
    pub const MAX_EXPENSE_DESCRIPTION: usize = 500;
    pub const MAX_EXPENSE_CONTACTS: usize = 50;
    pub const MAX_AMOUNT_MINOR: u64 = 10_000_000;
    pub const MAX_RECEIPT_BYTES: usize = 5 * 1024 * 1024;
    pub const OLDEST_YEAR: i32 = 2000;
}

/// What the peer enters for a contact. The same input is used for a new contact and an
/// edit (an edit replaces every field).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ContactInput {
    /// Date of the contact, `YYYY-MM-DD`, not in the future.
    pub date: String,
    /// Optional start time, `HH:MM`.
    #[uniffi(default = None)]
    pub start_time: Option<String>,
    /// Duration, 1..=1440 minutes.
    pub minutes: u32,
    pub kind: ContactKind,
    /// People taking part, not counting the peer. 1 for one-to-one contacts; at least 2
    /// for a group.
    #[uniffi(default = 1)]
    pub participants: u32,
    pub who: Who,
    /// First contact with this person (or these participants), not a follow-up.
    #[uniffi(default = true)]
    pub is_new: bool,
    /// The contact took place outside Norway.
    #[uniffi(default = false)]
    pub abroad: bool,
    /// For groups: the peer led the group.
    #[uniffi(default = true)]
    pub led_by_peer: bool,
    /// For visits (where the peer went) and meetings.
    #[uniffi(default = None)]
    pub place: Option<Place>,
    #[uniffi(default = None)]
    pub municipality: Option<String>,
    #[uniffi(default = [])]
    pub topics: Vec<String>,
    #[uniffi(default = None)]
    pub travel_km: Option<u32>,
    /// Initials or a nickname, at most 40 characters; only the peer can ever read it.
    #[uniffi(default = None)]
    pub private_ref: Option<String>,
    /// A note only the peer can read.
    #[uniffi(default = None)]
    pub private_note: Option<String>,
    /// A note the coordinator can read too.
    #[uniffi(default = None)]
    pub shared_note: Option<String>,
    /// The recovery themes the conversation touched (ids of `recovery_themes`), kept in
    /// the private part; only when the chapter switched the question on.
    #[uniffi(default = [])]
    pub themes: Vec<String>,
}

impl ContactInput {
    /// A minimal input: one person, new, in Norway.
    pub fn new(date: &str, kind: ContactKind, minutes: u32) -> Self {
        Self {
            date: date.to_string(),
            start_time: None,
            minutes,
            kind,
            participants: 1,
            who: Who::TargetGroup,
            is_new: true,
            abroad: false,
            led_by_peer: true,
            place: None,
            municipality: None,
            topics: Vec::new(),
            travel_km: None,
            private_ref: None,
            private_note: None,
            shared_note: None,
            themes: Vec::new(),
        }
    }

    /// The facts the rules would see if this input were saved as it is (it need not be
    /// valid yet: the live line judges what the peer has typed so far). A peer leads only
    /// groups, as validation decides.
    pub(crate) fn facts(&self) -> ContactFacts {
        ContactFacts {
            kind: self.kind,
            minutes: self.minutes,
            participants: self.participants,
            abroad: self.abroad,
            led_by_peer: self.kind.is_group() && self.led_by_peer,
        }
    }
}

/// How a contact is judged by the organisation's reporting rules.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize)]
pub struct ContactEvaluation {
    pub counts: bool,
    pub category: Option<Category>,
    /// Stable code of the reason, e.g. `counts_outreach`, `group_too_few_participants`.
    pub reason_code: String,
    /// The reason in the user's language, e.g. "does not count: fewer than 3 participants".
    pub reason: String,
    pub rule_set: String,
    pub rule_set_version: u32,
}

impl ContactEvaluation {
    pub(crate) fn from_rules(e: &peerlog_rules::Evaluation, locale: Locale) -> Self {
        Self {
            counts: e.counts,
            category: e.category,
            reason_code: e.reason.code().to_string(),
            reason: e.reason.message(locale),
            rule_set: e.rule_set.to_string(),
            rule_set_version: e.rule_set_version,
        }
    }
}

/// A logged contact as the apps show it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Contact {
    pub id: String,
    /// Hybrid-logical-clock version; grows with every edit.
    pub version: u64,
    pub date: String,
    pub start_time: Option<String>,
    pub minutes: u32,
    pub kind: ContactKind,
    pub participants: u32,
    pub who: Who,
    pub is_new: bool,
    pub abroad: bool,
    pub led_by_peer: bool,
    pub place: Option<Place>,
    pub municipality: Option<String>,
    pub topics: Vec<String>,
    pub travel_km: Option<u32>,
    pub private_ref: Option<String>,
    pub private_note: Option<String>,
    pub shared_note: Option<String>,
    /// The recovery themes the conversation touched (only the peer reads them).
    pub themes: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    pub evaluation: ContactEvaluation,
    /// Not yet sent to the organisation's server.
    pub pending_sync: bool,
}

impl Contact {
    /// The input that would recreate this contact (for "edit" and "repeat last").
    pub fn to_input(&self) -> ContactInput {
        ContactInput {
            date: self.date.clone(),
            start_time: self.start_time.clone(),
            minutes: self.minutes,
            kind: self.kind,
            participants: self.participants,
            who: self.who,
            is_new: self.is_new,
            abroad: self.abroad,
            led_by_peer: self.led_by_peer,
            place: self.place,
            municipality: self.municipality.clone(),
            topics: self.topics.clone(),
            travel_km: self.travel_km,
            private_ref: self.private_ref.clone(),
            private_note: self.private_note.clone(),
            shared_note: self.shared_note.clone(),
            themes: self.themes.clone(),
        }
    }
}

/// What a version of a contact did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum VersionChange {
    Created,
    Edited,
    Deleted,
}

/// One earlier or current version of a contact (edits and deletion keep history).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ContactVersion {
    pub version: u64,
    pub deleted: bool,
    pub author_device: String,
    /// The contact as it was at this version; `None` for the deletion itself.
    pub contact: Option<Contact>,
    /// 1 for the first version the core keeps, counting up.
    pub number: u32,
    pub change: VersionChange,
    /// Written by this device (else by another device of the peer, or the CLI).
    pub by_this_device: bool,
    /// The author's id as the apps show it (`short_device_id`).
    pub author_short: String,
    /// What happened where, in the user's language: "Changed on device 3f2a-91bc".
    pub label: String,
    /// When the version was written (RFC 3339, UTC, from its clock value).
    pub at: String,
}

/// The part of a contact sealed for the peer and the chapter (collection `contacts`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactPayload {
    pub schema: u32,
    pub date: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    pub minutes: u32,
    pub kind: ContactKind,
    pub participants: u32,
    pub who: Who,
    pub is_new: bool,
    pub abroad: bool,
    pub led_by_peer: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<Place>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub municipality: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topics: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub travel_km: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_note: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl ContactPayload {
    pub fn facts(&self) -> ContactFacts {
        ContactFacts {
            kind: self.kind,
            minutes: self.minutes,
            participants: self.participants,
            abroad: self.abroad,
            led_by_peer: self.led_by_peer,
        }
    }
}

/// The private part of a contact, sealed for the peer only (collection `notes`, same id
/// as the contact).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PrivatePayload {
    pub schema: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_note: Option<String>,
    /// Recovery-theme ids, checked and in their fixed order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub themes: Vec<String>,
}

impl PrivatePayload {
    /// Whether there is anything to keep in the private part.
    pub fn is_empty(&self) -> bool {
        self.private_ref.is_none() && self.private_note.is_none() && self.themes.is_empty()
    }
}

/// A validated contact input, split into what goes to the chapter and what stays private.
#[derive(Debug)]
pub(crate) struct ValidContact {
    pub date: NaiveDate,
    pub start_time: Option<String>,
    pub minutes: u32,
    pub kind: ContactKind,
    pub participants: u32,
    pub who: Who,
    pub is_new: bool,
    pub abroad: bool,
    pub led_by_peer: bool,
    pub place: Option<Place>,
    pub municipality: Option<String>,
    pub topics: Vec<String>,
    pub travel_km: Option<u32>,
    pub private: PrivatePayload,
    pub shared_note: Option<String>,
}

/// Whether a place is recorded for contacts of `kind` (visits and meetings only).
pub(crate) fn records_place(kind: ContactKind) -> bool {
    matches!(kind, ContactKind::Visit | ContactKind::Meeting)
}

/// Collects one error per field.
pub(crate) struct Checker {
    locale: Locale,
    errors: Vec<FieldError>,
}

impl Checker {
    pub(crate) fn new(locale: Locale) -> Self {
        Self {
            locale,
            errors: Vec::new(),
        }
    }

    pub(crate) fn fail(&mut self, field: &str, why: Invalid) {
        if self.errors.iter().any(|e| e.field == field) {
            return; // one error per field: the first is the one to fix
        }
        self.errors.push(FieldError {
            field: field.to_string(),
            code: why.code().to_string(),
            message: why.message(self.locale),
        });
    }

    pub(crate) fn date(&mut self, field: &str, s: &str, today: NaiveDate) -> Option<NaiveDate> {
        match NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
            Ok(d) if d > today => self.fail(field, Invalid::InFuture),
            Ok(d) if d < NaiveDate::from_ymd_opt(limits::OLDEST_YEAR, 1, 1).unwrap_or(d) => {
                self.fail(field, Invalid::TooOld)
            }
            Ok(d) => return Some(d),
            Err(_) => self.fail(field, Invalid::BadDate),
        }
        None
    }

    /// Trims; an empty text becomes `None`. Checks length (in characters) and control
    /// characters (newlines and tabs allowed only when `multiline`).
    pub(crate) fn text(
        &mut self,
        field: &str,
        s: Option<&str>,
        max: usize,
        multiline: bool,
    ) -> Option<String> {
        let t = s.map(str::trim).filter(|t| !t.is_empty())?;
        if t.chars().count() > max {
            self.fail(field, Invalid::TooLong(max));
            return None;
        }
        let bad = t
            .chars()
            .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t' || c == '\r')));
        if bad {
            self.fail(field, Invalid::ControlChars);
            return None;
        }
        Some(t.to_string())
    }

    pub(crate) fn finish(self) -> Result<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(CoreError::Invalid(self.errors))
        }
    }
}

fn valid_time(s: &str) -> bool {
    chrono::NaiveTime::parse_from_str(s, "%H:%M").is_ok() && s.len() == 5
}

/// Validates a contact input. Returns every field's problem at once; nothing is written
/// by the caller on error.
pub(crate) fn validate_contact(
    input: &ContactInput,
    today: NaiveDate,
    locale: Locale,
) -> Result<ValidContact> {
    use limits::*;
    let mut c = Checker::new(locale);
    let date = c.date("date", &input.date, today);
    let start_time = match input.start_time.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(t) if valid_time(t) => Some(t.to_string()),
        Some(_) => {
            c.fail("start_time", Invalid::BadTime);
            None
        }
    };
    if input.minutes == 0 || input.minutes > MAX_MINUTES {
        c.fail("minutes", Invalid::MinutesRange);
    }
    if input.kind.is_group() && input.participants < MIN_GROUP_PARTICIPANTS {
        c.fail(
            "participants",
            Invalid::TooFewParticipants(MIN_GROUP_PARTICIPANTS),
        );
    } else if input.participants == 0 {
        c.fail("participants", Invalid::TooFewParticipants(1));
    } else if input.participants > MAX_PARTICIPANTS {
        c.fail(
            "participants",
            Invalid::TooManyParticipants(MAX_PARTICIPANTS),
        );
    }
    if input.place.is_some() && !records_place(input.kind) {
        c.fail("place", Invalid::PlaceNotApplicable);
    }
    let municipality = c.text(
        "municipality",
        input.municipality.as_deref(),
        MAX_MUNICIPALITY,
        false,
    );
    let mut topics = Vec::new();
    if input.topics.len() > MAX_TOPICS {
        c.fail("topics", Invalid::TooMany(MAX_TOPICS));
    } else {
        for t in &input.topics {
            if let Some(t) = c.text("topics", Some(t), MAX_TOPIC, false)
                && !topics.contains(&t)
            {
                topics.push(t);
            }
        }
    }
    if input.travel_km.is_some_and(|km| km > MAX_KM) {
        c.fail("travel_km", Invalid::KmRange(MAX_KM));
    }
    let private_ref = c.text(
        "private_ref",
        input.private_ref.as_deref(),
        MAX_PRIVATE_REF,
        false,
    );
    let private_note = c.text(
        "private_note",
        input.private_note.as_deref(),
        MAX_NOTE,
        true,
    );
    let shared_note = c.text("shared_note", input.shared_note.as_deref(), MAX_NOTE, true);
    let themes = crate::themes::check(&input.themes).unwrap_or_else(|why| {
        c.fail("themes", why);
        Vec::new()
    });
    c.finish()?;
    let date = date.ok_or_else(|| CoreError::corrupt("validated date missing"))?;
    Ok(ValidContact {
        date,
        start_time,
        minutes: input.minutes,
        kind: input.kind,
        participants: input.participants,
        who: input.who,
        is_new: input.is_new,
        abroad: input.abroad,
        // Only groups are led; for one-to-one contacts the flag means nothing.
        led_by_peer: input.kind.is_group() && input.led_by_peer,
        place: input.place,
        municipality,
        topics,
        travel_km: input.travel_km.filter(|km| *km > 0),
        private: PrivatePayload {
            schema: 1,
            private_ref,
            private_note,
            themes,
        },
        shared_note,
    })
}

/// Kinds of expense.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "kebab-case")]
pub enum ExpenseKind {
    /// Driving one's own car: km × the organisation's rate.
    Travel,
    /// Bus, train, ferry, taxi tickets.
    Ticket,
    Phone,
    Other,
}

impl ExpenseKind {
    /// Every kind, in the order the apps list them.
    pub const ALL: &'static [ExpenseKind] = &[
        ExpenseKind::Travel,
        ExpenseKind::Ticket,
        ExpenseKind::Phone,
        ExpenseKind::Other,
    ];

    /// Paid per km at the organisation's rate (the peer gives km, not an amount); every
    /// other kind takes an amount.
    pub fn uses_km(self) -> bool {
        matches!(self, ExpenseKind::Travel)
    }

    /// A short label for the user interface.
    pub fn label(self, locale: Locale) -> &'static str {
        match self {
            ExpenseKind::Travel => pick(
                locale,
                "Car travel",
                "Kjøring med egen bil",
                "Kørsel i egen bil",
            ),
            ExpenseKind::Ticket => pick(locale, "Ticket", "Billett", "Billet"),
            ExpenseKind::Phone => pick(locale, "Phone", "Telefon", "Telefon"),
            ExpenseKind::Other => pick(locale, "Other", "Annet", "Andet"),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ExpenseKind::Travel => "travel",
            ExpenseKind::Ticket => "ticket",
            ExpenseKind::Phone => "phone",
            ExpenseKind::Other => "other",
        }
    }
}

impl std::str::FromStr for ExpenseKind {
    type Err = ();
    fn from_str(s: &str) -> std::result::Result<Self, ()> {
        Ok(match s {
            "travel" => ExpenseKind::Travel,
            "ticket" => ExpenseKind::Ticket,
            "phone" => ExpenseKind::Phone,
            "other" => ExpenseKind::Other,
            _ => return Err(()),
        })
    }
}

/// Where an expense is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "kebab-case")]
pub enum ExpenseStatus {
    Draft,
    Submitted,
    Approved,
    Rejected,
}

impl ExpenseStatus {
    /// Every status, from draft to decided.
    pub const ALL: &'static [ExpenseStatus] = &[
        ExpenseStatus::Draft,
        ExpenseStatus::Submitted,
        ExpenseStatus::Approved,
        ExpenseStatus::Rejected,
    ];

    /// A short label for the user interface.
    pub fn label(self, locale: Locale) -> &'static str {
        match self {
            ExpenseStatus::Draft => pick(locale, "Draft", "Utkast", "Kladde"),
            ExpenseStatus::Submitted => pick(locale, "Submitted", "Sendt inn", "Indsendt"),
            ExpenseStatus::Approved => pick(locale, "Approved", "Godkjent", "Godkendt"),
            ExpenseStatus::Rejected => pick(locale, "Rejected", "Avvist", "Afvist"),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ExpenseStatus::Draft => "draft",
            ExpenseStatus::Submitted => "submitted",
            ExpenseStatus::Approved => "approved",
            ExpenseStatus::Rejected => "rejected",
        }
    }
}

/// A photo or scan of a receipt.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize, Deserialize)]
pub struct Receipt {
    /// `image/jpeg`, `image/png`, `image/heic` or `application/pdf`.
    pub mime_type: String,
    #[serde(with = "peerlog_protocol::b64::bytes")]
    pub data: Vec<u8>,
}

/// What the peer enters for an expense.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ExpenseInput {
    pub date: String,
    pub kind: ExpenseKind,
    /// For travel: distance driven.
    #[uniffi(default = None)]
    pub km: Option<u32>,
    /// For tickets, phone and other: the amount in minor units (øre, cents).
    #[uniffi(default = None)]
    pub amount_minor: Option<u64>,
    #[uniffi(default = None)]
    pub description: Option<String>,
    /// Contacts this expense belongs to.
    #[uniffi(default = [])]
    pub contact_ids: Vec<String>,
    #[uniffi(default = None)]
    pub receipt: Option<Receipt>,
}

/// An expense as the apps show it (the receipt itself is fetched separately).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize)]
pub struct Expense {
    pub id: String,
    pub version: u64,
    pub date: String,
    pub kind: ExpenseKind,
    pub km: Option<u32>,
    /// For travel: the rate used, minor units per km.
    pub rate_minor_per_km: Option<u64>,
    pub amount_minor: u64,
    pub currency: String,
    pub description: Option<String>,
    pub contact_ids: Vec<String>,
    pub has_receipt: bool,
    pub status: ExpenseStatus,
    pub submitted_at: Option<String>,
    pub pending_sync: bool,
    /// The coordinator's reason, once the expense was approved or rejected.
    pub decision_reason: Option<String>,
}

/// Sealed expense (collection `expenses`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpensePayload {
    pub schema: u32,
    pub date: NaiveDate,
    pub kind: ExpenseKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub km: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_minor_per_km: Option<u64>,
    pub amount_minor: u64,
    pub currency: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contact_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<Receipt>,
    pub status: ExpenseStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// Recognises a receipt's type from its first bytes, so a mislabelled file is refused.
pub(crate) fn receipt_type_ok(r: &Receipt) -> bool {
    let d = &r.data;
    match r.mime_type.as_str() {
        "image/jpeg" => d.starts_with(&[0xFF, 0xD8, 0xFF]),
        "image/png" => d.starts_with(b"\x89PNG\r\n\x1a\n"),
        "application/pdf" => d.starts_with(b"%PDF-"),
        "image/heic" => d.len() > 12 && &d[4..8] == b"ftyp",
        _ => false,
    }
}
