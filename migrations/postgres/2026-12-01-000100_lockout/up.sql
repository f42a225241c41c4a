-- Keystone's lockout state ([security_compliance] lockout_failure_attempts): failed password
-- logins in a row, and when the last one was counted (ms since the epoch). In the users
-- table, so the count survives restarts and every instance sharing the database sees it.
ALTER TABLE users ADD COLUMN failed_auth_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN failed_auth_at BIGINT;
