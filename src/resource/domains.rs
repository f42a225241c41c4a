//! Domains: Keystone's `create_domain`, `get_domain`, `list_domains`, `update_domain`,
//! `delete_domain`.

use serde_json::{Map, Value};

use crate::auth::policy::glue::authorize;
use crate::auth::policy::{self, Target};
use crate::auth::AuthContext;
use crate::cache::Tag;
use crate::change::{self, Action, Event};
use crate::db::domains::{DomainChanges, DomainFilter};
use crate::db::models::DomainRow;
use crate::db::{self, domains as store, resources};
use crate::domain::page::{Page, PageRequest};
use crate::domain::values::{Description, Name};
use crate::domain::{new_id, now_ms};
use crate::error::ApiError;
use crate::resource::{extra_changes, stored_extra};
use crate::state::AppState;

/// A new domain, as a face read it.
#[derive(Debug)]
pub struct NewDomain {
    pub name: Name,
    pub description: Option<Description>,
    pub enabled: Option<bool>,
    pub tags: Option<Vec<String>>,
    pub extra: Map<String, Value>,
}

/// A change to a domain; `None` leaves a field alone.
#[derive(Debug, Default)]
pub struct DomainUpdate {
    /// The id the body claims: it must be the domain's own ("Cannot change ID").
    pub id: Option<String>,
    pub name: Option<Name>,
    /// `Some(None)` clears it.
    pub description: Option<Option<Description>>,
    pub enabled: Option<bool>,
    pub tags: Option<Vec<String>>,
    pub extra: Map<String, Value>,
}

/// Keystone's target of a domain rule.
pub fn domain_target(domain: &DomainRow) -> Target<'_> {
    Target {
        domain_id: Some(&domain.id),
        ..Target::default()
    }
}

async fn load(state: &AppState, domain_id: String) -> Result<DomainRow, ApiError> {
    db::run(&state.pool, move |conn| {
        resources::get_domain(conn, &domain_id)
    })
    .await
    .map_err(ApiError::from)
}

/// Keystone `create_domain`: a new id; enabled unless told otherwise.
pub async fn create_domain(
    state: &AppState,
    caller: &AuthContext,
    new: NewDomain,
) -> Result<DomainRow, ApiError> {
    change::audit(Event::new(Action::Create, "domain", None));
    policy::enforce(caller, &policy::CREATE_DOMAIN, &Target::default())?;
    let row = DomainRow {
        id: new_id(),
        name: new.name.into_inner(),
        description: new.description.unwrap_or_default().into_inner(),
        enabled: new.enabled.unwrap_or(true),
        extra: stored_extra(new.extra, new.tags),
        created_at: now_ms(),
    };
    change::amend(|e| e.target_id = Some(row.id.clone()));
    let created = db::run(&state.pool, move |conn| store::create_domain(conn, row)).await?;
    // Scopes and the roles held on them.
    state.changed(&[Tag::Authz]);
    Ok(created)
}

/// Keystone `get_domain`.
pub async fn get_domain(
    state: &AppState,
    caller: &AuthContext,
    domain_id: String,
) -> Result<DomainRow, ApiError> {
    let domain = load(state, domain_id).await;
    authorize(caller, &policy::GET_DOMAIN, domain, domain_target)
}

/// Keystone `list_domains`: a caller who may not list every domain sees only the domain
/// of its token.
pub async fn list_domains(
    state: &AppState,
    caller: &AuthContext,
    mut filter: DomainFilter,
    page: PageRequest,
) -> Result<Page<DomainRow>, ApiError> {
    if !policy::allows(caller, &policy::LIST_DOMAINS, &Target::default()) {
        let own = caller.token_domain_id().map(str::to_owned);
        policy::enforce(
            caller,
            &policy::LIST_DOMAINS,
            &Target {
                domain_id: own.as_deref(),
                ..Target::default()
            },
        )?;
        filter.id = own;
    }
    db::run(&state.pool, move |conn| {
        store::list_domains(conn, &filter, &page)
    })
    .await
    .map_err(ApiError::from)
}

/// Keystone `update_domain`: the id cannot change; disabling one ends the tokens scoped
/// to it (the store revokes them).
pub async fn update_domain(
    state: &AppState,
    caller: &AuthContext,
    domain_id: String,
    update: DomainUpdate,
) -> Result<DomainRow, ApiError> {
    change::audit(Event::updated("domain", domain_id.clone()));
    let current = load(state, domain_id.clone()).await;
    let current = authorize(caller, &policy::UPDATE_DOMAIN, current, domain_target)?;
    if update.id.is_some_and(|id| id != current.id) {
        return Err(ApiError::Validation("Cannot change ID".into()));
    }
    let changes = DomainChanges {
        name: update.name.map(Name::into_inner),
        description: update
            .description
            .map(|d| d.unwrap_or_default().into_inner()),
        enabled: update.enabled,
        extra: extra_changes(update.extra, update.tags),
    };
    let lifetime = state.settings.token.lifetime_ms();
    let updated = db::run(&state.pool, move |conn| {
        store::update_domain(conn, &domain_id, changes, lifetime)
    })
    .await?;
    // Scopes and the roles held on them.
    state.changed(&[Tag::Authz]);
    Ok(updated)
}

/// Keystone `delete_domain`: only a disabled domain, and everything it holds goes with it.
pub async fn delete_domain(
    state: &AppState,
    caller: &AuthContext,
    domain_id: String,
) -> Result<(), ApiError> {
    change::audit(Event::deleted("domain", domain_id.clone()));
    let domain = load(state, domain_id.clone()).await;
    authorize(caller, &policy::DELETE_DOMAIN, domain, domain_target)?;
    db::run(&state.pool, move |conn| {
        store::delete_domain(conn, &domain_id)
    })
    .await?;
    // Its users, groups and grants went with it.
    state.changed(&[Tag::Authz, Tag::Users, Tag::Groups]);
    Ok(())
}
