//! The Baidu AI Cloud IAM face, `/v1`: groups, memberships, users and access keys in Baidu's
//! shapes, Baidu's error bodies, requests signed with `bce-auth-v1`, and that it shares its
//! groups, users and keys with the Keystone (`/v3`) and Huawei (`/v3.0`) faces.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use iam_groups::auth::bce_signature;
use iam_groups::auth::signature::RequestParts;
use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::helpers::{bce_time, json, spawn_app, AccessKey, TestApp};

const GROUP_KEYS: [&str; 4] = ["createTime", "description", "id", "name"];
const USER_KEYS: [&str; 5] = ["createTime", "description", "enabled", "id", "name"];
const KEY_KEYS: [&str; 4] = ["createTime", "description", "enabled", "id"];

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

fn keys_of(v: &Value) -> Vec<String> {
    let mut keys: Vec<String> = v
        .as_object()
        .unwrap_or_else(|| panic!("an object: {v}"))
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

fn assert_id(id: &Value) {
    let id = id
        .as_str()
        .unwrap_or_else(|| panic!("id is a string: {id}"));
    assert!(
        id.len() == 32
            && id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "id {id:?} is 32 lowercase hex digits"
    );
}

/// `createTime` is `YYYY-MM-DDTHH:MM:SSZ` and recent.
fn assert_create_time(t: &Value) {
    let t = t
        .as_str()
        .unwrap_or_else(|| panic!("createTime is a string: {t}"));
    assert_eq!(t.len(), 20, "createTime {t:?}");
    let at = NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%SZ")
        .unwrap_or_else(|e| panic!("createTime {t:?}: {e}"))
        .and_utc();
    let skew = (Utc::now() - at).num_seconds().abs();
    assert!(skew < 600, "createTime {t:?} is not about now");
}

fn assert_group(g: &Value, name: &str, description: &str) {
    assert_eq!(keys_of(g), GROUP_KEYS, "GroupModel: {g}");
    assert_id(&g["id"]);
    assert_eq!(g["name"], name, "{g}");
    assert_eq!(g["description"], description, "{g}");
    assert_create_time(&g["createTime"]);
}

fn assert_user(u: &Value, name: &str, description: &str) {
    assert_eq!(keys_of(u), USER_KEYS, "UserModel: {u}");
    assert_id(&u["id"]);
    assert_eq!(u["name"], name, "{u}");
    assert_eq!(u["description"], description, "{u}");
    assert_eq!(u["enabled"], true, "{u}");
    assert_create_time(&u["createTime"]);
}

fn assert_key(k: &Value, ak: &str, enabled: bool) {
    assert_eq!(keys_of(k), KEY_KEYS, "AccessKey: {k}");
    assert_eq!(k["id"], ak, "{k}");
    assert_eq!(k["enabled"], enabled, "{k}");
    assert!(k["description"].is_string(), "{k}");
    assert_create_time(&k["createTime"]);
}

/// A successful JSON response: status, content type, body.
async fn ok_json(resp: Response, status: u16) -> Value {
    let got = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string());
    let text = resp.text().await.expect("body");
    assert_eq!(got, status, "status; body: {text}");
    assert!(
        content_type
            .as_deref()
            .is_some_and(|c| c.starts_with("application/json")),
        "content type {content_type:?}"
    );
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("JSON body {text:?}: {e}"))
}

/// A 204 with an empty body.
async fn no_content(resp: Response) {
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    assert_eq!(status, 204, "status; body: {text}");
    assert!(text.is_empty(), "204 body {text:?}");
}

/// Asserts a Baidu error: status, `{"code","message","requestId"}`, and the
/// `x-bce-request-id` header equal to `requestId`. Returns the body.
async fn assert_bce_error(resp: Response, status: u16, code: &str) -> Value {
    assert_bce_error_of(resp, &[(status, code)]).await
}

/// As [`assert_bce_error`], for a request where any of `outcomes` (status, code) will do.
async fn assert_bce_error_of(resp: Response, outcomes: &[(u16, &str)]) -> Value {
    let got = resp.status().as_u16();
    let header = resp
        .headers()
        .get("x-bce-request-id")
        .map(|v| v.to_str().unwrap().to_string());
    let content_type = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string());
    let text = resp.text().await.expect("body");
    assert!(
        outcomes.iter().any(|(s, _)| *s == got),
        "status {got}, wanted {outcomes:?}; body: {text}"
    );
    assert!(
        content_type
            .as_deref()
            .is_some_and(|c| c.starts_with("application/json")),
        "error content type {content_type:?}; body: {text}"
    );
    let body: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("JSON error body {text:?}: {e}"));
    assert_eq!(
        keys_of(&body),
        ["code", "message", "requestId"],
        "Baidu error body: {body}"
    );
    assert!(
        outcomes
            .iter()
            .any(|(s, c)| *s == got && body["code"] == *c),
        "status {got} and code {}, wanted {outcomes:?}: {body}",
        body["code"]
    );
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "message: {body}"
    );
    let request_id = body["requestId"].as_str().expect("requestId is a string");
    assert!(!request_id.is_empty(), "requestId: {body}");
    assert_eq!(
        header.as_deref(),
        Some(request_id),
        "x-bce-request-id header equals requestId: {body}"
    );
    body
}

/// A password token for a user id, scoped to a domain.
async fn domain_token(app: &TestApp, user_id: &str, password: &str, domain_id: &str) -> String {
    let resp = app
        .call(
            Method::POST,
            "/v3/auth/tokens",
            "",
            Some(json!({"auth": {"identity": {"methods": ["password"],
                "password": {"user": {"id": user_id, "password": password}}},
                "scope": {"domain": {"id": domain_id}}}})),
        )
        .await;
    assert_eq!(resp.status(), 201, "domain token for {user_id}");
    resp.headers()["x-subject-token"]
        .to_str()
        .unwrap()
        .to_string()
}

/// The people of most tests: `owner`, with `admin` on the Default domain and a token
/// scoped to it, and `plain`, a user with no role and an unscoped token.
struct Account {
    owner_id: String,
    owner: String,
    plain_id: String,
    plain: String,
}

async fn account(app: &TestApp) -> Account {
    let owner_id = app.create_user("owner", "owner-pw-123").await;
    app.grant_domain_role(&owner_id, "default", "admin").await;
    let owner = domain_token(app, &owner_id, "owner-pw-123", "default").await;
    let plain_id = app.create_user("plain", "plain-pw-123").await;
    let plain = app.login("plain", "plain-pw-123").await;
    Account {
        owner_id,
        owner,
        plain_id,
        plain,
    }
}

/// Makes an access key on the `/v1` face with a token; returns the key and the body.
async fn bce_key(app: &TestApp, token: &str, user_name: &str) -> (AccessKey, Value) {
    let resp = app
        .call(
            Method::POST,
            &format!("/v1/user/{user_name}/accesskey"),
            token,
            None,
        )
        .await;
    let made = ok_json(resp, 201).await;
    let key = AccessKey {
        access: made["id"].as_str().expect("id").to_string(),
        secret: made["secret"].as_str().expect("secret").to_string(),
    };
    (key, made)
}

