//! The manager's ceiling (issue 15, items 1 and 2): a domain manager may not act on a user
//! or group holding more than it could grant, however that is held, on any face. Each story
//! is told end to end: the takeover is refused, and the caller's tokens never carry `admin`.

use std::collections::HashMap;

use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::helpers::{json, password_auth, spawn_app, TestApp, ADMIN_PASSWORD};

const MANAGER_PASSWORD: &str = "mallory-manager-pw";

/// Role ids by name, as the admin lists them.
async fn role_ids(app: &TestApp) -> HashMap<String, String> {
    json(app.get("/v3/roles").await).await["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .map(|r| {
            (
                r["name"].as_str().expect("name").to_string(),
                r["id"].as_str().expect("id").to_string(),
            )
        })
        .collect()
}

/// A password login of a Default-domain user by name with `scope`: the response.
async fn login_scoped(app: &TestApp, name: &str, password: &str, scope: Value) -> Response {
    let mut body = password_auth(name, password);
    if !scope.is_null() {
        body["auth"]["scope"] = scope;
    }
    app.call(Method::POST, "/v3/auth/tokens", "", Some(body))
        .await
}

fn subject_token(resp: &Response) -> String {
    resp.headers()["x-subject-token"]
        .to_str()
        .expect("token")
        .to_string()
}

