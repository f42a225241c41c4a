//! `/v3/projects` and `/v3/users/{user_id}/projects`: Keystone v3 projects.
//! Each handler: validate, load the target, enforce policy, act, wrap.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Map, Value};

use crate::api::http::envelope::collection;
use crate::api::http::extract::{BaseUrl, BodyObject, JsonBody};
use crate::api::http::query::ListQuery;
use crate::api::v3::domains::extra_with_tags;
use crate::api::v3::users::user_target;
use crate::auth::policy::glue::{authorize, list_domain};
use crate::auth::policy::{self, Target};
use crate::auth::AuthContext;
use crate::cache::Tag;
use crate::db::models::ProjectRow;
use crate::db::projects::{ProjectChanges, ProjectFilter};
use crate::db::{self, projects as store, resources, users as users_store};
use crate::domain::values::{Description, Name, NameFilter, ResourceId};
use crate::domain::{new_id, now_ms};
use crate::error::ApiError;
use crate::state::AppState;

/// A project as every response shows it: a top-level project's parent is its domain.
pub fn project_json(project: ProjectRow, base: &BaseUrl) -> Value {
    let mut map = extra_with_tags(&project.extra);
    let self_link = base.join(&format!("/v3/projects/{}", project.id));
    let parent_id = project
        .parent_id
        .unwrap_or_else(|| project.domain_id.clone());
    map.insert("id".into(), json!(project.id));
    map.insert("name".into(), json!(project.name));
    map.insert("domain_id".into(), json!(project.domain_id));
    map.insert("description".into(), json!(project.description));
    map.insert("enabled".into(), json!(project.enabled));
    map.insert("parent_id".into(), json!(parent_id));
    map.insert("is_domain".into(), json!(false));
    map.insert("links".into(), json!({ "self": self_link }));
    Value::Object(map)
}

fn project_response(status: StatusCode, project: ProjectRow, base: &BaseUrl) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "project": project_json(project, base) }))
}

fn project_target(project: &ProjectRow) -> Target<'_> {
    Target {
        project_id: Some(&project.id),
        project_domain_id: Some(&project.domain_id),
        ..Target::default()
    }
}

fn extra_of(mut body: BodyObject) -> Result<Map<String, Value>, ApiError> {
    body.take_options()?;
    let tags = body.take_tags("tags")?;
    let mut extra = body.into_extra();
    if let Some(tags) = tags {
        extra.insert("tags".into(), json!(tags));
    }
    Ok(extra)
}

fn name_filter(query: &ListQuery) -> Result<Option<String>, ApiError> {
    Ok(query
        .get("name")
        .map(|n| NameFilter::parse("name", n))
        .transpose()?
        .map(|n| n.as_str().to_owned()))
}

async fn load(state: &AppState, project_id: String) -> Result<ProjectRow, ApiError> {
    db::run(&state.pool, move |conn| {
        resources::get_project(conn, &project_id)
    })
    .await
    .map_err(ApiError::from)
}

/// `POST /v3/projects` (Keystone create_project).
pub async fn create(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let mut project = BodyObject::unwrap_from(body.into_value()?, "project")?;
    let name = project
        .take_string("name")?
        .ok_or_else(|| ApiError::invalid_field("name", "'name' is a required property"))?;
    let name = Name::parse_resource("name", &name)?;
    let description = match project.take_nullable_string("description")? {
        Some(Some(d)) => Description::parse("description", &d)?,
        _ => Description::default(),
    };
    let enabled = project.take_bool("enabled")?.unwrap_or(true);
    if project.take_bool("is_domain")? == Some(true) {
        return Err(ApiError::invalid_field(
            "is_domain",
            "projects acting as domains are not supported",
        ));
    }
    let domain_id = project
        .take_nullable_string("domain_id")?
        .flatten()
        .map(|id| ResourceId::parse("domain_id", &id))
        .transpose()?
        .map(ResourceId::into_inner);
    let parent_id = project
        .take_nullable_string("parent_id")?
        .flatten()
        .map(|id| ResourceId::parse("parent_id", &id))
        .transpose()?
        .map(ResourceId::into_inner);
    let extra = extra_of(project)?;
    // Without a domain, a parent project decides it; then the token's, then the default.
    let parent = match &parent_id {
        Some(id) if Some(id) != domain_id.as_ref() => {
            let id = id.clone();
            let found = db::run(&state.pool, move |conn| {
                Ok::<_, ApiError>(resources::get_project(conn, &id).ok())
            })
            .await?;
            found
        }
        _ => None,
    };
    let domain_id = domain_id
        .or_else(|| parent.as_ref().map(|p| p.domain_id.clone()))
        .or_else(|| caller.scope_domain_id().map(str::to_owned))
        .unwrap_or_else(|| state.settings.identity.default_domain_id.clone());
    // A parent naming the domain itself means a top-level project.
    let parent_id = parent_id.filter(|p| *p != domain_id);
    policy::enforce(
        &caller,
        &policy::CREATE_PROJECT,
        &Target {
            project_domain_id: Some(&domain_id),
            ..Target::default()
        },
    )?;
    let row = ProjectRow {
        id: new_id(),
        name: name.into_inner(),
        domain_id,
        description: description.into_inner(),
        enabled,
        parent_id,
        extra: Value::Object(extra).to_string(),
        created_at: now_ms(),
    };
    let created = db::run(&state.pool, move |conn| store::create_project(conn, row)).await?;
    // Scopes and the roles held on them.
    state.changed(&[Tag::Authz]);
    Ok(project_response(StatusCode::CREATED, created, &base))
}