/// A request to the `/v1` face with a raw body (for malformed JSON).
async fn raw(app: &TestApp, method: Method, path: &str, token: &str, body: &str) -> Response {
    app.client
        .request(method, app.url(path))
        .header("X-Auth-Token", token)
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("request")
}

/// How a signed request is signed: by which key, when, and for how long.
#[derive(Clone)]
struct Signing<'a> {
    key: &'a AccessKey,
    at: DateTime<Utc>,
    expiration: u32,
}

impl<'a> Signing<'a> {
    fn now(key: &'a AccessKey) -> Self {
        Signing {
            key,
            at: Utc::now(),
            expiration: 1800,
        }
    }
}

/// The headers a signed request carries besides Authorization (all signed): Host,
/// x-bce-date, and for a body Content-Type and Content-Length.
fn signed_headers(app: &TestApp, timestamp: &str, body: Option<&str>) -> Vec<(String, String)> {
    let host = app.base.trim_start_matches("http://").to_string();
    let mut headers = vec![
        ("host".to_string(), host),
        ("x-bce-date".to_string(), timestamp.to_string()),
    ];
    if let Some(body) = body {
        headers.push(("content-type".into(), "application/json".into()));
        headers.push(("content-length".into(), body.len().to_string()));
    }
    headers
}

/// The Authorization header value the library signer makes for a request.
fn authorization(
    app: &TestApp,
    s: &Signing<'_>,
    method: &Method,
    path_and_query: &str,
    body: Option<&str>,
) -> String {
    let timestamp = bce_time(s.at);
    let headers = signed_headers(app, &timestamp, body);
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let parts = RequestParts {
        method: method.as_str(),
        path,
        query,
        headers: headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_bytes()))
            .collect(),
        body: body.unwrap_or("").as_bytes(),
    };
    bce_signature::sign(
        &s.key.access,
        &s.key.secret,
        &parts,
        &timestamp,
        s.expiration,
    )
}

/// Sends a request with a given Authorization value and the headers of [`signed_headers`].
async fn send_with(
    app: &TestApp,
    auth: &str,
    at: DateTime<Utc>,
    method: Method,
    path_and_query: &str,
    body: Option<&str>,
) -> Response {
    let mut req = app
        .client
        .request(method, app.url(path_and_query))
        .header("Authorization", auth);
    for (n, v) in signed_headers(app, &bce_time(at), body) {
        // reqwest sets Host and Content-Length itself, to the same values.
        if n != "host" && n != "content-length" {
            req = req.header(n, v);
        }
    }
    if let Some(body) = body {
        req = req.body(body.to_string());
    }
    req.send().await.expect("request")
}

/// A request signed with `bce-auth-v1` by the library signer.
async fn signed(
    app: &TestApp,
    s: &Signing<'_>,
    method: Method,
    path_and_query: &str,
    body: Option<Value>,
) -> Response {
    let body = body.map(|b| b.to_string());
    let auth = authorization(app, s, &method, path_and_query, body.as_deref());
    send_with(app, &auth, s.at, method, path_and_query, body.as_deref()).await
}

async fn role_id(app: &TestApp, name: &str) -> String {
    let roles = json(app.get(&format!("/v3/roles?name={name}")).await).await;
    roles["roles"][0]["id"].as_str().expect("role").to_string()
}

fn ids(list: &Value) -> Vec<String> {
    let mut ids: Vec<String> = list
        .as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .map(|x| x["id"].as_str().expect("id").to_string())
        .collect();
    ids.sort();
    ids
}

// ---------------------------------------------------------------------------------------
// Groups
// ---------------------------------------------------------------------------------------

async fn groups_have_baidu_shapes_and_statuses() {
    let app = spawn_app().await;
    let a = account(&app).await;
    let t = a.owner.as_str();

    // Create, with and without a description.
    let resp = app
        .call(
            Method::POST,
            "/v1/group",
            t,
            Some(json!({"name": "test_group", "description": "create test_group"})),
        )
        .await;
    let made = ok_json(resp, 201).await;
    assert_group(&made, "test_group", "create test_group");
    let gid = made["id"].as_str().unwrap().to_string();
    let resp = app
        .call(Method::POST, "/v1/group", t, Some(json!({"name": "bare"})))
        .await;
    let bare = ok_json(resp, 201).await;
    assert_group(&bare, "bare", "");

    // Get.
    let shown = ok_json(
        app.call(Method::GET, "/v1/group/test_group", t, None).await,
        200,
    )
    .await;
    assert_eq!(shown, made);

    // Update the description only: the rest stays.
    let resp = app
        .call(
            Method::PUT,
            "/v1/group/test_group",
            t,
            Some(json!({"description": "update for test group"})),
        )
        .await;
    let updated = ok_json(resp, 200).await;
    assert_group(&updated, "test_group", "update for test group");
    assert_eq!(updated["id"], gid.as_str());
    assert_eq!(updated["createTime"], made["createTime"]);

    // Rename only: the description stays.
    let resp = app
        .call(
            Method::PUT,
            "/v1/group/test_group",
            t,
            Some(json!({"name": "test_group_new"})),
        )
        .await;
    let renamed = ok_json(resp, 200).await;
    assert_group(&renamed, "test_group_new", "update for test group");
    assert_eq!(renamed["id"], gid.as_str());
    assert_bce_error(
        app.call(Method::GET, "/v1/group/test_group", t, None).await,
        404,
        "NoSuchEntity",
    )
    .await;
    let shown = ok_json(
        app.call(Method::GET, "/v1/group/test_group_new", t, None)
            .await,
        200,
    )
    .await;
    assert_eq!(shown, renamed);

    // List: exactly the two groups, as they are.
    let listed = ok_json(app.call(Method::GET, "/v1/group", t, None).await, 200).await;
    assert_eq!(keys_of(&listed), ["groups"]);
    let mut groups = listed["groups"].as_array().unwrap().clone();
    groups.sort_by_key(|g| g["name"].as_str().unwrap().to_string());
    assert_eq!(groups, vec![bare.clone(), renamed.clone()]);

    // Names are unique: on create and on rename.
    assert_bce_error(
        app.call(Method::POST, "/v1/group", t, Some(json!({"name": "bare"})))
            .await,
        409,
        "EntityAlreadyExists",
    )
    .await;
    assert_bce_error(
        app.call(
            Method::PUT,
            "/v1/group/test_group_new",
            t,
            Some(json!({"name": "bare"})),
        )
        .await,
        409,
        "EntityAlreadyExists",
    )
    .await;

    // Unknown groups.
    for (method, body) in [
        (Method::GET, None),
        (Method::PUT, Some(json!({"description": "x"}))),
        (Method::DELETE, None),
    ] {
        assert_bce_error(
            app.call(method, "/v1/group/no_such_group", t, body).await,
            404,
            "NoSuchEntity",
        )
        .await;
    }

    // Delete.
    no_content(
        app.call(Method::DELETE, "/v1/group/test_group_new", t, None)
            .await,
    )
    .await;
    assert_bce_error(
        app.call(Method::GET, "/v1/group/test_group_new", t, None)
            .await,
        404,
        "NoSuchEntity",
    )
    .await;
    assert_bce_error(
        app.call(Method::DELETE, "/v1/group/test_group_new", t, None)
            .await,
        404,
        "NoSuchEntity",
    )
    .await;
    let listed = ok_json(app.call(Method::GET, "/v1/group", t, None).await, 200).await;
    assert_eq!(listed, json!({"groups": [bare]}));

    // The admin's project-scoped token works too: its account is its project's domain.
    let listed = ok_json(
        app.call(Method::GET, "/v1/group", &app.admin_token, None)
            .await,
        200,
    )
    .await;
    assert_eq!(ids(&listed["groups"]), ids(&json!([bare])));
}

