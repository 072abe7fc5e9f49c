//! The local encrypted store (SQLite via rusqlite, WAL).
//!
//! Encrypt on write: a record is stored as its sealed envelope; next to it live only the
//! few clear columns that listing and reporting need (see `migrations.rs`). The store
//! knows nothing about keys; the caller seals and opens.

mod migrations;
pub mod sync;
pub mod training;
pub mod waiting;

use crate::error::{CoreError, Result};
use chrono::NaiveDate;
use peerlog_protocol::{Collection, Envelope};
use peerlog_rules::ContactFacts;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use std::path::Path;

pub use migrations::SCHEMA_VERSION;

/// A stored record: its envelope and sync state.
#[derive(Debug, Clone)]
pub struct StoredRecord {
    pub envelope: Envelope,
    pub pending: bool,
    /// The content key this device kept when it verified the record (ADR 0017).
    pub kept: Option<KeptKey>,
}

/// A kept content key as stored (sealed) and the SHA-256 of the envelope bytes it was
/// read with: the seal opens only if these are the bytes that were verified.
#[derive(Debug, Clone)]
pub struct KeptKey {
    pub envelope_sha256: [u8; 32],
    pub sealed: Vec<u8>,
}

impl KeptKey {
    fn read(envelope: &[u8], sealed: Option<Vec<u8>>) -> Option<Self> {
        sealed.map(|sealed| Self {
            envelope_sha256: peerlog_crypto::sha256(envelope),
            sealed,
        })
    }
}

/// One contact as the clear index holds it: its id, its date and exactly the facts the
/// reporting rules decide on. Parsed when read, so a row that cannot be read is an error
/// naming the record, never a silently dropped or defaulted contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedContact {
    pub id: String,
    pub date: NaiveDate,
    pub facts: ContactFacts,
}

/// The SQLite store.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

/// File name of the database inside a home (the app's data directory).
pub const DB_FILE: &str = "peerlog.db";

/// How long a write waits for another connection's write to finish before `storage_busy`.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

impl Store {
    /// Opens (creating both if needed) the database of the home directory `dir`.
    pub fn open_in(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir)?;
        Self::open(&dir.join(DB_FILE))
    }

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self> {
        let conn = Connection::open(path)?;
        Self::setup(conn)
    }

    fn setup(mut conn: Connection) -> Result<Self> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.set_prepared_statement_cache_capacity(64);
        // WAL: readers don't block the writer and a crash never loses a committed write.
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") && !mode.eq_ignore_ascii_case("memory") {
            return Err(CoreError::corrupt(format!("journal mode {mode}")));
        }
        conn.execute_batch(
            "PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;
             PRAGMA secure_delete = ON;",
        )?;
        migrate(&mut conn)?;
        Ok(Self { conn })
    }

    /// Runs `f` in one transaction: everything or nothing is written.
    pub fn tx<T>(&mut self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let tx = self.conn.transaction()?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Deletes every row (with `secure_delete`, freed pages are zeroed) and compacts the
    /// file, leaving an empty, current schema.
    pub fn wipe(&mut self) -> Result<()> {
        self.tx(|tx| {
            // Every table the schema has, so a table a later migration adds is never left
            // out (a fixed list here once missed three).
            let tables: Vec<String> = tx
                .prepare(
                    "SELECT name FROM sqlite_master
                     WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
                )?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for table in tables {
                tx.execute(&format!("DELETE FROM \"{table}\""), [])?;
            }
            Ok(())
        })?;
        self.conn
            .execute_batch("VACUUM; PRAGMA wal_checkpoint(TRUNCATE);")?;
        Ok(())
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let current: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(CoreError::corrupt(format!(
            "the database was written by a newer Peerlog (schema {current}, this build knows {SCHEMA_VERSION}); update the app"
        )));
    }
    for (i, sql) in migrations::MIGRATIONS
        .iter()
        .enumerate()
        .skip(current as usize)
    {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as u32)?;
        tx.commit()?;
    }
    Ok(())
}

// ---- meta -------------------------------------------------------------------------------

pub fn meta_get(c: &Connection, key: &str) -> Result<Option<Vec<u8>>> {
    Ok(c.prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

pub fn meta_put(c: &Connection, key: &str, value: &[u8]) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![key, value])?;
    Ok(())
}

