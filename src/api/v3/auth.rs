//! `/v3/auth/tokens` (issue, validate, check, revoke) and `/v3/auth/catalog`.

use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::{json, Value};

use crate::api::http::caller::{authenticate, token_header, SUBJECT_TOKEN_HEADER};
use crate::api::http::extract::{client_ip, BaseUrl, JsonBody};
use crate::api::v3::auth_request::{parse_auth_request, Method};
use crate::api::v3::catalog::render_catalog;
use crate::audit::NamedTarget;
use crate::auth::context::{self, DomainRef, NewToken, Proof, UserRef};
use crate::auth::login;
use crate::auth::policy::{self, Target};
use crate::auth::token::password_stamp;
use crate::auth::{AuthContext, Scope};
use crate::cache::Tag;
use crate::catalog::catalog_rows;
use crate::db::{self, models::UserRow};
use crate::domain::keystone_time_from_micros;
use crate::error::ApiError;
use crate::state::AppState;

fn now_us() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

fn wants_catalog(req: &HttpRequest) -> bool {
    !req.query_string()
        .split('&')
        .any(|pair| pair == "nocatalog" || pair.starts_with("nocatalog="))
}

/// Where a token's lineage comes from: the password login behind it.
struct Origin {
    /// For a rescoped token, its audit ids (see `context::rescoped_audit_ids`).
    audit_ids: Option<Vec<String>>,
    /// When the password login was made.
    auth_at_us: Option<i64>,
    /// The stamp of the password it proved.
    password_stamp: Option<String>,
}

/// The account a login names, for its audit event: the user when it exists, else what the
/// request gave.
fn login_target(named: &UserRef, found: Option<&UserRow>) -> NamedTarget {
    if let Some(user) = found {
        return NamedTarget::user(&user.id);
    }
    match named {
        UserRef::Id(id) => NamedTarget {
            id: None,
            name: Some(id.clone()),
            domain: None,
        },
        UserRef::Name { name, domain } => NamedTarget {
            id: None,
            name: Some(name.clone()),
            domain: Some(match domain {
                DomainRef::Id(id) | DomainRef::Name(id) => id.clone(),
            }),
        },
    }
}

/// `POST /v3/auth/tokens`: password or token (rescope) authentication.
pub async fn issue(
    state: web::Data<AppState>,
    req: HttpRequest,
    base: BaseUrl,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let (method, scope_request) = parse_auth_request(body.into_value()?)?;
    let lifetime = state.settings.token.expiration;
    // The issue time is taken before anything the token depends on is read (the user, its
    // password, the scope), so that a change committed after those reads revokes it: see
    // `db::revocations::revoke`.
    let issued_at_us = now_us();
    let (user, methods, origin, cap) = match method {
        Method::Password { user, password } => {
            // Failed logins are limited per source, before any lookup or hash.
            let source = client_ip(&req, &state.settings);
            state.login_throttle.check(source)?;
            let named = user.clone();
            let found = db::run(&state.pool, move |conn| context::find_user(conn, &user)).await?;
            req.extensions_mut()
                .insert(login_target(&named, found.as_ref()));
            let user = match login::check_password(&state, found, password).await {
                Err(e @ ApiError::Unauthorized(_)) => {
                    state.login_throttle.failed(source);
                    return Err(e);
                }
                other => other?,
            };
            let origin = Origin {
                audit_ids: None,
                auth_at_us: Some(issued_at_us),
                password_stamp: Some(password_stamp(user.password_hash.as_deref())),
            };
            (user, vec!["password".to_string()], origin, None)
        }
        Method::Token { token } => {
            let original = authenticate(&state, &token).await?;
            req.extensions_mut()
                .insert(NamedTarget::user(original.user_id()));
            let mut methods = vec!["token".to_string()];
            for m in &original.claims.openstack_methods {
                if !methods.contains(m) {
                    methods.push(m.clone());
                }
            }
            // Every token of a chain carries its ancestors' audit ids and the original
            // login's time and password stamp, however often it is rescoped.
            let origin = Origin {
                audit_ids: Some(context::rescoped_audit_ids(&original.claims)?),
                auth_at_us: original.claims.openstack_auth_at_us,
                password_stamp: original.claims.openstack_password_stamp.clone(),
            };
            // A rescoped token never outlives the token it came from.
            let cap = Some(original.claims.openstack_expires_at_us);
            (original.user, methods, origin, cap)
        }
    };
    let token = NewToken {
        methods,
        issued_at_us,
        lifetime_s: lifetime,
        cap_expires_at_us: cap,
        audit_ids: origin.audit_ids,
        auth_at_us: origin.auth_at_us,
        password_stamp: origin.password_stamp,
    };
    let proof = Proof::Login {
        user_id: user.id,
        scope: scope_request,
        token,
    };
    let ctx = db::run(&state.pool, move |conn| context::build(conn, proof)).await?;
    let token = state.keys.issue(&ctx.claims)?;
    let catalog = token_catalog(&state, &req, &ctx, &base).await?;
    Ok(HttpResponse::Created()
        .insert_header((SUBJECT_TOKEN_HEADER, token))
        .json(token_body(&ctx, catalog)))
}

