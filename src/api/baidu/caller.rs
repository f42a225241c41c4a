//! Who calls the Baidu face: a `bce-auth-v1` signature made with an access key, or an
//! `X-Auth-Token` (so a first access key can be made with a token). Either way the caller
//! acts in an *account*, Baidu's word for what Keystone calls a domain: names in paths are
//! looked up there.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};

use crate::api::http::caller::{
    active_key, authenticate, token_header, ActingUser, CopiedRequest, AUTH_TOKEN_HEADER,
};
use crate::auth::bce_signature::{self, BceAuthorization};
use crate::auth::context::{self, NewToken, Proof, Wanted};
use crate::auth::replay::SignatureUse;
use crate::auth::AuthContext;
use crate::db;
use crate::error::{ApiError, BceCode};
use crate::state::AppState;

/// An authenticated caller of the Baidu face.
pub struct BceCaller {
    pub ctx: AuthContext,
    /// The domain the caller's names resolve in.
    pub account: String,
}

impl FromRequest for BceCaller {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<BceCaller, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let credentials = Credentials::of(req);
        let req = req.clone();
        Box::pin(async move {
            let state =
                state.ok_or_else(|| ApiError::Internal("application state missing".into()))?;
            let caller = match credentials? {
                Credentials::Signed(call) => authenticate_bce(&state, *call).await?,
                Credentials::Token(token) => {
                    let ctx = authenticate(&state, &token).await?;
                    // A token acts where it is scoped, else in its user's own domain.
                    let account = ctx
                        .scope_domain_id()
                        .unwrap_or(&ctx.user.domain_id)
                        .to_string();
                    BceCaller { ctx, account }
                }
            };
            req.extensions_mut()
                .insert(ActingUser(caller.ctx.user_id().to_string()));
            Ok(caller)
        })
    }
}

enum Credentials {
    Signed(Box<SignedCall>),
    Token(String),
}

impl Credentials {
    /// A `bce-auth-v1` Authorization wins over a token. An Authorization of another scheme
    /// carries no credentials this face accepts, so it is a 401 like no credentials at all
    /// (a malformed `bce-auth-v1` one is Baidu's 400 `InvalidHTTPAuthHeader`).
    fn of(req: &HttpRequest) -> Result<Credentials, ApiError> {
        let authorization = req.headers().get(AUTHORIZATION).map(|v| v.to_str());
        let token = token_header(req, AUTH_TOKEN_HEADER);
        match (authorization, token) {
            (Some(Ok(value)), _) if bce_signature::is_bce_auth(value) => {
                Ok(Credentials::Signed(Box::new(SignedCall::of(req, value)?)))
            }
            (_, Some(token)) => Ok(Credentials::Token(token.to_string())),
            (Some(_), None) => Err(ApiError::unauthorized(
                "Authorization is not bce-auth-v1, and no X-Auth-Token",
            )),
            (None, None) => Err(ApiError::unauthorized(
                "no bce-auth-v1 Authorization and no X-Auth-Token",
            )),
        }
    }
}

/// A `bce-auth-v1` signed request.
struct SignedCall {
    auth: BceAuthorization,
    request: CopiedRequest,
}

impl SignedCall {
    fn of(req: &HttpRequest, authorization: &str) -> Result<SignedCall, ApiError> {
        Ok(SignedCall {
            auth: bce_signature::parse_authorization(authorization)?,
            request: CopiedRequest::of(req)?,
        })
    }
}

/// Checks a `bce-auth-v1` signature against the key's stored secret and loads its owner.
/// An unknown or disabled key is `InvalidAccessKeyId`; a bad signature, a stale timestamp
/// or a body that does not match its Content-MD5 have Baidu's codes too.
async fn authenticate_bce(state: &AppState, call: SignedCall) -> Result<BceCaller, ApiError> {
    let body = call.request.body()?;
    let (path, query) = call.request.path_and_query();
    bce_signature::check_unambiguous_request(path, query)?;
    let max_expiration = state.settings.signing.bce_max_expiration_secs;
    if call.auth.expiration_secs > max_expiration {
        // A longer window is a longer life for a captured request.
        return Err(ApiError::bce_with_message(
            BceCode::InvalidHttpAuthHeader,
            format!("expirationPeriodInSeconds may be at most {max_expiration}."),
        ));
    }
    let cipher = state.cipher.clone();
    let replay = state.replay.clone();
    let lockout = state.settings.security_compliance.lockout();
    db::run(&state.pool, move |conn| {
        let refuse = |detail| ApiError::bce(BceCode::InvalidAccessKeyId, detail);
        let (key, secret) = active_key(conn, &cipher, &call.auth.access, refuse)?;
        let parts = call.request.parts(&body);
        let now = chrono::Utc::now();
        bce_signature::verify(&call.auth, &parts, &secret, now)?;
        bce_signature::check_content_md5(&parts)?;
        bce_signature::check_body_bound(&call.auth, &parts)?;
        let used = SignatureUse {
            scheme: bce_signature::SCHEME,
            access: &call.auth.access,
            signature: call.auth.signature(),
            expires_at_ms: call.auth.expires_at().timestamp_millis(),
        };
        replay.record_use(conn, &used, now.timestamp_millis())?;
        // The window is the signature's own.
        let token = NewToken {
            methods: vec![bce_signature::SCHEME.to_string()],
            issued_at_us: now.timestamp_micros(),
            lifetime_s: i64::from(call.auth.expiration_secs),
            cap_expires_at_us: None,
            audit_ids: None,
            auth_at_us: None,
            password_stamp: None,
            application_credential_id: None,
        };
        let ctx = context::build(
            conn,
            Proof::Signature {
                key,
                scope: Wanted::Account,
                token,
                lockout,
            },
        )?;
        let account = ctx.user.domain_id.clone();
        Ok(BceCaller { ctx, account })
    })
    .await
}