async fn memberships_and_delete_conflicts() {
    let app = spawn_app().await;
    let a = account(&app).await;
    let t = a.owner.as_str();
    let alice = app.create_user("alice", "alice-pw-123").await;
    let resp = app
        .call(
            Method::POST,
            "/v1/group",
            t,
            Some(json!({"name": "devs", "description": "developers"})),
        )
        .await;
    let devs = ok_json(resp, 201).await;
    let gid = devs["id"].as_str().unwrap().to_string();

    // Nobody in it yet.
    let inside = ok_json(
        app.call(Method::GET, "/v1/group/devs/user", t, None).await,
        200,
    )
    .await;
    assert_eq!(inside, json!({"users": []}));
    let theirs = ok_json(
        app.call(Method::GET, "/v1/user/alice/group", t, None).await,
        200,
    )
    .await;
    assert_eq!(theirs, json!({"groups": []}));

    // Add, twice: idempotent.
    for _ in 0..2 {
        no_content(
            app.call(Method::PUT, "/v1/group/devs/user/alice", t, None)
                .await,
        )
        .await;
    }
    let inside = ok_json(
        app.call(Method::GET, "/v1/group/devs/user", t, None).await,
        200,
    )
    .await;
    assert_eq!(keys_of(&inside), ["users"]);
    let users = inside["users"].as_array().unwrap();
    assert_eq!(users.len(), 1, "{inside}");
    assert_user(&users[0], "alice", "");
    assert_eq!(users[0]["id"], alice.as_str());
    let theirs = ok_json(
        app.call(Method::GET, "/v1/user/alice/group", t, None).await,
        200,
    )
    .await;
    assert_eq!(theirs, json!({"groups": [devs]}));

    // Unknown users and groups.
    for (method, path) in [
        (Method::PUT, "/v1/group/devs/user/nobody"),
        (Method::DELETE, "/v1/group/devs/user/nobody"),
        (Method::PUT, "/v1/group/nogroup/user/alice"),
        (Method::DELETE, "/v1/group/nogroup/user/alice"),
        (Method::GET, "/v1/group/nogroup/user"),
        (Method::GET, "/v1/user/nobody/group"),
    ] {
        assert_bce_error(
            app.call(method.clone(), path, t, None).await,
            404,
            "NoSuchEntity",
        )
        .await;
    }

    // A group with a member cannot be deleted, and stays as it was.
    assert_bce_error(
        app.call(Method::DELETE, "/v1/group/devs", t, None).await,
        409,
        "DeleteConflict",
    )
    .await;
    let shown = ok_json(app.call(Method::GET, "/v1/group/devs", t, None).await, 200).await;
    assert_eq!(shown, devs);
    let inside = ok_json(
        app.call(Method::GET, "/v1/group/devs/user", t, None).await,
        200,
    )
    .await;
    assert_eq!(ids(&inside["users"]), [alice.as_str()]);

    // Remove.
    no_content(
        app.call(Method::DELETE, "/v1/group/devs/user/alice", t, None)
            .await,
    )
    .await;
    let inside = ok_json(
        app.call(Method::GET, "/v1/group/devs/user", t, None).await,
        200,
    )
    .await;
    assert_eq!(inside, json!({"users": []}));
    let theirs = ok_json(
        app.call(Method::GET, "/v1/user/alice/group", t, None).await,
        200,
    )
    .await;
    assert_eq!(theirs, json!({"groups": []}));
    assert_eq!(
        app.head(&format!("/v3/groups/{gid}/users/{alice}"))
            .await
            .status(),
        404
    );

    // A group holding a role grant cannot be deleted either.
    let reader = role_id(&app, "reader").await;
    let grant = format!("/v3/domains/default/groups/{gid}/roles/{reader}");
    assert_eq!(app.put(&grant).await.status(), 204);
    assert_bce_error(
        app.call(Method::DELETE, "/v1/group/devs", t, None).await,
        409,
        "DeleteConflict",
    )
    .await;
    assert_eq!(app.get(&format!("/v3/groups/{gid}")).await.status(), 200);
    assert_eq!(app.delete(&grant).await.status(), 204);

    // Empty and ungranted: it goes.
    no_content(app.call(Method::DELETE, "/v1/group/devs", t, None).await).await;
    assert_eq!(app.get(&format!("/v3/groups/{gid}")).await.status(), 404);
}

// ---------------------------------------------------------------------------------------
// Users
// ---------------------------------------------------------------------------------------

