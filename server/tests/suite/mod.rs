//! The HTTP test suite, one async function per behaviour, run against every backend by
//! `http_tests!` (server/tests/http_sqlite.rs, server/tests/http_postgres.rs).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use peerlog_crypto::{DeviceSigningKey, RecipientSecretKey};
use peerlog_protocol::api::{
    self, AccountsResponse, ChapterInfo, DeclarationResponse, EnrolCoordinatorRequest,
    EnrolResponse, InvitationLookup, InvitationRequest, PushResult, RecoveryDeviceRequest,
    RecoveryFetchResponse, RecoveryLookup, RevokeResponse, codes,
};
use peerlog_protocol::{Collection, b64};
use peerlog_server::RateLimits;
use peerlog_server::storage::{NewToken, Role, Storage};

mod matrix;
mod rollup;

use crate::common::{Coordinator, Harness, Peer, Resp, account_key, new_id, seal};

/// Every suite function, for the `http_tests!` invocations.
#[macro_export]
macro_rules! all_http_tests {
    ($fresh:path) => {
        $crate::http_tests!($fresh;
            coordinator_enrolment_token_rules,
            invitations_lookup_and_peer_enrolment,
            malformed_requests_change_nothing,
            login_success_failure_and_replay,
            push_outcomes,
            pull_scopes_and_privacy,
            pull_paging_and_small_empty_sync,
            declarations,
            accounts_and_revocation,
            recovery,
            account_lock,
            recovery_rotation,
            rate_limits,
            openapi_metrics_health,
            authorisation_matrix,
            chapter_rollup
        );
    };
}

fn accepted(r: &PushResult) -> u64 {
    match r {
        PushResult::Accepted { seq } => *seq,
        other => panic!("expected accepted, got {other:?}"),
    }
}

fn rejected_code(r: &PushResult) -> &str {
    match r {
        PushResult::Rejected { code, .. } => code,
        other => panic!("expected rejected, got {other:?}"),
    }
}

pub async fn coordinator_enrolment_token_rules<S: Storage>(s: &S) {
    let h = Harness::start(s).await;
    let created = peerlog_server::create_chapter_in(&h.storage, "Org", "Oslo", 7)
        .await
        .unwrap();
    let enc = RecipientSecretKey::generate().unwrap();
    let sig = DeviceSigningKey::generate().unwrap();
    let req = |token: &str, device: &DeviceSigningKey| EnrolCoordinatorRequest {
        token: token.to_owned(),
        device_key: *device.public_key().as_bytes(),
        chapter_keys: api::ChapterKeys {
            encryption_key: *enc.public_key().as_bytes(),
            signing_key: *sig.public_key().as_bytes(),
        },
    };
    let before = h.stats().await;
    let d1 = DeviceSigningKey::generate().unwrap();
    h.post(
        "/v1/enrol/coordinator",
        None,
        &req("AAAAAAAAAAAAAAAAAAAAAA", &d1),
    )
    .await
    .err(404, codes::NOT_FOUND);
    assert_eq!(h.stats().await, before, "nothing written");
    let res: EnrolResponse = h
        .post(
            "/v1/enrol/coordinator",
            None,
            &req(&created.coordinator_token, &d1),
        )
        .await
        .ok();
    assert_eq!(res.role, api::Role::Coordinator);
    assert_eq!(res.chapter.organisation, "Org");
    assert_eq!(res.chapter.chapter, "Oslo");
    assert_eq!(
        res.chapter.keys.encryption_key,
        *enc.public_key().as_bytes()
    );
    assert!(peerlog_protocol::is_uuid_text(&res.account_id));
    let after = h.stats().await;
    assert_eq!((after.accounts, after.devices), (1, 1));
    // Reuse → 409 token_used, nothing written.
    let d2 = DeviceSigningKey::generate().unwrap();
    h.post(
        "/v1/enrol/coordinator",
        None,
        &req(&created.coordinator_token, &d2),
    )
    .await
    .err(409, codes::TOKEN_USED);
    assert_eq!(h.stats().await, after);
    // Expired → 410.
    let expired = peerlog_server::create_chapter_in(&h.storage, "Org", "Bergen", 0)
        .await
        .unwrap();
    h.post(
        "/v1/enrol/coordinator",
        None,
        &req(&expired.coordinator_token, &d2),
    )
    .await
    .err(410, codes::TOKEN_EXPIRED);
    // A peer invitation cannot enrol a coordinator.
    let c = h.coordinator("Org", "Trondheim").await;
    let invitation = h.invite(&c).await;
    h.post("/v1/enrol/coordinator", None, &req(&invitation, &d2))
        .await
        .err(404, codes::NOT_FOUND);
    // The coordinator is logged in and sees an empty chapter.
    assert!(h.pull_all(&c.token).await.is_empty());
}

