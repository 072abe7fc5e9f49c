//! The national roll-up (ADR 0020): the chapter's year as counts only, made from the
//! chapter report by one function ([`document`]), signed with the chapter signing key and
//! submitted to the organisation's server, which keeps the latest per chapter and year.

use crate::{ChapterReport, Coordinator};
use peerlog_core::error::{CoreError, PeerlogError, Result};
use peerlog_protocol::rollup::{
    ROLLUP_DOMAIN, ROLLUP_FORMAT, RollupCategories, RollupDocument, RollupMonth, RollupResponse,
    SignedRollup,
};
use serde::Serialize;

/// What `coordinator submit` reports back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RollupSubmitted {
    pub year: i32,
    /// An earlier submission for the year was replaced.
    pub replaced: bool,
    /// Exactly what was signed and sent.
    pub document: RollupDocument,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The counts the organisation gets of `report`, and nothing else of it: no account, name,
/// date of a single contact or reason. `created_at` in Unix seconds.
pub fn document(report: &ChapterReport, created_at: i64) -> RollupDocument {
    let c = &report.by_category;
    RollupDocument {
        format: ROLLUP_FORMAT.into(),
        organisation: report.organisation.clone(),
        chapter: report.chapter.clone(),
        year: report.year,
        rule_set: report.rule_set.clone(),
        created_at,
        activity_days: report.activity_days,
        by_category: RollupCategories {
            outreach: c.outreach,
            group: c.group,
            course: c.course,
        },
        by_month: report
            .by_month
            .iter()
            .filter(|m| m.year == report.year)
            .map(|m| RollupMonth {
                month: m.month,
                outreach: m.outreach,
                group: m.group,
                course: m.course,
            })
            .collect(),
        active_peers: count(
            report
                .peers
                .iter()
                .filter(|p| p.activity_days > 0 || p.not_counted > 0)
                .count(),
        ),
        peers_with_declaration: count(report.peers.iter().filter(|p| p.declaration_valid).count()),
        active_peers_with_declaration: report.active_peers_with_declaration,
        certified_peers: report.certified_peers,
        themes: report.themes.clone(),
    }
}

impl Coordinator {
    /// Signs the chapter's figures for `year` (those of [`Coordinator::chapter_report`],
    /// from the last sync) with the chapter signing key and submits them to the
    /// organisation's server; a later submission for the same year replaces it.
    pub async fn submit_rollup(&self, year: i32) -> Result<RollupSubmitted, PeerlogError> {
        let run = async {
            if year > chrono::Datelike::year(&chrono::Utc::now().date_naive()) {
                return Err(peerlog_core::Invalid::InFuture.at("year", self.locale()));
            }
            let report = self.chapter_report_inner(year)?;
            let enrol = self.enrolment()?;
            let document = document(&report, chrono::Utc::now().timestamp());
            document
                .check()
                .map_err(|e| CoreError::corrupt(format!("roll-up: {e}")))?;
            let signature = self.sign_as_chapter(ROLLUP_DOMAIN, &document)?;
            let signed = SignedRollup {
                document,
                signature,
            };
            let resp: RollupResponse = self
                .authed(&enrol, "/v1/chapter/rollup", Some(&signed))
                .await?;
            Ok(RollupSubmitted {
                year: resp.year,
                replaced: resp.replaced,
                document: signed.document,
            })
        };
        run.await.map_err(|e| self.fail("submit_rollup", e))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use peerlog_crypto::DeviceSigningKey;
    use peerlog_protocol::b64;
    use peerlog_protocol::canonical::to_canonical_vec;

    /// The wire format of a roll-up is frozen: the canonical bytes of a known report's
    /// document and the signature of a fixed key over them. A change here breaks every
    /// server's stored submissions; make a new format tag instead.
    #[test]
    fn golden_vector_is_frozen() {
        let mut report = crate::files::tests::report();
        report.themes = [("hope".to_string(), 2)].into_iter().collect();
        let doc = document(&report, 1_790_000_000);
        assert_eq!(doc.check(), Ok(()));
        let canonical = String::from_utf8(to_canonical_vec(&doc).unwrap()).unwrap();
        assert_eq!(canonical, GOLDEN_DOCUMENT);
        let key = DeviceSigningKey::from_seed(&[7; 32]).unwrap();
        let signature = key.sign_document(ROLLUP_DOMAIN, &doc).unwrap();
        assert_eq!(b64::encode(&signature), GOLDEN_SIGNATURE);
        let signed: SignedRollup = serde_json::from_str(&format!(
            "{{\"document\":{GOLDEN_DOCUMENT},\"signature\":\"{GOLDEN_SIGNATURE}\"}}"
        ))
        .unwrap();
        assert_eq!(signed.document, doc);
        key.public_key()
            .verify_document(ROLLUP_DOMAIN, &signed.document, &signed.signature)
            .unwrap();
    }

    const GOLDEN_DOCUMENT: &str = concat!(
        r#"{"active_peers":1,"active_peers_with_declaration":1,"activity_days":3,"by_catego"#,
        r#"ry":{"course":1,"group":0,"outreach":2},"by_month":[{"course":0,"group":0,"month"#,
        r#"":1,"outreach":2},{"course":0,"group":0,"month":2,"outreach":0},{"course":1,"gro"#,
        r#"up":0,"month":3,"outreach":0},{"course":0,"group":0,"month":4,"outreach":0},{"co"#,
        r#"urse":0,"group":0,"month":5,"outreach":0},{"course":0,"group":0,"month":6,"outre"#,
        r#"ach":0},{"course":0,"group":0,"month":7,"outreach":0},{"course":0,"group":0,"mon"#,
        r#"th":8,"outreach":0},{"course":0,"group":0,"month":9,"outreach":0},{"course":0,"g"#,
        r#"roup":0,"month":10,"outreach":0},{"course":0,"group":0,"month":11,"outreach":0},"#,
        r#"{"course":0,"group":0,"month":12,"outreach":0}],"certified_peers":1,"chapter":"B"#,
        r#"ergen","created_at":1790000000,"format":"peerlog-rollup/1","organisation":"Org","#,
        r#""peers_with_declaration":1,"rule_set":"no-bufdir-2020","themes":{"hope":2},"year"#,
        r#"":2026}"#,
    );
    const GOLDEN_SIGNATURE: &str =
        "U_G8cMT1mVesuKMC533UGzKL0d-sebeiv7BncBEWwDEo8F1GQo8X01gBj8294Ro-yn-iqrg54z__0n70cwR0BQ";

    #[test]
    fn nothing_personal_leaves_in_the_document() {
        let report = crate::files::tests::report();
        let json = serde_json::to_string(&document(&report, 0)).unwrap();
        for personal in ["Kari", "acc", "2026-01-05", "visit"] {
            assert!(!json.contains(personal), "{personal} in {json}");
        }
    }
}
