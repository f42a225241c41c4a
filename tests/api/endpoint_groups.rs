//! OS-EP-FILTER, from Keystone's api-ref (os-ep-filter.inc) and `api/os_ep_filter.py`:
//! endpoint groups, project associations, and the filtered catalog of a project.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_error, json, password_auth, spawn_app, TestApp};

const EP: &str = "/v3/OS-EP-FILTER";

async fn new_service(app: &TestApp, kind: &str) -> String {
    let resp = app
        .post("/v3/services", json!({"service": {"type": kind}}))
        .await;
    assert_eq!(resp.status(), 201);
    json(resp).await["service"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn new_endpoint(app: &TestApp, service: &str, interface: &str, enabled: bool) -> String {
    let resp = app
        .post(
            "/v3/endpoints",
            json!({"endpoint": {"service_id": service, "interface": interface,
                "url": format!("http://{interface}.test/"), "region_id": "RegionOne",
                "enabled": enabled}}),
        )
        .await;
    assert_eq!(resp.status(), 201);
    json(resp).await["endpoint"]["id"]
        .as_str()
        .unwrap()
        .to_string()
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

async fn new_group(app: &TestApp, filters: Value) -> Value {
    let resp = app
        .post(
            &format!("{EP}/endpoint_groups"),
            json!({"endpoint_group": {"name": "g", "description": "d", "filters": filters}}),
        )
        .await;
    assert_eq!(resp.status(), 201);
    json(resp).await["endpoint_group"].clone()
}

fn ids(list: &Value, key: &str) -> Vec<String> {
    let mut ids: Vec<String> = list[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

async fn endpoint_groups_are_created_listed_updated_and_deleted() {
    let app = spawn_app().await;
    let compute = new_service(&app, "compute").await;
    let public = new_endpoint(&app, &compute, "public", true).await;
    let internal = new_endpoint(&app, &compute, "internal", true).await;
    let group = new_group(&app, json!({"service_id": compute, "interface": "public"})).await;
    let id = group["id"].as_str().unwrap().to_string();
    assert_eq!(group["name"], "g");
    assert_eq!(group["description"], "d");
    assert_eq!(
        group["filters"],
        json!({"service_id": compute, "interface": "public"})
    );
    assert_eq!(
        group["links"]["self"],
        format!("{}{EP}/endpoint_groups/{id}", app.base)
    );

    let shown = json(app.get(&format!("{EP}/endpoint_groups/{id}")).await).await;
    assert_eq!(shown["endpoint_group"], group);
    let resp = app.head(&format!("{EP}/endpoint_groups/{id}")).await;
    assert_eq!(resp.status(), 200);
    let list = json(app.get(&format!("{EP}/endpoint_groups")).await).await;
    assert_eq!(list["endpoint_groups"], json!([group]));
    let list = json(app.get(&format!("{EP}/endpoint_groups?name=other")).await).await;
    assert_eq!(list["endpoint_groups"], json!([]));
    let list = json(app.get(&format!("{EP}/endpoint_groups?name=g")).await).await;
    assert_eq!(list["endpoint_groups"].as_array().unwrap().len(), 1);

    // The endpoints it selects.
    let selected = json(
        app.get(&format!("{EP}/endpoint_groups/{id}/endpoints"))
            .await,
    )
    .await;
    assert_eq!(ids(&selected, "endpoints"), [public.as_str()]);

    let resp = app
        .patch(
            &format!("{EP}/endpoint_groups/{id}"),
            json!({"endpoint_group": {"name": "g2", "description": null,
                "filters": {"service_id": compute}}}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let updated = json(resp).await["endpoint_group"].clone();
    assert_eq!(updated["name"], "g2");
    assert_eq!(updated["description"], Value::Null);
    assert_eq!(updated["filters"], json!({"service_id": compute}));
    let selected = json(
        app.get(&format!("{EP}/endpoint_groups/{id}/endpoints"))
            .await,
    )
    .await;
    let mut both = vec![public, internal];
    both.sort();
    assert_eq!(ids(&selected, "endpoints"), both);

    let resp = app.delete(&format!("{EP}/endpoint_groups/{id}")).await;
    assert_eq!(resp.status(), 204);
    let resp = app.get(&format!("{EP}/endpoint_groups/{id}")).await;
    assert_error(resp, 404, &format!("Could not find Endpoint Group: {id}.")).await;
    let resp = app.delete(&format!("{EP}/endpoint_groups/{id}")).await;
    assert_eq!(resp.status(), 404);
}

async fn endpoint_groups_are_refused_as_keystone_does() {
    let app = spawn_app().await;
    let create = |group: Value| json!({ "endpoint_group": group });
    for (group, message) in [
        (
            json!({"name": "g", "filters": {}}),
            "filters field is required and cannot be empty",
        ),
        (
            json!({"name": "g", "filters": {"enabled": true}}),
            "Expecting to find service_id or region_id or interface in endpoint_group",
        ),
        (
            json!({"name": "g", "filters": {"interface": "private"}}),
            "filters/interface",
        ),
        (
            json!({"filters": {"interface": "public"}}),
            "'name' is a required property",
        ),
        (json!({"name": "g"}), "'filters' is a required property"),
        (
            json!({"name": "g", "filters": {"interface": "public"}, "colour": "red"}),
            "'colour' was unexpected",
        ),
    ] {
        let resp = app
            .post(&format!("{EP}/endpoint_groups"), create(group))
            .await;
        assert_error(resp, 400, message).await;
    }
    let group = new_group(&app, json!({"interface": "admin"})).await;
    let id = group["id"].as_str().unwrap();
    let resp = app
        .patch(
            &format!("{EP}/endpoint_groups/{id}"),
            json!({"endpoint_group": {}}),
        )
        .await;
    assert_error(resp, 400, "does not have enough properties").await;
    let resp = app
        .patch(
            &format!("{EP}/endpoint_groups/{id}"),
            json!({"endpoint_group": {"filters": {"url": "x"}}}),
        )
        .await;
    assert_error(resp, 400, "Expecting to find service_id or region_id").await;

    // Admins and system readers only.
    let pw = "plain-user-pw";
    app.create_user("plain", pw).await;
    let plain = app.login("plain", pw).await;
    let resp = app
        .call(Method::GET, &format!("{EP}/endpoint_groups"), &plain, None)
        .await;
    assert_error(resp, 403, "identity:list_endpoint_groups").await;
    let resp = app
        .call(
            Method::POST,
            &format!("{EP}/endpoint_groups"),
            &plain,
            Some(create(
                json!({"name": "g", "filters": {"interface": "public"}}),
            )),
        )
        .await;
    assert_error(resp, 403, "identity:create_endpoint_group").await;
}

async fn endpoint_groups_are_tied_to_projects() {
    let app = spawn_app().await;
    let compute = new_service(&app, "compute").await;
    let public = new_endpoint(&app, &compute, "public", true).await;
    let project = new_project(&app, "tied").await;
    let group = new_group(&app, json!({"service_id": compute})).await;
    let g = group["id"].as_str().unwrap().to_string();
    let pair = format!("{EP}/endpoint_groups/{g}/projects/{project}");

    let resp = app.get(&pair).await;
    assert_error(resp, 404, "Endpoint Group Project Association not found").await;
    assert_eq!(app.put(&pair).await.status(), 204);
    let resp = app.put(&pair).await;
    assert_error(resp, 409, "project_endpoint_group").await;
    let shown = json(app.get(&pair).await).await;
    assert_eq!(
        shown["project_endpoint_group"],
        json!({"endpoint_group_id": g, "project_id": project,
            "links": {"self": format!("{}{pair}", app.base)}})
    );
    assert_eq!(app.head(&pair).await.status(), 200);

    let projects = json(app.get(&format!("{EP}/endpoint_groups/{g}/projects")).await).await;
    assert_eq!(ids(&projects, "projects"), [project.as_str()]);
    assert_eq!(projects["projects"][0]["name"], "tied");
    let groups = json(
        app.get(&format!("{EP}/projects/{project}/endpoint_groups"))
            .await,
    )
    .await;
    assert_eq!(groups["endpoint_groups"], json!([group]));
    let endpoints = json(app.get(&format!("{EP}/projects/{project}/endpoints")).await).await;
    assert_eq!(ids(&endpoints, "endpoints"), [public]);

    // Missing targets are 404s.
    let resp = app
        .put(&format!("{EP}/endpoint_groups/{g}/projects/0badc0de"))
        .await;
    assert_error(resp, 404, "Could not find project: 0badc0de.").await;
    let resp = app
        .put(&format!("{EP}/endpoint_groups/0badc0de/projects/{project}"))
        .await;
    assert_error(resp, 404, "Could not find Endpoint Group: 0badc0de.").await;
    let resp = app
        .get(&format!("{EP}/projects/0badc0de/endpoint_groups"))
        .await;
    assert_error(resp, 404, "Could not find project: 0badc0de.").await;

    assert_eq!(app.delete(&pair).await.status(), 204);
    let resp = app.delete(&pair).await;
    assert_error(resp, 404, "Endpoint Group Project Association not found").await;
    // Deleting a group unties it from its projects.
    assert_eq!(app.put(&pair).await.status(), 204);
    assert_eq!(
        app.delete(&format!("{EP}/endpoint_groups/{g}"))
            .await
            .status(),
        204
    );
    let groups = json(
        app.get(&format!("{EP}/projects/{project}/endpoint_groups"))
            .await,
    )
    .await;
    assert_eq!(groups["endpoint_groups"], json!([]));
}

async fn endpoints_are_tied_to_projects() {
    let app = spawn_app().await;
    let compute = new_service(&app, "compute").await;
    let endpoint = new_endpoint(&app, &compute, "public", true).await;
    let project = new_project(&app, "direct").await;
    let pair = format!("{EP}/projects/{project}/endpoints/{endpoint}");

    let resp = app.get(&pair).await;
    assert_error(
        resp,
        404,
        &format!("Endpoint {endpoint} not found in project {project}"),
    )
    .await;
    assert_eq!(app.put(&pair).await.status(), 204);
    assert_error(app.put(&pair).await, 409, "project_endpoint").await;
    assert_eq!(app.get(&pair).await.status(), 204);
    assert_eq!(app.head(&pair).await.status(), 204);
    let endpoints = json(app.get(&format!("{EP}/projects/{project}/endpoints")).await).await;
    assert_eq!(ids(&endpoints, "endpoints"), [endpoint.as_str()]);
    assert_eq!(endpoints["endpoints"][0]["service_id"], compute);
    let projects = json(
        app.get(&format!("{EP}/endpoints/{endpoint}/projects"))
            .await,
    )
    .await;
    assert_eq!(ids(&projects, "projects"), [project.as_str()]);

    let resp = app
        .put(&format!("{EP}/projects/{project}/endpoints/0badc0de"))
        .await;
    assert_error(resp, 404, "Could not find endpoint: 0badc0de.").await;
    let resp = app
        .put(&format!("{EP}/projects/0badc0de/endpoints/{endpoint}"))
        .await;
    assert_error(resp, 404, "Could not find project: 0badc0de.").await;
    let resp = app.get(&format!("{EP}/endpoints/0badc0de/projects")).await;
    assert_error(resp, 404, "Could not find endpoint: 0badc0de.").await;

    assert_eq!(app.delete(&pair).await.status(), 204);
    assert_error(app.delete(&pair).await, 404, "not found in project").await;
    // Deleting the endpoint unties it.
    assert_eq!(app.put(&pair).await.status(), 204);
    assert_eq!(
        app.delete(&format!("/v3/endpoints/{endpoint}"))
            .await
            .status(),
        204
    );
    let projects = json(app.get(&format!("{EP}/projects/{project}/endpoints")).await).await;
    assert_eq!(projects["endpoints"], json!([]));
}

/// The endpoint ids of a token's catalog, or of `GET /v3/auth/catalog`.
fn catalog_endpoints(catalog: &Value) -> Vec<String> {
    let mut ids: Vec<String> = catalog
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["endpoints"].as_array().unwrap().clone())
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

async fn a_project_with_endpoints_gets_only_those_in_its_catalog() {
    let app = spawn_app().await;
    let compute = new_service(&app, "compute").await;
    let public = new_endpoint(&app, &compute, "public", true).await;
    let disabled = new_endpoint(&app, &compute, "internal", false).await;
    let admin_ep = new_endpoint(&app, &compute, "admin", true).await;
    let project = new_project(&app, "filtered").await;
    let pw = "filtered-member-pw";
    let user = app.create_user("filtered-member", pw).await;
    let roles = json(app.get("/v3/roles?name=member").await).await;
    let role = roles["roles"][0]["id"].as_str().unwrap().to_string();
    app.put(&format!("/v3/projects/{project}/users/{user}/roles/{role}"))
        .await;
    let login = || async {
        let mut body = password_auth("filtered-member", pw);
        body["auth"]["scope"] = json!({"project": {"id": project}});
        let resp = app
            .call(Method::POST, "/v3/auth/tokens", "", Some(body))
            .await;
        assert_eq!(resp.status(), 201);
        let token = resp.headers()["x-subject-token"]
            .to_str()
            .unwrap()
            .to_string();
        let body = json(resp).await;
        (token, body["token"]["catalog"].clone())
    };
    // No associations: the whole catalog (the identity service's three, and ours).
    let (_, catalog) = login().await;
    let whole = catalog_endpoints(&catalog);
    assert!(whole.contains(&public) && whole.contains(&admin_ep));
    assert!(!whole.contains(&disabled));
    assert_eq!(whole.len(), 5);

    // A group selecting the compute service: its enabled endpoints only.
    let group = new_group(&app, json!({"service_id": compute})).await;
    let g = group["id"].as_str().unwrap();
    app.put(&format!("{EP}/endpoint_groups/{g}/projects/{project}"))
        .await;
    let (token, catalog) = login().await;
    let mut expected = vec![public.clone(), admin_ep.clone()];
    expected.sort();
    assert_eq!(catalog_endpoints(&catalog), expected);
    assert_eq!(
        catalog.as_array().unwrap().len(),
        1,
        "services left bare go"
    );
    let shown = json(
        app.call(Method::GET, "/v3/auth/catalog", &token, None)
            .await,
    )
    .await;
    assert_eq!(catalog_endpoints(&shown["catalog"]), expected);

    // Narrowing the group narrows the catalog at once (the cached one is dropped).
    app.patch(
        &format!("{EP}/endpoint_groups/{g}"),
        json!({"endpoint_group": {"filters": {"service_id": compute, "interface": "public"}}}),
    )
    .await;
    let shown = json(
        app.call(Method::GET, "/v3/auth/catalog", &token, None)
            .await,
    )
    .await;
    assert_eq!(catalog_endpoints(&shown["catalog"]), [public.as_str()]);

    // A direct association adds to the group's.
    app.put(&format!("{EP}/projects/{project}/endpoints/{admin_ep}"))
        .await;
    let shown = json(
        app.call(Method::GET, "/v3/auth/catalog", &token, None)
            .await,
    )
    .await;
    assert_eq!(catalog_endpoints(&shown["catalog"]), expected);

    // Untied again: the whole catalog.
    app.delete(&format!("{EP}/endpoint_groups/{g}/projects/{project}"))
        .await;
    app.delete(&format!("{EP}/projects/{project}/endpoints/{admin_ep}"))
        .await;
    let shown = json(
        app.call(Method::GET, "/v3/auth/catalog", &token, None)
            .await,
    )
    .await;
    assert_eq!(catalog_endpoints(&shown["catalog"]), whole);
    // The admin's own project has no associations: its catalog is whole.
    let shown = json(app.get("/v3/auth/catalog").await).await;
    assert_eq!(catalog_endpoints(&shown["catalog"]), whole);
}

both_backends!(
    endpoint_groups_are_created_listed_updated_and_deleted,
    endpoint_groups_are_refused_as_keystone_does,
    endpoint_groups_are_tied_to_projects,
    endpoints_are_tied_to_projects,
    a_project_with_endpoints_gets_only_those_in_its_catalog,
);
