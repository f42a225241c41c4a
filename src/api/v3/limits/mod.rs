//! Unified limits: `/v3/registered_limits`, `/v3/limits` and `/v3/limits/model`. Each
//! handler extracts the typed request, calls the limit manager and wraps its answer.

pub mod wire;

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::api::http::envelope;
use crate::api::http::extract::{BaseUrl, JsonBody};
use crate::api::http::openapi::{bce_list, collection, wrapped};
use crate::api::http::query::ListQuery;
use crate::api::http::routing::{op, RouteTable};
use crate::auth::AuthContext;
use crate::db::limits::{Limit, RegisteredLimitRow};
use crate::error::ApiError;
use crate::limit::{self, limits, registered_limits};
use crate::state::AppState;
use wire::{
    CreateLimits, CreateRegisteredLimits, LimitListQuery, RegisteredLimitListQuery, UpdateLimit,
    UpdateRegisteredLimit,
};

fn self_link(base: &BaseUrl, path: &str, id: &str) -> Value {
    json!({"self": base.join(&format!("{path}{id}"))})
}

/// A registered limit as Keystone shows it.
fn registered_limit_json(row: &RegisteredLimitRow, base: &BaseUrl) -> Value {
    json!({
        "id": row.id,
        "service_id": row.service_id,
        "region_id": row.region_id,
        "resource_name": row.resource_name,
        "default_limit": row.default_limit,
        "description": row.description,
        "links": self_link(base, "/v3/registered_limits/", &row.id),
    })
}

/// A limit as Keystone shows it: its owner, and its registered limit's fields.
fn limit_json(limit: &Limit, base: &BaseUrl) -> Value {
    json!({
        "id": limit.row.id,
        "project_id": limit.row.project_id,
        "domain_id": limit.row.domain_id,
        "service_id": limit.service_id,
        "region_id": limit.region_id,
        "resource_name": limit.resource_name,
        "resource_limit": limit.row.resource_limit,
        "description": limit.row.description,
        "links": self_link(base, "/v3/limits/", &limit.row.id),
    })
}

fn links_schema() -> Value {
    json!({"type": "object", "required": ["self"], "properties": {"self": {"type": "string"}}})
}

fn nullable_string() -> Value {
    json!({"type": ["string", "null"]})
}

fn limit_integer() -> Value {
    json!({"type": "integer", "minimum": -1, "maximum": 0x7FFF_FFFF})
}

fn registered_limit_schema() -> Value {
    json!({"type": "object",
    "required": ["id", "service_id", "region_id", "resource_name", "default_limit",
        "description", "links"],
    "properties": {
        "id": {"type": "string"},
        "service_id": {"type": "string"},
        "region_id": nullable_string(),
        "resource_name": {"type": "string"},
        "default_limit": limit_integer(),
        "description": nullable_string(),
        "links": links_schema(),
    }})
}

fn limit_schema() -> Value {
    json!({"type": "object",
    "required": ["id", "project_id", "domain_id", "service_id", "region_id", "resource_name",
        "resource_limit", "description", "links"],
    "properties": {
        "id": {"type": "string"},
        "project_id": nullable_string(),
        "domain_id": nullable_string(),
        "service_id": {"type": "string"},
        "region_id": nullable_string(),
        "resource_name": {"type": "string"},
        "resource_limit": limit_integer(),
        "description": nullable_string(),
        "links": links_schema(),
    }})
}

// ---- registered limits ----

/// `POST /v3/registered_limits`: a batch, all created or none.
pub async fn create_registered_limits(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let new = CreateRegisteredLimits::from_body(body.into_value()?)?;
    let rows = registered_limits::create_registered_limits(&state, &caller, new).await?;
    let views: Vec<Value> = rows
        .iter()
        .map(|r| registered_limit_json(r, &base))
        .collect();
    Ok(HttpResponse::Created().json(json!({ "registered_limits": views })))
}

/// `GET /v3/registered_limits`: `service_id`, `region_id`, `resource_name`.
pub async fn list_registered_limits(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = RegisteredLimitListQuery::from_query(&ListQuery::from_request(&req)?)?;
    let rows = registered_limits::list_registered_limits(&state, &caller, query.into()).await?;
    let views: Vec<Value> = rows
        .iter()
        .map(|r| registered_limit_json(r, &base))
        .collect();
    Ok(HttpResponse::Ok()
        .json(json!({ "registered_limits": views, "links": envelope::unpaged_links(&base, &req) })))
}

/// `GET /v3/registered_limits/{registered_limit_id}`.
pub async fn show_registered_limit(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let row = registered_limits::get_registered_limit(&state, &caller, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(json!({ "registered_limit": registered_limit_json(&row, &base) })))
}

/// `PATCH /v3/registered_limits/{registered_limit_id}`.
pub async fn update_registered_limit(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let changes = UpdateRegisteredLimit::from_closed_body(body.into_value()?)?.into_changes()?;
    let row =
        registered_limits::update_registered_limit(&state, &caller, path.into_inner(), changes)
            .await?;
    Ok(HttpResponse::Ok().json(json!({ "registered_limit": registered_limit_json(&row, &base) })))
}

