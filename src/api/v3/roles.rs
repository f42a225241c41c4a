//! `/v3/roles`, `/v3/roles/{id}/implies` and `/v3/role_inferences`: Keystone v3 roles and
//! implied roles. Each handler: validate, load the target, enforce policy, act, wrap.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::api::http::envelope::{collection, parse_extra};
use crate::api::http::extract::{BaseUrl, BodyObject, JsonBody};
use crate::api::http::query::ListQuery;
use crate::auth::policy::glue::authorize;
use crate::auth::policy::{self, Target};
use crate::auth::AuthContext;
use crate::cache::Tag;
use crate::db::models::RoleRow;
use crate::db::resources::GLOBAL_ROLE_DOMAIN;
use crate::db::roles::{RoleChanges, RoleFilter};
use crate::db::{self, assignments, roles as store};
use crate::domain::values::{Description, Name, NameFilter, ResourceId};
use crate::domain::{new_id, now_ms};
use crate::error::ApiError;
use crate::state::AppState;

/// Roles that no rule may imply (Keystone's `prohibited_implied_role`).
const PROHIBITED_IMPLIED_ROLES: &[&str] = &["admin"];

fn role_domain(role: &RoleRow) -> Option<&str> {
    (role.domain_id != GLOBAL_ROLE_DOMAIN).then_some(role.domain_id.as_str())
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

fn role_response(status: StatusCode, role: RoleRow, base: &BaseUrl) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "role": role_json(role, base) }))
}

fn role_target(role: &RoleRow) -> Target<'_> {
    Target {
        role: Some((&role.name, role_domain(role))),
        ..Target::default()
    }
}

/// A role as an implied-role rule shows it: id, name, links.
fn role_ref(role: &RoleRow, base: &BaseUrl) -> Value {
    json!({
        "id": role.id,
        "name": role.name,
        "links": {"self": base.join(&format!("/v3/roles/{}", role.id))},
    })
}

async fn load(state: &AppState, role_id: String) -> Result<RoleRow, ApiError> {
    db::run(&state.pool, move |conn| store::get_role(conn, &role_id))
        .await
        .map_err(ApiError::from)
}

/// `POST /v3/roles` (Keystone create_role).
pub async fn create(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let mut role = BodyObject::unwrap_from(body.into_value()?, "role")?;
    let name = role
        .take_string("name")?
        .ok_or_else(|| ApiError::invalid_field("name", "'name' is a required property"))?;
    let name = Name::parse("name", &name)?;
    let description = match role.take_nullable_string("description")? {
        Some(Some(d)) => Description::parse("description", &d)?,
        _ => Description::default(),
    };
    let domain_id = match role.take_nullable_string("domain_id")?.flatten() {
        Some(id) => ResourceId::parse("domain_id", &id)?.into_inner(),
        None => GLOBAL_ROLE_DOMAIN.to_string(),
    };
    role.take_options()?;
    let extra = role.into_extra();
    policy::enforce(&caller, &policy::CREATE_ROLE, &Target::default())?;
    let row = RoleRow {
        id: new_id(),
        name: name.into_inner(),
        domain_id,
        description: description.into_inner(),
        extra: Value::Object(extra).to_string(),
        created_at: now_ms(),
    };
    let created = db::run(&state.pool, move |conn| store::create_role(conn, row)).await?;
    // What every token's roles are computed from.
    state.changed(&[Tag::Authz]);
    Ok(role_response(StatusCode::CREATED, created, &base))
}

/// `GET /v3/roles` (Keystone list_roles): `name`, `domain_id` (global roles without it),
/// the string comparators, `limit`, `marker`.
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = ListQuery::from_request(&req)?;
    let filter = RoleFilter {
        name: query
            .get("name")
            .map(|n| NameFilter::parse("name", n))
            .transpose()?
            .map(|n| n.as_str().to_owned()),
        domain_id: query
            .get("domain_id")
            .map(|d| ResourceId::parse("domain_id", d))
            .transpose()?
            .map(ResourceId::into_inner),
        name_matches: query.string_matches("name")?,
    };
    let page = query.page(&state.settings)?;
    policy::enforce(&caller, &policy::LIST_ROLES, &Target::default())?;
    let request = page.clone();
    let roles = db::run(&state.pool, move |conn| {
        store::list_roles(conn, &filter, &page)
    })
    .await?;
    let roles = roles.map(|r| role_json(r, &base));
    Ok(HttpResponse::Ok().json(collection("roles", roles, &request, &base, &req, &query)))
}

/// `GET /v3/roles/{role_id}` (Keystone get_role).
pub async fn show(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let role = load(&state, path.into_inner()).await;
    let role = authorize(&caller, &policy::GET_ROLE, role, role_target)?;
    Ok(role_response(StatusCode::OK, role, &base))
}

/// `PATCH /v3/roles/{role_id}` (Keystone update_role): name, description, extras.
pub async fn update(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let role_id = path.into_inner();
    let mut role = BodyObject::unwrap_from(body.into_value()?, "role")?;
    if role.is_empty() {
        return Err(ApiError::Validation(
            "Invalid input for field 'role': {} does not have enough properties".into(),
        ));
    }
    let name = role
        .take_string("name")?
        .map(|n| Name::parse("name", &n))
        .transpose()?
        .map(Name::into_inner);
    let description = match role.take_nullable_string("description")? {
        Some(Some(d)) => Some(Description::parse("description", &d)?.into_inner()),
        Some(None) => Some(String::new()),
        None => None,
    };
    let new_domain = role.take_nullable_string("domain_id")?;
    let claimed_id = role.take_string("id")?;
    role.take_options()?;
    let extra = role.into_extra();
    let current = load(&state, role_id.clone()).await;
    let current = authorize(&caller, &policy::UPDATE_ROLE, current, role_target)?;
    if claimed_id.is_some_and(|id| id != current.id) {
        return Err(ApiError::Validation("Cannot change ID".into()));
    }
    if new_domain.is_some_and(|d| d.as_deref() != role_domain(&current)) {
        return Err(ApiError::Validation(
            "Update of `domain_id` is not allowed.".into(),
        ));
    }
    let changes = RoleChanges {
        name,
        description,
        extra,
    };
    let updated = db::run(&state.pool, move |conn| {
        store::update_role(conn, &role_id, changes)
    })
    .await?;
    // What every token's roles are computed from.
    state.changed(&[Tag::Authz]);
    Ok(role_response(StatusCode::OK, updated, &base))
}

