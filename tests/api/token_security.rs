//! Issue 15, items 4, 5, 9, 10 and 11: no token minted from a password survives its change,
//! even a login racing the change; revoking a token revokes every token rescoped from it;
//! making an access key needs a recent password login, and the keys of a disabled or
//! locked-out user sign nothing while that lasts; disabling a user, project or domain
//! revokes its tokens for good; failed password proofs are audit events naming the account.

use chrono::Utc;
use iam_groups::auth::signature::Algorithm;
use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::helpers::{
    assert_error, json, password_auth, spawn_app, spawn_app_with, AccessKey, Bce, TestApp,
};

const KEYS: &str = "/v3.0/OS-CREDENTIAL/credentials";

/// Keystone's 401 body, whatever the reason.
const AUTH_REQUIRED: &str = "The request you have made requires authentication.";

/// The status of `GET /v3/auth/tokens` for `subject`, checked by the admin: 200 or 404.
async fn check(app: &TestApp, subject: &str) -> u16 {
    app.client
        .get(app.url("/v3/auth/tokens"))
        .header("X-Auth-Token", &app.admin_token)
        .header("X-Subject-Token", subject)
        .send()
        .await
        .expect("validate")
        .status()
        .as_u16()
}

/// The status of a plain authenticated read with `token`: 200, or 401 once it is dead.
async fn use_token(app: &TestApp, token: &str) -> u16 {
    app.call(Method::GET, "/v3/auth/projects", token, None)
        .await
        .status()
        .as_u16()
}

async fn issue(app: &TestApp, body: Value) -> Response {
    app.call(Method::POST, "/v3/auth/tokens", "", Some(body))
        .await
}

fn subject_token(resp: &Response) -> String {
    resp.headers()["x-subject-token"]
        .to_str()
        .expect("token header")
        .to_string()
}

/// Rescopes `token` (to `scope`, or unscoped); returns the new token and its body.
async fn rescope(app: &TestApp, token: &str, scope: Value) -> (String, Value) {
    let resp = issue(
        app,
        json!({"auth": {"identity": {"methods": ["token"], "token": {"id": token}},
            "scope": scope}}),
    )
    .await;
    assert_eq!(resp.status(), 201, "rescope");
    let token = subject_token(&resp);
    (token, json(resp).await)
}

async fn revoke(app: &TestApp, subject: &str) {
    let resp = app
        .client
        .delete(app.url("/v3/auth/tokens"))
        .header("X-Auth-Token", &app.admin_token)
        .header("X-Subject-Token", subject)
        .send()
        .await
        .expect("revoke");
    assert_eq!(resp.status(), 204, "revoke");
}

async fn role_id(app: &TestApp, name: &str) -> String {
    let roles = json(app.get(&format!("/v3/roles?name={name}")).await).await;
    roles["roles"][0]["id"].as_str().expect("role").to_string()
}

/// A user with `member` on a new project of `domain_id`; returns (user id, project id).
async fn member_of_new_project(app: &TestApp, name: &str, domain_id: &str) -> (String, String) {
    let resp = app
        .post(
            "/v3/users",
            json!({"user": {"name": name, "password": format!("{name}-pw-1"),
                "domain_id": domain_id}}),
        )
        .await;
    assert_eq!(resp.status(), 201, "create user {name}");
    let uid = json(resp).await["user"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let resp = app
        .post(
            "/v3/projects",
            json!({"project": {"name": format!("{name}-project"), "domain_id": domain_id}}),
        )
        .await;
    assert_eq!(resp.status(), 201, "create project");
    let pid = json(resp).await["project"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let member = role_id(app, "member").await;
    let resp = app
        .put(&format!("/v3/projects/{pid}/users/{uid}/roles/{member}"))
        .await;
    assert_eq!(resp.status(), 204, "grant member");
    (uid, pid)
}

/// A password login of `name` in `domain_id` with `scope`; panics unless 201.
async fn login_scoped(app: &TestApp, name: &str, domain_id: &str, scope: Value) -> String {
    let resp = issue(
        app,
        json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": name, "domain": {"id": domain_id}, "password": format!("{name}-pw-1")}}},
            "scope": scope}}),
    )
    .await;
    assert_eq!(resp.status(), 201, "login of {name}");
    subject_token(&resp)
}

// Item 4.

