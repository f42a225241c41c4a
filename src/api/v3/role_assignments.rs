//! `GET /v3/role_assignments`, with Keystone's filters, `effective`, `include_names` and
//! `include_subtree`; the assignment manager ([`crate::assignment::role_assignments`])
//! holds the rules.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Map, Value};

use crate::api::http::envelope::collection;
use crate::api::http::extract::BaseUrl;
use crate::api::http::openapi::{self, any_object};
use crate::api::http::query::ListQuery;
use crate::api::http::routing::{op, Param, ParamKind, RouteTable};
use crate::api::v3::grants::grant_path;
use crate::assignment::role_assignments::{self as manager, AssignmentFilters, Names};
use crate::auth::AuthContext;
use crate::db::assignments::{ActorType, AssignmentEntry, TargetType};
use crate::error::ApiError;
use crate::state::AppState;

crate::wire_query! {
    /// `GET /v3/role_assignments`.
    pub struct RoleAssignmentListQuery {
        user_id as "user.id": Option<String> = "Assignments of this user.",
        group_id as "group.id": Option<String> = "Assignments of this group.",
        role_id as "role.id": Option<String> = "Assignments of this role.",
        project_id as "scope.project.id": Option<String> = "On this project.",
        domain_id as "scope.domain.id": Option<String> = "On this domain.",
        system as "scope.system": Option<String> = "On the system (`all`).",
        inherited_to as "scope.OS-INHERIT:inherited_to": Option<String> =
            "Only those inherited to projects (`projects`).",
        effective: Option<bool> = "Expand groups, inheritance and implied roles (a bare `effective` is true).",
        include_names: Option<bool> = "Add the names of roles, actors and scopes.",
        include_subtree: Option<bool> = "With scope.project.id: the projects below it too.",
    }
}

/// The document's parameters: the two scope words are the only values accepted.
fn params() -> Vec<Param> {
    let mut params = RoleAssignmentListQuery::params();
    for p in &mut params {
        match p.name {
            "scope.system" => p.kind = ParamKind::OneOf(&["all"]),
            "scope.OS-INHERIT:inherited_to" => p.kind = ParamKind::OneOf(&["projects"]),
            _ => {}
        }
    }
    params
}

fn domain_of(names: &Names, id: &str) -> Value {
    json!({"id": id, "name": names.domains.get(id)})
}

fn entry_json(e: &AssignmentEntry, base: &BaseUrl, names: Option<&Names>) -> Value {
    let mut role = json!({"id": e.role_id});
    let mut actor = json!({"id": e.actor_id});
    let mut scope_obj = json!({"id": e.target_id});
    if let Some(n) = names {
        if let Some((name, domain)) = n.roles.get(&e.role_id) {
            role["name"] = json!(name);
            if let Some(d) = domain {
                role["domain"] = domain_of(n, d);
            }
        }
        let actor_names = match e.actor {
            ActorType::User => n.users.get(&e.actor_id),
            ActorType::Group => n.groups.get(&e.actor_id),
        };
        if let Some((name, domain)) = actor_names {
            actor["name"] = json!(name);
            actor["domain"] = domain_of(n, domain);
        }
        match e.target {
            TargetType::Project => {
                if let Some((name, domain)) = n.projects.get(&e.target_id) {
                    scope_obj["name"] = json!(name);
                    scope_obj["domain"] = domain_of(n, domain);
                }
            }
            TargetType::Domain => scope_obj["name"] = json!(n.domains.get(&e.target_id)),
            TargetType::System => {}
        }
    }
    let mut scope = Map::new();
    match e.target {
        TargetType::Project => {
            scope.insert("project".into(), scope_obj);
        }
        TargetType::Domain => {
            scope.insert("domain".into(), scope_obj);
        }
        TargetType::System => {
            scope.insert("system".into(), json!({"all": true}));
        }
    }
    if e.inherited {
        scope.insert("OS-INHERIT:inherited_to".into(), json!("projects"));
    }
    let mut links = Map::new();
    links.insert(
        "assignment".into(),
        json!(base.join(&grant_path(&e.source))),
    );
    if let Some(group_id) = &e.via_group {
        links.insert(
            "membership".into(),
            json!(base.join(&format!("/v3/groups/{group_id}/users/{}", e.actor_id))),
        );
    }
    if let Some(prior) = &e.prior_role {
        links.insert(
            "prior_role".into(),
            json!(base.join(&format!("/v3/roles/{prior}"))),
        );
    }
    let actor_key = match e.actor {
        ActorType::User => "user",
        ActorType::Group => "group",
    };
    json!({
        "role": role,
        actor_key: actor,
        "scope": scope,
        "links": links,
    })
}

/// `GET /v3/role_assignments` (Keystone `list_role_assignments`).
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = ListQuery::from_request(&req)?;
    let q = RoleAssignmentListQuery::from_query(&query)?;
    let filters = AssignmentFilters {
        user_id: q.user_id,
        group_id: q.group_id,
        role_id: q.role_id,
        project_id: q.project_id,
        domain_id: q.domain_id,
        system: q.system,
        inherited_to: q.inherited_to,
        effective: q.effective.unwrap_or(false),
        include_names: q.include_names.unwrap_or(false),
        include_subtree: q.include_subtree.unwrap_or(false),
    };
    let page = query.page(&state.settings)?;
    let (entries, names) =
        manager::list_role_assignments(&state, &caller, filters, page.clone()).await?;
    let items = entries.map(|e| entry_json(&e, &base, names.as_ref()));
    Ok(HttpResponse::Ok().json(collection(
        "role_assignments",
        items,
        &page,
        &base,
        &req,
        &query,
    )))
}

/// Declares `GET /v3/role_assignments`.
pub fn routes(t: &mut RouteTable<'_>) {
    t.at("/v3/role_assignments").get(
        list,
        op(
            "listRoleAssignments",
            "Role assignments, optionally effective and named.",
        )
        .tag("roles")
        .query(&params())
        .answers(200, openapi::collection("role_assignments", any_object())),
    );
}
