//! Groups (Keystone's `create_group` ... `list_groups_for_user`): ids, the domain fallback,
//! names unique per domain, immutable id and domain, and the cascade of a delete.

use actix_web::web::Bytes;
use serde_json::{Map, Value};

use crate::assignment::ceiling;
use crate::auth::policy::glue::{authorize, list_domain, needs_target};
use crate::auth::policy::{self, Target};
use crate::auth::AuthContext;
use crate::cache::Tag;
use crate::change::{self, Action, Event};
pub use crate::db::groups::GroupFilter;
use crate::db::groups::{self as store, GroupChanges};
use crate::db::models::{GroupRow, UserRow};
pub use crate::db::users::UserFilter;
use crate::db::users::{self as user_store};
use crate::db::{self, DbConn};
use crate::domain::page::{Page, PageRequest};
use crate::domain::values::{Description, Name};
use crate::domain::{new_id, now_ms};
use crate::error::ApiError;
use crate::identity::{default_domain, Ref, View};
use crate::state::AppState;

/// A group as a policy target: its domain.
pub fn group_target(group: &GroupRow) -> Target<'_> {
    Target {
        group_domain_id: Some(&group.domain_id),
        ..Target::default()
    }
}

/// A user as a policy target: itself and its domain.
pub fn user_target(user: &UserRow) -> Target<'_> {
    Target {
        user_id: Some(&user.id),
        user_domain_id: Some(&user.domain_id),
        ..Target::default()
    }
}

/// The group a call names, or the 404 naming it.
pub fn load_group(conn: &mut DbConn, group: &Ref) -> Result<GroupRow, ApiError> {
    match group {
        Ref::Id(id) => Ok(store::get_group(conn, id)?),
        Ref::Named { domain_id, name } => Ok(store::get_group_by_name(conn, name, domain_id)?),
    }
}

/// The user a call names, or the 404 naming it.
pub fn load_user(conn: &mut DbConn, user: &Ref) -> Result<UserRow, ApiError> {
    match user {
        Ref::Id(id) => Ok(user_store::get_user(conn, id)?),
        Ref::Named { domain_id, name } => user_store::find_user_by_name(conn, name, domain_id)?
            .ok_or_else(|| ApiError::not_found("user", name.clone())),
    }
}

/// Loads the group and enforces `rule` on it (a missing group is 404 only for callers the
/// rule allows whatever the target).
async fn authorized_group(
    state: &AppState,
    caller: &AuthContext,
    rule: &policy::Policy,
    group: Ref,
) -> Result<GroupRow, ApiError> {
    let loaded = db::run(&state.pool, move |conn| load_group(conn, &group)).await;
    authorize(caller, rule, loaded, group_target)
}

/// A new group as a face read it.
#[derive(Debug)]
pub struct NewGroup {
    pub name: Name,
    pub description: Option<Description>,
    /// `None`: the token's domain, then the default.
    pub domain_id: Option<String>,
    /// Attributes Keystone does not know, kept and shown back.
    pub extra: Map<String, Value>,
}

/// Keystone's `create_group`: a new id, the domain fallback, 409 on a name taken in the
/// domain (the store's unique index).
pub async fn create_group(
    state: &AppState,
    caller: &AuthContext,
    group: NewGroup,
) -> Result<GroupRow, ApiError> {
    // No id before the row exists: a refused create names no target, as before.
    change::audit(Event::new(Action::Create, "group", None));
    let domain_id = group
        .domain_id
        .unwrap_or_else(|| default_domain(state, caller));
    let target = Target {
        group_domain_id: Some(&domain_id),
        ..Target::default()
    };
    policy::enforce(caller, &policy::CREATE_GROUP, &target)?;
    let row = GroupRow {
        id: new_id(),
        name: group.name.into_inner(),
        domain_id,
        description: group.description.unwrap_or_default().into_inner(),
        extra: Value::Object(group.extra).to_string(),
        create_time: now_ms(),
    };
    let limit = state.settings.quota.groups_per_domain;
    let created = db::run(&state.pool, move |conn| {
        store::create_group(conn, row, limit)
    })
    .await?;
    change::amend(|e| e.target_id = Some(created.id.clone()));
    state.changed(&[Tag::Groups]);
    Ok(created)
}

/// Keystone's `get_group`.
pub async fn get_group(
    state: &AppState,
    caller: &AuthContext,
    group: Ref,
) -> Result<GroupRow, ApiError> {
    authorized_group(state, caller, &policy::GET_GROUP, group).await
}

/// A change to a group as a face read it.
#[derive(Debug, Default)]
pub struct GroupUpdate {
    pub name: Option<Name>,
    /// `Some(None)` (null) clears it.
    pub description: Option<Option<Description>>,
    /// Given only to be refused when it differs ("Cannot change ...").
    pub id: Option<String>,
    pub domain_id: Option<String>,
    /// Merged into the stored extra attributes.
    pub extra: Map<String, Value>,
}

