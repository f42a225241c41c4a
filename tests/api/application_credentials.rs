//! Application credentials and access rules: `/v3/users/{user_id}/application_credentials`,
//! `/v3/users/{user_id}/access_rules`, and the `application_credential` auth method, as
//! Keystone's API reference describes them.

use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::helpers::{assert_error, json, TestApp, AUTH_REQUIRED};

fn creds_of(user_id: &str) -> String {
    format!("/v3/users/{user_id}/application_credentials")
}

fn rules_of(user_id: &str) -> String {
    format!("/v3/users/{user_id}/access_rules")
}

async fn role_id(app: &TestApp, name: &str) -> String {
    let body = json(app.get(&format!("/v3/roles?name={name}")).await).await;
    body["roles"][0]["id"]
        .as_str()
        .expect("role id")
        .to_string()
}

/// A user with `roles` on the admin project, and a token of theirs scoped there.
async fn project_member(app: &TestApp, name: &str, roles: &[&str]) -> (String, String) {
    let uid = app.create_user(name, "pw-of-a-member-1").await;
    for role in roles {
        let rid = role_id(app, role).await;
        let resp = app
            .put(&format!(
                "/v3/projects/{}/users/{uid}/roles/{rid}",
                app.admin_project_id
            ))
            .await;
        assert_eq!(resp.status(), 204, "grant {role}");
    }
    let token = scoped_login(app, name, "pw-of-a-member-1").await;
    (uid, token)
}

async fn scoped_login(app: &TestApp, name: &str, password: &str) -> String {
    let body = json!({"auth": {"identity": {"methods": ["password"], "password": {"user":
        {"name": name, "domain": {"id": "default"}, "password": password}}},
        "scope": {"project": {"id": app.admin_project_id}}}});
    let resp = app
        .call(Method::POST, "/v3/auth/tokens", "", Some(body))
        .await;
    assert_eq!(resp.status(), 201, "scoped login of {name}");
    subject(&resp)
}

fn subject(resp: &Response) -> String {
    resp.headers()["x-subject-token"]
        .to_str()
        .expect("token")
        .to_string()
}

async fn create(app: &TestApp, token: &str, user_id: &str, body: Value) -> Response {
    app.call(
        Method::POST,
        &creds_of(user_id),
        token,
        Some(json!({ "application_credential": body })),
    )
    .await
}

async fn create_ok(app: &TestApp, token: &str, user_id: &str, body: Value) -> Value {
    let resp = create(app, token, user_id, body).await;
    assert_eq!(resp.status(), 201, "create application credential");
    json(resp).await["application_credential"].clone()
}

fn by_id(id: &str, secret: &str) -> Value {
    json!({"auth": {"identity": {"methods": ["application_credential"],
        "application_credential": {"id": id, "secret": secret}}}})
}

async fn app_cred_login(app: &TestApp, body: Value) -> Response {
    app.call(Method::POST, "/v3/auth/tokens", "", Some(body))
        .await
}

