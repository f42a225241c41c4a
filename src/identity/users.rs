//! Users (Keystone's `create_user` ... `change_password`): ids, the domain fallback, names
//! unique per domain, the default project checked, immutable id and domain, a new password
//! ending the user's tokens, and the cascade of a delete.

use serde_json::{Map, Value};

use crate::assignment::ceiling;
use crate::auth::policy::glue::{authorize, list_domain};
use crate::auth::policy::{self, Policy, Target};
use crate::auth::AuthContext;
use crate::cache::Tag;
use crate::change::{self, Action, Event};
use crate::db::models::UserRow;
use crate::db::users::{self as store, UserChanges, UserFilter};
use crate::db::{self};
use crate::domain::page::{Page, PageRequest};
use crate::domain::values::{Description, Name};
use crate::domain::{new_id, now_ms};
use crate::error::ApiError;
use crate::identity::groups::{load_user, user_target};
use crate::identity::{default_domain, Ref, View};
use crate::state::AppState;

/// Loads the user a call names and enforces `rule` on it (a missing user is 404 only for
/// callers the rule allows whatever the target).
pub async fn authorized_user(
    state: &AppState,
    caller: &AuthContext,
    rule: &Policy,
    user: Ref,
) -> Result<UserRow, ApiError> {
    let loaded = db::run(&state.pool, move |conn| load_user(conn, &user)).await;
    authorize(caller, rule, loaded, user_target)
}

/// Loads the user for a change under `rule`: Keystone's rule, then the manager's ceiling
/// (a caller may not change a user who holds more than it could grant).
pub async fn user_to_change(
    state: &AppState,
    caller: &AuthContext,
    rule: &Policy,
    user: Ref,
) -> Result<UserRow, ApiError> {
    let user = authorized_user(state, caller, rule, user).await?;
    ceiling::check_user(state, caller, rule, &user.id).await?;
    Ok(user)
}

/// A new user as a face read it.
#[derive(Debug)]
pub struct NewUser {
    pub name: Name,
    /// `None`: the token's domain, then the default.
    pub domain_id: Option<String>,
    pub enabled: Option<bool>,
    pub description: Option<Description>,
    /// As given; the configured password rules judge it.
    pub password: Option<String>,
    /// Must name an existing project (404 otherwise).
    pub default_project_id: Option<String>,
    pub extra: Map<String, Value>,
}

/// Keystone's `create_user`: a new id, the domain fallback, 409 on a name taken in the
/// domain, the password hashed off the async threads.
pub async fn create_user(
    state: &AppState,
    caller: &AuthContext,
    user: NewUser,
) -> Result<UserRow, ApiError> {
    change::audit(Event::new(Action::Create, "user", None));
    let password = user
        .password
        .map(|p| state.password_rules.parse("password", &p))
        .transpose()?;
    let domain_id = user
        .domain_id
        .unwrap_or_else(|| default_domain(state, caller));
    let target = Target {
        user_domain_id: Some(&domain_id),
        ..Target::default()
    };
    policy::enforce(caller, &policy::CREATE_USER, &target)?;
    let password_hash = match password {
        Some(p) => Some(state.hash_password(p).await?),
        None => None,
    };
    let row = UserRow {
        id: new_id(),
        name: user.name.into_inner(),
        domain_id,
        enabled: user.enabled.unwrap_or(true),
        description: user.description.unwrap_or_default().into_inner(),
        password_hash,
        password_expires_at: None,
        default_project_id: user.default_project_id,
        extra: Value::Object(user.extra).to_string(),
        created_at: now_ms(),
        failed_auth_count: 0,
        failed_auth_at: None,
    };
    let limit = state.settings.quota.users_per_domain;
    let created = db::run(&state.pool, move |conn| {
        store::create_user(conn, row, limit)
    })
    .await?;
    change::amend(|e| e.target_id = Some(created.id.clone()));
    // A new user is in no group and holds nothing: no cached answer counted them (the
    // list of users is not cached).
    state.changed(&[]);
    Ok(created)
}

/// Keystone's `get_user`: admins, and users for themselves.
pub async fn get_user(
    state: &AppState,
    caller: &AuthContext,
    user: Ref,
) -> Result<UserRow, ApiError> {
    authorized_user(state, caller, &policy::GET_USER, user).await
}

/// A change to a user as a face read it.
#[derive(Debug, Default)]
pub struct UserUpdate {
    pub name: Option<Name>,
    pub enabled: Option<bool>,
    /// `Some(None)` (null) clears it.
    pub description: Option<Option<Description>>,
    /// As given; null leaves the password as it is.
    pub password: Option<String>,
    /// `Some(None)` (null) clears it.
    pub default_project_id: Option<Option<String>>,
    /// Given only to be refused when it differs ("Cannot change ...").
    pub id: Option<String>,
    pub domain_id: Option<String>,
    pub extra: Map<String, Value>,
}

