//! The OS-OAUTH1 delegated flow (Keystone's `api/os_oauth1.py` and `oauth1/core.py`): a
//! consumer signs for a request token on a project, a user authorizes it with roles they
//! hold there and gets a verifier, the consumer exchanges token and verifier for an access
//! token. Then a user's access tokens can be listed, read and deleted. Signatures are
//! checked by [`super::signature`]; each nonce is used once.

use sha2::{Digest, Sha256};

use crate::auth::policy::{self, Target};
use crate::auth::AuthContext;
use crate::change::{self, Action, Event};
use crate::db::models::RoleRow;
use crate::db::oauth1::{self as store, AccessTokenRow, RequestTokenRow};
use crate::db::{self, assignments, resources, roles, signature_uses, DbConn};
use crate::domain::credentials::new_secret_key;
use crate::domain::{keystone_time_from_micros, new_id, now_ms};
use crate::error::ApiError;
use crate::state::AppState;

use super::signature;

/// Keystone's `[oauth1] request_token_duration` default, seconds.
pub const REQUEST_TOKEN_DURATION_S: i64 = 28_800;
/// Keystone's `[oauth1] access_token_duration` default, seconds.
pub const ACCESS_TOKEN_DURATION_S: i64 = 86_400;
/// How far `oauth_timestamp` may be from now (oauthlib's `timestamp_lifetime`).
pub const TIMESTAMP_WINDOW_S: i64 = 600;

/// What the request-token secret and the access-token secret are sealed to.
const SEALED_REQUEST: &str = "oauth1-request-token";
const SEALED_ACCESS: &str = "oauth1-access-token";

/// A signed request as it reached the server: what the signature covers.
#[derive(Debug, Clone)]
pub struct SignedRequest {
    pub method: String,
    /// `scheme://host[:port]/path` (RFC 5849 §3.4.1.2).
    pub base_uri: String,
    pub authorization: Option<String>,
    pub query: String,
}

/// The OAuth parameters of a signed request, read.
struct Signed {
    request: SignedRequest,
    params: Vec<(String, String)>,
}

impl Signed {
    fn read(request: SignedRequest) -> Signed {
        let mut params = request
            .authorization
            .as_deref()
            .and_then(signature::header_params)
            .unwrap_or_default();
        params.extend(signature::query_params(&request.query));
        Signed { request, params }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    fn require(&self, name: &str) -> Result<&str, ApiError> {
        self.get(name)
            .ok_or_else(|| ApiError::expecting(name, "request"))
    }

    /// The signature, the method and the timestamp; a 401 for any failure.
    fn check(&self, consumer_secret: &str, token_secret: &str) -> Result<(), ApiError> {
        let invalid = || ApiError::unauthorized("Invalid signature");
        if self.get("oauth_signature_method") != Some("HMAC-SHA1") {
            return Err(invalid());
        }
        let sig = self.get("oauth_signature").ok_or_else(invalid)?;
        let base =
            signature::base_string(&self.request.method, &self.request.base_uri, &self.params);
        if !signature::verify(&base, consumer_secret, token_secret, sig) {
            return Err(invalid());
        }
        let ts: i64 = self
            .get("oauth_timestamp")
            .and_then(|t| t.parse().ok())
            .ok_or_else(invalid)?;
        if (now_ms() / 1000 - ts).abs() > TIMESTAMP_WINDOW_S {
            return Err(ApiError::unauthorized("oauth_timestamp outside the window"));
        }
        if self.get("oauth_nonce").is_none() {
            return Err(invalid());
        }
        Ok(())
    }

    /// The key a nonce is used up under: its consumer, token, timestamp and nonce.
    fn nonce_key(&self) -> String {
        let mut hash = Sha256::new();
        for name in [
            "oauth_consumer_key",
            "oauth_token",
            "oauth_timestamp",
            "oauth_nonce",
        ] {
            let part = self.get(name).unwrap_or_default().as_bytes();
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part);
        }
        format!("oauth1:{}", hex::encode(hash.finalize()))
    }
}

