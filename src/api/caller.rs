//! The caller of a request: the `X-Auth-Token` header, verified and loaded into an
//! [`AuthContext`]. A handler that takes an `AuthContext` argument requires a valid token.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};

use crate::auth::{context, AuthContext};
use crate::db;
use crate::error::ApiError;
use crate::state::AppState;

pub const AUTH_TOKEN_HEADER: &str = "X-Auth-Token";
pub const SUBJECT_TOKEN_HEADER: &str = "X-Subject-Token";

/// Verifies a token string and loads its context; every failure is a 401. A token seen
/// recently is answered from the cache (see `auth::cache`).
pub async fn authenticate(state: &AppState, token: &str) -> Result<AuthContext, ApiError> {
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
        Box::pin(async move {
            let state =
                state.ok_or_else(|| ApiError::Internal("application state missing".into()))?;
            let token = token.ok_or_else(|| ApiError::unauthorized("no X-Auth-Token header"))?;
            Ok(authenticate(&state, &token).await?)
        })
    }
}
