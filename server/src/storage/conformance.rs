//! The conformance suite every [`Storage`] backend must pass: one async function per
//! behaviour. Backends run it with [`conformance_tests!`](crate::conformance_tests), which
//! makes one `#[tokio::test]` per function, each on a fresh, empty storage.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;

use peerlog_protocol::api;

use super::{
    ChapterKeys, Enrolment, HeadWrite, HeadedPush, IncomingRecord, NewAccount, NewDevice, NewToken,
    PullScope, PushOutcome, Role, Storage, StorageError, StoredHead, StoredRollup, reject,
};

/// A fresh storage plus whatever must be cleaned up after the test (a temp dir, a database
/// to drop). The cleanup runs on drop, so also when the test fails.
pub struct Fixture<S> {
    pub storage: S,
    cleanup: Option<Box<dyn FnOnce() + Send>>,
}

impl<S> Fixture<S> {
    pub fn new(storage: S, cleanup: impl FnOnce() + Send + 'static) -> Self {
        Fixture {
            storage,
            cleanup: Some(Box::new(cleanup)),
        }
    }
}

impl<S> Fixture<S> {
    /// Takes the cleanup out (to move it to another fixture); this one then cleans nothing.
    pub fn take_cleanup(&mut self) -> impl FnOnce() + Send + 'static {
        let cleanup = self.cleanup.take();
        move || {
            if let Some(cleanup) = cleanup {
                cleanup();
            }
        }
    }
}

impl<S> std::fmt::Debug for Fixture<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fixture")
    }
}

impl<S> Drop for Fixture<S> {
    fn drop(&mut self) {
        if let Some(cleanup) = self.cleanup.take() {
            cleanup();
        }
    }
}

/// Every conformance test, by name. Keep in step with the functions below (a unit test in
/// `storage/mod.rs` compares this list with them).
///
/// `$fresh` is an `async fn() -> Option<Fixture<S>>` giving a fresh, empty storage per test
/// (`None` only when the backend is explicitly skipped).
#[macro_export]
macro_rules! conformance_tests {
    ($fresh:path) => {
        $crate::conformance_tests!(@each $fresh;
            chapters_unique_per_org,
            chapter_keys_set_once,
            tokens_single_use,
            tokens_expire,
            accounts_and_recovery_lookup,
            devices_add_list_touch,
            device_revocation,
            challenge_single_use_and_expiring,
            sessions_expire_and_are_deleted,
            push_new_duplicate_stale_conflict,
            push_not_owner,
            push_checks_account_and_chapter,
            push_batch_is_atomic,
            heads_follow_one_another_and_travel_with_their_batch,
            pull_scopes,
            private_records_never_reach_chapter,
            pull_paging,
            pull_pages_bounded_in_bytes,
            declarations_version_must_grow,
            concurrent_pushes_pulled_in_order,
            stats_and_health,
            enrolment_is_atomic,
            coordinator_enrolment_sets_keys_once,
            accounts_listed_with_peer_key,
            session_device_reports_revoked,
            declaration_version_is_current,
            addressed_records_reach_the_account,
            account_lock_newest_statement_wins,
            recovery_replaced,
            rollups_latest_per_chapter_and_year,
            org_rollups_list_every_chapter_of_the_org
        );
    };
    (@each $fresh:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                // `None`: the backend is explicitly skipped (its fixture says why).
                let Some(fixture) = $fresh().await else {
                    return;
                };
                $crate::storage::conformance::$name(&fixture.storage).await;
            }
        )*
    };
}

fn hash(n: u8) -> [u8; 32] {
    [n; 32]
}

fn rec(collection: &str, id: &str, version: u64, envelope: &[u8]) -> IncomingRecord {
    IncomingRecord {
        collection: collection.into(),
        id: id.into(),
        version,
        author_device: "dev-1".into(),
        deleted: false,
        for_chapter: true,
        addressed_to: None,
        envelope: envelope.to_vec(),
    }
}

fn private(mut r: IncomingRecord) -> IncomingRecord {
    r.for_chapter = false;
    r
}

/// A chapter with one peer account; returns (chapter id, account id).
async fn setup<S: Storage>(s: &S, chapter: &str, account: &str) -> (i64, String) {
    let c = s.create_chapter("Org", chapter).await.unwrap();
    add_account(s, c.id, account).await;
    (c.id, account.to_owned())
}

async fn add_account<S: Storage>(s: &S, chapter_id: i64, id: &str) {
    s.create_account(NewAccount {
        id: id.into(),
        chapter_id,
        role: Role::Peer,
        recovery_lookup: None,
        wrapped_peer_key: None,
        peer_key: None,
        account_key: None,
        created_at: 1000,
        locked_at: None,
        invitation: None,
        enrol_proof: None,
    })
    .await
    .unwrap();
}

/// A peer account with every recovery field set.
fn recoverable_account(chapter_id: i64) -> NewAccount {
    NewAccount {
        id: "0190a0b0-0000-7000-8000-000000000001".into(),
        chapter_id,
        role: Role::Peer,
        recovery_lookup: Some(hash(5)),
        wrapped_peer_key: Some(vec![1, 2, 3]),
        peer_key: Some(hash(6)),
        account_key: Some(hash(106)),
        created_at: 1234,
        locked_at: None,
        invitation: None,
        enrol_proof: None,
    }
}

fn code<T: std::fmt::Debug>(r: Result<T, StorageError>) -> &'static str {
    r.expect_err("expected an error").code()
}

pub async fn chapters_unique_per_org<S: Storage>(s: &S) {
    let a = s.create_chapter("Org A", "Oslo").await.unwrap();
    assert_eq!(a.org_name, "Org A");
    assert_eq!(a.name, "Oslo");
    assert_eq!(a.keys, None);
    let b = s.create_chapter("Org A", "Bergen").await.unwrap();
    assert_eq!(a.org_id, b.org_id, "same organisation reused");
    assert_ne!(a.id, b.id);
    let err = s.create_chapter("Org A", "Oslo").await.unwrap_err();
    assert!(
        matches!(err, StorageError::AlreadyExists(_)),
        "duplicate chapter name: {err:?}"
    );
    let c = s.create_chapter("Org B", "Oslo").await.unwrap();
    assert_ne!(
        c.org_id, a.org_id,
        "same chapter name in another organisation"
    );
    assert_eq!(s.chapter(a.id).await.unwrap(), Some(a));
    assert_eq!(s.chapter(c.id + 1000).await.unwrap(), None);
    assert_eq!(code(s.create_chapter("", "x").await), "invalid_input");
}

pub async fn chapter_keys_set_once<S: Storage>(s: &S) {
    let c = s.create_chapter("Org", "Oslo").await.unwrap();
    s.set_chapter_keys(c.id, hash(1), hash(2)).await.unwrap();
    let got = s.chapter(c.id).await.unwrap().unwrap();
    let keys = got.keys.unwrap();
    assert_eq!(keys.encryption_public_key, hash(1));
    assert_eq!(keys.signing_public_key, hash(2));
    let err = s
        .set_chapter_keys(c.id, hash(3), hash(4))
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::AlreadyExists(_)), "{err:?}");
    let keys = s.chapter(c.id).await.unwrap().unwrap().keys.unwrap();
    assert_eq!(keys.encryption_public_key, hash(1), "unchanged");
    assert_eq!(
        code(s.set_chapter_keys(c.id + 1000, hash(3), hash(4)).await),
        "not_found"
    );
}

