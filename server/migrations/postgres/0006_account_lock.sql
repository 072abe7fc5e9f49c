-- A chapter may lock an account (a lost phone whose recovery code someone else may know):
-- while locked_at is set, nobody recovers the account or registers a device on it.
-- lock_changed_at is the time of the newest lock statement applied, so an older statement
-- replayed later changes nothing.
ALTER TABLE accounts ADD COLUMN locked_at BIGINT;
ALTER TABLE accounts ADD COLUMN lock_changed_at BIGINT;
