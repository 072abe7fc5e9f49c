//! Numbered schema migrations. A migration, once released, is never edited: a change is
//! a new migration. `PRAGMA user_version` holds the number of migrations applied.

/// Migration `i` (0-based) brings the schema from version `i` to `i + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: records, devices, settings, the contact index.
    r#"
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY NOT NULL,
        value BLOB NOT NULL
    ) STRICT;

    -- Every record is a sealed envelope (see peerlog-crypto); only routing metadata is clear.
    CREATE TABLE records (
        collection    TEXT NOT NULL,
        id            TEXT NOT NULL,
        version       INTEGER NOT NULL,
        author_device TEXT NOT NULL,
        deleted       INTEGER NOT NULL,
        envelope      BLOB NOT NULL,
        pending       INTEGER NOT NULL DEFAULT 1,
        server_seq    INTEGER,
        PRIMARY KEY (collection, id)
    ) STRICT;
    CREATE INDEX records_pending ON records (pending) WHERE pending = 1;

    -- Public keys of the devices whose signatures this device accepts.
    CREATE TABLE devices (
        device_id  TEXT PRIMARY KEY NOT NULL,
        public_key BLOB NOT NULL,
        added_at   TEXT NOT NULL,
        revoked    INTEGER NOT NULL DEFAULT 0
    ) STRICT;

    -- The few clear facts that listing and reporting need. No text, place or amount.
    CREATE TABLE contact_index (
        id           TEXT PRIMARY KEY NOT NULL,
        date         TEXT NOT NULL,
        kind         TEXT NOT NULL,
        minutes      INTEGER NOT NULL,
        participants INTEGER NOT NULL,
        abroad       INTEGER NOT NULL,
        led_by_peer  INTEGER NOT NULL,
        deleted      INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX contact_index_date ON contact_index (date) WHERE deleted = 0;

    CREATE TABLE declaration_index (
        id                  TEXT PRIMARY KEY NOT NULL,
        declaration_id      TEXT NOT NULL,
        declaration_version INTEGER NOT NULL,
        signed_at           TEXT NOT NULL
    ) STRICT;
    "#,
    // 2: edit history, expenses and reports.
    r#"
    CREATE TABLE record_history (
        collection    TEXT NOT NULL,
        id            TEXT NOT NULL,
        version       INTEGER NOT NULL,
        author_device TEXT NOT NULL,
        deleted       INTEGER NOT NULL,
        envelope      BLOB NOT NULL,
        PRIMARY KEY (collection, id, version)
    ) STRICT;
    INSERT INTO record_history (collection, id, version, author_device, deleted, envelope)
        SELECT collection, id, version, author_device, deleted, envelope FROM records;

    CREATE TABLE expense_index (
        id      TEXT PRIMARY KEY NOT NULL,
        date    TEXT NOT NULL,
        status  TEXT NOT NULL,
        deleted INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE report_index (
        id        TEXT PRIMARY KEY NOT NULL,
        period    TEXT NOT NULL,
        signed_at TEXT NOT NULL
    ) STRICT;
    "#,
    // 3: sync with a server: enrolment and sync state, rejected pushes, records
    // waiting for their author's key, and the coordinator's copy of the chapter.
    r#"
    ALTER TABLE records ADD COLUMN push_error TEXT;

    -- One row once the device is enrolled. No secret is stored here: chapter private keys
    -- and the device key live in the platform secret store; bearer tokens only in memory.
    CREATE TABLE sync_state (
        id                  INTEGER PRIMARY KEY CHECK (id = 1),
        server              TEXT NOT NULL,
        enrolment           TEXT NOT NULL,
        cursor              INTEGER NOT NULL DEFAULT 0,
        declaration_version INTEGER,
        declaration         TEXT,
        last_success        TEXT,
        last_attempt        TEXT,
        last_error_code     TEXT,
        last_error_message  TEXT,
        failures            INTEGER NOT NULL DEFAULT 0,
        retry_after         TEXT
    ) STRICT;

    -- Pulled records whose author device is not known yet (applied once it is).
    CREATE TABLE deferred_records (
        collection TEXT NOT NULL,
        id         TEXT NOT NULL,
        version    INTEGER NOT NULL,
        envelope   BLOB NOT NULL,
        PRIMARY KEY (collection, id, version)
    ) STRICT;

    -- Expense decisions (a coordinator's approval or rejection); the reason stays sealed
    -- in the decision record.
    CREATE TABLE expense_decisions (
        expense_id  TEXT PRIMARY KEY NOT NULL,
        decision_id TEXT NOT NULL,
        approved    INTEGER NOT NULL,
        version     INTEGER NOT NULL
    ) STRICT;

    -- Coordinator: the chapter's records as pulled (sealed), and its accounts and devices.
    CREATE TABLE chapter_records (
        collection    TEXT NOT NULL,
        id            TEXT NOT NULL,
        version       INTEGER NOT NULL,
        author_device TEXT NOT NULL,
        deleted       INTEGER NOT NULL,
        envelope      BLOB NOT NULL,
        seq           INTEGER NOT NULL,
        PRIMARY KEY (collection, id)
    ) STRICT;
    CREATE TABLE chapter_accounts (
        account_id TEXT PRIMARY KEY NOT NULL,
        role       TEXT NOT NULL,
        peer_key   BLOB
    ) STRICT;
    CREATE TABLE chapter_devices (
        device_id  TEXT PRIMARY KEY NOT NULL,
        account_id TEXT NOT NULL,
        public_key BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        last_seen  INTEGER,
        revoked_at INTEGER
    ) STRICT;
    "#,
    // 4: who certified each known device. A device certified by the chapter (a
    // coordinator's machine) may only write what the chapter issues; devices that wrote
    // an expense decision before this version were learned from the chapter's certificate.
    r#"
    ALTER TABLE devices ADD COLUMN certified_by TEXT NOT NULL DEFAULT 'account'
        CHECK (certified_by IN ('account', 'chapter'));
    UPDATE devices SET certified_by = 'chapter'
     WHERE device_id IN (
        SELECT r.author_device FROM records r JOIN expense_decisions d
            ON r.collection = 'expenses' AND r.id = d.decision_id);
    "#,
    // 5: since when (Unix milliseconds) another device of the peer is revoked, learned from
    // a signed revocation statement: what it versions later is refused.
    r#"
    ALTER TABLE devices ADD COLUMN revoked_at INTEGER;
    "#,
    // 6: coordinator: the secret of each invitation made here (it never goes to the
    // server) until the peer who used it has proven its keys with it; whether each
    // account's keys were proven so ('proven', pinned from then on), could not be checked
    // here ('unproven': made elsewhere or before secrets existed) or failed the check
    // ('disputed'); whether the chapter locked it; and which devices the account key
    // vouched for.
    r#"
    CREATE TABLE invitation_secrets (
        token_sha256 BLOB PRIMARY KEY NOT NULL,
        secret       BLOB NOT NULL,
        expires_at   INTEGER NOT NULL
    ) STRICT;
    ALTER TABLE chapter_accounts ADD COLUMN key_proof TEXT NOT NULL DEFAULT 'unproven'
        CHECK (key_proof IN ('proven', 'unproven', 'disputed'));
    ALTER TABLE chapter_accounts ADD COLUMN account_key BLOB;
    ALTER TABLE chapter_accounts ADD COLUMN locked_at INTEGER;
    ALTER TABLE chapter_devices ADD COLUMN vouched INTEGER NOT NULL DEFAULT 1;
    "#,
    VERIFIED_AT_REST,
    CONTACT_INDEX_COVERING,
    // 9: training: the chapter's training records of this peer (their dates only; the
    // course name stays in the sealed record), for the peer's own list and reminder.
    r#"
    CREATE TABLE training_index (
        id          TEXT PRIMARY KEY NOT NULL,
        date        TEXT NOT NULL,
        valid_until TEXT,
        version     INTEGER NOT NULL
    ) STRICT;
    "#,
    SERVER_VIEW,
    CHAPTER_HEADS,
    SUMMARY_CACHE,
];

/// 12: year summaries as last computed, each good until the contact index changes: every
/// insert, update or delete of an index row empties the table (ADR 0025). What a summary
/// holds is derived from the clear index alone. A later migration that rebuilds
/// `contact_index` must empty this table too (triggers do not fire on `DROP TABLE`).
const SUMMARY_CACHE: &str = r#"
    CREATE TABLE summary_cache (
        key     TEXT PRIMARY KEY NOT NULL,
        summary BLOB NOT NULL
    ) STRICT;
    CREATE TRIGGER contact_index_insert_clears_summaries AFTER INSERT ON contact_index
        BEGIN DELETE FROM summary_cache; END;
    CREATE TRIGGER contact_index_update_clears_summaries AFTER UPDATE ON contact_index
        BEGIN DELETE FROM summary_cache; END;
    CREATE TRIGGER contact_index_delete_clears_summaries AFTER DELETE ON contact_index
        BEGIN DELETE FROM summary_cache; END;
"#;

/// 11: coordinator: per peer account, the newest head whose chapter part matched the
/// chapter records held here, and how the last check went (ADR 0022).
const CHAPTER_HEADS: &str = r#"
    CREATE TABLE chapter_heads (
        account_id TEXT PRIMARY KEY NOT NULL,
        seq        INTEGER NOT NULL,
        status     TEXT NOT NULL
    ) STRICT;
"#;

/// 10: what the server holds of the peer's own account, as this device last learned it
/// (each record's version, the SHA-256 of its envelope, whether it is sealed for the
/// chapter), to compare with the account's
/// signed head (ADR 0022). Empty until the next full pull fills it.
const SERVER_VIEW: &str = r#"
    CREATE TABLE server_view (
        collection TEXT NOT NULL,
        id         TEXT NOT NULL,
        version    INTEGER NOT NULL,
        hash       BLOB NOT NULL,
        for_chapter INTEGER NOT NULL,
        PRIMARY KEY (collection, id)
    ) STRICT, WITHOUT ROWID;
"#;

/// 7: verified at rest (ADR 0017): the record's content key, sealed under this device's
/// local key and bound to the SHA-256 of the stored envelope bytes, written when this
/// device sealed or verified the record. Rows from before stay NULL and are read the slow
/// way (verify + unwrap).
const VERIFIED_AT_REST: &str = r#"
    ALTER TABLE records ADD COLUMN kept_key BLOB;
"#;

/// 8: the index of live contacts by date carries every column the summary and the list
/// read, so both are index-only scans in date order (no lookup of the table per row).
const CONTACT_INDEX_COVERING: &str = r#"
    CREATE INDEX contact_index_date_covering ON contact_index
        (date, id, kind, minutes, participants, abroad, led_by_peer) WHERE deleted = 0;
    DROP INDEX contact_index_date;
"#;

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;
