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

both_backends!(
    bootstrap_registers_the_identity_service_in_the_region,
    regions_are_created_listed_updated_and_deleted,
    services_and_endpoints_shape_the_token_catalog,
    bad_catalog_input_is_400_and_members_are_refused,
);
