//! The peers' signed heads, checked against the chapter's records held here (ADR 0022). A
//! peer's devices sign, with every push, a digest of the account's records sealed for the
//! chapter; the server hands the coordinator every account's head with its last pull page.
//! If the chapter records of a peer held here do not match that digest, the server kept
//! some of them from this machine (or went back to an older copy), and the chapter's
//! figures for that peer may be short. The sync does not fail for it: the console and the
//! peers list say so per peer.

use peerlog_core::error::Result;
use peerlog_core::heads::{self, Item, Items};
use peerlog_core::store;
use peerlog_crypto::DevicePublicKey;
use peerlog_protocol::api::SignedAccountHead;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::collections::HashMap;

/// How a peer's chapter records held here compare with the peer's own signed head.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordsCheck {
    /// They match the newest head.
    Complete,
    /// They do not: records are missing or older here, the head is older than one seen
    /// before, or it is not signed by the peer's account key.
    Incomplete,
    /// Not checked: no head yet (an app from before heads, or nothing pushed since), or
    /// the peer's keys are not proven here.
    Unchecked,
}

impl RecordsCheck {
    fn as_str(self) -> &'static str {
        match self {
            RecordsCheck::Complete => "complete",
            RecordsCheck::Incomplete => "incomplete",
            RecordsCheck::Unchecked => "unchecked",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "complete" => RecordsCheck::Complete,
            "incomplete" => RecordsCheck::Incomplete,
            _ => RecordsCheck::Unchecked,
        }
    }
}

/// The last check of `account_id`.
pub fn records_check(c: &Connection, account_id: &str) -> Result<RecordsCheck> {
    Ok(
        c.prepare_cached("SELECT status FROM chapter_heads WHERE account_id = ?1")?
            .query_row([account_id], |r| r.get::<_, String>(0))
            .optional()?
            .map_or(RecordsCheck::Unchecked, |s| RecordsCheck::parse(&s)),
    )
}

/// The chapter records held here, by the account whose device wrote them, as the digest
/// covers them (one pass over the records).
fn held(c: &Connection) -> Result<HashMap<String, Items>> {
    let account_of: HashMap<String, String> = store::sync::chapter_devices(c)?
        .into_iter()
        .map(|d| (d.device_id, d.account_id))
        .collect();
    let mut out: HashMap<String, Items> = HashMap::new();
    for r in store::sync::chapter_record_hashes(c)? {
        let Some(account) = account_of.get(&r.author_device) else {
            continue;
        };
        out.entry(account.clone()).or_default().insert(
            (r.collection, r.id),
            Item {
                version: r.version,
                hash: r.hash,
                for_chapter: true,
            },
        );
    }
    Ok(out)
}

/// Checks every head against the records held here and stores the outcome per account.
/// Returns the accounts whose records differ: with `final_try` false they are left as they
/// were, for the caller to pull once more (a push may have landed between the pages and
/// the heads); with `final_try` true they are marked incomplete.
pub fn check(c: &Connection, heads_: &[SignedAccountHead], final_try: bool) -> Result<Vec<String>> {
    let accounts = store::sync::chapter_accounts(c)?;
    let held = held(c)?;
    let none = Items::new();
    let mut differ = Vec::new();
    for signed in heads_ {
        let account_id = &signed.head.account_id;
        let Some(account) = accounts.iter().find(|a| &a.account_id == account_id) else {
            continue;
        };
        let key = account
            .account_key
            .as_deref()
            .and_then(|k| DevicePublicKey::from_bytes(k).ok());
        let stored: Option<u64> = c
            .prepare_cached("SELECT seq FROM chapter_heads WHERE account_id = ?1")?
            .query_row([account_id], |r| r.get::<_, i64>(0))
            .optional()?
            .and_then(|s| u64::try_from(s).ok());
        let status = if account.key_proof != "proven" {
            (RecordsCheck::Unchecked, stored.unwrap_or(0))
        } else if !key.is_some_and(|k| heads::verify(signed, account_id, &k))
            || stored.is_some_and(|s| signed.head.seq < s)
        {
            (RecordsCheck::Incomplete, stored.unwrap_or(0))
        } else {
            let mine = heads::digest(held.get(account_id).unwrap_or(&none), true);
            if mine == (signed.head.chapter_records, signed.head.chapter_digest) {
                (RecordsCheck::Complete, signed.head.seq)
            } else if final_try {
                differ.push(account_id.clone());
                (RecordsCheck::Incomplete, stored.unwrap_or(0))
            } else {
                differ.push(account_id.clone());
                continue;
            }
        };
        c.prepare_cached(
            "INSERT INTO chapter_heads (account_id, seq, status) VALUES (?1, ?2, ?3)
             ON CONFLICT (account_id) DO UPDATE SET seq = excluded.seq, status = excluded.status",
        )?
        .execute(params![
            account_id,
            i64::try_from(status.1).unwrap_or(i64::MAX),
            status.0.as_str()
        ])?;
    }
    Ok(differ)
}
