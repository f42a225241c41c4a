//! `/v3/policies` after Keystone's api-ref: create (`blob`, `type`, other attributes kept),
//! list (filter `type`), show, PATCH (the id cannot change), delete; admins only.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_error, json, spawn_app};

async fn policies_are_created_listed_shown_updated_and_deleted() {
    let app = spawn_app().await;
    let resp = app
        .post(
            "/v3/policies",
            json!({"policy": {"blob": "{\"default\": \"\"}", "type": "application/json",
                "project_id": "p1"}}),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let created = json(resp).await["policy"].clone();
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 32);
    assert_eq!(created["blob"], "{\"default\": \"\"}");
    assert_eq!(created["type"], "application/json");
    assert_eq!(created["project_id"], "p1");
    assert_eq!(
        created["links"]["self"],
        format!("{}/v3/policies/{id}", app.base)
    );
    let other = app
        .post(
            "/v3/policies",
            json!({"policy": {"blob": "x", "type": "text/plain"}}),
        )
        .await;
    assert_eq!(other.status(), 201);

    let shown = json(app.get(&format!("/v3/policies/{id}")).await).await;
    assert_eq!(shown["policy"], created);
    let all = json(app.get("/v3/policies").await).await;
    assert_eq!(all["policies"].as_array().unwrap().len(), 2);
    assert_eq!(all["links"]["self"], format!("{}/v3/policies", app.base));
    let typed = json(app.get("/v3/policies?type=application/json").await).await;
    let typed = typed["policies"].as_array().unwrap();
    assert_eq!(typed.len(), 1);
    assert_eq!(typed[0]["id"], id.as_str());

    let resp = app
        .patch(
            &format!("/v3/policies/{id}"),
            json!({"policy": {"blob": "{}", "extra_thing": 1}}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let updated = json(resp).await["policy"].clone();
    assert_eq!(updated["blob"], "{}");
    assert_eq!(updated["type"], "application/json");
    assert_eq!(updated["project_id"], "p1");
    assert_eq!(updated["extra_thing"], 1);
    let resp = app
        .patch(
            &format!("/v3/policies/{id}"),
            json!({"policy": {"id": "another"}}),
        )
        .await;
    assert_error(resp, 400, "Cannot change policy ID").await;
    let resp = app
        .patch(&format!("/v3/policies/{id}"), json!({"policy": {}}))
        .await;
    assert_error(resp, 400, "does not have enough properties").await;

    assert_eq!(
        app.delete(&format!("/v3/policies/{id}")).await.status(),
        204
    );
    let resp = app.get(&format!("/v3/policies/{id}")).await;
    assert_error(resp, 404, &format!("Could not find policy: {id}.")).await;
    let resp = app.delete(&format!("/v3/policies/{id}")).await;
    assert_error(resp, 404, "Could not find policy").await;

    // Each change is audited.
    let events = json(
        app.get("/v3/audit-events?event_type=identity.policy.created")
            .await,
    )
    .await;
    assert_eq!(events["audit_events"].as_array().unwrap().len(), 2);
    let events = json(
        app.get("/v3/audit-events?event_type=identity.policy.deleted")
            .await,
    )
    .await;
    assert!(!events["audit_events"].as_array().unwrap().is_empty());
}

async fn bad_policies_are_400_and_non_admins_are_refused() {
    let app = spawn_app().await;
    for (body, part) in [
        (
            json!({"policy": {"type": "t"}}),
            "'blob' is a required property",
        ),
        (
            json!({"policy": {"blob": "b"}}),
            "'type' is a required property",
        ),
        (json!({"policy": {"blob": 1, "type": "t"}}), "blob"),
        (
            json!({"policy": {"blob": "b", "type": "t".repeat(256)}}),
            "type",
        ),
        (json!({"nope": {}}), "policy"),
    ] {
        let resp = app.post("/v3/policies", body).await;
        assert_error(resp, 400, part).await;
    }
    let created = json(
        app.post(
            "/v3/policies",
            json!({"policy": {"blob": "b", "type": "t"}}),
        )
        .await,
    )
    .await;
    let id = created["policy"]["id"].as_str().unwrap().to_string();

    app.create_user("pia", "pia-pw-1").await;
    let pia = app.login("pia", "pia-pw-1").await;
    let item = format!("/v3/policies/{id}");
    let calls: Vec<(Method, &str, Option<Value>, &str)> = vec![
        (Method::GET, "/v3/policies", None, "identity:list_policies"),
        (Method::GET, &item, None, "identity:get_policy"),
        (
            Method::POST,
            "/v3/policies",
            Some(json!({"policy": {"blob": "b", "type": "t"}})),
            "identity:create_policy",
        ),
        (
            Method::PATCH,
            &item,
            Some(json!({"policy": {"blob": "c"}})),
            "identity:update_policy",
        ),
        (Method::DELETE, &item, None, "identity:delete_policy"),
    ];
    for (method, path, body, rule) in calls {
        let resp = app.call(method.clone(), path, &pia, body.clone()).await;
        assert_error(resp, 403, rule).await;
        let resp = app.call(method, path, "", body).await;
        assert_eq!(resp.status(), 401);
    }
    // Nothing changed.
    let shown = json(app.get(&item).await).await;
    assert_eq!(shown["policy"]["blob"], "b");
}

both_backends!(
    policies_are_created_listed_shown_updated_and_deleted,
    bad_policies_are_400_and_non_admins_are_refused,
);
