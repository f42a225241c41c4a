//! Keystone v3 domains: create, show, list, update, delete and its cascade.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_error, json, spawn_app, TestApp};

async fn create_domain(app: &TestApp, body: Value) -> Value {
    let resp = app.post("/v3/domains", json!({ "domain": body })).await;
    assert_eq!(resp.status(), 201, "create domain {body}");
    json(resp).await["domain"].clone()
}

fn names(body: &Value, key: &str) -> Vec<String> {
    let mut names: Vec<String> = body[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

async fn a_domain_is_the_same_object_in_every_response() {
    let app = spawn_app().await;
    let created = create_domain(
        &app,
        json!({"name": "  acme ", "description": "d", "tags": ["a", "b"], "team": {"size": 3}}),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 32);
    assert_eq!(
        created,
        json!({
            "id": id, "name": "acme", "description": "d", "enabled": true,
            "links": {"self": format!("{}/v3/domains/{id}", app.base)},
            "options": {}, "tags": ["a", "b"], "team": {"size": 3},
        })
    );
    let shown = json(app.get(&format!("/v3/domains/{id}")).await).await["domain"].clone();
    assert_eq!(shown, created);
    let listed = json(app.get("/v3/domains").await).await["domains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(listed, created);
    let head = app.head(&format!("/v3/domains/{id}")).await;
    assert_eq!(head.status(), 200);

    let minimal = create_domain(&app, json!({"name": "bare"})).await;
    assert_eq!(minimal["description"], "");
    assert_eq!(minimal["tags"], json!([]));
    assert_eq!(minimal.as_object().unwrap().len(), 7, "{minimal}");
}

async fn bad_domain_input_is_a_keystone_4xx() {
    let app = spawn_app().await;
    create_domain(&app, json!({"name": "taken"})).await;
    let resp = app
        .post("/v3/domains", json!({"domain": {"name": "taken"}}))
        .await;
    assert_error(
        resp,
        409,
        "Conflict occurred attempting to store domain - Duplicate entry found with name taken.",
    )
    .await;
    for (body, message) in [
        (json!({"domain": {}}), "'name' is a required property"),
        (
            json!({"domain": {"name": ""}}),
            "Invalid input for field 'name'",
        ),
        (
            json!({"domain": {"name": "x", "enabled": "yes"}}),
            "Invalid input for field 'enabled'",
        ),
        (
            json!({"domain": {"name": "x", "tags": "a"}}),
            "Invalid input for field 'tags'",
        ),
        (
            json!({"domain": {"name": "x", "tags": ["a/b"]}}),
            "Invalid input for field 'tags'",
        ),
        (
            json!({"domain": {"name": "x", "options": {"immutable": true}}}),
            "Invalid input for field 'options'",
        ),
        (
            json!({"name": "x"}),
            "Expecting to find domain in request body",
        ),
    ] {
        assert_error(app.post("/v3/domains", body).await, 400, message).await;
    }
    assert_error(
        app.get("/v3/domains/nope").await,
        404,
        "Could not find domain: nope.",
    )
    .await;
    assert_error(
        app.patch("/v3/domains/nope", json!({"domain": {"name": "y"}}))
            .await,
        404,
        "Could not find domain: nope.",
    )
    .await;
    assert_error(
        app.delete("/v3/domains/nope").await,
        404,
        "Could not find domain: nope.",
    )
    .await;
}

async fn list_filters_domains() {
    let app = spawn_app().await;
    create_domain(&app, json!({"name": "Alpha"})).await;
    create_domain(&app, json!({"name": "alphabet", "enabled": false})).await;
    create_domain(&app, json!({"name": "beta_%"})).await;
    let get = |q: &'static str| {
        let app = &app;
        async move { json(app.get(&format!("/v3/domains?{q}")).await).await }
    };
    assert_eq!(names(&get("name=Alpha").await, "domains"), ["Alpha"]);
    assert_eq!(names(&get("enabled=false").await, "domains"), ["alphabet"]);
    assert_eq!(
        names(&get("enabled=true").await, "domains"),
        ["Alpha", "Default", "beta_%"]
    );
    assert_eq!(
        names(&get("name__contains=lpha").await, "domains"),
        ["Alpha", "alphabet"]
    );
    assert_eq!(
        names(&get("name__startswith=alpha").await, "domains"),
        ["alphabet"]
    );
    assert_eq!(
        names(&get("name__istartswith=ALPHA").await, "domains"),
        ["Alpha", "alphabet"]
    );
    assert_eq!(names(&get("name__endswith=ha").await, "domains"), ["Alpha"]);
    assert_eq!(
        names(&get("name__iendswith=BET").await, "domains"),
        ["alphabet"]
    );
    assert_eq!(
        names(&get("name__icontains=DEF").await, "domains"),
        ["Default"]
    );
    // LIKE wildcards in the value are literal.
    assert_eq!(
        names(&get("name__contains=_%25").await, "domains"),
        ["beta_%"]
    );
    assert_eq!(
        names(&get("name__contains=%25").await, "domains"),
        ["beta_%"]
    );
    assert_eq!(
        names(&get("name__icontains=a&enabled=true").await, "domains"),
        ["Alpha", "Default", "beta_%"]
    );
    assert_eq!(
        names(&get("name__iequals=alpha").await, "domains"),
        ["Alpha"]
    );
    assert_error(
        app.get("/v3/domains?enabled=maybe").await,
        400,
        "Invalid input for field 'enabled'",
    )
    .await;
}

async fn update_changes_fields_and_keeps_the_rest() {
    let app = spawn_app().await;
    let created = create_domain(&app, json!({"name": "old", "description": "d"})).await;
    create_domain(&app, json!({"name": "other"})).await;
    let id = created["id"].as_str().unwrap();
    let resp = app
        .patch(
            &format!("/v3/domains/{id}"),
            json!({"domain": {"name": "new", "enabled": false, "extra_key": 1}}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let updated = json(resp).await["domain"].clone();
    let mut expected = created.clone();
    expected["name"] = json!("new");
    expected["enabled"] = json!(false);
    expected["extra_key"] = json!(1);
    assert_eq!(updated, expected);
    let shown = json(app.get(&format!("/v3/domains/{id}")).await).await["domain"].clone();
    assert_eq!(shown, expected);
    assert_error(
        app.patch(
            &format!("/v3/domains/{id}"),
            json!({"domain": {"name": "other"}}),
        )
        .await,
        409,
        "Duplicate entry found with name other.",
    )
    .await;
    assert_error(
        app.patch(&format!("/v3/domains/{id}"), json!({"domain": {}}))
            .await,
        400,
        "does not have enough properties",
    )
    .await;
    assert_error(
        app.patch(
            &format!("/v3/domains/{id}"),
            json!({"domain": {"id": "other"}}),
        )
        .await,
        400,
        "Cannot change ID",
    )
    .await;
}

async fn an_enabled_domain_cannot_be_deleted() {
    let app = spawn_app().await;
    let created = create_domain(&app, json!({"name": "live"})).await;
    let id = created["id"].as_str().unwrap();
    assert_error(
        app.delete(&format!("/v3/domains/{id}")).await,
        403,
        "Cannot delete a domain that is enabled, please disable it first.",
    )
    .await;
    let resp = app
        .patch(
            &format!("/v3/domains/{id}"),
            json!({"domain": {"enabled": false}}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(app.delete(&format!("/v3/domains/{id}")).await.status(), 204);
    assert_error(
        app.get(&format!("/v3/domains/{id}")).await,
        404,
        &format!("Could not find domain: {id}."),
    )
    .await;
}

async fn deleting_a_domain_removes_what_it_holds() {
    let app = spawn_app().await;
    let domain = create_domain(&app, json!({"name": "doomed"})).await;
    let d = domain["id"].as_str().unwrap().to_string();
    let created = |path: &'static str, key: &'static str, body: Value| {
        let app = &app;
        async move {
            let resp = app.post(path, json!({ key: body })).await;
            assert_eq!(resp.status(), 201, "{path}");
            json(resp).await[key]["id"].as_str().unwrap().to_string()
        }
    };
    let project = created(
        "/v3/projects",
        "project",
        json!({"name": "p", "domain_id": d}),
    )
    .await;
    let child = created(
        "/v3/projects",
        "project",
        json!({"name": "c", "domain_id": d, "parent_id": project}),
    )
    .await;
    let user = created("/v3/users", "user", json!({"name": "u", "domain_id": d})).await;
    let group = created("/v3/groups", "group", json!({"name": "g", "domain_id": d})).await;
    let role = created("/v3/roles", "role", json!({"name": "r", "domain_id": d})).await;
    let global = created("/v3/roles", "role", json!({"name": "global-r"})).await;
    let outside = app.create_group("outside").await;
    let outside = outside["id"].as_str().unwrap();
    for path in [
        format!("/v3/groups/{group}/users/{user}"),
        format!("/v3/groups/{outside}/users/{user}"),
    ] {
        assert_eq!(app.put(&path).await.status(), 204, "{path}");
    }
    assert_eq!(
        app.put(&format!("/v3/roles/{role}/implies/{global}"))
            .await
            .status(),
        201
    );
    // Unrelated records survive.
    let keeper = app.create_user("keeper", "pw-keeper").await;
    assert_eq!(
        app.put(&format!("/v3/groups/{outside}/users/{keeper}"))
            .await
            .status(),
        204
    );

    let resp = app
        .patch(
            &format!("/v3/domains/{d}"),
            json!({"domain": {"enabled": false}}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(app.delete(&format!("/v3/domains/{d}")).await.status(), 204);

    for (path, kind, id) in [
        (format!("/v3/projects/{project}"), "project", &project),
        (format!("/v3/projects/{child}"), "project", &child),
        (format!("/v3/users/{user}"), "user", &user),
        (format!("/v3/groups/{group}"), "group", &group),
        (format!("/v3/roles/{role}"), "role", &role),
    ] {
        assert_error(
            app.get(&path).await,
            404,
            &format!("Could not find {kind}: {id}."),
        )
        .await;
    }
    let members = json(app.get(&format!("/v3/groups/{outside}/users")).await).await;
    let members: Vec<&str> = members["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(members, [keeper.as_str()]);
    let rules = json(app.get("/v3/role_inferences").await).await;
    assert!(!rules.to_string().contains(&role), "{rules}");
    assert_eq!(
        app.get(&format!("/v3/roles/{global}")).await.status(),
        200,
        "the global role stays"
    );
    let body = json(app.get(&format!("/v3/projects?domain_id={d}")).await).await;
    assert_eq!(body["projects"], json!([]));
}

async fn only_admins_manage_domains() {
    let app = spawn_app().await;
    let domain = create_domain(&app, json!({"name": "guarded"})).await;
    let id = domain["id"].as_str().unwrap();
    app.create_user("dora", "pw-dora").await;
    let dora = app.login("dora", "pw-dora").await;
    for (method, path, body) in [
        (
            Method::POST,
            "/v3/domains".to_string(),
            Some(json!({"domain": {"name": "x"}})),
        ),
        (Method::GET, "/v3/domains".to_string(), None),
        (Method::GET, format!("/v3/domains/{id}"), None),
        (Method::GET, "/v3/domains/unknown".to_string(), None),
        (
            Method::PATCH,
            format!("/v3/domains/{id}"),
            Some(json!({"domain": {"name": "y"}})),
        ),
        (Method::DELETE, format!("/v3/domains/{id}"), None),
    ] {
        let resp = app.call(method.clone(), &path, &dora, body).await;
        assert_error(
            resp,
            403,
            "You are not authorized to perform the requested action",
        )
        .await;
    }
    let resp = app.call(Method::GET, "/v3/domains", "", None).await;
    assert_error(resp, 401, "requires authentication").await;
    let shown = json(app.get(&format!("/v3/domains/{id}")).await).await;
    assert_eq!(shown["domain"], domain, "nothing changed");
}

both_backends!(
    a_domain_is_the_same_object_in_every_response,
    bad_domain_input_is_a_keystone_4xx,
    list_filters_domains,
    update_changes_fields_and_keeps_the_rest,
    an_enabled_domain_cannot_be_deleted,
    deleting_a_domain_removes_what_it_holds,
    only_admins_manage_domains,
);
