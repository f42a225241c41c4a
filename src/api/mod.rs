//! The faces: `http/` is the plumbing every face shares (middleware, the caller, bodies,
//! queries, envelopes, the route table and its OpenAPI document); `v3/` is Keystone's and
//! Huawei's API, `baidu/` Baidu's `/v1`; discovery, the console and the operator's view
//! are the pages around them.

pub mod baidu;
pub mod console;
pub mod discovery;
pub mod http;
pub mod operator;
pub mod v3;

use crate::api::http::openapi;
use crate::api::v3::{
    audit_events, auth, auth_scopes, catalog, credentials, domains, grants, groups, projects,
    role_assignments, roles, users,
};

use actix_web::{web, HttpRequest};
use serde_json::json;

use crate::api::http::openapi::{
    any_object, audit_event, boolean, collection, credential, description_field, endpoint,
    id_field, input, nullable, paged, region, service, text, token, wrapped, NAME,
};
use crate::api::http::routing::{op, RouteTable};
use crate::error::ApiError;

/// Answers a URL that matches no route.
pub async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    log::debug!("no route for {} {}", req.method(), req.path());
    Err(ApiError::NotFoundMessage(
        "The resource could not be found.".into(),
    ))
}

/// Every route of the service, registered with actix.
pub fn routes(cfg: &mut web::ServiceConfig) {
    declare_routes(&mut RouteTable::serving(cfg));
}

/// Every route, once: its handler and its documentation (`GET /openapi.json`).
pub fn declare_routes(t: &mut RouteTable<'_>) {
    operator_routes(t);
    auth_routes(t);
    groups::routes(t);
    users::routes(t);
    domains::routes(t);
    projects::routes(t);
    roles::routes(t);
    role_assignments::routes(t);
    auth_scopes::routes(t);
    grants::routes(t);
    catalog_routes(t);
    baidu::routes(t);
}

fn operator_routes(t: &mut RouteTable<'_>) {
    let ops = |id: &str, summary: &str| op(id, summary).tag("operator").public();
    t.at("/healthz").get(
        operator::healthz,
        ops("healthz", "The process is up.").answers(200, any_object()),
    );
    t.at("/readyz").get(
        operator::readyz,
        ops("readyz", "The database answers and is migrated.")
            .answers(200, any_object())
            .errors(&[503]),
    );
    t.at("/metrics").get(
        operator::metrics,
        ops("metrics", "Prometheus metrics (text).").empty(200),
    );
    // The trailing slash is trimmed before routing, so `/console/` arrives as `/console`.
    t.at("/console").get(
        console::index,
        ops("console", "The web console.").empty(200),
    );
    t.at("/console/{file:.+}").get(
        console::asset,
        ops("consoleAsset", "A file of the web console.").empty(200),
    );
    t.at("/openapi.json").get(
        openapi::serve,
        ops("openapi", "This document.").answers(200, any_object()),
    );
    t.at("/").get(
        discovery::versions,
        op("versions", "Version discovery (300 Multiple Choices).")
            .tag("discovery")
            .public()
            .answers(300, any_object()),
    );
    t.at("/v3").get(
        discovery::v3,
        op("v3", "The v3 version document.")
            .tag("discovery")
            .public()
            .answers(200, any_object()),
    );
}

fn auth_routes(t: &mut RouteTable<'_>) {
    let password = input(
        &[(
            "auth",
            input(&[("identity", any_object())], &[("scope", json!({}))]),
        )],
        &[],
    );
    t.at("/v3/auth/tokens")
        .post(
            auth::issue,
            op(
                "issueToken",
                "Password or token authentication; the token is in X-Subject-Token.",
            )
            .tag("tokens")
            .public()
            .body(password)
            .answers(201, token())
            .errors(&[401, 403]),
        )
        .get(
            auth::validate,
            op("validateToken", "Validate the token in X-Subject-Token.")
                .tag("tokens")
                .header("X-Subject-Token", true)
                .answers(200, token()),
        )
        .delete(
            auth::revoke,
            op("revokeToken", "Revoke the token in X-Subject-Token.")
                .tag("tokens")
                .header("X-Subject-Token", true)
                .empty(204),
        );
    t.at("/v3/auth/catalog").get(
        auth::get_catalog,
        op("authCatalog", "The caller's service catalog.")
            .tag("tokens")
            .answers(200, wrapped("catalog", json!({"type": "array"}))),
    );
    t.at("/v3/auth/system").get(
        auth::list_system,
        op("authSystem", "The system scopes the caller may ask for.")
            .tag("tokens")
            .answers(200, any_object()),
    );
    t.at("/v3/audit-events").get(
        audit_events::list,
        op("listAuditEvents", "The audit trail (admins).")
            .tag("audit")
            .query(&audit_events::EventQuery::params())
            .answers(200, collection("audit_events", audit_event())),
    );
    let credential_body = wrapped(
        "credential",
        input(
            &[("user_id", id_field())],
            &[("description", description_field())],
        ),
    );
    t.at("/v3.0/OS-CREDENTIAL/credentials")
        .get(
            credentials::list,
            op("listPermanentAccessKeys", "A user's access keys (Huawei).")
                .tag("credentials")
                .query(&[text("user_id", "Whose keys; the caller's by default.")])
                .answers(
                    200,
                    wrapped(
                        "credentials",
                        json!({"type": "array", "items": credential()}),
                    ),
                ),
        )
        .post(
            credentials::create,
            op(
                "createPermanentAccessKey",
                "Make an access key; the secret is shown once.",
            )
            .tag("credentials")
            .body(credential_body)
            .answers(201, wrapped("credential", credential())),
        );
    t.at("/v3.0/OS-CREDENTIAL/credentials/{access_key}")
        .get(
            credentials::show,
            op("showPermanentAccessKey", "One access key.")
                .tag("credentials")
                .answers(200, wrapped("credential", credential())),
        )
        .put(
            credentials::update,
            op(
                "updatePermanentAccessKey",
                "Activate or deactivate a key, or describe it.",
            )
            .tag("credentials")
            .body(wrapped(
                "credential",
                input(
                    &[],
                    &[
                        (
                            "status",
                            json!({"type": "string", "enum": ["active", "inactive"]}),
                        ),
                        ("description", description_field()),
                    ],
                ),
            ))
            .answers(200, wrapped("credential", credential())),
        )
        .delete(
            credentials::delete,
            op("deletePermanentAccessKey", "Delete an access key.")
                .tag("credentials")
                .empty(204),
        );
}

