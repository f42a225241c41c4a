//! `/v3/auth/tokens` (issue, validate, check, revoke), `/v3/auth/catalog` and
//! `/v3/auth/system`, with their routes; the rules are the token manager's (`token`).

pub mod views;

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::api::http::caller::{token_header, SUBJECT_TOKEN_HEADER};
use crate::api::http::extract::{client_ip, BaseUrl, JsonBody};
use crate::api::http::openapi::{collection, domain, project, wrapped};
use crate::api::http::routing::{op, RouteTable};
use crate::api::v3::auth_request::{parse_auth_request, AuthRequest};
use crate::api::v3::auth_scopes;
use crate::api::v3::catalog::render_catalog;
use crate::auth::AuthContext;
use crate::error::ApiError;
use crate::state::AppState;
use crate::token;

pub use views::{token_body, TokenResponse};

fn wants_catalog(req: &HttpRequest) -> bool {
    !req.query_string()
        .split('&')
        .any(|pair| pair == "nocatalog" || pair.starts_with("nocatalog="))
}

/// The catalog for a token body: scoped tokens carry one unless `?nocatalog`.
async fn body_catalog(
    state: &AppState,
    req: &HttpRequest,
    ctx: &AuthContext,
    base: &BaseUrl,
) -> Result<Option<Value>, ApiError> {
    if !wants_catalog(req) {
        return Ok(None);
    }
    let rows = token::token_catalog(state, ctx).await?;
    Ok(rows.map(|rows| render_catalog(&rows, base)))
}

/// `POST /v3/auth/tokens`: password or token (rescope) authentication.
pub async fn issue(
    state: web::Data<AppState>,
    req: HttpRequest,
    base: BaseUrl,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_value()?;
    if crate::api::v3::oauth1::flow::asks_oauth1(&body) {
        let (token, ctx) = crate::api::v3::oauth1::flow::issue_token(&state, &req, &base).await?;
        let catalog = body_catalog(&state, &req, &ctx, &base).await?;
        return Ok(HttpResponse::Created()
            .insert_header((SUBJECT_TOKEN_HEADER, token.as_str()))
            .json(token_body(&ctx, catalog)));
    }
    let AuthRequest { method, scope } = parse_auth_request(body)?;
    let source = client_ip(&req, &state.settings);
    let issued = token::issue(&state, method, scope, source).await?;
    let catalog = body_catalog(&state, &req, &issued.ctx, &base).await?;
    Ok(HttpResponse::Created()
        .insert_header((SUBJECT_TOKEN_HEADER, issued.token.as_str()))
        .json(token_body(&issued.ctx, catalog)))
}

/// `GET`/`HEAD /v3/auth/tokens`: validate the `X-Subject-Token`.
pub async fn validate(
    state: web::Data<AppState>,
    caller: AuthContext,
    req: HttpRequest,
    base: BaseUrl,
) -> Result<HttpResponse, ApiError> {
    let subject = token_header(&req, SUBJECT_TOKEN_HEADER);
    let ctx = token::validate(&state, &caller, SUBJECT_TOKEN_HEADER, subject).await?;
    crate::auth::app_cred::check_access_rules_support(
        ctx.application_credential.as_ref(),
        token_header(&req, crate::auth::app_cred::ACCESS_RULES_HEADER),
    )?;
    let catalog = body_catalog(&state, &req, &ctx, &base).await?;
    Ok(HttpResponse::Ok()
        .insert_header((SUBJECT_TOKEN_HEADER, subject.unwrap_or_default()))
        .json(token_body(&ctx, catalog)))
}

/// `DELETE /v3/auth/tokens`: revoke the `X-Subject-Token` and its rescoped descendants.
pub async fn revoke(
    state: web::Data<AppState>,
    caller: AuthContext,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let subject = token_header(&req, SUBJECT_TOKEN_HEADER);
    token::revoke(&state, &caller, SUBJECT_TOKEN_HEADER, subject).await?;
    Ok(HttpResponse::NoContent().finish())
}

fn links(base: &BaseUrl, path: &str) -> Value {
    json!({"self": base.join(path), "previous": null, "next": null})
}

/// `GET /v3/auth/catalog`: the catalog of the caller's scoped token.
pub async fn get_catalog(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
) -> Result<HttpResponse, ApiError> {
    let rows = token::catalog(&state, &caller).await?;
    Ok(HttpResponse::Ok().json(json!({
        "catalog": render_catalog(&rows, &base),
        "links": links(&base, "/v3/auth/catalog"),
    })))
}

/// `GET /v3/auth/system`: `[{"all": true}]` if the caller holds a role on the system.
pub async fn list_system(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
) -> Result<HttpResponse, ApiError> {
    let system: Vec<Value> = if token::system(&state, &caller).await? {
        vec![json!({"all": true})]
    } else {
        Vec::new()
    };
    Ok(HttpResponse::Ok().json(json!({
        "system": system,
        "links": links(&base, "/v3/auth/system"),
    })))
}

/// The routes of `/v3/auth`.
pub fn routes(t: &mut RouteTable<'_>) {
    t.at("/v3/auth/tokens")
        .post(
            issue,
            op(
                "issueToken",
                "Password or token authentication; the token is in X-Subject-Token.",
            )
            .tag("tokens")
            .public()
            .body(AuthRequest::schema())
            .answers(201, TokenResponse::schema())
            .errors(&[401, 403]),
        )
        .get(
            validate,
            op("validateToken", "Validate the token in X-Subject-Token.")
                .tag("tokens")
                .header(SUBJECT_TOKEN_HEADER, true)
                .answers(200, TokenResponse::schema()),
        )
        .delete(
            revoke,
            op("revokeToken", "Revoke the token in X-Subject-Token.")
                .tag("tokens")
                .header(SUBJECT_TOKEN_HEADER, true)
                .empty(204),
        );
    t.at("/v3/auth/catalog").get(
        get_catalog,
        op("authCatalog", "The caller's service catalog.")
            .tag("tokens")
            .answers(200, wrapped("catalog", json!({"type": "array"}))),
    );
    t.at("/v3/auth/system").get(
        list_system,
        op("authSystem", "The system scopes the caller may ask for.")
            .tag("tokens")
            .answers(
                200,
                json!({"type": "object", "properties": {"system": {"type": "array", "items":
                    {"type": "object", "properties": {"all": {"type": "boolean"}}}}}}),
            ),
    );
    t.at("/v3/auth/domains").get(
        auth_scopes::domains,
        op("authDomains", "The domains the caller may scope to.")
            .tag("tokens")
            .answers(200, collection("domains", domain())),
    );
    t.at("/v3/auth/projects").get(
        auth_scopes::projects,
        op("authProjects", "The projects the caller may scope to.")
            .tag("tokens")
            .answers(200, collection("projects", project())),
    );
}
