//! Projects, after Keystone's resource SQL driver. A top-level project stores no parent;
//! the API shows its domain as the parent, as Keystone does.

use diesel::prelude::*;

use super::assignments::project_ancestors;
use super::error::StoreError;
use super::groups::merge_extra;
use super::models::ProjectRow;
use super::project_tags::{self, tag_match, TagTest};
use super::resources::{get_domain, get_project};
use super::revocations::{self, Revoked};
use super::schema::{assignments, projects, user_group_membership as membership};
use super::{is_unique_violation, paginate, string_match, write_tx, DbConn};
use crate::domain::filter::StringMatch;
use crate::domain::page::{Page, PageRequest};

/// Keystone's default `max_project_tree_depth`.
pub const MAX_PROJECT_TREE_DEPTH: usize = 5;

/// Filters of `GET /v3/projects` and `GET /v3/users/{id}/projects`.
#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    pub name: Option<String>,
    pub domain_id: Option<String>,
    pub enabled: Option<bool>,
    /// The parent as the API shows it: a project id, or a domain id for top-level projects.
    pub parent_id: Option<String>,
    /// `is_domain=true` matches no row of `projects`: the projects acting as domains are the
    /// rows of `domains`, which the manager lists instead.
    pub is_domain: Option<bool>,
    pub name_matches: Vec<StringMatch>,
    /// Only these projects (the ones a user has roles on).
    pub ids: Option<Vec<String>>,
    /// Keystone's tag filters: all of these tags, any of them, not all of them together,
    /// none of them.
    pub tags: Option<Vec<String>>,
    pub tags_any: Option<Vec<String>>,
    pub not_tags: Option<Vec<String>>,
    pub not_tags_any: Option<Vec<String>>,
}

/// Changes of `PATCH /v3/projects/{id}`; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ProjectChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
    /// The new set of tags, kept in `extra` and indexed in `project_tag`.
    pub tags: Option<Vec<String>>,
    pub extra: serde_json::Map<String, serde_json::Value>,
}

fn duplicate(name: &str, domain_id: &str) -> StoreError {
    StoreError::Conflict {
        what: "project",
        detail: format!("Duplicate entry found with name {name} at domain ID {domain_id}"),
    }
}

/// Keystone `create_project`: the domain must exist; a parent must be a project of the
/// same domain, no deeper than `max_project_tree_depth`; the name is unique in the domain.
pub fn create_project(conn: &mut DbConn, project: ProjectRow) -> Result<ProjectRow, StoreError> {
    write_tx(conn, |conn| {
        get_domain(conn, &project.domain_id)?;
        if let Some(parent_id) = &project.parent_id {
            let parent = get_project(conn, parent_id)?;
            if parent.domain_id != project.domain_id {
                return Err(StoreError::invalid(format!(
                    "Cannot create project, since it specifies its domain_id {}, but \
                     specifies a parent in a different domain ({}).",
                    project.domain_id, parent.domain_id
                )));
            }
            let depth = project_ancestors(conn, &parent)?.len() + 2;
            if depth > MAX_PROJECT_TREE_DEPTH {
                return Err(StoreError::forbidden(format!(
                    "Max hierarchy depth reached for {parent_id} branch."
                )));
            }
        }
        match diesel::insert_into(projects::table)
            .values(&project)
            .execute(conn)
        {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(duplicate(&project.name, &project.domain_id))
            }
            Err(e) => return Err(e.into()),
        }
        project_tags::set_tags(conn, &project.id, &stored_tags(&project.extra))?;
        Ok(project)
    })
}

