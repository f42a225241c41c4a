DROP TABLE oauth1_access_tokens;
DROP TABLE oauth1_request_tokens;
DROP TABLE oauth1_consumers;
DROP TABLE domain_configs;
DROP TABLE policies;
