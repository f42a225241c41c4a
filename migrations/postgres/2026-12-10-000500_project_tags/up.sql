-- Keystone's project_tag table: the index of a project's tags (see the SQLite migration).
CREATE TABLE project_tag (
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    PRIMARY KEY (project_id, name)
);
CREATE INDEX ix_project_tag_name ON project_tag (name, project_id);

-- The tags projects already hold.
INSERT INTO project_tag (project_id, name)
SELECT DISTINCT p.id, t.value
FROM projects p, jsonb_array_elements_text(
    CASE WHEN jsonb_typeof(CAST(p.extra AS jsonb) -> 'tags') = 'array'
         THEN CAST(p.extra AS jsonb) -> 'tags' ELSE '[]'::jsonb END) AS t(value);