pub async fn tokens_single_use<S: Storage>(s: &S) {
    let (chapter, admin) = setup(s, "Oslo", "admin-1").await;
    let token = NewToken {
        token_hash: hash(7),
        chapter_id: chapter,
        role: Role::Coordinator,
        expires_at: 2000,
        created_by: Some(admin.clone()),
    };
    s.create_token(token.clone()).await.unwrap();
    assert_eq!(
        code(s.create_token(token.clone()).await),
        "already_exists",
        "same hash twice"
    );
    let used = s.consume_token(hash(7), 1500).await.unwrap();
    assert_eq!(used.chapter_id, chapter);
    assert_eq!(used.role, Role::Coordinator);
    assert_eq!(used.created_by.as_deref(), Some(admin.as_str()));
    assert_eq!(used.used_at, Some(1500));
    let again = s.consume_token(hash(7), 1501).await.unwrap_err();
    assert!(matches!(again, StorageError::AlreadyUsed), "{again:?}");
    let unknown = s.consume_token(hash(8), 1500).await.unwrap_err();
    assert!(matches!(unknown, StorageError::NotFound(_)), "{unknown:?}");
    // A token for an unknown chapter is refused, not stored.
    let mut bad = token;
    bad.token_hash = hash(9);
    bad.chapter_id = chapter + 1000;
    assert_eq!(code(s.create_token(bad).await), "not_found");
}

pub async fn tokens_expire<S: Storage>(s: &S) {
    let (chapter, _) = setup(s, "Oslo", "admin-1").await;
    for (n, expires_at) in [(1u8, 1000), (2u8, 1000)] {
        s.create_token(NewToken {
            token_hash: hash(n),
            chapter_id: chapter,
            role: Role::Peer,
            expires_at,
            created_by: None,
        })
        .await
        .unwrap();
    }
    let err = s.consume_token(hash(1), 1000).await.unwrap_err();
    assert!(matches!(err, StorageError::Expired), "at expiry: {err:?}");
    let err = s.consume_token(hash(1), 999).await;
    assert!(err.is_ok(), "an expired attempt does not use the token up");
    let err = s.consume_token(hash(2), 5000).await.unwrap_err();
    assert_eq!(err.code(), "expired");
}

pub async fn accounts_and_recovery_lookup<S: Storage>(s: &S) {
    let c = s.create_chapter("Org", "Oslo").await.unwrap();
    let account = recoverable_account(c.id);
    s.create_account(account.clone()).await.unwrap();
    assert_eq!(s.account(&account.id).await.unwrap(), Some(account.clone()));
    assert_eq!(
        s.account_by_recovery_lookup(hash(5)).await.unwrap(),
        Some(account.clone())
    );
    assert_eq!(s.account_by_recovery_lookup(hash(6)).await.unwrap(), None);
    assert_eq!(s.account("nobody").await.unwrap(), None);
    assert_eq!(
        code(s.create_account(account.clone()).await),
        "already_exists"
    );
    let mut same_lookup = account.clone();
    same_lookup.id = "other".into();
    assert_eq!(code(s.create_account(same_lookup).await), "already_exists");
    let mut no_chapter = account;
    no_chapter.id = "third".into();
    no_chapter.recovery_lookup = None;
    no_chapter.chapter_id = c.id + 1000;
    assert_eq!(code(s.create_account(no_chapter).await), "not_found");
    add_account(s, c.id, "plain").await;
    let plain = s.account("plain").await.unwrap().unwrap();
    assert_eq!(plain.recovery_lookup, None);
    assert_eq!(plain.wrapped_peer_key, None);
}

pub async fn devices_add_list_touch<S: Storage>(s: &S) {
    let (chapter, acc) = setup(s, "Oslo", "acc-1").await;
    add_account(s, chapter, "acc-2").await;
    let (other_chapter, _) = setup(s, "Bergen", "acc-3").await;
    for (dev, account, at) in [
        ("dev-b", acc.as_str(), 20),
        ("dev-a", acc.as_str(), 10),
        ("dev-c", "acc-2", 30),
        ("dev-d", "acc-3", 5),
    ] {
        s.add_device(NewDevice {
            device_id: dev.into(),
            account_id: account.into(),
            public_key: hash(at as u8),
            created_at: at,
            account_signature: None,
        })
        .await
        .unwrap();
    }
    let dup = NewDevice {
        device_id: "dev-a".into(),
        account_id: acc.clone(),
        public_key: hash(1),
        created_at: 1,
        account_signature: None,
    };
    assert_eq!(code(s.add_device(dup).await), "already_exists");
    let orphan = NewDevice {
        device_id: "dev-x".into(),
        account_id: "nobody".into(),
        public_key: hash(1),
        created_at: 1,
        account_signature: None,
    };
    assert_eq!(code(s.add_device(orphan).await), "not_found");

    let d = s.device("dev-a").await.unwrap().unwrap();
    assert_eq!(d.account_id, acc);
    assert_eq!(d.chapter_id, chapter);
    assert_eq!(d.role, Role::Peer);
    assert_eq!(d.public_key, hash(10));
    assert_eq!((d.created_at, d.last_seen, d.revoked_at), (10, None, None));
    assert_eq!(s.device("dev-x").await.unwrap(), None);

    let all: Vec<_> = s
        .list_devices(chapter, None)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.device_id)
        .collect();
    assert_eq!(
        all,
        ["dev-a", "dev-b", "dev-c"],
        "oldest first, chapter only"
    );
    let mine: Vec<_> = s
        .list_devices(chapter, Some(&acc))
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.device_id)
        .collect();
    assert_eq!(mine, ["dev-a", "dev-b"]);
    assert_eq!(s.list_devices(other_chapter, None).await.unwrap().len(), 1);

    s.touch_device("dev-a", 100).await.unwrap();
    assert_eq!(
        s.device("dev-a").await.unwrap().unwrap().last_seen,
        Some(100)
    );
    s.touch_device("dev-a", 50).await.unwrap();
    assert_eq!(
        s.device("dev-a").await.unwrap().unwrap().last_seen,
        Some(100),
        "last_seen never goes back"
    );
    assert_eq!(code(s.touch_device("dev-x", 1).await), "not_found");
}

pub async fn device_revocation<S: Storage>(s: &S) {
    let (_, acc) = setup(s, "Oslo", "acc-1").await;
    s.add_device(NewDevice {
        device_id: "dev-1".into(),
        account_id: acc,
        public_key: hash(1),
        created_at: 10,
        account_signature: None,
    })
    .await
    .unwrap();
    s.put_session(hash(1), "dev-1", 1000).await.unwrap();
    assert_eq!(
        s.session(hash(1), 100).await.unwrap().as_deref(),
        Some("dev-1")
    );
    assert_eq!(s.device("dev-1").await.unwrap().unwrap().revocation, None);
    assert!(s.revoke_device("dev-1", 200, b"first").await.unwrap());
    assert!(
        !s.revoke_device("dev-1", 300, b"second").await.unwrap(),
        "already revoked"
    );
    assert!(
        !s.revoke_device("dev-x", 300, b"x").await.unwrap(),
        "unknown"
    );
    let d = s.device("dev-1").await.unwrap().unwrap();
    assert_eq!(d.revoked_at, Some(200), "first revocation time kept");
    assert_eq!(
        d.revocation.as_deref(),
        Some(&b"first"[..]),
        "and its statement"
    );
    assert_eq!(
        s.session(hash(1), 100).await.unwrap(),
        None,
        "a revoked device's session is dead"
    );
    assert_eq!(s.delete_sessions_for_device("dev-1").await.unwrap(), 1);
    assert_eq!(s.delete_sessions_for_device("dev-1").await.unwrap(), 0);
}

