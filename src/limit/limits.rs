//! Limits: Keystone's `create_limits`, `get_limit`, `list_limits`, `update_limit`,
//! `delete_limit`. A limit belongs to a project or a domain and overrides one registered
//! limit, found by its service, region and resource name.

use super::{assert_exist, enforce, Named};
use crate::auth::context::Scope;
use crate::auth::policy::{self, Target};
use crate::auth::AuthContext;
use crate::change::{self, Action, Event};
use crate::db::limits::{self as store, Limit, LimitFilter, LimitRow};
use crate::db::{self, resources, write_tx};
use crate::domain::new_id;
use crate::error::ApiError;
use crate::state::AppState;

/// Who a limit is for: one project, or one domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    Project(String),
    Domain(String),
}

/// A new limit, its values already checked by the face.
#[derive(Debug, Clone)]
pub struct NewLimit {
    pub owner: Owner,
    pub service_id: String,
    pub region_id: Option<String>,
    pub resource_name: String,
    pub resource_limit: i64,
    pub description: Option<String>,
}

/// A limit's changes: only its value and description change.
#[derive(Debug, Clone, Default)]
pub struct LimitChanges {
    pub resource_limit: Option<i64>,
    pub description: Option<Option<String>>,
}

const TARGET: &str = "limit";

/// Keystone's `NoLimitReference`.
fn no_reference() -> ApiError {
    ApiError::Forbidden(
        "Unable to create a limit that has no corresponding registered limit.".into(),
    )
}

/// Keystone `create_limits`: all of them or none. What each names must exist (400), each
/// needs its registered limit (403), and an owner holds one limit per registered limit
/// (409). The `flat` model checks nothing more.
pub async fn create_limits(
    state: &AppState,
    caller: &AuthContext,
    new: Vec<NewLimit>,
) -> Result<Vec<Limit>, ApiError> {
    change::audit(Event::new(Action::Create, TARGET, None));
    enforce(caller, &policy::CREATE_LIMITS)?;
    let created = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            let mut made = Vec::with_capacity(new.len());
            for n in new {
                let (project_id, domain_id) = match &n.owner {
                    Owner::Project(p) => (Some(p.clone()), None),
                    Owner::Domain(d) => (None, Some(d.clone())),
                };
                let named = Named {
                    service_id: Some(&n.service_id),
                    region_id: n.region_id.as_deref(),
                    project_id: project_id.as_deref(),
                    domain_id: domain_id.as_deref(),
                };
                assert_exist(conn, &named, TARGET)?;
                let registered = store::find_registered_limit(
                    conn,
                    &n.service_id,
                    n.region_id.as_deref(),
                    &n.resource_name,
                )?
                .ok_or_else(no_reference)?;
                made.push(Limit {
                    row: LimitRow {
                        id: new_id(),
                        registered_limit_id: registered.id,
                        project_id,
                        domain_id,
                        resource_limit: n.resource_limit,
                        description: n.description,
                    },
                    service_id: n.service_id,
                    region_id: n.region_id,
                    resource_name: n.resource_name,
                });
            }
            store::create_limits(conn, made.iter().map(|l| l.row.clone()).collect())?;
            Ok::<_, ApiError>(made)
        })
    })
    .await?;
    let ids: Vec<&str> = created.iter().map(|l| l.row.id.as_str()).collect();
    let ids = ids.join(",");
    change::amend(|e| e.target_id = Some(ids));
    Ok(created)
}

/// Keystone `get_limit`: admins and system readers; a token scoped to the limit's domain
/// or its project's domain; a token scoped to its project. A missing limit is a 404 for
/// those who may read any limit, a 403 for the others.
pub async fn get_limit(
    state: &AppState,
    caller: &AuthContext,
    id: String,
) -> Result<Limit, ApiError> {
    let found = db::run(&state.pool, move |conn| {
        let limit = match store::get_limit(conn, &id) {
            Ok(limit) => limit,
            Err(e) if e.is_not_found() => return Ok((Err(e), None)),
            Err(e) => return Err(e),
        };
        let project_domain = match &limit.row.project_id {
            Some(p) => Some(resources::get_project(conn, p)?.domain_id),
            None => None,
        };
        Ok((Ok(limit), project_domain))
    })
    .await?;
    match found {
        (Ok(limit), project_domain) => {
            let target = Target {
                project_id: limit.row.project_id.as_deref(),
                project_domain_id: project_domain.as_deref(),
                domain_id: limit.row.domain_id.as_deref(),
                ..Target::default()
            };
            policy::enforce(caller, &policy::GET_LIMIT, &target)?;
            Ok(limit)
        }
        (Err(missing), _) => {
            policy::enforce(caller, &policy::GET_LIMIT, &Target::default())?;
            Err(missing.into())
        }
    }
}

/// Keystone `list_limits`: anyone, narrowed to the caller's scope as Keystone does. A
/// system-scoped token sees every limit; a domain-scoped token the domain's own and its
/// projects'; a project-scoped token its project's (an admin's too); an unscoped token none.
pub async fn list_limits(
    state: &AppState,
    caller: &AuthContext,
    mut filter: LimitFilter,
) -> Result<Vec<Limit>, ApiError> {
    enforce(caller, &policy::LIST_LIMITS)?;
    enum Narrow {
        All,
        Domain(String),
        Project(String),
        Nothing,
    }
    let narrow = match &caller.scope {
        Scope::System => Narrow::All,
        Scope::Domain(domain) => Narrow::Domain(domain.id.clone()),
        Scope::Project { project, .. } => Narrow::Project(project.id.clone()),
        Scope::Unscoped => Narrow::Nothing,
    };
    match &narrow {
        Narrow::All | Narrow::Domain(_) => {}
        Narrow::Nothing => return Ok(Vec::new()),
        Narrow::Project(p) => {
            if filter.project_id.as_ref().is_some_and(|asked| asked != p) {
                return Ok(Vec::new());
            }
            filter.project_id = Some(p.clone());
        }
    }
    db::run(&state.pool, move |conn| {
        let limits = store::list_limits(conn, &filter)?;
        let Narrow::Domain(domain) = narrow else {
            return Ok::<_, ApiError>(limits);
        };
        let projects = store::project_ids_in_domain(conn, &domain)?;
        Ok(limits
            .into_iter()
            .filter(|l| match (&l.row.project_id, &l.row.domain_id) {
                (Some(p), _) => projects.contains(p),
                (None, Some(d)) => *d == domain,
                (None, None) => false,
            })
            .collect())
    })
    .await
}

/// Keystone `update_limit`: its value and description.
pub async fn update_limit(
    state: &AppState,
    caller: &AuthContext,
    id: String,
    changes: LimitChanges,
) -> Result<Limit, ApiError> {
    change::audit(Event::updated(TARGET, id.clone()));
    enforce(caller, &policy::UPDATE_LIMIT)?;
    db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            let mut limit = store::get_limit(conn, &id)?;
            if let Some(v) = changes.resource_limit {
                limit.row.resource_limit = v;
            }
            if let Some(d) = changes.description {
                limit.row.description = d;
            }
            store::update_limit(conn, &limit.row)?;
            Ok::<_, ApiError>(limit)
        })
    })
    .await
}

/// Keystone `delete_limit`.
pub async fn delete_limit(
    state: &AppState,
    caller: &AuthContext,
    id: String,
) -> Result<(), ApiError> {
    change::audit(Event::deleted(TARGET, id.clone()));
    enforce(caller, &policy::DELETE_LIMIT)?;
    db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| store::delete_limit(conn, &id))
    })
    .await
    .map_err(ApiError::from)
}