pub async fn invitations_lookup_and_peer_enrolment<S: Storage>(s: &S) {
    let h = Harness::start(s).await;
    let c = h.coordinator("Org", "Oslo").await;
    for days in [0, 31] {
        h.post(
            "/v1/chapter/invitations",
            Some(&c.token),
            &InvitationRequest { expires_days: days },
        )
        .await
        .err(400, codes::INVALID_REQUEST);
    }
    let invitation = h.invite(&c).await;
    assert_eq!(b64::decode(&invitation).unwrap().len(), 16, "128 bits");
    // Lookup does not use the token.
    for _ in 0..2 {
        let info: ChapterInfo = h
            .post(
                "/v1/enrol/chapter",
                None,
                &InvitationLookup {
                    token: invitation.clone(),
                },
            )
            .await
            .ok();
        assert_eq!(info, c.chapter);
    }
    h.post(
        "/v1/enrol/chapter",
        None,
        &InvitationLookup {
            token: "nope".into(),
        },
    )
    .await
    .err(404, codes::NOT_FOUND);
    // Bad account id, oversized wrapped key: 400, nothing used.
    let before = h.stats().await;
    let (mut bad, _, _) = Harness::<S>::peer_request(&invitation);
    bad.account_id = "not-a-uuid".into();
    h.post("/v1/enrol/peer", None, &bad)
        .await
        .err(400, codes::INVALID_REQUEST);
    let (mut big, _, _) = Harness::<S>::peer_request(&invitation);
    big.recovery.wrapped_peer_key = vec![1; api::MAX_WRAPPED_KEY_BYTES + 1];
    h.post("/v1/enrol/peer", None, &big)
        .await
        .err(400, codes::INVALID_REQUEST);
    // A taken account id: 409 conflict, the invitation still works afterwards.
    let (mut taken, _, _) = Harness::<S>::peer_request(&invitation);
    taken.account_id = c.account_id.clone();
    h.post("/v1/enrol/peer", None, &taken)
        .await
        .err(409, codes::CONFLICT);
    assert_eq!(h.stats().await, before, "refusals change nothing");
    let (req, device, _) = Harness::<S>::peer_request(&invitation);
    let res: EnrolResponse = h.post("/v1/enrol/peer", None, &req).await.ok();
    assert_eq!(res.account_id, req.account_id);
    assert_eq!(res.device_id, device.device_id());
    assert_eq!(res.chapter, c.chapter);
    // Used now: enrol and lookup both say so.
    let (again, _, _) = Harness::<S>::peer_request(&invitation);
    h.post("/v1/enrol/peer", None, &again)
        .await
        .err(409, codes::TOKEN_USED);
    h.post(
        "/v1/enrol/chapter",
        None,
        &InvitationLookup {
            token: invitation.clone(),
        },
    )
    .await
    .err(409, codes::TOKEN_USED);
    // An expired invitation: 410 on lookup and enrolment.
    let expired = "ZXhwaXJlZC1pbnZpdGF0aW9u";
    h.storage
        .create_token(NewToken {
            token_hash: peerlog_crypto::sha256(expired.as_bytes()),
            chapter_id: c.chapter.chapter_id,
            role: Role::Peer,
            expires_at: 1000,
            created_by: None,
        })
        .await
        .unwrap();
    h.post(
        "/v1/enrol/chapter",
        None,
        &InvitationLookup {
            token: expired.into(),
        },
    )
    .await
    .err(410, codes::TOKEN_EXPIRED);
    let (late, _, _) = Harness::<S>::peer_request(expired);
    h.post("/v1/enrol/peer", None, &late)
        .await
        .err(410, codes::TOKEN_EXPIRED);
    // Only a coordinator invites.
    let token = h.login(&device).await;
    h.post(
        "/v1/chapter/invitations",
        Some(&token),
        &InvitationRequest { expires_days: 7 },
    )
    .await
    .err(403, codes::FORBIDDEN);
}

pub async fn malformed_requests_change_nothing<S: Storage>(s: &S) {
    let h = Harness::start(s).await;
    let c = h.coordinator("Org", "Oslo").await;
    let p = h.peer(&c).await;
    let before = h.stats().await;
    let post_raw = |path: &'static str, body: Vec<u8>, ct: &'static str| {
        let h = &h;
        let token = p.token.clone();
        async move {
            h.send(reqwest::Method::POST, path, Some(&token), Some((body, ct)))
                .await
        }
    };
    post_raw(
        "/v1/sync/push",
        b"{\"records\":[".to_vec(),
        "application/json",
    )
    .await
    .err(400, codes::INVALID_REQUEST);
    post_raw(
        "/v1/sync/push",
        b"{\"records\":[],\"admin\":true}".to_vec(),
        "application/json",
    )
    .await
    .err(400, codes::INVALID_REQUEST);
    // An unknown field inside an envelope refuses the whole request.
    let env = seal(
        &p.device,
        Collection::Contacts,
        &new_id(),
        1,
        &[c.chapter_key()],
    );
    let mut v = serde_json::to_value(&env).unwrap();
    v["meta"]["extra"] = serde_json::json!(1);
    post_raw(
        "/v1/sync/push",
        serde_json::to_vec(&serde_json::json!({ "records": [v] })).unwrap(),
        "application/json",
    )
    .await
    .err(400, codes::INVALID_REQUEST);
    post_raw("/v1/sync/push", b"{\"records\":[]}".to_vec(), "text/plain")
        .await
        .err(415, codes::INVALID_REQUEST);
    h.send(
        reqwest::Method::POST,
        "/v1/enrol/chapter",
        None,
        Some((b"not json".to_vec(), "application/json")),
    )
    .await
    .err(400, codes::INVALID_REQUEST);
    // Body over the limit → 413.
    let mut huge = b"{\"records\":[\"".to_vec();
    huge.resize(api::MAX_BODY_BYTES + 10, b'a');
    huge.extend_from_slice(b"\"]}");
    post_raw("/v1/sync/push", huge, "application/json")
        .await
        .err(413, codes::PAYLOAD_TOO_LARGE);
    // More than MAX_PUSH_RECORDS → 413, nothing stored.
    let one = seal(
        &p.device,
        Collection::Contacts,
        &new_id(),
        1,
        &[c.chapter_key()],
    );
    let many: Vec<_> = (0..=api::MAX_PUSH_RECORDS).map(|_| one.clone()).collect();
    h.post(
        "/v1/sync/push",
        Some(&p.token),
        &api::PushRequest {
            records: many,
            head: None,
        },
    )
    .await
    .err(413, codes::PAYLOAD_TOO_LARGE);
    // Bad queries, unknown routes, wrong methods.
    for q in ["limit=0", "limit=1001", "since=-1", "since=abc", "cursor=3"] {
        h.get(&format!("/v1/sync/pull?{q}"), Some(&p.token))
            .await
            .err(400, codes::INVALID_REQUEST);
    }
    h.get("/v1/nothing", None).await.err(404, codes::NOT_FOUND);
    h.get("/v1/sync/push", Some(&p.token))
        .await
        .err(405, codes::INVALID_REQUEST);
    assert_eq!(h.stats().await, before, "nothing stored");
    assert!(h.pull_all(&c.token).await.is_empty());
}

async fn challenge<S: Storage>(h: &Harness<S>, device_id: &str) -> [u8; 32] {
    h.post(
        "/v1/auth/challenge",
        None,
        &api::ChallengeRequest {
            device_id: device_id.to_owned(),
        },
    )
    .await
    .ok::<api::ChallengeResponse>()
    .challenge
}

