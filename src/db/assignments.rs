//! Role assignments and role inference, after Keystone's assignment SQL driver.
//!
//! Over 500 lines: the assignment driver's queries (grants on projects, domains and the system,
//! inherited or not, and their effective expansion) share one set of row helpers that a split
//! by target would repeat.

use std::collections::{BTreeMap, BTreeSet};

use diesel::prelude::*;

use super::error::StoreError;
use super::models::{AssignmentRow, DomainRow, ImpliedRoleRow, ProjectRow, RoleRow};
use super::schema::{
    assignments, domains, implied_roles, projects, roles, user_group_membership as membership,
};
use super::{insert_unless_present, DbConn};
use crate::domain::page::{Page, PageRequest};

/// The target id of system assignments, as Keystone stores it.
pub const SYSTEM_TARGET: &str = "system";

/// The kinds of assignment Keystone keeps, by actor and target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AssignmentKind {
    UserProject,
    GroupProject,
    UserDomain,
    GroupDomain,
    UserSystem,
    GroupSystem,
}

impl AssignmentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AssignmentKind::UserProject => "UserProject",
            AssignmentKind::GroupProject => "GroupProject",
            AssignmentKind::UserDomain => "UserDomain",
            AssignmentKind::GroupDomain => "GroupDomain",
            AssignmentKind::UserSystem => "UserSystem",
            AssignmentKind::GroupSystem => "GroupSystem",
        }
    }

    pub fn parse(kind: &str) -> Option<AssignmentKind> {
        [
            AssignmentKind::UserProject,
            AssignmentKind::GroupProject,
            AssignmentKind::UserDomain,
            AssignmentKind::GroupDomain,
            AssignmentKind::UserSystem,
            AssignmentKind::GroupSystem,
        ]
        .into_iter()
        .find(|k| k.as_str() == kind)
    }

    pub fn for_actor_and_target(actor: ActorType, target: TargetType) -> AssignmentKind {
        match (actor, target) {
            (ActorType::User, TargetType::Project) => AssignmentKind::UserProject,
            (ActorType::Group, TargetType::Project) => AssignmentKind::GroupProject,
            (ActorType::User, TargetType::Domain) => AssignmentKind::UserDomain,
            (ActorType::Group, TargetType::Domain) => AssignmentKind::GroupDomain,
            (ActorType::User, TargetType::System) => AssignmentKind::UserSystem,
            (ActorType::Group, TargetType::System) => AssignmentKind::GroupSystem,
        }
    }

    pub fn actor(self) -> ActorType {
        match self {
            AssignmentKind::UserProject
            | AssignmentKind::UserDomain
            | AssignmentKind::UserSystem => ActorType::User,
            _ => ActorType::Group,
        }
    }

    pub fn target(self) -> TargetType {
        match self {
            AssignmentKind::UserProject | AssignmentKind::GroupProject => TargetType::Project,
            AssignmentKind::UserDomain | AssignmentKind::GroupDomain => TargetType::Domain,
            AssignmentKind::UserSystem | AssignmentKind::GroupSystem => TargetType::System,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ActorType {
    User,
    Group,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TargetType {
    Project,
    Domain,
    System,
}

/// One grant: an actor holds a role on a target, possibly inherited to projects below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub kind: AssignmentKind,
    pub actor_id: String,
    pub target_id: String,
    pub role_id: String,
    pub inherited: bool,
}

impl Grant {
    fn row(&self) -> AssignmentRow {
        AssignmentRow {
            kind: self.kind.as_str().to_string(),
            actor_id: self.actor_id.clone(),
            target_id: self.target_id.clone(),
            role_id: self.role_id.clone(),
            inherited: self.inherited,
        }
    }

    fn from_row(row: AssignmentRow) -> Option<Grant> {
        Some(Grant {
            kind: AssignmentKind::parse(&row.kind)?,
            actor_id: row.actor_id,
            target_id: row.target_id,
            role_id: row.role_id,
            inherited: row.inherited,
        })
    }
}

/// Keystone `create_grant`; granting twice is not an error.
///
/// A grant to a group must leave the group within `group_limit` grants
/// (`quota.grants_per_group`; a grant made again is not counted twice).
pub fn create_grant(
    conn: &mut DbConn,
    grant: &Grant,
    group_limit: Option<u32>,
) -> Result<(), StoreError> {
    let is_group = matches!(
        grant.kind,
        AssignmentKind::GroupProject | AssignmentKind::GroupDomain | AssignmentKind::GroupSystem
    );
    if !is_group || group_limit.is_none() {
        return insert_grant(conn, grant);
    }
    super::write_tx(conn, |conn| {
        if grant_exists(conn, grant)? {
            return Ok(());
        }
        super::quota::room_for_group_grant(conn, &grant.actor_id, group_limit)?;
        insert_grant(conn, grant)
    })
}

fn insert_grant(conn: &mut DbConn, grant: &Grant) -> Result<(), StoreError> {
    let row = grant.row();
    insert_unless_present(conn, |conn| {
        diesel::insert_into(assignments::table)
            .values(&row)
            .execute(conn)
    })?;
    Ok(())
}

/// Keystone `check_grant_role_id`: true if exactly this grant exists.
pub fn grant_exists(conn: &mut DbConn, grant: &Grant) -> Result<bool, StoreError> {
    let found: Option<String> = assignments::table
        .find((
            grant.kind.as_str(),
            &grant.actor_id,
            &grant.target_id,
            &grant.role_id,
            grant.inherited,
        ))
        .select(assignments::role_id)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// Keystone `delete_grant`; false if there was no such grant.
pub fn delete_grant(conn: &mut DbConn, grant: &Grant) -> Result<bool, StoreError> {
    let deleted = diesel::delete(assignments::table.find((
        grant.kind.as_str(),
        &grant.actor_id,
        &grant.target_id,
        &grant.role_id,
        grant.inherited,
    )))
    .execute(conn)?;
    Ok(deleted > 0)
}

/// The roles granted to one actor on one target (Keystone `list_grants`), by name.
pub fn list_grant_roles(
    conn: &mut DbConn,
    kind: AssignmentKind,
    actor_id: &str,
    target_id: &str,
    inherited: bool,
) -> Result<Vec<RoleRow>, StoreError> {
    Ok(roles::table
        .filter(
            roles::id.eq_any(
                assignments::table
                    .filter(assignments::kind.eq(kind.as_str()))
                    .filter(assignments::actor_id.eq(actor_id))
                    .filter(assignments::target_id.eq(target_id))
                    .filter(assignments::inherited.eq(inherited))
                    .select(assignments::role_id),
            ),
        )
        .order(roles::name.asc())
        .select(RoleRow::as_select())
        .load(conn)?)
}

/// Filters of `GET /v3/role_assignments` that the database applies.
#[derive(Debug, Clone, Default)]
pub struct AssignmentFilter {
    pub kinds: Option<Vec<AssignmentKind>>,
    pub actor_ids: Option<Vec<String>>,
    pub target_ids: Option<Vec<String>>,
    pub role_ids: Option<Vec<String>>,
    pub inherited: Option<bool>,
    /// Grants that reach these projects: (the projects, the targets whose inherited grants
    /// may reach them). Direct grants on the first, inherited grants on the second.
    pub reaching_projects: Option<(Vec<String>, Vec<String>)>,
}

/// Stored grants matching a filter, in a stable order.
pub fn list_grants(conn: &mut DbConn, filter: &AssignmentFilter) -> Result<Vec<Grant>, StoreError> {
    let mut query = assignments::table
        .select(AssignmentRow::as_select())
        .into_boxed();
    if let Some(kinds) = &filter.kinds {
        let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        query = query.filter(assignments::kind.eq_any(kinds));
    }
    if let Some(actors) = &filter.actor_ids {
        query = query.filter(assignments::actor_id.eq_any(actors.clone()));
    }
    if let Some(targets) = &filter.target_ids {
        query = query.filter(assignments::target_id.eq_any(targets.clone()));
    }
    if let Some(role_ids) = &filter.role_ids {
        query = query.filter(assignments::role_id.eq_any(role_ids.clone()));
    }
    if let Some(inherited) = filter.inherited {
        query = query.filter(assignments::inherited.eq(inherited));
    }
    if let Some((direct, from)) = &filter.reaching_projects {
        query = query.filter(
            assignments::target_id
                .eq_any(direct.clone())
                .and(assignments::inherited.eq(false))
                .or(assignments::target_id
                    .eq_any(from.clone())
                    .and(assignments::inherited.eq(true))),
        );
    }
    let rows = query
        .order((
            assignments::kind.asc(),
            assignments::actor_id.asc(),
            assignments::target_id.asc(),
            assignments::role_id.asc(),
            assignments::inherited.asc(),
        ))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(Grant::from_row).collect())
}

/// Removes every grant on a target (a deleted project or domain).
pub fn delete_grants_on_target(conn: &mut DbConn, target_id: &str) -> Result<(), StoreError> {
    diesel::delete(assignments::table.filter(assignments::target_id.eq(target_id)))
        .execute(conn)?;
    Ok(())
}

/// Removes every grant of a role (a deleted role; the foreign key also cascades).
pub fn delete_grants_of_role(conn: &mut DbConn, role_id: &str) -> Result<(), StoreError> {
    diesel::delete(assignments::table.filter(assignments::role_id.eq(role_id))).execute(conn)?;
    Ok(())
}

/// Where a token is scoped, for working out its roles.
#[derive(Debug, Clone)]
pub enum RoleTarget<'a> {
    Project(&'a ProjectRow),
    Domain(&'a str),
    System,
}

/// The ids of a project's ancestors, nearest first (projects nest through `parent_id`).
pub fn project_ancestors(
    conn: &mut DbConn,
    project: &ProjectRow,
) -> Result<Vec<String>, StoreError> {
    let mut ancestors = Vec::new();
    let mut next = project.parent_id.clone();
    while let Some(id) = next {
        // A parent that is the domain itself ends the chain; so does a loop.
        if id == project.domain_id || ancestors.contains(&id) || ancestors.len() > 64 {
            break;
        }
        let parent: Option<Option<String>> = projects::table
            .find(&id)
            .select(projects::parent_id)
            .first(conn)
            .optional()?;
        ancestors.push(id);
        next = parent.flatten();
    }
    Ok(ancestors)
}

/// Ids of the roles a user holds on a target, before role inference: granted to them or to
/// one of their groups, directly or inherited from the project's domain or ancestors.
fn granted_role_ids(
    conn: &mut DbConn,
    user_id: &str,
    target: &RoleTarget<'_>,
) -> Result<Vec<String>, StoreError> {
    let group_ids: Vec<String> = membership::table
        .filter(membership::user_id.eq(user_id))
        .select(membership::group_id)
        .load(conn)?;
    let (direct, inherited_from): (String, Vec<String>) = match target {
        RoleTarget::Project(project) => {
            let mut from = project_ancestors(conn, project)?;
            from.push(project.domain_id.clone());
            (project.id.clone(), from)
        }
        RoleTarget::Domain(id) => (id.to_string(), Vec::new()),
        RoleTarget::System => (SYSTEM_TARGET.to_string(), Vec::new()),
    };
    let ids = assignments::table
        .filter(
            assignments::actor_id
                .eq(user_id)
                .and(assignments::kind.like("User%"))
                .or(assignments::actor_id
                    .eq_any(group_ids)
                    .and(assignments::kind.like("Group%"))),
        )
        .filter(
            assignments::target_id
                .eq(direct)
                .and(assignments::inherited.eq(false))
                .or(assignments::target_id
                    .eq_any(inherited_from)
                    .and(assignments::inherited.eq(true))),
        )
        .select(assignments::role_id)
        .distinct()
        .load(conn)?;
    Ok(ids)
}

/// Every inference rule, prior role id to the ids it implies directly.
pub fn inference_rules(conn: &mut DbConn) -> Result<BTreeMap<String, Vec<String>>, StoreError> {
    let rows: Vec<ImpliedRoleRow> = implied_roles::table
        .select(ImpliedRoleRow::as_select())
        .load(conn)?;
    let mut rules: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in rows {
        rules
            .entry(row.prior_role_id)
            .or_default()
            .push(row.implied_role_id);
    }
    Ok(rules)
}

/// The ids given plus every role they imply, transitively.
pub fn expand_implied(rules: &BTreeMap<String, Vec<String>>, ids: &[String]) -> BTreeSet<String> {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut stack: Vec<String> = ids.to_vec();
    while let Some(id) = stack.pop() {
        if seen.insert(id.clone()) {
            if let Some(implied) = rules.get(&id) {
                stack.extend(implied.iter().cloned());
            }
        }
    }
    seen
}

/// The roles a user effectively holds on a target: granted to them or their groups,
/// directly or by inheritance, plus every role those imply. Ordered by name.
pub fn effective_roles(
    conn: &mut DbConn,
    user_id: &str,
    target: &RoleTarget<'_>,
) -> Result<Vec<RoleRow>, StoreError> {
    let granted = granted_role_ids(conn, user_id, target)?;
    if granted.is_empty() {
        return Ok(Vec::new());
    }
    let rules = inference_rules(conn)?;
    let all: Vec<String> = expand_implied(&rules, &granted).into_iter().collect();
    // A domain's own roles only stand for the global roles they imply: Keystone keeps them
    // out of tokens and effective assignments.
    Ok(roles::table
        .filter(roles::id.eq_any(all))
        .filter(roles::domain_id.eq(super::resources::GLOBAL_ROLE_DOMAIN))
        .order(roles::name.asc())
        .select(RoleRow::as_select())
        .load(conn)?)
}

/// Everything an actor holds, anywhere: the names of the roles its grants give it, with
/// every role those imply, and whether any grant is on the system. The manager's ceiling
/// (`policy::within_ceiling`) is judged on this.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holdings {
    pub role_names: BTreeSet<String>,
    pub system: bool,
}

/// What a user holds: its own grants and its groups' grants, on every project, domain and
/// the system, inherited or not (an inherited grant reaches every project below its target,
/// so where it lands does not matter here), with inference applied.
pub fn holdings_of_user(conn: &mut DbConn, user_id: &str) -> Result<Holdings, StoreError> {
    let group_ids = membership::table
        .filter(membership::user_id.eq(user_id))
        .select(membership::group_id);
    let rows: Vec<(String, String)> = assignments::table
        .filter(
            assignments::actor_id
                .eq(user_id)
                .and(assignments::kind.like("User%"))
                .or(assignments::actor_id
                    .eq_any(group_ids)
                    .and(assignments::kind.like("Group%"))),
        )
        .select((assignments::kind, assignments::role_id))
        .distinct()
        .load(conn)?;
    holdings_of(conn, rows)
}

/// What a group holds: its grants, anywhere, with inference applied.
pub fn holdings_of_group(conn: &mut DbConn, group_id: &str) -> Result<Holdings, StoreError> {
    let rows: Vec<(String, String)> = assignments::table
        .filter(assignments::actor_id.eq(group_id))
        .filter(assignments::kind.like("Group%"))
        .select((assignments::kind, assignments::role_id))
        .distinct()
        .load(conn)?;
    holdings_of(conn, rows)
}

fn holdings_of(conn: &mut DbConn, rows: Vec<(String, String)>) -> Result<Holdings, StoreError> {
    if rows.is_empty() {
        return Ok(Holdings::default());
    }
    let system = rows.iter().any(|(kind, _)| {
        AssignmentKind::parse(kind).is_some_and(|k| k.target() == TargetType::System)
    });
    let granted: Vec<String> = rows.into_iter().map(|(_, role)| role).collect();
    let rules = inference_rules(conn)?;
    let all: Vec<String> = expand_implied(&rules, &granted).into_iter().collect();
    // Domain-specific roles count by name too, as the grant rule judges them: one named
    // like a domain-managed role is within the ceiling, any other name is beyond it.
    let role_names = roles::table
        .filter(roles::id.eq_any(all))
        .select(roles::name)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    Ok(Holdings { role_names, system })
}

/// Keystone `create_implied_role`; idempotent.
pub fn create_implied_role(
    conn: &mut DbConn,
    prior: &str,
    implied: &str,
) -> Result<(), StoreError> {
    let row = ImpliedRoleRow {
        prior_role_id: prior.to_string(),
        implied_role_id: implied.to_string(),
    };
    insert_unless_present(conn, |conn| {
        diesel::insert_into(implied_roles::table)
            .values(&row)
            .execute(conn)
    })?;
    Ok(())
}

/// Keystone `get_implied_role`: true if the rule exists.
pub fn implied_role_exists(
    conn: &mut DbConn,
    prior: &str,
    implied: &str,
) -> Result<bool, StoreError> {
    let found: Option<String> = implied_roles::table
        .find((prior, implied))
        .select(implied_roles::prior_role_id)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// Keystone `delete_implied_role`; false if there was no such rule.
pub fn delete_implied_role(
    conn: &mut DbConn,
    prior: &str,
    implied: &str,
) -> Result<bool, StoreError> {
    Ok(diesel::delete(implied_roles::table.find((prior, implied))).execute(conn)? > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn implied_roles_expand_transitively_and_survive_cycles() {
        let mut rules = BTreeMap::new();
        rules.insert("admin".to_string(), vec!["manager".to_string()]);
        rules.insert("manager".to_string(), vec!["member".to_string()]);
        rules.insert("member".to_string(), vec!["reader".to_string()]);
        rules.insert("reader".to_string(), vec!["admin".to_string()]);
        let all = expand_implied(&rules, &["member".to_string()]);
        assert_eq!(all.len(), 4);
        let mut rules = BTreeMap::new();
        rules.insert("member".to_string(), vec!["reader".to_string()]);
        let all: Vec<String> = expand_implied(&rules, &["member".to_string()])
            .into_iter()
            .collect();
        assert_eq!(all, ["member", "reader"]);
    }

    #[test]
    fn kinds_round_trip() {
        for actor in [ActorType::User, ActorType::Group] {
            for target in [TargetType::Project, TargetType::Domain, TargetType::System] {
                let kind = AssignmentKind::for_actor_and_target(actor, target);
                assert_eq!(AssignmentKind::parse(kind.as_str()), Some(kind));
                assert_eq!(kind.actor(), actor);
                assert_eq!(kind.target(), target);
            }
        }
    }
}

/// The filters of Keystone `list_role_assignments`.
#[derive(Debug, Clone, Default)]
pub struct RoleAssignmentQuery {
    pub user_id: Option<String>,
    pub group_id: Option<String>,
    pub role_id: Option<String>,
    pub project_id: Option<String>,
    pub domain_id: Option<String>,
    pub system: bool,
    /// Only grants inherited to projects.
    pub inherited_only: bool,
    /// Expand groups into their members, inheritance into projects, and implied roles.
    pub effective: bool,
    /// With `project_id`: the projects below it too.
    pub include_subtree: bool,
}

/// One row of `GET /v3/role_assignments`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentEntry {
    pub role_id: String,
    pub actor: ActorType,
    pub actor_id: String,
    pub target: TargetType,
    pub target_id: String,
    /// The grant is inherited to the projects below its target (non-effective lists only).
    pub inherited: bool,
    /// The grant this entry comes from.
    pub source: Grant,
    /// For an effective entry that comes through a group: that group.
    pub via_group: Option<String>,
    /// For an effective entry that comes through role inference: the role granted.
    pub prior_role: Option<String>,
}

/// Keystone `list_role_assignments`, with `effective` expansion.
pub fn list_role_assignments(
    conn: &mut DbConn,
    query: &RoleAssignmentQuery,
) -> Result<Vec<AssignmentEntry>, StoreError> {
    let mut project_ids: Option<Vec<String>> = None;
    if let Some(project_id) = &query.project_id {
        let mut ids = vec![project_id.clone()];
        if query.include_subtree {
            ids.extend(super::resources::project_descendant_ids(conn, project_id)?);
        }
        project_ids = Some(ids);
    }

    // Which stored grants can contribute.
    let mut filter = AssignmentFilter::default();
    let rules = inference_rules(conn)?;
    if query.effective {
        if let Some(user_id) = &query.user_id {
            let mut actors = vec![user_id.clone()];
            actors.extend(super::groups::group_ids_for_user(conn, user_id)?);
            filter.actor_ids = Some(actors);
        }
        // Only the grants that can yield an entry in the asked scope are read, so a domain
        // reader's list (always narrowed to their domain) never expands the rest of the
        // cloud. The entries are still filtered below, which keeps this an optimisation.
        if let Some(domain_id) = &query.domain_id {
            // Inherited grants land on projects only, so none reach a domain entry.
            filter.kinds = Some(vec![
                AssignmentKind::UserDomain,
                AssignmentKind::GroupDomain,
            ]);
            filter.target_ids = Some(vec![domain_id.clone()]);
            filter.inherited = Some(false);
        } else if query.system {
            filter.kinds = Some(vec![
                AssignmentKind::UserSystem,
                AssignmentKind::GroupSystem,
            ]);
            filter.target_ids = Some(vec![SYSTEM_TARGET.to_string()]);
        } else if let (Some(project_id), Some(ids)) = (&query.project_id, &project_ids) {
            let mut from = ids.clone();
            match super::resources::get_project(conn, project_id) {
                Ok(project) => {
                    from.extend(project_ancestors(conn, &project)?);
                    from.push(project.domain_id);
                }
                Err(StoreError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
            filter.kinds = Some(vec![
                AssignmentKind::UserProject,
                AssignmentKind::GroupProject,
                AssignmentKind::UserDomain,
                AssignmentKind::GroupDomain,
            ]);
            filter.reaching_projects = Some((ids.clone(), from));
        }
        if let Some(role_id) = &query.role_id {
            filter.role_ids = Some(roles_implying(&rules, role_id));
        }
    } else {
        let mut kinds: Vec<AssignmentKind> = Vec::new();
        for actor in [ActorType::User, ActorType::Group] {
            if (actor == ActorType::User && query.group_id.is_some())
                || (actor == ActorType::Group && query.user_id.is_some())
            {
                continue;
            }
            for target in [TargetType::Project, TargetType::Domain, TargetType::System] {
                let wanted = match target {
                    TargetType::Project => query.domain_id.is_none() && !query.system,
                    TargetType::Domain => query.project_id.is_none() && !query.system,
                    TargetType::System => query.project_id.is_none() && query.domain_id.is_none(),
                };
                if wanted {
                    kinds.push(AssignmentKind::for_actor_and_target(actor, target));
                }
            }
        }
        filter.kinds = Some(kinds);
        if let Some(id) = query.user_id.as_ref().or(query.group_id.as_ref()) {
            filter.actor_ids = Some(vec![id.clone()]);
        }
        if let Some(ids) = &project_ids {
            filter.target_ids = Some(ids.clone());
        } else if let Some(domain_id) = &query.domain_id {
            filter.target_ids = Some(vec![domain_id.clone()]);
        } else if query.system {
            filter.target_ids = Some(vec![SYSTEM_TARGET.to_string()]);
        }
        if let Some(role_id) = &query.role_id {
            filter.role_ids = Some(vec![role_id.clone()]);
        }
        if query.inherited_only {
            filter.inherited = Some(true);
        }
    }
    let grants = list_grants(conn, &filter)?;

    if !query.effective {
        return Ok(grants
            .into_iter()
            .map(|g| AssignmentEntry {
                role_id: g.role_id.clone(),
                actor: g.kind.actor(),
                actor_id: g.actor_id.clone(),
                target: g.kind.target(),
                target_id: g.target_id.clone(),
                inherited: g.inherited,
                source: g,
                via_group: None,
                prior_role: None,
            })
            .collect());
    }

    let mut entries = Vec::new();
    for grant in grants {
        let users: Vec<(String, Option<String>)> = match grant.kind.actor() {
            ActorType::User => vec![(grant.actor_id.clone(), None)],
            ActorType::Group => super::groups::user_ids_in_group(conn, &grant.actor_id)?
                .into_iter()
                .filter(|u| query.user_id.as_ref().is_none_or(|wanted| wanted == u))
                .map(|u| (u, Some(grant.actor_id.clone())))
                .collect(),
        };
        let targets: Vec<(TargetType, String)> = if grant.inherited {
            let below = match grant.kind.target() {
                TargetType::Domain => {
                    super::resources::project_ids_in_domain(conn, &grant.target_id)?
                }
                TargetType::Project => {
                    super::resources::project_descendant_ids(conn, &grant.target_id)?
                }
                TargetType::System => Vec::new(),
            };
            let mut below: Vec<String> = match &project_ids {
                // Only the asked projects survive the filter below: expand to those alone.
                Some(ids) => below.into_iter().filter(|p| ids.contains(p)).collect(),
                None => below,
            };
            below.sort();
            below
                .into_iter()
                .map(|p| (TargetType::Project, p))
                .collect()
        } else {
            vec![(grant.kind.target(), grant.target_id.clone())]
        };
        let implied = expand_implied(&rules, std::slice::from_ref(&grant.role_id));
        for (user_id, via_group) in &users {
            for (target, target_id) in &targets {
                for role_id in &implied {
                    entries.push(AssignmentEntry {
                        role_id: role_id.clone(),
                        actor: ActorType::User,
                        actor_id: user_id.clone(),
                        target: *target,
                        target_id: target_id.clone(),
                        inherited: false,
                        source: grant.clone(),
                        via_group: via_group.clone(),
                        prior_role: (role_id != &grant.role_id).then(|| grant.role_id.clone()),
                    });
                }
            }
        }
    }
    let domain_roles: BTreeSet<String> = roles::table
        .filter(roles::domain_id.ne(super::resources::GLOBAL_ROLE_DOMAIN))
        .select(roles::id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    entries.retain(|e| {
        !domain_roles.contains(&e.role_id)
            && query.role_id.as_ref().is_none_or(|r| r == &e.role_id)
            && project_ids
                .as_ref()
                .is_none_or(|ids| e.target == TargetType::Project && ids.contains(&e.target_id))
            && query
                .domain_id
                .as_ref()
                .is_none_or(|d| e.target == TargetType::Domain && d == &e.target_id)
            && (!query.system || e.target == TargetType::System)
    });
    Ok(entries)
}

/// The ids of the roles whose grant gives `role_id` by inference, `role_id` included.
fn roles_implying(rules: &BTreeMap<String, Vec<String>>, role_id: &str) -> Vec<String> {
    let mut found = vec![role_id.to_string()];
    for prior in rules.keys() {
        if prior != role_id && expand_implied(rules, std::slice::from_ref(prior)).contains(role_id)
        {
            found.push(prior.clone());
        }
    }
    found
}

impl AssignmentEntry {
    /// The entry's place in the list and its paging marker: the grant it comes from and
    /// what that grant gave, hex-encoded so that it orders as the fields do and reads
    /// safely in a URL. Role assignments have no id of their own.
    pub fn marker(&self) -> String {
        let s = &self.source;
        let inherited = if s.inherited { "1" } else { "0" };
        hex::encode(
            [
                s.kind.as_str(),
                &s.actor_id,
                &s.target_id,
                &s.role_id,
                inherited,
                &self.actor_id,
                &self.target_id,
                &self.role_id,
            ]
            .join("\u{1f}"),
        )
    }
}

/// Keystone `list_role_assignments`, one page of it: entries ordered by [`AssignmentEntry::marker`],
/// `limit` and `marker` as every other list takes them. Keystone does not page this list;
/// here it honours `identity.list_limit` like the rest, and says `truncated`.
pub fn list_role_assignments_page(
    conn: &mut DbConn,
    query: &RoleAssignmentQuery,
    request: &PageRequest,
) -> Result<Page<AssignmentEntry>, StoreError> {
    let entries = list_role_assignments(conn, query)?;
    let mut keyed: Vec<(String, AssignmentEntry)> =
        entries.into_iter().map(|e| (e.marker(), e)).collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(marker) = &request.marker {
        if keyed
            .binary_search_by(|(k, _)| k.as_str().cmp(marker))
            .is_err()
        {
            return Err(StoreError::NotFoundMessage(format!(
                "Could not find role assignment: {marker}."
            )));
        }
    }
    let page = super::paginate(
        request,
        |(key, _): &(String, AssignmentEntry)| key.as_str(),
        |window| {
            Ok(match window {
                super::Window::After { marker, limit } => keyed
                    .iter()
                    .filter(|(k, _)| marker.is_none_or(|m| k.as_str() > m))
                    .take(limit.map_or(usize::MAX, |l| l.max(0) as usize))
                    .cloned()
                    .collect(),
                super::Window::Before { marker, skip } => keyed
                    .iter()
                    .rev()
                    .filter(|(k, _)| k.as_str() <= marker)
                    .skip(skip.max(0) as usize)
                    .take(1)
                    .cloned()
                    .collect(),
            })
        },
    )?;
    Ok(page.map(|(_, entry)| entry))
}

/// The ids of targets of `kinds` on which a user holds a role, directly or through a group.
fn target_ids_for_user(
    conn: &mut DbConn,
    user_id: &str,
    user_kind: AssignmentKind,
    group_kind: AssignmentKind,
) -> Result<Vec<String>, StoreError> {
    let group_ids = membership::table
        .filter(membership::user_id.eq(user_id))
        .select(membership::group_id);
    Ok(assignments::table
        .filter(assignments::inherited.eq(false))
        .filter(
            assignments::actor_id
                .eq(user_id)
                .and(assignments::kind.eq(user_kind.as_str()))
                .or(assignments::actor_id
                    .eq_any(group_ids)
                    .and(assignments::kind.eq(group_kind.as_str()))),
        )
        .select(assignments::target_id)
        .distinct()
        .load(conn)?)
}

/// Keystone `list_domains_for_user`: enabled domains where the user holds a role, directly
/// or through a group, ordered by id.
pub fn list_domains_for_user(
    conn: &mut DbConn,
    user_id: &str,
) -> Result<Vec<DomainRow>, StoreError> {
    let ids = target_ids_for_user(
        conn,
        user_id,
        AssignmentKind::UserDomain,
        AssignmentKind::GroupDomain,
    )?;
    Ok(domains::table
        .filter(domains::id.eq_any(ids))
        .filter(domains::enabled.eq(true))
        .order(domains::id.asc())
        .select(DomainRow::as_select())
        .load(conn)?)
}

/// Keystone `list_projects_for_user`: enabled projects, in enabled domains, where the user
/// holds a role, directly, through a group or by inheritance, ordered by id.
pub fn list_projects_for_user(
    conn: &mut DbConn,
    user_id: &str,
) -> Result<Vec<ProjectRow>, StoreError> {
    // Directly, through groups, and inherited from a domain or a parent project.
    let ids = super::projects::project_ids_for_user(conn, user_id)?;
    let enabled_domains = domains::table
        .filter(domains::enabled.eq(true))
        .select(domains::id);
    Ok(projects::table
        .filter(projects::id.eq_any(ids))
        .filter(projects::enabled.eq(true))
        .filter(projects::domain_id.eq_any(enabled_domains))
        .order(projects::id.asc())
        .select(ProjectRow::as_select())
        .load(conn)?)
}
