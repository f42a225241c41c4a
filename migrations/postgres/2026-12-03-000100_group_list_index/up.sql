-- The pair of SQLite's covering index for group lists, as far as PostgreSQL allows it. Here
-- the primary key already orders the heap fetches of a page, and a covering index could not
-- hold `extra`: an index row is limited to 2,704 bytes and `extra` has no length limit, so
-- `INCLUDE (extra)` would refuse a group with large extra attributes. Every other selected
-- column is bounded (name 128, description 255 characters), so this index lets the name,
-- domain and id filters of a list and its previous-page link stay index-only.
CREATE UNIQUE INDEX ix_groups_list ON "groups" (id) INCLUDE (name, domain_id, description, create_time);
