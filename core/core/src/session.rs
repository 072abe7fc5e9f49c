//! The unlocked state of a set-up device: its keys and the peer's profile, plus the
//! record plumbing every feature uses (seal on write, verify and open on read).

use crate::error::{CoreError, Result};
use crate::i18n::Msg;
use crate::platform::SecretStore;
use crate::store;
use peerlog_crypto::envelope::Verified;
use peerlog_crypto::local::LocalKey;
use peerlog_crypto::recovery::RecoveryCode;
use peerlog_crypto::{DevicePublicKey, DeviceSigningKey, RecipientPublicKey, RecipientSecretKey};
use peerlog_protocol::canonical::to_canonical_vec;
use peerlog_protocol::{Collection, Envelope, Hlc, RecordMeta};
use peerlog_rules::Locale;
use rusqlite::Connection;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub(crate) const SECRET_DEVICE_KEY: &str = "device-signing-key";
pub(crate) const SECRET_PEER_KEY: &str = "peer-key";
pub(crate) const SECRET_RECOVERY_CODE: &str = "recovery-code";
pub(crate) const META_DEVICE_ID: &str = "device_id";
pub(crate) const META_PROFILE: &str = "profile";
pub(crate) const META_HLC: &str = "hlc";
const PROFILE_AAD: &[u8] = b"peerlog/v1/profile";
const PROFILE_KEY_LABEL: &str = "peerlog/v1/local-profile";

/// The peer's settings, sealed at rest with a key derived from the peer key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Profile {
    pub schema: u32,
    pub peer_id: String,
    pub name: String,
    pub rule_set: String,
    pub locale: Locale,
    pub created_at: String,
    pub mileage_rate_minor_per_km: u64,
    pub currency: String,
}

/// The device's keys.
pub(crate) struct Keys {
    pub device: DeviceSigningKey,
    pub peer: RecipientSecretKey,
    pub peer_public: RecipientPublicKey,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("device_id", &self.device.device_id())
            .finish_non_exhaustive()
    }
}

impl Keys {
    pub(crate) fn generate() -> Result<Self> {
        let device = DeviceSigningKey::generate()?;
        let peer = RecipientSecretKey::generate()?;
        Ok(Self::from_parts(device, peer))
    }

    pub(crate) fn from_parts(device: DeviceSigningKey, peer: RecipientSecretKey) -> Self {
        let peer_public = peer.public_key();
        Self {
            device,
            peer,
            peer_public,
        }
    }

    pub(crate) fn profile_key(&self) -> LocalKey {
        LocalKey::derive(&self.peer.to_bytes()[..], PROFILE_KEY_LABEL)
    }

    pub(crate) fn save(&self, secrets: &dyn SecretStore) -> Result<()> {
        secrets.put(SECRET_DEVICE_KEY.into(), self.device.seed().to_vec())?;
        secrets.put(SECRET_PEER_KEY.into(), self.peer.to_bytes().to_vec())?;
        Ok(())
    }

    /// Stores a new device's keys and its recovery code. Done before the database commit:
    /// a crash in between leaves an uninitialised device whose next set-up overwrites them.
    pub(crate) fn save_with_recovery_code(
        &self,
        secrets: &dyn SecretStore,
        code: &RecoveryCode,
    ) -> Result<()> {
        self.save(secrets)?;
        secrets.put(SECRET_RECOVERY_CODE.into(), code.display().into_bytes())?;
        Ok(())
    }

    pub(crate) fn load(secrets: &dyn SecretStore) -> Result<Self> {
        let missing = || CoreError::NotAllowed(Msg::KeysMissing);
        let seed =
            zeroize::Zeroizing::new(secrets.get(SECRET_DEVICE_KEY.into())?.ok_or_else(missing)?);
        let peer =
            zeroize::Zeroizing::new(secrets.get(SECRET_PEER_KEY.into())?.ok_or_else(missing)?);
        let seed: &[u8; 32] = seed.as_slice().try_into().map_err(|_| missing())?;
        let peer: &[u8; 32] = peer.as_slice().try_into().map_err(|_| missing())?;
        Ok(Self::from_parts(
            DeviceSigningKey::from_seed(seed)?,
            RecipientSecretKey::from_bytes(peer),
        ))
    }
}

