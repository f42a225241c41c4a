//! `/v3/users`: Keystone v3 users, the members of groups. Each handler extracts the typed
//! request, calls the identity manager, and wraps what it returns.

pub mod wire;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use crate::api::http::envelope::collection as page_of;
use crate::api::http::extract::{BaseUrl, JsonBody};
use crate::api::http::openapi::{collection, paged, project, wrapped};
use crate::api::http::query::ListQuery;
use crate::api::http::routing::{op, RouteTable};
use crate::api::v3::projects;
use crate::auth::AuthContext;
use crate::db::models::UserRow;
use crate::domain::page::Page;
use crate::error::ApiError;
use crate::identity::{users, Ref, View};
use crate::state::AppState;

pub use self::wire::{user_json, UserView};
use self::wire::{ChangePassword, CreateUser, UpdateUser, UserListQuery};
/// A user as a policy target (the projects of a user enforce it too).
pub use crate::identity::groups::user_target;

fn user_response(status: StatusCode, user: UserRow, base: &BaseUrl) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "user": user_json(&user, base) }))
}

/// `POST /v3/users` (KeystoneCreateUser).
pub async fn create(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let body = CreateUser::from_body(body.into_value()?)?;
    let created = users::create_user(&state, &caller, body.into()).await?;
    Ok(user_response(StatusCode::CREATED, created, &base))
}

/// `GET /v3/users` (KeystoneListUsers): every filter of Keystone's API reference, paged.
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = ListQuery::from_request(&req)?;
    let (filter, federated) = UserListQuery::from_query(&query)?.into_filters();
    let page = query.page(&state.settings)?;
    let request = page.clone();
    let view = View {
        key: String::new(),
        render: |users: Page<UserRow>| {
            let users = users.map(|u| user_json(&u, &base));
            Ok(page_of("users", users, &request, &base, &req, &query))
        },
    };
    let body = users::list_users(&state, &caller, filter, federated, page, view).await?;
    Ok(HttpResponse::Ok().json(body))
}

/// `GET /v3/users/{user_id}` (KeystoneShowUser): admins, and users for themselves.
pub async fn show(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = users::get_user(&state, &caller, Ref::Id(path.into_inner())).await?;
    Ok(user_response(StatusCode::OK, user, &base))
}

/// `PATCH /v3/users/{user_id}` (KeystoneUpdateUser). A new password revokes the user's
/// tokens; disabling the user makes every token of theirs fail validation.
pub async fn update(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let body = UpdateUser::read(body.into_value()?)?;
    let user = Ref::Id(path.into_inner());
    let updated = users::update_user(&state, &caller, user, body.into()).await?;
    Ok(user_response(StatusCode::OK, updated, &base))
}

/// `DELETE /v3/users/{user_id}` (KeystoneDeleteUser): memberships and grants go too.
pub async fn delete(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    users::delete_user(&state, &caller, Ref::Id(path.into_inner())).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /v3/users/{user_id}/password` (KeystoneChangePassword): a user changes their own
/// password, giving the current one. Their earlier tokens stop working.
pub async fn change_password(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let body = ChangePassword::from_body(body.into_value()?)?;
    let (original, password) = (body.original_password.0, body.password.0);
    users::change_password(&state, &caller, path.into_inner(), original, password).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The routes of users, with their documentation.
pub fn routes(t: &mut RouteTable<'_>) {
    let u = |id: &str, summary: &str| op(id, summary).tag("users");
    let one = || wrapped("user", UserView::schema());
    t.at("/v3/users")
        .get(
            list,
            u("listUsers", "List users.")
                .query(&UserListQuery::params())
                .answers(200, collection("users", UserView::schema())),
        )
        .post(
            create,
            u("createUser", "Create a user.")
                .body(CreateUser::schema())
                .answers(201, one())
                .errors(&[409]),
        );
    t.at("/v3/users/{user_id}")
        .get(show, u("showUser", "Show a user.").answers(200, one()))
        .patch(
            update,
            u(
                "updateUser",
                "Update a user (a new password ends their tokens).",
            )
            .body(UpdateUser::document())
            .answers(200, one())
            .errors(&[409]),
        )
        .delete(
            delete,
            u("deleteUser", "Delete a user, their memberships and grants.").empty(204),
        );
    t.at("/v3/users/{user_id}/password").post(
        change_password,
        u("changePassword", "A user changes their own password.")
            .body(ChangePassword::schema())
            .empty(204)
            .errors(&[401]),
    );
    t.at("/v3/users/{user_id}/projects").get(
        projects::list_for_user,
        u("listProjectsForUser", "The projects a user has roles on.")
            .query(&paged(&[]))
            .answers(200, collection("projects", project())),
    );
}
