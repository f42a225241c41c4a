//! Baidu's user API (`/v1/user[/{userName}]`) on Keystone's users, made in the caller's
//! account. Baidu users sign in with access keys, so these have no password.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use super::caller::BceCaller;
use super::{bce_list, first_page, user_named, UserModel};
use crate::api::http::extract::{BodyObject, JsonBody};
use crate::api::v3::users::user_target;
use crate::assignment::ceiling;
use crate::auth::policy::glue::authorize;
use crate::auth::policy::{self, Policy, Target};
use crate::cache::Tag;
use crate::db::models::UserRow;
use crate::db::users::{self as store, UserChanges, UserFilter};
use crate::db::{self};
use crate::domain::values::{Description, Name};
use crate::domain::{new_id, now_ms};
use crate::error::ApiError;
use crate::state::AppState;

fn user_response(status: StatusCode, user: UserRow) -> HttpResponse {
    HttpResponse::build(status).json(UserModel::from(user))
}

/// Loads the named user of the caller's account and enforces `rule` on it.
pub async fn load_user(
    state: &AppState,
    caller: &BceCaller,
    name: String,
    rule: &Policy,
) -> Result<UserRow, ApiError> {
    let account = caller.account.clone();
    let user = db::run(&state.pool, move |conn| user_named(conn, &account, &name)).await;
    authorize(&caller.ctx, rule, user, user_target)
}

/// Loads the named user for a change under `rule` (a write): Keystone's rule, then the
/// manager's ceiling, as on `/v3`.
pub async fn load_user_to_change(
    state: &AppState,
    caller: &BceCaller,
    name: String,
    rule: &Policy,
) -> Result<UserRow, ApiError> {
    let user = load_user(state, caller, name, rule).await?;
    ceiling::check_user(state, &caller.ctx, rule, &user.id).await?;
    Ok(user)
}

/// `POST /v1/user` (201): `name`, optional `description`.
pub async fn create(
    state: web::Data<AppState>,
    caller: BceCaller,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let mut body = BodyObject::from_body(body.into_value()?)?;
    let name = body
        .take_string("name")?
        .ok_or_else(|| ApiError::invalid_field("name", "'name' is required"))?;
    let name = Name::parse("name", &name)?;
    let description = match body.take_nullable_string("description")? {
        Some(Some(d)) => Description::parse("description", &d)?.into_inner(),
        _ => String::new(),
    };
    policy::enforce(
        &caller.ctx,
        &policy::CREATE_USER,
        &Target {
            user_domain_id: Some(&caller.account),
            ..Target::default()
        },
    )?;
    let row = UserRow {
        id: new_id(),
        name: name.into_inner(),
        domain_id: caller.account,
        enabled: true,
        description,
        password_hash: None,
        password_expires_at: None,
        default_project_id: None,
        extra: "{}".into(),
        created_at: now_ms(),
        failed_auth_count: 0,
        failed_auth_at: None,
    };
    let created = db::run(&state.pool, move |conn| store::create_user(conn, row)).await?;
    // A new user is in no group and holds nothing: no cached answer counted them.
    state.changed(&[]);
    Ok(user_response(StatusCode::CREATED, created))
}

/// `GET /v1/user/{userName}`.
pub async fn show(
    state: web::Data<AppState>,
    caller: BceCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = load_user(&state, &caller, path.into_inner(), &policy::GET_USER).await?;
    Ok(user_response(StatusCode::OK, user))
}

/// `PUT /v1/user/{userName}`: a new `name`, `description`, or both.
pub async fn update(
    state: web::Data<AppState>,
    caller: BceCaller,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let mut body = BodyObject::from_body(body.into_value()?)?;
    let name = body
        .take_string("name")?
        .map(|n| Name::parse("name", &n))
        .transpose()?
        .map(Name::into_inner);
    let description = match body.take_nullable_string("description")? {
        Some(Some(d)) => Some(Description::parse("description", &d)?.into_inner()),
        Some(None) => Some(String::new()),
        None => None,
    };
    let user =
        load_user_to_change(&state, &caller, path.into_inner(), &policy::UPDATE_USER).await?;
    let changes = UserChanges {
        name,
        description,
        ..UserChanges::default()
    };
    let lifetime_ms = state.settings.token.expiration * 1000;
    let updated = db::run(&state.pool, move |conn| {
        store::update_user(conn, &user.id, changes, lifetime_ms)
    })
    .await?;
    state.changed(&[Tag::principal(&updated.id), Tag::Users]);
    Ok(user_response(StatusCode::OK, updated))
}

/// `DELETE /v1/user/{userName}` (204): memberships, grants and access keys go with it.
pub async fn delete(
    state: web::Data<AppState>,
    caller: BceCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user =
        load_user_to_change(&state, &caller, path.into_inner(), &policy::DELETE_USER).await?;
    let tags = [Tag::principal(&user.id), Tag::Users];
    db::run(&state.pool, move |conn| store::delete_user(conn, &user.id)).await?;
    state.changed(&tags);
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /v1/user`: the account's users.
pub async fn list(state: web::Data<AppState>, caller: BceCaller) -> Result<HttpResponse, ApiError> {
    policy::enforce(
        &caller.ctx,
        &policy::LIST_USERS,
        &Target {
            list_domain_id: Some(&caller.account),
            ..Target::default()
        },
    )?;
    let filter = UserFilter {
        domain_id: Some(caller.account),
        ..UserFilter::default()
    };
    let page = first_page(state.settings.identity.list_limit);
    let users = db::run(&state.pool, move |conn| {
        store::list_users(conn, &filter, &page)
    })
    .await?;
    Ok(bce_list::<_, UserModel>("users", users))
}
