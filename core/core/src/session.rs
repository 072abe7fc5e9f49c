//! The unlocked state of a set-up device: its keys, the peer's profile and clock, what it
//! knows of its chapter, and the record plumbing every feature uses (seal on write,
//! verify and open on read).

use crate::clock::Clock;
use crate::declaration::DeclarationText;
use crate::error::{CoreError, Result};
use crate::i18n::Msg;
use crate::keys::Keys;
use crate::platform::SecretStore;
use crate::profile::Profile;
use crate::store;
use peerlog_crypto::envelope::{ContentKey, Verified};
use peerlog_crypto::{DevicePublicKey, RecipientPublicKey};
use peerlog_protocol::canonical::to_canonical_vec;
use peerlog_protocol::{Collection, Envelope, RecordMeta};
use peerlog_rules::Locale;
use rusqlite::Connection;
use serde::Serialize;
use serde::de::DeserializeOwned;

pub(crate) const META_DEVICE_ID: &str = "device_id";
const META_PROFILE: &str = "profile";

/// Who can open a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Audience {
    /// The peer (all their devices) and, once enrolled, the chapter.
    PeerAndChapter,
    /// The peer only: private references, private notes, device certificates.
    PeerOnly,
}

/// A verified record, with its content key when this device already unwrapped it (so
/// indexing a pulled record does not unwrap it a second time).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Arrived<'a> {
    pub verified: Verified<'a>,
    pub key: Option<&'a ContentKey>,
}

impl<'a> Arrived<'a> {
    pub(crate) fn envelope(&self) -> &'a Envelope {
        self.verified.envelope()
    }
}

impl<'a> From<Verified<'a>> for Arrived<'a> {
    fn from(verified: Verified<'a>) -> Self {
        Self {
            verified,
            key: None,
        }
    }
}

/// A set-up device, unlocked.
#[derive(Debug)]
pub(crate) struct Session {
    pub keys: Keys,
    pub profile: Profile,
    pub device_id: String,
    clock: Clock,
    /// The chapter's encryption key, once enrolled: non-private records are wrapped for it.
    pub chapter_key: Option<RecipientPublicKey>,
    /// The chapter's signing key, once enrolled (from the invitation-checked keys).
    pub chapter_signing_key: Option<DevicePublicKey>,
    /// The chapter's published declaration (verified), which replaces the built-in one.
    pub chapter_declaration: Option<DeclarationText>,
    /// Whether reads may use kept content keys (ADR 0017); off only to measure and test
    /// the full verification they stand for.
    pub trust_kept: bool,
}

impl Session {
    pub(crate) fn new(keys: Keys, profile: Profile, clock: Clock) -> Self {
        let device_id = keys.device.device_id();
        Self {
            keys,
            profile,
            device_id,
            clock,
            chapter_key: None,
            chapter_signing_key: None,
            chapter_declaration: None,
            trust_kept: true,
        }
    }

    /// Loads the session from the store and secret store, if this device is set up.
    pub(crate) fn load(conn: &Connection, secrets: &dyn SecretStore) -> Result<Option<Self>> {
        let Some(device_id) = store::meta_get(conn, META_DEVICE_ID)? else {
            return Ok(None);
        };
        let keys = Keys::load(secrets)?;
        if keys.device.device_id().as_bytes() != device_id.as_slice() {
            return Err(CoreError::NotAllowed(Msg::KeysMissing));
        }
        let sealed = store::meta_get(conn, META_PROFILE)?
            .ok_or_else(|| CoreError::corrupt("profile missing"))?;
        let profile = Profile::open(&keys, &sealed)?;
        Ok(Some(Self::new(keys, profile, Clock::load(conn)?)))
    }

    /// The chapter's public keys, once enrolled.
    pub(crate) fn chapter_keys(&self) -> Option<peerlog_protocol::api::ChapterKeys> {
        Some(peerlog_protocol::api::ChapterKeys {
            encryption_key: *self.chapter_key.as_ref()?.as_bytes(),
            signing_key: *self.chapter_signing_key.as_ref()?.as_bytes(),
        })
    }

