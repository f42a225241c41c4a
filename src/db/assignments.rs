//! Role assignments, after Keystone's assignment SQL driver.

use diesel::prelude::*;

use super::models::{AssignmentRow, RoleRow};
use super::schema::{assignments, roles, user_group_membership as membership};
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
