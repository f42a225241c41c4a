-- Role inference (Keystone's implied roles): holding prior_role_id also grants
-- implied_role_id, transitively. Bootstrap makes admin -> manager -> member -> reader.
CREATE TABLE implied_roles (
    prior_role_id   TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    implied_role_id TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (prior_role_id, implied_role_id)
);
CREATE INDEX ix_implied_roles_implied ON implied_roles (implied_role_id);