    pub(crate) fn save_profile(&self, conn: &Connection) -> Result<()> {
        store::meta_put(conn, META_PROFILE, &self.profile.seal(&self.keys)?)
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
            store::CertifiedBy::Account,
        )
    }

    pub(crate) fn locale(&self) -> Locale {
        self.profile.locale
    }

    /// The next record version, persisted in the same transaction.
    pub(crate) fn next_version(&mut self, conn: &Connection) -> Result<u64> {
        self.clock.next(conn)
    }

    /// Observes a version written elsewhere, so ours stay ahead of it.
    pub(crate) fn observe_version(&mut self, conn: &Connection, v: u64) -> Result<()> {
        self.clock.observe(conn, v)
    }

    /// Who can open a record for `audience`. (The chapter key arrives with enrolment.)
    pub(crate) fn recipients(&self, audience: Audience) -> Vec<RecipientPublicKey> {
        let mut out = vec![self.keys.peer_public.clone()];
        if let Some(chapter) = self
            .chapter_key
            .as_ref()
            .filter(|_| audience == Audience::PeerAndChapter)
        {
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
        audience: Audience,
    ) -> Result<Envelope> {
        let version = self.next_version(conn)?;
        self.write_at(conn, version, collection, id, payload, audience)
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
        audience: Audience,
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
        let (env, key) = peerlog_crypto::envelope::seal_record_keeping_key(
            &meta,
            &plaintext,
            &self.recipients(audience),
            &self.keys.device,
        )?;
        store::put_record_keeping(conn, &env, true, |hash| self.keep(hash, &key).map(Some))?;
        Ok(env)
    }

    /// The content key of a record this device sealed or verified, sealed under its local
    /// key and bound to the SHA-256 of the stored envelope bytes (ADR 0017).
    pub(crate) fn keep(&self, envelope_sha256: &[u8; 32], key: &ContentKey) -> Result<Vec<u8>> {
        Ok(self
            .keys
            .at_rest
            .seal(&kept_aad(envelope_sha256), key.as_bytes())?)
    }

    /// The content key this device kept for `rec`, if it has one that opens under its local
    /// key for exactly these envelope bytes. Anything else (no key, another device's, a
    /// changed envelope or key) is `None`: the record is then verified in full.
    pub(crate) fn kept_key(&self, rec: &store::StoredRecord) -> Option<ContentKey> {
        let kept = rec.kept.as_ref()?;
        let bytes = self
            .keys
            .at_rest
            .open(&kept_aad(&kept.envelope_sha256), &kept.sealed)
            .ok()?;
        ContentKey::from_bytes(&bytes).ok()
    }

    /// Opens a stored record: with its kept content key when it has one, else verified
    /// and opened in full.
    pub(crate) fn open_stored<T: DeserializeOwned>(
        &self,
        conn: &Connection,
        rec: &store::StoredRecord,
    ) -> Result<T> {
        let env = &rec.envelope;
        let kept = if self.trust_kept {
            self.kept_key(rec)
        } else {
            None
        };
        let plaintext = match kept.map(|k| peerlog_crypto::envelope::open_with_key(env, &k)) {
            Some(Ok(p)) => p,
            // A kept key that does not open the envelope is not trusted: verify in full.
            _ => return self.open(conn, env),
        };
        parse_payload(env, &plaintext)
    }

    /// Opens one part of a listed contact: with its kept content key when that opens for
    /// exactly these bytes (reading only the envelope fields decryption needs) and the
    /// author is one of `authors` (the known, unrevoked devices), else parsed, verified
    /// and opened in full. Returns the record's metadata and plaintext.
    pub(crate) fn open_listed(
        &self,
        conn: &Connection,
        part: store::ListedPart<'_>,
        authors: &std::collections::HashSet<String>,
    ) -> Result<(RecordMeta, zeroize::Zeroizing<Vec<u8>>)> {
        if let Some(sealed) = part.kept.filter(|_| self.trust_kept) {
            let hash = peerlog_crypto::sha256(part.bytes);
            let fast = self
                .keys
                .at_rest
                .open(&kept_aad(&hash), sealed)
                .ok()
                .and_then(|k| ContentKey::from_bytes(&k).ok())
                .and_then(|k| peerlog_crypto::envelope::open_bytes_with_key(part.bytes, &k).ok())
                .filter(|(meta, _)| authors.contains(&meta.author_device));
            if let Some(opened) = fast {
                return Ok(opened);
            }
        }
        // No kept key, or one that is not trusted: verify in full.
        let env = part.envelope()?;
        let plaintext =
            peerlog_crypto::envelope::open_verified(verify(conn, &env)?, &self.keys.peer)?;
        Ok((env.meta, plaintext))
    }

    /// Whether a record the chapter issues (a training record, the settings) is for this
    /// peer's account and `from_chapter` holds of it under the chapter signing key this
    /// device checked against its invitation (none known: nothing is from the chapter).
    pub(crate) fn issued_to_me(
        &self,
        account_id: &str,
        from_chapter: impl FnOnce(&DevicePublicKey) -> bool,
    ) -> bool {
        account_id == self.profile.peer_id
            && self.chapter_signing_key.as_ref().is_some_and(from_chapter)
    }

    /// Verifies the author's signature and opens a record's payload.
    pub(crate) fn open<T: DeserializeOwned>(&self, conn: &Connection, env: &Envelope) -> Result<T> {
        self.open_verified(verify(conn, env)?)
    }

    /// Opens the payload of a record whose signature was already checked (with its content
    /// key when that was unwrapped already).
    pub(crate) fn open_verified<'a, T: DeserializeOwned>(
        &self,
        v: impl Into<Arrived<'a>>,
    ) -> Result<T> {
        let v = v.into();
        let plaintext = match v.key {
            Some(key) => peerlog_crypto::envelope::open_with_key(v.envelope(), key)?,
            None => peerlog_crypto::envelope::open_verified(v.verified, &self.keys.peer)?,
        };
        parse_payload(v.envelope(), &plaintext)
    }

    /// The current (not deleted) record `id` of `collection`, opened.
    pub(crate) fn open_live<T: DeserializeOwned>(
        &self,
        conn: &Connection,
        collection: Collection,
        id: &str,
    ) -> Result<Option<(store::StoredRecord, T)>> {
        match store::get_record(conn, collection, id)? {
            Some(r) if !r.envelope.meta.deleted => {
                let t = self.open_stored(conn, &r)?;
                Ok(Some((r, t)))
            }
            _ => Ok(None),
        }
    }
}

