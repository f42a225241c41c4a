//! Groups and memberships, after Keystone's identity SQL driver.

use diesel::prelude::*;

use super::error::StoreError;
use super::models::{GroupRow, MembershipRow};
use super::names_no_row;
use super::schema::{assignments, groups, user_group_membership as membership, users};
use super::{
    insert_unless_present, is_unique_violation, paginate, paginate_keyed, resources, string_match,
    write_tx, DbConn, Window,
};
use crate::domain::filter::StringMatch;
use crate::domain::page::{Page, PageRequest};

/// Filters of `GET /v3/groups`.
#[derive(Debug, Clone, Default)]
pub struct GroupFilter {
    pub name: Option<String>,
    pub domain_id: Option<String>,
    /// `name__contains` and the other string comparators.
    pub name_matches: Vec<StringMatch>,
}

/// Applies a [`GroupFilter`] to a boxed query that has the `groups` columns in its FROM (the
/// groups table alone, or joined with memberships): one set of filters for every group list.
macro_rules! filter_groups {
    ($query:expr, $filter:expr, $backend:expr) => {{
        let filter: &GroupFilter = $filter;
        let mut query = $query;
        for m in &filter.name_matches {
            query = query.filter(string_match($backend, r#""groups"."name""#, m));
        }
        if let Some(name) = &filter.name {
            query = query.filter(groups::name.eq(name.clone()));
        }
        if let Some(domain_id) = &filter.domain_id {
            query = query.filter(groups::domain_id.eq(domain_id.clone()));
        }
        query
    }};
}

/// Changes of `PATCH /v3/groups/{id}`; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct GroupChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    /// Extra attributes merged into the stored ones.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

fn duplicate(name: &str, domain_id: &str) -> StoreError {
    StoreError::Conflict {
        what: "group",
        detail: format!("Duplicate entry found with name {name} at domain ID {domain_id}"),
    }
}

/// Keystone `create_group`: the domain must exist, the name be free in it, and the domain
/// have room under `limit` (`quota.groups_per_domain`).
pub fn create_group(
    conn: &mut DbConn,
    group: GroupRow,
    limit: Option<u32>,
) -> Result<GroupRow, StoreError> {
    write_tx(conn, |conn| {
        resources::get_domain(conn, &group.domain_id)?;
        super::quota::room_for_group(conn, &group.domain_id, limit)?;
        match diesel::insert_into(groups::table)
            .values(&group)
            .execute(conn)
        {
            Ok(_) => Ok(group),
            Err(e) if is_unique_violation(&e) => Err(duplicate(&group.name, &group.domain_id)),
            Err(e) => Err(e.into()),
        }
    })
}

/// Keystone `get_group`.
pub fn get_group(conn: &mut DbConn, group_id: &str) -> Result<GroupRow, StoreError> {
    if names_no_row(group_id) {
        return Err(StoreError::not_found("group", group_id));
    }
    groups::table
        .find(group_id)
        .select(GroupRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found("group", group_id))
}

/// Keystone `get_group_by_name`: names are unique within a domain.
pub fn get_group_by_name(
    conn: &mut DbConn,
    name: &str,
    domain_id: &str,
) -> Result<GroupRow, StoreError> {
    if names_no_row(name) || names_no_row(domain_id) {
        return Err(StoreError::not_found("group", name));
    }
    groups::table
        .filter(groups::name.eq(name))
        .filter(groups::domain_id.eq(domain_id))
        .select(GroupRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found("group", name))
}

/// Keystone `list_groups`, filtered, ordered by id, paged.
pub fn list_groups(
    conn: &mut DbConn,
    filter: &GroupFilter,
    page: &PageRequest,
) -> Result<Page<GroupRow>, StoreError> {
    if let Some(marker) = &page.marker {
        get_group(conn, marker)?;
    }
    let backend = conn.backend();
    // Both queries walk `ix_groups_list` on SQLite (every selected column, in id order), so
    // neither looks rows up in the table; the previous-page link selects only ids.
    paginate_keyed(
        conn,
        page,
        |g: &GroupRow| &g.id,
        |conn, marker, limit| {
            let query = groups::table.select(GroupRow::as_select()).into_boxed();
            let query = filter_groups!(query, filter, backend);
            windowed!(query, groups::id, Window::After { marker, limit }).load(conn)
        },
        |conn, marker, skip| {
            let query = groups::table.select(groups::id).into_boxed();
            let query = filter_groups!(query, filter, backend);
            query
                .filter(groups::id.le(marker.to_string()))
                .order(groups::id.desc())
                .offset(skip)
                .limit(1)
                .get_result(conn)
                .optional()
        },
    )
}

/// Keystone `update_group`: `create_time` and `domain_id` never change.
pub fn update_group(
    conn: &mut DbConn,
    group_id: &str,
    changes: GroupChanges,
) -> Result<GroupRow, StoreError> {
    write_tx(conn, |conn| {
        let mut group = get_group(conn, group_id)?;
        if let Some(name) = changes.name {
            group.name = name;
        }
        if let Some(description) = changes.description {
            group.description = description;
        }
        if !changes.extra.is_empty() {
            group.extra = merge_extra(&group.extra, changes.extra);
        }
        let result = diesel::update(groups::table.find(group_id))
            .set((
                groups::name.eq(&group.name),
                groups::description.eq(&group.description),
                groups::extra.eq(&group.extra),
            ))
            .execute(conn);
        match result {
            Ok(_) => Ok(group),
            Err(e) if is_unique_violation(&e) => Err(duplicate(&group.name, &group.domain_id)),
            Err(e) => Err(e.into()),
        }
    })
}

/// Keystone `delete_group`: memberships and the group's role assignments go with it.
pub fn delete_group(conn: &mut DbConn, group_id: &str) -> Result<(), StoreError> {
    write_tx(conn, |conn| {
        diesel::delete(membership::table.filter(membership::group_id.eq(group_id)))
            .execute(conn)?;
        diesel::delete(
            assignments::table
                .filter(assignments::actor_id.eq(group_id))
                .filter(assignments::kind.like("Group%")),
        )
        .execute(conn)?;
        let deleted = diesel::delete(groups::table.find(group_id)).execute(conn)?;
        if deleted == 0 {
            return Err(StoreError::not_found("group", group_id));
        }
        Ok(())
    })
}

/// Baidu's `DeleteGroup`: refused while the group has members or role grants (Baidu's
/// "permission policies"), checked in the same transaction as the delete.
pub fn delete_group_if_unused(conn: &mut DbConn, group: &GroupRow) -> Result<(), StoreError> {
    write_tx(conn, |conn| {
        let members: i64 = membership::table
            .filter(membership::group_id.eq(&group.id))
            .count()
            .get_result(conn)?;
        let grants: i64 = assignments::table
            .filter(assignments::actor_id.eq(&group.id))
            .filter(assignments::kind.like("Group%"))
            .count()
            .get_result(conn)?;
        if members > 0 || grants > 0 {
            return Err(StoreError::in_use(format!(
                "Group {} still has {members} member(s) and {grants} role grant(s); \
                 remove them before deleting the group.",
                group.name
            )));
        }
        delete_group(conn, &group.id)
    })
}

pub(super) fn get_user_exists(conn: &mut DbConn, user_id: &str) -> Result<(), StoreError> {
    if names_no_row(user_id) {
        return Err(StoreError::not_found("user", user_id));
    }
    let found: Option<String> = users::table
        .find(user_id)
        .select(users::id)
        .first(conn)
        .optional()?;
    found
        .map(|_| ())
        .ok_or_else(|| StoreError::not_found("user", user_id))
}

fn not_a_member(user_id: &str, group_id: &str) -> StoreError {
    StoreError::NotFoundMessage(format!("User '{user_id}' not found in group '{group_id}'."))
}

/// Keystone `add_user_to_group`; adding a member twice is not an error (and is not
/// counted against `limits`).
pub fn add_user_to_group(
    conn: &mut DbConn,
    user_id: &str,
    group_id: &str,
    limits: super::quota::MembershipLimits,
) -> Result<(), StoreError> {
    write_tx(conn, |conn| {
        get_group(conn, group_id)?;
        get_user_exists(conn, user_id)?;
        // Only a limited add asks first whether the member is already there (a repeat is
        // not counted); an unlimited one leaves that to the insert, one query fewer.
        if limits.is_limited() {
            let present: Option<String> = membership::table
                .find((user_id, group_id))
                .select(membership::user_id)
                .first(conn)
                .optional()?;
            if present.is_some() {
                return Ok(());
            }
            super::quota::room_for_membership(conn, user_id, group_id, limits)?;
        }
        let row = MembershipRow {
            user_id: user_id.to_string(),
            group_id: group_id.to_string(),
        };
        insert_unless_present(conn, |conn| {
            diesel::insert_into(membership::table)
                .values(&row)
                .execute(conn)
        })?;
        Ok(())
    })
}

/// Keystone `check_user_in_group`: 404 names the group, the user, or the missing membership.
pub fn check_user_in_group(
    conn: &mut DbConn,
    user_id: &str,
    group_id: &str,
) -> Result<(), StoreError> {
    let found: Option<String> = membership::table
        .find((user_id, group_id))
        .select(membership::user_id)
        .first(conn)
        .optional()?;
    if found.is_some() {
        return Ok(());
    }
    get_group(conn, group_id)?;
    get_user_exists(conn, user_id)?;
    Err(not_a_member(user_id, group_id))
}

/// Keystone `remove_user_from_group`.
pub fn remove_user_from_group(
    conn: &mut DbConn,
    user_id: &str,
    group_id: &str,
) -> Result<(), StoreError> {
    write_tx(conn, |conn| {
        let deleted = diesel::delete(membership::table.find((user_id, group_id))).execute(conn)?;
        if deleted == 1 {
            return Ok(());
        }
        get_group(conn, group_id)?;
        get_user_exists(conn, user_id)?;
        Err(not_a_member(user_id, group_id))
    })
}

/// Keystone `list_groups_for_user`, ordered by group id, paged.
pub fn list_groups_for_user(
    conn: &mut DbConn,
    user_id: &str,
    filter: &GroupFilter,
    page: &PageRequest,
) -> Result<Page<GroupRow>, StoreError> {
    get_user_exists(conn, user_id)?;
    if let Some(marker) = &page.marker {
        get_group(conn, marker)?;
    }
    let backend = conn.backend();
    paginate(
        page,
        |g: &GroupRow| &g.id,
        |window| {
            let query = groups::table
                .inner_join(membership::table)
                .filter(membership::user_id.eq(user_id))
                .select(GroupRow::as_select())
                .into_boxed();
            let query = filter_groups!(query, filter, backend);
            // Ordered by the membership key (user_id, group_id): see list_users_in_group.
            windowed!(query, membership::group_id, window).load(conn)
        },
    )
}

/// Ids of the groups a user belongs to (for role resolution).
pub fn group_ids_for_user(conn: &mut DbConn, user_id: &str) -> Result<Vec<String>, StoreError> {
    Ok(membership::table
        .filter(membership::user_id.eq(user_id))
        .select(membership::group_id)
        .load(conn)?)
}

/// Merges new extra attributes into the stored JSON object.
pub fn merge_extra(stored: &str, changes: serde_json::Map<String, serde_json::Value>) -> String {
    let mut extra: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(stored).unwrap_or_default();
    extra.extend(changes);
    serde_json::Value::Object(extra).to_string()
}

/// Ids of a group's members (for effective role assignments).
pub fn user_ids_in_group(conn: &mut DbConn, group_id: &str) -> Result<Vec<String>, StoreError> {
    Ok(membership::table
        .filter(membership::group_id.eq(group_id))
        .select(membership::user_id)
        .order(membership::user_id.asc())
        .load(conn)?)
}
