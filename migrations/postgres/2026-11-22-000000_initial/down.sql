DROP TABLE revocation_events;
DROP TABLE assignments;
DROP TABLE user_group_membership;
DROP TABLE "groups";
DROP TABLE users;
DROP TABLE roles;
DROP TABLE projects;
DROP TABLE domains;
