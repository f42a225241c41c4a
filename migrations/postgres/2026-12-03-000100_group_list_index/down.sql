DROP INDEX ix_groups_list;