async fn users_have_baidu_shapes_and_statuses() {
    let app = spawn_app().await;
    let a = account(&app).await;
    let t = a.owner.as_str();

    let resp = app
        .call(
            Method::POST,
            "/v1/user",
            t,
            Some(json!({"name": "bob", "description": "a user"})),
        )
        .await;
    let bob = ok_json(resp, 201).await;
    assert_user(&bob, "bob", "a user");
    let bob_id = bob["id"].as_str().unwrap().to_string();
    let resp = app
        .call(Method::POST, "/v1/user", t, Some(json!({"name": "carol"})))
        .await;
    let carol = ok_json(resp, 201).await;
    assert_user(&carol, "carol", "");

    let shown = ok_json(app.call(Method::GET, "/v1/user/bob", t, None).await, 200).await;
    assert_eq!(shown, bob);

    let resp = app
        .call(
            Method::PUT,
            "/v1/user/bob",
            t,
            Some(json!({"description": "changed"})),
        )
        .await;
    let updated = ok_json(resp, 200).await;
    assert_user(&updated, "bob", "changed");
    assert_eq!(updated["id"], bob_id.as_str());
    assert_eq!(updated["createTime"], bob["createTime"]);
    let resp = app
        .call(
            Method::PUT,
            "/v1/user/bob",
            t,
            Some(json!({"name": "bobby"})),
        )
        .await;
    let renamed = ok_json(resp, 200).await;
    assert_user(&renamed, "bobby", "changed");
    assert_eq!(renamed["id"], bob_id.as_str());
    assert_bce_error(
        app.call(Method::GET, "/v1/user/bob", t, None).await,
        404,
        "NoSuchEntity",
    )
    .await;

    // The list: every user of the account, Keystone-made ones included.
    let listed = ok_json(app.call(Method::GET, "/v1/user", t, None).await, 200).await;
    assert_eq!(keys_of(&listed), ["users"]);
    let users = listed["users"].as_array().unwrap();
    for u in users {
        assert_eq!(keys_of(u), USER_KEYS, "UserModel: {u}");
        assert_create_time(&u["createTime"]);
    }
    let names: Vec<&str> = users.iter().map(|u| u["name"].as_str().unwrap()).collect();
    for name in ["admin", "owner", "plain", "bobby", "carol"] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    assert_eq!(users.len(), 5, "{names:?}");
    assert!(users.contains(&renamed));
    let owner = users.iter().find(|u| u["name"] == "owner").unwrap();
    assert_eq!(owner["id"], a.owner_id.as_str());

    // Names are unique.
    for body in [json!({"name": "carol"}), json!({"name": "owner"})] {
        assert_bce_error(
            app.call(Method::POST, "/v1/user", t, Some(body)).await,
            409,
            "EntityAlreadyExists",
        )
        .await;
    }
    assert_bce_error(
        app.call(
            Method::PUT,
            "/v1/user/bobby",
            t,
            Some(json!({"name": "carol"})),
        )
        .await,
        409,
        "EntityAlreadyExists",
    )
    .await;

    // The same user on the Keystone face.
    let v3 = json(app.get("/v3/users?name=bobby").await).await;
    assert_eq!(v3["users"].as_array().unwrap().len(), 1, "{v3}");
    assert_eq!(v3["users"][0]["id"], bob_id.as_str());
    assert_eq!(v3["users"][0]["domain_id"], "default");
    assert_eq!(v3["users"][0]["description"], "changed");

    // Delete.
    no_content(app.call(Method::DELETE, "/v1/user/bobby", t, None).await).await;
    for method in [Method::GET, Method::DELETE] {
        assert_bce_error(
            app.call(method, "/v1/user/bobby", t, None).await,
            404,
            "NoSuchEntity",
        )
        .await;
    }
    assert_eq!(app.get(&format!("/v3/users/{bob_id}")).await.status(), 404);
    assert_bce_error(
        app.call(
            Method::PUT,
            "/v1/user/bobby",
            t,
            Some(json!({"description": "x"})),
        )
        .await,
        404,
        "NoSuchEntity",
    )
    .await;
}

// ---------------------------------------------------------------------------------------
// Access keys
// ---------------------------------------------------------------------------------------

