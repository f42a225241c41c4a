//! Keystone's `list_role_assignments`, with `effective`, `include_names` and
//! `include_subtree`.

use std::collections::HashMap;

use crate::auth::policy::{self, Target};
use crate::auth::AuthContext;
use crate::db::assignments::{self, ActorType, AssignmentEntry, RoleAssignmentQuery, TargetType};
use crate::db::resources::GLOBAL_ROLE_DOMAIN;
use crate::db::StoreError;
use crate::db::{self, groups, resources, roles, users, DbConn};
use crate::domain::page::{Page, PageRequest};
use crate::error::ApiError;
use crate::state::AppState;

/// The filters of a role assignment list as a face read them, before Keystone's rules on
/// their combination.
#[derive(Debug, Clone, Default)]
pub struct AssignmentFilters {
    pub user_id: Option<String>,
    pub group_id: Option<String>,
    pub role_id: Option<String>,
    pub project_id: Option<String>,
    pub domain_id: Option<String>,
    /// `scope.system`: only `all` is a system.
    pub system: Option<String>,
    /// `scope.OS-INHERIT:inherited_to`: only `projects`.
    pub inherited_to: Option<String>,
    pub effective: bool,
    pub include_names: bool,
    pub include_subtree: bool,
}

/// Keystone's rules on the filters of a role assignment list.
fn query_of(f: AssignmentFilters) -> Result<RoleAssignmentQuery, ApiError> {
    let system = match f.system.as_deref() {
        None => false,
        Some("all") => true,
        Some(other) => {
            return Err(ApiError::invalid_field(
                "scope.system",
                format!("'{other}' is not 'all'"),
            ))
        }
    };
    let inherited_only = match f.inherited_to.as_deref() {
        None => false,
        Some("projects") => true,
        Some(other) => {
            return Err(ApiError::invalid_field(
                "scope.OS-INHERIT:inherited_to",
                format!("'{other}' is not 'projects'"),
            ))
        }
    };
    let parsed = RoleAssignmentQuery {
        user_id: f.user_id,
        group_id: f.group_id,
        role_id: f.role_id,
        project_id: f.project_id,
        domain_id: f.domain_id,
        system,
        inherited_only,
        effective: f.effective,
        include_subtree: f.include_subtree,
    };
    if parsed.effective && parsed.group_id.is_some() {
        return Err(ApiError::Validation(
            "Combining effective and group filter will always result in an empty list.".into(),
        ));
    }
    if parsed.include_subtree && parsed.project_id.is_none() {
        return Err(ApiError::Validation(
            "scope.project.id needs to be specified if include_subtree is also specified.".into(),
        ));
    }
    let scopes = [
        parsed.project_id.is_some(),
        parsed.domain_id.is_some(),
        parsed.system,
    ];
    if scopes.iter().filter(|s| **s).count() > 1 {
        return Err(ApiError::Validation(
            "Specify at most one of scope.project.id, scope.domain.id and scope.system.".into(),
        ));
    }
    Ok(parsed)
}

/// Names of everything a page of entries mentions, looked up once each
/// (`include_names`): (name, domain id) of roles, users, groups and projects, and domain
/// names.
#[derive(Debug, Default)]
pub struct Names {
    pub roles: HashMap<String, (String, Option<String>)>,
    pub users: HashMap<String, (String, String)>,
    pub groups: HashMap<String, (String, String)>,
    pub projects: HashMap<String, (String, String)>,
    pub domains: HashMap<String, String>,
}

impl Names {
    fn load(conn: &mut DbConn, entries: &[AssignmentEntry]) -> Result<Names, ApiError> {
        let mut names = Names::default();
        // Something deleted since the page was read is shown without its name.
        let ok_or_skip = |r: Result<(), StoreError>| match r {
            Err(StoreError::NotFound { .. }) | Ok(()) => Ok(()),
            Err(e) => Err(ApiError::from(e)),
        };
        for e in entries {
            if !names.roles.contains_key(&e.role_id) {
                ok_or_skip(roles::get_role(conn, &e.role_id).map(|r| {
                    let domain = (r.domain_id != GLOBAL_ROLE_DOMAIN).then_some(r.domain_id);
                    names.roles.insert(r.id, (r.name, domain));
                }))?;
            }
            match e.actor {
                ActorType::User if !names.users.contains_key(&e.actor_id) => {
                    ok_or_skip(users::get_user(conn, &e.actor_id).map(|u| {
                        names.users.insert(u.id, (u.name, u.domain_id));
                    }))?
                }
                ActorType::Group if !names.groups.contains_key(&e.actor_id) => {
                    ok_or_skip(groups::get_group(conn, &e.actor_id).map(|g| {
                        names.groups.insert(g.id, (g.name, g.domain_id));
                    }))?
                }
                _ => {}
            }
            if e.target == TargetType::Project && !names.projects.contains_key(&e.target_id) {
                ok_or_skip(resources::get_project(conn, &e.target_id).map(|p| {
                    names.projects.insert(p.id, (p.name, p.domain_id));
                }))?;
            }
        }
        let mut domain_ids: Vec<String> = names
            .users
            .values()
            .map(|(_, d)| d.clone())
            .chain(names.groups.values().map(|(_, d)| d.clone()))
            .chain(names.projects.values().map(|(_, d)| d.clone()))
            .chain(names.roles.values().filter_map(|(_, d)| d.clone()))
            .chain(
                entries
                    .iter()
                    .filter(|e| e.target == TargetType::Domain)
                    .map(|e| e.target_id.clone()),
            )
            .collect();
        domain_ids.sort();
        domain_ids.dedup();
        for id in domain_ids {
            ok_or_skip(resources::get_domain(conn, &id).map(|d| {
                names.domains.insert(d.id, d.name);
            }))?;
        }
        Ok(names)
    }
}

/// Keystone `list_role_assignments`: a caller who may not list every assignment and names
/// no project or domain sees those on its token's domain.
pub async fn list_role_assignments(
    state: &AppState,
    caller: &AuthContext,
    filters: AssignmentFilters,
    page: PageRequest,
) -> Result<(Page<AssignmentEntry>, Option<Names>), ApiError> {
    let include_names = filters.include_names;
    let mut filter = query_of(filters)?;
    let unrestricted = policy::allows(caller, &policy::LIST_ROLE_ASSIGNMENTS, &Target::default());
    if !unrestricted {
        if let (Some(domain), None, None) = (
            caller.token_domain_id(),
            &filter.project_id,
            &filter.domain_id,
        ) {
            filter.domain_id = Some(domain.to_string());
        }
    }
    let list_domain = filter.domain_id.clone();
    policy::enforce(
        caller,
        &policy::LIST_ROLE_ASSIGNMENTS,
        &Target {
            list_domain_id: list_domain.as_deref(),
            ..Target::default()
        },
    )?;
    db::run(&state.pool, move |conn| {
        let entries = assignments::list_role_assignments_page(conn, &filter, &page)?;
        let names = if include_names {
            Some(Names::load(conn, &entries.items)?)
        } else {
            None
        };
        Ok((entries, names))
    })
    .await
}
