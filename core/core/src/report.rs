//! The peer's signed period report: the counted and not-counted contacts with dates and
//! kinds and the totals per category, signed by the device key. Anyone holding the file
//! can verify it offline: the signature covers the canonical JSON (RFC 8785) of the
//! report, and the totals must agree with the entries.

use crate::error::{CoreError, Result};
use crate::i18n::Msg;
use peerlog_crypto::{DevicePublicKey, DeviceSigningKey};
use peerlog_rules::{Category, ContactKind, Locale};
use serde::{Deserialize, Serialize};

pub(crate) const SIGNATURE_DOMAIN: &str = "period-report";
pub(crate) const FORMAT: &str = "peerlog-report/1";

/// A counted contact in a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountedEntry {
    pub date: String,
    pub kind: ContactKind,
    pub category: Category,
}

/// A contact that was logged but does not count, with the reason code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotCountedEntry {
    pub date: String,
    pub kind: ContactKind,
    pub reason: String,
}

/// Activity-days per category.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, uniffi::Record)]
#[serde(deny_unknown_fields)]
pub struct CategoryTotals {
    pub outreach: u32,
    pub group: u32,
    pub course: u32,
}

impl From<&peerlog_rules::CategoryCounts> for CategoryTotals {
    fn from(c: &peerlog_rules::CategoryCounts) -> Self {
        CategoryTotals {
            outreach: c.outreach,
            group: c.group,
            course: c.course,
        }
    }
}

impl std::ops::AddAssign for CategoryTotals {
    fn add_assign(&mut self, o: Self) {
        self.outreach += o.outreach;
        self.group += o.group;
        self.course += o.course;
    }
}

/// Which declaration the peer had signed when signing the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclarationRef {
    pub declaration_id: String,
    pub version: u32,
    pub signed_at: String,
}

/// The signed document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportDoc {
    pub format: String,
    pub report_id: String,
    pub peer_id: String,
    pub peer_name: String,
    pub from: String,
    pub to: String,
    pub rule_set: String,
    pub rule_set_version: u32,
    pub activity_days: u32,
    pub by_category: CategoryTotals,
    pub counted: Vec<CountedEntry>,
    pub not_counted_total: u32,
    pub not_counted: Vec<NotCountedEntry>,
    pub declaration: Option<DeclarationRef>,
    pub locale: Locale,
    pub device_key: DevicePublicKey,
    pub signed_at: String,
}

/// The exported file: the document and its signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedReport {
    pub report: ReportDoc,
    #[serde(with = "peerlog_protocol::b64::array")]
    pub signature: [u8; 64],
}

/// Result of verifying a report file.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize)]
pub struct ReportVerification {
    pub report_id: String,
    pub peer_id: String,
    pub peer_name: String,
    pub from: String,
    pub to: String,
    pub rule_set: String,
    pub activity_days: u32,
    pub by_category: CategoryTotals,
    pub not_counted_total: u32,
    pub signed_at: String,
    /// Device that signed (fingerprint of its key).
    pub device_id: String,
    pub declaration_signed: bool,
}

fn totals(counted: &[CountedEntry]) -> CategoryTotals {
    let mut t = CategoryTotals::default();
    for c in counted {
        match c.category {
            Category::Outreach => t.outreach += 1,
            Category::Group => t.group += 1,
            Category::Course => t.course += 1,
        }
    }
    t
}

/// Builds the totals from the entries and signs.
pub(crate) fn sign(mut doc: ReportDoc, device: &DeviceSigningKey) -> Result<SignedReport> {
    doc.by_category = totals(&doc.counted);
    doc.activity_days = doc.counted.len() as u32;
    doc.not_counted_total = doc.not_counted.len() as u32;
    doc.device_key = device.public_key();
    let signature = device.sign_document(SIGNATURE_DOMAIN, &doc)?;
    Ok(SignedReport {
        report: doc,
        signature,
    })
}

/// Verifies a report file's bytes.
pub(crate) fn verify_bytes(bytes: &[u8]) -> Result<ReportVerification> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|_| CoreError::Verification(Msg::ReportUnknownFormat))?;
    if value.pointer("/report/format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(CoreError::Verification(Msg::ReportUnknownFormat));
    }
    // Any change to the structure (an added or removed field) breaks the signature too;
    // report it as such rather than as a format problem.
    let s: SignedReport = serde_json::from_value(value)
        .map_err(|_| CoreError::Verification(Msg::ReportSignatureInvalid))?;
    verify(&s)
}