async fn access_keys_have_baidu_shapes_and_statuses() {
    let app = spawn_app().await;
    let a = account(&app).await;
    let t = a.owner.as_str();
    const HUAWEI: &str = "/v3.0/OS-CREDENTIAL/credentials";

    // The owner makes its own key with its token; the secret is in this response only.
    let (key, made) = bce_key(&app, t, "owner").await;
    assert_eq!(
        keys_of(&made),
        ["createTime", "description", "enabled", "id", "secret"],
        "{made}"
    );
    assert_eq!(made["enabled"], true);
    assert!(made["description"].is_string());
    assert_create_time(&made["createTime"]);
    assert!(key.secret.len() >= 20);
    assert!(!key.access.is_empty());

    let listed = ok_json(
        app.call(Method::GET, "/v1/user/owner/accesskey", t, None)
            .await,
        200,
    )
    .await;
    assert_eq!(keys_of(&listed), ["accessKeys"]);
    let keys = listed["accessKeys"].as_array().unwrap();
    assert_eq!(keys.len(), 1, "{listed}");
    assert_key(&keys[0], &key.access, true);
    assert_eq!(keys[0]["createTime"], made["createTime"]);
    assert!(!listed.to_string().contains(&key.secret));

    // It is the same key on the Huawei face, and it signs.
    let huawei = json(app.get(&format!("{HUAWEI}/{}", key.access)).await).await;
    assert_eq!(huawei["credential"]["user_id"], a.owner_id.as_str());
    assert_eq!(huawei["credential"]["status"], "active");
    let resp = signed(&app, &Signing::now(&key), Method::GET, "/v1/group", None).await;
    assert_eq!(ok_json(resp, 200).await, json!({"groups": []}));

    // Disable, then enable: each shows on both faces.
    let path = format!("/v1/user/owner/accesskey/{}", key.access);
    let off = ok_json(
        app.call(Method::PUT, &format!("{path}?disable"), t, None)
            .await,
        200,
    )
    .await;
    assert_key(&off, &key.access, false);
    let huawei = json(app.get(&format!("{HUAWEI}/{}", key.access)).await).await;
    assert_eq!(huawei["credential"]["status"], "inactive");
    let listed = ok_json(
        app.call(Method::GET, "/v1/user/owner/accesskey", t, None)
            .await,
        200,
    )
    .await;
    assert_eq!(listed["accessKeys"][0]["enabled"], false);
    let on = ok_json(
        app.call(Method::PUT, &format!("{path}?enable"), t, None)
            .await,
        200,
    )
    .await;
    assert_key(&on, &key.access, true);
    let huawei = json(app.get(&format!("{HUAWEI}/{}", key.access)).await).await;
    assert_eq!(huawei["credential"]["status"], "active");

    // A key made on the Huawei face is listed here; a third key is refused.
    let other = app.create_access_key(t, &a.owner_id).await;
    let listed = ok_json(
        app.call(Method::GET, "/v1/user/owner/accesskey", t, None)
            .await,
        200,
    )
    .await;
    let mut listed_ids: Vec<&str> = listed["accessKeys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].as_str().unwrap())
        .collect();
    listed_ids.sort();
    let mut want = vec![key.access.as_str(), other.access.as_str()];
    want.sort();
    assert_eq!(listed_ids, want);
    assert!(!listed.to_string().contains(&other.secret));
    let resp = app
        .call(Method::POST, "/v1/user/owner/accesskey", t, None)
        .await;
    let status = resp.status().as_u16();
    assert_eq!(status, 400, "a third key");
    let has_request_id = resp.headers().get("x-bce-request-id").is_some();
    let body: Value = resp.json().await.expect("json");
    assert!(has_request_id, "a third key: x-bce-request-id; {body}");
    assert_eq!(
        keys_of(&body),
        ["code", "message", "requestId"],
        "a third key: {body}"
    );
    assert_eq!(body["code"], "LimitExceeded", "a third key: {body}");

    // Delete.
    let other_path = format!("/v1/user/owner/accesskey/{}", other.access);
    no_content(app.call(Method::DELETE, &other_path, t, None).await).await;
    let listed = ok_json(
        app.call(Method::GET, "/v1/user/owner/accesskey", t, None)
            .await,
        200,
    )
    .await;
    assert_eq!(ids(&listed["accessKeys"]), [key.access.as_str()]);
    assert_eq!(
        app.get(&format!("{HUAWEI}/{}", other.access))
            .await
            .status(),
        404
    );

    // Unknown keys and users.
    for (method, path) in [
        (Method::DELETE, other_path.clone()),
        (Method::PUT, format!("{other_path}?disable")),
        (Method::PUT, format!("{other_path}?enable")),
        (Method::GET, "/v1/user/nobody/accesskey".to_string()),
        (Method::POST, "/v1/user/nobody/accesskey".to_string()),
        (
            Method::DELETE,
            format!("/v1/user/nobody/accesskey/{}", key.access),
        ),
    ] {
        assert_bce_error(
            app.call(method.clone(), &path, t, None).await,
            404,
            "NoSuchEntity",
        )
        .await;
    }
    // Another user's key, addressed under the owner's name, is not the owner's.
    let (plain_key, _) = bce_key(&app, &a.plain, "plain").await;
    assert_bce_error(
        app.call(
            Method::DELETE,
            &format!("/v1/user/owner/accesskey/{}", plain_key.access),
            t,
            None,
        )
        .await,
        404,
        "NoSuchEntity",
    )
    .await;

    // An admin manages another user's keys; a plain user only its own.
    let (_, for_plain) = bce_key(&app, t, "plain").await;
    assert_eq!(for_plain["enabled"], true);
    assert_bce_error(
        app.call(Method::POST, "/v1/user/owner/accesskey", &a.plain, None)
            .await,
        403,
        "AccessDenied",
    )
    .await;
    assert_bce_error(
        app.call(Method::GET, "/v1/user/owner/accesskey", &a.plain, None)
            .await,
        403,
        "AccessDenied",
    )
    .await;
    let own = ok_json(
        app.call(Method::GET, "/v1/user/plain/accesskey", &a.plain, None)
            .await,
        200,
    )
    .await;
    assert_eq!(own["accessKeys"].as_array().unwrap().len(), 2, "{own}");
    let huawei = json(app.get(&format!("{HUAWEI}?user_id={}", a.plain_id)).await).await;
    assert_eq!(huawei["credentials"].as_array().unwrap().len(), 2);
}

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

async fn errors_are_baidu_errors_with_a_request_id() {
    let app = spawn_app().await;
    let a = account(&app).await;
    let t = a.owner.as_str();
    let resp = app
        .call(Method::POST, "/v1/group", t, Some(json!({"name": "g1"})))
        .await;
    ok_json(resp, 201).await;

    // 404 and 409, each with its own request id.
    let first = assert_bce_error(
        app.call(Method::GET, "/v1/group/missing", t, None).await,
        404,
        "NoSuchEntity",
    )
    .await;
    let second = assert_bce_error(
        app.call(Method::POST, "/v1/group", t, Some(json!({"name": "g1"})))
            .await,
        409,
        "EntityAlreadyExists",
    )
    .await;
    assert_ne!(first["requestId"], second["requestId"]);

    // Unparsable JSON.
    for (method, path) in [
        (Method::POST, "/v1/group"),
        (Method::PUT, "/v1/group/g1"),
        (Method::POST, "/v1/user"),
    ] {
        for text in ["{\"name\": ", "not json", "{\"name\": \"x\",}"] {
            assert_bce_error(
                raw(&app, method.clone(), path, t, text).await,
                400,
                "MalformedJSON",
            )
            .await;
        }
    }
    // Parsable but wrong.
    for body in [
        json!({}),
        json!({"name": ""}),
        json!({"name": 7}),
        json!({"name": "ok", "description": 7}),
        json!(["name"]),
    ] {
        assert_bce_error(
            app.call(Method::POST, "/v1/group", t, Some(body.clone()))
                .await,
            400,
            "InappropriateJSON",
        )
        .await;
    }
    assert_bce_error(
        app.call(Method::PUT, "/v1/group/g1", t, Some(json!({"name": 7})))
            .await,
        400,
        "InappropriateJSON",
    )
    .await;
    assert_bce_error(
        app.call(Method::POST, "/v1/user", t, Some(json!({"name": ""})))
            .await,
        400,
        "InappropriateJSON",
    )
    .await;

    // No credentials, or a token that is not one: 401.
    for (method, path) in [
        (Method::GET, "/v1/group"),
        (Method::GET, "/v1/group/g1"),
        (Method::POST, "/v1/group"),
        (Method::GET, "/v1/user"),
        (Method::GET, "/v1/user/owner/accesskey"),
    ] {
        for token in ["", "not-a-token"] {
            assert_bce_error(
                app.call(method.clone(), path, token, None).await,
                401,
                "AccessDenied",
            )
            .await;
        }
    }
    // Unauthenticated requests learn nothing: an unknown group is still a 401.
    assert_bce_error(
        app.call(Method::GET, "/v1/group/missing", "", None).await,
        401,
        "AccessDenied",
    )
    .await;

    // A plain member, authenticated, is refused by policy: 403.
    let p = a.plain.as_str();
    for (method, path, body) in [
        (Method::GET, "/v1/group", None),
        (Method::GET, "/v1/group/g1", None),
        (Method::POST, "/v1/group", Some(json!({"name": "mine"}))),
        (
            Method::PUT,
            "/v1/group/g1",
            Some(json!({"description": "x"})),
        ),
        (Method::DELETE, "/v1/group/g1", None),
        (Method::PUT, "/v1/group/g1/user/plain", None),
        (Method::GET, "/v1/group/g1/user", None),
        (Method::GET, "/v1/user", None),
        (Method::POST, "/v1/user", Some(json!({"name": "sneaky"}))),
        (Method::DELETE, "/v1/user/owner", None),
    ] {
        assert_bce_error(
            app.call(method.clone(), path, p, body).await,
            403,
            "AccessDenied",
        )
        .await;
    }
    // ...and nothing changed.
    let listed = ok_json(app.call(Method::GET, "/v1/group", t, None).await, 200).await;
    assert_eq!(listed["groups"].as_array().unwrap().len(), 1);
    let inside = ok_json(
        app.call(Method::GET, "/v1/group/g1/user", t, None).await,
        200,
    )
    .await;
    assert_eq!(inside, json!({"users": []}));
}

// ---------------------------------------------------------------------------------------
// Signed requests
// ---------------------------------------------------------------------------------------

async fn signed_requests_act_as_the_key_owner() {
    let app = spawn_app().await;
    let a = account(&app).await;
    let (key, _) = bce_key(&app, &a.owner, "owner").await;
    let member = app.create_user("jo smith", "jo-smith-pw-1").await;
    let s = Signing::now(&key);

    // A group whose name has a space, made and used signed; the path is percent-encoded.
    let resp = signed(
        &app,
        &s,
        Method::POST,
        "/v1/group",
        Some(json!({"name": "team a", "description": "signed"})),
    )
    .await;
    let made = ok_json(resp, 201).await;
    assert_group(&made, "team a", "signed");
    let gid = made["id"].as_str().unwrap().to_string();
    let shown = ok_json(
        signed(&app, &s, Method::GET, "/v1/group/team%20a", None).await,
        200,
    )
    .await;
    assert_eq!(shown, made);
    let listed = ok_json(signed(&app, &s, Method::GET, "/v1/group", None).await, 200).await;
    assert_eq!(listed, json!({"groups": [made]}));

    no_content(
        signed(
            &app,
            &s,
            Method::PUT,
            "/v1/group/team%20a/user/jo%20smith",
            None,
        )
        .await,
    )
    .await;
    let inside = ok_json(
        signed(&app, &s, Method::GET, "/v1/group/team%20a/user", None).await,
        200,
    )
    .await;
    assert_eq!(ids(&inside["users"]), [member.as_str()]);
    assert_user(&inside["users"][0], "jo smith", "");
    let theirs = ok_json(
        signed(&app, &s, Method::GET, "/v1/user/jo%20smith/group", None).await,
        200,
    )
    .await;
    assert_eq!(ids(&theirs["groups"]), [gid.as_str()]);
    assert_eq!(
        app.head(&format!("/v3/groups/{gid}/users/{member}"))
            .await
            .status(),
        204
    );

    let resp = signed(
        &app,
        &s,
        Method::PUT,
        "/v1/group/team%20a",
        Some(json!({"name": "team b", "description": "renamed, signed"})),
    )
    .await;
    let renamed = ok_json(resp, 200).await;
    assert_group(&renamed, "team b", "renamed, signed");
    assert_eq!(renamed["id"], gid.as_str());

    // Users and keys, signed, including a query string (`?disable`, `?enable`).
    let resp = signed(
        &app,
        &s,
        Method::POST,
        "/v1/user",
        Some(json!({"name": "new user", "description": "signed"})),
    )
    .await;
    let new_user = ok_json(resp, 201).await;
    assert_user(&new_user, "new user", "signed");
    let resp = signed(
        &app,
        &s,
        Method::POST,
        "/v1/user/new%20user/accesskey",
        None,
    )
    .await;
    let theirs = ok_json(resp, 201).await;
    let ak = theirs["id"].as_str().unwrap().to_string();
    let off = ok_json(
        signed(
            &app,
            &s,
            Method::PUT,
            &format!("/v1/user/new%20user/accesskey/{ak}?disable"),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_key(&off, &ak, false);
    let on = ok_json(
        signed(
            &app,
            &s,
            Method::PUT,
            &format!("/v1/user/new%20user/accesskey/{ak}?enable"),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_key(&on, &ak, true);
    let listed = ok_json(
        signed(&app, &s, Method::GET, "/v1/user/new%20user/accesskey", None).await,
        200,
    )
    .await;
    assert_eq!(ids(&listed["accessKeys"]), [ak.as_str()]);
    no_content(
        signed(
            &app,
            &s,
            Method::DELETE,
            &format!("/v1/user/new%20user/accesskey/{ak}"),
            None,
        )
        .await,
    )
    .await;

    // A key made on the Huawei face signs here too, and a recent (not expired) signing
    // time is fine.
    let huawei_key = app.create_access_key(&a.owner, &a.owner_id).await;
    let recent = Signing {
        key: &huawei_key,
        at: Utc::now() - Duration::seconds(120),
        expiration: 1800,
    };
    let listed = ok_json(
        signed(&app, &recent, Method::GET, "/v1/group", None).await,
        200,
    )
    .await;
    assert_eq!(ids(&listed["groups"]), [gid.as_str()]);

    // Clean up, signed.
    no_content(
        signed(
            &app,
            &s,
            Method::DELETE,
            "/v1/group/team%20b/user/jo%20smith",
            None,
        )
        .await,
    )
    .await;
    no_content(signed(&app, &s, Method::DELETE, "/v1/group/team%20b", None).await).await;
    no_content(signed(&app, &s, Method::DELETE, "/v1/user/new%20user", None).await).await;
    assert_eq!(app.group_count().await, 0);

    // A plain user's key authenticates, and policy refuses it.
    let (plain_key, _) = bce_key(&app, &a.plain, "plain").await;
    assert_bce_error(
        signed(
            &app,
            &Signing::now(&plain_key),
            Method::GET,
            "/v1/group",
            None,
        )
        .await,
        403,
        "AccessDenied",
    )
    .await;
    assert_bce_error(
        signed(
            &app,
            &Signing::now(&plain_key),
            Method::POST,
            "/v1/group",
            Some(json!({"name": "mine"})),
        )
        .await,
        403,
        "AccessDenied",
    )
    .await;
}

async fn bad_signatures_are_refused_with_baidu_codes() {
    let app = spawn_app().await;
    let a = account(&app).await;
    let (key, _) = bce_key(&app, &a.owner, "owner").await;
    async fn list(app: &TestApp, s: Signing<'_>) -> Response {
        signed(app, &s, Method::GET, "/v1/group", None).await
    }
    assert_eq!(list(&app, Signing::now(&key)).await.status(), 200);

    // A wrong secret.
    let wrong = AccessKey {
        access: key.access.clone(),
        secret: "0".repeat(key.secret.len()),
    };
    assert_bce_error(
        list(&app, Signing::now(&wrong)).await,
        400,
        "SignatureDoesNotMatch",
    )
    .await;
    // Signed for one request, sent as another: another path, method or query.
    let s = Signing::now(&key);
    let auth = authorization(&app, &s, &Method::GET, "/v1/group", None);
    assert_bce_error(
        send_with(&app, &auth, s.at, Method::GET, "/v1/user", None).await,
        400,
        "SignatureDoesNotMatch",
    )
    .await;
    let auth = authorization(&app, &s, &Method::GET, "/v1/group/nope", None);
    for (method, path) in [
        (Method::DELETE, "/v1/group/nope"),
        (Method::GET, "/v1/group/nope?x=1"),
        (Method::GET, "/v1/group/nope2"),
    ] {
        assert_bce_error(
            send_with(&app, &auth, s.at, method, path, None).await,
            400,
            "SignatureDoesNotMatch",
        )
        .await;
    }
    // Content-Length is signed (the body itself is not, in bce-auth-v1).
    let body = json!({"name": "signed-for"}).to_string();
    let auth = authorization(&app, &s, &Method::POST, "/v1/group", Some(&body));
    let other = json!({"name": "sent-as-a"}).to_string();
    assert_bce_error(
        send_with(&app, &auth, s.at, Method::POST, "/v1/group", Some(&other)).await,
        400,
        "SignatureDoesNotMatch",
    )
    .await;
    assert_eq!(app.group_count().await, 0);

    // Signing times: stale (older than the expiration), expired early, far in the future.
    for (at, expiration) in [
        (Utc::now() - Duration::hours(2), 1800),
        (Utc::now() - Duration::seconds(300), 60),
        (Utc::now() + Duration::hours(2), 1800),
    ] {
        assert_bce_error(
            list(
                &app,
                Signing {
                    key: &key,
                    at,
                    expiration,
                },
            )
            .await,
            400,
            "RequestExpired",
        )
        .await;
    }

    // Unknown, disabled and deleted keys.
    let unknown = AccessKey {
        access: "A".repeat(20),
        secret: key.secret.clone(),
    };
    assert_bce_error(
        list(&app, Signing::now(&unknown)).await,
        403,
        "InvalidAccessKeyId",
    )
    .await;
    let (second, _) = bce_key(&app, &a.owner, "owner").await;
    let path = format!("/v1/user/owner/accesskey/{}", second.access);
    let resp = app
        .call(Method::PUT, &format!("{path}?disable"), &a.owner, None)
        .await;
    assert_eq!(resp.status(), 200);
    assert_bce_error(
        list(&app, Signing::now(&second)).await,
        403,
        "InvalidAccessKeyId",
    )
    .await;
    let resp = app
        .call(Method::PUT, &format!("{path}?enable"), &a.owner, None)
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(list(&app, Signing::now(&second)).await.status(), 200);
    // Disabled on the Huawei face: refused here too.
    let resp = app
        .call(
            Method::PUT,
            &format!("/v3.0/OS-CREDENTIAL/credentials/{}", second.access),
            &a.owner,
            Some(json!({"credential": {"status": "inactive"}})),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_bce_error(
        list(&app, Signing::now(&second)).await,
        403,
        "InvalidAccessKeyId",
    )
    .await;
    let resp = app.call(Method::DELETE, &path, &a.owner, None).await;
    assert_eq!(resp.status(), 204);
    assert_bce_error(
        list(&app, Signing::now(&second)).await,
        403,
        "InvalidAccessKeyId",
    )
    .await;

    // A disabled user's key.
    let (plain_key, _) = bce_key(&app, &a.owner, "plain").await;
    let resp = app
        .patch(
            &format!("/v3/users/{}", a.plain_id),
            json!({"user": {"enabled": false}}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_bce_error_of(
        list(&app, Signing::now(&plain_key)).await,
        &[
            (401, "AccessDenied"),
            (403, "AccessDenied"),
            (403, "InvalidAccessKeyId"),
        ],
    )
    .await;

    // Malformed Authorization headers.
    let now = bce_time(Utc::now());
    let sig = "0".repeat(64);
    for auth in [
        format!("bce-auth-v1/{}", key.access),
        format!("bce-auth-v1/{}/{now}/1800", key.access),
        format!("bce-auth-v1/{}/yesterday/1800//{sig}", key.access),
        format!("bce-auth-v1/{}/{now}/soon//{sig}", key.access),
        format!("bce-auth-v1/{}/{now}/-5//{sig}", key.access),
    ] {
        assert_bce_error(
            send_with(&app, &auth, Utc::now(), Method::GET, "/v1/group", None).await,
            400,
            "InvalidHTTPAuthHeader",
        )
        .await;
    }
}

// ---------------------------------------------------------------------------------------
// One store behind both faces
// ---------------------------------------------------------------------------------------

async fn the_v1_and_v3_faces_share_groups() {
    let app = spawn_app().await;
    let a = account(&app).await;
    let t = a.owner.as_str();
    let alice = app.create_user("alice", "alice-pw-123").await;
    let bob = app.create_user("bob", "bob-pw-1234").await;

    // Made on /v3, seen on /v1.
    let resp = app
        .post(
            "/v3/groups",
            json!({"group": {"name": "from-v3", "description": "keystone"}}),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let v3 = json(resp).await["group"].clone();
    let seen = ok_json(
        app.call(Method::GET, "/v1/group/from-v3", t, None).await,
        200,
    )
    .await;
    assert_group(&seen, "from-v3", "keystone");
    assert_eq!(seen["id"], v3["id"]);

    // Made on /v1, seen on /v3.
    let resp = app
        .call(
            Method::POST,
            "/v1/group",
            t,
            Some(json!({"name": "from-v1", "description": "baidu"})),
        )
        .await;
    let v1 = ok_json(resp, 201).await;
    let gid = v1["id"].as_str().unwrap().to_string();
    let found = json(app.get("/v3/groups?name=from-v1").await).await;
    let found = found["groups"].as_array().unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["id"], gid.as_str());
    assert_eq!(found[0]["description"], "baidu");
    assert_eq!(found[0]["domain_id"], "default");
    assert_eq!(app.get(&format!("/v3/groups/{gid}")).await.status(), 200);

    // Both lists hold both groups.
    let listed = ok_json(app.call(Method::GET, "/v1/group", t, None).await, 200).await;
    let v3_list = json(app.get("/v3/groups").await).await;
    assert_eq!(ids(&listed["groups"]), ids(&v3_list["groups"]));
    assert_eq!(ids(&listed["groups"]).len(), 2);

    // Memberships, both ways.
    no_content(
        app.call(Method::PUT, "/v1/group/from-v1/user/alice", t, None)
            .await,
    )
    .await;
    assert_eq!(
        app.head(&format!("/v3/groups/{gid}/users/{alice}"))
            .await
            .status(),
        204
    );
    assert_eq!(
        app.put(&format!("/v3/groups/{gid}/users/{bob}"))
            .await
            .status(),
        204
    );
    let inside = ok_json(
        app.call(Method::GET, "/v1/group/from-v1/user", t, None)
            .await,
        200,
    )
    .await;
    let mut want = vec![alice.clone(), bob.clone()];
    want.sort();
    assert_eq!(ids(&inside["users"]), want);
    let bobs = json(app.get(&format!("/v3/users/{bob}/groups")).await).await;
    assert_eq!(ids(&bobs["groups"]), [gid.as_str()]);
    no_content(
        app.call(Method::DELETE, "/v1/group/from-v1/user/bob", t, None)
            .await,
    )
    .await;
    assert_eq!(
        app.head(&format!("/v3/groups/{gid}/users/{bob}"))
            .await
            .status(),
        404
    );

    // Renames and updates, both ways.
    let resp = app
        .patch(
            &format!("/v3/groups/{}", v3["id"].as_str().unwrap()),
            json!({"group": {"name": "renamed-on-v3", "description": "moved"}}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_bce_error(
        app.call(Method::GET, "/v1/group/from-v3", t, None).await,
        404,
        "NoSuchEntity",
    )
    .await;
    let seen = ok_json(
        app.call(Method::GET, "/v1/group/renamed-on-v3", t, None)
            .await,
        200,
    )
    .await;
    assert_group(&seen, "renamed-on-v3", "moved");
    assert_eq!(seen["id"], v3["id"]);
    let resp = app
        .call(
            Method::PUT,
            "/v1/group/from-v1",
            t,
            Some(json!({"name": "renamed-on-v1", "description": "moved too"})),
        )
        .await;
    ok_json(resp, 200).await;
    let shown = json(app.get(&format!("/v3/groups/{gid}")).await).await;
    assert_eq!(shown["group"]["name"], "renamed-on-v1");
    assert_eq!(shown["group"]["description"], "moved too");

    // Names are unique across both faces.
    assert_bce_error(
        app.call(
            Method::POST,
            "/v1/group",
            t,
            Some(json!({"name": "renamed-on-v3"})),
        )
        .await,
        409,
        "EntityAlreadyExists",
    )
    .await;
    let resp = app
        .post("/v3/groups", json!({"group": {"name": "renamed-on-v1"}}))
        .await;
    assert_eq!(resp.status(), 409);

    // Deleted on /v3, gone on /v1; deleted on /v1 (once empty), gone on /v3.
    assert_eq!(
        app.delete(&format!("/v3/groups/{}", v3["id"].as_str().unwrap()))
            .await
            .status(),
        204
    );
    assert_bce_error(
        app.call(Method::GET, "/v1/group/renamed-on-v3", t, None)
            .await,
        404,
        "NoSuchEntity",
    )
    .await;
    assert_eq!(
        app.delete(&format!("/v3/groups/{gid}/users/{alice}"))
            .await
            .status(),
        204
    );
    no_content(
        app.call(Method::DELETE, "/v1/group/renamed-on-v1", t, None)
            .await,
    )
    .await;
    assert_eq!(app.get(&format!("/v3/groups/{gid}")).await.status(), 404);

    // Users, too: made on /v1, seen on /v3 and the other way round.
    let resp = app
        .call(Method::POST, "/v1/user", t, Some(json!({"name": "dave"})))
        .await;
    let dave = ok_json(resp, 201).await;
    let shown = json(
        app.get(&format!("/v3/users/{}", dave["id"].as_str().unwrap()))
            .await,
    )
    .await;
    assert_eq!(shown["user"]["name"], "dave");
    assert_eq!(shown["user"]["domain_id"], "default");
    let seen = ok_json(app.call(Method::GET, "/v1/user/bob", t, None).await, 200).await;
    assert_user(&seen, "bob", "");
    assert_eq!(seen["id"], bob.as_str());
}

async fn accounts_are_keystone_domains() {
    let app = spawn_app().await;
    let a = account(&app).await;
    let resp = app
        .post("/v3/domains", json!({"domain": {"name": "acme"}}))
        .await;
    assert_eq!(resp.status(), 201);
    let acme = json(resp).await["domain"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let new_user = |name: &'static str, domain: String| {
        let app = &app;
        async move {
            let resp = app
                .post(
                    "/v3/users",
                    json!({"user": {"name": name, "password": "acme-pw-123", "domain_id": domain}}),
                )
                .await;
            assert_eq!(resp.status(), 201, "create {name}");
            json(resp).await["user"]["id"].as_str().unwrap().to_string()
        }
    };
    let boss = new_user("boss", acme.clone()).await;
    app.grant_domain_role(&boss, &acme, "manager").await;
    let acme_alice = new_user("alice", acme.clone()).await;
    let default_alice = app.create_user("alice", "alice-pw-123").await;
    let b = domain_token(&app, &boss, "acme-pw-123", &acme).await;

    // The same group name in two accounts: two groups.
    let resp = app
        .call(
            Method::POST,
            "/v1/group",
            &a.owner,
            Some(json!({"name": "shared"})),
        )
        .await;
    let ours = ok_json(resp, 201).await;
    let resp = app
        .call(
            Method::POST,
            "/v1/group",
            &b,
            Some(json!({"name": "shared"})),
        )
        .await;
    let theirs = ok_json(resp, 201).await;
    assert_ne!(ours["id"], theirs["id"]);
    let found = json(
        app.get(&format!("/v3/groups?name=shared&domain_id={acme}"))
            .await,
    )
    .await;
    assert_eq!(ids(&found["groups"]), ids(&json!([theirs])));

    // Each account sees its own.
    let listed = ok_json(app.call(Method::GET, "/v1/group", &b, None).await, 200).await;
    assert_eq!(listed, json!({"groups": [theirs]}));
    let listed = ok_json(
        app.call(Method::GET, "/v1/group", &a.owner, None).await,
        200,
    )
    .await;
    assert_eq!(listed, json!({"groups": [ours]}));
    let shown = ok_json(
        app.call(Method::GET, "/v1/group/shared", &b, None).await,
        200,
    )
    .await;
    assert_eq!(shown, theirs);

    // A user name means the user of the caller's account.
    no_content(
        app.call(Method::PUT, "/v1/group/shared/user/alice", &b, None)
            .await,
    )
    .await;
    let theirs_id = theirs["id"].as_str().unwrap();
    assert_eq!(
        app.head(&format!("/v3/groups/{theirs_id}/users/{acme_alice}"))
            .await
            .status(),
        204
    );
    let inside = ok_json(
        app.call(Method::GET, "/v1/group/shared/user", &a.owner, None)
            .await,
        200,
    )
    .await;
    assert_eq!(inside, json!({"users": []}));
    no_content(
        app.call(Method::PUT, "/v1/group/shared/user/alice", &a.owner, None)
            .await,
    )
    .await;
    let inside = ok_json(
        app.call(Method::GET, "/v1/group/shared/user", &a.owner, None)
            .await,
        200,
    )
    .await;
    assert_eq!(ids(&inside["users"]), [default_alice.as_str()]);
    let inside = ok_json(
        app.call(Method::GET, "/v1/group/shared/user", &b, None)
            .await,
        200,
    )
    .await;
    assert_eq!(ids(&inside["users"]), [acme_alice.as_str()]);
    // A name of another account is as unknown as a name of none. The contract says 404
    // NoSuchEntity; to a caller who is not a cloud admin the server answers 403 AccessDenied
    // for both, as Keystone enforces policy on an empty target when there is none. Either
    // way, the same answer for both.
    let unknown = [(404, "NoSuchEntity"), (403, "AccessDenied")];
    let resp = app
        .call(
            Method::POST,
            "/v1/group",
            &a.owner,
            Some(json!({"name": "default-only"})),
        )
        .await;
    ok_json(resp, 201).await;
    for (elsewhere, nowhere) in [
        ("/v1/user/owner", "/v1/user/no-such-user"),
        ("/v1/group/default-only", "/v1/group/no-such-group"),
        ("/v1/user/owner/group", "/v1/user/no-such-user/group"),
        (
            "/v1/group/default-only/user",
            "/v1/group/no-such-group/user",
        ),
    ] {
        let there =
            assert_bce_error_of(app.call(Method::GET, elsewhere, &b, None).await, &unknown).await;
        let none =
            assert_bce_error_of(app.call(Method::GET, nowhere, &b, None).await, &unknown).await;
        assert_eq!(there["code"], none["code"], "{elsewhere} and {nowhere}");
    }
    let users = ok_json(app.call(Method::GET, "/v1/user", &b, None).await, 200).await;
    let mut names: Vec<&str> = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["alice", "boss"]);

    // A key's account is its owner's domain.
    let (key, _) = bce_key(&app, &b, "boss").await;
    let listed = ok_json(
        signed(&app, &Signing::now(&key), Method::GET, "/v1/group", None).await,
        200,
    )
    .await;
    assert_eq!(ids(&listed["groups"]), ids(&json!([theirs])));
    let resp = signed(
        &app,
        &Signing::now(&key),
        Method::POST,
        "/v1/group",
        Some(json!({"name": "acme-only"})),
    )
    .await;
    ok_json(resp, 201).await;
    let found = json(app.get("/v3/groups?name=acme-only").await).await;
    assert_eq!(found["groups"][0]["domain_id"], acme.as_str());
    assert_bce_error(
        app.call(Method::GET, "/v1/group/acme-only", &a.owner, None)
            .await,
        404,
        "NoSuchEntity",
    )
    .await;
}

both_backends!(
    groups_have_baidu_shapes_and_statuses,
    memberships_and_delete_conflicts,
    users_have_baidu_shapes_and_statuses,
    access_keys_have_baidu_shapes_and_statuses,
    errors_are_baidu_errors_with_a_request_id,
    signed_requests_act_as_the_key_owner,
    bad_signatures_are_refused_with_baidu_codes,
    the_v1_and_v3_faces_share_groups,
    accounts_are_keystone_domains,
);
