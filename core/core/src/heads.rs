//! The account's signed head (ADR 0022): with every push a peer's device signs, with the
//! account key, a digest of every record the server will then hold for the account; the
//! server stores it with the batch, only after the head it holds. After a full pull the
//! device compares the server's head with what it pulled: a withheld record or tombstone,
//! or a server rolled back to an older state, no longer matches.
//!
//! What the device believes the server holds is kept in `server_view` (collection, id,
//! version, SHA-256 of the envelope bytes), filled from acknowledged pushes and verified
//! pulls of the account's own records. `head_seq` in `meta` is the newest head whose state
//! this device's view matched; without it the view is not trusted yet and the device pulls
//! everything before it pushes with a head.

use crate::certs;
use crate::error::{CoreError, Result};
use crate::store;
use peerlog_crypto::RecipientSecretKey;
use peerlog_crypto::{DevicePublicKey, DeviceSigningKey, sha256};
use peerlog_protocol::Envelope;
use peerlog_protocol::api::{self, AccountHead, SignedAccountHead};
use rusqlite::{Connection, params};
use std::collections::BTreeMap;

/// Meta key of the newest head this device's view matched (decimal).
const META_HEAD_SEQ: &str = "account_head_seq";
/// Domain of the digest's bytes.
const DIGEST_DOMAIN: &[u8] = b"peerlog/v1/account-head-digest\n";

/// What signs and checks the heads of one account: its id and the account key.
pub struct HeadKeys {
    account_id: String,
    key: DeviceSigningKey,
    /// The chapter key's id: a record wrapped for it is one the coordinator reads.
    chapter_kid: Option<String>,
}

impl std::fmt::Debug for HeadKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeadKeys")
            .field("account_id", &self.account_id)
            .finish_non_exhaustive()
    }
}

impl HeadKeys {
    /// The account key is derived from the peer key, as for revocations.
    pub(crate) fn new(
        account_id: &str,
        peer: &RecipientSecretKey,
        chapter_kid: Option<String>,
    ) -> Result<Self> {
        Ok(HeadKeys {
            account_id: account_id.to_owned(),
            key: certs::account_key(peer)?,
            chapter_kid,
        })
    }

    pub(crate) fn chapter_kid(&self) -> Option<&str> {
        self.chapter_kid.as_deref()
    }

    fn sign(&self, head: AccountHead) -> Result<SignedAccountHead> {
        let signature = self.key.sign_document(api::ACCOUNT_HEAD_DOMAIN, &head)?;
        Ok(SignedAccountHead { head, signature })
    }

    fn genuine(&self, signed: &SignedAccountHead) -> bool {
        verify(signed, &self.account_id, &self.key.public_key())
    }
}

/// One record as the digest covers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub version: u64,
    /// SHA-256 of the envelope's canonical JSON.
    pub hash: [u8; 32],
    /// Sealed for the chapter (the coordinator holds it too).
    pub for_chapter: bool,
}

impl Item {
    /// `env` as the digest covers it, `hash` the SHA-256 of its canonical bytes
    /// (`peerlog_crypto::envelope_sha256`); `chapter_kid` the chapter key's id, if known.
    fn hashed(env: &Envelope, hash: [u8; 32], chapter_kid: Option<&str>) -> Item {
        Item {
            version: env.meta.version,
            hash,
            for_chapter: chapter_kid.is_some_and(|k| env.recipients.iter().any(|r| r.kid == k)),
        }
    }
}

/// Records by `(collection, id)`.
pub type Items = BTreeMap<(String, String), Item>;

/// The digest of a set of records, in `(collection, id)` order: SHA-256 over the domain,
/// then per record its collection and id (each with a 4-byte big-endian length), version
/// (8 bytes big-endian) and envelope hash. With `chapter_only`, over the records sealed
/// for the chapter alone. Returns the count and the digest.
pub fn digest(items: &Items, chapter_only: bool) -> (u64, [u8; 32]) {
    let mut bytes = Vec::with_capacity(DIGEST_DOMAIN.len() + items.len() * 100);
    bytes.extend_from_slice(DIGEST_DOMAIN);
    let mut n = 0u64;
    for ((collection, id), it) in items {
        if chapter_only && !it.for_chapter {
            continue;
        }
        n += 1;
        for part in [collection.as_bytes(), id.as_bytes()] {
            bytes.extend_from_slice(&u32::try_from(part.len()).unwrap_or(u32::MAX).to_be_bytes());
            bytes.extend_from_slice(part);
        }
        bytes.extend_from_slice(&it.version.to_be_bytes());
        bytes.extend_from_slice(&it.hash);
    }
    (n, sha256(&bytes))
}

