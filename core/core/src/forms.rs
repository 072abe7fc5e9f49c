//! The forms of the apps, decided once: what a new contact or expense starts as, which
//! fields show for a kind, the limits validation uses, how typed text becomes an input
//! (numbers parsed with a "not a number" error instead of 0, text trimmed, blank → none,
//! fields the form does not show kept from the input it started from), and what a peer
//! may do with an expense in each status. Both apps build their inputs here, so neither
//! loses what the other keeps.

use crate::error::{CoreError, FieldError, PeerlogError, Result};
use crate::i18n::Invalid;
use crate::model::limits::{
    MAX_AMOUNT_MINOR, MAX_EXPENSE_CONTACTS, MAX_EXPENSE_DESCRIPTION, MAX_KM, MAX_MINUTES,
    MAX_MUNICIPALITY, MAX_NOTE, MAX_PARTICIPANTS, MAX_PRIVATE_REF, MIN_GROUP_PARTICIPANTS,
};
use crate::model::{
    ContactInput, Expense, ExpenseInput, ExpenseKind, ExpenseStatus, Receipt, records_place,
    validate_contact,
};
use crate::money;
use crate::util::today;
use chrono::NaiveDate;
use peerlog_rules::{ContactKind, Locale, Place, Who};

/// The kind a new contact starts as.
pub const DEFAULT_CONTACT_KIND: ContactKind = ContactKind::Visit;
/// The duration a new contact starts with, in minutes.
pub const DEFAULT_MINUTES: u32 = 60;

/// What the contact form shows for a kind, and the limits validation applies.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ContactForm {
    pub kind: ContactKind,
    /// Group kinds ask for the number of participants (and whether the peer led it).
    pub shows_participants: bool,
    pub shows_led_by_peer: bool,
    /// Visits and meetings record a place; the core refuses one for other kinds.
    pub shows_place: bool,
    pub min_participants: u32,
    pub max_participants: u32,
    pub max_minutes: u32,
    pub max_km: u32,
    pub max_private_ref_chars: u32,
    pub max_note_chars: u32,
    pub max_municipality_chars: u32,
}

/// The contact form for `kind`.
#[uniffi::export]
pub fn contact_form(kind: ContactKind) -> ContactForm {
    ContactForm {
        kind,
        shows_participants: kind.is_group(),
        shows_led_by_peer: kind.is_group(),
        shows_place: records_place(kind),
        min_participants: if kind.is_group() {
            MIN_GROUP_PARTICIPANTS
        } else {
            1
        },
        max_participants: MAX_PARTICIPANTS,
        max_minutes: MAX_MINUTES,
        max_km: MAX_KM,
        max_private_ref_chars: MAX_PRIVATE_REF as u32,
        max_note_chars: MAX_NOTE as u32,
        max_municipality_chars: MAX_MUNICIPALITY as u32,
    }
}

/// What a new contact starts as: today in the device's time zone, a visit of an hour with
/// one person of the target group, a first contact, in Norway.
#[uniffi::export]
pub fn new_contact_input() -> ContactInput {
    new_contact_input_on(today())
}

fn new_contact_input_on(day: NaiveDate) -> ContactInput {
    ContactInput::new(&day.to_string(), DEFAULT_CONTACT_KIND, DEFAULT_MINUTES)
}

/// The contact form as the peer filled it in: numbers as typed, texts untrimmed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ContactFormEntry {
    /// The input the form started from: `new_contact_input()`, the contact being edited
    /// (its `to_input`) or "repeat last". Whatever the form does not show is kept from it.
    pub base: ContactInput,
    pub kind: ContactKind,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub minutes: String,
    /// Read only when the kind shows participants.
    pub participants: String,
    pub who: Who,
    pub is_new: bool,
    pub abroad: bool,
    /// Sent only for kinds that record a place.
    pub place: Option<Place>,
    /// `None`: the form does not show it (the base's is kept).
    #[uniffi(default = None)]
    pub led_by_peer: Option<bool>,
    #[uniffi(default = None)]
    pub start_time: Option<String>,
    #[uniffi(default = None)]
    pub travel_km: Option<String>,
    #[uniffi(default = None)]
    pub municipality: Option<String>,
    #[uniffi(default = None)]
    pub private_ref: Option<String>,
    #[uniffi(default = None)]
    pub private_note: Option<String>,
    #[uniffi(default = None)]
    pub shared_note: Option<String>,
    /// The recovery themes ticked; `None`: the form does not show the question (the
    /// base's are kept).
    #[uniffi(default = None)]
    pub themes: Option<Vec<String>>,
}

