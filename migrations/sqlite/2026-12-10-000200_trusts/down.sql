DROP TABLE trust_roles;
DROP TABLE trusts;