pub async fn login_success_failure_and_replay<S: Storage>(s: &S) {
    let h = Harness::start(s).await;
    let c = h.coordinator("Org", "Oslo").await;
    let p = h.peer(&c).await;
    let stranger = DeviceSigningKey::generate().unwrap();
    h.post(
        "/v1/auth/challenge",
        None,
        &api::ChallengeRequest {
            device_id: stranger.device_id(),
        },
    )
    .await
    .err(401, codes::UNAUTHENTICATED);
    let device_id = p.device.device_id();
    let token_req = |challenge: [u8; 32], key: &DeviceSigningKey| api::TokenRequest {
        device_id: device_id.clone(),
        challenge,
        signature: key
            .sign_document(
                api::AUTH_DOMAIN,
                &api::AuthChallengeDocument {
                    device_id: device_id.clone(),
                    challenge,
                },
            )
            .unwrap(),
    };
    // Signed by another key: 401, and the challenge is used up.
    let ch = challenge(&h, &device_id).await;
    h.post("/v1/auth/token", None, &token_req(ch, &stranger))
        .await
        .err(401, codes::UNAUTHENTICATED);
    h.post("/v1/auth/token", None, &token_req(ch, &p.device))
        .await
        .err(401, codes::UNAUTHENTICATED);
    // A good login, then the same challenge again: 401.
    let ch = challenge(&h, &device_id).await;
    let t: api::TokenResponse = h
        .post("/v1/auth/token", None, &token_req(ch, &p.device))
        .await
        .ok();
    h.get("/v1/declaration", Some(&t.token))
        .await
        .ok::<DeclarationResponse>();
    h.post("/v1/auth/token", None, &token_req(ch, &p.device))
        .await
        .err(401, codes::UNAUTHENTICATED);
    // A challenge never issued.
    h.post("/v1/auth/token", None, &token_req([9; 32], &p.device))
        .await
        .err(401, codes::UNAUTHENTICATED);
    // Bearer problems.
    h.get("/v1/declaration", None)
        .await
        .err(401, codes::UNAUTHENTICATED);
    h.get("/v1/declaration", Some("garbage"))
        .await
        .err(401, codes::UNAUTHENTICATED);
    for header in [format!("bearer {}", t.token), format!("Basic {}", t.token)] {
        let res = h
            .http
            .get(format!("{}/v1/declaration", h.url))
            .header("authorization", &header)
            .send()
            .await
            .unwrap();
        let expected = if header.starts_with("bearer") {
            200
        } else {
            401
        };
        assert_eq!(res.status().as_u16(), expected, "{header}");
    }
    // The device's last_seen is recorded.
    let accounts: AccountsResponse = h.get("/v1/chapter/accounts", Some(&c.token)).await.ok();
    let peer = accounts
        .accounts
        .iter()
        .find(|a| a.account_id == p.account_id)
        .unwrap();
    assert!(peer.devices[0].last_seen.is_some());
}

pub async fn push_outcomes<S: Storage>(s: &S) {
    let h = Harness::start(s).await;
    let c = h.coordinator("Org", "Oslo").await;
    let a = h.peer(&c).await;
    let b = h.peer(&c).await;
    let to = [a.peer_key.public_key(), c.chapter_key()];
    let id = new_id();
    let v1 = seal(&a.device, Collection::Contacts, &id, 100, &to);
    let r = h.push(&a.token, vec![v1.clone()]).await;
    let seq1 = accepted(&r[0]);
    // Duplicate, stale, version conflict, a newer version.
    let v1_other_bytes = seal(&a.device, Collection::Contacts, &id, 100, &to);
    let v0 = seal(&a.device, Collection::Contacts, &id, 50, &to);
    let v2 = seal(&a.device, Collection::Contacts, &id, 200, &to);
    let r = h
        .push(&a.token, vec![v1.clone(), v0, v1_other_bytes, v2.clone()])
        .await;
    assert_eq!(r[0], PushResult::Duplicate { seq: seq1 });
    assert_eq!(
        r[1],
        PushResult::Stale {
            current_version: 100
        }
    );
    assert_eq!(rejected_code(&r[2]), codes::VERSION_CONFLICT);
    assert!(accepted(&r[3]) > seq1);
    // Tampered ciphertext, tampered signature: bad_signature; the rest of the batch applies.
    let mut tampered = seal(&a.device, Collection::Contacts, &new_id(), 1, &to);
    tampered.ciphertext[0] ^= 1;
    let mut bad_sig = seal(&a.device, Collection::Contacts, &new_id(), 1, &to);
    bad_sig.signature[5] ^= 1;
    let good = seal(
        &a.device,
        Collection::Notes,
        &new_id(),
        1,
        &[a.peer_key.public_key()],
    );
    // Signed by a device that is not the account's: unknown_device. B's device on A's
    // session: unknown_device too.
    let stranger = DeviceSigningKey::generate().unwrap();
    let foreign = seal(&stranger, Collection::Contacts, &new_id(), 1, &to);
    let other_peer = seal(&b.device, Collection::Contacts, &new_id(), 1, &to);
    let before = h.stats().await;
    let r = h
        .push(&a.token, vec![tampered, bad_sig, good, foreign, other_peer])
        .await;
    assert_eq!(rejected_code(&r[0]), codes::BAD_SIGNATURE);
    assert_eq!(rejected_code(&r[1]), codes::BAD_SIGNATURE);
    accepted(&r[2]);
    assert_eq!(rejected_code(&r[3]), codes::UNKNOWN_DEVICE);
    assert_eq!(rejected_code(&r[4]), codes::UNKNOWN_DEVICE);
    assert_eq!(h.stats().await.records, before.records + 1);
    // Peer B cannot overwrite A's record id, even with a higher version.
    let hijack = seal(&b.device, Collection::Contacts, &id, 999, &to);
    let r = h.push(&b.token, vec![hijack]).await;
    assert_eq!(rejected_code(&r[0]), codes::NOT_OWNER);
    let mine = h.pull_all(&a.token).await;
    let rec = mine.iter().find(|r| r.envelope.meta.id == id).unwrap();
    assert_eq!(rec.envelope, v2, "A's record unchanged");
    // A tombstone is a version.
    let mut tomb_meta = v2.meta.clone();
    tomb_meta.version = 300;
    tomb_meta.deleted = true;
    let tomb = peerlog_crypto::envelope::seal_record(&tomb_meta, b"{}", &to, &a.device).unwrap();
    accepted(&h.push(&a.token, vec![tomb]).await[0]);
    let rec = h
        .pull_all(&a.token)
        .await
        .into_iter()
        .find(|r| r.envelope.meta.id == id)
        .unwrap();
    assert!(rec.envelope.meta.deleted);
    // The coordinator may push its own records (e.g. expense decisions) too.
    let decision = seal(
        &c.device,
        Collection::Expenses,
        &new_id(),
        1,
        &[c.chapter_key(), a.peer_key.public_key()],
    );
    accepted(&h.push(&c.token, vec![decision.clone()]).await[0]);
    // ... and it reaches that peer's pulls (not B's).
    assert!(
        h.pull_all(&a.token)
            .await
            .iter()
            .any(|r| r.envelope == decision)
    );
    assert!(
        !h.pull_all(&b.token)
            .await
            .iter()
            .any(|r| r.envelope == decision)
    );
    // A big batch keeps its order (checks run in parallel chunks).
    let batch: Vec<_> = (0..150)
        .map(|i| {
            let mut e = seal(&a.device, Collection::Contacts, &new_id(), 1, &to);
            if i % 10 == 3 {
                e.signature[0] ^= 1;
            }
            e
        })
        .collect();
    let r = h.push(&a.token, batch).await;
    let mut last = 0;
    for (i, res) in r.iter().enumerate() {
        if i % 10 == 3 {
            assert_eq!(rejected_code(res), codes::BAD_SIGNATURE, "{i}");
        } else {
            let seq = accepted(res);
            assert!(seq > last, "in order");
            last = seq;
        }
    }
    // An empty push is fine.
    assert!(h.push(&a.token, vec![]).await.is_empty());
}

