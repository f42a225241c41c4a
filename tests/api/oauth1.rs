//! OS-OAUTH1 consumers after Keystone's api-ref: the secret is shown by the create alone
//! and cannot be changed; other attributes are kept; admins manage them, admins and
//! system readers read them.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_error, json, spawn_app};

async fn consumers_are_created_listed_shown_updated_and_deleted() {
    let app = spawn_app().await;
    let resp = app
        .post(
            "/v3/OS-OAUTH1/consumers",
            json!({"consumer": {"description": "my app", "callback": "https://app/cb",
                "secret": "chosen", "id": "chosen"}}),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let created = json(resp).await["consumer"].clone();
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 32);
    assert_ne!(id, "chosen");
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.len() >= 32 && secret != "chosen");
    assert_eq!(created["description"], "my app");
    assert_eq!(created["callback"], "https://app/cb");
    assert_eq!(
        created["links"]["self"],
        format!("{}/v3/OS-OAUTH1/consumers/{id}", app.base)
    );
    let bare = json(
        app.post("/v3/OS-OAUTH1/consumers", json!({"consumer": {}}))
            .await,
    )
    .await;
    assert_eq!(bare["consumer"]["description"], Value::Null);

    let item = format!("/v3/OS-OAUTH1/consumers/{id}");
    let shown = json(app.get(&item).await).await["consumer"].clone();
    assert!(shown.get("secret").is_none());
    for key in ["id", "description", "links", "callback"] {
        assert_eq!(shown[key], created[key], "{key}");
    }
    let all = json(app.get("/v3/OS-OAUTH1/consumers").await).await;
    let all = all["consumers"].as_array().unwrap();
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|c| c.get("secret").is_none()));

    let resp = app
        .patch(&item, json!({"consumer": {"description": "renamed"}}))
        .await;
    assert_eq!(resp.status(), 200);
    let updated = json(resp).await["consumer"].clone();
    assert_eq!(updated["description"], "renamed");
    assert_eq!(updated["callback"], "https://app/cb");
    assert!(updated.get("secret").is_none());
    let resp = app
        .patch(&item, json!({"consumer": {"secret": "new"}}))
        .await;
    assert_error(resp, 400, "secret").await;
    let resp = app.patch(&item, json!({"consumer": {}})).await;
    assert_error(resp, 400, "does not have enough properties").await;
    let resp = app.patch(&item, json!({"consumer": {"id": "other"}})).await;
    assert_error(resp, 400, "Cannot change ID").await;
    let resp = app
        .patch(&item, json!({"consumer": {"description": 5}}))
        .await;
    assert_error(resp, 400, "description").await;
    let resp = app
        .patch(&item, json!({"consumer": {"description": null}}))
        .await;
    assert_eq!(json(resp).await["consumer"]["description"], Value::Null);

    assert_eq!(app.delete(&item).await.status(), 204);
    let resp = app.get(&item).await;
    assert_error(resp, 404, &format!("Could not find consumer: {id}.")).await;
    let resp = app.delete(&item).await;
    assert_error(resp, 404, "Could not find consumer").await;

    let events = json(
        app.get("/v3/audit-events?event_type=identity.OS-OAUTH1:consumer.created")
            .await,
    )
    .await;
    assert_eq!(events["audit_events"].as_array().unwrap().len(), 2);
}

async fn consumer_secrets_are_sealed_at_rest() {
    let app = spawn_app().await;
    let created = json(
        app.post("/v3/OS-OAUTH1/consumers", json!({"consumer": {}}))
            .await,
    )
    .await;
    let secret = created["consumer"]["secret"].as_str().unwrap().to_string();
    let stored = app.with_db(|conn| {
        use diesel::prelude::*;
        use iam_groups::db::schema::oauth1_consumers;
        oauth1_consumers::table
            .select(oauth1_consumers::sealed_secret)
            .first::<String>(conn)
            .unwrap()
    });
    assert!(!stored.contains(&secret));
}

