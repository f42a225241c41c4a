//! `/v3/domains`: Keystone v3 domains.
//! Each handler: validate, load the target, enforce policy, act, wrap.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Map, Value};

use crate::api::http::envelope::{collection, parse_extra};
use crate::api::http::extract::{BaseUrl, BodyObject, JsonBody};
use crate::api::http::query::ListQuery;
use crate::auth::policy::glue::authorize;
use crate::auth::policy::{self, Target};
use crate::auth::AuthContext;
use crate::cache::Tag;
use crate::db::domains::{DomainChanges, DomainFilter};
use crate::db::models::DomainRow;
use crate::db::{self, domains as store, resources};
use crate::domain::values::{Description, Name, NameFilter};
use crate::domain::{new_id, now_ms};
use crate::error::ApiError;
use crate::state::AppState;

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

fn domain_response(status: StatusCode, domain: DomainRow, base: &BaseUrl) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "domain": domain_json(domain, base) }))
}

fn domain_target(domain: &DomainRow) -> Target<'_> {
    Target {
        domain_id: Some(&domain.id),
        ..Target::default()
    }
}

/// The extra attributes of a body, with validated `tags` kept among them.
fn extra_of(mut body: BodyObject) -> Result<Map<String, Value>, ApiError> {
    body.take_options()?;
    let tags = body.take_tags("tags")?;
    let mut extra = body.into_extra();
    if let Some(tags) = tags {
        extra.insert("tags".into(), json!(tags));
    }
    Ok(extra)
}

async fn load(state: &AppState, domain_id: String) -> Result<DomainRow, ApiError> {
    db::run(&state.pool, move |conn| {
        resources::get_domain(conn, &domain_id)
    })
    .await
    .map_err(ApiError::from)
}

/// `POST /v3/domains` (Keystone create_domain).
pub async fn create(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let mut domain = BodyObject::unwrap_from(body.into_value()?, "domain")?;
    let name = domain
        .take_string("name")?
        .ok_or_else(|| ApiError::invalid_field("name", "'name' is a required property"))?;
    let name = Name::parse_resource("name", &name)?;
    let description = match domain.take_nullable_string("description")? {
        Some(Some(d)) => Description::parse("description", &d)?,
        _ => Description::default(),
    };
    let enabled = domain.take_bool("enabled")?.unwrap_or(true);
    let extra = extra_of(domain)?;
    policy::enforce(&caller, &policy::CREATE_DOMAIN, &Target::default())?;
    let row = DomainRow {
        id: new_id(),
        name: name.into_inner(),
        description: description.into_inner(),
        enabled,
        extra: Value::Object(extra).to_string(),
        created_at: now_ms(),
    };
    let created = db::run(&state.pool, move |conn| store::create_domain(conn, row)).await?;
    // Scopes and the roles held on them.
    state.changed(&[Tag::Authz]);
    Ok(domain_response(StatusCode::CREATED, created, &base))
}

/// `GET /v3/domains` (Keystone list_domains): `name`, `enabled`, the string comparators,
/// `limit`, `marker`. A domain reader sees only their own domain.
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = ListQuery::from_request(&req)?;
    let mut filter = DomainFilter {
        id: None,
        name: query
            .get("name")
            .map(|n| NameFilter::parse("name", n))
            .transpose()?
            .map(|n| n.as_str().to_owned()),
        enabled: query.get_bool("enabled")?,
        name_matches: query.string_matches("name")?,
    };
    let page = query.page(&state.settings)?;
    if !policy::allows(&caller, &policy::LIST_DOMAINS, &Target::default()) {
        let own = caller.token_domain_id().map(str::to_owned);
        policy::enforce(
            &caller,
            &policy::LIST_DOMAINS,
            &Target {
                domain_id: own.as_deref(),
                ..Target::default()
            },
        )?;
        filter.id = own;
    }
    let request = page.clone();
    let domains = db::run(&state.pool, move |conn| {
        store::list_domains(conn, &filter, &page)
    })
    .await?;
    let domains = domains.map(|d| domain_json(d, &base));
    Ok(HttpResponse::Ok().json(collection(
        "domains", domains, &request, &base, &req, &query,
    )))
}

/// `GET /v3/domains/{domain_id}` (Keystone get_domain).
pub async fn show(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let domain = load(&state, path.into_inner()).await;
    let domain = authorize(&caller, &policy::GET_DOMAIN, domain, domain_target)?;
    Ok(domain_response(StatusCode::OK, domain, &base))
}

/// `PATCH /v3/domains/{domain_id}` (Keystone update_domain): name, description, enabled,
/// tags, extras.
pub async fn update(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let domain_id = path.into_inner();
    let mut domain = BodyObject::unwrap_from(body.into_value()?, "domain")?;
    if domain.is_empty() {
        return Err(ApiError::Validation(
            "Invalid input for field 'domain': {} does not have enough properties".into(),
        ));
    }
    let name = domain
        .take_string("name")?
        .map(|n| Name::parse_resource("name", &n))
        .transpose()?
        .map(Name::into_inner);
    let description = match domain.take_nullable_string("description")? {
        Some(Some(d)) => Some(Description::parse("description", &d)?.into_inner()),
        Some(None) => Some(String::new()),
        None => None,
    };
    let enabled = domain.take_bool("enabled")?;
    let claimed_id = domain.take_string("id")?;
    let extra = extra_of(domain)?;
    let current = load(&state, domain_id.clone()).await;
    let current = authorize(&caller, &policy::UPDATE_DOMAIN, current, domain_target)?;
    if claimed_id.is_some_and(|id| id != current.id) {
        return Err(ApiError::Validation("Cannot change ID".into()));
    }
    let changes = DomainChanges {
        name,
        description,
        enabled,
        extra,
    };
    let lifetime = state.settings.token.expiration * 1000;
    let updated = db::run(&state.pool, move |conn| {
        store::update_domain(conn, &domain_id, changes, lifetime)
    })
    .await?;
    // Scopes and the roles held on them.
    state.changed(&[Tag::Authz]);
    Ok(domain_response(StatusCode::OK, updated, &base))
}

/// `DELETE /v3/domains/{domain_id}` (Keystone delete_domain): only a disabled domain, and
/// everything it holds goes with it.
pub async fn delete(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let domain_id = path.into_inner();
    let domain = load(&state, domain_id.clone()).await;
    authorize(&caller, &policy::DELETE_DOMAIN, domain, domain_target)?;
    db::run(&state.pool, move |conn| {
        store::delete_domain(conn, &domain_id)
    })
    .await?;
    // Its users, groups and grants went with it.
    state.changed(&[Tag::Authz, Tag::Users, Tag::Groups]);
    Ok(HttpResponse::NoContent().finish())
}
