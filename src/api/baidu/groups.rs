//! Baidu's group API (`/v1/group...`, `/v1/user/{userName}/group`) on Keystone's groups:
//! the same rows as `/v3/groups`, named instead of numbered.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use super::caller::BceCaller;
use super::{bce_list, first_page, group_named, user_named, GroupModel, UserModel};
use crate::api::http::extract::{BodyObject, JsonBody};
use crate::api::v3::groups::{group_target, membership_target};
use crate::api::v3::users::user_target;
use crate::auth::policy::ceiling::{self, Membership};
use crate::auth::policy::glue::authorize;
use crate::auth::policy::{self, Target};
use crate::cache::Tag;
use crate::db::groups::{self as store, GroupChanges, GroupFilter};
use crate::db::models::GroupRow;
use crate::db::users::{self as user_store, UserFilter};
use crate::db::{self, DbConn, StoreError};
use crate::domain::values::{Description, Name};
use crate::domain::{new_id, now_ms};
use crate::error::ApiError;
use crate::state::AppState;

fn group_response(status: StatusCode, group: GroupRow) -> HttpResponse {
    HttpResponse::build(status).json(GroupModel::from(group))
}

/// `name` and `description` of a create or update body. Baidu ignores fields it does not
/// know, so they are not kept.
fn name_and_description(body: JsonBody) -> Result<(Option<Name>, Option<Description>), ApiError> {
    let mut body = BodyObject::from_body(body.into_value()?)?;
    let name = body
        .take_string("name")?
        .map(|n| Name::parse("name", &n))
        .transpose()?;
    let description = match body.take_nullable_string("description")? {
        Some(Some(d)) => Some(Description::parse("description", &d)?),
        Some(None) => Some(Description::default()),
        None => None,
    };
    Ok((name, description))
}

/// Loads the named group of the caller's account and enforces `rule` on it.
async fn load_group(
    state: &AppState,
    caller: &BceCaller,
    name: String,
    rule: &policy::Policy,
) -> Result<GroupRow, ApiError> {
    let account = caller.account.clone();
    let group = db::run(&state.pool, move |conn| group_named(conn, &account, &name)).await;
    authorize(&caller.ctx, rule, group, group_target)
}

/// Loads the named group for a change under `rule`: Keystone's rule, then the manager's
/// ceiling, as on `/v3`.
async fn load_group_to_change(
    state: &AppState,
    caller: &BceCaller,
    name: String,
    rule: &policy::Policy,
) -> Result<GroupRow, ApiError> {
    let group = load_group(state, caller, name, rule).await?;
    ceiling::check_group(state, &caller.ctx, rule, &group.id).await?;
    Ok(group)
}

/// `POST /v1/group` (201).
pub async fn create(
    state: web::Data<AppState>,
    caller: BceCaller,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let (name, description) = name_and_description(body)?;
    let name = name.ok_or_else(|| ApiError::invalid_field("name", "'name' is required"))?;
    policy::enforce(
        &caller.ctx,
        &policy::CREATE_GROUP,
        &Target {
            group_domain_id: Some(&caller.account),
            ..Target::default()
        },
    )?;
    let row = GroupRow {
        id: new_id(),
        name: name.into_inner(),
        domain_id: caller.account,
        description: description.unwrap_or_default().into_inner(),
        extra: "{}".into(),
        create_time: now_ms(),
    };
    let created = db::run(&state.pool, move |conn| store::create_group(conn, row)).await?;
    state.changed(&[Tag::Groups]);
    Ok(group_response(StatusCode::CREATED, created))
}

/// `GET /v1/group/{groupName}`.
pub async fn show(
    state: web::Data<AppState>,
    caller: BceCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let group = load_group(&state, &caller, path.into_inner(), &policy::GET_GROUP).await?;
    Ok(group_response(StatusCode::OK, group))
}

/// `PUT /v1/group/{groupName}`: a new `name`, `description`, or both.
pub async fn update(
    state: web::Data<AppState>,
    caller: BceCaller,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let (name, description) = name_and_description(body)?;
    let group =
        load_group_to_change(&state, &caller, path.into_inner(), &policy::UPDATE_GROUP).await?;
    let changes = GroupChanges {
        name: name.map(Name::into_inner),
        description: description.map(Description::into_inner),
        extra: serde_json::Map::new(),
    };
    let updated = db::run(&state.pool, move |conn| {
        store::update_group(conn, &group.id, changes)
    })
    .await?;
    state.changed(&[Tag::Groups]);
    Ok(group_response(StatusCode::OK, updated))
}

