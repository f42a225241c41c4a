//! The service catalog: `/v3/regions`, `/v3/services`, `/v3/endpoints`, and the catalog
//! rendered into tokens and `GET /v3/auth/catalog`.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Map, Value};

use crate::api::http::envelope::parse_extra;
use crate::api::http::extract::{BaseUrl, BodyObject, JsonBody};
use crate::api::http::query::ListQuery;
use crate::auth::policy::{self, Policy, Target};
use crate::auth::AuthContext;
use crate::cache::Tag;
use crate::db::catalog::{self as store, EndpointFilter, PUBLIC_URL_PLACEHOLDER};
use crate::db::models::{EndpointRow, RegionRow, ServiceRow};
use crate::db::{self, write_tx, StoreError};
use crate::domain::new_id;
use crate::domain::values::{reject_nul, Description, ResourceId};
use crate::error::ApiError;
use crate::state::{AppState, CatalogRows};

const INTERFACES: &[&str] = &["public", "internal", "admin"];

fn enforce(caller: &AuthContext, policy: &Policy) -> Result<(), ApiError> {
    policy::enforce(caller, policy, &Target::default())
}

fn fill_url(url: &str, base: &BaseUrl) -> String {
    url.replace(PUBLIC_URL_PLACEHOLDER, base.as_str())
}

/// The catalog of a scoped token, from the enabled services and endpoints.
pub fn render_catalog(entries: &[(ServiceRow, Vec<EndpointRow>)], base: &BaseUrl) -> Value {
    let services: Vec<Value> = entries
        .iter()
        .map(|(service, endpoints)| {
            let extra = parse_extra(&service.extra);
            let endpoints: Vec<Value> = endpoints
                .iter()
                .map(|e| {
                    json!({
                        "id": e.id,
                        "interface": e.interface,
                        "region": e.region_id,
                        "region_id": e.region_id,
                        "url": fill_url(&e.url, base),
                    })
                })
                .collect();
            json!({
                "endpoints": endpoints,
                "id": service.id,
                "type": service.service_type,
                "name": extra.get("name").cloned().unwrap_or(json!("")),
            })
        })
        .collect();
    Value::Array(services)
}

/// The catalog rows, from the cache while no change was made and they are young enough.
pub async fn catalog_rows(state: &AppState) -> Result<CatalogRows, ApiError> {
    state
        .catalog_cache
        .get_or_load("catalog", &[Tag::Catalog], || async {
            Ok(Arc::new(db::run(&state.pool, store::catalog).await?))
        })
        .await
}

fn links(base: &BaseUrl, req: &HttpRequest) -> Value {
    let self_link = match req.query_string() {
        "" => base.join(req.path()),
        q => format!("{}?{q}", base.join(req.path())),
    };
    json!({"self": self_link, "previous": null, "next": null})
}

// ---- regions ----

fn region_json(region: &RegionRow, base: &BaseUrl) -> Value {
    let mut map = parse_extra(&region.extra);
    map.insert("id".into(), json!(region.id));
    map.insert("description".into(), json!(region.description));
    map.insert("parent_region_id".into(), json!(region.parent_region_id));
    map.insert(
        "links".into(),
        json!({"self": base.join(&format!("/v3/regions/{}", region.id))}),
    );
    Value::Object(map)
}

fn parse_region(mut body: BodyObject, id: Option<String>) -> Result<RegionRow, ApiError> {
    let id = match (body.take_string("id")?, id) {
        (_, Some(path_id)) => path_id,
        (Some(given), None) => ResourceId::parse("id", &given)?.into_inner(),
        (None, None) => new_id(),
    };
    let description = match body.take_nullable_string("description")? {
        Some(Some(d)) => Description::parse("description", &d)?.into_inner(),
        _ => String::new(),
    };
    let parent_region_id = body.take_nullable_string("parent_region_id")?.flatten();
    Ok(RegionRow {
        id,
        description,
        parent_region_id,
        extra: Value::Object(body.into_extra()).to_string(),
    })
}

/// `POST /v3/regions` (an `id` in the body is used) and `PUT /v3/regions/{id}`.
pub async fn create_region(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: Option<web::Path<String>>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let body = BodyObject::unwrap_from(body.into_value()?, "region")?;
    let region = parse_region(body, path.map(|p| p.into_inner()))?;
    enforce(&caller, &policy::WRITE_CATALOG)?;
    let created = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| store::create_region(conn, region))
    })
    .await?;
    state.changed(&[Tag::Catalog]);
    Ok(HttpResponse::Created().json(json!({"region": region_json(&created, &base)})))
}