async fn logins_racing_a_password_change_mint_no_surviving_token() {
    let app = spawn_app().await;
    let uid = app.create_user("racer", "racer-pw-0").await;
    let mut minted = 0;
    // Rounds of eight logins with the current password, racing an admin's reset sent after
    // a different delay each round, so that some logins are mid-way when it commits.
    for (round, delay_ms) in [0u64, 4, 10, 20, 35, 60].into_iter().enumerate() {
        let old = format!("racer-pw-{round}");
        let new = format!("racer-pw-{}", round + 1);
        let logins = (0..8).map(|_| {
            let app = &app;
            let old = old.clone();
            async move {
                let resp = issue(app, password_auth("racer", &old)).await;
                match resp.status().as_u16() {
                    201 => Some(subject_token(&resp)),
                    // A login that checked the old password after the change, or saw the
                    // change when it read the user again.
                    401 => None,
                    other => panic!("login answered {other}"),
                }
            }
        });
        let change = async {
            tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
            let resp = app
                .patch(
                    &format!("/v3/users/{uid}"),
                    json!({"user": {"password": new}}),
                )
                .await;
            assert_eq!(resp.status(), 200, "password reset");
        };
        let (tokens, ()) = tokio::join!(futures_util::future::join_all(logins), change);
        for token in tokens.into_iter().flatten() {
            minted += 1;
            assert_eq!(
                check(&app, &token).await,
                404,
                "round {round}: a token survived"
            );
            assert_eq!(use_token(&app, &token).await, 401, "round {round}");
        }
        // The new password works, and its tokens do.
        let fresh = app.login("racer", &new).await;
        assert_eq!(use_token(&app, &fresh).await, 200);
    }
    eprintln!("{minted} tokens were minted from a password being changed; none survived");
}

async fn a_rescoped_token_dies_with_the_password_of_its_chain() {
    let app = spawn_app().await;
    let (uid, pid) = member_of_new_project(&app, "resc", "default").await;
    let first = login_scoped(&app, "resc", "default", json!("unscoped")).await;
    let (child, _) = rescope(&app, &first, json!({"project": {"id": pid}})).await;
    let (grandchild, _) = rescope(&app, &child, json!("unscoped")).await;
    assert_eq!(use_token(&app, &grandchild).await, 200);
    let resp = app
        .call(
            Method::POST,
            &format!("/v3/users/{uid}/password"),
            &child,
            Some(json!({"user": {"original_password": "resc-pw-1", "password": "resc-pw-2"}})),
        )
        .await;
    assert_eq!(resp.status(), 204);
    for token in [&first, &child, &grandchild] {
        assert_eq!(check(&app, token).await, 404);
    }
}

// Item 5.

async fn revoking_a_token_revokes_every_token_rescoped_from_it() {
    let app = spawn_app().await;
    let (_, pid) = member_of_new_project(&app, "chain", "default").await;
    let bystander = login_scoped(&app, "chain", "default", json!("unscoped")).await;

    // Grandparent, parent, child: every rescope shows the first token's audit id as its
    // chain id. Revoking one revokes it and its descendants, not its ancestors (Keystone).
    for (revoked, dead) in [
        ("grandparent", [true, true, true]),
        ("parent", [false, true, true]),
        ("child", [false, false, true]),
    ] {
        let grandparent = login_scoped(&app, "chain", "default", json!("unscoped")).await;
        let body = json(
            app.client
                .get(app.url("/v3/auth/tokens"))
                .header("X-Auth-Token", &app.admin_token)
                .header("X-Subject-Token", &grandparent)
                .send()
                .await
                .expect("validate"),
        )
        .await;
        let chain_id = body["token"]["audit_ids"][0].clone();
        assert_eq!(body["token"]["audit_ids"].as_array().map(Vec::len), Some(1));
        let (parent, body) = rescope(&app, &grandparent, json!({"project": {"id": pid}})).await;
        let ids = body["token"]["audit_ids"].as_array().expect("ids").clone();
        assert_eq!(ids.len(), 2, "{body}");
        assert_eq!(ids[1], chain_id, "the parent shows the chain id");
        let (child, body) = rescope(&app, &parent, json!("unscoped")).await;
        let child_ids = body["token"]["audit_ids"].as_array().expect("ids").clone();
        assert_eq!(child_ids.len(), 2, "{body}");
        assert_eq!(
            child_ids[1], chain_id,
            "the grandchild shows the same chain id"
        );
        assert_ne!(child_ids[0], ids[0]);

        let tokens = [&grandparent, &parent, &child];
        for token in tokens {
            assert_eq!(check(&app, token).await, 200);
        }
        let target = match revoked {
            "grandparent" => &grandparent,
            "parent" => &parent,
            _ => &child,
        };
        revoke(&app, target).await;
        for ((token, name), dead) in tokens
            .iter()
            .zip(["grandparent", "parent", "child"])
            .zip(dead)
        {
            let (checked, used) = if dead { (404, 401) } else { (200, 200) };
            assert_eq!(
                check(&app, token).await,
                checked,
                "{name}, {revoked} revoked"
            );
            assert_eq!(
                use_token(&app, token).await,
                used,
                "{name}, {revoked} revoked"
            );
        }
        // Another chain of the same user is untouched.
        assert_eq!(check(&app, &bystander).await, 200, "{revoked} revoked");
    }

    // A lineage is bounded: 32 rescopes in a row, then a password login is needed.
    let mut token = login_scoped(&app, "chain", "default", json!("unscoped")).await;
    let first = token.clone();
    for _ in 0..32 {
        token = rescope(&app, &token, json!("unscoped")).await.0;
    }
    let resp = issue(
        &app,
        json!({"auth": {"identity": {"methods": ["token"], "token": {"id": token}},
            "scope": "unscoped"}}),
    )
    .await;
    assert_error(
        resp,
        403,
        "A token can be rescoped at most 32 times in a row: authenticate with your password \
         again.",
    )
    .await;
    // Revoking the first token still reaches the 32nd descendant.
    revoke(&app, &first).await;
    assert_eq!(check(&app, &token).await, 404);
}

