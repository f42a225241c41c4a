//! OS-TRUST, from Keystone's API reference and its trust tests: `/v3/OS-TRUST/trusts` (every
//! field, filter, status and error), trust-scoped tokens with and without impersonation,
//! `remaining_uses`, expiry, redelegation, and what ends a trust's tokens.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_error, json, spawn_app, spawn_app_with, TestApp};

const TRUSTS: &str = "/v3/OS-TRUST/trusts";
const TINA_PW: &str = "tina-password-1";
const TED_PW: &str = "ted-password-1";
const UMA_PW: &str = "uma-password-1";

/// A project, two roles on it for the trustor (one to delegate, one to keep), the trustor
/// tina (a token scoped to the project) and the trustee ted (an unscoped token).
struct World {
    app: TestApp,
    project: String,
    delegated: String,
    kept: String,
    tina: String,
    tina_token: String,
    ted: String,
    ted_token: String,
}

async fn id_of(resp: reqwest::Response, kind: &str) -> String {
    assert_eq!(resp.status(), 201, "create {kind}");
    json(resp).await[kind]["id"].as_str().unwrap().to_string()
}

async fn world_of(app: TestApp) -> World {
    let project = id_of(
        app.post(
            "/v3/projects",
            json!({"project": {"name": "trusted", "domain_id": "default"}}),
        )
        .await,
        "project",
    )
    .await;
    let delegated = id_of(
        app.post("/v3/roles", json!({"role": {"name": "delegated"}}))
            .await,
        "role",
    )
    .await;
    let kept = id_of(
        app.post("/v3/roles", json!({"role": {"name": "kept"}}))
            .await,
        "role",
    )
    .await;
    let tina = app.create_user("tina", TINA_PW).await;
    let ted = app.create_user("ted", TED_PW).await;
    for role in [&delegated, &kept] {
        let path = format!("/v3/projects/{project}/users/{tina}/roles/{role}");
        assert_eq!(app.put(&path).await.status(), 204);
    }
    let tina_token = login(&app, &tina, TINA_PW, json!({"project": {"id": project}})).await;
    let ted_token = login(&app, &ted, TED_PW, json!("unscoped")).await;
    World {
        app,
        project,
        delegated,
        kept,
        tina,
        tina_token,
        ted,
        ted_token,
    }
}

async fn world() -> World {
    world_of(spawn_app().await).await
}

fn password_body(user_id: &str, password: &str, scope: Value) -> Value {
    json!({"auth": {"identity": {"methods": ["password"],
        "password": {"user": {"id": user_id, "password": password}}}, "scope": scope}})
}

async fn login(app: &TestApp, user_id: &str, password: &str, scope: Value) -> String {
    let resp = app
        .call(
            Method::POST,
            "/v3/auth/tokens",
            "",
            Some(password_body(user_id, password, scope)),
        )
        .await;
    assert_eq!(resp.status(), 201, "login of {user_id}");
    resp.headers()["x-subject-token"]
        .to_str()
        .unwrap()
        .to_string()
}

/// Asks for a token scoped to `trust` with a password.
async fn trust_login(
    app: &TestApp,
    user_id: &str,
    password: &str,
    trust: &str,
) -> reqwest::Response {
    let scope = json!({"OS-TRUST:trust": {"id": trust}});
    app.call(
        Method::POST,
        "/v3/auth/tokens",
        "",
        Some(password_body(user_id, password, scope)),
    )
    .await
}

/// Asks for a token scoped to `trust` with a token.
async fn trust_rescope(app: &TestApp, token: &str, trust: &str) -> reqwest::Response {
    let body = json!({"auth": {"identity": {"methods": ["token"], "token": {"id": token}},
        "scope": {"OS-TRUST:trust": {"id": trust}}}});
    app.call(Method::POST, "/v3/auth/tokens", "", Some(body))
        .await
}

fn subject(resp: &reqwest::Response) -> String {
    resp.headers()["x-subject-token"]
        .to_str()
        .unwrap()
        .to_string()
}

/// Validates `token` with the admin's: the status, and the body when 200.
async fn validate(app: &TestApp, token: &str) -> (u16, Value) {
    let resp = app
        .client
        .get(app.url("/v3/auth/tokens"))
        .header("X-Auth-Token", &app.admin_token)
        .header("X-Subject-Token", token)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body = if status == 200 {
        json(resp).await
    } else {
        Value::Null
    };
    (status, body)
}

