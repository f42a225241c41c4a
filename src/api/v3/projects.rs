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
use crate::api::v3::project_tags::{self, Flag};
use crate::auth::AuthContext;
use crate::db::models::{DomainRow, ProjectRow};
use crate::db::projects::ProjectFilter;
use crate::domain::values::{Description, ResourceId};
use crate::error::ApiError;
use crate::resource::project_tree::{self, HierarchyAsk, IdTree, Related};
use crate::resource::projects::{self as manager, NewProject, ProjectEntity, ProjectUpdate};
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
        is_domain: Option<bool> = "Projects acting as domains (true), or the others (false, the default).",
        tags: Option<Tags> = "Only projects with all of these tags (comma-separated).",
        tags_any as "tags-any": Option<Tags> = "Only projects with any of these tags.",
        not_tags as "not-tags": Option<Tags> = "Only projects without all of these tags together.",
        not_tags_any as "not-tags-any": Option<Tags> = "Only projects with none of these tags.",
    }
}

crate::wire_query! {
    /// `GET /v3/projects/{project_id}`: the hierarchy to show with it.
    pub struct ShowProjectQuery {
        parents_as_list: Flag = "Show the parents the caller has roles on, as a list of projects.",
        parents_as_ids: Flag = "Show the ids of the parents, nested up to the domain.",
        subtree_as_list: Flag = "Show the projects below that the caller has roles on, as a list.",
        subtree_as_ids: Flag = "Show the ids of the projects below, nested.",
        include_limits: Flag = "With a list, each project's limits (none are kept here).",
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

/// A domain as the project acting as it: no domain, no parent (Keystone's `is_domain`).
pub fn domain_project_json(domain: DomainRow, base: &BaseUrl) -> Value {
    let mut map = extra_with_tags(&domain.extra);
    let self_link = base.join(&format!("/v3/projects/{}", domain.id));
    map.insert("id".into(), json!(domain.id));
    map.insert("name".into(), json!(domain.name));
    map.insert("domain_id".into(), Value::Null);
    map.insert("description".into(), json!(domain.description));
    map.insert("enabled".into(), json!(domain.enabled));
    map.insert("parent_id".into(), Value::Null);
    map.insert("is_domain".into(), json!(true));
    map.insert("links".into(), json!({ "self": self_link }));
    Value::Object(map)
}

/// What `/v3/projects` shows of a project or a project acting as a domain.
pub fn entity_json(entity: ProjectEntity, base: &BaseUrl) -> Value {
    match entity {
        ProjectEntity::Project(p) => project_json(p, base),
        ProjectEntity::Domain(d) => domain_project_json(d, base),
    }
}

/// The schema of [`entity_json`] (`domain_id` and `parent_id` are null for a project acting
/// as a domain).
pub fn project_schema() -> Value {
    json!({"type": "object", "required": ["id", "name", "domain_id", "description",
    "enabled", "parent_id", "is_domain", "tags", "options", "links"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "domain_id": {"type": ["string", "null"]},
        "description": {"type": "string"},
        "enabled": {"type": "boolean"},
        "parent_id": {"type": ["string", "null"]},
        "is_domain": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "options": {"type": "object"},
        "links": {"type": "object", "required": ["self"],
            "properties": {"self": {"type": "string"}}},
    }})
}

fn project_response(status: StatusCode, project: ProjectEntity, base: &BaseUrl) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "project": entity_json(project, base) }))
}

/// The schema of `GET /v3/projects/{id}`: a project, with the hierarchy asked for.
fn shown_project_schema() -> Value {
    let mut schema = project_schema();
    let ids = json!({"type": ["object", "null"]});
    let list = json!({"type": "array", "items": {"type": "object", "required": ["project"],
        "properties": {"project": project_schema()}}});
    let either = json!({"anyOf": [ids, list]});
    schema["properties"]["parents"] = either.clone();
    schema["properties"]["subtree"] = either;
    schema
}

fn ids_json(tree: Option<IdTree>) -> Value {
    match tree {
        None => Value::Null,
        Some(IdTree(map)) => Value::Object(
            map.into_iter()
                .map(|(id, below)| (id, ids_json(below)))
                .collect(),
        ),
    }
}

/// Keystone's parents or subtree: nested ids, or `[{"project": {...}}, ...]`.
fn related_json(related: Related, include_limits: bool, base: &BaseUrl) -> Value {
    match related {
        Related::Ids(tree) => ids_json(tree),
        Related::List(rows) => Value::Array(
            rows.into_iter()
                .map(|p| {
                    let mut shown = project_json(p, base);
                    if include_limits {
                        shown["limits"] = json!([]);
                    }
                    json!({ "project": shown })
                })
                .collect(),
        ),
    }
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
    let projects = projects.map(|p| entity_json(p, &base));
    Ok(HttpResponse::Ok().json(collection("projects", projects, &page, &base, &req, &query)))
}

/// `GET /v3/projects/{project_id}` (Keystone get_project), with the parents and subtree
/// asked for.
pub async fn show(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let query = ListQuery::from_request(&req)?;
    let q = ShowProjectQuery::from_query(&query)?;
    let ask = HierarchyAsk {
        parents_as_list: q.parents_as_list.0,
        parents_as_ids: q.parents_as_ids.0,
        subtree_as_list: q.subtree_as_list.0,
        subtree_as_ids: q.subtree_as_ids.0,
    };
    let (project, hierarchy) =
        project_tree::get_project_with_hierarchy(&state, &caller, path.into_inner(), ask).await?;
    let mut shown = entity_json(project, &base);
    let limits = q.include_limits.0;
    if let Some(parents) = hierarchy.parents {
        shown["parents"] = related_json(parents, limits, &base);
    }
    if let Some(subtree) = hierarchy.subtree {
        shown["subtree"] = related_json(subtree, limits, &base);
    }
    Ok(HttpResponse::Ok().json(json!({ "project": shown })))
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

/// Declares the project routes, with `GET /v3/users/{user_id}/projects` and the tags.
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
                .body(CreateProject::schema())
                .answers(201, wrapped("project", project_schema()))
                .errors(&[409]),
        );
    t.at("/v3/projects/{project_id}")
        .get(
            show,
            p(
                "showProject",
                "Show a project, with its parents or subtree if asked.",
            )
            .query(&ShowProjectQuery::filters())
            .answers(200, wrapped("project", shown_project_schema())),
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
    project_tags::routes(t);
}
