//! Error shapes and bad input that every route shares.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{assert_error, spawn_app};

async fn unknown_routes_are_404_in_keystone_shape() {
    let app = spawn_app().await;
    let resp = app.get("/v3/no-such-thing").await;
    assert_error(resp, 404, "The resource could not be found.").await;
}

async fn wrong_methods_are_405_in_keystone_shape() {
    let app = spawn_app().await;
    for (method, path, allow) in [
        (Method::PUT, "/v3/groups", "GET, HEAD, POST"),
        (Method::POST, "/v3/groups/abc", "GET, HEAD, PATCH, DELETE"),
        (Method::PATCH, "/v3/auth/tokens", "GET, HEAD, POST, DELETE"),
        (Method::POST, "/v3/users/abc/groups", "GET, HEAD"),
        (Method::OPTIONS, "/v3", "GET, HEAD"),
    ] {
        let resp = app.call(method.clone(), path, &app.admin_token, None).await;
        // RFC 9110: a 405 names the methods the target does serve.
        assert_eq!(
            resp.headers().get("allow").and_then(|v| v.to_str().ok()),
            Some(allow),
            "{method} {path}"
        );
        assert_error(
            resp,
            405,
            "The method is not allowed for the requested URL.",
        )
        .await;
    }
}

async fn wrong_methods_on_the_baidu_face_are_405_in_its_shape_with_allow() {
    let app = spawn_app().await;
    for (method, path, allow) in [
        (Method::PATCH, "/v1/group", "GET, HEAD, POST"),
        (
            Method::POST,
            "/v1/group/some_group",
            "GET, HEAD, PUT, DELETE",
        ),
    ] {
        let resp = app.call(method.clone(), path, &app.admin_token, None).await;
        assert_eq!(resp.status(), 405, "{method} {path}");
        assert_eq!(
            resp.headers().get("allow").and_then(|v| v.to_str().ok()),
            Some(allow),
            "{method} {path}"
        );
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["code"], "MethodNotAllowed", "{method} {path}: {body}");
    }
}

async fn missing_bad_and_forged_tokens_are_401_with_www_authenticate() {
    let app = spawn_app().await;
    let forged = {
        // A well-formed token signed with a key the server does not have.
        let mut t = app.admin_token.clone();
        t.truncate(t.rfind('.').unwrap() + 1);
        t.push_str("c2lnbmF0dXJlLWZyb20tYW5vdGhlci1rZXktLS0tLS0tLS0tLS0");
        t
    };
    for token in ["", "garbage", "a.b.c", forged.as_str()] {
        let resp = app.call(Method::GET, "/v3/groups", token, None).await;
        let www = resp.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(www, format!("Keystone uri=\"{}\"", app.base));
        assert_error(
            resp,
            401,
            "The request you have made requires authentication.",
        )
        .await;
    }
}

async fn request_bodies_over_the_limit_are_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let before = app.group_count().await;
    let big = "x".repeat(114_688);
    let resp = app
        .post(
            "/v3/groups",
            json!({"group": {"name": "big", "description": big}}),
        )
        .await;
    assert_error(resp, 413, "Request is too large.").await;
    assert_eq!(app.group_count().await, before);
}

async fn malformed_json_and_wrong_content_types_are_400() {
    let app = spawn_app().await;
    let before = app.group_count().await;
    let resp = app
        .client
        .post(app.url("/v3/groups"))
        .header("X-Auth-Token", &app.admin_token)
        .header("Content-Type", "application/json")
        .body(r#"{"group": {"name": "x""#)
        .send()
        .await
        .unwrap();
    assert_error(resp, 400, "Expecting to find valid JSON in request body").await;

    let resp = app
        .client
        .post(app.url("/v3/groups"))
        .header("X-Auth-Token", &app.admin_token)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(r#"{"group": {"name": "x"}}"#)
        .send()
        .await
        .unwrap();
    assert_error(
        resp,
        400,
        "Expecting to find application/json in Content-Type header",
    )
    .await;

    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let resp = app
        .client
        .post(app.url("/v3/groups"))
        .header("X-Auth-Token", &app.admin_token)
        .header("Content-Type", "application/json")
        .body(format!(r#"{{"group": {{"name": "deep", "x": {deep}}}}}"#))
        .send()
        .await
        .unwrap();
    assert_error(resp, 400, "valid JSON").await;
    assert_eq!(app.group_count().await, before);
}

async fn the_token_is_checked_before_the_body() {
    let app = spawn_app().await;
    let resp = app
        .client
        .post(app.url("/v3/groups"))
        .header("Content-Type", "application/json")
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_error(resp, 401, "requires authentication").await;
}

/// PostgreSQL cannot compare a NUL in text; ids and names with one name nothing on either
/// backend, and a marker with one is an unknown marker.
async fn a_nul_in_an_id_or_marker_is_404_not_500() {
    let app = spawn_app().await;
    let group = app.create_group("nul-probe").await;
    let gid = group["id"].as_str().unwrap();
    for path in [
        "/v3/groups/%00".to_string(),
        "/v3/groups/a%00b/users".to_string(),
        format!("/v3/groups/{gid}/users/%00"),
        "/v3/users/%00".to_string(),
        "/v3/users/%00/groups".to_string(),
        "/v3/projects/%00".to_string(),
        "/v3/domains/%00".to_string(),
        "/v3/roles/%00".to_string(),
        "/v3/groups?marker=%00".to_string(),
        "/v3.0/OS-CREDENTIAL/credentials/%00".to_string(),
    ] {
        let resp = app.get(&path).await;
        assert_eq!(resp.status(), 404, "{path}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], 404, "{path}: {body}");
    }
    // The Baidu face names groups and users in the path: the same 404, in its shape.
    for path in ["/v1/group/%00", "/v1/user/a%00b/group"] {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), 404, "{path}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["code"], "NoSuchEntity", "{path}: {body}");
    }
    // Nothing was disturbed by the probes.
    let resp = app.get(&format!("/v3/groups/{gid}")).await;
    assert_eq!(resp.status(), 200);
}

both_backends!(
    a_nul_in_an_id_or_marker_is_404_not_500,
    unknown_routes_are_404_in_keystone_shape,
    wrong_methods_are_405_in_keystone_shape,
    wrong_methods_on_the_baidu_face_are_405_in_its_shape_with_allow,
    missing_bad_and_forged_tokens_are_401_with_www_authenticate,
    request_bodies_over_the_limit_are_refused_and_nothing_is_stored,
    malformed_json_and_wrong_content_types_are_400,
    the_token_is_checked_before_the_body,
);
