//! Memberships: a user in a group. Adding is idempotent; checking is a cached read.

use crate::assignment::ceiling::{self, Membership};
use crate::auth::policy::glue::{authorize, needs_target};
use crate::auth::policy::{self, Policy, Target};
use crate::auth::AuthContext;
use crate::cache::Tag;
use crate::change::{self, Event};
use crate::db::models::{GroupRow, UserRow};
use crate::db::{self, groups as group_store, users as user_store, DbConn};
use crate::error::ApiError;
use crate::identity::Ref;
use crate::state::AppState;

/// Keystone's target of a membership rule: the group's domain and the user.
pub fn membership_target((group, user): &(GroupRow, UserRow)) -> Target<'_> {
    Target {
        group_domain_id: Some(&group.domain_id),
        user_id: Some(&user.id),
        user_domain_id: Some(&user.domain_id),
        ..Target::default()
    }
}

/// The group and the user a membership call names, or the 404 naming the missing one.
pub fn load_pair(
    conn: &mut DbConn,
    group: &Ref,
    user: &Ref,
) -> Result<(GroupRow, UserRow), ApiError> {
    let group = match group {
        Ref::Id(id) => group_store::get_group(conn, id)?,
        Ref::Named { domain_id, name } => group_store::get_group_by_name(conn, name, domain_id)?,
    };
    let user = match user {
        Ref::Id(id) => user_store::get_user(conn, id)?,
        Ref::Named { domain_id, name } => user_store::find_user_by_name(conn, name, domain_id)?
            .ok_or_else(|| ApiError::not_found("user", name.clone()))?,
    };
    Ok((group, user))
}

/// The ids of a membership, after Keystone's rule (and, for a change, the ceiling) allowed
/// it. Ids need no lookup when the rule allows the caller whatever the target (an admin):
/// the act itself then answers 404 for a missing group or user.
async fn authorized(
    state: &AppState,
    caller: &AuthContext,
    rule: &Policy,
    change: Option<Membership>,
    group: Ref,
    user: Ref,
) -> Result<(String, String), ApiError> {
    if let (Ref::Id(group_id), Ref::Id(user_id)) = (&group, &user) {
        if !needs_target(caller, rule) {
            return Ok((group_id.clone(), user_id.clone()));
        }
    }
    let pair = db::run(&state.pool, move |conn| load_pair(conn, &group, &user)).await;
    let (group, user) = authorize(caller, rule, pair, membership_target)?;
    if let Some(change) = change {
        ceiling::check_membership(state, caller, rule, change, &group.id, &user.id).await?;
    }
    Ok((group.id, user.id))
}

/// The cache entries a membership is part of: the group's members, the user's groups and
/// roles (and so its tokens).
fn tags(group_id: &str, user_id: &str) -> [Tag; 2] {
    [Tag::group_members(group_id), Tag::principal(user_id)]
}

/// Keystone's `add_user_to_group`: idempotent.
pub async fn add_user_to_group(
    state: &AppState,
    caller: &AuthContext,
    group: Ref,
    user: Ref,
) -> Result<(), ApiError> {
    change_membership(
        state,
        caller,
        &policy::ADD_USER_TO_GROUP,
        Membership::Add,
        group,
        user,
    )
    .await
}

/// Keystone's `remove_user_from_group`: 404 when the user is not a member.
pub async fn remove_user_from_group(
    state: &AppState,
    caller: &AuthContext,
    group: Ref,
    user: Ref,
) -> Result<(), ApiError> {
    let rule = &policy::REMOVE_USER_FROM_GROUP;
    change_membership(state, caller, rule, Membership::Remove, group, user).await
}

async fn change_membership(
    state: &AppState,
    caller: &AuthContext,
    rule: &Policy,
    change: Membership,
    group: Ref,
    user: Ref,
) -> Result<(), ApiError> {
    // The event is said before the rules are enforced, so a refusal is audited too; its
    // target is the user, as Keystone's notification names it.
    let mut event = match change {
        Membership::Add => Event::created("group.user", id_of(&user)),
        Membership::Remove => Event::deleted("group.user", id_of(&user)),
    };
    change::audit(event.clone());
    let (group_id, user_id) = authorized(state, caller, rule, Some(change), group, user).await?;
    event.target_id = Some(user_id.clone());
    change::audit(event);
    let tags = tags(&group_id, &user_id);
    let limits = db::quota::MembershipLimits {
        groups_per_user: state.settings.quota.groups_per_user,
        users_per_group: state.settings.quota.users_per_group,
    };
    db::run(&state.pool, move |conn| match change {
        Membership::Add => group_store::add_user_to_group(conn, &user_id, &group_id, limits),
        Membership::Remove => group_store::remove_user_from_group(conn, &user_id, &group_id),
    })
    .await?;
    state.changed(&tags);
    Ok(())
}

/// What a refused call names as its target before any lookup: the id or the name given.
fn id_of(r: &Ref) -> String {
    match r {
        Ref::Id(id) => id.clone(),
        Ref::Named { name, .. } => name.clone(),
    }
}

/// Keystone's `check_user_in_group`: `Ok` when the user is a member, else 404. Answered from
/// the read cache while the membership did not change.
pub async fn check_user_in_group(
    state: &AppState,
    caller: &AuthContext,
    group_id: String,
    user_id: String,
) -> Result<(), ApiError> {
    let rule = &policy::CHECK_USER_IN_GROUP;
    let (group_id, user_id) = authorized(
        state,
        caller,
        rule,
        None,
        Ref::Id(group_id),
        Ref::Id(user_id),
    )
    .await?;
    let key = format!("groups:member:{group_id}:{user_id}");
    let tags = tags(&group_id, &user_id);
    state
        .cached_read(key, &tags, move |conn| {
            group_store::check_user_in_group(conn, &user_id, &group_id)
        })
        .await
}