/// `DELETE /v3/roles/{role_id}` (Keystone delete_role): its grants and rules go with it.
pub async fn delete(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let role_id = path.into_inner();
    let role = load(&state, role_id.clone()).await;
    authorize(&caller, &policy::DELETE_ROLE, role, role_target)?;
    db::run(&state.pool, move |conn| store::delete_role(conn, &role_id)).await?;
    // What every token's roles are computed from.
    state.changed(&[Tag::Authz]);
    Ok(HttpResponse::NoContent().finish())
}

/// The two roles of a rule, and whether the rule exists.
async fn rule(
    state: &AppState,
    prior_id: String,
    implied_id: String,
) -> Result<(RoleRow, RoleRow, bool), ApiError> {
    db::run(&state.pool, move |conn| {
        let prior = store::get_role(conn, &prior_id)?;
        let implied = store::get_role(conn, &implied_id)?;
        let exists = assignments::implied_role_exists(conn, &prior_id, &implied_id)?;
        Ok((prior, implied, exists))
    })
    .await
}

fn no_rule(prior: &RoleRow, implied: &RoleRow) -> ApiError {
    ApiError::NotFoundMessage(format!("{} does not imply {}.", prior.id, implied.id))
}

fn inference_json(prior: &RoleRow, implied: &RoleRow, base: &BaseUrl) -> Value {
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

/// `PUT /v3/roles/{prior_role_id}/implies/{implied_role_id}` (Keystone
/// create_implied_role): 201 with the rule.
pub async fn create_implied(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (prior_id, implied_id) = path.into_inner();
    let found = rule(&state, prior_id.clone(), implied_id.clone()).await;
    let (prior, implied, _) = authorize(&caller, &policy::WRITE_IMPLIED_ROLES, found, |_| {
        Target::default()
    })?;
    if PROHIBITED_IMPLIED_ROLES.contains(&implied.name.as_str()) {
        return Err(ApiError::Forbidden(format!(
            "{} cannot be an implied roles.",
            implied.id
        )));
    }
    if role_domain(&prior).is_none() && role_domain(&implied).is_some() {
        return Err(ApiError::Forbidden(
            "Global role cannot imply a domain-specific role".into(),
        ));
    }
    db::run(&state.pool, move |conn| {
        assignments::create_implied_role(conn, &prior_id, &implied_id)
    })
    .await?;
    // What every token's roles are computed from.
    state.changed(&[Tag::Authz]);
    Ok(HttpResponse::Created().json(inference_json(&prior, &implied, &base)))
}

/// `GET /v3/roles/{prior_role_id}/implies/{implied_role_id}` (Keystone get_implied_role).
pub async fn show_implied(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (prior_id, implied_id) = path.into_inner();
    let found = rule(&state, prior_id, implied_id).await;
    let (prior, implied, exists) = authorize(&caller, &policy::READ_IMPLIED_ROLES, found, |_| {
        Target::default()
    })?;
    if !exists {
        return Err(no_rule(&prior, &implied));
    }
    Ok(HttpResponse::Ok().json(inference_json(&prior, &implied, &base)))
}

/// `HEAD /v3/roles/{prior_role_id}/implies/{implied_role_id}` (Keystone
/// check_implied_role): 204 if the rule exists.
pub async fn check_implied(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (prior_id, implied_id) = path.into_inner();
    let found = rule(&state, prior_id, implied_id).await;
    let (prior, implied, exists) = authorize(&caller, &policy::READ_IMPLIED_ROLES, found, |_| {
        Target::default()
    })?;
    if !exists {
        return Err(no_rule(&prior, &implied));
    }
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
    let found = rule(&state, prior_id.clone(), implied_id.clone()).await;
    let (prior, implied, _) = authorize(&caller, &policy::WRITE_IMPLIED_ROLES, found, |_| {
        Target::default()
    })?;
    let deleted = db::run(&state.pool, move |conn| {
        assignments::delete_implied_role(conn, &prior_id, &implied_id)
    })
    .await?;
    if !deleted {
        return Err(no_rule(&prior, &implied));
    }
    // What every token's roles are computed from.
    state.changed(&[Tag::Authz]);
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /v3/roles/{prior_role_id}/implies` (Keystone list_implied_roles).
pub async fn list_implied(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let prior_id = path.into_inner();
    let prior = load(&state, prior_id.clone()).await;
    let prior = authorize(&caller, &policy::READ_IMPLIED_ROLES, prior, |_| {
        Target::default()
    })?;
    let implied = db::run(&state.pool, move |conn| {
        store::list_implied_roles(conn, &prior_id)
    })
    .await?;
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
    policy::enforce(&caller, &policy::READ_IMPLIED_ROLES, &Target::default())?;
    let rules = db::run(&state.pool, store::list_role_inference_rules).await?;
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
