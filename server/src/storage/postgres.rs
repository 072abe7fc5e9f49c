//! The PostgreSQL backend (scale-out): tokio-postgres with a deadpool pool, no TLS yet
//! (see ADR 0006 for how TLS to the database will be added).

use std::path::Path;
use std::str::FromStr;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::error::SqlState;
use tokio_postgres::{NoTls, Row};

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
    migration!("postgres", 1, "initial", "0001_initial.sql"),
    migration!(
        "postgres",
        2,
        "account peer key",
        "0002_account_peer_key.sql"
    ),
    migration!(
        "postgres",
        3,
        "records addressed to an account",
        "0003_records_addressed_to.sql"
    ),
    migration!(
        "postgres",
        4,
        "device revocation",
        "0004_device_revocation.sql"
    ),
    migration!("postgres", 5, "account key", "0005_account_key.sql"),
    migration!("postgres", 6, "account lock", "0006_account_lock.sql"),
    migration!("postgres", 7, "enrolment proof", "0007_enrol_proof.sql"),
    migration!("postgres", 8, "account heads", "0008_account_heads.sql"),
    migration!("postgres", 9, "roll-ups", "0009_rollups.sql"),
];
/// Any constant; serialises migrations of server instances starting together.
const MIGRATION_LOCK: i64 = 0x7065_6572_6c6f_6701;

/// The PostgreSQL storage. Cheap to clone (a handle to the pool).
#[derive(Clone)]
pub struct PostgresStorage {
    pool: Pool,
}

impl std::fmt::Debug for PostgresStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStorage")
            .field("pool", &self.pool.status())
            .finish()
    }
}

fn db(e: tokio_postgres::Error) -> StorageError {
    if e.is_closed() {
        StorageError::Unavailable(e.to_string())
    } else {
        StorageError::backend(e)
    }
}

fn is(e: &tokio_postgres::Error, state: &SqlState) -> bool {
    e.code() == Some(state)
}

fn map_insert(
    e: tokio_postgres::Error,
    exists: &'static str,
    missing: &'static str,
) -> StorageError {
    if is(&e, &SqlState::UNIQUE_VIOLATION) {
        StorageError::AlreadyExists(exists)
    } else if is(&e, &SqlState::FOREIGN_KEY_VIOLATION) {
        StorageError::NotFound(missing)
    } else {
        db(e)
    }
}

impl PostgresStorage {
    /// Connects to `url` (`postgres://user:password@host:port/dbname`), applying migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, 16).await
    }

    /// Like [`PostgresStorage::connect`] with a chosen pool size.
    pub async fn connect_with(url: &str, max_connections: usize) -> Result<Self> {
        let config = tokio_postgres::Config::from_str(url)
            .map_err(|e| StorageError::InvalidInput(format!("bad PostgreSQL URL: {e}")))?;
        Self::connect_config(config, max_connections).await
    }

    /// Connects with a ready connection configuration, applying migrations.
    pub async fn connect_config(
        config: tokio_postgres::Config,
        max_connections: usize,
    ) -> Result<Self> {
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(max_connections.max(1))
            .build()
            .map_err(|e| StorageError::InvalidInput(format!("bad pool configuration: {e}")))?;
        let storage = PostgresStorage { pool };
        storage.migrate().await?;
        Ok(storage)
    }

    async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool
            .get()
            .await
            .map_err(|e| StorageError::Unavailable(format!("no database connection: {e}")))
    }

    async fn migrate(&self) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(db)?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version    BIGINT PRIMARY KEY,
                name       TEXT NOT NULL,
                applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
            )",
        )
        .await
        .map_err(db)?;
        let current: i64 = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                &[],
            )
            .await
            .map_err(db)?
            .get(0);
        for m in pending(MIGRATIONS, current)? {
            tx.batch_execute(m.sql).await.map_err(db)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                &[&m.version, &m.name],
            )
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }
}

const CHAPTER_SELECT: &str =
    "SELECT c.id, c.org_id, o.name, c.name, c.encryption_public_key, c.signing_public_key
     FROM chapters c JOIN organisations o ON o.id = c.org_id";

fn chapter_from_row(r: &Row) -> Result<Chapter> {
    let enc: Option<Vec<u8>> = r.get(4);
    let sig: Option<Vec<u8>> = r.get(5);
    let keys = match (enc, sig) {
        (Some(e), Some(s)) => Some(ChapterKeys {
            encryption_public_key: to_hash(e, "chapter encryption key")?,
            signing_public_key: to_hash(s, "chapter signing key")?,
        }),
        _ => None,
    };
    Ok(Chapter {
        id: r.get(0),
        org_id: r.get(1),
        org_name: r.get(2),
        name: r.get(3),
        keys,
    })
}

const ACCOUNT_SELECT: &str =
    "SELECT id, chapter_id, role, recovery_lookup, wrapped_peer_key, created_at, peer_key,
            account_key, locked_at, invitation_hash, enrol_proof
     FROM accounts";

fn account_from_row(r: &Row) -> Result<Account> {
    let role: String = r.get(2);
    let lookup: Option<Vec<u8>> = r.get(3);
    let peer_key: Option<Vec<u8>> = r.get(6);
    let account_key: Option<Vec<u8>> = r.get(7);
    let invitation: Option<Vec<u8>> = r.get(9);
    let proof: Option<Vec<u8>> = r.get(10);
    Ok(Account {
        id: r.get(0),
        chapter_id: r.get(1),
        role: Role::from_db(&role)?,
        recovery_lookup: lookup.map(|l| to_hash(l, "recovery lookup")).transpose()?,
        wrapped_peer_key: r.get(4),
        peer_key: peer_key.map(|k| to_hash(k, "peer key")).transpose()?,
        account_key: account_key.map(|k| to_hash(k, "account key")).transpose()?,
        created_at: r.get(5),
        locked_at: r.get(8),
        invitation: invitation
            .map(|h| to_hash(h, "invitation hash"))
            .transpose()?,
        enrol_proof: proof.map(|h| to_hash(h, "enrolment proof")).transpose()?,
    })
}

