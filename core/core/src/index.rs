//! The clear index: what listing and reporting need of each record, derived from the
//! record's verified contents (ADR 0001). Written with every local change, and re-derived
//! here for records that arrive from sync or a backup.

use crate::certs::{self, CertRecord, ExpenseDecision};
use crate::declaration::{self, SignedDeclaration};
use crate::error::Result;
use crate::model::{ContactPayload, ExpensePayload};
use crate::report::SignedReport;
use crate::session::{Arrived, Session};
use crate::store::{self, IndexedContact};
use crate::{chapter_settings, training};
use peerlog_protocol::Collection;
use peerlog_rules::{RuleSet, SummaryEntry};
use rusqlite::Connection;

/// The index row of a contact.
pub fn contact_row(id: &str, p: &ContactPayload) -> IndexedContact {
    IndexedContact {
        id: id.to_string(),
        date: p.date,
        facts: p.facts(),
    }
}

/// Evaluates indexed contacts with `rules`: the one place summaries, signed reports and
/// the coordinator's chapter report get their decisions from.
pub fn evaluate(rules: &RuleSet, rows: &[IndexedContact]) -> Vec<SummaryEntry> {
    rows.iter()
        .map(|r| evaluate_one(rules, r.clone()))
        .collect()
}

/// [`evaluate`] of one row, taking it (its id moves into the entry instead of being copied).
pub fn evaluate_one(rules: &RuleSet, r: IndexedContact) -> SummaryEntry {
    SummaryEntry {
        evaluation: rules.evaluate(&r.facts),
        id: r.id,
        date: r.date,
        kind: r.facts.kind,
    }
}

