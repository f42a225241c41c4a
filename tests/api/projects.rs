//! Keystone v3 projects, and the projects of a user.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_error, json, spawn_app, TestApp};

async fn create_project(app: &TestApp, body: Value) -> Value {
    let resp = app.post("/v3/projects", json!({ "project": body })).await;
    assert_eq!(resp.status(), 201, "create project {body}");
    json(resp).await["project"].clone()
}

async fn create_domain(app: &TestApp, name: &str) -> String {
    let resp = app
        .post("/v3/domains", json!({"domain": {"name": name}}))
        .await;
    assert_eq!(resp.status(), 201);
    json(resp).await["domain"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn names(body: &Value) -> Vec<String> {
    let mut names: Vec<String> = body["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

async fn a_project_is_the_same_object_in_every_response() {
    let app = spawn_app().await;
    let created = create_project(
        &app,
        json!({"name": " web ", "description": "d", "tags": ["x"], "cost_center": "42"}),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(
        created,
        json!({
            "id": id, "name": "web", "description": "d", "enabled": true,
            "domain_id": "default", "parent_id": "default", "is_domain": false,
            "tags": ["x"], "options": {}, "cost_center": "42",
            "links": {"self": format!("{}/v3/projects/{id}", app.base)},
        })
    );
    let shown = json(app.get(&format!("/v3/projects/{id}")).await).await["project"].clone();
    assert_eq!(shown, created);
    let listed = json(app.get("/v3/projects").await).await["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(listed, created);

    let child = create_project(&app, json!({"name": "child", "parent_id": id})).await;
    assert_eq!(child["parent_id"], id.as_str());
    assert_eq!(child["domain_id"], "default");
    let top = create_project(&app, json!({"name": "top", "parent_id": "default"})).await;
    assert_eq!(top["parent_id"], "default");
}

async fn project_rules_are_keystone_4xx() {
    let app = spawn_app().await;
    let other = create_domain(&app, "other").await;
    let p = create_project(&app, json!({"name": "p"})).await;
    let p_id = p["id"].as_str().unwrap().to_string();
    assert_error(
        app.post("/v3/projects", json!({"project": {"name": "p"}}))
            .await,
        409,
        "Conflict occurred attempting to store project - Duplicate entry found with name p at domain ID default.",
    )
    .await;
    // The same name in another domain is fine.
    create_project(&app, json!({"name": "p", "domain_id": other})).await;
    assert_error(
        app.post(
            "/v3/projects",
            json!({"project": {"name": "q", "domain_id": "nowhere"}}),
        )
        .await,
        404,
        "Could not find domain: nowhere.",
    )
    .await;
    assert_error(
        app.post(
            "/v3/projects",
            json!({"project": {"name": "q", "parent_id": "0123456789abcdef0123456789abcdef"}}),
        )
        .await,
        404,
        "Could not find project: 0123456789abcdef0123456789abcdef.",
    )
    .await;
    assert_error(
        app.post(
            "/v3/projects",
            json!({"project": {"name": "q", "domain_id": other, "parent_id": p_id}}),
        )
        .await,
        400,
        "specifies a parent in a different domain",
    )
    .await;
    for (body, message) in [
        (json!({"project": {}}), "'name' is a required property"),
        (
            json!({"project": {"name": 5}}),
            "Invalid input for field 'name'",
        ),
        (
            json!({"project": {"name": "q", "is_domain": "yes"}}),
            "Invalid input for field 'is_domain'",
        ),
        (
            json!({"project": {"name": "q", "is_domain": true, "domain_id": "default"}}),
            "only root projects are allowed to act as domains.",
        ),
        (
            json!({"project": {"name": "q", "tags": ["a", "a"]}}),
            "has non-unique elements",
        ),
        (
            json!({"project": {"name": "q", "domain_id": "bad id"}}),
            "Invalid input for field 'domain_id'",
        ),
        (
            json!({"project": {"name": "q", "tags": [1]}}),
            "Invalid input for field 'tags'",
        ),
    ] {
        assert_error(app.post("/v3/projects", body).await, 400, message).await;
    }
    let path = format!("/v3/projects/{p_id}");
    assert_error(
        app.patch(&path, json!({"project": {"domain_id": other}}))
            .await,
        400,
        "Update of `domain_id` is not allowed.",
    )
    .await;
    assert_error(
        app.patch(&path, json!({"project": {"parent_id": "x"}}))
            .await,
        403,
        "Update of `parent_id` is not allowed.",
    )
    .await;
    assert_error(
        app.get("/v3/projects/nope").await,
        404,
        "Could not find project: nope.",
    )
    .await;
}

async fn update_changes_fields_and_keeps_the_rest() {
    let app = spawn_app().await;
    let created = create_project(&app, json!({"name": "old"})).await;
    create_project(&app, json!({"name": "other"})).await;
    let id = created["id"].as_str().unwrap();
    let path = format!("/v3/projects/{id}");
    let resp = app
        .patch(
            &path,
            json!({"project": {"name": "new", "enabled": false, "tags": ["t"], "domain_id": "default"}}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let updated = json(resp).await["project"].clone();
    let mut expected = created.clone();
    expected["name"] = json!("new");
    expected["enabled"] = json!(false);
    expected["tags"] = json!(["t"]);
    assert_eq!(updated, expected);
    assert_eq!(
        json(app.get(&path).await).await["project"],
        expected,
        "stored"
    );
    assert_error(
        app.patch(&path, json!({"project": {"name": "other"}}))
            .await,
        409,
        "Duplicate entry found with name other at domain ID default.",
    )
    .await;
}

async fn a_parent_cannot_be_deleted_or_disabled_before_its_children() {
    let app = spawn_app().await;
    let parent = create_project(&app, json!({"name": "parent"})).await;
    let parent = parent["id"].as_str().unwrap();
    let child = create_project(&app, json!({"name": "child", "parent_id": parent})).await;
    let child = child["id"].as_str().unwrap();
    assert_error(
        app.delete(&format!("/v3/projects/{parent}")).await,
        403,
        &format!("Cannot delete the project {parent} since it is not a leaf in the hierarchy."),
    )
    .await;
    assert_error(
        app.patch(
            &format!("/v3/projects/{parent}"),
            json!({"project": {"enabled": false}}),
        )
        .await,
        403,
        "since its subtree contains enabled projects",
    )
    .await;
    let body = json(app.get(&format!("/v3/projects?parent_id={parent}")).await).await;
    assert_eq!(names(&body), ["child"]);
    assert_eq!(
        app.delete(&format!("/v3/projects/{child}")).await.status(),
        204
    );
    assert_eq!(
        app.delete(&format!("/v3/projects/{parent}")).await.status(),
        204
    );
    assert_error(
        app.get(&format!("/v3/projects/{parent}")).await,
        404,
        &format!("Could not find project: {parent}."),
    )
    .await;
}

async fn list_filters_projects() {
    let app = spawn_app().await;
    let other = create_domain(&app, "other").await;
    let web = create_project(&app, json!({"name": "WebFront"})).await;
    create_project(&app, json!({"name": "webback", "enabled": false})).await;
    create_project(&app, json!({"name": "db", "domain_id": other})).await;
    let get = |q: String| {
        let app = &app;
        async move { json(app.get(&format!("/v3/projects?{q}")).await).await }
    };
    assert_eq!(names(&get("name=db".into()).await), ["db"]);
    assert_eq!(names(&get(format!("domain_id={other}")).await), ["db"]);
    assert_eq!(
        names(&get("domain_id=default".into()).await),
        ["WebFront", "admin", "webback"]
    );
    assert_eq!(names(&get("enabled=false".into()).await), ["webback"]);
    // The projects acting as domains are the domains.
    assert_eq!(
        names(&get("is_domain=true".into()).await),
        ["Default", "other"]
    );
    assert_eq!(names(&get("is_domain=false".into()).await).len(), 4);
    assert_eq!(names(&get(format!("parent_id={other}")).await), ["db"]);
    assert_eq!(names(&get("name__contains=web".into()).await), ["webback"]);
    assert_eq!(
        names(&get("name__icontains=WEB".into()).await),
        ["WebFront", "webback"]
    );
    assert_eq!(
        names(&get("name__endswith=Front".into()).await),
        ["WebFront"]
    );
    assert_eq!(
        names(&get("name__iendswith=front".into()).await),
        ["WebFront"]
    );
    assert_eq!(
        names(&get("name__startswith=Web".into()).await),
        ["WebFront"]
    );
    let body = get("name__istartswith=web&limit=1".into()).await;
    assert_eq!(body["projects"].as_array().unwrap().len(), 1);
    assert_eq!(body["truncated"], true);
    let head = app
        .head(&format!("/v3/projects/{}", web["id"].as_str().unwrap()))
        .await;
    assert_eq!(head.status(), 200);
}

async fn the_projects_of_a_user() {
    let app = spawn_app().await;
    let admin_projects = json(
        app.get(&format!("/v3/users/{}/projects", app.admin_id))
            .await,
    )
    .await;
    let ids: Vec<&str> = admin_projects["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [app.admin_project_id.as_str()]);
    let shown = json(
        app.get(&format!("/v3/projects/{}", app.admin_project_id))
            .await,
    )
    .await;
    assert_eq!(admin_projects["projects"][0], shown["project"]);

    let filtered = json(
        app.get(&format!("/v3/users/{}/projects?name=nothing", app.admin_id))
            .await,
    )
    .await;
    assert_eq!(filtered["projects"], json!([]));

    let dora = app.create_user("dora", "pw-dora").await;
    let eve = app.create_user("eve", "pw-eve").await;
    let token = app.login("dora", "pw-dora").await;
    let own = app
        .call(
            Method::GET,
            &format!("/v3/users/{dora}/projects"),
            &token,
            None,
        )
        .await;
    assert_eq!(own.status(), 200, "a user may list their own projects");
    assert_eq!(json(own).await["projects"], json!([]));
    let resp = app
        .call(
            Method::GET,
            &format!("/v3/users/{eve}/projects"),
            &token,
            None,
        )
        .await;
    assert_error(resp, 403, "identity:list_user_projects").await;
    assert_error(
        app.get("/v3/users/nobody/projects").await,
        404,
        "Could not find user: nobody.",
    )
    .await;
}

async fn plain_users_cannot_manage_projects() {
    let app = spawn_app().await;
    let p = create_project(&app, json!({"name": "guarded"})).await;
    let id = p["id"].as_str().unwrap();
    app.create_user("dora", "pw-dora").await;
    let dora = app.login("dora", "pw-dora").await;
    for (method, path, body) in [
        (
            Method::POST,
            "/v3/projects".to_string(),
            Some(json!({"project": {"name": "x"}})),
        ),
        (Method::GET, "/v3/projects".to_string(), None),
        (Method::GET, format!("/v3/projects/{id}"), None),
        (Method::GET, "/v3/projects/unknown".to_string(), None),
        (
            Method::PATCH,
            format!("/v3/projects/{id}"),
            Some(json!({"project": {"name": "y"}})),
        ),
        (Method::DELETE, format!("/v3/projects/{id}"), None),
    ] {
        let resp = app.call(method.clone(), &path, &dora, body).await;
        assert_error(
            resp,
            403,
            "You are not authorized to perform the requested action",
        )
        .await;
    }
    assert_eq!(
        json(app.get(&format!("/v3/projects/{id}")).await).await["project"],
        p
    );
}

async fn tag_filters_select_projects() {
    let app = spawn_app().await;
    create_project(&app, json!({"name": "ab", "tags": ["a", "b"]})).await;
    create_project(&app, json!({"name": "a", "tags": ["a"]})).await;
    create_project(&app, json!({"name": "c", "tags": ["c"]})).await;
    create_project(&app, json!({"name": "none"})).await;
    let get = |q: &'static str| {
        let app = &app;
        async move {
            let resp = app.get(&format!("/v3/projects?{q}")).await;
            assert_eq!(resp.status(), 200, "{q}");
            names(&json(resp).await)
        }
    };
    // Every tag asked for.
    assert_eq!(get("tags=a,b").await, ["ab"]);
    assert_eq!(get("tags=a").await, ["a", "ab"]);
    assert_eq!(get("tags=a,c").await, Vec::<String>::new());
    // Any of them.
    assert_eq!(get("tags-any=b,c").await, ["ab", "c"]);
    assert_eq!(get("tags-any=z").await, Vec::<String>::new());
    // Not all of them together (the admin project has no tags).
    assert_eq!(get("not-tags=a,b").await, ["a", "admin", "c", "none"]);
    // None of them.
    assert_eq!(get("not-tags-any=a,c").await, ["admin", "none"]);
    // Combined, and with the other filters, before the page.
    assert_eq!(get("tags=a&not-tags=b").await, ["a"]);
    assert_eq!(get("tags-any=a,c&name__startswith=a").await, ["a", "ab"]);
    let body = json(app.get("/v3/projects?tags-any=a,c&limit=2").await).await;
    assert_eq!(names(&body).len(), 2);
    assert_eq!(body["truncated"], true);
    let next = body["links"]["next"].as_str().unwrap();
    let rest = json(
        app.client
            .get(next)
            .header("X-Auth-Token", &app.admin_token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(names(&rest).len(), 1);
    assert!(rest.get("truncated").is_none(), "{rest}");
    // An empty filter is a filter for the empty tag, which no project has.
    assert_eq!(get("tags=").await, Vec::<String>::new());
    assert_eq!(get("not-tags-any=").await.len(), 5);
}

async fn the_projects_of_a_user_take_keystones_filters() {
    let app = spawn_app().await;
    let other = create_domain(&app, "other").await;
    let uid = app.create_user("fay", "pw-fay-1").await;
    let member = json(app.get("/v3/roles?name=member").await).await["roles"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut ids = Vec::new();
    for body in [
        json!({"name": "alpha"}),
        json!({"name": "beta", "enabled": false}),
        json!({"name": "gamma", "domain_id": other}),
        json!({"name": "unrelated"}),
    ] {
        let unrelated = body["name"] == "unrelated";
        let id = create_project(&app, body).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        if !unrelated {
            let grant = format!("/v3/projects/{id}/users/{uid}/roles/{member}");
            assert_eq!(app.put(&grant).await.status(), 204);
        }
        ids.push(id);
    }
    let get = |q: String| {
        let app = &app;
        let uid = uid.clone();
        async move {
            let resp = app.get(&format!("/v3/users/{uid}/projects?{q}")).await;
            assert_eq!(resp.status(), 200, "{q}");
            names(&json(resp).await)
        }
    };
    assert_eq!(get(String::new()).await, ["alpha", "beta", "gamma"]);
    assert_eq!(get("name=beta".into()).await, ["beta"]);
    assert_eq!(get("name=unrelated".into()).await, Vec::<String>::new());
    assert_eq!(get("name__startswith=al".into()).await, ["alpha"]);
    assert_eq!(get("enabled=false".into()).await, ["beta"]);
    assert_eq!(get("enabled=true".into()).await, ["alpha", "gamma"]);
    assert_eq!(get(format!("domain_id={other}")).await, ["gamma"]);
    assert_eq!(
        get("domain_id=default&enabled=true".into()).await,
        ["alpha"]
    );
    assert_eq!(get("domain_id=".into()).await, Vec::<String>::new());
    assert_error(
        app.get(&format!("/v3/users/{uid}/projects?enabled=maybe"))
            .await,
        400,
        "'maybe' is not a boolean",
    )
    .await;
}

both_backends!(
    a_project_is_the_same_object_in_every_response,
    project_rules_are_keystone_4xx,
    update_changes_fields_and_keeps_the_rest,
    a_parent_cannot_be_deleted_or_disabled_before_its_children,
    list_filters_projects,
    the_projects_of_a_user,
    plain_users_cannot_manage_projects,
    tag_filters_select_projects,
    the_projects_of_a_user_take_keystones_filters,
);
