-- Audit events, after Keystone's CADF notifications: who did what to which target, when,
-- with what outcome, under which request id. Ids are UUIDv7 in hex, so their order is
-- the order in time and pages can use the id as their marker.
CREATE TABLE audit_events (
    id                TEXT PRIMARY KEY NOT NULL,
    occurred_at       BIGINT NOT NULL,
    event_type        TEXT NOT NULL,
    action            TEXT NOT NULL,
    outcome           TEXT NOT NULL,
    initiator_id      TEXT,
    initiator_address TEXT,
    target_type       TEXT NOT NULL,
    target_id         TEXT,
    target_path       TEXT NOT NULL,
    method            TEXT NOT NULL,
    status            INTEGER NOT NULL,
    request_id        TEXT NOT NULL
);
CREATE INDEX ix_audit_events_initiator ON audit_events (initiator_id);
CREATE INDEX ix_audit_events_target ON audit_events (target_id);
CREATE INDEX ix_audit_events_type ON audit_events (event_type);
CREATE INDEX ix_audit_events_request ON audit_events (request_id);