/// `GET /v3/regions` (filter `parent_region_id`).
pub async fn list_regions(
    state: web::Data<AppState>,
    _caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = ListQuery::from_request(&req)?;
    let parent = query.get("parent_region_id").map(str::to_owned);
    let regions = db::run(&state.pool, move |conn| {
        store::list_regions(conn, parent.as_deref())
    })
    .await?;
    let items: Vec<Value> = regions.iter().map(|r| region_json(r, &base)).collect();
    Ok(HttpResponse::Ok().json(json!({"regions": items, "links": links(&base, &req)})))
}

/// `GET /v3/regions/{id}`: any authenticated caller (Keystone's empty rule).
pub async fn show_region(
    state: web::Data<AppState>,
    _caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let region = db::run(&state.pool, move |conn| store::get_region(conn, &id)).await?;
    Ok(HttpResponse::Ok().json(json!({"region": region_json(&region, &base)})))
}

/// `PATCH /v3/regions/{id}`.
pub async fn update_region(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let mut body = BodyObject::unwrap_from(body.into_value()?, "region")?;
    if body.take_string("id")?.is_some_and(|given| given != id) {
        return Err(ApiError::Validation("Cannot change ID".into()));
    }
    let description = body
        .take_nullable_string("description")?
        .map(|d| {
            Description::parse("description", &d.unwrap_or_default()).map(Description::into_inner)
        })
        .transpose()?;
    let parent = body.take_nullable_string("parent_region_id")?;
    let extra = body.into_extra();
    enforce(&caller, &policy::WRITE_CATALOG)?;
    let updated = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            let mut region = store::get_region(conn, &id)?;
            if let Some(d) = description {
                region.description = d;
            }
            if let Some(p) = parent {
                region.parent_region_id = p;
            }
            let mut stored = parse_extra(&region.extra);
            stored.extend(extra);
            region.extra = Value::Object(stored).to_string();
            store::update_region(conn, &region)?;
            Ok::<_, ApiError>(region)
        })
    })
    .await?;
    state.changed(&[Tag::Catalog]);
    Ok(HttpResponse::Ok().json(json!({"region": region_json(&updated, &base)})))
}

/// `DELETE /v3/regions/{id}`.
pub async fn delete_region(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    enforce(&caller, &policy::WRITE_CATALOG)?;
    db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| store::delete_region(conn, &id))
    })
    .await?;
    state.changed(&[Tag::Catalog]);
    Ok(HttpResponse::NoContent().finish())
}

// ---- services ----

fn service_json(service: &ServiceRow, base: &BaseUrl) -> Value {
    let mut map = parse_extra(&service.extra);
    map.insert("id".into(), json!(service.id));
    map.insert("type".into(), json!(service.service_type));
    map.insert("enabled".into(), json!(service.enabled));
    map.insert(
        "links".into(),
        json!({"self": base.join(&format!("/v3/services/{}", service.id))}),
    );
    Value::Object(map)
}

fn service_type(raw: &str) -> Result<String, ApiError> {
    // A NUL is refused as in every other stored string: PostgreSQL cannot store one (it
    // answered a misleading 404) while SQLite stored it.
    if raw.is_empty() || raw.chars().count() > 255 || raw.contains('\0') {
        return Err(ApiError::invalid_field(
            "type",
            format!("'{raw}' must have 1 to 255 characters"),
        ));
    }
    Ok(raw.to_string())
}

/// `POST /v3/services`.
pub async fn create_service(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let mut body = BodyObject::unwrap_from(body.into_value()?, "service")?;
    let kind = body
        .take_string("type")?
        .ok_or_else(|| ApiError::invalid_field("type", "'type' is a required property"))?;
    let kind = service_type(&kind)?;
    let enabled = body.take_bool("enabled")?.unwrap_or(true);
    let extra = body.into_extra();
    enforce(&caller, &policy::WRITE_CATALOG)?;
    let row = ServiceRow {
        id: new_id(),
        service_type: kind,
        enabled,
        extra: Value::Object(extra).to_string(),
    };
    let created = db::run(&state.pool, move |conn| store::create_service(conn, row)).await?;
    state.changed(&[Tag::Catalog]);
    Ok(HttpResponse::build(StatusCode::CREATED)
        .json(json!({"service": service_json(&created, &base)})))
}

/// `GET /v3/services` (filter `type`).
pub async fn list_services(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = ListQuery::from_request(&req)?;
    let kind = query.get("type").map(str::to_owned);
    let name = query.get("name").map(str::to_owned);
    enforce(&caller, &policy::READ_CATALOG)?;
    let services = db::run(&state.pool, move |conn| {
        store::list_services(conn, kind.as_deref())
    })
    .await?;
    let items: Vec<Value> = services
        .iter()
        .map(|s| service_json(s, &base))
        .filter(|s| {
            name.as_deref()
                .is_none_or(|n| s.get("name").and_then(Value::as_str) == Some(n))
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({"services": items, "links": links(&base, &req)})))
}