/// Whether `signed` is genuine for `account_id` under its account key `account_key`
/// (the coordinator's check; a device checks with its own key).
pub fn verify(signed: &SignedAccountHead, account_id: &str, account_key: &DevicePublicKey) -> bool {
    signed.head.account_id == account_id
        && account_key
            .verify_document(api::ACCOUNT_HEAD_DOMAIN, &signed.head, &signed.signature)
            .is_ok()
}

/// The view, with `batch` (each envelope with its hash) stored over it.
fn view(
    c: &Connection,
    batch: &[(&Envelope, [u8; 32])],
    chapter_kid: Option<&str>,
) -> Result<Items> {
    let mut stmt =
        c.prepare_cached("SELECT collection, id, version, hash, for_chapter FROM server_view")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            (r.get::<_, String>(0)?, r.get::<_, String>(1)?),
            r.get::<_, i64>(2)?,
            r.get::<_, Vec<u8>>(3)?,
            r.get::<_, bool>(4)?,
        ))
    })?;
    let mut items = BTreeMap::new();
    for row in rows {
        let (key, version, hash, for_chapter) = row?;
        let item = Item {
            version: u64::try_from(version).map_err(|_| CoreError::corrupt("server view"))?,
            hash: hash
                .try_into()
                .map_err(|_| CoreError::corrupt("server view"))?,
            for_chapter,
        };
        items.insert(key, item);
    }
    for &(env, hash) in batch {
        items.insert(
            (env.meta.collection.as_str().to_owned(), env.meta.id.clone()),
            Item::hashed(env, hash, chapter_kid),
        );
    }
    Ok(items)
}

/// Remembers that the server holds `env` (an acknowledged push, or a verified pull of one
/// of the account's own records), `hash` the SHA-256 of its canonical bytes. An older
/// version than the one noted changes nothing.
pub(crate) fn note_on_server(
    c: &Connection,
    env: &Envelope,
    hash: [u8; 32],
    chapter_kid: Option<&str>,
) -> Result<()> {
    let it = Item::hashed(env, hash, chapter_kid);
    c.prepare_cached(
        "INSERT INTO server_view (collection, id, version, hash, for_chapter) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (collection, id) DO UPDATE SET version = excluded.version, hash = excluded.hash,
            for_chapter = excluded.for_chapter
         WHERE excluded.version >= server_view.version",
    )?
    .execute(params![
        env.meta.collection.as_str(),
        env.meta.id,
        i64::try_from(it.version).map_err(|_| CoreError::corrupt("version"))?,
        &it.hash[..],
        it.for_chapter
    ])?;
    Ok(())
}

/// The newest head this device's view matched, if any.
pub(crate) fn known_seq(c: &Connection) -> Result<Option<u64>> {
    Ok(store::meta_get(c, META_HEAD_SEQ)?
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.parse().ok()))
}

fn set_known_seq(c: &Connection, seq: u64) -> Result<()> {
    store::meta_put(c, META_HEAD_SEQ, seq.to_string().as_bytes())
}

/// The head to push with `batch`: the view with the batch stored, one after the known one.
/// Each envelope comes with the SHA-256 of its canonical bytes, which the push also notes
/// once the server took it.
pub(crate) fn next(
    c: &Connection,
    keys: &HeadKeys,
    batch: &[(&Envelope, [u8; 32])],
) -> Result<SignedAccountHead> {
    let items = view(c, batch, keys.chapter_kid())?;
    let seq = known_seq(c)?.unwrap_or(0).saturating_add(1);
    let (records, digest_all) = digest(&items, false);
    let (chapter_records, chapter_digest) = digest(&items, true);
    keys.sign(AccountHead {
        account_id: keys.account_id.clone(),
        seq,
        records,
        digest: digest_all,
        chapter_records,
        chapter_digest,
    })
}

