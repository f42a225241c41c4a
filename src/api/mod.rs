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
use crate::api::v3::trusts;
use crate::api::v3::{
    application_credentials, audit_events, auth, auth_scopes, catalog, credentials, domains,
    federation, grants, groups, projects, role_assignments, roles, users,
};

use actix_web::{web, HttpRequest};

use crate::api::http::openapi::{any_object, audit_event, collection};
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
    auth::routes(t);
    audit_routes(t);
    credentials::routes(t);
    crate::api::v3::ec2::routes(t);
    groups::routes(t);
    users::routes(t);
    application_credentials::routes(t);
    crate::api::v3::domain_config::routes(t);
    domains::routes(t);
    projects::routes(t);
    roles::routes(t);
    role_assignments::routes(t);
    auth_scopes::routes(t);
    grants::routes(t);
    catalog::routes(t);
    federation::routes(t);
    trusts::routes(t);
    crate::api::v3::policies::routes(t);
    crate::api::v3::oauth1::routes(t);
    crate::api::v3::limits::routes(t);
    crate::api::v3::endpoint_filter::routes(t);
    crate::api::v3::quotas::routes(t);
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

fn audit_routes(t: &mut RouteTable<'_>) {
    t.at("/v3/audit-events").get(
        audit_events::list,
        op("listAuditEvents", "The audit trail (admins).")
            .tag("audit")
            .query(&audit_events::EventQuery::params())
            .answers(200, collection("audit_events", audit_event())),
    );
}
