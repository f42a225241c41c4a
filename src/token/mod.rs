//! The token manager (Keystone's `auth` and `token` managers): issuing a token by password
//! or by rescoping another, validating and revoking one, the catalog a token carries, and
//! where a caller may scope to. No HTTP here: the handlers of `api/v3/auth` read the body
//! and the headers, call these, and wrap the answer.

pub mod application_credential;
pub mod ec2;
pub mod password;
pub mod trusts;

use std::net::IpAddr;

use crate::auth::context::{self, NewToken, Proof};
use crate::auth::policy::{self, Target};
use crate::auth::refs::{AuthMethod, DomainRef, ScopeRequest, UserRef};
use crate::auth::token::password_stamp;
use crate::auth::{AuthContext, Scope};
use crate::cache::Tag;
use crate::catalog::catalog_rows;
use crate::change::{self, Action, Event};
use crate::db::models::UserRow;
use crate::db::{self, assignments};
use crate::error::ApiError;
use crate::state::{AppState, CatalogRows};

fn now_us() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// A token just issued: the string for `X-Subject-Token`, and its context for the body.
pub struct Issued {
    pub token: String,
    pub ctx: AuthContext,
}

/// Verifies a token string and loads its context (Keystone's `validate_token`); every
/// failure is a 401. A token seen recently is answered from the cache (see `cache`).
/// Counts the outcome in the metrics.
pub async fn authenticate(state: &AppState, token: &str) -> Result<AuthContext, ApiError> {
    let result = verify_and_load(state, token).await;
    let outcome = match &result {
        Ok(_) => "valid",
        Err(ApiError::Unauthorized(_)) => "rejected",
        Err(_) => "error",
    };
    state.metrics.observe_token_validation(outcome);
    result
}