async fn create_show_list_and_delete() {
    let app = crate::helpers::spawn_app().await;
    let admin = app.admin_id.clone();
    let created = create_ok(
        &app,
        &app.admin_token,
        &admin,
        json!({"name": "ci", "description": "for CI"}),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_string();
    let secret = created["secret"].as_str().unwrap();
    // Keystone's secret: 64 random bytes, URL-safe base64 without padding.
    assert_eq!(secret.len(), 86, "{secret}");
    assert_eq!(created["name"], "ci");
    assert_eq!(created["description"], "for CI");
    assert_eq!(created["project_id"], app.admin_project_id.as_str());
    assert_eq!(created["unrestricted"], false);
    assert_eq!(created["expires_at"], Value::Null);
    assert!(created.get("access_rules").is_none());
    // Default: every role of the token (admin and what it implies).
    let names: Vec<&str> = created["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    for role in ["admin", "member", "reader"] {
        assert!(names.contains(&role), "{names:?}");
    }
    assert!(created["links"]["self"]
        .as_str()
        .unwrap()
        .ends_with(&format!("{}/{id}", creds_of(&admin))));

    // The secret is shown once.
    let shown = json(app.get(&format!("{}/{id}", creds_of(&admin))).await).await;
    let shown = &shown["application_credential"];
    assert!(shown.get("secret").is_none());
    assert_eq!(shown["id"], id.as_str());
    assert_eq!(shown["roles"], created["roles"]);
    let listed = json(app.get(&creds_of(&admin)).await).await;
    assert_eq!(
        listed["application_credentials"].as_array().unwrap().len(),
        1
    );
    assert!(!listed.to_string().contains(secret));
    assert!(listed["links"]["self"].is_string());

    // Names are unique per user; the list filters by name.
    assert_error(
        create(&app, &app.admin_token, &admin, json!({"name": "ci"})).await,
        409,
        "Conflict occurred attempting to store application_credential",
    )
    .await;
    create_ok(&app, &app.admin_token, &admin, json!({"name": "other"})).await;
    let all = json(app.get(&creds_of(&admin)).await).await;
    assert_eq!(all["application_credentials"].as_array().unwrap().len(), 2);
    let one = json(app.get(&format!("{}?name=other", creds_of(&admin))).await).await;
    let one = one["application_credentials"].as_array().unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0]["name"], "other");
    let none = json(app.get(&format!("{}?name=nope", creds_of(&admin))).await).await;
    assert_eq!(none["application_credentials"], json!([]));

    assert_eq!(
        app.delete(&format!("{}/{id}", creds_of(&admin)))
            .await
            .status(),
        204
    );
    assert_error(
        app.get(&format!("{}/{id}", creds_of(&admin))).await,
        404,
        &format!("Could not find application credential: {id}."),
    )
    .await;
    assert_error(
        app.delete(&format!("{}/{id}", creds_of(&admin))).await,
        404,
        "Could not find application credential",
    )
    .await;
    // Its secret no longer signs in.
    assert_error(
        app_cred_login(&app, by_id(&id, secret)).await,
        401,
        AUTH_REQUIRED,
    )
    .await;
}

async fn sign_in_by_id_and_by_name() {
    let app = crate::helpers::spawn_app().await;
    let (uid, token) = project_member(&app, "ana", &["member"]).await;
    let created = create_ok(
        &app,
        &token,
        &uid,
        json!({"name": "deploy", "secret": "my-own-secret"}),
    )
    .await;
    assert_eq!(created["secret"], "my-own-secret");
    let id = created["id"].as_str().unwrap().to_string();

    let resp = app_cred_login(&app, by_id(&id, "my-own-secret")).await;
    assert_eq!(resp.status(), 201);
    let cred_token = subject(&resp);
    let body = json(resp).await;
    let t = &body["token"];
    assert_eq!(t["methods"], json!(["application_credential"]));
    assert_eq!(t["user"]["id"], uid.as_str());
    assert_eq!(t["project"]["id"], app.admin_project_id.as_str());
    let names: Vec<&str> = t["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"member") && !names.contains(&"admin"),
        "{names:?}"
    );
    assert_eq!(
        t["application_credential"],
        json!({"id": id, "name": "deploy", "restricted": true})
    );
    assert!(t["catalog"].is_array());

    // By name, with the user by id, and by name and domain.
    for user in [
        json!({"id": uid}),
        json!({"name": "ana", "domain": {"id": "default"}}),
        json!({"name": "ana", "domain": {"name": "Default"}}),
    ] {
        let body = json!({"auth": {"identity": {"methods": ["application_credential"],
            "application_credential": {"name": "deploy", "secret": "my-own-secret",
            "user": user}}}});
        let resp = app_cred_login(&app, body).await;
        assert_eq!(resp.status(), 201, "{user}");
    }
    // A wrong secret, an unknown id or name: 401.
    for body in [
        by_id(&id, "wrong"),
        by_id("nosuchcredential", "my-own-secret"),
        json!({"auth": {"identity": {"methods": ["application_credential"],
            "application_credential": {"name": "nope", "secret": "my-own-secret",
            "user": {"id": uid}}}}}),
    ] {
        assert_error(app_cred_login(&app, body).await, 401, AUTH_REQUIRED).await;
    }
    // A credential cannot ask for a scope: 401.
    let mut scoped = by_id(&id, "my-own-secret");
    scoped["auth"]["scope"] = json!({"project": {"id": app.admin_project_id}});
    assert_error(app_cred_login(&app, scoped).await, 401, AUTH_REQUIRED).await;
    // Malformed requests: 400.
    let bad = json!({"auth": {"identity": {"methods": ["application_credential"],
        "application_credential": {"secret": "x"}}}});
    assert_error(app_cred_login(&app, bad).await, 400, "id or name").await;
    let bad = json!({"auth": {"identity": {"methods": ["application_credential"],
        "application_credential": {"name": "deploy", "secret": "x"}}}});
    assert_error(
        app_cred_login(&app, bad).await,
        400,
        "Expecting to find user in application credential",
    )
    .await;

    // Its token works, validates with its body, and renews only on its project.
    let me = app
        .call(Method::GET, &format!("/v3/users/{uid}"), &cred_token, None)
        .await;
    assert_eq!(me.status(), 200);
    let check = app
        .client
        .get(app.url("/v3/auth/tokens"))
        .header("X-Auth-Token", &app.admin_token)
        .header("X-Subject-Token", &cred_token)
        .send()
        .await
        .unwrap();
    assert_eq!(check.status(), 200);
    assert_eq!(
        json(check).await["token"]["application_credential"]["id"],
        id.as_str()
    );
    let renew = json!({"auth": {"identity": {"methods": ["token"], "token": {"id": cred_token}}}});
    let resp = app_cred_login(&app, renew).await;
    assert_eq!(resp.status(), 201);
    let renewed = json(resp).await;
    assert_eq!(
        renewed["token"]["project"]["id"],
        app.admin_project_id.as_str()
    );
    assert_eq!(
        renewed["token"]["application_credential"]["id"],
        id.as_str()
    );
    let rescope = json!({"auth": {"identity": {"methods": ["token"], "token": {"id": cred_token}},
        "scope": {"project": {"id": app.admin_project_id}}}});
    assert_error(
        app_cred_login(&app, rescope).await,
        403,
        "Using an application credential token to create a scoped token is not allowed",
    )
    .await;
}

