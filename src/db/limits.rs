//! Unified limits: registered limits and project or domain limits (Keystone's
//! `unified_limit` SQL driver). A limit stores its registered limit's id; its service,
//! region and resource name are read from that registered limit.

use diesel::prelude::*;

use super::error::StoreError;
use super::names_no_row;
use super::schema::{limits, registered_limits};
use super::DbConn;

/// A registered limit: the default of one resource of one service (in one region).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = registered_limits)]
pub struct RegisteredLimitRow {
    pub id: String,
    pub service_id: String,
    pub region_id: Option<String>,
    pub resource_name: String,
    pub default_limit: i64,
    pub description: Option<String>,
}

/// A limit as stored: its owner (a project or a domain) and its registered limit.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = limits)]
pub struct LimitRow {
    pub id: String,
    pub registered_limit_id: String,
    pub project_id: Option<String>,
    pub domain_id: Option<String>,
    pub resource_limit: i64,
    pub description: Option<String>,
}

/// A limit with what it inherits from its registered limit, as Keystone shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    pub row: LimitRow,
    pub service_id: String,
    pub region_id: Option<String>,
    pub resource_name: String,
}

/// The filters of `list_registered_limits` and `list_limits`.
#[derive(Debug, Clone, Default)]
pub struct LimitFilter {
    pub service_id: Option<String>,
    pub region_id: Option<String>,
    pub resource_name: Option<String>,
    pub project_id: Option<String>,
    pub domain_id: Option<String>,
}

/// Keystone's 409 for a second registered limit or limit of the same resource.
fn duplicate(kind: &'static str) -> StoreError {
    StoreError::Conflict {
        what: kind,
        detail: "Duplicate entry".into(),
    }
}

/// Keystone's `RegisteredLimitError`: a registered limit that limits refer to.
pub fn in_use_message(id: &str) -> String {
    format!(
        "Unable to update or delete registered limit {id} because there are project limits \
         associated with it."
    )
}

/// The registered limit of one service, region and resource, if there is one.
pub fn find_registered_limit(
    conn: &mut DbConn,
    service_id: &str,
    region_id: Option<&str>,
    resource_name: &str,
) -> Result<Option<RegisteredLimitRow>, StoreError> {
    let mut query = registered_limits::table
        .filter(registered_limits::service_id.eq(service_id.to_string()))
        .filter(registered_limits::resource_name.eq(resource_name.to_string()))
        .select(RegisteredLimitRow::as_select())
        .into_boxed();
    query = match region_id {
        Some(r) => query.filter(registered_limits::region_id.eq(r.to_string())),
        None => query.filter(registered_limits::region_id.is_null()),
    };
    Ok(query.first(conn).optional()?)
}

