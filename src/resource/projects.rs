//! Projects: Keystone's `create_project`, `get_project`, `list_projects`,
//! `update_project`, `delete_project` and `list_user_projects`.

use serde_json::{Map, Value};

use crate::auth::policy::glue::{authorize, list_domain};
use crate::auth::policy::{self, Target};
use crate::auth::AuthContext;
use crate::cache::Tag;
use crate::change::{self, Action, Event};
use crate::db::domains::{DomainChanges, DomainFilter};
use crate::db::error::StoreError;
use crate::db::models::{DomainRow, ProjectRow, UserRow};
use crate::db::project_tags::TagTest;
use crate::db::projects::{stored_tags, ProjectChanges, ProjectFilter};
use crate::db::{
    self, domains as domain_store, projects as store, resources, users as users_store,
};
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

/// What `/v3/projects/{id}` names: a project, or a domain, which Keystone keeps as the
/// project acting as it (`is_domain: true`). Here domains keep their own table, and the
/// project face shows and changes them through this.
#[derive(Debug, Clone)]
pub enum ProjectEntity {
    Project(ProjectRow),
    Domain(DomainRow),
}

impl ProjectEntity {
    pub fn id(&self) -> &str {
        match self {
            ProjectEntity::Project(p) => &p.id,
            ProjectEntity::Domain(d) => &d.id,
        }
    }

    /// The stored `extra`, with the tags.
    pub fn extra(&self) -> &str {
        match self {
            ProjectEntity::Project(p) => &p.extra,
            ProjectEntity::Domain(d) => &d.extra,
        }
    }

    /// The tags, as shown.
    pub fn tags(&self) -> Vec<String> {
        stored_tags(self.extra())
    }
}

/// Keystone's target of a project rule on a project or a project acting as a domain (whose
/// `domain_id` is null, so only the admin rules match it).
pub fn entity_target(entity: &ProjectEntity) -> Target<'_> {
    match entity {
        ProjectEntity::Project(p) => project_target(p),
        ProjectEntity::Domain(d) => Target {
            project_id: Some(&d.id),
            ..Target::default()
        },
    }
}

