//! Keystone's projects acting as domains (`is_domain`), a project's parents and subtree on
//! `GET /v3/projects/{id}`, and the domain of a domain-specific role in grants.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_error, json, spawn_app, TestApp};

async fn create(app: &TestApp, body: Value) -> Value {
    let resp = app.post("/v3/projects", json!({ "project": body })).await;
    assert_eq!(resp.status(), 201, "create project {body}");
    json(resp).await["project"].clone()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

fn ids(list: &Value) -> Vec<String> {
    let mut ids: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

async fn role_id(app: &TestApp, name: &str) -> String {
    let roles = json(app.get(&format!("/v3/roles?name={name}")).await).await;
    roles["roles"][0]["id"].as_str().unwrap().to_string()
}

async fn project_token(app: &TestApp, user_id: &str, password: &str, project_id: &str) -> String {
    let resp = app
        .call(
            Method::POST,
            "/v3/auth/tokens",
            "",
            Some(
                json!({"auth": {"identity": {"methods": ["password"], "password": {"user":
                {"id": user_id, "password": password}}},
                "scope": {"project": {"id": project_id}}}}),
            ),
        )
        .await;
    assert_eq!(resp.status(), 201, "token on {project_id}");
    resp.headers()["x-subject-token"]
        .to_str()
        .unwrap()
        .to_string()
}

async fn a_project_acting_as_a_domain_is_a_domain() {
    let app = spawn_app().await;
    let created = create(
        &app,
        json!({"name": "acme", "is_domain": true, "domain_id": null, "description": "d",
               "tags": ["t"], "region": "eu"}),
    )
    .await;
    let dom = id(&created);
    assert_eq!(
        created,
        json!({"id": dom, "name": "acme", "description": "d", "enabled": true,
               "domain_id": null, "parent_id": null, "is_domain": true,
               "tags": ["t"], "options": {}, "region": "eu",
               "links": {"self": format!("{}/v3/projects/{dom}", app.base)}})
    );
    // The same entity through both APIs.
    assert_eq!(
        json(app.get(&format!("/v3/projects/{dom}")).await).await["project"],
        created
    );
    let domain = json(app.get(&format!("/v3/domains/{dom}")).await).await["domain"].clone();
    assert_eq!(domain["name"], "acme");
    assert_eq!(domain["tags"], json!(["t"]));
    // And every domain is a project acting as one.
    let default = json(app.get("/v3/projects/default").await).await["project"].clone();
    assert_eq!(default["is_domain"], true);
    assert_eq!(default["name"], "Default");
    assert_eq!(default["domain_id"], Value::Null);

    // Listed with is_domain=true, and only then.
    let listed = |q: &'static str| {
        let app = &app;
        async move {
            let resp = app.get(&format!("/v3/projects?{q}")).await;
            assert_eq!(resp.status(), 200, "{q}");
            json(resp).await["projects"].clone()
        }
    };
    assert_eq!(ids(&listed("is_domain=true").await), {
        let mut v = vec![dom.clone(), "default".to_string()];
        v.sort();
        v
    });
    assert!(!ids(&listed("").await).contains(&dom));
    assert_eq!(
        ids(&listed("is_domain=true&name=acme").await),
        [dom.as_str()]
    );
    assert_eq!(ids(&listed("is_domain=true&tags=t").await), [dom.as_str()]);
    assert!(ids(&listed("is_domain=true&not-tags-any=t").await).contains(&"default".to_string()));
    assert!(ids(&listed("is_domain=true&domain_id=default").await).is_empty());
    assert!(!ids(&listed("is_domain=false").await).contains(&dom));

    // A project below it: its parent names the domain.
    let child = create(&app, json!({"name": "web", "parent_id": dom})).await;
    assert_eq!(child["domain_id"], dom.as_str());
    assert_eq!(child["parent_id"], dom.as_str());
    assert_error(
        app.post(
            "/v3/projects",
            json!({"project": {"name": "x", "parent_id": dom, "domain_id": "default"}}),
        )
        .await,
        400,
        &format!(
            "Cannot create project, the parent ({dom}) is acting as a domain, but this \
             project's domain id (default) does not match the parent's id."
        ),
    )
    .await;
    // Only a root project may act as a domain; the name is a domain's name.
    assert_error(
        app.post(
            "/v3/projects",
            json!({"project": {"name": "y", "is_domain": true, "parent_id": dom}}),
        )
        .await,
        400,
        "only root projects are allowed to act as domains.",
    )
    .await;
    let resp = app
        .post(
            "/v3/projects",
            json!({"project": {"name": "acme", "is_domain": true}}),
        )
        .await;
    assert_eq!(resp.status(), 409);

    // Updated as a project, it is the domain that changes.
    let resp = app
        .patch(
            &format!("/v3/projects/{dom}"),
            json!({"project": {"name": "acme2", "domain_id": null, "is_domain": true}}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(json(resp).await["project"]["name"], "acme2");
    let domain = json(app.get(&format!("/v3/domains/{dom}")).await).await["domain"].clone();
    assert_eq!(domain["name"], "acme2");
    for (body, status, message) in [
        (
            json!({"domain_id": "default"}),
            400,
            "Update of `domain_id` is not allowed.",
        ),
        (
            json!({"is_domain": false}),
            400,
            "Update of `is_domain` is not allowed.",
        ),
        (
            json!({"parent_id": "default"}),
            403,
            "Update of `parent_id` is not allowed.",
        ),
    ] {
        let resp = app
            .patch(&format!("/v3/projects/{dom}"), json!({ "project": body }))
            .await;
        assert_error(resp, status, message).await;
    }
    // Its tags through the project tag routes.
    assert_eq!(
        app.put(&format!("/v3/projects/{dom}/tags/u"))
            .await
            .status(),
        201
    );
    let domain = json(app.get(&format!("/v3/domains/{dom}")).await).await["domain"].clone();
    assert_eq!(domain["tags"], json!(["t", "u"]));

    // Deleted as a project, it goes as a domain does: disabled first, with its projects.
    assert_error(
        app.delete(&format!("/v3/projects/{dom}")).await,
        403,
        "Cannot delete a domain that is enabled, please disable it first.",
    )
    .await;
    let resp = app
        .patch(
            &format!("/v3/projects/{dom}"),
            json!({"project": {"enabled": false}}),
        )
        .await;
    assert_eq!(json(resp).await["project"]["enabled"], false);
    assert_eq!(
        app.delete(&format!("/v3/projects/{dom}")).await.status(),
        204
    );
    assert_eq!(app.get(&format!("/v3/domains/{dom}")).await.status(), 404);
    assert_eq!(
        app.get(&format!("/v3/projects/{}", id(&child)))
            .await
            .status(),
        404
    );
    assert_error(
        app.get(&format!("/v3/projects/{dom}")).await,
        404,
        &format!("Could not find project: {dom}."),
    )
    .await;
}

async fn only_the_cloud_admin_handles_projects_acting_as_domains() {
    let app = spawn_app().await;
    let manager = app.create_user("dm", "pw-dm-123").await;
    app.grant_domain_role(&manager, "default", "manager").await;
    let resp = app
        .call(
            Method::POST,
            "/v3/auth/tokens",
            "",
            Some(json!({"auth": {"identity": {"methods": ["password"], "password": {"user":
                {"id": manager, "password": "pw-dm-123"}}}, "scope": {"domain": {"id": "default"}}}})),
        )
        .await;
    let token = resp.headers()["x-subject-token"]
        .to_str()
        .unwrap()
        .to_string();
    // A domain manager creates projects in their domain, not domains.
    let resp = app
        .call(
            Method::POST,
            "/v3/projects",
            &token,
            Some(json!({"project": {"name": "p1"}})),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let resp = app
        .call(
            Method::POST,
            "/v3/projects",
            &token,
            Some(json!({"project": {"name": "d1", "is_domain": true}})),
        )
        .await;
    assert_error(resp, 403, "identity:create_project").await;
    // Their own domain, as a project, has no domain of its own to match them.
    for method in [Method::GET, Method::DELETE] {
        let resp = app.call(method, "/v3/projects/default", &token, None).await;
        assert_eq!(resp.status(), 403);
    }
}

async fn parents_and_subtree_as_keystone_shows_them() {
    let app = spawn_app().await;
    let dom = id(&create(&app, json!({"name": "tree", "is_domain": true})).await);
    let a = id(&create(&app, json!({"name": "a", "domain_id": dom})).await);
    let b = id(&create(&app, json!({"name": "b", "parent_id": a})).await);
    let c = id(&create(&app, json!({"name": "c", "parent_id": b})).await);
    let e = id(&create(&app, json!({"name": "e", "parent_id": a})).await);
    let show = |path: String| {
        let app = &app;
        async move {
            let resp = app.get(&path).await;
            assert_eq!(resp.status(), 200, "{path}");
            json(resp).await["project"].clone()
        }
    };

    // Ids nest up to the domain, and down to the leaves.
    let shown = show(format!("/v3/projects/{c}?parents_as_ids")).await;
    assert_eq!(shown["parents"], json!({ &b: { &a: { &dom: null } } }));
    assert!(shown.get("subtree").is_none());
    let shown = show(format!(
        "/v3/projects/{a}?subtree_as_ids=true&parents_as_ids=1"
    ))
    .await;
    assert_eq!(shown["subtree"], json!({ &b: { &c: null }, &e: null }));
    assert_eq!(shown["parents"], json!({ &dom: null }));
    assert_eq!(
        show(format!("/v3/projects/{c}?subtree_as_ids")).await["subtree"],
        Value::Null
    );
    // `=0` is Keystone's false.
    let shown = show(format!("/v3/projects/{c}?parents_as_ids=0")).await;
    assert!(shown.get("parents").is_none());
    // The project acting as the domain: no parents, its projects below.
    let shown = show(format!("/v3/projects/{dom}?parents_as_ids&subtree_as_ids")).await;
    assert_eq!(shown["parents"], Value::Null);
    assert_eq!(
        shown["subtree"],
        json!({ &a: { &b: { &c: null }, &e: null } })
    );

    // Lists hold only the projects the caller's user has a role on.
    let shown = show(format!("/v3/projects/{c}?parents_as_list&subtree_as_list")).await;
    assert_eq!(shown["parents"], json!([]));
    assert_eq!(shown["subtree"], json!([]));
    let member = role_id(&app, "member").await;
    let user = app.create_user("climber", "pw-climber-1").await;
    for p in [&a, &c, &e] {
        let resp = app
            .put(&format!("/v3/projects/{p}/users/{user}/roles/{member}"))
            .await;
        assert_eq!(resp.status(), 204);
    }
    let token = project_token(&app, &user, "pw-climber-1", &c).await;
    let resp = app
        .call(
            Method::GET,
            &format!("/v3/projects/{c}?parents_as_list&include_limits"),
            &token,
            None,
        )
        .await;
    assert_eq!(resp.status(), 200);
    let shown = json(resp).await["project"].clone();
    let parents = shown["parents"].as_array().unwrap();
    assert_eq!(parents.len(), 1, "{shown}");
    assert_eq!(parents[0]["project"]["id"], a.as_str());
    assert_eq!(parents[0]["project"]["name"], "a");
    assert_eq!(parents[0]["project"]["limits"], json!([]));
    assert_eq!(
        parents[0]["project"]["links"]["self"],
        format!("{}/v3/projects/{a}", app.base)
    );
    let token = project_token(&app, &user, "pw-climber-1", &a).await;
    let resp = app
        .call(
            Method::GET,
            &format!("/v3/projects/{a}?subtree_as_list"),
            &token,
            None,
        )
        .await;
    let subtree = json(resp).await["project"]["subtree"].clone();
    let listed: Vec<String> = {
        let mut v: Vec<String> = subtree
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["project"]["id"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    let mut expected = vec![c.clone(), e.clone()];
    expected.sort();
    assert_eq!(listed, expected);
    assert!(subtree[0]["project"].get("limits").is_none());

    // As ids and as a list at once is a 400; so is asking a missing project nothing.
    for q in [
        "parents_as_list&parents_as_ids",
        "subtree_as_list=1&subtree_as_ids=yes",
    ] {
        let which = if q.starts_with("parents") {
            "parents"
        } else {
            "subtree"
        };
        assert_error(
            app.get(&format!("/v3/projects/{c}?{q}")).await,
            400,
            &format!(
                "Cannot use {which}_as_list and {which}_as_ids query params at the same time."
            ),
        )
        .await;
    }
    assert_error(
        app.get("/v3/projects/nope?parents_as_ids").await,
        404,
        "Could not find project: nope.",
    )
    .await;
}

async fn a_domain_role_is_checked_against_projects_only() {
    let app = spawn_app().await;
    let resp = app
        .post("/v3/domains", json!({"domain": {"name": "other"}}))
        .await;
    let other = json(resp).await["domain"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = app
        .post(
            "/v3/roles",
            json!({"role": {"name": "local", "domain_id": other}}),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let role = json(resp).await["role"]["id"].as_str().unwrap().to_string();
    let user = app.create_user("granted", "pw-granted-1").await;
    let resp = app
        .post("/v3/groups", json!({"group": {"name": "g"}}))
        .await;
    let group = json(resp).await["group"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // On a domain, the role's own domain is not checked (Keystone's create_grant).
    for path in [
        format!("/v3/domains/default/users/{user}/roles/{role}"),
        format!("/v3/domains/default/groups/{group}/roles/{role}"),
        format!("/v3/OS-INHERIT/domains/default/users/{user}/roles/{role}/inherited_to_projects"),
    ] {
        assert_eq!(app.put(&path).await.status(), 204, "{path}");
        assert_eq!(app.head(&path).await.status(), 204, "{path}");
    }
    // On a project of another domain, it is.
    let project = id(&create(&app, json!({"name": "elsewhere"})).await);
    for path in [
        format!("/v3/projects/{project}/users/{user}/roles/{role}"),
        format!("/v3/projects/{project}/groups/{group}/roles/{role}"),
    ] {
        assert_error(
            app.put(&path).await,
            403,
            &format!(
                "Project {project} must be in the same domain as the role {role} being assigned."
            ),
        )
        .await;
    }
    // On a project of the role's domain, it may be granted.
    let inside = id(&create(&app, json!({"name": "inside", "domain_id": other})).await);
    let resp = app
        .put(&format!(
            "/v3/projects/{inside}/groups/{group}/roles/{role}"
        ))
        .await;
    assert_eq!(resp.status(), 204);
}

both_backends!(
    a_project_acting_as_a_domain_is_a_domain,
    only_the_cloud_admin_handles_projects_acting_as_domains,
    parents_and_subtree_as_keystone_shows_them,
    a_domain_role_is_checked_against_projects_only,
);
