-- Keystone's project_tag table: the index of a project's tags. A project's `extra` keeps
-- the tags as responses show them (in the order given); this table holds the same set, written
-- in the same transaction by every change of a project's tags (src/db/project_tags.rs), so that
-- the tag filters of GET /v3/projects read an index instead of every project's JSON.
CREATE TABLE project_tag (
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    PRIMARY KEY (project_id, name)
);
-- The primary key answers "the tags of a project"; this answers "the projects with a tag".
CREATE INDEX ix_project_tag_name ON project_tag (name, project_id);

-- The tags projects already hold.
INSERT INTO project_tag (project_id, name)
SELECT DISTINCT p.id, t.value
FROM projects p, json_each(p.extra, '$.tags') t
WHERE json_valid(p.extra) AND json_type(p.extra, '$.tags') = 'array' AND t.type = 'text';
