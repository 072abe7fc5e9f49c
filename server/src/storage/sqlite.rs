//! The SQLite backend (the embedded default): rusqlite (bundled), WAL, one writer
//! connection behind a mutex and a small pool of read-only connections. Every call runs on
//! `tokio::task::spawn_blocking`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, Transaction, params};

use peerlog_protocol::api;

use super::{
    Account, Chapter, ChapterKeys, ChapterRollup, Decision, Declaration, DeviceInfo, Enrolment,
    Hash, HeadWrite, HeadedPush, IncomingRecord, Migration, NewAccount, NewDevice, NewToken,
    PullPage, PullScope, PulledRecord, PushOutcome, Result, Role, Stats, Storage, StorageError,
    StoredHead, StoredRecord, StoredRollup, Timestamp, Token, chapter_keys_to_set,
    check_enrolment_token, check_limit, check_name, decide, head_follows, lock_update, page,
    page_cut, pending, to_hash, to_i64, to_signature, to_u64, to_version,
};

/// Numbered migrations, applied in order at `open` and recorded in `schema_migrations`.
pub(super) const MIGRATIONS: &[Migration] = &[
    migration!("sqlite", 1, "initial", "0001_initial.sql"),
    migration!("sqlite", 2, "account peer key", "0002_account_peer_key.sql"),
    migration!(
        "sqlite",
        3,
        "records addressed to an account",
        "0003_records_addressed_to.sql"
    ),
    migration!(
        "sqlite",
        4,
        "device revocation",
        "0004_device_revocation.sql"
    ),
    migration!("sqlite", 5, "account key", "0005_account_key.sql"),
    migration!("sqlite", 6, "account lock", "0006_account_lock.sql"),
    migration!("sqlite", 7, "enrolment proof", "0007_enrol_proof.sql"),
    migration!("sqlite", 8, "account heads", "0008_account_heads.sql"),
    migration!("sqlite", 9, "roll-ups", "0009_rollups.sql"),
];
const READERS: usize = 4;

/// The SQLite storage. Cheap to clone.
#[derive(Clone, Debug)]
pub struct SqliteStorage {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves the connection usable (an open transaction is
    // rolled back when its guard drops), so a poisoned lock is taken over.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn db(e: rusqlite::Error) -> StorageError {
    StorageError::backend(e)
}

fn code_of(e: &rusqlite::Error) -> Option<(ErrorCode, i32)> {
    match e {
        rusqlite::Error::SqliteFailure(f, _) => Some((f.code, f.extended_code)),
        _ => None,
    }
}

fn is_unique(e: &rusqlite::Error) -> bool {
    matches!(
        code_of(e),
        Some((
            _,
            rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
        ))
    )
}

fn is_foreign_key(e: &rusqlite::Error) -> bool {
    matches!(
        code_of(e),
        Some((_, rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY))
    )
}

/// Maps an INSERT's error: a unique or primary-key clash is `AlreadyExists(exists)`,
/// a foreign-key miss is `NotFound(missing)`, anything else a backend error.
fn map_insert(e: rusqlite::Error, exists: &'static str, missing: &'static str) -> StorageError {
    if is_unique(&e) {
        StorageError::AlreadyExists(exists)
    } else if is_foreign_key(&e) {
        StorageError::NotFound(missing)
    } else {
        db(e)
    }
}

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(5)).map_err(db)?;
    conn.pragma_update(None, "foreign_keys", "ON").map_err(db)?;
    Ok(())
}

impl SqliteStorage {
    /// Opens (creating if needed) the database at `path`, applying migrations.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        tokio::task::spawn_blocking(move || Self::open_blocking(path))
            .await
            .map_err(|e| StorageError::Unavailable(format!("storage task failed: {e}")))?
    }

    /// Opens a `sqlite://PATH` URL (e.g. `sqlite://./peerlog-data/peerlog.db`).
    pub async fn open_url(url: &str) -> Result<Self> {
        let path = url
            .strip_prefix("sqlite://")
            .ok_or_else(|| StorageError::InvalidInput(format!("not a sqlite:// URL: {url}")))?;
        if path.is_empty() {
            return Err(StorageError::InvalidInput(
                "sqlite:// URL without a path".into(),
            ));
        }
        Self::open(path).await
    }

    fn open_blocking(path: PathBuf) -> Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| {
                StorageError::Unavailable(format!("cannot create {}: {e}", parent.display()))
            })?;
        }
        let mut writer = Connection::open(&path).map_err(|e| {
            StorageError::Unavailable(format!("cannot open {}: {e}", path.display()))
        })?;
        configure(&writer)?;
        writer
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(db)?;
        // FULL, not NORMAL: a push is acknowledged only once its commit is on the disk. A
        // phone marks what was acknowledged as pushed and never sends it again, and its
        // account head (ADR 0022) would read a commit lost to a power cut as a rollback by
        // the server (ADR 0024).
        writer
            .pragma_update(None, "synchronous", "FULL")
            .map_err(db)?;
        migrate(&mut writer)?;
        Ok(SqliteStorage {
            inner: Arc::new(Inner {
                path,
                writer: Mutex::new(writer),
                readers: Mutex::new(Vec::new()),
            }),
        })
    }

    /// Runs `f` on the writer connection on the blocking pool.
    async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let mut conn = lock(&inner.writer);
            f(&mut conn)
        })
        .await
        .map_err(|e| StorageError::Unavailable(format!("storage task failed: {e}")))?
    }

    /// Runs `f` on a read-only connection from the pool on the blocking pool.
    async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let pooled = lock(&inner.readers).pop();
            let conn = match pooled {
                Some(c) => c,
                None => {
                    let c = Connection::open_with_flags(
                        &inner.path,
                        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                    )
                    .map_err(|e| StorageError::Unavailable(format!("cannot open reader: {e}")))?;
                    configure(&c)?;
                    c
                }
            };
            let result = f(&conn);
            let mut readers = lock(&inner.readers);
            if readers.len() < READERS {
                readers.push(conn);
            }
            result
        })
        .await
        .map_err(|e| StorageError::Unavailable(format!("storage task failed: {e}")))?
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(db)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY,
            name       TEXT NOT NULL,
            applied_at INTEGER NOT NULL
        ) STRICT;",
    )
    .map_err(db)?;
    let current: i64 = tx
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )
        .map_err(db)?;
    let pending = pending(MIGRATIONS, current)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    for m in pending {
        tx.execute_batch(m.sql).map_err(db)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            params![m.version, m.name, now],
        )
        .map_err(db)?;
    }
    tx.commit().map_err(db)
}

