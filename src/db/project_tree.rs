//! The project hierarchy, after Keystone's `list_project_parents` and
//! `list_projects_in_subtree`. A top-level project stores no parent: its parent, as the API
//! shows it, is its domain (the project acting as that domain), which is not a row here.

use diesel::prelude::*;

use super::error::StoreError;
use super::models::ProjectRow;
use super::projects::MAX_PROJECT_TREE_DEPTH;
use super::schema::projects;
use super::DbConn;

/// How far a walk goes before it stops: past any tree the depth limit lets one build.
const WALK_LIMIT: usize = MAX_PROJECT_TREE_DEPTH * 4;

/// The projects above `project`, nearest first, up to its top-level ancestor (its domain is
/// not among them). A loop in stored data ends the walk.
pub fn parents(conn: &mut DbConn, project: &ProjectRow) -> Result<Vec<ProjectRow>, StoreError> {
    let mut found: Vec<ProjectRow> = Vec::new();
    let mut next = project.parent_id.clone();
    while let Some(id) = next {
        if id == project.id || found.iter().any(|p| p.id == id) || found.len() > WALK_LIMIT {
            break;
        }
        let parent: Option<ProjectRow> = projects::table
            .find(&id)
            .select(ProjectRow::as_select())
            .first(conn)
            .optional()?;
        let Some(parent) = parent else { break };
        next = parent.parent_id.clone();
        found.push(parent);
    }
    Ok(found)
}

/// Where a subtree starts: below a project, or below a domain (its top-level projects).
#[derive(Debug, Clone, Copy)]
pub enum SubtreeRoot<'a> {
    Project(&'a str),
    Domain(&'a str),
}

/// Every project below `root`, level by level, each level in id order.
pub fn subtree(conn: &mut DbConn, root: SubtreeRoot<'_>) -> Result<Vec<ProjectRow>, StoreError> {
    let mut level: Vec<ProjectRow> = match root {
        SubtreeRoot::Project(id) => projects::table
            .filter(projects::parent_id.eq(id))
            .select(ProjectRow::as_select())
            .order(projects::id.asc())
            .load(conn)?,
        SubtreeRoot::Domain(id) => projects::table
            .filter(projects::domain_id.eq(id))
            .filter(projects::parent_id.is_null())
            .select(ProjectRow::as_select())
            .order(projects::id.asc())
            .load(conn)?,
    };
    let mut found: Vec<ProjectRow> = Vec::new();
    let mut depth = 0;
    while !level.is_empty() && depth <= WALK_LIMIT {
        level.retain(|p| !found.iter().any(|f| f.id == p.id));
        let ids: Vec<String> = level.iter().map(|p| p.id.clone()).collect();
        found.append(&mut level);
        if ids.is_empty() {
            break;
        }
        level = projects::table
            .filter(projects::parent_id.eq_any(&ids))
            .select(ProjectRow::as_select())
            .order(projects::id.asc())
            .load(conn)?;
        depth += 1;
    }
    Ok(found)
}
