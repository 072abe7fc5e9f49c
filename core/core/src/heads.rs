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
use peerlog_crypto::{DeviceSigningKey, sha256};
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
    pub(crate) fn new(account_id: &str, peer: &RecipientSecretKey) -> Result<Self> {
        Ok(HeadKeys {
            account_id: account_id.to_owned(),
            key: certs::account_key(peer)?,
        })
    }

    fn sign(&self, head: AccountHead) -> Result<SignedAccountHead> {
        let signature = self.key.sign_document(api::ACCOUNT_HEAD_DOMAIN, &head)?;
        Ok(SignedAccountHead { head, signature })
    }

    fn genuine(&self, signed: &SignedAccountHead) -> bool {
        signed.head.account_id == self.account_id
            && self
                .key
                .public_key()
                .verify_document(api::ACCOUNT_HEAD_DOMAIN, &signed.head, &signed.signature)
                .is_ok()
    }
}

/// One record as the digest covers it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Item {
    version: u64,
    hash: [u8; 32],
}

fn item(env: &Envelope) -> Result<Item> {
    Ok(Item {
        version: env.meta.version,
        hash: sha256(&env.to_json_bytes()?),
    })
}

/// The digest of a set of records, in `(collection, id)` order: SHA-256 over the domain,
/// then per record its collection and id (each with a 4-byte big-endian length), version
/// (8 bytes big-endian) and envelope hash.
fn digest(items: &BTreeMap<(String, String), Item>) -> [u8; 32] {
    let mut bytes = Vec::with_capacity(DIGEST_DOMAIN.len() + items.len() * 100);
    bytes.extend_from_slice(DIGEST_DOMAIN);
    for ((collection, id), it) in items {
        for part in [collection.as_bytes(), id.as_bytes()] {
            bytes.extend_from_slice(&u32::try_from(part.len()).unwrap_or(u32::MAX).to_be_bytes());
            bytes.extend_from_slice(part);
        }
        bytes.extend_from_slice(&it.version.to_be_bytes());
        bytes.extend_from_slice(&it.hash);
    }
    sha256(&bytes)
}

/// The view, with `batch` stored over it.
fn view(c: &Connection, batch: &[Envelope]) -> Result<BTreeMap<(String, String), Item>> {
    let mut stmt = c.prepare_cached("SELECT collection, id, version, hash FROM server_view")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            (r.get::<_, String>(0)?, r.get::<_, String>(1)?),
            r.get::<_, i64>(2)?,
            r.get::<_, Vec<u8>>(3)?,
        ))
    })?;
    let mut items = BTreeMap::new();
    for row in rows {
        let (key, version, hash) = row?;
        let item = Item {
            version: u64::try_from(version).map_err(|_| CoreError::corrupt("server view"))?,
            hash: hash
                .try_into()
                .map_err(|_| CoreError::corrupt("server view"))?,
        };
        items.insert(key, item);
    }
    for env in batch {
        items.insert(
            (env.meta.collection.as_str().to_owned(), env.meta.id.clone()),
            item(env)?,
        );
    }
    Ok(items)
}

/// Remembers that the server holds `env` (an acknowledged push, or a verified pull of one
/// of the account's own records). An older version than the one noted changes nothing.
pub(crate) fn note_on_server(c: &Connection, env: &Envelope) -> Result<()> {
    let it = item(env)?;
    c.prepare_cached(
        "INSERT INTO server_view (collection, id, version, hash) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (collection, id) DO UPDATE SET version = excluded.version, hash = excluded.hash
         WHERE excluded.version >= server_view.version",
    )?
    .execute(params![
        env.meta.collection.as_str(),
        env.meta.id,
        i64::try_from(it.version).map_err(|_| CoreError::corrupt("version"))?,
        &it.hash[..]
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
pub(crate) fn next(
    c: &Connection,
    keys: &HeadKeys,
    batch: &[Envelope],
) -> Result<SignedAccountHead> {
    let items = view(c, batch)?;
    let seq = known_seq(c)?.unwrap_or(0).saturating_add(1);
    keys.sign(AccountHead {
        account_id: keys.account_id.clone(),
        seq,
        records: items.len() as u64,
        digest: digest(&items),
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
    let items = view(c, &[])?;
    if items.len() as u64 == head.head.records && digest(&items) == head.head.digest {
        set_known_seq(c, head.head.seq)?;
        return Ok(Check::Matches);
    }
    Ok(Check::Differs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(entries: &[(&str, &str, u64, u8)]) -> BTreeMap<(String, String), Item> {
        entries
            .iter()
            .map(|&(c, id, version, h)| {
                (
                    (c.to_owned(), id.to_owned()),
                    Item {
                        version,
                        hash: [h; 32],
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
            peerlog_protocol::b64::encode(&digest(&BTreeMap::new())),
            "M_EJgBAWqOBcvz6JXNT0U0DcvFwH99KKe570mcptcGM"
        );
        let two = items(&[("contacts", "a", 3, 1), ("notes", "a", 1, 2)]);
        assert_eq!(
            peerlog_protocol::b64::encode(&digest(&two)),
            "avUdbbmiQ298N7GmOTpevvbt2TRfy25oiAZmrUNKlIQ"
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
            assert_ne!(digest(&v), digest(&base), "{v:?}");
        }
    }
}