pub async fn challenge_single_use_and_expiring<S: Storage>(s: &S) {
    let (_, acc) = setup(s, "Oslo", "acc-1").await;
    s.add_device(NewDevice {
        device_id: "dev-1".into(),
        account_id: acc,
        public_key: hash(1),
        created_at: 10,
        account_signature: None,
    })
    .await
    .unwrap();
    s.put_challenge("dev-1", hash(1), 100).await.unwrap();
    s.put_challenge("dev-1", hash(2), 100).await.unwrap();
    assert!(
        !s.take_challenge("dev-2", hash(1), 50).await.unwrap(),
        "wrong device"
    );
    assert!(s.take_challenge("dev-1", hash(1), 50).await.unwrap());
    assert!(
        !s.take_challenge("dev-1", hash(1), 50).await.unwrap(),
        "single use"
    );
    assert!(
        !s.take_challenge("dev-1", hash(2), 100).await.unwrap(),
        "expired"
    );
    assert!(
        !s.take_challenge("dev-1", hash(2), 50).await.unwrap(),
        "an expired take still consumes it"
    );
    assert_eq!(
        code(s.put_challenge("dev-x", hash(3), 100).await),
        "not_found"
    );
    s.put_challenge("dev-1", hash(4), 100).await.unwrap();
    assert!(s.purge_expired(100).await.unwrap() >= 1);
    assert!(
        !s.take_challenge("dev-1", hash(4), 50).await.unwrap(),
        "purged"
    );
}

pub async fn sessions_expire_and_are_deleted<S: Storage>(s: &S) {
    let (_, acc) = setup(s, "Oslo", "acc-1").await;
    for dev in ["dev-1", "dev-2"] {
        s.add_device(NewDevice {
            device_id: dev.into(),
            account_id: acc.clone(),
            public_key: hash(1),
            created_at: 10,
            account_signature: None,
        })
        .await
        .unwrap();
    }
    s.put_session(hash(1), "dev-1", 100).await.unwrap();
    s.put_session(hash(2), "dev-1", 200).await.unwrap();
    s.put_session(hash(3), "dev-2", 200).await.unwrap();
    assert_eq!(
        code(s.put_session(hash(1), "dev-2", 100).await),
        "already_exists"
    );
    assert_eq!(
        code(s.put_session(hash(9), "dev-x", 100).await),
        "not_found"
    );
    assert_eq!(
        s.session(hash(1), 99).await.unwrap().as_deref(),
        Some("dev-1")
    );
    assert_eq!(s.session(hash(1), 100).await.unwrap(), None, "expired");
    assert_eq!(s.session(hash(8), 1).await.unwrap(), None, "unknown");
    assert_eq!(s.purge_expired(150).await.unwrap(), 1);
    assert_eq!(s.session(hash(1), 1).await.unwrap(), None, "purged");
    assert_eq!(
        s.session(hash(2), 150).await.unwrap().as_deref(),
        Some("dev-1")
    );
    assert_eq!(s.delete_sessions_for_device("dev-1").await.unwrap(), 1);
    assert_eq!(s.session(hash(2), 150).await.unwrap(), None);
    assert_eq!(
        s.session(hash(3), 150).await.unwrap().as_deref(),
        Some("dev-2"),
        "other devices keep theirs"
    );
}