/// A row struct read from a `rusqlite::Row` by column name: each field is read from the
/// column of the same name, so a field and its column cannot drift apart. Lists look the
/// names up once per statement (`columns`, then `read` per row): a look-up per row made
/// pulls measurably slower.
macro_rules! named_row {
    ($(#[$meta:meta])* struct $name:ident { $($field:ident: $ty:ty,)* }) => {
        $(#[$meta])*
        struct $name {
            $($field: $ty,)*
        }

        impl $name {
            /// The index in `stmt` of each field's column, in field order.
            fn columns(stmt: &rusqlite::Statement<'_>) -> rusqlite::Result<Vec<usize>> {
                [$(stringify!($field)),*]
                    .into_iter()
                    .map(|name| stmt.column_index(name))
                    .collect()
            }

            /// Reads the row at the indices [`Self::columns`] gave (fields are evaluated
            /// in the order written, which is the order of `at`).
            fn read(r: &rusqlite::Row<'_>, at: &[usize]) -> rusqlite::Result<Self> {
                let mut at = at.iter().copied();
                let mut next = || at.next().ok_or(rusqlite::Error::InvalidColumnIndex(usize::MAX));
                Ok($name {
                    $($field: r.get(next()?)?,)*
                })
            }

            /// One row on its own (names looked up for this row).
            #[allow(dead_code, reason = "rows only ever listed do not need it")]
            fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
                Self::read(r, &Self::columns(r.as_ref())?)
            }
        }
    };
}

// Rows are read by column name into the structs below (as the PostgreSQL backend reads
// into named fields), so a reordered SELECT cannot silently swap two columns of one type.

const CHAPTER_SELECT: &str = "SELECT c.id, c.org_id, o.name AS org_name, c.name,
            c.encryption_public_key, c.signing_public_key
     FROM chapters c JOIN organisations o ON o.id = c.org_id";

named_row! {
    /// A row of [`CHAPTER_SELECT`].
    struct ChapterRow {
        id: i64,
        org_id: i64,
        org_name: String,
        name: String,
        encryption_public_key: Option<Vec<u8>>,
        signing_public_key: Option<Vec<u8>>,
    }
}

impl ChapterRow {
    fn finish(self) -> Result<Chapter> {
        let keys = match (self.encryption_public_key, self.signing_public_key) {
            (Some(e), Some(s)) => Some(ChapterKeys {
                encryption_public_key: to_hash(e, "chapter encryption key")?,
                signing_public_key: to_hash(s, "chapter signing key")?,
            }),
            _ => None,
        };
        Ok(Chapter {
            id: self.id,
            org_id: self.org_id,
            org_name: self.org_name,
            name: self.name,
            keys,
        })
    }
}

fn chapter_by_id(conn: &Connection, id: i64) -> Result<Option<Chapter>> {
    conn.query_row(
        &format!("{CHAPTER_SELECT} WHERE c.id = ?1"),
        [id],
        ChapterRow::from_row,
    )
    .optional()
    .map_err(db)?
    .map(ChapterRow::finish)
    .transpose()
}

named_row! {
    /// A row of [`ACCOUNT_SELECT`].
    struct AccountRow {
        id: String,
        chapter_id: i64,
        role: String,
        recovery_lookup: Option<Vec<u8>>,
        wrapped_peer_key: Option<Vec<u8>>,
        created_at: i64,
        peer_key: Option<Vec<u8>>,
        account_key: Option<Vec<u8>>,
        locked_at: Option<i64>,
        invitation_hash: Option<Vec<u8>>,
        enrol_proof: Option<Vec<u8>>,
    }
}

impl AccountRow {
    fn finish(self) -> Result<Account> {
        Ok(Account {
            id: self.id,
            chapter_id: self.chapter_id,
            role: Role::from_db(&self.role)?,
            recovery_lookup: self
                .recovery_lookup
                .map(|l| to_hash(l, "recovery lookup"))
                .transpose()?,
            wrapped_peer_key: self.wrapped_peer_key,
            peer_key: self.peer_key.map(|k| to_hash(k, "peer key")).transpose()?,
            account_key: self
                .account_key
                .map(|k| to_hash(k, "account key"))
                .transpose()?,
            created_at: self.created_at,
            locked_at: self.locked_at,
            invitation: self
                .invitation_hash
                .map(|h| to_hash(h, "invitation hash"))
                .transpose()?,
            enrol_proof: self
                .enrol_proof
                .map(|h| to_hash(h, "enrolment proof"))
                .transpose()?,
        })
    }
}

const ACCOUNT_SELECT: &str =
    "SELECT id, chapter_id, role, recovery_lookup, wrapped_peer_key, created_at, peer_key,
            account_key, locked_at, invitation_hash, enrol_proof
     FROM accounts";

fn insert_account(conn: &Connection, account: &NewAccount) -> Result<()> {
    conn.execute(
        "INSERT INTO accounts (id, chapter_id, role, recovery_lookup, wrapped_peer_key, peer_key,
                               account_key, created_at, invitation_hash, enrol_proof)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            account.id,
            account.chapter_id,
            account.role.as_str(),
            account.recovery_lookup,
            account.wrapped_peer_key,
            account.peer_key,
            account.account_key,
            account.created_at,
            account.invitation,
            account.enrol_proof
        ],
    )
    .map_err(|e| map_insert(e, "account", "chapter"))?;
    Ok(())
}