pub async fn pull_scopes_and_privacy<S: Storage>(s: &S) {
    let h = Harness::start(s).await;
    let x = h.coordinator("Org", "X").await;
    let y = h.coordinator("Org", "Y").await;
    let a = h.peer(&x).await;
    let b = h.peer(&x).await;
    let yp = h.peer(&y).await;
    let shared = |p: &crate::common::Peer, coord: &crate::common::Coordinator| {
        vec![p.peer_key.public_key(), coord.chapter_key()]
    };
    let a_contact = seal(
        &a.device,
        Collection::Contacts,
        &new_id(),
        1,
        &shared(&a, &x),
    );
    let a_note = seal(
        &a.device,
        Collection::Notes,
        &new_id(),
        1,
        &[a.peer_key.public_key()],
    );
    let b_contact = seal(
        &b.device,
        Collection::Contacts,
        &new_id(),
        1,
        &shared(&b, &x),
    );
    let y_contact = seal(
        &yp.device,
        Collection::Contacts,
        &new_id(),
        1,
        &shared(&yp, &y),
    );
    accepted(
        &h.push(&a.token, vec![a_contact.clone(), a_note.clone()])
            .await[1],
    );
    accepted(&h.push(&b.token, vec![b_contact.clone()]).await[0]);
    accepted(&h.push(&yp.token, vec![y_contact.clone()]).await[0]);
    let ids = |recs: Vec<api::PulledEnvelope>| -> Vec<String> {
        recs.into_iter().map(|r| r.envelope.meta.id).collect()
    };
    // Peer A: its own two, never B's.
    assert_eq!(
        ids(h.pull_all(&a.token).await),
        [a_contact.meta.id.clone(), a_note.meta.id.clone()]
    );
    assert_eq!(
        ids(h.pull_all(&b.token).await),
        vec![b_contact.meta.id.clone()]
    );
    // Coordinator X: the chapter's shared records, not A's private note, nothing of Y.
    assert_eq!(
        ids(h.pull_all(&x.token).await),
        [a_contact.meta.id.clone(), b_contact.meta.id.clone()]
    );
    assert_eq!(
        ids(h.pull_all(&y.token).await),
        vec![y_contact.meta.id.clone()]
    );
    // Pulled envelopes are byte-for-byte what was pushed.
    let pulled = h.pull_all(&a.token).await;
    assert_eq!(pulled[0].envelope, a_contact);
    assert!(pulled[0].seq < pulled[1].seq);
}

pub async fn pull_paging_and_small_empty_sync<S: Storage>(s: &S) {
    let h = Harness::start(s).await;
    let c = h.coordinator("Org", "Oslo").await;
    let p = h.peer(&c).await;
    let to = [p.peer_key.public_key(), c.chapter_key()];
    let records: Vec<_> = (0..7)
        .map(|_| seal(&p.device, Collection::Contacts, &new_id(), 1, &to))
        .collect();
    h.push(&p.token, records.clone()).await;
    let mut since = 0;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = h.pull(&p.token, since, 3).await;
        pages += 1;
        assert!(page.records.len() <= 3);
        seen.extend(page.records.iter().map(|r| r.envelope.meta.id.clone()));
        assert_eq!(page.has_more, seen.len() < 7, "has_more is exact");
        since = page.cursor;
        if !page.has_more {
            break;
        }
    }
    assert_eq!(pages, 3);
    let expected: Vec<_> = records.iter().map(|r| r.meta.id.clone()).collect();
    assert_eq!(seen, expected);
    // Defaults: since 0, limit 500.
    let all: api::PullResponse = h.get("/v1/sync/pull", Some(&p.token)).await.ok();
    assert_eq!(all.records.len(), 7);
    // An empty sync: one small response.
    let res = h
        .get(&format!("/v1/sync/pull?since={since}"), Some(&p.token))
        .await;
    let empty: api::PullResponse = res.ok();
    assert!(empty.records.is_empty() && !empty.has_more);
    assert_eq!(empty.cursor, since);
    let header_bytes: usize = res
        .headers
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    let total = 17 + header_bytes + res.body.len();
    assert!(total < 400, "empty pull response is {total} bytes");
}

