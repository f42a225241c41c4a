//! Keystone's `/v3/credentials`, the OS-EC2 credentials of a user, and the two calls an
//! EC2 or S3 service makes to turn a signed request into a token (`/v3/ec2tokens`,
//! `/v3/s3tokens`). Handlers extract, call the credential or token manager, and wrap.

pub mod wire;

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::api::http::caller::SUBJECT_TOKEN_HEADER;
use crate::api::http::envelope;
use crate::api::http::extract::{BaseUrl, JsonBody};
use crate::api::http::openapi::{collection, wrapped};
use crate::api::http::query::ListQuery;
use crate::api::http::routing::{op, RouteTable};
use crate::api::v3::auth::{token_body, TokenResponse};
use crate::api::v3::catalog::render_catalog;
use crate::api::v3::groups::wire::{non_empty, refuse_empty};
use crate::auth::ec2_signature::SignedRequest;
use crate::auth::AuthContext;
use crate::credential::keystone as manager;
use crate::db::os_credentials::CredentialFilter;
use crate::error::ApiError;
use crate::state::AppState;
use crate::token::{self, ec2::Signed};

use wire::{
    credential_schema, credential_view, ec2_schema, ec2_view, signed_request_schema,
    CreateCredential, CreateEc2Credential, CredentialListQuery, UpdateCredential,
};

fn one(cred: &manager::Credential, base: &BaseUrl) -> Value {
    json!({"credential": credential_view(cred, base)})
}

/// `POST /v3/credentials`.
pub async fn create(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let body = CreateCredential::from_body(body.into_value()?)?;
    let cred = manager::create_credential(&state, &caller, body.into()).await?;
    Ok(HttpResponse::Created().json(one(&cred, &base)))
}

/// `GET /v3/credentials?user_id=&type=`.
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = CredentialListQuery::from_query(&ListQuery::from_request(&req)?)?;
    let filter = CredentialFilter {
        user_id: query.user_id,
        cred_type: query.cred_type,
    };
    let creds = manager::list_credentials(&state, &caller, filter).await?;
    let shown: Vec<Value> = creds.iter().map(|c| credential_view(c, &base)).collect();
    Ok(HttpResponse::Ok()
        .json(json!({"credentials": shown, "links": envelope::unpaged_links(&base, &req)})))
}

/// `GET /v3/credentials/{credential_id}`.
pub async fn show(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let cred = manager::get_credential(&state, &caller, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(one(&cred, &base)))
}

/// `PATCH /v3/credentials/{credential_id}`.
pub async fn update(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_value()?;
    refuse_empty(&body, "credential")?;
    let body = UpdateCredential::from_body(body)?;
    let cred = manager::update_credential(&state, &caller, path.into_inner(), body.into()).await?;
    Ok(HttpResponse::Ok().json(one(&cred, &base)))
}

