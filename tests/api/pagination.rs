//! Keystone's `limit` and `marker` on every list.

use serde_json::Value;

use crate::helpers::{assert_error, json, spawn_app, TestApp};

fn ids(body: &Value, key: &str) -> Vec<String> {
    body[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap().to_string())
        .collect()
}

/// Follows `links.next` from `first` to the end, returning every id in order.
async fn walk(app: &TestApp, first: &str, key: &str) -> (Vec<String>, usize) {
    let mut all = Vec::new();
    let mut pages = 0;
    let mut url = app.url(first);
    loop {
        let resp = app
            .client
            .get(&url)
            .header("X-Auth-Token", &app.admin_token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{url}");
        let body = json(resp).await;
        pages += 1;
        all.extend(ids(&body, key));
        match body["links"]["next"].as_str() {
            Some(next) => {
                assert_eq!(body["truncated"], true);
                url = next.to_string();
            }
            None => {
                assert!(body.get("truncated").is_none());
                break;
            }
        }
    }
    (all, pages)
}

async fn groups_page_by_id_with_working_links() {
    let app = spawn_app().await;
    for i in 0..7 {
        app.create_group(&format!("g{i}")).await;
    }
    let full = json(app.get("/v3/groups").await).await;
    let everything = ids(&full, "groups");
    let mut sorted = everything.clone();
    sorted.sort();
    assert_eq!(everything, sorted, "ordered by id");
    assert!(full.get("truncated").is_none());

    let (walked, pages) = walk(&app, "/v3/groups?limit=3", "groups").await;
    assert_eq!(walked, everything);
    assert_eq!(pages, 3);

    // The second page links back to the first.
    let first = json(app.get("/v3/groups?limit=3").await).await;
    assert_eq!(first["links"]["previous"], Value::Null);
    let next = first["links"]["next"].as_str().unwrap().to_string();
    assert!(next.starts_with(&format!("{}/v3/groups?", app.base)));
    let second = json(
        app.client
            .get(&next)
            .header("X-Auth-Token", &app.admin_token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let previous = second["links"]["previous"].as_str().unwrap().to_string();
    let back = json(
        app.client
            .get(&previous)
            .header("X-Auth-Token", &app.admin_token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(ids(&back, "groups"), ids(&first, "groups"));
}

async fn filters_apply_before_the_cut() {
    let app = spawn_app().await;
    for i in 0..6 {
        app.create_group(&format!("other{i}")).await;
    }
    let wanted = app.create_group("wanted").await;
    let body = json(app.get("/v3/groups?name=wanted&limit=1").await).await;
    assert_eq!(
        ids(&body, "groups"),
        vec![wanted["id"].as_str().unwrap().to_string()]
    );
    assert!(body.get("truncated").is_none());
    assert_eq!(body["links"]["next"], Value::Null);
}

async fn bad_limits_and_unknown_markers_are_refused() {
    let app = spawn_app().await;
    app.create_group("one").await;
    for bad in ["0", "-1", "abc", "1.5"] {
        let resp = app.get(&format!("/v3/groups?limit={bad}")).await;
        assert_error(resp, 400, "Invalid input for field 'limit'").await;
    }
    let resp = app
        .get("/v3/groups?marker=ffffffffffffffffffffffffffffffff")
        .await;
    assert_error(
        resp,
        404,
        "Could not find group: ffffffffffffffffffffffffffffffff.",
    )
    .await;
}

async fn member_lists_page_too() {
    let app = spawn_app().await;
    let gid = app.create_group("big").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut members = Vec::new();
    for i in 0..5 {
        let uid = app.create_user(&format!("m{i}"), "pw-member").await;
        app.put(&format!("/v3/groups/{gid}/users/{uid}")).await;
        members.push(uid);
        let g = app.create_group(&format!("extra{i}")).await;
        app.put(&format!(
            "/v3/groups/{}/users/{}",
            g["id"].as_str().unwrap(),
            members[0]
        ))
        .await;
    }
    members.sort();
    let (walked, pages) = walk(&app, &format!("/v3/groups/{gid}/users?limit=2"), "users").await;
    assert_eq!(walked, members);
    assert_eq!(pages, 3);

    let (groups, _) = walk(
        &app,
        &format!("/v3/users/{}/groups?limit=4", members[0]),
        "groups",
    )
    .await;
    let all = json(app.get(&format!("/v3/users/{}/groups", members[0])).await).await;
    assert_eq!(groups, ids(&all, "groups"));
}

async fn a_configured_list_limit_caps_every_list() {
    let app = crate::helpers::spawn_app_with(&[("IAM_GROUPS_IDENTITY__LIST_LIMIT", "2")]).await;
    for i in 0..3 {
        app.create_group(&format!("c{i}")).await;
    }
    let body = json(app.get("/v3/groups").await).await;
    assert_eq!(body["groups"].as_array().unwrap().len(), 2);
    assert_eq!(body["truncated"], true);
    let body = json(app.get("/v3/groups?limit=50").await).await;
    assert_eq!(body["groups"].as_array().unwrap().len(), 2);
}

both_backends!(
    groups_page_by_id_with_working_links,
    filters_apply_before_the_cut,
    bad_limits_and_unknown_markers_are_refused,
    member_lists_page_too,
    a_configured_list_limit_caps_every_list,
);