async fn roles_are_a_subset_of_the_token_s() {
    let app = crate::helpers::spawn_app().await;
    let (uid, token) = project_member(&app, "bea", &["member"]).await;
    let member = role_id(&app, "member").await;
    // By id: member, and the reader it implies.
    let created = create_ok(
        &app,
        &token,
        &uid,
        json!({"name": "a", "roles": [{"id": member}]}),
    )
    .await;
    let names: Vec<&str> = created["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"member") && names.contains(&"reader"),
        "{names:?}"
    );
    // By name.
    let created = create_ok(
        &app,
        &token,
        &uid,
        json!({"name": "b", "roles": [{"name": "reader"}]}),
    )
    .await;
    assert_eq!(created["roles"].as_array().unwrap().len(), 1);
    assert_eq!(created["roles"][0]["name"], "reader");
    let secret = created["secret"].as_str().unwrap().to_string();
    let resp = app_cred_login(&app, by_id(created["id"].as_str().unwrap(), &secret)).await;
    let body = json(resp).await;
    let names: Vec<&str> = body["token"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["reader"]);
    // A role the token does not hold: Keystone's 400.
    assert_error(
        create(&app, &token, &uid, json!({"name": "c", "roles": [{"name": "admin"}]})).await,
        400,
        "Invalid application credential: Cannot create an application credential with unassigned role",
    )
    .await;
    assert_error(
        create(
            &app,
            &token,
            &uid,
            json!({"name": "d", "roles": [{"name": "nosuchrole"}]}),
        )
        .await,
        404,
        "Could not find role: nosuchrole.",
    )
    .await;
    // Malformed role lists.
    for roles in [
        json!("member"),
        json!([{"id": "x", "name": "y"}]),
        json!([{}]),
        json!([5]),
    ] {
        let resp = create(&app, &token, &uid, json!({"name": "e", "roles": roles})).await;
        assert_error(resp, 400, "Invalid input for field 'roles").await;
    }
}

