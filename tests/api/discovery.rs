use reqwest::Method;

use crate::helpers::{json, spawn_app};

async fn root_lists_versions_with_300_like_keystone() {
    let app = spawn_app().await;
    let resp = app.call(Method::GET, "/", "", None).await;
    assert_eq!(resp.status(), 300);
    let body = json(resp).await;
    let v = &body["versions"]["values"][0];
    assert_eq!(v["id"], "v3.14");
    assert_eq!(v["status"], "stable");
    assert_eq!(v["links"][0]["rel"], "self");
    assert_eq!(v["links"][0]["href"], format!("{}/v3/", app.base));
    assert_eq!(
        v["media-types"][0]["type"],
        "application/vnd.openstack.identity-v3+json"
    );
}

async fn v3_describes_itself_with_and_without_trailing_slash() {
    let app = spawn_app().await;
    for path in ["/v3", "/v3/"] {
        let resp = app.call(Method::GET, path, "", None).await;
        assert_eq!(resp.status(), 200, "{path}");
        let body = json(resp).await;
        assert_eq!(body["version"]["id"], "v3.14");
        assert_eq!(
            body["version"]["links"][0]["href"],
            format!("{}/v3/", app.base)
        );
    }
}

async fn every_response_has_a_request_id_and_varies_on_the_token() {
    let app = spawn_app().await;
    let mut seen = std::collections::HashSet::new();
    for (method, path) in [
        (Method::GET, "/"),
        (Method::HEAD, "/v3"),
        (Method::GET, "/v3/groups"),
        (Method::GET, "/nowhere"),
    ] {
        let resp = app.call(method, path, &app.admin_token, None).await;
        let id = resp.headers()["x-openstack-request-id"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(id.starts_with("req-") && id.len() == 40, "{id}");
        assert!(uuid_like(&id[4..]), "{id}");
        assert_eq!(resp.headers()["vary"], "X-Auth-Token");
        assert!(seen.insert(id), "request ids are unique");
    }
}

fn uuid_like(s: &str) -> bool {
    s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4
}

async fn head_answers_like_get_without_a_body() {
    let app = spawn_app().await;
    let resp = app.call(Method::HEAD, "/", "", None).await;
    assert_eq!(resp.status(), 300);
    assert!(resp.bytes().await.unwrap().is_empty());
    let resp = app.head("/v3/groups").await;
    assert_eq!(resp.status(), 200);
    assert!(resp.bytes().await.unwrap().is_empty());
}

both_backends!(
    root_lists_versions_with_300_like_keystone,
    v3_describes_itself_with_and_without_trailing_slash,
    every_response_has_a_request_id_and_varies_on_the_token,
    head_answers_like_get_without_a_body,
);
