-- The service catalog (Keystone's catalog SQL driver). An endpoint URL may contain
-- $(public_url)s, replaced when a catalog is rendered by the URL clients reached us at.
CREATE TABLE regions (
    id               TEXT PRIMARY KEY NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    parent_region_id TEXT REFERENCES regions (id),
    extra            TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE services (
    id      TEXT PRIMARY KEY NOT NULL,
    type    TEXT NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT 1,
    extra   TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE endpoints (
    id         TEXT PRIMARY KEY NOT NULL,
    service_id TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    interface  TEXT NOT NULL,
    region_id  TEXT REFERENCES regions (id),
    url        TEXT NOT NULL,
    enabled    BOOLEAN NOT NULL DEFAULT 1,
    extra      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX ix_endpoints_service ON endpoints (service_id);
