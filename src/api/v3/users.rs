//! `/v3/users`: Keystone v3 users, the members of groups.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::api::http::envelope::{collection, parse_extra, SelfLink};
use crate::api::http::extract::{BaseUrl, BodyObject, JsonBody};
use crate::api::http::query::ListQuery;
use crate::auth::policy::ceiling;
use crate::auth::policy::glue::{authorize, list_domain};
use crate::auth::policy::{self, Target};
use crate::auth::AuthContext;
use crate::cache::Tag;
use crate::db::models::UserRow;
use crate::db::users::{UserChanges, UserFilter};
use crate::db::{self, users as store};
use crate::domain::values::{Description, Name, NameFilter, ResourceId};
use crate::domain::{keystone_time_from_micros, new_id, now_ms};
use crate::error::ApiError;
use crate::state::AppState;
use crate::token::password as login;

/// A user as every response shows it. The password hash never leaves the database layer.
#[derive(Serialize)]
pub struct UserView {
    #[serde(flatten)]
    extra: Map<String, Value>,
    id: String,
    name: String,
    domain_id: String,
    enabled: bool,
    description: String,
    password_expires_at: Option<String>,
    options: Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default_project_id: Option<String>,
    links: SelfLink,
}

pub fn user_json(user: &UserRow, base: &BaseUrl) -> UserView {
    UserView {
        extra: parse_extra(&user.extra),
        links: SelfLink {
            self_link: base.join(&format!("/v3/users/{}", user.id)),
        },
        password_expires_at: user
            .password_expires_at
            .map(|ms| keystone_time_from_micros(ms * 1000)),
        id: user.id.clone(),
        name: user.name.clone(),
        domain_id: user.domain_id.clone(),
        enabled: user.enabled,
        description: user.description.clone(),
        options: Map::new(),
        default_project_id: user.default_project_id.clone(),
    }
}

/// A user as a policy target.
pub fn user_target(user: &UserRow) -> Target<'_> {
    Target {
        user_id: Some(&user.id),
        user_domain_id: Some(&user.domain_id),
        ..Target::default()
    }
}

fn user_response(status: StatusCode, user: UserRow, base: &BaseUrl) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "user": user_json(&user, base) }))
}

fn token_lifetime_ms(state: &AppState) -> i64 {
    state.settings.token.expiration * 1000
}

/// `POST /v3/users`.
pub async fn create(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let mut user = BodyObject::unwrap_from(body.into_value()?, "user")?;
    let name = user
        .take_string("name")?
        .ok_or_else(|| ApiError::invalid_field("name", "'name' is a required property"))?;
    let name = Name::parse("name", &name)?;
    let domain_id = match user.take_string("domain_id")? {
        Some(id) => ResourceId::parse("domain_id", &id)?.into_inner(),
        None => caller
            .scope_domain_id()
            .map(str::to_owned)
            .unwrap_or_else(|| state.settings.identity.default_domain_id.clone()),
    };
    let enabled = user.take_bool("enabled")?.unwrap_or(true);
    let description = match user.take_nullable_string("description")? {
        Some(Some(d)) => Description::parse("description", &d)?.into_inner(),
        _ => String::new(),
    };
    let password = user
        .take_nullable_string("password")?
        .flatten()
        .map(|p| state.password_rules.parse("password", &p))
        .transpose()?;
    let default_project_id = user
        .take_nullable_string("default_project_id")?
        .flatten()
        .map(|p| ResourceId::parse("default_project_id", &p))
        .transpose()?
        .map(ResourceId::into_inner);
    let extra = user.into_extra();
    policy::enforce(
        &caller,
        &policy::CREATE_USER,
        &Target {
            user_domain_id: Some(&domain_id),
            ..Target::default()
        },
    )?;
    let password_hash = match password {
        Some(p) => Some(state.hash_password(p).await?),
        None => None,
    };
    let row = UserRow {
        id: new_id(),
        name: name.into_inner(),
        domain_id,
        enabled,
        description,
        password_hash,
        password_expires_at: None,
        default_project_id,
        extra: Value::Object(extra).to_string(),
        created_at: now_ms(),
        failed_auth_count: 0,
        failed_auth_at: None,
    };
    let created = db::run(&state.pool, move |conn| store::create_user(conn, row)).await?;
    // A new user is in no group and holds nothing: no cached answer counted them.
    state.changed(&[]);
    Ok(user_response(StatusCode::CREATED, created, &base))
}

/// `GET /v3/users`: `name`, `domain_id`, `enabled`, `limit`, `marker`.
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = ListQuery::from_request(&req)?;
    let filter = user_filter(&query, list_domain(&caller, query.get("domain_id")))?;
    let page = query.page(&state.settings)?;
    policy::enforce(
        &caller,
        &policy::LIST_USERS,
        &Target {
            list_domain_id: filter.domain_id.as_deref(),
            ..Target::default()
        },
    )?;
    let request = page.clone();
    let users = db::run(&state.pool, move |conn| {
        store::list_users(conn, &filter, &page)
    })
    .await?;
    let users = users.map(|u| user_json(&u, &base));
    Ok(HttpResponse::Ok().json(collection("users", users, &request, &base, &req, &query)))
}