/// `DELETE /v3/credentials/{credential_id}`.
pub async fn delete(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    manager::delete_credential(&state, &caller, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /v3/users/{user_id}/credentials/OS-EC2` (`{"tenant_id": ...}`).
pub async fn ec2_create(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let body = CreateEc2Credential::from_body(body.into_value()?)?;
    let tenant = body.tenant_id.into_inner();
    let cred = manager::create_ec2_credential(&state, &caller, path.into_inner(), tenant).await?;
    Ok(HttpResponse::Created().json(json!({"credential": ec2_view(&cred, &base)})))
}

/// `GET /v3/users/{user_id}/credentials/OS-EC2`.
pub async fn ec2_list(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let creds = manager::list_ec2_credentials(&state, &caller, path.into_inner()).await?;
    let shown: Vec<Value> = creds.iter().map(|c| ec2_view(c, &base)).collect();
    Ok(HttpResponse::Ok()
        .json(json!({"credentials": shown, "links": envelope::unpaged_links(&base, &req)})))
}

/// `GET /v3/users/{user_id}/credentials/OS-EC2/{credential_id}`.
pub async fn ec2_show(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (user_id, access) = path.into_inner();
    let cred = manager::get_ec2_credential(&state, &caller, user_id, access).await?;
    Ok(HttpResponse::Ok().json(json!({"credential": ec2_view(&cred, &base)})))
}

/// `DELETE /v3/users/{user_id}/credentials/OS-EC2/{credential_id}`.
pub async fn ec2_delete(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (user_id, access) = path.into_inner();
    manager::delete_ec2_credential(&state, &caller, user_id, access).await?;
    Ok(HttpResponse::NoContent().finish())
}

fn text(credentials: &serde_json::Map<String, Value>, key: &str) -> Option<String> {
    credentials
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// The token body of a credential login, with the catalog of its project.
async fn token_answer(
    state: &AppState,
    base: &BaseUrl,
    issued: &token::Issued,
) -> Result<Value, ApiError> {
    let catalog = token::token_catalog(state, &issued.ctx).await?;
    let catalog = catalog.map(|rows| render_catalog(&rows, base));
    serde_json::to_value(token_body(&issued.ctx, catalog))
        .map_err(|e| ApiError::Internal(format!("token body: {e}")))
}

/// `POST /v3/ec2tokens`: 200, the token in `X-Subject-Token` and the body.
pub async fn ec2tokens(
    state: web::Data<AppState>,
    base: BaseUrl,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let credentials = token::ec2::credentials_of(&body.into_value()?)?;
    let signed = Signed::Ec2 {
        request: SignedRequest::from_credentials(&credentials),
        signature: text(&credentials, "signature").unwrap_or_default(),
    };
    let issued = token::ec2::authenticate(&state, text(&credentials, "access"), signed).await?;
    let answer = token_answer(&state, &base, &issued).await?;
    Ok(HttpResponse::Ok()
        .insert_header((SUBJECT_TOKEN_HEADER, issued.token.as_str()))
        .json(answer))
}

/// `POST /v3/s3tokens`: 200 and the token body (Swift's s3api reads the body only).
pub async fn s3tokens(
    state: web::Data<AppState>,
    base: BaseUrl,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let credentials = token::ec2::credentials_of(&body.into_value()?)?;
    let signed = Signed::S3 {
        token: text(&credentials, "token").unwrap_or_default(),
        signature: text(&credentials, "signature").unwrap_or_default(),
    };
    let issued = token::ec2::authenticate(&state, text(&credentials, "access"), signed).await?;
    let answer = token_answer(&state, &base, &issued).await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// The routes of `/v3/credentials`, OS-EC2, ec2tokens and s3tokens.
pub fn routes(t: &mut RouteTable<'_>) {
    let c = |id: &str, summary: &str| op(id, summary).tag("credentials");
    let member = || wrapped("credential", credential_schema());
    t.at("/v3/credentials")
        .get(
            list,
            c(
                "listCredentials",
                "Credentials: all for an admin, else the caller's own.",
            )
            .query(&CredentialListQuery::filters())
            .answers(200, collection("credentials", credential_schema())),
        )
        .post(
            create,
            c(
                "createCredential",
                "Store a credential; its blob is sealed at rest.",
            )
            .body(CreateCredential::schema())
            .answers(201, member())
            .errors(&[404, 409]),
        );
    t.at("/v3/credentials/{credential_id}")
        .get(
            show,
            c("showCredential", "One credential.").answers(200, member()),
        )
        .patch(
            update,
            c("updateCredential", "Change a credential's blob.")
                .body(non_empty(UpdateCredential::schema(), "credential"))
                .answers(200, member()),
        )
        .delete(
            delete,
            c("deleteCredential", "Delete a credential.").empty(204),
        );
    let ec2_one = || wrapped("credential", ec2_schema());
    t.at("/v3/users/{user_id}/credentials/OS-EC2")
        .get(
            ec2_list,
            c("listEc2Credentials", "A user's EC2 credentials.")
                .answers(200, collection("credentials", ec2_schema())),
        )
        .post(
            ec2_create,
            c(
                "createEc2Credential",
                "A new EC2 access and secret for a project.",
            )
            .body(CreateEc2Credential::schema())
            .answers(201, ec2_one())
            .errors(&[404, 409]),
        );
    t.at("/v3/users/{user_id}/credentials/OS-EC2/{credential_id}")
        .get(
            ec2_show,
            c("showEc2Credential", "One EC2 credential, by its access.").answers(200, ec2_one()),
        )
        .delete(
            ec2_delete,
            c("deleteEc2Credential", "Delete an EC2 credential.").empty(204),
        );
    t.at("/v3/ec2tokens").post(
        ec2tokens,
        op(
            "ec2Tokens",
            "A project token for a request signed with an EC2 credential.",
        )
        .tag("tokens")
        .public()
        .body(signed_request_schema(false))
        .answers(200, TokenResponse::schema())
        .errors(&[401]),
    );
    t.at("/v3/s3tokens").post(
        s3tokens,
        op(
            "s3Tokens",
            "A project token for an S3 string to sign and its signature.",
        )
        .tag("tokens")
        .public()
        .body(signed_request_schema(true))
        .answers(200, TokenResponse::schema())
        .errors(&[401]),
    );
}