/// The tags a stored `extra` holds, as responses show them.
pub fn stored_tags(extra: &str) -> Vec<String> {
    match serde_json::from_str::<serde_json::Value>(extra) {
        Ok(serde_json::Value::Object(map)) => match map.get("tags") {
            Some(serde_json::Value::Array(tags)) => tags
                .iter()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// Keystone `list_projects`, filtered, ordered by id, paged.
pub fn list_projects(
    conn: &mut DbConn,
    filter: &ProjectFilter,
    page: &PageRequest,
) -> Result<Page<ProjectRow>, StoreError> {
    if let Some(marker) = &page.marker {
        get_project(conn, marker)?;
    }
    let backend = conn.backend();
    paginate(
        page,
        |p: &ProjectRow| &p.id,
        |window| {
            let mut query = projects::table.select(ProjectRow::as_select()).into_boxed();
            if filter.is_domain == Some(true) {
                query = query.filter(projects::id.is_null());
            }
            if let Some(ids) = &filter.ids {
                query = query.filter(projects::id.eq_any(ids.clone()));
            }
            if let Some(name) = &filter.name {
                query = query.filter(projects::name.eq(name.clone()));
            }
            if let Some(domain_id) = &filter.domain_id {
                query = query.filter(projects::domain_id.eq(domain_id.clone()));
            }
            if let Some(enabled) = filter.enabled {
                query = query.filter(projects::enabled.eq(enabled));
            }
            if let Some(parent) = &filter.parent_id {
                query = query.filter(
                    projects::parent_id
                        .eq(parent.clone())
                        .or(projects::parent_id
                            .is_null()
                            .and(projects::domain_id.eq(parent.clone()))),
                );
            }
            for m in &filter.name_matches {
                query = query.filter(string_match(backend, r#""projects"."name""#, m));
            }
            let tag_filters = [
                (&filter.tags, TagTest::All),
                (&filter.tags_any, TagTest::Any),
                (&filter.not_tags, TagTest::NotAll),
                (&filter.not_tags_any, TagTest::None),
            ];
            for (tags, test) in tag_filters {
                if let Some(tags) = tags {
                    query = query.filter(tag_match(backend, test, tags));
                }
            }
            windowed!(query, projects::id, window).load(conn)
        },
    )
}

/// Ids of the projects a user has a role on: granted to them or to one of their groups,
/// on the project, inherited from its domain, or inherited from an ancestor.
pub fn project_ids_for_user(conn: &mut DbConn, user_id: &str) -> Result<Vec<String>, StoreError> {
    let group_ids: Vec<String> = membership::table
        .filter(membership::user_id.eq(user_id))
        .select(membership::group_id)
        .load(conn)?;
    let grants: Vec<(String, String, bool)> = assignments::table
        .filter(
            assignments::actor_id
                .eq(user_id)
                .and(assignments::kind.like("User%"))
                .or(assignments::actor_id
                    .eq_any(&group_ids)
                    .and(assignments::kind.like("Group%"))),
        )
        .filter(assignments::kind.ne_all(["UserSystem", "GroupSystem"]))
        .select((
            assignments::kind,
            assignments::target_id,
            assignments::inherited,
        ))
        .load(conn)?;
    let mut ids: Vec<String> = Vec::new();
    let mut inherited_roots: Vec<String> = Vec::new();
    let mut inherited_domains: Vec<String> = Vec::new();
    for (kind, target, inherited) in grants {
        let on_project = kind.ends_with("Project");
        match (on_project, inherited) {
            (true, false) => ids.push(target),
            (true, true) => inherited_roots.push(target),
            (false, true) => inherited_domains.push(target),
            (false, false) => {}
        }
    }
    let in_domains: Vec<String> = projects::table
        .filter(projects::domain_id.eq_any(&inherited_domains))
        .select(projects::id)
        .load(conn)?;
    ids.extend(in_domains);
    // Inherited project grants reach every project below, not the project itself.
    let mut frontier = inherited_roots;
    let mut depth = 0;
    while !frontier.is_empty() && depth <= MAX_PROJECT_TREE_DEPTH * 2 {
        let children: Vec<String> = projects::table
            .filter(projects::parent_id.eq_any(&frontier))
            .select(projects::id)
            .load(conn)?;
        ids.extend(children.iter().cloned());
        frontier = children;
        depth += 1;
    }
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// True if a project has child projects.
pub fn has_children(conn: &mut DbConn, project_id: &str) -> Result<bool, StoreError> {
    let child: Option<String> = projects::table
        .filter(projects::parent_id.eq(project_id))
        .select(projects::id)
        .first(conn)
        .optional()?;
    Ok(child.is_some())
}

/// Keystone `update_project`: a project whose subtree holds enabled projects cannot be
/// disabled. Disabling revokes the tokens scoped to the project: enabling it again does not
/// bring them back.
pub fn update_project(
    conn: &mut DbConn,
    project_id: &str,
    changes: ProjectChanges,
    token_lifetime_ms: i64,
) -> Result<ProjectRow, StoreError> {
    let disables = changes.enabled == Some(false);
    let revoked = Revoked::Project(project_id);
    let updated = write_tx(conn, |conn| {
        let mut project = get_project(conn, project_id)?;
        if let Some(name) = changes.name {
            project.name = name;
        }
        if let Some(description) = changes.description {
            project.description = description;
        }
        if let Some(enabled) = changes.enabled {
            if !enabled && project.enabled {
                let enabled_child: Option<String> = projects::table
                    .filter(projects::parent_id.eq(project_id))
                    .filter(projects::enabled.eq(true))
                    .select(projects::id)
                    .first(conn)
                    .optional()?;
                if enabled_child.is_some() {
                    return Err(StoreError::forbidden(format!(
                        "Cannot disable project {project_id} since its subtree contains \
                         enabled projects."
                    )));
                }
            }
            project.enabled = enabled;
        }
        let mut extra = changes.extra;
        if let Some(tags) = &changes.tags {
            extra.insert("tags".into(), serde_json::json!(tags));
            project_tags::set_tags(conn, project_id, tags)?;
        }
        if !extra.is_empty() {
            project.extra = merge_extra(&project.extra, extra);
        }
        let result = diesel::update(projects::table.find(project_id))
            .set((
                projects::name.eq(&project.name),
                projects::description.eq(&project.description),
                projects::enabled.eq(project.enabled),
                projects::extra.eq(&project.extra),
            ))
            .execute(conn);
        match result {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(duplicate(&project.name, &project.domain_id))
            }
            Err(e) => return Err(e.into()),
        }
        if disables {
            revocations::revoke(conn, revoked, token_lifetime_ms)?;
        }
        Ok(project)
    })?;
    if disables {
        // Again after the commit: see `revocations::revoke`.
        revocations::revoke(conn, revoked, token_lifetime_ms)?;
    }
    Ok(updated)
}

/// Keystone `delete_project`: only a leaf can go; the grants on it go with it.
pub fn delete_project(conn: &mut DbConn, project_id: &str) -> Result<(), StoreError> {
    write_tx(conn, |conn| {
        get_project(conn, project_id)?;
        if has_children(conn, project_id)? {
            return Err(StoreError::forbidden(format!(
                "Cannot delete the project {project_id} since it is not a leaf in the \
                 hierarchy. Use the cascade option if you want to delete a whole subtree."
            )));
        }
        super::assignments::delete_grants_on_target(conn, project_id)?;
        project_tags::delete_tags_of(conn, &[project_id.to_string()])?;
        diesel::delete(projects::table.find(project_id)).execute(conn)?;
        Ok(())
    })
}
