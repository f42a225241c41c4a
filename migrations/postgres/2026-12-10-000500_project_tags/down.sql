DROP TABLE project_tag;
