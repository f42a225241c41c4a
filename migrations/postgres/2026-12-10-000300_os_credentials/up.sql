-- Keystone's /v3/credentials (and the OS-EC2 credentials stored among them), apart from
-- the AK/SK access keys of the credentials table. The blob is sealed (XChaCha20-Poly1305,
-- base64 of nonce and ciphertext) with the key in credentials.key_file, the credential's
-- id and owner as associated data: no row holds a plain blob. For type ec2 the id is the
-- SHA-256 (hex) of the blob's access. extra holds the attributes Keystone keeps beyond its
-- own (a JSON object). created_at is milliseconds since the epoch.
CREATE TABLE os_credentials (
    id          TEXT PRIMARY KEY NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_id  TEXT REFERENCES projects (id) ON DELETE CASCADE,
    cred_type   TEXT NOT NULL,
    sealed_blob TEXT NOT NULL,
    extra       TEXT NOT NULL DEFAULT '{}',
    created_at  BIGINT NOT NULL
);
CREATE INDEX ix_os_credentials_user ON os_credentials (user_id, cred_type);
CREATE INDEX ix_os_credentials_project ON os_credentials (project_id);
