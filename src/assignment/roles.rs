//! Roles and implied roles: Keystone's `create_role`, `get_role`, `list_roles`,
//! `update_role`, `delete_role`, and the implied-role calls.

use serde_json::{Map, Value};

use crate::auth::policy::glue::authorize;
use crate::auth::policy::{self, Target};
use crate::auth::AuthContext;
use crate::cache::Tag;
use crate::change::{self, Action, Event};
use crate::db::models::RoleRow;
use crate::db::resources::GLOBAL_ROLE_DOMAIN;
use crate::db::roles::{RoleChanges, RoleFilter};
use crate::db::{self, assignments, roles as store};
use crate::domain::page::{Page, PageRequest};
use crate::domain::values::{Description, Name, ResourceId};
use crate::domain::{new_id, now_ms};
use crate::error::ApiError;
use crate::state::AppState;

/// Roles that no rule may imply (Keystone's `prohibited_implied_role`).
const PROHIBITED_IMPLIED_ROLES: &[&str] = &["admin"];

/// A new role; without a domain it is global.
#[derive(Debug)]
pub struct NewRole {
    pub name: Name,
    pub description: Option<Description>,
    pub domain_id: Option<ResourceId>,
    pub extra: Map<String, Value>,
}

/// A change to a role; `None` leaves a field alone. The id and domain may only be
/// restated.
#[derive(Debug, Default)]
pub struct RoleUpdate {
    pub id: Option<String>,
    pub name: Option<Name>,
    pub description: Option<Option<Description>>,
    /// `Some(None)` when the body says `null` (a global role).
    pub domain_id: Option<Option<String>>,
    pub extra: Map<String, Value>,
}

/// The domain of a domain-specific role; `None` for a global one.
pub fn role_domain(role: &RoleRow) -> Option<&str> {
    (role.domain_id != GLOBAL_ROLE_DOMAIN).then_some(role.domain_id.as_str())
}

/// Keystone's target of a role rule.
pub fn role_target(role: &RoleRow) -> Target<'_> {
    Target {
        role: Some((&role.name, role_domain(role))),
        ..Target::default()
    }
}

async fn load(state: &AppState, role_id: String) -> Result<RoleRow, ApiError> {
    db::run(&state.pool, move |conn| store::get_role(conn, &role_id))
        .await
        .map_err(ApiError::from)
}

/// Keystone `create_role`.
pub async fn create_role(
    state: &AppState,
    caller: &AuthContext,
    new: NewRole,
) -> Result<RoleRow, ApiError> {
    change::audit(Event::new(Action::Create, "role", None));
    policy::enforce(caller, &policy::CREATE_ROLE, &Target::default())?;
    let row = RoleRow {
        id: new_id(),
        name: new.name.into_inner(),
        domain_id: new
            .domain_id
            .map(ResourceId::into_inner)
            .unwrap_or_else(|| GLOBAL_ROLE_DOMAIN.to_string()),
        description: new.description.unwrap_or_default().into_inner(),
        extra: Value::Object(new.extra).to_string(),
        created_at: now_ms(),
    };
    change::amend(|e| e.target_id = Some(row.id.clone()));
    let created = db::run(&state.pool, move |conn| store::create_role(conn, row)).await?;
    // What every token's roles are computed from.
    state.changed(&[Tag::Authz]);
    Ok(created)
}

/// Keystone `get_role`.
pub async fn get_role(
    state: &AppState,
    caller: &AuthContext,
    role_id: String,
) -> Result<RoleRow, ApiError> {
    let role = load(state, role_id).await;
    authorize(caller, &policy::GET_ROLE, role, role_target)
}

/// Keystone `list_roles`: without `domain_id`, the global roles.
pub async fn list_roles(
    state: &AppState,
    caller: &AuthContext,
    filter: RoleFilter,
    page: PageRequest,
) -> Result<Page<RoleRow>, ApiError> {
    policy::enforce(caller, &policy::LIST_ROLES, &Target::default())?;
    db::run(&state.pool, move |conn| {
        store::list_roles(conn, &filter, &page)
    })
    .await
    .map_err(ApiError::from)
}

/// Keystone `update_role`: name, description, extras.
pub async fn update_role(
    state: &AppState,
    caller: &AuthContext,
    role_id: String,
    update: RoleUpdate,
) -> Result<RoleRow, ApiError> {
    change::audit(Event::updated("role", role_id.clone()));
    let current = load(state, role_id.clone()).await;
    let current = authorize(caller, &policy::UPDATE_ROLE, current, role_target)?;
    if update.id.is_some_and(|id| id != current.id) {
        return Err(ApiError::Validation("Cannot change ID".into()));
    }
    if update
        .domain_id
        .is_some_and(|d| d.as_deref() != role_domain(&current))
    {
        return Err(ApiError::Validation(
            "Update of `domain_id` is not allowed.".into(),
        ));
    }
    let changes = RoleChanges {
        name: update.name.map(Name::into_inner),
        description: update
            .description
            .map(|d| d.unwrap_or_default().into_inner()),
        extra: update.extra,
    };
    let updated = db::run(&state.pool, move |conn| {
        store::update_role(conn, &role_id, changes)
    })
    .await?;
    // What every token's roles are computed from.
    state.changed(&[Tag::Authz]);
    Ok(updated)
}

