//! The service catalog: `/v3/regions`, `/v3/services`, `/v3/endpoints`. Each handler
//! extracts the typed request, calls the catalog manager and wraps its answer.

mod views;
pub mod wire;

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::json;

use crate::api::http::envelope;
use crate::api::http::extract::{BaseUrl, JsonBody};
use crate::api::http::openapi::{collection, wrapped};
use crate::api::http::query::ListQuery;
use crate::api::http::routing::{op, RouteTable};
use crate::auth::AuthContext;
use crate::catalog::{endpoints, regions, services};
use crate::error::ApiError;
use crate::state::AppState;
pub use views::{catalog_schema, render_catalog, EndpointView, RegionView, ServiceView};
use wire::{
    CreateEndpoint, CreateRegion, CreateService, EndpointListQuery, RegionListQuery,
    ServiceListQuery, UpdateEndpoint, UpdateRegion, UpdateService,
};

fn list<T: Serialize>(key: &str, items: Vec<T>, base: &BaseUrl, req: &HttpRequest) -> HttpResponse {
    HttpResponse::Ok().json(json!({ key: items, "links": envelope::unpaged_links(base, req) }))
}

use actix_web::http::StatusCode;

// ---- regions ----

/// `POST /v3/regions` (KeystoneCreateRegion): an `id` in the body is used.
pub async fn create_region(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let new = CreateRegion::from_body(body.into_value()?)?.into_new();
    let row = regions::create_region(&state, &caller, new).await?;
    Ok(envelope::member(
        StatusCode::CREATED,
        "region",
        RegionView(&row, &base),
    ))
}

/// `PUT /v3/regions/{region_id}` (KeystoneCreateRegionWithId).
pub async fn put_region(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let new = CreateRegion::from_body(body.into_value()?)?.into_new();
    let row = regions::create_region_with_id(&state, &caller, path.into_inner(), new).await?;
    Ok(envelope::member(
        StatusCode::CREATED,
        "region",
        RegionView(&row, &base),
    ))
}

/// `GET /v3/regions` (KeystoneListRegions): `parent_region_id`.
pub async fn list_regions(
    state: web::Data<AppState>,
    _caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = RegionListQuery::from_query(&ListQuery::from_request(&req)?)?;
    let rows = regions::list_regions(&state, query.into()).await?;
    let views: Vec<RegionView> = rows.iter().map(|r| RegionView(r, &base)).collect();
    Ok(list("regions", views, &base, &req))
}

/// `GET /v3/regions/{region_id}` (KeystoneShowRegion): any authenticated caller.
pub async fn show_region(
    state: web::Data<AppState>,
    _caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let row = regions::get_region(&state, path.into_inner()).await?;
    Ok(envelope::member(
        StatusCode::OK,
        "region",
        RegionView(&row, &base),
    ))
}

/// `PATCH /v3/regions/{region_id}` (KeystoneUpdateRegion).
pub async fn update_region(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let changes = UpdateRegion::from_body(body.into_value()?)?.into_changes();
    let row = regions::update_region(&state, &caller, path.into_inner(), changes).await?;
    Ok(envelope::member(
        StatusCode::OK,
        "region",
        RegionView(&row, &base),
    ))
}

