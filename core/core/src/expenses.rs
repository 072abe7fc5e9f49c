//! The peer's expenses: drafts (travel as km × the organisation's rate), submitting them
//! to the coordinator, and the coordinator's decision when one arrives.

use crate::certs::{self, ExpenseDecision};
use crate::error::{CoreError, Result};
use crate::i18n::{Invalid, Msg};
use crate::model::limits::{
    MAX_AMOUNT_MINOR, MAX_EXPENSE_CONTACTS, MAX_EXPENSE_DESCRIPTION, MAX_KM, MAX_RECEIPT_BYTES,
};
use crate::model::{
    Checker, Expense, ExpenseInput, ExpenseKind, ExpensePayload, ExpenseStatus, Receipt,
    receipt_type_ok,
};
use crate::profile::Profile;
use crate::session::{Audience, Session};
use crate::store::{self, Store};
use crate::util::{now_rfc3339, today};
use chrono::NaiveDate;
use peerlog_protocol::{Collection, Envelope};
use rusqlite::Connection;

/// A stored expense: its current version, whether it still waits for sync, and contents.
#[derive(Debug)]
struct Stored {
    envelope: Envelope,
    version: u64,
    pending: bool,
    payload: ExpensePayload,
}

/// Validates an input and builds the draft it describes. `old` is the draft being
/// changed, if any: its creation time, currency and receipt carry over. `is_live_contact`
/// answers whether a linked contact exists.
fn draft(
    input: ExpenseInput,
    profile: &Profile,
    old: Option<ExpensePayload>,
    today: NaiveDate,
    mut is_live_contact: impl FnMut(&str) -> Result<bool>,
) -> Result<ExpensePayload> {
    let mut c = Checker::new(profile.locale);
    let date = c.date("date", &input.date, today);
    let (rate, amount) = if input.kind.uses_km() {
        if input.amount_minor.is_some() {
            c.fail("amount_minor", Invalid::AmountForTravel);
        }
        match input.km {
            None | Some(0) => {
                c.fail("km", Invalid::KmRequired);
                (None, 0)
            }
            Some(km) if km > MAX_KM => {
                c.fail("km", Invalid::KmRange(MAX_KM));
                (None, 0)
            }
            Some(km) => (
                Some(profile.mileage_rate_minor_per_km),
                u64::from(km) * profile.mileage_rate_minor_per_km,
            ),
        }
    } else {
        if input.km.is_some() {
            c.fail("km", Invalid::PlaceNotApplicable);
        }
        match input.amount_minor {
            Some(a) if a > 0 && a <= MAX_AMOUNT_MINOR => (None, a),
            _ => {
                c.fail("amount_minor", Invalid::AmountRange);
                (None, 0)
            }
        }
    };
    let description = c.text(
        "description",
        input.description.as_deref(),
        MAX_EXPENSE_DESCRIPTION,
        true,
    );
    let mut contact_ids = Vec::new();
    if input.contact_ids.len() > MAX_EXPENSE_CONTACTS {
        c.fail("contact_ids", Invalid::TooMany(MAX_EXPENSE_CONTACTS));
    } else {
        for id in &input.contact_ids {
            if !is_live_contact(id)? {
                c.fail("contact_ids", Invalid::UnknownContact);
            } else if !contact_ids.contains(id) {
                contact_ids.push(id.clone());
            }
        }
    }
    if let Some(r) = &input.receipt {
        if r.data.len() > MAX_RECEIPT_BYTES {
            c.fail("receipt", Invalid::ReceiptTooLarge(MAX_RECEIPT_BYTES));
        } else if !receipt_type_ok(r) {
            c.fail("receipt", Invalid::ReceiptType);
        }
    }
    c.finish()?;
    let date = date.ok_or_else(|| CoreError::corrupt("validated date missing"))?;
    let now = now_rfc3339();
    let (created_at, currency, old_receipt) = match old {
        Some(o) => (o.created_at, o.currency, o.receipt),
        None => (now.clone(), profile.currency.clone(), None),
    };
    Ok(ExpensePayload {
        schema: 1,
        date,
        kind: input.kind,
        km: input.km.filter(|_| input.kind == ExpenseKind::Travel),
        rate_minor_per_km: rate,
        amount_minor: amount,
        currency,
        description,
        contact_ids,
        receipt: input.receipt.or(old_receipt),
        status: ExpenseStatus::Draft,
        submitted_at: None,
        created_at,
        updated_at: now,
    })
}