/// Loads what `/v3/projects/{id}` names: the project, else the domain of that id; when
/// neither exists, the project's 404.
pub(crate) async fn load_entity(
    state: &AppState,
    project_id: String,
) -> Result<ProjectEntity, ApiError> {
    db::run(&state.pool, move |conn| {
        match resources::get_project(conn, &project_id) {
            Ok(p) => Ok(ProjectEntity::Project(p)),
            Err(missing @ StoreError::NotFound { .. }) => {
                match resources::get_domain(conn, &project_id) {
                    Ok(d) => Ok(ProjectEntity::Domain(d)),
                    Err(StoreError::NotFound { .. }) => Err(missing),
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    })
    .await
    .map_err(ApiError::from)
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

/// Keystone `create_project`: without a domain, the parent's decides it, then the
/// token's, then the default; a parent naming the domain itself means a top-level project.
/// With `is_domain`, the project acting as a new domain (see [`create_domain_project`]).
pub async fn create_project(
    state: &AppState,
    caller: &AuthContext,
    new: NewProject,
) -> Result<ProjectEntity, ApiError> {
    if new.is_domain == Some(true) {
        return create_domain_project(state, caller, new).await;
    }
    let domain_id = new.domain_id.map(ResourceId::into_inner);
    let parent_id = new.parent_id.map(ResourceId::into_inner);
    let parent = match &parent_id {
        Some(id) if Some(id) != domain_id.as_ref() => {
            let id = id.clone();
            db::run(&state.pool, move |conn| {
                let project = resources::get_project(conn, &id).ok();
                // A parent that is not a project may be the project acting as a domain.
                let domain = match project {
                    Some(_) => None,
                    None => resources::get_domain(conn, &id).ok(),
                };
                Ok::<_, ApiError>((project, domain))
            })
            .await?
        }
        _ => (None, None),
    };
    let (parent, parent_domain) = parent;
    if let (Some(domain), Some(asked)) = (&parent_domain, &domain_id) {
        if &domain.id != asked {
            return Err(ApiError::Validation(format!(
                "Cannot create project, the parent ({}) is acting as a domain, but this \
                 project's domain id ({asked}) does not match the parent's id.",
                domain.id
            )));
        }
    }
    let domain_id = domain_id
        .or_else(|| parent.as_ref().map(|p| p.domain_id.clone()))
        .or_else(|| parent_domain.as_ref().map(|d| d.id.clone()))
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
    Ok(ProjectEntity::Project(created))
}

/// Keystone `create_project` with `is_domain: true`: a root project (no domain, no parent)
/// that is also a domain, audited as a domain. Its row is a domain's, visible at
/// `/v3/domains/{id}` and as a project acting as a domain at `/v3/projects/{id}`.
async fn create_domain_project(
    state: &AppState,
    caller: &AuthContext,
    new: NewProject,
) -> Result<ProjectEntity, ApiError> {
    change::audit(Event::new(Action::Create, "domain", None));
    // Keystone's target: the body's project, whose domain_id is null here.
    policy::enforce(caller, &policy::CREATE_PROJECT, &Target::default())?;
    if new.domain_id.is_some() || new.parent_id.is_some() {
        return Err(ApiError::Validation(
            "only root projects are allowed to act as domains.".into(),
        ));
    }
    let row = DomainRow {
        id: new_id(),
        name: new.name.into_inner(),
        description: new.description.unwrap_or_default().into_inner(),
        enabled: new.enabled.unwrap_or(true),
        extra: stored_extra(new.extra, new.tags),
        created_at: now_ms(),
    };
    change::amend(|e| e.target_id = Some(row.id.clone()));
    let created = db::run(&state.pool, move |conn| {
        domain_store::create_domain(conn, row)
    })
    .await?;
    state.changed(&[Tag::Authz]);
    Ok(ProjectEntity::Domain(created))
}

/// Keystone `get_project`: a project, or the project acting as a domain.
pub async fn get_project(
    state: &AppState,
    caller: &AuthContext,
    project_id: String,
) -> Result<ProjectEntity, ApiError> {
    let entity = load_entity(state, project_id).await;
    authorize(caller, &policy::GET_PROJECT, entity, entity_target)
}

/// Keystone `list_projects`: a domain-scoped caller who names no domain lists its own.
/// `is_domain=true` lists the projects acting as domains: the domains.
pub async fn list_projects(
    state: &AppState,
    caller: &AuthContext,
    mut filter: ProjectFilter,
    page: PageRequest,
) -> Result<Page<ProjectEntity>, ApiError> {
    filter.domain_id = list_domain(caller, filter.domain_id.as_deref());
    policy::enforce(
        caller,
        &policy::LIST_PROJECTS,
        &Target {
            list_domain_id: filter.domain_id.as_deref(),
            ..Target::default()
        },
    )?;
    if filter.is_domain == Some(true) {
        return list_domain_projects(state, filter, page).await;
    }
    let page = db::run(&state.pool, move |conn| {
        store::list_projects(conn, &filter, &page)
    })
    .await?;
    Ok(page.map(ProjectEntity::Project))
}

/// The projects acting as domains, filtered as projects are: their `domain_id` and
/// `parent_id` are null, so a filter on either matches none of them.
async fn list_domain_projects(
    state: &AppState,
    filter: ProjectFilter,
    page: PageRequest,
) -> Result<Page<ProjectEntity>, ApiError> {
    if filter.domain_id.is_some() || filter.parent_id.is_some() {
        return Ok(Page {
            items: Vec::new(),
            truncated: false,
            next_marker: None,
            previous_marker: None,
        });
    }
    let tags = [
        (TagTest::All, filter.tags),
        (TagTest::Any, filter.tags_any),
        (TagTest::NotAll, filter.not_tags),
        (TagTest::None, filter.not_tags_any),
    ]
    .into_iter()
    .filter_map(|(test, tags)| tags.map(|t| (test, t)))
    .collect();
    let domains = DomainFilter {
        id: None,
        name: filter.name,
        enabled: filter.enabled,
        name_matches: filter.name_matches,
        tags,
    };
    let page = db::run(&state.pool, move |conn| {
        domain_store::list_domains(conn, &domains, &page)
    })
    .await?;
    Ok(page.map(ProjectEntity::Domain))
}

/// Keystone `update_project`: name, description, enabled, tags, extras; the id, domain,
/// parent and `is_domain` are fixed.
pub async fn update_project(
    state: &AppState,
    caller: &AuthContext,
    project_id: String,
    update: ProjectUpdate,
) -> Result<ProjectEntity, ApiError> {
    change::audit(Event::updated("project", project_id.clone()));
    let current = load_entity(state, project_id.clone()).await;
    let current = match authorize(caller, &policy::UPDATE_PROJECT, current, entity_target)? {
        ProjectEntity::Project(p) => p,
        ProjectEntity::Domain(d) => return update_domain_project(state, d, update).await,
    };
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
        tags: update.tags,
        extra: update.extra,
    };
    let lifetime = state.settings.token.lifetime_ms();
    let updated = db::run(&state.pool, move |conn| {
        store::update_project(conn, &project_id, changes, lifetime)
    })
    .await?;
    // Scopes and the roles held on them.
    state.changed(&[Tag::Authz]);
    Ok(ProjectEntity::Project(updated))
}

/// Keystone `update_project` on a project acting as a domain: what a domain update may
/// change; its null `domain_id` and `parent_id`, and `is_domain`, may only be restated.
/// Disabling it revokes the tokens of the domain, as disabling the domain does.
async fn update_domain_project(
    state: &AppState,
    current: DomainRow,
    update: ProjectUpdate,
) -> Result<ProjectEntity, ApiError> {
    if update.id.is_some_and(|id| id != current.id) {
        return Err(ApiError::Validation("Cannot change ID".into()));
    }
    if update.domain_id.is_some_and(|d| d.is_some()) {
        return Err(ApiError::Validation(
            "Update of `domain_id` is not allowed.".into(),
        ));
    }
    if update.is_domain == Some(false) {
        return Err(ApiError::Validation(
            "Update of `is_domain` is not allowed.".into(),
        ));
    }
    if update.parent_id.is_some_and(|p| p.is_some()) {
        return Err(ApiError::Forbidden(
            "Update of `parent_id` is not allowed.".into(),
        ));
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
    let domain_id = current.id;
    let updated = db::run(&state.pool, move |conn| {
        domain_store::update_domain(conn, &domain_id, changes, lifetime)
    })
    .await?;
    state.changed(&[Tag::Authz]);
    Ok(ProjectEntity::Domain(updated))
}

/// Keystone `delete_project`: leaves only. A project acting as a domain goes as its domain
/// does: disabled first, with everything it holds.
pub async fn delete_project(
    state: &AppState,
    caller: &AuthContext,
    project_id: String,
) -> Result<(), ApiError> {
    change::audit(Event::deleted("project", project_id.clone()));
    let entity = load_entity(state, project_id.clone()).await;
    match authorize(caller, &policy::DELETE_PROJECT, entity, entity_target)? {
        ProjectEntity::Project(_) => {
            db::run(&state.pool, move |conn| {
                store::delete_project(conn, &project_id)
            })
            .await?;
            // Scopes and the roles held on them.
            state.changed(&[Tag::Authz]);
        }
        ProjectEntity::Domain(_) => {
            change::amend(|e| e.target_type = "domain".into());
            db::run(&state.pool, move |conn| {
                domain_store::delete_domain(conn, &project_id)
            })
            .await?;
            // Its users, groups and grants went with it.
            state.changed(&[Tag::Authz, Tag::Users, Tag::Groups]);
        }
    }
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
