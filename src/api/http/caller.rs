//! The caller of a request: the `X-Auth-Token` header, verified and loaded into an
//! [`AuthContext`]. A handler that takes an `AuthContext` argument requires a valid token,
//! or else a Huawei AK/SK signature (`Authorization: SDK-HMAC-...`), which acts as the key's
//! owner scoped by `X-Project-Id` or `X-Domain-Id`.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};

use crate::api::http::middleware::SignedRequest;
use crate::auth::context::{DomainRef, NewToken, Proof, ScopeRequest, Wanted};
use crate::auth::credential_cipher::CredentialCipher;
use crate::auth::replay::SignatureUse;
use crate::auth::signature::{self, RequestParts};
use crate::auth::{context, AuthContext};
use crate::db::models::CredentialRow;
use crate::db::{self, DbConn, StoreError};
use crate::error::ApiError;
use crate::state::AppState;

pub const AUTH_TOKEN_HEADER: &str = "X-Auth-Token";
pub const SUBJECT_TOKEN_HEADER: &str = "X-Subject-Token";

/// The user a request acts as, once its token is verified: kept in the request's
/// extensions for the access log, which never sees the token itself.
#[derive(Debug, Clone)]
pub struct ActingUser(pub String);

// Token validation is the token manager's; the callers of every face use it from here.
pub use crate::token::authenticate;

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
            // A token of an application credential with access rules reaches only what
            // they allow of the identity service (keystonemiddleware's check).
            crate::auth::app_cred::enforce_access_rules(
                caller.application_credential.as_ref(),
                req.method().as_str(),
                req.path(),
            )?;
            req.extensions_mut()
                .insert(ActingUser(caller.user_id().to_string()));
            Ok(caller)
        })
    }
}

/// What a signature covers, copied out of the `HttpRequest` so it can be checked off the
/// actix worker: the method, the path, query and body as sent, and every header.
pub struct CopiedRequest {
    method: String,
    kept: SignedRequest,
    headers: Vec<(String, Vec<u8>)>,
}

impl CopiedRequest {
    /// Needs [`crate::api::http::middleware::keep_signed_request`] to have kept the request.
    pub fn of(req: &HttpRequest) -> Result<CopiedRequest, ApiError> {
        let kept = req
            .extensions()
            .get::<SignedRequest>()
            .cloned()
            .ok_or_else(|| {
                ApiError::Internal("signed request seen without keep_signed_request".into())
            })?;
        let headers = req
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str().to_string(), value.as_bytes().to_vec()))
            .collect();
        Ok(CopiedRequest {
            method: req.method().as_str().to_string(),
            kept,
            headers,
        })
    }

    /// The path and the query string, as sent.
    pub fn path_and_query(&self) -> (&str, &str) {
        (&self.kept.path, &self.kept.query)
    }

    /// The method, upper case as sent.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The body as sent, or why it was not read whole (too large, too slow).
    pub fn body(&self) -> Result<actix_web::web::Bytes, ApiError> {
        self.kept.body.clone().map_err(|refused| refused.to_error())
    }

    /// The request as the signature checks read it, with `body`.
    pub fn parts<'a>(&'a self, body: &'a [u8]) -> RequestParts<'a> {
        RequestParts {
            method: &self.method,
            path: &self.kept.path,
            query: &self.kept.query,
            headers: self
                .headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_slice()))
                .collect(),
            body,
        }
    }
}

/// The stored access key `access` and its plain secret, if the key may sign: `refuse` words
/// an unknown or inactive key in the face's own terms.
pub fn active_key(
    conn: &mut DbConn,
    cipher: &CredentialCipher,
    access: &str,
    refuse: impl Fn(String) -> ApiError,
) -> Result<(CredentialRow, Vec<u8>), ApiError> {
    let key = match db::credentials::get_credential(conn, access) {
        Ok(key) => key,
        Err(StoreError::NotFound { .. }) => {
            return Err(refuse(format!("unknown access key {access}")))
        }
        Err(e) => return Err(e.into()),
    };
    if key.status != "active" {
        return Err(refuse(format!("access key {access} is {}", key.status)));
    }
    let secret = cipher.open(&key.access, &key.user_id, &key.sealed_secret)?;
    Ok((key, secret))
}

/// An AK/SK-signed request (Huawei's `SDK-HMAC-*`).
pub struct SignedCall {
    authorization: String,
    request: CopiedRequest,
}

impl SignedCall {
    /// The signed parts of `req`, if it carries an `SDK-HMAC-*` Authorization; an error if
    /// it does but cannot be checked.
    fn of(req: &HttpRequest) -> Option<Result<SignedCall, ApiError>> {
        let authorization = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
        if !signature::is_signature(authorization) {
            return None;
        }
        Some(CopiedRequest::of(req).map(|request| SignedCall {
            authorization: authorization.to_string(),
            request,
        }))
    }

    fn header(&self, name: &str) -> Result<Option<String>, ApiError> {
        match self
            .request
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
    signature::check_unambiguous_request(&call.request.kept.path, &call.request.kept.query)?;
    let body = call.request.body()?;
    let scope_request = call.scope()?;
    let cipher = state.cipher.clone();
    let replay = state.replay.clone();
    let lockout = state.settings.security_compliance.lockout();
    db::run(&state.pool, move |conn| {
        let (key, secret) = active_key(conn, &cipher, &auth.access, ApiError::unauthorized)?;
        let now = chrono::Utc::now();
        signature::verify(&auth, &call.request.parts(&body), &secret, now)?;
        // X-Sdk-Date may be up to the skew ahead of now and stays valid the skew after it.
        let now_ms = now.timestamp_millis();
        let valid_until = now_ms + 2 * signature::MAX_CLOCK_SKEW_SECS * 1000;
        let used = SignatureUse {
            scheme: auth.algorithm.name(),
            access: &auth.access,
            signature: auth.signature(),
            expires_at_ms: valid_until,
        };
        replay.record_use(conn, &used, now_ms)?;
        // The window is the signature's own: it is only valid that long around X-Sdk-Date.
        let token = NewToken {
            methods: vec!["aksk".to_string()],
            issued_at_us: now.timestamp_micros(),
            lifetime_s: signature::MAX_CLOCK_SKEW_SECS,
            cap_expires_at_us: None,
            audit_ids: None,
            auth_at_us: None,
            password_stamp: None,
            application_credential_id: None,
        };
        context::build(
            conn,
            Proof::Signature {
                key,
                scope: Wanted::Exactly(scope_request),
                token,
                lockout,
            },
        )
    })
    .await
}
