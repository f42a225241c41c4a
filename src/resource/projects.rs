//! Projects: Keystone's `create_project`, `get_project`, `list_projects`,
//! `update_project`, `delete_project` and `list_user_projects`.

use serde_json::{Map, Value};

use crate::auth::policy::glue::{authorize, list_domain};
use crate::auth::policy::{self, Target};
use crate::auth::AuthContext;
use crate::cache::Tag;
use crate::change::{self, Action, Event};
use crate::db::models::{ProjectRow, UserRow};
use crate::db::projects::{ProjectChanges, ProjectFilter};
use crate::db::{self, projects as store, resources, users as users_store};
use crate::domain::page::{Page, PageRequest};
use crate::domain::values::{Description, Name, ResourceId};
use crate::domain::{new_id, now_ms};
use crate::error::ApiError;
use crate::resource::{extra_changes, stored_extra};
use crate::state::AppState;

/// A new project, as a face read it.
#[derive(Debug)]
pub struct NewProject {
    pub name: Name,
    pub description: Option<Description>,
    pub enabled: Option<bool>,
    pub is_domain: Option<bool>,
    pub domain_id: Option<ResourceId>,
    pub parent_id: Option<ResourceId>,
    pub tags: Option<Vec<String>>,
    pub extra: Map<String, Value>,
}

/// A change to a project; `None` leaves a field alone. The domain, the parent and
/// `is_domain` may only be restated, not changed.
#[derive(Debug, Default)]
pub struct ProjectUpdate {
    pub id: Option<String>,
    pub name: Option<Name>,
    pub description: Option<Option<Description>>,
    pub enabled: Option<bool>,
    /// `Some(None)` when the body says `null`.
    pub domain_id: Option<Option<String>>,
    pub parent_id: Option<Option<String>>,
    pub is_domain: Option<bool>,
    pub tags: Option<Vec<String>>,
    pub extra: Map<String, Value>,
}

/// Keystone's target of a project rule.
pub fn project_target(project: &ProjectRow) -> Target<'_> {
    Target {
        project_id: Some(&project.id),
        project_domain_id: Some(&project.domain_id),
        ..Target::default()
    }
}

fn user_target(user: &UserRow) -> Target<'_> {
    Target {
        user_id: Some(&user.id),
        user_domain_id: Some(&user.domain_id),
        ..Target::default()
    }
}

async fn load(state: &AppState, project_id: String) -> Result<ProjectRow, ApiError> {
    db::run(&state.pool, move |conn| {
        resources::get_project(conn, &project_id)
    })
    .await
    .map_err(ApiError::from)
}

/// Keystone `create_project`: without a domain, the parent's decides it, then the
/// token's, then the default; a parent naming the domain itself means a top-level project.
pub async fn create_project(
    state: &AppState,
    caller: &AuthContext,
    new: NewProject,
) -> Result<ProjectRow, ApiError> {
    if new.is_domain == Some(true) {
        return Err(ApiError::invalid_field(
            "is_domain",
            "projects acting as domains are not supported",
        ));
    }
    let domain_id = new.domain_id.map(ResourceId::into_inner);
    let parent_id = new.parent_id.map(ResourceId::into_inner);
    let parent = match &parent_id {
        Some(id) if Some(id) != domain_id.as_ref() => {
            let id = id.clone();
            db::run(&state.pool, move |conn| {
                Ok::<_, ApiError>(resources::get_project(conn, &id).ok())
            })
            .await?
        }
        _ => None,
    };
    let domain_id = domain_id
        .or_else(|| parent.as_ref().map(|p| p.domain_id.clone()))
        .or_else(|| caller.scope_domain_id().map(str::to_owned))
        .unwrap_or_else(|| state.settings.identity.default_domain_id.clone());
    let parent_id = parent_id.filter(|p| *p != domain_id);
    change::audit(Event::new(Action::Create, "project", None));
    policy::enforce(
        caller,
        &policy::CREATE_PROJECT,
        &Target {
            project_domain_id: Some(&domain_id),
            ..Target::default()
        },
    )?;
    let row = ProjectRow {
        id: new_id(),
        name: new.name.into_inner(),
        domain_id,
        description: new.description.unwrap_or_default().into_inner(),
        enabled: new.enabled.unwrap_or(true),
        parent_id,
        extra: stored_extra(new.extra, new.tags),
        created_at: now_ms(),
    };
    change::amend(|e| e.target_id = Some(row.id.clone()));
    let created = db::run(&state.pool, move |conn| store::create_project(conn, row)).await?;
    // Scopes and the roles held on them.
    state.changed(&[Tag::Authz]);
    Ok(created)
}

