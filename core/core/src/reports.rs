//! The peer's signed period report: made from the summary of the period, signed with the
//! device key and kept as a record. The document format is `report`.

use crate::certs;
use crate::declarations;
use crate::error::Result;
use crate::report::{
    self, CategoryTotals, CountedEntry, DeclarationRef, FORMAT, NotCountedEntry, ReportDoc,
    ReportVerification, sign, verify,
};
use crate::session::{Audience, Session};
use crate::store::{self, Store};
use crate::summary::summarise;
use crate::util::now_rfc3339;
use chrono::NaiveDate;
use peerlog_protocol::Collection;

/// A signed report, ready to save or share.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SignedReportFile {
    pub report_id: String,
    /// Suggested file name, e.g. `peerlog-report-2026.json`.
    pub file_name: String,
    /// The file's contents (JSON).
    pub contents: String,
    /// Suggested name of the printable copy, e.g. `peerlog-report-2026.html`.
    pub html_file_name: String,
    /// The printable copy (HTML, A4, in the peer's language) with the signed report
    /// embedded: what a peer prints or shares. Verifies like the JSON file.
    pub html: String,
    pub verification: ReportVerification,
}

/// Signs the peer's report for `from..=to`: the dates and kinds of counted and
/// not-counted contacts, the totals, and the declaration in force; keeps it as a record.
pub(crate) fn sign_period(
    st: &mut Store,
    s: &mut Session,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<SignedReportFile> {
    let declaration = declarations::latest_signature(st.conn(), s)?.map(|d| DeclarationRef {
        declaration_id: d.doc.declaration_id,
        version: d.doc.declaration_version,
        signed_at: d.doc.signed_at,
    });
    let rules = s.profile.rules()?;
    let (_, entries) = summarise(st.conn(), rules, from, to, s.locale())?;
    let mut counted = Vec::new();
    let mut not_counted = Vec::new();
    for e in &entries {
        match (e.evaluation.counts, e.evaluation.category) {
            (true, Some(category)) => counted.push(CountedEntry {
                date: e.date.to_string(),
                kind: e.kind,
                category,
            }),
            _ => not_counted.push(NotCountedEntry {
                date: e.date.to_string(),
                kind: e.kind,
                reason: e.evaluation.reason.code().to_string(),
            }),
        }
    }
    let report_id = uuid::Uuid::now_v7().to_string();
    let doc = ReportDoc {
        format: FORMAT.into(),
        report_id: report_id.clone(),
        peer_id: s.profile.peer_id.clone(),
        peer_name: s.profile.name.clone(),
        from: from.to_string(),
        to: to.to_string(),
        rule_set: rules.id.to_string(),
        rule_set_version: rules.version,
        activity_days: 0,
        by_category: CategoryTotals::default(),
        counted,
        not_counted_total: 0,
        not_counted,
        declaration,
        locale: s.locale(),
        device_key: s.keys.device.public_key(),
        signed_at: now_rfc3339(),
    };
    let mut signed = sign(doc, &s.keys.device)?;
    signed.certificate = certs::stored_enrolment(st.conn(), &s.keys.device.public_key())?;
    let verification = verify(&signed)?;
    st.tx(|tx| {
        s.write(
            tx,
            Collection::Reports,
            &report_id,
            Some(&signed),
            Audience::PeerAndChapter,
        )?;
        store::put_report_row(
            tx,
            &report_id,
            &format!("{from}..{to}"),
            &signed.report.signed_at,
        )
    })?;
    Ok(SignedReportFile {
        report_id,
        file_name: format!("peerlog-report-{from}-{to}.json"),
        contents: serde_json::to_string_pretty(&signed)?,
        html_file_name: format!("peerlog-report-{from}-{to}.html"),
        html: report::to_html(&signed)?,
        verification,
    })
}
