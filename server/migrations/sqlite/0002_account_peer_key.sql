-- The peer's X25519 public key, so the coordinator can address records to the peer.
ALTER TABLE accounts ADD COLUMN peer_key BLOB CHECK (peer_key IS NULL OR length(peer_key) = 32);
