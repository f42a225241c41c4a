-- Group lists (GET /v3/groups, a page of rows after a marker in id order) read this index
-- alone. "groups" is a rowid table with a text primary key, so walking its id index took a
-- second lookup into the table for every row, scattered when ids are random (as uuid4 hex
-- ids are); with every selected column in the index, a page of 1,000 is a few adjacent
-- index pages. The unique id index (sqlite_autoindex_groups_1) stays: it is the key.
CREATE INDEX ix_groups_list ON "groups" (id, name, domain_id, description, extra, create_time);