async fn insert_account<C: tokio_postgres::GenericClient + Sync>(
    client: &C,
    account: &NewAccount,
) -> Result<()> {
    let lookup = account.recovery_lookup.as_ref().map(|l| &l[..]);
    let peer_key = account.peer_key.as_ref().map(|k| &k[..]);
    let account_key = account.account_key.as_ref().map(|k| &k[..]);
    let invitation = account.invitation.as_ref().map(|k| &k[..]);
    let proof = account.enrol_proof.as_ref().map(|k| &k[..]);
    client
        .execute(
            "INSERT INTO accounts (id, chapter_id, role, recovery_lookup, wrapped_peer_key, peer_key,
                                   account_key, created_at, invitation_hash, enrol_proof)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                &account.id,
                &account.chapter_id,
                &account.role.as_str(),
                &lookup,
                &account.wrapped_peer_key,
                &peer_key,
                &account_key,
                &account.created_at,
                &invitation,
                &proof,
            ],
        )
        .await
        .map_err(|e| map_insert(e, "account", "chapter"))?;
    Ok(())
}

async fn insert_device<C: tokio_postgres::GenericClient + Sync>(
    client: &C,
    device: &NewDevice,
) -> Result<()> {
    client
        .execute(
            "INSERT INTO devices (device_id, account_id, public_key, created_at, account_signature)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &device.device_id,
                &device.account_id,
                &&device.public_key[..],
                &device.created_at,
                &device.account_signature.as_ref().map(|s| &s[..]),
            ],
        )
        .await
        .map_err(|e| map_insert(e, "device", "account"))?;
    Ok(())
}

const TOKEN_SELECT: &str =
    "SELECT chapter_id, role, expires_at, created_by, used_at FROM tokens WHERE token_hash = $1";

fn token_from_row(token_hash: Hash, r: &Row) -> Result<Token> {
    let role: String = r.get(1);
    Ok(Token {
        token_hash,
        chapter_id: r.get(0),
        role: Role::from_db(&role)?,
        expires_at: r.get(2),
        created_by: r.get(3),
        used_at: r.get(4),
    })
}

async fn enrol_tx(
    tx: &deadpool_postgres::Transaction<'_>,
    token_hash: Hash,
    e: &Enrolment,
) -> Result<Token> {
    let token = tx
        .query_opt(&format!("{TOKEN_SELECT} FOR UPDATE"), &[&&token_hash[..]])
        .await
        .map_err(db)?
        .map(|row| token_from_row(token_hash, &row))
        .transpose()?;
    let token = check_enrolment_token(token, e)?;
    if let Some(keys) = e.chapter_keys {
        let chapter = tx
            .query_opt(
                &format!("{CHAPTER_SELECT} WHERE c.id = $1 FOR UPDATE OF c"),
                &[&token.chapter_id],
            )
            .await
            .map_err(db)?
            .map(|row| chapter_from_row(&row))
            .transpose()?;
        if chapter_keys_to_set(&keys, chapter.as_ref())? {
            tx.execute(
                "UPDATE chapters SET encryption_public_key = $2, signing_public_key = $3
                 WHERE id = $1",
                &[
                    &token.chapter_id,
                    &&keys.encryption_public_key[..],
                    &&keys.signing_public_key[..],
                ],
            )
            .await
            .map_err(db)?;
        }
    }
    insert_account(
        &**tx,
        &NewAccount {
            id: e.account_id.clone(),
            chapter_id: token.chapter_id,
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
    )
    .await?;
    insert_device(
        &**tx,
        &NewDevice {
            device_id: e.device_id.clone(),
            account_id: e.account_id.clone(),
            public_key: e.device_key,
            created_at: e.at,
            account_signature: None,
        },
    )
    .await?;
    tx.execute(
        "UPDATE tokens SET used_at = $2 WHERE token_hash = $1",
        &[&&token_hash[..], &e.at],
    )
    .await
    .map_err(db)?;
    Ok(Token {
        used_at: Some(e.at),
        ..token
    })
}

const DEVICE_SELECT: &str = "SELECT d.device_id, d.account_id, a.chapter_id, a.role, d.public_key,
            d.created_at, d.last_seen, d.revoked_at, d.revocation, d.account_signature, a.locked_at
     FROM devices d JOIN accounts a ON a.id = d.account_id";

fn device_from_row(r: &Row) -> Result<DeviceInfo> {
    let role: String = r.get(3);
    Ok(DeviceInfo {
        device_id: r.get(0),
        account_id: r.get(1),
        chapter_id: r.get(2),
        role: Role::from_db(&role)?,
        public_key: to_hash(r.get(4), "device public key")?,
        created_at: r.get(5),
        last_seen: r.get(6),
        revoked_at: r.get(7),
        revocation: r.get(8),
        account_signature: r
            .get::<_, Option<Vec<u8>>>(9)
            .map(|s| to_signature(s, "device's account signature"))
            .transpose()?,
        account_locked_at: r.get(10),
    })
}

fn stored_from_row(r: &Row) -> Result<StoredRecord> {
    Ok(StoredRecord {
        account_id: r.get(0),
        version: to_u64(r.get(1), "record version")?,
        envelope: r.get(2),
        seq: to_u64(r.get(3), "record seq")?,
    })
}

async fn push_tx(
    tx: &deadpool_postgres::Transaction<'_>,
    account_id: &str,
    chapter_id: i64,
    records: &[IncomingRecord],
    headless: bool,
) -> Result<Vec<PushOutcome>> {
    let account = tx
        .query_opt(
            "SELECT chapter_id, EXISTS (SELECT 1 FROM account_heads WHERE account_id = $1)
             FROM accounts WHERE id = $1",
            &[&account_id],
        )
        .await
        .map_err(db)?;
    if headless && account.as_ref().is_some_and(|r| r.get::<_, bool>(1)) {
        return Err(StorageError::HeadRequired);
    }
    let account_chapter = account.map(|r| r.get::<_, i64>(0));
    match account_chapter {
        None => return Err(StorageError::NotFound("account")),
        Some(c) if c != chapter_id => {
            return Err(StorageError::InvalidInput(
                "the account is not in this chapter".into(),
            ));
        }
        Some(_) => {}
    }
    // Lock the chapter's counter row until commit: pushes to one chapter are serialised,
    // so their sequence numbers become visible in order.
    let mut seq: i64 = tx
        .query_opt(
            "SELECT seq FROM chapter_seq WHERE chapter_id = $1 FOR UPDATE",
            &[&chapter_id],
        )
        .await
        .map_err(db)?
        .ok_or(StorageError::NotFound("chapter"))?
        .get(0);
    let start = seq;
    let select = tx
        .prepare_cached(
            "SELECT account_id, version, envelope, seq FROM records
             WHERE collection = $1 AND id = $2 FOR UPDATE",
        )
        .await
        .map_err(db)?;
    let insert = tx
        .prepare_cached(
            "INSERT INTO records (collection, id, chapter_id, account_id, version,
                 author_device, deleted, for_chapter, envelope, seq, addressed_to)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (collection, id) DO NOTHING",
        )
        .await
        .map_err(db)?;
    let update = tx
        .prepare_cached(
            "UPDATE records SET chapter_id = $3, version = $4, author_device = $5,
                 deleted = $6, for_chapter = $7, envelope = $8, seq = $9,
                 addressed_to = $10
             WHERE collection = $1 AND id = $2",
        )
        .await
        .map_err(db)?;
    let mut outcomes = Vec::with_capacity(records.len());
    for rec in records {
        let version = to_i64(rec.version, "version")?;
        // At most two rounds: a row another chapter inserted concurrently makes the insert
        // do nothing; the second round then sees it (READ COMMITTED) and decides on it.
        let mut outcome = None;
        for _ in 0..2 {
            let stored = tx
                .query_opt(&select, &[&rec.collection, &rec.id])
                .await
                .map_err(db)?
                .map(|r| stored_from_row(&r))
                .transpose()?;
            match decide(account_id, rec, stored.as_ref()) {
                Decision::Outcome(o) => {
                    outcome = Some(o);
                    break;
                }
                Decision::Insert => {
                    let next = seq + 1;
                    let n = tx
                        .execute(
                            &insert,
                            &[
                                &rec.collection,
                                &rec.id,
                                &chapter_id,
                                &account_id,
                                &version,
                                &rec.author_device,
                                &rec.deleted,
                                &rec.for_chapter,
                                &rec.envelope,
                                &next,
                                &rec.addressed_to,
                            ],
                        )
                        .await
                        .map_err(db)?;
                    if n == 1 {
                        seq = next;
                        outcome = Some(PushOutcome::Accepted {
                            seq: to_u64(seq, "seq")?,
                        });
                        break;
                    }
                }
                Decision::Replace => {
                    seq += 1;
                    tx.execute(
                        &update,
                        &[
                            &rec.collection,
                            &rec.id,
                            &chapter_id,
                            &version,
                            &rec.author_device,
                            &rec.deleted,
                            &rec.for_chapter,
                            &rec.envelope,
                            &seq,
                            &rec.addressed_to,
                        ],
                    )
                    .await
                    .map_err(db)?;
                    outcome = Some(PushOutcome::Accepted {
                        seq: to_u64(seq, "seq")?,
                    });
                    break;
                }
            }
        }
        let outcome = outcome.ok_or_else(|| {
            StorageError::Conflict(format!(
                "record {}/{} changed concurrently; retry",
                rec.collection, rec.id
            ))
        })?;
        outcomes.push(outcome);
    }
    if seq != start {
        tx.execute(
            "UPDATE chapter_seq SET seq = $2 WHERE chapter_id = $1",
            &[&chapter_id, &seq],
        )
        .await
        .map_err(db)?;
    }
    Ok(outcomes)
}

