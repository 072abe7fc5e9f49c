//! The national roll-up over HTTP: only the chapter's coordinator submits, signed with the
//! chapter signing key, naming its own chapter, within the format's bounds; a later
//! submission replaces the year's, an older one is refused; the organisation's report
//! checks every stored signature again.

use peerlog_crypto::DeviceSigningKey;
use peerlog_protocol::api::codes;
use peerlog_protocol::rollup::{
    MAX_ROLLUP_BYTES, ROLLUP_DOMAIN, ROLLUP_FORMAT, RollupCategories, RollupDocument, RollupMonth,
    RollupResponse, SignedRollup,
};
use peerlog_server::storage::Storage;

use crate::common::{Coordinator, Harness};

const PATH: &str = "/v1/chapter/rollup";

/// A valid document of `c`'s chapter: `outreach` activity-days in March.
pub fn document(c: &Coordinator, created_at: i64, outreach: u32) -> RollupDocument {
    let mut by_month: Vec<RollupMonth> = (1..=12)
        .map(|month| RollupMonth {
            month,
            ..RollupMonth::default()
        })
        .collect();
    by_month[2].outreach = outreach;
    RollupDocument {
        format: ROLLUP_FORMAT.into(),
        organisation: c.chapter.organisation.clone(),
        chapter: c.chapter.chapter.clone(),
        year: 2026,
        rule_set: "no-bufdir-2020".into(),
        created_at,
        activity_days: outreach,
        by_category: RollupCategories {
            outreach,
            group: 0,
            course: 0,
        },
        by_month,
        active_peers: 2,
        peers_with_declaration: 2,
        active_peers_with_declaration: 2,
        certified_peers: 1,
        themes: [("hope".to_string(), 3u64)].into_iter().collect(),
    }
}

pub fn sign(document: RollupDocument, key: &DeviceSigningKey) -> SignedRollup {
    let signature = key.sign_document(ROLLUP_DOMAIN, &document).unwrap();
    SignedRollup {
        document,
        signature,
    }
}

pub async fn run<S: Storage>(s: &S) {
    let h = Harness::start(s).await;
    let c = h.coordinator("Org", "Oslo").await;
    let p = h.peer(&c).await;
    let other = h.coordinator("Org", "Bergen").await;
    let now = chrono::Utc::now().timestamp();
    let stored = || async {
        s.org_rollups("Org", 2026)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|c| c.rollup.map(|r| (c.chapter.name, r.document)))
            .collect::<Vec<_>>()
    };

    // A peer's device cannot submit, even with a document the chapter signed.
    h.post(PATH, Some(&p.token), &sign(document(&c, now, 3), &c.sig))
        .await
        .err(403, codes::FORBIDDEN);
    // Signed with anything but the chapter signing key: refused.
    for key in [
        &c.device,
        &other.sig,
        &DeviceSigningKey::generate().unwrap(),
    ] {
        h.post(PATH, Some(&c.token), &sign(document(&c, now, 3), key))
            .await
            .err(400, codes::INVALID_REQUEST);
    }
    // Another chapter's coordinator cannot pass one chapter's figures off as its own.
    h.post(
        PATH,
        Some(&other.token),
        &sign(document(&c, now, 3), &c.sig),
    )
    .await
    .err(400, codes::INVALID_REQUEST);
    // Figures that do not add up, and a date far ahead, are refused even when signed.
    let mut wrong = document(&c, now, 3);
    wrong.activity_days = 4;
    h.post(PATH, Some(&c.token), &sign(wrong, &c.sig))
        .await
        .err(400, codes::INVALID_REQUEST);
    h.post(
        PATH,
        Some(&c.token),
        &sign(document(&c, now + 3 * 86_400, 3), &c.sig),
    )
    .await
    .err(400, codes::INVALID_REQUEST);
    // A body over the route's limit (far below the API's) is refused before it is read.
    let mut huge = serde_json::to_value(sign(document(&c, now, 3), &c.sig)).unwrap();
    huge["document"]["chapter"] = serde_json::json!("x".repeat(MAX_ROLLUP_BYTES));
    h.post(PATH, Some(&c.token), &huge)
        .await
        .err(413, codes::PAYLOAD_TOO_LARGE);
    assert!(stored().await.is_empty(), "nothing stored by a refusal");

    // The coordinator submits; again later, which replaces it.
    let res = h
        .post(
            PATH,
            Some(&c.token),
            &sign(document(&c, now - 60, 3), &c.sig),
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(
        res.json::<RollupResponse>(),
        RollupResponse {
            year: 2026,
            replaced: false
        }
    );
    let newer = sign(document(&c, now, 5), &c.sig);
    let res = h.post(PATH, Some(&c.token), &newer).await;
    assert!(res.json::<RollupResponse>().replaced);
    // The older one replayed does not come back.
    h.post(
        PATH,
        Some(&c.token),
        &sign(document(&c, now - 60, 3), &c.sig),
    )
    .await
    .err(409, codes::CONFLICT);
    let rows = stored().await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, "Oslo");
    let kept: SignedRollup = serde_json::from_slice(&rows[0].1).unwrap();
    assert_eq!(kept, newer);

    // The organisation's report: Oslo verified with the newer figures, Bergen missing.
    let report = peerlog_server::rollup::org_report_in(s, "Org", 2026)
        .await
        .unwrap();
    assert_eq!(report.chapters.len(), 1);
    assert!(report.chapters[0].verified);
    assert_eq!(report.total_activity_days, 5);
    assert_eq!(report.missing, ["Bergen"]);
}
