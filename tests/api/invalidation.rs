//! A write invalidates what it changed, and only that (issue 15's finding 16: any signed-in
//! user could empty every cache of the instance with any successful write).
//!
//! Whether an answer came from a cache is seen by changing the database behind the
//! service's back: a cached answer does not show the change, a fresh load does. The cache
//! lives a minute here, so only invalidation can make the service load again.

use iam_groups::db::models::GroupRow;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{json, password_auth, spawn_app_with, TestApp};

const LONG_CACHE: &[(&str, &str)] = &[("IAM_GROUPS_TOKEN_CACHE_TTL_MS", "60000")];

/// A group written straight into the database, which no cache hears of.
fn sneak_in_group(app: &TestApp, name: &str) {
    let row = GroupRow {
        id: uuid::Uuid::new_v4().simple().to_string(),
        name: name.to_string(),
        domain_id: "default".into(),
        description: String::new(),
        extra: "{}".into(),
        create_time: 0,
    };
    app.with_db(|conn| iam_groups::db::groups::create_group(conn, row, None))
        .expect("group stored");
}

/// A membership written straight into the database.
fn sneak_in_member(app: &TestApp, group_id: &str, user_id: &str) {
    app.with_db(|conn| {
        iam_groups::db::groups::add_user_to_group(conn, user_id, group_id, Default::default())
    })
    .expect("membership stored");
}

/// A user disabled straight in the database.
fn sneak_disable(app: &TestApp, user_id: &str) {
    use diesel::prelude::*;
    use iam_groups::db::schema::users;
    app.with_db(|conn| {
        diesel::update(users::table.find(user_id))
            .set(users::enabled.eq(false))
            .execute(conn)
    })
    .expect("user disabled");
}

async fn group_names(app: &TestApp) -> Vec<String> {
    let body = json(app.get("/v3/groups").await).await;
    let mut names: Vec<String> = body["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .filter_map(|g| g["name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    names
}

async fn member_names(app: &TestApp, group_id: &str) -> Vec<String> {
    let body = json(app.get(&format!("/v3/groups/{group_id}/users")).await).await;
    let mut names: Vec<String> = body["users"]
        .as_array()
        .expect("users")
        .iter()
        .filter_map(|u| u["name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    names
}

async fn login(app: &TestApp, name: &str, password: &str) -> String {
    let resp = app
        .client
        .post(app.url("/v3/auth/tokens"))
        .json(&password_auth(name, password))
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status(), 201, "login {name}");
    resp.headers()["x-subject-token"]
        .to_str()
        .expect("token")
        .to_string()
}

/// What any signed-in user may do to their own account changes nothing another caller has
/// cached: their password, their access keys on both faces, revoking their own token.
async fn a_users_own_writes_leave_everyone_elses_cache_alone() {
    let app = spawn_app_with(LONG_CACHE).await;
    let bea = app.create_user("bea", "bea-password-1").await;
    app.create_group("seen").await;
    assert_eq!(group_names(&app).await, ["seen"]);
    sneak_in_group(&app, "sneaked");
    assert_eq!(group_names(&app).await, ["seen"], "answered from the cache");

    let token = login(&app, "bea", "bea-password-1").await;
    // An access key on the Huawei face: create, describe, delete.
    let resp = app
        .call(
            Method::POST,
            "/v3.0/OS-CREDENTIAL/credentials",
            &token,
            Some(json!({"credential": {"user_id": bea, "description": "ci"}})),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let key: Value = resp.json().await.expect("json");
    let access = key["credential"]["access"]
        .as_str()
        .expect("access")
        .to_string();
    let path = format!("/v3.0/OS-CREDENTIAL/credentials/{access}");
    let resp = app
        .call(
            Method::PUT,
            &path,
            &token,
            Some(json!({"credential": {"description": "renamed"}})),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        app.call(Method::DELETE, &path, &token, None).await.status(),
        204
    );
    // And on the Baidu face.
    let resp = app
        .call(Method::POST, "/v1/user/bea/accesskey", &token, None)
        .await;
    assert_eq!(resp.status(), 201);
    // A new password, then revoking the new token.
    let resp = app
        .call(
            Method::POST,
            &format!("/v3/users/{bea}/password"),
            &token,
            Some(json!({"user": {"original_password": "bea-password-1",
                                  "password": "bea-password-2"}})),
        )
        .await;
    assert_eq!(resp.status(), 204);
    let token = login(&app, "bea", "bea-password-2").await;
    let resp = app
        .client
        .delete(app.url("/v3/auth/tokens"))
        .header("X-Auth-Token", &token)
        .header("X-Subject-Token", &token)
        .send()
        .await
        .expect("revoke");
    assert_eq!(resp.status(), 204);

    assert_eq!(
        group_names(&app).await,
        ["seen"],
        "none of bea's writes emptied the admin's cached list"
    );
    // A change of groups does.
    app.create_group("made").await;
    assert_eq!(group_names(&app).await, ["made", "seen", "sneaked"]);
}

/// A membership change drops that group's members and that user's tokens and groups, not
/// another group's page nor another user's token; a user's update drops their tokens.
async fn a_write_drops_exactly_the_entries_it_changed() {
    let app = spawn_app_with(LONG_CACHE).await;
    let one = app.create_group("one").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let two = app.create_group("two").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let uma = app.create_user("uma", "uma-password-1").await;
    let vic = app.create_user("vic", "vic-password-1").await;
    let wes = app.create_user("wes", "wes-password-1").await;
    assert_eq!(
        app.put(&format!("/v3/groups/{one}/users/{uma}"))
            .await
            .status(),
        204
    );
    assert_eq!(member_names(&app, &one).await, ["uma"]);
    assert_eq!(member_names(&app, &two).await, Vec::<String>::new());

    // uma's token, validated once, then uma disabled behind the service's back.
    let uma_token = login(&app, "uma", "uma-password-1").await;
    let own = format!("/v3/users/{uma}");
    assert_eq!(
        app.call(Method::GET, &own, &uma_token, None).await.status(),
        200
    );
    sneak_disable(&app, &uma);
    sneak_in_member(&app, &one, &wes);
    assert_eq!(
        app.call(Method::GET, &own, &uma_token, None).await.status(),
        200,
        "cached"
    );
    assert_eq!(member_names(&app, &one).await, ["uma"], "cached");

    // vic joins group two: group one's page and uma's token are untouched.
    assert_eq!(
        app.put(&format!("/v3/groups/{two}/users/{vic}"))
            .await
            .status(),
        204
    );
    assert_eq!(member_names(&app, &two).await, ["vic"]);
    assert_eq!(
        member_names(&app, &one).await,
        ["uma"],
        "another group's change"
    );
    assert_eq!(
        app.call(Method::GET, &own, &uma_token, None).await.status(),
        200,
        "another user's change"
    );

    // vic joins group one: its page is loaded again (and shows wes too).
    assert_eq!(
        app.put(&format!("/v3/groups/{one}/users/{vic}"))
            .await
            .status(),
        204
    );
    assert_eq!(member_names(&app, &one).await, ["uma", "vic", "wes"]);

    // An update of uma drops uma's tokens: the next request sees her disabled.
    let resp = app
        .patch(&own, json!({"user": {"description": "on leave"}}))
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        app.call(Method::GET, &own, &uma_token, None).await.status(),
        401
    );
}

both_backends!(
    a_users_own_writes_leave_everyone_elses_cache_alone,
    a_write_drops_exactly_the_entries_it_changed,
);