/// `GET /v3/projects` (Keystone list_projects): `name`, `domain_id`, `enabled`,
/// `parent_id`, `is_domain`, the string comparators, `limit`, `marker`.
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = ListQuery::from_request(&req)?;
    let filter = ProjectFilter {
        name: name_filter(&query)?,
        domain_id: list_domain(&caller, query.get("domain_id")),
        enabled: query.get_bool("enabled")?,
        parent_id: query.get("parent_id").map(str::to_owned),
        is_domain: query.get_bool("is_domain")?,
        name_matches: query.string_matches("name")?,
        ids: None,
    };
    let page = query.page(&state.settings)?;
    policy::enforce(
        &caller,
        &policy::LIST_PROJECTS,
        &Target {
            list_domain_id: filter.domain_id.as_deref(),
            ..Target::default()
        },
    )?;
    let request = page.clone();
    let projects = db::run(&state.pool, move |conn| {
        store::list_projects(conn, &filter, &page)
    })
    .await?;
    let projects = projects.map(|p| project_json(p, &base));
    Ok(HttpResponse::Ok().json(collection(
        "projects", projects, &request, &base, &req, &query,
    )))
}

/// `GET /v3/projects/{project_id}` (Keystone get_project).
pub async fn show(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let project = load(&state, path.into_inner()).await;
    let project = authorize(&caller, &policy::GET_PROJECT, project, project_target)?;
    Ok(project_response(StatusCode::OK, project, &base))
}

/// `PATCH /v3/projects/{project_id}` (Keystone update_project): name, description,
/// enabled, tags, extras; the domain, parent and `is_domain` are fixed.
pub async fn update(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let project_id = path.into_inner();
    let mut project = BodyObject::unwrap_from(body.into_value()?, "project")?;
    if project.is_empty() {
        return Err(ApiError::Validation(
            "Invalid input for field 'project': {} does not have enough properties".into(),
        ));
    }
    let name = project
        .take_string("name")?
        .map(|n| Name::parse_resource("name", &n))
        .transpose()?
        .map(Name::into_inner);
    let description = match project.take_nullable_string("description")? {
        Some(Some(d)) => Some(Description::parse("description", &d)?.into_inner()),
        Some(None) => Some(String::new()),
        None => None,
    };
    let enabled = project.take_bool("enabled")?;
    let new_domain = project.take_nullable_string("domain_id")?;
    let new_parent = project.take_nullable_string("parent_id")?;
    let is_domain = project.take_bool("is_domain")?;
    let claimed_id = project.take_string("id")?;
    let extra = extra_of(project)?;
    let current = load(&state, project_id.clone()).await;
    let current = authorize(&caller, &policy::UPDATE_PROJECT, current, project_target)?;
    if claimed_id.is_some_and(|id| id != current.id) {
        return Err(ApiError::Validation("Cannot change ID".into()));
    }
    if new_domain.is_some_and(|d| d.as_deref() != Some(current.domain_id.as_str())) {
        return Err(ApiError::Validation(
            "Update of `domain_id` is not allowed.".into(),
        ));
    }
    if is_domain == Some(true) {
        return Err(ApiError::Validation(
            "Update of `is_domain` is not allowed.".into(),
        ));
    }
    let shown_parent = current
        .parent_id
        .clone()
        .unwrap_or_else(|| current.domain_id.clone());
    if new_parent.is_some_and(|p| p.as_deref() != Some(shown_parent.as_str())) {
        return Err(ApiError::Forbidden(
            "Update of `parent_id` is not allowed.".into(),
        ));
    }
    let changes = ProjectChanges {
        name,
        description,
        enabled,
        extra,
    };
    let lifetime = state.settings.token.expiration * 1000;
    let updated = db::run(&state.pool, move |conn| {
        store::update_project(conn, &project_id, changes, lifetime)
    })
    .await?;
    // Scopes and the roles held on them.
    state.changed(&[Tag::Authz]);
    Ok(project_response(StatusCode::OK, updated, &base))
}

/// `DELETE /v3/projects/{project_id}` (Keystone delete_project): leaves only.
pub async fn delete(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let project_id = path.into_inner();
    let project = load(&state, project_id.clone()).await;
    authorize(&caller, &policy::DELETE_PROJECT, project, project_target)?;
    db::run(&state.pool, move |conn| {
        store::delete_project(conn, &project_id)
    })
    .await?;
    // Scopes and the roles held on them.
    state.changed(&[Tag::Authz]);
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /v3/users/{user_id}/projects` (Keystone list_user_projects): the projects the user
/// has a role on, directly, through a group, or by inheritance. Filters `name`,
/// `domain_id`, `enabled`.
pub async fn list_for_user(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user_id = path.into_inner();
    let query = ListQuery::from_request(&req)?;
    let mut filter = ProjectFilter {
        name: name_filter(&query)?,
        domain_id: query.get("domain_id").map(str::to_owned),
        enabled: query.get_bool("enabled")?,
        name_matches: query.string_matches("name")?,
        ..ProjectFilter::default()
    };
    let page = query.page(&state.settings)?;
    let lookup_id = user_id.clone();
    let user = db::run(&state.pool, move |conn| {
        users_store::get_user(conn, &lookup_id)
    })
    .await;
    authorize(&caller, &policy::LIST_PROJECTS_FOR_USER, user, user_target)?;
    let request = page.clone();
    let projects = db::run(&state.pool, move |conn| {
        filter.ids = Some(store::project_ids_for_user(conn, &user_id)?);
        store::list_projects(conn, &filter, &page)
    })
    .await?;
    let projects = projects.map(|p| project_json(p, &base));
    Ok(HttpResponse::Ok().json(collection(
        "projects", projects, &request, &base, &req, &query,
    )))
}
