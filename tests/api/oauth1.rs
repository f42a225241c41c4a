//! OS-OAUTH1 consumers after Keystone's api-ref: the secret is shown by the create alone
//! and cannot be changed; other attributes are kept; admins manage them, admins and
//! system readers read them.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_error, json, spawn_app};

async fn consumers_are_created_listed_shown_updated_and_deleted() {
    let app = spawn_app().await;
    let resp = app
        .post(
            "/v3/OS-OAUTH1/consumers",
            json!({"consumer": {"description": "my app", "callback": "https://app/cb",
                "secret": "chosen", "id": "chosen"}}),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let created = json(resp).await["consumer"].clone();
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 32);
    assert_ne!(id, "chosen");
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.len() >= 32 && secret != "chosen");
    assert_eq!(created["description"], "my app");
    assert_eq!(created["callback"], "https://app/cb");
    assert_eq!(
        created["links"]["self"],
        format!("{}/v3/OS-OAUTH1/consumers/{id}", app.base)
    );
    let bare = json(
        app.post("/v3/OS-OAUTH1/consumers", json!({"consumer": {}}))
            .await,
    )
    .await;
    assert_eq!(bare["consumer"]["description"], Value::Null);

    let item = format!("/v3/OS-OAUTH1/consumers/{id}");
    let shown = json(app.get(&item).await).await["consumer"].clone();
    assert!(shown.get("secret").is_none());
    for key in ["id", "description", "links", "callback"] {
        assert_eq!(shown[key], created[key], "{key}");
    }
    let all = json(app.get("/v3/OS-OAUTH1/consumers").await).await;
    let all = all["consumers"].as_array().unwrap();
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|c| c.get("secret").is_none()));

    let resp = app
        .patch(&item, json!({"consumer": {"description": "renamed"}}))
        .await;
    assert_eq!(resp.status(), 200);
    let updated = json(resp).await["consumer"].clone();
    assert_eq!(updated["description"], "renamed");
    assert_eq!(updated["callback"], "https://app/cb");
    assert!(updated.get("secret").is_none());
    let resp = app
        .patch(&item, json!({"consumer": {"secret": "new"}}))
        .await;
    assert_error(resp, 400, "secret").await;
    let resp = app.patch(&item, json!({"consumer": {}})).await;
    assert_error(resp, 400, "does not have enough properties").await;
    let resp = app.patch(&item, json!({"consumer": {"id": "other"}})).await;
    assert_error(resp, 400, "Cannot change ID").await;
    let resp = app
        .patch(&item, json!({"consumer": {"description": 5}}))
        .await;
    assert_error(resp, 400, "description").await;
    let resp = app
        .patch(&item, json!({"consumer": {"description": null}}))
        .await;
    assert_eq!(json(resp).await["consumer"]["description"], Value::Null);

    assert_eq!(app.delete(&item).await.status(), 204);
    let resp = app.get(&item).await;
    assert_error(resp, 404, &format!("Could not find consumer: {id}.")).await;
    let resp = app.delete(&item).await;
    assert_error(resp, 404, "Could not find consumer").await;

    let events = json(
        app.get("/v3/audit-events?event_type=identity.OS-OAUTH1:consumer.created")
            .await,
    )
    .await;
    assert_eq!(events["audit_events"].as_array().unwrap().len(), 2);
}

async fn consumer_secrets_are_sealed_at_rest() {
    let app = spawn_app().await;
    let created = json(
        app.post("/v3/OS-OAUTH1/consumers", json!({"consumer": {}}))
            .await,
    )
    .await;
    let secret = created["consumer"]["secret"].as_str().unwrap().to_string();
    let stored = app.with_db(|conn| {
        use diesel::prelude::*;
        use iam_groups::db::schema::oauth1_consumers;
        oauth1_consumers::table
            .select(oauth1_consumers::sealed_secret)
            .first::<String>(conn)
            .unwrap()
    });
    assert!(!stored.contains(&secret));
}

async fn only_admins_manage_consumers() {
    let app = spawn_app().await;
    let created = json(
        app.post("/v3/OS-OAUTH1/consumers", json!({"consumer": {}}))
            .await,
    )
    .await;
    let item = format!(
        "/v3/OS-OAUTH1/consumers/{}",
        created["consumer"]["id"].as_str().unwrap()
    );
    app.create_user("pia", "pia-pw-1").await;
    let pia = app.login("pia", "pia-pw-1").await;
    let calls: Vec<(Method, &str, Option<Value>, &str)> = vec![
        (
            Method::GET,
            "/v3/OS-OAUTH1/consumers",
            None,
            "identity:list_consumers",
        ),
        (Method::GET, &item, None, "identity:get_consumer"),
        (
            Method::POST,
            "/v3/OS-OAUTH1/consumers",
            Some(json!({"consumer": {}})),
            "identity:create_consumer",
        ),
        (
            Method::PATCH,
            &item,
            Some(json!({"consumer": {"description": "x"}})),
            "identity:update_consumer",
        ),
        (Method::DELETE, &item, None, "identity:delete_consumer"),
    ];
    for (method, path, body, rule) in calls {
        let resp = app.call(method.clone(), path, &pia, body.clone()).await;
        assert_error(resp, 403, rule).await;
        assert_eq!(app.call(method, path, "", body).await.status(), 401);
    }
    assert_eq!(app.get(&item).await.status(), 200);
}

both_backends!(
    consumers_are_created_listed_shown_updated_and_deleted,
    consumer_secrets_are_sealed_at_rest,
    only_admins_manage_consumers,
);
