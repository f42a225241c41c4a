//! Unified limits, from Keystone's api-ref (unified_limits.inc) and its `limit/` source:
//! registered limits, project and domain limits, the enforcement model, and who sees what.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_error, json, password_auth, spawn_app, TestApp, ADMIN_PASSWORD};

/// A token of `name` with `scope` (a Keystone scope object).
async fn token(app: &TestApp, name: &str, password: &str, scope: Value) -> String {
    let mut body = password_auth(name, password);
    body["auth"]["scope"] = scope;
    let resp = app
        .call(Method::POST, "/v3/auth/tokens", "", Some(body))
        .await;
    assert_eq!(resp.status(), 201, "login of {name}");
    resp.headers()["x-subject-token"]
        .to_str()
        .unwrap()
        .to_string()
}

async fn system_admin(app: &TestApp) -> String {
    token(
        app,
        "admin",
        ADMIN_PASSWORD,
        json!({"system": {"all": true}}),
    )
    .await
}

/// The identity service's id, and a second service.
async fn services(app: &TestApp) -> (String, String) {
    let list = json(app.get("/v3/services?type=identity").await).await;
    let identity = list["services"][0]["id"].as_str().unwrap().to_string();
    let created = app
        .post(
            "/v3/services",
            json!({"service": {"type": "compute", "name": "nova"}}),
        )
        .await;
    assert_eq!(created.status(), 201);
    let compute = json(created).await["service"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    (identity, compute)
}

async fn new_project(app: &TestApp, name: &str) -> String {
    let resp = app
        .post(
            "/v3/projects",
            json!({"project": {"name": name, "domain_id": "default"}}),
        )
        .await;
    assert_eq!(resp.status(), 201);
    json(resp).await["project"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn member_role(app: &TestApp) -> String {
    let roles = json(app.get("/v3/roles?name=member").await).await;
    roles["roles"][0]["id"].as_str().unwrap().to_string()
}

async fn registered_limits_are_created_listed_updated_and_deleted() {
    let app = spawn_app().await;
    let (identity, compute) = services(&app).await;
    let resp = app
        .post(
            "/v3/registered_limits",
            json!({"registered_limits": [
                {"service_id": compute, "region_id": "RegionOne", "resource_name": "cores",
                 "default_limit": 10, "description": "vCPUs"},
                {"service_id": identity, "resource_name": "users", "default_limit": -1},
            ]}),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let created = json(resp).await;
    assert!(created.get("links").is_none(), "a create answers no links");
    let items = created["registered_limits"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let cores = items[0].clone();
    let cores_id = cores["id"].as_str().unwrap().to_string();
    assert_eq!(cores["service_id"], compute);
    assert_eq!(cores["region_id"], "RegionOne");
    assert_eq!(cores["resource_name"], "cores");
    assert_eq!(cores["default_limit"], 10);
    assert_eq!(cores["description"], "vCPUs");
    assert_eq!(
        cores["links"]["self"],
        format!("{}/v3/registered_limits/{cores_id}", app.base)
    );
    assert_eq!(items[1]["region_id"], Value::Null);
    assert_eq!(items[1]["description"], Value::Null);
    assert_eq!(items[1]["default_limit"], -1);

    // Anyone with a token reads them (Keystone's empty rule).
    let pw = "limit-reader-pw";
    app.create_user("plain", pw).await;
    let plain = app.login("plain", pw).await;
    let resp = app
        .call(
            Method::GET,
            &format!("/v3/registered_limits/{cores_id}"),
            &plain,
            None,
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(json(resp).await["registered_limit"], cores);
    let all = json(
        app.call(Method::GET, "/v3/registered_limits", &plain, None)
            .await,
    )
    .await;
    assert_eq!(all["registered_limits"].as_array().unwrap().len(), 2);
    assert_eq!(
        all["links"]["self"],
        format!("{}/v3/registered_limits", app.base)
    );
    for (query, expected) in [
        (format!("service_id={compute}"), 1),
        ("region_id=RegionOne".to_string(), 1),
        ("resource_name=users".to_string(), 1),
        ("resource_name=nothing".to_string(), 0),
    ] {
        let list = json(app.get(&format!("/v3/registered_limits?{query}")).await).await;
        assert_eq!(
            list["registered_limits"].as_array().unwrap().len(),
            expected,
            "{query}"
        );
    }

    // Update: the default and the description; null clears the description.
    let resp = app
        .patch(
            &format!("/v3/registered_limits/{cores_id}"),
            json!({"registered_limit": {"default_limit": 20, "description": null}}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let updated = json(resp).await["registered_limit"].clone();
    assert_eq!(updated["default_limit"], 20);
    assert_eq!(updated["description"], Value::Null);
    assert_eq!(updated["resource_name"], "cores");
    // Moving it onto the other one's service, region and resource is a duplicate.
    let resp = app
        .patch(
            &format!("/v3/registered_limits/{cores_id}"),
            json!({"registered_limit": {"service_id": identity, "region_id": null,
                "resource_name": "users"}}),
        )
        .await;
    assert_error(resp, 409, "Duplicate entry").await;

    // Non-admins cannot write.
    let resp = app
        .call(
            Method::DELETE,
            &format!("/v3/registered_limits/{cores_id}"),
            &plain,
            None,
        )
        .await;
    assert_error(resp, 403, "identity:delete_registered_limit").await;

    let resp = app
        .delete(&format!("/v3/registered_limits/{cores_id}"))
        .await;
    assert_eq!(resp.status(), 204);
    let resp = app.get(&format!("/v3/registered_limits/{cores_id}")).await;
    assert_error(
        resp,
        404,
        &format!("Could not find registered limit for {cores_id}."),
    )
    .await;
}

async fn registered_limits_are_refused_as_keystone_does() {
    let app = spawn_app().await;
    let (_, compute) = services(&app).await;
    let one = |item: Value| json!({"registered_limits": [item]});
    let cores = json!({"service_id": compute, "resource_name": "cores", "default_limit": 5});
    let resp = app.post("/v3/registered_limits", one(cores.clone())).await;
    assert_eq!(resp.status(), 201);
    // The same service, region and resource again; a batch with one duplicate stores none.
    let resp = app.post("/v3/registered_limits", one(cores.clone())).await;
    assert_error(
        resp,
        409,
        "Conflict occurred attempting to store registered_limit - Duplicate entry.",
    )
    .await;
    let ram = json!({"service_id": compute, "resource_name": "ram", "default_limit": 5});
    let resp = app
        .post(
            "/v3/registered_limits",
            json!({"registered_limits": [ram, cores]}),
        )
        .await;
    assert_eq!(resp.status(), 409);
    let list = json(app.get("/v3/registered_limits?resource_name=ram").await).await;
    assert_eq!(list["registered_limits"], json!([]), "all or none");

    for (item, message) in [
        (
            json!({"service_id": "0badc0de", "resource_name": "x", "default_limit": 1}),
            "Expecting to find service_id in registered_limit",
        ),
        (
            json!({"service_id": compute, "region_id": "nowhere", "resource_name": "x",
                "default_limit": 1}),
            "Expecting to find region_id in registered_limit",
        ),
        (
            json!({"service_id": compute, "resource_name": "x", "default_limit": -2}),
            "-2 is less than the minimum of -1",
        ),
        (
            json!({"service_id": compute, "resource_name": "x", "default_limit": 2147483648_i64}),
            "greater than the maximum",
        ),
        (
            json!({"service_id": compute, "resource_name": "x", "default_limit": "1"}),
            "is not of type 'integer'",
        ),
        (
            json!({"service_id": compute, "default_limit": 1}),
            "'resource_name' is a required property",
        ),
        (
            json!({"service_id": compute, "resource_name": "  ", "default_limit": 1}),
            "resource_name",
        ),
        (
            json!({"service_id": compute, "resource_name": "x", "default_limit": 1,
                "colour": "red"}),
            "Additional properties are not allowed ('colour' was unexpected)",
        ),
    ] {
        let resp = app.post("/v3/registered_limits", one(item)).await;
        assert_error(resp, 400, message).await;
    }
    let resp = app
        .post("/v3/registered_limits", json!({"registered_limits": []}))
        .await;
    assert_error(resp, 400, "is too short").await;
    let resp = app
        .post("/v3/registered_limits", json!({"registered_limit": {}}))
        .await;
    assert_error(resp, 400, "Expecting to find registered_limits").await;
    let resp = app
        .patch(
            "/v3/registered_limits/0badc0de",
            json!({"registered_limit": {"default_limit": 1}}),
        )
        .await;
    assert_error(resp, 404, "Could not find registered limit for 0badc0de.").await;
}

async fn limits_need_a_registered_limit_and_keep_it_in_place() {
    let app = spawn_app().await;
    let (_, compute) = services(&app).await;
    let project = new_project(&app, "limited").await;
    let resp = app
        .post(
            "/v3/registered_limits",
            json!({"registered_limits": [{"service_id": compute, "region_id": "RegionOne",
                "resource_name": "cores", "default_limit": 10}]}),
        )
        .await;
    let registered = json(resp).await["registered_limits"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let resp = app
        .post(
            "/v3/limits",
            json!({"limits": [
                {"project_id": project, "service_id": compute, "region_id": "RegionOne",
                 "resource_name": "cores", "resource_limit": 4, "description": "small"},
                {"domain_id": "default", "service_id": compute, "region_id": "RegionOne",
                 "resource_name": "cores", "resource_limit": 40},
            ]}),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let created = json(resp).await;
    let items = created["limits"].as_array().unwrap();
    let project_limit = items[0].clone();
    let limit_id = project_limit["id"].as_str().unwrap().to_string();
    assert_eq!(project_limit["project_id"], project);
    assert_eq!(project_limit["domain_id"], Value::Null);
    assert_eq!(project_limit["service_id"], compute);
    assert_eq!(project_limit["region_id"], "RegionOne");
    assert_eq!(project_limit["resource_name"], "cores");
    assert_eq!(project_limit["resource_limit"], 4);
    assert_eq!(project_limit["description"], "small");
    assert_eq!(
        project_limit["links"]["self"],
        format!("{}/v3/limits/{limit_id}", app.base)
    );
    assert_eq!(items[1]["domain_id"], "default");
    assert_eq!(items[1]["project_id"], Value::Null);

    let shown = json(app.get(&format!("/v3/limits/{limit_id}")).await).await;
    assert_eq!(shown["limit"], project_limit);

    // A system-scoped token lists every limit, with Keystone's filters.
    let system = system_admin(&app).await;
    for (query, expected) in [
        (String::new(), 2),
        (format!("?project_id={project}"), 1),
        ("?domain_id=default".to_string(), 1),
        (format!("?service_id={compute}"), 2),
        ("?region_id=RegionOne".to_string(), 2),
        ("?resource_name=cores".to_string(), 2),
        ("?resource_name=ram".to_string(), 0),
    ] {
        let list = json(
            app.call(Method::GET, &format!("/v3/limits{query}"), &system, None)
                .await,
        )
        .await;
        assert_eq!(
            list["limits"].as_array().unwrap().len(),
            expected,
            "{query}"
        );
    }

    // Errors.
    let one = |item: Value| json!({"limits": [item]});
    for (item, status, message) in [
        (
            json!({"project_id": project, "service_id": compute, "region_id": "RegionOne",
                "resource_name": "cores", "resource_limit": 5}),
            409,
            "Conflict occurred attempting to store limit - Duplicate entry.",
        ),
        (
            json!({"project_id": project, "service_id": compute, "resource_name": "ram",
                "resource_limit": 5}),
            403,
            "Unable to create a limit that has no corresponding registered limit.",
        ),
        (
            json!({"project_id": "0badc0de", "service_id": compute, "region_id": "RegionOne",
                "resource_name": "cores", "resource_limit": 5}),
            400,
            "Expecting to find project_id in limit",
        ),
        (
            json!({"domain_id": "0badc0de", "service_id": compute, "region_id": "RegionOne",
                "resource_name": "cores", "resource_limit": 5}),
            400,
            "Expecting to find domain_id in limit",
        ),
        (
            json!({"project_id": project, "domain_id": "default", "service_id": compute,
                "resource_name": "cores", "resource_limit": 5}),
            400,
            "exactly one of 'project_id' and 'domain_id'",
        ),
        (
            json!({"service_id": compute, "resource_name": "cores", "resource_limit": 5}),
            400,
            "exactly one of 'project_id' and 'domain_id'",
        ),
        (
            json!({"project_id": project, "service_id": compute, "resource_name": "cores"}),
            400,
            "'resource_limit' is a required property",
        ),
    ] {
        let resp = app.post("/v3/limits", one(item)).await;
        assert_error(resp, status, message).await;
    }

    // The registered limit in use cannot change or go.
    let resp = app
        .patch(
            &format!("/v3/registered_limits/{registered}"),
            json!({"registered_limit": {"resource_name": "vcpus"}}),
        )
        .await;
    assert_error(
        resp,
        403,
        &format!(
            "Unable to update or delete registered limit {registered} because there are \
             project limits associated with it."
        ),
    )
    .await;
    let resp = app
        .delete(&format!("/v3/registered_limits/{registered}"))
        .await;
    assert_error(resp, 403, "Unable to update or delete registered limit").await;

    // Update: the value and the description only.
    let resp = app
        .patch(
            &format!("/v3/limits/{limit_id}"),
            json!({"limit": {"resource_limit": 8, "description": null}}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let updated = json(resp).await["limit"].clone();
    assert_eq!(updated["resource_limit"], 8);
    assert_eq!(updated["description"], Value::Null);
    let resp = app
        .patch(
            &format!("/v3/limits/{limit_id}"),
            json!({"limit": {"resource_name": "ram"}}),
        )
        .await;
    assert_error(resp, 400, "'resource_name' was unexpected").await;

    // Deleting the limits frees the registered limit.
    for limit in items {
        let resp = app
            .delete(&format!("/v3/limits/{}", limit["id"].as_str().unwrap()))
            .await;
        assert_eq!(resp.status(), 204);
    }
    let resp = app.get(&format!("/v3/limits/{limit_id}")).await;
    assert_error(resp, 404, &format!("Could not find limit for {limit_id}.")).await;
    let resp = app
        .delete(&format!("/v3/registered_limits/{registered}"))
        .await;
    assert_eq!(resp.status(), 204);
}

async fn callers_see_the_limits_of_their_scope() {
    let app = spawn_app().await;
    let (_, compute) = services(&app).await;
    let mine = new_project(&app, "mine").await;
    let theirs = new_project(&app, "theirs").await;
    app.post(
        "/v3/registered_limits",
        json!({"registered_limits": [{"service_id": compute, "resource_name": "cores",
            "default_limit": 10}]}),
    )
    .await;
    let resp = app
        .post(
            "/v3/limits",
            json!({"limits": [
                {"project_id": mine, "service_id": compute, "resource_name": "cores",
                 "resource_limit": 1},
                {"project_id": theirs, "service_id": compute, "resource_name": "cores",
                 "resource_limit": 2},
            ]}),
        )
        .await;
    let created = json(resp).await;
    let mine_limit = created["limits"][0]["id"].as_str().unwrap().to_string();
    let their_limit = created["limits"][1]["id"].as_str().unwrap().to_string();

    let pw = "limit-member-pw";
    let user = app.create_user("member-of-mine", pw).await;
    let role = member_role(&app).await;
    let resp = app
        .put(&format!("/v3/projects/{mine}/users/{user}/roles/{role}"))
        .await;
    assert_eq!(resp.status(), 204);
    let member = token(&app, "member-of-mine", pw, json!({"project": {"id": mine}})).await;
    let list = json(app.call(Method::GET, "/v3/limits", &member, None).await).await;
    let ids: Vec<&str> = list["limits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [mine_limit.as_str()]);
    let list = json(
        app.call(
            Method::GET,
            &format!("/v3/limits?project_id={theirs}"),
            &member,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(list["limits"], json!([]));
    let resp = app
        .call(
            Method::GET,
            &format!("/v3/limits/{mine_limit}"),
            &member,
            None,
        )
        .await;
    assert_eq!(resp.status(), 200);
    let resp = app
        .call(
            Method::GET,
            &format!("/v3/limits/{their_limit}"),
            &member,
            None,
        )
        .await;
    assert_error(resp, 403, "identity:get_limit").await;
    let resp = app
        .call(Method::GET, "/v3/limits/0badc0de", &member, None)
        .await;
    assert_eq!(resp.status(), 403, "a missing limit is not revealed");
    let resp = app
        .call(
            Method::POST,
            "/v3/limits",
            &member,
            Some(
                json!({"limits": [{"project_id": mine, "service_id": compute,
                "resource_name": "cores", "resource_limit": 99}]}),
            ),
        )
        .await;
    assert_error(resp, 403, "identity:create_limits").await;
    // An unscoped token sees none; the admin's project-scoped token its project's (none).
    let unscoped = app.login("member-of-mine", pw).await;
    let list = json(app.call(Method::GET, "/v3/limits", &unscoped, None).await).await;
    assert_eq!(list["limits"], json!([]));
    let list = json(app.get("/v3/limits").await).await;
    assert_eq!(list["limits"], json!([]));
    let resp = app.call(Method::GET, "/v3/limits", "", None).await;
    assert_eq!(resp.status(), 401);
}

async fn the_enforcement_model_is_flat() {
    let app = spawn_app().await;
    let pw = "model-reader-pw";
    app.create_user("model-reader", pw).await;
    let plain = app.login("model-reader", pw).await;
    let resp = app
        .call(Method::GET, "/v3/limits/model", &plain, None)
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        json(resp).await,
        json!({"model": {"name": "flat", "description":
            "Limit enforcement and validation does not take project hierarchy into consideration."}})
    );
    let resp = app.call(Method::GET, "/v3/limits/model", "", None).await;
    assert_eq!(resp.status(), 401);
}

both_backends!(
    registered_limits_are_created_listed_updated_and_deleted,
    registered_limits_are_refused_as_keystone_does,
    limits_need_a_registered_limit_and_keep_it_in_place,
    callers_see_the_limits_of_their_scope,
    the_enforcement_model_is_flat,
);
