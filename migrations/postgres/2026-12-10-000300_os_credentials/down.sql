DROP TABLE os_credentials;