/// Uses up a nonce (see [`Signed::nonce_key`]): a second request with it is a 401. Called
/// once the signature has verified, in its own statement (outside any transaction: on
/// PostgreSQL the refused insert would abort one).
async fn use_nonce(state: &AppState, key: String) -> Result<(), ApiError> {
    db::run(&state.pool, move |conn| {
        let now = now_ms();
        let expires = now + 2 * TIMESTAMP_WINDOW_S * 1000;
        // Reusable until before now: any second use is a replay.
        match signature_uses::record_use(conn, &key, now - 1, expires, now)? {
            signature_uses::Use::First => Ok(()),
            _ => Err(ApiError::unauthorized("oauth_nonce was already used")),
        }
    })
    .await
}

/// A token made by the flow, for the form-encoded answer.
#[derive(Debug)]
pub struct IssuedToken {
    pub id: String,
    pub secret: String,
    pub expires_at: String,
}

fn expiry(duration_s: i64) -> i64 {
    now_ms() + duration_s * 1000
}

fn expired(expires_at_ms: Option<i64>) -> bool {
    expires_at_ms.is_some_and(|at| now_ms() > at)
}

/// Keystone's time format for `oauth_expires_at`.
pub fn expires_text(expires_at_ms: i64) -> String {
    keystone_time_from_micros(expires_at_ms.saturating_mul(1000))
}

fn open_secret(
    state: &AppState,
    id: &str,
    sealed_for: &str,
    sealed: &str,
) -> Result<String, ApiError> {
    let bytes = state.cipher.open(id, sealed_for, sealed)?;
    String::from_utf8(bytes).map_err(|_| ApiError::Internal(format!("secret of {id} is not text")))
}

/// `POST /v3/OS-OAUTH1/request_token`: signed by the consumer alone, for the project in
/// `Requested-Project-Id`.
pub async fn create_request_token(
    state: &AppState,
    request: SignedRequest,
    project_id: Option<String>,
) -> Result<IssuedToken, ApiError> {
    change::audit(Event::new(Action::Create, "OS-OAUTH1:request_token", None));
    let signed = Signed::read(request);
    let consumer_id = signed.require("oauth_consumer_key")?.to_string();
    let project_id = project_id
        .filter(|p| !p.is_empty())
        .ok_or_else(|| ApiError::expecting("Requested-Project-Id", "request"))?;
    let cid = consumer_id.clone();
    let pid = project_id.clone();
    let consumer = db::run(&state.pool, move |conn| {
        resources::get_project(conn, &pid)?;
        store::get_consumer(conn, &cid)
    })
    .await?;
    let consumer_secret = open_secret(
        state,
        &consumer.id,
        "oauth1-consumer",
        &consumer.sealed_secret,
    )?;
    signed.check(&consumer_secret, "")?;
    let id = new_id();
    let secret = new_secret_key()?;
    let expires_at = expiry(REQUEST_TOKEN_DURATION_S);
    let row = RequestTokenRow {
        sealed_secret: state.cipher.seal(&id, SEALED_REQUEST, &secret)?,
        id: id.clone(),
        consumer_id,
        requested_project_id: project_id,
        role_ids: None,
        authorizing_user_id: None,
        verifier: None,
        expires_at: Some(expires_at),
    };
    use_nonce(state, signed.nonce_key()).await?;
    db::run(&state.pool, move |conn| {
        store::create_request_token(conn, &row)
    })
    .await?;
    change::amend(|e| e.target_id = Some(id.clone()));
    Ok(IssuedToken {
        id,
        secret,
        expires_at: expires_text(expires_at),
    })
}

/// A role of an authorize body.
#[derive(Debug, Clone)]
pub enum RoleRef {
    Id(String),
    Name(String),
}

/// Whether the caller's token came from a delegation (an OAuth1 access token).
pub fn is_delegated(caller: &AuthContext) -> bool {
    caller
        .claims
        .openstack_methods
        .iter()
        .any(|m| m == "oauth1")
}