/// The contact form as it opens on `base`, before the peer changes anything: the shown
/// fields filled in from it, the ones the form does not show left to the base.
#[uniffi::export]
pub fn contact_form_entry(base: ContactInput) -> ContactFormEntry {
    ContactFormEntry {
        kind: base.kind,
        date: base.date.clone(),
        minutes: base.minutes.to_string(),
        participants: base.participants.to_string(),
        who: base.who,
        is_new: base.is_new,
        abroad: base.abroad,
        place: base.place,
        base,
        led_by_peer: None,
        start_time: None,
        travel_km: None,
        municipality: None,
        private_ref: None,
        private_note: None,
        shared_note: None,
        themes: None,
    }
}

/// Trimmed; blank is none.
fn text(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// A whole number as typed: blank is none; anything else that is not digits is an error
/// (not silently 0).
fn number(field: &str, s: &str, locale: Locale, errors: &mut Vec<FieldError>) -> Option<u32> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    // Digits only (no sign, no decimals); a number too big for the field is still a
    // number: validation says it is out of range.
    if t.chars().all(|c| c.is_ascii_digit()) {
        return Some(t.parse::<u32>().unwrap_or(u32::MAX));
    }
    errors.push(FieldError {
        field: field.to_string(),
        code: Invalid::NotANumber.code().to_string(),
        message: Invalid::NotANumber.message(locale),
    });
    None
}

/// Parse errors first (one per field), then validation's for the other fields.
fn merge(mut parsed: Vec<FieldError>, validation: Option<CoreError>) -> CoreError {
    if let Some(CoreError::Invalid(more)) = validation {
        for f in more {
            if !parsed.iter().any(|p| p.field == f.field) {
                parsed.push(f);
            }
        }
    }
    CoreError::Invalid(parsed)
}

/// Builds the input a filled-in contact form describes (see [`ContactFormEntry`]).
pub(crate) fn contact_input(e: ContactFormEntry, locale: Locale) -> Result<ContactInput> {
    let mut errors = Vec::new();
    let form = contact_form(e.kind);
    let base = e.base;
    let participants = if form.shows_participants {
        number("participants", &e.participants, locale, &mut errors).unwrap_or(0)
    } else if base.kind.is_group() {
        // From a group to a one-to-one kind: the group's count means nothing here.
        1
    } else {
        // A hidden field keeps what the contact has (a visit to two people stays so).
        base.participants
    };
    let input = ContactInput {
        date: e.date.trim().to_string(),
        start_time: match e.start_time {
            Some(t) => text(&t),
            None => base.start_time,
        },
        minutes: number("minutes", &e.minutes, locale, &mut errors).unwrap_or(0),
        kind: e.kind,
        participants,
        who: e.who,
        is_new: e.is_new,
        abroad: e.abroad,
        led_by_peer: e.led_by_peer.unwrap_or(base.led_by_peer),
        place: if form.shows_place { e.place } else { None },
        municipality: match e.municipality {
            Some(m) => text(&m),
            None => base.municipality,
        },
        topics: base.topics,
        travel_km: match e.travel_km {
            Some(km) => number("travel_km", &km, locale, &mut errors),
            None => base.travel_km,
        },
        private_ref: e.private_ref.map_or(base.private_ref, |t| text(&t)),
        private_note: e.private_note.map_or(base.private_note, |t| text(&t)),
        shared_note: e.shared_note.map_or(base.shared_note, |t| text(&t)),
        themes: e.themes.unwrap_or(base.themes),
    };
    if errors.is_empty() {
        return Ok(input);
    }
    Err(merge(
        errors,
        validate_contact(&input, today(), locale).err(),
    ))
}

/// What the expense form shows for a kind, and the limits validation applies.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ExpenseForm {
    pub kind: ExpenseKind,
    /// Travel asks for km (paid at the organisation's rate), every other kind an amount.
    pub shows_km: bool,
    pub shows_amount: bool,
    pub max_km: u32,
    pub max_amount_minor: u64,
    pub max_description_chars: u32,
    pub max_contacts: u32,
}

