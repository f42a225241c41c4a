//! `/v3/projects` and `/v3/users/{user_id}/projects`: Keystone v3 projects. Handlers
//! extract the typed request, call the resource manager ([`crate::resource::projects`])
//! and wrap the view.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::api::http::envelope::collection;
use crate::api::http::extract::{BaseUrl, JsonBody};
use crate::api::http::openapi::{self, wrapped};
use crate::api::http::query::ListQuery;
use crate::api::http::routing::{op, RouteTable};
use crate::api::http::wire::{
    require_properties, with_min_properties, Extra, NameMatches, Options, ResourceName, Tags, Text,
};
use crate::api::v3::domains::extra_with_tags;
use crate::auth::AuthContext;
use crate::db::models::ProjectRow;
use crate::db::projects::ProjectFilter;
use crate::domain::values::{Description, ResourceId};
use crate::error::ApiError;
use crate::resource::projects::{self as manager, NewProject, ProjectUpdate};
use crate::state::AppState;

crate::wire_body! {
    /// The body of `POST /v3/projects`.
    pub struct CreateProject in "project" {
        required name: ResourceName,
        patch description: Description,
        optional enabled: bool,
        optional is_domain: bool,
        patch domain_id: ResourceId,
        patch parent_id: ResourceId,
        optional options: Options,
        optional tags: Tags,
        rest extra: Extra,
    }
}

crate::wire_body! {
    /// The body of `PATCH /v3/projects/{project_id}`: the domain, parent and `is_domain`
    /// may only be restated.
    pub struct UpdateProject in "project" {
        optional name: ResourceName,
        patch description: Description,
        optional enabled: bool,
        patch domain_id: Text,
        patch parent_id: Text,
        optional is_domain: bool,
        optional id: Text,
        optional options: Options,
        optional tags: Tags,
        rest extra: Extra,
    }
}

crate::wire_query! {
    /// `GET /v3/projects`.
    pub struct ProjectListQuery {
        name: NameMatches = "Only projects of this name; with name__contains etc., a pattern.",
        domain_id: Option<String> = "Only projects of this domain.",
        enabled: Option<bool> = "Only enabled (true) or disabled (false) projects.",
        parent_id: Option<String> = "Only children of this project (or top-level projects of this domain).",
        is_domain: Option<bool> = "Projects acting as domains (none here) or not.",
        tags: Option<Tags> = "Only projects with all of these tags (comma-separated).",
        tags_any as "tags-any": Option<Tags> = "Only projects with any of these tags.",
        not_tags as "not-tags": Option<Tags> = "Only projects without all of these tags together.",
        not_tags_any as "not-tags-any": Option<Tags> = "Only projects with none of these tags.",
    }
}

crate::wire_query! {
    /// `GET /v3/users/{user_id}/projects`.
    pub struct UserProjectListQuery {
        name: NameMatches = "Only projects of this name; with name__contains etc., a pattern.",
        domain_id: Option<String> = "Only projects of this domain.",
        enabled: Option<bool> = "Only enabled (true) or disabled (false) projects.",
    }
}

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

/// The schema of [`project_json`].
pub fn project_schema() -> Value {
    json!({"type": "object", "required": ["id", "name", "domain_id", "description",
    "enabled", "parent_id", "is_domain", "tags", "options", "links"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "domain_id": {"type": "string"},
        "description": {"type": "string"},
        "enabled": {"type": "boolean"},
        "parent_id": {"type": "string"},
        "is_domain": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "options": {"type": "object"},
        "links": {"type": "object", "required": ["self"],
            "properties": {"self": {"type": "string"}}},
    }})
}

fn project_response(status: StatusCode, project: ProjectRow, base: &BaseUrl) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "project": project_json(project, base) }))
}

fn tags(t: Option<Tags>) -> Option<Vec<String>> {
    t.map(|t| t.0)
}

/// `POST /v3/projects` (Keystone create_project).
pub async fn create(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let body = CreateProject::from_body(body.into_value()?)?;
    let new = NewProject {
        name: body.name.0,
        description: body.description.into_option().flatten(),
        enabled: body.enabled,
        is_domain: body.is_domain,
        domain_id: body.domain_id.into_option().flatten(),
        parent_id: body.parent_id.into_option().flatten(),
        tags: tags(body.tags),
        extra: body.extra.0,
    };
    let created = manager::create_project(&state, &caller, new).await?;
    Ok(project_response(StatusCode::CREATED, created, &base))
}

