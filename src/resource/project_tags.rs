//! Project tags: Keystone's `list_project_tags`, `get_project_tag`, `update_project_tags`,
//! `create_project_tag`, `delete_project_tag` (and `DELETE .../tags`, which sets none). As in
//! Keystone, each change is an update of the project's whole set of tags, so it goes
//! through the store's project update (which keeps `project_tag` in step) or, for a project
//! acting as a domain, the domain's.

use serde_json::{json, Map};

use crate::auth::policy::glue::authorize;
use crate::auth::policy::{self, Policy};
use crate::auth::AuthContext;
use crate::cache::Tag;
use crate::change::{self, Action, Event};
use crate::db::domains::DomainChanges;
use crate::db::projects::ProjectChanges;
use crate::db::{self, domains as domain_store, projects as store};
use crate::error::ApiError;
use crate::resource::projects::{entity_target, load_entity, ProjectEntity};
use crate::state::AppState;

/// Keystone's limit on a project's tags (`maxItems` of the tags schema).
pub const MAX_TAGS: usize = 80;

async fn load_authorized(
    state: &AppState,
    caller: &AuthContext,
    project_id: &str,
    rule: &Policy,
) -> Result<ProjectEntity, ApiError> {
    let entity = load_entity(state, project_id.to_string()).await;
    authorize(caller, rule, entity, entity_target)
}

fn tag_not_found(tag: &str) -> ApiError {
    ApiError::NotFoundMessage(format!("Could not find project tag: {tag}."))
}

/// Keystone's rules for one tag in a URL: 1 to 255 characters, no `/` or `,`.
pub fn check_tag(tag: &str) -> Result<(), ApiError> {
    let n = tag.chars().count();
    if n == 0 || n > 255 || tag.contains('/') || tag.contains(',') || tag.contains('\0') {
        return Err(ApiError::Validation(format!(
            "Invalid input for field 'tags': '{tag}' is not a valid tag"
        )));
    }
    Ok(())
}

/// Writes a project's whole set of tags.
async fn write_tags(
    state: &AppState,
    entity: ProjectEntity,
    tags: Vec<String>,
) -> Result<Vec<String>, ApiError> {
    let lifetime = state.settings.token.lifetime_ms();
    let written = tags.clone();
    db::run(&state.pool, move |conn| match entity {
        ProjectEntity::Project(p) => {
            let changes = ProjectChanges {
                tags: Some(written),
                ..ProjectChanges::default()
            };
            store::update_project(conn, &p.id, changes, lifetime).map(|_| ())
        }
        ProjectEntity::Domain(d) => {
            let mut extra = Map::new();
            extra.insert("tags".into(), json!(written));
            let changes = DomainChanges {
                extra,
                ..DomainChanges::default()
            };
            domain_store::update_domain(conn, &d.id, changes, lifetime).map(|_| ())
        }
    })
    .await?;
    // The project's row, which scopes are computed from.
    state.changed(&[Tag::Authz]);
    Ok(tags)
}

/// Keystone `list_project_tags`.
pub async fn list_project_tags(
    state: &AppState,
    caller: &AuthContext,
    project_id: String,
) -> Result<Vec<String>, ApiError> {
    let entity = load_authorized(state, caller, &project_id, &policy::LIST_PROJECT_TAGS).await?;
    Ok(entity.tags())
}

/// Keystone `get_project_tag`: `Ok` if the project has the tag, else 404.
pub async fn get_project_tag(
    state: &AppState,
    caller: &AuthContext,
    project_id: String,
    tag: String,
) -> Result<(), ApiError> {
    let entity = load_authorized(state, caller, &project_id, &policy::GET_PROJECT_TAG).await?;
    if entity.tags().contains(&tag) {
        Ok(())
    } else {
        Err(tag_not_found(&tag))
    }
}

/// Keystone `update_project_tags`: the set becomes `tags` (already checked by the body).
pub async fn update_project_tags(
    state: &AppState,
    caller: &AuthContext,
    project_id: String,
    tags: Vec<String>,
) -> Result<Vec<String>, ApiError> {
    change::audit(Event::updated("project", project_id.clone()));
    let entity = load_authorized(state, caller, &project_id, &policy::UPDATE_PROJECT_TAGS).await?;
    write_tags(state, entity, tags).await
}

/// `DELETE /v3/projects/{id}/tags`: Keystone's `update_project_tags` with none.
pub async fn delete_project_tags(
    state: &AppState,
    caller: &AuthContext,
    project_id: String,
) -> Result<(), ApiError> {
    change::audit(Event::updated("project", project_id.clone()));
    let entity = load_authorized(state, caller, &project_id, &policy::DELETE_PROJECT_TAGS).await?;
    write_tags(state, entity, Vec::new()).await.map(|_| ())
}

/// Keystone `create_project_tag`: the tag is added to the set, which must then still be a
/// valid set (no repeated tag, at most 80).
pub async fn create_project_tag(
    state: &AppState,
    caller: &AuthContext,
    project_id: String,
    tag: String,
) -> Result<(), ApiError> {
    change::audit(Event::new(
        Action::Create,
        "project.tag",
        Some(project_id.clone()),
    ));
    let entity = load_authorized(state, caller, &project_id, &policy::CREATE_PROJECT_TAG).await?;
    check_tag(&tag)?;
    let mut tags = entity.tags();
    if tags.contains(&tag) {
        return Err(ApiError::Validation(format!(
            "Invalid input for field 'tags': {} has non-unique elements",
            json!(tags.iter().chain([&tag]).collect::<Vec<_>>())
        )));
    }
    tags.push(tag);
    if tags.len() > MAX_TAGS {
        return Err(ApiError::Validation(format!(
            "Invalid input for field 'tags': is too long (at most {MAX_TAGS} tags)"
        )));
    }
    write_tags(state, entity, tags).await.map(|_| ())
}

/// Keystone `delete_project_tag`: 404 if the project does not have it.
pub async fn delete_project_tag(
    state: &AppState,
    caller: &AuthContext,
    project_id: String,
    tag: String,
) -> Result<(), ApiError> {
    change::audit(Event::new(
        Action::Delete,
        "project.tag",
        Some(project_id.clone()),
    ));
    let entity = load_authorized(state, caller, &project_id, &policy::DELETE_PROJECT_TAG).await?;
    let mut tags = entity.tags();
    let Some(at) = tags.iter().position(|t| *t == tag) else {
        return Err(tag_not_found(&tag));
    };
    tags.remove(at);
    write_tags(state, entity, tags).await.map(|_| ())
}
