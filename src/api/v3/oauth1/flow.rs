//! The OS-OAUTH1 delegated flow's routes: request token, authorize, access token, and a
//! user's access tokens. The two signed routes answer `application/x-www-form-urlencoded`
//! as Keystone does. Handlers read the request and call [`crate::oauth1::flow`].

use actix_web::http::header::AUTHORIZATION;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::api::http::extract::{BaseUrl, JsonBody};
use crate::api::http::openapi::{collection, wrapped};
use crate::api::http::routing::{op, RouteTable};
use crate::api::v3::roles::{role_json, role_schema};
use crate::auth::AuthContext;
use crate::db::oauth1::AccessTokenRow;
use crate::error::ApiError;
use crate::oauth1::flow::{self as manager, IssuedToken, RoleRef, SignedRequest};
use crate::state::AppState;

/// The request as the consumer signed it: its method, `scheme://host[:port]/path` with a
/// default port left out (RFC 5849 §3.4.1.2), the Authorization header and the query.
fn signed_request(req: &HttpRequest, base: &BaseUrl) -> SignedRequest {
    let root = base.0.trim_end_matches('/');
    let (scheme, rest) = root.split_once("://").unwrap_or(("http", root));
    let (host, prefix) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut host = host.to_ascii_lowercase();
    let default_port = if scheme.eq_ignore_ascii_case("https") {
        ":443"
    } else {
        ":80"
    };
    if let Some(stripped) = host.strip_suffix(default_port) {
        host = stripped.to_string();
    }
    SignedRequest {
        method: req.method().as_str().to_string(),
        base_uri: format!(
            "{}://{host}{prefix}{}",
            scheme.to_ascii_lowercase(),
            req.path()
        ),
        authorization: req
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        query: req.query_string().to_string(),
    }
}

fn form_answer(token: &IssuedToken) -> HttpResponse {
    HttpResponse::Created()
        .content_type("application/x-www-form-urlencoded")
        .body(format!(
            "oauth_token={}&oauth_token_secret={}&oauth_expires_at={}",
            token.id, token.secret, token.expires_at
        ))
}

/// `POST /v3/OS-OAUTH1/request_token`.
pub async fn request_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    base: BaseUrl,
) -> Result<HttpResponse, ApiError> {
    let project = req
        .headers()
        .get("Requested-Project-Id")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string());
    let token = manager::create_request_token(&state, signed_request(&req, &base), project).await?;
    Ok(form_answer(&token))
}

/// `POST /v3/OS-OAUTH1/access_token`.
pub async fn access_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    base: BaseUrl,
) -> Result<HttpResponse, ApiError> {
    let token = manager::create_access_token(&state, signed_request(&req, &base)).await?;
    Ok(form_answer(&token))
}

/// Keystone's `request_token_authorize` schema: a list of `{"id"}` or `{"name"}`.
fn authorize_roles(body: Value) -> Result<Vec<RoleRef>, ApiError> {
    let invalid =
        |why: &str| ApiError::Validation(format!("Invalid input for field 'roles': {why}"));
    let roles = match body.get("roles") {
        None => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(invalid("is not of type 'array'")),
    };
    let mut out = Vec::new();
    for role in roles {
        let obj = role
            .as_object()
            .ok_or_else(|| invalid("an item is not an object"))?;
        if obj.keys().any(|k| k != "id" && k != "name") {
            return Err(invalid("Additional properties are not allowed"));
        }
        let text = |k: &str| match obj.get(k) {
            None => Ok(None),
            Some(Value::String(s)) if !s.is_empty() && s.len() <= 255 => Ok(Some(s.clone())),
            Some(_) => Err(invalid(&format!("'{k}' is not a non-empty string"))),
        };
        match (text("id")?, text("name")?) {
            (Some(id), _) => out.push(RoleRef::Id(id)),
            (None, Some(name)) => out.push(RoleRef::Name(name)),
            (None, None) => return Err(invalid("a role needs an 'id' or a 'name'")),
        }
    }
    Ok(out)
}

/// `PUT /v3/OS-OAUTH1/authorize/{request_token_id}`.
pub async fn authorize(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let roles = authorize_roles(body.into_value()?)?;
    let verifier =
        manager::authorize_request_token(&state, &caller, path.into_inner(), roles).await?;
    Ok(HttpResponse::Ok().json(json!({"token": {"oauth_verifier": verifier}})))
}

fn access_token_json(row: &AccessTokenRow, base: &BaseUrl) -> Value {
    json!({
        "id": row.id,
        "consumer_id": row.consumer_id,
        "project_id": row.project_id,
        "authorizing_user_id": row.authorizing_user_id,
        "expires_at": row.expires_at.map(manager::expires_text),
        "links": {
            "self": base.join(&format!(
                "/v3/users/{}/OS-OAUTH1/access_tokens/{}", row.authorizing_user_id, row.id)),
            "roles": base.join(&format!(
                "/v3/users/{}/OS-OAUTH1/access_tokens/{}/roles", row.authorizing_user_id, row.id)),
        },
    })
}

fn access_token_schema() -> Value {
    json!({"type": "object",
    "required": ["id", "consumer_id", "project_id", "authorizing_user_id", "links"],
    "properties": {
        "id": {"type": "string"},
        "consumer_id": {"type": "string"},
        "project_id": {"type": "string"},
        "authorizing_user_id": {"type": "string"},
        "expires_at": {"type": ["string", "null"]},
        "links": {"type": "object"},
    }})
}

