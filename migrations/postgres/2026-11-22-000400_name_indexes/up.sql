-- Name filters without a domain (GET /v3/groups?name=...) stay index lookups at scale;
-- the (domain_id, name) unique keys only serve filters that name the domain too.
CREATE INDEX ix_groups_name ON "groups" (name);
CREATE INDEX ix_users_name ON users (name);