async fn bad_bodies_are_keystone_400s() {
    let app = crate::helpers::spawn_app().await;
    let admin = app.admin_id.clone();
    let t = app.admin_token.clone();
    assert_error(
        create(&app, &t, &admin, json!({})).await,
        400,
        "'name' is a required property",
    )
    .await;
    let resp = app
        .call(
            Method::POST,
            &creds_of(&admin),
            &t,
            Some(json!({"name": "x"})),
        )
        .await;
    assert_error(
        resp,
        400,
        "Expecting to find application_credential in request body",
    )
    .await;
    assert_error(
        create(
            &app,
            &t,
            &admin,
            json!({"name": "x", "expires_at": "tomorrow"}),
        )
        .await,
        400,
        "Invalid input for field 'expires_at'",
    )
    .await;
    assert_error(
        create(
            &app,
            &t,
            &admin,
            json!({"name": "x", "expires_at": "2001-01-01T00:00:00"}),
        )
        .await,
        400,
        "The 'expires_at' must not be before now.",
    )
    .await;
    assert_error(
        create(
            &app,
            &t,
            &admin,
            json!({"name": "x", "unrestricted": "yes"}),
        )
        .await,
        400,
        "Invalid input for field 'unrestricted'",
    )
    .await;
    for rule in [
        json!({"service": "identity", "method": "FETCH", "path": "/v3"}),
        json!({"service": "identity", "method": "GET", "path": "v3"}),
        json!({"service": "identity", "method": "GET"}),
        json!({"service": "", "method": "GET", "path": "/v3"}),
    ] {
        let resp = create(
            &app,
            &t,
            &admin,
            json!({"name": "x", "access_rules": [rule]}),
        )
        .await;
        assert_eq!(resp.status(), 400, "{rule}");
    }
    // Nulls where Keystone allows them.
    let created = create_ok(
        &app,
        &t,
        &admin,
        json!({"name": "nulls", "description": null, "expires_at": null,
            "unrestricted": null, "secret": null}),
    )
    .await;
    assert_eq!(created["description"], Value::Null);
    assert_eq!(created["unrestricted"], false);
}

