//! `/v3/auth/domains` and `/v3/auth/projects`: where the caller may scope to (Keystone's
//! "available scopes"). Huawei's SDKs call the first with an AK/SK signature to learn the
//! account (domain) id when none is configured.

use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use crate::api::http::extract::BaseUrl;
use crate::api::v3::domains::domain_json;
use crate::api::v3::projects::project_json;
use crate::auth::AuthContext;
use crate::error::ApiError;
use crate::state::AppState;
use crate::token;

fn links(base: &BaseUrl, path: &str) -> Value {
    json!({"self": base.join(path), "previous": null, "next": null})
}

/// `GET /v3/auth/domains`: the enabled domains on which the caller holds a role, directly
/// or through a group. Any authenticated caller may ask, scoped or not.
pub async fn domains(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
) -> Result<HttpResponse, ApiError> {
    let rows = token::domains(&state, &caller).await?;
    let domains: Vec<Value> = rows.into_iter().map(|d| domain_json(d, &base)).collect();
    Ok(HttpResponse::Ok().json(json!({
        "domains": domains,
        "links": links(&base, "/v3/auth/domains"),
    })))
}

/// `GET /v3/auth/projects`: the enabled projects on which the caller holds a role, directly
/// through a group, or by inheritance.
pub async fn projects(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
) -> Result<HttpResponse, ApiError> {
    let rows = token::projects(&state, &caller).await?;
    let projects: Vec<Value> = rows.into_iter().map(|p| project_json(p, &base)).collect();
    Ok(HttpResponse::Ok().json(json!({
        "projects": projects,
        "links": links(&base, "/v3/auth/projects"),
    })))
}
