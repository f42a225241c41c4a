-- Keystone's application credentials: a secret (stored as the service's password hash)
-- that signs in as its user, scoped to one project with a subset of the user's roles
-- there. `expires_at` is in microseconds since the epoch (NULL: never), `created_at` too.
CREATE TABLE application_credentials (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    project_id   TEXT NOT NULL,
    description  TEXT,
    secret_hash  TEXT NOT NULL,
    unrestricted BOOLEAN NOT NULL,
    expires_at   BIGINT,
    created_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX ux_application_credentials_user_name
    ON application_credentials (user_id, name);
CREATE INDEX ix_application_credentials_project
    ON application_credentials (project_id, user_id);

-- The roles a credential delegates.
CREATE TABLE application_credential_roles (
    application_credential_id TEXT NOT NULL,
    role_id                   TEXT NOT NULL,
    PRIMARY KEY (application_credential_id, role_id)
);
CREATE INDEX ix_application_credential_roles_role ON application_credential_roles (role_id);

-- Access rules, owned by a user and shared by that user's credentials: one row per
-- (service, method, path), reused when a new credential names the same rule.
CREATE TABLE access_rules (
    id      TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL,
    service TEXT NOT NULL,
    path    TEXT NOT NULL,
    method  TEXT NOT NULL
);
CREATE UNIQUE INDEX ux_access_rules_user_rule ON access_rules (user_id, service, method, path);

CREATE TABLE application_credential_access_rules (
    application_credential_id TEXT NOT NULL,
    access_rule_id            TEXT NOT NULL,
    PRIMARY KEY (application_credential_id, access_rule_id)
);
CREATE INDEX ix_application_credential_access_rules_rule
    ON application_credential_access_rules (access_rule_id);
