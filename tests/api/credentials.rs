//! Access keys: `/v3.0/OS-CREDENTIAL/credentials`, Huawei's permanent AK/SK.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_error, json, spawn_app};

const KEYS: &str = "/v3.0/OS-CREDENTIAL/credentials";

async fn create_show_list_update_and_delete_a_key() {
    let app = spawn_app().await;
    let uid = app.create_user("kim", "kim-pw-123").await;
    let resp = app
        .post(
            KEYS,
            json!({"credential": {"user_id": uid, "description": "for CI"}}),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let created = json(resp).await["credential"].clone();
    let access = created["access"].as_str().unwrap().to_string();
    let secret = created["secret"].as_str().unwrap();
    assert_eq!(access.len(), 20);
    assert!(access
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
    assert_eq!(secret.len(), 40);
    assert_eq!(created["status"], "active");
    assert_eq!(created["user_id"], uid.as_str());
    assert_eq!(created["description"], "for CI");
    let create_time = created["create_time"].as_str().unwrap();
    assert!(
        create_time.ends_with('Z') && create_time.len() == 27,
        "{create_time}"
    );

    // The secret is shown once: never again, in any response.
    let expected = json!({"user_id": uid, "access": access, "status": "active",
        "create_time": create_time, "description": "for CI"});
    let shown = json(app.get(&format!("{KEYS}/{access}")).await).await;
    assert_eq!(shown, json!({"credential": expected}));
    let listed = json(app.get(&format!("{KEYS}?user_id={uid}")).await).await;
    assert_eq!(listed, json!({"credentials": [expected]}));
    assert!(!listed.to_string().contains(secret));

    let resp = app
        .call(
            Method::PUT,
            &format!("{KEYS}/{access}"),
            &app.admin_token,
            Some(json!({"credential": {"status": "inactive", "description": "paused"}})),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let updated = json(resp).await;
    assert_eq!(updated["credential"]["status"], "inactive");
    assert_eq!(updated["credential"]["description"], "paused");
    assert!(updated["credential"].get("secret").is_none());

    assert_eq!(app.delete(&format!("{KEYS}/{access}")).await.status(), 204);
    assert_error(
        app.get(&format!("{KEYS}/{access}")).await,
        404,
        &format!("Could not find credential: {access}."),
    )
    .await;
    let listed = json(app.get(&format!("{KEYS}?user_id={uid}")).await).await;
    assert_eq!(listed["credentials"], json!([]));
}

async fn a_user_has_at_most_two_keys() {
    let app = spawn_app().await;
    let uid = app.create_user("lee", "lee-pw-123").await;
    for _ in 0..2 {
        app.create_access_key(&app.admin_token, &uid).await;
    }
    let resp = app
        .post(KEYS, json!({"credential": {"user_id": uid}}))
        .await;
    assert_error(resp, 400, "akSkNumExceed").await;
    let listed = json(app.get(&format!("{KEYS}?user_id={uid}")).await).await;
    assert_eq!(listed["credentials"].as_array().unwrap().len(), 2);
}

async fn users_manage_their_own_keys_only() {
    let app = spawn_app().await;
    let mia = app.create_user("mia", "mia-pw-123").await;
    let ned = app.create_user("ned", "ned-pw-123").await;
    let mia_token = app.login("mia", "mia-pw-123").await;
    let ned_token = app.login("ned", "ned-pw-123").await;

    let key = app.create_access_key(&mia_token, &mia).await;
    let own = format!("{KEYS}/{}", key.access);
    assert_eq!(
        app.call(Method::GET, &own, &mia_token, None).await.status(),
        200
    );
    // Without user_id the list is the caller's own.
    let listed = json(app.call(Method::GET, KEYS, &mia_token, None).await).await;
    assert_eq!(listed["credentials"][0]["access"], key.access.as_str());

    let forbidden = "You are not authorized to perform the requested action";
    for (method, path, body) in [
        (Method::GET, own.clone(), None),
        (
            Method::PUT,
            own.clone(),
            Some(json!({"credential": {"status": "inactive"}})),
        ),
        (Method::DELETE, own.clone(), None),
        (Method::GET, format!("{KEYS}?user_id={mia}"), None),
        (
            Method::POST,
            KEYS.to_string(),
            Some(json!({"credential": {"user_id": mia}})),
        ),
    ] {
        let resp = app.call(method.clone(), &path, &ned_token, body).await;
        assert_error(resp, 403, forbidden).await;
    }
    // An unknown key: 404 for an admin, 403 for anyone else, so keys cannot be probed.
    let nobody = format!("{KEYS}/NOSUCHKEY0000000000");
    assert_error(app.get(&nobody).await, 404, "Could not find credential").await;
    assert_error(
        app.call(Method::GET, &nobody, &ned_token, None).await,
        403,
        "identity:get_credential",
    )
    .await;
    // Ned's own keys are his business; the admin sees everyone's.
    app.create_access_key(&ned_token, &ned).await;
    let listed = json(app.get(&format!("{KEYS}?user_id={ned}")).await).await;
    assert_eq!(listed["credentials"].as_array().unwrap().len(), 1);
}

async fn bad_requests_are_keystone_400s() {
    let app = spawn_app().await;
    let uid = app.create_user("ola", "ola-pw-123").await;
    let key = app.create_access_key(&app.admin_token, &uid).await;
    let one = format!("{KEYS}/{}", key.access);
    for (method, path, body, message) in [
        (
            Method::POST,
            KEYS.to_string(),
            json!({}),
            "Expecting to find credential",
        ),
        (
            Method::POST,
            KEYS.to_string(),
            json!({"credential": {}}),
            "'user_id' is a required property",
        ),
        (
            Method::POST,
            KEYS.to_string(),
            json!({"credential": {"user_id": 5}}),
            "Invalid input for field 'user_id'",
        ),
        (
            Method::POST,
            KEYS.to_string(),
            json!({"credential": {"user_id": uid, "description": "x".repeat(256)}}),
            "Invalid input for field 'description'",
        ),
        (
            Method::PUT,
            one.clone(),
            json!({"credential": {"status": "disabled"}}),
            "'disabled' is not one of ['active', 'inactive']",
        ),
        (
            Method::PUT,
            one.clone(),
            json!({"credential": {}}),
            "give 'status' or 'description'",
        ),
        (
            Method::PUT,
            one.clone(),
            json!([1]),
            "Expecting to find credential",
        ),
    ] {
        let resp = app
            .call(method.clone(), &path, &app.admin_token, Some(body))
            .await;
        assert_error(resp, 400, message).await;
    }
    let resp = app
        .client
        .post(app.url(KEYS))
        .header("X-Auth-Token", &app.admin_token)
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_error(resp, 400, "valid JSON").await;
    assert_error(
        app.get(&format!("{KEYS}?user_id=ffffffffffffffffffffffffffffffff"))
            .await,
        404,
        "Could not find user",
    )
    .await;
    assert_error(
        app.post(
            KEYS,
            json!({"credential": {"user_id": "ffffffffffffffffffffffffffffffff"}}),
        )
        .await,
        404,
        "Could not find user",
    )
    .await;
    // Nothing changed along the way.
    let shown: Value = json(app.get(&one).await).await;
    assert_eq!(shown["credential"]["status"], "active");
}

async fn deleting_a_user_deletes_their_keys() {
    let app = spawn_app().await;
    let uid = app.create_user("pat", "pat-pw-123").await;
    let key = app.create_access_key(&app.admin_token, &uid).await;
    assert_eq!(app.delete(&format!("/v3/users/{uid}")).await.status(), 204);
    assert_error(
        app.get(&format!("{KEYS}/{}", key.access)).await,
        404,
        "Could not find credential",
    )
    .await;
}

async fn the_key_list_filters_by_user_id() {
    let app = spawn_app().await;
    let ann = app.create_user("ann", "ann-pw-123").await;
    let bob = app.create_user("bob", "bob-pw-123").await;
    let ann_token = app.login("ann", "ann-pw-123").await;
    let bob_token = app.login("bob", "bob-pw-123").await;
    let ann_key = app.create_access_key(&ann_token, &ann).await;
    let bob_key = app.create_access_key(&bob_token, &bob).await;
    let accesses = |body: Value| -> Vec<String> {
        body["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                assert!(c.get("secret").is_none());
                c["access"].as_str().unwrap().to_string()
            })
            .collect()
    };
    let listed = json(app.get(&format!("{KEYS}?user_id={ann}")).await).await;
    assert_eq!(accesses(listed), vec![ann_key.access.clone()]);
    let listed = json(app.get(&format!("{KEYS}?user_id={bob}")).await).await;
    assert_eq!(accesses(listed), vec![bob_key.access.clone()]);
    // The caller's own keys when no user is named; none for the admin here.
    let listed = json(app.get(KEYS).await).await;
    assert!(accesses(listed).is_empty());
    // A user that does not exist: 404 for an admin.
    assert_error(
        app.get(&format!("{KEYS}?user_id=nosuchuser")).await,
        404,
        "Could not find user: nosuchuser.",
    )
    .await;
    // An empty or malformed user_id is no id: 400, as the document says (minLength 1).
    for bad in ["", "a%20b"] {
        assert_error(
            app.get(&format!("{KEYS}?user_id={bad}")).await,
            400,
            "Invalid input for field 'user_id'",
        )
        .await;
    }
    let doc = json(app.get("/openapi.json").await).await;
    let param = &doc["paths"][KEYS]["get"]["parameters"][0];
    assert_eq!(param["name"], "user_id");
    assert_eq!(param["schema"]["minLength"], 1);
}

both_backends!(
    create_show_list_update_and_delete_a_key,
    a_user_has_at_most_two_keys,
    users_manage_their_own_keys_only,
    bad_requests_are_keystone_400s,
    deleting_a_user_deletes_their_keys,
    the_key_list_filters_by_user_id,
);
