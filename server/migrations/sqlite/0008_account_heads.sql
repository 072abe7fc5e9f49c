-- Each peer account's head (ADR 0022): the latest digest of the account's records that one
-- of its devices signed with the account key, stored with the batch it covers. Opaque to
-- the server beyond its sequence number, which only grows by one.
CREATE TABLE account_heads (
    account_id TEXT PRIMARY KEY NOT NULL REFERENCES accounts(id),
    seq        INTEGER NOT NULL CHECK (seq >= 1),
    head       BLOB NOT NULL
) STRICT;
