//! POST/GET/HEAD/DELETE /v3/auth/tokens and /v3/auth/catalog.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_error, json, password_auth, spawn_app, TestApp, ADMIN_PASSWORD};

fn keystone_time(s: &str) -> bool {
    // 2026-11-22T10:00:00.000000Z
    s.len() == 27
        && s.as_bytes()[10] == b'T'
        && s.ends_with('Z')
        && s.as_bytes()[19] == b'.'
        && chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

async fn issue(app: &TestApp, body: Value) -> reqwest::Response {
    app.call(Method::POST, "/v3/auth/tokens", "", Some(body))
        .await
}

async fn validate(app: &TestApp, caller: &str, subject: &str) -> reqwest::Response {
    app.client
        .get(app.url("/v3/auth/tokens"))
        .header("X-Auth-Token", caller)
        .header("X-Subject-Token", subject)
        .send()
        .await
        .unwrap()
}

async fn admin_password_token_is_project_scoped_with_roles_and_catalog() {
    let app = spawn_app().await;
    let resp = issue(&app, password_auth("admin", ADMIN_PASSWORD)).await;
    assert_eq!(resp.status(), 201);
    let token = resp.headers()["x-subject-token"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(token.len() > 20);
    let body = json(resp).await;
    let t = &body["token"];
    assert_eq!(t["methods"], json!(["password"]));
    assert_eq!(t["user"]["id"], app.admin_id);
    assert_eq!(t["user"]["name"], "admin");
    assert_eq!(
        t["user"]["domain"],
        json!({"id": "default", "name": "Default"})
    );
    assert_eq!(t["user"]["password_expires_at"], Value::Null);
    assert_eq!(t["audit_ids"].as_array().unwrap().len(), 1);
    assert_eq!(t["audit_ids"][0].as_str().unwrap().len(), 22);
    assert!(keystone_time(t["expires_at"].as_str().unwrap()), "{t}");
    assert!(keystone_time(t["issued_at"].as_str().unwrap()), "{t}");
    let issued = chrono::DateTime::parse_from_rfc3339(t["issued_at"].as_str().unwrap()).unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(t["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!((expires - issued).num_seconds(), 3600);
    assert_eq!(t["project"]["id"], app.admin_project_id);
    assert_eq!(t["project"]["name"], "admin");
    assert_eq!(
        t["project"]["domain"],
        json!({"id": "default", "name": "Default"})
    );
    assert_eq!(t["is_domain"], false);
    // admin, and the roles it implies (Keystone's bootstrap inference rules).
    let mut roles: Vec<&str> = t["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    roles.sort();
    assert_eq!(roles, ["admin", "manager", "member", "reader"]);
    let catalog = t["catalog"].as_array().unwrap();
    assert_eq!(catalog.len(), 1);
    assert_eq!(catalog[0]["type"], "identity");
    let mut interfaces: Vec<&str> = catalog[0]["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["region_id"], "RegionOne");
            assert_eq!(e["url"], format!("{}/v3", app.base));
            e["interface"].as_str().unwrap()
        })
        .collect();
    interfaces.sort();
    assert_eq!(interfaces, ["admin", "internal", "public"]);
}

async fn users_are_found_by_id_or_by_name_with_domain_id_or_name() {
    let app = spawn_app().await;
    for user in [
        json!({"id": app.admin_id, "password": ADMIN_PASSWORD}),
        json!({"name": "admin", "domain": {"id": "default"}, "password": ADMIN_PASSWORD}),
        json!({"name": "admin", "domain": {"name": "Default"}, "password": ADMIN_PASSWORD}),
    ] {
        let body =
            json!({"auth": {"identity": {"methods": ["password"], "password": {"user": user}}}});
        assert_eq!(issue(&app, body).await.status(), 201);
    }
}

async fn explicit_scopes_and_unscoped_tokens() {
    let app = spawn_app().await;
    let scoped = |scope: Value| {
        let mut body = password_auth("admin", ADMIN_PASSWORD);
        body["auth"]["scope"] = scope;
        body
    };
    let resp = issue(
        &app,
        scoped(json!({"project": {"id": app.admin_project_id}})),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let resp = issue(
        &app,
        scoped(json!({"project": {"name": "admin", "domain": {"name": "Default"}}})),
    )
    .await;
    assert_eq!(resp.status(), 201);

    let resp = issue(&app, scoped(json!("unscoped"))).await;
    assert_eq!(resp.status(), 201);
    let t = json(resp).await;
    assert!(t["token"].get("project").is_none());
    assert!(t["token"].get("roles").is_none());
    assert!(t["token"].get("catalog").is_none());

    // The admin holds no role on the domain itself, and no project is called "nope".
    let resp = issue(&app, scoped(json!({"domain": {"id": "default"}}))).await;
    assert_error(resp, 401, "requires authentication").await;
    let resp = issue(
        &app,
        scoped(json!({"project": {"name": "nope", "domain": {"id": "default"}}})),
    )
    .await;
    assert_error(resp, 401, "requires authentication").await;
}

async fn wrong_passwords_and_unknown_users_look_the_same() {
    let app = spawn_app().await;
    let wrong = issue(&app, password_auth("admin", "not-it")).await;
    assert!(wrong.headers().contains_key("www-authenticate"));
    let wrong = assert_error(wrong, 401, "requires authentication").await;
    let unknown = issue(&app, password_auth("ghost", "not-it")).await;
    let unknown = assert_error(unknown, 401, "requires authentication").await;
    assert_eq!(wrong, unknown);
}

async fn malformed_auth_requests_are_400() {
    let app = spawn_app().await;
    for body in [
        json!({}),
        json!({"auth": {}}),
        json!({"auth": {"identity": {"methods": "password"}}}),
        json!({"auth": {"identity": {"methods": ["password"]}}}),
        json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "password": "x"}}}}}),
        json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {"id": 5, "password": "x"}}}}}),
    ] {
        let resp = issue(&app, body.clone()).await;
        assert_eq!(resp.status(), 400, "{body}");
        assert_error(resp, 400, "").await;
    }
}