/// `GET /v3/projects` (Keystone list_projects), every filter applied before the page.
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = ListQuery::from_request(&req)?;
    let q = ProjectListQuery::from_query(&query)?;
    let filter = ProjectFilter {
        name: q.name.exact,
        domain_id: q.domain_id,
        enabled: q.enabled,
        parent_id: q.parent_id,
        is_domain: q.is_domain,
        name_matches: q.name.patterns,
        ids: None,
        tags: tags(q.tags),
        tags_any: tags(q.tags_any),
        not_tags: tags(q.not_tags),
        not_tags_any: tags(q.not_tags_any),
    };
    let page = query.page(&state.settings)?;
    let projects = manager::list_projects(&state, &caller, filter, page.clone()).await?;
    let projects = projects.map(|p| project_json(p, &base));
    Ok(HttpResponse::Ok().json(collection("projects", projects, &page, &base, &req, &query)))
}

/// `GET /v3/projects/{project_id}` (Keystone get_project).
pub async fn show(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let project = manager::get_project(&state, &caller, path.into_inner()).await?;
    Ok(project_response(StatusCode::OK, project, &base))
}

/// `PATCH /v3/projects/{project_id}` (Keystone update_project).
pub async fn update(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_value()?;
    require_properties(&body, "project")?;
    let body = UpdateProject::from_body(body)?;
    let update = ProjectUpdate {
        id: body.id.map(|t| t.0),
        name: body.name.map(|n| n.0),
        description: body.description.into_option(),
        enabled: body.enabled,
        domain_id: body.domain_id.map(|t| t.0).into_option(),
        parent_id: body.parent_id.map(|t| t.0).into_option(),
        is_domain: body.is_domain,
        tags: tags(body.tags),
        extra: body.extra.0,
    };
    let updated = manager::update_project(&state, &caller, path.into_inner(), update).await?;
    Ok(project_response(StatusCode::OK, updated, &base))
}

/// `DELETE /v3/projects/{project_id}` (Keystone delete_project): leaves only.
pub async fn delete(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    manager::delete_project(&state, &caller, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /v3/users/{user_id}/projects` (Keystone list_user_projects).
pub async fn list_for_user(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let query = ListQuery::from_request(&req)?;
    let q = UserProjectListQuery::from_query(&query)?;
    let filter = ProjectFilter {
        name: q.name.exact,
        domain_id: q.domain_id,
        enabled: q.enabled,
        name_matches: q.name.patterns,
        ..ProjectFilter::default()
    };
    let page = query.page(&state.settings)?;
    let projects =
        manager::list_user_projects(&state, &caller, path.into_inner(), filter, page.clone())
            .await?;
    let projects = projects.map(|p| project_json(p, &base));
    Ok(HttpResponse::Ok().json(collection("projects", projects, &page, &base, &req, &query)))
}

/// Declares the project routes, with `GET /v3/users/{user_id}/projects`.
/// Projects acting as domains are refused with 400: the document says `is_domain` is false.
fn without_domains(mut schema: Value) -> Value {
    schema["properties"]["project"]["properties"]["is_domain"] =
        json!({"type": "boolean", "enum": [false]});
    schema
}

pub fn routes(t: &mut RouteTable<'_>) {
    let p = |id: &str, summary: &str| op(id, summary).tag("projects");
    t.at("/v3/projects")
        .get(
            list,
            p("listProjects", "List projects.")
                .query(&ProjectListQuery::params())
                .answers(200, openapi::collection("projects", project_schema())),
        )
        .post(
            create,
            p("createProject", "Create a project.")
                .body(without_domains(CreateProject::schema()))
                .answers(201, wrapped("project", project_schema()))
                .errors(&[409]),
        );
    t.at("/v3/projects/{project_id}")
        .get(
            show,
            p("showProject", "Show a project.").answers(200, wrapped("project", project_schema())),
        )
        .patch(
            update,
            p("updateProject", "Update a project.")
                .body(with_min_properties(UpdateProject::schema(), "project"))
                .answers(200, wrapped("project", project_schema()))
                .errors(&[409]),
        )
        .delete(delete, p("deleteProject", "Delete a project.").empty(204));
    t.at("/v3/users/{user_id}/projects").get(
        list_for_user,
        op("listProjectsForUser", "The projects a user has roles on.")
            .tag("users")
            .query(&UserProjectListQuery::params())
            .answers(200, openapi::collection("projects", project_schema())),
    );
}
