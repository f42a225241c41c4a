-- Keystone's policy blobs (/v3/policies): opaque to the service, kept as given.
CREATE TABLE policies (
    id    TEXT PRIMARY KEY NOT NULL,
    type  TEXT NOT NULL,
    blob  TEXT NOT NULL,
    extra TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX ix_policies_type ON policies (type);

-- A domain's own configuration (Keystone's domain-specific config SQL backend): one row
-- an option; `value` is the option's JSON value. Sensitive options (Keystone's
-- `sensitive_options`, e.g. ldap.password) are never shown by the API.
CREATE TABLE domain_configs (
    domain_id   TEXT NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    group_name  TEXT NOT NULL,
    option_name TEXT NOT NULL,
    value       TEXT NOT NULL,
    sensitive   BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (domain_id, group_name, option_name)
);

-- OS-OAUTH1 consumers. The secret signs requests (HMAC-SHA1), so it is sealed like an
-- access key's secret, not hashed.
CREATE TABLE oauth1_consumers (
    id            TEXT PRIMARY KEY NOT NULL,
    sealed_secret TEXT NOT NULL,
    description   TEXT,
    extra         TEXT NOT NULL DEFAULT '{}'
);

-- OS-OAUTH1 request tokens: made by a consumer for a project, authorized by a user with
-- roles (`role_ids`, a JSON list) who gets the verifier; exchanged once for an access
-- token. `expires_at` is milliseconds since the epoch.
CREATE TABLE oauth1_request_tokens (
    id                   TEXT PRIMARY KEY NOT NULL,
    sealed_secret        TEXT NOT NULL,
    consumer_id          TEXT NOT NULL REFERENCES oauth1_consumers (id) ON DELETE CASCADE,
    requested_project_id TEXT NOT NULL,
    role_ids             TEXT,
    authorizing_user_id  TEXT,
    verifier             TEXT,
    expires_at           BIGINT
);

-- OS-OAUTH1 access tokens: a user's delegation of roles on a project to a consumer.
CREATE TABLE oauth1_access_tokens (
    id                  TEXT PRIMARY KEY NOT NULL,
    sealed_secret       TEXT NOT NULL,
    consumer_id         TEXT NOT NULL REFERENCES oauth1_consumers (id) ON DELETE CASCADE,
    authorizing_user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_id          TEXT NOT NULL,
    role_ids            TEXT NOT NULL,
    expires_at          BIGINT
);
CREATE INDEX ix_oauth1_access_tokens_user ON oauth1_access_tokens (authorizing_user_id);