async fn auth_request_refusals_are_in_keystones_words() {
    let app = spawn_app().await;
    let cases = [
        (
            json!({}),
            "Invalid input for field 'auth': 'auth' is a required property",
        ),
        (
            json!({"auth": {}}),
            "Invalid input for field 'auth.identity': 'identity' is a required property",
        ),
        (
            json!({"auth": {"identity": {"methods": ["password"],
                "password": {"user": {"name": "admin", "domain": {"id": "default"}}}}}}),
            "Invalid input for field 'auth.identity.password.user.password': \
             'password' is a required property",
        ),
        (
            json!({"auth": {"identity": {"methods": ["password"],
                "password": {"user": {"name": "admin", "domain": {"id": "default"},
                "password": 1234}}}}}),
            "Invalid input for field 'auth.identity.password.user.password': \
             the value is not of type 'string'",
        ),
        (
            json!({"auth": {"identity": {"methods": ["password"],
                "password": {"user": {"name": "admin", "domain": {"id": "default"},
                "password": ADMIN_PASSWORD}}},
                "scope": {"project": {"id": 5}}}}),
            "Invalid input for field 'auth.scope.project.id': \
             invalid type: integer `5`, expected a string",
        ),
        (
            json!({"auth": {"identity": {"methods": ["password"],
                "password": {"user": {"name": "admin", "domain": {"id": "default"},
                "password": ADMIN_PASSWORD}}},
                "scope": {"system": {"all": false}}}}),
            "Expecting to find \"all\": true in system scope. The server could not comply \
             with the request since it is either malformed or otherwise incorrect. The client \
             is assumed to be in error.",
        ),
    ];
    for (body, message) in cases {
        let resp = issue(&app, body.clone()).await;
        let error = assert_error(resp, 400, "").await;
        assert_eq!(error["error"]["message"], message, "{body}");
    }
    // The document's body is the parser's.
    let doc = json(app.get("/openapi.json").await).await;
    let schema = &doc["paths"]["/v3/auth/tokens"]["post"]["requestBody"]["content"]
        ["application/json"]["schema"];
    assert_eq!(schema["required"], json!(["auth"]));
    let auth = &schema["properties"]["auth"];
    assert_eq!(auth["required"], json!(["identity"]));
    let user = &auth["properties"]["identity"]["properties"]["password"]["properties"]["user"];
    assert_eq!(user["required"], json!(["password"]));
    assert_eq!(
        user["properties"]["domain"]["properties"]["name"]["type"],
        "string"
    );
    let scope = &auth["properties"]["scope"]["oneOf"];
    assert_eq!(scope[1], json!({"type": "string", "enum": ["unscoped"]}));
    assert_eq!(
        scope[0]["properties"]["project"]["properties"]["domain"]["properties"]["id"]["type"],
        "string"
    );
}

/// The one audit event of the request `resp` answered.
async fn event_of(app: &TestApp, resp: &reqwest::Response) -> Value {
    let id = resp.headers()["x-openstack-request-id"]
        .to_str()
        .expect("request id")
        .to_string();
    let body = json(app.get(&format!("/v3/audit-events?request_id={id}")).await).await;
    let events = body["audit_events"].as_array().expect("events").clone();
    assert_eq!(events.len(), 1, "{events:?}");
    events[0].clone()
}