pub async fn declarations<S: Storage>(s: &S) {
    let h = Harness::start(s).await;
    let c = h.coordinator("Org", "Oslo").await;
    let p = h.peer(&c).await;
    let none: DeclarationResponse = h.get("/v1/declaration", Some(&p.token)).await.ok();
    assert_eq!(none.declaration, None);
    assert_eq!(h.pull(&p.token, 0, 10).await.declaration_version, None);
    // Signed by the wrong key: refused.
    let mut forged = c.declaration(1, "Taushetserklæring");
    forged.signature = DeviceSigningKey::generate()
        .unwrap()
        .sign_document(api::DECLARATION_DOMAIN, &forged.document)
        .unwrap();
    h.post("/v1/chapter/declaration", Some(&c.token), &forged)
        .await
        .err(400, codes::INVALID_REQUEST);
    // Text changed after signing: refused.
    let mut altered = c.declaration(1, "Taushetserklæring");
    altered.document.text.push('!');
    h.post("/v1/chapter/declaration", Some(&c.token), &altered)
        .await
        .err(400, codes::INVALID_REQUEST);
    let mut bad_locale = c.declaration(1, "x");
    bad_locale.document.locale = "sv".into();
    h.post("/v1/chapter/declaration", Some(&c.token), &bad_locale)
        .await
        .err(400, codes::INVALID_REQUEST);
    let too_long = c.declaration(1, &"x".repeat(api::MAX_DECLARATION_TEXT_BYTES + 1));
    h.post("/v1/chapter/declaration", Some(&c.token), &too_long)
        .await
        .err(400, codes::INVALID_REQUEST);
    // A peer cannot publish.
    let good = c.declaration(2, "Taushetserklæring v2");
    h.post("/v1/chapter/declaration", Some(&p.token), &good)
        .await
        .err(403, codes::FORBIDDEN);
    let published: DeclarationResponse = h
        .post("/v1/chapter/declaration", Some(&c.token), &good)
        .await
        .ok();
    assert_eq!(published.declaration.as_ref(), Some(&good));
    // Not newer: 409.
    h.post(
        "/v1/chapter/declaration",
        Some(&c.token),
        &c.declaration(2, "again"),
    )
    .await
    .err(409, codes::CONFLICT);
    h.post(
        "/v1/chapter/declaration",
        Some(&c.token),
        &c.declaration(1, "older"),
    )
    .await
    .err(409, codes::CONFLICT);
    // Every device of the chapter gets it, and pulls announce the version.
    let got: DeclarationResponse = h.get("/v1/declaration", Some(&p.token)).await.ok();
    assert_eq!(got.declaration, Some(good.clone()));
    c.sig
        .public_key()
        .verify_document(
            api::DECLARATION_DOMAIN,
            &got.declaration.unwrap().document,
            &good.signature,
        )
        .unwrap();
    assert_eq!(h.pull(&p.token, 0, 10).await.declaration_version, Some(2));
}

