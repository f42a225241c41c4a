//! The scopes a caller may ask for (Keystone's `list_domains_for_user` and
//! `list_projects_for_user` behind `/v3/auth/domains` and `/v3/auth/projects`): any
//! authenticated caller may ask about itself, scoped or not.

use crate::auth::AuthContext;
use crate::db::models::{DomainRow, ProjectRow};
use crate::db::{self, assignments};
use crate::error::ApiError;
use crate::state::AppState;

/// The enabled domains on which the caller holds a role, directly or through a group.
pub async fn domains_for_caller(
    state: &AppState,
    caller: &AuthContext,
) -> Result<Vec<DomainRow>, ApiError> {
    let user_id = caller.user_id().to_string();
    db::run(&state.pool, move |conn| {
        assignments::list_domains_for_user(conn, &user_id)
    })
    .await
    .map_err(ApiError::from)
}

/// The enabled projects on which the caller holds a role, directly, through a group, or
/// by inheritance.
pub async fn projects_for_caller(
    state: &AppState,
    caller: &AuthContext,
) -> Result<Vec<ProjectRow>, ApiError> {
    let user_id = caller.user_id().to_string();
    db::run(&state.pool, move |conn| {
        assignments::list_projects_for_user(conn, &user_id)
    })
    .await
    .map_err(ApiError::from)
}
