//! Role grants: `PUT/GET/HEAD/DELETE /v3/{projects|domains}/{id}/{users|groups}/{id}/roles/{role_id}`,
//! their lists, the `OS-INHERIT` forms (inherited to projects), and the system forms
//! `/v3/system/{users|groups}/{id}/roles[/{role_id}]`. Every form is one handler, told
//! which form it serves by the route's [`GrantForm`]; the assignment manager
//! ([`crate::assignment::grants`]) holds the rules.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::api::http::extract::BaseUrl;
use crate::api::http::openapi::collection;
use crate::api::http::routing::{op, RouteTable};
use crate::api::v3::roles::{role_json, role_schema};
pub use crate::assignment::grants::GrantForm;
use crate::assignment::grants::{self as manager, GrantRef};
use crate::auth::AuthContext;
use crate::db::assignments::{ActorType, Grant, TargetType};
use crate::error::ApiError;
use crate::state::AppState;

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

/// What the path of a grant route names: the grant's target and actor, and the role
/// (absent on a list).
fn named(form: GrantForm, req: &HttpRequest) -> Result<(GrantRef, Option<String>), ApiError> {
    let info = req.match_info();
    let get = |name: &str| info.get(name).map(str::to_owned);
    let actor_id =
        get("actor_id").ok_or_else(|| ApiError::Internal("route without actor".into()))?;
    let grant = GrantRef {
        form,
        // The system forms name no target; the manager knows the system's.
        target_id: get("target_id").unwrap_or_default(),
        actor_id,
    };
    Ok((grant, get("role_id")))
}

fn with_role(form: GrantForm, req: &HttpRequest) -> Result<(GrantRef, String), ApiError> {
    let (grant, role_id) = named(form, req)?;
    let role_id = role_id.ok_or_else(|| ApiError::Internal("grant route without a role".into()))?;
    Ok((grant, role_id))
}

/// `PUT`: grant the role (Keystone `create_grant`).
pub async fn create(
    state: web::Data<AppState>,
    form: web::Data<GrantForm>,
    caller: AuthContext,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (grant, role_id) = with_role(**form, &req)?;
    manager::create_grant(&state, &caller, grant, role_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET`/`HEAD`: 204 if the grant exists (Keystone `check_grant`).
pub async fn check(
    state: web::Data<AppState>,
    form: web::Data<GrantForm>,
    caller: AuthContext,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (grant, role_id) = with_role(**form, &req)?;
    manager::check_grant(&state, &caller, grant, role_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE`: revoke the grant (Keystone `delete_grant`).
pub async fn revoke(
    state: web::Data<AppState>,
    form: web::Data<GrantForm>,
    caller: AuthContext,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (grant, role_id) = with_role(**form, &req)?;
    manager::delete_grant(&state, &caller, grant, role_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET .../roles`: the roles granted to the actor on the target (Keystone `list_grants`).
pub async fn list(
    state: web::Data<AppState>,
    form: web::Data<GrantForm>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (grant, _) = named(**form, &req)?;
    let roles = manager::list_grants(&state, &caller, grant).await?;
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
                .answers(200, collection("roles", role_schema())),
        );
    }
}
