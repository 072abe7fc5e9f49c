-- The initial schema.
CREATE TABLE organisations (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
) STRICT;
CREATE TABLE chapters (
    id     INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organisations(id),
    name   TEXT NOT NULL,
    encryption_public_key BLOB CHECK (encryption_public_key IS NULL OR length(encryption_public_key) = 32),
    signing_public_key    BLOB CHECK (signing_public_key IS NULL OR length(signing_public_key) = 32),
    CHECK ((encryption_public_key IS NULL) = (signing_public_key IS NULL)),
    UNIQUE (org_id, name)
) STRICT;
-- The per-chapter record sequence counter (see ADR 0006).
CREATE TABLE chapter_seq (
    chapter_id INTEGER PRIMARY KEY REFERENCES chapters(id),
    seq        INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TABLE accounts (
    id               TEXT PRIMARY KEY,
    chapter_id       INTEGER NOT NULL REFERENCES chapters(id),
    role             TEXT NOT NULL CHECK (role IN ('peer', 'coordinator', 'admin')),
    recovery_lookup  BLOB UNIQUE CHECK (recovery_lookup IS NULL OR length(recovery_lookup) = 32),
    wrapped_peer_key BLOB,
    created_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX accounts_chapter ON accounts(chapter_id);
CREATE TABLE tokens (
    token_hash BLOB PRIMARY KEY CHECK (length(token_hash) = 32),
    chapter_id INTEGER NOT NULL REFERENCES chapters(id),
    role       TEXT NOT NULL CHECK (role IN ('peer', 'coordinator', 'admin')),
    expires_at INTEGER NOT NULL,
    created_by TEXT REFERENCES accounts(id),
    used_at    INTEGER
) STRICT;
CREATE TABLE devices (
    device_id  TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    public_key BLOB NOT NULL CHECK (length(public_key) = 32),
    created_at INTEGER NOT NULL,
    last_seen  INTEGER,
    revoked_at INTEGER
) STRICT;
CREATE INDEX devices_account ON devices(account_id);
CREATE TABLE challenges (
    device_id      TEXT NOT NULL REFERENCES devices(device_id) ON DELETE CASCADE,
    challenge_hash BLOB NOT NULL CHECK (length(challenge_hash) = 32),
    expires_at     INTEGER NOT NULL,
    PRIMARY KEY (device_id, challenge_hash)
) STRICT;
CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY CHECK (length(token_hash) = 32),
    device_id  TEXT NOT NULL REFERENCES devices(device_id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_device ON sessions(device_id);
CREATE TABLE declarations (
    chapter_id     INTEGER NOT NULL REFERENCES chapters(id),
    version        INTEGER NOT NULL CHECK (version >= 0),
    declaration_id TEXT NOT NULL,
    document       BLOB NOT NULL,
    published_at   INTEGER NOT NULL,
    PRIMARY KEY (chapter_id, version)
) STRICT;
-- Only the current version of each (collection, id); the history lives on the devices.
CREATE TABLE records (
    collection    TEXT NOT NULL CHECK (length(collection) BETWEEN 1 AND 64),
    id            TEXT NOT NULL CHECK (length(id) BETWEEN 1 AND 128),
    chapter_id    INTEGER NOT NULL REFERENCES chapters(id),
    account_id    TEXT NOT NULL REFERENCES accounts(id),
    version       INTEGER NOT NULL CHECK (version >= 0),
    author_device TEXT NOT NULL,
    deleted       INTEGER NOT NULL CHECK (deleted IN (0, 1)),
    for_chapter   INTEGER NOT NULL CHECK (for_chapter IN (0, 1)),
    envelope      BLOB NOT NULL,
    seq           INTEGER NOT NULL,
    PRIMARY KEY (collection, id)
) STRICT;
CREATE UNIQUE INDEX records_chapter_seq ON records(chapter_id, seq);
CREATE INDEX records_account_seq ON records(account_id, seq);
