//! The caller of a request: the `X-Auth-Token` header, verified and loaded into an
//! [`AuthContext`]. A handler that takes an `AuthContext` argument requires a valid token,
//! or else a Huawei AK/SK signature (`Authorization: SDK-HMAC-...`), which acts as the key's
//! owner scoped by `X-Project-Id` or `X-Domain-Id`.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};

use crate::api::middleware::SignedRequest;
use crate::auth::context::{DomainRef, ScopeRequest};
use crate::auth::signature::{self, RequestParts};
use crate::auth::{context, AuthContext};
use crate::db;
use crate::error::ApiError;
use crate::state::AppState;

pub const AUTH_TOKEN_HEADER: &str = "X-Auth-Token";
pub const SUBJECT_TOKEN_HEADER: &str = "X-Subject-Token";

/// The user a request acts as, once its token is verified: kept in the request's
/// extensions for the access log, which never sees the token itself.
#[derive(Debug, Clone)]
pub struct ActingUser(pub String);

/// Verifies a token string and loads its context; every failure is a 401. A token seen
/// recently is answered from the cache (see `auth::cache`). Counts the outcome in the
/// metrics.
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
    let now_us = chrono::Utc::now().timestamp_micros();
    let generation = state.generation.current();
    if let Some(ctx) = state.token_cache.get(token, generation) {
        if ctx.claims.openstack_expires_at_us > now_us {
            return Ok(ctx);
        }
    }
    let claims = state.keys.verify(token, now_us)?;
    let ctx = db::run(&state.pool, move |conn| context::load(conn, claims)).await?;
    state
        .token_cache
        .put(token.to_string(), ctx.clone(), generation);
    Ok(ctx)
}

/// The value of a token header, if present and readable.
pub fn token_header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

impl FromRequest for AuthContext {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<AuthContext, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = token_header(req, AUTH_TOKEN_HEADER).map(str::to_owned);
        // A token wins over a signature, so token callers behave exactly as before.
        let signed = match token {
            None => SignedCall::of(req),
            Some(_) => None,
        };
        let req = req.clone();
        Box::pin(async move {
            let state =
                state.ok_or_else(|| ApiError::Internal("application state missing".into()))?;
            let caller = match (signed, token) {
                (Some(signed), _) => authenticate_signed(&state, signed?).await?,
                (None, Some(token)) => authenticate(&state, &token).await?,
                (None, None) => return Err(ApiError::unauthorized("no X-Auth-Token header").into()),
            };
            req.extensions_mut()
                .insert(ActingUser(caller.user_id().to_string()));
            Ok(caller)
        })
    }
}

/// An AK/SK-signed request, copied out of the `HttpRequest` so it can be checked off the
/// actix worker.
pub struct SignedCall {
    authorization: String,
    method: String,
    kept: SignedRequest,
    headers: Vec<(String, Vec<u8>)>,
}

impl SignedCall {
    /// The signed parts of `req`, if it carries an `SDK-HMAC-*` Authorization; an error if
    /// it does but cannot be checked.
    fn of(req: &HttpRequest) -> Option<Result<SignedCall, ApiError>> {
        let authorization = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
        if !signature::is_signature(authorization) {
            return None;
        }
        let Some(kept) = req.extensions().get::<SignedRequest>().cloned() else {
            return Some(Err(ApiError::Internal(
                "signed request seen without keep_signed_request".into(),
            )));
        };
        let headers = req
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str().to_string(), value.as_bytes().to_vec()))
            .collect();
        Some(Ok(SignedCall {
            authorization: authorization.to_string(),
            method: req.method().as_str().to_string(),
            kept,
            headers,
        }))
    }

    fn header(&self, name: &str) -> Result<Option<String>, ApiError> {
        match self
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            None => Ok(None),
            Some((_, value)) => std::str::from_utf8(value)
                .map(|v| Some(v.trim().to_string()))
                .map_err(|_| ApiError::unauthorized(format!("unreadable {name} header"))),
        }
    }

    /// Where the request acts: the project in `X-Project-Id`, else the domain in
    /// `X-Domain-Id`, else nowhere (enough for `/v3/auth/domains`, as the SDK's discovery).
    fn scope(&self) -> Result<ScopeRequest, ApiError> {
        if let Some(project) = self.header("X-Project-Id")?.filter(|p| !p.is_empty()) {
            return Ok(ScopeRequest::ProjectId(project));
        }
        if let Some(domain) = self.header("X-Domain-Id")?.filter(|d| !d.is_empty()) {
            return Ok(ScopeRequest::Domain(DomainRef::Id(domain)));
        }
        Ok(ScopeRequest::Unscoped)
    }
}

/// Checks an AK/SK signature against the key's stored secret and loads the context of its
/// owner: an unknown or inactive key, a bad or stale signature, a disabled user, or a scope
/// without roles is a 401.
pub async fn authenticate_signed(
    state: &AppState,
    call: SignedCall,
) -> Result<AuthContext, ApiError> {
    let auth = signature::parse_authorization(&call.authorization)?;
    let body = call
        .kept
        .body
        .clone()
        .map_err(|refused| refused.to_error())?;
    let scope_request = call.scope()?;
    let cipher = state.cipher.clone();
    db::run(&state.pool, move |conn| {
        let key = match db::credentials::get_credential(conn, &auth.access) {
            Ok(key) => key,
            Err(ApiError::NotFound { .. }) => {
                return Err(ApiError::unauthorized(format!(
                    "unknown access key {}",
                    auth.access
                )))
            }
            Err(e) => return Err(e),
        };
        if key.status != "active" {
            return Err(ApiError::unauthorized(format!(
                "access key {} is {}",
                key.access, key.status
            )));
        }
        let secret = cipher.open(&key.access, &key.user_id, &key.sealed_secret)?;
        let parts = RequestParts {
            method: &call.method,
            path: &call.kept.path,
            query: &call.kept.query,
            headers: call
                .headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_slice()))
                .collect(),
            body: &body,
        };
        let now = chrono::Utc::now();
        signature::verify(&auth, &parts, &secret, now)?;
        let user = match db::users::get_user(conn, &key.user_id) {
            Ok(user) => user,
            Err(ApiError::NotFound { .. }) => {
                return Err(ApiError::unauthorized("owner of access key is gone"))
            }
            Err(e) => return Err(e),
        };
        let user_domain = context::check_user_usable(conn, &user)?;
        let (scope, roles) = context::resolve_scope(conn, &user, &scope_request)?;
        // Claims for the handlers that read them; nothing is issued. The window is the
        // signature's own: it is only valid that long around X-Sdk-Date.
        let claims = context::new_claims(
            &user.id,
            &scope,
            vec!["aksk".to_string()],
            None,
            now.timestamp_micros(),
            signature::MAX_CLOCK_SKEW_SECS,
            None,
        );
        Ok(AuthContext {
            user,
            user_domain,
            scope,
            roles,
            claims,
        })
    })
    .await
}