/// The catalog for a token body: scoped tokens carry one unless `?nocatalog`.
async fn token_catalog(
    state: &AppState,
    req: &HttpRequest,
    ctx: &AuthContext,
    base: &BaseUrl,
) -> Result<Option<Value>, ApiError> {
    if !wants_catalog(req) || matches!(ctx.scope, Scope::Unscoped) {
        return Ok(None);
    }
    Ok(Some(render_catalog(&catalog_rows(state).await?, base)))
}

/// Authenticates the `X-Subject-Token`, answering 404 for a token that is not valid.
async fn subject(state: &AppState, req: &HttpRequest) -> Result<(String, AuthContext), ApiError> {
    let token = token_header(req, SUBJECT_TOKEN_HEADER)
        .ok_or_else(|| ApiError::expecting(SUBJECT_TOKEN_HEADER, "request headers"))?
        .to_string();
    match authenticate(state, &token).await {
        Ok(ctx) => Ok((token, ctx)),
        Err(ApiError::Unauthorized(detail)) => {
            log::debug!("subject token refused: {detail}");
            Err(ApiError::NotFoundMessage(
                "Could not find token: the subject token is invalid, expired or revoked.".into(),
            ))
        }
        Err(e) => Err(e),
    }
}

/// `GET`/`HEAD /v3/auth/tokens`: validate the `X-Subject-Token`.
pub async fn validate(
    state: web::Data<AppState>,
    caller: AuthContext,
    req: HttpRequest,
    base: BaseUrl,
) -> Result<HttpResponse, ApiError> {
    let (token, ctx) = subject(&state, &req).await?;
    policy::enforce(
        &caller,
        &policy::VALIDATE_TOKEN,
        &Target {
            token_user_id: Some(ctx.user_id()),
            ..Target::default()
        },
    )?;
    let catalog = token_catalog(&state, &req, &ctx, &base).await?;
    Ok(HttpResponse::Ok()
        .insert_header((SUBJECT_TOKEN_HEADER, token))
        .json(token_body(&ctx, catalog)))
}

