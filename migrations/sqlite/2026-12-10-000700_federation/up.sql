-- Federation (Keystone's OS-FEDERATION SQL driver): identity providers, the remote ids
-- that name them, attribute mappings, and the protocols that tie a mapping to a provider.
CREATE TABLE identity_providers (
    id                TEXT PRIMARY KEY NOT NULL,
    domain_id         TEXT NOT NULL REFERENCES domains (id),
    enabled           BOOLEAN NOT NULL DEFAULT 0,
    description       TEXT,
    -- Minutes a group membership from this provider lasts after a sign-in; NULL: the
    -- service's default (federation.default_authorization_ttl).
    authorization_ttl INTEGER,
    created_at        BIGINT NOT NULL
);

-- A remote id names one provider only (Keystone's "Duplicate remote ID").
CREATE TABLE idp_remote_ids (
    remote_id TEXT PRIMARY KEY NOT NULL,
    idp_id    TEXT NOT NULL REFERENCES identity_providers (id) ON DELETE CASCADE
);
CREATE INDEX ix_idp_remote_ids_idp ON idp_remote_ids (idp_id);

-- The rules as given (JSON text), validated when stored.
CREATE TABLE mappings (
    id             TEXT PRIMARY KEY NOT NULL,
    rules          TEXT NOT NULL,
    schema_version TEXT NOT NULL
);

-- As in Keystone, a protocol's mapping is not a foreign key: a mapping can be deleted
-- while a protocol names it, and sign-ins through that protocol then fail.
CREATE TABLE federation_protocols (
    idp_id              TEXT NOT NULL REFERENCES identity_providers (id) ON DELETE CASCADE,
    id                  TEXT NOT NULL,
    mapping_id          TEXT NOT NULL,
    remote_id_attribute TEXT,
    PRIMARY KEY (idp_id, id)
);