/// Keystone's `update_group`: the id and the domain never change.
pub async fn update_group(
    state: &AppState,
    caller: &AuthContext,
    group: Ref,
    update: GroupUpdate,
) -> Result<GroupRow, ApiError> {
    change::audit(Event::updated("group", group.given()));
    let rule = &policy::UPDATE_GROUP;
    let current = authorized_group(state, caller, rule, group).await?;
    change::amend(|e| e.target_id = Some(current.id.clone()));
    ceiling::check_group(state, caller, rule, &current.id).await?;
    if update.id.is_some_and(|id| id != current.id) {
        return Err(ApiError::Validation("Cannot change ID".into()));
    }
    if update.domain_id.is_some_and(|d| d != current.domain_id) {
        return Err(ApiError::Validation("Cannot change Domain ID".into()));
    }
    let changes = GroupChanges {
        name: update.name.map(Name::into_inner),
        description: update
            .description
            .map(|d| d.unwrap_or_default().into_inner()),
        extra: update.extra,
    };
    let updated = db::run(&state.pool, move |conn| {
        store::update_group(conn, &current.id, changes)
    })
    .await?;
    // Lists of groups show its name; a group's members do not.
    state.changed(&[Tag::Groups]);
    Ok(updated)
}

/// What a delete does to what the group is part of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cascade {
    /// Keystone's: memberships and grants go with the group.
    Everything,
    /// Baidu's: refused (409) while the group has members or grants.
    RefuseWhenUsed,
}

/// Keystone's `delete_group` (or Baidu's, refused while in use).
pub async fn delete_group(
    state: &AppState,
    caller: &AuthContext,
    group: Ref,
    cascade: Cascade,
) -> Result<(), ApiError> {
    change::audit(Event::deleted("group", group.given()));
    let rule = &policy::DELETE_GROUP;
    let group = authorized_group(state, caller, rule, group).await?;
    change::amend(|e| e.target_id = Some(group.id.clone()));
    // Deleting a privileged group takes its roles from the admins in it: refused like
    // deleting an admin user.
    ceiling::check_group(state, caller, rule, &group.id).await?;
    let members = Tag::group_members(&group.id);
    db::run(&state.pool, move |conn| match cascade {
        Cascade::Everything => store::delete_group(conn, &group.id),
        Cascade::RefuseWhenUsed => store::delete_group_if_unused(conn, &group),
    })
    .await?;
    // Its members lose the roles its grants gave them.
    state.changed(&[Tag::Groups, members, Tag::Authz]);
    Ok(())
}

/// Keystone's `list_groups`: `name` (and its patterns) and `domain_id`, in SQL before the
/// page. A domain-scoped caller naming no domain sees its own domain's.
pub async fn list_groups<F>(
    state: &AppState,
    caller: &AuthContext,
    mut filter: GroupFilter,
    page: PageRequest,
    view: View<F>,
) -> Result<Bytes, ApiError>
where
    F: FnOnce(Page<GroupRow>) -> Result<Bytes, ApiError>,
{
    filter.domain_id = list_domain(caller, filter.domain_id.as_deref());
    let target = Target {
        group_domain_id: filter.domain_id.as_deref(),
        ..Target::default()
    };
    policy::enforce(caller, &policy::LIST_GROUPS, &target)?;
    let key = format!("groups:list:{filter:?}:{page:?}|{}", view.key);
    state
        .cached_page(
            key,
            &[Tag::Groups],
            move |conn| store::list_groups(conn, &filter, &page),
            view.render,
        )
        .await
}

/// Keystone's `list_users_in_group`: `name` (and patterns), `enabled`, `domain_id` (of the
/// members, not the caller's) and `password_expires_at`, in SQL before the page.
pub async fn list_users_in_group<F>(
    state: &AppState,
    caller: &AuthContext,
    group: Ref,
    filter: UserFilter,
    page: PageRequest,
    view: View<F>,
) -> Result<Bytes, ApiError>
where
    F: FnOnce(Page<UserRow>) -> Result<Bytes, ApiError>,
{
    let rule = &policy::LIST_USERS_IN_GROUP;
    let group_id = match group {
        // An admin needs no lookup: the list itself answers 404 for a missing group.
        Ref::Id(id) if !needs_target(caller, rule) => id,
        group => authorized_group(state, caller, rule, group).await?.id,
    };
    let key = format!("groups:users:{group_id}:{filter:?}:{page:?}|{}", view.key);
    let tags = [Tag::group_members(&group_id), Tag::Users, Tag::Groups];
    state
        .cached_page(
            key,
            &tags,
            move |conn| user_store::list_users_in_group(conn, &group_id, &filter, &page),
            view.render,
        )
        .await
}

/// Keystone's `list_groups_for_user`: `name` (and patterns), in SQL before the page; a
/// domain-scoped caller sees only the groups of its domain, as Keystone narrows them.
pub async fn list_groups_for_user<F>(
    state: &AppState,
    caller: &AuthContext,
    user: Ref,
    mut filter: GroupFilter,
    page: PageRequest,
    view: View<F>,
) -> Result<Bytes, ApiError>
where
    F: FnOnce(Page<GroupRow>) -> Result<Bytes, ApiError>,
{
    let rule = &policy::LIST_GROUPS_FOR_USER;
    let user_id = match user {
        Ref::Id(id) if !needs_target(caller, rule) => id,
        user => {
            let loaded = db::run(&state.pool, move |conn| load_user(conn, &user)).await;
            authorize(caller, rule, loaded, user_target)?.id
        }
    };
    filter.domain_id = caller.token_domain_id().map(str::to_owned);
    let key = format!("groups:of-user:{user_id}:{filter:?}:{page:?}|{}", view.key);
    let tags = [Tag::principal(&user_id), Tag::Groups];
    state
        .cached_page(
            key,
            &tags,
            move |conn| store::list_groups_for_user(conn, &user_id, &filter, &page),
            view.render,
        )
        .await
}
