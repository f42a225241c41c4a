//! `/v3/roles`, `/v3/roles/{id}/implies` and `/v3/role_inferences`: Keystone v3 roles and
//! implied roles. Handlers extract the typed request, call the assignment manager
//! ([`crate::assignment::roles`]) and wrap the view.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::api::http::envelope::{collection, parse_extra};
use crate::api::http::extract::{BaseUrl, JsonBody};
use crate::api::http::openapi::{self, any_object, wrapped};
use crate::api::http::query::ListQuery;
use crate::api::http::routing::{op, RouteTable};
use crate::api::http::wire::{
    require_properties, with_min_properties, Extra, NameMatches, Options, Text,
};
use crate::assignment::roles::{self as manager, role_domain, Inference, NewRole, RoleUpdate};
use crate::auth::AuthContext;
use crate::db::models::RoleRow;
use crate::db::roles::RoleFilter;
use crate::domain::values::{Description, Name, ResourceId};
use crate::error::ApiError;
use crate::state::AppState;

crate::wire_body! {
    /// The body of `POST /v3/roles`; without `domain_id` the role is global.
    pub struct CreateRole in "role" {
        required name: Name,
        patch description: Description,
        patch domain_id: ResourceId,
        optional options: Options,
        rest extra: Extra,
    }
}

crate::wire_body! {
    /// The body of `PATCH /v3/roles/{role_id}`: the domain may only be restated.
    pub struct UpdateRole in "role" {
        optional name: Name,
        patch description: Description,
        patch domain_id: Text,
        optional id: Text,
        optional options: Options,
        rest extra: Extra,
    }
}

crate::wire_query! {
    /// `GET /v3/roles`.
    pub struct RoleListQuery {
        name: NameMatches = "Only roles of this name; with name__contains etc., a pattern.",
        domain_id: Option<String> = "Only the roles of this domain (without it, the global roles).",
    }
}

/// A role as every response shows it: a global role has `domain_id: null`.
pub fn role_json(role: RoleRow, base: &BaseUrl) -> Value {
    let mut map = parse_extra(&role.extra);
    let self_link = base.join(&format!("/v3/roles/{}", role.id));
    map.insert("domain_id".into(), json!(role_domain(&role)));
    map.insert("id".into(), json!(role.id));
    map.insert("name".into(), json!(role.name));
    map.insert("description".into(), json!(role.description));
    map.insert("options".into(), json!({}));
    map.insert("links".into(), json!({ "self": self_link }));
    Value::Object(map)
}

/// The schema of [`role_json`].
pub fn role_schema() -> Value {
    json!({"type": "object", "required":
    ["id", "name", "domain_id", "description", "options", "links"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "domain_id": {"type": ["string", "null"]},
        "description": {"type": "string"},
        "options": {"type": "object"},
        "links": {"type": "object", "required": ["self"],
            "properties": {"self": {"type": "string"}}},
    }})
}

fn role_response(status: StatusCode, role: RoleRow, base: &BaseUrl) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "role": role_json(role, base) }))
}

/// A role as an implied-role rule shows it: id, name, links.
fn role_ref(role: &RoleRow, base: &BaseUrl) -> Value {
    json!({
        "id": role.id,
        "name": role.name,
        "links": {"self": base.join(&format!("/v3/roles/{}", role.id))},
    })
}

fn inference_json(rule: &Inference, base: &BaseUrl) -> Value {
    let (prior, implied) = (&rule.prior, &rule.implied);
    json!({
        "role_inference": {
            "prior_role": role_ref(prior, base),
            "implies": role_ref(implied, base),
        },
        "links": {
            "self": base.join(&format!("/v3/roles/{}/implies/{}", prior.id, implied.id)),
        },
    })
}

/// `POST /v3/roles` (Keystone create_role).
pub async fn create(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let body = CreateRole::from_body(body.into_value()?)?;
    let new = NewRole {
        name: body.name,
        description: body.description.into_option().flatten(),
        domain_id: body.domain_id.into_option().flatten(),
        extra: body.extra.0,
    };
    let created = manager::create_role(&state, &caller, new).await?;
    Ok(role_response(StatusCode::CREATED, created, &base))
}

/// `GET /v3/roles` (Keystone list_roles).
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = ListQuery::from_request(&req)?;
    let q = RoleListQuery::from_query(&query)?;
    let filter = RoleFilter {
        name: q.name.exact,
        domain_id: q.domain_id,
        name_matches: q.name.patterns,
    };
    let page = query.page(&state.settings)?;
    let roles = manager::list_roles(&state, &caller, filter, page.clone()).await?;
    let roles = roles.map(|r| role_json(r, &base));
    Ok(HttpResponse::Ok().json(collection("roles", roles, &page, &base, &req, &query)))
}

/// `GET /v3/roles/{role_id}` (Keystone get_role).
pub async fn show(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let role = manager::get_role(&state, &caller, path.into_inner()).await?;
    Ok(role_response(StatusCode::OK, role, &base))
}

