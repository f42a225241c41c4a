//! OS-EP-FILTER: endpoint groups, and the endpoints and endpoint groups tied to projects
//! (`/v3/OS-EP-FILTER/...`). Each handler extracts the path or body, calls the catalog
//! manager's endpoint filter and wraps its answer.

pub mod wire;

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::api::http::envelope;
use crate::api::http::extract::{BaseUrl, JsonBody};
use crate::api::http::openapi::{collection, wrapped};
use crate::api::http::query::ListQuery;
use crate::api::http::routing::{op, RouteTable};
use crate::api::v3::catalog::EndpointView;
use crate::api::v3::projects::{project_json, project_schema};
use crate::auth::AuthContext;
use crate::catalog::endpoint_filter::{self as filter, filters_of};
use crate::db::endpoint_filter::EndpointGroupRow;
use crate::db::models::{EndpointRow, ProjectRow};
use crate::error::ApiError;
use crate::state::AppState;
use wire::{CreateEndpointGroup, EndpointGroupListQuery, UpdateEndpointGroup};

const PREFIX: &str = "/v3/OS-EP-FILTER";

/// An endpoint group as Keystone shows it.
fn group_json(group: &EndpointGroupRow, base: &BaseUrl) -> Value {
    json!({
        "id": group.id,
        "name": group.name,
        "description": group.description,
        "filters": filters_of(group),
        "links": {"self": base.join(&format!("{PREFIX}/endpoint_groups/{}", group.id))},
    })
}

fn group_schema() -> Value {
    json!({"type": "object", "required": ["id", "name", "filters", "links"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "description": {"type": ["string", "null"]},
        "filters": {"type": "object"},
        "links": {"type": "object", "required": ["self"],
            "properties": {"self": {"type": "string"}}},
    }})
}

fn groups(rows: &[EndpointGroupRow], base: &BaseUrl, req: &HttpRequest) -> HttpResponse {
    let views: Vec<Value> = rows.iter().map(|g| group_json(g, base)).collect();
    HttpResponse::Ok()
        .json(json!({"endpoint_groups": views, "links": envelope::unpaged_links(base, req)}))
}

fn projects(rows: Vec<ProjectRow>, base: &BaseUrl, req: &HttpRequest) -> HttpResponse {
    let views: Vec<Value> = rows.into_iter().map(|p| project_json(p, base)).collect();
    HttpResponse::Ok().json(json!({"projects": views, "links": envelope::unpaged_links(base, req)}))
}

fn endpoints(rows: &[EndpointRow], base: &BaseUrl, req: &HttpRequest) -> HttpResponse {
    let views: Vec<EndpointView> = rows.iter().map(|e| EndpointView(e, base)).collect();
    HttpResponse::Ok()
        .json(json!({"endpoints": views, "links": envelope::unpaged_links(base, req)}))
}

fn group_of(group: &EndpointGroupRow, base: &BaseUrl) -> HttpResponse {
    HttpResponse::Ok().json(json!({"endpoint_group": group_json(group, base)}))
}

// ---- endpoint groups ----

/// `POST /v3/OS-EP-FILTER/endpoint_groups`.
pub async fn create_group(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_value()?;
    wire::closed_group(&body)?;
    let new = CreateEndpointGroup::from_body(body)?.into_new()?;
    let row = filter::create_endpoint_group(&state, &caller, new).await?;
    Ok(HttpResponse::Created().json(json!({"endpoint_group": group_json(&row, &base)})))
}

/// `GET /v3/OS-EP-FILTER/endpoint_groups`: `name`.
pub async fn list_groups(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = EndpointGroupListQuery::from_query(&ListQuery::from_request(&req)?)?;
    let rows = filter::list_endpoint_groups(&state, &caller, query.name).await?;
    Ok(groups(&rows, &base, &req))
}

/// `GET` and `HEAD /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}`.
pub async fn show_group(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let row = filter::get_endpoint_group(&state, &caller, path.into_inner()).await?;
    Ok(group_of(&row, &base))
}