/// `PUT /v3/OS-OAUTH1/authorize/{request_token_id}`: the caller delegates roles they hold
/// on the requested project; answers the verifier.
pub async fn authorize_request_token(
    state: &AppState,
    caller: &AuthContext,
    request_token_id: String,
    roles: Vec<RoleRef>,
) -> Result<String, ApiError> {
    change::audit(Event::updated(
        "OS-OAUTH1:request_token",
        request_token_id.clone(),
    ));
    policy::enforce(caller, &policy::AUTHORIZE_REQUEST_TOKEN, &Target::default())?;
    if is_delegated(caller) {
        return Err(ApiError::Forbidden(
            "Cannot authorize a request token with a token issued via delegation.".into(),
        ));
    }
    let user_id = caller.user_id().to_string();
    let verifier = new_id();
    let v = verifier.clone();
    db::run(&state.pool, move |conn| {
        db::write_tx(conn, |conn| {
            let token = store::get_request_token(conn, &request_token_id)?;
            if expired(token.expires_at) {
                return Err(ApiError::unauthorized("Request token is expired"));
            }
            let mut wanted: Vec<String> = Vec::new();
            for role in &roles {
                let found = match role {
                    RoleRef::Id(id) => roles::get_role(conn, id)?,
                    RoleRef::Name(name) => store::find_global_role_by_name(conn, name)?,
                };
                if !wanted.contains(&found.id) {
                    wanted.push(found.id);
                }
            }
            let project = resources::get_project(conn, &token.requested_project_id)?;
            let held = assignments::effective_roles(
                conn,
                &user_id,
                &assignments::RoleTarget::Project(&project),
            )?;
            if !wanted.iter().all(|w| held.iter().any(|h| h.id == *w)) {
                return Err(ApiError::unauthorized(
                    "authorizing user does not have role required",
                ));
            }
            let role_ids =
                serde_json::to_string(&wanted).map_err(|e| ApiError::Internal(e.to_string()))?;
            store::authorize_request_token(conn, &token.id, &user_id, &role_ids, &v)?;
            Ok(())
        })
    })
    .await?;
    Ok(verifier)
}

/// `POST /v3/OS-OAUTH1/access_token`: signed by the consumer and the request token, with
/// the verifier; the request token is used up.
pub async fn create_access_token(
    state: &AppState,
    request: SignedRequest,
) -> Result<IssuedToken, ApiError> {
    change::audit(Event::new(Action::Create, "OS-OAUTH1:access_token", None));
    let signed = Signed::read(request);
    let consumer_id = signed.require("oauth_consumer_key")?.to_string();
    let request_token_id = signed.require("oauth_token")?.to_string();
    let verifier = signed.require("oauth_verifier")?.to_string();
    let rid = request_token_id.clone();
    let token = db::run(&state.pool, move |conn| {
        store::get_request_token(conn, &rid)
    })
    .await?;
    if expired(token.expires_at) {
        return Err(ApiError::unauthorized("Request token is expired"));
    }
    let cid = consumer_id.clone();
    let consumer = match db::run(&state.pool, move |conn| store::get_consumer(conn, &cid)).await {
        Ok(c) => c,
        Err(db::StoreError::NotFound { .. }) => {
            return Err(ApiError::unauthorized("Provided consumer does not exist."))
        }
        Err(e) => return Err(e.into()),
    };
    if token.consumer_id != consumer.id {
        return Err(ApiError::unauthorized(
            "Provided consumer key does not match stored consumer key.",
        ));
    }
    if token.verifier.as_deref() != Some(verifier.as_str()) {
        return Err(ApiError::unauthorized(
            "Provided verifier does not match stored verifier",
        ));
    }
    let consumer_secret = open_secret(
        state,
        &consumer.id,
        "oauth1-consumer",
        &consumer.sealed_secret,
    )?;
    let token_secret = open_secret(state, &token.id, SEALED_REQUEST, &token.sealed_secret)?;
    signed.check(&consumer_secret, &token_secret)?;
    let (Some(user_id), Some(role_ids)) = (token.authorizing_user_id, token.role_ids) else {
        return Err(ApiError::unauthorized(
            "Request Token does not have an authorizing user id.",
        ));
    };
    let id = new_id();
    let secret = new_secret_key()?;
    let expires_at = expiry(ACCESS_TOKEN_DURATION_S);
    let row = AccessTokenRow {
        sealed_secret: state.cipher.seal(&id, SEALED_ACCESS, &secret)?,
        id: id.clone(),
        consumer_id,
        authorizing_user_id: user_id,
        project_id: token.requested_project_id,
        role_ids,
        expires_at: Some(expires_at),
    };
    use_nonce(state, signed.nonce_key()).await?;
    db::run(&state.pool, move |conn| {
        db::write_tx(conn, |conn| {
            store::exchange_request_token(conn, &request_token_id, &row)
        })
    })
    .await?;
    change::amend(|e| e.target_id = Some(id.clone()));
    Ok(IssuedToken {
        id,
        secret,
        expires_at: expires_text(expires_at),
    })
}

