-- Unified limits (Keystone's unified_limit SQL driver) and the endpoint filter
-- (OS-EP-FILTER: endpoint groups, and endpoints or groups of them tied to projects).
-- A limit names its registered limit; its service, region and resource are that one's.
CREATE TABLE registered_limits (
    id            TEXT PRIMARY KEY NOT NULL,
    service_id    TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    region_id     TEXT REFERENCES regions (id) ON DELETE CASCADE,
    resource_name TEXT NOT NULL,
    default_limit BIGINT NOT NULL,
    description   TEXT
);
CREATE INDEX ix_registered_limits_service ON registered_limits (service_id, resource_name);

CREATE TABLE limits (
    id                  TEXT PRIMARY KEY NOT NULL,
    registered_limit_id TEXT NOT NULL REFERENCES registered_limits (id) ON DELETE CASCADE,
    project_id          TEXT REFERENCES projects (id) ON DELETE CASCADE,
    domain_id           TEXT REFERENCES domains (id) ON DELETE CASCADE,
    resource_limit      BIGINT NOT NULL,
    description         TEXT
);
CREATE INDEX ix_limits_registered_limit ON limits (registered_limit_id);
CREATE INDEX ix_limits_project ON limits (project_id);

CREATE TABLE endpoint_groups (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    description TEXT,
    filters     TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE project_endpoints (
    endpoint_id TEXT NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
    project_id  TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    PRIMARY KEY (endpoint_id, project_id)
);
CREATE INDEX ix_project_endpoints_project ON project_endpoints (project_id);

CREATE TABLE project_endpoint_groups (
    endpoint_group_id TEXT NOT NULL REFERENCES endpoint_groups (id) ON DELETE CASCADE,
    project_id        TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    PRIMARY KEY (endpoint_group_id, project_id)
);
CREATE INDEX ix_project_endpoint_groups_project ON project_endpoint_groups (project_id);