fn insert_device(conn: &Connection, device: &NewDevice) -> Result<()> {
    conn.execute(
        "INSERT INTO devices (device_id, account_id, public_key, created_at, account_signature)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            device.device_id,
            device.account_id,
            device.public_key,
            device.created_at,
            device.account_signature.as_ref().map(|s| &s[..])
        ],
    )
    .map_err(|e| map_insert(e, "device", "account"))?;
    Ok(())
}

const TOKEN_SELECT: &str =
    "SELECT chapter_id, role, expires_at, created_by, used_at FROM tokens WHERE token_hash = ?1";

named_row! {
    /// A row of [`TOKEN_SELECT`].
    struct TokenRow {
        chapter_id: i64,
        role: String,
        expires_at: i64,
        created_by: Option<String>,
        used_at: Option<i64>,
    }
}

impl TokenRow {
    fn finish(self, token_hash: Hash) -> Result<Token> {
        Ok(Token {
            token_hash,
            chapter_id: self.chapter_id,
            role: Role::from_db(&self.role)?,
            expires_at: self.expires_at,
            created_by: self.created_by,
            used_at: self.used_at,
        })
    }
}

fn token_row(conn: &Connection, token_hash: &Hash) -> Result<Option<TokenRow>> {
    conn.query_row(TOKEN_SELECT, [token_hash], TokenRow::from_row)
        .optional()
        .map_err(db)
}

fn token_by_hash(conn: &Connection, token_hash: Hash) -> Result<Option<Token>> {
    token_row(conn, &token_hash)?
        .map(|row| row.finish(token_hash))
        .transpose()
}

fn enrol_tx(tx: &Transaction<'_>, token_hash: Hash, e: &Enrolment) -> Result<Token> {
    let token = check_enrolment_token(token_by_hash(tx, token_hash)?, e)?;
    let chapter_id = token.chapter_id;
    if let Some(keys) = e.chapter_keys {
        if chapter_keys_to_set(&keys, chapter_by_id(tx, chapter_id)?.as_ref())? {
            tx.execute(
                "UPDATE chapters SET encryption_public_key = ?2, signing_public_key = ?3
                 WHERE id = ?1",
                params![
                    chapter_id,
                    keys.encryption_public_key,
                    keys.signing_public_key
                ],
            )
            .map_err(db)?;
        }
    }
    insert_account(
        tx,
        &NewAccount {
            id: e.account_id.clone(),
            chapter_id,
            role: e.role,
            recovery_lookup: e.recovery_lookup,
            wrapped_peer_key: e.wrapped_peer_key.clone(),
            peer_key: e.peer_key,
            account_key: e.account_key,
            created_at: e.at,
            locked_at: None,
            invitation: Some(token_hash),
            enrol_proof: e.enrol_proof,
        },
    )?;
    insert_device(
        tx,
        &NewDevice {
            device_id: e.device_id.clone(),
            account_id: e.account_id.clone(),
            public_key: e.device_key,
            created_at: e.at,
            account_signature: None,
        },
    )?;
    tx.execute(
        "UPDATE tokens SET used_at = ?2 WHERE token_hash = ?1",
        params![token_hash, e.at],
    )
    .map_err(db)?;
    Ok(Token {
        used_at: Some(e.at),
        ..token
    })
}

const DEVICE_SELECT: &str = "SELECT d.device_id, d.account_id, a.chapter_id, a.role, d.public_key,
            d.created_at, d.last_seen, d.revoked_at, d.revocation, d.account_signature, a.locked_at
     FROM devices d JOIN accounts a ON a.id = d.account_id";

named_row! {
    /// A row of [`DEVICE_SELECT`].
    struct DeviceRow {
        device_id: String,
        account_id: String,
        chapter_id: i64,
        role: String,
        public_key: Vec<u8>,
        created_at: i64,
        last_seen: Option<i64>,
        revoked_at: Option<i64>,
        revocation: Option<Vec<u8>>,
        account_signature: Option<Vec<u8>>,
        locked_at: Option<i64>,
    }
}

impl DeviceRow {
    fn finish(self) -> Result<DeviceInfo> {
        Ok(DeviceInfo {
            device_id: self.device_id,
            account_id: self.account_id,
            chapter_id: self.chapter_id,
            role: Role::from_db(&self.role)?,
            public_key: to_hash(self.public_key, "device public key")?,
            created_at: self.created_at,
            last_seen: self.last_seen,
            revoked_at: self.revoked_at,
            revocation: self.revocation,
            account_signature: self
                .account_signature
                .map(|s| to_signature(s, "device's account signature"))
                .transpose()?,
            account_locked_at: self.locked_at,
        })
    }
}

named_row! {
    /// The stored version of a record, as `push` decides against it.
    struct StoredRow {
        account_id: String,
        version: i64,
        envelope: Vec<u8>,
        seq: i64,
    }
}

impl StoredRow {
    fn finish(self) -> Result<StoredRecord> {
        Ok(StoredRecord {
            account_id: self.account_id,
            version: to_u64(self.version, "record version")?,
            envelope: self.envelope,
            seq: to_u64(self.seq, "record seq")?,
        })
    }
}

named_row! {
    /// A record as a pull returns it.
    struct PulledRow {
        seq: i64,
        collection: String,
        id: String,
        version: i64,
        deleted: bool,
        envelope: Vec<u8>,
    }
}

impl PulledRow {
    fn finish(self) -> Result<PulledRecord> {
        Ok(PulledRecord {
            seq: to_u64(self.seq, "seq")?,
            collection: self.collection,
            id: self.id,
            version: to_u64(self.version, "version")?,
            deleted: self.deleted,
            envelope: self.envelope,
        })
    }
}

named_row! {
    /// The current declaration of a chapter.
    struct DeclarationRow {
        declaration_id: String,
        version: i64,
        document: Vec<u8>,
        published_at: i64,
    }
}

impl DeclarationRow {
    fn finish(self) -> Result<Declaration> {
        Ok(Declaration {
            declaration_id: self.declaration_id,
            version: u32::try_from(self.version)
                .map_err(|_| StorageError::corrupt("declaration version"))?,
            document: self.document,
            published_at: self.published_at,
        })
    }
}