/// `GET /v3/services/{id}`.
pub async fn show_service(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    enforce(&caller, &policy::READ_CATALOG)?;
    let service = db::run(&state.pool, move |conn| store::get_service(conn, &id)).await?;
    Ok(HttpResponse::Ok().json(json!({"service": service_json(&service, &base)})))
}

/// `PATCH /v3/services/{id}`.
pub async fn update_service(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let mut body = BodyObject::unwrap_from(body.into_value()?, "service")?;
    if body.is_empty() {
        return Err(ApiError::Validation(
            "Invalid input for field 'service': {} does not have enough properties".into(),
        ));
    }
    if body.take_string("id")?.is_some_and(|given| given != id) {
        return Err(ApiError::Validation("Cannot change ID".into()));
    }
    let kind = body
        .take_string("type")?
        .map(|t| service_type(&t))
        .transpose()?;
    let enabled = body.take_bool("enabled")?;
    let extra = body.into_extra();
    enforce(&caller, &policy::WRITE_CATALOG)?;
    let updated = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            let mut service = store::get_service(conn, &id)?;
            if let Some(k) = kind {
                service.service_type = k;
            }
            if let Some(e) = enabled {
                service.enabled = e;
            }
            let mut stored = parse_extra(&service.extra);
            stored.extend(extra);
            service.extra = Value::Object(stored).to_string();
            store::update_service(conn, &service)?;
            Ok::<_, ApiError>(service)
        })
    })
    .await?;
    state.changed(&[Tag::Catalog]);
    Ok(HttpResponse::Ok().json(json!({"service": service_json(&updated, &base)})))
}

/// `DELETE /v3/services/{id}`: its endpoints go with it.
pub async fn delete_service(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    enforce(&caller, &policy::WRITE_CATALOG)?;
    db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| store::delete_service(conn, &id))
    })
    .await?;
    state.changed(&[Tag::Catalog]);
    Ok(HttpResponse::NoContent().finish())
}

// ---- endpoints ----

fn endpoint_json(endpoint: &EndpointRow, base: &BaseUrl) -> Value {
    let mut map: Map<String, Value> = parse_extra(&endpoint.extra);
    map.insert("id".into(), json!(endpoint.id));
    map.insert("interface".into(), json!(endpoint.interface));
    map.insert("region".into(), json!(endpoint.region_id));
    map.insert("region_id".into(), json!(endpoint.region_id));
    map.insert("service_id".into(), json!(endpoint.service_id));
    map.insert("url".into(), json!(fill_url(&endpoint.url, base)));
    map.insert("enabled".into(), json!(endpoint.enabled));
    map.insert(
        "links".into(),
        json!({"self": base.join(&format!("/v3/endpoints/{}", endpoint.id))}),
    );
    Value::Object(map)
}

fn interface(raw: &str) -> Result<String, ApiError> {
    if INTERFACES.contains(&raw) {
        Ok(raw.to_string())
    } else {
        Err(ApiError::invalid_field(
            "interface",
            format!("'{raw}' is not one of ['public', 'internal', 'admin']"),
        ))
    }
}

fn endpoint_url(raw: &str) -> Result<String, ApiError> {
    if raw.is_empty() || raw.chars().count() > 225 || raw.contains('\0') {
        return Err(ApiError::invalid_field(
            "url",
            format!("'{raw}' is not a valid URL"),
        ));
    }
    Ok(raw.to_string())
}

/// `region_id`, or the older `region`, from an endpoint body.
fn take_region(body: &mut BodyObject) -> Result<Option<Option<String>>, ApiError> {
    let by_id = body.take_nullable_string("region_id")?;
    let legacy = body.take_nullable_string("region")?;
    // A region named here is created if missing, so it must be storable.
    for (field, given) in [("region_id", &by_id), ("region", &legacy)] {
        if let Some(Some(region)) = given {
            reject_nul(field, region)?;
        }
    }
    Ok(by_id.or(legacy))
}