/// The role ids an access token delegates.
pub fn delegated_role_ids(token: &AccessTokenRow) -> Vec<String> {
    serde_json::from_str(&token.role_ids).unwrap_or_default()
}

fn owned_token(
    conn: &mut DbConn,
    user_id: &str,
    access_token_id: &str,
) -> Result<AccessTokenRow, ApiError> {
    let token = store::get_access_token(conn, access_token_id)?;
    if token.authorizing_user_id != user_id {
        return Err(db::StoreError::not_found("access token", access_token_id).into());
    }
    Ok(token)
}

fn user_target(user_id: &str) -> Target<'_> {
    Target {
        user_id: Some(user_id),
        ..Target::default()
    }
}

/// `GET /v3/users/{user_id}/OS-OAUTH1/access_tokens`.
pub async fn list_access_tokens(
    state: &AppState,
    caller: &AuthContext,
    user_id: String,
) -> Result<Vec<AccessTokenRow>, ApiError> {
    policy::enforce(caller, &policy::LIST_ACCESS_TOKENS, &user_target(&user_id))?;
    if is_delegated(caller) {
        return Err(ApiError::Forbidden(
            "Cannot list request tokens with a token issued via delegation.".into(),
        ));
    }
    db::run(&state.pool, move |conn| {
        store::list_access_tokens(conn, &user_id)
    })
    .await
    .map_err(ApiError::from)
}

/// `GET /v3/users/{user_id}/OS-OAUTH1/access_tokens/{access_token_id}`.
pub async fn get_access_token(
    state: &AppState,
    caller: &AuthContext,
    user_id: String,
    access_token_id: String,
) -> Result<AccessTokenRow, ApiError> {
    policy::enforce(caller, &policy::GET_ACCESS_TOKEN, &user_target(&user_id))?;
    db::run(&state.pool, move |conn| {
        owned_token(conn, &user_id, &access_token_id)
    })
    .await
}

/// `DELETE /v3/users/{user_id}/OS-OAUTH1/access_tokens/{access_token_id}`: the tokens
/// issued from it stop being valid with it.
pub async fn delete_access_token(
    state: &AppState,
    caller: &AuthContext,
    user_id: String,
    access_token_id: String,
) -> Result<(), ApiError> {
    change::audit(Event::deleted(
        "OS-OAUTH1:access_token",
        access_token_id.clone(),
    ));
    policy::enforce(caller, &policy::DELETE_ACCESS_TOKEN, &user_target(&user_id))?;
    let owner = crate::cache::Tag::principal(&user_id);
    db::run(&state.pool, move |conn| {
        db::write_tx(conn, |conn| {
            owned_token(conn, &user_id, &access_token_id)?;
            store::delete_access_token(conn, &access_token_id)?;
            Ok::<_, ApiError>(())
        })
    })
    .await?;
    // Tokens issued from it are checked against its row when validated; the owner's cached
    // ones are dropped.
    state.changed(&[owner]);
    Ok(())
}