pub async fn accounts_and_revocation<S: Storage>(s: &S) {
    let h = Harness::start(s).await;
    let x = h.coordinator("Org", "X").await;
    let y = h.coordinator("Org", "Y").await;
    let a = h.peer(&x).await;
    let b = h.peer(&x).await;
    // A second device for A (through recovery).
    let a2 = DeviceSigningKey::generate().unwrap();
    h.post("/v1/recovery/device", None, &a.recovery_device(&a2))
        .await
        .ok::<EnrolResponse>();
    let a2_token = h.login(&a2).await;
    // Accounts: coordinator only, its chapter only.
    h.get("/v1/chapter/accounts", Some(&a.token))
        .await
        .err(403, codes::FORBIDDEN);
    let list: AccountsResponse = h.get("/v1/chapter/accounts", Some(&x.token)).await.ok();
    assert_eq!(list.accounts.len(), 3, "coordinator and two peers");
    let acc_a = list
        .accounts
        .iter()
        .find(|acc| acc.account_id == a.account_id)
        .unwrap();
    assert_eq!(acc_a.role, api::Role::Peer);
    assert_eq!(acc_a.peer_key, Some(*a.peer_key.public_key().as_bytes()));
    assert_eq!(acc_a.devices.len(), 2);
    let first = acc_a
        .devices
        .iter()
        .find(|d| d.device_id == a.device.device_id())
        .unwrap();
    assert_eq!(first.device_key, *a.device.public_key().as_bytes());
    let coord = list
        .accounts
        .iter()
        .find(|acc| acc.role == api::Role::Coordinator)
        .unwrap();
    assert_eq!(coord.peer_key, None);
    let y_list: AccountsResponse = h.get("/v1/chapter/accounts", Some(&y.token)).await.ok();
    assert_eq!(y_list.accounts.len(), 1);
    // A revocation is a statement its issuer signs: the chapter signing key for a
    // coordinator, the account key for the device's own account (which only the device
    // can check, so the server takes it as it is).
    let statement =
        |dev: &DeviceSigningKey, account: &str, issuer: &str, key: &DeviceSigningKey| {
            Some(crate::common::revocation(dev, account, issuer, key))
        };
    let a_account = crate::common::account_key(&a.peer_key);
    let by_account = statement(&a2, &a.account_id, api::REVOKED_BY_ACCOUNT, &a_account);
    // Who may revoke: not B (A's device), not Y's coordinator: 404 either way.
    let revoke = |dev: &DeviceSigningKey| format!("/v1/devices/{}/revoke", dev.device_id());
    h.send(
        reqwest::Method::POST,
        &revoke(&a2),
        Some(&b.token),
        by_account.clone(),
    )
    .await
    .err(404, codes::NOT_FOUND);
    h.send(
        reqwest::Method::POST,
        &revoke(&a2),
        Some(&y.token),
        by_account.clone(),
    )
    .await
    .err(404, codes::NOT_FOUND);
    h.send(
        reqwest::Method::POST,
        "/v1/devices/nope/revoke",
        Some(&x.token),
        by_account.clone(),
    )
    .await
    .err(404, codes::NOT_FOUND);
    // Without a statement, for another device, or with the wrong issuer: refused, and
    // nothing is revoked.
    let wrong_device = statement(
        &a.device,
        &a.account_id,
        api::REVOKED_BY_ACCOUNT,
        &a_account,
    );
    let as_chapter = statement(&a2, &a.account_id, api::REVOKED_BY_CHAPTER, &a_account);
    h.send(reqwest::Method::POST, &revoke(&a2), Some(&a.token), None)
        .await
        .err(415, codes::INVALID_REQUEST);
    for body in [wrong_device, as_chapter] {
        h.send(reqwest::Method::POST, &revoke(&a2), Some(&a.token), body)
            .await
            .err(400, codes::INVALID_REQUEST);
    }
    // A revokes its own second device.
    let r: RevokeResponse = h
        .send(
            reqwest::Method::POST,
            &revoke(&a2),
            Some(&a.token),
            by_account,
        )
        .await
        .ok();
    assert!(r.revoked);
    // The revoked device: 403 wipe on every bearer request, on challenge and on token.
    for res in [
        h.get("/v1/sync/pull", Some(&a2_token)).await,
        h.post(
            "/v1/sync/push",
            Some(&a2_token),
            &api::PushRequest {
                records: vec![],
                head: None,
            },
        )
        .await,
        h.post(
            "/v1/auth/challenge",
            None,
            &api::ChallengeRequest {
                device_id: a2.device_id(),
            },
        )
        .await,
    ] {
        let body = res.err(403, codes::DEVICE_REVOKED);
        assert!(body.wipe);
        // With the statement as A signed it, for the device to check.
        let revocation = body.revocation.expect("the signed statement");
        assert_eq!(revocation.statement.device_id, a2.device_id());
        assert_eq!(revocation.statement.issuer, api::REVOKED_BY_ACCOUNT);
    }
    let token_attempt = api::TokenRequest {
        device_id: a2.device_id(),
        challenge: [1; 32],
        signature: [0; 64],
    };
    assert!(
        h.post("/v1/auth/token", None, &token_attempt)
            .await
            .err(403, codes::DEVICE_REVOKED)
            .wipe
    );
    // A's other device is handed the statement with every pull, to check and apply; B's
    // devices and the coordinator's pulls carry nothing of A's.
    let pulled = h.pull(&a.token, 0, 10).await;
    assert_eq!(pulled.revocations.len(), 1);
    assert_eq!(pulled.revocations[0].statement.device_id, a2.device_id());
    assert!(h.pull(&b.token, 0, 10).await.revocations.is_empty());
    assert!(h.pull(&x.token, 0, 10).await.revocations.is_empty());
    // Its records can no longer be pushed by A either.
    let late = seal(&a2, Collection::Contacts, &new_id(), 1, &[x.chapter_key()]);
    assert_eq!(
        rejected_code(&h.push(&a.token, vec![late]).await[0]),
        codes::UNKNOWN_DEVICE
    );
    // The coordinator's statement must verify with the chapter signing key.
    let forged = statement(&b.device, &b.account_id, api::REVOKED_BY_CHAPTER, &x.device);
    h.send(
        reqwest::Method::POST,
        &revoke(&b.device),
        Some(&x.token),
        forged,
    )
    .await
    .err(400, codes::INVALID_REQUEST);
    // The coordinator revokes B's device; again → revoked: false.
    for expected in [true, false] {
        let body = statement(&b.device, &b.account_id, api::REVOKED_BY_CHAPTER, &x.sig);
        let r: RevokeResponse = h
            .send(
                reqwest::Method::POST,
                &revoke(&b.device),
                Some(&x.token),
                body,
            )
            .await
            .ok();
        assert_eq!(r.revoked, expected);
    }
    assert!(
        h.get("/v1/sync/pull", Some(&b.token))
            .await
            .err(403, codes::DEVICE_REVOKED)
            .wipe
    );
    // A's first device is unaffected.
    h.pull_all(&a.token).await;
    let list: AccountsResponse = h.get("/v1/chapter/accounts", Some(&x.token)).await.ok();
    let acc_a = list
        .accounts
        .iter()
        .find(|acc| acc.account_id == a.account_id)
        .unwrap();
    for d in &acc_a.devices {
        assert_eq!(
            d.revoked_at.is_some(),
            d.device_id == a2.device_id(),
            "only the second device is revoked"
        );
    }
}

pub async fn recovery<S: Storage>(s: &S) {
    let h = Harness::start(s).await;
    let c = h.coordinator("Org", "Oslo").await;
    let p = h.peer(&c).await;
    let rec = seal(
        &p.device,
        Collection::Notes,
        &new_id(),
        1,
        &[p.peer_key.public_key()],
    );
    h.push(&p.token, vec![rec.clone()]).await;
    h.post(
        "/v1/recovery/fetch",
        None,
        &RecoveryLookup { lookup: [3; 32] },
    )
    .await
    .err(404, codes::NOT_FOUND);
    let fetched: RecoveryFetchResponse = h
        .post(
            "/v1/recovery/fetch",
            None,
            &RecoveryLookup { lookup: p.lookup },
        )
        .await
        .ok();
    assert_eq!(fetched.account_id, p.account_id);
    assert_eq!(fetched.wrapped_peer_key, vec![7; 120]);
    assert_eq!(fetched.chapter, c.chapter);
    let new_device = DeviceSigningKey::generate().unwrap();
    // Knowing the lookup is not enough: the account key must sign the new device (a
    // signature by another key, or for another device, is refused and adds nothing).
    let stranger = DeviceSigningKey::generate().unwrap();
    let forged = crate::common::recovery_device(p.lookup, &p.account_id, &new_device, &stranger);
    h.post("/v1/recovery/device", None, &forged)
        .await
        .err(403, codes::FORBIDDEN);
    let mut other_device = p.recovery_device(&stranger);
    other_device.device_key = *new_device.public_key().as_bytes();
    h.post("/v1/recovery/device", None, &other_device)
        .await
        .err(403, codes::FORBIDDEN);
    h.post(
        "/v1/auth/challenge",
        None,
        &api::ChallengeRequest {
            device_id: new_device.device_id(),
        },
    )
    .await
    .err(401, codes::UNAUTHENTICATED);
    let req = p.recovery_device(&new_device);
    let res: EnrolResponse = h.post("/v1/recovery/device", None, &req).await.ok();
    assert_eq!(res.account_id, p.account_id);
    assert_eq!(res.role, api::Role::Peer);
    // The coordinator is handed the account key's signature with the device, to check.
    let list: AccountsResponse = h.get("/v1/chapter/accounts", Some(&c.token)).await.ok();
    let account = list
        .accounts
        .iter()
        .find(|a| a.account_id == p.account_id)
        .unwrap();
    let listed = account
        .devices
        .iter()
        .find(|d| d.device_id == new_device.device_id())
        .unwrap();
    assert_eq!(listed.account_signature, Some(req.signature));
    assert_eq!(
        account.account_key,
        Some(*account_key(&p.peer_key).public_key().as_bytes())
    );
    h.post("/v1/recovery/device", None, &req)
        .await
        .err(409, codes::CONFLICT);
    h.post(
        "/v1/recovery/device",
        None,
        &RecoveryDeviceRequest {
            lookup: [3; 32],
            device_key: [4; 32],
            signature: [5; 64],
        },
    )
    .await
    .err(404, codes::NOT_FOUND);
    // The new device logs in and restores the peer's records, private ones included.
    let token = h.login(&new_device).await;
    let all = h.pull_all(&token).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].envelope, rec);
}

