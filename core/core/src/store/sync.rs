//! Sync state (schema v3): the enrolment, the pull cursor, the last outcome and backoff,
//! records waiting for their author's key, expense decisions and the coordinator's copy
//! of the chapter.

use crate::error::{CoreError, Result};
use peerlog_protocol::{Collection, Envelope};
use rusqlite::{Connection, OptionalExtension, params};

/// The `sync_state` row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncRow {
    pub server: String,
    /// JSON of `sync::Enrolment` (public data only).
    pub enrolment: String,
    pub cursor: u64,
    pub declaration_version: Option<u32>,
    /// JSON of the verified `api::PublishedDeclaration`.
    pub declaration: Option<String>,
    pub last_success: Option<String>,
    pub last_attempt: Option<String>,
    pub last_error_code: Option<String>,
    pub last_error_message: Option<String>,
    pub failures: u32,
    pub retry_after: Option<String>,
}

pub fn sync_row(c: &Connection) -> Result<Option<SyncRow>> {
    Ok(c.query_row(
        "SELECT server, enrolment, cursor, declaration_version, declaration, last_success,
                last_attempt, last_error_code, last_error_message, failures, retry_after
         FROM sync_state WHERE id = 1",
        [],
        |r| {
            Ok(SyncRow {
                server: r.get(0)?,
                enrolment: r.get(1)?,
                cursor: r.get::<_, i64>(2)? as u64,
                declaration_version: r.get(3)?,
                declaration: r.get(4)?,
                last_success: r.get(5)?,
                last_attempt: r.get(6)?,
                last_error_code: r.get(7)?,
                last_error_message: r.get(8)?,
                failures: r.get(9)?,
                retry_after: r.get(10)?,
            })
        },
    )
    .optional()?)
}

pub fn insert_sync_row(c: &Connection, server: &str, enrolment: &str) -> Result<()> {
    c.execute(
        "INSERT INTO sync_state (id, server, enrolment) VALUES (1, ?1, ?2)",
        params![server, enrolment],
    )?;
    Ok(())
}

pub fn set_cursor(c: &Connection, cursor: u64) -> Result<()> {
    let cursor = i64::try_from(cursor).map_err(|_| CoreError::corrupt("cursor out of range"))?;
    c.execute("UPDATE sync_state SET cursor = ?1 WHERE id = 1", [cursor])?;
    Ok(())
}

pub fn set_declaration(c: &Connection, version: u32, json: &str) -> Result<()> {
    c.execute(
        "UPDATE sync_state SET declaration_version = ?1, declaration = ?2 WHERE id = 1",
        params![version, json],
    )?;
    Ok(())
}

pub fn set_attempt(c: &Connection, at: &str) -> Result<()> {
    c.execute("UPDATE sync_state SET last_attempt = ?1 WHERE id = 1", [at])?;
    Ok(())
}

pub fn set_success(c: &Connection, at: &str, error: Option<(&str, &str)>) -> Result<()> {
    c.execute(
        "UPDATE sync_state SET last_success = ?1, failures = 0, retry_after = NULL,
            last_error_code = ?2, last_error_message = ?3 WHERE id = 1",
        params![at, error.map(|e| e.0), error.map(|e| e.1)],
    )?;
    Ok(())
}

pub fn set_failure(
    c: &Connection,
    code: &str,
    message: &str,
    failures: u32,
    retry_after: &str,
) -> Result<()> {
    c.execute(
        "UPDATE sync_state SET last_error_code = ?1, last_error_message = ?2, failures = ?3,
            retry_after = ?4 WHERE id = 1",
        params![code, message, failures, retry_after],
    )?;
    Ok(())
}

// ---- pending records --------------------------------------------------------------------

/// A pending record as the push plans it: which version, and how large its envelope is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRecord {
    pub collection: String,
    pub id: String,
    pub version: u64,
    /// Bytes of its envelope JSON.
    pub bytes: usize,
}

