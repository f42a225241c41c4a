-- The identity store, column for column the same as migrations/sqlite (portable types only).
-- Times are milliseconds since the epoch.

CREATE TABLE domains (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    enabled     BOOLEAN NOT NULL DEFAULT TRUE,
    extra       TEXT NOT NULL DEFAULT '{}',
    created_at  BIGINT NOT NULL
);

CREATE TABLE projects (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    domain_id   TEXT NOT NULL REFERENCES domains (id),
    description TEXT NOT NULL DEFAULT '',
    enabled     BOOLEAN NOT NULL DEFAULT TRUE,
    parent_id   TEXT REFERENCES projects (id),
    extra       TEXT NOT NULL DEFAULT '{}',
    created_at  BIGINT NOT NULL,
    UNIQUE (domain_id, name)
);

-- Global roles carry domain_id '<<null>>' (as Keystone does) so that the unique key holds.
CREATE TABLE roles (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    domain_id   TEXT NOT NULL DEFAULT '<<null>>',
    description TEXT NOT NULL DEFAULT '',
    extra       TEXT NOT NULL DEFAULT '{}',
    created_at  BIGINT NOT NULL,
    UNIQUE (name, domain_id)
);

CREATE TABLE users (
    id                  TEXT PRIMARY KEY NOT NULL,
    name                TEXT NOT NULL,
    domain_id           TEXT NOT NULL REFERENCES domains (id),
    enabled             BOOLEAN NOT NULL DEFAULT TRUE,
    description         TEXT NOT NULL DEFAULT '',
    password_hash       TEXT,
    password_expires_at BIGINT,
    default_project_id  TEXT,
    extra               TEXT NOT NULL DEFAULT '{}',
    created_at          BIGINT NOT NULL,
    UNIQUE (domain_id, name)
);

CREATE TABLE "groups" (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    domain_id   TEXT NOT NULL REFERENCES domains (id),
    description TEXT NOT NULL DEFAULT '',
    extra       TEXT NOT NULL DEFAULT '{}',
    create_time BIGINT NOT NULL,
    UNIQUE (domain_id, name)
);

CREATE TABLE user_group_membership (
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    group_id TEXT NOT NULL REFERENCES "groups" (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, group_id)
);
-- The primary key serves "groups of a user"; this serves "users of a group".
CREATE INDEX ix_membership_group_user ON user_group_membership (group_id, user_id);

-- Role assignments, as Keystone keeps them: kind is UserProject, GroupProject, UserDomain,
-- GroupDomain, UserSystem or GroupSystem; actor and target ids are not foreign keys because
-- they point at different tables by kind (deletes clean them up explicitly).
CREATE TABLE assignments (
    kind      TEXT NOT NULL,
    actor_id  TEXT NOT NULL,
    target_id TEXT NOT NULL,
    role_id   TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    inherited BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (kind, actor_id, target_id, role_id, inherited)
);
CREATE INDEX ix_assignments_actor ON assignments (actor_id);
CREATE INDEX ix_assignments_target ON assignments (target_id);

-- A token is refused if its audit id is listed, or if it was issued for user_id before
-- issued_before. Rows can be dropped once expires_at has passed.
CREATE TABLE revocation_events (
    id            BIGSERIAL PRIMARY KEY,
    audit_id      TEXT,
    user_id       TEXT,
    issued_before BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX ix_revocation_audit ON revocation_events (audit_id);
CREATE INDEX ix_revocation_user ON revocation_events (user_id);