/// `PATCH /v3/roles/{role_id}` (Keystone update_role).
pub async fn update(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_value()?;
    require_properties(&body, "role")?;
    let body = UpdateRole::from_body(body)?;
    let update = RoleUpdate {
        id: body.id.map(|t| t.0),
        name: body.name,
        description: body.description.into_option(),
        domain_id: body.domain_id.map(|t| t.0).into_option(),
        extra: body.extra.0,
    };
    let updated = manager::update_role(&state, &caller, path.into_inner(), update).await?;
    Ok(role_response(StatusCode::OK, updated, &base))
}

/// `DELETE /v3/roles/{role_id}` (Keystone delete_role).
pub async fn delete(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    manager::delete_role(&state, &caller, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `PUT /v3/roles/{prior_role_id}/implies/{implied_role_id}` (Keystone
/// create_implied_role): 201 with the rule.
pub async fn create_implied(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (prior_id, implied_id) = path.into_inner();
    let rule = manager::create_implied_role(&state, &caller, prior_id, implied_id).await?;
    Ok(HttpResponse::Created().json(inference_json(&rule, &base)))
}

/// `GET /v3/roles/{prior_role_id}/implies/{implied_role_id}` (Keystone get_implied_role).
pub async fn show_implied(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (prior_id, implied_id) = path.into_inner();
    let rule = manager::get_implied_role(&state, &caller, prior_id, implied_id).await?;
    Ok(HttpResponse::Ok().json(inference_json(&rule, &base)))
}

/// `HEAD /v3/roles/{prior_role_id}/implies/{implied_role_id}` (Keystone
/// check_implied_role): 204 if the rule exists.
pub async fn check_implied(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (prior_id, implied_id) = path.into_inner();
    manager::get_implied_role(&state, &caller, prior_id, implied_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE /v3/roles/{prior_role_id}/implies/{implied_role_id}` (Keystone
/// delete_implied_role).
pub async fn delete_implied(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (prior_id, implied_id) = path.into_inner();
    manager::delete_implied_role(&state, &caller, prior_id, implied_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /v3/roles/{prior_role_id}/implies` (Keystone list_implied_roles).
pub async fn list_implied(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (prior, implied) = manager::list_implied_roles(&state, &caller, path.into_inner()).await?;
    let implies: Vec<Value> = implied.iter().map(|r| role_ref(r, &base)).collect();
    Ok(HttpResponse::Ok().json(json!({
        "role_inference": {"prior_role": role_ref(&prior, &base), "implies": implies},
        "links": {"self": base.join(&format!("/v3/roles/{}/implies", prior.id))},
    })))
}

/// `GET /v3/role_inferences` (Keystone list_role_inference_rules).
pub async fn list_inferences(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
) -> Result<HttpResponse, ApiError> {
    let rules = manager::list_role_inference_rules(&state, &caller).await?;
    let inferences: Vec<Value> = rules
        .iter()
        .map(|(prior, implied)| {
            json!({
                "prior_role": role_ref(prior, &base),
                "implies": implied.iter().map(|r| role_ref(r, &base)).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "role_inferences": inferences })))
}

/// Declares the role and implied-role routes.
pub fn routes(t: &mut RouteTable<'_>) {
    let r = |id: &str, summary: &str| op(id, summary).tag("roles");
    t.at("/v3/roles")
        .get(
            list,
            r("listRoles", "List roles.")
                .query(&RoleListQuery::params())
                .answers(200, openapi::collection("roles", role_schema())),
        )
        .post(
            create,
            r("createRole", "Create a role.")
                .body(CreateRole::schema())
                .answers(201, wrapped("role", role_schema()))
                .errors(&[409]),
        );
    t.at("/v3/roles/{role_id}")
        .get(
            show,
            r("showRole", "Show a role.").answers(200, wrapped("role", role_schema())),
        )
        .patch(
            update,
            r("updateRole", "Update a role.")
                .body(with_min_properties(UpdateRole::schema(), "role"))
                .answers(200, wrapped("role", role_schema()))
                .errors(&[409]),
        )
        .delete(
            delete,
            r("deleteRole", "Delete a role and its grants.").empty(204),
        );
    t.at("/v3/roles/{prior_role_id}/implies").get(
        list_implied,
        r("listImpliedRoles", "The roles a role implies.")
            .answers(200, wrapped("role_inference", any_object())),
    );
    // HEAD answers 204 without a body here, as Keystone's check_implied_role does.
    t.at("/v3/roles/{prior_role_id}/implies/{implied_role_id}")
        .put(
            create_implied,
            r("createImpliedRole", "Make one role imply another.")
                .answers(201, wrapped("role_inference", any_object())),
        )
        .get_only(
            show_implied,
            r("showImpliedRole", "Show an implication.")
                .answers(200, wrapped("role_inference", any_object())),
        )
        .head(
            check_implied,
            r("checkImpliedRole", "Does one role imply the other?").empty(204),
        )
        .delete(
            delete_implied,
            r("deleteImpliedRole", "Remove an implication.").empty(204),
        );
    t.at("/v3/role_inferences").get(
        list_inferences,
        r("listRoleInferences", "Every implication.")
            .answers(200, wrapped("role_inferences", json!({"type": "array"}))),
    );
}
