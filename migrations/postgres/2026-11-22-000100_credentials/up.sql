-- Access keys (AK/SK), column for column the same as migrations/sqlite (portable types only).
-- The secret is sealed (XChaCha20-Poly1305, base64 of nonce and ciphertext) with the key in
-- credentials.key_file: a signature check needs the plain secret, so no one-way hash.
-- create_time is milliseconds since the epoch.
CREATE TABLE credentials (
    access        TEXT PRIMARY KEY NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sealed_secret TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'active',
    description   TEXT NOT NULL DEFAULT '',
    create_time   BIGINT NOT NULL
);
CREATE INDEX ix_credentials_user ON credentials (user_id);