/// The filters every list of users takes (Keystone's `name`, `enabled`, `domain_id`,
/// `password_expires_at`, and the `name__*` comparators), with the domain as the list
/// applies it.
pub fn user_filter(query: &ListQuery, domain_id: Option<String>) -> Result<UserFilter, ApiError> {
    Ok(UserFilter {
        name: query
            .get("name")
            .map(|n| NameFilter::parse("name", n))
            .transpose()?
            .map(|n| n.as_str().to_owned()),
        domain_id,
        name_matches: query.string_matches("name")?,
        enabled: query.get_bool("enabled")?,
        password_expires: query.time_matches("password_expires_at")?,
    })
}

/// `GET /v3/users/{user_id}`: admins, and users for themselves.
pub async fn show(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user_id = path.into_inner();
    let user = db::run(&state.pool, move |conn| store::get_user(conn, &user_id)).await;
    let user = authorize(&caller, &policy::GET_USER, user, user_target)?;
    Ok(user_response(StatusCode::OK, user, &base))
}

/// `PATCH /v3/users/{user_id}`. A new password revokes the user's tokens; disabling the
/// user makes every token of theirs fail validation.
pub async fn update(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let user_id = path.into_inner();
    let mut user = BodyObject::unwrap_from(body.into_value()?, "user")?;
    if user.is_empty() {
        return Err(ApiError::Validation(
            "Invalid input for field 'user': {} does not have enough properties".into(),
        ));
    }
    let name = user
        .take_string("name")?
        .map(|n| Name::parse("name", &n))
        .transpose()?
        .map(Name::into_inner);
    let enabled = user.take_bool("enabled")?;
    let description = match user.take_nullable_string("description")? {
        Some(Some(d)) => Some(Description::parse("description", &d)?.into_inner()),
        Some(None) => Some(String::new()),
        None => None,
    };
    let password = user
        .take_nullable_string("password")?
        .flatten()
        .map(|p| state.password_rules.parse("password", &p))
        .transpose()?;
    let default_project_id = match user.take_nullable_string("default_project_id")? {
        Some(Some(p)) => Some(Some(
            ResourceId::parse("default_project_id", &p)?.into_inner(),
        )),
        Some(None) => Some(None),
        None => None,
    };
    let new_domain = user.take_string("domain_id")?;
    let claimed_id = user.take_string("id")?;
    let extra = user.into_extra();
    let lookup_id = user_id.clone();
    let current = db::run(&state.pool, move |conn| store::get_user(conn, &lookup_id)).await;
    let current = authorize(&caller, &policy::UPDATE_USER, current, user_target)?;
    // Any change counts, not only a password: disabling or renaming an admin is a
    // takeover of a kind too.
    ceiling::check_user(&state, &caller, &policy::UPDATE_USER, &current.id).await?;
    let password_hash = match password {
        Some(p) => Some(state.hash_password(p).await?),
        None => None,
    };
    let changes = UserChanges {
        name,
        enabled,
        description,
        password_hash,
        default_project_id,
        extra,
    };
    let lifetime = token_lifetime_ms(&state);
    let updated = db::run(&state.pool, move |conn| {
        if claimed_id.is_some_and(|id| id != current.id) {
            return Err(ApiError::Validation("Cannot change ID".into()));
        }
        if new_domain.is_some_and(|d| d != current.domain_id) {
            return Err(ApiError::Validation("Cannot change Domain ID".into()));
        }
        store::update_user(conn, &user_id, changes, lifetime)
    })
    .await?;
    // Their tokens, and every list of members that shows them.
    state.changed(&[Tag::principal(&updated.id), Tag::Users]);
    Ok(user_response(StatusCode::OK, updated, &base))
}

/// `DELETE /v3/users/{user_id}`: memberships and grants go with the user.
pub async fn delete(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user_id = path.into_inner();
    let lookup_id = user_id.clone();
    let user = db::run(&state.pool, move |conn| store::get_user(conn, &lookup_id)).await;
    let user = authorize(&caller, &policy::DELETE_USER, user, user_target)?;
    ceiling::check_user(&state, &caller, &policy::DELETE_USER, &user.id).await?;
    let tags = [Tag::principal(&user_id), Tag::Users];
    db::run(&state.pool, move |conn| store::delete_user(conn, &user_id)).await?;
    state.changed(&tags);
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /v3/users/{user_id}/password`: a user changes their own password, giving the
/// current one. Their earlier tokens stop working.
pub async fn change_password(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let user_id = path.into_inner();
    let mut user = BodyObject::unwrap_from(body.into_value()?, "user")?;
    let original = user.take_string("original_password")?.ok_or_else(|| {
        ApiError::invalid_field(
            "original_password",
            "'original_password' is a required property",
        )
    })?;
    let password = user
        .take_string("password")?
        .ok_or_else(|| ApiError::invalid_field("password", "'password' is a required property"))?;
    let password = state.password_rules.parse("password", &password)?;
    let lookup_id = user_id.clone();
    let current = db::run(&state.pool, move |conn| store::get_user(conn, &lookup_id)).await;
    let current = authorize(&caller, &policy::CHANGE_PASSWORD, current, user_target)?;
    // As in Keystone, proving the original password is a login: it counts towards the
    // lockout, and a locked account cannot change its password.
    login::check_password(&state, Some(current), original).await?;
    let hash = state.hash_password(password).await?;
    let lifetime = token_lifetime_ms(&state);
    let tags = [Tag::principal(&user_id)];
    db::run(&state.pool, move |conn| {
        store::update_user(
            conn,
            &user_id,
            UserChanges {
                password_hash: Some(hash),
                ..UserChanges::default()
            },
            lifetime,
        )
    })
    .await?;
    // Only this user's tokens: nothing cached shows a password.
    state.changed(&tags);
    Ok(HttpResponse::NoContent().finish())
}
