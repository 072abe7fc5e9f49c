//! Encrypted backup and restore.
//!
//! The backup file (`peerlog-backup/2`) holds the sealed records exactly as stored
//! (envelopes: only routing metadata is clear), the devices' public keys, the sealed
//! profile, and the peer key wrapped under a key derived from the recovery code with
//! Argon2id. Without the code it reveals nothing but record ids, collections and versions.
//!
//! **Integrity.** Each record is signed by its author, but that alone does not protect the
//! file as a whole: dropping the newest versions would roll data back, and added devices
//! would be trusted. So the file also carries a signature by the **account key** (derived
//! from the peer key, see `certs::account_key`; only a holder of the peer key can make
//! one) over a manifest: the format, the creation time, SHA-256 of the sealed profile, the
//! device list and, for every record version in file order, its collection, id, version and
//! SHA-256 of its canonical envelope bytes. The manifest is not stored: restore rebuilds it
//! from what the file contains, so a signature that verifies means the contents are exactly
//! what was signed. Restore unwraps the peer key with the recovery code first, then checks
//! the signature before it writes anything; a file that fails is refused with
//! `backup_tampered`, and neither rows nor secrets are stored.
//!
//! **Older files.** `peerlog-backup/1` files have no signature and are refused with
//! `backup_old_format`: restoring them would accept exactly the edits the signature exists
//! to catch. Make a new backup on a device that still has the data, or recover from the
//! server with the recovery code.

use crate::certs;
use crate::clock::Clock;
use crate::error::{CoreError, Result};
use crate::home::Home;
use crate::i18n::Msg;
use crate::index::reindex;
use crate::keys::Keys;
use crate::profile::Profile;
use crate::session::{self, Session};
use crate::store::{self, CertifiedBy};
use crate::util::now_rfc3339;
use peerlog_crypto::recovery::{self, KdfParams, RecoveryCode, WrappedSecret};
use peerlog_crypto::{DevicePublicKey, DeviceSigningKey, RecipientSecretKey, sha256};
use peerlog_protocol::{Envelope, b64};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::collections::hash_map::Entry;

const FORMAT: &str = "peerlog-backup/2";
/// The unsigned format, refused (see the module docs).
const FORMAT_V1: &str = "peerlog-backup/1";
const PEER_KEY_CONTEXT: &str = "peerlog/v1/backup-peer-key";
/// Signature domain of the manifest.
const MANIFEST_DOMAIN: &str = "backup-manifest";

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BackupDevice {
    device_id: String,
    public_key: DevicePublicKey,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BackupFile {
    format: String,
    created_at: String,
    wrapped_peer_key: WrappedSecret,
    #[serde(with = "peerlog_protocol::b64::bytes")]
    profile: Vec<u8>,
    devices: Vec<BackupDevice>,
    /// Every stored version of every record, oldest first per record (the last one is
    /// the current version).
    records: Vec<Envelope>,
    /// The account key's signature of [`Manifest`].
    #[serde(with = "b64::array")]
    signature: [u8; 64],
}

/// Just the format, read before the rest so an older file gets its own message.
#[derive(Deserialize)]
struct Head {
    format: String,
}

/// What the account key signs: everything in the file but the wrapped peer key (which
/// the signature already depends on: another peer key means another account key).
#[derive(Serialize)]
struct Manifest<'a> {
    format: &'a str,
    created_at: &'a str,
    #[serde(with = "b64::array")]
    profile_sha256: [u8; 32],
    devices: &'a [BackupDevice],
    records: Vec<ManifestRecord<'a>>,
}

#[derive(Serialize)]
struct ManifestRecord<'a> {
    collection: &'a str,
    id: &'a str,
    version: u64,
    #[serde(with = "b64::array")]
    sha256: [u8; 32],
}

