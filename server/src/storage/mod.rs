//! The server's storage layer: the [`Storage`] trait and its two backends,
//! [`SqliteStorage`] (the embedded default) and [`PostgresStorage`] (several stateless
//! server instances sharing one database). See `docs/adr/0006-server-storage.md`.
//!
//! The server stores only ciphertext envelopes plus routing metadata: record envelopes and
//! declaration documents are opaque bytes here; tokens, challenges and session tokens are
//! stored as their SHA-256 only.
//!
//! Times are unix seconds (`i64`), chosen by the caller, so tests control the clock.

use std::future::Future;
use std::path::Path;

/// A [`Migration`] whose SQL is `server/migrations/<dir>/<file>`, compiled in.
macro_rules! migration {
    ($dir:literal, $version:literal, $name:literal, $file:literal) => {
        $crate::storage::Migration {
            version: $version,
            name: $name,
            #[cfg(test)]
            file: $file,
            sql: include_str!(concat!("../../migrations/", $dir, "/", $file)),
        }
    };
}

#[cfg(any(test, feature = "conformance"))]
pub mod conformance;
mod postgres;
mod sqlite;
#[cfg(any(test, feature = "conformance"))]
pub mod test_list;

pub use postgres::PostgresStorage;
pub use sqlite::SqliteStorage;

/// Unix seconds.
pub type Timestamp = i64;
/// A SHA-256 digest (of an enrolment token, a login challenge, a session token, …).
pub type Hash = [u8; 32];

/// The result type of every storage call.
pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// What can go wrong in storage. [`StorageError::code`] is stable and machine-readable;
/// the HTTP layer maps it to a status and a response code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The thing named does not exist (an unknown token, chapter, account, device).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A unique thing already exists (a chapter name in its organisation, an account id, a
    /// device id, a recovery lookup, chapter keys that were already set).
    #[error("{0} already exists")]
    AlreadyExists(&'static str),
    /// A one-time enrolment token was already used.
    #[error("token already used")]
    AlreadyUsed,
    /// A one-time enrolment token has expired.
    #[error("token expired")]
    Expired,
    /// The write contradicts the stored state (e.g. a declaration version that does not grow).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A push without a head for an account that keeps one (ADR 0022).
    #[error("this account keeps a head: a push must carry the next one")]
    HeadRequired,
    /// The caller passed something the storage cannot represent (a number out of range, an
    /// empty name, an account that is not in the chapter, …).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The backend cannot do this (e.g. `backup` on PostgreSQL).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The database was written by a newer binary (its schema version is higher than the
    /// newest migration this binary knows).
    #[error(
        "database schema version {found} is newer than this binary supports ({supported}); upgrade the server"
    )]
    SchemaTooNew { found: i64, supported: i64 },
    /// The database cannot be reached (connection refused, pool exhausted, task failed).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Any other database error.
    #[error("database error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
}

impl StorageError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            StorageError::NotFound(_) => "not_found",
            StorageError::AlreadyExists(_) => "already_exists",
            StorageError::AlreadyUsed => "already_used",
            StorageError::Expired => "expired",
            StorageError::Conflict(_) => "conflict",
            StorageError::HeadRequired => "head_required",
            StorageError::InvalidInput(_) => "invalid_input",
            StorageError::Unsupported(_) => "unsupported",
            StorageError::SchemaTooNew { .. } => "schema_too_new",
            StorageError::Unavailable(_) => "unavailable",
            StorageError::Backend(_) => "database",
        }
    }

    pub(crate) fn backend(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        StorageError::Backend(Box::new(e))
    }

    pub(crate) fn corrupt(what: &str) -> Self {
        StorageError::Backend(format!("corrupt stored value: {what}").into())
    }
}

/// The role of an account within its chapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Peer,
    Coordinator,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Peer => "peer",
            Role::Coordinator => "coordinator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "peer" => Some(Role::Peer),
            "coordinator" => Some(Role::Coordinator),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub(crate) fn from_db(s: &str) -> Result<Role> {
        Role::parse(s).ok_or_else(|| StorageError::corrupt("role"))
    }
}

