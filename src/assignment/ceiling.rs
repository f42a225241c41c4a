//! The manager's ceiling: after an operation has enforced Keystone's rule on a loaded user
//! or group, these load what the target holds and apply [`policy::enforce_ceiling`], the
//! one rule, for every face (`/v3`, `/v3.0` and `/v1`). It reads assignments, so it lives
//! with them, above the policy table it applies.
//! Admins skip the lookup: the ceiling never limits them.

use crate::auth::policy::{self, Held, Policy};
use crate::auth::AuthContext;
use crate::db::{self, assignments};
use crate::error::ApiError;
use crate::state::AppState;

/// Refuses `policy` on another user who holds more than the caller could grant. A caller
/// acting on itself is not limited: it gains nothing it does not already hold.
pub async fn check_user(
    state: &AppState,
    caller: &AuthContext,
    policy: &Policy,
    user_id: &str,
) -> Result<(), ApiError> {
    if caller.is_admin() || caller.user_id() == user_id {
        return Ok(());
    }
    let id = user_id.to_string();
    let holds = db::run(&state.pool, move |conn| {
        assignments::holdings_of_user(conn, &id)
    })
    .await?;
    policy::enforce_ceiling(caller, policy, Held::User, &holds)
}

/// Refuses `policy` on a group that holds more than the caller could grant: renaming,
/// deleting, or adding anyone (the caller included) to it.
pub async fn check_group(
    state: &AppState,
    caller: &AuthContext,
    policy: &Policy,
    group_id: &str,
) -> Result<(), ApiError> {
    if caller.is_admin() {
        return Ok(());
    }
    let id = group_id.to_string();
    let holds = db::run(&state.pool, move |conn| {
        assignments::holdings_of_group(conn, &id)
    })
    .await?;
    policy::enforce_ceiling(caller, policy, Held::Group, &holds)
}

/// Which way a membership changes, for [`check_membership`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    /// Joining gives the user the group's roles: both the user and the group must be within
    /// the ceiling.
    Add,
    /// Leaving takes the group's roles away, so only the user is judged. A member of a
    /// privileged group holds its roles, so taking one out is refused all the same.
    Remove,
}

/// The ceiling of one membership change.
pub async fn check_membership(
    state: &AppState,
    caller: &AuthContext,
    policy: &Policy,
    change: Membership,
    group_id: &str,
    user_id: &str,
) -> Result<(), ApiError> {
    if change == Membership::Add {
        check_group(state, caller, policy, group_id).await?;
    }
    check_user(state, caller, policy, user_id).await
}