/// A set-up device, unlocked.
#[derive(Debug)]
pub(crate) struct Session {
    pub keys: Keys,
    pub profile: Profile,
    pub device_id: String,
    last_version: u64,
    /// The chapter's encryption key, once enrolled: non-private records are wrapped for it.
    pub chapter_key: Option<RecipientPublicKey>,
    /// The chapter's signing key, once enrolled (from the invitation-checked keys).
    pub chapter_signing_key: Option<DevicePublicKey>,
    /// The chapter's published declaration (verified), which replaces the built-in one.
    pub chapter_declaration: Option<crate::declaration::DeclarationText>,
}

impl Session {
    pub(crate) fn new(keys: Keys, profile: Profile, last_version: u64) -> Self {
        let device_id = keys.device.device_id();
        Self {
            keys,
            profile,
            device_id,
            last_version,
            chapter_key: None,
            chapter_signing_key: None,
            chapter_declaration: None,
        }
    }

    /// Loads the session from the store and secret store, if this device is set up.
    pub(crate) fn load(conn: &Connection, secrets: &Arc<dyn SecretStore>) -> Result<Option<Self>> {
        let Some(device_id) = store::meta_get(conn, META_DEVICE_ID)? else {
            return Ok(None);
        };
        let keys = Keys::load(secrets.as_ref())?;
        if keys.device.device_id().as_bytes() != device_id.as_slice() {
            return Err(CoreError::NotAllowed(Msg::KeysMissing));
        }
        let sealed = store::meta_get(conn, META_PROFILE)?
            .ok_or_else(|| CoreError::corrupt("profile missing"))?;
        let profile = open_profile(&keys, &sealed)?;
        let last = store::meta_get(conn, META_HLC)?
            .and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok())
            .map(u64::from_be_bytes)
            .unwrap_or(0);
        Ok(Some(Self::new(keys, profile, last)))
    }

    pub(crate) fn save_profile(&self, conn: &Connection) -> Result<()> {
        let sealed = seal_profile(&self.keys, &self.profile)?;
        store::meta_put(conn, META_PROFILE, &sealed)
    }

    /// Records a newly set-up device: its id, its profile and its own public key.
    pub(crate) fn save_new_device(&self, conn: &Connection) -> Result<()> {
        store::meta_put(conn, META_DEVICE_ID, self.device_id.as_bytes())?;
        self.save_profile(conn)?;
        store::put_device(
            conn,
            &self.device_id,
            self.keys.device.public_key().as_bytes(),
            &self.profile.created_at,
        )
    }

    pub(crate) fn locale(&self) -> Locale {
        self.profile.locale
    }

    /// The next record version (hybrid logical clock), persisted in the same transaction.
    pub(crate) fn next_version(&mut self, conn: &Connection) -> Result<u64> {
        let now_ms = chrono::Utc::now().timestamp_millis().max(0) as u64;
        let v = Hlc::next(self.last_version, now_ms);
        store::meta_put(conn, META_HLC, &v.to_be_bytes())?;
        self.last_version = v;
        Ok(v)
    }

    /// Observes a version written elsewhere, so ours stay ahead of it.
    pub(crate) fn observe_version(&mut self, conn: &Connection, v: u64) -> Result<()> {
        if v > self.last_version {
            self.last_version = v;
            store::meta_put(conn, META_HLC, &v.to_be_bytes())?;
        }
        Ok(())
    }

    /// Who can open a record: the peer (all their devices), plus the chapter unless the
    /// record is private. (The chapter key arrives with enrolment.)
    pub(crate) fn recipients(&self, private: bool) -> Vec<RecipientPublicKey> {
        let mut out = vec![self.keys.peer_public.clone()];
        if let Some(chapter) = self.chapter_key.as_ref().filter(|_| !private) {
            out.push(chapter.clone());
        }
        out
    }

    /// Seals `payload` (canonical JSON) into a new version of record `id` and stores it;
    /// `None` writes a tombstone.
    pub(crate) fn write<T: Serialize>(
        &mut self,
        conn: &Connection,
        collection: Collection,
        id: &str,
        payload: Option<&T>,
        private: bool,
    ) -> Result<Envelope> {
        let version = self.next_version(conn)?;
        self.write_at(conn, version, collection, id, payload, private)
    }

    /// Like [`Session::write`] with a given version: the parts of one logical change
    /// (a contact and its private note) share a version.
    pub(crate) fn write_at<T: Serialize>(
        &self,
        conn: &Connection,
        version: u64,
        collection: Collection,
        id: &str,
        payload: Option<&T>,
        private: bool,
    ) -> Result<Envelope> {
        let meta = RecordMeta {
            id: id.to_string(),
            collection,
            version,
            author_device: self.device_id.clone(),
            deleted: payload.is_none(),
        };
        let plaintext = match payload {
            Some(p) => zeroize::Zeroizing::new(to_canonical_vec(p)?),
            None => zeroize::Zeroizing::new(b"{}".to_vec()),
        };
        let env = peerlog_crypto::envelope::seal_record(
            &meta,
            &plaintext,
            &self.recipients(private),
            &self.keys.device,
        )?;
        store::put_record(conn, &env, true)?;
        Ok(env)
    }

    /// Verifies the author's signature and opens a record's payload.
    pub(crate) fn open<T: DeserializeOwned>(&self, conn: &Connection, env: &Envelope) -> Result<T> {
        self.open_verified(verify(conn, env)?)
    }

    /// Opens the payload of a record whose signature was already checked.
    pub(crate) fn open_verified<T: DeserializeOwned>(&self, v: Verified<'_>) -> Result<T> {
        let plaintext = peerlog_crypto::envelope::open_verified(v, &self.keys.peer)?;
        serde_json::from_slice(&plaintext).map_err(|e| {
            let collection = v.envelope().meta.collection.as_str();
            CoreError::corrupt(format!("{collection} payload: {e}"))
        })
    }
}

