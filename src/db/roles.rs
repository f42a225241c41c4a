//! Roles and role inference rules, after Keystone's role SQL driver.

use diesel::prelude::*;

use super::assignments::delete_grants_of_role;
use super::error::StoreError;
use super::groups::merge_extra;
use super::models::{ImpliedRoleRow, RoleRow};
use super::names_no_row;
use super::resources::{get_domain, GLOBAL_ROLE_DOMAIN};
use super::schema::{implied_roles, roles};
use super::{is_unique_violation, paginate, string_match, write_tx, DbConn};
use crate::domain::filter::StringMatch;
use crate::domain::page::{Page, PageRequest};

/// Filters of `GET /v3/roles`. Without a domain only global roles are listed, as Keystone
/// lists them.
#[derive(Debug, Clone, Default)]
pub struct RoleFilter {
    pub name: Option<String>,
    pub domain_id: Option<String>,
    pub name_matches: Vec<StringMatch>,
}

/// Changes of `PATCH /v3/roles/{id}`; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct RoleChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub extra: serde_json::Map<String, serde_json::Value>,
}

fn duplicate(name: &str, domain_id: &str) -> StoreError {
    let detail = if domain_id == GLOBAL_ROLE_DOMAIN {
        format!("Duplicate entry found with name {name}")
    } else {
        format!("Duplicate entry found with name {name} at domain ID {domain_id}")
    };
    StoreError::Conflict {
        what: "role",
        detail,
    }
}

/// Keystone `get_role`.
pub fn get_role(conn: &mut DbConn, role_id: &str) -> Result<RoleRow, StoreError> {
    if names_no_row(role_id) {
        return Err(StoreError::not_found("role", role_id));
    }
    roles::table
        .find(role_id)
        .select(RoleRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::not_found("role", role_id))
}

/// Keystone `create_role`: a domain-specific role needs its domain; `(name, domain)` is
/// unique.
pub fn create_role(conn: &mut DbConn, role: RoleRow) -> Result<RoleRow, StoreError> {
    write_tx(conn, |conn| {
        if role.domain_id != GLOBAL_ROLE_DOMAIN {
            get_domain(conn, &role.domain_id)?;
        }
        match diesel::insert_into(roles::table)
            .values(&role)
            .execute(conn)
        {
            Ok(_) => Ok(role),
            Err(e) if is_unique_violation(&e) => Err(duplicate(&role.name, &role.domain_id)),
            Err(e) => Err(e.into()),
        }
    })
}

/// Keystone `list_roles`, filtered, ordered by id, paged.
pub fn list_roles(
    conn: &mut DbConn,
    filter: &RoleFilter,
    page: &PageRequest,
) -> Result<Page<RoleRow>, StoreError> {
    if let Some(marker) = &page.marker {
        get_role(conn, marker)?;
    }
    let backend = conn.backend();
    let domain_id = filter
        .domain_id
        .clone()
        .unwrap_or_else(|| GLOBAL_ROLE_DOMAIN.to_string());
    paginate(
        page,
        |r: &RoleRow| &r.id,
        |window| {
            let mut query = roles::table
                .select(RoleRow::as_select())
                .filter(roles::domain_id.eq(domain_id.clone()))
                .into_boxed();
            if let Some(name) = &filter.name {
                query = query.filter(roles::name.eq(name.clone()));
            }
            for m in &filter.name_matches {
                query = query.filter(string_match(backend, r#""roles"."name""#, m));
            }
            windowed!(query, roles::id, window).load(conn)
        },
    )
}

/// Keystone `update_role`.
pub fn update_role(
    conn: &mut DbConn,
    role_id: &str,
    changes: RoleChanges,
) -> Result<RoleRow, StoreError> {
    write_tx(conn, |conn| {
        let mut role = get_role(conn, role_id)?;
        if let Some(name) = changes.name {
            role.name = name;
        }
        if let Some(description) = changes.description {
            role.description = description;
        }
        if !changes.extra.is_empty() {
            role.extra = merge_extra(&role.extra, changes.extra);
        }
        let result = diesel::update(roles::table.find(role_id))
            .set((
                roles::name.eq(&role.name),
                roles::description.eq(&role.description),
                roles::extra.eq(&role.extra),
            ))
            .execute(conn);
        match result {
            Ok(_) => Ok(role),
            Err(e) if is_unique_violation(&e) => Err(duplicate(&role.name, &role.domain_id)),
            Err(e) => Err(e.into()),
        }
    })
}

/// Keystone `delete_role`: its grants and inference rules go with it (the foreign keys
/// cascade too; this says so).
pub fn delete_role(conn: &mut DbConn, role_id: &str) -> Result<(), StoreError> {
    write_tx(conn, |conn| {
        get_role(conn, role_id)?;
        // Keystone: the credentials of those holding it on a project go first.
        super::application_credentials::delete_for_role(conn, role_id)?;
        delete_grants_of_role(conn, role_id)?;
        diesel::delete(
            implied_roles::table.filter(
                implied_roles::prior_role_id
                    .eq(role_id)
                    .or(implied_roles::implied_role_id.eq(role_id)),
            ),
        )
        .execute(conn)?;
        diesel::delete(roles::table.find(role_id)).execute(conn)?;
        Ok(())
    })
}

/// Keystone `list_implied_roles`: the roles one role implies directly, by name.
pub fn list_implied_roles(conn: &mut DbConn, prior_id: &str) -> Result<Vec<RoleRow>, StoreError> {
    Ok(roles::table
        .filter(
            roles::id.eq_any(
                implied_roles::table
                    .filter(implied_roles::prior_role_id.eq(prior_id))
                    .select(implied_roles::implied_role_id),
            ),
        )
        .order(roles::name.asc())
        .select(RoleRow::as_select())
        .load(conn)?)
}

/// Keystone `list_role_inference_rules`: every rule, with the roles it links.
pub fn list_role_inference_rules(
    conn: &mut DbConn,
) -> Result<Vec<(RoleRow, Vec<RoleRow>)>, StoreError> {
    let rows: Vec<ImpliedRoleRow> = implied_roles::table
        .order((
            implied_roles::prior_role_id.asc(),
            implied_roles::implied_role_id.asc(),
        ))
        .select(ImpliedRoleRow::as_select())
        .load(conn)?;
    let all: std::collections::BTreeMap<String, RoleRow> = roles::table
        .select(RoleRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect();
    let mut rules: Vec<(RoleRow, Vec<RoleRow>)> = Vec::new();
    for row in rows {
        let (Some(prior), Some(implied)) =
            (all.get(&row.prior_role_id), all.get(&row.implied_role_id))
        else {
            continue;
        };
        match rules.last_mut() {
            Some((p, list)) if p.id == prior.id => list.push(implied.clone()),
            _ => rules.push((prior.clone(), vec![implied.clone()])),
        }
    }
    Ok(rules)
}