/// `GET /v3/users/{user_id}/OS-OAUTH1/access_tokens`.
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let rows = manager::list_access_tokens(&state, &caller, path.into_inner()).await?;
    let items: Vec<Value> = rows.iter().map(|r| access_token_json(r, &base)).collect();
    Ok(HttpResponse::Ok().json(json!({
        "access_tokens": items,
        "links": {"self": base.join(req.path()), "previous": null, "next": null},
    })))
}

/// `GET /v3/users/{user_id}/OS-OAUTH1/access_tokens/{access_token_id}`.
pub async fn show(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (user_id, id) = path.into_inner();
    let row = manager::get_access_token(&state, &caller, user_id, id).await?;
    Ok(HttpResponse::Ok().json(json!({"access_token": access_token_json(&row, &base)})))
}

/// `DELETE /v3/users/{user_id}/OS-OAUTH1/access_tokens/{access_token_id}`.
pub async fn delete(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (user_id, id) = path.into_inner();
    manager::delete_access_token(&state, &caller, user_id, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET .../access_tokens/{access_token_id}/roles`.
pub async fn list_roles(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (user_id, id) = path.into_inner();
    let roles = manager::list_access_token_roles(&state, &caller, user_id, id).await?;
    let items: Vec<Value> = roles.into_iter().map(|r| role_json(r, &base)).collect();
    Ok(HttpResponse::Ok().json(json!({
        "roles": items,
        "links": {"self": base.join(req.path()), "previous": null, "next": null},
    })))
}

/// `GET .../access_tokens/{access_token_id}/roles/{role_id}`.
pub async fn show_role(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (user_id, id, role_id) = path.into_inner();
    let role = manager::get_access_token_role(&state, &caller, user_id, id, role_id).await?;
    Ok(HttpResponse::Ok().json(json!({"role": role_json(role, &base)})))
}

/// The routes of the delegated flow.
pub fn routes(t: &mut RouteTable<'_>) {
    let c = |id: &str, summary: &str| op(id, summary).tag("OS-OAUTH1");
    t.at("/v3/OS-OAUTH1/request_token").post(
        request_token,
        c(
            "createRequestToken",
            "A request token for the project in Requested-Project-Id, signed by the consumer \
             (OAuth 1.0a HMAC-SHA1); answers oauth_token, oauth_token_secret and \
             oauth_expires_at form-encoded.",
        )
        .public()
        .header("Requested-Project-Id", true)
        .empty(201)
        .errors(&[400, 401, 404]),
    );
    t.at("/v3/OS-OAUTH1/access_token").post(
        access_token,
        c(
            "createAccessToken",
            "Exchange an authorized request token and its verifier for an access token, \
             signed by the consumer and the request token; answers form-encoded.",
        )
        .public()
        .empty(201)
        .errors(&[400, 401, 404]),
    );
    t.at("/v3/OS-OAUTH1/authorize/{request_token_id}").put(
        authorize,
        c(
            "authorizeRequestToken",
            "Delegate roles the caller holds on the requested project; answers the verifier.",
        )
        .body(
            json!({"type": "object", "properties": {"roles": {"type": "array", "items":
            {"type": "object", "properties": {
                "id": {"type": "string", "minLength": 1, "maxLength": 255},
                "name": {"type": "string", "minLength": 1, "maxLength": 255}},
             "anyOf": [{"required": ["id"]}, {"required": ["name"]}],
             "additionalProperties": false}}}}),
        )
        .answers(
            200,
            json!({"type": "object", "required": ["token"], "properties":
            {"token": {"type": "object", "required": ["oauth_verifier"],
                "properties": {"oauth_verifier": {"type": "string"}}}}}),
        ),
    );
    t.at("/v3/users/{user_id}/OS-OAUTH1/access_tokens").get(
        list,
        c("listAccessTokens", "A user's OAuth1 access tokens.")
            .answers(200, collection("access_tokens", access_token_schema())),
    );
    t.at("/v3/users/{user_id}/OS-OAUTH1/access_tokens/{access_token_id}")
        .get(
            show,
            c("showAccessToken", "One of a user's access tokens.")
                .answers(200, wrapped("access_token", access_token_schema())),
        )
        .delete(
            delete,
            c(
                "deleteAccessToken",
                "Delete an access token; tokens made from it stop working.",
            )
            .empty(204),
        );
    t.at("/v3/users/{user_id}/OS-OAUTH1/access_tokens/{access_token_id}/roles")
        .get(
            list_roles,
            c(
                "listAccessTokenRoles",
                "The roles an access token delegates.",
            )
            .answers(200, collection("roles", role_schema())),
        );
    t.at("/v3/users/{user_id}/OS-OAUTH1/access_tokens/{access_token_id}/roles/{role_id}")
        .get(
            show_role,
            c("showAccessTokenRole", "One role an access token delegates.")
                .answers(200, wrapped("role", role_schema())),
        );
}

/// Whether a `POST /v3/auth/tokens` body asks for the `oauth1` method.
pub fn asks_oauth1(body: &Value) -> bool {
    body.pointer("/auth/identity/methods")
        .and_then(Value::as_array)
        .is_some_and(|m| m.iter().any(|m| m == "oauth1"))
}

/// The `oauth1` auth method: the token string and its context.
pub async fn issue_token(
    state: &AppState,
    req: &HttpRequest,
    base: &BaseUrl,
) -> Result<(String, AuthContext), ApiError> {
    manager::issue_token(state, signed_request(req, base)).await
}