async fn verify_and_load(state: &AppState, token: &str) -> Result<AuthContext, ApiError> {
    let now_us = now_us();
    if let Some(ctx) = state.token_cache.get(token) {
        if ctx.claims.openstack_expires_at_us > now_us {
            return Ok(ctx);
        }
    }
    let claims = state.keys.verify(token, now_us)?;
    if claims.openstack_trust_id.is_some() {
        // Its context is the trust's, its trustor's and its trustee's: read afresh every
        // time rather than tagged, so a change to any of them ends it at once.
        return db::run(&state.pool, move |conn| {
            context::build(conn, Proof::Token(claims))
        })
        .await;
    }
    // A token's context is its user's (row, memberships, grants, revocations) and the
    // roles and scopes everyone's are computed from.
    let tags = [Tag::principal(&claims.sub), Tag::Authz];
    state
        .token_cache
        .get_or_load(token, &tags, || {
            db::run(&state.pool, move |conn| {
                context::build(conn, Proof::Token(claims))
            })
        })
        .await
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

/// Names a login's target in its audit event: the user when it exists, else the name (or
/// id) and the domain the request gave.
fn amend_login_target(named: &UserRef, found: Option<&UserRow>) {
    let (id, name, domain) = match (found, named) {
        (Some(user), _) => (Some(user.id.clone()), None, None),
        (None, UserRef::Id(id)) => (None, Some(id.clone()), None),
        (None, UserRef::Name { name, domain }) => {
            let domain = match domain {
                DomainRef::Id(d) | DomainRef::Name(d) => d.clone(),
            };
            (None, Some(name.clone()), Some(domain))
        }
    };
    change::amend(|e| {
        e.target_id = id;
        e.target_name = name;
        e.target_domain = domain;
    });
}

/// Keystone `authenticate_for_token` (`POST /v3/auth/tokens`): a password login or a
/// rescope, to the scope asked for. Failed password logins are limited per `source` before
/// any lookup or hash; every refusal is a 401 and is audited.
pub async fn issue(
    state: &AppState,
    method: AuthMethod,
    scope: ScopeRequest,
    source: Option<IpAddr>,
) -> Result<Issued, ApiError> {
    // Said first, so that a refused login is audited too; its target once known.
    change::audit(Event::authenticate(None));
    let lifetime = state.settings.token.expiration;
    // The issue time is taken before anything the token depends on is read (the user, its
    // password, the scope), so that a change committed after those reads revokes it: see
    // `db::revocations::revoke`.
    let issued_at_us = now_us();
    let mut scope = scope;
    // The application credential the new token is made from, directly or by a rescope.
    let mut app_cred_id: Option<String> = None;
    let (user, methods, origin, cap) = match method {
        AuthMethod::Password { user, password } => {
            state.login_throttle.check(source)?;
            let named = user.clone();
            let found = db::run(&state.pool, move |conn| context::find_user(conn, &user)).await?;
            amend_login_target(&named, found.as_ref());
            let user = match password::check_password(state, found, password).await {
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
        AuthMethod::Token { token } => {
            let original = authenticate(state, &token).await?;
            trusts::refuse_rescope(&original)?;
            let user_id = original.user_id().to_string();
            change::amend(|e| e.target_id = Some(user_id));
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
            if let Some(grant) = &original.application_credential {
                // Keystone: a credential's token is renewed on its project, never rescoped.
                if !matches!(scope, ScopeRequest::Default) {
                    return Err(ApiError::forbidden_action(
                        "Using an application credential token to create a scoped token is \
                         not allowed",
                    ));
                }
                app_cred_id = Some(grant.id.clone());
                if let Some(project_id) = original.token_project_id() {
                    scope = ScopeRequest::ProjectId(project_id.to_string());
                }
            }
            (original.user, methods, origin, cap)
        }
        AuthMethod::ApplicationCredential { credential, secret } => {
            state.login_throttle.check(source)?;
            let proved = match application_credential::prove(
                state,
                credential,
                secret,
                &scope,
                issued_at_us,
            )
            .await
            {
                Err(e @ ApiError::Unauthorized(_)) => {
                    state.login_throttle.failed(source);
                    return Err(e);
                }
                other => other?,
            };
            let row = proved.row;
            scope = ScopeRequest::ProjectId(row.project_id.clone());
            app_cred_id = Some(row.id.clone());
            let user_id = row.user_id.clone();
            let user = db::run(&state.pool, move |conn| {
                context::find_user(conn, &UserRef::Id(user_id))
            })
            .await?
            .ok_or_else(|| ApiError::unauthorized("owner of application credential is gone"))?;
            let origin = Origin {
                audit_ids: None,
                auth_at_us: None,
                password_stamp: None,
            };
            // Keystone: a token never outlives its credential.
            let methods = vec!["application_credential".to_string()];
            (user, methods, origin, row.expires_at)
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
        application_credential_id: app_cred_id,
    };
    let proof = Proof::Login {
        user_id: user.id,
        scope,
        token,
    };
    let ctx = db::run(&state.pool, move |conn| context::build(conn, proof)).await?;
    let token = state.keys.issue(&ctx.claims)?;
    // A use of a limited trust is spent only once its token is made, as in Keystone.
    trusts::consume_use(state, &ctx).await?;
    Ok(Issued { token, ctx })
}

/// The subject token's context; a token that is missing is a 400, one that is not valid
/// a 404 (Keystone's `TokenNotFound`).
async fn subject(
    state: &AppState,
    header: &'static str,
    token: Option<&str>,
) -> Result<AuthContext, ApiError> {
    let token = token.ok_or_else(|| ApiError::expecting(header, "request headers"))?;
    match authenticate(state, token).await {
        Ok(ctx) => Ok(ctx),
        Err(ApiError::Unauthorized(detail)) => {
            log::debug!("subject token refused: {detail}");
            Err(ApiError::NotFoundMessage(
                "Could not find token: the subject token is invalid, expired or revoked.".into(),
            ))
        }
        Err(e) => Err(e),
    }
}

/// Keystone's target of a token rule: the subject token's owner.
fn token_target(ctx: &AuthContext) -> Target<'_> {
    Target {
        token_user_id: Some(ctx.user_id()),
        ..Target::default()
    }
}

/// Keystone `validate_token` (`GET`/`HEAD /v3/auth/tokens`): the context of the subject
/// token (named by `header`), if the caller may see it.
pub async fn validate(
    state: &AppState,
    caller: &AuthContext,
    header: &'static str,
    token: Option<&str>,
) -> Result<AuthContext, ApiError> {
    let ctx = subject(state, header, token).await?;
    policy::enforce(caller, &policy::VALIDATE_TOKEN, &token_target(&ctx))?;
    Ok(ctx)
}

/// Keystone `revoke_token` (`DELETE /v3/auth/tokens`): revokes the subject token and every
/// token rescoped from it, at any depth; the token it was itself rescoped from stays
/// valid, as in Keystone.
pub async fn revoke(
    state: &AppState,
    caller: &AuthContext,
    header: &'static str,
    token: Option<&str>,
) -> Result<(), ApiError> {
    // The path names no token: the event has no target id, as the trail always showed.
    change::audit(Event::new(Action::Delete, "token", None));
    let ctx = subject(state, header, token).await?;
    policy::enforce(caller, &policy::REVOKE_TOKEN, &token_target(&ctx))?;
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
    Ok(())
}

/// The catalog a token body carries: a scoped token's, none for an unscoped one.
pub async fn token_catalog(
    state: &AppState,
    ctx: &AuthContext,
) -> Result<Option<CatalogRows>, ApiError> {
    match &ctx.scope {
        Scope::Unscoped => Ok(None),
        // The endpoint filter: a project with endpoints tied to it sees only those.
        Scope::Project { project, .. } => Ok(Some(
            crate::catalog::endpoint_filter::project_catalog_rows(state, &project.id).await?,
        )),
        _ => Ok(Some(catalog_rows(state).await?)),
    }
}

/// Keystone `get_catalog` (`GET /v3/auth/catalog`): the catalog of the caller's token,
/// which must be scoped.
pub async fn catalog(state: &AppState, caller: &AuthContext) -> Result<CatalogRows, ApiError> {
    token_catalog(state, caller).await?.ok_or_else(|| {
        ApiError::Forbidden(
            "A project-scoped or domain-scoped token is required to produce a service catalog."
                .into(),
        )
    })
}

/// Keystone `get_auth_system` (`GET /v3/auth/system`): whether the caller holds a role on
/// the system.
pub async fn system(state: &AppState, caller: &AuthContext) -> Result<bool, ApiError> {
    let user_id = caller.user_id().to_string();
    let roles = db::run(&state.pool, move |conn| {
        assignments::effective_roles(conn, &user_id, &assignments::RoleTarget::System)
    })
    .await?;
    Ok(!roles.is_empty())
}