/// `DELETE /v3/registered_limits/{registered_limit_id}`.
pub async fn delete_registered_limit(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    registered_limits::delete_registered_limit(&state, &caller, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---- limits ----

/// `POST /v3/limits`: a batch, all created or none.
pub async fn create_limits(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let new = CreateLimits::from_body(body.into_value()?)?;
    let created = limits::create_limits(&state, &caller, new).await?;
    let views: Vec<Value> = created.iter().map(|l| limit_json(l, &base)).collect();
    Ok(HttpResponse::Created().json(json!({ "limits": views })))
}

/// `GET /v3/limits`: the caller's scope narrows what it sees.
pub async fn list_limits(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = LimitListQuery::from_query(&ListQuery::from_request(&req)?)?;
    let found = limits::list_limits(&state, &caller, query.into()).await?;
    let views: Vec<Value> = found.iter().map(|l| limit_json(l, &base)).collect();
    Ok(HttpResponse::Ok()
        .json(json!({ "limits": views, "links": envelope::unpaged_links(&base, &req) })))
}

/// `GET /v3/limits/{limit_id}`.
pub async fn show_limit(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let found = limits::get_limit(&state, &caller, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(json!({ "limit": limit_json(&found, &base) })))
}

/// `PATCH /v3/limits/{limit_id}`.
pub async fn update_limit(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let changes = UpdateLimit::from_closed_body(body.into_value()?)?.into_changes()?;
    let updated = limits::update_limit(&state, &caller, path.into_inner(), changes).await?;
    Ok(HttpResponse::Ok().json(json!({ "limit": limit_json(&updated, &base) })))
}

/// `DELETE /v3/limits/{limit_id}`.
pub async fn delete_limit(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    limits::delete_limit(&state, &caller, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /v3/limits/model`: the configured enforcement model.
pub async fn show_model(
    state: web::Data<AppState>,
    caller: AuthContext,
) -> Result<HttpResponse, ApiError> {
    let model = limit::get_model(&state, &caller)?;
    Ok(HttpResponse::Ok().json(json!({
        "model": {"name": model.name, "description": model.description},
    })))
}

/// The routes of unified limits. Their lists are not paged, as Keystone's.
pub fn routes(t: &mut RouteTable<'_>) {
    let c = |id: &str, summary: &str| op(id, summary).tag("limits");
    let registered = || wrapped("registered_limit", registered_limit_schema());
    let limit = || wrapped("limit", limit_schema());
    t.at("/v3/registered_limits")
        .get(
            list_registered_limits,
            c("listRegisteredLimits", "List registered limits.")
                .query(&RegisteredLimitListQuery::filters())
                .answers(
                    200,
                    collection("registered_limits", registered_limit_schema()),
                ),
        )
        .post(
            create_registered_limits,
            c(
                "createRegisteredLimits",
                "Create registered limits, all or none.",
            )
            .body(CreateRegisteredLimits::schema())
            .answers(
                201,
                bce_list("registered_limits", registered_limit_schema()),
            )
            .errors(&[409]),
        );
    t.at("/v3/registered_limits/{registered_limit_id}")
        .get(
            show_registered_limit,
            c("showRegisteredLimit", "Show a registered limit.").answers(200, registered()),
        )
        .patch(
            update_registered_limit,
            c(
                "updateRegisteredLimit",
                "Update a registered limit that no limit refers to.",
            )
            .body(UpdateRegisteredLimit::document())
            .answers(200, registered())
            .errors(&[409]),
        )
        .delete(
            delete_registered_limit,
            c(
                "deleteRegisteredLimit",
                "Delete a registered limit that no limit refers to.",
            )
            .empty(204),
        );
    t.at("/v3/limits/model").get(
        show_model,
        c("showLimitModel", "Show the enforcement model of limits.").answers(
            200,
            wrapped(
                "model",
                json!({"type": "object", "required": ["name", "description"], "properties": {
                    "name": {"type": "string"}, "description": {"type": "string"}}}),
            ),
        ),
    );
    t.at("/v3/limits")
        .get(
            list_limits,
            c("listLimits", "List the limits the caller's scope reaches.")
                .query(&LimitListQuery::filters())
                .answers(200, collection("limits", limit_schema())),
        )
        .post(
            create_limits,
            c("createLimits", "Create limits, all or none.")
                .body(CreateLimits::schema())
                .answers(201, bce_list("limits", limit_schema()))
                .errors(&[409]),
        );
    t.at("/v3/limits/{limit_id}")
        .get(
            show_limit,
            c("showLimit", "Show a limit.").answers(200, limit()),
        )
        .patch(
            update_limit,
            c("updateLimit", "Update a limit's value or description.")
                .body(UpdateLimit::document())
                .answers(200, limit()),
        )
        .delete(delete_limit, c("deleteLimit", "Delete a limit.").empty(204));
}
