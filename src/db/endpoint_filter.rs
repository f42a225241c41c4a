//! The endpoint filter (Keystone's OS-EP-FILTER in the catalog SQL driver): endpoint
//! groups, and the endpoints and endpoint groups tied to projects.

use diesel::prelude::*;

use super::error::StoreError;
use super::names_no_row;
use super::schema::{endpoint_groups, project_endpoint_groups, project_endpoints};
use super::DbConn;

/// An endpoint group: a name and the endpoint attributes it selects by (`filters`, a JSON
/// object of `service_id`, `region_id` and `interface`).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = endpoint_groups)]
pub struct EndpointGroupRow {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub filters: String,
}

/// Keystone `create_endpoint_group`.
pub fn create_endpoint_group(conn: &mut DbConn, row: &EndpointGroupRow) -> Result<(), StoreError> {
    diesel::insert_into(endpoint_groups::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Keystone `get_endpoint_group`.
pub fn get_endpoint_group(conn: &mut DbConn, id: &str) -> Result<EndpointGroupRow, StoreError> {
    if names_no_row(id) {
        return Err(StoreError::not_found("Endpoint Group", id));
    }
    endpoint_groups::table
        .find(id)
        .select(EndpointGroupRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found("Endpoint Group", id))
}

/// Keystone `list_endpoint_groups`, optionally of one name.
pub fn list_endpoint_groups(
    conn: &mut DbConn,
    name: Option<&str>,
) -> Result<Vec<EndpointGroupRow>, StoreError> {
    let mut query = endpoint_groups::table
        .select(EndpointGroupRow::as_select())
        .into_boxed();
    if let Some(name) = name {
        query = query.filter(endpoint_groups::name.eq(name.to_string()));
    }
    Ok(query.order(endpoint_groups::id.asc()).load(conn)?)
}

/// Keystone `update_endpoint_group`: the whole row as changed.
pub fn update_endpoint_group(conn: &mut DbConn, row: &EndpointGroupRow) -> Result<(), StoreError> {
    diesel::update(endpoint_groups::table.find(&row.id))
        .set((
            endpoint_groups::name.eq(&row.name),
            endpoint_groups::description.eq(&row.description),
            endpoint_groups::filters.eq(&row.filters),
        ))
        .execute(conn)?;
    Ok(())
}

/// Keystone `delete_endpoint_group`: its project associations go with it.
pub fn delete_endpoint_group(conn: &mut DbConn, id: &str) -> Result<(), StoreError> {
    diesel::delete(
        project_endpoint_groups::table.filter(project_endpoint_groups::endpoint_group_id.eq(id)),
    )
    .execute(conn)?;
    let deleted = diesel::delete(endpoint_groups::table.find(id)).execute(conn)?;
    if deleted == 0 {
        return Err(StoreError::not_found("Endpoint Group", id));
    }
    Ok(())
}

fn association_conflict(what: &'static str) -> StoreError {
    StoreError::Conflict {
        what,
        detail: "Duplicate entry".into(),
    }
}

/// Keystone `add_endpoint_to_project`: a second time is a 409.
pub fn add_endpoint_to_project(
    conn: &mut DbConn,
    endpoint_id: &str,
    project_id: &str,
) -> Result<(), StoreError> {
    if endpoint_in_project(conn, endpoint_id, project_id)? {
        return Err(association_conflict("project_endpoint"));
    }
    diesel::insert_into(project_endpoints::table)
        .values((
            project_endpoints::endpoint_id.eq(endpoint_id),
            project_endpoints::project_id.eq(project_id),
        ))
        .execute(conn)?;
    Ok(())
}

/// Keystone `check_endpoint_in_project`, as a yes or no.
pub fn endpoint_in_project(
    conn: &mut DbConn,
    endpoint_id: &str,
    project_id: &str,
) -> Result<bool, StoreError> {
    let count: i64 = project_endpoints::table
        .filter(project_endpoints::endpoint_id.eq(endpoint_id))
        .filter(project_endpoints::project_id.eq(project_id))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

/// Keystone's 404 for a project and endpoint that are not associated.
pub fn endpoint_not_in_project(endpoint_id: &str, project_id: &str) -> StoreError {
    StoreError::NotFoundMessage(format!(
        "Endpoint {endpoint_id} not found in project {project_id}"
    ))
}

/// Keystone `remove_endpoint_from_project`.
pub fn remove_endpoint_from_project(
    conn: &mut DbConn,
    endpoint_id: &str,
    project_id: &str,
) -> Result<(), StoreError> {
    let deleted = diesel::delete(
        project_endpoints::table
            .filter(project_endpoints::endpoint_id.eq(endpoint_id))
            .filter(project_endpoints::project_id.eq(project_id)),
    )
    .execute(conn)?;
    if deleted == 0 {
        return Err(endpoint_not_in_project(endpoint_id, project_id));
    }
    Ok(())
}

/// The endpoint ids tied to a project directly.
pub fn endpoints_of_project(
    conn: &mut DbConn,
    project_id: &str,
) -> Result<Vec<String>, StoreError> {
    Ok(project_endpoints::table
        .filter(project_endpoints::project_id.eq(project_id))
        .select(project_endpoints::endpoint_id)
        .order(project_endpoints::endpoint_id.asc())
        .load(conn)?)
}

/// The project ids an endpoint is tied to directly.
pub fn projects_of_endpoint(
    conn: &mut DbConn,
    endpoint_id: &str,
) -> Result<Vec<String>, StoreError> {
    Ok(project_endpoints::table
        .filter(project_endpoints::endpoint_id.eq(endpoint_id))
        .select(project_endpoints::project_id)
        .order(project_endpoints::project_id.asc())
        .load(conn)?)
}

/// Keystone's 404 for an endpoint group and project that are not associated.
pub fn group_not_in_project() -> StoreError {
    StoreError::NotFoundMessage("Endpoint Group Project Association not found".into())
}

/// Keystone `get_endpoint_group_in_project`, as a yes or no.
pub fn group_in_project(
    conn: &mut DbConn,
    endpoint_group_id: &str,
    project_id: &str,
) -> Result<bool, StoreError> {
    let count: i64 = project_endpoint_groups::table
        .filter(project_endpoint_groups::endpoint_group_id.eq(endpoint_group_id))
        .filter(project_endpoint_groups::project_id.eq(project_id))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

/// Keystone `add_endpoint_group_to_project`: a second time is a 409.
pub fn add_endpoint_group_to_project(
    conn: &mut DbConn,
    endpoint_group_id: &str,
    project_id: &str,
) -> Result<(), StoreError> {
    if group_in_project(conn, endpoint_group_id, project_id)? {
        return Err(association_conflict("project_endpoint_group"));
    }
    diesel::insert_into(project_endpoint_groups::table)
        .values((
            project_endpoint_groups::endpoint_group_id.eq(endpoint_group_id),
            project_endpoint_groups::project_id.eq(project_id),
        ))
        .execute(conn)?;
    Ok(())
}

/// Keystone `remove_endpoint_group_from_project`.
pub fn remove_endpoint_group_from_project(
    conn: &mut DbConn,
    endpoint_group_id: &str,
    project_id: &str,
) -> Result<(), StoreError> {
    let deleted = diesel::delete(
        project_endpoint_groups::table
            .filter(project_endpoint_groups::endpoint_group_id.eq(endpoint_group_id))
            .filter(project_endpoint_groups::project_id.eq(project_id)),
    )
    .execute(conn)?;
    if deleted == 0 {
        return Err(group_not_in_project());
    }
    Ok(())
}

/// The endpoint groups tied to a project.
pub fn groups_of_project(
    conn: &mut DbConn,
    project_id: &str,
) -> Result<Vec<EndpointGroupRow>, StoreError> {
    Ok(endpoint_groups::table
        .inner_join(
            project_endpoint_groups::table
                .on(project_endpoint_groups::endpoint_group_id.eq(endpoint_groups::id)),
        )
        .filter(project_endpoint_groups::project_id.eq(project_id))
        .select(EndpointGroupRow::as_select())
        .order(endpoint_groups::id.asc())
        .load(conn)?)
}

/// The project ids an endpoint group is tied to.
pub fn projects_of_group(
    conn: &mut DbConn,
    endpoint_group_id: &str,
) -> Result<Vec<String>, StoreError> {
    Ok(project_endpoint_groups::table
        .filter(project_endpoint_groups::endpoint_group_id.eq(endpoint_group_id))
        .select(project_endpoint_groups::project_id)
        .order(project_endpoint_groups::project_id.asc())
        .load(conn)?)
}