/// `DELETE /v3/auth/tokens`: revoke the `X-Subject-Token` and every token rescoped from
/// it, at any depth; the token it was itself rescoped from stays valid, as in Keystone.
pub async fn revoke(
    state: web::Data<AppState>,
    caller: AuthContext,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (_, ctx) = subject(&state, &req).await?;
    policy::enforce(
        &caller,
        &policy::REVOKE_TOKEN,
        &Target {
            token_user_id: Some(ctx.user_id()),
            ..Target::default()
        },
    )?;
    let audit_id = ctx
        .claims
        .openstack_audit_ids
        .first()
        .cloned()
        .ok_or_else(|| ApiError::Internal("validated token without audit id".into()))?;
    // Its descendants never outlive it: the event need not either.
    let expires = ctx.claims.openstack_expires_at_us / 1000 + 1;
    let owner = Tag::principal(ctx.user_id());
    db::run(&state.pool, move |conn| {
        db::revocations::revoke_token(conn, &audit_id, expires)
    })
    .await?;
    // The owner's cached tokens: the revoked one (and its rescoped children) with them.
    state.changed(&[owner]);
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /v3/auth/catalog`: the catalog of the caller's scoped token.
pub async fn get_catalog(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
) -> Result<HttpResponse, ApiError> {
    if matches!(caller.scope, Scope::Unscoped) {
        return Err(ApiError::Forbidden(
            "A project-scoped or domain-scoped token is required to produce a service catalog."
                .into(),
        ));
    }
    let rows = catalog_rows(&state).await?;
    Ok(HttpResponse::Ok().json(json!({
        "catalog": render_catalog(&rows, &base),
        "links": {"self": base.join("/v3/auth/catalog"), "previous": null, "next": null},
    })))
}

/// `GET /v3/auth/system`: `[{"all": true}]` if the caller holds a role on the system.
pub async fn list_system(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
) -> Result<HttpResponse, ApiError> {
    let user_id = caller.user_id().to_string();
    let roles = db::run(&state.pool, move |conn| {
        db::assignments::effective_roles(conn, &user_id, &db::assignments::RoleTarget::System)
    })
    .await?;
    let system: Vec<Value> = if roles.is_empty() {
        Vec::new()
    } else {
        vec![json!({"all": true})]
    };
    Ok(HttpResponse::Ok().json(json!({
        "system": system,
        "links": {"self": base.join("/v3/auth/system"), "previous": null, "next": null},
    })))
}

#[derive(Serialize)]
struct IdName<'a> {
    id: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct TokenUser<'a> {
    id: &'a str,
    name: &'a str,
    domain: IdName<'a>,
    password_expires_at: Option<String>,
}

#[derive(Serialize)]
struct ProjectRef<'a> {
    id: &'a str,
    name: &'a str,
    domain: IdName<'a>,
}

#[derive(Serialize)]
struct SystemAll {
    all: bool,
}

#[derive(Serialize)]
struct TokenView<'a> {
    methods: &'a [String],
    user: TokenUser<'a>,
    audit_ids: Vec<&'a str>,
    expires_at: String,
    issued_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    project: Option<ProjectRef<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_domain: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    domain: Option<IdName<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    system: Option<SystemAll>,
    #[serde(skip_serializing_if = "Option::is_none")]
    roles: Option<Vec<IdName<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    catalog: Option<Value>,
}

/// Keystone's token body, serialized straight from the auth context: an unscoped token has
/// no roles and no catalog.
#[derive(Serialize)]
pub struct TokenResponse<'a> {
    token: TokenView<'a>,
}

/// Keystone's `audit_ids`: the token's own, and for a rescoped token the chain id (the
/// first token's). The ids of the tokens between, carried for revocation, are not shown.
fn shown_audit_ids(ids: &[String]) -> Vec<&str> {
    match ids {
        [own, .., chain] => vec![own.as_str(), chain.as_str()],
        other => other.iter().map(String::as_str).collect(),
    }
}

pub fn token_body(ctx: &AuthContext, catalog: Option<Value>) -> TokenResponse<'_> {
    let claims = &ctx.claims;
    let mut token = TokenView {
        methods: &claims.openstack_methods,
        user: TokenUser {
            id: &ctx.user.id,
            name: &ctx.user.name,
            domain: IdName {
                id: &ctx.user_domain.id,
                name: &ctx.user_domain.name,
            },
            password_expires_at: ctx
                .user
                .password_expires_at
                .map(|ms| keystone_time_from_micros(ms * 1000)),
        },
        audit_ids: shown_audit_ids(&claims.openstack_audit_ids),
        expires_at: keystone_time_from_micros(claims.openstack_expires_at_us),
        issued_at: keystone_time_from_micros(claims.openstack_issued_at_us),
        project: None,
        is_domain: None,
        domain: None,
        system: None,
        roles: None,
        catalog: None,
    };
    match &ctx.scope {
        Scope::Unscoped => return TokenResponse { token },
        Scope::Project { project, domain } => {
            token.project = Some(ProjectRef {
                id: &project.id,
                name: &project.name,
                domain: IdName {
                    id: &domain.id,
                    name: &domain.name,
                },
            });
            token.is_domain = Some(false);
        }
        Scope::Domain(domain) => {
            token.domain = Some(IdName {
                id: &domain.id,
                name: &domain.name,
            })
        }
        Scope::System => token.system = Some(SystemAll { all: true }),
    }
    token.roles = Some(
        ctx.roles
            .iter()
            .map(|r| IdName {
                id: &r.id,
                name: &r.name,
            })
            .collect(),
    );
    token.catalog = catalog;
    TokenResponse { token }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_show_the_own_and_the_chain_audit_id() {
        let ids: Vec<String> = ["c", "b", "a"].iter().map(|s| s.to_string()).collect();
        assert_eq!(shown_audit_ids(&ids), ["c", "a"]);
        assert_eq!(shown_audit_ids(&ids[1..]), ["b", "a"]);
        assert_eq!(shown_audit_ids(&ids[2..]), ["a"]);
    }
}