/// Recovery fetch and a new device by `p`'s recovery code.
async fn try_recovery<S: Storage>(h: &Harness<S>, p: &Peer) -> (Resp, Resp) {
    let lookup = RecoveryLookup { lookup: p.lookup };
    let req = p.recovery_device(&DeviceSigningKey::generate().unwrap());
    (
        h.post("/v1/recovery/fetch", None, &lookup).await,
        h.post("/v1/recovery/device", None, &req).await,
    )
}

/// A lost phone whose recovery code a thief may know: the chapter locks the account, and
/// nobody can recover it or add a device until the chapter lifts the lock.
pub async fn account_lock<S: Storage>(s: &S) {
    let h = Harness::start(s).await;
    let c = h.coordinator("Org", "Oslo").await;
    let p = h.peer(&c).await;
    let other = h.coordinator("Org", "Bergen").await;
    let path = format!("/v1/accounts/{}/lock", p.account_id);
    let now = chrono::Utc::now().timestamp();
    let lock = |locked, at| Coordinator::lock(&p.account_id, locked, at, &c.sig);
    // Only the chapter's coordinator, with the chapter key, for the account in the path.
    h.post(&path, Some(&p.token), &lock(true, now))
        .await
        .err(403, codes::FORBIDDEN);
    h.post(&path, Some(&other.token), &lock(true, now))
        .await
        .err(404, codes::NOT_FOUND);
    let by_session_only = Coordinator::lock(&p.account_id, true, now, &c.device);
    h.post(&path, Some(&c.token), &by_session_only)
        .await
        .err(400, codes::INVALID_REQUEST);
    let elsewhere = Coordinator::lock(&c.account_id, true, now, &c.sig);
    h.post(&path, Some(&c.token), &elsewhere)
        .await
        .err(400, codes::INVALID_REQUEST);
    // The coordinator cannot lock itself out (it could never lift the lock).
    h.post(
        &format!("/v1/accounts/{}/lock", c.account_id),
        Some(&c.token),
        &elsewhere,
    )
    .await
    .err(409, codes::CONFLICT);
    h.post(&path, Some(&c.token), &lock(true, now + 3 * 86_400))
        .await
        .err(400, codes::INVALID_REQUEST);
    let (fetch, _) = try_recovery(&h, &p).await;
    fetch.ok::<RecoveryFetchResponse>();
    // Locked: the recovery code finds a locked account and adds nothing.
    let res: api::LockAccountResponse = h.post(&path, Some(&c.token), &lock(true, now)).await.ok();
    assert_eq!((res.locked, res.changed), (true, true));
    let (fetch, device) = try_recovery(&h, &p).await;
    fetch.err(403, codes::ACCOUNT_LOCKED);
    device.err(403, codes::ACCOUNT_LOCKED);
    // Nor do the account's devices sync, or log in again, while it is locked.
    let pull = "/v1/sync/pull?since=0&limit=10";
    h.get(pull, Some(&p.token))
        .await
        .err(403, codes::ACCOUNT_LOCKED);
    let challenge = api::ChallengeRequest {
        device_id: p.device.device_id(),
    };
    h.post("/v1/auth/challenge", None, &challenge)
        .await
        .err(403, codes::ACCOUNT_LOCKED);
    let accounts: AccountsResponse = h.get("/v1/chapter/accounts", Some(&c.token)).await.ok();
    let listed = accounts
        .accounts
        .iter()
        .find(|a| a.account_id == p.account_id)
        .unwrap();
    assert!(listed.locked_at.is_some());
    // A replayed older unlock changes nothing; a newer one lifts the lock.
    let res: api::LockAccountResponse = h
        .post(&path, Some(&c.token), &lock(false, now - 10))
        .await
        .ok();
    assert_eq!((res.locked, res.changed), (true, false));
    try_recovery(&h, &p).await.0.err(403, codes::ACCOUNT_LOCKED);
    let res: api::LockAccountResponse = h
        .post(&path, Some(&c.token), &lock(false, now + 1))
        .await
        .ok();
    assert_eq!((res.locked, res.changed), (false, true));
    let (fetch, device) = try_recovery(&h, &p).await;
    fetch.ok::<RecoveryFetchResponse>();
    device.ok::<EnrolResponse>();
    h.get(pull, Some(&p.token)).await.ok::<api::PullResponse>();
}