/// The status a request with `token` itself gets (the token's own validation).
async fn use_token(app: &TestApp, token: &str) -> u16 {
    app.call(Method::GET, "/v3/auth/catalog", token, None)
        .await
        .status()
        .as_u16()
}

impl World {
    fn trust_body(&self, extra: Value) -> Value {
        let mut trust = json!({
            "trustor_user_id": self.tina,
            "trustee_user_id": self.ted,
            "project_id": self.project,
            "impersonation": true,
            "roles": [{"name": "delegated"}],
        });
        for (k, v) in extra.as_object().unwrap() {
            trust[k] = v.clone();
        }
        json!({ "trust": trust })
    }

    async fn create(&self, token: &str, body: Value) -> reqwest::Response {
        self.app.call(Method::POST, TRUSTS, token, Some(body)).await
    }

    /// Tina's trust to ted with these fields changed; its id.
    async fn trust(&self, extra: Value) -> String {
        let resp = self.create(&self.tina_token, self.trust_body(extra)).await;
        assert_eq!(resp.status(), 201, "create trust");
        json(resp).await["trust"]["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    async fn as_user(&self, method: Method, path: &str, token: &str) -> reqwest::Response {
        self.app.call(method, path, token, None).await
    }
}

async fn create_show_list_and_delete_a_trust_as_keystone_shows_it() {
    let w = world().await;
    let later = (chrono::Utc::now() + chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M:%S.000000Z")
        .to_string();
    let resp = w
        .create(
            &w.tina_token,
            w.trust_body(json!({"expires_at": later, "remaining_uses": 5, "color": "blue"})),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let created = json(resp).await["trust"].clone();
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 32);
    assert_eq!(created["trustor_user_id"], w.tina.as_str());
    assert_eq!(created["trustee_user_id"], w.ted.as_str());
    assert_eq!(created["project_id"], w.project.as_str());
    assert_eq!(created["impersonation"], true);
    assert_eq!(created["expires_at"], later.as_str());
    assert_eq!(created["remaining_uses"], 5);
    assert_eq!(created["redelegation_count"], 0);
    assert_eq!(created["redelegated_trust_id"], Value::Null);
    assert_eq!(created["deleted_at"], Value::Null);
    assert_eq!(created["color"], "blue", "extra attributes are kept");
    let self_link = created["links"]["self"].as_str().unwrap();
    assert!(
        self_link.ends_with(&format!("/v3/OS-TRUST/trusts/{id}")),
        "{self_link}"
    );
    let roles = created["roles"].as_array().unwrap();
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0]["id"], w.delegated.as_str());
    assert_eq!(roles[0]["name"], "delegated");
    assert_eq!(roles[0]["domain_id"], Value::Null);
    assert!(roles[0]["links"]["self"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/v3/roles/{}", w.delegated)));
    assert!(created["roles_links"]["self"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/v3/OS-TRUST/trusts/{id}/roles")));
    assert_eq!(created["roles_links"]["next"], Value::Null);

    // The trustor, the trustee and the admin see it; someone else does not.
    let one = format!("{TRUSTS}/{id}");
    for token in [&w.tina_token, &w.ted_token, &w.app.admin_token] {
        let resp = w.as_user(Method::GET, &one, token).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(json(resp).await["trust"], created);
    }
    let uma = w.app.create_user("uma", UMA_PW).await;
    let uma_token = login(&w.app, &uma, UMA_PW, json!("unscoped")).await;
    assert_error(
        w.as_user(Method::GET, &one, &uma_token).await,
        403,
        "identity:get_trust",
    )
    .await;
    // A trust that does not exist is a 404 for everyone, before the policy.
    for token in [&uma_token, &w.app.admin_token] {
        let resp = w
            .as_user(Method::GET, &format!("{TRUSTS}/nosuchtrust"), token)
            .await;
        assert_error(resp, 404, "Could not find trust: nosuchtrust.").await;
    }

    // Its roles, and one of them (GET and HEAD); a role it does not delegate is a 404.
    let resp = w
        .as_user(Method::GET, &format!("{one}/roles"), &w.ted_token)
        .await;
    assert_eq!(resp.status(), 200);
    let listed = json(resp).await;
    assert_eq!(listed["roles"], created["roles"]);
    assert_eq!(listed["links"], created["roles_links"]);
    let role_path = format!("{one}/roles/{}", w.delegated);
    let resp = w.as_user(Method::GET, &role_path, &w.tina_token).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(json(resp).await["role"], created["roles"][0]);
    let resp = w.as_user(Method::HEAD, &role_path, &w.ted_token).await;
    assert_eq!(resp.status(), 200);
    let kept_path = format!("{one}/roles/{}", w.kept);
    assert_error(
        w.as_user(Method::GET, &kept_path, &w.tina_token).await,
        404,
        &format!("Could not find role: {}.", w.kept),
    )
    .await;
    assert_eq!(
        w.as_user(Method::HEAD, &kept_path, &w.tina_token)
            .await
            .status(),
        404
    );
    assert_error(
        w.as_user(Method::GET, &format!("{one}/roles"), &uma_token)
            .await,
        403,
        "identity:list_roles_for_trust",
    )
    .await;

    // Lists: by trustor or trustee (non-admins only for themselves), all for admins.
    let list = |q: &str| format!("{TRUSTS}{q}");
    let resp = w
        .as_user(
            Method::GET,
            &list(&format!("?trustor_user_id={}", w.tina)),
            &w.tina_token,
        )
        .await;
    assert_eq!(resp.status(), 200);
    let page = json(resp).await;
    let items = page["trusts"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], id.as_str());
    assert!(items[0].get("roles").is_none(), "lists show no roles");
    assert_eq!(items[0]["expires_at"], later.as_str());
    assert!(page["links"]["self"]
        .as_str()
        .unwrap()
        .contains("OS-TRUST/trusts"));
    let resp = w
        .as_user(
            Method::GET,
            &list(&format!("?trustee_user_id={}", w.ted)),
            &w.ted_token,
        )
        .await;
    assert_eq!(json(resp).await["trusts"][0]["id"], id.as_str());
    assert_error(
        w.as_user(
            Method::GET,
            &list(&format!("?trustor_user_id={}", w.tina)),
            &w.ted_token,
        )
        .await,
        403,
        "identity:list_trusts_for_trustor",
    )
    .await;
    assert_error(
        w.as_user(
            Method::GET,
            &list(&format!("?trustee_user_id={}", w.ted)),
            &w.tina_token,
        )
        .await,
        403,
        "identity:list_trusts_for_trustee",
    )
    .await;
    assert_error(
        w.as_user(Method::GET, TRUSTS, &w.tina_token).await,
        403,
        "identity:list_trusts",
    )
    .await;
    let all = json(w.app.get(TRUSTS).await).await;
    assert_eq!(all["trusts"].as_array().unwrap().len(), 1);
    let none = json(w.app.get(&list(&format!("?trustee_user_id={uma}"))).await).await;
    assert_eq!(none["trusts"], json!([]));

    // Only the trustor (or an admin) deletes it; then it is gone.
    assert_error(
        w.as_user(Method::DELETE, &one, &w.ted_token).await,
        403,
        "identity:delete_trust",
    )
    .await;
    assert_eq!(
        w.as_user(Method::DELETE, &one, &w.tina_token)
            .await
            .status(),
        204
    );
    assert_eq!(
        w.as_user(Method::GET, &one, &w.tina_token).await.status(),
        404
    );
    assert_eq!(
        w.as_user(Method::DELETE, &one, &w.tina_token)
            .await
            .status(),
        404
    );
    let again = w.trust(json!({})).await;
    assert_eq!(
        w.app.delete(&format!("{TRUSTS}/{again}")).await.status(),
        204
    );

    // Every change is audited under Keystone's resource name.
    let events = json(
        w.app
            .get("/v3/audit-events?event_type=identity.OS-TRUST:trust.created")
            .await,
    )
    .await;
    assert!(events.to_string().contains(&id), "{events}");
}

async fn creates_are_refused_as_keystone_refuses_them() {
    let w = world().await;
    let tok = w.tina_token.clone();
    // Policy: only the trustor itself, not even an admin for someone else.
    let resp = w.create(&w.app.admin_token, w.trust_body(json!({}))).await;
    assert_error(resp, 403, "identity:create_trust").await;
    let resp = w
        .create(
            &w.ted_token,
            w.trust_body(json!({"trustee_user_id": w.tina})),
        )
        .await;
    assert_error(resp, 403, "identity:create_trust").await;
    // A project needs a role.
    let resp = w.create(&tok, w.trust_body(json!({"roles": []}))).await;
    assert_error(resp, 403, "At least one role should be specified").await;
    let mut body = w.trust_body(json!({}));
    body["trust"].as_object_mut().unwrap().remove("roles");
    assert_error(w.create(&tok, body).await, 403, "At least one role").await;
    // The trustee, the project and the roles must exist; the trustor must hold the roles.
    let resp = w
        .create(&tok, w.trust_body(json!({"trustee_user_id": "nobody"})))
        .await;
    assert_error(resp, 404, "Could not find user: nobody.").await;
    let resp = w
        .create(&tok, w.trust_body(json!({"project_id": "noproject"})))
        .await;
    assert_error(resp, 404, "Could not find project: noproject.").await;
    let resp = w
        .create(
            &tok,
            w.trust_body(json!({"roles": [{"name": "no-such-role"}]})),
        )
        .await;
    assert_error(resp, 404, "Could not find role: no-such-role.").await;
    let resp = w
        .create(&tok, w.trust_body(json!({"roles": [{"name": "admin"}]})))
        .await;
    assert_error(resp, 404, "Could not find role:").await;
    let resp = w
        .create(&tok, w.trust_body(json!({"roles": [{"id": "0badc0de"}]})))
        .await;
    assert_error(resp, 404, "Could not find role: 0badc0de.").await;
    // The body's shape, in Keystone's words.
    for (field, value, words) in [
        (
            "expires_at",
            json!("bad.123Z"),
            "Timestamp not in expected format",
        ),
        (
            "expires_at",
            json!("2001-01-01T00:00:00Z"),
            "must not be before now",
        ),
        (
            "remaining_uses",
            json!(0),
            "0 is less than the minimum of 1",
        ),
        (
            "remaining_uses",
            json!("3"),
            "is not of type 'integer', 'null'",
        ),
        (
            "redelegation_count",
            json!(-1),
            "-1 is less than the minimum of 0",
        ),
        ("impersonation", json!("yes"), "is not of type 'boolean'"),
        (
            "allow_redelegation",
            json!(1),
            "is not of type 'boolean', 'null'",
        ),
        (
            "roles",
            json!([{"id": "a", "name": "b"}]),
            "exactly one property",
        ),
        (
            "roles",
            json!({"name": "delegated"}),
            "is not of type 'array'",
        ),
        ("trustee_user_id", json!(5), "is not of type 'string'"),
    ] {
        let resp = w.create(&tok, w.trust_body(json!({ field: value }))).await;
        assert_error(resp, 400, words).await;
    }
    for missing in ["trustor_user_id", "trustee_user_id", "impersonation"] {
        let mut body = w.trust_body(json!({}));
        body["trust"].as_object_mut().unwrap().remove(missing);
        let resp = w.create(&tok, body).await;
        assert_error(resp, 400, &format!("'{missing}' is a required property")).await;
    }
    assert_error(w.create(&tok, json!({"nottrust": {}})).await, 400, "trust").await;
    // Redelegation settings that cannot hold.
    let resp = w
        .create(
            &tok,
            w.trust_body(json!({"allow_redelegation": true, "remaining_uses": 2})),
        )
        .await;
    assert_error(
        resp,
        400,
        "remaining_uses must not be set if redelegation is allowed",
    )
    .await;
    let resp = w
        .create(
            &tok,
            w.trust_body(json!({"allow_redelegation": true, "redelegation_count": 4})),
        )
        .await;
    assert_error(
        resp,
        403,
        "Requested redelegation depth of 4 is greater than allowed 3",
    )
    .await;
    // The same trust twice is a conflict (Keystone's duplicate_trust_constraint).
    let later = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    let body = w.trust_body(json!({"expires_at": later}));
    assert_eq!(w.create(&tok, body.clone()).await.status(), 201);
    assert_error(w.create(&tok, body).await, 409, "Conflict occurred").await;
    // No token: 401.
    assert_eq!(w.create("", w.trust_body(json!({}))).await.status(), 401);
    // Without a project, no roles are needed (nor allowed: the trustor holds none there).
    let resp = w
        .create(&tok, w.trust_body(json!({"project_id": null, "roles": []})))
        .await;
    assert_eq!(resp.status(), 201);
    let plain = json(resp).await["trust"].clone();
    assert_eq!(plain["project_id"], Value::Null);
    assert_eq!(plain["roles"], json!([]));
}

/// The trust block and the user a trust-scoped token shows.
fn check_trust_block(body: &Value, w: &World, trust: &str, impersonation: bool) {
    let token = &body["token"];
    assert_eq!(
        token["OS-TRUST:trust"],
        json!({"id": trust, "impersonation": impersonation,
            "trustee_user": {"id": w.ted}, "trustor_user": {"id": w.tina}})
    );
    let user = if impersonation { &w.tina } else { &w.ted };
    assert_eq!(token["user"]["id"], user.as_str());
    assert_eq!(token["project"]["id"], w.project.as_str());
    let roles: Vec<&str> = token["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        ["delegated"],
        "the delegated role only, not the kept one"
    );
    assert!(token.get("is_domain").is_none());
}

async fn trust_tokens_with_and_without_impersonation() {
    let w = world().await;
    for impersonation in [true, false] {
        let trust = w
            .trust(json!({"impersonation": impersonation, "expires_at": null}))
            .await;
        // By password and by token, the trustee gets the trust's project and roles.
        let resp = trust_login(&w.app, &w.ted, TED_PW, &trust).await;
        assert_eq!(resp.status(), 201);
        let by_password = subject(&resp);
        let body = json(resp).await;
        check_trust_block(&body, &w, &trust, impersonation);
        assert_eq!(body["token"]["methods"], json!(["password"]));
        assert!(body["token"]["catalog"].is_array());
        let resp = trust_rescope(&w.app, &w.ted_token, &trust).await;
        assert_eq!(resp.status(), 201);
        let by_token = subject(&resp);
        check_trust_block(&json(resp).await, &w, &trust, impersonation);
        // Validation shows the trust too, and the token works as a caller's.
        for token in [&by_password, &by_token] {
            let (status, body) = validate(&w.app, token).await;
            assert_eq!(status, 200);
            check_trust_block(&body, &w, &trust, impersonation);
            assert_eq!(use_token(&w.app, token).await, 200);
        }
        // A trust-scoped token cannot be rescoped, to any scope.
        for scope in [json!({"OS-TRUST:trust": {"id": trust}}), json!("unscoped")] {
            let body = json!({"auth": {"identity": {"methods": ["token"],
                "token": {"id": by_token}}, "scope": scope}});
            let resp = w
                .app
                .call(Method::POST, "/v3/auth/tokens", "", Some(body))
                .await;
            assert_error(
                resp,
                403,
                "Using trust-scoped token to create another token",
            )
            .await;
        }
        // The trustor is not the trustee.
        let resp = trust_login(&w.app, &w.tina, TINA_PW, &trust).await;
        assert_error(resp, 403, "User is not a trustee.").await;
    }
    // A missing trust is a 401; a malformed trust scope is a 400.
    let resp = trust_login(&w.app, &w.ted, TED_PW, "nosuchtrust").await;
    assert_eq!(resp.status(), 401);
    for scope in [
        json!({"OS-TRUST:trust": ""}),
        json!({"OS-TRUST:trust": {}}),
        json!({"OS-TRUST:trust": {"id": 5}}),
        json!({"OS-TRUST:trust": {"id": "x"}, "project": {"id": w.project}}),
    ] {
        let resp = w
            .app
            .call(
                Method::POST,
                "/v3/auth/tokens",
                "",
                Some(password_body(&w.ted, TED_PW, scope)),
            )
            .await;
        assert_eq!(resp.status(), 400);
    }
}

async fn remaining_uses_are_spent_one_token_each() {
    let w = world().await;
    let trust = w.trust(json!({"remaining_uses": 2})).await;
    let one = format!("{TRUSTS}/{trust}");
    let first = trust_login(&w.app, &w.ted, TED_PW, &trust).await;
    assert_eq!(first.status(), 201);
    let shown = json(w.as_user(Method::GET, &one, &w.tina_token).await).await;
    assert_eq!(shown["trust"]["remaining_uses"], 1);
    let last = trust_rescope(&w.app, &w.ted_token, &trust).await;
    assert_eq!(last.status(), 201);
    let last_token = subject(&last);
    // Used up: hidden as Keystone hides it, and no more tokens.
    assert_error(
        w.as_user(Method::GET, &one, &w.tina_token).await,
        404,
        "Could not find trust",
    )
    .await;
    assert_eq!(
        trust_login(&w.app, &w.ted, TED_PW, &trust).await.status(),
        401
    );
    // The token of its last use still holds (see the README).
    assert_eq!(use_token(&w.app, &last_token).await, 200);
    // An unlimited trust stays unlimited.
    let unlimited = w
        .trust(json!({"remaining_uses": null, "impersonation": false}))
        .await;
    for _ in 0..3 {
        let resp = trust_login(&w.app, &w.ted, TED_PW, &unlimited).await;
        assert_eq!(resp.status(), 201);
    }
    let shown = json(
        w.as_user(Method::GET, &format!("{TRUSTS}/{unlimited}"), &w.ted_token)
            .await,
    )
    .await;
    assert_eq!(shown["trust"]["remaining_uses"], Value::Null);
}

async fn an_expired_trust_gives_no_token_and_ends_its_tokens() {
    let w = world().await;
    let soon = chrono::Utc::now() + chrono::Duration::milliseconds(2500);
    let trust = w
        .trust(json!({"expires_at": soon.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()}))
        .await;
    let resp = trust_login(&w.app, &w.ted, TED_PW, &trust).await;
    assert_eq!(resp.status(), 201);
    let token = subject(&resp);
    let body = json(resp).await;
    // A token never outlives its trust.
    let expires =
        chrono::DateTime::parse_from_rfc3339(body["token"]["expires_at"].as_str().unwrap())
            .unwrap();
    assert!(
        expires <= soon + chrono::Duration::milliseconds(1),
        "{expires} > {soon}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(2700)).await;
    assert_eq!(use_token(&w.app, &token).await, 401);
    assert_eq!(validate(&w.app, &token).await.0, 404);
    assert_eq!(
        trust_login(&w.app, &w.ted, TED_PW, &trust).await.status(),
        401
    );
    let resp = w
        .as_user(Method::GET, &format!("{TRUSTS}/{trust}"), &w.tina_token)
        .await;
    assert_eq!(resp.status(), 404);
    // Lists still show it, as Keystone's do.
    let listed = json(
        w.as_user(
            Method::GET,
            &format!("{TRUSTS}?trustor_user_id={}", w.tina),
            &w.tina_token,
        )
        .await,
    )
    .await;
    assert_eq!(listed["trusts"][0]["id"], trust.as_str());
}

async fn losing_a_role_deleting_or_disabling_ends_trust_tokens() {
    let w = world().await;
    // The trustor loses the delegated role: its tokens fail, new ones are refused.
    let trust = w.trust(json!({})).await;
    let token = subject(&trust_login(&w.app, &w.ted, TED_PW, &trust).await);
    assert_eq!(use_token(&w.app, &token).await, 200);
    let grant = format!(
        "/v3/projects/{}/users/{}/roles/{}",
        w.project, w.tina, w.delegated
    );
    assert_eq!(w.app.delete(&grant).await.status(), 204);
    assert_eq!(use_token(&w.app, &token).await, 401);
    assert_eq!(validate(&w.app, &token).await.0, 404);
    let resp = trust_login(&w.app, &w.ted, TED_PW, &trust).await;
    assert_error(resp, 403, "Trustee has no delegated roles.").await;
    // Given back, the trust works again (roles are read on every validation).
    assert_eq!(w.app.put(&grant).await.status(), 204);
    assert_eq!(use_token(&w.app, &token).await, 200);

    // Deleting the trust ends its tokens.
    assert_eq!(
        w.as_user(Method::DELETE, &format!("{TRUSTS}/{trust}"), &w.tina_token)
            .await
            .status(),
        204
    );
    assert_eq!(use_token(&w.app, &token).await, 401);

    // The trustor disabled: its tokens are revoked (a trust token's too, as Keystone
    // matches revocations against the trustor), and issue is refused while it lasts.
    let trust = w.trust(json!({"impersonation": false})).await;
    let token = subject(&trust_login(&w.app, &w.ted, TED_PW, &trust).await);
    let tina = format!("/v3/users/{}", w.tina);
    let disable = json!({"user": {"enabled": false}});
    assert_eq!(w.app.patch(&tina, disable).await.status(), 200);
    assert_eq!(use_token(&w.app, &token).await, 401);
    let resp = trust_login(&w.app, &w.ted, TED_PW, &trust).await;
    assert_error(resp, 403, "Trustor is disabled.").await;
    let enable = json!({"user": {"enabled": true}});
    assert_eq!(w.app.patch(&tina, enable).await.status(), 200);
    assert_eq!(use_token(&w.app, &token).await, 401, "revoked for good");
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let token = subject(&trust_login(&w.app, &w.ted, TED_PW, &trust).await);
    assert_eq!(use_token(&w.app, &token).await, 200);
    // The trustee disabled: the same.
    let ted = format!("/v3/users/{}", w.ted);
    let disable = json!({"user": {"enabled": false}});
    assert_eq!(w.app.patch(&ted, disable).await.status(), 200);
    assert_eq!(use_token(&w.app, &token).await, 401);
    let enable = json!({"user": {"enabled": true}});
    assert_eq!(w.app.patch(&ted, enable).await.status(), 200);
    assert_eq!(use_token(&w.app, &token).await, 401);
    // The trustee deleted: the trust goes with it.
    assert_eq!(w.app.delete(&ted).await.status(), 204);
    assert_eq!(use_token(&w.app, &token).await, 401);
    assert_eq!(w.app.get(&format!("{TRUSTS}/{trust}")).await.status(), 404);
}

async fn redelegation_follows_keystone_s_rules() {
    let w = world().await;
    let uma = w.app.create_user("uma", UMA_PW).await;
    // A trust that may not be redelegated: its token makes no trust.
    let fixed = w.trust(json!({})).await;
    let fixed_token = subject(&trust_login(&w.app, &w.ted, TED_PW, &fixed).await);
    let chained = json!({"trust": {"trustor_user_id": w.tina, "trustee_user_id": uma,
        "project_id": w.project, "impersonation": true, "roles": [{"name": "delegated"}]}});
    let resp = w.create(&fixed_token, chained.clone()).await;
    assert_error(
        resp,
        403,
        "Remaining redelegation depth of 0 out of allowed range of [0..3]",
    )
    .await;

    // A redelegatable one: 3 by default; its trustee (impersonating tina) redelegates.
    let resp = w
        .create(
            &w.tina_token,
            w.trust_body(json!({"allow_redelegation": true})),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let parent = json(resp).await["trust"].clone();
    assert_eq!(parent["redelegation_count"], 3);
    let parent_id = parent["id"].as_str().unwrap();
    let parent_token = subject(&trust_login(&w.app, &w.ted, TED_PW, parent_id).await);
    let mut modified = chained.clone();
    modified["trust"]["allow_redelegation"] = json!(true);
    modified["trust"]["redelegation_count"] = json!(1);
    let resp = w.create(&parent_token, modified).await;
    assert_error(
        resp,
        403,
        "Modifying \"redelegation_count\" upon redelegation is forbidden",
    )
    .await;
    let mut with_uses = chained.clone();
    with_uses["trust"]["remaining_uses"] = json!(1);
    let resp = w.create(&parent_token, with_uses).await;
    assert_error(resp, 403, "Field \"remaining_uses\" is set to 1").await;
    let mut more_roles = chained.clone();
    more_roles["trust"]["roles"] = json!([{"name": "kept"}]);
    let resp = w.create(&parent_token, more_roles).await;
    assert_error(
        resp,
        403,
        "Some of requested roles are not in redelegated trust",
    )
    .await;
    let mut child_body = chained.clone();
    child_body["trust"]["allow_redelegation"] = json!(true);
    let resp = w.create(&parent_token, child_body).await;
    assert_eq!(resp.status(), 201);
    let child = json(resp).await["trust"].clone();
    assert_eq!(child["redelegated_trust_id"], parent["id"]);
    assert_eq!(child["redelegation_count"], 2);
    assert_eq!(child["trustor_user_id"], w.tina.as_str());
    // Uma's token from the child has the original trustor's delegated role.
    let child_id = child["id"].as_str().unwrap();
    let resp = trust_login(&w.app, &uma, UMA_PW, child_id).await;
    assert_eq!(resp.status(), 201);
    let child_token = subject(&resp);
    let body = json(resp).await;
    assert_eq!(body["token"]["user"]["id"], w.tina.as_str());
    assert_eq!(body["token"]["roles"][0]["name"], "delegated");
    // Deleting the parent deletes the trusts redelegated from it, and ends their tokens.
    assert_eq!(
        w.as_user(
            Method::DELETE,
            &format!("{TRUSTS}/{parent_id}"),
            &w.tina_token
        )
        .await
        .status(),
        204
    );
    assert_eq!(
        w.app.get(&format!("{TRUSTS}/{child_id}")).await.status(),
        404
    );
    assert_eq!(use_token(&w.app, &child_token).await, 401);

    // A non-impersonating trust is not redelegated into an impersonating one.
    let plain = w
        .trust(json!({"impersonation": false, "allow_redelegation": true}))
        .await;
    let plain_token = subject(&trust_login(&w.app, &w.ted, TED_PW, &plain).await);
    // Without impersonation the caller is ted, who must then be the trustor, and hold the
    // roles himself: he holds none on the project.
    let mut as_ted = chained.clone();
    as_ted["trust"]["trustor_user_id"] = json!(w.ted);
    let resp = w.create(&plain_token, as_ted).await;
    assert_error(resp, 404, "Could not find role").await;
}

async fn the_redelegation_depth_is_the_configured_one() {
    let app = spawn_app_with(&[("IAM_GROUPS_TRUST__MAX_REDELEGATION_COUNT", "1")]).await;
    let w = world_of(app).await;
    let resp = w
        .create(
            &w.tina_token,
            w.trust_body(json!({"allow_redelegation": true, "redelegation_count": 2})),
        )
        .await;
    assert_error(
        resp,
        403,
        "Requested redelegation depth of 2 is greater than allowed 1",
    )
    .await;
    let parent = w.trust(json!({"allow_redelegation": true})).await;
    let shown = json(w.app.get(&format!("{TRUSTS}/{parent}")).await).await;
    assert_eq!(shown["trust"]["redelegation_count"], 1);
    let uma = w.app.create_user("uma", UMA_PW).await;
    let token = subject(&trust_login(&w.app, &w.ted, TED_PW, &parent).await);
    let body = json!({"trust": {"trustor_user_id": w.tina, "trustee_user_id": uma,
        "project_id": w.project, "impersonation": true, "allow_redelegation": true,
        "roles": [{"id": w.delegated}]}});
    let resp = w.create(&token, body).await;
    assert_eq!(resp.status(), 201);
    let child = json(resp).await["trust"].clone();
    // The last link of the chain: not redelegatable any further.
    assert_eq!(child["redelegation_count"], 0);
    let child_token =
        subject(&trust_login(&w.app, &uma, UMA_PW, child["id"].as_str().unwrap()).await);
    let ted = json!({"trust": {"trustor_user_id": w.tina, "trustee_user_id": w.ted,
        "project_id": w.project, "impersonation": true, "roles": [{"id": w.delegated}]}});
    let resp = w.create(&child_token, ted).await;
    assert_error(resp, 403, "Remaining redelegation depth of 0").await;
}

both_backends!(
    create_show_list_and_delete_a_trust_as_keystone_shows_it,
    creates_are_refused_as_keystone_refuses_them,
    trust_tokens_with_and_without_impersonation,
    remaining_uses_are_spent_one_token_each,
    an_expired_trust_gives_no_token_and_ends_its_tokens,
    losing_a_role_deleting_or_disabling_ends_trust_tokens,
    redelegation_follows_keystone_s_rules,
    the_redelegation_depth_is_the_configured_one,
);
