-- The revocation statement of a revoked device, as its issuer (the chapter signing key or
-- the account key) signed it (JSON). The server hands it to the device, which wipes itself
-- only when the signature verifies; a revocation made before this column existed has none.
ALTER TABLE devices ADD COLUMN revocation BLOB;