fn view(id: &str, version: u64, pending: bool, p: &ExpensePayload) -> Expense {
    Expense {
        id: id.to_string(),
        version,
        date: p.date.to_string(),
        kind: p.kind,
        km: p.km,
        rate_minor_per_km: p.rate_minor_per_km,
        amount_minor: p.amount_minor,
        currency: p.currency.clone(),
        description: p.description.clone(),
        contact_ids: p.contact_ids.clone(),
        has_receipt: p.receipt.is_some(),
        status: p.status,
        submitted_at: p.submitted_at.clone(),
        pending_sync: pending,
        decision_reason: None,
    }
}

fn load(conn: &Connection, s: &Session, id: &str) -> Result<Stored> {
    let (rec, payload) = s
        .open_live::<ExpensePayload>(conn, Collection::Expenses, id)?
        .ok_or(CoreError::NotFound { what: "expense" })?;
    Ok(Stored {
        version: rec.envelope.meta.version,
        envelope: rec.envelope,
        pending: rec.pending,
        payload,
    })
}

/// Loads an expense that the peer may still change: only a draft.
fn load_draft(conn: &Connection, s: &Session, id: &str) -> Result<ExpensePayload> {
    let e = load(conn, s, id)?;
    if e.payload.status != ExpenseStatus::Draft {
        return Err(CoreError::NotAllowed(Msg::ExpenseNotDraft));
    }
    Ok(e.payload)
}

fn save(st: &mut Store, s: &mut Session, id: &str, p: &ExpensePayload) -> Result<Expense> {
    let env = st.tx(|tx| {
        let env = s.write(
            tx,
            Collection::Expenses,
            id,
            Some(p),
            Audience::PeerAndChapter,
        )?;
        store::put_expense_row(tx, id, &p.date.to_string(), p.status.as_str(), false)?;
        Ok(env)
    })?;
    Ok(view(id, env.meta.version, true, p))
}

/// The coordinator's decision on the expense as it is now (`expense`, its current
/// envelope), if one arrived: (approved, reason). A decision on another version, or on
/// different bytes, is void: the expense awaits a new one.
fn decision_of(
    conn: &Connection,
    s: &Session,
    expense: &Envelope,
) -> Result<Option<(bool, Option<String>)>> {
    let Some((decision_id, _)) = store::sync::decision(conn, &expense.meta.id)? else {
        return Ok(None);
    };
    let Some(chapter) = s.chapter_signing_key.as_ref() else {
        return Ok(None);
    };
    let Some((rec, v)) =
        s.open_live::<serde_json::Value>(conn, Collection::Expenses, &decision_id)?
    else {
        return Ok(None);
    };
    // A decision of an older format (stored before the upgrade) is not counted.
    let Ok(d) = serde_json::from_value::<ExpenseDecision>(v) else {
        return Ok(None);
    };
    let counts = d.is_from_chapter(&rec.envelope.meta.author_device, chapter)
        && d.decides(expense, &s.profile.peer_id);
    Ok(counts.then_some((d.approved, d.reason)))
}

/// Records a new draft expense.
pub(crate) fn add(st: &mut Store, s: &mut Session, input: ExpenseInput) -> Result<Expense> {
    let conn = st.conn();
    let p = draft(input, &s.profile, None, today(), |id| {
        store::contact_is_live(conn, id)
    })?;
    save(st, s, &uuid::Uuid::now_v7().to_string(), &p)
}

/// Changes a draft. A receipt of `None` keeps the current one.
pub(crate) fn update(
    st: &mut Store,
    s: &mut Session,
    id: &str,
    input: ExpenseInput,
) -> Result<Expense> {
    let old = load_draft(st.conn(), s, id)?;
    let conn = st.conn();
    let p = draft(input, &s.profile, Some(old), today(), |c| {
        store::contact_is_live(conn, c)
    })?;
    save(st, s, id, &p)
}

/// Submits a draft to the coordinator (it travels with the next sync).
pub(crate) fn submit(st: &mut Store, s: &mut Session, id: &str) -> Result<Expense> {
    let mut p = load_draft(st.conn(), s, id)?;
    let now = now_rfc3339();
    p.status = ExpenseStatus::Submitted;
    p.submitted_at = Some(now.clone());
    p.updated_at = now;
    save(st, s, id, &p)
}

/// Deletes a draft.
pub(crate) fn delete(st: &mut Store, s: &mut Session, id: &str) -> Result<()> {
    let p = load_draft(st.conn(), s, id)?;
    st.tx(|tx| {
        s.write::<()>(tx, Collection::Expenses, id, None, Audience::PeerAndChapter)?;
        store::put_expense_row(tx, id, &p.date.to_string(), p.status.as_str(), true)
    })
}

