//! Role grants: `PUT/GET/HEAD/DELETE /v3/{projects|domains}/{id}/{users|groups}/{id}/roles/{role_id}`,
//! their lists, the `OS-INHERIT` forms (inherited to projects), and the system forms
//! `/v3/system/{users|groups}/{id}/roles[/{role_id}]`. Every form is one handler, told
//! which form it serves by the route's [`GrantForm`].

use crate::api::http::openapi::{collection, role};
use crate::api::http::routing::{op, RouteTable};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::api::http::extract::BaseUrl;
use crate::api::v3::roles::role_json;
use crate::auth::policy::glue::authorize;
use crate::auth::policy::{self, Policy, Target};
use crate::auth::AuthContext;
use crate::cache::Tag;
use crate::db::assignments::{self, ActorType, AssignmentKind, Grant, TargetType, SYSTEM_TARGET};
use crate::db::models::RoleRow;
use crate::db::resources::GLOBAL_ROLE_DOMAIN;
use crate::db::{self, groups, resources, roles, users, DbConn};
use crate::error::ApiError;
use crate::state::AppState;

/// Which grant route a request came in on.
#[derive(Debug, Clone, Copy)]
pub struct GrantForm {
    pub target: TargetType,
    pub actor: ActorType,
    pub inherited: bool,
}

impl GrantForm {
    fn kind(&self) -> AssignmentKind {
        AssignmentKind::for_actor_and_target(self.actor, self.target)
    }
}