/// Keystone `get_project`.
pub async fn get_project(
    state: &AppState,
    caller: &AuthContext,
    project_id: String,
) -> Result<ProjectRow, ApiError> {
    let project = load(state, project_id).await;
    authorize(caller, &policy::GET_PROJECT, project, project_target)
}

/// Keystone `list_projects`: a domain-scoped caller who names no domain lists its own.
pub async fn list_projects(
    state: &AppState,
    caller: &AuthContext,
    mut filter: ProjectFilter,
    page: PageRequest,
) -> Result<Page<ProjectRow>, ApiError> {
    filter.domain_id = list_domain(caller, filter.domain_id.as_deref());
    policy::enforce(
        caller,
        &policy::LIST_PROJECTS,
        &Target {
            list_domain_id: filter.domain_id.as_deref(),
            ..Target::default()
        },
    )?;
    db::run(&state.pool, move |conn| {
        store::list_projects(conn, &filter, &page)
    })
    .await
    .map_err(ApiError::from)
}

/// Keystone `update_project`: name, description, enabled, tags, extras; the id, domain,
/// parent and `is_domain` are fixed.
pub async fn update_project(
    state: &AppState,
    caller: &AuthContext,
    project_id: String,
    update: ProjectUpdate,
) -> Result<ProjectRow, ApiError> {
    change::audit(Event::updated("project", project_id.clone()));
    let current = load(state, project_id.clone()).await;
    let current = authorize(caller, &policy::UPDATE_PROJECT, current, project_target)?;
    if update.id.is_some_and(|id| id != current.id) {
        return Err(ApiError::Validation("Cannot change ID".into()));
    }
    if update
        .domain_id
        .is_some_and(|d| d.as_deref() != Some(current.domain_id.as_str()))
    {
        return Err(ApiError::Validation(
            "Update of `domain_id` is not allowed.".into(),
        ));
    }
    if update.is_domain == Some(true) {
        return Err(ApiError::Validation(
            "Update of `is_domain` is not allowed.".into(),
        ));
    }
    let shown_parent = current
        .parent_id
        .clone()
        .unwrap_or_else(|| current.domain_id.clone());
    if update
        .parent_id
        .is_some_and(|p| p.as_deref() != Some(shown_parent.as_str()))
    {
        return Err(ApiError::Forbidden(
            "Update of `parent_id` is not allowed.".into(),
        ));
    }
    let changes = ProjectChanges {
        name: update.name.map(Name::into_inner),
        description: update
            .description
            .map(|d| d.unwrap_or_default().into_inner()),
        enabled: update.enabled,
        extra: extra_changes(update.extra, update.tags),
    };
    let lifetime = state.settings.token.lifetime_ms();
    let updated = db::run(&state.pool, move |conn| {
        store::update_project(conn, &project_id, changes, lifetime)
    })
    .await?;
    // Scopes and the roles held on them.
    state.changed(&[Tag::Authz]);
    Ok(updated)
}

/// Keystone `delete_project`: leaves only.
pub async fn delete_project(
    state: &AppState,
    caller: &AuthContext,
    project_id: String,
) -> Result<(), ApiError> {
    change::audit(Event::deleted("project", project_id.clone()));
    let project = load(state, project_id.clone()).await;
    authorize(caller, &policy::DELETE_PROJECT, project, project_target)?;
    db::run(&state.pool, move |conn| {
        store::delete_project(conn, &project_id)
    })
    .await?;
    // Scopes and the roles held on them.
    state.changed(&[Tag::Authz]);
    Ok(())
}

/// Keystone `list_user_projects`: the projects the user has a role on, directly, through
/// a group, or by inheritance, filtered as asked.
pub async fn list_user_projects(
    state: &AppState,
    caller: &AuthContext,
    user_id: String,
    mut filter: ProjectFilter,
    page: PageRequest,
) -> Result<Page<ProjectRow>, ApiError> {
    let lookup_id = user_id.clone();
    let user = db::run(&state.pool, move |conn| {
        users_store::get_user(conn, &lookup_id)
    })
    .await;
    authorize(caller, &policy::LIST_PROJECTS_FOR_USER, user, user_target)?;
    db::run(&state.pool, move |conn| {
        filter.ids = Some(store::project_ids_for_user(conn, &user_id)?);
        store::list_projects(conn, &filter, &page)
    })
    .await
    .map_err(ApiError::from)
}
