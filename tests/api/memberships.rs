//! Adding, checking, removing and listing group members.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{assert_error, json, spawn_app};

async fn add_check_list_and_remove_a_member() {
    let app = spawn_app().await;
    let group = app.create_group("devs").await;
    let gid = group["id"].as_str().unwrap();
    let uid = app.create_user("erin", "erin-pw-1").await;
    let member = format!("/v3/groups/{gid}/users/{uid}");

    assert_eq!(
        app.head(&member).await.status(),
        404,
        "HEAD: not a member yet"
    );
    assert_error(
        app.get(&member).await,
        404,
        &format!("User '{uid}' not found in group '{gid}'"),
    )
    .await;
    let resp = app.put(&member).await;
    assert_eq!(resp.status(), 204);
    assert!(resp.bytes().await.unwrap().is_empty());
    assert_eq!(app.put(&member).await.status(), 204, "adding twice is fine");
    assert_eq!(app.head(&member).await.status(), 204);
    assert_eq!(app.get(&member).await.status(), 204);

    let users = json(app.get(&format!("/v3/groups/{gid}/users")).await).await;
    let list = users["users"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    let u = &list[0];
    assert_eq!(u["id"], uid.as_str());
    assert_eq!(u["name"], "erin");
    assert_eq!(u["domain_id"], "default");
    assert_eq!(u["enabled"], true);
    assert_eq!(u["description"], "");
    assert_eq!(u["password_expires_at"], serde_json::Value::Null);
    assert_eq!(u["links"]["self"], format!("{}/v3/users/{uid}", app.base));
    assert!(u.get("password").is_none() && u.get("password_hash").is_none());
    assert_eq!(
        users["links"]["self"],
        format!("{}/v3/groups/{gid}/users", app.base)
    );

    let groups = json(app.get(&format!("/v3/users/{uid}/groups")).await).await;
    assert_eq!(groups["groups"], json!([group]));
    assert_eq!(
        groups["links"]["self"],
        format!("{}/v3/users/{uid}/groups", app.base)
    );

    assert_eq!(app.delete(&member).await.status(), 204);
    let resp = app.head(&member).await;
    assert_eq!(resp.status(), 404);
    let resp = app.delete(&member).await;
    assert_error(
        resp,
        404,
        &format!("User '{uid}' not found in group '{gid}'"),
    )
    .await;
    let users = json(app.get(&format!("/v3/groups/{gid}/users")).await).await;
    assert_eq!(users["users"], json!([]));
}

async fn unknown_users_and_groups_are_named_in_the_404() {
    let app = spawn_app().await;
    let gid = app.create_group("g").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let uid = app.create_user("frank", "frank-pw-1").await;
    let nobody = "ffffffffffffffffffffffffffffffff";
    let resp = app.put(&format!("/v3/groups/{gid}/users/{nobody}")).await;
    assert_error(resp, 404, &format!("Could not find user: {nobody}.")).await;
    let resp = app.put(&format!("/v3/groups/{nobody}/users/{uid}")).await;
    assert_error(resp, 404, &format!("Could not find group: {nobody}.")).await;
    let resp = app.get(&format!("/v3/groups/{nobody}/users/{uid}")).await;
    assert_error(resp, 404, "Could not find group").await;
    let resp = app
        .delete(&format!("/v3/groups/{gid}/users/{nobody}"))
        .await;
    assert_error(resp, 404, "Could not find user").await;
    let resp = app.get(&format!("/v3/groups/{nobody}/users")).await;
    assert_error(resp, 404, "Could not find group").await;
    let resp = app.get(&format!("/v3/users/{nobody}/groups")).await;
    assert_error(resp, 404, "Could not find user").await;
}

async fn users_list_their_own_groups_and_nobody_elses() {
    let app = spawn_app().await;
    let group = app.create_group("readers").await;
    let gid = group["id"].as_str().unwrap();
    let gina = app.create_user("gina", "gina-pw-1").await;
    let hal = app.create_user("hal", "hal-pw-1").await;
    app.put(&format!("/v3/groups/{gid}/users/{gina}")).await;
    let token = app.login("gina", "gina-pw-1").await;

    let resp = app
        .call(
            Method::GET,
            &format!("/v3/users/{gina}/groups"),
            &token,
            None,
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(json(resp).await["groups"], json!([group]));
    let resp = app
        .call(
            Method::GET,
            &format!("/v3/users/{hal}/groups"),
            &token,
            None,
        )
        .await;
    assert_error(resp, 403, "identity:list_groups_for_user").await;
    let resp = app
        .call(Method::GET, &format!("/v3/users/{gina}"), &token, None)
        .await;
    assert_eq!(resp.status(), 200);
    let resp = app
        .call(Method::GET, &format!("/v3/users/{hal}"), &token, None)
        .await;
    assert_error(resp, 403, "identity:get_user").await;
}

async fn deleting_a_user_removes_their_memberships() {
    let app = spawn_app().await;
    let gid = app.create_group("team").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let uid = app.create_user("ivan", "ivan-pw-1").await;
    app.put(&format!("/v3/groups/{gid}/users/{uid}")).await;
    assert_eq!(app.delete(&format!("/v3/users/{uid}")).await.status(), 204);
    let users = json(app.get(&format!("/v3/groups/{gid}/users")).await).await;
    assert_eq!(users["users"], json!([]));
}

async fn concurrent_adds_and_removes_leave_a_consistent_state() {
    let app = spawn_app().await;
    let gid = app.create_group("busy").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut users = Vec::new();
    for i in 0..8 {
        users.push(app.create_user(&format!("u{i}"), "pw-concurrent").await);
    }
    let mut tasks = Vec::new();
    for (i, uid) in users.iter().enumerate() {
        for round in 0..3 {
            let client = app.client.clone();
            let token = app.admin_token.clone();
            let url = app.url(&format!("/v3/groups/{gid}/users/{uid}"));
            // Even users end added, odd users end removed.
            let add = round != 2 || i % 2 == 0;
            tasks.push(tokio::spawn(async move {
                let req = if add {
                    client.put(url)
                } else {
                    client.delete(url)
                };
                req.header("X-Auth-Token", token)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }));
        }
    }
    for t in tasks {
        let status = t.await.unwrap();
        assert!(status == 204 || status == 404, "{status}");
    }
    // Settle: whatever the interleaving, apply the final intent once more.
    for (i, uid) in users.iter().enumerate() {
        let path = format!("/v3/groups/{gid}/users/{uid}");
        if i % 2 == 0 {
            assert_eq!(app.put(&path).await.status(), 204);
        } else {
            let s = app.delete(&path).await.status().as_u16();
            assert!(s == 204 || s == 404);
        }
    }
    let listed = json(app.get(&format!("/v3/groups/{gid}/users")).await).await;
    let mut ids: Vec<String> = listed["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    let mut expected: Vec<String> = users.iter().step_by(2).cloned().collect();
    expected.sort();
    assert_eq!(ids, expected);
    for uid in users.iter() {
        let s = app
            .head(&format!("/v3/groups/{gid}/users/{uid}"))
            .await
            .status();
        assert_eq!(s == 204, expected.contains(uid));
    }
}

both_backends!(
    add_check_list_and_remove_a_member,
    unknown_users_and_groups_are_named_in_the_404,
    users_list_their_own_groups_and_nobody_elses,
    deleting_a_user_removes_their_memberships,
    concurrent_adds_and_removes_leave_a_consistent_state,
);