/// `DELETE /v3/regions/{region_id}` (KeystoneDeleteRegion).
pub async fn delete_region(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    regions::delete_region(&state, &caller, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---- services ----

/// `POST /v3/services` (KeystoneCreateService).
pub async fn create_service(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let new = CreateService::from_body(body.into_value()?)?.into_new();
    let row = services::create_service(&state, &caller, new).await?;
    Ok(envelope::member(
        StatusCode::CREATED,
        "service",
        ServiceView(&row, &base),
    ))
}

/// `GET /v3/services` (KeystoneListServices): `type`, `name`.
pub async fn list_services(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = ServiceListQuery::from_query(&ListQuery::from_request(&req)?)?;
    let rows = services::list_services(&state, &caller, query.into()).await?;
    let views: Vec<ServiceView> = rows.iter().map(|s| ServiceView(s, &base)).collect();
    Ok(list("services", views, &base, &req))
}

/// `GET /v3/services/{service_id}` (KeystoneShowService).
pub async fn show_service(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let row = services::get_service(&state, &caller, path.into_inner()).await?;
    Ok(envelope::member(
        StatusCode::OK,
        "service",
        ServiceView(&row, &base),
    ))
}

/// `PATCH /v3/services/{service_id}` (KeystoneUpdateService).
pub async fn update_service(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let changes = UpdateService::from_body(body.into_value()?)?.into_changes();
    let row = services::update_service(&state, &caller, path.into_inner(), changes).await?;
    Ok(envelope::member(
        StatusCode::OK,
        "service",
        ServiceView(&row, &base),
    ))
}

/// `DELETE /v3/services/{service_id}` (KeystoneDeleteService): its endpoints go with it.
pub async fn delete_service(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    services::delete_service(&state, &caller, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---- endpoints ----

/// `POST /v3/endpoints` (KeystoneCreateEndpoint).
pub async fn create_endpoint(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let new = CreateEndpoint::from_body(body.into_value()?)?.into_new();
    let row = endpoints::create_endpoint(&state, &caller, new).await?;
    Ok(envelope::member(
        StatusCode::CREATED,
        "endpoint",
        EndpointView(&row, &base),
    ))
}

/// `GET /v3/endpoints` (KeystoneListEndpoints): `interface`, `service_id`, `region_id`.
pub async fn list_endpoints(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = EndpointListQuery::from_query(&ListQuery::from_request(&req)?)?;
    let rows = endpoints::list_endpoints(&state, &caller, query.into()).await?;
    let views: Vec<EndpointView> = rows.iter().map(|e| EndpointView(e, &base)).collect();
    Ok(list("endpoints", views, &base, &req))
}

/// `GET /v3/endpoints/{endpoint_id}` (KeystoneShowEndpoint).
pub async fn show_endpoint(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let row = endpoints::get_endpoint(&state, &caller, path.into_inner()).await?;
    Ok(envelope::member(
        StatusCode::OK,
        "endpoint",
        EndpointView(&row, &base),
    ))
}

/// `PATCH /v3/endpoints/{endpoint_id}` (KeystoneUpdateEndpoint).
pub async fn update_endpoint(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let changes = UpdateEndpoint::from_body(body.into_value()?)?.into_changes();
    let row = endpoints::update_endpoint(&state, &caller, path.into_inner(), changes).await?;
    Ok(envelope::member(
        StatusCode::OK,
        "endpoint",
        EndpointView(&row, &base),
    ))
}

/// `DELETE /v3/endpoints/{endpoint_id}` (KeystoneDeleteEndpoint).
pub async fn delete_endpoint(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    endpoints::delete_endpoint(&state, &caller, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The catalog's routes. Its lists are not paged (as Keystone's), so they document no
/// `limit` or `marker`.
pub fn routes(t: &mut RouteTable<'_>) {
    let c = |id: &str, summary: &str| op(id, summary).tag("catalog");
    let region = || wrapped("region", RegionView::schema());
    let service = || wrapped("service", ServiceView::schema());
    let endpoint = || wrapped("endpoint", EndpointView::schema());
    t.at("/v3/regions")
        .get(
            list_regions,
            c("listRegions", "List regions.")
                .query(&RegionListQuery::filters())
                .answers(200, collection("regions", RegionView::schema())),
        )
        .post(
            create_region,
            c("createRegion", "Create a region.")
                .body(CreateRegion::schema())
                .answers(201, region())
                .errors(&[409]),
        );
    t.at("/v3/regions/{region_id}")
        .get(
            show_region,
            c("showRegion", "Show a region.").answers(200, region()),
        )
        .put(
            put_region,
            c("putRegion", "Create a region with this id.")
                .body(CreateRegion::schema())
                .answers(201, region())
                .errors(&[409]),
        )
        .patch(
            update_region,
            c("updateRegion", "Update a region; its id cannot change.")
                .body(UpdateRegion::document())
                .answers(200, region()),
        )
        .delete(
            delete_region,
            c("deleteRegion", "Delete a region.")
                .empty(204)
                .errors(&[409]),
        );
    t.at("/v3/services")
        .get(
            list_services,
            c("listServices", "List services.")
                .query(&ServiceListQuery::filters())
                .answers(200, collection("services", ServiceView::schema())),
        )
        .post(
            create_service,
            c("createService", "Create a service.")
                .body(CreateService::schema())
                .answers(201, service()),
        );
    t.at("/v3/services/{service_id}")
        .get(
            show_service,
            c("showService", "Show a service.").answers(200, service()),
        )
        .patch(
            update_service,
            c("updateService", "Update a service; its id cannot change.")
                .body(UpdateService::document())
                .answers(200, service()),
        )
        .delete(
            delete_service,
            c("deleteService", "Delete a service and its endpoints.").empty(204),
        );
    t.at("/v3/endpoints")
        .get(
            list_endpoints,
            c("listEndpoints", "List endpoints.")
                .query(&EndpointListQuery::filters())
                .answers(200, collection("endpoints", EndpointView::schema())),
        )
        .post(
            create_endpoint,
            c("createEndpoint", "Create an endpoint.")
                .body(CreateEndpoint::schema())
                .answers(201, endpoint()),
        );
    t.at("/v3/endpoints/{endpoint_id}")
        .get(
            show_endpoint,
            c("showEndpoint", "Show an endpoint.").answers(200, endpoint()),
        )
        .patch(
            update_endpoint,
            c(
                "updateEndpoint",
                "Update an endpoint; its id cannot change.",
            )
            .body(UpdateEndpoint::document())
            .answers(200, endpoint()),
        )
        .delete(
            delete_endpoint,
            c("deleteEndpoint", "Delete an endpoint.").empty(204),
        );
}
