-- Disabling a project or a domain revokes its tokens (Keystone's revoke-by-project and
-- revoke-by-domain events): an event names the project, or the domain (which covers tokens
-- scoped to it, to its projects, and of its users), issued before `issued_before`.
ALTER TABLE revocation_events ADD COLUMN project_id TEXT;
ALTER TABLE revocation_events ADD COLUMN domain_id TEXT;
CREATE INDEX ix_revocation_project ON revocation_events (project_id);
CREATE INDEX ix_revocation_domain ON revocation_events (domain_id);
-- A failed login names the account tried: target_id when the user exists, else the name
-- (and the domain) the request gave.
ALTER TABLE audit_events ADD COLUMN target_name TEXT;
ALTER TABLE audit_events ADD COLUMN target_domain TEXT;