pub fn meta_delete(c: &Connection, key: &str) -> Result<()> {
    c.prepare_cached("DELETE FROM meta WHERE key = ?1")?
        .execute([key])?;
    Ok(())
}

// ---- records ----------------------------------------------------------------------------

/// Writes a record (replacing any older version) and keeps it in the history.
pub fn put_record(c: &Connection, env: &Envelope, pending: bool) -> Result<()> {
    put_record_keeping(c, env, pending, |_| Ok(None)).map(|_| ())
}

/// [`put_record`], storing with it the sealed content key `keep` makes from the SHA-256 of
/// the exact envelope bytes stored (ADR 0017); `None` stores none. Returns that hash.
pub fn put_record_keeping(
    c: &Connection,
    env: &Envelope,
    pending: bool,
    keep: impl FnOnce(&[u8; 32]) -> Result<Option<Vec<u8>>>,
) -> Result<[u8; 32]> {
    let bytes = env.to_json_bytes()?;
    let hash = peerlog_crypto::sha256(&bytes);
    let kept = keep(&hash)?;
    let m = &env.meta;
    c.prepare_cached(
        "INSERT INTO records (collection, id, version, author_device, deleted, envelope, pending, kept_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (collection, id) DO UPDATE SET
            version = excluded.version, author_device = excluded.author_device,
            deleted = excluded.deleted, envelope = excluded.envelope,
            pending = excluded.pending, server_seq = NULL, kept_key = excluded.kept_key",
    )?
    .execute(params![
        m.collection.as_str(),
        m.id,
        m.version as i64,
        m.author_device,
        m.deleted,
        bytes,
        pending,
        kept
    ])?;
    c.prepare_cached("INSERT OR IGNORE INTO record_history (collection, id, version, author_device, deleted, envelope)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?.execute(params![
            m.collection.as_str(),
            m.id,
            m.version as i64,
            m.author_device,
            m.deleted,
            bytes
        ],
    )?;
    Ok(hash)
}

/// Keeps a sealed content key for the stored record `env` (made by `keep` from the SHA-256
/// of its bytes), if `env` is still the version stored.
pub fn keep_record_key(
    c: &Connection,
    env: &Envelope,
    keep: impl FnOnce(&[u8; 32]) -> Result<Vec<u8>>,
) -> Result<()> {
    let kept = keep(&peerlog_crypto::envelope_sha256(env)?)?;
    c.prepare_cached(
        "UPDATE records SET kept_key = ?4 WHERE collection = ?1 AND id = ?2 AND version = ?3",
    )?
    .execute(params![
        env.meta.collection.as_str(),
        env.meta.id,
        env.meta.version as i64,
        kept
    ])?;
    Ok(())
}

fn parse_envelope(bytes: Vec<u8>) -> Result<Envelope> {
    Envelope::from_json_bytes(&bytes).map_err(|e| CoreError::corrupt(format!("envelope: {e}")))
}

