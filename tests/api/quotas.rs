//! `[quota]`: per-account limits, enforced inside the write on every face that makes the
//! thing counted (Keystone v3, Huawei v3.0, Baidu /v1), refused in the face's error shape
//! with nothing stored, unlimited by default but for two access keys.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_error, json, spawn_app, spawn_app_with, TestApp};

async fn create_group(app: &TestApp, name: &str) -> reqwest::Response {
    app.post(
        "/v3/groups",
        json!({"group": {"name": name, "domain_id": "default"}}),
    )
    .await
}

async fn groups_in_default(app: &TestApp) -> usize {
    let body = json(app.get("/v3/groups?domain_id=default").await).await;
    body["groups"].as_array().map_or(0, Vec::len)
}

/// A user with `admin` on the Default domain and a token scoped to it (what /v1 takes).
async fn domain_owner(app: &TestApp) -> String {
    let id = app.create_user("owner", "owner-pw-123").await;
    app.grant_domain_role(&id, "default", "admin").await;
    app.token_for(&id, "owner-pw-123", Some("default")).await
}

async fn groups_are_unlimited_by_default() {
    let app = spawn_app().await;
    // More than Huawei's 20 and Baidu's 50 would allow.
    for i in 0..55 {
        let resp = create_group(&app, &format!("g{i}")).await;
        assert_eq!(resp.status(), 201, "group {i} under default settings");
    }
    assert_eq!(groups_in_default(&app).await, 55);
}

