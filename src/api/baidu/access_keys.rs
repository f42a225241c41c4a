//! Baidu's access-key calls (`/v1/user/{userName}/accesskey...`), on the same store as
//! Huawei's `/v3.0/OS-CREDENTIAL/credentials`: a key made on one face signs on both.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::caller::BceCaller;
use super::AccessKeyModel;
use crate::api::http::openapi::{bce_access_key, bce_list, text};
use crate::api::http::routing::{op, RouteTable};
use crate::credential::{self, Face, KeyRef};
use crate::db::credentials::CredentialChanges;
use crate::domain::credentials::CredentialStatus;
use crate::error::ApiError;
use crate::identity::Ref;
use crate::state::AppState;

/// The named user of the caller's account.
fn user(caller: &BceCaller, name: String) -> Ref {
    Ref::named(caller.account.clone(), name)
}

/// The named user's key `access`: another user's key is as unknown as a missing one.
fn key(caller: &BceCaller, path: web::Path<(String, String)>) -> KeyRef {
    let (user_name, access) = path.into_inner();
    KeyRef::OfUser {
        user: user(caller, user_name),
        access,
    }
}

/// `POST /v1/user/{userName}/accesskey` (201): the only answer that shows the secret.
pub async fn create(
    state: web::Data<AppState>,
    caller: BceCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let owner = user(&caller, path.into_inner());
    let (row, secret) =
        credential::create_access_key(&state, &caller.ctx, Face::Baidu, owner, String::new())
            .await?;
    Ok(HttpResponse::Created().json(AccessKeyModel::of(row, Some(secret))))
}

/// `GET /v1/user/{userName}/accesskey`: `{"accessKeys": [...]}`, without secrets.
pub async fn list(
    state: web::Data<AppState>,
    caller: BceCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let owner = user(&caller, path.into_inner());
    let rows = credential::list_access_keys(&state, &caller.ctx, Some(owner)).await?;
    let keys: Vec<AccessKeyModel> = rows
        .into_iter()
        .map(|row| AccessKeyModel::of(row, None))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "accessKeys": keys })))
}

/// Which of `?disable` and `?enable` the query asks for; exactly one must be given.
fn requested_status(query: &str) -> Result<CredentialStatus, ApiError> {
    let keys: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').map_or(p, |(k, _)| k))
        .collect();
    match keys[..] {
        ["disable"] => Ok(CredentialStatus::Inactive),
        ["enable"] => Ok(CredentialStatus::Active),
        _ => Err(ApiError::Validation(
            "Give exactly one of the query parameters 'disable' and 'enable'.".into(),
        )),
    }
}

/// `PUT /v1/user/{userName}/accesskey/{ak}?disable` or `?enable`: the key as it is now.
pub async fn set_enabled(
    state: web::Data<AppState>,
    caller: BceCaller,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let status = requested_status(req.query_string())?;
    let changes = CredentialChanges {
        status: Some(status.as_str().to_string()),
        description: None,
    };
    let key = key(&caller, path);
    let row = credential::update_access_key(&state, &caller.ctx, Face::Baidu, key, changes).await?;
    Ok(HttpResponse::Ok().json(AccessKeyModel::of(row, None)))
}

/// `DELETE /v1/user/{userName}/accesskey/{ak}` (204).
pub async fn delete(
    state: web::Data<AppState>,
    caller: BceCaller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let key = key(&caller, path);
    credential::delete_access_key(&state, &caller.ctx, Face::Baidu, key).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The routes of a user's access keys. None reads a body: Baidu's calls name the key in
/// the path and the change (`?disable`, `?enable`) in the query.
pub fn routes(t: &mut RouteTable<'_>) {
    let b = |id: &str, summary: &str| op(id, summary).baidu();
    t.at("/v1/user/{user_name}/accesskey")
        .get(
            list,
            b("bceListAccessKeys", "A user's access keys.")
                .answers(200, bce_list("accessKeys", bce_access_key())),
        )
        .post(
            create,
            b(
                "bceCreateAccessKey",
                "Make an access key; the secret is shown once.",
            )
            .answers(201, bce_access_key()),
        );
    t.at("/v1/user/{user_name}/accesskey/{access_key}")
        .put(
            set_enabled,
            b("bceSetAccessKeyEnabled", "?disable or ?enable a key.")
                .query(&[
                    text("disable", "Disable the key."),
                    text("enable", "Enable the key."),
                ])
                .answers(200, bce_access_key()),
        )
        .delete(
            delete,
            b("bceDeleteAccessKey", "Delete an access key.").empty(204),
        );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_one_of_disable_and_enable() {
        assert_eq!(
            requested_status("disable").unwrap(),
            CredentialStatus::Inactive
        );
        assert_eq!(
            requested_status("disable=").unwrap(),
            CredentialStatus::Inactive
        );
        assert_eq!(
            requested_status("enable").unwrap(),
            CredentialStatus::Active
        );
        for bad in ["", "disable&enable", "enabled", "x=1"] {
            assert!(requested_status(bad).is_err(), "{bad:?}");
        }
    }
}
