//! The clear index: what listing and reporting need of each record, derived from the
//! record's verified contents (ADR 0001). Written with every local change, and re-derived
//! here for records that arrive from sync or a backup.

use crate::certs::{self, CertRecord, ExpenseDecision};
use crate::declaration::{self, SignedDeclaration};
use crate::error::Result;
use crate::model::{ContactPayload, ExpensePayload};
use crate::report::SignedReport;
use crate::session::Session;
use crate::store::{self, IndexedContact};
use peerlog_crypto::envelope::Verified;
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
        .map(|r| SummaryEntry {
            id: r.id.clone(),
            date: r.date,
            kind: r.facts.kind,
            evaluation: rules.evaluate(&r.facts),
        })
        .collect()
}

/// The `type` field of a JSON payload that carries one (certificates, decisions).
fn payload_type(v: &serde_json::Value) -> Option<&str> {
    v.get("type").and_then(|t| t.as_str())
}

/// Re-derives the clear index of one verified record from its contents.
pub(crate) fn reindex(conn: &Connection, s: &Session, verified: Verified<'_>) -> Result<()> {
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
            if payload_type(&v) == Some(certs::DECISION_TYPE) {
                let d: ExpenseDecision = serde_json::from_value(v)?;
                // Only a device the chapter certified may decide on an expense; anything
                // else (or a home not enrolled, e.g. restored from a file) is ignored.
                let certified = s.chapter_signing_key.as_ref().is_some_and(|chapter| {
                    d.cert.device_key.device_id() == env.meta.author_device
                        && d.cert.verify(certs::ISSUER_CHAPTER, chapter).is_ok()
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
            let r: SignedReport = s.open_verified(verified)?;
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
            if payload_type(&v) == Some(certs::CERT_RECORD_TYPE) {
                let c: CertRecord = serde_json::from_value(v)?;
                let account = certs::account_key(&s.keys.peer)?;
                c.cert
                    .verify(certs::ISSUER_ACCOUNT, &account.public_key())?;
                store::put_device(
                    conn,
                    &c.cert.device_key.device_id(),
                    c.cert.device_key.as_bytes(),
                    &c.cert.issued_at,
                )?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}