/// The sorted role names a token carries, as the service validates it.
async fn token_roles(app: &TestApp, token: &str) -> Vec<String> {
    let resp = app
        .client
        .get(app.url("/v3/auth/tokens"))
        .header("X-Auth-Token", token)
        .header("X-Subject-Token", token)
        .send()
        .await
        .expect("validate");
    assert_eq!(resp.status(), 200, "validate own token");
    let body = json(resp).await;
    let mut names: Vec<String> = body["token"]["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .map(|r| r["name"].as_str().expect("name").to_string())
        .collect();
    names.sort();
    names
}

/// Mallory: `manager` on the Default domain (where the bootstrap admin lives) and `member`
/// on the admin project. Returns her id and her domain-scoped token.
async fn manager_of_default(app: &TestApp) -> (String, String) {
    let id = app.create_user("mallory", MANAGER_PASSWORD).await;
    app.grant_domain_role(&id, "default", "manager").await;
    let roles = role_ids(app).await;
    let grant = format!(
        "/v3/projects/{}/users/{id}/roles/{}",
        app.admin_project_id, roles["member"]
    );
    assert_eq!(app.put(&grant).await.status(), 204);
    let resp = login_scoped(
        app,
        "mallory",
        MANAGER_PASSWORD,
        json!({"domain": {"id": "default"}}),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let token = subject_token(&resp);
    assert_eq!(
        token_roles(app, &token).await,
        ["manager", "member", "reader"]
    );
    (id, token)
}

/// The whole `/v3` refusal body for `action` on a `what` ("user" or "group").
fn refusal(action: &str, what: &str) -> Value {
    json!({"error": {
        "code": 403,
        "title": "Forbidden",
        "message": format!(
            "You are not authorized to perform the requested action: {action}. The {what} \
             holds roles beyond those you may grant."
        ),
    }})
}

async fn assert_refused(resp: Response, action: &str, what: &str) {
    assert_eq!(resp.status(), 403);
    assert_eq!(json(resp).await, refusal(action, what));
}

/// A `/v1` refusal: Baidu's shape, the same message.
async fn assert_bce_refused(resp: Response, action: &str, what: &str) {
    assert_eq!(resp.status(), 403);
    let header = resp
        .headers()
        .get("x-bce-request-id")
        .map(|v| v.to_str().expect("header").to_string());
    let body = json(resp).await;
    let message = refusal(action, what)["error"]["message"].clone();
    assert_eq!(
        body,
        json!({"code": "AccessDenied", "message": message, "requestId": body["requestId"]})
    );
    assert_eq!(body["requestId"].as_str(), header.as_deref());
}

async fn a_manager_cannot_take_over_the_bootstrap_admin() {
    let app = spawn_app().await;
    let (mallory_id, mallory) = manager_of_default(&app).await;
    let admin_user = format!("/v3/users/{}", app.admin_id);

    // The takeover of the finding: a new password, then a system-scoped login as admin.
    let resp = app
        .call(
            Method::PATCH,
            &admin_user,
            &mallory,
            Some(json!({"user": {"password": "taken-over-password"}})),
        )
        .await;
    assert_refused(resp, "identity:update_user", "user").await;
    let system = json!({"system": {"all": true}});
    let resp = login_scoped(&app, "admin", "taken-over-password", system.clone()).await;
    assert_eq!(resp.status(), 401, "the password did not change");
    // Every other change is refused too: disabling, renaming, and deleting.
    for body in [
        json!({"user": {"enabled": false}}),
        json!({"user": {"name": "not-admin"}}),
        json!({"user": {"description": "owned"}}),
    ] {
        let resp = app
            .call(Method::PATCH, &admin_user, &mallory, Some(body))
            .await;
        assert_refused(resp, "identity:update_user", "user").await;
    }
    let resp = app.call(Method::DELETE, &admin_user, &mallory, None).await;
    assert_refused(resp, "identity:delete_user", "user").await;
    // The same manager rules hold on the Baidu face, where users go by name.
    let resp = app
        .call(
            Method::PUT,
            "/v1/user/admin",
            &mallory,
            Some(json!({"description": "owned"})),
        )
        .await;
    assert_bce_refused(resp, "identity:update_user", "user").await;
    let resp = app
        .call(Method::DELETE, "/v1/user/admin", &mallory, None)
        .await;
    assert_bce_refused(resp, "identity:delete_user", "user").await;
    // Access keys of another user are the owner's or an admin's, on both faces.
    let resp = app
        .call(Method::POST, "/v1/user/admin/accesskey", &mallory, None)
        .await;
    assert_eq!(resp.status(), 403);
    let resp = app
        .call(
            Method::POST,
            "/v3.0/OS-CREDENTIAL/credentials",
            &mallory,
            Some(json!({"credential": {"user_id": app.admin_id}})),
        )
        .await;
    assert_eq!(resp.status(), 403);

    // The admin is untouched and still signs in to the system with its own password.
    let admin = json(app.get(&admin_user).await).await;
    assert_eq!(admin["user"]["name"], "admin");
    assert_eq!(admin["user"]["enabled"], true);
    assert_eq!(admin["user"]["description"], "Bootstrap administrator");
    let resp = login_scoped(&app, "admin", ADMIN_PASSWORD, system).await;
    assert_eq!(resp.status(), 201);

    // The ceiling takes nothing else from the manager: an ordinary user of the domain, and
    // one holding roles the manager may grant, are still hers to manage.
    let plain = app.create_user("plain", "plain-password-1").await;
    let holder = app.create_user("holder", "holder-password-1").await;
    app.grant_domain_role(&holder, "default", "member").await;
    for user in [&plain, &holder] {
        let resp = app
            .call(
                Method::PATCH,
                &format!("/v3/users/{user}"),
                &mallory,
                Some(json!({"user": {"password": "reset-by-manager-1", "enabled": false}})),
            )
            .await;
        assert_eq!(resp.status(), 200);
        let resp = app
            .call(Method::DELETE, &format!("/v3/users/{user}"), &mallory, None)
            .await;
        assert_eq!(resp.status(), 204);
    }
    // And she may still change herself.
    let resp = app
        .call(
            Method::PATCH,
            &format!("/v3/users/{mallory_id}"),
            &mallory,
            Some(json!({"user": {"description": "mine"}})),
        )
        .await;
    assert_eq!(resp.status(), 200);
}

async fn a_manager_cannot_join_an_admin_group() {
    let app = spawn_app().await;
    let roles = role_ids(&app).await;
    let (mallory_id, mallory) = manager_of_default(&app).await;
    // Ops holds admin on the admin project.
    let ops = app.create_group("ops").await["id"]
        .as_str()
        .expect("id")
        .to_string();
    let grant = format!(
        "/v3/projects/{}/groups/{ops}/roles/{}",
        app.admin_project_id, roles["admin"]
    );
    assert_eq!(app.put(&grant).await.status(), 204);

    // The escalation of the finding: the manager puts herself in the group.
    let join = format!("/v3/groups/{ops}/users/{mallory_id}");
    let resp = app.call(Method::PUT, &join, &mallory, None).await;
    assert_refused(resp, "identity:add_user_to_group", "group").await;
    assert_eq!(app.head(&join).await.status(), 404, "she is not a member");
    let resp = app
        .call(Method::PUT, "/v1/group/ops/user/mallory", &mallory, None)
        .await;
    assert_bce_refused(resp, "identity:add_user_to_group", "group").await;
    // Her next project token carries no admin, so she cannot grant herself admin anywhere.
    let project = json!({"project": {"id": app.admin_project_id}});
    let resp = login_scoped(&app, "mallory", MANAGER_PASSWORD, project).await;
    assert_eq!(resp.status(), 201);
    let project_token = subject_token(&resp);
    assert_eq!(
        token_roles(&app, &project_token).await,
        ["member", "reader"]
    );
    let system_grant = format!("/v3/system/users/{mallory_id}/roles/{}", roles["admin"]);
    for token in [&mallory, &project_token] {
        let resp = app.call(Method::PUT, &system_grant, token, None).await;
        assert_eq!(resp.status(), 403);
    }

    // Nobody else joins through her either, and the group is not hers to rename or delete.
    let plain = app.create_user("plain", "plain-password-1").await;
    let resp = app
        .call(
            Method::PUT,
            &format!("/v3/groups/{ops}/users/{plain}"),
            &mallory,
            None,
        )
        .await;
    assert_refused(resp, "identity:add_user_to_group", "group").await;
    let ops_path = format!("/v3/groups/{ops}");
    let resp = app
        .call(
            Method::PATCH,
            &ops_path,
            &mallory,
            Some(json!({"group": {"name": "renamed"}})),
        )
        .await;
    assert_refused(resp, "identity:update_group", "group").await;
    let resp = app.call(Method::DELETE, &ops_path, &mallory, None).await;
    assert_refused(resp, "identity:delete_group", "group").await;
    let resp = app
        .call(
            Method::PUT,
            "/v1/group/ops",
            &mallory,
            Some(json!({"description": "mine"})),
        )
        .await;
    assert_bce_refused(resp, "identity:update_group", "group").await;
    let resp = app
        .call(Method::DELETE, "/v1/group/ops", &mallory, None)
        .await;
    assert_bce_refused(resp, "identity:delete_group", "group").await;
    // A member the admin put in holds admin through the group: taking them out is acting
    // on an admin, refused on both faces.
    let member = format!("/v3/groups/{ops}/users/{plain}");
    assert_eq!(app.put(&member).await.status(), 204);
    let resp = app.call(Method::DELETE, &member, &mallory, None).await;
    assert_refused(resp, "identity:remove_user_from_group", "user").await;
    let resp = app
        .call(Method::DELETE, "/v1/group/ops/user/plain", &mallory, None)
        .await;
    assert_bce_refused(resp, "identity:remove_user_from_group", "user").await;
    assert_eq!(app.head(&member).await.status(), 204, "still a member");

    // A group holding only what she may grant is still hers.
    let devs = app.create_group("devs").await["id"]
        .as_str()
        .expect("id")
        .to_string();
    let grant = format!(
        "/v3/projects/{}/groups/{devs}/roles/{}",
        app.admin_project_id, roles["member"]
    );
    assert_eq!(app.put(&grant).await.status(), 204);
    let path = format!("/v3/groups/{devs}/users/{mallory_id}");
    let resp = app.call(Method::PUT, &path, &mallory, None).await;
    assert_eq!(resp.status(), 204);
    // Plain holds admin through ops: out of her reach whichever group it is.
    let path = format!("/v3/groups/{devs}/users/{plain}");
    let resp = app.call(Method::PUT, &path, &mallory, None).await;
    assert_refused(resp, "identity:add_user_to_group", "user").await;
    let resp = app
        .call(
            Method::PATCH,
            &format!("/v3/groups/{devs}"),
            &mallory,
            Some(json!({"group": {"description": "mine"}})),
        )
        .await;
    assert_eq!(resp.status(), 200);
}

/// Holding a role through a group, by inheritance, on the system, or by inference all
/// count; the admin is never limited.
async fn every_way_of_holding_a_role_counts() {
    let app = spawn_app().await;
    let roles = role_ids(&app).await;
    let (_, mallory) = manager_of_default(&app).await;
    let admin_role = &roles["admin"];

    let by_group = app.create_user("by-group", "by-group-password").await;
    let admins = app.create_group("admins").await["id"]
        .as_str()
        .expect("id")
        .to_string();
    let project = json(
        app.post(
            "/v3/projects",
            json!({"project": {"name": "elsewhere", "domain_id": "default"}}),
        )
        .await,
    )
    .await["project"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    for path in [
        format!("/v3/projects/{project}/groups/{admins}/roles/{admin_role}"),
        format!("/v3/groups/{admins}/users/{by_group}"),
    ] {
        assert_eq!(app.put(&path).await.status(), 204, "{path}");
    }
    let inherited = app.create_user("inherited", "inherited-password").await;
    let path = format!(
        "/v3/OS-INHERIT/domains/default/users/{inherited}/roles/{admin_role}/inherited_to_projects"
    );
    assert_eq!(app.put(&path).await.status(), 204);
    let system = app.create_user("system-reader", "system-password").await;
    let path = format!("/v3/system/users/{system}/roles/{}", roles["reader"]);
    assert_eq!(app.put(&path).await.status(), 204);
    let custom = app.create_user("custom", "custom-password-1").await;
    let auditor = json(
        app.post("/v3/roles", json!({"role": {"name": "auditor"}}))
            .await,
    )
    .await["role"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let path = format!("/v3/projects/{project}/users/{custom}/roles/{auditor}");
    assert_eq!(app.put(&path).await.status(), 204);

    for user in [&by_group, &inherited, &system, &custom] {
        let path = format!("/v3/users/{user}");
        let resp = app
            .call(
                Method::PATCH,
                &path,
                &mallory,
                Some(json!({"user": {"password": "taken-over-password"}})),
            )
            .await;
        assert_refused(resp, "identity:update_user", "user").await;
        let resp = app.call(Method::DELETE, &path, &mallory, None).await;
        assert_refused(resp, "identity:delete_user", "user").await;
    }

    // Inference: once `member` implies `auditor`, a member holds more than a manager may
    // grant, and is out of her reach too.
    let member = app.create_user("member", "member-password-1").await;
    app.grant_domain_role(&member, "default", "member").await;
    let path = format!("/v3/users/{member}");
    let patch = json!({"user": {"description": "managed"}});
    let resp = app
        .call(Method::PATCH, &path, &mallory, Some(patch.clone()))
        .await;
    assert_eq!(resp.status(), 200);
    let rule = format!("/v3/roles/{}/implies/{auditor}", roles["member"]);
    assert_eq!(app.put(&rule).await.status(), 201);
    let resp = app
        .call(Method::PATCH, &path, &mallory, Some(patch.clone()))
        .await;
    assert_refused(resp, "identity:update_user", "user").await;
    assert_eq!(app.delete(&rule).await.status(), 204);
    let resp = app
        .call(Method::PATCH, &path, &mallory, Some(patch.clone()))
        .await;
    assert_eq!(resp.status(), 200);

    // The admin is not limited.
    for user in [&by_group, &inherited, &system, &custom] {
        let resp = app.patch(&format!("/v3/users/{user}"), patch.clone()).await;
        assert_eq!(resp.status(), 200);
    }
}

both_backends!(
    a_manager_cannot_take_over_the_bootstrap_admin,
    a_manager_cannot_join_an_admin_group,
    every_way_of_holding_a_role_counts,
);