/// The expense form for `kind`.
#[uniffi::export]
pub fn expense_form(kind: ExpenseKind) -> ExpenseForm {
    ExpenseForm {
        kind,
        shows_km: kind.uses_km(),
        shows_amount: !kind.uses_km(),
        max_km: MAX_KM,
        max_amount_minor: MAX_AMOUNT_MINOR,
        max_description_chars: MAX_EXPENSE_DESCRIPTION as u32,
        max_contacts: MAX_EXPENSE_CONTACTS as u32,
    }
}

/// What a new expense starts as: car travel, today in the device's time zone.
#[uniffi::export]
pub fn new_expense_input() -> ExpenseInput {
    ExpenseInput {
        date: today().to_string(),
        kind: ExpenseKind::Travel,
        km: None,
        amount_minor: None,
        description: None,
        contact_ids: Vec::new(),
        receipt: None,
    }
}

/// The input that keeps a stored expense as it is (its receipt stays: `None` keeps it),
/// for the form that changes it.
#[uniffi::export]
pub fn expense_to_input(expense: Expense) -> ExpenseInput {
    ExpenseInput {
        date: expense.date,
        kind: expense.kind,
        km: expense.km,
        amount_minor: (!expense.kind.uses_km()).then_some(expense.amount_minor),
        description: expense.description,
        contact_ids: expense.contact_ids,
        receipt: None,
    }
}

/// The expense form as the peer filled it in.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ExpenseFormEntry {
    /// `new_expense_input()` or `expense_to_input(stored)`: what the form does not show
    /// (the linked contacts, unless given) is kept from it.
    pub base: ExpenseInput,
    pub kind: ExpenseKind,
    pub date: String,
    /// Read only for kinds paid per km.
    pub km: String,
    /// As the peer writes money (`149,50`); read only for kinds with an amount.
    pub amount: String,
    pub description: String,
    /// `None`: the form does not show them (the base's are kept).
    #[uniffi(default = None)]
    pub contact_ids: Option<Vec<String>>,
    /// A new receipt; `None` keeps the stored one.
    #[uniffi(default = None)]
    pub receipt: Option<Receipt>,
}

/// Builds the input a filled-in expense form describes; `currency` is the expense's (or,
/// for a new one, the peer's).
pub(crate) fn expense_input(
    e: ExpenseFormEntry,
    currency: &str,
    locale: Locale,
) -> Result<ExpenseInput> {
    let mut errors = Vec::new();
    let form = expense_form(e.kind);
    let km = if form.shows_km {
        number("km", &e.km, locale, &mut errors)
    } else {
        None
    };
    let amount_minor = if form.shows_amount && !e.amount.trim().is_empty() {
        match money::parse_amount(e.amount, currency.to_string(), locale) {
            Ok(a) => Some(a),
            Err(PeerlogError::Invalid { fields, .. }) => {
                errors.extend(fields.into_iter().map(|f| FieldError {
                    field: "amount_minor".into(),
                    ..f
                }));
                None
            }
            Err(_) => None,
        }
    } else {
        None
    };
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    Ok(ExpenseInput {
        date: e.date.trim().to_string(),
        kind: e.kind,
        km,
        amount_minor,
        description: text(&e.description),
        contact_ids: e.contact_ids.unwrap_or(e.base.contact_ids),
        receipt: e.receipt,
    })
}

/// What the peer may do with an expense in a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct ExpenseActions {
    pub can_edit: bool,
    pub can_submit: bool,
    pub can_delete: bool,
}

/// Only a draft can be changed, submitted or deleted; once submitted it is the
/// coordinator's to decide.
#[uniffi::export]
pub fn expense_actions(status: ExpenseStatus) -> ExpenseActions {
    let draft = status == ExpenseStatus::Draft;
    ExpenseActions {
        can_edit: draft,
        can_submit: draft,
        can_delete: draft,
    }
}