/// The pending records in push order, without their envelopes (the push loads one batch
/// at a time): the one with id `first` first, so a device's certificate reaches the server
/// (and so every puller) before anything it wrote, then by version.
pub fn pending_records(c: &Connection, first: &str) -> Result<Vec<PendingRecord>> {
    let mut stmt = c.prepare(
        "SELECT collection, id, version, length(envelope) FROM records WHERE pending = 1
         ORDER BY (id = ?1) DESC, version, collection, id",
    )?;
    let rows = stmt.query_map(params![first], |r| {
        Ok(PendingRecord {
            collection: r.get(0)?,
            id: r.get(1)?,
            version: r.get::<_, i64>(2)? as u64,
            bytes: usize::try_from(r.get::<_, i64>(3)?).unwrap_or(usize::MAX),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The envelope of exactly this pending version; `None` once it was replaced by a newer
/// edit or is no longer pending (the newer version goes with a later push).
pub fn pending_envelope(c: &Connection, rec: &PendingRecord) -> Result<Option<Envelope>> {
    let bytes: Option<Vec<u8>> = c
        .query_row(
            "SELECT envelope FROM records
             WHERE collection = ?1 AND id = ?2 AND version = ?3 AND pending = 1",
            params![rec.collection, rec.id, rec.version as i64],
            |r| r.get(0),
        )
        .optional()?;
    bytes
        .map(|b| {
            Envelope::from_json_bytes(&b).map_err(|e| CoreError::corrupt(format!("envelope: {e}")))
        })
        .transpose()
}

/// Clears the pending mark of exactly this version (a newer local edit stays pending).
pub fn mark_pushed(c: &Connection, env: &Envelope, seq: Option<u64>) -> Result<()> {
    // Only a row that changes is written: SQLite rewrites a whole row, and a receipt's
    // row pulled back after its push would be copied for nothing.
    c.prepare_cached(
        "UPDATE records SET pending = 0, push_error = NULL, server_seq = COALESCE(?4, server_seq)
         WHERE collection = ?1 AND id = ?2 AND version = ?3
           AND (pending != 0 OR push_error IS NOT NULL OR server_seq IS NOT COALESCE(?4, server_seq))",
    )?
    .execute(
        params![
            env.meta.collection.as_str(),
            env.meta.id,
            env.meta.version as i64,
            seq.map(|s| s as i64)
        ],
    )?;
    Ok(())
}

/// The server refused this version: stop pushing it and remember why.
pub fn mark_rejected(c: &Connection, env: &Envelope, code: &str) -> Result<()> {
    c.execute(
        "UPDATE records SET pending = 0, push_error = ?4
         WHERE collection = ?1 AND id = ?2 AND version = ?3",
        params![
            env.meta.collection.as_str(),
            env.meta.id,
            env.meta.version as i64,
            code
        ],
    )?;
    Ok(())
}

/// Marks every record pending (after enrolment: everything goes up once).
pub fn mark_all_pending(c: &Connection) -> Result<()> {
    c.execute("UPDATE records SET pending = 1, push_error = NULL", [])?;
    Ok(())
}

/// Replaces the stored bytes of the current version (recipients added; same version).
pub fn replace_envelope(c: &Connection, env: &Envelope) -> Result<()> {
    let bytes = env.to_json_bytes()?;
    let m = &env.meta;
    c.execute(
        "UPDATE records SET envelope = ?4 WHERE collection = ?1 AND id = ?2 AND version = ?3",
        params![m.collection.as_str(), m.id, m.version as i64, bytes],
    )?;
    c.execute(
        "UPDATE record_history SET envelope = ?4
         WHERE collection = ?1 AND id = ?2 AND version = ?3",
        params![m.collection.as_str(), m.id, m.version as i64, bytes],
    )?;
    Ok(())
}

// ---- deferred ---------------------------------------------------------------------------

/// Meta key of how many pulled records were dropped because too many were waiting.
const META_DEFERRED_DROPPED: &str = "deferred_dropped";

/// Puts a pulled record (its canonical `bytes`) on the waiting list.
pub fn defer(c: &Connection, env: &Envelope, bytes: &[u8]) -> Result<()> {
    c.execute(
        "INSERT OR REPLACE INTO deferred_records (collection, id, version, envelope)
         VALUES (?1, ?2, ?3, ?4)",
        params![
            env.meta.collection.as_str(),
            env.meta.id,
            env.meta.version as i64,
            bytes
        ],
    )?;
    Ok(())
}

/// Whether exactly this version is on the waiting list.
pub fn is_deferred(c: &Connection, env: &Envelope) -> Result<bool> {
    Ok(c.query_row(
        "SELECT 1 FROM deferred_records WHERE collection = ?1 AND id = ?2 AND version = ?3",
        params![
            env.meta.collection.as_str(),
            env.meta.id,
            env.meta.version as i64
        ],
        |_| Ok(()),
    )
    .optional()?
    .is_some())
}

/// How many records wait, and their envelopes' bytes.
pub fn deferred_size(c: &Connection) -> Result<(u64, u64)> {
    let (n, bytes): (i64, i64) = c.query_row(
        "SELECT count(*), coalesce(sum(length(envelope)), 0) FROM deferred_records",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok((n.max(0) as u64, bytes.max(0) as u64))
}

/// How many pulled records were dropped, never applied, because too many were waiting.
pub fn deferred_dropped(c: &Connection) -> Result<u64> {
    Ok(super::meta_get(c, META_DEFERRED_DROPPED)?
        .and_then(|b| String::from_utf8(b).ok()?.parse().ok())
        .unwrap_or(0))
}

/// Counts `n` more dropped records.
pub fn add_deferred_dropped(c: &Connection, n: u64) -> Result<()> {
    let total = deferred_dropped(c)?.saturating_add(n);
    super::meta_put(c, META_DEFERRED_DROPPED, total.to_string().as_bytes())
}

pub fn deferred(c: &Connection) -> Result<Vec<Envelope>> {
    let mut stmt = c.prepare("SELECT envelope FROM deferred_records ORDER BY version")?;
    let rows = stmt.query_map([], |r| r.get::<_, Vec<u8>>(0))?;
    rows.map(|b| {
        Envelope::from_json_bytes(&b?).map_err(|e| CoreError::corrupt(format!("envelope: {e}")))
    })
    .collect()
}

pub fn undefer(c: &Connection, env: &Envelope) -> Result<()> {
    c.execute(
        "DELETE FROM deferred_records WHERE collection = ?1 AND id = ?2 AND version = ?3",
        params![
            env.meta.collection.as_str(),
            env.meta.id,
            env.meta.version as i64
        ],
    )?;
    Ok(())
}

// ---- expense decisions ------------------------------------------------------------------

pub fn put_decision(
    c: &Connection,
    expense_id: &str,
    decision_id: &str,
    approved: bool,
    version: u64,
) -> Result<()> {
    c.execute(
        "INSERT INTO expense_decisions (expense_id, decision_id, approved, version)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (expense_id) DO UPDATE SET decision_id = excluded.decision_id,
            approved = excluded.approved, version = excluded.version
         WHERE excluded.version >= expense_decisions.version",
        params![expense_id, decision_id, approved, version as i64],
    )?;
    Ok(())
}

/// The decision record id and verdict for an expense, if decided.
pub fn decision(c: &Connection, expense_id: &str) -> Result<Option<(String, bool)>> {
    Ok(c.query_row(
        "SELECT decision_id, approved FROM expense_decisions WHERE expense_id = ?1",
        [expense_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?)
}

// ---- coordinator ------------------------------------------------------------------------

pub fn put_chapter_record(c: &Connection, env: &Envelope, seq: u64) -> Result<bool> {
    let m = &env.meta;
    let n = c.execute(
        "INSERT INTO chapter_records (collection, id, version, author_device, deleted, envelope, seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (collection, id) DO UPDATE SET version = excluded.version,
            author_device = excluded.author_device, deleted = excluded.deleted,
            envelope = excluded.envelope, seq = excluded.seq
         WHERE excluded.version > chapter_records.version",
        params![
            m.collection.as_str(),
            m.id,
            m.version as i64,
            m.author_device,
            m.deleted,
            env.to_json_bytes()?,
            seq as i64
        ],
    )?;
    Ok(n > 0)
}

pub fn chapter_records(c: &Connection, collection: Collection) -> Result<Vec<Envelope>> {
    let mut stmt = c.prepare(
        "SELECT envelope FROM chapter_records WHERE collection = ?1 AND deleted = 0 ORDER BY id",
    )?;
    let rows = stmt.query_map([collection.as_str()], |r| r.get::<_, Vec<u8>>(0))?;
    rows.map(|b| {
        Envelope::from_json_bytes(&b?).map_err(|e| CoreError::corrupt(format!("envelope: {e}")))
    })
    .collect()
}

/// A chapter record held here as an account's head covers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChapterRecordHash {
    pub collection: String,
    pub id: String,
    pub version: u64,
    pub author_device: String,
    /// SHA-256 of the stored envelope bytes (its canonical JSON).
    pub hash: [u8; 32],
}

/// Every chapter record held here, tombstones included.
pub fn chapter_record_hashes(c: &Connection) -> Result<Vec<ChapterRecordHash>> {
    let mut stmt =
        c.prepare("SELECT collection, id, version, author_device, envelope FROM chapter_records")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, String>(3)?,
            peerlog_crypto::sha256(&r.get::<_, Vec<u8>>(4)?),
        ))
    })?;
    rows.map(|row| {
        let (collection, id, version, author_device, hash) = row?;
        let version =
            u64::try_from(version).map_err(|_| CoreError::corrupt("chapter record version"))?;
        Ok(ChapterRecordHash {
            collection,
            id,
            version,
            author_device,
            hash,
        })
    })
    .collect()
}

/// A device of the chapter as the coordinator knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChapterDeviceRow {
    pub device_id: String,
    pub account_id: String,
    pub public_key: Vec<u8>,
    pub created_at: i64,
    pub last_seen: Option<i64>,
    pub revoked_at: Option<i64>,
    /// Its account's key vouched for it (or its account could not be checked here and
    /// the server's word is all there is). Only such a device's records are read.
    pub vouched: bool,
}

/// Stores an account as the coordinator checked it (`key_proof`: `proven`, `unproven` or
/// `disputed`). The keys of an account proven before are never replaced.
pub fn put_chapter_account(c: &Connection, a: &ChapterAccountRow) -> Result<()> {
    c.execute(
        "INSERT INTO chapter_accounts (account_id, role, peer_key, account_key, key_proof,
                                       locked_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (account_id) DO UPDATE SET role = excluded.role,
            peer_key = CASE WHEN key_proof = 'proven' THEN peer_key ELSE excluded.peer_key END,
            account_key = CASE WHEN key_proof = 'proven' THEN account_key
                               ELSE excluded.account_key END,
            key_proof = CASE WHEN key_proof = 'proven' THEN key_proof
                             ELSE excluded.key_proof END,
            locked_at = excluded.locked_at",
        params![
            a.account_id,
            a.role,
            a.peer_key,
            a.account_key,
            a.key_proof,
            a.locked_at
        ],
    )?;
    Ok(())
}

/// Keeps the secret of an invitation made here (by the SHA-256 of its token).
pub fn put_invitation_secret(
    c: &Connection,
    token_sha256: &[u8; 32],
    secret: &[u8; 32],
    expires_at: i64,
) -> Result<()> {
    c.execute(
        "INSERT OR REPLACE INTO invitation_secrets (token_sha256, secret, expires_at)
         VALUES (?1, ?2, ?3)",
        params![&token_sha256[..], &secret[..], expires_at],
    )?;
    Ok(())
}

/// The secret of the invitation whose token hashes to `token_sha256`, if made here.
pub fn invitation_secret(c: &Connection, token_sha256: &[u8; 32]) -> Result<Option<[u8; 32]>> {
    let secret: Option<Vec<u8>> = c
        .query_row(
            "SELECT secret FROM invitation_secrets WHERE token_sha256 = ?1",
            [&token_sha256[..]],
            |r| r.get(0),
        )
        .optional()?;
    secret
        .map(|s| <[u8; 32]>::try_from(s).map_err(|_| CoreError::corrupt("invitation secret")))
        .transpose()
}

/// Forgets an invitation's secret (its peer proved their keys), and every secret of an
/// invitation that expired before `now` unused.
pub fn forget_invitation_secrets(c: &Connection, used: &[[u8; 32]], now: i64) -> Result<()> {
    for t in used {
        c.execute(
            "DELETE FROM invitation_secrets WHERE token_sha256 = ?1",
            [&t[..]],
        )?;
    }
    // An invitation is used within its lifetime; a week on, the enrolment has been seen.
    c.execute(
        "DELETE FROM invitation_secrets WHERE expires_at < ?1",
        [now - 7 * 24 * 3600],
    )?;
    Ok(())
}

pub fn put_chapter_device(c: &Connection, d: &ChapterDeviceRow) -> Result<()> {
    c.execute(
        "INSERT INTO chapter_devices (device_id, account_id, public_key, created_at, last_seen,
                                      revoked_at, vouched)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (device_id) DO UPDATE SET account_id = excluded.account_id,
            public_key = excluded.public_key, created_at = excluded.created_at,
            last_seen = excluded.last_seen, revoked_at = excluded.revoked_at,
            vouched = excluded.vouched",
        params![
            d.device_id,
            d.account_id,
            d.public_key,
            d.created_at,
            d.last_seen,
            d.revoked_at,
            d.vouched
        ],
    )?;
    Ok(())
}

pub fn chapter_device(c: &Connection, device_id: &str) -> Result<Option<ChapterDeviceRow>> {
    Ok(c.query_row(
        "SELECT device_id, account_id, public_key, created_at, last_seen, revoked_at, vouched
         FROM chapter_devices WHERE device_id = ?1",
        [device_id],
        device_row,
    )
    .optional()?)
}

/// The devices of `account_id` this machine vouched for so far.
pub fn vouched_devices(
    c: &Connection,
    account_id: &str,
) -> Result<std::collections::HashSet<String>> {
    let mut stmt =
        c.prepare("SELECT device_id FROM chapter_devices WHERE account_id = ?1 AND vouched = 1")?;
    let rows = stmt.query_map([account_id], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every device of the chapter this machine knows, oldest first.
pub fn chapter_devices(c: &Connection) -> Result<Vec<ChapterDeviceRow>> {
    let mut stmt = c.prepare(
        "SELECT device_id, account_id, public_key, created_at, last_seen, revoked_at, vouched
         FROM chapter_devices ORDER BY created_at, device_id",
    )?;
    let rows = stmt.query_map([], device_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ChapterDeviceRow> {
    Ok(ChapterDeviceRow {
        device_id: r.get(0)?,
        account_id: r.get(1)?,
        public_key: r.get(2)?,
        created_at: r.get(3)?,
        last_seen: r.get(4)?,
        revoked_at: r.get(5)?,
        vouched: r.get(6)?,
    })
}

/// An account of the chapter as the coordinator knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChapterAccountRow {
    pub account_id: String,
    /// `peer`, `coordinator` or `admin`, as the server says.
    pub role: String,
    /// The peer key records for this account are addressed to.
    pub peer_key: Option<Vec<u8>>,
    /// The account key, once proven (pinned), else as the server listed it.
    pub account_key: Option<Vec<u8>>,
    /// `proven`, `unproven` or `disputed` (see [`put_chapter_account`]).
    pub key_proof: String,
    /// Since when the chapter has locked the account (Unix seconds), as last listed.
    pub locked_at: Option<i64>,
}

/// Every account, by id.
pub fn chapter_accounts(c: &Connection) -> Result<Vec<ChapterAccountRow>> {
    let mut stmt = c.prepare(
        "SELECT account_id, role, peer_key, account_key, key_proof, locked_at
         FROM chapter_accounts ORDER BY account_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(ChapterAccountRow {
            account_id: r.get(0)?,
            role: r.get(1)?,
            peer_key: r.get(2)?,
            account_key: r.get(3)?,
            key_proof: r.get(4)?,
            locked_at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
