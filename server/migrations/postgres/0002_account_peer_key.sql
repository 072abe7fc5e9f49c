-- The peer's X25519 public key, so the coordinator can address records to the peer.
ALTER TABLE accounts ADD COLUMN peer_key BYTEA CHECK (octet_length(peer_key) = 32);