pub fn get_record(
    c: &Connection,
    collection: Collection,
    id: &str,
) -> Result<Option<StoredRecord>> {
    let row: Option<(Vec<u8>, bool, Option<Vec<u8>>)> = c
        .prepare_cached(
            "SELECT envelope, pending, CASE WHEN EXISTS (SELECT 1 FROM devices d
                    WHERE d.device_id = author_device AND d.revoked = 0) THEN kept_key END
             FROM records WHERE collection = ?1 AND id = ?2",
        )?
        .query_row(params![collection.as_str(), id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    row.map(|(bytes, pending, kept)| {
        Ok(StoredRecord {
            kept: KeptKey::read(&bytes, kept),
            envelope: parse_envelope(bytes)?,
            pending,
        })
    })
    .transpose()
}

/// The version stored for a record, without reading its envelope.
pub fn record_version(c: &Connection, collection: Collection, id: &str) -> Result<Option<u64>> {
    let v: Option<i64> = c
        .prepare_cached("SELECT version FROM records WHERE collection = ?1 AND id = ?2")?
        .query_row(params![collection.as_str(), id], |r| r.get(0))
        .optional()?;
    v.map(|v| u64::try_from(v).map_err(|_| CoreError::corrupt(format!("record {id}: version"))))
        .transpose()
}

/// Every version of a record, oldest first.
pub fn record_history(c: &Connection, collection: Collection, id: &str) -> Result<Vec<Envelope>> {
    let mut stmt = c.prepare(
        "SELECT envelope FROM record_history WHERE collection = ?1 AND id = ?2 ORDER BY version",
    )?;
    let rows = stmt.query_map(params![collection.as_str(), id], |r| r.get::<_, Vec<u8>>(0))?;
    rows.map(|b| parse_envelope(b?)).collect()
}

/// All current records, optionally of one collection, in a stable order.
pub fn all_records(c: &Connection, collection: Option<Collection>) -> Result<Vec<StoredRecord>> {
    let mut stmt = c.prepare(
        "SELECT envelope, pending FROM records
         WHERE ?1 IS NULL OR collection = ?1 ORDER BY collection, id",
    )?;
    let rows = stmt.query_map([collection.map(|c| c.as_str())], |r| {
        Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, bool>(1)?))
    })?;
    rows.map(|row| {
        let (bytes, pending) = row?;
        Ok(StoredRecord {
            envelope: parse_envelope(bytes)?,
            pending,
            kept: None,
        })
    })
    .collect()
}

pub fn count_pending(c: &Connection) -> Result<u64> {
    Ok(
        c.prepare_cached("SELECT count(*) FROM records WHERE pending = 1")?
            .query_row([], |r| r.get::<_, i64>(0))? as u64,
    )
}

// ---- devices ----------------------------------------------------------------------------

/// Who vouched for a device this store knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertifiedBy {
    /// The peer's account key: one of the peer's own devices.
    Account,
    /// The chapter signing key: a coordinator's machine, which writes only what the
    /// chapter issues (expense decisions).
    Chapter,
}

impl CertifiedBy {
    fn as_str(self) -> &'static str {
        match self {
            CertifiedBy::Account => "account",
            CertifiedBy::Chapter => "chapter",
        }
    }
}

/// A device this store knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownDevice {
    pub public_key: Vec<u8>,
    pub certified_by: CertifiedBy,
    /// Since when (Unix milliseconds) it is revoked, by a statement this device verified.
    pub revoked_at_ms: Option<u64>,
}

pub fn put_device(
    c: &Connection,
    device_id: &str,
    public_key: &[u8],
    at: &str,
    certified_by: CertifiedBy,
) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO devices (device_id, public_key, added_at, certified_by)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (device_id) DO NOTHING",
    )?
    .execute(params![device_id, public_key, at, certified_by.as_str()])?;
    Ok(())
}

/// Records that a known device is revoked since `at_ms` (the earliest statement wins).
/// Returns whether the store knows the device.
pub fn set_device_revoked(c: &Connection, device_id: &str, at_ms: u64) -> Result<bool> {
    let at = i64::try_from(at_ms).unwrap_or(i64::MAX);
    let n = c
        .prepare_cached(
            "UPDATE devices SET revoked_at = min(coalesce(revoked_at, ?2), ?2) WHERE device_id = ?1",
        )?
        .execute(params![device_id, at])?;
    Ok(n > 0)
}

/// Marks a known device as the chapter's (it then writes only what the chapter issues).
pub fn mark_chapter_device(c: &Connection, device_id: &str) -> Result<()> {
    c.prepare_cached("UPDATE devices SET certified_by = 'chapter' WHERE device_id = ?1")?
        .execute([device_id])?;
    Ok(())
}

pub fn device_key(c: &Connection, device_id: &str) -> Result<Option<Vec<u8>>> {
    Ok(device(c, device_id)?.map(|d| d.public_key))
}