async fn expiry_ends_the_credential_and_its_tokens() {
    let app = crate::helpers::spawn_app().await;
    let admin = app.admin_id.clone();
    let at = chrono::Utc::now() + chrono::Duration::seconds(3);
    let given = at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string();
    let created = create_ok(
        &app,
        &app.admin_token,
        &admin,
        json!({"name": "short", "expires_at": given}),
    )
    .await;
    // Shown as given (Python's isoformat of a naive UTC time).
    assert_eq!(created["expires_at"], given.as_str());
    let id = created["id"].as_str().unwrap().to_string();
    let secret = created["secret"].as_str().unwrap().to_string();
    let resp = app_cred_login(&app, by_id(&id, &secret)).await;
    assert_eq!(resp.status(), 201);
    let token = subject(&resp);
    let body = json(resp).await;
    // The token never outlives the credential.
    let expires = body["token"]["expires_at"].as_str().unwrap();
    assert!(
        expires <= format!("{given}Z").as_str(),
        "{expires} vs {given}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(3500)).await;
    assert_error(
        app_cred_login(&app, by_id(&id, &secret)).await,
        401,
        AUTH_REQUIRED,
    )
    .await;
    let resp = app
        .call(Method::GET, &format!("/v3/users/{admin}"), &token, None)
        .await;
    assert_eq!(resp.status(), 401);
}

async fn restricted_credentials_cannot_manage_credentials() {
    let app = crate::helpers::spawn_app().await;
    let (uid, token) = project_member(&app, "cid", &["member"]).await;
    let restricted = create_ok(&app, &token, &uid, json!({"name": "r"})).await;
    let unrestricted = create_ok(
        &app,
        &token,
        &uid,
        json!({"name": "u", "unrestricted": true}),
    )
    .await;
    assert_eq!(unrestricted["unrestricted"], true);
    let login = |c: &Value| by_id(c["id"].as_str().unwrap(), c["secret"].as_str().unwrap());
    let r_token = subject(&app_cred_login(&app, login(&restricted)).await);
    let u_token = subject(&app_cred_login(&app, login(&unrestricted)).await);

    assert_error(
        create(&app, &r_token, &uid, json!({"name": "more"})).await,
        403,
        "Using method 'application_credential' is not allowed for managing additional application credentials",
    )
    .await;
    let other = format!(
        "{}/{}",
        creds_of(&uid),
        unrestricted["id"].as_str().unwrap()
    );
    assert_error(
        app.call(Method::DELETE, &other, &r_token, None).await,
        403,
        "Using method 'application_credential'",
    )
    .await;
    // It may still read them.
    assert_eq!(
        app.call(Method::GET, &creds_of(&uid), &r_token, None)
            .await
            .status(),
        200
    );
    // An unrestricted one may make more, with at most its own roles.
    let more = create_ok(&app, &u_token, &uid, json!({"name": "more"})).await;
    assert_eq!(more["roles"], unrestricted["roles"]);
    let gone = format!("{}/{}", creds_of(&uid), more["id"].as_str().unwrap());
    assert_eq!(
        app.call(Method::DELETE, &gone, &u_token, None)
            .await
            .status(),
        204
    );
}

async fn access_rules_limit_what_a_token_reaches() {
    let app = crate::helpers::spawn_app().await;
    let (uid, token) = project_member(&app, "dan", &["member"]).await;
    let rules = json!([
        {"service": "identity", "method": "GET", "path": "/v3/users/*"},
        {"service": "compute", "method": "GET", "path": "/v2.1/servers/*/ips"},
    ]);
    let created = create_ok(
        &app,
        &token,
        &uid,
        json!({"name": "ro", "access_rules": rules}),
    )
    .await;
    let shown_rules = created["access_rules"].as_array().unwrap().clone();
    assert_eq!(shown_rules.len(), 2);
    let ids: Vec<String> = shown_rules
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    let resp = app_cred_login(
        &app,
        by_id(
            created["id"].as_str().unwrap(),
            created["secret"].as_str().unwrap(),
        ),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let limited = subject(&resp);
    let body = json(resp).await;
    assert_eq!(
        body["token"]["application_credential"]["access_rules"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Allowed: identity GET /v3/users/{id}. Not: another method, another path.
    let me = format!("/v3/users/{uid}");
    assert_eq!(
        app.call(Method::GET, &me, &limited, None).await.status(),
        200
    );
    assert_error(
        app.call(Method::GET, "/v3/projects", &limited, None).await,
        401,
        AUTH_REQUIRED,
    )
    .await;
    assert_error(
        app.call(Method::GET, &format!("{me}/groups"), &limited, None)
            .await,
        401,
        AUTH_REQUIRED,
    )
    .await;
    let resp = app
        .call(
            Method::PATCH,
            &me,
            &limited,
            Some(json!({"user": {"description": "x"}})),
        )
        .await;
    assert_eq!(resp.status(), 401);

    // Another service validates it only if it says it enforces access rules.
    let validate = |header: Option<&'static str>| {
        let mut req = app
            .client
            .get(app.url("/v3/auth/tokens"))
            .header("X-Auth-Token", &app.admin_token)
            .header("X-Subject-Token", &limited);
        if let Some(v) = header {
            req = req.header("OpenStack-Identity-Access-Rules", v);
        }
        req.send()
    };
    assert_eq!(validate(None).await.unwrap().status(), 404);
    assert_eq!(validate(Some("1.0")).await.unwrap().status(), 200);

    // The user's rules: listed, filtered, shown.
    let listed = json(app.call(Method::GET, &rules_of(&uid), &token, None).await).await;
    assert_eq!(listed["access_rules"].as_array().unwrap().len(), 2);
    let compute = json(
        app.call(
            Method::GET,
            &format!("{}?service=compute", rules_of(&uid)),
            &token,
            None,
        )
        .await,
    )
    .await;
    let compute = compute["access_rules"].as_array().unwrap();
    assert_eq!(compute.len(), 1);
    assert_eq!(compute[0]["path"], "/v2.1/servers/*/ips");
    assert_eq!(compute[0]["method"], "GET");
    let compute_id = compute[0]["id"].as_str().unwrap().to_string();
    let one = format!("{}/{}", rules_of(&uid), ids[0]);
    let shown = json(app.call(Method::GET, &one, &token, None).await).await;
    assert_eq!(shown["access_rule"]["id"], ids[0].as_str());
    assert!(shown["access_rule"]["links"]["self"]
        .as_str()
        .unwrap()
        .ends_with(&one));
    assert_error(
        app.call(
            Method::GET,
            &format!("{}/nosuchrule", rules_of(&uid)),
            &token,
            None,
        )
        .await,
        404,
        "Could not find access rule: nosuchrule.",
    )
    .await;

    // A second credential naming the same rule, and one by id, reuse it.
    let again = create_ok(
        &app,
        &token,
        &uid,
        json!({"name": "again", "access_rules": [
            {"service": "identity", "method": "GET", "path": "/v3/users/*"},
            {"id": compute_id},
        ]}),
    )
    .await;
    let mut again_ids: Vec<String> = again["access_rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    again_ids.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(again_ids, expected);
    let listed = json(app.call(Method::GET, &rules_of(&uid), &token, None).await).await;
    assert_eq!(listed["access_rules"].as_array().unwrap().len(), 2);

    // In use: 403. Once no credential uses it: 204.
    assert_error(
        app.call(Method::DELETE, &one, &token, None).await,
        403,
        "May not delete access rule in use",
    )
    .await;
    for cred in [&created, &again] {
        let path = format!("{}/{}", creds_of(&uid), cred["id"].as_str().unwrap());
        assert_eq!(
            app.call(Method::DELETE, &path, &token, None).await.status(),
            204
        );
    }
    assert_eq!(
        app.call(Method::DELETE, &one, &token, None).await.status(),
        204
    );
    assert_eq!(
        app.call(Method::GET, &one, &token, None).await.status(),
        404
    );
    // The token of a deleted credential is dead.
    assert_error(
        app.call(Method::GET, &me, &limited, None).await,
        401,
        AUTH_REQUIRED,
    )
    .await;
}

async fn owners_and_admins_only() {
    let app = crate::helpers::spawn_app().await;
    let (uid, token) = project_member(&app, "eve", &["member"]).await;
    let (other, other_token) = project_member(&app, "fay", &["member"]).await;
    let mine = create_ok(
        &app,
        &token,
        &uid,
        json!({"name": "mine", "access_rules": [
            {"service": "identity", "method": "GET", "path": "/v3"}]}),
    )
    .await;
    let mine_path = format!("{}/{}", creds_of(&uid), mine["id"].as_str().unwrap());
    let rule_path = format!(
        "{}/{}",
        rules_of(&uid),
        mine["access_rules"][0]["id"].as_str().unwrap()
    );
    // Another user: 403 on every route, even through their own path.
    for (method, path) in [
        (Method::GET, creds_of(&uid)),
        (Method::GET, mine_path.clone()),
        (Method::DELETE, mine_path.clone()),
        (Method::GET, rules_of(&uid)),
        (Method::GET, rule_path.clone()),
        (Method::DELETE, rule_path.clone()),
        (
            Method::GET,
            format!("{}/{}", creds_of(&other), mine["id"].as_str().unwrap()),
        ),
    ] {
        let resp = app.call(method.clone(), &path, &other_token, None).await;
        assert_error(
            resp,
            403,
            "You are not authorized to perform the requested action",
        )
        .await;
    }
    // Nobody makes one for someone else, not even an admin.
    assert_error(
        create(&app, &other_token, &uid, json!({"name": "x"})).await,
        403,
        "identity:create_application_credential",
    )
    .await;
    assert_error(
        create(&app, &app.admin_token, &uid, json!({"name": "x"})).await,
        403,
        "identity:create_application_credential",
    )
    .await;
    // An unscoped token makes none.
    let unscoped = app.login("fay", "pw-of-a-member-1").await;
    let resp = create(&app, &unscoped, &other, json!({"name": "x"})).await;
    assert_eq!(resp.status(), 403);
    // No token: 401.
    assert_eq!(
        app.call(Method::GET, &creds_of(&uid), "", None)
            .await
            .status(),
        401
    );
    // A cloud admin reads and deletes anyone's credentials (Keystone's admin_required);
    // access rules are the system's and the owner's only.
    assert_eq!(app.get(&creds_of(&uid)).await.status(), 200);
    assert_eq!(app.get(&mine_path).await.status(), 200);
    assert_eq!(app.get(&rules_of(&uid)).await.status(), 403);
    assert_eq!(app.delete(&mine_path).await.status(), 204);
}

async fn users_and_roles_take_their_credentials_with_them() {
    let app = crate::helpers::spawn_app().await;
    let (uid, token) = project_member(&app, "gil", &["member"]).await;
    let a = create_ok(&app, &token, &uid, json!({"name": "a"})).await;
    let a_token = subject(
        &app_cred_login(
            &app,
            by_id(a["id"].as_str().unwrap(), a["secret"].as_str().unwrap()),
        )
        .await,
    );
    // The user loses the role on the project: the credential's token and login fail.
    let member = role_id(&app, "member").await;
    let grant = format!(
        "/v3/projects/{}/users/{uid}/roles/{member}",
        app.admin_project_id
    );
    assert_eq!(app.delete(&grant).await.status(), 204);
    let me = format!("/v3/users/{uid}");
    assert_eq!(
        app.call(Method::GET, &me, &a_token, None).await.status(),
        401
    );
    let login = by_id(a["id"].as_str().unwrap(), a["secret"].as_str().unwrap());
    assert_eq!(app_cred_login(&app, login.clone()).await.status(), 401);
    // Given back, the credential works again (Keystone keeps it on a revoked grant).
    assert_eq!(app.put(&grant).await.status(), 204);
    assert_eq!(app_cred_login(&app, login.clone()).await.status(), 201);

    // Deleting a role deletes the credentials of its holders on their projects.
    let custom = json(
        app.post("/v3/roles", json!({"role": {"name": "custom"}}))
            .await,
    )
    .await;
    let custom_id = custom["role"]["id"].as_str().unwrap().to_string();
    let grant = format!(
        "/v3/projects/{}/users/{uid}/roles/{custom_id}",
        app.admin_project_id
    );
    assert_eq!(app.put(&grant).await.status(), 204);
    let token = scoped_login(&app, "gil", "pw-of-a-member-1").await;
    let b = create_ok(
        &app,
        &token,
        &uid,
        json!({"name": "b", "roles": [{"id": custom_id}]}),
    )
    .await;
    assert_eq!(
        app.delete(&format!("/v3/roles/{custom_id}")).await.status(),
        204
    );
    let listed = json(app.call(Method::GET, &creds_of(&uid), &token, None).await).await;
    let names: Vec<&str> = listed["application_credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(!names.contains(&"b"), "{names:?}");
    assert_eq!(
        app_cred_login(
            &app,
            by_id(b["id"].as_str().unwrap(), b["secret"].as_str().unwrap())
        )
        .await
        .status(),
        401
    );

    // Deleting the user deletes the rest.
    let c = create_ok(
        &app,
        &token,
        &uid,
        json!({"name": "c", "access_rules": [
        {"service": "identity", "method": "GET", "path": "/v3"}]}),
    )
    .await;
    assert_eq!(app.delete(&me).await.status(), 204);
    assert_eq!(app_cred_login(&app, login).await.status(), 401);
    let c_path = format!("{}/{}", creds_of(&uid), c["id"].as_str().unwrap());
    assert_eq!(app.get(&c_path).await.status(), 404);
    let (count, rules): (i64, i64) = app.with_db(|conn| {
        use diesel::prelude::*;
        use iam_groups::db::schema::{access_rules, application_credentials};
        (
            application_credentials::table
                .filter(application_credentials::user_id.eq(&uid))
                .count()
                .get_result(conn)
                .unwrap(),
            access_rules::table
                .filter(access_rules::user_id.eq(&uid))
                .count()
                .get_result(conn)
                .unwrap(),
        )
    });
    assert_eq!((count, rules), (0, 0));
}

async fn changes_are_audited() {
    let app = crate::helpers::spawn_app().await;
    let admin = app.admin_id.clone();
    let created = create_ok(&app, &app.admin_token, &admin, json!({"name": "audited"})).await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        app.delete(&format!("{}/{id}", creds_of(&admin)))
            .await
            .status(),
        204
    );
    let events = json(app.get("/v3/audit-events").await).await;
    let text = events.to_string();
    assert!(text.contains(id), "{text}");
    assert!(
        text.contains("identity.application_credential.created"),
        "{text}"
    );
    assert!(
        text.contains("identity.application_credential.deleted"),
        "{text}"
    );
    assert!(!text.contains(created["secret"].as_str().unwrap()));
}

both_backends!(
    create_show_list_and_delete,
    sign_in_by_id_and_by_name,
    roles_are_a_subset_of_the_token_s,
    bad_bodies_are_keystone_400s,
    expiry_ends_the_credential_and_its_tokens,
    restricted_credentials_cannot_manage_credentials,
    access_rules_limit_what_a_token_reaches,
    owners_and_admins_only,
    users_and_roles_take_their_credentials_with_them,
    changes_are_audited,
);