/// `GET .../access_tokens/{access_token_id}/roles`: the delegated roles.
pub async fn list_access_token_roles(
    state: &AppState,
    caller: &AuthContext,
    user_id: String,
    access_token_id: String,
) -> Result<Vec<RoleRow>, ApiError> {
    policy::enforce(
        caller,
        &policy::LIST_ACCESS_TOKEN_ROLES,
        &user_target(&user_id),
    )?;
    db::run(&state.pool, move |conn| {
        let token = owned_token(conn, &user_id, &access_token_id)?;
        let mut out = Vec::new();
        for id in delegated_role_ids(&token) {
            match roles::get_role(conn, &id) {
                Ok(role) => out.push(role),
                Err(db::StoreError::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok::<_, ApiError>(out)
    })
    .await
}

/// `GET .../access_tokens/{access_token_id}/roles/{role_id}`: one delegated role.
pub async fn get_access_token_role(
    state: &AppState,
    caller: &AuthContext,
    user_id: String,
    access_token_id: String,
    role_id: String,
) -> Result<RoleRow, ApiError> {
    policy::enforce(
        caller,
        &policy::GET_ACCESS_TOKEN_ROLE,
        &user_target(&user_id),
    )?;
    db::run(&state.pool, move |conn| {
        let token = owned_token(conn, &user_id, &access_token_id)?;
        if !delegated_role_ids(&token).contains(&role_id) {
            return Err(db::StoreError::not_found("role", &role_id).into());
        }
        Ok::<_, ApiError>(roles::get_role(conn, &role_id)?)
    })
    .await
}

/// Keystone's `oauth1` auth method (`POST /v3/auth/tokens`, `"methods": ["oauth1"]`): the
/// request signed by the consumer and an access token gets a token scoped to the access
/// token's project with the roles it delegates, methods `["oauth1"]`, never outliving the
/// access token. The body's scope is not read: the access token's project is the scope.
pub async fn issue_token(
    state: &AppState,
    request: SignedRequest,
) -> Result<(String, AuthContext), ApiError> {
    change::audit(Event::authenticate(None));
    let issued_at_us = chrono::Utc::now().timestamp_micros();
    let signed = Signed::read(request);
    let consumer_id = signed.require("oauth_consumer_key")?.to_string();
    let access_token_id = signed.require("oauth_token")?.to_string();
    let aid = access_token_id.clone();
    let (token, consumer) = db::run(&state.pool, move |conn| {
        let token = store::get_access_token(conn, &aid)?;
        let consumer = store::get_consumer(conn, &token.consumer_id)?;
        Ok::<_, ApiError>((token, consumer))
    })
    .await?;
    change::amend(|e| e.target_id = Some(token.authorizing_user_id.clone()));
    if expired(token.expires_at) {
        return Err(ApiError::unauthorized("Access token is expired"));
    }
    if consumer.id != consumer_id {
        return Err(ApiError::unauthorized(
            "Could not validate the access token",
        ));
    }
    let consumer_secret = open_secret(
        state,
        &consumer.id,
        "oauth1-consumer",
        &consumer.sealed_secret,
    )?;
    let token_secret = open_secret(state, &token.id, SEALED_ACCESS, &token.sealed_secret)?;
    signed
        .check(&consumer_secret, &token_secret)
        .map_err(|_| ApiError::unauthorized("Could not validate the access token"))?;
    let new_token = crate::auth::context::NewToken {
        methods: vec!["oauth1".to_string()],
        issued_at_us,
        lifetime_s: state.settings.token.expiration,
        cap_expires_at_us: token.expires_at.map(|ms| ms.saturating_mul(1000)),
        audit_ids: None,
        auth_at_us: None,
        password_stamp: None,
        application_credential_id: None,
    };
    let proof = crate::auth::context::Proof::Login {
        user_id: token.authorizing_user_id.clone(),
        scope: crate::auth::refs::ScopeRequest::ProjectId(token.project_id.clone()),
        token: new_token,
    };
    use_nonce(state, signed.nonce_key()).await?;
    let ctx = db::run(&state.pool, move |conn| {
        db::write_tx(conn, |conn| {
            let mut ctx = crate::auth::context::build(conn, proof)?;
            ctx.roles = crate::auth::context::delegated_roles(
                conn,
                &token.id,
                &ctx.user.id,
                &ctx.scope,
                std::mem::take(&mut ctx.roles),
            )?;
            ctx.claims.openstack_oauth1_access_token_id = Some(token.id.clone());
            ctx.claims.openstack_oauth1_consumer_id = Some(token.consumer_id.clone());
            Ok::<_, ApiError>(ctx)
        })
    })
    .await?;
    let issued = state.keys.issue(&ctx.claims)?;
    Ok((issued, ctx))
}