/// A known, unrevoked device and who certified it.
pub fn device(c: &Connection, device_id: &str) -> Result<Option<KnownDevice>> {
    let row: Option<(Vec<u8>, String, Option<i64>)> = c
        .prepare_cached(
            "SELECT public_key, certified_by, revoked_at FROM devices
             WHERE device_id = ?1 AND revoked = 0",
        )?
        .query_row([device_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    row.map(|(public_key, by, revoked_at)| {
        let certified_by = match by.as_str() {
            "account" => CertifiedBy::Account,
            "chapter" => CertifiedBy::Chapter,
            other => return Err(CoreError::corrupt(format!("device {device_id}: {other}"))),
        };
        Ok(KnownDevice {
            public_key,
            certified_by,
            revoked_at_ms: revoked_at.map(|t| t.max(0) as u64),
        })
    })
    .transpose()
}

/// A device of the peer's own account, as this store knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountDevice {
    pub device_id: String,
    pub added_at: String,
    pub revoked_at_ms: Option<u64>,
}

/// The peer's own devices (certified by the account key), by id.
pub fn account_devices(c: &Connection) -> Result<Vec<AccountDevice>> {
    let mut stmt = c.prepare(
        "SELECT device_id, added_at, revoked_at FROM devices
         WHERE certified_by = 'account' ORDER BY device_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(AccountDevice {
            device_id: r.get(0)?,
            added_at: r.get(1)?,
            revoked_at_ms: r.get::<_, Option<i64>>(2)?.map(|t| t.max(0) as u64),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn all_devices(c: &Connection) -> Result<Vec<(String, Vec<u8>)>> {
    let mut stmt = c.prepare("SELECT device_id, public_key FROM devices ORDER BY device_id")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

// ---- contact index ----------------------------------------------------------------------

pub fn put_contact_row(c: &Connection, row: &IndexedContact, deleted: bool) -> Result<()> {
    let f = &row.facts;
    c.prepare_cached("INSERT INTO contact_index (id, date, kind, minutes, participants, abroad, led_by_peer, deleted)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET date = excluded.date, kind = excluded.kind,
            minutes = excluded.minutes, participants = excluded.participants,
            abroad = excluded.abroad, led_by_peer = excluded.led_by_peer,
            deleted = excluded.deleted")?.execute(params![
            row.id,
            row.date.to_string(),
            f.kind.as_str(),
            f.minutes,
            f.participants,
            f.abroad,
            f.led_by_peer,
            deleted
        ],
    )?;
    Ok(())
}

pub fn mark_contact_deleted(c: &Connection, id: &str) -> Result<()> {
    c.prepare_cached("UPDATE contact_index SET deleted = 1 WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Live contacts with `from <= date <= to`, by date then id. A row that does not parse
/// (an unknown kind, a bad date) is an error naming the record: a report must never leave
/// a contact out silently.
///
/// Each row is turned into a `T` by `into` as it is read (a year's summary keeps its
/// evaluated entries only, not the rows as well).
pub fn contact_rows<T>(
    c: &Connection,
    from: NaiveDate,
    to: NaiveDate,
    mut into: impl FnMut(IndexedContact) -> T,
) -> Result<Vec<T>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, date, kind, minutes, participants, abroad, led_by_peer FROM contact_index
         WHERE deleted = 0 AND date >= ?1 AND date <= ?2 ORDER BY date, id",
    )?;
    let mut rows = stmt.query([from.to_string(), to.to_string()])?;
    let mut out = Vec::new();
    // Date and kind are read in place (no string per row): a year's summary reads them all.
    while let Some(r) = rows.next()? {
        let id: String = r.get(0)?;
        let unreadable =
            |what: &str| CoreError::corrupt(format!("contact index row {id}: unreadable {what}"));
        let date = r
            .get_ref(1)?
            .as_str()
            .ok()
            .and_then(parse_iso_day)
            .ok_or_else(|| unreadable("date"))?;
        let kind = r
            .get_ref(2)?
            .as_str()
            .ok()
            .and_then(|k| k.parse().ok())
            .ok_or_else(|| unreadable("kind"))?;
        let facts = ContactFacts {
            kind,
            minutes: r.get(3)?,
            participants: r.get(4)?,
            abroad: r.get(5)?,
            led_by_peer: r.get(6)?,
        };
        out.push(into(IndexedContact { id, date, facts }));
    }
    Ok(out)
}

/// The summary kept under `key` (see `summary::summary_kept`), if any.
pub fn kept_summary(c: &Connection, key: &str) -> Result<Option<Vec<u8>>> {
    Ok(
        c.prepare_cached("SELECT summary FROM summary_cache WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?,
    )
}

/// Keeps `summary` under `key` if the store takes the write at once; otherwise nothing is
/// kept (the summary is made again next time). Never waits for another writer.
pub fn keep_summary(c: &Connection, key: &str, summary: &[u8]) {
    if c.busy_timeout(std::time::Duration::ZERO).is_err() {
        return;
    }
    let _ = c
        .prepare_cached("INSERT OR REPLACE INTO summary_cache (key, summary) VALUES (?1, ?2)")
        .and_then(|mut st| st.execute(rusqlite::params![key, summary]));
    let _ = c.busy_timeout(BUSY_TIMEOUT);
}

/// An ISO day `YYYY-MM-DD` as the index stores it (what `NaiveDate::to_string` writes for
/// four-digit years); `None` for anything else. The same days `%Y-%m-%d` accepts there,
/// without interpreting a format string per row.
pub fn parse_iso_day(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    let year = i32::try_from(num(0..4)?).ok()?;
    NaiveDate::from_ymd_opt(year, num(5..7)?, num(8..10)?)
}

/// One part of a listed contact as stored, borrowed from the query's row: the envelope's
/// exact bytes (parsed only by whoever opens it: a part read with its kept key needs less
/// than a full parse), its sealed kept content key and its sync state.
#[derive(Debug, Clone, Copy)]
pub struct ListedPart<'a> {
    pub bytes: &'a [u8],
    pub kept: Option<&'a [u8]>,
    pub pending: bool,
}

impl ListedPart<'_> {
    /// The envelope, parsed and validated in full.
    pub fn envelope(&self) -> Result<Envelope> {
        Envelope::from_json_bytes(self.bytes)
            .map_err(|e| CoreError::corrupt(format!("envelope: {e}")))
    }
}

/// The live contacts with `from <= date <= to`, by date then id, in one query (the
/// contact and its private note joined to the index; covered by the index on `date` and
/// the records' primary key): `f` gets each one's id, contact part and private part, read
/// in place. A kept key is trusted only if the envelope's author is one of
/// [`unrevoked_device_ids`] (the caller checks, as a full read would).
pub fn listed_contacts<T>(
    c: &Connection,
    from: NaiveDate,
    to: NaiveDate,
    mut f: impl FnMut(&str, ListedPart<'_>, Option<ListedPart<'_>>) -> Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = c.prepare_cached(LISTED_CONTACTS_SQL)?;
    let mut rows = stmt.query([from.to_string(), to.to_string()])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let id = in_place(r.get_ref(0)?.as_str())?;
        let Some(bytes) = in_place(r.get_ref(1)?.as_blob_or_null())? else {
            return Err(CoreError::NotFound { what: "contact" });
        };
        let contact = ListedPart {
            bytes,
            kept: in_place(r.get_ref(3)?.as_blob_or_null())?,
            pending: r.get::<_, Option<bool>>(2)?.unwrap_or(false),
        };
        let note = in_place(r.get_ref(4)?.as_blob_or_null())?
            .map(|bytes| -> Result<ListedPart<'_>> {
                Ok(ListedPart {
                    bytes,
                    kept: in_place(r.get_ref(5)?.as_blob_or_null())?,
                    pending: false,
                })
            })
            .transpose()?;
        out.push(f(id, contact, note)?);
    }
    Ok(out)
}

/// A column read in place, its type checked.
fn in_place<T>(v: rusqlite::types::FromSqlResult<T>) -> Result<T> {
    v.map_err(|e| CoreError::corrupt(format!("listed contact: {e}")))
}

/// The query of [`listed_contacts`] (its plan is checked in a test).
pub const LISTED_CONTACTS_SQL: &str = "SELECT i.id, r.envelope, r.pending, r.kept_key,
        n.envelope, n.kept_key
     FROM contact_index i
     LEFT JOIN records r ON r.collection = 'contacts' AND r.id = i.id
     LEFT JOIN records n ON n.collection = 'notes' AND n.id = i.id AND n.deleted = 0
     WHERE i.deleted = 0 AND i.date >= ?1 AND i.date <= ?2
     ORDER BY i.date, i.id";

/// The ids of the known, unrevoked devices: the authors whose records a full read accepts
/// (and so the only ones whose kept keys are used).
pub fn unrevoked_device_ids(c: &Connection) -> Result<std::collections::HashSet<String>> {
    let mut stmt = c.prepare_cached("SELECT device_id FROM devices WHERE revoked = 0")?;
    let ids = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(ids.collect::<rusqlite::Result<_>>()?)
}

pub fn contact_is_live(c: &Connection, id: &str) -> Result<bool> {
    Ok(
        c.prepare_cached("SELECT count(*) FROM contact_index WHERE id = ?1 AND deleted = 0")?
            .query_row([id], |r| r.get::<_, i64>(0))?
            > 0,
    )
}

/// The date of the oldest live contact, if any (for the years a report can be made for).
pub fn first_contact_date(c: &Connection) -> Result<Option<NaiveDate>> {
    let first: Option<String> = c
        .prepare_cached("SELECT min(date) FROM contact_index WHERE deleted = 0")?
        .query_row([], |r| r.get(0))?;
    Ok(first.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()))
}

/// The most recently logged live contact (by version of its record), for "repeat last".
pub fn last_contact_id(c: &Connection) -> Result<Option<String>> {
    Ok(c.prepare_cached(
        "SELECT r.id FROM records r JOIN contact_index i ON i.id = r.id
         WHERE r.collection = 'contacts' AND i.deleted = 0
         ORDER BY r.version DESC LIMIT 1",
    )?
    .query_row([], |r| r.get(0))
    .optional()?)
}

// ---- declarations, expenses, reports ----------------------------------------------------

pub fn put_declaration_row(
    c: &Connection,
    id: &str,
    declaration_id: &str,
    version: u32,
    signed_at: &str,
) -> Result<()> {
    c.prepare_cached("INSERT OR REPLACE INTO declaration_index (id, declaration_id, declaration_version, signed_at)
         VALUES (?1, ?2, ?3, ?4)")?.execute(params![id, declaration_id, version, signed_at],
    )?;
    Ok(())
}

/// The record id of the newest signature of this declaration version, if any.
pub fn declaration_signature_id(
    c: &Connection,
    declaration_id: &str,
    version: u32,
) -> Result<Option<String>> {
    Ok(c.prepare_cached(
        "SELECT id FROM declaration_index WHERE declaration_id = ?1 AND declaration_version = ?2
         ORDER BY signed_at DESC LIMIT 1",
    )?
    .query_row(params![declaration_id, version], |r| r.get(0))
    .optional()?)
}

/// Whether any declaration (any id, any version) was ever signed in this store.
pub fn any_declaration_signature(c: &Connection) -> Result<bool> {
    Ok(
        c.prepare_cached("SELECT EXISTS (SELECT 1 FROM declaration_index)")?
            .query_row([], |r| r.get(0))?,
    )
}

pub fn put_expense_row(
    c: &Connection,
    id: &str,
    date: &str,
    status: &str,
    deleted: bool,
) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO expense_index (id, date, status, deleted) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET date = excluded.date, status = excluded.status,
            deleted = excluded.deleted",
    )?
    .execute(params![id, date, status, deleted])?;
    Ok(())
}

