DROP TABLE implied_roles;
