DROP TABLE application_credential_access_rules;
DROP TABLE access_rules;
DROP TABLE application_credential_roles;
DROP TABLE application_credentials;
