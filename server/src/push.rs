//! The push policy: which records of a push are taken, where they are routed, and what the
//! device is told per record. Pure logic over plain data (no HTTP, no storage calls): the
//! sync handler fetches the inputs, runs [`PushPolicy::check`] on each envelope, stores what
//! passed and turns the storage outcomes into the per-record results with [`Batch`].
//!
//! Who may write which collection: any live device of the pushing account may write any
//! collection the protocol knows (an unknown collection does not parse). Ownership of a
//! `(collection, id)` and version order are decided by the storage (`storage::decide`),
//! whose outcomes [`result_of`] reports.

use std::collections::HashMap;

use peerlog_crypto::envelope::verify_envelope;
use peerlog_crypto::{DevicePublicKey, RecipientPublicKey};
use peerlog_protocol::api::{PushResult, codes};
use peerlog_protocol::{Collection, Envelope};

use crate::storage::{self, Account, Chapter, DeviceInfo, IncomingRecord, PushOutcome};

/// A refusal of one record.
pub(crate) fn rejected(code: &str, message: impl Into<String>) -> PushResult {
    PushResult::Rejected {
        code: code.to_owned(),
        message: message.into(),
    }
}

/// Whether the pusher's records can be routed to other accounts' pulls, so the chapter's
/// accounts are needed: only a coordinator's (a decision on a peer's expense).
pub(crate) fn routes_to_peers(pusher_is_coordinator: bool) -> bool {
    pusher_is_coordinator
}

/// What one push is checked against: the pushing account's devices and the key ids that
/// route a record to the chapter or to another account.
#[derive(Debug)]
pub(crate) struct PushPolicy {
    devices: HashMap<String, DeviceInfo>,
    chapter_kid: Option<String>,
    /// Peer key id → account id.
    peers: HashMap<String, String>,
}

impl PushPolicy {
    /// `devices` are the pushing account's; `accounts` the chapter's when
    /// [`routes_to_peers`], else empty. The pusher's own peer key never routes to itself.
    pub(crate) fn new(
        pusher: &str,
        chapter: Option<Chapter>,
        devices: Vec<DeviceInfo>,
        accounts: Vec<Account>,
    ) -> Self {
        let chapter_kid = chapter
            .and_then(|c| c.keys)
            .map(|k| RecipientPublicKey::from(k.encryption_public_key).key_id());
        let devices = devices
            .into_iter()
            .map(|d| (d.device_id.clone(), d))
            .collect();
        let peers = accounts
            .into_iter()
            .filter(|a| a.id != pusher)
            .filter_map(|a| {
                a.peer_key
                    .map(|k| (RecipientPublicKey::from(k).key_id(), a.id))
            })
            .collect();
        PushPolicy {
            devices,
            chapter_kid,
            peers,
        }
    }

    /// Checks one envelope (well-formed, by a live device of the account, signed by it) and
    /// builds the row to store with its routing.
    pub(crate) fn check(&self, env: &Envelope) -> Result<IncomingRecord, PushResult> {
        env.validate()
            .map_err(|e| rejected(codes::MALFORMED, e.to_string()))?;
        let device = self
            .devices
            .get(&env.meta.author_device)
            .filter(|d| d.revoked_at.is_none())
            .ok_or_else(|| {
                rejected(
                    codes::UNKNOWN_DEVICE,
                    "the author device is not a live device of this account",
                )
            })?;
        verify_envelope(env, &DevicePublicKey::from(device.public_key))
            .map_err(|_| rejected(codes::BAD_SIGNATURE, "the author signature does not verify"))?;
        let for_chapter = self
            .chapter_kid
            .as_deref()
            .is_some_and(|kid| env.recipients.iter().any(|r| r.kid == kid));
        // What reaches another account's pull is only what the chapter writes into a
        // peer's log: expense decisions and debrief followed-up marks. A coordinator's
        // contact, note, report, signature or tombstone wrapped for a peer stays with the
        // chapter (the peer's core refuses them too).
        let to_peer = matches!(
            env.meta.collection,
            Collection::Expenses | Collection::Debriefs
        );
        let addressed_to = (to_peer && !env.meta.deleted)
            .then(|| {
                env.recipients
                    .iter()
                    .find_map(|r| self.peers.get(&r.kid))
                    .cloned()
            })
            .flatten();
        let envelope = env
            .to_json_bytes()
            .map_err(|e| rejected(codes::MALFORMED, e.to_string()))?;
        Ok(IncomingRecord {
            collection: env.meta.collection.as_str().to_owned(),
            id: env.meta.id.clone(),
            version: env.meta.version,
            author_device: env.meta.author_device.clone(),
            deleted: env.meta.deleted,
            for_chapter,
            addressed_to,
            envelope,
        })
    }
}

