//! Baidu's user API (`/v1/user[/{userName}]`) on Keystone's users, made in the caller's
//! account. Baidu users sign in with access keys, so these have no password.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use super::caller::BceCaller;
use super::first_page;
use super::wire::{bce_list, described, BceCreate, BceUpdate, UserModel};
use crate::api::http::envelope::json_body;
use crate::api::http::extract::JsonBody;
use crate::api::http::openapi::bce_list as bce_list_of;
use crate::api::http::routing::{op, RouteTable};
use crate::auth::policy::Policy;
use crate::db::models::UserRow;
use crate::error::ApiError;
use crate::identity::groups::UserFilter;
use crate::identity::users::{self, FederatedFilter, NewUser, UserUpdate};
use crate::identity::{Ref, View};
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
    let user = Ref::named(&caller.account, name);
    users::authorized_user(state, &caller.ctx, rule, user).await
}

/// Loads the named user for a change under `rule` (a write): Keystone's rule, then the
/// manager's ceiling, as on `/v3`.
pub async fn load_user_to_change(
    state: &AppState,
    caller: &BceCaller,
    name: String,
    rule: &Policy,
) -> Result<UserRow, ApiError> {
    let user = Ref::named(&caller.account, name);
    users::user_to_change(state, &caller.ctx, rule, user).await
}

/// `POST /v1/user` (201): `name`, optional `description`.
pub async fn create(
    state: web::Data<AppState>,
    caller: BceCaller,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let body = BceCreate::from_body(body.into_value()?)?;
    let user = NewUser {
        name: body.name,
        domain_id: Some(caller.account.clone()),
        enabled: None,
        description: described(body.description).flatten(),
        password: None,
        default_project_id: None,
        extra: serde_json::Map::new(),
    };
    let created = users::create_user(&state, &caller.ctx, user).await?;
    Ok(user_response(StatusCode::CREATED, created))
}

/// `GET /v1/user/{userName}`.
pub async fn show(
    state: web::Data<AppState>,
    caller: BceCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = Ref::named(&caller.account, path.into_inner());
    let user = users::get_user(&state, &caller.ctx, user).await?;
    Ok(user_response(StatusCode::OK, user))
}

/// `PUT /v1/user/{userName}`: a new `name`, `description`, or both.
pub async fn update(
    state: web::Data<AppState>,
    caller: BceCaller,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let body = BceUpdate::from_body(body.into_value()?)?;
    let update = UserUpdate {
        name: body.name,
        description: described(body.description),
        ..UserUpdate::default()
    };
    let user = Ref::named(&caller.account, path.into_inner());
    let updated = users::update_user(&state, &caller.ctx, user, update).await?;
    Ok(user_response(StatusCode::OK, updated))
}

/// `DELETE /v1/user/{userName}` (204): memberships, grants and access keys go with it.
pub async fn delete(
    state: web::Data<AppState>,
    caller: BceCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = Ref::named(&caller.account, path.into_inner());
    users::delete_user(&state, &caller.ctx, user).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /v1/user`: the account's users (Baidu's page names no parameters).
pub async fn list(state: web::Data<AppState>, caller: BceCaller) -> Result<HttpResponse, ApiError> {
    let filter = UserFilter {
        domain_id: Some(caller.account.clone()),
        ..UserFilter::default()
    };
    let page = first_page(state.settings.identity.list_limit);
    let view = View {
        key: "bce".into(),
        render: |page| bce_list::<_, UserModel>("users", page),
    };
    let federated = FederatedFilter::default();
    let body = users::list_users(&state, &caller.ctx, filter, federated, page, view).await?;
    Ok(json_body(body))
}

/// Declares Baidu's user routes, with their documentation.
pub fn routes(t: &mut RouteTable<'_>) {
    let b = |id: &str, summary: &str| op(id, summary).baidu();
    t.at("/v1/user")
        .get(
            list,
            b("bceListUsers", "The account's users.")
                .answers(200, bce_list_of("users", UserModel::schema())),
        )
        .post(
            create,
            b("bceCreateUser", "Create a user.")
                .body(BceCreate::schema())
                .answers(201, UserModel::schema())
                .errors(&[409]),
        );
    t.at("/v1/user/{user_name}")
        .get(
            show,
            b("bceGetUser", "Show a user.").answers(200, UserModel::schema()),
        )
        .put(
            update,
            b("bceUpdateUser", "Rename or describe a user.")
                .body(BceUpdate::schema())
                .answers(200, UserModel::schema())
                .errors(&[409]),
        )
        .delete(delete, b("bceDeleteUser", "Delete a user.").empty(204));
}
