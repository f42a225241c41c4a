DROP INDEX ix_users_name;
DROP INDEX ix_groups_name;
