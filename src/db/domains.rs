//! Domains, after Keystone's resource SQL driver (domains are not projects here).

use diesel::prelude::*;

use super::error::StoreError;
use super::groups::merge_extra;
use super::models::DomainRow;
use super::project_tags::TagTest;
use super::resources::get_domain;
use super::revocations::{self, Revoked};
use super::schema::{
    assignments, domains, groups, implied_roles, projects, roles,
    user_group_membership as membership, users,
};
use super::{is_unique_violation, paginate, string_match, write_tx, Backend, DbConn, MatchSql};
use crate::domain::filter::StringMatch;
use crate::domain::page::{Page, PageRequest};

/// Filters of `GET /v3/domains`.
#[derive(Debug, Clone, Default)]
pub struct DomainFilter {
    /// Only this domain (a domain-scoped reader sees their own).
    pub id: Option<String>,
    pub name: Option<String>,
    pub enabled: Option<bool>,
    pub name_matches: Vec<StringMatch>,
    /// Keystone's tag filters, when domains are listed as the projects acting as them
    /// (`GET /v3/projects?is_domain=true`): all, any, not all, none of these.
    pub tags: Vec<(TagTest, Vec<String>)>,
}

/// Changes of `PATCH /v3/domains/{id}`; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct DomainChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
    pub extra: serde_json::Map<String, serde_json::Value>,
}

fn duplicate(name: &str) -> StoreError {
    StoreError::Conflict {
        what: "domain",
        detail: format!("Duplicate entry found with name {name}"),
    }
}

/// Keystone `create_domain`: names are unique.
pub fn create_domain(conn: &mut DbConn, domain: DomainRow) -> Result<DomainRow, StoreError> {
    match diesel::insert_into(domains::table)
        .values(&domain)
        .execute(conn)
    {
        Ok(_) => Ok(domain),
        Err(e) if is_unique_violation(&e) => Err(duplicate(&domain.name)),
        Err(e) => Err(e.into()),
    }
}