/// What the device is told about a record the storage decided on.
pub(crate) fn result_of(outcome: PushOutcome) -> PushResult {
    match outcome {
        PushOutcome::Accepted { seq } => PushResult::Accepted { seq },
        PushOutcome::Duplicate { seq } => PushResult::Duplicate { seq },
        PushOutcome::Stale { current_version } => PushResult::Stale { current_version },
        PushOutcome::Rejected { code } => rejected(
            code,
            match code {
                storage::reject::NOT_OWNER => "this record id belongs to another account",
                storage::reject::VERSION_CONFLICT => "this version is stored with different bytes",
                _ => "refused",
            },
        ),
    }
}

/// One push after the checks: the records to store, and the refusals kept at their
/// positions so the results come back in request order.
#[derive(Debug)]
pub(crate) struct Batch {
    results: Vec<Option<PushResult>>,
    to_store: Vec<IncomingRecord>,
    positions: Vec<usize>,
}

impl Batch {
    pub(crate) fn new(checked: Vec<Result<IncomingRecord, PushResult>>) -> Self {
        let mut batch = Batch {
            results: Vec::with_capacity(checked.len()),
            to_store: Vec::new(),
            positions: Vec::new(),
        };
        for (i, c) in checked.into_iter().enumerate() {
            match c {
                Ok(rec) => {
                    batch.to_store.push(rec);
                    batch.positions.push(i);
                    batch.results.push(None);
                }
                Err(r) => batch.results.push(Some(r)),
            }
        }
        batch
    }

    /// Whether every record passed the checks.
    pub(crate) fn is_complete(&self) -> bool {
        self.to_store.len() == self.results.len()
    }

    /// The records that passed, for one storage `push`.
    pub(crate) fn to_store(&self) -> &[IncomingRecord] {
        &self.to_store
    }

