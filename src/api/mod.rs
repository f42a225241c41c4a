//! The faces: `http/` is the plumbing every face shares (middleware, the caller, bodies,
//! queries, envelopes, the route table and its OpenAPI document); `v3/` is Keystone's and
//! Huawei's API, `baidu/` Baidu's `/v1`; discovery, the console and the operator's view
//! are the pages around them.

pub mod baidu;
pub mod console;
pub mod discovery;
pub mod http;
pub mod operator;
pub mod v3;

use crate::api::http::openapi;
use crate::api::v3::{
    auth, catalog, credentials, domains, grants, groups, projects, role_assignments, roles, users,
};
use crate::audit;
use actix_web::{web, HttpRequest};
use serde_json::json;

use crate::api::http::openapi::{
    any_object, audit_event, boolean, collection, description_field, domain, group, id_field,
    input, name_field, nullable, paged, project, resource_name_field, role, text, user, wrapped,
    DOMAIN_ID, ENABLED, NAME, NAME_CONTAINS, NAME_STARTS, PASSWORD_EXPIRES_AT,
};
use crate::api::http::routing::{op, RouteTable};
use crate::error::ApiError;

/// Answers a URL that matches no route.
pub async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    log::debug!("no route for {} {}", req.method(), req.path());
    Err(ApiError::NotFoundMessage(
        "The resource could not be found.".into(),
    ))
}

/// Every route of the service, registered with actix.
pub fn routes(cfg: &mut web::ServiceConfig) {
    declare_routes(&mut RouteTable::serving(cfg));
}

/// Every route, once: its handler and its documentation (`GET /openapi.json`).
pub fn declare_routes(t: &mut RouteTable<'_>) {
    operator_routes(t);
    auth::routes(t);
    assignment_routes(t);
    credentials::routes(t);
    group_routes(t);
    user_routes(t);
    resource_routes(t);
    role_routes(t);
    grants::routes(t);
    catalog::routes(t);
    baidu::routes(t);
}

fn operator_routes(t: &mut RouteTable<'_>) {
    let ops = |id: &str, summary: &str| op(id, summary).tag("operator").public();
    t.at("/healthz").get(
        operator::healthz,
        ops("healthz", "The process is up.").answers(200, any_object()),
    );
    t.at("/readyz").get(
        operator::readyz,
        ops("readyz", "The database answers and is migrated.")
            .answers(200, any_object())
            .errors(&[503]),
    );
    t.at("/metrics").get(
        operator::metrics,
        ops("metrics", "Prometheus metrics (text).").empty(200),
    );
    // The trailing slash is trimmed before routing, so `/console/` arrives as `/console`.
    t.at("/console").get(
        console::index,
        ops("console", "The web console.").empty(200),
    );
    t.at("/console/{file:.+}").get(
        console::asset,
        ops("consoleAsset", "A file of the web console.").empty(200),
    );
    t.at("/openapi.json").get(
        openapi::serve,
        ops("openapi", "This document.").answers(200, any_object()),
    );
    t.at("/").get(
        discovery::versions,
        op("versions", "Version discovery (300 Multiple Choices).")
            .tag("discovery")
            .public()
            .answers(300, any_object()),
    );
    t.at("/v3").get(
        discovery::v3,
        op("v3", "The v3 version document.")
            .tag("discovery")
            .public()
            .answers(200, any_object()),
    );
}

fn assignment_routes(t: &mut RouteTable<'_>) {
    t.at("/v3/role_assignments").get(
        role_assignments::list,
        op(
            "listRoleAssignments",
            "Role assignments, optionally effective and named.",
        )
        .tag("roles")
        .query(&paged(&[
            text("user.id", "Assignments of this user."),
            text("group.id", "Assignments of this group."),
            text("role.id", "Assignments of this role."),
            text("scope.project.id", "On this project."),
            text("scope.domain.id", "On this domain."),
            text("scope.system", "On the system."),
            text("scope.OS-INHERIT:inherited_to", "Only inherited ones."),
            text("effective", "Expand groups and inheritance."),
            text("include_names", "Add names."),
            text("include_subtree", "And the project's subtree."),
        ]))
        .answers(200, wrapped("role_assignments", json!({"type": "array"}))),
    );
    t.at("/v3/audit-events").get(
        audit::list,
        op("listAuditEvents", "The audit trail (admins).")
            .tag("audit")
            .query(&paged(&[
                text("event_type", "e.g. identity.group.created"),
                text("outcome", "success or failure"),
                text("initiator_id", "Who acted."),
                text("target_type", "e.g. group"),
                text("target_id", "What was acted on."),
                text("request_id", "The request's id."),
                text("since", "ISO 8601 time, or microseconds since the epoch."),
                text("until", "ISO 8601 time, or microseconds since the epoch."),
            ]))
            .answers(200, collection("audit_events", audit_event())),
    );
}