fn catalog_routes(t: &mut RouteTable<'_>) {
    let c = |id: &str, summary: &str| op(id, summary).tag("catalog");
    let region_fields = [
        ("id", id_field()),
        ("description", description_field()),
        ("parent_region_id", nullable()),
    ];
    t.at("/v3/regions")
        .get(
            catalog::list_regions,
            c("listRegions", "List regions.")
                .query(&paged(&[text(
                    "parent_region_id",
                    "Children of this region.",
                )]))
                .answers(200, collection("regions", region())),
        )
        .post(
            catalog::create_region,
            c("createRegion", "Create a region.")
                .body(wrapped("region", input(&[], &region_fields)))
                .answers(201, wrapped("region", region()))
                .errors(&[409]),
        );
    t.at("/v3/regions/{region_id}")
        .get(
            catalog::show_region,
            c("showRegion", "Show a region.").answers(200, wrapped("region", region())),
        )
        .put(
            catalog::create_region,
            c("putRegion", "Create a region with this id.")
                .body(wrapped("region", input(&[], &region_fields)))
                .answers(201, wrapped("region", region()))
                .errors(&[409]),
        )
        .patch(
            catalog::update_region,
            c("updateRegion", "Update a region.")
                .body(wrapped("region", input(&[], &region_fields)))
                .answers(200, wrapped("region", region())),
        )
        .delete(
            catalog::delete_region,
            c("deleteRegion", "Delete a region.")
                .empty(204)
                .errors(&[409]),
        );
    let service_fields = [
        ("name", nullable()),
        ("description", description_field()),
        ("enabled", boolean()),
    ];
    t.at("/v3/services")
        .get(
            catalog::list_services,
            c("listServices", "List services.")
                .query(&paged(&[text("type", "Of this type."), NAME]))
                .answers(200, collection("services", service())),
        )
        .post(
            catalog::create_service,
            c("createService", "Create a service.")
                .body(wrapped(
                    "service",
                    input(
                        &[(
                            "type",
                            json!({"type": "string", "minLength": 1, "maxLength": 255}),
                        )],
                        &service_fields,
                    ),
                ))
                .answers(201, wrapped("service", service())),
        );
    t.at("/v3/services/{service_id}")
        .get(
            catalog::show_service,
            c("showService", "Show a service.").answers(200, wrapped("service", service())),
        )
        .patch(
            catalog::update_service,
            c("updateService", "Update a service.")
                .body(wrapped("service", input(&[], &service_fields)))
                .answers(200, wrapped("service", service())),
        )
        .delete(
            catalog::delete_service,
            c("deleteService", "Delete a service and its endpoints.").empty(204),
        );
    let endpoint_fields = [("region_id", nullable()), ("enabled", boolean())];
    let endpoint_required = [
        ("service_id", id_field()),
        (
            "interface",
            json!({"type": "string", "enum": ["public", "internal", "admin"]}),
        ),
        ("url", json!({"type": "string", "minLength": 1})),
    ];
    t.at("/v3/endpoints")
        .get(
            catalog::list_endpoints,
            c("listEndpoints", "List endpoints.")
                .query(&paged(&[
                    text("interface", "public, internal or admin"),
                    text("service_id", "Of this service."),
                    text("region_id", "In this region."),
                ]))
                .answers(200, collection("endpoints", endpoint())),
        )
        .post(
            catalog::create_endpoint,
            c("createEndpoint", "Create an endpoint.")
                .body(wrapped(
                    "endpoint",
                    input(&endpoint_required, &endpoint_fields),
                ))
                .answers(201, wrapped("endpoint", endpoint())),
        );
    t.at("/v3/endpoints/{endpoint_id}")
        .get(
            catalog::show_endpoint,
            c("showEndpoint", "Show an endpoint.").answers(200, wrapped("endpoint", endpoint())),
        )
        .patch(
            catalog::update_endpoint,
            c("updateEndpoint", "Update an endpoint.")
                .body(wrapped("endpoint", input(&[], &endpoint_fields)))
                .answers(200, wrapped("endpoint", endpoint())),
        )
        .delete(
            catalog::delete_endpoint,
            c("deleteEndpoint", "Delete an endpoint.").empty(204),
        );
}
