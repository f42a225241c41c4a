//! `/v3/projects/{project_id}/tags`: Keystone's project tags. Handlers extract, call the
//! manager ([`crate::resource::project_tags`]) and wrap: the set answers as
//! `{"tags": [...], "links": {"self": ...}}`, one tag is a 204 (or 404), adding one is a
//! 201 with its `Location`.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::api::http::body::BodyObject;
use crate::api::http::extract::{BaseUrl, JsonBody};
use crate::api::http::query::ListQuery;
use crate::api::http::routing::{op, Param, ParamKind, RouteTable};
use crate::api::http::wire::{any_json, BodyField, QueryField, Tags};
use crate::auth::AuthContext;
use crate::error::ApiError;
use crate::resource::project_tags as manager;
use crate::state::AppState;

/// A query flag as Keystone reads one (`query_filter_is_true`): present and not `0` is
/// true, including a bare `?parents_as_list`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Flag(pub bool);

impl QueryField for Flag {
    fn params(name: &'static str, description: &'static str) -> Vec<Param> {
        vec![Param {
            name,
            description,
            kind: ParamKind::Text,
        }]
    }
    fn read(query: &ListQuery, name: &'static str) -> Result<Self, ApiError> {
        Ok(Flag(query.get(name).is_some_and(|v| v != "0")))
    }
}

/// The body of `PUT /v3/projects/{project_id}/tags`: `{"tags": [...]}`.
fn tags_body(body: Value) -> Result<Vec<String>, ApiError> {
    let mut body = BodyObject::from_body(body)?;
    match Tags::take(&mut body, "tags")? {
        Some(Tags(tags)) => Ok(tags),
        None => Err(ApiError::invalid_field("tags", "{} is not of type 'array'")),
    }
}

/// Other fields of the body are ignored, as Keystone ignores them (any JSON the parser
/// takes).
fn tags_schema() -> Value {
    json!({"type": "object", "required": ["tags"], "properties": {"tags": Tags::schema()},
        "additionalProperties": any_json()})
}

fn tags_answer_schema() -> Value {
    json!({"type": "object", "required": ["tags", "links"], "properties": {
        "tags": {"type": "array", "items": {"type": "string"}},
        "links": {"type": "object", "required": ["self"],
            "properties": {"self": {"type": "string"}}},
    }})
}

fn tags_response(tags: Vec<String>, base: &BaseUrl, project_id: &str) -> HttpResponse {
    let link = base.join(&format!("/v3/projects/{project_id}/tags"));
    HttpResponse::Ok().json(json!({"tags": tags, "links": {"self": link}}))
}

/// `GET /v3/projects/{project_id}/tags` (Keystone list_project_tags).
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let project_id = path.into_inner();
    let tags = manager::list_project_tags(&state, &caller, project_id.clone()).await?;
    Ok(tags_response(tags, &base, &project_id))
}

/// `PUT /v3/projects/{project_id}/tags` (Keystone update_project_tags): replaces the set.
pub async fn replace(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let project_id = path.into_inner();
    let tags = tags_body(body.into_value()?)?;
    let tags = manager::update_project_tags(&state, &caller, project_id.clone(), tags).await?;
    Ok(tags_response(tags, &base, &project_id))
}

/// `DELETE /v3/projects/{project_id}/tags`: no tags left.
pub async fn clear(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    manager::delete_project_tags(&state, &caller, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /v3/projects/{project_id}/tags/{tag}` (Keystone get_project_tag): 204 or 404.
pub async fn check(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (project_id, tag) = path.into_inner();
    manager::get_project_tag(&state, &caller, project_id, tag).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `PUT /v3/projects/{project_id}/tags/{tag}` (Keystone create_project_tag): 201, with the
/// tag's URL in `Location`.
pub async fn add(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (project_id, tag) = path.into_inner();
    manager::create_project_tag(&state, &caller, project_id, tag).await?;
    let location = base.join(req.uri().path());
    Ok(HttpResponse::Created()
        .insert_header(("Location", location))
        .finish())
}

/// `DELETE /v3/projects/{project_id}/tags/{tag}` (Keystone delete_project_tag).
pub async fn remove(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (project_id, tag) = path.into_inner();
    manager::delete_project_tag(&state, &caller, project_id, tag).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Declares the routes of project tags.
pub fn routes(t: &mut RouteTable<'_>) {
    let p = |id: &str, summary: &str| op(id, summary).tag("projects");
    t.at("/v3/projects/{project_id}/tags")
        .get(
            list,
            p("listProjectTags", "A project's tags.").answers(200, tags_answer_schema()),
        )
        .put(
            replace,
            p("updateProjectTags", "Replace a project's tags.")
                .body(tags_schema())
                .answers(200, tags_answer_schema()),
        )
        .delete(
            clear,
            p("deleteProjectTags", "Remove every tag of a project.").empty(204),
        );
    t.at("/v3/projects/{project_id}/tags/{tag}")
        .get(
            check,
            p(
                "checkProjectTag",
                "Does the project have this tag? 204 or 404.",
            )
            .empty(204),
        )
        .put(
            add,
            p("createProjectTag", "Add a tag to a project.").empty(201),
        )
        .delete(
            remove,
            p("deleteProjectTag", "Remove a tag from a project.").empty(204),
        );
}