/// After a lost phone the peer replaces the recovery code from a device of theirs: the old
/// code finds nothing, the new one finds the account, and only the account key can do it.
pub async fn recovery_rotation<S: Storage>(s: &S) {
    let h = Harness::start(s).await;
    let c = h.coordinator("Org", "Oslo").await;
    let p = h.peer(&c).await;
    let q = h.peer(&c).await;
    let new_lookup = [42; 32];
    // Signed by the session's device key, or by another peer's account key: refused.
    for signer in [&p.device, &account_key(&q.peer_key)] {
        h.post(
            "/v1/recovery/rotate",
            Some(&p.token),
            &p.rotation(new_lookup, vec![9; 120], signer),
        )
        .await
        .err(403, codes::FORBIDDEN);
    }
    // Signed over other bytes than those sent (a server or proxy swapping the blob).
    let mut swapped = p.rotation(new_lookup, vec![9; 120], &account_key(&p.peer_key));
    swapped.recovery.wrapped_peer_key = vec![8; 120];
    h.post("/v1/recovery/rotate", Some(&p.token), &swapped)
        .await
        .err(403, codes::FORBIDDEN);
    h.post(
        "/v1/recovery/rotate",
        None,
        &p.rotation(new_lookup, vec![9; 120], &account_key(&p.peer_key)),
    )
    .await
    .err(401, codes::UNAUTHENTICATED);
    h.post(
        "/v1/recovery/rotate",
        Some(&p.token),
        &p.rotation(new_lookup, vec![9; 4096], &account_key(&p.peer_key)),
    )
    .await
    .err(400, codes::INVALID_REQUEST);
    // Another account's lookup cannot be taken over.
    h.post(
        "/v1/recovery/rotate",
        Some(&p.token),
        &p.rotation(q.lookup, vec![9; 120], &account_key(&p.peer_key)),
    )
    .await
    .err(409, codes::CONFLICT);
    h.post(
        "/v1/recovery/fetch",
        None,
        &RecoveryLookup { lookup: p.lookup },
    )
    .await
    .ok::<RecoveryFetchResponse>();
    let res: api::RotateRecoveryResponse = h
        .post(
            "/v1/recovery/rotate",
            Some(&p.token),
            &p.rotation(new_lookup, vec![9; 120], &account_key(&p.peer_key)),
        )
        .await
        .ok();
    assert!(res.rotated);
    h.post(
        "/v1/recovery/fetch",
        None,
        &RecoveryLookup { lookup: p.lookup },
    )
    .await
    .err(404, codes::NOT_FOUND);
    let fetched: RecoveryFetchResponse = h
        .post(
            "/v1/recovery/fetch",
            None,
            &RecoveryLookup { lookup: new_lookup },
        )
        .await
        .ok();
    assert_eq!(fetched.account_id, p.account_id);
    assert_eq!(fetched.wrapped_peer_key, vec![9; 120]);
}

pub async fn rate_limits<S: Storage>(s: &S) {
    let h = Harness::start_with(
        s,
        RateLimits {
            enrol_per_minute: 3,
            login_per_minute: 2,
        },
    )
    .await;
    let lookup = InvitationLookup {
        token: "unknown".into(),
    };
    for _ in 0..3 {
        h.post("/v1/enrol/chapter", None, &lookup)
            .await
            .err(404, codes::NOT_FOUND);
    }
    let res = h.post("/v1/enrol/chapter", None, &lookup).await;
    res.err(429, codes::RATE_LIMITED);
    let retry: u64 = res.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    // Recovery shares the enrolment bucket.
    h.post(
        "/v1/recovery/fetch",
        None,
        &RecoveryLookup { lookup: [1; 32] },
    )
    .await
    .err(429, codes::RATE_LIMITED);
    let challenge = api::ChallengeRequest {
        device_id: "nobody".into(),
    };
    for _ in 0..2 {
        h.post("/v1/auth/challenge", None, &challenge)
            .await
            .err(401, codes::UNAUTHENTICATED);
    }
    h.post("/v1/auth/challenge", None, &challenge)
        .await
        .err(429, codes::RATE_LIMITED);
    // Other routes are not limited.
    assert_eq!(h.get("/healthz", None).await.status, 200);
}

pub async fn openapi_metrics_health<S: Storage>(s: &S) {
    let h = Harness::start(s).await;
    let health = h.get("/healthz", None).await;
    assert_eq!(
        (health.status, health.body.as_slice()),
        (200, b"ok".as_slice())
    );
    let doc = h.get("/v1/openapi.json", None).await.value();
    assert_eq!(doc["openapi"], "3.1.0");
    let routes = peerlog_server::http::routes::<S>();
    for route in &routes {
        let (method, path) = (route.method(), route.path());
        assert!(
            doc["paths"][path][method.as_str().to_ascii_lowercase()].is_object(),
            "{method} {path} not in the OpenAPI document"
        );
        // And the route exists on the server (not the JSON 404 fallback).
        let url_path = path.replace("{device_id}", "x");
        let res = h.send(method.clone(), &url_path, None, None).await;
        if res.status == 404 {
            let body: api::ErrorBody = res.json();
            assert_ne!(body.error.message, "no such route", "{path}");
        }
    }
    let paths = doc["paths"].as_object().unwrap();
    assert_eq!(paths.len(), routes.len(), "no extra paths");
    // Metrics count requests, pushes, logins, enrolments, and show storage gauges.
    let c = h.coordinator("Org", "Oslo").await;
    let p = h.peer(&c).await;
    let env = seal(
        &p.device,
        Collection::Contacts,
        &new_id(),
        1,
        &[c.chapter_key()],
    );
    h.push(&p.token, vec![env.clone(), env]).await;
    h.pull_all(&c.token).await;
    let res = h.get("/metrics", None).await;
    assert_eq!(res.status, 200);
    let text = String::from_utf8(res.body).unwrap();
    for line in [
        "peerlog_http_requests_total{route=\"/v1/sync/push\",method=\"POST\",status=\"2xx\"} 1",
        "peerlog_http_requests_total{route=\"/v1/openapi.json\",method=\"GET\",status=\"2xx\"} 2",
        "peerlog_push_records_total{outcome=\"accepted\"} 1",
        "peerlog_push_records_total{outcome=\"duplicate\"} 1",
        "peerlog_pulls_total 1",
        "peerlog_logins_total{result=\"success\"} 2",
        "peerlog_enrolments_total{kind=\"coordinator\"} 1",
        "peerlog_enrolments_total{kind=\"peer\"} 1",
        "peerlog_records 1",
        "peerlog_accounts 2",
        "# TYPE peerlog_devices gauge",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    assert!(
        text.contains("route=\"/v1/devices/{device_id}/revoke\""),
        "route templates, not raw paths"
    );
    assert!(!text.contains("/v1/devices/x/revoke"));
}

/// Every route × every kind of caller × the status it gets (`suite/matrix.rs`).
pub async fn authorisation_matrix<S: Storage>(s: &S) {
    matrix::run(s).await;
}

pub async fn chapter_rollup<S: Storage>(s: &S) {
    rollup::run(s).await;
}
