//! Encrypted backup and restore.
//!
//! The backup file holds the sealed records exactly as stored (envelopes: only routing
//! metadata is clear), the devices' public keys, the sealed profile, and the peer key
//! wrapped under a key derived from the recovery code with Argon2id. Without the code it
//! reveals nothing but record ids, collections and versions.

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
use peerlog_crypto::{DevicePublicKey, DeviceSigningKey, RecipientSecretKey};
use peerlog_protocol::Envelope;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::collections::hash_map::Entry;

const FORMAT: &str = "peerlog-backup/1";
const PEER_KEY_CONTEXT: &str = "peerlog/v1/backup-peer-key";

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
    let file = BackupFile {
        format: FORMAT.into(),
        created_at: now_rfc3339(),
        wrapped_peer_key,
        profile: s.profile.seal(&s.keys)?,
        devices,
        records,
    };
    Ok(serde_json::to_vec(&file)?)
}

/// Restores a backup into an empty home, which becomes a new device of the peer. Verifies
/// every record's signature before accepting it; refuses a home that holds Peerlog data.
pub(crate) fn restore(home: &mut Home, bytes: &[u8], code: &RecoveryCode) -> Result<()> {
    home.require_empty()?;
    let file: BackupFile = serde_json::from_slice(bytes)
        .map_err(|_| CoreError::Verification(Msg::BackupWrongFormat))?;
    if file.format != FORMAT {
        return Err(CoreError::Verification(Msg::BackupWrongFormat));
    }
    let peer_bytes = recovery::unwrap_secret(code, &file.wrapped_peer_key, PEER_KEY_CONTEXT)?;
    let peer_bytes: &[u8; 32] = peer_bytes
        .as_slice()
        .try_into()
        .map_err(|_| CoreError::Verification(Msg::BackupWrongFormat))?;
    let peer = RecipientSecretKey::from_bytes(peer_bytes);
    let keys = Keys::from_parts(DeviceSigningKey::generate()?, peer);
    let profile = Profile::open(&keys, &file.profile)?;
    let mut s = Session::new(keys, profile, Clock::default());

    s.keys
        .save_with_recovery_code(home.secrets.as_ref(), code)?;
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
            reindex(tx, &s, verified)?;
        }
        store::meta_put(tx, session::META_DEVICE_ID, s.device_id.as_bytes())?;
        s.save_profile(tx)
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
}
