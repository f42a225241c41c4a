//! `/v3/auth/domains` and `/v3/auth/projects`: where the caller may scope to (Keystone's
//! "available scopes"). Huawei's SDKs call the first with an AK/SK signature to learn the
//! account (domain) id when none is configured.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::api::http::extract::BaseUrl;
use crate::api::http::openapi::collection;
use crate::api::http::routing::{op, RouteTable};
use crate::api::v3::domains::{domain_json, domain_schema};
use crate::api::v3::projects::{project_json, project_schema};
use crate::assignment::scopes;
use crate::auth::AuthContext;
use crate::error::ApiError;
use crate::state::AppState;

fn links(base: &BaseUrl, path: &str) -> Value {
    json!({"self": base.join(path), "previous": null, "next": null})
}

/// `GET /v3/auth/domains`: the enabled domains on which the caller holds a role, directly
/// or through a group. Any authenticated caller may ask, scoped or not.
pub async fn domains(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let rows = scopes::domains_for_caller(&state, &caller).await?;
    let domains: Vec<Value> = rows.into_iter().map(|d| domain_json(d, &base)).collect();
    Ok(HttpResponse::Ok().json(json!({
        "domains": domains,
        // Itself: this, or `/v3/OS-FEDERATION/domains`, which answers the same.
        "links": links(&base, req.path()),
    })))
}

/// `GET /v3/auth/projects`: the enabled projects on which the caller holds a role, directly
/// through a group, or by inheritance.
pub async fn projects(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let rows = scopes::projects_for_caller(&state, &caller).await?;
    let projects: Vec<Value> = rows.into_iter().map(|p| project_json(p, &base)).collect();
    Ok(HttpResponse::Ok().json(json!({
        "projects": projects,
        "links": links(&base, req.path()),
    })))
}

/// Declares `GET /v3/auth/domains` and `GET /v3/auth/projects`.
pub fn routes(t: &mut RouteTable<'_>) {
    t.at("/v3/auth/domains").get(
        domains,
        op("authDomains", "The domains the caller may scope to.")
            .tag("tokens")
            .answers(200, collection("domains", domain_schema())),
    );
    t.at("/v3/auth/projects").get(
        projects,
        op("authProjects", "The projects the caller may scope to.")
            .tag("tokens")
            .answers(200, collection("projects", project_schema())),
    );
}
