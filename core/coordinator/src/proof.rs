//! Checking a peer's keys without taking the server's word for them. The invitation made
//! here carries a secret the server never sees; the peer proves its keys (peer key, account
//! key, first device key) with it at enrolment, and the server only relays that proof. A
//! proven account's keys are pinned: what the server lists later cannot replace them. A
//! device added later counts only if the account key signed for it.

use peerlog_core::store::sync::ChapterAccountRow;
use peerlog_crypto::DevicePublicKey;
use peerlog_protocol::api::{
    self, AccountSummary, DeviceSummary, ENROL_PROOF_DOMAIN, EnrolProofDocument,
    RecoveryDeviceDocument,
};
use std::collections::HashSet;

/// How far an account's keys are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyProof {
    /// Proven with the secret of an invitation made on this machine, and pinned.
    Proven,
    /// Not checked here: the invitation was made elsewhere or before invitations carried
    /// a secret. The server's word is all there is.
    Unproven,
    /// The invitation was made here, but the keys the server lists do not match the
    /// peer's proof: someone changed them. Nothing is addressed to this account and its
    /// records are not read until the peer enrols again.
    Disputed,
}

impl KeyProof {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyProof::Proven => "proven",
            KeyProof::Unproven => "unproven",
            KeyProof::Disputed => "disputed",
        }
    }

    pub fn parse(s: &str) -> KeyProof {
        match s {
            "proven" => KeyProof::Proven,
            "disputed" => KeyProof::Disputed,
            _ => KeyProof::Unproven,
        }
    }
}

/// An account as checked: its proof, the keys to use and the devices to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Checked {
    pub proof: KeyProof,
    pub peer_key: Option<[u8; 32]>,
    pub account_key: Option<[u8; 32]>,
    /// Devices whose records may be read.
    pub vouched: HashSet<String>,
    /// The server listed keys other than the pinned ones (reported, ignored).
    pub keys_changed: bool,
}

fn key32(v: &Option<Vec<u8>>) -> Option<[u8; 32]> {
    v.as_ref()
        .and_then(|k| <[u8; 32]>::try_from(k.as_slice()).ok())
}

/// The devices of `a` the account key `account_key` signed for at recovery.
fn signed_for(a: &AccountSummary, account_key: &[u8; 32]) -> impl Iterator<Item = String> {
    let key = DevicePublicKey::from(*account_key);
    a.devices
        .iter()
        .filter(move |d| {
            d.account_signature.is_some_and(|sig| {
                let doc = RecoveryDeviceDocument {
                    account_id: a.account_id.clone(),
                    device_key: d.device_key,
                };
                key.verify_document(api::RECOVERY_DEVICE_DOMAIN, &doc, &sig)
                    .is_ok()
            })
        })
        .map(|d| d.device_id.clone())
        .collect::<Vec<_>>()
        .into_iter()
}

/// Whether `proof` proves `a`'s keys with `device` as the first device.
fn proves(a: &AccountSummary, device: &DeviceSummary, secret: &[u8; 32]) -> bool {
    let (Some(proof), Some(peer_key), Some(account_key)) =
        (a.enrol_proof, a.peer_key, a.account_key)
    else {
        return false;
    };
    let doc = EnrolProofDocument {
        account_id: a.account_id.clone(),
        peer_key,
        account_key,
        device_key: device.device_key,
    };
    peerlog_protocol::canonical::to_canonical_vec(&doc).is_ok_and(|bytes| {
        peerlog_crypto::check_keyed_proof(secret, ENROL_PROOF_DOMAIN, &bytes, &proof)
    })
}

