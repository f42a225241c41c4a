//! `/v3.0/OS-CREDENTIAL/credentials`: Huawei IAM's permanent access keys (AK/SK), which sign
//! requests instead of a token. Each handler: validate, load the target, enforce policy, act,
//! wrap. The secret key is in the create response only; it is never logged.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::api::http::extract::{BodyObject, JsonBody};
use crate::api::http::query::ListQuery;
use crate::assignment::ceiling;
use crate::auth::fresh_login::check_may_mint_access_key;
use crate::auth::policy::glue::authorize;
use crate::auth::policy::{self, Policy, Target};
use crate::auth::AuthContext;
use crate::db::credentials::{self as store, CredentialChanges};
use crate::db::models::CredentialRow;
use crate::db::{self, users};
use crate::domain::credentials::{new_access_key, new_secret_key, CredentialStatus};
use crate::domain::keystone_time_from_micros;
use crate::domain::now_ms;
use crate::domain::values::{Description, ResourceId};
use crate::error::ApiError;
use crate::state::AppState;

/// An access key as Huawei shows it, without the secret. `create_time` is Huawei's
/// ISO 8601 string here (its SDK models it as a string), unlike a group's integer.
fn credential_json(row: &CredentialRow) -> Value {
    json!({
        "user_id": row.user_id,
        "access": row.access,
        "status": row.status,
        "create_time": keystone_time_from_micros(row.create_time * 1000),
        "description": row.description,
    })
}

fn credential_response(status: StatusCode, row: &CredentialRow) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "credential": credential_json(row) }))
}

fn owner(user_id: &str) -> Target<'_> {
    Target {
        user_id: Some(user_id),
        ..Target::default()
    }
}

/// Loads an access key and enforces `rule` on its owner: an unknown key is a 404 for an
/// admin but a 403 for anyone else, so that keys cannot be probed by id.
async fn load_target(
    state: &AppState,
    caller: &AuthContext,
    access: String,
    rule: &Policy,
) -> Result<CredentialRow, ApiError> {
    let loaded = db::run(&state.pool, move |conn| {
        store::get_credential(conn, &access)
    })
    .await;
    let row = authorize(caller, rule, loaded, |row| owner(&row.user_id))?;
    // Reads are not limited; a change to another user's key is, as on `/v1`.
    if !std::ptr::eq(rule, &policy::READ_CREDENTIAL) {
        ceiling::check_user(state, caller, rule, &row.user_id).await?;
    }
    Ok(row)
}

/// `POST /v3.0/OS-CREDENTIAL/credentials` (Huawei `CreatePermanentAccessKey`).
pub async fn create(
    state: web::Data<AppState>,
    caller: AuthContext,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let mut credential = BodyObject::unwrap_from(body.into_value()?, "credential")?;
    let user_id = credential
        .take_string("user_id")?
        .ok_or_else(|| ApiError::invalid_field("user_id", "'user_id' is a required property"))?;
    let user_id = ResourceId::parse("user_id", &user_id)?.into_inner();
    let description = match credential.take_nullable_string("description")? {
        Some(Some(d)) => Description::parse("description", &d)?.into_inner(),
        _ => String::new(),
    };
    policy::enforce(&caller, &policy::WRITE_CREDENTIAL, &owner(&user_id))?;
    ceiling::check_user(&state, &caller, &policy::WRITE_CREDENTIAL, &user_id).await?;
    check_may_mint_access_key(
        &caller,
        state.settings.credentials.mint_login_window,
        state.settings.security_compliance.lockout(),
        chrono::Utc::now().timestamp_micros(),
    )?;
    let access = new_access_key()?;
    let secret = new_secret_key()?;
    let row = CredentialRow {
        sealed_secret: state.cipher.seal(&access, &user_id, &secret)?,
        access,
        user_id,
        status: CredentialStatus::Active.as_str().to_string(),
        description,
        create_time: now_ms(),
    };
    let created = db::run(&state.pool, move |conn| store::create_credential(conn, row)).await?;
    let mut shown = credential_json(&created);
    shown["secret"] = json!(secret);
    // Access keys are read afresh for every signed request: no cached answer holds one.
    state.changed(&[]);
    Ok(HttpResponse::Created().json(json!({ "credential": shown })))
}

/// `GET /v3.0/OS-CREDENTIAL/credentials?user_id=` (Huawei `ListPermanentAccessKeys`): the
/// keys of `user_id`, or of the caller when it is not given.
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthContext,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = ListQuery::from_request(&req)?;
    let user_id = match query.get("user_id") {
        Some(id) => ResourceId::parse("user_id", id)?.into_inner(),
        None => caller.user_id().to_string(),
    };
    policy::enforce(&caller, &policy::READ_CREDENTIAL, &owner(&user_id))?;
    let rows = db::run(&state.pool, move |conn| {
        users::get_user(conn, &user_id)?;
        store::list_credentials_for_user(conn, &user_id)
    })
    .await?;
    let shown: Vec<Value> = rows.iter().map(credential_json).collect();
    Ok(HttpResponse::Ok().json(json!({ "credentials": shown })))
}

/// `GET /v3.0/OS-CREDENTIAL/credentials/{access_key}` (Huawei `ShowPermanentAccessKey`).
pub async fn show(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let row = load_target(&state, &caller, path.into_inner(), &policy::READ_CREDENTIAL).await?;
    Ok(credential_response(StatusCode::OK, &row))
}

/// `PUT /v3.0/OS-CREDENTIAL/credentials/{access_key}` (Huawei `UpdatePermanentAccessKey`):
/// `status` (`active` or `inactive`) and `description`.
pub async fn update(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let access = path.into_inner();
    let mut credential = BodyObject::unwrap_from(body.into_value()?, "credential")?;
    let status = credential
        .take_string("status")?
        .map(|s| CredentialStatus::parse("status", &s))
        .transpose()?
        .map(|s| s.as_str().to_string());
    let description = match credential.take_nullable_string("description")? {
        Some(Some(d)) => Some(Description::parse("description", &d)?.into_inner()),
        Some(None) => Some(String::new()),
        None => None,
    };
    if status.is_none() && description.is_none() {
        return Err(ApiError::Validation(
            "Invalid input for field 'credential': give 'status' or 'description'".into(),
        ));
    }
    load_target(&state, &caller, access.clone(), &policy::WRITE_CREDENTIAL).await?;
    let changes = CredentialChanges {
        status,
        description,
    };
    let updated = db::run(&state.pool, move |conn| {
        store::update_credential(conn, &access, changes)
    })
    .await?;
    // Access keys are read afresh for every signed request: no cached answer holds one.
    state.changed(&[]);
    Ok(credential_response(StatusCode::OK, &updated))
}

/// `DELETE /v3.0/OS-CREDENTIAL/credentials/{access_key}` (Huawei
/// `DeletePermanentAccessKey`).
pub async fn delete(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let access = path.into_inner();
    load_target(&state, &caller, access.clone(), &policy::WRITE_CREDENTIAL).await?;
    db::run(&state.pool, move |conn| {
        store::delete_credential(conn, &access)
    })
    .await?;
    // Access keys are read afresh for every signed request: no cached answer holds one.
    state.changed(&[]);
    Ok(HttpResponse::NoContent().finish())
}
