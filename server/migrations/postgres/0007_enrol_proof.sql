-- What lets the coordinator check a peer's keys without trusting this server: the hash of
-- the invitation token the account enrolled with and the peer's proof made with the
-- invitation's secret (which the server never sees), and for a device added by recovery
-- the account key's signature vouching for it. All opaque to the server.
ALTER TABLE accounts ADD COLUMN invitation_hash BYTEA;
ALTER TABLE accounts ADD COLUMN enrol_proof BYTEA;
ALTER TABLE devices ADD COLUMN account_signature BYTEA;
