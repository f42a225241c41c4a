//! `/v1`: Baidu AI Cloud IAM's face on the same data. Groups and users are named in the
//! path and resolved in the caller's account (its Keystone domain), requests are signed with
//! `bce-auth-v1` (or carry a token), times are `YYYY-MM-DDTHH:MM:SSZ`, and every error is
//! Baidu's `{"code", "message", "requestId"}` with the id also in `x-bce-request-id`.
//! Each handler: validate, load the target, enforce Keystone's policy, act, wrap.

pub mod access_keys;
pub mod caller;
pub mod groups;
pub mod users;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue, ALLOW};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse};
use serde::Serialize;
use serde_json::json;

use crate::api::http::middleware::RequestId;
use crate::api::http::openapi::{
    bce_group, bce_list as bce_list_of, bce_user, description_field, input, name_field,
};
use crate::api::http::routing::{op, RouteTable};
use crate::db::models::{CredentialRow, GroupRow, UserRow};
use crate::db::{groups as group_store, users as user_store, DbConn};
use crate::domain::page::{Page, PageRequest};
use crate::error::ApiError;

pub const REQUEST_ID_HEADER: &str = "x-bce-request-id";

/// Baidu's `DateTime`: UTC to the second.
pub fn bce_time(ms: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        None => "1970-01-01T00:00:00Z".to_string(),
    }
}

/// Baidu's `GroupModel`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupModel {
    id: String,
    name: String,
    description: String,
    create_time: String,
}

impl From<GroupRow> for GroupModel {
    fn from(group: GroupRow) -> Self {
        GroupModel {
            create_time: bce_time(group.create_time),
            id: group.id,
            name: group.name,
            description: group.description,
        }
    }
}

/// Baidu's `UserModel`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserModel {
    id: String,
    name: String,
    description: String,
    create_time: String,
    enabled: bool,
}

impl From<UserRow> for UserModel {
    fn from(user: UserRow) -> Self {
        UserModel {
            create_time: bce_time(user.created_at),
            id: user.id,
            name: user.name,
            description: user.description,
            enabled: user.enabled,
        }
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

/// `{"<key>": [...]}` from a page of rows. Baidu's lists have no paging; they are capped by
/// `identity.list_limit` like Keystone's, and say `"truncated": true` when the cap cut them.
pub fn bce_list<R, M: Serialize + From<R>>(key: &str, page: Page<R>) -> HttpResponse {
    let items: Vec<M> = page.items.into_iter().map(M::from).collect();
    let mut body = serde_json::Map::new();
    body.insert(key.to_string(), json!(items));
    if page.truncated {
        body.insert("truncated".into(), json!(true));
    }
    HttpResponse::Ok().json(body)
}

/// The first `identity.list_limit` entries of a list.
pub fn first_page(limit: i64) -> PageRequest {
    PageRequest {
        limit: (limit > 0).then_some(limit),
        marker: None,
    }
}

/// A group by name in an account.
pub fn group_named(conn: &mut DbConn, account: &str, name: &str) -> Result<GroupRow, ApiError> {
    group_store::get_group_by_name(conn, name, account)
}

/// A user by name in an account.
pub fn user_named(conn: &mut DbConn, account: &str, name: &str) -> Result<UserRow, ApiError> {
    user_store::find_user_by_name(conn, name, account)?
        .ok_or_else(|| ApiError::not_found("user", name))
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
    let b = |id: &str, summary: &str| op(id, summary).baidu();
    let group_body = || {
        input(
            &[("name", name_field())],
            &[("description", description_field())],
        )
    };
    let group_update = input(
        &[],
        &[("name", name_field()), ("description", description_field())],
    );
    t.at("/v1/group")
        .get(
            groups::list,
            b("bceListGroups", "The account's groups.")
                .answers(200, bce_list_of("groups", bce_group())),
        )
        .post(
            groups::create,
            b("bceCreateGroup", "Create a group.")
                .body(group_body())
                .answers(201, bce_group())
                .errors(&[409]),
        );
    t.at("/v1/group/{group_name}")
        .get(
            groups::show,
            b("bceGetGroup", "Show a group.").answers(200, bce_group()),
        )
        .put(
            groups::update,
            b("bceUpdateGroup", "Rename or describe a group.")
                .body(group_update.clone())
                .answers(200, bce_group())
                .errors(&[409]),
        )
        .delete(
            groups::delete,
            b(
                "bceDeleteGroup",
                "Delete a group without members or grants.",
            )
            .empty(204)
            .errors(&[409]),
        );
    t.at("/v1/group/{group_name}/user").get(
        groups::users,
        b("bceListGroupUsers", "A group's members.").answers(200, bce_list_of("users", bce_user())),
    );
    t.at("/v1/group/{group_name}/user/{user_name}")
        .put(
            groups::add_user,
            b("bceAddUserToGroup", "Add a member.").empty(204),
        )
        .delete(
            groups::remove_user,
            b("bceRemoveUserFromGroup", "Remove a member.").empty(204),
        );
    t.at("/v1/user")
        .get(
            users::list,
            b("bceListUsers", "The account's users.")
                .answers(200, bce_list_of("users", bce_user())),
        )
        .post(
            users::create,
            b("bceCreateUser", "Create a user.")
                .body(group_body())
                .answers(201, bce_user())
                .errors(&[409]),
        );
    t.at("/v1/user/{user_name}")
        .get(
            users::show,
            b("bceGetUser", "Show a user.").answers(200, bce_user()),
        )
        .put(
            users::update,
            b("bceUpdateUser", "Rename or describe a user.")
                .body(group_update)
                .answers(200, bce_user())
                .errors(&[409]),
        )
        .delete(
            users::delete,
            b("bceDeleteUser", "Delete a user.").empty(204),
        );
    t.at("/v1/user/{user_name}/group").get(
        groups::of_user,
        b("bceListUserGroups", "The groups a user belongs to.")
            .answers(200, bce_list_of("groups", bce_group())),
    );
    access_keys::routes(t);
}
