DROP TABLE project_endpoint_groups;
DROP TABLE project_endpoints;
DROP TABLE endpoint_groups;
DROP TABLE limits;
DROP TABLE registered_limits;