    /// The results in request order, given the storage outcomes of [`Batch::to_store`] in
    /// its order. A record without an outcome is reported as not processed.
    pub(crate) fn finish(mut self, outcomes: Vec<PushOutcome>) -> Vec<PushResult> {
        for (i, o) in self.positions.into_iter().zip(outcomes) {
            if let Some(slot) = self.results.get_mut(i) {
                *slot = Some(result_of(o));
            }
        }
        self.results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| rejected(codes::INTERNAL, "not processed")))
            .collect()
    }

    /// The results of a batch that was not stored because it carried a head and could not
    /// be stored whole: what was or would have been stored (by `outcomes`, the storage's
    /// outcomes of [`Batch::to_store`], empty when it never reached the storage) is
    /// withheld, every refusal and stale record stands.
    pub(crate) fn finish_withheld(mut self, outcomes: Vec<PushOutcome>) -> Vec<PushResult> {
        let mut outcomes = outcomes.into_iter();
        for i in std::mem::take(&mut self.positions) {
            let result = match outcomes.next() {
                Some(o) if !o.stored() => result_of(o),
                _ => PushResult::Withheld {},
            };
            if let Some(slot) = self.results.get_mut(i) {
                *slot = Some(result);
            }
        }
        self.finish(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use peerlog_crypto::envelope::seal_record;
    use peerlog_crypto::{DeviceSigningKey, RecipientSecretKey};
    use peerlog_protocol::{Collection, RecordMeta};

    use super::*;
    use crate::storage::{ChapterKeys, Role, reject};

    const ACCOUNT: &str = "account-peer";

    struct World {
        device: DeviceSigningKey,
        chapter: RecipientSecretKey,
        own_peer_key: RecipientSecretKey,
        other_peer_key: RecipientSecretKey,
    }

    fn world() -> World {
        World {
            device: DeviceSigningKey::generate().unwrap(),
            chapter: RecipientSecretKey::generate().unwrap(),
            own_peer_key: RecipientSecretKey::generate().unwrap(),
            other_peer_key: RecipientSecretKey::generate().unwrap(),
        }
    }

    fn device_info(key: &DeviceSigningKey, revoked_at: Option<i64>) -> DeviceInfo {
        DeviceInfo {
            device_id: key.device_id(),
            account_id: ACCOUNT.into(),
            chapter_id: 1,
            role: Role::Peer,
            public_key: *key.public_key().as_bytes(),
            created_at: 1,
            last_seen: None,
            revoked_at,
            revocation: None,
            account_signature: None,
            account_locked_at: None,
        }
    }

    fn account(id: &str, peer_key: Option<&RecipientSecretKey>) -> Account {
        Account {
            id: id.into(),
            chapter_id: 1,
            role: Role::Peer,
            recovery_lookup: None,
            wrapped_peer_key: None,
            peer_key: peer_key.map(|k| *k.public_key().as_bytes()),
            account_key: None,
            created_at: 1,
            locked_at: None,
            invitation: None,
            enrol_proof: None,
        }
    }

    fn chapter(w: &World) -> Chapter {
        Chapter {
            id: 1,
            org_id: 1,
            org_name: "Org".into(),
            name: "Oslo".into(),
            keys: Some(ChapterKeys {
                encryption_public_key: *w.chapter.public_key().as_bytes(),
                signing_public_key: [9; 32],
            }),
        }
    }

    /// The policy of a push by `w.device`'s account; the chapter has both peers' accounts.
    fn policy(w: &World, revoked_at: Option<i64>) -> PushPolicy {
        PushPolicy::new(
            ACCOUNT,
            Some(chapter(w)),
            vec![device_info(&w.device, revoked_at)],
            vec![
                account(ACCOUNT, Some(&w.own_peer_key)),
                account("account-other", Some(&w.other_peer_key)),
                account("account-without-key", None),
            ],
        )
    }

    fn seal(
        author: &DeviceSigningKey,
        collection: Collection,
        recipients: &[&RecipientSecretKey],
    ) -> Envelope {
        let meta = RecordMeta {
            id: uuid::Uuid::now_v7().to_string(),
            collection,
            version: 3,
            author_device: author.device_id(),
            deleted: false,
        };
        let keys: Vec<_> = recipients.iter().map(|k| k.public_key()).collect();
        seal_record(&meta, b"{}", &keys, author).unwrap()
    }

    fn refusal(r: Result<IncomingRecord, PushResult>) -> String {
        match r {
            Err(PushResult::Rejected { code, .. }) => code,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_good_record_is_taken_with_its_metadata_and_routed_to_the_chapter() {
        let w = world();
        let env = seal(&w.device, Collection::Contacts, &[&w.chapter]);
        let rec = policy(&w, None).check(&env).unwrap();
        assert_eq!(rec.collection, "contacts");
        assert_eq!(rec.id, env.meta.id);
        assert_eq!(rec.version, 3);
        assert_eq!(rec.author_device, w.device.device_id());
        assert!(!rec.deleted);
        assert!(rec.for_chapter);
        assert_eq!(rec.addressed_to, None);
        assert_eq!(rec.envelope, env.to_json_bytes().unwrap());
    }

    #[test]
    fn a_record_not_wrapped_for_the_chapter_stays_private() {
        let w = world();
        let env = seal(&w.device, Collection::Notes, &[&w.own_peer_key]);
        let rec = policy(&w, None).check(&env).unwrap();
        assert!(!rec.for_chapter);
        // The pusher's own peer key does not address the record to itself.
        assert_eq!(rec.addressed_to, None);
    }

    #[test]
    fn a_record_wrapped_for_another_peer_is_routed_to_that_account() {
        let w = world();
        let env = seal(
            &w.device,
            Collection::Expenses,
            &[&w.chapter, &w.other_peer_key],
        );
        let rec = policy(&w, None).check(&env).unwrap();
        assert!(rec.for_chapter);
        assert_eq!(rec.addressed_to.as_deref(), Some("account-other"));
    }

    #[test]
    fn a_debrief_mark_wrapped_for_a_peer_is_routed_to_that_account() {
        let w = world();
        let env = seal(
            &w.device,
            Collection::Debriefs,
            &[&w.chapter, &w.other_peer_key],
        );
        let rec = policy(&w, None).check(&env).unwrap();
        assert!(rec.for_chapter);
        assert_eq!(rec.addressed_to.as_deref(), Some("account-other"));
    }

    #[test]
    fn only_expense_records_are_routed_into_another_peers_log() {
        let w = world();
        for collection in [
            Collection::Contacts,
            Collection::Notes,
            Collection::Declarations,
            Collection::Reports,
        ] {
            let env = seal(&w.device, collection, &[&w.chapter, &w.other_peer_key]);
            let rec = policy(&w, None).check(&env).unwrap();
            assert!(rec.for_chapter, "{collection}");
            assert_eq!(rec.addressed_to, None, "{collection}");
        }
    }

    #[test]
    fn without_chapter_keys_or_accounts_nothing_is_routed() {
        let w = world();
        let bare = PushPolicy::new(
            ACCOUNT,
            None,
            vec![device_info(&w.device, None)],
            Vec::new(),
        );
        let env = seal(
            &w.device,
            Collection::Expenses,
            &[&w.chapter, &w.other_peer_key],
        );
        let rec = bare.check(&env).unwrap();
        assert!(!rec.for_chapter);
        assert_eq!(rec.addressed_to, None);
    }

    #[test]
    fn only_coordinators_route_to_peers() {
        assert!(routes_to_peers(true));
        assert!(!routes_to_peers(false));
    }

    #[test]
    fn every_collection_is_writable_by_a_live_device_of_the_account() {
        let w = world();
        let p = policy(&w, None);
        for collection in Collection::ALL {
            let env = seal(&w.device, collection, &[&w.chapter]);
            assert_eq!(p.check(&env).unwrap().collection, collection.as_str());
        }
    }

    #[test]
    fn a_device_of_another_account_is_refused() {
        let w = world();
        let stranger = DeviceSigningKey::generate().unwrap();
        let env = seal(&stranger, Collection::Contacts, &[&w.chapter]);
        assert_eq!(refusal(policy(&w, None).check(&env)), codes::UNKNOWN_DEVICE);
    }

    #[test]
    fn a_revoked_device_is_refused() {
        let w = world();
        let env = seal(&w.device, Collection::Contacts, &[&w.chapter]);
        assert_eq!(
            refusal(policy(&w, Some(5)).check(&env)),
            codes::UNKNOWN_DEVICE
        );
    }

    #[test]
    fn a_bad_signature_is_refused() {
        let w = world();
        let mut env = seal(&w.device, Collection::Contacts, &[&w.chapter]);
        env.meta.version += 1;
        assert_eq!(refusal(policy(&w, None).check(&env)), codes::BAD_SIGNATURE);
    }

    #[test]
    fn the_author_named_in_the_record_must_have_signed_it() {
        let w = world();
        let stranger = DeviceSigningKey::generate().unwrap();
        // Signed by a stranger but naming the account's device as author.
        let mut env = seal(&stranger, Collection::Contacts, &[&w.chapter]);
        env.meta.author_device = w.device.device_id();
        assert_eq!(refusal(policy(&w, None).check(&env)), codes::BAD_SIGNATURE);
    }

    #[test]
    fn a_malformed_record_is_refused_before_the_device_is_looked_up() {
        let w = world();
        let stranger = DeviceSigningKey::generate().unwrap();
        let mut env = seal(&stranger, Collection::Contacts, &[&w.chapter]);
        env.meta.id = "not-a-uuid".into();
        assert_eq!(refusal(policy(&w, None).check(&env)), codes::MALFORMED);
    }

    #[test]
    fn storage_outcomes_become_results() {
        assert_eq!(
            result_of(PushOutcome::Accepted { seq: 4 }),
            PushResult::Accepted { seq: 4 }
        );
        assert_eq!(
            result_of(PushOutcome::Duplicate { seq: 2 }),
            PushResult::Duplicate { seq: 2 }
        );
        assert_eq!(
            result_of(PushOutcome::Stale { current_version: 7 }),
            PushResult::Stale { current_version: 7 }
        );
        assert_eq!(
            result_of(PushOutcome::Rejected {
                code: reject::NOT_OWNER
            }),
            rejected(
                reject::NOT_OWNER,
                "this record id belongs to another account"
            )
        );
        assert_eq!(
            result_of(PushOutcome::Rejected {
                code: reject::VERSION_CONFLICT
            }),
            rejected(
                reject::VERSION_CONFLICT,
                "this version is stored with different bytes"
            )
        );
    }

    #[test]
    fn a_batch_keeps_refusals_in_place_and_fills_in_the_outcomes_in_order() {
        let w = world();
        let p = policy(&w, None);
        let good = seal(&w.device, Collection::Contacts, &[&w.chapter]);
        let mut bad = good.clone();
        bad.meta.version += 1;
        let batch = Batch::new(vec![p.check(&bad), p.check(&good), p.check(&good)]);
        assert_eq!(batch.to_store().len(), 2);
        let results = batch.finish(vec![
            PushOutcome::Accepted { seq: 1 },
            PushOutcome::Duplicate { seq: 1 },
        ]);
        assert!(
            matches!(&results[0], PushResult::Rejected { code, .. } if code == codes::BAD_SIGNATURE)
        );
        assert_eq!(results[1], PushResult::Accepted { seq: 1 });
        assert_eq!(results[2], PushResult::Duplicate { seq: 1 });
    }

    #[test]
    fn a_record_without_an_outcome_is_reported_not_processed() {
        let w = world();
        let good = seal(&w.device, Collection::Contacts, &[&w.chapter]);
        let batch = Batch::new(vec![policy(&w, None).check(&good)]);
        assert_eq!(
            batch.finish(Vec::new()),
            vec![rejected(codes::INTERNAL, "not processed")]
        );
    }

    #[test]
    fn a_batch_not_stored_with_its_head_withholds_what_would_have_been_stored() {
        let w = world();
        let p = policy(&w, None);
        let good = seal(&w.device, Collection::Contacts, &[&w.chapter]);
        let mut bad = good.clone();
        bad.meta.version += 1;
        let checked = || vec![p.check(&good), p.check(&bad), p.check(&good)];
        let results = Batch::new(checked()).finish_withheld(vec![
            PushOutcome::Accepted { seq: 1 },
            PushOutcome::Stale { current_version: 9 },
        ]);
        assert_eq!(results[0], PushResult::Withheld {});
        assert!(
            matches!(&results[1], PushResult::Rejected { code, .. } if code == codes::BAD_SIGNATURE)
        );
        assert_eq!(results[2], PushResult::Stale { current_version: 9 });
        // Never stored (a refusal before the storage): every record that passed is withheld.
        let results = Batch::new(checked()).finish_withheld(Vec::new());
        assert_eq!(results[0], PushResult::Withheld {});
        assert_eq!(results[2], PushResult::Withheld {});
    }
}
