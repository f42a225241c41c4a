//! `/v1`: Baidu AI Cloud IAM's face on the same data. Groups and users are named in the
//! path and resolved in the caller's account (its Keystone domain), requests are signed with
//! `bce-auth-v1` (or carry a token), times are `YYYY-MM-DDTHH:MM:SSZ`, and every error is
//! Baidu's `{"code", "message", "requestId"}` with the id also in `x-bce-request-id`.
//! Each handler: validate, load the target, enforce Keystone's policy, act, wrap.

pub mod access_keys;
pub mod caller;
pub mod groups;
pub mod users;
pub mod wire;

pub use self::wire::{GroupModel, UserModel};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue, ALLOW};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use serde::Serialize;

use crate::api::http::middleware::RequestId;
use crate::api::http::routing::RouteTable;
use crate::db::models::CredentialRow;
use crate::domain::page::PageRequest;
use crate::error::ApiError;

pub const REQUEST_ID_HEADER: &str = "x-bce-request-id";

/// Baidu's `DateTime`: UTC to the second.
pub fn bce_time(ms: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        None => "1970-01-01T00:00:00Z".to_string(),
    }
}

/// Baidu's `AccessKey`; the secret only in the answer to its creation.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessKeyModel {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
    create_time: String,
    enabled: bool,
    description: String,
}

impl AccessKeyModel {
    pub fn of(row: CredentialRow, secret: Option<String>) -> Self {
        AccessKeyModel {
            create_time: bce_time(row.create_time),
            enabled: row.status == "active",
            id: row.access,
            secret,
            description: row.description,
        }
    }
}

/// The first `identity.list_limit` entries of a list.
pub fn first_page(limit: i64) -> PageRequest {
    PageRequest {
        limit: (limit > 0).then_some(limit),
        marker: None,
    }
}

/// A refusal by the framework itself (a path that is not UTF-8, say), as the `ApiError`
/// of the same status, so it gets the Baidu code that goes with it.
fn framework_error(status: actix_web::http::StatusCode, e: &Error) -> ApiError {
    use actix_web::http::StatusCode as S;
    match status {
        S::NOT_FOUND => ApiError::NotFoundMessage("The resource could not be found.".into()),
        S::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
        S::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        S::REQUEST_TIMEOUT => ApiError::RequestTimeout,
        s if s.is_server_error() => ApiError::Internal(e.to_string()),
        _ => ApiError::Validation(e.to_string()),
    }
}

/// True for the paths of the Baidu face.
fn is_bce_path(path: &str) -> bool {
    path == "/v1" || path.starts_with("/v1/")
}

/// Gives every response of the face `x-bce-request-id`, and turns every error into Baidu's
/// shape: handler errors, extractor refusals, unknown routes and wrong methods alike.
/// Other paths pass untouched.
pub async fn bce_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    if !is_bce_path(req.path()) {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let request_id = req
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let res = next.call(req).await?;
    let replaced = res
        .response()
        .error()
        .map(|e| match e.as_error::<ApiError>() {
            Some(api) => api.bce_response(&request_id),
            None => {
                let status = e.as_response_error().status_code();
                let mut shaped = framework_error(status, e).bce_response(&request_id);
                *shaped.status_mut() = status;
                shaped
            }
        });
    // A 405's `Allow` (set by the route table) survives the reshaping.
    let allow = res.headers().get(ALLOW).cloned();
    let mut res = match replaced {
        Some(body) => res.into_response(body).map_into_right_body(),
        None => res.map_into_left_body(),
    };
    if let Some(allow) = allow {
        res.headers_mut().insert(ALLOW, allow);
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        res.headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    Ok(res)
}

/// Declares the routes of the Baidu face, under `/v1`.
pub fn routes(t: &mut RouteTable<'_>) {
    groups::routes(t);
    users::routes(t);
    access_keys::routes(t);
}