async fn only_admins_manage_consumers() {
    let app = spawn_app().await;
    let created = json(
        app.post("/v3/OS-OAUTH1/consumers", json!({"consumer": {}}))
            .await,
    )
    .await;
    let item = format!(
        "/v3/OS-OAUTH1/consumers/{}",
        created["consumer"]["id"].as_str().unwrap()
    );
    app.create_user("pia", "pia-pw-1").await;
    let pia = app.login("pia", "pia-pw-1").await;
    let calls: Vec<(Method, &str, Option<Value>, &str)> = vec![
        (
            Method::GET,
            "/v3/OS-OAUTH1/consumers",
            None,
            "identity:list_consumers",
        ),
        (Method::GET, &item, None, "identity:get_consumer"),
        (
            Method::POST,
            "/v3/OS-OAUTH1/consumers",
            Some(json!({"consumer": {}})),
            "identity:create_consumer",
        ),
        (
            Method::PATCH,
            &item,
            Some(json!({"consumer": {"description": "x"}})),
            "identity:update_consumer",
        ),
        (Method::DELETE, &item, None, "identity:delete_consumer"),
    ];
    for (method, path, body, rule) in calls {
        let resp = app.call(method.clone(), path, &pia, body.clone()).await;
        assert_error(resp, 403, rule).await;
        assert_eq!(app.call(method, path, "", body).await.status(), 401);
    }
    assert_eq!(app.get(&item).await.status(), 200);
}

both_backends!(
    consumers_are_created_listed_shown_updated_and_deleted,
    consumer_secrets_are_sealed_at_rest,
    only_admins_manage_consumers,
    delegated_flow_issues_a_token_with_the_delegated_roles,
    signed_requests_are_refused,
    access_tokens_are_the_admin_s,
    keystoneauth_oauth1_flow,
);

// ---- The delegated flow (request token, authorize, access token, oauth1 auth) ----

use iam_groups::oauth1::signature;

/// A consumer's or a token's key and secret.
struct Pair {
    key: String,
    secret: String,
}

fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// An `Authorization: OAuth ...` header signing `POST url` (RFC 5849, HMAC-SHA1).
fn oauth_header(
    url: &str,
    consumer: &Pair,
    token: Option<&Pair>,
    extra: &[(&str, &str)],
    nonce: &str,
    timestamp: i64,
) -> String {
    let mut params: Vec<(String, String)> = vec![
        ("oauth_consumer_key".into(), consumer.key.clone()),
        ("oauth_signature_method".into(), "HMAC-SHA1".into()),
        ("oauth_timestamp".into(), timestamp.to_string()),
        ("oauth_nonce".into(), nonce.into()),
        ("oauth_version".into(), "1.0".into()),
    ];
    if let Some(t) = token {
        params.push(("oauth_token".into(), t.key.clone()));
    }
    for (k, v) in extra {
        params.push((k.to_string(), v.to_string()));
    }
    let base = signature::base_string("POST", url, &params);
    let sig = signature::sign(
        &base,
        &consumer.secret,
        token.map(|t| t.secret.as_str()).unwrap_or(""),
    );
    params.push(("oauth_signature".into(), sig));
    let parts: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}=\"{}\"", signature::encode(k), signature::encode(v)))
        .collect();
    format!("OAuth {}", parts.join(", "))
}

fn form(text: &str) -> Pair {
    let get = |name: &str| {
        text.split('&')
            .find_map(|p| p.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("{name} in {text}"))
            .to_string()
    };
    assert!(text.contains("oauth_expires_at="), "{text}");
    Pair {
        key: get("oauth_token"),
        secret: get("oauth_token_secret"),
    }
}

async fn new_consumer(app: &crate::helpers::TestApp) -> Pair {
    let c = json(
        app.post("/v3/OS-OAUTH1/consumers", json!({"consumer": {}}))
            .await,
    )
    .await;
    Pair {
        key: c["consumer"]["id"].as_str().unwrap().into(),
        secret: c["consumer"]["secret"].as_str().unwrap().into(),
    }
}

async fn signed_post(
    app: &crate::helpers::TestApp,
    path: &str,
    header: String,
    project: Option<&str>,
) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url(path))
        .header("Authorization", header);
    if let Some(p) = project {
        req = req.header("Requested-Project-Id", p);
    }
    req.send().await.unwrap()
}

async fn request_token(app: &crate::helpers::TestApp, consumer: &Pair, nonce: &str) -> Pair {
    let url = app.url("/v3/OS-OAUTH1/request_token");
    let header = oauth_header(
        &url,
        consumer,
        None,
        &[("oauth_callback", "oob")],
        nonce,
        now_s(),
    );
    let resp = signed_post(
        app,
        "/v3/OS-OAUTH1/request_token",
        header,
        Some(&app.admin_project_id),
    )
    .await;
    assert_eq!(resp.status(), 201);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/x-www-form-urlencoded"));
    form(&resp.text().await.unwrap())
}

