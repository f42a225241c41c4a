ALTER TABLE audit_events DROP COLUMN target_domain;
ALTER TABLE audit_events DROP COLUMN target_name;
DROP INDEX ix_revocation_domain;
DROP INDEX ix_revocation_project;
ALTER TABLE revocation_events DROP COLUMN domain_id;
ALTER TABLE revocation_events DROP COLUMN project_id;
