//! Grants: Keystone's `create_grant`, `check_grant`, `delete_grant`, `list_grants`, for
//! users and groups on projects, domains (inherited to their projects or not) and the
//! system. The rules judge the caller against the actor's domain, the target's domain and
//! the role: a domain manager may grant only `rule:domain_managed_target_role`, the
//! ceiling of what a non-admin may hand out.

use crate::auth::policy::glue::authorize;
use crate::auth::policy::{self, Policy, Target};
use crate::auth::AuthContext;
use crate::cache::Tag;
use crate::change::{self, Action, Event};
use crate::db::assignments::{self, ActorType, AssignmentKind, Grant, TargetType, SYSTEM_TARGET};
use crate::db::models::RoleRow;
use crate::db::resources::GLOBAL_ROLE_DOMAIN;
use crate::db::{self, groups, resources, roles, users, DbConn};
use crate::error::ApiError;
use crate::state::AppState;

/// Which kind of grant a call is about: on what, to whom, inherited or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrantForm {
    pub target: TargetType,
    pub actor: ActorType,
    pub inherited: bool,
}

impl GrantForm {
    fn kind(&self) -> AssignmentKind {
        AssignmentKind::for_actor_and_target(self.actor, self.target)
    }

    /// Keystone's notification target type: `project.group.role`,
    /// `domain.user.role.inherited_to_project`, `system.user.role`.
    fn event_type(&self) -> String {
        let target = match self.target {
            TargetType::Project => "project",
            TargetType::Domain => "domain",
            TargetType::System => "system",
        };
        let actor = match self.actor {
            ActorType::User => "user",
            ActorType::Group => "group",
        };
        let inherited = if self.inherited {
            ".inherited_to_project"
        } else {
            ""
        };
        format!("{target}.{actor}.role{inherited}")
    }
}

/// What a grant call names: the target (ignored for the system) and the actor.
#[derive(Debug, Clone)]
pub struct GrantRef {
    pub form: GrantForm,
    pub target_id: String,
    pub actor_id: String,
}

impl GrantRef {
    fn target_id(&self) -> &str {
        match self.form.target {
            TargetType::System => SYSTEM_TARGET,
            _ => &self.target_id,
        }
    }
}

/// What a grant call names, loaded: the domains of its actor and target, for the policy.
struct Loaded {
    actor_id: String,
    actor_domain: String,
    target_id: String,
    /// The domain of the project, or the domain itself; `None` for the system.
    scope_domain: Option<String>,
    role: Option<RoleRow>,
}

fn load(conn: &mut DbConn, grant: &GrantRef, role_id: Option<&str>) -> Result<Loaded, ApiError> {
    let target_id = grant.target_id();
    let scope_domain = match grant.form.target {
        TargetType::Project => Some(resources::get_project(conn, target_id)?.domain_id),
        TargetType::Domain => Some(resources::get_domain(conn, target_id)?.id),
        TargetType::System => None,
    };
    let actor_domain = match grant.form.actor {
        ActorType::User => users::get_user(conn, &grant.actor_id)?.domain_id,
        ActorType::Group => groups::get_group(conn, &grant.actor_id)?.domain_id,
    };
    let role = role_id.map(|id| roles::get_role(conn, id)).transpose()?;
    Ok(Loaded {
        actor_id: grant.actor_id.clone(),
        actor_domain,
        target_id: target_id.to_string(),
        scope_domain,
        role,
    })
}

fn policy_target(form: GrantForm, loaded: &Loaded) -> Target<'_> {
    let mut target = Target {
        actor_domain_id: Some(&loaded.actor_domain),
        scope_domain_id: loaded.scope_domain.as_deref(),
        role: loaded.role.as_ref().map(|r| {
            let domain = (r.domain_id != GLOBAL_ROLE_DOMAIN).then_some(r.domain_id.as_str());
            (r.name.as_str(), domain)
        }),
        ..Target::default()
    };
    match form.actor {
        ActorType::User => {
            target.user_id = Some(&loaded.actor_id);
            target.user_domain_id = Some(&loaded.actor_domain);
        }
        ActorType::Group => target.group_domain_id = Some(&loaded.actor_domain),
    }
    match form.target {
        TargetType::Project => {
            target.project_id = Some(&loaded.target_id);
            target.project_domain_id = loaded.scope_domain.as_deref();
        }
        TargetType::Domain => target.domain_id = Some(&loaded.target_id),
        TargetType::System => {}
    }
    target
}