/// `DELETE /v1/group/{groupName}` (204): refused while the group has members or grants,
/// as Baidu's page says.
pub async fn delete(
    state: web::Data<AppState>,
    caller: BceCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let group =
        load_group_to_change(&state, &caller, path.into_inner(), &policy::DELETE_GROUP).await?;
    let members = Tag::group_members(&group.id);
    db::run(&state.pool, move |conn| {
        store::delete_group_if_unused(conn, &group)
    })
    .await?;
    state.changed(&[Tag::Groups, members, Tag::Authz]);
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /v1/group`: the account's groups.
pub async fn list(state: web::Data<AppState>, caller: BceCaller) -> Result<HttpResponse, ApiError> {
    policy::enforce(
        &caller.ctx,
        &policy::LIST_GROUPS,
        &Target {
            group_domain_id: Some(&caller.account),
            ..Target::default()
        },
    )?;
    let filter = GroupFilter {
        domain_id: Some(caller.account),
        ..GroupFilter::default()
    };
    let page = first_page(state.settings.identity.list_limit);
    let groups = db::run(&state.pool, move |conn| {
        store::list_groups(conn, &filter, &page)
    })
    .await?;
    Ok(bce_list::<_, GroupModel>("groups", groups))
}

/// `GET /v1/group/{groupName}/user`: the group's members.
pub async fn users(
    state: web::Data<AppState>,
    caller: BceCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let rule = &policy::LIST_USERS_IN_GROUP;
    let group = load_group(&state, &caller, path.into_inner(), rule).await?;
    let page = first_page(state.settings.identity.list_limit);
    let users = db::run(&state.pool, move |conn| {
        user_store::list_users_in_group(conn, &group.id, &UserFilter::default(), &page)
    })
    .await?;
    Ok(bce_list::<_, UserModel>("users", users))
}

/// `GET /v1/user/{userName}/group`: the groups a user belongs to.
pub async fn of_user(
    state: web::Data<AppState>,
    caller: BceCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (account, name) = (caller.account.clone(), path.into_inner());
    let user = db::run(&state.pool, move |conn| user_named(conn, &account, &name)).await;
    let user = authorize(
        &caller.ctx,
        &policy::LIST_GROUPS_FOR_USER,
        user,
        user_target,
    )?;
    let page = first_page(state.settings.identity.list_limit);
    let groups = db::run(&state.pool, move |conn| {
        store::list_groups_for_user(conn, &user.id, &page)
    })
    .await?;
    Ok(bce_list::<_, GroupModel>("groups", groups))
}

/// One membership change: load the named group and user, enforce, act, 204.
async fn membership_call(
    state: &AppState,
    caller: &BceCaller,
    path: web::Path<(String, String)>,
    rule: &policy::Policy,
    act: fn(&mut DbConn, &str, &str) -> Result<(), StoreError>,
    change: Membership,
) -> Result<HttpResponse, ApiError> {
    let (group_name, user_name) = path.into_inner();
    let account = caller.account.clone();
    let pair = db::run(&state.pool, move |conn| {
        let group = group_named(conn, &account, &group_name)?;
        let user = user_named(conn, &account, &user_name)?;
        Ok::<_, ApiError>((group, user))
    })
    .await;
    let (group, user) = authorize(&caller.ctx, rule, pair, membership_target)?;
    ceiling::check_membership(state, &caller.ctx, rule, change, &group.id, &user.id).await?;
    let tags = [Tag::group_members(&group.id), Tag::principal(&user.id)];
    db::run(&state.pool, move |conn| act(conn, &user.id, &group.id)).await?;
    state.changed(&tags);
    Ok(HttpResponse::NoContent().finish())
}

/// `PUT /v1/group/{groupName}/user/{userName}` (204), idempotent.
pub async fn add_user(
    state: web::Data<AppState>,
    caller: BceCaller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let rule = &policy::ADD_USER_TO_GROUP;
    let add = Membership::Add;
    membership_call(&state, &caller, path, rule, store::add_user_to_group, add).await
}

/// `DELETE /v1/group/{groupName}/user/{userName}` (204).
pub async fn remove_user(
    state: web::Data<AppState>,
    caller: BceCaller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let rule = &policy::REMOVE_USER_FROM_GROUP;
    let remove = Membership::Remove;
    membership_call(
        &state,
        &caller,
        path,
        rule,
        store::remove_user_from_group,
        remove,
    )
    .await
}