named_row! {
    /// The row counts `stats` reports.
    struct CountsRow {
        chapters: i64,
        accounts: i64,
        devices: i64,
        records: i64,
    }
}

impl CountsRow {
    fn finish(self) -> Result<Stats> {
        Ok(Stats {
            chapters: to_u64(self.chapters, "count")?,
            accounts: to_u64(self.accounts, "count")?,
            devices: to_u64(self.devices, "count")?,
            records: to_u64(self.records, "count")?,
        })
    }
}

/// The stored head's sequence number of an account, if it has one.
fn stored_head_seq(tx: &Transaction<'_>, account_id: &str) -> Result<Option<u64>> {
    tx.query_row(
        "SELECT seq FROM account_heads WHERE account_id = ?1",
        [account_id],
        |r| r.get::<_, i64>(0),
    )
    .optional()
    .map_err(db)?
    .map(|s| to_u64(s, "head seq"))
    .transpose()
}

fn push_tx(
    tx: &Transaction<'_>,
    account_id: &str,
    chapter_id: i64,
    records: &[IncomingRecord],
    headless: bool,
) -> Result<Vec<PushOutcome>> {
    if headless && stored_head_seq(tx, account_id)?.is_some() {
        return Err(StorageError::HeadRequired);
    }
    let account_chapter: Option<i64> = tx
        .query_row(
            "SELECT chapter_id FROM accounts WHERE id = ?1",
            [account_id],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)?;
    match account_chapter {
        None => return Err(StorageError::NotFound("account")),
        Some(c) if c != chapter_id => {
            return Err(StorageError::InvalidInput(
                "the account is not in this chapter".into(),
            ));
        }
        Some(_) => {}
    }
    let mut seq: i64 = tx
        .query_row(
            "SELECT seq FROM chapter_seq WHERE chapter_id = ?1",
            [chapter_id],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)?
        .ok_or(StorageError::NotFound("chapter"))?;
    let start = seq;
    let mut outcomes = Vec::with_capacity(records.len());
    for rec in records {
        let version = to_i64(rec.version, "version")?;
        let stored = tx
            .query_row(
                "SELECT account_id, version, envelope, seq FROM records WHERE collection = ?1 AND id = ?2",
                params![rec.collection, rec.id],
                StoredRow::from_row,
            )
            .optional()
            .map_err(db)?
            .map(StoredRow::finish)
            .transpose()?;
        match decide(account_id, rec, stored.as_ref()) {
            Decision::Outcome(o) => outcomes.push(o),
            Decision::Insert => {
                seq += 1;
                tx.execute(
                    "INSERT INTO records (collection, id, chapter_id, account_id, version,
                         author_device, deleted, for_chapter, envelope, seq, addressed_to)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                    params![
                        rec.collection,
                        rec.id,
                        chapter_id,
                        account_id,
                        version,
                        rec.author_device,
                        rec.deleted,
                        rec.for_chapter,
                        rec.envelope,
                        seq,
                        rec.addressed_to
                    ],
                )
                .map_err(db)?;
                outcomes.push(PushOutcome::Accepted {
                    seq: to_u64(seq, "seq")?,
                });
            }
            Decision::Replace => {
                seq += 1;
                tx.execute(
                    "UPDATE records SET chapter_id = ?3, version = ?4, author_device = ?5,
                         deleted = ?6, for_chapter = ?7, envelope = ?8, seq = ?9,
                         addressed_to = ?10
                     WHERE collection = ?1 AND id = ?2",
                    params![
                        rec.collection,
                        rec.id,
                        chapter_id,
                        version,
                        rec.author_device,
                        rec.deleted,
                        rec.for_chapter,
                        rec.envelope,
                        seq,
                        rec.addressed_to
                    ],
                )
                .map_err(db)?;
                outcomes.push(PushOutcome::Accepted {
                    seq: to_u64(seq, "seq")?,
                });
            }
        }
    }
    if seq != start {
        tx.execute(
            "UPDATE chapter_seq SET seq = ?2 WHERE chapter_id = ?1",
            params![chapter_id, seq],
        )
        .map_err(db)?;
    }
    Ok(outcomes)
}

impl Storage for SqliteStorage {
    async fn create_chapter(&self, org_name: &str, chapter_name: &str) -> Result<Chapter> {
        check_name(org_name, "organisation name")?;
        check_name(chapter_name, "chapter name")?;
        let (org_name, chapter_name) = (org_name.to_owned(), chapter_name.to_owned());
        self.write(move |conn| {
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(db)?;
            tx.execute(
                "INSERT INTO organisations (name) VALUES (?1) ON CONFLICT (name) DO NOTHING",
                [&org_name],
            )
            .map_err(db)?;
            let org_id: i64 = tx
                .query_row(
                    "SELECT id FROM organisations WHERE name = ?1",
                    [&org_name],
                    |r| r.get(0),
                )
                .map_err(db)?;
            tx.execute(
                "INSERT INTO chapters (org_id, name) VALUES (?1, ?2)",
                params![org_id, chapter_name],
            )
            .map_err(|e| {
                if is_unique(&e) {
                    StorageError::AlreadyExists("chapter")
                } else {
                    db(e)
                }
            })?;
            let id = tx.last_insert_rowid();
            tx.execute("INSERT INTO chapter_seq (chapter_id) VALUES (?1)", [id])
                .map_err(db)?;
            tx.commit().map_err(db)?;
            Ok(Chapter {
                id,
                org_id,
                org_name,
                name: chapter_name,
                keys: None,
            })
        })
        .await
    }

    async fn chapter(&self, id: i64) -> Result<Option<Chapter>> {
        self.read(move |conn| chapter_by_id(conn, id)).await
    }

