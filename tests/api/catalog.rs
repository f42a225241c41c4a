//! The service catalog: regions, services, endpoints, and the catalog in tokens.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_error, json, spawn_app, ADMIN_PASSWORD};

async fn bootstrap_registers_the_identity_service_in_the_region() {
    let app = spawn_app().await;
    let services = json(app.get("/v3/services?type=identity").await).await;
    let services = services["services"].as_array().unwrap();
    assert_eq!(services.len(), 1);
    assert_eq!(services[0]["name"], "keystone");
    assert_eq!(services[0]["enabled"], true);
    let sid = services[0]["id"].as_str().unwrap();
    let endpoints = json(app.get(&format!("/v3/endpoints?service_id={sid}")).await).await;
    let mut interfaces: Vec<&str> = endpoints["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["url"], format!("{}/v3", app.base));
            assert_eq!(e["region_id"], "RegionOne");
            e["interface"].as_str().unwrap()
        })
        .collect();
    interfaces.sort();
    assert_eq!(interfaces, ["admin", "internal", "public"]);
    let region = json(app.get("/v3/regions/RegionOne").await).await;
    assert_eq!(region["region"]["id"], "RegionOne");
}

async fn regions_are_created_listed_updated_and_deleted() {
    let app = spawn_app().await;
    let resp = app
        .post(
            "/v3/regions",
            json!({"region": {"id": "eu-west", "description": "Europe"}}),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let created = json(resp).await["region"].clone();
    assert_eq!(created["description"], "Europe");
    assert_eq!(created["parent_region_id"], Value::Null);
    let resp = app
        .call(
            Method::PUT,
            "/v3/regions/eu-west-1",
            &app.admin_token,
            Some(json!({"region": {"parent_region_id": "eu-west"}})),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let shown = json(app.get("/v3/regions/eu-west").await).await["region"].clone();
    assert_eq!(shown, created);
    let children = json(app.get("/v3/regions?parent_region_id=eu-west").await).await;
    assert_eq!(children["regions"][0]["id"], "eu-west-1");

    let resp = app
        .post("/v3/regions", json!({"region": {"id": "eu-west"}}))
        .await;
    assert_error(resp, 409, "Duplicate ID").await;
    let resp = app
        .post(
            "/v3/regions",
            json!({"region": {"parent_region_id": "nowhere"}}),
        )
        .await;
    assert_error(resp, 404, "Could not find region: nowhere.").await;
    let resp = app
        .patch(
            "/v3/regions/eu-west",
            json!({"region": {"parent_region_id": "eu-west-1"}}),
        )
        .await;
    assert_error(resp, 400, "Circular reference").await;
    let resp = app
        .patch(
            "/v3/regions/eu-west",
            json!({"region": {"description": "EU"}}),
        )
        .await;
    assert_eq!(json(resp).await["region"]["description"], "EU");

    let resp = app.delete("/v3/regions/eu-west").await;
    assert_error(resp, 403, "Unable to delete region").await;
    assert_eq!(app.delete("/v3/regions/eu-west-1").await.status(), 204);
    assert_eq!(app.delete("/v3/regions/eu-west").await.status(), 204);
    assert_error(
        app.get("/v3/regions/eu-west").await,
        404,
        "Could not find region",
    )
    .await;
}

async fn services_and_endpoints_shape_the_token_catalog() {
    let app = spawn_app().await;
    let resp = app
        .post(
            "/v3/services",
            json!({"service": {"type": "compute", "name": "nova", "description": "VMs"}}),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let service = json(resp).await["service"].clone();
    assert_eq!(service["name"], "nova");
    assert_eq!(service["type"], "compute");
    let sid = service["id"].as_str().unwrap().to_string();
    assert_eq!(
        json(app.get(&format!("/v3/services/{sid}")).await).await["service"],
        service
    );

    let resp = app
        .post(
            "/v3/endpoints",
            json!({"endpoint": {"service_id": sid, "interface": "public", "url": "http://nova.example.test:8774/v2.1", "region_id": "RegionOne"}}),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let endpoint = json(resp).await["endpoint"].clone();
    let eid = endpoint["id"].as_str().unwrap().to_string();
    assert_eq!(endpoint["region"], "RegionOne");
    assert_eq!(
        json(app.get(&format!("/v3/endpoints/{eid}")).await).await["endpoint"],
        endpoint
    );

    let token = app.login("admin", ADMIN_PASSWORD).await;
    let catalog = json(
        app.call(Method::GET, "/v3/auth/catalog", &token, None)
            .await,
    )
    .await;
    let compute = catalog["catalog"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["type"] == "compute")
        .cloned()
        .unwrap();
    assert_eq!(compute["name"], "nova");
    assert_eq!(
        compute["endpoints"][0]["url"],
        "http://nova.example.test:8774/v2.1"
    );

    // A disabled endpoint leaves the catalog; deleting the service takes its endpoints.
    let resp = app
        .patch(
            &format!("/v3/endpoints/{eid}"),
            json!({"endpoint": {"enabled": false}}),
        )
        .await;
    assert_eq!(json(resp).await["endpoint"]["enabled"], false);
    let catalog = json(
        app.call(Method::GET, "/v3/auth/catalog", &token, None)
            .await,
    )
    .await;
    let compute = catalog["catalog"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["type"] == "compute")
        .cloned()
        .unwrap();
    assert_eq!(compute["endpoints"], json!([]));
    assert_eq!(
        app.delete(&format!("/v3/services/{sid}")).await.status(),
        204
    );
    assert_error(
        app.get(&format!("/v3/endpoints/{eid}")).await,
        404,
        "Could not find endpoint",
    )
    .await;
}

async fn bad_catalog_input_is_400_and_members_are_refused() {
    let app = spawn_app().await;
    let sid = json(app.get("/v3/services?type=identity").await).await["services"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for (body, message) in [
        (
            json!({"endpoint": {"service_id": sid, "interface": "sideways", "url": "http://x"}}),
            "Invalid input for field 'interface'",
        ),
        (
            json!({"endpoint": {"service_id": "nope", "interface": "public", "url": "http://x"}}),
            "Could not find service: nope.",
        ),
        (
            json!({"endpoint": {"service_id": sid, "interface": "public"}}),
            "'url' is a required property",
        ),
    ] {
        let resp = app.post("/v3/endpoints", body.clone()).await;
        assert_error(resp, 400, message).await;
    }
    // A region that does not exist yet is created for the endpoint, as Keystone does.
    let body = json!({"endpoint": {"service_id": sid, "interface": "public", "url": "http://x", "region": "Atlantis"}});
    let resp = app.post("/v3/endpoints", body).await;
    assert_eq!(resp.status(), 201);
    assert_eq!(json(resp).await["endpoint"]["region_id"], "Atlantis");
    assert_eq!(app.get("/v3/regions/Atlantis").await.status(), 200);
    let resp = app
        .post("/v3/services", json!({"service": {"name": "untyped"}}))
        .await;
    assert_error(resp, 400, "'type' is a required property").await;

    app.create_user("pia", "pia-pw-1").await;
    let pia = app.login("pia", "pia-pw-1").await;
    assert_eq!(
        app.call(Method::GET, "/v3/regions", &pia, None)
            .await
            .status(),
        200
    );
    let resp = app.call(Method::GET, "/v3/services", &pia, None).await;
    assert_error(resp, 403, "identity:get_service").await;
    let resp = app
        .call(
            Method::POST,
            "/v3/regions",
            &pia,
            Some(json!({"region": {"id": "mine"}})),
        )
        .await;
    assert_error(resp, 403, "identity:create_service").await;
}

/// The ids a catalog list answers, in order.
async fn ids(app: &crate::helpers::TestApp, path: &str, key: &str) -> Vec<String> {
    let resp = app.get(path).await;
    assert_eq!(resp.status(), 200, "{path}");
    let body = json(resp).await;
    body[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_string())
        .collect()
}

async fn created_id(resp: reqwest::Response, key: &str) -> String {
    assert_eq!(resp.status(), 201);
    json(resp).await[key]["id"].as_str().unwrap().to_string()
}

async fn every_catalog_list_takes_keystones_filters() {
    let app = spawn_app().await;
    // Regions: parent_region_id.
    for body in [
        json!({"region": {"id": "f-root"}}),
        json!({"region": {"id": "f-child-a", "parent_region_id": "f-root"}}),
        json!({"region": {"id": "f-child-b", "parent_region_id": "f-root"}}),
        json!({"region": {"id": "f-grandchild", "parent_region_id": "f-child-a"}}),
    ] {
        assert_eq!(app.post("/v3/regions", body).await.status(), 201);
    }
    assert_eq!(
        ids(&app, "/v3/regions?parent_region_id=f-root", "regions").await,
        ["f-child-a", "f-child-b"]
    );
    assert_eq!(
        ids(&app, "/v3/regions?parent_region_id=f-child-a", "regions").await,
        ["f-grandchild"]
    );
    assert!(
        ids(&app, "/v3/regions?parent_region_id=f-grandchild", "regions")
            .await
            .is_empty()
    );
    // An empty filter is a filter for the empty string, as in Keystone: nothing matches.
    assert!(ids(&app, "/v3/regions?parent_region_id=", "regions")
        .await
        .is_empty());

    // Services: type and name, alone and together.
    let compute = created_id(
        app.post(
            "/v3/services",
            json!({"service": {"type": "compute", "name": "nova"}}),
        )
        .await,
        "service",
    )
    .await;
    let compute2 = created_id(
        app.post(
            "/v3/services",
            json!({"service": {"type": "compute", "name": "nova-legacy"}}),
        )
        .await,
        "service",
    )
    .await;
    let image = created_id(
        app.post(
            "/v3/services",
            json!({"service": {"type": "image", "name": "nova"}}),
        )
        .await,
        "service",
    )
    .await;
    let mut both = vec![compute.clone(), compute2.clone()];
    both.sort();
    assert_eq!(
        ids(&app, "/v3/services?type=compute", "services").await,
        both
    );
    let mut novas = vec![compute.clone(), image.clone()];
    novas.sort();
    assert_eq!(ids(&app, "/v3/services?name=nova", "services").await, novas);
    assert_eq!(
        ids(&app, "/v3/services?type=compute&name=nova", "services").await,
        vec![compute.clone()]
    );
    assert_eq!(
        ids(&app, "/v3/services?name=nova-legacy", "services").await,
        vec![compute2.clone()]
    );
    // A name is matched whole, not as a part of another's.
    assert!(ids(&app, "/v3/services?name=nov", "services")
        .await
        .is_empty());
    assert!(ids(&app, "/v3/services?type=volume", "services")
        .await
        .is_empty());
    assert!(ids(&app, "/v3/services?type=", "services").await.is_empty());

    // Endpoints: interface, service_id and region_id, alone and together.
    let endpoint = |service: &str, interface: &str, region: Option<&str>| {
        json!({"endpoint": {"service_id": service, "interface": interface,
            "url": "http://compute.example", "region_id": region}})
    };
    let e1 = created_id(
        app.post(
            "/v3/endpoints",
            endpoint(&compute, "public", Some("f-root")),
        )
        .await,
        "endpoint",
    )
    .await;
    let e2 = created_id(
        app.post(
            "/v3/endpoints",
            endpoint(&compute, "internal", Some("f-child-a")),
        )
        .await,
        "endpoint",
    )
    .await;
    let e3 = created_id(
        app.post(
            "/v3/endpoints",
            endpoint(&image, "public", Some("f-child-a")),
        )
        .await,
        "endpoint",
    )
    .await;
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(
        ids(
            &app,
            &format!("/v3/endpoints?service_id={compute}"),
            "endpoints"
        )
        .await,
        sorted(vec![e1.clone(), e2.clone()])
    );
    assert_eq!(
        ids(&app, "/v3/endpoints?region_id=f-child-a", "endpoints").await,
        sorted(vec![e2.clone(), e3.clone()])
    );
    assert_eq!(
        ids(
            &app,
            &format!("/v3/endpoints?interface=public&region_id=f-child-a&service_id={image}"),
            "endpoints"
        )
        .await,
        vec![e3.clone()]
    );
    assert_eq!(
        ids(
            &app,
            &format!("/v3/endpoints?interface=internal&service_id={compute}"),
            "endpoints"
        )
        .await,
        vec![e2.clone()]
    );
    // The bootstrap's identity endpoints are public, internal and admin in RegionOne.
    let public = ids(&app, "/v3/endpoints?interface=public", "endpoints").await;
    assert!(public.contains(&e1) && public.contains(&e3) && !public.contains(&e2));
    assert!(ids(
        &app,
        &format!("/v3/endpoints?interface=admin&service_id={compute}"),
        "endpoints"
    )
    .await
    .is_empty());
    assert!(
        ids(&app, "/v3/endpoints?region_id=f-grandchild", "endpoints")
            .await
            .is_empty()
    );
    assert!(ids(&app, "/v3/endpoints?service_id=", "endpoints")
        .await
        .is_empty());
}

async fn catalog_patches_say_what_they_refuse() {
    let app = spawn_app().await;
    let sid = created_id(
        app.post("/v3/services", json!({"service": {"type": "patchy"}}))
            .await,
        "service",
    )
    .await;
    let resp = app
        .patch(&format!("/v3/services/{sid}"), json!({"service": {}}))
        .await;
    assert_error(
        resp,
        400,
        "Invalid input for field 'service': {} does not have enough properties",
    )
    .await;
    let resp = app
        .patch(
            &format!("/v3/services/{sid}"),
            json!({"service": {"id": "other"}}),
        )
        .await;
    assert_error(resp, 400, "Cannot change ID").await;
    // Repeating its own id is no change of it.
    let resp = app
        .patch(
            &format!("/v3/services/{sid}"),
            json!({"service": {"id": sid, "enabled": false}}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(json(resp).await["service"]["enabled"], false);
    assert_eq!(
        app.post("/v3/regions", json!({"region": {"id": "p-r"}}))
            .await
            .status(),
        201
    );
    let resp = app
        .patch("/v3/regions/p-r", json!({"region": {"id": "p-other"}}))
        .await;
    assert_error(resp, 400, "Cannot change ID").await;
    // A region's PATCH may be empty (Keystone's region schema has no minimum).
    let resp = app.patch("/v3/regions/p-r", json!({"region": {}})).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(json(resp).await["region"]["id"], "p-r");
    // The document says what the server refuses.
    let doc = json(app.get("/openapi.json").await).await;
    let body = |path: &str| {
        doc["paths"][path]["patch"]["requestBody"]["content"]["application/json"]["schema"].clone()
    };
    assert_eq!(
        body("/v3/services/{service_id}")["properties"]["service"]["minProperties"],
        1
    );
    assert_eq!(
        body("/v3/endpoints/{endpoint_id}")["properties"]["endpoint"]["minProperties"],
        1
    );
    // It says which fields a PATCH cannot change, and leaves them out of what may be sent.
    let region_patch = &doc["paths"]["/v3/regions/{region_id}"]["patch"]["requestBody"];
    assert!(region_patch["description"]
        .as_str()
        .unwrap()
        .contains("Cannot change ID"));
    assert!(
        body("/v3/regions/{region_id}")["properties"]["region"]["properties"]
            .get("id")
            .is_none()
    );
    // The catalog's lists are not paged: they document their filters only.
    let params: Vec<&str> = doc["paths"]["/v3/endpoints"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(params, ["interface", "service_id", "region_id"]);
}

both_backends!(
    bootstrap_registers_the_identity_service_in_the_region,
    regions_are_created_listed_updated_and_deleted,
    services_and_endpoints_shape_the_token_catalog,
    bad_catalog_input_is_400_and_members_are_refused,
    every_catalog_list_takes_keystones_filters,
    catalog_patches_say_what_they_refuse,
);
