//! /v3/users: the members that groups hold.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_error, json, password_auth, spawn_app};

async fn create_show_list_update_delete() {
    let app = spawn_app().await;
    let resp = app
        .post(
            "/v3/users",
            json!({"user": {"name": "jane", "password": "jane-pw-1", "description": "ops", "email": "j@example.test"}}),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let user = json(resp).await["user"].clone();
    let id = user["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 32);
    assert_eq!(user["name"], "jane");
    assert_eq!(user["domain_id"], "default");
    assert_eq!(user["enabled"], true);
    assert_eq!(user["description"], "ops");
    assert_eq!(user["email"], "j@example.test");
    assert_eq!(user["password_expires_at"], Value::Null);
    assert_eq!(user["options"], json!({}));
    assert_eq!(user["links"]["self"], format!("{}/v3/users/{id}", app.base));
    assert!(user.get("password").is_none());
    assert!(!user.to_string().contains("jane-pw-1"));
    assert!(!user.to_string().contains("argon2"));

    let shown = json(app.get(&format!("/v3/users/{id}")).await).await["user"].clone();
    assert_eq!(shown, user);
    let listed = json(app.get("/v3/users?name=jane").await).await;
    assert_eq!(listed["users"], json!([user]));
    let all = json(app.get("/v3/users").await).await;
    assert_eq!(all["users"].as_array().unwrap().len(), 2, "jane and admin");

    let resp = app
        .patch(
            &format!("/v3/users/{id}"),
            json!({"user": {"description": "lead", "enabled": false}}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let updated = json(resp).await["user"].clone();
    assert_eq!(updated["description"], "lead");
    assert_eq!(updated["enabled"], false);
    let disabled = json(app.get("/v3/users?enabled=false").await).await;
    assert_eq!(disabled["users"].as_array().unwrap().len(), 1);

    assert_eq!(app.delete(&format!("/v3/users/{id}")).await.status(), 204);
    assert_error(
        app.get(&format!("/v3/users/{id}")).await,
        404,
        &format!("Could not find user: {id}."),
    )
    .await;
}

async fn bad_user_bodies_are_400_and_duplicates_409() {
    let app = spawn_app().await;
    for (body, message) in [
        (json!({"user": {}}), "'name' is a required property"),
        (
            json!({"user": {"name": ""}}),
            "Invalid input for field 'name'",
        ),
        (
            json!({"user": {"name": "x", "enabled": "yes"}}),
            "Invalid input for field 'enabled'",
        ),
        (
            json!({"user": {"name": "x", "password": 5}}),
            "Invalid input for field 'password'",
        ),
        (
            json!({"user": {"name": "x", "password": ""}}),
            "Invalid input for field 'password'",
        ),
        (
            json!({"group": {"name": "x"}}),
            "Expecting to find user in request body",
        ),
    ] {
        let resp = app.post("/v3/users", body.clone()).await;
        assert_eq!(resp.status(), 400, "{body}");
        assert_error(resp, 400, message).await;
    }
    app.create_user("kim", "kim-pw-1").await;
    let resp = app
        .post("/v3/users", json!({"user": {"name": "kim"}}))
        .await;
    assert_error(
        resp,
        409,
        "Duplicate entry found with name kim at domain ID default",
    )
    .await;
}

async fn disabling_a_user_invalidates_their_tokens_and_logins() {
    let app = spawn_app().await;
    let id = app.create_user("leo", "leo-pw-1").await;
    let token = app.login("leo", "leo-pw-1").await;
    assert_eq!(
        app.call(Method::GET, &format!("/v3/users/{id}"), &token, None)
            .await
            .status(),
        200
    );
    app.patch(
        &format!("/v3/users/{id}"),
        json!({"user": {"enabled": false}}),
    )
    .await;
    let resp = app
        .call(Method::GET, &format!("/v3/users/{id}"), &token, None)
        .await;
    assert_error(resp, 401, "requires authentication").await;
    let resp = app
        .call(
            Method::POST,
            "/v3/auth/tokens",
            "",
            Some(password_auth("leo", "leo-pw-1")),
        )
        .await;
    assert_error(resp, 401, "requires authentication").await;
    app.patch(
        &format!("/v3/users/{id}"),
        json!({"user": {"enabled": true}}),
    )
    .await;
    app.login("leo", "leo-pw-1").await;
}

async fn deleting_a_user_invalidates_their_tokens() {
    let app = spawn_app().await;
    let id = app.create_user("mia", "mia-pw-1").await;
    let token = app.login("mia", "mia-pw-1").await;
    app.delete(&format!("/v3/users/{id}")).await;
    let resp = app
        .call(Method::GET, &format!("/v3/users/{id}/groups"), &token, None)
        .await;
    assert_error(resp, 401, "requires authentication").await;
}

async fn a_new_password_revokes_earlier_tokens() {
    let app = spawn_app().await;
    let id = app.create_user("ned", "ned-pw-1").await;
    let old = app.login("ned", "ned-pw-1").await;
    let resp = app
        .call(
            Method::POST,
            &format!("/v3/users/{id}/password"),
            &old,
            Some(json!({"user": {"original_password": "wrong", "password": "ned-pw-2"}})),
        )
        .await;
    assert_error(resp, 401, "requires authentication").await;
    let resp = app
        .call(
            Method::POST,
            &format!("/v3/users/{id}/password"),
            &old,
            Some(json!({"user": {"original_password": "ned-pw-1", "password": "ned-pw-2"}})),
        )
        .await;
    assert_eq!(resp.status(), 204);
    assert_eq!(
        app.call(Method::GET, &format!("/v3/users/{id}"), &old, None)
            .await
            .status(),
        401
    );
    let resp = app
        .call(
            Method::POST,
            "/v3/auth/tokens",
            "",
            Some(password_auth("ned", "ned-pw-1")),
        )
        .await;
    assert_eq!(resp.status(), 401);
    let new = app.login("ned", "ned-pw-2").await;
    assert_eq!(
        app.call(Method::GET, &format!("/v3/users/{id}"), &new, None)
            .await
            .status(),
        200
    );

    // An admin resetting the password also ends the user's sessions.
    app.patch(
        &format!("/v3/users/{id}"),
        json!({"user": {"password": "ned-pw-3"}}),
    )
    .await;
    assert_eq!(
        app.call(Method::GET, &format!("/v3/users/{id}"), &new, None)
            .await
            .status(),
        401
    );
    app.login("ned", "ned-pw-3").await;
}

async fn users_cannot_manage_other_users() {
    let app = spawn_app().await;
    let id = app.create_user("olga", "olga-pw-1").await;
    let token = app.login("olga", "olga-pw-1").await;
    for (method, path, body) in [
        (Method::GET, "/v3/users".to_string(), None),
        (
            Method::POST,
            "/v3/users".to_string(),
            Some(json!({"user": {"name": "x"}})),
        ),
        (
            Method::PATCH,
            format!("/v3/users/{id}"),
            Some(json!({"user": {"enabled": true}})),
        ),
        (Method::DELETE, format!("/v3/users/{}", app.admin_id), None),
    ] {
        let resp = app.call(method.clone(), &path, &token, body).await;
        assert_error(resp, 403, "You are not authorized").await;
    }
}

both_backends!(
    create_show_list_update_delete,
    bad_user_bodies_are_400_and_duplicates_409,
    disabling_a_user_invalidates_their_tokens_and_logins,
    deleting_a_user_invalidates_their_tokens,
    a_new_password_revokes_earlier_tokens,
    users_cannot_manage_other_users,
);
