-- A record can also be addressed to another account of the chapter (a coordinator's
-- decision for a peer); that account's pulls include it.
ALTER TABLE records ADD COLUMN addressed_to TEXT REFERENCES accounts(id);
CREATE INDEX records_addressed_seq ON records(addressed_to, seq) WHERE addressed_to IS NOT NULL;
