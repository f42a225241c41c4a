//! `/v3/groups` and memberships: Huawei IAM's user-group API on Keystone v3.
//! Each handler: validate, load the target, enforce policy, act, wrap.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::{json, Value};

use crate::api::http::envelope::{json_body, page_key, parse_extra, render_page, LinkTo};
use crate::api::http::extract::{BaseUrl, BodyObject, JsonBody};
use crate::api::http::query::ListQuery;
use crate::api::v3::users::{user_filter, user_json};
use crate::assignment::ceiling;
use crate::auth::policy::glue::{authorize, list_domain, needs_target};
use crate::auth::policy::{self, Target};
use crate::auth::AuthContext;
use crate::cache::Tag;
use crate::db::groups::{GroupChanges, GroupFilter};
use crate::db::models::{GroupRow, UserRow};
use crate::db::{self, groups as store, users as users_store};
use crate::domain::values::{Description, Name, NameFilter, ResourceId};
use crate::domain::{new_id, now_ms};
use crate::error::ApiError;
use crate::identity::{membership, Ref};
use crate::state::AppState;

/// A group as every response shows it: Keystone's fields, Huawei's `create_time` and
/// `links`, and any extra attributes it was given. It borrows the row, and its self link
/// is written straight into the output, so a page of 1,000 groups allocates no strings.
pub struct GroupView<'a> {
    group: &'a GroupRow,
    base: &'a BaseUrl,
}

pub fn group_json<'a>(group: &'a GroupRow, base: &'a BaseUrl) -> GroupView<'a> {
    GroupView { group, base }
}

impl Serialize for GroupView<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let g = self.group;
        // Extra attributes first, as `#[serde(flatten)]` wrote them before.
        let extra = parse_extra(&g.extra);
        let mut map = serializer.serialize_map(Some(extra.len() + 6))?;
        for (key, value) in &extra {
            map.serialize_entry(key, value)?;
        }
        map.serialize_entry("id", &g.id)?;
        map.serialize_entry("name", &g.name)?;
        map.serialize_entry("description", &g.description)?;
        map.serialize_entry("domain_id", &g.domain_id)?;
        map.serialize_entry("create_time", &g.create_time)?;
        map.serialize_entry(
            "links",
            &LinkTo {
                base: self.base,
                path: "/v3/groups/",
                id: &g.id,
            },
        )?;
        map.end()
    }
}

fn group_response(
    status: actix_web::http::StatusCode,
    group: GroupRow,
    base: &BaseUrl,
) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "group": group_json(&group, base) }))
}

pub fn group_target(group: &GroupRow) -> Target<'_> {
    Target {
        group_domain_id: Some(&group.domain_id),
        ..Target::default()
    }
}

/// Where a new group goes when the body names no domain: the token's, then the default.
fn default_domain(caller: &AuthContext, state: &AppState) -> String {
    caller
        .scope_domain_id()
        .map(str::to_owned)
        .unwrap_or_else(|| state.settings.identity.default_domain_id.clone())
}

/// `POST /v3/groups` (KeystoneCreateGroup).
pub async fn create(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let mut group = BodyObject::unwrap_from(body.into_value()?, "group")?;
    let name = group
        .take_string("name")?
        .ok_or_else(|| ApiError::invalid_field("name", "'name' is a required property"))?;
    let name = Name::parse("name", &name)?;
    let description = match group.take_nullable_string("description")? {
        Some(Some(d)) => Description::parse("description", &d)?,
        _ => Description::default(),
    };
    let domain_id = match group.take_string("domain_id")? {
        Some(id) => ResourceId::parse("domain_id", &id)?.into_inner(),
        None => default_domain(&caller, &state),
    };
    let extra = group.into_extra();
    policy::enforce(
        &caller,
        &policy::CREATE_GROUP,
        &Target {
            group_domain_id: Some(&domain_id),
            ..Target::default()
        },
    )?;
    let row = GroupRow {
        id: new_id(),
        name: name.into_inner(),
        domain_id,
        description: description.into_inner(),
        extra: Value::Object(extra).to_string(),
        create_time: now_ms(),
    };
    let created = db::run(&state.pool, move |conn| store::create_group(conn, row)).await?;
    state.changed(&[Tag::Groups]);
    Ok(group_response(
        actix_web::http::StatusCode::CREATED,
        created,
        &base,
    ))
}

/// `GET /v3/groups` (KeystoneListGroups): `name`, `domain_id`, `limit`, `marker`.
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = ListQuery::from_request(&req)?;
    let filter = GroupFilter {
        name: query
            .get("name")
            .map(|n| NameFilter::parse("name", n))
            .transpose()?
            .map(|n| n.as_str().to_owned()),
        domain_id: list_domain(&caller, query.get("domain_id")),
        name_matches: query.string_matches("name")?,
    };
    let page = query.page(&state.settings)?;
    policy::enforce(
        &caller,
        &policy::LIST_GROUPS,
        &Target {
            group_domain_id: filter.domain_id.as_deref(),
            ..Target::default()
        },
    )?;
    let request = page.clone();
    let key = page_key(&format!("groups:list:{filter:?}:{page:?}"), &base, &req);
    let body = state
        .cached_page(
            key,
            &[Tag::Groups],
            move |conn| store::list_groups(conn, &filter, &page),
            |groups| render_page("groups", &groups, group_json, &request, &base, &req, &query),
        )
        .await?;
    Ok(json_body(body))
}

