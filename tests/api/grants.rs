//! Role grants to users and groups on projects, domains and the system; inheritance;
//! role assignments; and what the default policy lets each persona do with them.

use std::collections::HashMap;

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_error, json, spawn_app, TestApp, ADMIN_PASSWORD};

/// Role ids by name, read from the admin's token (admin implies the other three).
async fn role_ids(app: &TestApp) -> HashMap<String, String> {
    let resp = app
        .client
        .get(app.url("/v3/auth/tokens"))
        .header("X-Auth-Token", &app.admin_token)
        .header("X-Subject-Token", &app.admin_token)
        .send()
        .await
        .unwrap();
    json(resp).await["token"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                r["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn scoped_token(
    app: &TestApp,
    name: &str,
    password: &str,
    scope: Value,
) -> reqwest::Response {
    let mut body = crate::helpers::password_auth(name, password);
    body["auth"]["scope"] = scope;
    app.call(Method::POST, "/v3/auth/tokens", "", Some(body))
        .await
}

fn token_of(resp: &reqwest::Response) -> String {
    resp.headers()["x-subject-token"]
        .to_str()
        .unwrap()
        .to_string()
}

fn role_names(token_body: &Value) -> Vec<String> {
    let mut names: Vec<String> = token_body["token"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

async fn a_group_grant_gives_its_members_the_role_until_they_leave() {
    let app = spawn_app().await;
    let roles = role_ids(&app).await;
    let project = app.admin_project_id.clone();
    let gid = app.create_group("devs").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let uid = app.create_user("uma", "uma-pw-1").await;
    app.put(&format!("/v3/groups/{gid}/users/{uid}")).await;
    let scope = json!({"project": {"id": project}});

    // No grant yet: no access to the project.
    let resp = scoped_token(&app, "uma", "uma-pw-1", scope.clone()).await;
    assert_eq!(resp.status(), 401);

    let grant = format!(
        "/v3/projects/{project}/groups/{gid}/roles/{}",
        roles["member"]
    );
    assert_eq!(app.head(&grant).await.status(), 404);
    assert_eq!(app.put(&grant).await.status(), 204);
    assert_eq!(
        app.put(&grant).await.status(),
        204,
        "granting twice is fine"
    );
    assert_eq!(app.head(&grant).await.status(), 204);
    assert_eq!(app.get(&grant).await.status(), 204);

    let listed = json(
        app.get(&format!("/v3/projects/{project}/groups/{gid}/roles"))
            .await,
    )
    .await;
    let listed: Vec<&str> = listed["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["member"]);

    let resp = scoped_token(&app, "uma", "uma-pw-1", scope.clone()).await;
    assert_eq!(resp.status(), 201);
    let token = token_of(&resp);
    assert_eq!(
        role_names(&json(resp).await),
        ["member", "reader"],
        "member implies reader"
    );
    assert_eq!(
        app.call(Method::GET, &format!("/v3/users/{uid}"), &token, None)
            .await
            .status(),
        200
    );

    // Leaving the group takes the role away at the next validation.
    app.delete(&format!("/v3/groups/{gid}/users/{uid}")).await;
    let resp = app
        .call(Method::GET, &format!("/v3/users/{uid}"), &token, None)
        .await;
    assert_error(resp, 401, "requires authentication").await;

    assert_eq!(app.delete(&grant).await.status(), 204);
    let resp = app.delete(&grant).await;
    assert_error(resp, 404, "Could not find role assignment").await;
}

async fn role_assignments_list_filter_expand_and_name() {
    let app = spawn_app().await;
    let roles = role_ids(&app).await;
    let project = app.admin_project_id.clone();
    let gid = app.create_group("ops").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let uid = app.create_user("vic", "vic-pw-1").await;
    app.put(&format!("/v3/groups/{gid}/users/{uid}")).await;
    app.put(&format!(
        "/v3/projects/{project}/groups/{gid}/roles/{}",
        roles["member"]
    ))
    .await;

    let body = json(
        app.get(&format!("/v3/role_assignments?group.id={gid}"))
            .await,
    )
    .await;
    let list = body["role_assignments"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{body}");
    assert_eq!(list[0]["group"]["id"], gid.as_str());
    assert_eq!(list[0]["role"]["id"], roles["member"].as_str());
    assert_eq!(list[0]["scope"]["project"]["id"], project.as_str());
    assert_eq!(
        list[0]["links"]["assignment"],
        format!(
            "{}/v3/projects/{project}/groups/{gid}/roles/{}",
            app.base, roles["member"]
        )
    );

    let body = json(
        app.get(&format!(
            "/v3/role_assignments?group.id={gid}&include_names"
        ))
        .await,
    )
    .await;
    let entry = &body["role_assignments"][0];
    assert_eq!(entry["group"]["name"], "ops");
    assert_eq!(
        entry["group"]["domain"],
        json!({"id": "default", "name": "Default"})
    );
    assert_eq!(entry["role"]["name"], "member");
    assert_eq!(entry["scope"]["project"]["name"], "admin");

    let body = json(
        app.get(&format!("/v3/role_assignments?user.id={uid}&effective"))
            .await,
    )
    .await;
    let mut effective: Vec<(String, String)> = body["role_assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["user"]["id"], uid.as_str());
            assert_eq!(e["scope"]["project"]["id"], project.as_str());
            assert_eq!(
                e["links"]["membership"],
                format!("{}/v3/groups/{gid}/users/{uid}", app.base)
            );
            (
                e["role"]["id"].as_str().unwrap().to_string(),
                e["links"]["assignment"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    effective.sort();
    let mut expected = vec![roles["member"].clone(), roles["reader"].clone()];
    expected.sort();
    assert_eq!(
        effective.iter().map(|(r, _)| r.clone()).collect::<Vec<_>>(),
        expected
    );

    let body = json(
        app.get(&format!(
            "/v3/role_assignments?scope.project.id={project}&role.id={}",
            roles["admin"]
        ))
        .await,
    )
    .await;
    let list = body["role_assignments"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["user"]["id"], app.admin_id.as_str());

    let body = json(app.get("/v3/role_assignments?scope.system=all").await).await;
    assert_eq!(
        body["role_assignments"][0]["scope"]["system"],
        json!({"all": true})
    );

    let resp = app
        .get(&format!("/v3/role_assignments?group.id={gid}&effective"))
        .await;
    assert_error(resp, 400, "Combining effective and group filter").await;
}

async fn inherited_domain_grants_reach_the_projects() {
    let app = spawn_app().await;
    let roles = role_ids(&app).await;
    let uid = app.create_user("wes", "wes-pw-1").await;
    let grant = format!(
        "/v3/OS-INHERIT/domains/default/users/{uid}/roles/{}/inherited_to_projects",
        roles["reader"]
    );
    assert_eq!(app.put(&grant).await.status(), 204);
    assert_eq!(app.head(&grant).await.status(), 204);
    // Inherited only: no role on the domain itself.
    let resp = scoped_token(
        &app,
        "wes",
        "wes-pw-1",
        json!({"domain": {"id": "default"}}),
    )
    .await;
    assert_eq!(resp.status(), 401);
    let resp = scoped_token(
        &app,
        "wes",
        "wes-pw-1",
        json!({"project": {"id": app.admin_project_id}}),
    )
    .await;
    assert_eq!(resp.status(), 201);
    assert_eq!(role_names(&json(resp).await), ["reader"]);

    let body = json(
        app.get("/v3/role_assignments?scope.OS-INHERIT:inherited_to=projects")
            .await,
    )
    .await;
    let list = body["role_assignments"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["scope"]["OS-INHERIT:inherited_to"], "projects");
    assert_eq!(list[0]["scope"]["domain"]["id"], "default");

    let listed = json(
        app.get(&format!(
            "/v3/OS-INHERIT/domains/default/users/{uid}/roles/inherited_to_projects"
        ))
        .await,
    )
    .await;
    assert_eq!(listed["roles"][0]["name"], "reader");
    assert_eq!(app.delete(&grant).await.status(), 204);
}

async fn system_grants_give_system_scoped_tokens() {
    let app = spawn_app().await;
    let roles = role_ids(&app).await;
    let uid = app.create_user("xia", "xia-pw-1").await;
    let resp = scoped_token(&app, "xia", "xia-pw-1", json!({"system": {"all": true}})).await;
    assert_eq!(resp.status(), 401);
    let grant = format!("/v3/system/users/{uid}/roles/{}", roles["reader"]);
    assert_eq!(app.put(&grant).await.status(), 204);
    assert_eq!(app.head(&grant).await.status(), 204);
    let listed = json(app.get(&format!("/v3/system/users/{uid}/roles")).await).await;
    assert_eq!(listed["roles"][0]["name"], "reader");

    let resp = scoped_token(&app, "xia", "xia-pw-1", json!({"system": {"all": true}})).await;
    assert_eq!(resp.status(), 201);
    let token = token_of(&resp);
    let body = json(resp).await;
    assert_eq!(body["token"]["system"], json!({"all": true}));
    assert!(body["token"]["catalog"].is_array());

    let systems = json(app.call(Method::GET, "/v3/auth/system", &token, None).await).await;
    assert_eq!(systems["system"], json!([{"all": true}]));
    // A system reader reads everything and changes nothing.
    assert_eq!(
        app.call(Method::GET, "/v3/groups", &token, None)
            .await
            .status(),
        200
    );
    assert_eq!(
        app.call(Method::GET, "/v3/users", &token, None)
            .await
            .status(),
        200
    );
    assert_eq!(
        app.call(Method::GET, "/v3/role_assignments", &token, None)
            .await
            .status(),
        200
    );
    let resp = app
        .call(
            Method::POST,
            "/v3/groups",
            &token,
            Some(json!({"group": {"name": "nope"}})),
        )
        .await;
    assert_error(resp, 403, "identity:create_group").await;
    let resp = app.call(Method::PUT, &grant, &token, None).await;
    assert_error(resp, 403, "identity:create_system_grant_for_user").await;

    let bystander = app.create_user("yan", "yan-pw-1").await;
    let yan = app.login("yan", "yan-pw-1").await;
    let systems = json(app.call(Method::GET, "/v3/auth/system", &yan, None).await).await;
    assert_eq!(systems["system"], json!([]));
    let _ = bystander;
}

async fn a_domain_manager_manages_their_domain_but_cannot_make_admins() {
    let app = spawn_app().await;
    let roles = role_ids(&app).await;
    let mid = app.create_user("mona", "mona-pw-1").await;
    assert_eq!(
        app.put(&format!(
            "/v3/domains/default/users/{mid}/roles/{}",
            roles["manager"]
        ))
        .await
        .status(),
        204
    );
    let resp = scoped_token(
        &app,
        "mona",
        "mona-pw-1",
        json!({"domain": {"id": "default"}}),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let mona = token_of(&resp);
    assert_eq!(
        role_names(&json(resp).await),
        ["manager", "member", "reader"]
    );

    let resp = app
        .call(
            Method::POST,
            "/v3/groups",
            &mona,
            Some(json!({"group": {"name": "managed"}})),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let gid = json(resp).await["group"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let uid = app.create_user("ned", "ned-pw-1").await;
    let add = app
        .call(
            Method::PUT,
            &format!("/v3/groups/{gid}/users/{uid}"),
            &mona,
            None,
        )
        .await;
    assert_eq!(add.status(), 204);
    assert_eq!(
        app.call(Method::GET, "/v3/users", &mona, None)
            .await
            .status(),
        200
    );

    let member = format!(
        "/v3/projects/{}/users/{uid}/roles/{}",
        app.admin_project_id, roles["member"]
    );
    assert_eq!(
        app.call(Method::PUT, &member, &mona, None).await.status(),
        204
    );
    let admin = format!(
        "/v3/projects/{}/users/{uid}/roles/{}",
        app.admin_project_id, roles["admin"]
    );
    let resp = app.call(Method::PUT, &admin, &mona, None).await;
    assert_error(resp, 403, "identity:create_grant").await;
    let resp = app
        .call(
            Method::PUT,
            &format!("/v3/system/users/{uid}/roles/{}", roles["reader"]),
            &mona,
            None,
        )
        .await;
    assert_error(resp, 403, "You are not authorized").await;

    // Unknown targets are 404 for admins, 403 for a manager who cannot see them anyway.
    let ghost = "ffffffffffffffffffffffffffffffff";
    let resp = app.get(&format!("/v3/groups/{ghost}")).await;
    assert_error(resp, 404, "Could not find group").await;
    let resp = app
        .call(Method::GET, &format!("/v3/groups/{ghost}"), &mona, None)
        .await;
    assert_error(resp, 403, "identity:get_group").await;
    assert_eq!(
        app.call(Method::DELETE, &format!("/v3/groups/{gid}"), &mona, None)
            .await
            .status(),
        204
    );
}

async fn grants_name_what_is_missing_and_members_cannot_grant() {
    let app = spawn_app().await;
    let roles = role_ids(&app).await;
    let uid = app.create_user("ora", "ora-pw-1").await;
    let ghost = "ffffffffffffffffffffffffffffffff";
    let p = &app.admin_project_id;
    let resp = app
        .put(&format!("/v3/projects/{p}/users/{uid}/roles/{ghost}"))
        .await;
    assert_error(resp, 404, &format!("Could not find role: {ghost}.")).await;
    let resp = app
        .put(&format!(
            "/v3/projects/{ghost}/users/{uid}/roles/{}",
            roles["member"]
        ))
        .await;
    assert_error(resp, 404, &format!("Could not find project: {ghost}.")).await;
    let resp = app
        .put(&format!(
            "/v3/projects/{p}/users/{ghost}/roles/{}",
            roles["member"]
        ))
        .await;
    assert_error(resp, 404, &format!("Could not find user: {ghost}.")).await;
    let resp = app
        .put(&format!(
            "/v3/domains/{ghost}/groups/{uid}/roles/{}",
            roles["member"]
        ))
        .await;
    assert_error(resp, 404, "Could not find domain").await;

    let ora = app.login("ora", "ora-pw-1").await;
    let resp = app
        .call(
            Method::PUT,
            &format!("/v3/projects/{p}/users/{uid}/roles/{}", roles["admin"]),
            &ora,
            None,
        )
        .await;
    assert_error(resp, 403, "identity:create_grant").await;
    let resp = app
        .call(Method::GET, "/v3/role_assignments", &ora, None)
        .await;
    assert_error(resp, 403, "identity:list_role_assignments").await;
    let _ = ADMIN_PASSWORD;
}

async fn deletes_take_their_grants_and_a_users_projects_follow_groups_and_inheritance() {
    let app = spawn_app().await;
    let roles = role_ids(&app).await;
    let domain = json(
        app.post("/v3/domains", json!({"domain": {"name": "acme"}}))
            .await,
    )
    .await["domain"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let project = |name: &str| json!({"project": {"name": name, "domain_id": domain}});
    let web = json(app.post("/v3/projects", project("web")).await).await["project"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let db_project = json(app.post("/v3/projects", project("db")).await).await["project"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let uid = app.create_user("quinn", "quinn-pw-1").await;
    let gid = app.create_group("crew").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.put(&format!("/v3/groups/{gid}/users/{uid}")).await;

    // Through the group on web; inherited from the domain to every project in it.
    app.put(&format!(
        "/v3/projects/{web}/groups/{gid}/roles/{}",
        roles["member"]
    ))
    .await;
    let projects = |body: Value| -> Vec<String> {
        let mut ids: Vec<String> = body["projects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    let mine = json(app.get(&format!("/v3/users/{uid}/projects")).await).await;
    assert_eq!(projects(mine), vec![web.clone()]);
    let inherited = format!(
        "/v3/OS-INHERIT/domains/{domain}/users/{uid}/roles/{}/inherited_to_projects",
        roles["reader"]
    );
    assert_eq!(app.put(&inherited).await.status(), 204);
    let mut expected = vec![web.clone(), db_project.clone()];
    expected.sort();
    let mine = json(app.get(&format!("/v3/users/{uid}/projects")).await).await;
    assert_eq!(projects(mine), expected);
    let quinn = app.login("quinn", "quinn-pw-1").await;
    let mine = json(
        app.call(Method::GET, "/v3/auth/projects", &quinn, None)
            .await,
    )
    .await;
    assert_eq!(
        projects(mine),
        expected,
        "/v3/auth/projects follows groups and inheritance"
    );

    // A project's delete takes the grants on it.
    app.put(&format!(
        "/v3/projects/{db_project}/users/{uid}/roles/{}",
        roles["member"]
    ))
    .await;
    assert_eq!(
        app.delete(&format!("/v3/projects/{db_project}"))
            .await
            .status(),
        204
    );
    let left = json(
        app.get(&format!(
            "/v3/role_assignments?scope.project.id={db_project}"
        ))
        .await,
    )
    .await;
    assert_eq!(left["role_assignments"], json!([]));

    // A role's delete takes its grants.
    let temp = json(
        app.post("/v3/roles", json!({"role": {"name": "temp"}}))
            .await,
    )
    .await["role"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.put(&format!("/v3/projects/{web}/users/{uid}/roles/{temp}"))
        .await;
    assert_eq!(app.delete(&format!("/v3/roles/{temp}")).await.status(), 204);
    let left = json(
        app.get(&format!("/v3/role_assignments?role.id={temp}"))
            .await,
    )
    .await;
    assert_eq!(left["role_assignments"], json!([]));

    // A domain's delete takes the grants on it and on its projects.
    app.patch(
        &format!("/v3/domains/{domain}"),
        json!({"domain": {"enabled": false}}),
    )
    .await;
    assert_eq!(
        app.delete(&format!("/v3/domains/{domain}")).await.status(),
        204
    );
    let left = json(
        app.get(&format!("/v3/role_assignments?user.id={uid}"))
            .await,
    )
    .await;
    assert_eq!(left["role_assignments"], json!([]));
    let left = json(
        app.get(&format!("/v3/role_assignments?group.id={gid}"))
            .await,
    )
    .await;
    assert_eq!(left["role_assignments"], json!([]));
}

both_backends!(
    deletes_take_their_grants_and_a_users_projects_follow_groups_and_inheritance,
    a_group_grant_gives_its_members_the_role_until_they_leave,
    role_assignments_list_filter_expand_and_name,
    inherited_domain_grants_reach_the_projects,
    system_grants_give_system_scoped_tokens,
    a_domain_manager_manages_their_domain_but_cannot_make_admins,
    grants_name_what_is_missing_and_members_cannot_grant,
);
