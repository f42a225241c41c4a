//! `/v3/groups` and memberships: Huawei IAM's user-group API on Keystone v3. Each handler
//! extracts the typed request, calls the identity manager, and wraps what it returns.

pub mod wire;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use crate::api::http::envelope::{json_body, page_key, render_page};
use crate::api::http::extract::{BaseUrl, JsonBody};
use crate::api::http::openapi::{collection, wrapped};
use crate::api::http::query::ListQuery;
use crate::api::http::routing::{op, RouteTable};
use crate::api::v3::users::wire::{user_json, GroupUsersQuery, UserView};
use crate::auth::AuthContext;
use crate::db::models::GroupRow;
use crate::domain::page::Page;
use crate::error::ApiError;
use crate::identity::{groups, membership, Ref, View};
use crate::state::AppState;

pub use self::wire::{group_json, GroupView};
use self::wire::{CreateGroup, GroupListQuery, UpdateGroup, UserGroupsQuery};

fn group_response(status: StatusCode, group: GroupRow, base: &BaseUrl) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "group": group_json(&group, base) }))
}

/// A list of groups rendered as Keystone's collection, keyed by what its links depend on.
macro_rules! groups_view {
    ($request:expr, $base:expr, $req:expr, $query:expr) => {
        View {
            key: page_key("v3", $base, $req),
            render: |groups: Page<GroupRow>| {
                render_page("groups", &groups, group_json, $request, $base, $req, $query)
            },
        }
    };
}

/// `POST /v3/groups` (KeystoneCreateGroup).
pub async fn create(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let body = CreateGroup::from_body(body.into_value()?)?;
    let created = groups::create_group(&state, &caller, body.into()).await?;
    Ok(group_response(StatusCode::CREATED, created, &base))
}

/// `GET /v3/groups` (KeystoneListGroups): `name` (and patterns), `domain_id`, paged.
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = ListQuery::from_request(&req)?;
    let filter = GroupListQuery::from_query(&query)?.into();
    let page = query.page(&state.settings)?;
    let request = page.clone();
    let view = groups_view!(&request, &base, &req, &query);
    let body = groups::list_groups(&state, &caller, filter, page, view).await?;
    Ok(json_body(body))
}

/// `GET /v3/groups/{group_id}` (KeystoneShowGroup).
pub async fn show(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let group = groups::get_group(&state, &caller, Ref::Id(path.into_inner())).await?;
    Ok(group_response(StatusCode::OK, group, &base))
}

/// `PATCH /v3/groups/{group_id}` (KeystoneUpdateGroup): name, description, extras.
pub async fn update(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let body = UpdateGroup::read(body.into_value()?)?;
    let group = Ref::Id(path.into_inner());
    let updated = groups::update_group(&state, &caller, group, body.into()).await?;
    Ok(group_response(StatusCode::OK, updated, &base))
}

/// `DELETE /v3/groups/{group_id}` (KeystoneDeleteGroup): memberships and grants go too.
pub async fn delete(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let group = Ref::Id(path.into_inner());
    groups::delete_group(&state, &caller, group, groups::Cascade::Everything).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /v3/groups/{group_id}/users` (KeystoneListUsersForGroupByAdmin).
pub async fn list_users(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let query = ListQuery::from_request(&req)?;
    let filter = GroupUsersQuery::from_query(&query)?.into();
    let page = query.page(&state.settings)?;
    let request = page.clone();
    let view = View {
        key: page_key("v3", &base, &req),
        render: |users: Page<_>| {
            render_page("users", &users, user_json, &request, &base, &req, &query)
        },
    };
    let group = Ref::Id(path.into_inner());
    let body = groups::list_users_in_group(&state, &caller, group, filter, page, view).await?;
    Ok(json_body(body))
}

/// `PUT /v3/groups/{group_id}/users/{user_id}` (KeystoneAddUserToGroup), idempotent.
pub async fn add_user(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (group_id, user_id) = path.into_inner();
    membership::add_user_to_group(&state, &caller, Ref::Id(group_id), Ref::Id(user_id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `HEAD` (and `GET`) `/v3/groups/{group_id}/users/{user_id}` (KeystoneCheckUserInGroup).
pub async fn check_user(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (group_id, user_id) = path.into_inner();
    membership::check_user_in_group(&state, &caller, group_id, user_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE /v3/groups/{group_id}/users/{user_id}` (KeystoneRemoveUserFromGroup).
pub async fn remove_user(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (group_id, user_id) = path.into_inner();
    let (group, user) = (Ref::Id(group_id), Ref::Id(user_id));
    membership::remove_user_from_group(&state, &caller, group, user).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /v3/users/{user_id}/groups` (KeystoneListGroupsForUser): admins, and users for
/// themselves; `name` (and patterns).
pub async fn list_for_user(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let query = ListQuery::from_request(&req)?;
    let filter = UserGroupsQuery::from_query(&query)?.into();
    let page = query.page(&state.settings)?;
    let request = page.clone();
    let view = groups_view!(&request, &base, &req, &query);
    let user = Ref::Id(path.into_inner());
    let body = groups::list_groups_for_user(&state, &caller, user, filter, page, view).await?;
    Ok(json_body(body))
}

/// The routes of groups and memberships, with their documentation.
pub fn routes(t: &mut RouteTable<'_>) {
    let g = |id: &str, summary: &str| op(id, summary).tag("groups");
    let one = || wrapped("group", GroupView::schema());
    t.at("/v3/groups")
        .get(
            list,
            g("KeystoneListGroups", "List groups.")
                .query(&GroupListQuery::params())
                .answers(200, collection("groups", GroupView::schema())),
        )
        .post(
            create,
            g("KeystoneCreateGroup", "Create a group.")
                .body(CreateGroup::schema())
                .answers(201, one())
                .errors(&[409]),
        );
    t.at("/v3/groups/{group_id}")
        .get(
            show,
            g("KeystoneShowGroup", "Show a group.").answers(200, one()),
        )
        .patch(
            update,
            g(
                "KeystoneUpdateGroup",
                "Update a group's name, description or extras.",
            )
            .body(UpdateGroup::document())
            .answers(200, one())
            .errors(&[409]),
        )
        .delete(
            delete,
            g(
                "KeystoneDeleteGroup",
                "Delete a group, its memberships and grants.",
            )
            .empty(204),
        );
    t.at("/v3/groups/{group_id}/users").get(
        list_users,
        g("KeystoneListUsersForGroupByAdmin", "A group's members.")
            .query(&GroupUsersQuery::params())
            .answers(200, collection("users", UserView::schema())),
    );
    t.at("/v3/groups/{group_id}/users/{user_id}")
        .put(
            add_user,
            g("KeystoneAddUserToGroup", "Add a member (idempotent).").empty(204),
        )
        .head(
            check_user,
            g(
                "KeystoneCheckUserInGroup",
                "Is the user a member? 204 or 404.",
            )
            .empty(204),
        )
        .get_only(
            check_user,
            g("checkUserInGroupGet", "The same check, by GET.").empty(204),
        )
        .delete(
            remove_user,
            g("KeystoneRemoveUserFromGroup", "Remove a member.").empty(204),
        );
    t.at("/v3/users/{user_id}/groups").get(
        list_for_user,
        g("KeystoneListGroupsForUser", "The groups a user belongs to.")
            .query(&UserGroupsQuery::params())
            .answers(200, collection("groups", GroupView::schema())),
    );
}