fn group_routes(t: &mut RouteTable<'_>) {
    let g = |id: &str, summary: &str| op(id, summary).tag("groups");
    let create = wrapped(
        "group",
        input(
            &[("name", name_field())],
            &[
                ("description", description_field()),
                ("domain_id", id_field()),
            ],
        ),
    );
    let update = wrapped(
        "group",
        input(
            &[],
            &[("name", name_field()), ("description", description_field())],
        ),
    );
    t.at("/v3/groups")
        .get(
            groups::list,
            g("KeystoneListGroups", "List groups.")
                .query(&paged(&[NAME, DOMAIN_ID, NAME_CONTAINS, NAME_STARTS]))
                .answers(200, collection("groups", group())),
        )
        .post(
            groups::create,
            g("KeystoneCreateGroup", "Create a group.")
                .body(create)
                .answers(201, wrapped("group", group()))
                .errors(&[409]),
        );
    t.at("/v3/groups/{group_id}")
        .get(
            groups::show,
            g("KeystoneShowGroup", "Show a group.").answers(200, wrapped("group", group())),
        )
        .patch(
            groups::update,
            g(
                "KeystoneUpdateGroup",
                "Update a group's name, description or extras.",
            )
            .body(update)
            .answers(200, wrapped("group", group()))
            .errors(&[409]),
        )
        .delete(
            groups::delete,
            g(
                "KeystoneDeleteGroup",
                "Delete a group, its memberships and grants.",
            )
            .empty(204),
        );
    t.at("/v3/groups/{group_id}/users").get(
        groups::list_users,
        g("KeystoneListUsersForGroupByAdmin", "A group's members.")
            .query(&paged(&[
                NAME,
                DOMAIN_ID,
                ENABLED,
                PASSWORD_EXPIRES_AT,
                NAME_CONTAINS,
                NAME_STARTS,
            ]))
            .answers(200, collection("users", user())),
    );
    t.at("/v3/groups/{group_id}/users/{user_id}")
        .put(
            groups::add_user,
            g("KeystoneAddUserToGroup", "Add a member (idempotent).").empty(204),
        )
        .head(
            groups::check_user,
            g(
                "KeystoneCheckUserInGroup",
                "Is the user a member? 204 or 404.",
            )
            .empty(204),
        )
        .get_only(
            groups::check_user,
            g("checkUserInGroupGet", "The same check, by GET.").empty(204),
        )
        .delete(
            groups::remove_user,
            g("KeystoneRemoveUserFromGroup", "Remove a member.").empty(204),
        );
    t.at("/v3/users/{user_id}/groups").get(
        groups::list_for_user,
        g("KeystoneListGroupsForUser", "The groups a user belongs to.")
            .query(&paged(&[]))
            .answers(200, collection("groups", group())),
    );
}

fn user_routes(t: &mut RouteTable<'_>) {
    let u = |id: &str, summary: &str| op(id, summary).tag("users");
    let fields = [
        ("description", description_field()),
        ("domain_id", id_field()),
        ("enabled", boolean()),
        ("password", nullable()),
        ("default_project_id", nullable()),
    ];
    t.at("/v3/users")
        .get(
            users::list,
            u("listUsers", "List users.")
                .query(&paged(&[
                    NAME,
                    DOMAIN_ID,
                    ENABLED,
                    PASSWORD_EXPIRES_AT,
                    NAME_CONTAINS,
                    NAME_STARTS,
                ]))
                .answers(200, collection("users", user())),
        )
        .post(
            users::create,
            u("createUser", "Create a user.")
                .body(wrapped("user", input(&[("name", name_field())], &fields)))
                .answers(201, wrapped("user", user()))
                .errors(&[409]),
        );
    t.at("/v3/users/{user_id}")
        .get(
            users::show,
            u("showUser", "Show a user.").answers(200, wrapped("user", user())),
        )
        .patch(
            users::update,
            u(
                "updateUser",
                "Update a user (a new password ends their tokens).",
            )
            .body(wrapped("user", input(&[], &fields)))
            .answers(200, wrapped("user", user()))
            .errors(&[409]),
        )
        .delete(
            users::delete,
            u("deleteUser", "Delete a user, their memberships and grants.").empty(204),
        );
    t.at("/v3/users/{user_id}/password").post(
        users::change_password,
        u("changePassword", "A user changes their own password.")
            .body(wrapped(
                "user",
                input(
                    &[
                        ("original_password", json!({"type": "string"})),
                        ("password", json!({"type": "string"})),
                    ],
                    &[],
                ),
            ))
            .empty(204)
            .errors(&[401]),
    );
    t.at("/v3/users/{user_id}/projects").get(
        projects::list_for_user,
        u("listProjectsForUser", "The projects a user has roles on.")
            .query(&paged(&[]))
            .answers(200, collection("projects", project())),
    );
}