/// The chapter's public keys (the private halves live on the coordinator's machines only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChapterKeys {
    /// X25519: records addressed to the chapter are wrapped for this key.
    pub encryption_public_key: [u8; 32],
    /// Ed25519: signs declaration texts and invitations.
    pub signing_public_key: [u8; 32],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chapter {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub name: String,
    /// `None` until the coordinator sets them (once).
    pub keys: Option<ChapterKeys>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    /// SHA-256 of the token; the token itself is never stored.
    pub token_hash: Hash,
    pub chapter_id: i64,
    pub role: Role,
    pub expires_at: Timestamp,
    pub created_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub token_hash: Hash,
    pub chapter_id: i64,
    pub role: Role,
    pub expires_at: Timestamp,
    pub created_by: Option<String>,
    pub used_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    /// A UUID made by the server or the enrolling device.
    pub id: String,
    pub chapter_id: i64,
    pub role: Role,
    /// A lookup value derived from the recovery code (never the code), to find the account
    /// when a peer moves to a new phone.
    pub recovery_lookup: Option<Hash>,
    /// The peer key wrapped under the recovery code (opaque).
    pub wrapped_peer_key: Option<Vec<u8>>,
    /// The peer's X25519 public key (so the coordinator can address records to them).
    pub peer_key: Option<[u8; 32]>,
    /// The peer's account key (Ed25519): a device added by recovery must sign with it.
    pub account_key: Option<[u8; 32]>,
    pub created_at: Timestamp,
    /// Since when the chapter has locked the account. Set only by
    /// [`Storage::set_account_lock`]; a new account is never locked.
    pub locked_at: Option<Timestamp>,
    /// SHA-256 of the invitation token the account enrolled with.
    pub invitation: Option<Hash>,
    /// The peer's proof of its keys, made with the invitation's secret (opaque here).
    pub enrol_proof: Option<Hash>,
}

pub type Account = NewAccount;

/// Everything one enrolment writes, in one transaction with the use of its token
/// ([`Storage::enrol`]): the account, its first device and, for a coordinator, the
/// chapter keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    /// The role the token must have (a peer invitation never enrols a coordinator); it
    /// becomes the account's role.
    pub role: Role,
    /// The new account (a UUID).
    pub account_id: String,
    pub peer_key: Option<[u8; 32]>,
    pub account_key: Option<[u8; 32]>,
    pub recovery_lookup: Option<Hash>,
    pub wrapped_peer_key: Option<Vec<u8>>,
    /// The peer's proof of its keys made with the invitation's secret (kept with the
    /// account, with the hash of the token used).
    pub enrol_proof: Option<Hash>,
    /// Set on the chapter if it has none yet; if it has keys they must be these
    /// (`Conflict` otherwise).
    pub chapter_keys: Option<ChapterKeys>,
    pub device_id: String,
    /// Ed25519 device signing key.
    pub device_key: [u8; 32],
    /// Now: the token must not have expired; the account and device are created at.
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDevice {
    pub device_id: String,
    pub account_id: String,
    /// Ed25519 device signing key.
    pub public_key: [u8; 32],
    pub created_at: Timestamp,
    /// For a device added by recovery: the account key's signature vouching for it.
    pub account_signature: Option<[u8; 64]>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    pub device_id: String,
    pub account_id: String,
    pub chapter_id: i64,
    pub role: Role,
    pub public_key: [u8; 32],
    pub created_at: Timestamp,
    pub last_seen: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    /// The signed revocation statement (JSON, as the revoker sent it), once revoked.
    pub revocation: Option<Vec<u8>>,
    /// For a device added by recovery: the account key's signature vouching for it.
    pub account_signature: Option<[u8; 64]>,
    /// When the chapter locked the device's account, while it is locked: the device is
    /// refused (login and every authenticated request) until the lock is lifted.
    pub account_locked_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declaration {
    pub declaration_id: String,
    pub version: u32,
    /// The signed declaration document (JSON), opaque to storage.
    pub document: Vec<u8>,
    pub published_at: Timestamp,
}

/// A record as pushed by a device (DESIGN §5). The envelope is opaque ciphertext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingRecord {
    pub collection: String,
    pub id: String,
    pub version: u64,
    pub author_device: String,
    pub deleted: bool,
    /// Whether the chapter is a recipient (false for private notes and references).
    pub for_chapter: bool,
    /// Another account of the chapter the record is addressed to as well (a coordinator's
    /// decision on a peer's expense): that account's pulls include it.
    pub addressed_to: Option<String>,
    pub envelope: Vec<u8>,
}