async fn groups_per_domain_is_enforced_on_v3_and_v1() {
    let app = spawn_app_with(&[("IAM_GROUPS_QUOTA__GROUPS_PER_DOMAIN", "3")]).await;
    let owner = domain_owner(&app).await;
    for i in 0..2 {
        assert_eq!(create_group(&app, &format!("g{i}")).await.status(), 201);
    }
    let resp = app
        .call(
            Method::POST,
            "/v1/group",
            &owner,
            Some(json!({"name": "third"})),
        )
        .await;
    assert_eq!(resp.status(), 201, "the third, on Baidu's face");

    let refused = create_group(&app, "fourth").await;
    assert_error(refused, 400, "quota of 3 groups in domain default").await;
    let resp = app
        .call(
            Method::POST,
            "/v1/group",
            &owner,
            Some(json!({"name": "fifth"})),
        )
        .await;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "LimitExceeded", "Baidu's shape: {body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("quota of 3 groups"),
        "{body}"
    );
    assert_eq!(
        groups_in_default(&app).await,
        3,
        "nothing stored past the quota"
    );

    // Another domain has its own count.
    let resp = app
        .post("/v3/domains", json!({"domain": {"name": "other"}}))
        .await;
    let other = json(resp).await["domain"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = app
        .post(
            "/v3/groups",
            json!({"group": {"name": "g0", "domain_id": other}}),
        )
        .await;
    assert_eq!(resp.status(), 201, "the quota is per domain");

    // Deleting one makes room again.
    let listed = json(app.get("/v3/groups?name=g0&domain_id=default").await).await;
    let g0 = listed["groups"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(app.delete(&format!("/v3/groups/{g0}")).await.status(), 204);
    assert_eq!(create_group(&app, "again").await.status(), 201);
}

async fn racing_creates_leave_exactly_the_quota() {
    let app = spawn_app_with(&[("IAM_GROUPS_QUOTA__GROUPS_PER_DOMAIN", "4")]).await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let client = app.client.clone();
        let url = app.url("/v3/groups");
        let token = app.admin_token.clone();
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .header("X-Auth-Token", token)
                .json(&json!({"group": {"name": format!("race{i}"), "domain_id": "default"}}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        4,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 400),
        "refusals are 400, never 409/500: {statuses:?}"
    );
    assert_eq!(groups_in_default(&app).await, 4);
}

async fn users_per_domain_is_enforced() {
    let app = spawn_app_with(&[("IAM_GROUPS_QUOTA__USERS_PER_DOMAIN", "2")]).await;
    // The bootstrap admin is the first user of the Default domain.
    app.create_user("second", "second-pw-123").await;
    let refused = app
        .post(
            "/v3/users",
            json!({"user": {"name": "third", "domain_id": "default", "password": "third-pw-123"}}),
        )
        .await;
    assert_error(refused, 400, "quota of 2 users in domain default").await;
    let users = json(app.get("/v3/users?name=third").await).await;
    assert_eq!(users["users"], json!([]), "not stored");
}

async fn memberships_are_limited_per_user_and_per_group() {
    let app = spawn_app_with(&[
        ("IAM_GROUPS_QUOTA__GROUPS_PER_USER", "1"),
        ("IAM_GROUPS_QUOTA__USERS_PER_GROUP", "1"),
    ])
    .await;
    let alice = app.create_user("alice", "alice-pw-123").await;
    let bob = app.create_user("bob", "bob-pw-1234").await;
    let g1 = app.create_group("g1").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let g2 = app.create_group("g2").await["id"]
        .as_str()
        .unwrap()
        .to_string();

    let add = |g: &str, u: &str| format!("/v3/groups/{g}/users/{u}");
    assert_eq!(app.put(&add(&g1, &alice)).await.status(), 204);
    assert_eq!(
        app.put(&add(&g1, &alice)).await.status(),
        204,
        "adding a member again is not counted twice"
    );
    assert_error(
        app.put(&add(&g2, &alice)).await,
        400,
        "quota of 1 groups per user",
    )
    .await;
    assert_error(
        app.put(&add(&g1, &bob)).await,
        400,
        "quota of 1 users per group",
    )
    .await;
    assert_eq!(
        app.head(&add(&g2, &alice)).await.status(),
        404,
        "the refused membership was not stored"
    );
    // Leaving makes room.
    assert_eq!(app.delete(&add(&g1, &alice)).await.status(), 204);
    assert_eq!(app.put(&add(&g2, &alice)).await.status(), 204);
    assert_eq!(app.put(&add(&g1, &bob)).await.status(), 204);
}

async fn access_keys_follow_the_setting() {
    let app = spawn_app_with(&[("IAM_GROUPS_QUOTA__ACCESS_KEYS_PER_USER", "3")]).await;
    let uid = app.create_user("keys", "keys-pw-1234").await;
    for _ in 0..3 {
        app.create_access_key(&app.admin_token, &uid).await;
    }
    let refused = app
        .call(
            Method::POST,
            "/v3.0/OS-CREDENTIAL/credentials",
            &app.admin_token,
            Some(json!({"credential": {"user_id": uid}})),
        )
        .await;
    assert_error(refused, 400, "maximum of 3 access keys").await;
}

async fn role_id(app: &TestApp, name: &str) -> String {
    let body = json(app.get(&format!("/v3/roles?name={name}")).await).await;
    body["roles"][0]["id"].as_str().expect("role").to_string()
}

async fn grants_per_group_is_enforced_on_every_target() {
    let app = spawn_app_with(&[
        ("IAM_GROUPS_QUOTA__GROUPS_PER_DOMAIN", "5"),
        ("IAM_GROUPS_QUOTA__GRANTS_PER_GROUP", "2"),
    ])
    .await;
    let g = app.create_group("holders").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (reader, member, admin) = (
        role_id(&app, "reader").await,
        role_id(&app, "member").await,
        role_id(&app, "admin").await,
    );
    let p = app.admin_project_id.clone();
    let on_project = |r: &str| format!("/v3/projects/{p}/groups/{g}/roles/{r}");
    assert_eq!(app.put(&on_project(&reader)).await.status(), 204);
    assert_eq!(
        app.put(&format!("/v3/domains/default/groups/{g}/roles/{member}"))
            .await
            .status(),
        204
    );
    assert_eq!(
        app.put(&on_project(&reader)).await.status(),
        204,
        "a grant made again is not counted twice"
    );
    assert_error(
        app.put(&on_project(&admin)).await,
        400,
        "quota of 2 role assignments per group",
    )
    .await;
    assert_error(
        app.put(&format!("/v3/system/groups/{g}/roles/{admin}"))
            .await,
        400,
        "quota of 2 role assignments per group",
    )
    .await;
    assert_error(
        app.put(&format!(
            "/v3/OS-INHERIT/domains/default/groups/{g}/roles/{admin}/inherited_to_projects"
        ))
        .await,
        400,
        "quota of 2 role assignments per group",
    )
    .await;
    assert_eq!(
        app.head(&on_project(&admin)).await.status(),
        404,
        "the refused grant was not stored"
    );
    // Users are not limited by the group quota.
    let uid = app.create_user("u", "u-pw-123456").await;
    for r in [&reader, &member, &admin] {
        let path = format!("/v3/projects/{p}/users/{uid}/roles/{r}");
        assert_eq!(app.put(&path).await.status(), 204);
    }
}

async fn the_huawei_environment_sets_huaweis_group_quota() {
    let app = spawn_app_with(&[("IAM_GROUPS_ENV", "huawei")]).await;
    for i in 0..20 {
        assert_eq!(create_group(&app, &format!("g{i}")).await.status(), 201);
    }
    assert_error(create_group(&app, "g20").await, 400, "quota of 20 groups").await;
}

async fn os_quota_reports_usage_and_limits_as_huawei_does() {
    let app = spawn_app_with(&[("IAM_GROUPS_QUOTA__GROUPS_PER_DOMAIN", "7")]).await;
    app.create_group("one").await;
    app.create_group("two").await;
    app.create_user("someone", "someone-pw-1").await;
    let body = json(app.get("/v3.0/OS-QUOTA/domains/default").await).await;
    let resources = body["quotas"]["resources"].as_array().expect("resources");
    let line = |t: &str| {
        resources
            .iter()
            .find(|r| r["type"] == t)
            .unwrap_or_else(|| panic!("{t} in {body}"))
            .clone()
    };
    assert_eq!(
        line("group"),
        json!({"type": "group", "used": 2, "quota": 7, "max": 7, "min": 0})
    );
    assert_eq!(
        line("user"),
        json!({"type": "user", "used": 2, "quota": 2147483647, "max": 2147483647, "min": 0}),
        "the admin and one more; unlimited is Huawei's largest int"
    );
    assert_eq!(line("idp")["used"], 0);
    assert_eq!(resources.len(), 3);

    let only = json(app.get("/v3.0/OS-QUOTA/domains/default?type=group").await).await;
    assert_eq!(only["quotas"]["resources"].as_array().unwrap().len(), 1);
    assert_eq!(only["quotas"]["resources"][0]["type"], "group");

    assert_error(
        app.get("/v3.0/OS-QUOTA/domains/default?type=agency").await,
        400,
        "quota types user, group and idp",
    )
    .await;
    assert_error(
        app.get("/v3.0/OS-QUOTA/domains/nosuchdomain").await,
        404,
        "nosuchdomain",
    )
    .await;
    // A user of another domain may not read this one's.
    let resp = app
        .post("/v3/domains", json!({"domain": {"name": "elsewhere"}}))
        .await;
    let other = json(resp).await["domain"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = app
        .post(
            "/v3/users",
            json!({"user": {"name": "outsider", "domain_id": other, "password": "outsider-pw-1"}}),
        )
        .await;
    let outsider = json(resp).await["user"]["id"].as_str().unwrap().to_string();
    let t = app.token_for(&outsider, "outsider-pw-1", None).await;
    let refused = app
        .call(Method::GET, "/v3.0/OS-QUOTA/domains/default", &t, None)
        .await;
    assert_eq!(refused.status(), 403);
}

crate::both_backends!(
    os_quota_reports_usage_and_limits_as_huawei_does,
    groups_are_unlimited_by_default,
    groups_per_domain_is_enforced_on_v3_and_v1,
    racing_creates_leave_exactly_the_quota,
    users_per_domain_is_enforced,
    memberships_are_limited_per_user_and_per_group,
    access_keys_follow_the_setting,
    the_huawei_environment_sets_huaweis_group_quota,
    grants_per_group_is_enforced_on_every_target,
);