pub async fn push_new_duplicate_stale_conflict<S: Storage>(s: &S) {
    let (chapter, acc) = setup(s, "Oslo", "acc-1").await;
    let out = s
        .push(
            &acc,
            chapter,
            &[
                rec("contacts", "r1", 5, b"v5"),
                rec("notes", "r1", 5, b"n5"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(
        out,
        [
            PushOutcome::Accepted { seq: 1 },
            PushOutcome::Accepted { seq: 2 }
        ]
    );
    let out = s
        .push(
            &acc,
            chapter,
            &[
                rec("contacts", "r1", 5, b"v5"),    // same bytes again
                rec("contacts", "r1", 4, b"v4"),    // older
                rec("contacts", "r1", 5, b"other"), // same version, other bytes
                rec("notes", "r1", 6, b"n6"),       // newer
                rec("notes", "r1", 6, b"n6"),       // newer, then repeated in the batch
            ],
        )
        .await
        .unwrap();
    assert_eq!(
        out,
        [
            PushOutcome::Duplicate { seq: 1 },
            PushOutcome::Stale { current_version: 5 },
            PushOutcome::Rejected {
                code: reject::VERSION_CONFLICT
            },
            PushOutcome::Accepted { seq: 3 },
            PushOutcome::Duplicate { seq: 3 },
        ]
    );
    // A tombstone is a version.
    let mut tomb = rec("contacts", "r1", 7, b"t7");
    tomb.deleted = true;
    assert_eq!(
        s.push(&acc, chapter, &[tomb]).await.unwrap(),
        [PushOutcome::Accepted { seq: 4 }]
    );
    let page = s.pull(PullScope::Account(&acc), 0, 100).await.unwrap();
    let got: Vec<_> = page
        .records
        .iter()
        .map(|r| {
            (
                r.seq,
                r.collection.as_str(),
                r.version,
                r.deleted,
                r.envelope.as_slice(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (3, "notes", 6, false, &b"n6"[..]),
            (4, "contacts", 7, true, &b"t7"[..])
        ],
        "only the current version of each record is kept"
    );
    assert_eq!(s.stats().await.unwrap().records, 2);
    assert_eq!(s.push(&acc, chapter, &[]).await.unwrap(), []);
}

pub async fn push_not_owner<S: Storage>(s: &S) {
    let (chapter, acc) = setup(s, "Oslo", "acc-1").await;
    add_account(s, chapter, "acc-2").await;
    let (other_chapter, _) = setup(s, "Bergen", "acc-3").await;
    s.push(&acc, chapter, &[rec("contacts", "r1", 1, b"a")])
        .await
        .unwrap();
    let not_owner = PushOutcome::Rejected {
        code: reject::NOT_OWNER,
    };
    for (account, ch) in [("acc-2", chapter), ("acc-3", other_chapter)] {
        for version in [0, 1, 2] {
            let out = s
                .push(account, ch, &[rec("contacts", "r1", version, b"b")])
                .await
                .unwrap();
            assert_eq!(
                out,
                std::slice::from_ref(&not_owner),
                "{account} v{version}"
            );
        }
    }
    let page = s.pull(PullScope::Account(&acc), 0, 10).await.unwrap();
    assert_eq!(page.records.len(), 1);
    assert_eq!(page.records[0].envelope, b"a");
    assert!(
        s.pull(PullScope::Account("acc-2"), 0, 10)
            .await
            .unwrap()
            .records
            .is_empty()
    );
}

pub async fn push_checks_account_and_chapter<S: Storage>(s: &S) {
    let (chapter, acc) = setup(s, "Oslo", "acc-1").await;
    let (other, _) = setup(s, "Bergen", "acc-2").await;
    let batch = [rec("contacts", "r1", 1, b"a")];
    assert_eq!(code(s.push("nobody", chapter, &batch).await), "not_found");
    assert_eq!(code(s.push(&acc, other, &batch).await), "invalid_input");
    assert_eq!(s.stats().await.unwrap().records, 0);
}

pub async fn push_batch_is_atomic<S: Storage>(s: &S) {
    let (chapter, acc) = setup(s, "Oslo", "acc-1").await;
    s.push(&acc, chapter, &[rec("contacts", "r0", 1, b"old")])
        .await
        .unwrap();
    let before = s.pull(PullScope::Account(&acc), 0, 100).await.unwrap();

    // A database constraint fails on the last record (an empty collection violates a CHECK).
    let batch = [
        rec("contacts", "r0", 2, b"new"),
        rec("contacts", "r1", 1, b"a"),
        rec("", "r2", 1, b"b"),
    ];
    assert!(s.push(&acc, chapter, &batch).await.is_err());
    // A value the database cannot hold fails on the last record.
    let batch = [
        rec("contacts", "r0", 2, b"new"),
        rec("contacts", "r1", 1, b"a"),
        rec("contacts", "r2", u64::MAX, b"b"),
    ];
    assert_eq!(code(s.push(&acc, chapter, &batch).await), "invalid_input");

    let after = s.pull(PullScope::Account(&acc), 0, 100).await.unwrap();
    assert_eq!(before, after, "nothing of a failed batch is stored");
    assert_eq!(s.stats().await.unwrap().records, 1);
    // Sequence numbers of failed batches are not used up: the next accepted record follows.
    let out = s
        .push(&acc, chapter, &[rec("contacts", "r1", 1, b"a")])
        .await
        .unwrap();
    assert_eq!(out, [PushOutcome::Accepted { seq: 2 }]);
}

pub async fn heads_follow_one_another_and_travel_with_their_batch<S: Storage>(s: &S) {
    let (chapter, acc) = setup(s, "Oslo", "acc-1").await;
    add_account(s, chapter, "acc-2").await;
    let head = |seq: u64| HeadWrite {
        seq,
        head: format!("head {seq}").into_bytes(),
    };
    assert_eq!(s.account_head(&acc).await.unwrap(), None);
    // The first head is 1; a head that skips one, or repeats the stored one, stores nothing.
    for wrong in [0, 2] {
        let out = s
            .push_headed(
                &acc,
                chapter,
                &[rec("contacts", "r1", 1, b"a")],
                &head(wrong),
            )
            .await
            .unwrap();
        assert_eq!(out, HeadedPush::Conflict(None), "seq {wrong}");
    }
    assert_eq!(s.stats().await.unwrap().records, 0);
    let out = s
        .push_headed(&acc, chapter, &[rec("contacts", "r1", 1, b"a")], &head(1))
        .await
        .unwrap();
    assert_eq!(
        out,
        HeadedPush::Stored(vec![PushOutcome::Accepted { seq: 1 }])
    );
    let stored = |seq: u64| StoredHead {
        seq,
        head: format!("head {seq}").into_bytes(),
    };
    assert_eq!(s.account_head(&acc).await.unwrap(), Some(stored(1)));
    for wrong in [1, 3] {
        let out = s
            .push_headed(
                &acc,
                chapter,
                &[rec("contacts", "r2", 1, b"b")],
                &head(wrong),
            )
            .await
            .unwrap();
        assert_eq!(out, HeadedPush::Conflict(Some(1)), "seq {wrong}");
    }
    // A record that is not stored (stale, or another account's) keeps the whole batch and
    // its head out.
    for refused in [
        rec("contacts", "r1", 0, b"old"),
        rec("contacts", "x", 1, b"x"),
    ] {
        if refused.id == "x" {
            s.push("acc-2", chapter, &[rec("contacts", "x", 1, b"theirs")])
                .await
                .unwrap();
        }
        let out = s
            .push_headed(
                &acc,
                chapter,
                &[rec("contacts", "r2", 1, b"b"), refused],
                &head(2),
            )
            .await
            .unwrap();
        let HeadedPush::Incomplete(outcomes) = out else {
            panic!("{out:?}");
        };
        assert!(outcomes[0].stored(), "{outcomes:?}");
        assert!(!outcomes[1].stored(), "{outcomes:?}");
        assert_eq!(s.account_head(&acc).await.unwrap(), Some(stored(1)));
        let page = s.pull(PullScope::Account(&acc), 0, 10).await.unwrap();
        assert_eq!(page.records.len(), 1, "nothing of the batch stored");
    }
    // A repeated record is already there: it does not keep the head out.
    let out = s
        .push_headed(
            &acc,
            chapter,
            &[
                rec("contacts", "r1", 1, b"a"),
                rec("contacts", "r2", 1, b"b"),
            ],
            &head(2),
        )
        .await
        .unwrap();
    let HeadedPush::Stored(outcomes) = out else {
        panic!("{out:?}");
    };
    assert!(outcomes.iter().all(PushOutcome::stored));
    assert_eq!(s.account_head(&acc).await.unwrap(), Some(stored(2)));
    // Another account's head is its own; a push without a head is refused for an account
    // that keeps one (an app from before heads would make it untrue), and changes nothing.
    assert_eq!(s.account_head("acc-2").await.unwrap(), None);
    // The chapter's heads: every account of the chapter that keeps one, none of another's.
    let (bergen, other) = setup(s, "Bergen", "acc-3").await;
    s.push_headed(&other, bergen, &[rec("contacts", "b1", 1, b"b")], &head(1))
        .await
        .unwrap();
    s.push_headed(
        "acc-2",
        chapter,
        &[rec("contacts", "c1", 1, b"c")],
        &head(1),
    )
    .await
    .unwrap();
    assert_eq!(
        s.chapter_heads(chapter).await.unwrap(),
        [stored(2), stored(1)],
        "acc-1's, then acc-2's"
    );
    assert_eq!(s.chapter_heads(bergen).await.unwrap(), [stored(1)]);
    let headless = s
        .push(&acc, chapter, &[rec("contacts", "r3", 1, b"c")])
        .await;
    assert!(
        matches!(headless, Err(StorageError::HeadRequired)),
        "{headless:?}"
    );
    assert_eq!(s.account_head(&acc).await.unwrap(), Some(stored(2)));
    let page = s.pull(PullScope::Account(&acc), 0, 10).await.unwrap();
    assert!(page.records.iter().all(|r| r.id != "r3"));
}

pub async fn pull_scopes<S: Storage>(s: &S) {
    let (chapter, a) = setup(s, "Oslo", "acc-a").await;
    add_account(s, chapter, "acc-b").await;
    let (other, c) = setup(s, "Bergen", "acc-c").await;
    s.push(
        &a,
        chapter,
        &[
            rec("contacts", "a1", 1, b"a1"),
            rec("contacts", "a2", 1, b"a2"),
        ],
    )
    .await
    .unwrap();
    s.push("acc-b", chapter, &[rec("contacts", "b1", 1, b"b1")])
        .await
        .unwrap();
    s.push(&c, other, &[rec("contacts", "c1", 1, b"c1")])
        .await
        .unwrap();
    let ids = |p: super::PullPage| p.records.into_iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(
        ids(s.pull(PullScope::Account(&a), 0, 100).await.unwrap()),
        ["a1", "a2"]
    );
    assert_eq!(
        ids(s.pull(PullScope::Account("acc-b"), 0, 100).await.unwrap()),
        ["b1"]
    );
    assert_eq!(
        ids(s.pull(PullScope::Chapter(chapter), 0, 100).await.unwrap()),
        ["a1", "a2", "b1"]
    );
    assert_eq!(
        ids(s.pull(PullScope::Chapter(other), 0, 100).await.unwrap()),
        ["c1"]
    );
    assert!(
        s.pull(PullScope::Account("nobody"), 0, 100)
            .await
            .unwrap()
            .records
            .is_empty()
    );
    let empty = s
        .pull(PullScope::Chapter(other + 1000), 7, 100)
        .await
        .unwrap();
    assert!(empty.records.is_empty());
    assert_eq!((empty.cursor, empty.has_more), (7, false));
    assert_eq!(
        code(s.pull(PullScope::Chapter(chapter), 0, 0).await),
        "invalid_input"
    );
}

pub async fn private_records_never_reach_chapter<S: Storage>(s: &S) {
    let (chapter, acc) = setup(s, "Oslo", "acc-1").await;
    s.push(
        &acc,
        chapter,
        &[
            rec("contacts", "r1", 1, b"shared"),
            private(rec("notes", "r1", 1, b"private")),
        ],
    )
    .await
    .unwrap();
    // A shared record that becomes private in a new version.
    s.push(&acc, chapter, &[private(rec("notes", "r2", 1, b"p"))])
        .await
        .unwrap();
    s.push(&acc, chapter, &[rec("contacts", "r2", 1, b"x")])
        .await
        .unwrap();
    s.push(
        &acc,
        chapter,
        &[private(rec("contacts", "r2", 2, b"now private"))],
    )
    .await
    .unwrap();
    let chapter_page = s.pull(PullScope::Chapter(chapter), 0, 100).await.unwrap();
    let seen: Vec<_> = chapter_page
        .records
        .iter()
        .map(|r| (r.collection.as_str(), r.id.as_str()))
        .collect();
    assert_eq!(seen, [("contacts", "r1")]);
    assert!(
        chapter_page.records.iter().all(|r| r.envelope == b"shared"),
        "no private envelope reaches the chapter"
    );
    let own = s.pull(PullScope::Account(&acc), 0, 100).await.unwrap();
    assert_eq!(own.records.len(), 4, "the peer gets its private records");
}

pub async fn pull_paging<S: Storage>(s: &S) {
    let (chapter, acc) = setup(s, "Oslo", "acc-1").await;
    let batch: Vec<_> = (0..10)
        .map(|i| {
            let r = rec(
                "contacts",
                &format!("r{i:02}"),
                1,
                format!("e{i}").as_bytes(),
            );
            if i % 3 == 0 { private(r) } else { r }
        })
        .collect();
    s.push(&acc, chapter, &batch).await.unwrap();

    for (scope, expected) in [
        (PullScope::Account(&acc), 10usize),
        (PullScope::Chapter(chapter), 6usize),
    ] {
        let mut cursor = 0;
        let mut seen = Vec::new();
        let mut pages = 0;
        loop {
            let page = s.pull(scope, cursor, 3).await.unwrap();
            pages += 1;
            assert!(page.records.len() <= 3);
            assert!(page.records.iter().all(|r| r.seq > cursor));
            assert!(page.records.windows(2).all(|w| w[0].seq < w[1].seq));
            if let Some(last) = page.records.last() {
                assert_eq!(page.cursor, last.seq);
            } else {
                assert_eq!(page.cursor, cursor);
            }
            seen.extend(page.records.iter().map(|r| r.id.clone()));
            cursor = page.cursor;
            if !page.has_more {
                break;
            }
            assert_eq!(page.records.len(), 3, "has_more only on a full page");
        }
        assert_eq!(seen.len(), expected, "{scope:?}");
        assert_eq!(
            pages,
            expected.div_ceil(3),
            "has_more is exact: no empty trailing page ({scope:?})"
        );
        let end = s.pull(scope, cursor, 3).await.unwrap();
        assert!(end.records.is_empty());
        assert_eq!((end.cursor, end.has_more), (cursor, false));
    }
    // An exact fit: limit equal to what is left says has_more = false.
    let page = s.pull(PullScope::Account(&acc), 0, 10).await.unwrap();
    assert_eq!((page.records.len(), page.has_more), (10, false));
    let page = s.pull(PullScope::Account(&acc), 0, 9).await.unwrap();
    assert_eq!((page.records.len(), page.has_more), (9, true));
}

/// Large records are pulled over several pages, each within the byte budget (a record
/// larger than the budget alone), nothing lost or repeated, the cursor at each page's end.
pub async fn pull_pages_bounded_in_bytes<S: Storage>(s: &S) {
    let (chapter, acc) = setup(s, "Oslo", "acc-1").await;
    const MIB: usize = 1024 * 1024;
    let budget = api::MAX_PULL_PAGE_BYTES;
    // Receipt-sized records with small ones between, and one over the budget.
    let sizes = [
        3 * MIB,
        100,
        3 * MIB,
        3 * MIB,
        budget + 1,
        200,
        3 * MIB,
        3 * MIB,
        300,
    ];
    let mut pushed = Vec::new();
    for (i, &size) in sizes.iter().enumerate() {
        let id = format!("big{i:02}");
        let envelope = vec![b'a' + (i as u8 % 26); size];
        s.push(&acc, chapter, &[rec("expenses", &id, 1, &envelope)])
            .await
            .unwrap();
        pushed.push(id);
    }
    for scope in [PullScope::Account(&acc), PullScope::Chapter(chapter)] {
        let mut cursor = 0;
        let mut seen = Vec::new();
        let mut pages = 0;
        loop {
            let page = s.pull(scope, cursor, api::MAX_PULL_LIMIT).await.unwrap();
            pages += 1;
            assert!(!page.records.is_empty(), "no empty page while more follow");
            let bytes: usize = page.records.iter().map(|r| r.envelope.len()).sum();
            assert!(
                bytes <= budget || page.records.len() == 1,
                "page {pages} holds {bytes} bytes in {} records",
                page.records.len()
            );
            assert!(page.records.iter().all(|r| r.seq > cursor));
            assert!(page.records.windows(2).all(|w| w[0].seq < w[1].seq));
            assert_eq!(page.cursor, page.records.last().map(|r| r.seq).unwrap());
            for r in &page.records {
                let i = seen.len();
                assert_eq!(r.envelope.len(), sizes[i], "{} arrives whole", r.id);
                seen.push(r.id.clone());
            }
            cursor = page.cursor;
            if !page.has_more {
                break;
            }
        }
        assert_eq!(seen, pushed, "each record once, in order ({scope:?})");
        assert!(pages >= 4, "{pages} pages for {scope:?}");
        let end = s.pull(scope, cursor, api::MAX_PULL_LIMIT).await.unwrap();
        assert!(end.records.is_empty());
        assert_eq!((end.cursor, end.has_more), (cursor, false));
    }
    // The count limit still applies under the byte budget.
    let page = s.pull(PullScope::Account(&acc), 0, 1).await.unwrap();
    assert_eq!((page.records.len(), page.has_more), (1, true));
}

pub async fn declarations_version_must_grow<S: Storage>(s: &S) {
    let c = s.create_chapter("Org", "Oslo").await.unwrap();
    assert_eq!(s.current_declaration(c.id).await.unwrap(), None);
    s.publish_declaration(c.id, "taushet", 1, b"{\"v\":1}".to_vec(), 100)
        .await
        .unwrap();
    s.publish_declaration(c.id, "taushet", 3, b"{\"v\":3}".to_vec(), 200)
        .await
        .unwrap();
    for v in [3, 2, 0] {
        let err = s
            .publish_declaration(c.id, "taushet", v, b"x".to_vec(), 300)
            .await
            .unwrap_err();
        assert!(matches!(err, StorageError::Conflict(_)), "v{v}: {err:?}");
    }
    let cur = s.current_declaration(c.id).await.unwrap().unwrap();
    assert_eq!(
        (
            cur.declaration_id.as_str(),
            cur.version,
            cur.document.as_slice(),
            cur.published_at
        ),
        ("taushet", 3, &b"{\"v\":3}"[..], 200)
    );
    let other = s.create_chapter("Org", "Bergen").await.unwrap();
    assert_eq!(s.current_declaration(other.id).await.unwrap(), None);
    s.publish_declaration(other.id, "taushet", 1, b"b".to_vec(), 1)
        .await
        .unwrap();
    assert_eq!(
        code(
            s.publish_declaration(other.id + 1000, "x", 1, b"b".to_vec(), 1)
                .await
        ),
        "not_found"
    );
}

/// Many tasks push while a puller loops: the puller sees strictly increasing sequence
/// numbers and ends with every record exactly once (no record committed behind its cursor).
pub async fn concurrent_pushes_pulled_in_order<S: Storage>(s: &S) {
    const PUSHERS: usize = 8;
    const BATCHES: usize = 15;
    const PER_BATCH: usize = 4;
    let c = s.create_chapter("Org", "Oslo").await.unwrap();
    for p in 0..PUSHERS {
        add_account(s, c.id, &format!("acc-{p}")).await;
    }
    let mut pushers = Vec::new();
    for p in 0..PUSHERS {
        let s = s.clone();
        let chapter = c.id;
        pushers.push(tokio::spawn(async move {
            for b in 0..BATCHES {
                let batch: Vec<_> = (0..PER_BATCH)
                    .map(|i| rec("contacts", &format!("p{p}-b{b}-r{i}"), 1, b"e"))
                    .collect();
                let out = s.push(&format!("acc-{p}"), chapter, &batch).await.unwrap();
                assert!(
                    out.iter()
                        .all(|o| matches!(o, PushOutcome::Accepted { .. }))
                );
                tokio::task::yield_now().await;
            }
        }));
    }
    let puller = {
        let s = s.clone();
        let chapter = c.id;
        let total = PUSHERS * BATCHES * PER_BATCH;
        tokio::spawn(async move {
            let mut cursor = 0;
            let mut seen = Vec::new();
            let mut ids = HashSet::new();
            let started = std::time::Instant::now();
            while seen.len() < total {
                let page = s
                    .pull(PullScope::Chapter(chapter), cursor, 7)
                    .await
                    .unwrap();
                for r in &page.records {
                    assert!(r.seq > cursor, "seq {} after cursor {cursor}", r.seq);
                    cursor = r.seq;
                    assert!(ids.insert(r.id.clone()), "{} pulled twice", r.id);
                    seen.push(r.seq);
                }
                assert_eq!(page.cursor, cursor);
                if page.records.is_empty() {
                    assert!(
                        started.elapsed() < std::time::Duration::from_secs(60),
                        "puller stuck at {} of {total} records",
                        seen.len()
                    );
                    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                }
            }
            ids
        })
    };
    for p in pushers {
        p.await.unwrap();
    }
    let ids = puller.await.unwrap();
    assert_eq!(ids.len(), PUSHERS * BATCHES * PER_BATCH);
    let end = s.pull(PullScope::Chapter(c.id), 0, 1000).await.unwrap();
    assert_eq!(end.records.len(), ids.len());
    let seqs: Vec<_> = end.records.iter().map(|r| r.seq).collect();
    let dense: Vec<u64> = (1..=ids.len() as u64).collect();
    assert_eq!(seqs, dense, "per-chapter sequence numbers are dense");
}

pub async fn stats_and_health<S: Storage>(s: &S) {
    s.health().await.unwrap();
    assert_eq!(s.stats().await.unwrap(), super::Stats::default());
    let (chapter, acc) = setup(s, "Oslo", "acc-1").await;
    s.create_chapter("Org", "Bergen").await.unwrap();
    s.add_device(NewDevice {
        device_id: "dev-1".into(),
        account_id: acc.clone(),
        public_key: hash(1),
        created_at: 1,
        account_signature: None,
    })
    .await
    .unwrap();
    s.push(
        &acc,
        chapter,
        &[rec("contacts", "r1", 1, b"a"), rec("notes", "r1", 1, b"b")],
    )
    .await
    .unwrap();
    assert_eq!(
        s.stats().await.unwrap(),
        super::Stats {
            chapters: 2,
            accounts: 1,
            devices: 1,
            records: 2
        }
    );
}

fn enrolment(role: Role, account: &str, device: &str, lookup: u8, at: i64) -> Enrolment {
    Enrolment {
        role,
        account_id: account.into(),
        peer_key: Some(hash(40)),
        account_key: Some(hash(140)),
        recovery_lookup: Some(hash(lookup)),
        wrapped_peer_key: Some(vec![9; 80]),
        enrol_proof: Some(hash(42)),
        chapter_keys: None,
        device_id: device.into(),
        device_key: hash(41),
        at,
    }
}

async fn token_for<S: Storage>(s: &S, chapter_id: i64, n: u8, role: Role, expires_at: i64) {
    s.create_token(NewToken {
        token_hash: hash(n),
        chapter_id,
        role,
        expires_at,
        created_by: None,
    })
    .await
    .unwrap();
}

pub async fn enrolment_is_atomic<S: Storage>(s: &S) {
    let (chapter, _) = setup(s, "Oslo", "existing").await;
    token_for(s, chapter, 1, Role::Peer, 1000).await;
    token_for(s, chapter, 2, Role::Peer, 100).await;
    token_for(s, chapter, 3, Role::Coordinator, 1000).await;
    let before = s.stats().await.unwrap();
    // Unknown token, token of another role, expired token: nothing changes.
    let e = enrolment(Role::Peer, "acc-1", "dev-1", 50, 500);
    assert_eq!(code(s.enrol(hash(9), e.clone()).await), "not_found");
    let wrong_role = enrolment(Role::Coordinator, "acc-1", "dev-1", 50, 500);
    assert_eq!(code(s.enrol(hash(1), wrong_role).await), "not_found");
    assert_eq!(code(s.enrol(hash(2), e.clone()).await), "expired");
    // A taken account id: the token stays unused and nothing is written.
    let taken = enrolment(Role::Peer, "existing", "dev-1", 50, 500);
    assert_eq!(code(s.enrol(hash(1), taken).await), "already_exists");
    assert_eq!(s.token(hash(1)).await.unwrap().unwrap().used_at, None);
    assert_eq!(s.device("dev-1").await.unwrap(), None);
    assert_eq!(s.stats().await.unwrap(), before, "nothing half-written");
    // Success.
    let token = s.enrol(hash(1), e.clone()).await.unwrap();
    assert_eq!(token.chapter_id, chapter);
    assert_eq!(token.used_at, Some(500));
    let account = s.account("acc-1").await.unwrap().unwrap();
    assert_eq!(account.role, Role::Peer);
    assert_eq!(account.peer_key, Some(hash(40)));
    assert_eq!(account.recovery_lookup, Some(hash(50)));
    assert_eq!(account.wrapped_peer_key, Some(vec![9; 80]));
    assert_eq!(account.created_at, 500);
    // What the coordinator checks the peer's keys with, kept as it came.
    assert_eq!(account.enrol_proof, Some(hash(42)));
    assert!(account.invitation.is_some());
    let device = s.device("dev-1").await.unwrap().unwrap();
    assert_eq!(device.account_id, "acc-1");
    assert_eq!(device.public_key, hash(41));
    assert_eq!(device.chapter_id, chapter);
    // Used: refused, nothing more written.
    let again = enrolment(Role::Peer, "acc-2", "dev-2", 51, 501);
    assert!(matches!(
        s.enrol(hash(1), again).await.unwrap_err(),
        StorageError::AlreadyUsed
    ));
    assert_eq!(s.account("acc-2").await.unwrap(), None);
    // A taken device id or recovery lookup with a fresh token: refused, token unused.
    token_for(s, chapter, 4, Role::Peer, 1000).await;
    let same_device = enrolment(Role::Peer, "acc-3", "dev-1", 52, 502);
    assert_eq!(code(s.enrol(hash(4), same_device).await), "already_exists");
    let same_lookup = enrolment(Role::Peer, "acc-3", "dev-3", 50, 502);
    assert_eq!(code(s.enrol(hash(4), same_lookup).await), "already_exists");
    assert_eq!(s.account("acc-3").await.unwrap(), None);
    assert_eq!(s.token(hash(4)).await.unwrap().unwrap().used_at, None);
    assert_eq!(s.token(hash(8)).await.unwrap(), None);
}

pub async fn coordinator_enrolment_sets_keys_once<S: Storage>(s: &S) {
    let c = s.create_chapter("Org", "Oslo").await.unwrap();
    token_for(s, c.id, 1, Role::Coordinator, 1000).await;
    token_for(s, c.id, 2, Role::Coordinator, 1000).await;
    token_for(s, c.id, 3, Role::Coordinator, 1000).await;
    let keys = ChapterKeys {
        encryption_public_key: hash(20),
        signing_public_key: hash(21),
    };
    let mut e = enrolment(Role::Coordinator, "coord-1", "cdev-1", 60, 10);
    e.chapter_keys = Some(keys);
    e.recovery_lookup = None;
    s.enrol(hash(1), e).await.unwrap();
    assert_eq!(s.chapter(c.id).await.unwrap().unwrap().keys, Some(keys));
    // A second coordinator with the same keys is fine; other keys are refused atomically.
    let mut other = enrolment(Role::Coordinator, "coord-2", "cdev-2", 61, 11);
    other.chapter_keys = Some(ChapterKeys {
        encryption_public_key: hash(22),
        signing_public_key: hash(21),
    });
    assert_eq!(code(s.enrol(hash(2), other).await), "conflict");
    assert_eq!(s.account("coord-2").await.unwrap(), None);
    assert_eq!(s.token(hash(2)).await.unwrap().unwrap().used_at, None);
    assert_eq!(s.chapter(c.id).await.unwrap().unwrap().keys, Some(keys));
    let mut same = enrolment(Role::Coordinator, "coord-2", "cdev-2", 61, 11);
    same.chapter_keys = Some(keys);
    s.enrol(hash(2), same).await.unwrap();
    assert_eq!(
        s.account("coord-2").await.unwrap().unwrap().role,
        Role::Coordinator
    );
}

pub async fn accounts_listed_with_peer_key<S: Storage>(s: &S) {
    let (chapter, _) = setup(s, "Oslo", "acc-b").await;
    let (other, _) = setup(s, "Bergen", "acc-x").await;
    s.create_account(NewAccount {
        id: "acc-a".into(),
        chapter_id: chapter,
        role: Role::Coordinator,
        recovery_lookup: None,
        wrapped_peer_key: None,
        peer_key: Some(hash(3)),
        account_key: Some(hash(103)),
        created_at: 2000,
        locked_at: None,
        invitation: None,
        enrol_proof: None,
    })
    .await
    .unwrap();
    let list = s.list_accounts(chapter).await.unwrap();
    let ids: Vec<&str> = list.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["acc-b", "acc-a"], "oldest first, own chapter only");
    assert_eq!(list[0].peer_key, None);
    assert_eq!(list[1].peer_key, Some(hash(3)));
    assert_eq!(list[1].role, Role::Coordinator);
    assert_eq!(s.list_accounts(other).await.unwrap().len(), 1);
    assert!(s.list_accounts(other + 1000).await.unwrap().is_empty());
}

pub async fn session_device_reports_revoked<S: Storage>(s: &S) {
    let (chapter, acc) = setup(s, "Oslo", "acc-1").await;
    s.add_device(NewDevice {
        device_id: "dev-1".into(),
        account_id: acc.clone(),
        public_key: hash(7),
        created_at: 10,
        account_signature: None,
    })
    .await
    .unwrap();
    s.put_session(hash(1), "dev-1", 100).await.unwrap();
    let d = s.session_device(hash(1), 50).await.unwrap().unwrap();
    assert_eq!(d.device_id, "dev-1");
    assert_eq!(d.account_id, acc);
    assert_eq!(d.chapter_id, chapter);
    assert_eq!(d.role, Role::Peer);
    assert_eq!(d.public_key, hash(7));
    assert_eq!(d.revoked_at, None);
    assert_eq!(
        s.session_device(hash(1), 100).await.unwrap(),
        None,
        "expired"
    );
    assert_eq!(
        s.session_device(hash(2), 50).await.unwrap(),
        None,
        "unknown"
    );
    assert!(s.revoke_device("dev-1", 60, b"{}").await.unwrap());
    let d = s.session_device(hash(1), 70).await.unwrap().unwrap();
    assert_eq!(
        d.revoked_at,
        Some(60),
        "a revoked device's session is reported"
    );
    assert_eq!(
        s.session(hash(1), 70).await.unwrap(),
        None,
        "but is not live"
    );
}

pub async fn declaration_version_is_current<S: Storage>(s: &S) {
    let c = s.create_chapter("Org", "Oslo").await.unwrap();
    assert_eq!(s.declaration_version(c.id).await.unwrap(), None);
    s.publish_declaration(c.id, "chapter", 1, b"{}".to_vec(), 5)
        .await
        .unwrap();
    s.publish_declaration(c.id, "chapter", 4, b"{}".to_vec(), 6)
        .await
        .unwrap();
    assert_eq!(s.declaration_version(c.id).await.unwrap(), Some(4));
    assert_eq!(s.declaration_version(c.id + 1000).await.unwrap(), None);
}

pub async fn addressed_records_reach_the_account<S: Storage>(s: &S) {
    let (chapter, peer) = setup(s, "Oslo", "peer-1").await;
    add_account(s, chapter, "peer-2").await;
    add_account(s, chapter, "coord").await;
    let own = rec("contacts", "r-own", 1, b"own");
    let mut decision = rec("expenses", "r-decision", 1, b"decision");
    decision.addressed_to = Some(peer.clone());
    let other = rec("expenses", "r-other", 1, b"other");
    assert!(matches!(
        s.push(&peer, chapter, &[own]).await.unwrap()[0],
        PushOutcome::Accepted { .. }
    ));
    let out = s.push("coord", chapter, &[decision, other]).await.unwrap();
    assert!(matches!(out[0], PushOutcome::Accepted { .. }));
    let ids = |p: super::PullPage| p.records.into_iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(
        ids(s.pull(PullScope::Account(&peer), 0, 10).await.unwrap()),
        ["r-own", "r-decision"]
    );
    assert!(
        ids(s.pull(PullScope::Account("peer-2"), 0, 10).await.unwrap()).is_empty(),
        "addressed to peer-1 only"
    );
    assert_eq!(
        ids(s.pull(PullScope::Account("coord"), 0, 10).await.unwrap()),
        ["r-decision", "r-other"]
    );
    // The addressee cannot overwrite it.
    let hijack = rec("expenses", "r-decision", 5, b"mine now");
    assert_eq!(
        s.push(&peer, chapter, &[hijack]).await.unwrap()[0],
        PushOutcome::Rejected {
            code: reject::NOT_OWNER
        }
    );
    // A newer version no longer addressed to the peer leaves its scope.
    let mut v2 = rec("expenses", "r-decision", 2, b"decision v2");
    v2.addressed_to = None;
    s.push("coord", chapter, &[v2]).await.unwrap();
    assert_eq!(
        ids(s.pull(PullScope::Account(&peer), 0, 10).await.unwrap()),
        ["r-own"]
    );
}

pub async fn account_lock_newest_statement_wins<S: Storage>(s: &S) {
    let (_, acc) = setup(s, "Oslo", "acc-1").await;
    let locked_at = |s: &S| {
        let s = s.clone();
        let acc = acc.clone();
        async move { s.account(&acc).await.unwrap().unwrap().locked_at }
    };
    assert_eq!(locked_at(s).await, None);
    assert!(s.set_account_lock(&acc, true, 100).await.unwrap());
    assert_eq!(locked_at(s).await, Some(100));
    // Locked again later: still locked since the first time, nothing changed.
    assert!(!s.set_account_lock(&acc, true, 150).await.unwrap());
    assert_eq!(locked_at(s).await, Some(100));
    // An unlock older than the newest statement (a replay) changes nothing.
    assert!(!s.set_account_lock(&acc, false, 120).await.unwrap());
    assert_eq!(locked_at(s).await, Some(100));
    // One issued in the same second as the newest applies (lock, then unlock at once).
    assert!(s.set_account_lock(&acc, false, 150).await.unwrap());
    assert_eq!(locked_at(s).await, None);
    assert!(!s.set_account_lock(&acc, true, 149).await.unwrap());
    assert_eq!(locked_at(s).await, None);
    assert!(
        s.list_accounts(1)
            .await
            .unwrap()
            .iter()
            .all(|a| a.locked_at.is_none())
    );
    assert_eq!(
        code(s.set_account_lock("nobody", true, 300).await),
        "not_found"
    );
}

pub async fn recovery_replaced<S: Storage>(s: &S) {
    let c = s.create_chapter("Org", "Oslo").await.unwrap();
    let mut account = recoverable_account(c.id);
    s.create_account(account.clone()).await.unwrap();
    s.replace_recovery(&account.id, hash(7), vec![4, 5])
        .await
        .unwrap();
    assert_eq!(s.account_by_recovery_lookup(hash(5)).await.unwrap(), None);
    account.recovery_lookup = Some(hash(7));
    account.wrapped_peer_key = Some(vec![4, 5]);
    assert_eq!(
        s.account_by_recovery_lookup(hash(7)).await.unwrap(),
        Some(account.clone())
    );
    // Another account's lookup is not taken over.
    let mut other = account.clone();
    other.id = "0190a0b0-0000-7000-8000-000000000002".into();
    other.recovery_lookup = Some(hash(8));
    s.create_account(other.clone()).await.unwrap();
    assert_eq!(
        code(s.replace_recovery(&other.id, hash(7), vec![9]).await),
        "already_exists"
    );
    assert_eq!(
        code(s.replace_recovery("nobody", hash(9), vec![9]).await),
        "not_found"
    );
}

fn rollup(year: i32, created_at: i64, document: &[u8]) -> StoredRollup {
    StoredRollup {
        year,
        created_at,
        received_at: created_at + 1,
        document: document.to_vec(),
    }
}

pub async fn rollups_latest_per_chapter_and_year<S: Storage>(s: &S) {
    let c = s.create_chapter("Org", "Oslo").await.unwrap();
    assert!(
        !s.put_rollup(c.id, rollup(2026, 100, b"first"))
            .await
            .unwrap()
    );
    // Another year is another row.
    assert!(
        !s.put_rollup(c.id, rollup(2025, 100, b"last year"))
            .await
            .unwrap()
    );
    // A new submission replaces the year's row.
    assert!(
        s.put_rollup(c.id, rollup(2026, 200, b"second"))
            .await
            .unwrap()
    );
    // An older one (a replay) does not, and changes nothing.
    assert_eq!(
        code(s.put_rollup(c.id, rollup(2026, 150, b"replayed")).await),
        "conflict"
    );
    // The same second again is a correction made at once: it replaces.
    assert!(
        s.put_rollup(c.id, rollup(2026, 200, b"third"))
            .await
            .unwrap()
    );
    let listed = s.org_rollups("Org", 2026).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].chapter, c);
    assert_eq!(listed[0].rollup, Some(rollup(2026, 200, b"third")));
    let listed = s.org_rollups("Org", 2025).await.unwrap();
    assert_eq!(listed[0].rollup, Some(rollup(2025, 100, b"last year")));
    assert_eq!(
        code(s.put_rollup(c.id + 1000, rollup(2026, 1, b"x")).await),
        "not_found"
    );
}

pub async fn org_rollups_list_every_chapter_of_the_org<S: Storage>(s: &S) {
    let oslo = s.create_chapter("Org", "Oslo").await.unwrap();
    let bergen = s.create_chapter("Org", "Bergen").await.unwrap();
    let other = s.create_chapter("Other", "Oslo").await.unwrap();
    s.set_chapter_keys(oslo.id, [1; 32], [2; 32]).await.unwrap();
    s.put_rollup(oslo.id, rollup(2026, 10, b"oslo"))
        .await
        .unwrap();
    s.put_rollup(other.id, rollup(2026, 10, b"other org"))
        .await
        .unwrap();
    let mut listed = s.org_rollups("Org", 2026).await.unwrap();
    listed.sort_by(|a, b| a.chapter.name.cmp(&b.chapter.name));
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].chapter, bergen);
    assert_eq!(listed[0].rollup, None);
    assert_eq!(listed[1].chapter.name, "Oslo");
    assert_eq!(
        listed[1].chapter.keys.map(|k| k.signing_public_key),
        Some([2; 32])
    );
    assert_eq!(listed[1].rollup, Some(rollup(2026, 10, b"oslo")));
    // No submission for that year: every chapter listed without one.
    assert!(
        s.org_rollups("Org", 2024)
            .await
            .unwrap()
            .iter()
            .all(|c| c.rollup.is_none())
    );
    assert_eq!(code(s.org_rollups("Nobody", 2026).await), "not_found");
}