/// The language the app shows, from the platform's preferred languages (BCP 47 tags, most
/// preferred first): the first one Peerlog speaks — Norwegian (`nb`, `no`, `nn`) as
/// bokmål, Danish — else English.
#[uniffi::export]
pub fn app_locale(preferred: Vec<String>) -> Locale {
    for tag in &preferred {
        let language = tag
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match language.as_str() {
            "nb" | "no" | "nn" => return Locale::Nb,
            "da" => return Locale::Da,
            "en" => return Locale::En,
            _ => {}
        }
    }
    Locale::En
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Contact;

    fn fields(e: CoreError) -> Vec<(String, String)> {
        match e {
            CoreError::Invalid(f) => f.into_iter().map(|f| (f.field, f.code)).collect(),
            e => panic!("{e}"),
        }
    }

    #[test]
    fn a_new_contact_starts_today_as_an_hour_long_visit() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
        let input = new_contact_input_on(day);
        assert_eq!(input.date, "2026-03-04");
        assert_eq!(
            (input.kind, input.minutes, input.participants),
            (ContactKind::Visit, 60, 1)
        );
        assert!(input.is_new && !input.abroad && input.place.is_none());
        assert_eq!(new_contact_input().date, today().to_string());
        assert!(validate_contact(&input, day, Locale::En).is_ok());
    }

    #[test]
    fn the_form_shows_participants_for_groups_and_a_place_for_visits_and_meetings() {
        let visit = contact_form(ContactKind::Visit);
        assert!(!visit.shows_participants && visit.shows_place && !visit.shows_led_by_peer);
        let group = contact_form(ContactKind::SelfHelpGroup);
        assert!(group.shows_participants && group.shows_led_by_peer && !group.shows_place);
        assert_eq!(group.min_participants, 2);
        assert!(!contact_form(ContactKind::Phone).shows_place);
        assert!(contact_form(ContactKind::Meeting).shows_place);
        // The limits are validation's own.
        assert_eq!((visit.max_minutes, visit.max_participants), (1440, 1000));
        let mut too_long = ContactInput::new("2026-03-04", ContactKind::Visit, 1441);
        let day = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
        assert!(validate_contact(&too_long, day, Locale::En).is_err());
        too_long.minutes = visit.max_minutes;
        assert!(validate_contact(&too_long, day, Locale::En).is_ok());
    }

    #[test]
    fn typed_numbers_that_are_not_numbers_are_field_errors_not_zero() {
        let mut e = contact_form_entry(new_contact_input());
        e.minutes = "4five".into();
        e.travel_km = Some("12 km".into());
        let got = fields(contact_input(e, Locale::Nb).unwrap_err());
        assert_eq!(
            got,
            [
                ("minutes".to_string(), "not_a_number".to_string()),
                ("travel_km".to_string(), "not_a_number".to_string()),
            ]
        );
        // A group with a typed-over count, plus validation's word on another field.
        let mut e = contact_form_entry(new_contact_input());
        e.kind = ContactKind::ConversationGroup;
        e.participants = "three".into();
        e.date = "yesterday".into();
        let got = fields(contact_input(e, Locale::En).unwrap_err());
        assert!(got.contains(&("participants".into(), "not_a_number".into())));
        assert!(got.contains(&("date".into(), "bad_date".into())));
        // Blank minutes is 0: validation's "between 1 and 1440", not a parse error.
        let mut e = contact_form_entry(new_contact_input());
        e.minutes = "  ".into();
        assert_eq!(contact_input(e, Locale::En).unwrap().minutes, 0);
    }

    #[test]
    fn texts_are_trimmed_and_blank_is_none() {
        let mut e = contact_form_entry(new_contact_input());
        e.minutes = " 45 ".into();
        e.private_ref = Some("  KN ".into());
        e.private_note = Some("   ".into());
        e.municipality = Some(" Bergen ".into());
        e.date = " 2026-01-02 ".into();
        let input = contact_input(e, Locale::En).unwrap();
        assert_eq!(input.minutes, 45);
        assert_eq!(input.private_ref.as_deref(), Some("KN"));
        assert_eq!(input.private_note, None);
        assert_eq!(input.municipality.as_deref(), Some("Bergen"));
        assert_eq!(input.date, "2026-01-02");
    }

    /// Editing a one-to-one contact logged with more participants (e.g. with the CLI) must
    /// not rewrite the count to 1, and fields the form does not show are kept.
    #[test]
    fn hidden_fields_keep_the_contacts_values() {
        let mut base = ContactInput::new("2026-02-01", ContactKind::Visit, 30);
        base.participants = 3;
        base.municipality = Some("Tromsø".into());
        base.topics = vec!["grief".into()];
        base.travel_km = Some(14);
        base.start_time = Some("09:30".into());
        base.private_ref = Some("AB".into());
        let input = contact_input(contact_form_entry(base.clone()), Locale::En).unwrap();
        assert_eq!(input, base);
        // Switching a group to a one-to-one kind does not carry the group's count over.
        let mut group = ContactInput::new("2026-02-01", ContactKind::SelfHelpGroup, 90);
        group.participants = 8;
        group.led_by_peer = false;
        let mut e = contact_form_entry(group);
        e.kind = ContactKind::Phone;
        let input = contact_input(e, Locale::En).unwrap();
        assert_eq!(input.participants, 1);
        assert!(
            !input.led_by_peer,
            "kept from the base when not on the form"
        );
        // A place is sent only for kinds that record one.
        let mut e = contact_form_entry(ContactInput::new("2026-02-01", ContactKind::Visit, 30));
        e.place = Some(Place::Hospital);
        e.kind = ContactKind::Phone;
        assert_eq!(contact_input(e, Locale::En).unwrap().place, None);
    }

    #[test]
    fn repeat_last_keeps_every_field_through_the_form() {
        // What the core's repeat-last hands over, through the form untouched.
        let mut last = ContactInput::new("2026-02-01", ContactKind::Visit, 30);
        last.private_ref = Some("KN".into());
        last.municipality = Some("Oslo".into());
        last.topics = vec!["work".into()];
        last.travel_km = Some(7);
        last.led_by_peer = false;
        let input = contact_input(contact_form_entry(last.clone()), Locale::En).unwrap();
        assert_eq!(input.private_ref.as_deref(), Some("KN"));
        assert_eq!(input.municipality.as_deref(), Some("Oslo"));
        assert_eq!(input.topics, ["work"]);
        assert_eq!(input.travel_km, Some(7));
        assert_eq!(input, last);
        let _ = Contact::to_input; // the edit form's base
    }

    #[test]
    fn the_expense_form_follows_the_kind_and_keeps_linked_contacts() {
        assert!(expense_form(ExpenseKind::Travel).shows_km);
        assert!(!expense_form(ExpenseKind::Travel).shows_amount);
        assert!(expense_form(ExpenseKind::Ticket).shows_amount);
        let new = new_expense_input();
        assert_eq!(
            (new.kind, new.date.clone()),
            (ExpenseKind::Travel, today().to_string())
        );
        let mut base = new.clone();
        base.contact_ids = vec!["c1".into(), "c2".into()];
        let e = ExpenseFormEntry {
            base,
            kind: ExpenseKind::Ticket,
            date: " 2026-01-05 ".into(),
            km: "99".into(),
            amount: "149,50".into(),
            description: "  ".into(),
            contact_ids: None,
            receipt: None,
        };
        let input = expense_input(e.clone(), "NOK", Locale::Nb).unwrap();
        assert_eq!(
            input.contact_ids,
            ["c1", "c2"],
            "the form without contacts keeps them"
        );
        assert_eq!((input.km, input.amount_minor), (None, Some(14950)));
        assert_eq!(input.description, None);
        assert_eq!(input.date, "2026-01-05");
        let bad = ExpenseFormEntry {
            amount: "lots".into(),
            ..e.clone()
        };
        assert_eq!(
            fields(expense_input(bad, "NOK", Locale::Nb).unwrap_err()),
            [("amount_minor".to_string(), "bad_amount".to_string())]
        );
        let travel = ExpenseFormEntry {
            kind: ExpenseKind::Travel,
            km: "1O".into(),
            ..e
        };
        assert_eq!(
            fields(expense_input(travel, "NOK", Locale::Nb).unwrap_err()),
            [("km".to_string(), "not_a_number".to_string())]
        );
    }

    #[test]
    fn only_a_draft_can_be_edited_submitted_or_deleted() {
        let all = |a: ExpenseActions| [a.can_edit, a.can_submit, a.can_delete];
        assert_eq!(all(expense_actions(ExpenseStatus::Draft)), [true; 3]);
        for s in [
            ExpenseStatus::Submitted,
            ExpenseStatus::Approved,
            ExpenseStatus::Rejected,
        ] {
            assert_eq!(all(expense_actions(s)), [false; 3], "{s:?}");
        }
    }

    #[test]
    fn the_app_language_is_the_first_one_peerlog_speaks() {
        let l = |tags: &[&str]| app_locale(tags.iter().map(|t| t.to_string()).collect());
        assert_eq!(l(&["nb-NO"]), Locale::Nb);
        assert_eq!(l(&["no"]), Locale::Nb);
        assert_eq!(l(&["nn_NO"]), Locale::Nb);
        assert_eq!(l(&["da-DK", "en"]), Locale::Da);
        assert_eq!(l(&["de-DE", "da"]), Locale::Da);
        assert_eq!(l(&["en-GB", "nb"]), Locale::En);
        assert_eq!(l(&["sv-SE", "de"]), Locale::En);
        assert_eq!(l(&[]), Locale::En);
    }
}
