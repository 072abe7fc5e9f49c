-- The peer's account key (Ed25519, derived from the peer key). A device registered by
-- recovery must sign with it; an account enrolled before this column existed has none
-- and cannot add a device by recovery code (it enrols again from an invitation).
ALTER TABLE accounts ADD COLUMN account_key BLOB;