    async fn set_chapter_keys(
        &self,
        chapter_id: i64,
        encryption_public_key: [u8; 32],
        signing_public_key: [u8; 32],
    ) -> Result<()> {
        self.write(move |conn| {
            let n = conn
                .execute(
                    "UPDATE chapters SET encryption_public_key = ?2, signing_public_key = ?3
                     WHERE id = ?1 AND encryption_public_key IS NULL",
                    params![chapter_id, encryption_public_key, signing_public_key],
                )
                .map_err(db)?;
            if n == 1 {
                return Ok(());
            }
            match chapter_by_id(conn, chapter_id)? {
                None => Err(StorageError::NotFound("chapter")),
                Some(_) => Err(StorageError::AlreadyExists("chapter keys")),
            }
        })
        .await
    }

    async fn create_token(&self, token: NewToken) -> Result<()> {
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO tokens (token_hash, chapter_id, role, expires_at, created_by)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    token.token_hash,
                    token.chapter_id,
                    token.role.as_str(),
                    token.expires_at,
                    token.created_by
                ],
            )
            .map_err(|e| map_insert(e, "token", "chapter or creating account"))?;
            Ok(())
        })
        .await
    }

    async fn consume_token(&self, token_hash: Hash, now: Timestamp) -> Result<Token> {
        self.write(move |conn| {
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(db)?;
            let Some(row) = token_row(&tx, &token_hash)? else {
                return Err(StorageError::NotFound("token"));
            };
            if row.used_at.is_some() {
                return Err(StorageError::AlreadyUsed);
            }
            if row.expires_at <= now {
                return Err(StorageError::Expired);
            }
            tx.execute(
                "UPDATE tokens SET used_at = ?2 WHERE token_hash = ?1",
                params![token_hash, now],
            )
            .map_err(db)?;
            tx.commit().map_err(db)?;
            Ok(Token {
                used_at: Some(now),
                ..row.finish(token_hash)?
            })
        })
        .await
    }

    async fn token(&self, token_hash: Hash) -> Result<Option<Token>> {
        self.read(move |conn| token_by_hash(conn, token_hash)).await
    }

    async fn enrol(&self, token_hash: Hash, enrolment: Enrolment) -> Result<Token> {
        self.write(move |conn| {
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(db)?;
            // Any error drops `tx` uncommitted: the token stays unused.
            let token = enrol_tx(&tx, token_hash, &enrolment)?;
            tx.commit().map_err(db)?;
            Ok(token)
        })
        .await
    }

    async fn create_account(&self, account: NewAccount) -> Result<()> {
        self.write(move |conn| insert_account(conn, &account)).await
    }

    async fn account(&self, id: &str) -> Result<Option<Account>> {
        let id = id.to_owned();
        self.read(move |conn| {
            conn.query_row(
                &format!("{ACCOUNT_SELECT} WHERE id = ?1"),
                [id],
                AccountRow::from_row,
            )
            .optional()
            .map_err(db)?
            .map(AccountRow::finish)
            .transpose()
        })
        .await
    }

    async fn account_by_recovery_lookup(&self, lookup: Hash) -> Result<Option<Account>> {
        self.read(move |conn| {
            conn.query_row(
                &format!("{ACCOUNT_SELECT} WHERE recovery_lookup = ?1"),
                [lookup],
                AccountRow::from_row,
            )
            .optional()
            .map_err(db)?
            .map(AccountRow::finish)
            .transpose()
        })
        .await
    }

    async fn add_device(&self, device: NewDevice) -> Result<()> {
        self.write(move |conn| insert_device(conn, &device)).await
    }

    async fn set_account_lock(
        &self,
        account_id: &str,
        locked: bool,
        at: Timestamp,
    ) -> Result<bool> {
        let account_id = account_id.to_owned();
        self.write(move |conn| {
            let (locked_at, changed_at): (Option<i64>, Option<i64>) = conn
                .query_row(
                    "SELECT locked_at, lock_changed_at FROM accounts WHERE id = ?1",
                    [&account_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(db)?
                .ok_or(StorageError::NotFound("account"))?;
            let Some((new, changed)) = lock_update(locked_at, changed_at, locked, at) else {
                return Ok(false);
            };
            conn.execute(
                "UPDATE accounts SET locked_at = ?2, lock_changed_at = ?3 WHERE id = ?1",
                params![account_id, new, at],
            )
            .map_err(db)?;
            Ok(changed)
        })
        .await
    }

    async fn replace_recovery(
        &self,
        account_id: &str,
        recovery_lookup: Hash,
        wrapped_peer_key: Vec<u8>,
    ) -> Result<()> {
        let account_id = account_id.to_owned();
        self.write(move |conn| {
            let n = conn
                .execute(
                    "UPDATE accounts SET recovery_lookup = ?2, wrapped_peer_key = ?3 WHERE id = ?1",
                    params![account_id, recovery_lookup, wrapped_peer_key],
                )
                .map_err(|e| map_insert(e, "recovery lookup", "account"))?;
            if n == 0 {
                return Err(StorageError::NotFound("account"));
            }
            Ok(())
        })
        .await
    }

    async fn list_accounts(&self, chapter_id: i64) -> Result<Vec<Account>> {
        self.read(move |conn| {
            let mut stmt = conn
                .prepare(&format!(
                    "{ACCOUNT_SELECT} WHERE chapter_id = ?1 ORDER BY created_at, id"
                ))
                .map_err(db)?;
            let at = AccountRow::columns(&stmt).map_err(db)?;
            let rows = stmt
                .query_map([chapter_id], |r| AccountRow::read(r, &at))
                .map_err(db)?;
            rows.map(|r| r.map_err(db).and_then(AccountRow::finish))
                .collect()
        })
        .await
    }

    async fn device(&self, device_id: &str) -> Result<Option<DeviceInfo>> {
        let device_id = device_id.to_owned();
        self.read(move |conn| {
            conn.query_row(
                &format!("{DEVICE_SELECT} WHERE d.device_id = ?1"),
                [device_id],
                DeviceRow::from_row,
            )
            .optional()
            .map_err(db)?
            .map(DeviceRow::finish)
            .transpose()
        })
        .await
    }

    async fn revoke_device(
        &self,
        device_id: &str,
        at: Timestamp,
        revocation: &[u8],
    ) -> Result<bool> {
        let device_id = device_id.to_owned();
        let revocation = revocation.to_vec();
        self.write(move |conn| {
            let n = conn
                .execute(
                    "UPDATE devices SET revoked_at = ?2, revocation = ?3
                     WHERE device_id = ?1 AND revoked_at IS NULL",
                    params![device_id, at, revocation],
                )
                .map_err(db)?;
            Ok(n == 1)
        })
        .await
    }

    async fn touch_device(&self, device_id: &str, at: Timestamp) -> Result<()> {
        let device_id = device_id.to_owned();
        self.write(move |conn| {
            let n = conn
                .execute(
                    "UPDATE devices SET last_seen = MAX(COALESCE(last_seen, ?2), ?2) WHERE device_id = ?1",
                    params![device_id, at],
                )
                .map_err(db)?;
            if n == 0 {
                return Err(StorageError::NotFound("device"));
            }
            Ok(())
        })
        .await
    }

    async fn list_devices(
        &self,
        chapter_id: i64,
        account_id: Option<&str>,
    ) -> Result<Vec<DeviceInfo>> {
        let account_id = account_id.map(str::to_owned);
        self.read(move |conn| {
            let mut stmt = conn
                .prepare(&format!(
                    "{DEVICE_SELECT} WHERE a.chapter_id = ?1 AND (?2 IS NULL OR d.account_id = ?2)
                     ORDER BY d.created_at, d.device_id"
                ))
                .map_err(db)?;
            let at = DeviceRow::columns(&stmt).map_err(db)?;
            let rows = stmt
                .query_map(params![chapter_id, account_id], |r| DeviceRow::read(r, &at))
                .map_err(db)?;
            rows.map(|r| r.map_err(db).and_then(DeviceRow::finish))
                .collect()
        })
        .await
    }

    async fn put_challenge(
        &self,
        device_id: &str,
        challenge_hash: Hash,
        expires_at: Timestamp,
    ) -> Result<()> {
        let device_id = device_id.to_owned();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO challenges (device_id, challenge_hash, expires_at) VALUES (?1, ?2, ?3)",
                params![device_id, challenge_hash, expires_at],
            )
            .map_err(|e| map_insert(e, "challenge", "device"))?;
            Ok(())
        })
        .await
    }

    async fn take_challenge(
        &self,
        device_id: &str,
        challenge_hash: Hash,
        now: Timestamp,
    ) -> Result<bool> {
        let device_id = device_id.to_owned();
        self.write(move |conn| {
            let expires: Option<i64> = conn
                .query_row(
                    "DELETE FROM challenges WHERE device_id = ?1 AND challenge_hash = ?2
                     RETURNING expires_at",
                    params![device_id, challenge_hash],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db)?;
            Ok(expires.is_some_and(|e| e > now))
        })
        .await
    }

    async fn put_session(
        &self,
        token_hash: Hash,
        device_id: &str,
        expires_at: Timestamp,
    ) -> Result<()> {
        let device_id = device_id.to_owned();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO sessions (token_hash, device_id, expires_at) VALUES (?1, ?2, ?3)",
                params![token_hash, device_id, expires_at],
            )
            .map_err(|e| map_insert(e, "session", "device"))?;
            Ok(())
        })
        .await
    }

    async fn session(&self, token_hash: Hash, now: Timestamp) -> Result<Option<String>> {
        self.read(move |conn| {
            conn.query_row(
                "SELECT s.device_id FROM sessions s JOIN devices d ON d.device_id = s.device_id
                 WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND d.revoked_at IS NULL",
                params![token_hash, now],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)
        })
        .await
    }

    async fn session_device(&self, token_hash: Hash, now: Timestamp) -> Result<Option<DeviceInfo>> {
        self.read(move |conn| {
            conn.query_row(
                &format!(
                    "{DEVICE_SELECT} JOIN sessions s ON s.device_id = d.device_id
                     WHERE s.token_hash = ?1 AND s.expires_at > ?2"
                ),
                params![token_hash, now],
                DeviceRow::from_row,
            )
            .optional()
            .map_err(db)?
            .map(DeviceRow::finish)
            .transpose()
        })
        .await
    }

    async fn delete_sessions_for_device(&self, device_id: &str) -> Result<u64> {
        let device_id = device_id.to_owned();
        self.write(move |conn| {
            let n = conn
                .execute("DELETE FROM sessions WHERE device_id = ?1", [device_id])
                .map_err(db)?;
            Ok(n as u64)
        })
        .await
    }

    async fn purge_expired(&self, now: Timestamp) -> Result<u64> {
        self.write(move |conn| {
            let tx = conn.transaction().map_err(db)?;
            let a = tx
                .execute("DELETE FROM challenges WHERE expires_at <= ?1", [now])
                .map_err(db)?;
            let b = tx
                .execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])
                .map_err(db)?;
            tx.commit().map_err(db)?;
            Ok((a + b) as u64)
        })
        .await
    }

    async fn publish_declaration(
        &self,
        chapter_id: i64,
        declaration_id: &str,
        version: u32,
        document: Vec<u8>,
        published_at: Timestamp,
    ) -> Result<()> {
        check_name(declaration_id, "declaration id")?;
        let declaration_id = declaration_id.to_owned();
        self.write(move |conn| {
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(db)?;
            let exists: bool = tx
                .query_row("SELECT EXISTS (SELECT 1 FROM chapters WHERE id = ?1)", [chapter_id], |r| {
                    r.get(0)
                })
                .map_err(db)?;
            if !exists {
                return Err(StorageError::NotFound("chapter"));
            }
            let current: Option<i64> = tx
                .query_row(
                    "SELECT MAX(version) FROM declarations WHERE chapter_id = ?1",
                    [chapter_id],
                    |r| r.get(0),
                )
                .map_err(db)?;
            if let Some(current) = current.filter(|c| *c >= i64::from(version)) {
                return Err(StorageError::Conflict(format!(
                    "declaration version {version} is not greater than the current version {current}"
                )));
            }
            tx.execute(
                "INSERT INTO declarations (chapter_id, version, declaration_id, document, published_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![chapter_id, version, declaration_id, document, published_at],
            )
            .map_err(db)?;
            tx.commit().map_err(db)
        })
        .await
    }

    async fn current_declaration(&self, chapter_id: i64) -> Result<Option<Declaration>> {
        self.read(move |conn| {
            let row = conn
                .query_row(
                    "SELECT declaration_id, version, document, published_at FROM declarations
                     WHERE chapter_id = ?1 ORDER BY version DESC LIMIT 1",
                    [chapter_id],
                    DeclarationRow::from_row,
                )
                .optional()
                .map_err(db)?;
            row.map(DeclarationRow::finish).transpose()
        })
        .await
    }

    async fn declaration_version(&self, chapter_id: i64) -> Result<Option<u32>> {
        self.read(move |conn| {
            let v: Option<i64> = conn
                .query_row(
                    "SELECT MAX(version) FROM declarations WHERE chapter_id = ?1",
                    [chapter_id],
                    |r| r.get(0),
                )
                .map_err(db)?;
            to_version(v)
        })
        .await
    }

    async fn push(
        &self,
        account_id: &str,
        chapter_id: i64,
        records: &[IncomingRecord],
    ) -> Result<Vec<PushOutcome>> {
        let account_id = account_id.to_owned();
        let records = records.to_vec();
        self.write(move |conn| {
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(db)?;
            // Any error drops `tx` uncommitted: nothing of the batch is stored.
            let outcomes = push_tx(&tx, &account_id, chapter_id, &records, true)?;
            tx.commit().map_err(db)?;
            Ok(outcomes)
        })
        .await
    }

    async fn push_headed(
        &self,
        account_id: &str,
        chapter_id: i64,
        records: &[IncomingRecord],
        head: &HeadWrite,
    ) -> Result<HeadedPush> {
        let account_id = account_id.to_owned();
        let records = records.to_vec();
        let head = head.clone();
        self.write(move |conn| {
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(db)?;
            let stored = stored_head_seq(&tx, &account_id)?;
            if !head_follows(stored, &head) {
                return Ok(HeadedPush::Conflict(stored));
            }
            let outcomes = push_tx(&tx, &account_id, chapter_id, &records, false)?;
            if !outcomes.iter().all(PushOutcome::stored) {
                // Dropping `tx` rolls the batch back: the head would not describe it.
                return Ok(HeadedPush::Incomplete(outcomes));
            }
            tx.execute(
                "INSERT INTO account_heads (account_id, seq, head) VALUES (?1, ?2, ?3)
                 ON CONFLICT (account_id) DO UPDATE SET seq = excluded.seq, head = excluded.head",
                params![account_id, to_i64(head.seq, "head seq")?, head.head],
            )
            .map_err(db)?;
            tx.commit().map_err(db)?;
            Ok(HeadedPush::Stored(outcomes))
        })
        .await
    }

    async fn account_head(&self, account_id: &str) -> Result<Option<StoredHead>> {
        let account_id = account_id.to_owned();
        self.read(move |conn| {
            conn.prepare_cached("SELECT seq, head FROM account_heads WHERE account_id = ?1")
                .map_err(db)?
                .query_row([&account_id], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
                })
                .optional()
                .map_err(db)?
                .map(|(seq, head)| {
                    Ok(StoredHead {
                        seq: to_u64(seq, "head seq")?,
                        head,
                    })
                })
                .transpose()
        })
        .await
    }

    async fn chapter_heads(&self, chapter_id: i64) -> Result<Vec<StoredHead>> {
        self.read(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT h.seq, h.head FROM account_heads h JOIN accounts a ON a.id = h.account_id
                     WHERE a.chapter_id = ?1 ORDER BY h.account_id",
                )
                .map_err(db)?;
            let rows = stmt
                .query_map([chapter_id], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
                })
                .map_err(db)?;
            rows.map(|row| {
                let (seq, head) = row.map_err(db)?;
                Ok(StoredHead {
                    seq: to_u64(seq, "head seq")?,
                    head,
                })
            })
            .collect()
        })
        .await
    }

    async fn pull(&self, scope: PullScope<'_>, since: u64, limit: u32) -> Result<PullPage> {
        check_limit(limit)?;
        let since_i = to_i64(since, "since")?;
        let fetch = i64::from(limit) + 1;
        let (visible, key): (&str, rusqlite::types::Value) = match scope {
            PullScope::Account(a) => (
                "(account_id = ?1 OR addressed_to = ?1)",
                a.to_owned().into(),
            ),
            PullScope::Chapter(c) => ("chapter_id = ?1 AND for_chapter = 1", c.into()),
        };
        let sizes_sql = format!(
            "SELECT seq, length(envelope) FROM records WHERE {visible} AND seq > ?2
             ORDER BY seq LIMIT ?3"
        );
        let rows_sql = format!(
            "SELECT seq, collection, id, version, deleted, envelope FROM records
             WHERE {visible} AND seq > ?2 AND seq <= ?3 ORDER BY seq"
        );
        self.read(move |conn| {
            // One snapshot for both reads: the sizes decide the page, the rows fill it.
            let tx = conn.unchecked_transaction().map_err(db)?;
            let sizes = {
                let mut stmt = tx.prepare_cached(&sizes_sql).map_err(db)?;
                let rows = stmt
                    .query_map(params![key, since_i, fetch], |r| {
                        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
                    })
                    .map_err(db)?;
                rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db)?
            };
            let lens: Vec<usize> = sizes
                .iter()
                .map(|&(_, n)| usize::try_from(n).unwrap_or(usize::MAX))
                .collect();
            let (take, has_more) = page_cut(&lens, limit, api::MAX_PULL_PAGE_BYTES);
            let Some(&(last, _)) = take.checked_sub(1).and_then(|i| sizes.get(i)) else {
                return Ok(page(Vec::new(), since, has_more));
            };
            let records = {
                let mut stmt = tx.prepare_cached(&rows_sql).map_err(db)?;
                let at = PulledRow::columns(&stmt).map_err(db)?;
                let rows = stmt
                    .query_map(params![key, since_i, last], |r| PulledRow::read(r, &at))
                    .map_err(db)?;
                rows.map(|row| row.map_err(db).and_then(PulledRow::finish))
                    .collect::<Result<Vec<_>>>()?
            };
            Ok(page(records, since, has_more))
        })
        .await
    }

    async fn backup(&self, path: &Path) -> Result<()> {
        let path = path.to_path_buf();
        if path.exists() {
            return Err(StorageError::AlreadyExists("backup file"));
        }
        let target = path
            .to_str()
            .ok_or_else(|| StorageError::InvalidInput("backup path is not UTF-8".into()))?
            .to_owned();
        // A read connection: VACUUM INTO copies one consistent snapshot without blocking
        // writers.
        self.read(move |conn| {
            conn.execute("VACUUM INTO ?1", [target]).map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn health(&self) -> Result<()> {
        self.read(|conn| {
            conn.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))
                .map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn stats(&self) -> Result<Stats> {
        self.read(|conn| {
            conn.query_row(
                "SELECT (SELECT COUNT(*) FROM chapters) AS chapters,
                        (SELECT COUNT(*) FROM accounts) AS accounts,
                        (SELECT COUNT(*) FROM devices) AS devices,
                        (SELECT COUNT(*) FROM records) AS records",
                [],
                CountsRow::from_row,
            )
            .map_err(db)?
            .finish()
        })
        .await
    }

    async fn put_rollup(&self, chapter_id: i64, rollup: StoredRollup) -> Result<bool> {
        self.write(move |conn| put_rollup(conn, chapter_id, &rollup))
            .await
    }

    async fn org_rollups(&self, org_name: &str, year: i32) -> Result<Vec<ChapterRollup>> {
        let org_name = org_name.to_owned();
        self.read(move |conn| org_rollups(conn, &org_name, year))
            .await
    }
}

/// [`Storage::put_rollup`]: one row per chapter and year, replaced unless the stored one
/// was made later.
fn put_rollup(conn: &mut Connection, chapter_id: i64, r: &StoredRollup) -> Result<bool> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(db)?;
    if chapter_by_id(&tx, chapter_id)?.is_none() {
        return Err(StorageError::NotFound("chapter"));
    }
    let stored: Option<i64> = tx
        .query_row(
            "SELECT created_at FROM rollups WHERE chapter_id = ?1 AND year = ?2",
            params![chapter_id, r.year],
            |row| row.get(0),
        )
        .optional()
        .map_err(db)?;
    if stored.is_some_and(|c| c > r.created_at) {
        return Err(StorageError::Conflict(
            "a later submission for this year is stored already".into(),
        ));
    }
    tx.execute(
        "INSERT INTO rollups (chapter_id, year, created_at, received_at, document)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (chapter_id, year) DO UPDATE SET created_at = excluded.created_at,
             received_at = excluded.received_at, document = excluded.document",
        params![chapter_id, r.year, r.created_at, r.received_at, r.document],
    )
    .map_err(db)?;
    tx.commit().map_err(db)?;
    Ok(stored.is_some())
}

named_row! {
    /// A row of [`org_rollups`]: a chapter and its roll-up columns (all null if none).
    struct ChapterRollupRow {
        id: i64,
        org_id: i64,
        org_name: String,
        name: String,
        encryption_public_key: Option<Vec<u8>>,
        signing_public_key: Option<Vec<u8>>,
        created_at: Option<i64>,
        received_at: Option<i64>,
        document: Option<Vec<u8>>,
    }
}

/// [`Storage::org_rollups`].
fn org_rollups(conn: &Connection, org_name: &str, year: i32) -> Result<Vec<ChapterRollup>> {
    let org: Option<i64> = conn
        .query_row(
            "SELECT id FROM organisations WHERE name = ?1",
            [org_name],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)?;
    let org = org.ok_or(StorageError::NotFound("organisation"))?;
    let mut stmt = conn
        .prepare(
            "SELECT c.id, c.org_id, o.name AS org_name, c.name, c.encryption_public_key,
                    c.signing_public_key, r.created_at, r.received_at, r.document
             FROM chapters c JOIN organisations o ON o.id = c.org_id
             LEFT JOIN rollups r ON r.chapter_id = c.id AND r.year = ?2
             WHERE c.org_id = ?1 ORDER BY c.name, c.id",
        )
        .map_err(db)?;
    let at = ChapterRollupRow::columns(&stmt).map_err(db)?;
    let rows = stmt
        .query_map(params![org, year], |r| ChapterRollupRow::read(r, &at))
        .map_err(db)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db)?;
    rows.into_iter()
        .map(|r| {
            let rollup = match (r.created_at, r.received_at, r.document) {
                (Some(created_at), Some(received_at), Some(document)) => Some(StoredRollup {
                    year,
                    created_at,
                    received_at,
                    document,
                }),
                _ => None,
            };
            let chapter = ChapterRow {
                id: r.id,
                org_id: r.org_id,
                org_name: r.org_name,
                name: r.name,
                encryption_public_key: r.encryption_public_key,
                signing_public_key: r.signing_public_key,
            }
            .finish()?;
            Ok(ChapterRollup { chapter, rollup })
        })
        .collect()
}

impl SqliteStorage {
    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn commits_are_synced_before_they_are_acknowledged() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let storage = SqliteStorage::open(dir.path().join("peerlog.db"))
            .await
            .expect("storage opens");
        let (synchronous, journal) = storage
            .write(|c| {
                let synchronous: i64 = c
                    .query_row("PRAGMA synchronous", [], |r| r.get(0))
                    .map_err(db)?;
                let journal: String = c
                    .query_row("PRAGMA journal_mode", [], |r| r.get(0))
                    .map_err(db)?;
                Ok((synchronous, journal))
            })
            .await
            .expect("pragmas read");
        // 2 = FULL: in WAL mode the log is synced at every commit.
        assert_eq!((synchronous, journal.as_str()), (2, "wal"));
    }
}