/// `POST /v3/endpoints`.
pub async fn create_endpoint(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let mut body = BodyObject::unwrap_from(body.into_value()?, "endpoint")?;
    let service_id = body.take_string("service_id")?.ok_or_else(|| {
        ApiError::invalid_field("service_id", "'service_id' is a required property")
    })?;
    let iface = body.take_string("interface")?.ok_or_else(|| {
        ApiError::invalid_field("interface", "'interface' is a required property")
    })?;
    let iface = interface(&iface)?;
    let url = body
        .take_string("url")?
        .ok_or_else(|| ApiError::invalid_field("url", "'url' is a required property"))?;
    let url = endpoint_url(&url)?;
    let region_id = take_region(&mut body)?.flatten();
    let enabled = body.take_bool("enabled")?.unwrap_or(true);
    let extra = body.into_extra();
    enforce(&caller, &policy::WRITE_CATALOG)?;
    let row = EndpointRow {
        id: new_id(),
        service_id,
        interface: iface,
        region_id,
        url,
        enabled,
        extra: Value::Object(extra).to_string(),
    };
    let created = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| store::create_endpoint(conn, row))
    })
    .await
    .map_err(|e| match e {
        // Keystone answers an unknown service or region in the body with 400.
        StoreError::NotFound { kind, id } => {
            ApiError::Validation(format!("Could not find {kind}: {id}."))
        }
        other => other.into(),
    })?;
    state.changed(&[Tag::Catalog]);
    Ok(HttpResponse::Created().json(json!({"endpoint": endpoint_json(&created, &base)})))
}

/// `GET /v3/endpoints` (filters `service_id`, `interface`, `region_id`).
pub async fn list_endpoints(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = ListQuery::from_request(&req)?;
    let filter = EndpointFilter {
        service_id: query.get("service_id").map(str::to_owned),
        interface: query.get("interface").map(str::to_owned),
        region_id: query.get("region_id").map(str::to_owned),
    };
    enforce(&caller, &policy::READ_CATALOG)?;
    let endpoints = db::run(&state.pool, move |conn| {
        store::list_endpoints(conn, &filter)
    })
    .await?;
    let items: Vec<Value> = endpoints.iter().map(|e| endpoint_json(e, &base)).collect();
    Ok(HttpResponse::Ok().json(json!({"endpoints": items, "links": links(&base, &req)})))
}

/// `GET /v3/endpoints/{id}`.
pub async fn show_endpoint(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    enforce(&caller, &policy::READ_CATALOG)?;
    let endpoint = db::run(&state.pool, move |conn| store::get_endpoint(conn, &id)).await?;
    Ok(HttpResponse::Ok().json(json!({"endpoint": endpoint_json(&endpoint, &base)})))
}

/// `PATCH /v3/endpoints/{id}`.
pub async fn update_endpoint(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let mut body = BodyObject::unwrap_from(body.into_value()?, "endpoint")?;
    if body.is_empty() {
        return Err(ApiError::Validation(
            "Invalid input for field 'endpoint': {} does not have enough properties".into(),
        ));
    }
    if body.take_string("id")?.is_some_and(|given| given != id) {
        return Err(ApiError::Validation("Cannot change ID".into()));
    }
    let service_id = body.take_string("service_id")?;
    let iface = body
        .take_string("interface")?
        .map(|i| interface(&i))
        .transpose()?;
    let url = body
        .take_string("url")?
        .map(|u| endpoint_url(&u))
        .transpose()?;
    let region = take_region(&mut body)?;
    let enabled = body.take_bool("enabled")?;
    let extra = body.into_extra();
    enforce(&caller, &policy::WRITE_CATALOG)?;
    let updated = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            let mut endpoint = store::get_endpoint(conn, &id)?;
            if let Some(s) = service_id {
                endpoint.service_id = s;
            }
            if let Some(i) = iface {
                endpoint.interface = i;
            }
            if let Some(u) = url {
                endpoint.url = u;
            }
            if let Some(r) = region {
                endpoint.region_id = r;
            }
            if let Some(e) = enabled {
                endpoint.enabled = e;
            }
            let mut stored = parse_extra(&endpoint.extra);
            stored.extend(extra);
            endpoint.extra = Value::Object(stored).to_string();
            store::update_endpoint(conn, &endpoint).map_err(|e| match e {
                StoreError::NotFound { kind, id } => {
                    ApiError::Validation(format!("Could not find {kind}: {id}."))
                }
                other => other.into(),
            })?;
            Ok::<_, ApiError>(endpoint)
        })
    })
    .await?;
    state.changed(&[Tag::Catalog]);
    Ok(HttpResponse::Ok().json(json!({"endpoint": endpoint_json(&updated, &base)})))
}

/// `DELETE /v3/endpoints/{id}`.
pub async fn delete_endpoint(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    enforce(&caller, &policy::WRITE_CATALOG)?;
    db::run(&state.pool, move |conn| store::delete_endpoint(conn, &id)).await?;
    state.changed(&[Tag::Catalog]);
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_types_refuse_nul_on_every_backend() {
        assert!(service_type("identity").is_ok());
        assert!(service_type("").is_err());
        assert!(service_type("a\0b").is_err());
        assert!(service_type(&"t".repeat(256)).is_err());
    }
}
