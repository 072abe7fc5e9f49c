-- The initial schema.
CREATE TABLE organisations (
    id   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE chapters (
    id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    name   TEXT NOT NULL,
    encryption_public_key BYTEA CHECK (octet_length(encryption_public_key) = 32),
    signing_public_key    BYTEA CHECK (octet_length(signing_public_key) = 32),
    CHECK ((encryption_public_key IS NULL) = (signing_public_key IS NULL)),
    UNIQUE (org_id, name)
);
-- The per-chapter record sequence counter. Pushes lock this row for their whole
-- transaction, so sequence numbers of one chapter commit in order (ADR 0006).
CREATE TABLE chapter_seq (
    chapter_id BIGINT PRIMARY KEY REFERENCES chapters(id),
    seq        BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE accounts (
    id               TEXT PRIMARY KEY,
    chapter_id       BIGINT NOT NULL REFERENCES chapters(id),
    role             TEXT NOT NULL CHECK (role IN ('peer', 'coordinator', 'admin')),
    recovery_lookup  BYTEA UNIQUE CHECK (octet_length(recovery_lookup) = 32),
    wrapped_peer_key BYTEA,
    created_at       BIGINT NOT NULL
);
CREATE INDEX accounts_chapter ON accounts(chapter_id);
CREATE TABLE tokens (
    token_hash BYTEA PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    chapter_id BIGINT NOT NULL REFERENCES chapters(id),
    role       TEXT NOT NULL CHECK (role IN ('peer', 'coordinator', 'admin')),
    expires_at BIGINT NOT NULL,
    created_by TEXT REFERENCES accounts(id),
    used_at    BIGINT
);
CREATE TABLE devices (
    device_id  TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    public_key BYTEA NOT NULL CHECK (octet_length(public_key) = 32),
    created_at BIGINT NOT NULL,
    last_seen  BIGINT,
    revoked_at BIGINT
);
CREATE INDEX devices_account ON devices(account_id);
CREATE TABLE challenges (
    device_id      TEXT NOT NULL REFERENCES devices(device_id) ON DELETE CASCADE,
    challenge_hash BYTEA NOT NULL CHECK (octet_length(challenge_hash) = 32),
    expires_at     BIGINT NOT NULL,
    PRIMARY KEY (device_id, challenge_hash)
);
CREATE TABLE sessions (
    token_hash BYTEA PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    device_id  TEXT NOT NULL REFERENCES devices(device_id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_device ON sessions(device_id);
CREATE TABLE declarations (
    chapter_id     BIGINT NOT NULL REFERENCES chapters(id),
    version        BIGINT NOT NULL CHECK (version >= 0),
    declaration_id TEXT NOT NULL,
    document       BYTEA NOT NULL,
    published_at   BIGINT NOT NULL,
    PRIMARY KEY (chapter_id, version)
);
-- Only the current version of each (collection, id); the history lives on the devices.
CREATE TABLE records (
    collection    TEXT NOT NULL CHECK (length(collection) BETWEEN 1 AND 64),
    id            TEXT NOT NULL CHECK (length(id) BETWEEN 1 AND 128),
    chapter_id    BIGINT NOT NULL REFERENCES chapters(id),
    account_id    TEXT NOT NULL REFERENCES accounts(id),
    version       BIGINT NOT NULL CHECK (version >= 0),
    author_device TEXT NOT NULL,
    deleted       BOOLEAN NOT NULL,
    for_chapter   BOOLEAN NOT NULL,
    envelope      BYTEA NOT NULL,
    seq           BIGINT NOT NULL,
    PRIMARY KEY (collection, id)
);
CREATE UNIQUE INDEX records_chapter_seq ON records(chapter_id, seq);
CREATE INDEX records_account_seq ON records(account_id, seq);