/// The server stored the batch with `head`: the view now is that head's state.
pub(crate) fn stored(c: &Connection, head: &SignedAccountHead) -> Result<()> {
    set_known_seq(c, head.head.seq)
}

/// How the server's head compares with this device's view after a full pull.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Check {
    /// The view is the head's state (or the account has no head yet, and this device
    /// knew of none): remembered.
    Matches,
    /// The head is genuine and not older than the known one, but the view differs: a
    /// record may have been pushed after the pulled pages were read. Pull once more; if it
    /// still differs, the server withheld something.
    Differs,
    /// Not genuine, older than one this device saw, or gone.
    Inconsistent(&'static str),
}

/// Compares the server's head with the view (see [`Check`]).
pub(crate) fn check(
    c: &Connection,
    keys: &HeadKeys,
    head: Option<&SignedAccountHead>,
) -> Result<Check> {
    let known = known_seq(c)?;
    let Some(head) = head else {
        if known.unwrap_or(0) > 0 {
            return Ok(Check::Inconsistent("the account's head is gone"));
        }
        set_known_seq(c, 0)?;
        return Ok(Check::Matches);
    };
    if !keys.genuine(head) {
        return Ok(Check::Inconsistent(
            "the head is not signed by the account key",
        ));
    }
    if known.is_some_and(|k| head.head.seq < k) {
        return Ok(Check::Inconsistent(
            "the head is older than one this device saw",
        ));
    }
    let items = view(c, &[], keys.chapter_kid())?;
    let mine = (digest(&items, false), digest(&items, true));
    let theirs = (
        (head.head.records, head.head.digest),
        (head.head.chapter_records, head.head.chapter_digest),
    );
    if mine == theirs {
        set_known_seq(c, head.head.seq)?;
        return Ok(Check::Matches);
    }
    Ok(Check::Differs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(entries: &[(&str, &str, u64, u8)]) -> Items {
        entries
            .iter()
            .map(|&(c, id, version, h)| {
                (
                    (c.to_owned(), id.to_owned()),
                    Item {
                        version,
                        hash: [h; 32],
                        for_chapter: c == "contacts",
                    },
                )
            })
            .collect()
    }

    /// Frozen: every device of an account, old and new, must compute the same bytes. The
    /// values were computed independently (Python hashlib from the definition above).
    #[test]
    fn the_digest_is_frozen() {
        assert_eq!(
            peerlog_protocol::b64::encode(&digest(&BTreeMap::new(), false).1),
            "M_EJgBAWqOBcvz6JXNT0U0DcvFwH99KKe570mcptcGM"
        );
        let two = items(&[("contacts", "a", 3, 1), ("notes", "a", 1, 2)]);
        assert_eq!(
            peerlog_protocol::b64::encode(&digest(&two, false).1),
            "avUdbbmiQ298N7GmOTpevvbt2TRfy25oiAZmrUNKlIQ"
        );
        // The chapter's part is the same digest over the contacts record alone.
        let (n, d) = digest(&two, true);
        assert_eq!(n, 1);
        assert_eq!(
            peerlog_protocol::b64::encode(&d),
            "dAjxPjDP9pl0JI8q_BjAfbWuKvXaPzD6Z_i4wLMA728"
        );
    }

    #[test]
    fn every_part_of_a_record_changes_the_digest() {
        let base = items(&[("contacts", "a", 3, 1), ("notes", "a", 1, 2)]);
        let variants = [
            items(&[("contacts", "a", 3, 1)]),
            items(&[("contacts", "a", 4, 1), ("notes", "a", 1, 2)]),
            items(&[("contacts", "a", 3, 9), ("notes", "a", 1, 2)]),
            items(&[("contacts", "b", 3, 1), ("notes", "a", 1, 2)]),
            // The boundary between collection and id is part of what is hashed.
            items(&[("contactsa", "", 3, 1), ("notes", "a", 1, 2)]),
        ];
        for v in variants {
            assert_ne!(digest(&v, false), digest(&base, false), "{v:?}");
        }
    }
}