fn parse_payload<T: DeserializeOwned>(env: &Envelope, plaintext: &[u8]) -> Result<T> {
    parse_payload_of(env.meta.collection, plaintext)
}

/// Parses the plaintext of a record of `collection`.
pub(crate) fn parse_payload_of<T: DeserializeOwned>(
    collection: Collection,
    plaintext: &[u8],
) -> Result<T> {
    serde_json::from_slice(plaintext).map_err(|e| {
        let collection = collection.as_str();
        CoreError::corrupt(format!("{collection} payload: {e}"))
    })
}

/// Associated data of a kept content key: it opens only for the envelope bytes it was
/// kept for.
fn kept_aad(envelope_sha256: &[u8; 32]) -> Vec<u8> {
    [KEPT_KEY_AD_PREFIX, &envelope_sha256[..]].concat()
}

const KEPT_KEY_AD_PREFIX: &[u8] = b"peerlog/v1/verified-envelope\0";

/// Checks a stored or received record against its author's key in this store.
pub(crate) fn verify<'a>(conn: &Connection, env: &'a Envelope) -> Result<Verified<'a>> {
    let bytes = store::device_key(conn, &env.meta.author_device)?.ok_or_else(|| {
        CoreError::corrupt(format!(
            "record by unknown device {}",
            env.meta.author_device
        ))
    })?;
    let author = DevicePublicKey::from_bytes(&bytes)?;
    Ok(peerlog_crypto::envelope::verify(env, &author)?)
}