/// The result of pushing one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    /// A new record, or a higher version replacing the stored one, with its new sequence
    /// number.
    Accepted { seq: u64 },
    /// The same `(collection, id, version)` with identical bytes is already stored.
    Duplicate { seq: u64 },
    /// The stored version is higher; it wins and nothing changed.
    Stale { current_version: u64 },
    /// Refused; see [`reject`] for the codes.
    Rejected { code: &'static str },
}

/// A peer account's head to store with a batch (ADR 0022): opaque bytes, and the sequence
/// number it claims, which must be one more than the stored head's (1 for the first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadWrite {
    pub seq: u64,
    pub head: Vec<u8>,
}

/// The head the server holds for an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredHead {
    pub seq: u64,
    pub head: Vec<u8>,
}

/// What became of a batch pushed with a head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadedPush {
    /// Every record stored (or already there) and the head with them.
    Stored(Vec<PushOutcome>),
    /// The head does not follow the stored one; nothing stored. Carries the stored seq.
    Conflict(Option<u64>),
    /// A record was stale or refused, so nothing was stored: each record's outcome as it
    /// would have been.
    Incomplete(Vec<PushOutcome>),
}

impl PushOutcome {
    /// Whether the record is on the server after it (stored now, or already).
    pub fn stored(&self) -> bool {
        matches!(self, Self::Accepted { .. } | Self::Duplicate { .. })
    }
}

/// Whether `head` may follow `stored`.
pub(crate) fn head_follows(stored: Option<u64>, head: &HeadWrite) -> bool {
    head.seq == stored.unwrap_or(0).saturating_add(1)
}

/// Codes of [`PushOutcome::Rejected`].
pub mod reject {
    /// The same version is stored with different bytes.
    pub const VERSION_CONFLICT: &str = "version_conflict";
    /// The `(collection, id)` belongs to another account.
    pub const NOT_OWNER: &str = "not_owner";
}

