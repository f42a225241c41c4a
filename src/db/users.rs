//! Users, after Keystone's identity SQL driver.

use diesel::prelude::*;

use super::error::StoreError;
use super::groups::{get_group, get_user_exists, merge_extra};
use super::models::UserRow;
use super::names_no_row;
use super::revocations::Revoked;
use super::schema::{assignments, user_group_membership as membership, users};
use super::{
    is_unique_violation, paginate, resources, revocations, string_match, write_tx, DbConn,
};
use crate::domain::filter::{StringMatch, TimeMatch, TimeOp};
use crate::domain::lockout::Lockout;
use crate::domain::page::{Page, PageRequest};

/// Filters of `GET /v3/users` and of `GET /v3/groups/{id}/users`.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub name: Option<String>,
    pub domain_id: Option<String>,
    /// `name__contains` and the other string comparators.
    pub name_matches: Vec<StringMatch>,
    pub enabled: Option<bool>,
    /// `password_expires_at=[op:]timestamp`, all of which must hold.
    pub password_expires: Vec<TimeMatch>,
}

/// Applies a [`UserFilter`] to a boxed query that has the `users` columns in its FROM (the
/// users table alone, or joined with memberships): one set of filters for every user list.
macro_rules! filter_users {
    ($query:expr, $filter:expr, $backend:expr) => {{
        let filter: &UserFilter = $filter;
        let mut query = $query;
        for m in &filter.name_matches {
            query = query.filter(string_match($backend, r#""users"."name""#, m));
        }
        if let Some(name) = &filter.name {
            query = query.filter(users::name.eq(name.clone()));
        }
        if let Some(domain_id) = &filter.domain_id {
            query = query.filter(users::domain_id.eq(domain_id.clone()));
        }
        if let Some(enabled) = filter.enabled {
            query = query.filter(users::enabled.eq(enabled));
        }
        for t in &filter.password_expires {
            let column = users::password_expires_at;
            query = match t.op {
                TimeOp::Lt => query.filter(column.lt(t.at_ms)),
                TimeOp::Lte => query.filter(column.le(t.at_ms)),
                TimeOp::Gt => query.filter(column.gt(t.at_ms)),
                TimeOp::Gte => query.filter(column.ge(t.at_ms)),
                TimeOp::Eq => query.filter(column.eq(t.at_ms)),
                TimeOp::Neq => query.filter(column.ne(t.at_ms)),
            };
        }
        query
    }};
}

/// Changes of `PATCH /v3/users/{id}`; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub name: Option<String>,
    pub enabled: Option<bool>,
    pub description: Option<String>,
    /// A new password hash; tokens issued before it stop working.
    pub password_hash: Option<String>,
    pub default_project_id: Option<Option<String>>,
    pub extra: serde_json::Map<String, serde_json::Value>,
}

fn duplicate(name: &str, domain_id: &str) -> StoreError {
    StoreError::Conflict {
        what: "user",
        detail: format!("Duplicate entry found with name {name} at domain ID {domain_id}"),
    }
}

/// Keystone `create_user`, with room under `limit` in the user's domain
/// (`quota.users_per_domain`).
pub fn create_user(
    conn: &mut DbConn,
    user: UserRow,
    limit: Option<u32>,
) -> Result<UserRow, StoreError> {
    write_tx(conn, |conn| {
        resources::get_domain(conn, &user.domain_id)?;
        super::quota::room_for_user(conn, &user.domain_id, limit)?;
        if let Some(project_id) = &user.default_project_id {
            resources::get_project(conn, project_id)?;
        }
        match diesel::insert_into(users::table)
            .values(&user)
            .execute(conn)
        {
            Ok(_) => Ok(user),
            Err(e) if is_unique_violation(&e) => Err(duplicate(&user.name, &user.domain_id)),
            Err(e) => Err(e.into()),
        }
    })
}

/// Keystone `get_user`.
pub fn get_user(conn: &mut DbConn, user_id: &str) -> Result<UserRow, StoreError> {
    if names_no_row(user_id) {
        return Err(StoreError::not_found("user", user_id));
    }
    users::table
        .find(user_id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found("user", user_id))
}

/// Keystone `get_user_by_name`.
pub fn find_user_by_name(
    conn: &mut DbConn,
    name: &str,
    domain_id: &str,
) -> Result<Option<UserRow>, StoreError> {
    if names_no_row(name) || names_no_row(domain_id) {
        return Ok(None);
    }
    Ok(users::table
        .filter(users::name.eq(name))
        .filter(users::domain_id.eq(domain_id))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

/// Keystone `list_users`, filtered, ordered by id, paged.
pub fn list_users(
    conn: &mut DbConn,
    filter: &UserFilter,
    page: &PageRequest,
) -> Result<Page<UserRow>, StoreError> {
    if let Some(marker) = &page.marker {
        get_user(conn, marker)?;
    }
    let backend = conn.backend();
    paginate(
        page,
        |u: &UserRow| &u.id,
        |window| {
            let query = users::table.select(UserRow::as_select()).into_boxed();
            let query = filter_users!(query, filter, backend);
            windowed!(query, users::id, window).load(conn)
        },
    )
}

/// Keystone `list_users_in_group`, filtered as `list_users` is, ordered by user id, paged.
pub fn list_users_in_group(
    conn: &mut DbConn,
    group_id: &str,
    filter: &UserFilter,
    page: &PageRequest,
) -> Result<Page<UserRow>, StoreError> {
    get_group(conn, group_id)?;
    if let Some(marker) = &page.marker {
        get_user_exists(conn, marker)?;
    }
    let backend = conn.backend();
    paginate(
        page,
        |u: &UserRow| &u.id,
        |window| {
            let query = users::table
                .inner_join(membership::table)
                .filter(membership::group_id.eq(group_id))
                .select(UserRow::as_select())
                .into_boxed();
            let query = filter_users!(query, filter, backend);
            // Ordered by the membership key, the same value as the user id: the
            // (group_id, user_id) index then serves the order, where ordering by the
            // users table made SQLite walk every user at scale.
            windowed!(query, membership::user_id, window).load(conn)
        },
    )
}

/// Keystone `update_user`. A new password revokes the user's earlier tokens, and so does
/// disabling the user: enabling them again does not bring those tokens back.
pub fn update_user(
    conn: &mut DbConn,
    user_id: &str,
    changes: UserChanges,
    token_lifetime_ms: i64,
) -> Result<UserRow, StoreError> {
    let disables = changes.enabled == Some(false);
    let updated = write_tx(conn, |conn| {
        let mut user = get_user(conn, user_id)?;
        if let Some(name) = changes.name {
            user.name = name;
        }
        if let Some(enabled) = changes.enabled {
            user.enabled = enabled;
        }
        if disables {
            // Keystone deletes a disabled user's application credentials.
            super::application_credentials::delete_for_user(conn, user_id)?;
        }
        if let Some(description) = changes.description {
            user.description = description;
        }
        if let Some(default_project_id) = changes.default_project_id {
            if let Some(project_id) = &default_project_id {
                resources::get_project(conn, project_id)?;
            }
            user.default_project_id = default_project_id;
        }
        let password_changed = changes.password_hash.is_some();
        if let Some(hash) = changes.password_hash {
            user.password_hash = Some(hash);
        }
        if !changes.extra.is_empty() {
            user.extra = merge_extra(&user.extra, changes.extra);
        }
        let result = diesel::update(users::table.find(user_id))
            .set((
                users::name.eq(&user.name),
                users::enabled.eq(user.enabled),
                users::description.eq(&user.description),
                users::password_hash.eq(&user.password_hash),
                users::default_project_id.eq(&user.default_project_id),
                users::extra.eq(&user.extra),
            ))
            .execute(conn);
        match result {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(duplicate(&user.name, &user.domain_id))
            }
            Err(e) => return Err(e.into()),
        }
        if password_changed || disables {
            revocations::revoke(conn, Revoked::User(user_id), token_lifetime_ms)?;
        }
        // Keystone clears the lockout when a user is (re-)enabled; a password set by an
        // admin clears it too. Only these columns, so that failures counted meanwhile by
        // another instance are not overwritten with the count read above.
        if changes.enabled == Some(true) || password_changed {
            reset_failed_auth(conn, user_id)?;
            user.failed_auth_count = 0;
            user.failed_auth_at = None;
        }
        Ok(user)
    })?;
    if disables {
        // Again after the commit: see `revocations::revoke`. (A password change needs no
        // second event: its tokens carry the password's stamp, which no longer matches.)
        revocations::revoke(conn, Revoked::User(user_id), token_lifetime_ms)?;
    }
    Ok(updated)
}

/// Keystone's `_is_account_locked` and `_record_failed_auth` as one atomic step, taken
/// before the password is checked: forgets a lock that has run out, then counts this
/// attempt unless the account is locked. True if the attempt may go on. Counting first
/// means concurrent guesses, on this instance or another, get no more than
/// `max_failures` checks between them; a correct password then resets the count. The
/// conditions are [`Lockout::is_locked`] in SQL, so that each step is one atomic UPDATE.
pub fn claim_password_attempt(
    conn: &mut DbConn,
    user_id: &str,
    lockout: &Lockout,
    now_ms: i64,
) -> Result<bool, StoreError> {
    write_tx(conn, |conn| {
        if let Some(expired) = lockout.expired_at_or_before(now_ms) {
            diesel::update(
                users::table
                    .find(user_id)
                    .filter(users::failed_auth_count.ge(lockout.max_failures))
                    .filter(users::failed_auth_at.le(expired)),
            )
            .set((
                users::failed_auth_count.eq(0),
                users::failed_auth_at.eq(None::<i64>),
            ))
            .execute(conn)?;
        }
        let counted = diesel::update(
            users::table
                .find(user_id)
                .filter(users::failed_auth_count.lt(lockout.max_failures)),
        )
        .set((
            users::failed_auth_count.eq(users::failed_auth_count + 1),
            users::failed_auth_at.eq(Some(now_ms)),
        ))
        .execute(conn)?;
        Ok(counted == 1)
    })
}

/// Keystone's `_reset_failed_auth`: after a successful login, or when an admin clears it.
pub fn reset_failed_auth(conn: &mut DbConn, user_id: &str) -> Result<(), StoreError> {
    diesel::update(
        users::table
            .find(user_id)
            .filter(users::failed_auth_count.ne(0)),
    )
    .set((
        users::failed_auth_count.eq(0),
        users::failed_auth_at.eq(None::<i64>),
    ))
    .execute(conn)?;
    Ok(())
}

/// Keystone `delete_user`: memberships and role assignments go with the user.
pub fn delete_user(conn: &mut DbConn, user_id: &str) -> Result<(), StoreError> {
    write_tx(conn, |conn| {
        diesel::delete(membership::table.filter(membership::user_id.eq(user_id))).execute(conn)?;
        diesel::delete(
            assignments::table
                .filter(assignments::actor_id.eq(user_id))
                .filter(assignments::kind.like("User%")),
        )
        .execute(conn)?;
        let deleted = diesel::delete(users::table.find(user_id)).execute(conn)?;
        if deleted == 0 {
            return Err(StoreError::not_found("user", user_id));
        }
        super::application_credentials::delete_for_user(conn, user_id)?;
        Ok(())
    })
}