/// The URL path of one grant, as Keystone links assignments.
pub fn grant_path(grant: &Grant) -> String {
    let actor = match grant.kind.actor() {
        ActorType::User => "users",
        ActorType::Group => "groups",
    };
    match (grant.kind.target(), grant.inherited) {
        (TargetType::System, _) => {
            format!(
                "/v3/system/{actor}/{}/roles/{}",
                grant.actor_id, grant.role_id
            )
        }
        (target, inherited) => {
            let target = if target == TargetType::Project {
                "projects"
            } else {
                "domains"
            };
            let path = format!(
                "/{target}/{}/{actor}/{}/roles/{}",
                grant.target_id, grant.actor_id, grant.role_id
            );
            if inherited {
                format!("/v3/OS-INHERIT{path}/inherited_to_projects")
            } else {
                format!("/v3{path}")
            }
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

fn load(
    conn: &mut DbConn,
    form: GrantForm,
    target_id: &str,
    actor_id: &str,
    role_id: Option<&str>,
) -> Result<Loaded, ApiError> {
    let scope_domain = match form.target {
        TargetType::Project => Some(resources::get_project(conn, target_id)?.domain_id),
        TargetType::Domain => Some(resources::get_domain(conn, target_id)?.id),
        TargetType::System => None,
    };
    let actor_domain = match form.actor {
        ActorType::User => users::get_user(conn, actor_id)?.domain_id,
        ActorType::Group => groups::get_group(conn, actor_id)?.domain_id,
    };
    let role = role_id.map(|id| roles::get_role(conn, id)).transpose()?;
    Ok(Loaded {
        actor_id: actor_id.to_string(),
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

/// Splits the path into (target id, actor id, role id) for every form.
fn ids(form: GrantForm, req: &HttpRequest) -> Result<(String, String, Option<String>), ApiError> {
    let info = req.match_info();
    let get = |name: &str| info.get(name).map(str::to_owned);
    let target_id = match form.target {
        TargetType::System => SYSTEM_TARGET.to_string(),
        _ => get("target_id").ok_or_else(|| ApiError::Internal("route without target".into()))?,
    };
    let actor_id =
        get("actor_id").ok_or_else(|| ApiError::Internal("route without actor".into()))?;
    Ok((target_id, actor_id, get("role_id")))
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
    form: GrantForm,
    req: &HttpRequest,
    policy: &Policy,
) -> Result<(Loaded, Grant), ApiError> {
    let (target_id, actor_id, role_id) = ids(form, req)?;
    let loaded = db::run(&state.pool, move |conn| {
        load(conn, form, &target_id, &actor_id, role_id.as_deref())
    })
    .await;
    let loaded = authorize(caller, policy, loaded, |l| policy_target(form, l))?;
    let role = loaded
        .role
        .as_ref()
        .ok_or_else(|| ApiError::Internal("grant route without a role".into()))?;
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

/// `PUT`: grant the role (Keystone `create_grant`).
pub async fn create(
    state: web::Data<AppState>,
    form: web::Data<GrantForm>,
    caller: AuthContext,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let form = **form;
    let policy = grant_policy(form, false, &policy::CREATE_GRANT);
    let (loaded, grant) = load_and_authorize(&state, &caller, form, &req, policy).await?;
    if let (Some(role), Some(scope_domain)) = (&loaded.role, &loaded.scope_domain) {
        // A domain's own roles can only be granted within that domain.
        if role.domain_id != GLOBAL_ROLE_DOMAIN && &role.domain_id != scope_domain {
            return Err(ApiError::Forbidden(format!(
                "Domain specific roles are not supported in the V2.0 API or the role {} is \
                 not in the domain {} of the assignment target.",
                role.id, scope_domain
            )));
        }
    }
    db::run(&state.pool, move |conn| {
        assignments::create_grant(conn, &grant)
    })
    .await?;
    // Who holds what: every token's roles.
    state.changed(&[Tag::Authz]);
    Ok(HttpResponse::NoContent().finish())
}

/// `GET`/`HEAD`: 204 if the grant exists (Keystone `check_grant`).
pub async fn check(
    state: web::Data<AppState>,
    form: web::Data<GrantForm>,
    caller: AuthContext,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let form = **form;
    let policy = grant_policy(form, true, &policy::CHECK_GRANT);
    let (_, grant) = load_and_authorize(&state, &caller, form, &req, policy).await?;
    let exists = {
        let grant = grant.clone();
        db::run(&state.pool, move |conn| {
            assignments::grant_exists(conn, &grant)
        })
        .await?
    };
    if exists {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(no_such_grant(&grant))
    }
}

/// `DELETE`: revoke the grant (Keystone `delete_grant`).
pub async fn revoke(
    state: web::Data<AppState>,
    form: web::Data<GrantForm>,
    caller: AuthContext,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let form = **form;
    let policy = grant_policy(form, false, &policy::REVOKE_GRANT);
    let (_, grant) = load_and_authorize(&state, &caller, form, &req, policy).await?;
    let deleted = {
        let grant = grant.clone();
        db::run(&state.pool, move |conn| {
            assignments::delete_grant(conn, &grant)
        })
        .await?
    };
    if deleted {
        state.changed(&[Tag::Authz]);
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(no_such_grant(&grant))
    }
}

/// `GET .../roles`: the roles granted to the actor on the target (Keystone `list_grants`).
pub async fn list(
    state: web::Data<AppState>,
    form: web::Data<GrantForm>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let form = **form;
    let (target_id, actor_id, _) = ids(form, &req)?;
    let loaded = db::run(&state.pool, move |conn| {
        load(conn, form, &target_id, &actor_id, None)
    })
    .await;
    let policy = match form.target {
        TargetType::System => &policy::READ_SYSTEM_GRANTS,
        _ => &policy::LIST_GRANTS,
    };
    let loaded = authorize(&caller, policy, loaded, |l| policy_target(form, l))?;
    let roles = db::run(&state.pool, move |conn| {
        assignments::list_grant_roles(
            conn,
            form.kind(),
            &loaded.actor_id,
            &loaded.target_id,
            form.inherited,
        )
    })
    .await?;
    let roles: Vec<Value> = roles.into_iter().map(|r| role_json(r, &base)).collect();
    Ok(HttpResponse::Ok().json(json!({
        "roles": roles,
        "links": {"self": base.join(req.path()), "previous": null, "next": null},
    })))
}

/// Declares every grant route.
pub fn routes(t: &mut RouteTable<'_>) {
    use ActorType::{Group, User};
    use TargetType::{Domain, Project, System};
    let doc = |form: &GrantForm, what: &str, summary: String| {
        let target = match form.target {
            Project => "Project",
            Domain => "Domain",
            System => "System",
        };
        let actor = match form.actor {
            User => "User",
            Group => "Group",
        };
        let inherited = if form.inherited { "Inherited" } else { "" };
        op(format!("{what}{target}{actor}{inherited}Role"), summary).tag("grants")
    };
    let mut forms = Vec::new();
    for target in [Project, Domain] {
        for actor in [User, Group] {
            for inherited in [false, true] {
                forms.push(GrantForm {
                    target,
                    actor,
                    inherited,
                });
            }
        }
    }
    for actor in [User, Group] {
        forms.push(GrantForm {
            target: System,
            actor,
            inherited: false,
        });
    }
    for form in forms {
        let prefix = if form.inherited {
            "/v3/OS-INHERIT"
        } else {
            "/v3"
        };
        let target_path = match form.target {
            Project => "/projects/{target_id}",
            Domain => "/domains/{target_id}",
            System => "/system",
        };
        let actor_path = match form.actor {
            User => "users",
            Group => "groups",
        };
        let suffix = if form.inherited {
            "/inherited_to_projects"
        } else {
            ""
        };
        let base = format!("{prefix}{target_path}/{actor_path}/{{actor_id}}/roles");
        let on = if form.inherited {
            "on the projects under"
        } else {
            "on"
        };
        t.at(format!("{base}/{{role_id}}{suffix}"))
            .data(form)
            .put(
                create,
                doc(&form, "grant", format!("Grant a role {on} the target.")).empty(204),
            )
            .get(
                check,
                doc(
                    &form,
                    "check",
                    format!("Is the role granted {on} the target?"),
                )
                .empty(204),
            )
            .delete(
                revoke,
                doc(&form, "revoke", format!("Revoke a role {on} the target.")).empty(204),
            );
        t.at(format!("{base}{suffix}")).data(form).get(
            list,
            doc(&form, "list", format!("The roles granted {on} the target."))
                .answers(200, collection("roles", role())),
        );
    }
}
