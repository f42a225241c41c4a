//! Baidu's group API (`/v1/group...`, `/v1/user/{userName}/group`) on Keystone's groups:
//! the same rows as `/v3/groups`, named instead of numbered, in the caller's account.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use super::caller::BceCaller;
use super::first_page;
use super::wire::{bce_list, described, BceCreate, BceUpdate, GroupModel, UserModel};
use crate::api::http::envelope::json_body;
use crate::api::http::extract::JsonBody;
use crate::api::http::openapi::bce_list as bce_list_of;
use crate::api::http::routing::{op, RouteTable};
use crate::db::models::GroupRow;
use crate::error::ApiError;
use crate::identity::groups::{self, Cascade, GroupFilter, GroupUpdate, NewGroup, UserFilter};
use crate::identity::{membership, Ref, View};
use crate::state::AppState;

fn group_response(status: StatusCode, group: GroupRow) -> HttpResponse {
    HttpResponse::build(status).json(GroupModel::from(group))
}

/// The group a path names, in the caller's account.
fn named(caller: &BceCaller, path: web::Path<String>) -> Ref {
    Ref::named(&caller.account, path.into_inner())
}

/// Baidu's list of groups, rendered once per filter and page.
fn groups_view(
) -> View<impl FnOnce(crate::domain::page::Page<GroupRow>) -> Result<web::Bytes, ApiError>> {
    View {
        key: "bce".into(),
        render: |page| bce_list::<_, GroupModel>("groups", page),
    }
}

/// `POST /v1/group` (201).
pub async fn create(
    state: web::Data<AppState>,
    caller: BceCaller,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let body = BceCreate::from_body(body.into_value()?)?;
    let group = NewGroup {
        name: body.name,
        description: described(body.description).flatten(),
        domain_id: Some(caller.account.clone()),
        extra: serde_json::Map::new(),
    };
    let created = groups::create_group(&state, &caller.ctx, group).await?;
    Ok(group_response(StatusCode::CREATED, created))
}

/// `GET /v1/group/{groupName}`.
pub async fn show(
    state: web::Data<AppState>,
    caller: BceCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let group = groups::get_group(&state, &caller.ctx, named(&caller, path)).await?;
    Ok(group_response(StatusCode::OK, group))
}

/// `PUT /v1/group/{groupName}`: a new `name`, `description`, or both.
pub async fn update(
    state: web::Data<AppState>,
    caller: BceCaller,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let body = BceUpdate::from_body(body.into_value()?)?;
    let update = GroupUpdate {
        name: body.name,
        description: described(body.description),
        ..GroupUpdate::default()
    };
    let group = named(&caller, path);
    let updated = groups::update_group(&state, &caller.ctx, group, update).await?;
    Ok(group_response(StatusCode::OK, updated))
}

/// `DELETE /v1/group/{groupName}` (204): refused while the group has members or grants,
/// as Baidu's page says.
pub async fn delete(
    state: web::Data<AppState>,
    caller: BceCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let group = named(&caller, path);
    groups::delete_group(&state, &caller.ctx, group, Cascade::RefuseWhenUsed).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /v1/group`: the account's groups (Baidu's page names no parameters).
pub async fn list(state: web::Data<AppState>, caller: BceCaller) -> Result<HttpResponse, ApiError> {
    let filter = GroupFilter {
        domain_id: Some(caller.account.clone()),
        ..GroupFilter::default()
    };
    let page = first_page(state.settings.identity.list_limit);
    let body = groups::list_groups(&state, &caller.ctx, filter, page, groups_view()).await?;
    Ok(json_body(body))
}

/// `GET /v1/group/{groupName}/user`: the group's members.
pub async fn users(
    state: web::Data<AppState>,
    caller: BceCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let group = named(&caller, path);
    let page = first_page(state.settings.identity.list_limit);
    let view = View {
        key: "bce".into(),
        render: |page| bce_list::<_, UserModel>("users", page),
    };
    let filter = UserFilter::default();
    let body = groups::list_users_in_group(&state, &caller.ctx, group, filter, page, view).await?;
    Ok(json_body(body))
}

/// `GET /v1/user/{userName}/group`: the groups a user belongs to.
pub async fn of_user(
    state: web::Data<AppState>,
    caller: BceCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = named(&caller, path);
    let page = first_page(state.settings.identity.list_limit);
    let filter = GroupFilter::default();
    let view = groups_view();
    let body = groups::list_groups_for_user(&state, &caller.ctx, user, filter, page, view).await?;
    Ok(json_body(body))
}

/// `PUT /v1/group/{groupName}/user/{userName}` (204), idempotent.
pub async fn add_user(
    state: web::Data<AppState>,
    caller: BceCaller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (group, user) = named_pair(&caller, path);
    membership::add_user_to_group(&state, &caller.ctx, group, user).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE /v1/group/{groupName}/user/{userName}` (204).
pub async fn remove_user(
    state: web::Data<AppState>,
    caller: BceCaller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (group, user) = named_pair(&caller, path);
    membership::remove_user_from_group(&state, &caller.ctx, group, user).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The group and the user a membership path names, in the caller's account.
fn named_pair(caller: &BceCaller, path: web::Path<(String, String)>) -> (Ref, Ref) {
    let (group_name, user_name) = path.into_inner();
    (
        Ref::named(&caller.account, group_name),
        Ref::named(&caller.account, user_name),
    )
}

/// Declares Baidu's group routes, with their documentation.
pub fn routes(t: &mut RouteTable<'_>) {
    let b = |id: &str, summary: &str| op(id, summary).baidu();
    t.at("/v1/group")
        .get(
            list,
            b("bceListGroups", "The account's groups.")
                .answers(200, bce_list_of("groups", GroupModel::schema())),
        )
        .post(
            create,
            b("bceCreateGroup", "Create a group.")
                .body(BceCreate::schema())
                .answers(201, GroupModel::schema())
                .errors(&[409]),
        );
    t.at("/v1/group/{group_name}")
        .get(
            show,
            b("bceGetGroup", "Show a group.").answers(200, GroupModel::schema()),
        )
        .put(
            update,
            b("bceUpdateGroup", "Rename or describe a group.")
                .body(BceUpdate::schema())
                .answers(200, GroupModel::schema())
                .errors(&[409]),
        )
        .delete(
            delete,
            b(
                "bceDeleteGroup",
                "Delete a group without members or grants.",
            )
            .empty(204)
            .errors(&[409]),
        );
    t.at("/v1/group/{group_name}/user").get(
        users,
        b("bceListGroupUsers", "A group's members.")
            .answers(200, bce_list_of("users", UserModel::schema())),
    );
    t.at("/v1/group/{group_name}/user/{user_name}")
        .put(add_user, b("bceAddUserToGroup", "Add a member.").empty(204))
        .delete(
            remove_user,
            b("bceRemoveUserFromGroup", "Remove a member.").empty(204),
        );
    t.at("/v1/user/{user_name}/group").get(
        of_user,
        b("bceListUserGroups", "The groups a user belongs to.")
            .answers(200, bce_list_of("groups", GroupModel::schema())),
    );
}