pub fn verify(s: &SignedReport) -> Result<ReportVerification> {
    let r = &s.report;
    r.device_key
        .verify_document(SIGNATURE_DOMAIN, r, &s.signature)
        .map_err(|_| CoreError::Verification(Msg::ReportSignatureInvalid))?;
    if totals(&r.counted) != r.by_category
        || r.activity_days as usize != r.counted.len()
        || r.not_counted_total as usize != r.not_counted.len()
    {
        return Err(CoreError::Verification(Msg::ReportTotalsMismatch));
    }
    Ok(ReportVerification {
        report_id: r.report_id.clone(),
        peer_id: r.peer_id.clone(),
        peer_name: r.peer_name.clone(),
        from: r.from.clone(),
        to: r.to.clone(),
        rule_set: r.rule_set.clone(),
        activity_days: r.activity_days,
        by_category: r.by_category,
        not_counted_total: r.not_counted_total,
        signed_at: r.signed_at.clone(),
        device_id: r.device_key.device_id(),
        declaration_signed: r.declaration.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(key: &DeviceSigningKey) -> ReportDoc {
        ReportDoc {
            format: FORMAT.into(),
            report_id: "r1".into(),
            peer_id: "p1".into(),
            peer_name: "Kari".into(),
            from: "2026-01-01".into(),
            to: "2026-12-31".into(),
            rule_set: "no-bufdir-2020".into(),
            rule_set_version: 1,
            activity_days: 0,
            by_category: CategoryTotals::default(),
            counted: vec![
                CountedEntry {
                    date: "2026-02-01".into(),
                    kind: ContactKind::Visit,
                    category: Category::Outreach,
                },
                CountedEntry {
                    date: "2026-02-03".into(),
                    kind: ContactKind::Course,
                    category: Category::Course,
                },
            ],
            not_counted_total: 0,
            not_counted: vec![NotCountedEntry {
                date: "2026-02-02".into(),
                kind: ContactKind::Phone,
                reason: "remote_contact".into(),
            }],
            declaration: None,
            locale: Locale::En,
            device_key: key.public_key(),
            signed_at: "2027-01-05T10:00:00Z".into(),
        }
    }

    #[test]
    fn signs_with_computed_totals_and_verifies() {
        let key = DeviceSigningKey::generate().unwrap();
        let s = sign(doc(&key), &key).unwrap();
        let bytes = serde_json::to_vec_pretty(&s).unwrap();
        let v = verify_bytes(&bytes).unwrap();
        assert_eq!(v.activity_days, 2);
        assert_eq!(
            v.by_category,
            CategoryTotals {
                outreach: 1,
                group: 0,
                course: 1
            }
        );
        assert_eq!(v.not_counted_total, 1);
    }

    #[test]
    fn any_edit_fails_verification_with_a_reason() {
        let key = DeviceSigningKey::generate().unwrap();
        let s = sign(doc(&key), &key).unwrap();
        let text = serde_json::to_string_pretty(&s).unwrap();
        for (from, to) in [
            ("\"activity_days\": 2", "\"activity_days\": 3"),
            ("2026-02-01", "2026-02-04"),
            ("\"Kari\"", "\"Ola\""),
            ("\"outreach\": 1", "\"outreach\": 2"),
        ] {
            assert!(text.contains(from), "{from}");
            let forged = text.replace(from, to);
            let err = verify_bytes(forged.as_bytes()).unwrap_err();
            assert!(
                matches!(err, CoreError::Verification(Msg::ReportSignatureInvalid)),
                "{from}: {err:?}"
            );
        }
        // Re-signed by another key over inconsistent totals: signature fine, totals not.
        let mut bad = doc(&key);
        let other = DeviceSigningKey::generate().unwrap();
        bad.device_key = other.public_key();
        bad.activity_days = 5;
        let sig = other.sign_document(SIGNATURE_DOMAIN, &bad).unwrap();
        let forged = SignedReport {
            report: bad,
            signature: sig,
        };
        let err = verify_bytes(&serde_json::to_vec(&forged).unwrap()).unwrap_err();
        assert!(matches!(
            err,
            CoreError::Verification(Msg::ReportTotalsMismatch)
        ));
        let err = verify_bytes(b"{\"hello\":1}").unwrap_err();
        assert!(matches!(
            err,
            CoreError::Verification(Msg::ReportUnknownFormat)
        ));
    }
}
