//! Role assignments, after Keystone's assignment SQL driver.

use diesel::prelude::*;

use super::models::{AssignmentRow, DomainRow, ProjectRow, RoleRow};
use super::schema::{assignments, domains, projects, roles, user_group_membership as membership};
use super::{insert_unless_present, DbConn};
use crate::error::ApiError;

/// The kinds of assignment Keystone keeps, by actor and target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignmentKind {
    UserProject,
    GroupProject,
    UserDomain,
    GroupDomain,
}

impl AssignmentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AssignmentKind::UserProject => "UserProject",
            AssignmentKind::GroupProject => "GroupProject",
            AssignmentKind::UserDomain => "UserDomain",
            AssignmentKind::GroupDomain => "GroupDomain",
        }
    }
}

/// Keystone `create_grant`; granting twice is not an error.
pub fn create_grant(
    conn: &mut DbConn,
    kind: AssignmentKind,
    actor_id: &str,
    target_id: &str,
    role_id: &str,
) -> Result<(), ApiError> {
    let row = AssignmentRow {
        kind: kind.as_str().to_string(),
        actor_id: actor_id.to_string(),
        target_id: target_id.to_string(),
        role_id: role_id.to_string(),
        inherited: false,
    };
    insert_unless_present(conn, |conn| {
        diesel::insert_into(assignments::table)
            .values(&row)
            .execute(conn)
    })?;
    Ok(())
}

/// The roles a user holds on a project or domain, directly or through any of their
/// groups, each role once, ordered by name.
pub fn effective_roles(
    conn: &mut DbConn,
    user_id: &str,
    target_id: &str,
) -> Result<Vec<RoleRow>, ApiError> {
    let group_ids = membership::table
        .filter(membership::user_id.eq(user_id))
        .select(membership::group_id);
    let roles: Vec<RoleRow> = roles::table
        .filter(
            roles::id.eq_any(
                assignments::table
                    .filter(assignments::target_id.eq(target_id))
                    .filter(assignments::inherited.eq(false))
                    .filter(
                        assignments::actor_id
                            .eq(user_id)
                            .and(assignments::kind.like("User%"))
                            .or(assignments::actor_id
                                .eq_any(group_ids)
                                .and(assignments::kind.like("Group%"))),
                    )
                    .select(assignments::role_id),
            ),
        )
        .order(roles::name.asc())
        .select(RoleRow::as_select())
        .load(conn)?;
    Ok(roles)
}

/// The ids of targets of `kinds` on which a user holds a role, directly or through a group.
fn target_ids_for_user(
    conn: &mut DbConn,
    user_id: &str,
    user_kind: AssignmentKind,
    group_kind: AssignmentKind,
) -> Result<Vec<String>, ApiError> {
    let group_ids = membership::table
        .filter(membership::user_id.eq(user_id))
        .select(membership::group_id);
    Ok(assignments::table
        .filter(assignments::inherited.eq(false))
        .filter(
            assignments::actor_id
                .eq(user_id)
                .and(assignments::kind.eq(user_kind.as_str()))
                .or(assignments::actor_id
                    .eq_any(group_ids)
                    .and(assignments::kind.eq(group_kind.as_str()))),
        )
        .select(assignments::target_id)
        .distinct()
        .load(conn)?)
}

/// Keystone `list_domains_for_user`: enabled domains where the user holds a role, directly
/// or through a group, ordered by id.
pub fn list_domains_for_user(conn: &mut DbConn, user_id: &str) -> Result<Vec<DomainRow>, ApiError> {
    let ids = target_ids_for_user(
        conn,
        user_id,
        AssignmentKind::UserDomain,
        AssignmentKind::GroupDomain,
    )?;
    Ok(domains::table
        .filter(domains::id.eq_any(ids))
        .filter(domains::enabled.eq(true))
        .order(domains::id.asc())
        .select(DomainRow::as_select())
        .load(conn)?)
}

/// Keystone `list_projects_for_user`: enabled projects, in enabled domains, where the user
/// holds a role, directly or through a group, ordered by id.
pub fn list_projects_for_user(
    conn: &mut DbConn,
    user_id: &str,
) -> Result<Vec<ProjectRow>, ApiError> {
    let ids = target_ids_for_user(
        conn,
        user_id,
        AssignmentKind::UserProject,
        AssignmentKind::GroupProject,
    )?;
    let enabled_domains = domains::table
        .filter(domains::enabled.eq(true))
        .select(domains::id);
    Ok(projects::table
        .filter(projects::id.eq_any(ids))
        .filter(projects::enabled.eq(true))
        .filter(projects::domain_id.eq_any(enabled_domains))
        .order(projects::id.asc())
        .select(ProjectRow::as_select())
        .load(conn)?)
}