async fn authorize(app: &crate::helpers::TestApp, token: &Pair, roles: Value) -> reqwest::Response {
    app.call(
        Method::PUT,
        &format!("/v3/OS-OAUTH1/authorize/{}", token.key),
        &app.admin_token,
        Some(json!({ "roles": roles })),
    )
    .await
}

async fn access_token(
    app: &crate::helpers::TestApp,
    consumer: &Pair,
    request: &Pair,
    verifier: &str,
    nonce: &str,
) -> reqwest::Response {
    let url = app.url("/v3/OS-OAUTH1/access_token");
    let header = oauth_header(
        &url,
        consumer,
        Some(request),
        &[("oauth_verifier", verifier)],
        nonce,
        now_s(),
    );
    signed_post(app, "/v3/OS-OAUTH1/access_token", header, None).await
}

async fn oauth1_login(
    app: &crate::helpers::TestApp,
    consumer: &Pair,
    access: &Pair,
    nonce: &str,
) -> reqwest::Response {
    let url = app.url("/v3/auth/tokens");
    let header = oauth_header(&url, consumer, Some(access), &[], nonce, now_s());
    app.client
        .post(app.url("/v3/auth/tokens"))
        .header("Authorization", header)
        .json(&json!({"auth": {"identity": {"methods": ["oauth1"], "oauth1": {}}}}))
        .send()
        .await
        .unwrap()
}

