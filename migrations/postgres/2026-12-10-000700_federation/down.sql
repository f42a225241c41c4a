DROP TABLE federation_protocols;
DROP TABLE mappings;
DROP TABLE idp_remote_ids;
DROP TABLE identity_providers;