pub fn mark_expense_deleted(c: &Connection, id: &str) -> Result<()> {
    c.prepare_cached("UPDATE expense_index SET deleted = 1 WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

pub fn expense_ids(c: &Connection) -> Result<Vec<String>> {
    let mut stmt =
        c.prepare("SELECT id FROM expense_index WHERE deleted = 0 ORDER BY date DESC, id")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn put_report_row(c: &Connection, id: &str, period: &str, signed_at: &str) -> Result<()> {
    c.prepare_cached(
        "INSERT OR REPLACE INTO report_index (id, period, signed_at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![id, period, signed_at])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wipe_leaves_no_row_in_any_table() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("a.db")).unwrap();
        store
            .conn()
            .execute_batch(
                "INSERT INTO meta (key, value) VALUES ('k', x'01');
                 INSERT INTO invitation_secrets (token_sha256, secret, expires_at)
                     VALUES (x'01', x'02', 1);
                 INSERT INTO server_view (collection, id, version, hash, for_chapter)
                     VALUES ('contacts', 'a', 1, x'03', 1);
                 INSERT INTO chapter_heads (account_id, seq, status) VALUES ('a', 1, 'ok');
                 INSERT INTO summary_cache (key, summary) VALUES ('k', x'04');",
            )
            .unwrap();
        store.wipe().unwrap();
        let c = store.conn();
        let tables: Vec<String> = c
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(tables.len() > 15, "{tables:?}");
        for t in tables {
            let n: i64 = c
                .query_row(&format!("SELECT count(*) FROM \"{t}\""), [], |r| r.get(0))
                .unwrap();
            assert_eq!(n, 0, "{t} still has rows after a wipe");
        }
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn an_unreadable_index_row_is_an_error_that_names_the_record() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("a.db")).unwrap();
        let row = |id: &str, date: &str| IndexedContact {
            id: id.into(),
            date: day(date),
            facts: ContactFacts {
                kind: peerlog_rules::ContactKind::Visit,
                minutes: 60,
                participants: 1,
                abroad: false,
                led_by_peer: false,
            },
        };
        put_contact_row(store.conn(), &row("a", "2026-03-01"), false).unwrap();
        put_contact_row(store.conn(), &row("b", "2026-03-02"), false).unwrap();
        let all = contact_rows(store.conn(), day("2026-01-01"), day("2026-12-31"), |r| r).unwrap();
        assert_eq!(all, vec![row("a", "2026-03-01"), row("b", "2026-03-02")]);
        store
            .conn()
            .execute(
                "UPDATE contact_index SET kind = 'tea-party' WHERE id = 'b'",
                [],
            )
            .unwrap();
        let err =
            contact_rows(store.conn(), day("2026-01-01"), day("2026-12-31"), |r| r).unwrap_err();
        assert!(err.to_string().contains("contact index row b"), "{err}");
    }

    /// A database as schema version 1 wrote it, frozen: upgrading must keep its data.
    const SCHEMA_V1_FIXTURE: &str = include_str!("../../tests/fixtures/schema-v1.sql");

    #[test]
    fn upgrades_a_frozen_v1_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(SCHEMA_V1_FIXTURE).unwrap();
            let v: u32 = conn
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .unwrap();
            assert_eq!(v, 1);
        }
        let store = Store::open(&path).unwrap();
        let v: u32 = store
            .conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        // Old rows survive and the history was seeded from them.
        let rows = contact_rows(store.conn(), day("2000-01-01"), day("2100-01-01"), |r| r).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].facts.kind, peerlog_rules::ContactKind::Visit);
        let hist: i64 = store
            .conn()
            .query_row("SELECT count(*) FROM record_history", [], |r| r.get(0))
            .unwrap();
        assert_eq!(hist, 1);
        assert_eq!(
            meta_get(store.conn(), "device_id").unwrap().unwrap(),
            b"dev1"
        );
        // v3 (sync) starts empty: not enrolled, nothing deferred, no push errors.
        assert!(sync::sync_row(store.conn()).unwrap().is_none());
        assert!(sync::deferred(store.conn()).unwrap().is_empty());
        let push_errors: i64 = store
            .conn()
            .query_row(
                "SELECT count(*) FROM records WHERE push_error IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(push_errors, 0);
        // v4–v6: the old device is the account's own, not revoked; the coordinator's
        // tables (empty here) take accounts as unproven and devices as vouched, and no
        // invitation secret is kept.
        let dev = device(store.conn(), "dev1").unwrap().unwrap();
        assert_eq!(dev.certified_by, CertifiedBy::Account);
        assert_eq!(dev.revoked_at_ms, None);
        assert_eq!(account_devices(store.conn()).unwrap().len(), 1);
        assert!(sync::chapter_accounts(store.conn()).unwrap().is_empty());
        assert_eq!(
            sync::invitation_secret(store.conn(), &[0; 32]).unwrap(),
            None
        );
        // Reopening is a no-op.
        drop(store);
        Store::open(&path).unwrap();
    }

    #[test]
    fn refuses_a_database_from_the_future() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
                .unwrap();
        }
        let err = Store::open(&path).unwrap_err();
        assert!(err.to_string().contains("newer Peerlog"), "{err}");
    }

    #[test]
    fn fresh_database_is_wal_and_current() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("a.db")).unwrap();
        let mode: String = store
            .conn()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let v: u32 = store
            .conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
    }
}