fn grant_policy(form: GrantForm, read: bool, write: &'static Policy) -> &'static Policy {
    match (form.target, read) {
        (TargetType::System, true) => &policy::READ_SYSTEM_GRANTS,
        (TargetType::System, false) => &policy::WRITE_SYSTEM_GRANTS,
        (_, true) => &policy::CHECK_GRANT,
        (_, false) => write,
    }
}

async fn load_and_authorize(
    state: &AppState,
    caller: &AuthContext,
    grant: GrantRef,
    role_id: String,
    policy: &Policy,
) -> Result<(Loaded, Grant), ApiError> {
    let form = grant.form;
    let loaded = db::run(&state.pool, move |conn| {
        load(conn, &grant, Some(role_id.as_str()))
    })
    .await;
    let loaded = authorize(caller, policy, loaded, |l| policy_target(form, l))?;
    let role = loaded
        .role
        .as_ref()
        .ok_or_else(|| ApiError::Internal("grant call without a role".into()))?;
    let grant = Grant {
        kind: form.kind(),
        actor_id: loaded.actor_id.clone(),
        target_id: loaded.target_id.clone(),
        role_id: role.id.clone(),
        inherited: form.inherited,
    };
    Ok((loaded, grant))
}

fn no_such_grant(grant: &Grant) -> ApiError {
    ApiError::NotFoundMessage(format!(
        "Could not find role assignment with role: {}, user or group: {}, project, domain, or system: {}.",
        grant.role_id, grant.actor_id, grant.target_id
    ))
}

/// Keystone `create_grant`: a domain's own role on a project only within that domain.
pub async fn create_grant(
    state: &AppState,
    caller: &AuthContext,
    grant: GrantRef,
    role_id: String,
) -> Result<(), ApiError> {
    let form = grant.form;
    change::audit(Event::new(
        Action::Create,
        form.event_type(),
        Some(role_id.clone()),
    ));
    let policy = grant_policy(form, false, &policy::CREATE_GRANT);
    let (loaded, grant) = load_and_authorize(state, caller, grant, role_id, policy).await?;
    // Keystone checks a domain-specific role's domain only against a project target; on a
    // domain (inherited or not) any role may be granted.
    if let (TargetType::Project, Some(role), Some(scope_domain)) =
        (form.target, &loaded.role, &loaded.scope_domain)
    {
        if role.domain_id != GLOBAL_ROLE_DOMAIN && &role.domain_id != scope_domain {
            return Err(ApiError::Forbidden(format!(
                "Project {} must be in the same domain as the role {} being assigned.",
                loaded.target_id, role.id
            )));
        }
    }
    let limit = state.settings.quota.grants_per_group;
    db::run(&state.pool, move |conn| {
        assignments::create_grant(conn, &grant, limit)
    })
    .await?;
    // Who holds what: every token's roles.
    state.changed(&[Tag::Authz]);
    Ok(())
}

/// Keystone `check_grant`: `Ok` if the grant exists, else 404.
pub async fn check_grant(
    state: &AppState,
    caller: &AuthContext,
    grant: GrantRef,
    role_id: String,
) -> Result<(), ApiError> {
    let policy = grant_policy(grant.form, true, &policy::CHECK_GRANT);
    let (_, grant) = load_and_authorize(state, caller, grant, role_id, policy).await?;
    let exists = {
        let grant = grant.clone();
        db::run(&state.pool, move |conn| {
            assignments::grant_exists(conn, &grant)
        })
        .await?
    };
    if exists {
        Ok(())
    } else {
        Err(no_such_grant(&grant))
    }
}

/// Keystone `delete_grant`: 404 when there is no such grant.
pub async fn delete_grant(
    state: &AppState,
    caller: &AuthContext,
    grant: GrantRef,
    role_id: String,
) -> Result<(), ApiError> {
    let form = grant.form;
    change::audit(Event::new(
        Action::Delete,
        form.event_type(),
        Some(role_id.clone()),
    ));
    let policy = grant_policy(form, false, &policy::REVOKE_GRANT);
    let (_, grant) = load_and_authorize(state, caller, grant, role_id, policy).await?;
    let deleted = {
        let grant = grant.clone();
        db::run(&state.pool, move |conn| {
            assignments::delete_grant(conn, &grant)
        })
        .await?
    };
    if !deleted {
        return Err(no_such_grant(&grant));
    }
    state.changed(&[Tag::Authz]);
    Ok(())
}

/// Keystone `list_grants`: the roles granted to the actor on the target.
pub async fn list_grants(
    state: &AppState,
    caller: &AuthContext,
    grant: GrantRef,
) -> Result<Vec<RoleRow>, ApiError> {
    let form = grant.form;
    let loaded = db::run(&state.pool, move |conn| load(conn, &grant, None)).await;
    let policy = match form.target {
        TargetType::System => &policy::READ_SYSTEM_GRANTS,
        _ => &policy::LIST_GRANTS,
    };
    let loaded = authorize(caller, policy, loaded, |l| policy_target(form, l))?;
    db::run(&state.pool, move |conn| {
        assignments::list_grant_roles(
            conn,
            form.kind(),
            &loaded.actor_id,
            &loaded.target_id,
            form.inherited,
        )
    })
    .await
    .map_err(ApiError::from)
}
