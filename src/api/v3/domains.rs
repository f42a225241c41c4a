//! `/v3/domains`: Keystone v3 domains. Handlers extract the typed request, call the
//! resource manager ([`crate::resource::domains`]) and wrap the view.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Map, Value};

use crate::api::http::envelope::{collection, parse_extra};
use crate::api::http::extract::{BaseUrl, JsonBody};
use crate::api::http::openapi::{self, wrapped};
use crate::api::http::query::ListQuery;
use crate::api::http::routing::{op, RouteTable};
use crate::api::http::wire::{
    require_properties, with_min_properties, Extra, NameMatches, Options, ResourceName, Tags, Text,
};
use crate::auth::AuthContext;
use crate::db::domains::DomainFilter;
use crate::db::models::DomainRow;
use crate::domain::values::Description;
use crate::error::ApiError;
use crate::resource::domains::{self as manager, DomainUpdate, NewDomain};
use crate::state::AppState;

crate::wire_body! {
    /// The body of `POST /v3/domains`.
    pub struct CreateDomain in "domain" {
        required name: ResourceName,
        patch description: Description,
        optional enabled: bool,
        optional options: Options,
        optional tags: Tags,
        rest extra: Extra,
    }
}

crate::wire_body! {
    /// The body of `PATCH /v3/domains/{domain_id}`.
    pub struct UpdateDomain in "domain" {
        optional name: ResourceName,
        patch description: Description,
        optional enabled: bool,
        optional id: Text,
        optional options: Options,
        optional tags: Tags,
        rest extra: Extra,
    }
}

crate::wire_query! {
    /// `GET /v3/domains`.
    pub struct DomainListQuery {
        name: NameMatches = "Only domains of this name; with name__contains etc., a pattern.",
        enabled: Option<bool> = "Only enabled (true) or disabled (false) domains.",
    }
}

/// Renders a stored `extra` with Keystone's `tags` and `options` in place.
pub fn extra_with_tags(extra: &str) -> Map<String, Value> {
    let mut map = parse_extra(extra);
    let tags = match map.remove("tags") {
        Some(Value::Array(tags)) => Value::Array(tags),
        _ => json!([]),
    };
    map.insert("tags".into(), tags);
    map.insert("options".into(), json!({}));
    map
}

/// A domain as every response shows it.
pub fn domain_json(domain: DomainRow, base: &BaseUrl) -> Value {
    let mut map = extra_with_tags(&domain.extra);
    let self_link = base.join(&format!("/v3/domains/{}", domain.id));
    map.insert("id".into(), json!(domain.id));
    map.insert("name".into(), json!(domain.name));
    map.insert("description".into(), json!(domain.description));
    map.insert("enabled".into(), json!(domain.enabled));
    map.insert("links".into(), json!({ "self": self_link }));
    Value::Object(map)
}

/// The schema of [`domain_json`].
pub fn domain_schema() -> Value {
    json!({"type": "object", "required":
    ["id", "name", "description", "enabled", "tags", "options", "links"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "description": {"type": "string"},
        "enabled": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "options": {"type": "object"},
        "links": {"type": "object", "required": ["self"],
            "properties": {"self": {"type": "string"}}},
    }})
}

fn domain_response(status: StatusCode, domain: DomainRow, base: &BaseUrl) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "domain": domain_json(domain, base) }))
}

/// `POST /v3/domains` (Keystone create_domain).
pub async fn create(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let body = CreateDomain::from_body(body.into_value()?)?;
    let new = NewDomain {
        name: body.name.0,
        description: body.description.into_option().flatten(),
        enabled: body.enabled,
        tags: body.tags.map(|t| t.0),
        extra: body.extra.0,
    };
    let created = manager::create_domain(&state, &caller, new).await?;
    Ok(domain_response(StatusCode::CREATED, created, &base))
}

/// `GET /v3/domains` (Keystone list_domains). A domain reader sees only their own domain.
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = ListQuery::from_request(&req)?;
    let q = DomainListQuery::from_query(&query)?;
    let filter = DomainFilter {
        id: None,
        name: q.name.exact,
        enabled: q.enabled,
        name_matches: q.name.patterns,
        tags: Vec::new(),
    };
    let page = query.page(&state.settings)?;
    let domains = manager::list_domains(&state, &caller, filter, page.clone()).await?;
    let domains = domains.map(|d| domain_json(d, &base));
    Ok(HttpResponse::Ok().json(collection("domains", domains, &page, &base, &req, &query)))
}

/// `GET /v3/domains/{domain_id}` (Keystone get_domain).
pub async fn show(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let domain = manager::get_domain(&state, &caller, path.into_inner()).await?;
    Ok(domain_response(StatusCode::OK, domain, &base))
}

/// `PATCH /v3/domains/{domain_id}` (Keystone update_domain).
pub async fn update(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_value()?;
    require_properties(&body, "domain")?;
    let body = UpdateDomain::from_body(body)?;
    let update = DomainUpdate {
        id: body.id.map(|t| t.0),
        name: body.name.map(|n| n.0),
        description: body.description.into_option(),
        enabled: body.enabled,
        tags: body.tags.map(|t| t.0),
        extra: body.extra.0,
    };
    let updated = manager::update_domain(&state, &caller, path.into_inner(), update).await?;
    Ok(domain_response(StatusCode::OK, updated, &base))
}

/// `DELETE /v3/domains/{domain_id}` (Keystone delete_domain).
pub async fn delete(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    manager::delete_domain(&state, &caller, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Declares the domain routes.
pub fn routes(t: &mut RouteTable<'_>) {
    let d = |id: &str, summary: &str| op(id, summary).tag("domains");
    t.at("/v3/domains")
        .get(
            list,
            d("listDomains", "List domains.")
                .query(&DomainListQuery::params())
                .answers(200, openapi::collection("domains", domain_schema())),
        )
        .post(
            create,
            d("createDomain", "Create a domain.")
                .body(CreateDomain::schema())
                .answers(201, wrapped("domain", domain_schema()))
                .errors(&[409]),
        );
    t.at("/v3/domains/{domain_id}")
        .get(
            show,
            d("showDomain", "Show a domain.").answers(200, wrapped("domain", domain_schema())),
        )
        .patch(
            update,
            d("updateDomain", "Update a domain.")
                .body(with_min_properties(UpdateDomain::schema(), "domain"))
                .answers(200, wrapped("domain", domain_schema()))
                .errors(&[409]),
        )
        .delete(
            delete,
            d(
                "deleteDomain",
                "Delete a disabled domain and what it holds.",
            )
            .empty(204),
        );
}