/// Keystone `create_registered_limits`: all or none; a duplicate is a 409.
pub fn create_registered_limits(
    conn: &mut DbConn,
    rows: &[RegisteredLimitRow],
) -> Result<(), StoreError> {
    for row in rows {
        let existing = find_registered_limit(
            conn,
            &row.service_id,
            row.region_id.as_deref(),
            &row.resource_name,
        )?;
        if existing.is_some() {
            return Err(duplicate("registered_limit"));
        }
        diesel::insert_into(registered_limits::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// Keystone `get_registered_limit`.
pub fn get_registered_limit(conn: &mut DbConn, id: &str) -> Result<RegisteredLimitRow, StoreError> {
    if names_no_row(id) {
        return Err(StoreError::NotFoundMessage(format!(
            "Could not find registered limit for {id}."
        )));
    }
    registered_limits::table
        .find(id)
        .select(RegisteredLimitRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| {
            StoreError::NotFoundMessage(format!("Could not find registered limit for {id}."))
        })
}

/// Keystone `list_registered_limits`.
pub fn list_registered_limits(
    conn: &mut DbConn,
    filter: &LimitFilter,
) -> Result<Vec<RegisteredLimitRow>, StoreError> {
    let mut query = registered_limits::table
        .select(RegisteredLimitRow::as_select())
        .into_boxed();
    if let Some(s) = &filter.service_id {
        query = query.filter(registered_limits::service_id.eq(s.clone()));
    }
    if let Some(r) = &filter.region_id {
        query = query.filter(registered_limits::region_id.eq(r.clone()));
    }
    if let Some(n) = &filter.resource_name {
        query = query.filter(registered_limits::resource_name.eq(n.clone()));
    }
    Ok(query.order(registered_limits::id.asc()).load(conn)?)
}

/// How many limits refer to a registered limit.
pub fn limits_of(conn: &mut DbConn, registered_limit_id: &str) -> Result<i64, StoreError> {
    Ok(limits::table
        .filter(limits::registered_limit_id.eq(registered_limit_id))
        .count()
        .get_result(conn)?)
}

/// Keystone `update_registered_limit`: the whole row as changed; moving it onto another
/// registered limit's service, region and resource is a 409.
pub fn update_registered_limit(
    conn: &mut DbConn,
    row: &RegisteredLimitRow,
) -> Result<(), StoreError> {
    let other = find_registered_limit(
        conn,
        &row.service_id,
        row.region_id.as_deref(),
        &row.resource_name,
    )?;
    if other.is_some_and(|o| o.id != row.id) {
        return Err(duplicate("registered_limit"));
    }
    diesel::update(registered_limits::table.find(&row.id))
        .set((
            registered_limits::service_id.eq(&row.service_id),
            registered_limits::region_id.eq(&row.region_id),
            registered_limits::resource_name.eq(&row.resource_name),
            registered_limits::default_limit.eq(row.default_limit),
            registered_limits::description.eq(&row.description),
        ))
        .execute(conn)?;
    Ok(())
}

/// Keystone `delete_registered_limit`: refused (403) while limits refer to it.
pub fn delete_registered_limit(conn: &mut DbConn, id: &str) -> Result<(), StoreError> {
    get_registered_limit(conn, id)?;
    if limits_of(conn, id)? > 0 {
        return Err(StoreError::forbidden(in_use_message(id)));
    }
    diesel::delete(registered_limits::table.find(id)).execute(conn)?;
    Ok(())
}

fn with_registered(row: LimitRow, registered: &RegisteredLimitRow) -> Limit {
    Limit {
        service_id: registered.service_id.clone(),
        region_id: registered.region_id.clone(),
        resource_name: registered.resource_name.clone(),
        row,
    }
}

/// Keystone `create_limits`: all or none. A limit's owner may hold one limit per
/// registered limit (409 otherwise).
pub fn create_limits(conn: &mut DbConn, rows: Vec<LimitRow>) -> Result<(), StoreError> {
    for row in rows {
        let mut same = limits::table
            .filter(limits::registered_limit_id.eq(row.registered_limit_id.clone()))
            .into_boxed();
        same = match (&row.project_id, &row.domain_id) {
            (Some(p), _) => same.filter(limits::project_id.eq(p.clone())),
            (None, Some(d)) => same.filter(limits::domain_id.eq(d.clone())),
            (None, None) => same.filter(limits::project_id.is_null()),
        };
        let count: i64 = same.count().get_result(conn)?;
        if count > 0 {
            return Err(duplicate("limit"));
        }
        diesel::insert_into(limits::table)
            .values(&row)
            .execute(conn)?;
    }
    Ok(())
}

/// Keystone `get_limit`.
pub fn get_limit(conn: &mut DbConn, id: &str) -> Result<Limit, StoreError> {
    if names_no_row(id) {
        return Err(StoreError::NotFoundMessage(format!(
            "Could not find limit for {id}."
        )));
    }
    let (row, registered) = limits::table
        .inner_join(registered_limits::table)
        .filter(limits::id.eq(id))
        .select((LimitRow::as_select(), RegisteredLimitRow::as_select()))
        .first::<(LimitRow, RegisteredLimitRow)>(conn)
        .optional()?
        .ok_or_else(|| StoreError::NotFoundMessage(format!("Could not find limit for {id}.")))?;
    Ok(with_registered(row, &registered))
}

/// Keystone `list_limits`, filtered on the registered limit's fields and the owner.
pub fn list_limits(conn: &mut DbConn, filter: &LimitFilter) -> Result<Vec<Limit>, StoreError> {
    let mut query = limits::table
        .inner_join(registered_limits::table)
        .select((LimitRow::as_select(), RegisteredLimitRow::as_select()))
        .into_boxed();
    if let Some(s) = &filter.service_id {
        query = query.filter(registered_limits::service_id.eq(s.clone()));
    }
    if let Some(r) = &filter.region_id {
        query = query.filter(registered_limits::region_id.eq(r.clone()));
    }
    if let Some(n) = &filter.resource_name {
        query = query.filter(registered_limits::resource_name.eq(n.clone()));
    }
    if let Some(p) = &filter.project_id {
        query = query.filter(limits::project_id.eq(p.clone()));
    }
    if let Some(d) = &filter.domain_id {
        query = query.filter(limits::domain_id.eq(d.clone()));
    }
    let rows: Vec<(LimitRow, RegisteredLimitRow)> = query.order(limits::id.asc()).load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(row, registered)| with_registered(row, &registered))
        .collect())
}

/// Keystone `update_limit`: only `resource_limit` and `description` change.
pub fn update_limit(conn: &mut DbConn, row: &LimitRow) -> Result<(), StoreError> {
    diesel::update(limits::table.find(&row.id))
        .set((
            limits::resource_limit.eq(row.resource_limit),
            limits::description.eq(&row.description),
        ))
        .execute(conn)?;
    Ok(())
}

/// Keystone `delete_limit`.
pub fn delete_limit(conn: &mut DbConn, id: &str) -> Result<(), StoreError> {
    let deleted = diesel::delete(limits::table.find(id)).execute(conn)?;
    if deleted == 0 {
        return Err(StoreError::NotFoundMessage(format!(
            "Could not find limit for {id}."
        )));
    }
    Ok(())
}

/// The ids of the projects of one domain, to narrow a domain-scoped caller's list.
pub fn project_ids_in_domain(
    conn: &mut DbConn,
    domain_id: &str,
) -> Result<Vec<String>, StoreError> {
    use super::schema::projects;
    Ok(projects::table
        .filter(projects::domain_id.eq(domain_id))
        .select(projects::id)
        .load(conn)?)
}
