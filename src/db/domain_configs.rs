//! A domain's own configuration (Keystone's domain-specific config SQL backend): one row an
//! option, its value stored as JSON. Whether an option is sensitive is decided by the
//! manager and kept with the row, so a read can leave sensitive ones out.

use diesel::prelude::*;

use super::error::StoreError;
use super::schema::domain_configs;
use super::{write_tx, DbConn};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = domain_configs)]
pub struct DomainConfigRow {
    pub domain_id: String,
    pub group_name: String,
    pub option_name: String,
    /// The option's value, as JSON text.
    pub value: String,
    pub sensitive: bool,
}

/// Keystone `list_config_options`: a domain's options, narrowed to a group and an option,
/// the sensitive ones or the others.
pub fn list_config_options(
    conn: &mut DbConn,
    domain_id: &str,
    group: Option<&str>,
    option: Option<&str>,
    sensitive: Option<bool>,
) -> Result<Vec<DomainConfigRow>, StoreError> {
    let mut query = domain_configs::table
        .filter(domain_configs::domain_id.eq(domain_id.to_owned()))
        .select(DomainConfigRow::as_select())
        .into_boxed();
    if let Some(g) = group {
        query = query.filter(domain_configs::group_name.eq(g.to_owned()));
    }
    if let Some(o) = option {
        query = query.filter(domain_configs::option_name.eq(o.to_owned()));
    }
    if let Some(s) = sensitive {
        query = query.filter(domain_configs::sensitive.eq(s));
    }
    Ok(query
        .order((
            domain_configs::group_name.asc(),
            domain_configs::option_name.asc(),
        ))
        .load(conn)?)
}

/// Keystone `create_config_options`: the domain's whole configuration is replaced.
pub fn replace_config_options(
    conn: &mut DbConn,
    domain_id: &str,
    rows: Vec<DomainConfigRow>,
) -> Result<(), StoreError> {
    write_tx(conn, |conn| {
        diesel::delete(domain_configs::table.filter(domain_configs::domain_id.eq(domain_id)))
            .execute(conn)?;
        // One insert a row: a batch insert is not portable across the backends.
        for row in &rows {
            diesel::insert_into(domain_configs::table)
                .values(row)
                .execute(conn)?;
        }
        Ok(())
    })
}

/// Keystone `update_config_options`: each option given is set, made if it was not there.
pub fn update_config_options(
    conn: &mut DbConn,
    rows: Vec<DomainConfigRow>,
) -> Result<(), StoreError> {
    write_tx(conn, |conn| {
        for row in &rows {
            diesel::delete(
                domain_configs::table
                    .filter(domain_configs::domain_id.eq(&row.domain_id))
                    .filter(domain_configs::group_name.eq(&row.group_name))
                    .filter(domain_configs::option_name.eq(&row.option_name)),
            )
            .execute(conn)?;
            diesel::insert_into(domain_configs::table)
                .values(row)
                .execute(conn)?;
        }
        Ok(())
    })
}

/// Keystone `delete_config_options`: the whole configuration, a group, or one option.
pub fn delete_config_options(
    conn: &mut DbConn,
    domain_id: &str,
    group: Option<&str>,
    option: Option<&str>,
) -> Result<(), StoreError> {
    let mut query = diesel::delete(domain_configs::table)
        .filter(domain_configs::domain_id.eq(domain_id.to_owned()))
        .into_boxed();
    if let Some(g) = group {
        query = query.filter(domain_configs::group_name.eq(g.to_owned()));
    }
    if let Some(o) = option {
        query = query.filter(domain_configs::option_name.eq(o.to_owned()));
    }
    query.execute(conn)?;
    Ok(())
}