async fn logins_rescopes_and_revocations_say_their_events() {
    let app = spawn_app().await;
    let bob_id = app.create_user("bob", "bob-pw-123").await;
    // A refused login of an unknown user names the account as given; nobody initiated it.
    let resp = issue(
        &app,
        json!({"auth": {"identity": {"methods": ["password"], "password": {"user":
            {"name": "ghost", "domain": {"name": "Default"}, "password": "x"}}}}}),
    )
    .await;
    assert_eq!(resp.status(), 401);
    let e = event_of(&app, &resp).await;
    assert_eq!(
        (&e["event_type"], &e["outcome"], &e["target"]["type"]),
        (
            &json!("identity.authenticate"),
            &json!("failure"),
            &json!("user")
        )
    );
    assert!(
        e["target"]["id"].is_null() && e["initiator"]["id"].is_null(),
        "{e}"
    );
    assert_eq!(
        (&e["target"]["name"], &e["target"]["domain"]),
        (&json!("ghost"), &json!("Default"))
    );
    // A wrong password of a known user: the user is the target, not the initiator.
    let resp = issue(&app, password_auth("bob", "wrong")).await;
    assert_eq!(resp.status(), 401);
    let e = event_of(&app, &resp).await;
    assert_eq!(e["target"]["id"], bob_id.as_str());
    assert!(
        e["initiator"]["id"].is_null() && e["target"]["name"].is_null(),
        "{e}"
    );
    // A rescope is a login of the token's user.
    let bob = app.login("bob", "bob-pw-123").await;
    let resp = issue(
        &app,
        json!({"auth": {"identity": {"methods": ["token"], "token": {"id": bob}}}}),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let e = event_of(&app, &resp).await;
    assert_eq!(
        (&e["outcome"], &e["target"]["id"], &e["initiator"]["id"]),
        (&json!("success"), &json!(bob_id), &json!(bob_id))
    );
    // Revoking another user's token is refused and audited as the one who tried.
    let resp = app
        .client
        .delete(app.url("/v3/auth/tokens"))
        .header("X-Auth-Token", &bob)
        .header("X-Subject-Token", &app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let e = event_of(&app, &resp).await;
    assert_eq!(
        (
            &e["event_type"],
            &e["outcome"],
            &e["initiator"]["id"],
            &e["target"]["type"]
        ),
        (
            &json!("identity.token.deleted"),
            &json!("failure"),
            &json!(bob_id),
            &json!("token")
        )
    );
    assert!(e["target"]["id"].is_null(), "{e}");
}

async fn tokens_validate_and_check_and_honour_nocatalog() {
    let app = spawn_app().await;
    let subject = app.login("admin", ADMIN_PASSWORD).await;
    let resp = validate(&app, &app.admin_token, &subject).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-subject-token"], subject.as_str());
    let body = json(resp).await;
    assert_eq!(body["token"]["user"]["id"], app.admin_id);
    assert!(body["token"]["catalog"].is_array());

    let resp = app
        .client
        .get(app.url("/v3/auth/tokens?nocatalog"))
        .header("X-Auth-Token", &app.admin_token)
        .header("X-Subject-Token", &subject)
        .send()
        .await
        .unwrap();
    assert!(json(resp).await["token"].get("catalog").is_none());

    let resp = app
        .client
        .head(app.url("/v3/auth/tokens"))
        .header("X-Auth-Token", &app.admin_token)
        .header("X-Subject-Token", &subject)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    let resp = validate(&app, &app.admin_token, "not-a-token").await;
    assert_error(resp, 404, "Could not find token").await;
    let resp = app.get("/v3/auth/tokens").await;
    assert_error(resp, 400, "X-Subject-Token").await;
}

async fn revoked_tokens_are_refused_everywhere() {
    let app = spawn_app().await;
    let victim = app.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(
        app.call(Method::GET, "/v3/groups", &victim, None)
            .await
            .status(),
        200
    );
    let resp = app
        .client
        .delete(app.url("/v3/auth/tokens"))
        .header("X-Auth-Token", &app.admin_token)
        .header("X-Subject-Token", &victim)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let resp = app.call(Method::GET, "/v3/groups", &victim, None).await;
    assert_error(resp, 401, "requires authentication").await;
    let resp = validate(&app, &app.admin_token, &victim).await;
    assert_error(resp, 404, "Could not find token").await;
    // The admin's other token is untouched.
    assert_eq!(app.get("/v3/groups").await.status(), 200);
}

async fn a_token_can_revoke_itself() {
    let app = spawn_app().await;
    let token = app.login("admin", ADMIN_PASSWORD).await;
    let resp = app
        .client
        .delete(app.url("/v3/auth/tokens"))
        .header("X-Auth-Token", &token)
        .header("X-Subject-Token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(
        app.call(Method::GET, "/v3/groups", &token, None)
            .await
            .status(),
        401
    );
}

async fn expired_tokens_are_refused() {
    let app = spawn_app_short_lived().await;
    let token = app.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(
        app.call(Method::GET, "/v3/groups", &token, None)
            .await
            .status(),
        200
    );
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let resp = app.call(Method::GET, "/v3/groups", &token, None).await;
    assert_error(resp, 401, "requires authentication").await;
}

async fn spawn_app_short_lived() -> TestApp {
    crate::helpers::spawn_app_with(&[("IAM_GROUPS_TOKEN_EXPIRATION", "2")]).await
}

async fn tokens_from_another_instance_with_the_same_key_file_are_accepted() {
    let first = spawn_app().await;
    let key_file = first.dir.path().join("token.key").display().to_string();
    let db = first.database_url.clone();
    let second = crate::helpers::spawn_app_with(&[
        ("IAM_GROUPS_TOKEN_KEY_FILE", key_file.as_str()),
        ("IAM_GROUPS_DATABASE_URL", db.as_str()),
    ])
    .await;
    let resp = second
        .call(Method::GET, "/v3/groups", &first.admin_token, None)
        .await;
    assert_eq!(resp.status(), 200);

    // The same key but another database: the user does not exist there.
    let other = spawn_app().await;
    let resp = other
        .call(Method::GET, "/v3/groups", &first.admin_token, None)
        .await;
    assert_eq!(resp.status(), 401);
}

async fn rescoping_with_the_token_method_chains_audit_ids() {
    let app = spawn_app().await;
    let original = app.login("admin", ADMIN_PASSWORD).await;
    let body = json!({"auth": {"identity": {"methods": ["token"], "token": {"id": original}},
        "scope": {"project": {"id": app.admin_project_id}}}});
    let resp = issue(&app, body).await;
    assert_eq!(resp.status(), 201);
    let rescoped = resp.headers()["x-subject-token"]
        .to_str()
        .unwrap()
        .to_string();
    let t = json(resp).await;
    assert_eq!(t["token"]["methods"], json!(["token", "password"]));
    assert_eq!(t["token"]["audit_ids"].as_array().unwrap().len(), 2);

    // Revoking the original takes the rescoped token with it.
    let resp = app
        .client
        .delete(app.url("/v3/auth/tokens"))
        .header("X-Auth-Token", &app.admin_token)
        .header("X-Subject-Token", &original)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(
        app.call(Method::GET, "/v3/groups", &rescoped, None)
            .await
            .status(),
        401
    );
}

async fn users_validate_their_own_tokens_but_not_others() {
    let app = spawn_app().await;
    app.create_user("alice", "alice-pw-1").await;
    let alice = app.login("alice", "alice-pw-1").await;
    assert_eq!(validate(&app, &alice, &alice).await.status(), 200);
    let resp = validate(&app, &alice, &app.admin_token).await;
    assert_error(resp, 403, "identity:validate_token").await;
}

async fn catalog_needs_a_scoped_token() {
    let app = spawn_app().await;
    let resp = app.get("/v3/auth/catalog").await;
    assert_eq!(resp.status(), 200);
    let body = json(resp).await;
    assert_eq!(body["catalog"][0]["type"], "identity");
    app.create_user("bob", "bob-pw-123").await;
    let bob = app.login("bob", "bob-pw-123").await;
    let resp = app.call(Method::GET, "/v3/auth/catalog", &bob, None).await;
    assert_error(resp, 403, "scoped token").await;
}

both_backends!(
    admin_password_token_is_project_scoped_with_roles_and_catalog,
    users_are_found_by_id_or_by_name_with_domain_id_or_name,
    explicit_scopes_and_unscoped_tokens,
    wrong_passwords_and_unknown_users_look_the_same,
    malformed_auth_requests_are_400,
    auth_request_refusals_are_in_keystones_words,
    logins_rescopes_and_revocations_say_their_events,
    tokens_validate_and_check_and_honour_nocatalog,
    revoked_tokens_are_refused_everywhere,
    a_token_can_revoke_itself,
    expired_tokens_are_refused,
    tokens_from_another_instance_with_the_same_key_file_are_accepted,
    rescoping_with_the_token_method_chains_audit_ids,
    users_validate_their_own_tokens_but_not_others,
    catalog_needs_a_scoped_token,
);
