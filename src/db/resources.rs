//! Domains, projects and roles: the targets that tokens are scoped to and roles are
//! granted on (Keystone's resource and role drivers).

use diesel::prelude::*;

use super::error::StoreError;
use super::models::{DomainRow, ProjectRow, RoleRow};
use super::names_no_row;
use super::schema::{domains, projects, roles};
use super::DbConn;

/// Keystone stores global roles with this domain id so that `(name, domain_id)` is unique.
pub const GLOBAL_ROLE_DOMAIN: &str = "<<null>>";

/// Keystone `get_domain`.
pub fn get_domain(conn: &mut DbConn, domain_id: &str) -> Result<DomainRow, StoreError> {
    if names_no_row(domain_id) {
        return Err(StoreError::not_found("domain", domain_id));
    }
    domains::table
        .find(domain_id)
        .select(DomainRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found("domain", domain_id))
}

/// Keystone `get_domain_by_name`.
pub fn find_domain_by_name(conn: &mut DbConn, name: &str) -> Result<Option<DomainRow>, StoreError> {
    if names_no_row(name) {
        return Ok(None);
    }
    Ok(domains::table
        .filter(domains::name.eq(name))
        .select(DomainRow::as_select())
        .first(conn)
        .optional()?)
}

/// Keystone `get_project`.
pub fn get_project(conn: &mut DbConn, project_id: &str) -> Result<ProjectRow, StoreError> {
    if names_no_row(project_id) {
        return Err(StoreError::not_found("project", project_id));
    }
    projects::table
        .find(project_id)
        .select(ProjectRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found("project", project_id))
}

/// Keystone `get_project_by_name`.
pub fn find_project_by_name(
    conn: &mut DbConn,
    name: &str,
    domain_id: &str,
) -> Result<Option<ProjectRow>, StoreError> {
    if names_no_row(name) || names_no_row(domain_id) {
        return Ok(None);
    }
    Ok(projects::table
        .filter(projects::name.eq(name))
        .filter(projects::domain_id.eq(domain_id))
        .select(ProjectRow::as_select())
        .first(conn)
        .optional()?)
}

/// A global role by name.
pub fn find_global_role_by_name(
    conn: &mut DbConn,
    name: &str,
) -> Result<Option<RoleRow>, StoreError> {
    if names_no_row(name) {
        return Ok(None);
    }
    Ok(roles::table
        .filter(roles::name.eq(name))
        .filter(roles::domain_id.eq(GLOBAL_ROLE_DOMAIN))
        .select(RoleRow::as_select())
        .first(conn)
        .optional()?)
}

/// Inserts a domain row.
pub fn insert_domain(conn: &mut DbConn, row: &DomainRow) -> Result<(), StoreError> {
    diesel::insert_into(domains::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Inserts a project row.
pub fn insert_project(conn: &mut DbConn, row: &ProjectRow) -> Result<(), StoreError> {
    diesel::insert_into(projects::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Inserts a role row.
pub fn insert_role(conn: &mut DbConn, row: &RoleRow) -> Result<(), StoreError> {
    diesel::insert_into(roles::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Ids of the projects in a domain (for grants inherited from the domain).
pub fn project_ids_in_domain(
    conn: &mut DbConn,
    domain_id: &str,
) -> Result<Vec<String>, StoreError> {
    Ok(projects::table
        .filter(projects::domain_id.eq(domain_id))
        .select(projects::id)
        .order(projects::id.asc())
        .load(conn)?)
}

/// Ids of every project below a project, at any depth.
pub fn project_descendant_ids(
    conn: &mut DbConn,
    project_id: &str,
) -> Result<Vec<String>, StoreError> {
    let mut found: Vec<String> = Vec::new();
    let mut frontier = vec![project_id.to_string()];
    while !frontier.is_empty() && found.len() < 100_000 {
        let children: Vec<String> = projects::table
            .filter(projects::parent_id.eq_any(&frontier))
            .select(projects::id)
            .load(conn)?;
        frontier = children
            .into_iter()
            .filter(|c| c != project_id && !found.contains(c))
            .collect();
        found.extend(frontier.iter().cloned());
    }
    Ok(found)
}