/// `GET /v3/groups/{group_id}` (KeystoneShowGroup).
pub async fn show(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let group_id = path.into_inner();
    let group = db::run(&state.pool, move |conn| store::get_group(conn, &group_id)).await;
    let group = authorize(&caller, &policy::GET_GROUP, group, group_target)?;
    Ok(group_response(
        actix_web::http::StatusCode::OK,
        group,
        &base,
    ))
}

/// `PATCH /v3/groups/{group_id}` (KeystoneUpdateGroup): name, description, extras.
pub async fn update(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let group_id = path.into_inner();
    let mut group = BodyObject::unwrap_from(body.into_value()?, "group")?;
    if group.is_empty() {
        return Err(ApiError::Validation(
            "Invalid input for field 'group': {} does not have enough properties".into(),
        ));
    }
    let name = group
        .take_string("name")?
        .map(|n| Name::parse("name", &n))
        .transpose()?
        .map(Name::into_inner);
    let description = match group.take_nullable_string("description")? {
        Some(Some(d)) => Some(Description::parse("description", &d)?.into_inner()),
        Some(None) => Some(String::new()),
        None => None,
    };
    let new_domain = group.take_string("domain_id")?;
    let claimed_id = group.take_string("id")?;
    let extra = group.into_extra();
    let lookup_id = group_id.clone();
    let current = db::run(&state.pool, move |conn| store::get_group(conn, &lookup_id)).await;
    let current = authorize(&caller, &policy::UPDATE_GROUP, current, group_target)?;
    ceiling::check_group(&state, &caller, &policy::UPDATE_GROUP, &current.id).await?;
    let changes = GroupChanges {
        name,
        description,
        extra,
    };
    let updated = db::run(&state.pool, move |conn| {
        if claimed_id.is_some_and(|id| id != current.id) {
            return Err(ApiError::Validation("Cannot change ID".into()));
        }
        if new_domain.is_some_and(|d| d != current.domain_id) {
            return Err(ApiError::Validation("Cannot change Domain ID".into()));
        }
        Ok(store::update_group(conn, &group_id, changes)?)
    })
    .await?;
    // Lists of groups show its name; a group's members do not.
    state.changed(&[Tag::Groups]);
    Ok(group_response(
        actix_web::http::StatusCode::OK,
        updated,
        &base,
    ))
}

/// `DELETE /v3/groups/{group_id}` (KeystoneDeleteGroup).
pub async fn delete(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let group_id = path.into_inner();
    let lookup_id = group_id.clone();
    let group = db::run(&state.pool, move |conn| store::get_group(conn, &lookup_id)).await;
    let group = authorize(&caller, &policy::DELETE_GROUP, group, group_target)?;
    // Deleting a privileged group takes its roles from the admins in it: refused like
    // deleting an admin user.
    ceiling::check_group(&state, &caller, &policy::DELETE_GROUP, &group.id).await?;
    let members = Tag::group_members(&group_id);
    db::run(&state.pool, move |conn| {
        store::delete_group(conn, &group_id)
    })
    .await?;
    // Its members lose the roles its grants gave them.
    state.changed(&[Tag::Groups, members, Tag::Authz]);
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
    let group_id = path.into_inner();
    let query = ListQuery::from_request(&req)?;
    // The group's policy decides who may list; `domain_id` is a filter on the members, as
    // in Keystone, not the caller's domain forced onto the list.
    let domain_id = query
        .get("domain_id")
        .map(|d| ResourceId::parse("domain_id", d))
        .transpose()?
        .map(|d| d.as_str().to_owned());
    let filter = user_filter(&query, domain_id)?;
    let page = query.page(&state.settings)?;
    let rule = &policy::LIST_USERS_IN_GROUP;
    if needs_target(&caller, rule) {
        let lookup_id = group_id.clone();
        let group = db::run(&state.pool, move |conn| store::get_group(conn, &lookup_id)).await;
        authorize(&caller, rule, group, group_target)?;
    }
    let request = page.clone();
    let key = page_key(
        &format!("groups:users:{group_id}:{filter:?}:{page:?}"),
        &base,
        &req,
    );
    let tags = [Tag::group_members(&group_id), Tag::Users, Tag::Groups];
    let body = state
        .cached_page(
            key,
            &tags,
            move |conn| users_store::list_users_in_group(conn, &group_id, &filter, &page),
            |users| render_page("users", &users, user_json, &request, &base, &req, &query),
        )
        .await?;
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
/// themselves.
pub async fn list_for_user(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user_id = path.into_inner();
    let query = ListQuery::from_request(&req)?;
    let page = query.page(&state.settings)?;
    let rule = &policy::LIST_GROUPS_FOR_USER;
    if needs_target(&caller, rule) {
        let lookup_id = user_id.clone();
        let user = db::run(&state.pool, move |conn| {
            users_store::get_user(conn, &lookup_id)
        })
        .await;
        authorize(&caller, rule, user, |u: &UserRow| Target {
            user_id: Some(&u.id),
            user_domain_id: Some(&u.domain_id),
            ..Target::default()
        })?;
    }
    let request = page.clone();
    let key = page_key(&format!("groups:of-user:{user_id}:{page:?}"), &base, &req);
    let tags = [Tag::principal(&user_id), Tag::Groups];
    let body = state
        .cached_page(
            key,
            &tags,
            move |conn| store::list_groups_for_user(conn, &user_id, &page),
            |groups| render_page("groups", &groups, group_json, &request, &base, &req, &query),
        )
        .await?;
    Ok(json_body(body))
}
