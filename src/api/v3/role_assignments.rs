//! `GET /v3/role_assignments`, with Keystone's filters, `effective` and `include_names`.

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Map, Value};

use crate::api::http::envelope::collection;
use crate::api::http::extract::BaseUrl;
use crate::api::http::query::ListQuery;
use crate::api::v3::grants::grant_path;
use crate::auth::policy::{self, Target};
use crate::auth::AuthContext;
use crate::db::assignments::{self, ActorType, AssignmentEntry, RoleAssignmentQuery, TargetType};
use crate::db::resources::GLOBAL_ROLE_DOMAIN;
use crate::db::{self, groups, resources, roles, users, DbConn, StoreError};
use crate::error::ApiError;
use crate::state::AppState;

fn parse_query(query: &ListQuery) -> Result<(RoleAssignmentQuery, bool), ApiError> {
    let flag = |name: &str| -> Result<bool, ApiError> {
        // Keystone treats a bare `?effective` as true.
        Ok(query.get_bool(name)?.unwrap_or(false))
    };
    let parsed = RoleAssignmentQuery {
        user_id: query.get("user.id").map(str::to_owned),
        group_id: query.get("group.id").map(str::to_owned),
        role_id: query.get("role.id").map(str::to_owned),
        project_id: query.get("scope.project.id").map(str::to_owned),
        domain_id: query.get("scope.domain.id").map(str::to_owned),
        system: match query.get("scope.system") {
            None => false,
            Some("all") => true,
            Some(other) => {
                return Err(ApiError::invalid_field(
                    "scope.system",
                    format!("'{other}' is not 'all'"),
                ))
            }
        },
        inherited_only: match query.get("scope.OS-INHERIT:inherited_to") {
            None => false,
            Some("projects") => true,
            Some(other) => {
                return Err(ApiError::invalid_field(
                    "scope.OS-INHERIT:inherited_to",
                    format!("'{other}' is not 'projects'"),
                ))
            }
        },
        effective: flag("effective")?,
        include_subtree: flag("include_subtree")?,
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
    Ok((parsed, flag("include_names")?))
}

/// Names of everything the entries mention, looked up once each.
#[derive(Default)]
struct Names {
    roles: HashMap<String, (String, Option<String>)>,
    users: HashMap<String, (String, String)>,
    groups: HashMap<String, (String, String)>,
    projects: HashMap<String, (String, String)>,
    domains: HashMap<String, String>,
}

impl Names {
    fn load(conn: &mut DbConn, entries: &[AssignmentEntry]) -> Result<Names, ApiError> {
        let mut names = Names::default();
        let ok_or_skip = |r: Result<(), StoreError>| match r {
            Err(StoreError::NotFound { .. }) | Ok(()) => Ok(()),
            Err(e) => Err(e),
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

    fn domain(&self, id: &str) -> Value {
        json!({"id": id, "name": self.domains.get(id)})
    }
}

fn entry_json(e: &AssignmentEntry, base: &BaseUrl, names: Option<&Names>) -> Value {
    let mut role = json!({"id": e.role_id});
    let mut actor = json!({"id": e.actor_id});
    let mut scope_obj = json!({"id": e.target_id});
    if let Some(n) = names {
        if let Some((name, domain)) = n.roles.get(&e.role_id) {
            role["name"] = json!(name);
            if let Some(d) = domain {
                role["domain"] = n.domain(d);
            }
        }
        let actor_names = match e.actor {
            ActorType::User => n.users.get(&e.actor_id),
            ActorType::Group => n.groups.get(&e.actor_id),
        };
        if let Some((name, domain)) = actor_names {
            actor["name"] = json!(name);
            actor["domain"] = n.domain(domain);
        }
        match e.target {
            TargetType::Project => {
                if let Some((name, domain)) = n.projects.get(&e.target_id) {
                    scope_obj["name"] = json!(name);
                    scope_obj["domain"] = n.domain(domain);
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
    let (mut filter, include_names) = parse_query(&query)?;
    // A domain reader sees the assignments on their own domain only.
    let unrestricted = policy::allows(&caller, &policy::LIST_ROLE_ASSIGNMENTS, &Target::default());
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
        &caller,
        &policy::LIST_ROLE_ASSIGNMENTS,
        &Target {
            list_domain_id: list_domain.as_deref(),
            ..Target::default()
        },
    )?;
    let page = query.page(&state.settings)?;
    let request = page.clone();
    let (entries, names) = db::run(&state.pool, move |conn| {
        let entries = assignments::list_role_assignments_page(conn, &filter, &page)?;
        let names = if include_names {
            Some(Names::load(conn, &entries.items)?)
        } else {
            None
        };
        Ok::<_, ApiError>((entries, names))
    })
    .await?;
    let items = entries.map(|e| entry_json(&e, &base, names.as_ref()));
    Ok(HttpResponse::Ok().json(collection(
        "role_assignments",
        items,
        &request,
        &base,
        &req,
        &query,
    )))
}