/// Keystone's `update_user`. A new password revokes the user's tokens; disabling the user
/// makes every token of theirs fail validation.
pub async fn update_user(
    state: &AppState,
    caller: &AuthContext,
    user: Ref,
    update: UserUpdate,
) -> Result<UserRow, ApiError> {
    change::audit(Event::updated("user", user.given()));
    let password = update
        .password
        .map(|p| state.password_rules.parse("password", &p))
        .transpose()?;
    let rule = &policy::UPDATE_USER;
    let current = authorized_user(state, caller, rule, user).await?;
    change::amend(|e| e.target_id = Some(current.id.clone()));
    // Any change counts, not only a password: disabling or renaming an admin is a
    // takeover of a kind too.
    ceiling::check_user(state, caller, rule, &current.id).await?;
    let password_hash = match password {
        Some(p) => Some(state.hash_password(p).await?),
        None => None,
    };
    if update.id.is_some_and(|id| id != current.id) {
        return Err(ApiError::Validation("Cannot change ID".into()));
    }
    if update.domain_id.is_some_and(|d| d != current.domain_id) {
        return Err(ApiError::Validation("Cannot change Domain ID".into()));
    }
    let changes = UserChanges {
        name: update.name.map(Name::into_inner),
        enabled: update.enabled,
        description: update
            .description
            .map(|d| d.unwrap_or_default().into_inner()),
        password_hash,
        default_project_id: update.default_project_id,
        extra: update.extra,
    };
    let lifetime = state.settings.token.lifetime_ms();
    let updated = db::run(&state.pool, move |conn| {
        store::update_user(conn, &current.id, changes, lifetime)
    })
    .await?;
    // Their tokens, and every list of members that shows them.
    state.changed(&[Tag::principal(&updated.id), Tag::Users]);
    Ok(updated)
}

/// Keystone's `delete_user`: memberships, grants and access keys go with the user.
pub async fn delete_user(
    state: &AppState,
    caller: &AuthContext,
    user: Ref,
) -> Result<(), ApiError> {
    change::audit(Event::deleted("user", user.given()));
    let user = user_to_change(state, caller, &policy::DELETE_USER, user).await?;
    let tags = [Tag::principal(&user.id), Tag::Users];
    db::run(&state.pool, move |conn| store::delete_user(conn, &user.id)).await?;
    state.changed(&tags);
    Ok(())
}

/// Keystone's `change_password`: a user changes their own, proving the current one. As
/// in Keystone the proof is a login: it counts towards the lockout, a locked account
/// cannot change its password, and a wrong one is audited as a failure (401).
pub async fn change_password(
    state: &AppState,
    caller: &AuthContext,
    user_id: String,
    original: String,
    password: String,
) -> Result<(), ApiError> {
    let mut event = Event::updated("user.password", user_id.clone());
    event.proves_password = true;
    change::audit(event);
    let password = state.password_rules.parse("password", &password)?;
    let rule = &policy::CHANGE_PASSWORD;
    let current = authorized_user(state, caller, rule, Ref::Id(user_id)).await?;
    let current = crate::token::password::check_password(state, Some(current), original).await?;
    let hash = state.hash_password(password).await?;
    let lifetime = state.settings.token.lifetime_ms();
    let tags = [Tag::principal(&current.id)];
    db::run(&state.pool, move |conn| {
        let changes = UserChanges {
            password_hash: Some(hash),
            ..UserChanges::default()
        };
        store::update_user(conn, &current.id, changes, lifetime)
    })
    .await?;
    // Only this user's tokens: nothing cached shows a password.
    state.changed(&tags);
    Ok(())
}

/// Keystone's filters of `list_users` that name a federated identity (`idp_id`,
/// `protocol_id`, `unique_id`).
#[derive(Debug, Default, Clone)]
pub struct FederatedFilter {
    pub idp_id: Option<String>,
    pub protocol_id: Option<String>,
    pub unique_id: Option<String>,
}

impl FederatedFilter {
    fn is_empty(&self) -> bool {
        self.idp_id.is_none() && self.protocol_id.is_none() && self.unique_id.is_none()
    }
}

/// Keystone's `list_users`: `domain_id`, `enabled`, `name` (and patterns),
/// `password_expires_at`, in SQL before the page; `idp_id`, `protocol_id` and `unique_id`
/// keep only users with a federated identity, which this service does not store (every
/// user is local), so they keep none. A domain-scoped caller naming no domain sees its own.
pub async fn list_users<F, B>(
    state: &AppState,
    caller: &AuthContext,
    mut filter: UserFilter,
    federated: FederatedFilter,
    page: PageRequest,
    view: View<F>,
) -> Result<B, ApiError>
where
    F: FnOnce(Page<UserRow>) -> Result<B, ApiError>,
{
    filter.domain_id = list_domain(caller, filter.domain_id.as_deref());
    let target = Target {
        list_domain_id: filter.domain_id.as_deref(),
        ..Target::default()
    };
    policy::enforce(caller, &policy::LIST_USERS, &target)?;
    if !federated.is_empty() {
        return (view.render)(Page {
            items: Vec::new(),
            truncated: false,
            next_marker: None,
            previous_marker: None,
        });
    }
    // Not cached: a new user changes it, and creating a user invalidates nothing.
    let users = db::run(&state.pool, move |conn| {
        store::list_users(conn, &filter, &page)
    })
    .await?;
    (view.render)(users)
}