fn resource_routes(t: &mut RouteTable<'_>) {
    let d = |id: &str, summary: &str| op(id, summary).tag("domains");
    let domain_fields = [("description", description_field()), ("enabled", boolean())];
    t.at("/v3/domains")
        .get(
            domains::list,
            d("listDomains", "List domains.")
                .query(&paged(&[NAME, ENABLED, NAME_CONTAINS, NAME_STARTS]))
                .answers(200, collection("domains", domain())),
        )
        .post(
            domains::create,
            d("createDomain", "Create a domain.")
                .body(wrapped(
                    "domain",
                    input(&[("name", resource_name_field())], &domain_fields),
                ))
                .answers(201, wrapped("domain", domain()))
                .errors(&[409]),
        );
    t.at("/v3/domains/{domain_id}")
        .get(
            domains::show,
            d("showDomain", "Show a domain.").answers(200, wrapped("domain", domain())),
        )
        .patch(
            domains::update,
            d("updateDomain", "Update a domain.")
                .body(wrapped("domain", input(&[], &domain_fields)))
                .answers(200, wrapped("domain", domain()))
                .errors(&[409]),
        )
        .delete(
            domains::delete,
            d(
                "deleteDomain",
                "Delete a disabled domain and what it holds.",
            )
            .empty(204),
        );
    let p = |id: &str, summary: &str| op(id, summary).tag("projects");
    let project_fields = [
        ("description", description_field()),
        ("domain_id", id_field()),
        ("enabled", boolean()),
        ("parent_id", nullable()),
        ("is_domain", boolean()),
    ];
    t.at("/v3/projects")
        .get(
            projects::list,
            p("listProjects", "List projects.")
                .query(&paged(&[
                    NAME,
                    DOMAIN_ID,
                    ENABLED,
                    NAME_CONTAINS,
                    NAME_STARTS,
                    text("parent_id", "Children of this project."),
                    text("is_domain", "Projects acting as domains."),
                ]))
                .answers(200, collection("projects", project())),
        )
        .post(
            projects::create,
            p("createProject", "Create a project.")
                .body(wrapped(
                    "project",
                    input(&[("name", resource_name_field())], &project_fields),
                ))
                .answers(201, wrapped("project", project()))
                .errors(&[409]),
        );
    t.at("/v3/projects/{project_id}")
        .get(
            projects::show,
            p("showProject", "Show a project.").answers(200, wrapped("project", project())),
        )
        .patch(
            projects::update,
            p("updateProject", "Update a project.")
                .body(wrapped("project", input(&[], &project_fields)))
                .answers(200, wrapped("project", project()))
                .errors(&[409]),
        )
        .delete(
            projects::delete,
            p("deleteProject", "Delete a project.").empty(204),
        );
}

fn role_routes(t: &mut RouteTable<'_>) {
    let r = |id: &str, summary: &str| op(id, summary).tag("roles");
    let role_fields = [
        ("description", description_field()),
        ("domain_id", nullable()),
    ];
    t.at("/v3/roles")
        .get(
            roles::list,
            r("listRoles", "List roles.")
                .query(&paged(&[NAME, DOMAIN_ID, NAME_CONTAINS, NAME_STARTS]))
                .answers(200, collection("roles", role())),
        )
        .post(
            roles::create,
            r("createRole", "Create a role.")
                .body(wrapped(
                    "role",
                    input(&[("name", resource_name_field())], &role_fields),
                ))
                .answers(201, wrapped("role", role()))
                .errors(&[409]),
        );
    t.at("/v3/roles/{role_id}")
        .get(
            roles::show,
            r("showRole", "Show a role.").answers(200, wrapped("role", role())),
        )
        .patch(
            roles::update,
            r("updateRole", "Update a role.")
                .body(wrapped(
                    "role",
                    input(
                        &[],
                        &[
                            ("name", resource_name_field()),
                            ("description", description_field()),
                        ],
                    ),
                ))
                .answers(200, wrapped("role", role()))
                .errors(&[409]),
        )
        .delete(
            roles::delete,
            r("deleteRole", "Delete a role and its grants.").empty(204),
        );
    t.at("/v3/roles/{prior_role_id}/implies").get(
        roles::list_implied,
        r("listImpliedRoles", "The roles a role implies.")
            .answers(200, wrapped("role_inference", any_object())),
    );
    // HEAD answers 204 without a body here, as Keystone's check_implied_role does.
    t.at("/v3/roles/{prior_role_id}/implies/{implied_role_id}")
        .put(
            roles::create_implied,
            r("createImpliedRole", "Make one role imply another.")
                .answers(201, wrapped("role_inference", any_object())),
        )
        .get_only(
            roles::show_implied,
            r("showImpliedRole", "Show an implication.")
                .answers(200, wrapped("role_inference", any_object())),
        )
        .head(
            roles::check_implied,
            r("checkImpliedRole", "Does one role imply the other?").empty(204),
        )
        .delete(
            roles::delete_implied,
            r("deleteImpliedRole", "Remove an implication.").empty(204),
        );
    t.at("/v3/role_inferences").get(
        roles::list_inferences,
        r("listRoleInferences", "Every implication.")
            .answers(200, wrapped("role_inferences", json!({"type": "array"}))),
    );
}
