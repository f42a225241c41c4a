ALTER TABLE users DROP COLUMN failed_auth_at;
ALTER TABLE users DROP COLUMN failed_auth_count;