/// Re-derives the clear index of one verified record from its contents.
pub(crate) fn reindex<'a>(
    conn: &Connection,
    s: &Session,
    verified: impl Into<Arrived<'a>>,
) -> Result<()> {
    let verified = verified.into();
    let env = verified.envelope();
    let id = env.meta.id.as_str();
    match env.meta.collection {
        Collection::Contacts if env.meta.deleted => store::mark_contact_deleted(conn, id),
        Collection::Contacts => {
            let p: ContactPayload = s.open_verified(verified)?;
            store::put_contact_row(conn, &contact_row(id, &p), false)
        }
        Collection::Declarations if !env.meta.deleted => {
            let d: SignedDeclaration = s.open_verified(verified)?;
            declaration::verify(&d)?;
            store::put_declaration_row(
                conn,
                id,
                &d.doc.declaration_id,
                d.doc.declaration_version,
                &d.doc.signed_at,
            )
        }
        Collection::Expenses if env.meta.deleted => store::mark_expense_deleted(conn, id),
        Collection::Expenses => {
            let v: serde_json::Value = s.open_verified(verified)?;
            if certs::payload_type(&v) == Some(certs::ENROLMENT_RECORD_TYPE) {
                // The chapter's certificate of this device: kept only if it is signed by the
                // chapter this device trusts and names exactly this device and account.
                let (Ok(r), Some(chapter)) = (
                    serde_json::from_value::<certs::EnrolmentRecord>(v),
                    s.chapter_keys(),
                ) else {
                    return Ok(());
                };
                return certs::keep_enrolment(
                    conn,
                    &r.enrolment,
                    &chapter,
                    &s.profile.peer_id,
                    &s.keys.device.public_key(),
                );
            }
            if certs::payload_type(&v) == Some(chapter_settings::SETTINGS_TYPE) {
                let (author, version) = (&env.meta.author_device, env.meta.version);
                return chapter_settings::reindex(conn, s, author, version, v);
            }
            if certs::payload_type(&v) == Some(training::TRAINING_TYPE) {
                let (author, version) = (&env.meta.author_device, env.meta.version);
                return training::reindex(conn, s, id, author, version, v);
            }
            if certs::payload_type(&v).is_some_and(|t| t.starts_with(certs::DECISION_TYPE_PREFIX)) {
                // Older decision formats are not counted; neither is anything that does
                // not parse as the current one.
                let Ok(d) = serde_json::from_value::<ExpenseDecision>(v) else {
                    return Ok(());
                };
                // Only a device the chapter certified may decide on an expense; anything
                // else (or a home not enrolled, e.g. restored from a file) is ignored.
                // Whether it decides the expense as it is now is checked on reading.
                let certified = s.chapter_signing_key.as_ref().is_some_and(|chapter| {
                    d.is_from_chapter(&env.meta.author_device, chapter)
                        && d.account_id == s.profile.peer_id
                });
                if !certified {
                    return Ok(());
                }
                return store::sync::put_decision(
                    conn,
                    &d.expense_id,
                    id,
                    d.approved,
                    env.meta.version,
                );
            }
            let e: ExpensePayload = serde_json::from_value(v)?;
            store::put_expense_row(conn, id, &e.date.to_string(), e.status.as_str(), false)
        }
        Collection::Reports if !env.meta.deleted => {
            let v: serde_json::Value = s.open_verified(verified)?;
            if certs::payload_type(&v) == Some(crate::theme_counts::THEME_COUNTS_TYPE) {
                // Theme counts for the chapter: nothing to index (read when sent again).
                return Ok(());
            }
            let r: SignedReport = serde_json::from_value(v)?;
            store::put_report_row(
                conn,
                id,
                &format!("{}..{}", r.report.from, r.report.to),
                &r.report.signed_at,
            )
        }
        Collection::Notes if !env.meta.deleted => {
            // A device certificate of one of the peer's devices (others are private notes).
            let v: serde_json::Value = s.open_verified(verified)?;
            if certs::payload_type(&v) == Some(certs::CERT_RECORD_TYPE) {
                let c: CertRecord = serde_json::from_value(v)?;
                let account = certs::account_key(&s.keys.peer)?;
                c.cert
                    .verify(certs::ISSUER_ACCOUNT, &account.public_key())?;
                store::put_device(
                    conn,
                    &c.cert.device_key.device_id(),
                    c.cert.device_key.as_bytes(),
                    &c.cert.issued_at,
                    store::CertifiedBy::Account,
                )?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certs::DeviceCert;
    use crate::home::Home;
    use crate::model::{ContactInput, ExpenseInput, ExpenseKind, ExpenseStatus};
    use crate::{contacts, declarations, expenses, session, testing};
    use chrono::NaiveDate;
    use peerlog_crypto::DeviceSigningKey;
    use peerlog_protocol::RecordMeta;
    use peerlog_rules::ContactKind;

    const G: &str = "0193a000-0000-7000-8000-00000000000a";
    const V: &str = "0193a000-0000-7000-8000-00000000000b";
    const GONE: &str = "0193a000-0000-7000-8000-00000000000c";

    fn all_rows(h: &Home) -> Vec<IndexedContact> {
        let day = |y| NaiveDate::from_ymd_opt(y, 1, 1).unwrap();
        store::contact_rows(h.store.conn(), day(2000), day(2100), |r| r).unwrap()
    }

    fn reindex_all(h: &Home) {
        let conn = h.store.conn();
        for rec in store::all_records(conn, None).unwrap() {
            let verified = session::verify(conn, &rec.envelope).unwrap();
            reindex(conn, h.session().unwrap(), verified).unwrap();
        }
    }

    #[test]
    fn the_index_is_rebuilt_from_the_records_alone() {
        let dir = tempfile::tempdir().unwrap();
        let (mut h, _) = testing::device(dir.path());
        let (st, s) = h.parts().unwrap();
        let group = ContactInput {
            participants: 4,
            ..ContactInput::new("2026-03-05", ContactKind::SelfHelpGroup, 90)
        };
        contacts::write(st, s, G, &group, None).unwrap();
        let visit = ContactInput::new("2026-03-02", ContactKind::Visit, 60);
        contacts::write(st, s, V, &visit, None).unwrap();
        contacts::write(st, s, GONE, &visit, None).unwrap();
        contacts::delete(st, s, GONE).unwrap();
        let before = all_rows(&h);
        assert_eq!(
            before.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            [V, G]
        );
        assert_eq!(before[1].facts.participants, 4);

        h.store
            .conn()
            .execute_batch("DELETE FROM contact_index; DELETE FROM declaration_index;")
            .unwrap();
        assert!(all_rows(&h).is_empty());
        reindex_all(&h);
        assert_eq!(all_rows(&h), before);
        let status = declarations::status(h.store.conn(), h.session().unwrap()).unwrap();
        assert!(status.signed, "the declaration signature is indexed again");
    }

    /// A decision approving expense `e` as it is stored now, written by `author` with a
    /// certificate issued by `issuer` as if it were the chapter signing key, as record `id`
    /// of `version`, of payload type `kind`.
    fn decision(
        h: &Home,
        (id, version, kind): (&str, u64, &str),
        e: &str,
        author: &DeviceSigningKey,
        issuer: &DeviceSigningKey,
    ) {
        let s = h.session().unwrap();
        let expense = store::get_record(h.store.conn(), Collection::Expenses, e)
            .unwrap()
            .unwrap()
            .envelope;
        let cert = DeviceCert::issue(
            &s.profile.peer_id,
            author.public_key(),
            certs::ISSUER_CHAPTER,
            issuer,
            "2026-03-01T00:00:00Z".into(),
        )
        .unwrap();
        let d = ExpenseDecision {
            kind: kind.into(),
            expense_id: e.into(),
            expense_version: expense.meta.version,
            expense_sha256: certs::expense_hash(&expense).unwrap(),
            account_id: s.profile.peer_id.clone(),
            approved: true,
            reason: None,
            decided_at: "2026-03-01T00:00:00Z".into(),
            cert,
        };
        let meta = RecordMeta {
            id: id.into(),
            collection: Collection::Expenses,
            version,
            author_device: author.device_id(),
            deleted: false,
        };
        let plaintext = peerlog_protocol::canonical::to_canonical_vec(&d).unwrap();
        let env = peerlog_crypto::envelope::seal_record(
            &meta,
            &plaintext,
            std::slice::from_ref(&s.keys.peer_public),
            author,
        )
        .unwrap();
        let conn = h.store.conn();
        // As if the author's key had been learned: only the certificate decides.
        store::put_device(
            conn,
            &author.device_id(),
            author.public_key().as_bytes(),
            "x",
            store::CertifiedBy::Chapter,
        )
        .unwrap();
        store::put_record(conn, &env, false).unwrap();
        reindex(conn, s, session::verify(conn, &env).unwrap()).unwrap();
    }

    /// A device that knows its chapter's signing key (returned) and has submitted one
    /// expense (its id).
    fn with_submitted_expense(dir: &std::path::Path) -> (Home, DeviceSigningKey, String) {
        let (mut h, _) = testing::device(dir);
        let chapter = DeviceSigningKey::generate().unwrap();
        let (st, s) = h.parts().unwrap();
        s.chapter_signing_key = Some(chapter.public_key());
        let input = ExpenseInput {
            date: "2026-03-02".into(),
            kind: ExpenseKind::Ticket,
            km: None,
            amount_minor: Some(12_000),
            description: None,
            contact_ids: Vec::new(),
            receipt: None,
        };
        let e = expenses::add(st, s, input).unwrap().id;
        expenses::submit(st, s, &e).unwrap();
        (h, chapter, e)
    }

    const FORGED: &str = "0193a000-0000-7000-8000-0000000000f0";
    const REAL: &str = "0193a000-0000-7000-8000-0000000000f1";
    const OLD_FORMAT: &str = "0193a000-0000-7000-8000-0000000000f2";

    #[test]
    fn only_a_decision_certified_by_the_chapter_is_indexed() {
        let dir = tempfile::tempdir().unwrap();
        let (h, chapter, e) = with_submitted_expense(dir.path());

        let status =
            |h: &Home| expenses::list(h.store.conn(), h.session().unwrap()).unwrap()[0].status;
        let forger = DeviceSigningKey::generate().unwrap();
        decision(&h, (FORGED, 1, certs::DECISION_TYPE), &e, &forger, &forger);
        assert_eq!(store::sync::decision(h.store.conn(), &e).unwrap(), None);

        let coordinator = DeviceSigningKey::generate().unwrap();
        // The chapter's certificate, but the previous payload type: not counted.
        decision(
            &h,
            (OLD_FORMAT, 1, "peerlog-expense-decision/1"),
            &e,
            &coordinator,
            &chapter,
        );
        assert_eq!(store::sync::decision(h.store.conn(), &e).unwrap(), None);

        decision(
            &h,
            (REAL, 2, certs::DECISION_TYPE),
            &e,
            &coordinator,
            &chapter,
        );
        assert_eq!(
            store::sync::decision(h.store.conn(), &e).unwrap(),
            Some((REAL.to_string(), true))
        );
        assert_eq!(status(&h), ExpenseStatus::Approved);
    }

    #[test]
    fn a_new_version_of_the_expense_voids_its_decision() {
        let dir = tempfile::tempdir().unwrap();
        let (mut h, chapter, e) = with_submitted_expense(dir.path());
        let coordinator = DeviceSigningKey::generate().unwrap();
        decision(
            &h,
            (REAL, 1, certs::DECISION_TYPE),
            &e,
            &coordinator,
            &chapter,
        );
        let list = |h: &Home| expenses::list(h.store.conn(), h.session().unwrap()).unwrap();
        assert_eq!(list(&h)[0].status, ExpenseStatus::Approved);

        // Other bytes under the same version (a re-sealed copy): void.
        let conn = h.store.conn();
        let s = h.session().unwrap();
        let stored = store::get_record(conn, Collection::Expenses, &e)
            .unwrap()
            .unwrap();
        let plaintext = peerlog_crypto::envelope::open_record(
            &stored.envelope,
            &s.keys.peer,
            &s.keys.device.public_key(),
        )
        .unwrap();
        let resealed = peerlog_crypto::envelope::seal_record(
            &stored.envelope.meta,
            &plaintext,
            std::slice::from_ref(&s.keys.peer_public),
            &s.keys.device,
        )
        .unwrap();
        conn.execute(
            "UPDATE records SET envelope = ?1 WHERE collection = 'expenses' AND id = ?2",
            rusqlite::params![resealed.to_json_bytes().unwrap(), e],
        )
        .unwrap();
        assert_eq!(list(&h)[0].status, ExpenseStatus::Submitted);
        store::put_record(conn, &stored.envelope, false).unwrap();
        assert_eq!(list(&h)[0].status, ExpenseStatus::Approved);

        // A newer version, even one the peer's app wrote as "approved": awaiting a new
        // decision.
        let mut p: crate::model::ExpensePayload = serde_json::from_slice(&plaintext).unwrap();
        p.amount_minor *= 10;
        p.status = ExpenseStatus::Approved;
        let (st, s) = h.parts().unwrap();
        st.tx(|tx| {
            s.write(
                tx,
                Collection::Expenses,
                &e,
                Some(&p),
                crate::session::Audience::PeerAndChapter,
            )
        })
        .unwrap();
        let now = list(&h);
        assert_eq!(now[0].amount_minor, 120_000);
        assert_eq!(now[0].status, ExpenseStatus::Submitted);
    }

    #[test]
    fn a_version_1_decision_stored_before_the_upgrade_is_not_counted() {
        let dir = tempfile::tempdir().unwrap();
        let (h, chapter, e) = with_submitted_expense(dir.path());
        let s = h.session().unwrap();
        let conn = h.store.conn();
        let coordinator = DeviceSigningKey::generate().unwrap();
        let cert = DeviceCert::issue(
            &s.profile.peer_id,
            coordinator.public_key(),
            certs::ISSUER_CHAPTER,
            &chapter,
            "2026-03-01T00:00:00Z".into(),
        )
        .unwrap();
        let v1 = serde_json::json!({
            "type": "peerlog-expense-decision/1",
            "expense_id": e,
            "account_id": s.profile.peer_id,
            "approved": true,
            "reason": null,
            "decided_at": "2026-03-01T00:00:00Z",
            "cert": cert,
        });
        let meta = RecordMeta {
            id: REAL.into(),
            collection: Collection::Expenses,
            version: 1,
            author_device: coordinator.device_id(),
            deleted: false,
        };
        let env = peerlog_crypto::envelope::seal_record(
            &meta,
            &peerlog_protocol::canonical::to_canonical_vec(&v1).unwrap(),
            std::slice::from_ref(&s.keys.peer_public),
            &coordinator,
        )
        .unwrap();
        let key = coordinator.public_key();
        store::put_device(
            conn,
            &coordinator.device_id(),
            key.as_bytes(),
            "x",
            store::CertifiedBy::Chapter,
        )
        .unwrap();
        store::put_record(conn, &env, false).unwrap();
        // Arriving now: ignored, not an error.
        reindex(conn, s, session::verify(conn, &env).unwrap()).unwrap();
        assert_eq!(store::sync::decision(conn, &e).unwrap(), None);
        // Indexed by an older version of the app: listing still works, as submitted.
        store::sync::put_decision(conn, &e, REAL, true, 1).unwrap();
        let list = expenses::list(conn, s).unwrap();
        assert_eq!(list[0].status, ExpenseStatus::Submitted);
    }
}
