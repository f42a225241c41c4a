//! Keystone v3 roles, implied roles and role inference rules; string filters on the users
//! and groups lists.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_error, json, spawn_app, TestApp};

async fn create_role(app: &TestApp, body: Value) -> Value {
    let resp = app.post("/v3/roles", json!({ "role": body })).await;
    assert_eq!(resp.status(), 201, "create role {body}");
    json(resp).await["role"].clone()
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

fn role_ref(app: &TestApp, role: &Value) -> Value {
    json!({
        "id": role["id"],
        "name": role["name"],
        "links": {"self": format!("{}/v3/roles/{}", app.base, role["id"].as_str().unwrap())},
    })
}

async fn a_role_is_the_same_object_in_every_response() {
    let app = spawn_app().await;
    let created = create_role(&app, json!({"name": "auditor", "description": "d", "x": 1})).await;
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(
        created,
        json!({
            "id": id, "name": "auditor", "description": "d", "domain_id": null,
            "options": {}, "x": 1,
            "links": {"self": format!("{}/v3/roles/{id}", app.base)},
        })
    );
    let shown = json(app.get(&format!("/v3/roles/{id}")).await).await["role"].clone();
    assert_eq!(shown, created);
    let listed = json(app.get("/v3/roles").await).await["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(listed, created);

    let d = create_domain(&app, "dom").await;
    let scoped = create_role(&app, json!({"name": "auditor", "domain_id": d})).await;
    assert_eq!(scoped["domain_id"], d.as_str());
    // Without domain_id only global roles are listed, as Keystone lists them.
    assert_eq!(
        names(&json(app.get("/v3/roles").await).await, "roles"),
        ["admin", "auditor", "manager", "member", "reader", "service"]
    );
    let in_domain = json(app.get(&format!("/v3/roles?domain_id={d}")).await).await;
    assert_eq!(in_domain["roles"], json!([scoped]));
    assert_eq!(
        names(
            &json(app.get("/v3/roles?name=auditor").await).await,
            "roles"
        ),
        ["auditor"]
    );
    assert_eq!(
        names(
            &json(app.get("/v3/roles?name__startswith=m").await).await,
            "roles"
        ),
        ["manager", "member"]
    );
    assert_eq!(
        names(
            &json(app.get("/v3/roles?name__icontains=ER").await).await,
            "roles"
        ),
        ["manager", "member", "reader", "service"]
    );
}

async fn role_rules_are_keystone_4xx() {
    let app = spawn_app().await;
    let d = create_domain(&app, "dom").await;
    create_role(&app, json!({"name": "dup", "domain_id": d})).await;
    let role = create_role(&app, json!({"name": "dup"})).await;
    assert_error(
        app.post("/v3/roles", json!({"role": {"name": "dup"}}))
            .await,
        409,
        "Conflict occurred attempting to store role - Duplicate entry found with name dup.",
    )
    .await;
    assert_error(
        app.post(
            "/v3/roles",
            json!({"role": {"name": "dup", "domain_id": d}}),
        )
        .await,
        409,
        &format!("Duplicate entry found with name dup at domain ID {d}."),
    )
    .await;
    assert_error(
        app.post(
            "/v3/roles",
            json!({"role": {"name": "x", "domain_id": "nowhere"}}),
        )
        .await,
        404,
        "Could not find domain: nowhere.",
    )
    .await;
    assert_error(
        app.post("/v3/roles", json!({"role": {}})).await,
        400,
        "'name' is a required property",
    )
    .await;
    let id = role["id"].as_str().unwrap();
    let path = format!("/v3/roles/{id}");
    assert_error(
        app.patch(&path, json!({"role": {"domain_id": d}})).await,
        400,
        "Update of `domain_id` is not allowed.",
    )
    .await;
    assert_error(
        app.patch(&path, json!({"role": {"name": "admin"}})).await,
        409,
        "Duplicate entry found with name admin.",
    )
    .await;
    let resp = app
        .patch(
            &path,
            json!({"role": {"name": "renamed", "domain_id": null}}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let mut expected = role.clone();
    expected["name"] = json!("renamed");
    assert_eq!(json(resp).await["role"], expected);
    assert_eq!(json(app.get(&path).await).await["role"], expected);
    assert_error(
        app.get("/v3/roles/nope").await,
        404,
        "Could not find role: nope.",
    )
    .await;
    assert_eq!(app.delete(&path).await.status(), 204);
    assert_error(
        app.delete(&path).await,
        404,
        &format!("Could not find role: {id}."),
    )
    .await;
}

async fn implied_roles_round_trip() {
    let app = spawn_app().await;
    let prior = create_role(&app, json!({"name": "prior"})).await;
    let implied = create_role(&app, json!({"name": "implied"})).await;
    let (p, i) = (
        prior["id"].as_str().unwrap(),
        implied["id"].as_str().unwrap(),
    );
    let path = format!("/v3/roles/{p}/implies/{i}");
    let expected = json!({
        "role_inference": {"prior_role": role_ref(&app, &prior), "implies": role_ref(&app, &implied)},
        "links": {"self": format!("{}{path}", app.base)},
    });
    let resp = app.put(&path).await;
    assert_eq!(resp.status(), 201);
    assert_eq!(json(resp).await, expected);
    let resp = app.get(&path).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(json(resp).await, expected);
    let resp = app.head(&path).await;
    assert_eq!(resp.status(), 204);
    // Again is fine.
    assert_eq!(app.put(&path).await.status(), 201);

    let listed = json(app.get(&format!("/v3/roles/{p}/implies")).await).await;
    assert_eq!(
        listed,
        json!({
            "role_inference": {"prior_role": role_ref(&app, &prior), "implies": [role_ref(&app, &implied)]},
            "links": {"self": format!("{}/v3/roles/{p}/implies", app.base)},
        })
    );
    let all = json(app.get("/v3/role_inferences").await).await;
    let rules = all["role_inferences"].as_array().unwrap();
    assert_eq!(rules.len(), 4, "bootstrap's three and ours: {all}");
    assert!(rules.contains(&json!({
        "prior_role": role_ref(&app, &prior),
        "implies": [role_ref(&app, &implied)],
    })));

    assert_eq!(app.delete(&path).await.status(), 204);
    let missing = format!("{p} does not imply {i}.");
    assert_error(app.get(&path).await, 404, &missing).await;
    assert_error(app.delete(&path).await, 404, &missing).await;
    assert_eq!(app.head(&path).await.status(), 404);
    let listed = json(app.get(&format!("/v3/roles/{p}/implies")).await).await;
    assert_eq!(listed["role_inference"]["implies"], json!([]));

    // Deleting a role deletes its rules.
    assert_eq!(app.put(&path).await.status(), 201);
    assert_eq!(app.delete(&format!("/v3/roles/{i}")).await.status(), 204);
    let all = json(app.get("/v3/role_inferences").await).await;
    assert_eq!(all["role_inferences"].as_array().unwrap().len(), 3);
}

async fn implied_role_rules_are_enforced() {
    let app = spawn_app().await;
    let d = create_domain(&app, "dom").await;
    let global = create_role(&app, json!({"name": "g"})).await;
    let local = create_role(&app, json!({"name": "l", "domain_id": d})).await;
    let admin = json(app.get("/v3/roles?name=admin").await).await["roles"][0].clone();
    let (g, l, a) = (
        global["id"].as_str().unwrap(),
        local["id"].as_str().unwrap(),
        admin["id"].as_str().unwrap(),
    );
    assert_error(
        app.put(&format!("/v3/roles/{g}/implies/{a}")).await,
        403,
        &format!("{a} cannot be an implied roles."),
    )
    .await;
    assert_error(
        app.put(&format!("/v3/roles/{g}/implies/{l}")).await,
        403,
        "Global role cannot imply a domain-specific role",
    )
    .await;
    assert_eq!(
        app.put(&format!("/v3/roles/{l}/implies/{g}"))
            .await
            .status(),
        201
    );
    assert_error(
        app.put(&format!("/v3/roles/{g}/implies/nope")).await,
        404,
        "Could not find role: nope.",
    )
    .await;
    assert_error(
        app.get("/v3/roles/nope/implies").await,
        404,
        "Could not find role: nope.",
    )
    .await;
}

async fn plain_users_cannot_manage_roles() {
    let app = spawn_app().await;
    let role = create_role(&app, json!({"name": "guarded"})).await;
    let id = role["id"].as_str().unwrap();
    let reader = json(app.get("/v3/roles?name=reader").await).await["roles"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.create_user("dora", "pw-dora").await;
    let dora = app.login("dora", "pw-dora").await;
    for (method, path, body) in [
        (
            Method::POST,
            "/v3/roles".to_string(),
            Some(json!({"role": {"name": "x"}})),
        ),
        (Method::GET, "/v3/roles".to_string(), None),
        (Method::GET, format!("/v3/roles/{id}"), None),
        (Method::GET, "/v3/roles/unknown".to_string(), None),
        (
            Method::PATCH,
            format!("/v3/roles/{id}"),
            Some(json!({"role": {"name": "y"}})),
        ),
        (Method::DELETE, format!("/v3/roles/{id}"), None),
        (
            Method::PUT,
            format!("/v3/roles/{id}/implies/{reader}"),
            None,
        ),
        (
            Method::GET,
            format!("/v3/roles/{id}/implies/{reader}"),
            None,
        ),
        (
            Method::DELETE,
            format!("/v3/roles/{id}/implies/{reader}"),
            None,
        ),
        (Method::GET, format!("/v3/roles/{id}/implies"), None),
        (Method::GET, "/v3/role_inferences".to_string(), None),
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
        json(app.get(&format!("/v3/roles/{id}")).await).await["role"],
        role
    );
}

async fn users_and_groups_lists_take_string_filters() {
    let app = spawn_app().await;
    app.create_user("Alice", "pw-alice").await;
    app.create_user("malice", "pw-malice").await;
    app.create_group("Ops-Team").await;
    app.create_group("devops").await;
    let get = |path: &'static str| {
        let app = &app;
        async move { json(app.get(path).await).await }
    };
    assert_eq!(
        names(&get("/v3/users?name__contains=lice").await, "users"),
        ["Alice", "malice"]
    );
    assert_eq!(
        names(&get("/v3/users?name__startswith=a").await, "users"),
        ["admin"]
    );
    assert_eq!(
        names(&get("/v3/users?name__istartswith=a").await, "users"),
        ["Alice", "admin"]
    );
    assert_eq!(
        names(&get("/v3/groups?name__endswith=ops").await, "groups"),
        ["devops"]
    );
    assert_eq!(
        names(&get("/v3/groups?name__icontains=OPS").await, "groups"),
        ["Ops-Team", "devops"]
    );
    assert_eq!(
        names(
            &get("/v3/groups?name__contains=Ops&name__iendswith=TEAM").await,
            "groups"
        ),
        ["Ops-Team"]
    );
    assert_eq!(
        names(&get("/v3/groups?name__contains=*").await, "groups"),
        Vec::<String>::new()
    );
    assert_eq!(
        names(&get("/v3/users?name__equals=alice").await, "users"),
        Vec::<String>::new()
    );
    let long = format!("/v3/groups?name__contains={}", "x".repeat(65));
    assert_error(
        app.get(&long).await,
        400,
        "Invalid input for field 'name__contains'",
    )
    .await;
}

async fn the_role_list_filters_by_domain_and_name_together() {
    let app = spawn_app().await;
    let d = create_domain(&app, "dom").await;
    let other = create_domain(&app, "other").await;
    let auditor = create_role(&app, json!({"name": "auditor", "domain_id": d})).await;
    create_role(&app, json!({"name": "viewer", "domain_id": d})).await;
    create_role(&app, json!({"name": "auditor", "domain_id": other})).await;
    let get = |q: String| {
        let app = &app;
        async move {
            let resp = app.get(&format!("/v3/roles?{q}")).await;
            assert_eq!(resp.status(), 200, "{q}");
            json(resp).await
        }
    };
    assert_eq!(
        get(format!("domain_id={d}&name=auditor")).await["roles"],
        json!([auditor])
    );
    assert_eq!(
        names(&get(format!("domain_id={d}")).await, "roles"),
        ["auditor", "viewer"]
    );
    assert_eq!(
        names(
            &get(format!("domain_id={d}&name__startswith=v")).await,
            "roles"
        ),
        ["viewer"]
    );
    assert_eq!(
        names(
            &get(format!("domain_id={other}&name=viewer")).await,
            "roles"
        ),
        Vec::<String>::new()
    );
    // A domain's roles are not among the global ones, and an empty domain_id is a filter
    // for a domain of that id, which none has.
    assert_eq!(
        names(&get("name=viewer".into()).await, "roles"),
        Vec::<String>::new()
    );
    assert_eq!(
        names(&get("domain_id=".into()).await, "roles"),
        Vec::<String>::new()
    );
}

both_backends!(
    a_role_is_the_same_object_in_every_response,
    role_rules_are_keystone_4xx,
    implied_roles_round_trip,
    implied_role_rules_are_enforced,
    plain_users_cannot_manage_roles,
    users_and_groups_lists_take_string_filters,
    the_role_list_filters_by_domain_and_name_together,
);
