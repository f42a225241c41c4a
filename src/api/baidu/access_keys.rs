//! Baidu's access-key calls (`/v1/user/{userName}/accesskey...`), on the same store as
//! Huawei's `/v3.0/OS-CREDENTIAL/credentials`: a key made on one face signs on both.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::caller::BceCaller;
use super::users::{load_user, load_user_to_change};
use super::AccessKeyModel;
use crate::auth::fresh_login::check_may_mint_access_key;
use crate::auth::policy;
use crate::db;
use crate::db::credentials::{self as store, CredentialChanges};
use crate::db::models::{CredentialRow, UserRow};
use crate::domain::credentials::{new_access_key, new_secret_key, CredentialStatus};
use crate::domain::now_ms;
use crate::error::ApiError;
use crate::state::AppState;

/// `POST /v1/user/{userName}/accesskey` (201): the only answer that shows the secret.
pub async fn create(
    state: web::Data<AppState>,
    caller: BceCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let rule = &policy::WRITE_CREDENTIAL;
    let user = load_user_to_change(&state, &caller, path.into_inner(), rule).await?;
    check_may_mint_access_key(
        &caller.ctx,
        state.settings.credentials.mint_login_window,
        state.settings.security_compliance.lockout(),
        chrono::Utc::now().timestamp_micros(),
    )?;
    let access = new_access_key()?;
    let secret = new_secret_key()?;
    let row = CredentialRow {
        sealed_secret: state.cipher.seal(&access, &user.id, &secret)?,
        access,
        user_id: user.id,
        status: CredentialStatus::Active.as_str().to_string(),
        description: String::new(),
        create_time: now_ms(),
    };
    let created = db::run(&state.pool, move |conn| store::create_credential(conn, row)).await?;
    // Access keys are read afresh for every signed request: no cached answer holds one.
    state.changed(&[]);
    Ok(HttpResponse::Created().json(AccessKeyModel::of(created, Some(secret))))
}

/// `GET /v1/user/{userName}/accesskey`: `{"accessKeys": [...]}`, without secrets.
pub async fn list(
    state: web::Data<AppState>,
    caller: BceCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let rule = &policy::READ_CREDENTIAL;
    let user = load_user(&state, &caller, path.into_inner(), rule).await?;
    let rows = db::run(&state.pool, move |conn| {
        store::list_credentials_for_user(conn, &user.id)
    })
    .await?;
    let keys: Vec<AccessKeyModel> = rows
        .into_iter()
        .map(|row| AccessKeyModel::of(row, None))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "accessKeys": keys })))
}

/// The named user's key `access`: another user's key is as unknown as a missing one.
async fn load_key(
    state: &AppState,
    caller: &BceCaller,
    path: web::Path<(String, String)>,
) -> Result<(UserRow, CredentialRow), ApiError> {
    let (user_name, access) = path.into_inner();
    let user = load_user_to_change(state, caller, user_name, &policy::WRITE_CREDENTIAL).await?;
    let owner = user.id.clone();
    let key = db::run(&state.pool, move |conn| {
        let key = store::get_credential(conn, &access)?;
        if key.user_id != owner {
            return Err(ApiError::not_found("accesskey", access));
        }
        Ok(key)
    })
    .await?;
    Ok((user, key))
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
    let (_, key) = load_key(&state, &caller, path).await?;
    let changes = CredentialChanges {
        status: Some(status.as_str().to_string()),
        description: None,
    };
    let updated = db::run(&state.pool, move |conn| {
        store::update_credential(conn, &key.access, changes)
    })
    .await?;
    // Access keys are read afresh for every signed request: no cached answer holds one.
    state.changed(&[]);
    Ok(HttpResponse::Ok().json(AccessKeyModel::of(updated, None)))
}

/// `DELETE /v1/user/{userName}/accesskey/{ak}` (204).
pub async fn delete(
    state: web::Data<AppState>,
    caller: BceCaller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (_, key) = load_key(&state, &caller, path).await?;
    db::run(&state.pool, move |conn| {
        store::delete_credential(conn, &key.access)
    })
    .await?;
    // Access keys are read afresh for every signed request: no cached answer holds one.
    state.changed(&[]);
    Ok(HttpResponse::NoContent().finish())
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