/// The push of a batch in a handful of statements whatever its size: the stored rows of
/// the whole batch in one `SELECT … FOR UPDATE`, the decisions made in memory in request
/// order (as [`push_tx`] makes them one by one), then one `INSERT … SELECT FROM UNNEST` and
/// one `UPDATE … FROM UNNEST`. `Ok(None)` when a row appeared between the `SELECT` and the
/// `INSERT` (another chapter's push of the same id): the caller rolls back and takes the
/// one-by-one path, which decides on it.
async fn push_tx_batched(
    tx: &deadpool_postgres::Transaction<'_>,
    account_id: &str,
    chapter_id: i64,
    records: &[IncomingRecord],
    headless: bool,
) -> Result<Option<Vec<PushOutcome>>> {
    use std::collections::HashMap;
    use std::collections::hash_map::Entry;

    // Out-of-range versions fail the batch before anything is written, as in `push_tx`.
    let versions = records
        .iter()
        .map(|r| to_i64(r.version, "version"))
        .collect::<Result<Vec<_>>>()?;
    // The account's chapter and the chapter's counter, locked until commit so pushes to
    // one chapter are serialised and their sequence numbers commit in order; then the
    // batch's stored rows, locked too. Both statements go out together (pipelined: one
    // round trip, executed in this order).
    let head = tx
        .prepare_cached(
            "SELECT (SELECT chapter_id FROM accounts WHERE id = $1),
                    (SELECT seq FROM chapter_seq WHERE chapter_id = $2 FOR UPDATE),
                    EXISTS (SELECT 1 FROM account_heads WHERE account_id = $1)",
        )
        .await
        .map_err(db)?;
    let collections: Vec<&str> = records.iter().map(|r| r.collection.as_str()).collect();
    let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
    let select = tx
        .prepare_cached(
            "SELECT r.collection, r.id, r.account_id, r.version, r.envelope, r.seq
             FROM records r
             JOIN UNNEST($1::text[], $2::text[]) AS k(collection, id)
               ON r.collection = k.collection AND r.id = k.id
             FOR UPDATE OF r",
        )
        .await
        .map_err(db)?;
    let head_params: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&account_id, &chapter_id];
    let select_params: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&collections, &ids];
    let (row, stored_rows) = tokio::try_join!(
        tx.query_one(&head, &head_params),
        tx.query(&select, &select_params),
    )
    .map_err(db)?;
    if headless && row.get::<_, bool>(2) {
        return Err(StorageError::HeadRequired);
    }
    match row.get::<_, Option<i64>>(0) {
        None => return Err(StorageError::NotFound("account")),
        Some(c) if c != chapter_id => {
            return Err(StorageError::InvalidInput(
                "the account is not in this chapter".into(),
            ));
        }
        Some(_) => {}
    }
    let mut seq: i64 = row
        .get::<_, Option<i64>>(1)
        .ok_or(StorageError::NotFound("chapter"))?;
    let start = seq;

    // The current state of every key of the batch: (stored before the batch?, the record).
    let mut state: HashMap<(&str, &str), (bool, StoredRecord)> = HashMap::new();
    let mut stored_keys: HashMap<(String, String), StoredRecord> = HashMap::new();
    for r in &stored_rows {
        let key = (r.get::<_, String>(0), r.get::<_, String>(1));
        stored_keys.insert(
            key,
            StoredRecord {
                account_id: r.get(2),
                version: to_u64(r.get(3), "record version")?,
                envelope: r.get(4),
                seq: to_u64(r.get(5), "record seq")?,
            },
        );
    }
    // Which record of the batch holds the final write of each key, and its seq.
    let mut writes: HashMap<(&str, &str), (usize, i64)> = HashMap::new();
    let mut outcomes = Vec::with_capacity(records.len());
    for (i, rec) in records.iter().enumerate() {
        let key = (rec.collection.as_str(), rec.id.as_str());
        let entry = match state.entry(key) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                let before = stored_keys.remove(&(rec.collection.clone(), rec.id.clone()));
                match before {
                    Some(stored) => e.insert((true, stored)),
                    // Not stored: a placeholder that `decide` never sees (see below).
                    None => e.insert((
                        false,
                        StoredRecord {
                            account_id: String::new(),
                            version: 0,
                            envelope: Vec::new(),
                            seq: 0,
                        },
                    )),
                }
            }
        };
        let exists = entry.0 || writes.contains_key(&key);
        let decision = decide(account_id, rec, exists.then_some(&entry.1));
        let outcome = match decision {
            Decision::Outcome(o) => o,
            Decision::Insert | Decision::Replace => {
                seq += 1;
                writes.insert(key, (i, seq));
                entry.1 = StoredRecord {
                    account_id: account_id.to_owned(),
                    version: rec.version,
                    envelope: rec.envelope.clone(),
                    seq: to_u64(seq, "seq")?,
                };
                PushOutcome::Accepted {
                    seq: to_u64(seq, "seq")?,
                }
            }
        };
        outcomes.push(outcome);
    }
    if writes.is_empty() {
        return Ok(Some(outcomes));
    }

    // Columns of the final write of each key, in seq order, split into new and stored keys.
    let mut finals: Vec<(bool, usize, i64)> = writes
        .iter()
        .map(|(key, &(i, s))| (state.get(key).is_some_and(|e| e.0), i, s))
        .collect();
    finals.sort_unstable_by_key(|&(_, _, s)| s);
    // The counter's new value goes out with the writes (pipelined): the counter is locked
    // from the first statement to the commit, so every round trip saved here is time
    // another push to the chapter does not wait.
    let bump = tx
        .prepare_cached("UPDATE chapter_seq SET seq = $2 WHERE chapter_id = $1")
        .await
        .map_err(db)?;
    let bump_params: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&chapter_id, &seq];
    let writes = async {
        for existing in [false, true] {
            let part: Vec<(usize, i64)> = finals
                .iter()
                .filter(|f| f.0 == existing)
                .map(|&(_, i, s)| (i, s))
                .collect();
            if part.is_empty() {
                continue;
            }
            let pick = |i: usize| &records[i];
            let collections: Vec<&str> = part
                .iter()
                .map(|&(i, _)| pick(i).collection.as_str())
                .collect();
            let ids: Vec<&str> = part.iter().map(|&(i, _)| pick(i).id.as_str()).collect();
            let versions: Vec<i64> = part.iter().map(|&(i, _)| versions[i]).collect();
            let authors: Vec<&str> = part
                .iter()
                .map(|&(i, _)| pick(i).author_device.as_str())
                .collect();
            let deleted: Vec<bool> = part.iter().map(|&(i, _)| pick(i).deleted).collect();
            let for_chapter: Vec<bool> = part.iter().map(|&(i, _)| pick(i).for_chapter).collect();
            let envelopes: Vec<&[u8]> = part
                .iter()
                .map(|&(i, _)| pick(i).envelope.as_slice())
                .collect();
            let seqs: Vec<i64> = part.iter().map(|&(_, s)| s).collect();
            let addressed: Vec<Option<&str>> = part
                .iter()
                .map(|&(i, _)| pick(i).addressed_to.as_deref())
                .collect();
            if existing {
                let update = tx
                    .prepare_cached(
                        "UPDATE records r SET chapter_id = $3, version = u.version,
                         author_device = u.author_device, deleted = u.deleted,
                         for_chapter = u.for_chapter, envelope = u.envelope, seq = u.seq,
                         addressed_to = u.addressed_to
                     FROM UNNEST($1::text[], $2::text[], $4::bigint[], $5::text[],
                                 $6::boolean[], $7::boolean[], $8::bytea[], $9::bigint[],
                                 $10::text[])
                          AS u(collection, id, version, author_device, deleted,
                               for_chapter, envelope, seq, addressed_to)
                     WHERE r.collection = u.collection AND r.id = u.id",
                    )
                    .await
                    .map_err(db)?;
                tx.execute(
                    &update,
                    &[
                        &collections,
                        &ids,
                        &chapter_id,
                        &versions,
                        &authors,
                        &deleted,
                        &for_chapter,
                        &envelopes,
                        &seqs,
                        &addressed,
                    ],
                )
                .await
                .map_err(db)?;
            } else {
                let insert = tx
                    .prepare_cached(
                        "INSERT INTO records (collection, id, chapter_id, account_id, version,
                         author_device, deleted, for_chapter, envelope, seq, addressed_to)
                     SELECT u.collection, u.id, $3, $4, u.version, u.author_device,
                            u.deleted, u.for_chapter, u.envelope, u.seq, u.addressed_to
                     FROM UNNEST($1::text[], $2::text[], $5::bigint[], $6::text[],
                                 $7::boolean[], $8::boolean[], $9::bytea[], $10::bigint[],
                                 $11::text[])
                          AS u(collection, id, version, author_device, deleted,
                               for_chapter, envelope, seq, addressed_to)
                     ON CONFLICT (collection, id) DO NOTHING",
                    )
                    .await
                    .map_err(db)?;
                let n = tx
                    .execute(
                        &insert,
                        &[
                            &collections,
                            &ids,
                            &chapter_id,
                            &account_id,
                            &versions,
                            &authors,
                            &deleted,
                            &for_chapter,
                            &envelopes,
                            &seqs,
                            &addressed,
                        ],
                    )
                    .await
                    .map_err(db)?;
                if usize::try_from(n).ok() != Some(part.len()) {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    };
    let (written, _) = tokio::try_join!(writes, async {
        tx.execute(&bump, &bump_params).await.map_err(db)
    })?;
    if !written {
        // Rolled back by the caller: a concurrent insert of one of the batch's ids.
        return Ok(None);
    }
    debug_assert!(seq > start);
    Ok(Some(outcomes))
}

/// Locks the chapter's row until `tx` ends (`NotFound` if there is none): what is checked
/// against the chapter's current state is checked one transaction after the other.
async fn lock_chapter(tx: &deadpool_postgres::Transaction<'_>, chapter_id: i64) -> Result<()> {
    tx.query_opt(
        "SELECT 1 FROM chapters WHERE id = $1 FOR UPDATE",
        &[&chapter_id],
    )
    .await
    .map_err(db)?
    .map(|_| ())
    .ok_or(StorageError::NotFound("chapter"))
}

/// [`Storage::push_headed`] in `tx` (not committed); `None` if the batched push met a
/// concurrent insert and must be redone record by record.
async fn push_headed_tx(
    tx: &deadpool_postgres::Transaction<'_>,
    account_id: &str,
    chapter_id: i64,
    records: &[IncomingRecord],
    head: &HeadWrite,
    batched: bool,
) -> Result<Option<HeadedPush>> {
    // Locked until commit: two devices of one account push one after the other.
    let stored = tx
        .query_opt(
            "SELECT seq FROM account_heads WHERE account_id = $1 FOR UPDATE",
            &[&account_id],
        )
        .await
        .map_err(db)?
        .map(|r| to_u64(r.get(0), "head seq"))
        .transpose()?;
    if !head_follows(stored, head) {
        return Ok(Some(HeadedPush::Conflict(stored)));
    }
    let outcomes = if batched {
        match push_tx_batched(tx, account_id, chapter_id, records, false).await? {
            Some(o) => o,
            None => return Ok(None),
        }
    } else {
        push_tx(tx, account_id, chapter_id, records, false).await?
    };
    if !outcomes.iter().all(PushOutcome::stored) {
        return Ok(Some(HeadedPush::Incomplete(outcomes)));
    }
    // An account's first head has no row to lock: of two concurrent first heads the second
    // updates nothing here (its seq does not follow), and nothing of its batch is stored.
    let n = tx
        .execute(
            "INSERT INTO account_heads (account_id, seq, head) VALUES ($1, $2, $3)
             ON CONFLICT (account_id) DO UPDATE SET seq = excluded.seq, head = excluded.head
             WHERE account_heads.seq = excluded.seq - 1",
            &[&account_id, &to_i64(head.seq, "head seq")?, &head.head],
        )
        .await
        .map_err(db)?;
    Ok(Some(if n == 1 {
        HeadedPush::Stored(outcomes)
    } else {
        HeadedPush::Conflict(stored)
    }))
}

/// A pull page in one statement. `$1` the scope's key, `$2` since, `$3` the page's record
/// limit, `$4` its byte budget; `limit + 1` rows come back (the last one tells whether more
/// follow), each with its size, and the envelope of those [`page_cut`] takes: the first row,
/// then every row within the limit whose running total fits the budget.
macro_rules! pull_sql {
    ($visible:literal) => {
        concat!(
            "SELECT seq, collection, id, version, deleted, size,
                    CASE WHEN n = 1 OR (n <= $3::bigint AND total <= $4::bigint) THEN envelope END
             FROM (SELECT seq, collection, id, version, deleted, envelope,
                          octet_length(envelope) AS size,
                          row_number() OVER (ORDER BY seq) AS n,
                          sum(octet_length(envelope)) OVER (ORDER BY seq) AS total
                   FROM (SELECT * FROM records WHERE ",
            $visible,
            " AND seq > $2 ORDER BY seq LIMIT $3::bigint + 1) AS visible) AS page
             ORDER BY seq"
        )
    };
}
const PULL_ACCOUNT: &str = pull_sql!("(account_id = $1 OR addressed_to = $1)");
const PULL_CHAPTER: &str = pull_sql!("chapter_id = $1 AND for_chapter");

fn count(r: &Row, i: usize) -> Result<u64> {
    to_u64(r.get(i), "count")
}

impl Storage for PostgresStorage {
    async fn create_chapter(&self, org_name: &str, chapter_name: &str) -> Result<Chapter> {
        check_name(org_name, "organisation name")?;
        check_name(chapter_name, "chapter name")?;
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db)?;
        // `DO UPDATE` (a no-op) so RETURNING yields the id of an existing organisation too.
        let org_id: i64 = tx
            .query_one(
                "INSERT INTO organisations (name) VALUES ($1)
                 ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id",
                &[&org_name],
            )
            .await
            .map_err(db)?
            .get(0);
        let id: i64 = tx
            .query_one(
                "INSERT INTO chapters (org_id, name) VALUES ($1, $2) RETURNING id",
                &[&org_id, &chapter_name],
            )
            .await
            .map_err(|e| map_insert(e, "chapter", "organisation"))?
            .get(0);
        tx.execute("INSERT INTO chapter_seq (chapter_id) VALUES ($1)", &[&id])
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(Chapter {
            id,
            org_id,
            org_name: org_name.to_owned(),
            name: chapter_name.to_owned(),
            keys: None,
        })
    }

    async fn chapter(&self, id: i64) -> Result<Option<Chapter>> {
        let client = self.client().await?;
        // Every authenticated request reads these (push, pull): prepared once per
        // connection, one round trip each instead of two.
        let stmt = client
            .prepare_cached(&format!("{CHAPTER_SELECT} WHERE c.id = $1"))
            .await
            .map_err(db)?;
        client
            .query_opt(&stmt, &[&id])
            .await
            .map_err(db)?
            .map(|r| chapter_from_row(&r))
            .transpose()
    }

    async fn set_chapter_keys(
        &self,
        chapter_id: i64,
        encryption_public_key: [u8; 32],
        signing_public_key: [u8; 32],
    ) -> Result<()> {
        let client = self.client().await?;
        let n = client
            .execute(
                "UPDATE chapters SET encryption_public_key = $2, signing_public_key = $3
                 WHERE id = $1 AND encryption_public_key IS NULL",
                &[
                    &chapter_id,
                    &&encryption_public_key[..],
                    &&signing_public_key[..],
                ],
            )
            .await
            .map_err(db)?;
        if n == 1 {
            return Ok(());
        }
        let exists = client
            .query_opt("SELECT 1 FROM chapters WHERE id = $1", &[&chapter_id])
            .await
            .map_err(db)?
            .is_some();
        if exists {
            Err(StorageError::AlreadyExists("chapter keys"))
        } else {
            Err(StorageError::NotFound("chapter"))
        }
    }

    async fn create_token(&self, token: NewToken) -> Result<()> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO tokens (token_hash, chapter_id, role, expires_at, created_by)
                 VALUES ($1, $2, $3, $4, $5)",
                &[
                    &&token.token_hash[..],
                    &token.chapter_id,
                    &token.role.as_str(),
                    &token.expires_at,
                    &token.created_by,
                ],
            )
            .await
            .map_err(|e| map_insert(e, "token", "chapter or creating account"))?;
        Ok(())
    }

    async fn consume_token(&self, token_hash: Hash, now: Timestamp) -> Result<Token> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db)?;
        let Some(row) = tx
            .query_opt(
                "SELECT chapter_id, role, expires_at, created_by, used_at FROM tokens
                 WHERE token_hash = $1 FOR UPDATE",
                &[&&token_hash[..]],
            )
            .await
            .map_err(db)?
        else {
            return Err(StorageError::NotFound("token"));
        };
        let used_at: Option<i64> = row.get(4);
        let expires_at: i64 = row.get(2);
        if used_at.is_some() {
            return Err(StorageError::AlreadyUsed);
        }
        if expires_at <= now {
            return Err(StorageError::Expired);
        }
        tx.execute(
            "UPDATE tokens SET used_at = $2 WHERE token_hash = $1",
            &[&&token_hash[..], &now],
        )
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        let role: String = row.get(1);
        Ok(Token {
            token_hash,
            chapter_id: row.get(0),
            role: Role::from_db(&role)?,
            expires_at,
            created_by: row.get(3),
            used_at: Some(now),
        })
    }

    async fn token(&self, token_hash: Hash) -> Result<Option<Token>> {
        let client = self.client().await?;
        client
            .query_opt(TOKEN_SELECT, &[&&token_hash[..]])
            .await
            .map_err(db)?
            .map(|r| token_from_row(token_hash, &r))
            .transpose()
    }

    async fn enrol(&self, token_hash: Hash, enrolment: Enrolment) -> Result<Token> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db)?;
        // Any error drops `tx` uncommitted (rolled back): the token stays unused.
        let token = enrol_tx(&tx, token_hash, &enrolment).await?;
        tx.commit().await.map_err(db)?;
        Ok(token)
    }

    async fn create_account(&self, account: NewAccount) -> Result<()> {
        let client = self.client().await?;
        insert_account(&**client, &account).await
    }

    async fn account(&self, id: &str) -> Result<Option<Account>> {
        let client = self.client().await?;
        client
            .query_opt(&format!("{ACCOUNT_SELECT} WHERE id = $1"), &[&id])
            .await
            .map_err(db)?
            .map(|r| account_from_row(&r))
            .transpose()
    }

    async fn account_by_recovery_lookup(&self, lookup: Hash) -> Result<Option<Account>> {
        let client = self.client().await?;
        client
            .query_opt(
                &format!("{ACCOUNT_SELECT} WHERE recovery_lookup = $1"),
                &[&&lookup[..]],
            )
            .await
            .map_err(db)?
            .map(|r| account_from_row(&r))
            .transpose()
    }

    async fn add_device(&self, device: NewDevice) -> Result<()> {
        let client = self.client().await?;
        insert_device(&**client, &device).await
    }

    async fn set_account_lock(
        &self,
        account_id: &str,
        locked: bool,
        at: Timestamp,
    ) -> Result<bool> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db)?;
        let row = tx
            .query_opt(
                "SELECT locked_at, lock_changed_at FROM accounts WHERE id = $1 FOR UPDATE",
                &[&account_id],
            )
            .await
            .map_err(db)?
            .ok_or(StorageError::NotFound("account"))?;
        let Some((new, changed)) = lock_update(row.get(0), row.get(1), locked, at) else {
            return Ok(false);
        };
        tx.execute(
            "UPDATE accounts SET locked_at = $2, lock_changed_at = $3 WHERE id = $1",
            &[&account_id, &new, &at],
        )
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(changed)
    }

    async fn replace_recovery(
        &self,
        account_id: &str,
        recovery_lookup: Hash,
        wrapped_peer_key: Vec<u8>,
    ) -> Result<()> {
        let client = self.client().await?;
        let n = client
            .execute(
                "UPDATE accounts SET recovery_lookup = $2, wrapped_peer_key = $3 WHERE id = $1",
                &[&account_id, &&recovery_lookup[..], &wrapped_peer_key],
            )
            .await
            .map_err(|e| map_insert(e, "recovery lookup", "account"))?;
        if n == 0 {
            return Err(StorageError::NotFound("account"));
        }
        Ok(())
    }

    async fn list_accounts(&self, chapter_id: i64) -> Result<Vec<Account>> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&format!(
                "{ACCOUNT_SELECT} WHERE chapter_id = $1 ORDER BY created_at, id"
            ))
            .await
            .map_err(db)?;
        client
            .query(&stmt, &[&chapter_id])
            .await
            .map_err(db)?
            .iter()
            .map(account_from_row)
            .collect()
    }

    async fn device(&self, device_id: &str) -> Result<Option<DeviceInfo>> {
        let client = self.client().await?;
        client
            .query_opt(
                &format!("{DEVICE_SELECT} WHERE d.device_id = $1"),
                &[&device_id],
            )
            .await
            .map_err(db)?
            .map(|r| device_from_row(&r))
            .transpose()
    }

    async fn revoke_device(
        &self,
        device_id: &str,
        at: Timestamp,
        revocation: &[u8],
    ) -> Result<bool> {
        let client = self.client().await?;
        let n = client
            .execute(
                "UPDATE devices SET revoked_at = $2, revocation = $3
                 WHERE device_id = $1 AND revoked_at IS NULL",
                &[&device_id, &at, &revocation],
            )
            .await
            .map_err(db)?;
        Ok(n == 1)
    }

    async fn touch_device(&self, device_id: &str, at: Timestamp) -> Result<()> {
        let client = self.client().await?;
        let n = client
            .execute(
                "UPDATE devices SET last_seen = GREATEST(COALESCE(last_seen, $2), $2)
                 WHERE device_id = $1",
                &[&device_id, &at],
            )
            .await
            .map_err(db)?;
        if n == 0 {
            return Err(StorageError::NotFound("device"));
        }
        Ok(())
    }

    async fn list_devices(
        &self,
        chapter_id: i64,
        account_id: Option<&str>,
    ) -> Result<Vec<DeviceInfo>> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&format!(
                "{DEVICE_SELECT} WHERE a.chapter_id = $1 AND ($2::TEXT IS NULL OR d.account_id = $2)
                 ORDER BY d.created_at, d.device_id"
            ))
            .await
            .map_err(db)?;
        client
            .query(&stmt, &[&chapter_id, &account_id])
            .await
            .map_err(db)?
            .iter()
            .map(device_from_row)
            .collect()
    }

    async fn put_challenge(
        &self,
        device_id: &str,
        challenge_hash: Hash,
        expires_at: Timestamp,
    ) -> Result<()> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO challenges (device_id, challenge_hash, expires_at) VALUES ($1, $2, $3)",
                &[&device_id, &&challenge_hash[..], &expires_at],
            )
            .await
            .map_err(|e| map_insert(e, "challenge", "device"))?;
        Ok(())
    }

    async fn take_challenge(
        &self,
        device_id: &str,
        challenge_hash: Hash,
        now: Timestamp,
    ) -> Result<bool> {
        let client = self.client().await?;
        let expires = client
            .query_opt(
                "DELETE FROM challenges WHERE device_id = $1 AND challenge_hash = $2
                 RETURNING expires_at",
                &[&device_id, &&challenge_hash[..]],
            )
            .await
            .map_err(db)?
            .map(|r| r.get::<_, i64>(0));
        Ok(expires.is_some_and(|e| e > now))
    }

    async fn put_session(
        &self,
        token_hash: Hash,
        device_id: &str,
        expires_at: Timestamp,
    ) -> Result<()> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO sessions (token_hash, device_id, expires_at) VALUES ($1, $2, $3)",
                &[&&token_hash[..], &device_id, &expires_at],
            )
            .await
            .map_err(|e| map_insert(e, "session", "device"))?;
        Ok(())
    }

    async fn session(&self, token_hash: Hash, now: Timestamp) -> Result<Option<String>> {
        let client = self.client().await?;
        Ok(client
            .query_opt(
                "SELECT s.device_id FROM sessions s JOIN devices d ON d.device_id = s.device_id
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND d.revoked_at IS NULL",
                &[&&token_hash[..], &now],
            )
            .await
            .map_err(db)?
            .map(|r| r.get(0)))
    }

    async fn session_device(&self, token_hash: Hash, now: Timestamp) -> Result<Option<DeviceInfo>> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&format!(
                "{DEVICE_SELECT} JOIN sessions s ON s.device_id = d.device_id
                 WHERE s.token_hash = $1 AND s.expires_at > $2"
            ))
            .await
            .map_err(db)?;
        client
            .query_opt(&stmt, &[&&token_hash[..], &now])
            .await
            .map_err(db)?
            .map(|r| device_from_row(&r))
            .transpose()
    }

    async fn delete_sessions_for_device(&self, device_id: &str) -> Result<u64> {
        let client = self.client().await?;
        client
            .execute("DELETE FROM sessions WHERE device_id = $1", &[&device_id])
            .await
            .map_err(db)
    }

    async fn purge_expired(&self, now: Timestamp) -> Result<u64> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db)?;
        let a = tx
            .execute("DELETE FROM challenges WHERE expires_at <= $1", &[&now])
            .await
            .map_err(db)?;
        let b = tx
            .execute("DELETE FROM sessions WHERE expires_at <= $1", &[&now])
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(a + b)
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
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db)?;
        // Lock the chapter so concurrent publishes are checked one after the other.
        lock_chapter(&tx, chapter_id).await?;
        let current: Option<i64> = tx
            .query_one(
                "SELECT MAX(version) FROM declarations WHERE chapter_id = $1",
                &[&chapter_id],
            )
            .await
            .map_err(db)?
            .get(0);
        if let Some(current) = current.filter(|c| *c >= i64::from(version)) {
            return Err(StorageError::Conflict(format!(
                "declaration version {version} is not greater than the current version {current}"
            )));
        }
        tx.execute(
            "INSERT INTO declarations (chapter_id, version, declaration_id, document, published_at)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &chapter_id,
                &i64::from(version),
                &declaration_id,
                &document,
                &published_at,
            ],
        )
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    async fn current_declaration(&self, chapter_id: i64) -> Result<Option<Declaration>> {
        let client = self.client().await?;
        client
            .query_opt(
                "SELECT declaration_id, version, document, published_at FROM declarations
                 WHERE chapter_id = $1 ORDER BY version DESC LIMIT 1",
                &[&chapter_id],
            )
            .await
            .map_err(db)?
            .map(|r| {
                Ok(Declaration {
                    declaration_id: r.get(0),
                    version: u32::try_from(r.get::<_, i64>(1))
                        .map_err(|_| StorageError::corrupt("declaration version"))?,
                    document: r.get(2),
                    published_at: r.get(3),
                })
            })
            .transpose()
    }

    async fn declaration_version(&self, chapter_id: i64) -> Result<Option<u32>> {
        let client = self.client().await?;
        let v: Option<i64> = client
            .query_one(
                "SELECT MAX(version) FROM declarations WHERE chapter_id = $1",
                &[&chapter_id],
            )
            .await
            .map_err(db)?
            .get(0);
        to_version(v)
    }

    async fn push(
        &self,
        account_id: &str,
        chapter_id: i64,
        records: &[IncomingRecord],
    ) -> Result<Vec<PushOutcome>> {
        let mut client = self.client().await?;
        // Any error drops `tx` uncommitted (rolled back): nothing of the batch is stored.
        let tx = client.transaction().await.map_err(db)?;
        if let Some(outcomes) = push_tx_batched(&tx, account_id, chapter_id, records, true).await? {
            tx.commit().await.map_err(db)?;
            return Ok(outcomes);
        }
        // A concurrent insert of one of the batch's ids: decide record by record instead.
        tx.rollback().await.map_err(db)?;
        let tx = client.transaction().await.map_err(db)?;
        let outcomes = push_tx(&tx, account_id, chapter_id, records, true).await?;
        tx.commit().await.map_err(db)?;
        Ok(outcomes)
    }

    async fn push_headed(
        &self,
        account_id: &str,
        chapter_id: i64,
        records: &[IncomingRecord],
        head: &HeadWrite,
    ) -> Result<HeadedPush> {
        let mut client = self.client().await?;
        for batched in [true, false] {
            // Any error or early return drops `tx` uncommitted: nothing is stored.
            let tx = client.transaction().await.map_err(db)?;
            if let Some(out) =
                push_headed_tx(&tx, account_id, chapter_id, records, head, batched).await?
            {
                if matches!(out, HeadedPush::Stored(_)) {
                    tx.commit().await.map_err(db)?;
                } else {
                    tx.rollback().await.map_err(db)?;
                }
                return Ok(out);
            }
            // A concurrent insert of one of the batch's ids: record by record instead.
            tx.rollback().await.map_err(db)?;
        }
        Err(StorageError::corrupt("push of a batch record by record"))
    }

    async fn account_head(&self, account_id: &str) -> Result<Option<StoredHead>> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached("SELECT seq, head FROM account_heads WHERE account_id = $1")
            .await
            .map_err(db)?;
        client
            .query_opt(&statement, &[&account_id])
            .await
            .map_err(db)?
            .map(|r| {
                Ok(StoredHead {
                    seq: to_u64(r.get(0), "head seq")?,
                    head: r.get(1),
                })
            })
            .transpose()
    }

    async fn chapter_heads(&self, chapter_id: i64) -> Result<Vec<StoredHead>> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "SELECT h.seq, h.head FROM account_heads h JOIN accounts a ON a.id = h.account_id
                 WHERE a.chapter_id = $1 ORDER BY h.account_id",
            )
            .await
            .map_err(db)?;
        client
            .query(&statement, &[&chapter_id])
            .await
            .map_err(db)?
            .iter()
            .map(|r| {
                Ok(StoredHead {
                    seq: to_u64(r.get(0), "head seq")?,
                    head: r.get(1),
                })
            })
            .collect()
    }

    async fn pull(&self, scope: PullScope<'_>, since: u64, limit: u32) -> Result<PullPage> {
        check_limit(limit)?;
        let since_i = to_i64(since, "since")?;
        let client = self.client().await?;
        // One statement (one snapshot, one round trip): up to `limit + 1` rows with their
        // sizes and running total; the envelope only of the rows that fit the page
        // (`page_cut` below takes exactly those), so a big record past the cut is never
        // read. The envelope's octet_length is read from its header, not its contents.
        let (sql, key): (&str, &(dyn tokio_postgres::types::ToSql + Sync)) = match &scope {
            PullScope::Account(a) => (PULL_ACCOUNT, a),
            PullScope::Chapter(c) => (PULL_CHAPTER, c),
        };
        let statement = client.prepare_cached(sql).await.map_err(db)?;
        let max_bytes = i64::try_from(api::MAX_PULL_PAGE_BYTES).unwrap_or(i64::MAX);
        let rows = client
            .query(&statement, &[key, &since_i, &i64::from(limit), &max_bytes])
            .await
            .map_err(db)?;
        let lens: Vec<usize> = rows
            .iter()
            .map(|r| usize::try_from(r.get::<_, i32>(5)).unwrap_or(usize::MAX))
            .collect();
        let (take, has_more) = page_cut(&lens, limit, api::MAX_PULL_PAGE_BYTES);
        let records = rows
            .iter()
            .take(take)
            .map(|r| {
                Ok(PulledRecord {
                    seq: to_u64(r.get(0), "seq")?,
                    collection: r.get(1),
                    id: r.get(2),
                    version: to_u64(r.get(3), "version")?,
                    deleted: r.get(4),
                    envelope: r
                        .get::<_, Option<Vec<u8>>>(6)
                        .ok_or_else(|| StorageError::corrupt("pull page cut"))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(page(records, since, has_more))
    }

    async fn backup(&self, _path: &Path) -> Result<()> {
        Err(StorageError::Unsupported(
            "backups of a PostgreSQL database are made with PostgreSQL's own tools: \
             `pg_dump --format=custom` (or continuous archiving / a replica)"
                .into(),
        ))
    }

    async fn health(&self) -> Result<()> {
        let client = self.client().await?;
        client.query_one("SELECT 1", &[]).await.map_err(db)?;
        Ok(())
    }

    async fn stats(&self) -> Result<Stats> {
        let client = self.client().await?;
        let r = client
            .query_one(
                "SELECT (SELECT COUNT(*) FROM chapters), (SELECT COUNT(*) FROM accounts),
                        (SELECT COUNT(*) FROM devices), (SELECT COUNT(*) FROM records)",
                &[],
            )
            .await
            .map_err(db)?;
        Ok(Stats {
            chapters: count(&r, 0)?,
            accounts: count(&r, 1)?,
            devices: count(&r, 2)?,
            records: count(&r, 3)?,
        })
    }

    async fn put_rollup(&self, chapter_id: i64, rollup: StoredRollup) -> Result<bool> {
        put_rollup(self, chapter_id, rollup).await
    }

    async fn org_rollups(&self, org_name: &str, year: i32) -> Result<Vec<ChapterRollup>> {
        org_rollups(self, org_name, year).await
    }
}

/// [`Storage::put_rollup`]: one row per chapter and year, replaced unless the stored one
/// was made later; the chapter row is locked so two submissions are checked in turn.
async fn put_rollup(s: &PostgresStorage, chapter_id: i64, r: StoredRollup) -> Result<bool> {
    let mut client = s.client().await?;
    let tx = client.transaction().await.map_err(db)?;
    lock_chapter(&tx, chapter_id).await?;
    let stored: Option<i64> = tx
        .query_opt(
            "SELECT created_at FROM rollups WHERE chapter_id = $1 AND year = $2",
            &[&chapter_id, &r.year],
        )
        .await
        .map_err(db)?
        .map(|row| row.get(0));
    if stored.is_some_and(|c| c > r.created_at) {
        return Err(StorageError::Conflict(
            "a later submission for this year is stored already".into(),
        ));
    }
    tx.execute(
        "INSERT INTO rollups (chapter_id, year, created_at, received_at, document)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (chapter_id, year) DO UPDATE SET created_at = excluded.created_at,
             received_at = excluded.received_at, document = excluded.document",
        &[
            &chapter_id,
            &r.year,
            &r.created_at,
            &r.received_at,
            &r.document,
        ],
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(stored.is_some())
}

/// [`Storage::org_rollups`].
async fn org_rollups(s: &PostgresStorage, org_name: &str, year: i32) -> Result<Vec<ChapterRollup>> {
    let client = s.client().await?;
    let org: i64 = client
        .query_opt("SELECT id FROM organisations WHERE name = $1", &[&org_name])
        .await
        .map_err(db)?
        .ok_or(StorageError::NotFound("organisation"))?
        .get(0);
    let rows = client
        .query(
            "SELECT c.id, c.org_id, o.name, c.name, c.encryption_public_key, c.signing_public_key,
                    r.created_at, r.received_at, r.document
             FROM chapters c JOIN organisations o ON o.id = c.org_id
             LEFT JOIN rollups r ON r.chapter_id = c.id AND r.year = $2
             WHERE c.org_id = $1 ORDER BY c.name, c.id",
            &[&org, &year],
        )
        .await
        .map_err(db)?;
    rows.iter()
        .map(|row| {
            let created_at: Option<i64> = row.get(6);
            let received_at: Option<i64> = row.get(7);
            let document: Option<Vec<u8>> = row.get(8);
            let rollup = match (created_at, received_at, document) {
                (Some(created_at), Some(received_at), Some(document)) => Some(StoredRollup {
                    year,
                    created_at,
                    received_at,
                    document,
                }),
                _ => None,
            };
            Ok(ChapterRollup {
                chapter: chapter_from_row(row)?,
                rollup,
            })
        })
        .collect()
}