// Item 9: making keys.

async fn making_an_access_key_with_a_token_needs_a_recent_password_login() {
    let app = spawn_app_with(&[("IAM_GROUPS_CREDENTIALS__MINT_LOGIN_WINDOW", "2")]).await;
    let uid = app.create_user("minter", "minter-pw-1").await;
    let other = app.create_user("other", "other-pw-1").await;
    let old_own = app.login("minter", "minter-pw-1").await;
    let old_admin = app.login("admin", crate::helpers::ADMIN_PASSWORD).await;
    let (old_rescoped, _) = rescope(&app, &old_own, json!("unscoped")).await;
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;

    let mint = |token: String, user_id: String| {
        let app = &app;
        async move {
            app.call(
                Method::POST,
                KEYS,
                &token,
                Some(json!({"credential": {"user_id": user_id}})),
            )
            .await
        }
    };
    let refused = "Making an access key needs a token from a password login within the last \
                   2 seconds: log in again with your password and retry.";
    // Old tokens: the user's own, a rescope of it (which keeps the old login's time), and
    // an admin's for another user. Each still works for everything else.
    for (token, user_id, who) in [
        (&old_own, &uid, "own"),
        (&old_rescoped, &uid, "rescoped"),
        (&old_admin, &other, "admin for another"),
    ] {
        let body = assert_error(mint(token.clone(), user_id.clone()).await, 403, refused).await;
        assert_eq!(body["error"]["message"], refused, "{who}");
        assert_eq!(use_token(&app, token).await, 200, "{who}");
    }
    // The Baidu face, the same rule in its own error shape.
    let resp = app
        .call(Method::POST, "/v1/user/minter/accesskey", &old_own, None)
        .await;
    assert_eq!(resp.status(), 403);
    let body = json(resp).await;
    assert_eq!(body["code"], "AccessDenied", "{body}");
    assert_eq!(body["message"], refused, "{body}");
    assert_eq!(
        json(app.get(&format!("{KEYS}?user_id={uid}")).await).await,
        json!({"credentials": []}),
        "nothing was made"
    );

    // Fresh logins, and a fresh login rescoped, may. So may a freshly logged-in admin, for
    // another user (the rule is the caller's; the policy is unchanged).
    let fresh = app.login("minter", "minter-pw-1").await;
    assert_eq!(mint(fresh.clone(), uid.clone()).await.status(), 201);
    let (fresh_rescoped, _) = rescope(&app, &fresh, json!("unscoped")).await;
    let resp = app
        .call(
            Method::POST,
            "/v1/user/minter/accesskey",
            &fresh_rescoped,
            None,
        )
        .await;
    assert_eq!(resp.status(), 201);
    let fresh_admin = app.login("admin", crate::helpers::ADMIN_PASSWORD).await;
    assert_eq!(mint(fresh_admin.clone(), other.clone()).await.status(), 201);
    // A fresh token of a plain user is still refused another's key by policy.
    let resp = mint(fresh, other).await;
    assert_error(resp, 403, "identity:create_credential").await;
}