/// Checks one peer account the server listed, given what this machine stored of it
/// (`stored`), the devices it vouched for before, and the secret of the invitation the
/// account enrolled with, if that invitation was made here.
pub(crate) fn check(
    a: &AccountSummary,
    stored: Option<&ChapterAccountRow>,
    vouched_before: &HashSet<String>,
    secret: Option<&[u8; 32]>,
) -> Checked {
    let listed: HashSet<String> = a.devices.iter().map(|d| d.device_id.clone()).collect();
    if let Some(row) = stored.filter(|r| KeyProof::parse(&r.key_proof) == KeyProof::Proven) {
        let (peer_key, account_key) = (key32(&row.peer_key), key32(&row.account_key));
        let keys_changed = peer_key != a.peer_key || account_key != a.account_key;
        let mut vouched: HashSet<String> = vouched_before.intersection(&listed).cloned().collect();
        if let Some(k) = &account_key {
            vouched.extend(signed_for(a, k));
        }
        return Checked {
            proof: KeyProof::Proven,
            peer_key,
            account_key,
            vouched,
            keys_changed,
        };
    }
    let Some(secret) = secret else {
        return Checked {
            proof: KeyProof::Unproven,
            peer_key: a.peer_key,
            account_key: a.account_key,
            vouched: listed,
            keys_changed: false,
        };
    };
    match a.devices.iter().find(|d| proves(a, d, secret)) {
        Some(first) => {
            let mut vouched = HashSet::from([first.device_id.clone()]);
            if let Some(k) = &a.account_key {
                vouched.extend(signed_for(a, k));
            }
            Checked {
                proof: KeyProof::Proven,
                peer_key: a.peer_key,
                account_key: a.account_key,
                vouched,
                keys_changed: false,
            }
        }
        None => Checked {
            proof: KeyProof::Disputed,
            peer_key: None,
            account_key: None,
            vouched: HashSet::new(),
            keys_changed: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use peerlog_crypto::{DeviceSigningKey, RecipientSecretKey};
    use peerlog_protocol::api::Role;

    struct Peer {
        secret: [u8; 32],
        peer: RecipientSecretKey,
        account: DeviceSigningKey,
        device: DeviceSigningKey,
    }

    fn device(key: &DeviceSigningKey, account_signature: Option<[u8; 64]>) -> DeviceSummary {
        DeviceSummary {
            device_id: key.device_id(),
            device_key: *key.public_key().as_bytes(),
            created_at: 1,
            last_seen: None,
            revoked_at: None,
            account_signature,
        }
    }

    fn peer() -> Peer {
        Peer {
            secret: [3; 32],
            peer: RecipientSecretKey::generate().unwrap(),
            account: DeviceSigningKey::generate().unwrap(),
            device: DeviceSigningKey::generate().unwrap(),
        }
    }

    /// The account as an honest server lists it, with the peer's proof.
    fn listed(p: &Peer) -> AccountSummary {
        let doc = EnrolProofDocument {
            account_id: "acc".into(),
            peer_key: *p.peer.public_key().as_bytes(),
            account_key: *p.account.public_key().as_bytes(),
            device_key: *p.device.public_key().as_bytes(),
        };
        let proof = peerlog_crypto::keyed_proof(
            &p.secret,
            ENROL_PROOF_DOMAIN,
            &peerlog_protocol::canonical::to_canonical_vec(&doc).unwrap(),
        );
        AccountSummary {
            account_id: "acc".into(),
            role: Role::Peer,
            peer_key: Some(doc.peer_key),
            devices: vec![device(&p.device, None)],
            locked_at: None,
            account_key: Some(doc.account_key),
            invitation: Some([1; 32]),
            enrol_proof: Some(proof),
        }
    }

    fn recovered(p: &Peer, signer: &DeviceSigningKey) -> (DeviceSigningKey, DeviceSummary) {
        let new = DeviceSigningKey::generate().unwrap();
        let doc = RecoveryDeviceDocument {
            account_id: "acc".into(),
            device_key: *new.public_key().as_bytes(),
        };
        let sig = signer
            .sign_document(api::RECOVERY_DEVICE_DOMAIN, &doc)
            .unwrap();
        let _ = p;
        let summary = device(&new, Some(sig));
        (new, summary)
    }

    fn row(c: &Checked) -> ChapterAccountRow {
        ChapterAccountRow {
            account_id: "acc".into(),
            role: "peer".into(),
            peer_key: c.peer_key.map(|k| k.to_vec()),
            account_key: c.account_key.map(|k| k.to_vec()),
            key_proof: c.proof.as_str().into(),
            locked_at: None,
        }
    }

    #[test]
    fn an_honest_listing_is_proven_and_its_devices_vouched() {
        let p = peer();
        let mut a = listed(&p);
        let (_, second) = recovered(&p, &p.account);
        a.devices.push(second.clone());
        let c = check(&a, None, &HashSet::new(), Some(&p.secret));
        assert_eq!(c.proof, KeyProof::Proven);
        assert_eq!(c.peer_key, a.peer_key);
        assert_eq!(
            c.vouched,
            HashSet::from([p.device.device_id(), second.device_id])
        );
    }

    /// The server swaps the peer key (to read what the chapter sends the peer), the
    /// account key, or the first device (to write as the peer): the proof fails.
    #[test]
    fn keys_the_server_swapped_are_disputed() {
        let p = peer();
        let thief = DeviceSigningKey::generate().unwrap();
        type Swap = fn(&mut AccountSummary, &DeviceSigningKey);
        let swaps: [(&str, Swap); 3] = [
            ("peer key", |a, _| a.peer_key = Some([9; 32])),
            ("account key", |a, t| {
                a.account_key = Some(*t.public_key().as_bytes())
            }),
            ("device", |a, t| a.devices = vec![device(t, None)]),
        ];
        for (what, swap) in swaps {
            let mut a = listed(&p);
            swap(&mut a, &thief);
            let c = check(&a, None, &HashSet::new(), Some(&p.secret));
            assert_eq!(c.proof, KeyProof::Disputed, "{what}");
            assert!(c.vouched.is_empty() && c.peer_key.is_none(), "{what}");
        }
        // A proof made with another secret is no proof either.
        let c = check(&listed(&p), None, &HashSet::new(), Some(&[4; 32]));
        assert_eq!(c.proof, KeyProof::Disputed);
    }

    /// Once proven, the keys are pinned: a later listing with other keys changes nothing,
    /// and a device the server adds without the account key's signature is not read.
    #[test]
    fn proven_keys_are_pinned_and_added_devices_need_the_account_key() {
        let p = peer();
        let first = check(&listed(&p), None, &HashSet::new(), Some(&p.secret));
        let stored = row(&first);
        let mut later = listed(&p);
        later.peer_key = Some([9; 32]);
        let stranger = DeviceSigningKey::generate().unwrap();
        let (_, forged) = recovered(&p, &stranger);
        let (_, honest) = recovered(&p, &p.account);
        later.devices.push(forged.clone());
        later.devices.push(honest.clone());
        let c = check(&later, Some(&stored), &first.vouched, None);
        assert_eq!(c.proof, KeyProof::Proven);
        assert_eq!(c.peer_key, first.peer_key);
        assert!(c.keys_changed);
        assert!(c.vouched.contains(&p.device.device_id()));
        assert!(c.vouched.contains(&honest.device_id));
        assert!(!c.vouched.contains(&forged.device_id));
    }

    #[test]
    fn without_a_secret_here_the_servers_word_is_all_there_is() {
        let p = peer();
        let c = check(&listed(&p), None, &HashSet::new(), None);
        assert_eq!(c.proof, KeyProof::Unproven);
        assert_eq!(c.vouched, HashSet::from([p.device.device_id()]));
    }
}