/// `PATCH /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}`.
pub async fn update_group(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_value()?;
    wire::closed_group(&body)?;
    let changes = UpdateEndpointGroup::from_body(body)?.into_changes()?;
    let row = filter::update_endpoint_group(&state, &caller, path.into_inner(), changes).await?;
    Ok(group_of(&row, &base))
}

/// `DELETE /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}`.
pub async fn delete_group(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    filter::delete_endpoint_group(&state, &caller, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/projects`.
pub async fn group_projects(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let rows = filter::list_projects_for_endpoint_group(&state, &caller, path.into_inner()).await?;
    Ok(projects(rows, &base, &req))
}

/// `GET /v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}/endpoints`.
pub async fn group_endpoints(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let rows =
        filter::list_endpoints_for_endpoint_group(&state, &caller, path.into_inner()).await?;
    Ok(endpoints(&rows, &base, &req))
}

/// `GET` and `HEAD .../endpoint_groups/{endpoint_group_id}/projects/{project_id}`: the
/// association, as Keystone shows it.
pub async fn show_group_project(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (group, project) = path.into_inner();
    filter::get_endpoint_group_in_project(&state, &caller, group.clone(), project.clone()).await?;
    let link = base.join(&format!(
        "{PREFIX}/endpoint_groups/{group}/projects/{project}"
    ));
    Ok(HttpResponse::Ok().json(json!({"project_endpoint_group": {
        "endpoint_group_id": group,
        "project_id": project,
        "links": {"self": link},
    }})))
}

/// `PUT .../endpoint_groups/{endpoint_group_id}/projects/{project_id}`.
pub async fn add_group_project(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (group, project) = path.into_inner();
    filter::add_endpoint_group_to_project(&state, &caller, group, project).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE .../endpoint_groups/{endpoint_group_id}/projects/{project_id}`.
pub async fn remove_group_project(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (group, project) = path.into_inner();
    filter::remove_endpoint_group_from_project(&state, &caller, group, project).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /v3/OS-EP-FILTER/projects/{project_id}/endpoint_groups`.
pub async fn project_groups(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let rows = filter::list_endpoint_groups_for_project(&state, &caller, path.into_inner()).await?;
    Ok(groups(&rows, &base, &req))
}

// ---- project endpoints ----

/// `GET /v3/OS-EP-FILTER/projects/{project_id}/endpoints`: direct and through groups.
pub async fn project_endpoints(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let rows = filter::list_endpoints_for_project(&state, &caller, path.into_inner()).await?;
    Ok(endpoints(&rows, &base, &req))
}

/// `GET` and `HEAD /v3/OS-EP-FILTER/projects/{project_id}/endpoints/{endpoint_id}`: 204
/// when they are associated.
pub async fn check_project_endpoint(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (project, endpoint) = path.into_inner();
    filter::check_endpoint_in_project(&state, &caller, project, endpoint).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `PUT /v3/OS-EP-FILTER/projects/{project_id}/endpoints/{endpoint_id}`.
pub async fn add_project_endpoint(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (project, endpoint) = path.into_inner();
    filter::add_endpoint_to_project(&state, &caller, project, endpoint).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE /v3/OS-EP-FILTER/projects/{project_id}/endpoints/{endpoint_id}`.
pub async fn remove_project_endpoint(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (project, endpoint) = path.into_inner();
    filter::remove_endpoint_from_project(&state, &caller, project, endpoint).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /v3/OS-EP-FILTER/endpoints/{endpoint_id}/projects`.
pub async fn endpoint_projects(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let rows = filter::list_projects_for_endpoint(&state, &caller, path.into_inner()).await?;
    Ok(projects(rows, &base, &req))
}

/// The routes of OS-EP-FILTER. Their lists are not paged, as Keystone's.
pub fn routes(t: &mut RouteTable<'_>) {
    let c = |id: &str, summary: &str| op(id, summary).tag("endpoint filter");
    let group = || wrapped("endpoint_group", group_schema());
    let group_list = || collection("endpoint_groups", group_schema());
    let project_list = || collection("projects", project_schema());
    let endpoint_list = || collection("endpoints", EndpointView::schema());
    t.at(format!("{PREFIX}/endpoint_groups"))
        .get(
            list_groups,
            c("listEndpointGroups", "List endpoint groups.")
                .query(&EndpointGroupListQuery::filters())
                .answers(200, group_list()),
        )
        .post(
            create_group,
            c("createEndpointGroup", "Create an endpoint group.")
                .body(CreateEndpointGroup::document())
                .answers(201, group()),
        );
    t.at(format!("{PREFIX}/endpoint_groups/{{endpoint_group_id}}"))
        .get(
            show_group,
            c("showEndpointGroup", "Show an endpoint group.").answers(200, group()),
        )
        .patch(
            update_group,
            c("updateEndpointGroup", "Update an endpoint group.")
                .body(UpdateEndpointGroup::document())
                .answers(200, group()),
        )
        .delete(
            delete_group,
            c(
                "deleteEndpointGroup",
                "Delete an endpoint group and its project associations.",
            )
            .empty(204),
        );
    t.at(format!(
        "{PREFIX}/endpoint_groups/{{endpoint_group_id}}/projects"
    ))
    .get(
        group_projects,
        c(
            "listEndpointGroupProjects",
            "List the projects an endpoint group is tied to.",
        )
        .answers(200, project_list()),
    );
    t.at(format!(
        "{PREFIX}/endpoint_groups/{{endpoint_group_id}}/endpoints"
    ))
    .get(
        group_endpoints,
        c(
            "listEndpointGroupEndpoints",
            "List the endpoints an endpoint group selects.",
        )
        .answers(200, endpoint_list()),
    );
    t.at(format!(
        "{PREFIX}/endpoint_groups/{{endpoint_group_id}}/projects/{{project_id}}"
    ))
    .get(
        show_group_project,
        c(
            "showEndpointGroupProject",
            "Show that an endpoint group is tied to a project.",
        )
        .answers(
            200,
            wrapped(
                "project_endpoint_group",
                json!({"type": "object", "required": ["endpoint_group_id", "project_id"],
                "properties": {"endpoint_group_id": {"type": "string"},
                    "project_id": {"type": "string"}}}),
            ),
        ),
    )
    .put(
        add_group_project,
        c(
            "addEndpointGroupProject",
            "Tie an endpoint group to a project.",
        )
        .empty(204)
        .errors(&[409]),
    )
    .delete(
        remove_group_project,
        c(
            "removeEndpointGroupProject",
            "Untie an endpoint group from a project.",
        )
        .empty(204),
    );
    t.at(format!("{PREFIX}/projects/{{project_id}}/endpoint_groups"))
        .get(
            project_groups,
            c(
                "listProjectEndpointGroups",
                "List the endpoint groups tied to a project.",
            )
            .answers(200, group_list()),
        );
    t.at(format!("{PREFIX}/projects/{{project_id}}/endpoints"))
        .get(
            project_endpoints,
            c(
                "listProjectEndpoints",
                "List the endpoints tied to a project, directly or through endpoint groups.",
            )
            .answers(200, endpoint_list()),
        );
    t.at(format!(
        "{PREFIX}/projects/{{project_id}}/endpoints/{{endpoint_id}}"
    ))
    .get(
        check_project_endpoint,
        c(
            "checkProjectEndpoint",
            "Check that an endpoint is tied to a project.",
        )
        .empty(204),
    )
    .put(
        add_project_endpoint,
        c("addProjectEndpoint", "Tie an endpoint to a project.")
            .empty(204)
            .errors(&[409]),
    )
    .delete(
        remove_project_endpoint,
        c("removeProjectEndpoint", "Untie an endpoint from a project.").empty(204),
    );
    t.at(format!("{PREFIX}/endpoints/{{endpoint_id}}/projects"))
        .get(
            endpoint_projects,
            c(
                "listEndpointProjects",
                "List the projects an endpoint is tied to directly.",
            )
            .answers(200, project_list()),
        );
}