/// Whose records a pull returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullScope<'a> {
    /// The account's own records (all of them, private ones included), plus the records
    /// addressed to it ([`IncomingRecord::addressed_to`]).
    Account(&'a str),
    /// The chapter's records addressed to the chapter (`for_chapter = true`) only.
    Chapter(i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulledRecord {
    pub seq: u64,
    pub collection: String,
    pub id: String,
    pub version: u64,
    pub deleted: bool,
    pub envelope: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullPage {
    /// Ordered by `seq` ascending.
    pub records: Vec<PulledRecord>,
    /// The last `seq` returned, or `since` if none.
    pub cursor: u64,
    /// Whether more records follow `cursor` (exact).
    pub has_more: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    pub chapters: u64,
    pub accounts: u64,
    pub devices: u64,
    pub records: u64,
}

/// A chapter's roll-up as stored: the signed document exactly as received (opaque here;
/// its signature is checked by whoever reads it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRollup {
    pub year: i32,
    /// When the chapter made it (from the document), Unix seconds.
    pub created_at: Timestamp,
    pub received_at: Timestamp,
    pub document: Vec<u8>,
}

/// A chapter of an organisation and its roll-up for the year asked, if it submitted one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChapterRollup {
    pub chapter: Chapter,
    pub rollup: Option<StoredRollup>,
}

/// The storage the server is generic over (`Server<S: Storage>`). All methods return `Send`
/// futures so handlers can run on a multi-threaded runtime. Implementations are cheap to
/// clone (a handle to shared pools).
pub trait Storage: Clone + Send + Sync + 'static {
    // --- organisations and chapters ---

    /// Creates the chapter, and its organisation if new. Chapter names are unique per
    /// organisation (`AlreadyExists`).
    fn create_chapter(
        &self,
        org_name: &str,
        chapter_name: &str,
    ) -> impl Future<Output = Result<Chapter>> + Send;
    fn chapter(&self, id: i64) -> impl Future<Output = Result<Option<Chapter>>> + Send;
    /// Sets the chapter's public keys, once (`AlreadyExists` the second time).
    fn set_chapter_keys(
        &self,
        chapter_id: i64,
        encryption_public_key: [u8; 32],
        signing_public_key: [u8; 32],
    ) -> impl Future<Output = Result<()>> + Send;

    // --- enrolment tokens ---

    fn create_token(&self, token: NewToken) -> impl Future<Output = Result<()>> + Send;
    /// Atomically marks the token used. Unknown → `NotFound`, used → `AlreadyUsed`,
    /// `expires_at <= now` → `Expired`.
    fn consume_token(
        &self,
        token_hash: Hash,
        now: Timestamp,
    ) -> impl Future<Output = Result<Token>> + Send;
    /// The token, used or not, without changing it.
    fn token(&self, token_hash: Hash) -> impl Future<Output = Result<Option<Token>>> + Send;
    /// Uses the token and writes the enrolment, all or nothing. Unknown token or one of
    /// another role → `NotFound("token")`, used → `AlreadyUsed`, `expires_at <= at` →
    /// `Expired`, other chapter keys already set → `Conflict`, account id, recovery lookup
    /// or device taken → `AlreadyExists`. On any error nothing changes (the token stays
    /// unused). Returns the token as used.
    fn enrol(
        &self,
        token_hash: Hash,
        enrolment: Enrolment,
    ) -> impl Future<Output = Result<Token>> + Send;

    // --- accounts ---

    fn create_account(&self, account: NewAccount) -> impl Future<Output = Result<()>> + Send;
    fn account(&self, id: &str) -> impl Future<Output = Result<Option<Account>>> + Send;
    fn account_by_recovery_lookup(
        &self,
        lookup: Hash,
    ) -> impl Future<Output = Result<Option<Account>>> + Send;
    /// The chapter's accounts, oldest first.
    /// Applies a chapter's statement locking (`locked`) or unlocking the account, issued
    /// `at`, unless a newer statement was applied before. Returns whether the
    /// lock changed. `NotFound` if there is no such account.
    fn set_account_lock(
        &self,
        account_id: &str,
        locked: bool,
        at: Timestamp,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Replaces the account's recovery lookup (its hash) and wrapped peer key: the old
    /// recovery code finds nothing from now on. `NotFound` if there is no such account.
    fn replace_recovery(
        &self,
        account_id: &str,
        recovery_lookup: Hash,
        wrapped_peer_key: Vec<u8>,
    ) -> impl Future<Output = Result<()>> + Send;
    fn list_accounts(&self, chapter_id: i64) -> impl Future<Output = Result<Vec<Account>>> + Send;

    // --- devices ---

    fn add_device(&self, device: NewDevice) -> impl Future<Output = Result<()>> + Send;
    fn device(&self, device_id: &str) -> impl Future<Output = Result<Option<DeviceInfo>>> + Send;
    /// Marks the device revoked and keeps the signed revocation it is to be shown. `false`
    /// if unknown or already revoked (the first revocation stays).
    fn revoke_device(
        &self,
        device_id: &str,
        at: Timestamp,
        revocation: &[u8],
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Records that the device was seen. Unknown → `NotFound`.
    fn touch_device(
        &self,
        device_id: &str,
        at: Timestamp,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The chapter's devices (of one account if given), oldest first.
    fn list_devices(
        &self,
        chapter_id: i64,
        account_id: Option<&str>,
    ) -> impl Future<Output = Result<Vec<DeviceInfo>>> + Send;

    // --- login challenges and sessions ---

    fn put_challenge(
        &self,
        device_id: &str,
        challenge_hash: Hash,
        expires_at: Timestamp,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Removes the challenge; `true` if it existed and had not expired. Single use.
    fn take_challenge(
        &self,
        device_id: &str,
        challenge_hash: Hash,
        now: Timestamp,
    ) -> impl Future<Output = Result<bool>> + Send;
    fn put_session(
        &self,
        token_hash: Hash,
        device_id: &str,
        expires_at: Timestamp,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The device of a live session; `None` if unknown, expired or the device is revoked.
    fn session(
        &self,
        token_hash: Hash,
        now: Timestamp,
    ) -> impl Future<Output = Result<Option<String>>> + Send;
    /// The device of an unexpired session, revoked or not (so the caller can tell a
    /// revoked device to wipe itself); `None` if the session is unknown or expired.
    fn session_device(
        &self,
        token_hash: Hash,
        now: Timestamp,
    ) -> impl Future<Output = Result<Option<DeviceInfo>>> + Send;
    /// Returns how many sessions were deleted.
    fn delete_sessions_for_device(
        &self,
        device_id: &str,
    ) -> impl Future<Output = Result<u64>> + Send;
    /// Deletes expired challenges and sessions; returns how many rows went.
    fn purge_expired(&self, now: Timestamp) -> impl Future<Output = Result<u64>> + Send;

    // --- declarations ---

    /// Publishes a new declaration version; it must be greater than the current (`Conflict`).
    fn publish_declaration(
        &self,
        chapter_id: i64,
        declaration_id: &str,
        version: u32,
        document: Vec<u8>,
        published_at: Timestamp,
    ) -> impl Future<Output = Result<()>> + Send;
    fn current_declaration(
        &self,
        chapter_id: i64,
    ) -> impl Future<Output = Result<Option<Declaration>>> + Send;
    /// The current declaration's version only (cheap, for every pull).
    fn declaration_version(
        &self,
        chapter_id: i64,
    ) -> impl Future<Output = Result<Option<u32>>> + Send;

    // --- records (sync) ---

    /// Stores a batch in one transaction; outcomes in input order. On `Err` nothing of the
    /// batch is stored; `HeadRequired` if the account keeps a head (its pushes go through
    /// [`Self::push_headed`]).
    fn push(
        &self,
        account_id: &str,
        chapter_id: i64,
        records: &[IncomingRecord],
    ) -> impl Future<Output = Result<Vec<PushOutcome>>> + Send;
    /// [`Self::push`] with the account's next head, in one transaction: the batch and the
    /// head are stored together, or nothing is.
    fn push_headed(
        &self,
        account_id: &str,
        chapter_id: i64,
        records: &[IncomingRecord],
        head: &HeadWrite,
    ) -> impl Future<Output = Result<HeadedPush>> + Send;
    /// The account's head, if one of its devices stored one.
    fn account_head(
        &self,
        account_id: &str,
    ) -> impl Future<Output = Result<Option<StoredHead>>> + Send;
    /// The heads of every account of the chapter that keeps one, by account id.
    fn chapter_heads(
        &self,
        chapter_id: i64,
    ) -> impl Future<Output = Result<Vec<StoredHead>>> + Send;
    /// Records with `seq > since` visible in `scope`, at most `limit` (≥ 1), by `seq`.
    fn pull(
        &self,
        scope: PullScope<'_>,
        since: u64,
        limit: u32,
    ) -> impl Future<Output = Result<PullPage>> + Send;

    // --- operations ---

    /// A consistent online backup to a new file (SQLite); `Unsupported` on PostgreSQL.
    fn backup(&self, path: &Path) -> impl Future<Output = Result<()>> + Send;
    /// A trivial query.
    fn health(&self) -> impl Future<Output = Result<()>> + Send;
    fn stats(&self) -> impl Future<Output = Result<Stats>> + Send;

    // --- the national roll-up (ADR 0020) ---

    /// Stores the chapter's roll-up for `rollup.year`, replacing the stored one unless that
    /// was made later (`Conflict`: an older submission replayed). Returns whether it
    /// replaced one. `NotFound("chapter")` if there is no such chapter.
    fn put_rollup(
        &self,
        chapter_id: i64,
        rollup: StoredRollup,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Every chapter of the organisation named `org_name` (by name), each with its
    /// roll-up for `year` if it submitted one. `NotFound("organisation")` if there is no
    /// such organisation.
    fn org_rollups(
        &self,
        org_name: &str,
        year: i32,
    ) -> impl Future<Output = Result<Vec<ChapterRollup>>> + Send;
}

// ---- helpers shared by the backends ----

/// One numbered schema migration. The SQL lives in `server/migrations/<backend>/`, one
/// file per version, each dialect on its own.
#[derive(Debug)]
pub(crate) struct Migration {
    pub version: i64,
    /// Recorded in `schema_migrations` (existing databases hold these names).
    pub name: &'static str,
    /// The file under `server/migrations/<backend>/`, named after the version (checked by
    /// the tests, the only readers).
    #[cfg(test)]
    pub file: &'static str,
    pub sql: &'static str,
}

/// The migrations a database at schema version `current` still needs, in order.
/// `SchemaTooNew` if a newer binary wrote it.
pub(crate) fn pending(
    migrations: &'static [Migration],
    current: i64,
) -> Result<impl Iterator<Item = &'static Migration>> {
    let supported = migrations.last().map_or(0, |m| m.version);
    if current > supported {
        return Err(StorageError::SchemaTooNew {
            found: current,
            supported,
        });
    }
    Ok(migrations.iter().filter(move |m| m.version > current))
}

pub(crate) fn to_i64(v: u64, what: &str) -> Result<i64> {
    i64::try_from(v).map_err(|_| StorageError::InvalidInput(format!("{what} {v} is out of range")))
}

pub(crate) fn to_u64(v: i64, what: &str) -> Result<u64> {
    u64::try_from(v).map_err(|_| StorageError::corrupt(what))
}

pub(crate) fn to_version(v: Option<i64>) -> Result<Option<u32>> {
    v.map(|v| u32::try_from(v).map_err(|_| StorageError::corrupt("declaration version")))
        .transpose()
}

pub(crate) fn to_signature(v: Vec<u8>, what: &str) -> Result<[u8; 64]> {
    v.try_into().map_err(|_| StorageError::corrupt(what))
}

pub(crate) fn to_hash(v: Vec<u8>, what: &str) -> Result<[u8; 32]> {
    <[u8; 32]>::try_from(v.as_slice()).map_err(|_| StorageError::corrupt(what))
}

pub(crate) fn check_name(name: &str, what: &str) -> Result<()> {
    let len = name.trim().chars().count();
    if len == 0 || len > 200 {
        return Err(StorageError::InvalidInput(format!(
            "{what} must be 1 to 200 characters"
        )));
    }
    Ok(())
}

/// What `push` decides for one record given the stored row (if any).
pub(crate) enum Decision {
    Insert,
    Replace,
    Outcome(PushOutcome),
}

/// The stored row `push` compares against.
pub(crate) struct StoredRecord {
    pub account_id: String,
    pub version: u64,
    pub envelope: Vec<u8>,
    pub seq: u64,
}

pub(crate) fn decide(
    account_id: &str,
    incoming: &IncomingRecord,
    stored: Option<&StoredRecord>,
) -> Decision {
    let Some(stored) = stored else {
        return Decision::Insert;
    };
    if stored.account_id != account_id {
        return Decision::Outcome(PushOutcome::Rejected {
            code: reject::NOT_OWNER,
        });
    }
    match incoming.version.cmp(&stored.version) {
        std::cmp::Ordering::Less => Decision::Outcome(PushOutcome::Stale {
            current_version: stored.version,
        }),
        std::cmp::Ordering::Equal if incoming.envelope == stored.envelope => {
            Decision::Outcome(PushOutcome::Duplicate { seq: stored.seq })
        }
        std::cmp::Ordering::Equal => Decision::Outcome(PushOutcome::Rejected {
            code: reject::VERSION_CONFLICT,
        }),
        std::cmp::Ordering::Greater => Decision::Replace,
    }
}

/// Whether a token can still be used at `now`: not used, not expired.
/// What a lock statement (`locked`, issued `at`) does to an account whose lock is
/// `locked_at` and whose newest applied statement was issued `changed_at`: `None` if it is
/// older (nothing to write), else the new `locked_at` and whether the lock changed. Of two
/// statements issued in the same second, the one applied last wins (a coordinator may lock
/// and unlock in one second; a replay is older than that).
pub(crate) fn lock_update(
    locked_at: Option<Timestamp>,
    changed_at: Option<Timestamp>,
    locked: bool,
    at: Timestamp,
) -> Option<(Option<Timestamp>, bool)> {
    if changed_at.is_some_and(|c| c > at) {
        return None;
    }
    let new = if locked { locked_at.or(Some(at)) } else { None };
    Some((new, new.is_some() != locked_at.is_some()))
}

pub(crate) fn check_token_usable(token: &Token, now: Timestamp) -> Result<()> {
    if token.used_at.is_some() {
        return Err(StorageError::AlreadyUsed);
    }
    if token.expires_at <= now {
        return Err(StorageError::Expired);
    }
    Ok(())
}

/// The token checks of [`Storage::enrol`], the same on every backend: the token exists, is
/// of the enrolment's role (one of another role is as good as unknown), and is usable at
/// the enrolment's time. The backend fetches the row (locked) and writes.
pub(crate) fn check_enrolment_token(token: Option<Token>, e: &Enrolment) -> Result<Token> {
    let token = token
        .filter(|t| t.role == e.role)
        .ok_or(StorageError::NotFound("token"))?;
    check_token_usable(&token, e.at)?;
    Ok(token)
}

/// The chapter-key check of [`Storage::enrol`] when the enrolment carries keys: `true` if
/// they must be written (the chapter has none yet), `false` if the chapter already has these
/// very keys; other keys are a `Conflict`, no chapter `NotFound`.
pub(crate) fn chapter_keys_to_set(wanted: &ChapterKeys, chapter: Option<&Chapter>) -> Result<bool> {
    let chapter = chapter.ok_or(StorageError::NotFound("chapter"))?;
    match &chapter.keys {
        None => Ok(true),
        Some(current) if current == wanted => Ok(false),
        Some(_) => Err(StorageError::Conflict(
            "the chapter already has other keys".into(),
        )),
    }
}

/// Where a pull page ends, from the envelope sizes of the next rows by `seq` (at most
/// `limit + 1` of them): at most `limit` records and `max_bytes` of envelopes, but at least
/// one record, so a record larger than the budget comes alone. Returns how many rows the
/// page takes and whether more follow (exact: a following row was seen).
pub(crate) fn page_cut(sizes: &[usize], limit: u32, max_bytes: usize) -> (usize, bool) {
    let limit = limit as usize;
    let mut bytes = 0usize;
    let mut take = 0;
    for &size in sizes.iter().take(limit) {
        bytes = bytes.saturating_add(size);
        if take > 0 && bytes > max_bytes {
            break;
        }
        take += 1;
    }
    (take, sizes.len() > take)
}

/// The page of `records`, the rows [`page_cut`] chose (read in the same snapshot).
pub(crate) fn page(records: Vec<PulledRecord>, since: u64, has_more: bool) -> PullPage {
    PullPage {
        cursor: records.last().map_or(since, |r| r.seq),
        records,
        has_more,
    }
}

pub(crate) fn check_limit(limit: u32) -> Result<()> {
    if limit == 0 {
        return Err(StorageError::InvalidInput(
            "limit must be at least 1".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn page_cut_by_count_and_bytes() {
        // By count: limit + 1 rows fetched, `limit` taken, more follow.
        assert_eq!(page_cut(&[1, 1, 1, 1], 3, 100), (3, true));
        assert_eq!(page_cut(&[1, 1, 1], 3, 100), (3, false));
        assert_eq!(page_cut(&[], 3, 100), (0, false));
        // By bytes: an exact fit is taken, the next record waits for the next page.
        assert_eq!(page_cut(&[4, 6, 1], 10, 10), (2, true));
        assert_eq!(page_cut(&[4, 7, 1], 10, 10), (1, true));
        // A record over the budget comes alone, first on its page.
        assert_eq!(page_cut(&[30, 1], 10, 10), (1, true));
        assert_eq!(page_cut(&[30], 10, 10), (1, false));
        assert_eq!(page_cut(&[1, 30], 10, 10), (1, true));
    }

    fn token(role: Role, used_at: Option<Timestamp>, expires_at: Timestamp) -> Token {
        Token {
            token_hash: [1; 32],
            chapter_id: 7,
            role,
            expires_at,
            created_by: None,
            used_at,
        }
    }

    fn enrolment(role: Role, at: Timestamp) -> Enrolment {
        Enrolment {
            role,
            account_id: "a".into(),
            peer_key: None,
            account_key: None,
            recovery_lookup: None,
            wrapped_peer_key: None,
            enrol_proof: None,
            chapter_keys: None,
            device_id: "d".into(),
            device_key: [2; 32],
            at,
        }
    }

    fn code<T: std::fmt::Debug>(r: Result<T>) -> &'static str {
        r.expect_err("expected an error").code()
    }

    #[test]
    fn an_enrolment_token_must_exist_and_be_of_the_enrolment_role() {
        let peer = enrolment(Role::Peer, 100);
        assert_eq!(code(check_enrolment_token(None, &peer)), "not_found");
        let coordinator_token = token(Role::Coordinator, None, 200);
        assert_eq!(
            code(check_enrolment_token(
                Some(coordinator_token.clone()),
                &peer
            )),
            "not_found"
        );
        let ok = check_enrolment_token(
            Some(coordinator_token.clone()),
            &enrolment(Role::Coordinator, 100),
        )
        .unwrap();
        assert_eq!(ok, coordinator_token);
    }

    #[test]
    fn an_enrolment_token_must_be_unused_and_unexpired() {
        let peer = enrolment(Role::Peer, 100);
        let used = token(Role::Peer, Some(50), 200);
        assert_eq!(
            code(check_enrolment_token(Some(used), &peer)),
            "already_used"
        );
        // Expiry is exclusive: a token expiring at the enrolment's second is expired.
        let expired = token(Role::Peer, None, 100);
        assert_eq!(code(check_enrolment_token(Some(expired), &peer)), "expired");
        // Used and expired: reported as used.
        let both = token(Role::Peer, Some(50), 10);
        assert_eq!(
            code(check_enrolment_token(Some(both), &peer)),
            "already_used"
        );
        assert!(check_enrolment_token(Some(token(Role::Peer, None, 101)), &peer).is_ok());
    }

    #[test]
    fn chapter_keys_are_set_once_and_may_be_repeated_but_not_changed() {
        let keys = ChapterKeys {
            encryption_public_key: [3; 32],
            signing_public_key: [4; 32],
        };
        let mut chapter = Chapter {
            id: 7,
            org_id: 1,
            org_name: "Org".into(),
            name: "Oslo".into(),
            keys: None,
        };
        assert_eq!(code(chapter_keys_to_set(&keys, None)), "not_found");
        assert!(chapter_keys_to_set(&keys, Some(&chapter)).unwrap());
        chapter.keys = Some(keys);
        assert!(!chapter_keys_to_set(&keys, Some(&chapter)).unwrap());
        let other = ChapterKeys {
            signing_public_key: [5; 32],
            ..keys
        };
        assert_eq!(
            code(chapter_keys_to_set(&other, Some(&chapter))),
            "conflict"
        );
    }

    #[test]
    fn migrations_are_numbered_from_one_and_named_after_their_files() {
        for migrations in [sqlite::MIGRATIONS, postgres::MIGRATIONS] {
            for (i, m) in migrations.iter().enumerate() {
                assert_eq!(m.version, i as i64 + 1, "{}", m.file);
                assert!(
                    m.file.starts_with(&format!("{:04}_", m.version)) && m.file.ends_with(".sql"),
                    "{}",
                    m.file
                );
                assert!(!m.sql.trim().is_empty(), "{}", m.file);
            }
        }
    }

    #[test]
    fn both_backends_have_the_same_migrations() {
        let list = |ms: &[Migration]| {
            ms.iter()
                .map(|m| (m.version, m.name, m.file))
                .collect::<Vec<_>>()
        };
        assert_eq!(list(sqlite::MIGRATIONS), list(postgres::MIGRATIONS));
    }

    #[test]
    fn pending_migrations_follow_the_current_version() {
        let versions = |current| {
            pending(sqlite::MIGRATIONS, current).map(|ms| ms.map(|m| m.version).collect::<Vec<_>>())
        };
        let last = sqlite::MIGRATIONS.len() as i64;
        assert_eq!(versions(0).unwrap(), (1..=last).collect::<Vec<_>>());
        assert_eq!(versions(last - 1).unwrap(), vec![last]);
        assert_eq!(versions(last).unwrap(), Vec::<i64>::new());
        assert!(matches!(
            versions(last + 1),
            Err(StorageError::SchemaTooNew { found, supported }) if found == last + 1 && supported == last
        ));
    }

    /// The conformance macro lists its tests by hand; a function left off the list would
    /// never run on any backend.
    #[test]
    fn the_conformance_macro_lists_every_conformance_test() {
        let check = test_list::check(
            include_str!("conformance.rs"),
            "$crate::conformance_tests!(@each $fresh;",
        );
        assert_eq!(
            check,
            Ok(()),
            "conformance_tests! is out of step with conformance.rs"
        );
    }
}