/// The whole flow, as Keystone's api-ref walks it, to a delegated project token.
async fn delegated_flow_issues_a_token_with_the_delegated_roles() {
    let app = spawn_app().await;
    let consumer = new_consumer(&app).await;
    let request = request_token(&app, &consumer, "n1").await;
    let resp = authorize(
        &app,
        &request,
        json!([{"name": "reader"}, {"name": "member"}]),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let verifier = json(resp).await["token"]["oauth_verifier"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = access_token(&app, &consumer, &request, &verifier, "n2").await;
    assert_eq!(resp.status(), 201);
    let access = form(&resp.text().await.unwrap());
    // The request token is used up.
    let resp = access_token(&app, &consumer, &request, &verifier, "n3").await;
    assert_eq!(resp.status(), 404);

    let resp = oauth1_login(&app, &consumer, &access, "n4").await;
    assert_eq!(resp.status(), 201);
    let token = resp.headers()["x-subject-token"]
        .to_str()
        .unwrap()
        .to_string();
    let body = json(resp).await["token"].clone();
    assert_eq!(body["methods"], json!(["oauth1"]));
    assert_eq!(body["project"]["id"], app.admin_project_id.as_str());
    assert_eq!(body["user"]["id"], app.admin_id.as_str());
    assert_eq!(
        body["OS-OAUTH1"],
        json!({"access_token_id": access.key, "consumer_id": consumer.key})
    );
    let mut roles: Vec<&str> = body["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    roles.sort();
    assert_eq!(
        roles,
        ["member", "reader"],
        "only the delegated roles, not admin"
    );

    // A delegated token cannot delegate again, nor manage the consumers.
    let again = request_token(&app, &consumer, "n5").await;
    let resp = app
        .call(
            Method::PUT,
            &format!("/v3/OS-OAUTH1/authorize/{}", again.key),
            &token,
            Some(json!({"roles": [{"name": "reader"}]})),
        )
        .await;
    assert_error(resp, 403, "").await;
    let resp = app
        .call(
            Method::POST,
            "/v3/OS-OAUTH1/consumers",
            &token,
            Some(json!({"consumer": {}})),
        )
        .await;
    assert_error(resp, 403, "").await;

    // Validating it shows the same block; deleting the access token revokes it.
    let check = |t: String| {
        let app = &app;
        async move {
            app.client
                .get(app.url("/v3/auth/tokens"))
                .header("X-Auth-Token", &app.admin_token)
                .header("X-Subject-Token", t)
                .send()
                .await
                .unwrap()
        }
    };
    let resp = check(token.clone()).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        json(resp).await["token"]["OS-OAUTH1"]["access_token_id"],
        access.key.as_str()
    );
    let item = format!(
        "/v3/users/{}/OS-OAUTH1/access_tokens/{}",
        app.admin_id, access.key
    );
    assert_eq!(app.delete(&item).await.status(), 204);
    assert_eq!(check(token.clone()).await.status(), 404);
    let resp = app.call(Method::GET, "/v3/users", &token, None).await;
    assert_eq!(resp.status(), 401);
    let resp = oauth1_login(&app, &consumer, &access, "n6").await;
    assert_eq!(resp.status(), 404);
}

/// Bad signatures, reused nonces, stale timestamps, wrong verifiers, expired request
/// tokens and roles the user lacks are refused as Keystone refuses them.
async fn signed_requests_are_refused() {
    let app = spawn_app().await;
    let consumer = new_consumer(&app).await;
    let url = app.url("/v3/OS-OAUTH1/request_token");
    let path = "/v3/OS-OAUTH1/request_token";
    let project = Some(app.admin_project_id.as_str());
    let forged = Pair {
        key: consumer.key.clone(),
        secret: "not-the-secret".into(),
    };
    let header = oauth_header(&url, &forged, None, &[], "r1", now_s());
    assert_error(signed_post(&app, path, header, project).await, 401, "").await;
    let header = oauth_header(&url, &consumer, None, &[], "r2", now_s() - 3600);
    assert_error(signed_post(&app, path, header, project).await, 401, "").await;
    let header = oauth_header(&url, &consumer, None, &[], "r3", now_s());
    assert_error(
        signed_post(&app, path, header, None).await,
        400,
        "Requested-Project-Id",
    )
    .await;
    let header = oauth_header(&url, &consumer, None, &[], "r4", now_s());
    assert_error(signed_post(&app, path, header, Some("nope")).await, 404, "").await;
    let unknown = Pair {
        key: "0123456789abcdef0123456789abcdef".into(),
        secret: "x".into(),
    };
    let header = oauth_header(&url, &unknown, None, &[], "r5", now_s());
    assert_error(signed_post(&app, path, header, project).await, 404, "").await;
    let resp = app
        .client
        .post(app.url(path))
        .header("Requested-Project-Id", &app.admin_project_id)
        .send()
        .await
        .unwrap();
    assert_error(resp, 400, "oauth_consumer_key").await;
    // A nonce is good once.
    let header = oauth_header(&url, &consumer, None, &[], "r6", now_s());
    assert_eq!(
        signed_post(&app, path, header.clone(), project)
            .await
            .status(),
        201
    );
    assert_error(signed_post(&app, path, header, project).await, 401, "").await;

    // Roles the user does not hold on the project; roles that do not exist.
    let request = request_token(&app, &consumer, "r7").await;
    let resp = app
        .post("/v3/roles", json!({"role": {"name": "unheld"}}))
        .await;
    assert_eq!(resp.status(), 201);
    assert_error(
        authorize(&app, &request, json!([{"name": "unheld"}])).await,
        401,
        "",
    )
    .await;
    assert_error(
        authorize(&app, &request, json!([{"id": "nosuchrole"}])).await,
        404,
        "",
    )
    .await;
    assert_error(
        authorize(&app, &request, json!([{"bogus": 1}])).await,
        400,
        "roles",
    )
    .await;
    assert_error(
        authorize(&app, &request, json!("reader")).await,
        400,
        "roles",
    )
    .await;
    let resp = app
        .call(
            Method::PUT,
            "/v3/OS-OAUTH1/authorize/nosuchtoken",
            &app.admin_token,
            Some(json!({"roles": []})),
        )
        .await;
    assert_error(resp, 404, "").await;

    // Not yet authorized, then a wrong verifier, then a missing one.
    let resp = access_token(&app, &consumer, &request, "guess", "r8").await;
    assert_error(resp, 401, "").await;
    let resp = authorize(&app, &request, json!([{"name": "reader"}])).await;
    assert_eq!(resp.status(), 200);
    assert_error(
        access_token(&app, &consumer, &request, "wrong", "r9").await,
        401,
        "",
    )
    .await;
    let url_at = app.url("/v3/OS-OAUTH1/access_token");
    let header = oauth_header(&url_at, &consumer, Some(&request), &[], "r10", now_s());
    assert_error(
        signed_post(&app, "/v3/OS-OAUTH1/access_token", header, None).await,
        400,
        "oauth_verifier",
    )
    .await;
    // Another consumer cannot exchange it.
    let other = new_consumer(&app).await;
    let resp = access_token(&app, &other, &request, "wrong", "r11").await;
    assert_error(resp, 401, "").await;

    // An expired request token can be neither authorized nor exchanged.
    let stale = request_token(&app, &consumer, "r12").await;
    let stale_id = stale.key.clone();
    app.with_db(|conn| {
        use diesel::prelude::*;
        use iam_groups::db::schema::oauth1_request_tokens as t;
        diesel::update(t::table.find(&stale_id))
            .set(t::expires_at.eq(Some(1_i64)))
            .execute(conn)
            .unwrap();
    });
    assert_error(
        authorize(&app, &stale, json!([{"name": "reader"}])).await,
        401,
        "",
    )
    .await;
    assert_error(
        access_token(&app, &consumer, &stale, "x", "r13").await,
        401,
        "",
    )
    .await;

    // The oauth1 method with a bad signature.
    let verifier = {
        let r = request_token(&app, &consumer, "r14").await;
        let v = json(authorize(&app, &r, json!([{"name": "reader"}])).await).await["token"]
            ["oauth_verifier"]
            .as_str()
            .unwrap()
            .to_string();
        (r, v)
    };
    let access = form(
        &access_token(&app, &consumer, &verifier.0, &verifier.1, "r15")
            .await
            .text()
            .await
            .unwrap(),
    );
    let forged_access = Pair {
        key: access.key.clone(),
        secret: "wrong".into(),
    };
    assert_error(
        oauth1_login(&app, &consumer, &forged_access, "r16").await,
        401,
        "",
    )
    .await;
    // The same signed request twice: the nonce is used up.
    let header = oauth_header(
        &app.url("/v3/auth/tokens"),
        &consumer,
        Some(&access),
        &[],
        "r17",
        now_s(),
    );
    let send = || {
        app.client
            .post(app.url("/v3/auth/tokens"))
            .header("Authorization", header.clone())
            .json(&json!({"auth": {"identity": {"methods": ["oauth1"], "oauth1": {}}}}))
            .send()
    };
    assert_eq!(send().await.unwrap().status(), 201);
    assert_error(send().await.unwrap(), 401, "").await;
}

/// A user's access tokens: admin_required, as Keystone's defaults; another user's path
/// does not find them; a role not delegated is not found.
async fn access_tokens_are_the_admin_s() {
    let app = spawn_app().await;
    let consumer = new_consumer(&app).await;
    let request = request_token(&app, &consumer, "a1").await;
    let verifier = json(authorize(&app, &request, json!([{"name": "reader"}])).await).await
        ["token"]["oauth_verifier"]
        .as_str()
        .unwrap()
        .to_string();
    let access = form(
        &access_token(&app, &consumer, &request, &verifier, "a2")
            .await
            .text()
            .await
            .unwrap(),
    );
    let list = format!("/v3/users/{}/OS-OAUTH1/access_tokens", app.admin_id);
    let item = format!("{list}/{}", access.key);
    let listed = json(app.get(&list).await).await;
    let tokens = listed["access_tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0]["consumer_id"], consumer.key.as_str());
    assert_eq!(tokens[0]["project_id"], app.admin_project_id.as_str());
    assert_eq!(tokens[0]["authorizing_user_id"], app.admin_id.as_str());
    assert!(tokens[0]["expires_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        json(app.get(&item).await).await["access_token"]["id"],
        access.key.as_str()
    );
    let roles = json(app.get(&format!("{item}/roles")).await).await;
    let roles = roles["roles"].as_array().unwrap();
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0]["name"], "reader");
    let reader_id = roles[0]["id"].as_str().unwrap().to_string();
    let resp = app.get(&format!("{item}/roles/{reader_id}")).await;
    assert_eq!(json(resp).await["role"]["name"], "reader");
    let admin_role = json(app.get("/v3/roles?name=admin").await).await["roles"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_error(
        app.get(&format!("{item}/roles/{admin_role}")).await,
        404,
        "",
    )
    .await;

    let pia_id = app.create_user("pia", "pia-pw-1").await;
    let pia = app.login("pia", "pia-pw-1").await;
    for path in [list.clone(), item.clone(), format!("{item}/roles")] {
        assert_error(app.call(Method::GET, &path, &pia, None).await, 403, "").await;
        assert_eq!(app.call(Method::GET, &path, "", None).await.status(), 401);
    }
    assert_error(app.call(Method::DELETE, &item, &pia, None).await, 403, "").await;
    let elsewhere = format!("/v3/users/{pia_id}/OS-OAUTH1/access_tokens/{}", access.key);
    assert_error(app.get(&elsewhere).await, 404, "").await;
    assert_error(app.delete(&elsewhere).await, 404, "").await;
    assert_eq!(app.delete(&item).await.status(), 204);
    assert_error(app.get(&item).await, 404, "").await;
}

/// The real clients: oauthlib signs the exchanges, keystoneauth's `V3OAuth1` plugin gets
/// the delegated token (tests/clients/oauth1_flow.py).
async fn keystoneauth_oauth1_flow() {
    crate::clients::python_client("keystoneauth V3OAuth1", "oauth1_flow.py", &[]).await;
}