/// The recovery code kept in the secret store.
pub(crate) fn stored_recovery_code(secrets: &dyn SecretStore) -> Result<RecoveryCode> {
    let code = secrets
        .get(SECRET_RECOVERY_CODE.into())?
        .ok_or(CoreError::NotAllowed(Msg::KeysMissing))?;
    Ok(RecoveryCode::parse(&String::from_utf8_lossy(&code))?)
}

/// Checks a stored or received record against its author's key in this store.
pub(crate) fn verify<'a>(conn: &Connection, env: &'a Envelope) -> Result<Verified<'a>> {
    let author = author_key(conn, &env.meta.author_device)?;
    Ok(peerlog_crypto::envelope::verify(env, &author)?)
}

pub(crate) fn author_key(conn: &Connection, device_id: &str) -> Result<DevicePublicKey> {
    let bytes = store::device_key(conn, device_id)?
        .ok_or_else(|| CoreError::corrupt(format!("record by unknown device {device_id}")))?;
    Ok(DevicePublicKey::from_bytes(&bytes)?)
}

pub(crate) fn seal_profile(keys: &Keys, profile: &Profile) -> Result<Vec<u8>> {
    let json = zeroize::Zeroizing::new(serde_json::to_vec(profile)?);
    Ok(keys.profile_key().seal(PROFILE_AAD, &json)?)
}

pub(crate) fn open_profile(keys: &Keys, sealed: &[u8]) -> Result<Profile> {
    let json = keys.profile_key().open(PROFILE_AAD, sealed)?;
    serde_json::from_slice(&json).map_err(|e| CoreError::corrupt(format!("profile: {e}")))
}