// Item 9: using keys.

/// A Huawei-signed `GET /v3/auth/domains` with `key`.
async fn huawei_signed(app: &TestApp, key: &AccessKey) -> u16 {
    app.signed(
        Algorithm::HmacSha256,
        key,
        Method::GET,
        "/v3/auth/domains",
        &[],
        None,
        Utc::now(),
    )
    .await
    .status()
    .as_u16()
}

/// A Baidu-signed (`bce-auth-v1`) `GET /v1/user/{name}` with `key`.
async fn baidu_signed(app: &TestApp, key: &AccessKey, name: &str) -> u16 {
    Bce::now(key)
        .send(app, Method::GET, &format!("/v1/user/{name}"), None)
        .await
        .status()
        .as_u16()
}

async fn keys_of_a_locked_out_or_disabled_user_sign_nothing_while_it_lasts() {
    let app = spawn_app_with(&[
        ("IAM_GROUPS_LOCKOUT_FAILURE_ATTEMPTS", "2"),
        ("IAM_GROUPS_LOCKOUT_DURATION", "0"),
    ])
    .await;
    let uid = app.create_user("keyed", "keyed-pw-1").await;
    let token = app.login("keyed", "keyed-pw-1").await;
    let key = app.create_access_key(&token, &uid).await;
    assert_eq!(huawei_signed(&app, &key).await, 200);
    assert_eq!(baidu_signed(&app, &key, "keyed").await, 200);

    // Locked out by failed logins: neither face takes the key, and no key can be made.
    for _ in 0..2 {
        let resp = issue(&app, password_auth("keyed", "wrong")).await;
        assert_eq!(resp.status(), 401);
    }
    assert_eq!(huawei_signed(&app, &key).await, 401, "locked: Huawei");
    assert_eq!(
        baidu_signed(&app, &key, "keyed").await,
        401,
        "locked: Baidu"
    );
    let resp = app
        .call(
            Method::POST,
            KEYS,
            &token,
            Some(json!({"credential": {"user_id": uid}})),
        )
        .await;
    assert_error(
        resp,
        403,
        "The account is locked out after failed password logins: no access key can be made \
         for it until the lock ends.",
    )
    .await;
    // The admin clears the lock: the same key works again.
    let resp = app
        .patch(
            &format!("/v3/users/{uid}"),
            json!({"user": {"enabled": true}}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(huawei_signed(&app, &key).await, 200, "unlocked");
    assert_eq!(baidu_signed(&app, &key, "keyed").await, 200, "unlocked");

    // Disabled, then enabled again: refused meanwhile, not deleted.
    let resp = app
        .patch(
            &format!("/v3/users/{uid}"),
            json!({"user": {"enabled": false}}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(huawei_signed(&app, &key).await, 401, "disabled: Huawei");
    assert_eq!(
        baidu_signed(&app, &key, "keyed").await,
        401,
        "disabled: Baidu"
    );
    let resp = app
        .patch(
            &format!("/v3/users/{uid}"),
            json!({"user": {"enabled": true}}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(huawei_signed(&app, &key).await, 200, "enabled again");
    assert_eq!(
        baidu_signed(&app, &key, "keyed").await,
        200,
        "enabled again"
    );
}

// Item 10.

async fn disabling_a_user_revokes_its_tokens_for_good() {
    let app = spawn_app().await;
    let (uid, pid) = member_of_new_project(&app, "dis", "default").await;
    let unscoped = login_scoped(&app, "dis", "default", json!("unscoped")).await;
    let scoped = login_scoped(&app, "dis", "default", json!({"project": {"id": pid}})).await;
    for enabled in [false, true] {
        let resp = app
            .patch(
                &format!("/v3/users/{uid}"),
                json!({"user": {"enabled": enabled}}),
            )
            .await;
        assert_eq!(resp.status(), 200);
    }
    for token in [&unscoped, &scoped] {
        assert_eq!(
            check(&app, token).await,
            404,
            "re-enabling resurrected a token"
        );
        assert_error(
            app.call(Method::GET, "/v3/auth/projects", token, None)
                .await,
            401,
            AUTH_REQUIRED,
        )
        .await;
    }
    let fresh = login_scoped(&app, "dis", "default", json!({"project": {"id": pid}})).await;
    assert_eq!(use_token(&app, &fresh).await, 200);
    assert_eq!(use_token(&app, &app.admin_token).await, 200);
}

async fn disabling_a_project_revokes_the_tokens_scoped_to_it_for_good() {
    let app = spawn_app().await;
    let (_, pid) = member_of_new_project(&app, "proj", "default").await;
    let scoped = login_scoped(&app, "proj", "default", json!({"project": {"id": pid}})).await;
    let unscoped = login_scoped(&app, "proj", "default", json!("unscoped")).await;
    for enabled in [false, true] {
        let resp = app
            .patch(
                &format!("/v3/projects/{pid}"),
                json!({"project": {"enabled": enabled}}),
            )
            .await;
        assert_eq!(resp.status(), 200);
    }
    assert_eq!(
        check(&app, &scoped).await,
        404,
        "re-enabling resurrected it"
    );
    assert_eq!(use_token(&app, &scoped).await, 401);
    // Tokens not scoped to the project are not its to revoke.
    assert_eq!(check(&app, &unscoped).await, 200);
    let fresh = login_scoped(&app, "proj", "default", json!({"project": {"id": pid}})).await;
    assert_eq!(use_token(&app, &fresh).await, 200);
}

async fn disabling_a_domain_revokes_its_users_and_scopes_tokens_for_good() {
    let app = spawn_app().await;
    let resp = app
        .post("/v3/domains", json!({"domain": {"name": "dom"}}))
        .await;
    assert_eq!(resp.status(), 201);
    let did = json(resp).await["domain"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let (uid, pid) = member_of_new_project(&app, "domu", &did).await;
    app.grant_domain_role(&uid, &did, "reader").await;
    let unscoped = login_scoped(&app, "domu", &did, json!("unscoped")).await;
    let project = login_scoped(&app, "domu", &did, json!({"project": {"id": pid}})).await;
    let domain = login_scoped(&app, "domu", &did, json!({"domain": {"id": did}})).await;
    // A user of the default domain with a role on the project in `dom`.
    let outsider = app.create_user("outsider", "outsider-pw-1").await;
    let member = role_id(&app, "member").await;
    let resp = app
        .put(&format!(
            "/v3/projects/{pid}/users/{outsider}/roles/{member}"
        ))
        .await;
    assert_eq!(resp.status(), 204);
    let outsider_in_dom =
        login_scoped(&app, "outsider", "default", json!({"project": {"id": pid}})).await;
    let outsider_unscoped = login_scoped(&app, "outsider", "default", json!("unscoped")).await;

    for enabled in [false, true] {
        let resp = app
            .patch(
                &format!("/v3/domains/{did}"),
                json!({"domain": {"enabled": enabled}}),
            )
            .await;
        assert_eq!(resp.status(), 200);
    }
    for (token, what) in [
        (&unscoped, "its user's unscoped token"),
        (&project, "its user's token on its project"),
        (&domain, "its user's token on the domain"),
        (
            &outsider_in_dom,
            "another domain's user's token on its project",
        ),
    ] {
        assert_eq!(check(&app, token).await, 404, "{what}");
        assert_eq!(use_token(&app, token).await, 401, "{what}");
    }
    assert_eq!(
        check(&app, &outsider_unscoped).await,
        200,
        "not the domain's"
    );
    assert_eq!(use_token(&app, &app.admin_token).await, 200);
    let fresh = login_scoped(&app, "domu", &did, json!({"domain": {"id": did}})).await;
    assert_eq!(use_token(&app, &fresh).await, 200);
}

// Item 11.

/// The one audit event of the request that answered `resp`.
async fn event_of(app: &TestApp, resp: Response, status: u16) -> Value {
    let request_id = resp.headers()["x-openstack-request-id"]
        .to_str()
        .expect("request id")
        .to_string();
    assert_eq!(resp.status().as_u16(), status);
    let body = json(
        app.get(&format!("/v3/audit-events?request_id={request_id}"))
            .await,
    )
    .await;
    let events = body["audit_events"].as_array().expect("events").clone();
    assert_eq!(events.len(), 1, "{events:?}");
    events[0].clone()
}

async fn failed_password_proofs_are_audited_with_the_account_tried() {
    let app = spawn_app().await;
    let uid = app.create_user("audited", "audited-pw-1").await;
    let token = app.login("audited", "audited-pw-1").await;

    // A self-service password change with a wrong original password.
    let path = format!("/v3/users/{uid}/password");
    let resp = app
        .call(
            Method::POST,
            &path,
            &token,
            Some(json!({"user": {"original_password": "wrong-pw", "password": "audited-pw-2"}})),
        )
        .await;
    let e = event_of(&app, resp, 401).await;
    assert_eq!(e["event_type"], "identity.user.password.updated");
    assert_eq!(e["action"], "update");
    assert_eq!(e["outcome"], "failure");
    assert_eq!(e["status"], 401);
    assert_eq!(e["initiator"]["id"], uid.as_str());
    assert_eq!(
        e["target"],
        json!({"type": "user.password", "id": uid, "path": path})
    );
    assert!(!e.to_string().contains("wrong-pw"), "no secret: {e}");
    // Without a token it is nobody's change, and not an event.
    let resp = app
        .call(
            Method::POST,
            &path,
            "",
            Some(json!({"user": {"original_password": "x", "password": "audited-pw-2"}})),
        )
        .await;
    let request_id = resp.headers()["x-openstack-request-id"]
        .to_str()
        .expect("id")
        .to_string();
    assert_eq!(resp.status(), 401);
    let listed = json(
        app.get(&format!("/v3/audit-events?request_id={request_id}"))
            .await,
    )
    .await;
    assert_eq!(listed["audit_events"], json!([]));

    // Failed logins: an existing user by name and by id, then names that are nobody's.
    let by_id = json!({"auth": {"identity": {"methods": ["password"],
        "password": {"user": {"id": uid, "password": "wrong-pw"}}}}});
    let unknown_id = json!({"auth": {"identity": {"methods": ["password"],
        "password": {"user": {"id": "0123456789abcdef0123456789abcdef", "password": "wrong-pw"}}}}});
    let by_domain_name = json!({"auth": {"identity": {"methods": ["password"],
        "password": {"user": {"name": "ghost", "domain": {"name": "Default"},
            "password": "wrong-pw"}}}}});
    for (body, target) in [
        (
            password_auth("audited", "wrong-pw"),
            json!({"type": "user", "id": uid, "path": "/v3/auth/tokens"}),
        ),
        (
            by_id,
            json!({"type": "user", "id": uid, "path": "/v3/auth/tokens"}),
        ),
        (
            password_auth("ghost", "wrong-pw"),
            json!({"type": "user", "id": null, "name": "ghost", "domain": "default",
                "path": "/v3/auth/tokens"}),
        ),
        (
            by_domain_name,
            json!({"type": "user", "id": null, "name": "ghost", "domain": "Default",
                "path": "/v3/auth/tokens"}),
        ),
        (
            unknown_id,
            json!({"type": "user", "id": null, "name": "0123456789abcdef0123456789abcdef",
                "path": "/v3/auth/tokens"}),
        ),
    ] {
        let e = event_of(&app, issue(&app, body).await, 401).await;
        assert_eq!(e["event_type"], "identity.authenticate");
        assert_eq!(e["outcome"], "failure");
        assert!(e["initiator"]["id"].is_null(), "{e}");
        assert_eq!(e["target"], target);
        assert!(!e.to_string().contains("wrong-pw"), "no secret: {e}");
    }
    // And filtering by the account finds its failures.
    let listed = json(
        app.get(&format!(
            "/v3/audit-events?event_type=identity.authenticate&outcome=failure&target_id={uid}"
        ))
        .await,
    )
    .await;
    assert_eq!(listed["audit_events"].as_array().map(Vec::len), Some(2));
}

both_backends!(
    logins_racing_a_password_change_mint_no_surviving_token,
    a_rescoped_token_dies_with_the_password_of_its_chain,
    revoking_a_token_revokes_every_token_rescoped_from_it,
    making_an_access_key_with_a_token_needs_a_recent_password_login,
    keys_of_a_locked_out_or_disabled_user_sign_nothing_while_it_lasts,
    disabling_a_user_revokes_its_tokens_for_good,
    disabling_a_project_revokes_the_tokens_scoped_to_it_for_good,
    disabling_a_domain_revokes_its_users_and_scopes_tokens_for_good,
    failed_password_proofs_are_audited_with_the_account_tried,
);