/// Keystone `delete_role`: its grants and rules go with it.
pub async fn delete_role(
    state: &AppState,
    caller: &AuthContext,
    role_id: String,
) -> Result<(), ApiError> {
    change::audit(Event::deleted("role", role_id.clone()));
    let role = load(state, role_id.clone()).await;
    authorize(caller, &policy::DELETE_ROLE, role, role_target)?;
    db::run(&state.pool, move |conn| store::delete_role(conn, &role_id)).await?;
    // What every token's roles are computed from.
    state.changed(&[Tag::Authz]);
    Ok(())
}

/// An implied-role rule: the prior role and the one it implies.
#[derive(Debug, Clone)]
pub struct Inference {
    pub prior: RoleRow,
    pub implied: RoleRow,
}

/// The two roles of a rule, and whether the rule exists, once the rule allowed the caller.
async fn rule(
    state: &AppState,
    caller: &AuthContext,
    rule: &policy::Policy,
    prior_id: String,
    implied_id: String,
) -> Result<(Inference, bool), ApiError> {
    let found = db::run(&state.pool, move |conn| {
        let prior = store::get_role(conn, &prior_id)?;
        let implied = store::get_role(conn, &implied_id)?;
        let exists = assignments::implied_role_exists(conn, &prior_id, &implied_id)?;
        Ok::<_, ApiError>((Inference { prior, implied }, exists))
    })
    .await;
    authorize(caller, rule, found, |_| Target::default())
}

fn no_rule(rule: &Inference) -> ApiError {
    ApiError::NotFoundMessage(format!(
        "{} does not imply {}.",
        rule.prior.id, rule.implied.id
    ))
}

/// The event of an implied-role change: its target is the implied role.
fn implied_event(action: Action, implied_id: &str) -> Event {
    Event::new(action, "role.implied_role", Some(implied_id.to_string()))
}

/// Keystone `create_implied_role`: no rule may imply `admin`, and a global role may not
/// imply a domain's own.
pub async fn create_implied_role(
    state: &AppState,
    caller: &AuthContext,
    prior_id: String,
    implied_id: String,
) -> Result<Inference, ApiError> {
    change::audit(implied_event(Action::Create, &implied_id));
    let (found, _) = rule(
        state,
        caller,
        &policy::WRITE_IMPLIED_ROLES,
        prior_id.clone(),
        implied_id.clone(),
    )
    .await?;
    if PROHIBITED_IMPLIED_ROLES.contains(&found.implied.name.as_str()) {
        return Err(ApiError::Forbidden(format!(
            "{} cannot be an implied roles.",
            found.implied.id
        )));
    }
    if role_domain(&found.prior).is_none() && role_domain(&found.implied).is_some() {
        return Err(ApiError::Forbidden(
            "Global role cannot imply a domain-specific role".into(),
        ));
    }
    db::run(&state.pool, move |conn| {
        assignments::create_implied_role(conn, &prior_id, &implied_id)
    })
    .await?;
    // What every token's roles are computed from.
    state.changed(&[Tag::Authz]);
    Ok(found)
}

/// Keystone `get_implied_role` (and `check_implied_role`): 404 unless the rule exists.
pub async fn get_implied_role(
    state: &AppState,
    caller: &AuthContext,
    prior_id: String,
    implied_id: String,
) -> Result<Inference, ApiError> {
    let (found, exists) = rule(
        state,
        caller,
        &policy::READ_IMPLIED_ROLES,
        prior_id,
        implied_id,
    )
    .await?;
    if !exists {
        return Err(no_rule(&found));
    }
    Ok(found)
}

/// Keystone `delete_implied_role`: 404 unless the rule exists.
pub async fn delete_implied_role(
    state: &AppState,
    caller: &AuthContext,
    prior_id: String,
    implied_id: String,
) -> Result<(), ApiError> {
    change::audit(implied_event(Action::Delete, &implied_id));
    let (found, _) = rule(
        state,
        caller,
        &policy::WRITE_IMPLIED_ROLES,
        prior_id.clone(),
        implied_id.clone(),
    )
    .await?;
    let deleted = db::run(&state.pool, move |conn| {
        assignments::delete_implied_role(conn, &prior_id, &implied_id)
    })
    .await?;
    if !deleted {
        return Err(no_rule(&found));
    }
    // What every token's roles are computed from.
    state.changed(&[Tag::Authz]);
    Ok(())
}

/// Keystone `list_implied_roles`: the prior role and the roles it implies.
pub async fn list_implied_roles(
    state: &AppState,
    caller: &AuthContext,
    prior_id: String,
) -> Result<(RoleRow, Vec<RoleRow>), ApiError> {
    let prior = load(state, prior_id.clone()).await;
    let prior = authorize(caller, &policy::READ_IMPLIED_ROLES, prior, |_| {
        Target::default()
    })?;
    let implied = db::run(&state.pool, move |conn| {
        store::list_implied_roles(conn, &prior_id)
    })
    .await?;
    Ok((prior, implied))
}

/// Keystone `list_role_inference_rules`: every prior role with the roles it implies.
pub async fn list_role_inference_rules(
    state: &AppState,
    caller: &AuthContext,
) -> Result<Vec<(RoleRow, Vec<RoleRow>)>, ApiError> {
    policy::enforce(caller, &policy::READ_IMPLIED_ROLES, &Target::default())?;
    db::run(&state.pool, store::list_role_inference_rules)
        .await
        .map_err(ApiError::from)
}