/// Keystone `list_domains`, filtered, ordered by id, paged.
pub fn list_domains(
    conn: &mut DbConn,
    filter: &DomainFilter,
    page: &PageRequest,
) -> Result<Page<DomainRow>, StoreError> {
    if let Some(marker) = &page.marker {
        get_domain(conn, marker)?;
    }
    let backend = conn.backend();
    paginate(
        page,
        |d: &DomainRow| &d.id,
        |window| {
            let mut query = domains::table.select(DomainRow::as_select()).into_boxed();
            if let Some(id) = &filter.id {
                query = query.filter(domains::id.eq(id.clone()));
            }
            if let Some(name) = &filter.name {
                query = query.filter(domains::name.eq(name.clone()));
            }
            if let Some(enabled) = filter.enabled {
                query = query.filter(domains::enabled.eq(enabled));
            }
            for m in &filter.name_matches {
                query = query.filter(string_match(backend, r#""domains"."name""#, m));
            }
            for (test, tags) in &filter.tags {
                query = query.filter(domain_tag_match(backend, *test, tags));
            }
            windowed!(query, domains::id, window).load(conn)
        },
    )
}

/// Keystone `update_domain`. Disabling revokes the tokens scoped to the domain or its
/// projects and those of its users: enabling it again does not bring them back.
pub fn update_domain(
    conn: &mut DbConn,
    domain_id: &str,
    changes: DomainChanges,
    token_lifetime_ms: i64,
) -> Result<DomainRow, StoreError> {
    let disables = changes.enabled == Some(false);
    let revoked = Revoked::Domain(domain_id);
    let updated = write_tx(conn, |conn| {
        let mut domain = get_domain(conn, domain_id)?;
        if let Some(name) = changes.name {
            domain.name = name;
        }
        if let Some(description) = changes.description {
            domain.description = description;
        }
        if let Some(enabled) = changes.enabled {
            domain.enabled = enabled;
        }
        if !changes.extra.is_empty() {
            domain.extra = merge_extra(&domain.extra, changes.extra);
        }
        let result = diesel::update(domains::table.find(domain_id))
            .set((
                domains::name.eq(&domain.name),
                domains::description.eq(&domain.description),
                domains::enabled.eq(domain.enabled),
                domains::extra.eq(&domain.extra),
            ))
            .execute(conn);
        match result {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => return Err(duplicate(&domain.name)),
            Err(e) => return Err(e.into()),
        }
        if disables {
            revocations::revoke(conn, revoked, token_lifetime_ms)?;
        }
        Ok(domain)
    })?;
    if disables {
        // Again after the commit: see `revocations::revoke`.
        revocations::revoke(conn, revoked, token_lifetime_ms)?;
    }
    Ok(updated)
}

/// Keystone `delete_domain`: the domain must be disabled; its projects, users, groups,
/// domain-specific roles, their memberships and every grant on or held by them go with it,
/// in one transaction.
pub fn delete_domain(conn: &mut DbConn, domain_id: &str) -> Result<(), StoreError> {
    write_tx(conn, |conn| {
        let domain = get_domain(conn, domain_id)?;
        if domain.enabled {
            return Err(StoreError::forbidden(
                "Cannot delete a domain that is enabled, please disable it first.",
            ));
        }
        let project_ids: Vec<String> = projects::table
            .filter(projects::domain_id.eq(domain_id))
            .select(projects::id)
            .load(conn)?;
        let user_ids: Vec<String> = users::table
            .filter(users::domain_id.eq(domain_id))
            .select(users::id)
            .load(conn)?;
        let group_ids: Vec<String> = groups::table
            .filter(groups::domain_id.eq(domain_id))
            .select(groups::id)
            .load(conn)?;
        let role_ids: Vec<String> = roles::table
            .filter(roles::domain_id.eq(domain_id))
            .select(roles::id)
            .load(conn)?;
        // Grants on the domain and its projects.
        let mut targets = project_ids.clone();
        targets.push(domain_id.to_string());
        diesel::delete(assignments::table.filter(assignments::target_id.eq_any(&targets)))
            .execute(conn)?;
        // Grants held by its users and groups, anywhere.
        diesel::delete(
            assignments::table
                .filter(assignments::actor_id.eq_any(&user_ids))
                .filter(assignments::kind.like("User%")),
        )
        .execute(conn)?;
        diesel::delete(
            assignments::table
                .filter(assignments::actor_id.eq_any(&group_ids))
                .filter(assignments::kind.like("Group%")),
        )
        .execute(conn)?;
        // Its roles, with their grants and inference rules.
        diesel::delete(assignments::table.filter(assignments::role_id.eq_any(&role_ids)))
            .execute(conn)?;
        diesel::delete(
            implied_roles::table.filter(
                implied_roles::prior_role_id
                    .eq_any(&role_ids)
                    .or(implied_roles::implied_role_id.eq_any(&role_ids)),
            ),
        )
        .execute(conn)?;
        diesel::delete(roles::table.filter(roles::id.eq_any(&role_ids))).execute(conn)?;
        // Memberships of its users and groups, then the users and groups.
        diesel::delete(
            membership::table.filter(
                membership::user_id
                    .eq_any(&user_ids)
                    .or(membership::group_id.eq_any(&group_ids)),
            ),
        )
        .execute(conn)?;
        diesel::delete(users::table.filter(users::domain_id.eq(domain_id))).execute(conn)?;
        diesel::delete(groups::table.filter(groups::domain_id.eq(domain_id))).execute(conn)?;
        // Its identity providers, with their protocols and remote ids (Keystone's
        // federation manager deletes them when their domain goes).
        super::federation::delete_idps_of_domain(conn, domain_id)?;
        super::project_tags::delete_tags_of(conn, &project_ids)?;
        // Projects of other domains cannot have these as parents, so one statement does.
        diesel::delete(projects::table.filter(projects::domain_id.eq(domain_id))).execute(conn)?;
        diesel::delete(domains::table.find(domain_id)).execute(conn)?;
        Ok(())
    })
}

/// A tag filter on domains, whose tags live in their `extra` JSON (`{"tags": [...]}`): few
/// rows, so no index. The asked-for tags are bound as one JSON array.
fn domain_tag_match(backend: Backend, test: TagTest, tags: &[String]) -> MatchSql {
    use diesel::dsl::sql;
    use diesel::sql_types::{Bool, Text};
    // `EXISTS (an asked-for tag that the domain holds | lacks)`.
    let (open, held, lacked) = match backend {
        Backend::Sqlite => (
            "EXISTS (SELECT 1 FROM json_each(",
            r#") w WHERE w.value IN (SELECT t.value FROM json_each("domains"."extra", '$.tags') t))"#,
            r#") w WHERE w.value NOT IN (SELECT t.value FROM json_each("domains"."extra", '$.tags') t))"#,
        ),
        Backend::Postgres => (
            "EXISTS (SELECT 1 FROM jsonb_array_elements_text(CAST(",
            r#" AS jsonb)) w(value) WHERE COALESCE(CAST("domains"."extra" AS jsonb) -> 'tags', '[]'::jsonb) @> jsonb_build_array(w.value))"#,
            r#" AS jsonb)) w(value) WHERE NOT COALESCE(CAST("domains"."extra" AS jsonb) -> 'tags', '[]'::jsonb) @> jsonb_build_array(w.value))"#,
        ),
    };
    let (negate, rest) = match test {
        TagTest::All => (true, lacked),
        TagTest::Any => (false, held),
        TagTest::NotAll => (false, lacked),
        TagTest::None => (true, held),
    };
    let open = if negate {
        format!("NOT {open}")
    } else {
        open.to_string()
    };
    let asked = serde_json::Value::from(tags.to_vec()).to_string();
    sql::<Bool>(&open).bind::<Text, _>(asked).sql(rest)
}
