-- OS-TRUST trusts (Keystone's `trust` and `trust_role` tables), column for column the same on
-- SQLite and PostgreSQL (portable types only). Times are microseconds since the epoch.
-- A trust goes with its trustor, its trustee, its project and the trust it was redelegated
-- from (Keystone deletes them on those deletions too); a deleted trust is deleted, not kept.
CREATE TABLE trusts (
    id                   TEXT PRIMARY KEY NOT NULL,
    trustor_user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    trustee_user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_id           TEXT REFERENCES projects (id) ON DELETE CASCADE,
    impersonation        BOOLEAN NOT NULL,
    expires_at           BIGINT,
    remaining_uses       INTEGER,
    redelegated_trust_id TEXT REFERENCES trusts (id) ON DELETE CASCADE,
    redelegation_count   INTEGER NOT NULL DEFAULT 0,
    extra                TEXT NOT NULL DEFAULT '{}',
    created_at           BIGINT NOT NULL
);
-- Keystone's duplicate_trust_constraint (NULLs are distinct, there as here).
CREATE UNIQUE INDEX ux_trusts_duplicate
    ON trusts (trustor_user_id, trustee_user_id, project_id, impersonation, expires_at);
CREATE INDEX ix_trusts_trustee ON trusts (trustee_user_id);
CREATE INDEX ix_trusts_redelegated ON trusts (redelegated_trust_id);

CREATE TABLE trust_roles (
    trust_id TEXT NOT NULL REFERENCES trusts (id) ON DELETE CASCADE,
    role_id  TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (trust_id, role_id)
);
