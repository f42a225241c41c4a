//! Keystone's password rules (`[security_compliance] password_regex`,
//! `password_regex_description`) and a minimum length, on every route that sets a password.

use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::helpers::{json, spawn_app, spawn_app_with, TestApp};

const RULES: &[(&str, &str)] = &[
    // Keystone's documented example: a digit and a letter, at least 7 characters.
    (
        "IAM_GROUPS_PASSWORD_REGEX",
        r"^(?=.*\d)(?=.*[a-zA-Z]).{7,}$",
    ),
    (
        "IAM_GROUPS_PASSWORD_REGEX_DESCRIPTION",
        "at least one letter and one digit",
    ),
    ("IAM_GROUPS_PASSWORD_MIN_LENGTH", "10"),
];

fn requirements(detail: &str) -> Value {
    json!({"error": {
        "code": 400,
        "message": format!("The password does not match the requirements: {detail}."),
        "title": "Bad Request",
    }})
}

async fn bad_request(resp: Response) -> Value {
    assert_eq!(resp.status(), 400);
    json(resp).await
}

async fn change_password(app: &TestApp, id: &str, token: &str, from: &str, to: &str) -> Response {
    app.call(
        Method::POST,
        &format!("/v3/users/{id}/password"),
        token,
        Some(json!({"user": {"original_password": from, "password": to}})),
    )
    .await
}

async fn create(app: &TestApp, name: &str, password: &str) -> Response {
    app.post(
        "/v3/users",
        json!({"user": {"name": name, "password": password}}),
    )
    .await
}

async fn without_rules_any_non_empty_password_is_accepted() {
    let app = spawn_app().await;
    assert_eq!(create(&app, "ada", "a").await.status(), 201);
}

async fn create_update_and_change_password_enforce_the_rules() {
    let app = spawn_app_with(RULES).await;
    let too_short = requirements("a password must have at least 10 characters");
    let no_digit = requirements("at least one letter and one digit");

    // Create.
    assert_eq!(
        bad_request(create(&app, "bea", "abc1").await).await,
        too_short
    );
    assert_eq!(
        bad_request(create(&app, "bea", "abcdefghijk").await).await,
        no_digit
    );
    assert_eq!(
        json(app.get("/v3/users?name=bea").await).await["users"],
        json!([]),
        "nothing stored"
    );
    let id = app.create_user("bea", "abcdefghij1").await;

    // Update by an admin.
    let path = format!("/v3/users/{id}");
    let resp = app
        .patch(&path, json!({"user": {"password": "1234567890"}}))
        .await;
    assert_eq!(bad_request(resp).await, no_digit);
    let resp = app
        .patch(&path, json!({"user": {"password": "short1"}}))
        .await;
    assert_eq!(bad_request(resp).await, too_short);
    let token = app.login("bea", "abcdefghij1").await;

    // The self-service change.
    let resp = change_password(&app, &id, &token, "abcdefghij1", "abcdefghijkl").await;
    assert_eq!(bad_request(resp).await, no_digit);
    let resp = change_password(&app, &id, &token, "abcdefghij1", "a1").await;
    assert_eq!(bad_request(resp).await, too_short);
    // Nothing was changed by the refusals.
    let token = app.login("bea", "abcdefghij1").await;
    let resp = change_password(&app, &id, &token, "abcdefghij1", "newpassword2").await;
    assert_eq!(resp.status(), 204);
    app.login("bea", "newpassword2").await;
    let resp = app
        .patch(&path, json!({"user": {"password": "adminset123"}}))
        .await;
    assert_eq!(resp.status(), 200);
    app.login("bea", "adminset123").await;
}

/// The pattern is checked from the first character, as Python's `re.match` does, and a
/// password set before a rule existed still signs in.
async fn the_pattern_is_anchored_at_the_start_and_logins_are_not_checked() {
    let app = spawn_app_with(&[
        ("IAM_GROUPS_PASSWORD_REGEX", "[A-Z]"),
        (
            "IAM_GROUPS_PASSWORD_REGEX_DESCRIPTION",
            "start with a capital letter.",
        ),
    ])
    .await;
    let message = requirements("start with a capital letter");
    assert_eq!(bad_request(create(&app, "cy", "xAbc").await).await, message);
    assert_eq!(create(&app, "cy", "Xabc").await.status(), 201);
    // The bootstrap admin's password breaks the rule, and still signs in.
    app.login("admin", crate::helpers::ADMIN_PASSWORD).await;
}

both_backends!(
    without_rules_any_non_empty_password_is_accepted,
    create_update_and_change_password_enforce_the_rules,
    the_pattern_is_anchored_at_the_start_and_logins_are_not_checked,
);
