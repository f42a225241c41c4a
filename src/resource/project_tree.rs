//! A project's place in the hierarchy, as Keystone's `GET /v3/projects/{id}` answers it
//! with `parents_as_ids`, `parents_as_list`, `subtree_as_ids` and `subtree_as_list`
//! (`resource/core.py`: `get_project_parents_as_ids`, `list_project_parents`,
//! `get_projects_in_subtree_as_ids`, `list_projects_in_subtree`). The ids come as nested
//! maps and include the domain (the project acting as it) above a top-level project; the
//! lists hold only the projects the caller's user has a role on.

use std::collections::BTreeMap;

use crate::auth::AuthContext;
use crate::db::models::ProjectRow;
use crate::db::project_tree::{self, SubtreeRoot};
use crate::db::{self, projects as store};
use crate::error::ApiError;
use crate::resource::projects::{get_project, ProjectEntity};
use crate::state::AppState;

/// What the query asked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct HierarchyAsk {
    pub parents_as_list: bool,
    pub parents_as_ids: bool,
    pub subtree_as_list: bool,
    pub subtree_as_ids: bool,
}

/// Ids as Keystone nests them: each id maps to the ids above (or below) it, `None` at the
/// end of a branch.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IdTree(pub BTreeMap<String, Option<IdTree>>);

/// Parents or subtree, in the form asked for.
#[derive(Debug, Clone)]
pub enum Related {
    /// `None` when there is nothing (Keystone's `null`).
    Ids(Option<IdTree>),
    List(Vec<ProjectRow>),
}

/// The parents and subtree asked for; `None` for what was not asked.
#[derive(Debug, Clone, Default)]
pub struct Hierarchy {
    pub parents: Option<Related>,
    pub subtree: Option<Related>,
}

impl HierarchyAsk {
    fn check(&self) -> Result<(), ApiError> {
        if self.parents_as_list && self.parents_as_ids {
            return Err(ApiError::Validation(
                "Cannot use parents_as_list and parents_as_ids query params at the same time."
                    .into(),
            ));
        }
        if self.subtree_as_list && self.subtree_as_ids {
            return Err(ApiError::Validation(
                "Cannot use subtree_as_list and subtree_as_ids query params at the same time."
                    .into(),
            ));
        }
        Ok(())
    }

    fn any(&self) -> bool {
        self.parents_as_list || self.parents_as_ids || self.subtree_as_list || self.subtree_as_ids
    }
}

/// Keystone `get_project` with the hierarchy asked for: the rule is `identity:get_project`
/// on the project; the lists are narrowed to the caller's user's projects.
pub async fn get_project_with_hierarchy(
    state: &AppState,
    caller: &AuthContext,
    project_id: String,
    ask: HierarchyAsk,
) -> Result<(ProjectEntity, Hierarchy), ApiError> {
    let entity = get_project(state, caller, project_id).await?;
    ask.check()?;
    if !ask.any() {
        return Ok((entity, Hierarchy::default()));
    }
    let user_id = caller.user.id.clone();
    let of = entity.clone();
    let hierarchy = db::run(&state.pool, move |conn| {
        let visible = if ask.parents_as_list || ask.subtree_as_list {
            store::project_ids_for_user(conn, &user_id)?
        } else {
            Vec::new()
        };
        let keep = |rows: Vec<ProjectRow>| -> Vec<ProjectRow> {
            rows.into_iter()
                .filter(|p| visible.binary_search(&p.id).is_ok())
                .collect()
        };
        let mut hierarchy = Hierarchy::default();
        if ask.parents_as_list || ask.parents_as_ids {
            let parents = match &of {
                ProjectEntity::Project(p) => project_tree::parents(conn, p)?,
                ProjectEntity::Domain(_) => Vec::new(),
            };
            hierarchy.parents = Some(if ask.parents_as_list {
                Related::List(keep(parents))
            } else {
                Related::Ids(parents_as_ids(&of, &parents))
            });
        }
        if ask.subtree_as_list || ask.subtree_as_ids {
            let root = match &of {
                ProjectEntity::Project(p) => SubtreeRoot::Project(&p.id),
                ProjectEntity::Domain(d) => SubtreeRoot::Domain(&d.id),
            };
            let subtree = project_tree::subtree(conn, root)?;
            hierarchy.subtree = Some(if ask.subtree_as_list {
                Related::List(keep(subtree))
            } else {
                Related::Ids(subtree_as_ids(of.id(), &subtree))
            });
        }
        Ok::<_, ApiError>(hierarchy)
    })
    .await?;
    Ok((entity, hierarchy))
}

/// `{parent: {grandparent: {domain: null}}}`; `None` for a project acting as a domain.
fn parents_as_ids(of: &ProjectEntity, parents: &[ProjectRow]) -> Option<IdTree> {
    let ProjectEntity::Project(project) = of else {
        return None;
    };
    let mut tree = IdTree(BTreeMap::from([(project.domain_id.clone(), None)]));
    for parent in parents.iter().rev() {
        tree = IdTree(BTreeMap::from([(parent.id.clone(), Some(tree))]));
    }
    Some(tree)
}

/// `{child: {grandchild: null}, other_child: null}`; `None` without children.
fn subtree_as_ids(root_id: &str, subtree: &[ProjectRow]) -> Option<IdTree> {
    let mut children: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for p in subtree {
        let parent = p.parent_id.as_deref().unwrap_or(p.domain_id.as_str());
        children.entry(parent).or_default().push(&p.id);
    }
    fn below(id: &str, children: &BTreeMap<&str, Vec<&str>>, depth: usize) -> Option<IdTree> {
        let kids = children.get(id)?;
        if depth > 64 {
            return None;
        }
        Some(IdTree(
            kids.iter()
                .map(|k| (k.to_string(), below(k, children, depth + 1)))
                .collect(),
        ))
    }
    below(root_id, &children, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(id: &str, parent: Option<&str>) -> ProjectRow {
        ProjectRow {
            id: id.into(),
            name: id.into(),
            domain_id: "d".into(),
            description: String::new(),
            enabled: true,
            parent_id: parent.map(str::to_owned),
            extra: "{}".into(),
            created_at: 0,
        }
    }

    fn ids(pairs: Vec<(&str, Option<IdTree>)>) -> IdTree {
        IdTree(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    #[test]
    fn parents_nest_up_to_the_domain() {
        let c = ProjectEntity::Project(project("c", Some("b")));
        let parents = [project("b", Some("a")), project("a", None)];
        let expected = ids(vec![(
            "b",
            Some(ids(vec![("a", Some(ids(vec![("d", None)])))])),
        )]);
        assert_eq!(parents_as_ids(&c, &parents), Some(expected));
        let top = ProjectEntity::Project(project("a", None));
        assert_eq!(parents_as_ids(&top, &[]), Some(ids(vec![("d", None)])));
    }

    #[test]
    fn subtree_nests_children() {
        let subtree = [
            project("b", Some("a")),
            project("c", Some("b")),
            project("e", Some("a")),
        ];
        let expected = ids(vec![("b", Some(ids(vec![("c", None)]))), ("e", None)]);
        assert_eq!(subtree_as_ids("a", &subtree), Some(expected));
        assert_eq!(subtree_as_ids("c", &subtree), None);
        // Below a domain: its top-level projects.
        let top = [project("a", None), project("b", Some("a"))];
        assert_eq!(
            subtree_as_ids("d", &top),
            Some(ids(vec![("a", Some(ids(vec![("b", None)])))]))
        );
    }
}