impl BackupFile {
    fn manifest(&self) -> Result<Manifest<'_>> {
        let records = self
            .records
            .iter()
            .map(|env| {
                Ok(ManifestRecord {
                    collection: env.meta.collection.as_str(),
                    id: &env.meta.id,
                    version: env.meta.version,
                    sha256: peerlog_crypto::envelope_sha256(env)?,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Manifest {
            format: &self.format,
            created_at: &self.created_at,
            profile_sha256: sha256(&self.profile),
            devices: &self.devices,
            records,
        })
    }

    /// Checks the account key's signature over the file's contents.
    fn verify(&self, peer: &RecipientSecretKey) -> Result<()> {
        let tampered = || CoreError::Verification(Msg::BackupTampered);
        let manifest = self.manifest().map_err(|_| tampered())?;
        certs::account_key(peer)?
            .public_key()
            .verify_document(MANIFEST_DOMAIN, &manifest, &self.signature)
            .map_err(|_| tampered())
    }
}

/// Parses a backup file: a current one, or a clear refusal.
fn parse(bytes: &[u8]) -> Result<BackupFile> {
    let wrong = || CoreError::Verification(Msg::BackupWrongFormat);
    let head: Head = serde_json::from_slice(bytes).map_err(|_| wrong())?;
    match head.format.as_str() {
        FORMAT => {}
        FORMAT_V1 => return Err(CoreError::Verification(Msg::BackupOldFormat)),
        _ => return Err(wrong()),
    }
    // The format is right: a file that no longer parses was edited.
    serde_json::from_slice(bytes).map_err(|_| CoreError::Verification(Msg::BackupTampered))
}

/// What `restore` checks of a file before the recovery code is used and anything is
/// written: it parses, the wrapped key's Argon2 parameters are within bounds, and the
/// manifest verifies with the account key of `peer`. For the fuzz targets (`fuzz/`).
#[cfg(feature = "fuzzing")]
pub fn fuzz_check_file(bytes: &[u8], peer: &RecipientSecretKey) -> Result<()> {
    let file = parse(bytes)?;
    file.wrapped_peer_key.params().validate()?;
    file.verify(peer)
}

pub(crate) fn export(conn: &Connection, s: &Session, code: &RecoveryCode) -> Result<Vec<u8>> {
    let wrapped_peer_key = recovery::wrap_secret(
        code,
        &s.keys.peer.to_bytes()[..],
        KdfParams::DEFAULT,
        PEER_KEY_CONTEXT,
    )?;
    let devices = store::all_devices(conn)?
        .into_iter()
        .map(|(device_id, pk)| {
            Ok(BackupDevice {
                device_id,
                public_key: DevicePublicKey::from_bytes(&pk)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut records = Vec::new();
    for rec in store::all_records(conn, None)? {
        let m = &rec.envelope.meta;
        let history = store::record_history(conn, m.collection, &m.id)?;
        if history.last().map(|e| e.meta.version) == Some(m.version) {
            records.extend(history);
        } else {
            records.extend(history.into_iter().filter(|e| e.meta.version < m.version));
            records.push(rec.envelope);
        }
    }
    let mut file = BackupFile {
        format: FORMAT.into(),
        created_at: now_rfc3339(),
        wrapped_peer_key,
        profile: s.profile.seal(&s.keys)?,
        devices,
        records,
        signature: [0; 64],
    };
    let account = certs::account_key(&s.keys.peer)?;
    file.signature = account.sign_document(MANIFEST_DOMAIN, &file.manifest()?)?;
    Ok(serde_json::to_vec(&file)?)
}

/// Restores a backup into an empty home, which becomes a new device of the peer. Verifies
/// the account key's signature over the whole file, then every record's signature, before
/// accepting anything; refuses a home that holds Peerlog data. On any refusal nothing is
/// written, secrets included.
pub(crate) fn restore(home: &mut Home, bytes: &[u8], code: &RecoveryCode) -> Result<()> {
    home.require_empty()?;
    let file = parse(bytes)?;
    let peer_bytes = recovery::unwrap_secret(code, &file.wrapped_peer_key, PEER_KEY_CONTEXT)?;
    let peer_bytes: &[u8; 32] = peer_bytes
        .as_slice()
        .try_into()
        .map_err(|_| CoreError::Verification(Msg::BackupWrongFormat))?;
    let peer = RecipientSecretKey::from_bytes(peer_bytes);
    file.verify(&peer)?;
    let keys = Keys::from_parts(DeviceSigningKey::generate()?, peer);
    let profile = Profile::open(&keys, &file.profile)?;
    let mut s = Session::new(keys, profile, Clock::default());

    let secrets = home.secrets.as_ref();
    home.store.tx(|tx| {
        let now = now_rfc3339();
        for d in &file.devices {
            if d.public_key.device_id() != d.device_id {
                return Err(CoreError::Verification(Msg::BackupWrongFormat));
            }
            store::put_device(
                tx,
                &d.device_id,
                d.public_key.as_bytes(),
                &now,
                CertifiedBy::Account,
            )?;
        }
        store::put_device(
            tx,
            &s.device_id,
            s.keys.device.public_key().as_bytes(),
            &now,
            CertifiedBy::Account,
        )?;
        // Each record is verified once. History comes first, so the last envelope of an id
        // is the one `records` keeps; the index is built from those, in file order.
        let mut max_version = 0;
        let mut current = Vec::new();
        let mut position = HashMap::new();
        for env in &file.records {
            let verified = session::verify(tx, env)?;
            // The file does not say who certified a device; a decision's own certificate
            // does, and a coordinator's machine must not write the peer's log after restore.
            if certs::claims_chapter_author(env, &s.keys.peer) {
                store::mark_chapter_device(tx, &env.meta.author_device)?;
            }
            store::put_record(tx, env, true)?;
            max_version = max_version.max(env.meta.version);
            match position.entry((env.meta.collection, env.meta.id.as_str())) {
                Entry::Occupied(at) => current[*at.get()] = verified,
                Entry::Vacant(slot) => {
                    slot.insert(current.len());
                    current.push(verified);
                }
            }
        }
        s.observe_version(tx, max_version)?;
        for verified in current {
            // Verified above: keep its content key for fast reads (ADR 0017).
            let key = peerlog_crypto::envelope::unwrap_verified(verified, &s.keys.peer).ok();
            if let Some(k) = &key {
                store::keep_record_key(tx, verified.envelope(), |hash| s.keep(hash, k))?;
            }
            reindex(
                tx,
                &s,
                session::Arrived {
                    verified,
                    key: key.as_ref(),
                },
            )?;
        }
        store::meta_put(tx, session::META_DEVICE_ID, s.device_id.as_bytes())?;
        s.save_profile(tx)?;
        // Last, still before the commit: a record that fails to verify leaves no keys.
        s.keys.save_with_recovery_code(secrets, code)
    })?;
    home.session = Some(s);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ContactInput;
    use crate::{contacts, keys, testing};
    use peerlog_rules::ContactKind;
    use std::path::Path;

    const C1: &str = "0193a000-0000-7000-8000-000000000001";

    /// A device with the declaration signed and one contact (`C1`).
    fn set_up(dir: &Path) -> (Home, RecoveryCode) {
        let (mut h, code) = testing::device(dir);
        let (st, s) = h.parts().unwrap();
        let input = ContactInput::new("2026-03-02", ContactKind::Visit, 60);
        contacts::write(st, s, C1, &input, None).unwrap();
        (h, code)
    }

    fn contact_ids(h: &Home) -> Vec<String> {
        contacts::list(h.store.conn(), h.session().unwrap(), None, None)
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect()
    }

    #[test]
    fn restore_refuses_a_home_with_data_and_changes_nothing_there() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (old, code) = set_up(a.path());
        let bytes = export(old.store.conn(), old.session().unwrap(), &code).unwrap();
        let (mut other, _) = set_up(b.path());
        let device_before = other.session().unwrap().device_id.clone();
        let err = restore(&mut other, &bytes, &code).unwrap_err();
        assert!(
            matches!(err, CoreError::NotAllowed(Msg::HomeNotEmpty)),
            "{err}"
        );
        assert_eq!(other.session().unwrap().device_id, device_before);
        assert_eq!(contact_ids(&other), [C1]);
        assert_eq!(
            store::all_records(other.store.conn(), None).unwrap().len(),
            2,
            "the signature and the contact, nothing added"
        );
        // Into an empty home it works: a new device with the old contact, indexed.
        let c = tempfile::tempdir().unwrap();
        let mut fresh = testing::home(c.path());
        restore(&mut fresh, &bytes, &code).unwrap();
        assert_ne!(
            fresh.session().unwrap().device_id,
            old.session().unwrap().device_id
        );
        assert_eq!(contact_ids(&fresh), [C1]);
        assert_eq!(
            keys::stored_recovery_code_text(fresh.secrets.as_ref())
                .unwrap()
                .as_str(),
            code.display()
        );
    }

    // ---- a thief or forger editing the file ----------------------------------------------

    /// The backup of a device whose contact `C1` has two versions, as JSON to edit.
    fn exported(dir: &Path) -> (Home, RecoveryCode, serde_json::Value) {
        let (mut h, code) = set_up(dir);
        let (st, s) = h.parts().unwrap();
        let input = ContactInput::new("2026-03-02", ContactKind::Visit, 90);
        contacts::write(st, s, C1, &input, None).unwrap();
        let bytes = export(h.store.conn(), h.session().unwrap(), &code).unwrap();
        (h, code, serde_json::from_slice(&bytes).unwrap())
    }

    fn records(file: &mut serde_json::Value) -> &mut Vec<serde_json::Value> {
        file["records"].as_array_mut().unwrap()
    }

    /// Restores `file` into a fresh home and checks that it is refused as tampered and
    /// that nothing was written: no rows, no session, no secrets.
    fn assert_refused(file: &serde_json::Value, code: &RecoveryCode) {
        let dir = tempfile::tempdir().unwrap();
        let mut fresh = testing::home(dir.path());
        let err = restore(&mut fresh, &serde_json::to_vec(file).unwrap(), code).unwrap_err();
        assert!(
            matches!(err, CoreError::Verification(Msg::BackupTampered)),
            "{err}"
        );
        assert!(fresh.session.is_none());
        assert!(crate::home::store_is_empty(fresh.store.conn()).unwrap());
        assert!(
            store::all_records(fresh.store.conn(), None)
                .unwrap()
                .is_empty()
        );
        assert!(store::all_devices(fresh.store.conn()).unwrap().is_empty());
        for name in [
            keys::SECRET_DEVICE_KEY,
            keys::SECRET_PEER_KEY,
            keys::SECRET_RECOVERY_CODE,
        ] {
            assert_eq!(fresh.secrets.get(name.into()).unwrap(), None, "{name}");
        }
    }

    #[test]
    fn an_untouched_file_restores() {
        let a = tempfile::tempdir().unwrap();
        let (_, code, file) = exported(a.path());
        let b = tempfile::tempdir().unwrap();
        let mut fresh = testing::home(b.path());
        restore(&mut fresh, &serde_json::to_vec(&file).unwrap(), &code).unwrap();
        let contacts =
            contacts::list(fresh.store.conn(), fresh.session().unwrap(), None, None).unwrap();
        assert_eq!(contacts.len(), 1);
        assert_eq!(contacts[0].minutes, 90);
    }

    #[test]
    fn removing_the_newest_version_of_a_record_is_refused() {
        let a = tempfile::tempdir().unwrap();
        let (_, code, mut file) = exported(a.path());
        let recs = records(&mut file);
        let newest = recs
            .iter()
            .rposition(|r| r["meta"]["id"] == C1 && r["meta"]["collection"] == "contacts")
            .unwrap();
        recs.remove(newest);
        assert_refused(&file, &code);
    }

    #[test]
    fn an_added_device_is_refused() {
        let a = tempfile::tempdir().unwrap();
        let (_, code, mut file) = exported(a.path());
        let intruder = DeviceSigningKey::generate().unwrap();
        file["devices"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({
                "device_id": intruder.device_id(),
                "public_key": intruder.public_key(),
            }));
        assert_refused(&file, &code);
    }

    #[test]
    fn an_added_record_is_refused() {
        let a = tempfile::tempdir().unwrap();
        let (h, code, mut file) = exported(a.path());
        // A contact sealed for the peer by a device the forger adds to the list too.
        let intruder = DeviceSigningKey::generate().unwrap();
        let meta = peerlog_protocol::RecordMeta {
            id: "0193a000-0000-7000-8000-0000000000f0".into(),
            collection: peerlog_protocol::Collection::Contacts,
            version: 1,
            author_device: intruder.device_id(),
            deleted: false,
        };
        // The contents of the real contact, under a new id.
        let s = h.session().unwrap();
        let real = store::get_record(h.store.conn(), peerlog_protocol::Collection::Contacts, C1)
            .unwrap()
            .unwrap();
        let payload = peerlog_crypto::envelope::open_record(
            &real.envelope,
            &s.keys.peer,
            &s.keys.device.public_key(),
        )
        .unwrap();
        let env = peerlog_crypto::envelope::seal_record(
            &meta,
            &payload,
            std::slice::from_ref(&s.keys.peer_public),
            &intruder,
        )
        .unwrap();
        file["devices"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({
                "device_id": intruder.device_id(),
                "public_key": intruder.public_key(),
            }));
        records(&mut file).push(serde_json::to_value(&env).unwrap());
        assert_refused(&file, &code);
    }

    #[test]
    fn a_changed_envelope_byte_is_refused() {
        let a = tempfile::tempdir().unwrap();
        let (_, code, mut file) = exported(a.path());
        let last = records(&mut file).last_mut().unwrap();
        let ct = last["ciphertext"].as_str().unwrap().to_string();
        let first = if ct.starts_with('A') { "B" } else { "A" };
        last["ciphertext"] = serde_json::Value::String(format!("{first}{}", &ct[1..]));
        assert_refused(&file, &code);
    }

    #[test]
    fn a_swapped_profile_is_refused() {
        let a = tempfile::tempdir().unwrap();
        let (mut h, code, old) = exported(a.path());
        // A later backup after the peer changed the mileage rate; the thief puts the
        // older profile back in.
        let (st, s) = h.parts().unwrap();
        s.profile.mileage_rate_minor_per_km += 100;
        s.save_profile(st.conn()).unwrap();
        let bytes = export(h.store.conn(), h.session().unwrap(), &code).unwrap();
        let mut file: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        file["profile"] = old["profile"].clone();
        assert_refused(&file, &code);
    }

    #[test]
    fn an_old_unsigned_file_is_refused_with_its_own_message() {
        let a = tempfile::tempdir().unwrap();
        let (_, code, mut file) = exported(a.path());
        file["format"] = FORMAT_V1.into();
        file.as_object_mut().unwrap().remove("signature");
        let dir = tempfile::tempdir().unwrap();
        let mut fresh = testing::home(dir.path());
        let err = restore(&mut fresh, &serde_json::to_vec(&file).unwrap(), &code).unwrap_err();
        assert!(
            matches!(err, CoreError::Verification(Msg::BackupOldFormat)),
            "{err}"
        );
        assert!(fresh.session.is_none());
        assert!(crate::home::store_is_empty(fresh.store.conn()).unwrap());
        assert_eq!(
            fresh.secrets.get(keys::SECRET_PEER_KEY.into()).unwrap(),
            None
        );
    }
}