/// All expenses, newest first, with the coordinator's decisions.
pub(crate) fn list(conn: &Connection, s: &Session) -> Result<Vec<Expense>> {
    store::expense_ids(conn)?
        .iter()
        .map(|id| {
            let e = load(conn, s, id)?;
            let mut v = view(id, e.version, e.pending, &e.payload);
            let decision = decision_of(conn, s, &e.envelope)?;
            v.status = certs::shown_status(e.payload.status, decision.as_ref().map(|d| d.0));
            v.decision_reason = decision.and_then(|d| d.1);
            Ok(v)
        })
        .collect()
}

/// The receipt of an expense, if it has one.
pub(crate) fn receipt(conn: &Connection, s: &Session, id: &str) -> Result<Option<Receipt>> {
    Ok(load(conn, s, id)?.payload.receipt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::ENROLLED_RULE_SET;
    use peerlog_rules::Locale;

    fn profile() -> Profile {
        Profile::new(
            "p".into(),
            "Kari".into(),
            ENROLLED_RULE_SET.into(),
            Locale::En,
        )
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn input(kind: ExpenseKind) -> ExpenseInput {
        ExpenseInput {
            date: "2026-03-02".into(),
            kind,
            km: None,
            amount_minor: None,
            description: None,
            contact_ids: Vec::new(),
            receipt: None,
        }
    }

    fn fields(e: CoreError) -> Vec<String> {
        match e {
            CoreError::Invalid(f) => f.into_iter().map(|f| f.field).collect(),
            e => panic!("not a validation error: {e}"),
        }
    }

    const TODAY: &str = "2026-06-01";
    fn known(_: &str) -> Result<bool> {
        Ok(true)
    }

    #[test]
    fn travel_is_km_times_the_profile_rate() {
        let p = draft(
            ExpenseInput {
                km: Some(42),
                ..input(ExpenseKind::Travel)
            },
            &profile(),
            None,
            day(TODAY),
            known,
        )
        .unwrap();
        assert_eq!(p.amount_minor, 42 * 350);
        assert_eq!(p.rate_minor_per_km, Some(350));
        assert_eq!(
            (p.currency.as_str(), p.status),
            ("NOK", ExpenseStatus::Draft)
        );
    }

    #[test]
    fn every_wrong_field_is_named_at_once() {
        let bad = ExpenseInput {
            date: "2099-01-01".into(),
            km: Some(5),
            amount_minor: Some(0),
            ..input(ExpenseKind::Phone)
        };
        assert_eq!(
            fields(draft(bad, &profile(), None, day(TODAY), known).unwrap_err()),
            ["date", "km", "amount_minor"]
        );
        let travel = ExpenseInput {
            amount_minor: Some(100),
            ..input(ExpenseKind::Travel)
        };
        assert_eq!(
            fields(draft(travel, &profile(), None, day(TODAY), known).unwrap_err()),
            ["amount_minor", "km"]
        );
        let far = ExpenseInput {
            km: Some(MAX_KM + 1),
            ..input(ExpenseKind::Travel)
        };
        assert_eq!(
            fields(draft(far, &profile(), None, day(TODAY), known).unwrap_err()),
            ["km"]
        );
    }

    #[test]
    fn linked_contacts_must_exist_and_are_kept_once() {
        let linked = ExpenseInput {
            amount_minor: Some(100),
            contact_ids: vec!["a".into(), "a".into(), "b".into()],
            ..input(ExpenseKind::Ticket)
        };
        let p = draft(linked.clone(), &profile(), None, day(TODAY), known).unwrap();
        assert_eq!(p.contact_ids, ["a", "b"]);
        let only_a = |id: &str| Ok(id == "a");
        assert_eq!(
            fields(draft(linked, &profile(), None, day(TODAY), only_a).unwrap_err()),
            ["contact_ids"]
        );
    }

    #[test]
    fn receipts_must_be_what_they_claim_and_carry_over_on_edit() {
        let pdf = Receipt {
            mime_type: "application/pdf".into(),
            data: b"%PDF-1.7 ...".to_vec(),
        };
        let lying = Receipt {
            mime_type: "image/png".into(),
            data: b"%PDF-1.7".to_vec(),
        };
        let with = |r| ExpenseInput {
            amount_minor: Some(100),
            receipt: Some(r),
            ..input(ExpenseKind::Other)
        };
        assert_eq!(
            fields(draft(with(lying), &profile(), None, day(TODAY), known).unwrap_err()),
            ["receipt"]
        );
        let first = draft(with(pdf.clone()), &profile(), None, day(TODAY), known).unwrap();
        let edited = draft(
            ExpenseInput {
                amount_minor: Some(200),
                ..input(ExpenseKind::Other)
            },
            &profile(),
            Some(first.clone()),
            day(TODAY),
            known,
        )
        .unwrap();
        assert_eq!(edited.receipt, Some(pdf));
        assert_eq!(edited.created_at, first.created_at);
        assert_eq!(edited.amount_minor, 200);
    }
}
