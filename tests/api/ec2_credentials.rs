//! Keystone's `/v3/credentials`, the OS-EC2 credentials of a user, and `/v3/ec2tokens` and
//! `/v3/s3tokens`, from the API reference ("Credentials", "OS-EC2") and Keystone's
//! `keystone/api/credentials.py`, `users.py` and `EC2_S3_Resource.py`.

use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use base64::Engine;
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::{assert_error, json, password_auth, spawn_app, venv_python, TestApp};

const CREDS: &str = "/v3/credentials";

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn hmac256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// A user with `member` on the admin project, and its project-scoped token.
async fn member(app: &TestApp, name: &str) -> (String, String) {
    let uid = app.create_user(name, "member-pw-123").await;
    let roles = json(app.get("/v3/roles?name=member").await).await;
    let role = roles["roles"][0]["id"].as_str().unwrap().to_string();
    let grant = format!(
        "/v3/projects/{}/users/{uid}/roles/{role}",
        app.admin_project_id
    );
    assert_eq!(app.put(&grant).await.status(), 204);
    let mut body = password_auth(name, "member-pw-123");
    body["auth"]["scope"] = json!({"project": {"id": app.admin_project_id}});
    let resp = app
        .call(Method::POST, "/v3/auth/tokens", "", Some(body))
        .await;
    assert_eq!(resp.status(), 201);
    let token = resp.headers()["x-subject-token"]
        .to_str()
        .unwrap()
        .to_string();
    (uid, token)
}

async fn as_user(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> reqwest::Response {
    app.call(method, path, token, body).await
}

fn ec2_blob(access: &str, secret: &str) -> String {
    json!({"access": access, "secret": secret}).to_string()
}

async fn create_show_update_list_and_delete_as_the_reference_says() {
    let app = spawn_app().await;
    let uid = app.create_user("kim", "kim-pw-123").await;
    let project = app.admin_project_id.clone();
    let blob = ec2_blob("kim-access", "kim-secret");
    let resp = app
        .post(
            CREDS,
            json!({"credential": {"type": "ec2", "user_id": uid, "project_id": project,
                "blob": blob, "id": "ignored", "color": "blue"}}),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let created = json(resp).await["credential"].clone();
    let id = sha256_hex("kim-access");
    assert_eq!(
        created["id"],
        id.as_str(),
        "an ec2 id is sha256 of its access"
    );
    assert_eq!(created["type"], "ec2");
    assert_eq!(created["user_id"], uid.as_str());
    assert_eq!(created["project_id"], project.as_str());
    assert_eq!(created["blob"], blob.as_str());
    assert_eq!(created["color"], "blue", "extra attributes are kept");
    assert_eq!(
        created["links"]["self"],
        app.url(&format!("{CREDS}/{id}")).as_str()
    );
    let shown = json(app.get(&format!("{CREDS}/{id}")).await).await;
    assert_eq!(shown["credential"], created);

    // Any other type gets a new id; project_id may be null.
    let resp = app
        .post(
            CREDS,
            json!({"credential": {"type": "totp", "user_id": uid, "project_id": null,
                "blob": "TOTPSECRET"}}),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let totp = json(resp).await["credential"].clone();
    let totp_id = totp["id"].as_str().unwrap().to_string();
    assert_eq!(totp_id.len(), 32);
    assert_eq!(totp["project_id"], Value::Null);

    // Lists and their filters.
    let listed = json(app.get(CREDS).await).await;
    assert_eq!(listed["credentials"].as_array().unwrap().len(), 2);
    assert_eq!(listed["links"]["self"], app.url(CREDS).as_str());
    let only_ec2 = json(app.get(&format!("{CREDS}?type=ec2")).await).await;
    assert_eq!(only_ec2["credentials"], json!([created]));
    let mine = json(app.get(&format!("{CREDS}?user_id={uid}&type=totp")).await).await;
    assert_eq!(mine["credentials"][0]["id"], totp_id.as_str());
    let nobody = json(app.get(&format!("{CREDS}?user_id=nobody")).await).await;
    assert_eq!(nobody["credentials"], json!([]));

    // PATCH: the blob changes, the id stays (tempest's test_credentials).
    let new_blob = ec2_blob("new-access", "new-secret");
    let resp = app
        .patch(
            &format!("{CREDS}/{id}"),
            json!({"credential": {"blob": new_blob}}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let updated = json(resp).await["credential"].clone();
    assert_eq!(updated["id"], id.as_str());
    assert_eq!(updated["blob"], new_blob.as_str());
    assert_eq!(updated["color"], "blue");
    let shown = json(app.get(&format!("{CREDS}/{id}")).await).await;
    assert_eq!(shown["credential"]["blob"], new_blob.as_str());
    // The owner, type and project are the credential's for life; so is its id.
    for (field, value) in [
        ("user_id", json!(app.admin_id)),
        ("type", json!("cert")),
        ("project_id", json!(null)),
    ] {
        let resp = app
            .patch(
                &format!("{CREDS}/{id}"),
                json!({"credential": {field: value}}),
            )
            .await;
        assert_error(resp, 400, &format!("{field} can not be updated")).await;
    }
    let resp = app
        .patch(
            &format!("{CREDS}/{id}"),
            json!({"credential": {"id": "other"}}),
        )
        .await;
    assert_error(resp, 400, "Cannot change ID").await;
    let resp = app
        .patch(&format!("{CREDS}/{id}"), json!({"credential": {}}))
        .await;
    assert_error(resp, 400, "does not have enough properties").await;

    assert_eq!(app.delete(&format!("{CREDS}/{id}")).await.status(), 204);
    assert_error(
        app.get(&format!("{CREDS}/{id}")).await,
        404,
        &format!("Could not find credential: {id}."),
    )
    .await;
    assert_eq!(app.delete(&format!("{CREDS}/{id}")).await.status(), 404);
}

async fn bad_bodies_are_keystone_400s() {
    let app = spawn_app().await;
    let uid = app.admin_id.clone();
    let project = app.admin_project_id.clone();
    let cases = [
        (
            json!({"credential": {"type": "ec2", "user_id": uid, "blob": ec2_blob("a", "s")}}),
            "requires project_id",
        ),
        (
            json!({"credential": {"type": "ec2", "user_id": uid, "project_id": project,
                "blob": "not json"}}),
            "Invalid blob in credential",
        ),
        (
            json!({"credential": {"type": "ec2", "user_id": uid, "project_id": project,
                "blob": "{\"secret\": \"s\"}"}}),
            "Expecting to find access in credential",
        ),
        (
            json!({"credential": {"type": "ec2", "user_id": uid, "project_id": project,
                "blob": "[1]"}}),
            "Expecting to find blob in credential",
        ),
        (
            json!({"credential": {"user_id": uid, "blob": "x"}}),
            "'type' is a required property",
        ),
        (
            json!({"credential": {"type": "x", "user_id": uid}}),
            "'blob' is a required property",
        ),
        (
            json!({"credential": {"type": "x", "user_id": uid, "blob": 5}}),
            "Invalid input for field 'blob'",
        ),
        (json!({}), "Expecting to find credential in request body"),
    ];
    for (body, message) in cases {
        assert_error(app.post(CREDS, body).await, 400, message).await;
    }
    // An unknown owner or project: 404.
    let resp = app
        .post(
            CREDS,
            json!({"credential": {"type": "x", "user_id": "nobody", "blob": "b"}}),
        )
        .await;
    assert_error(resp, 404, "Could not find user: nobody.").await;
    let resp = app
        .post(
            CREDS,
            json!({"credential": {"type": "x", "user_id": uid, "project_id": "nope", "blob": "b"}}),
        )
        .await;
    assert_error(resp, 404, "Could not find project: nope.").await;
    // The same access twice is one id: 409.
    let body = json!({"credential": {"type": "ec2", "user_id": uid, "project_id": project,
        "blob": ec2_blob("twice", "s")}});
    assert_eq!(app.post(CREDS, body.clone()).await.status(), 201);
    assert_eq!(app.post(CREDS, body).await.status(), 409);
}

async fn blobs_are_sealed_at_rest() {
    use iam_groups::db::os_credentials::OsCredentialRow;
    use iam_groups::db::schema::os_credentials;
    let app = spawn_app().await;
    let body = json!({"credential": {"type": "ec2", "user_id": app.admin_id,
        "project_id": app.admin_project_id, "blob": ec2_blob("sealed-access", "TOPSECRET")}});
    assert_eq!(app.post(CREDS, body).await.status(), 201);
    let (uid, token) = member(&app, "ann").await;
    let resp = as_user(
        &app,
        Method::POST,
        &format!("/v3/users/{uid}/credentials/OS-EC2"),
        &token,
        Some(json!({"tenant_id": app.admin_project_id})),
    )
    .await;
    let secret = json(resp).await["credential"]["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let rows: Vec<OsCredentialRow> = app.with_db(|conn| {
        os_credentials::table
            .select(OsCredentialRow::as_select())
            .load(conn)
            .unwrap()
    });
    assert_eq!(rows.len(), 2);
    for row in rows {
        for plain in [
            "TOPSECRET",
            "sealed-access",
            secret.as_str(),
            "secret",
            "access",
        ] {
            assert!(
                !row.sealed_blob.contains(plain) && !row.extra.contains(plain),
                "row {} holds {plain}",
                row.id
            );
        }
        assert!(STANDARD.decode(&row.sealed_blob).unwrap().len() > 24 + 16);
    }
}

async fn users_see_and_change_only_their_own() {
    let app = spawn_app().await;
    let (alice, alice_token) = member(&app, "alice").await;
    let (bob, bob_token) = member(&app, "bob").await;
    let create = |user: &str, blob: &str| json!({"credential": {"type": "totp", "user_id": user, "blob": blob}});
    let resp = as_user(
        &app,
        Method::POST,
        CREDS,
        &alice_token,
        Some(create(&alice, "a")),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let alices = json(resp).await["credential"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = as_user(
        &app,
        Method::POST,
        CREDS,
        &bob_token,
        Some(create(&bob, "b")),
    )
    .await;
    let bobs = json(resp).await["credential"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Not for someone else.
    let resp = as_user(
        &app,
        Method::POST,
        CREDS,
        &alice_token,
        Some(create(&bob, "x")),
    )
    .await;
    assert_error(resp, 403, "identity:create_credential").await;
    // A list is the caller's own, whatever the filter asks.
    for query in ["", "?type=totp"] {
        let listed = as_user(
            &app,
            Method::GET,
            &format!("{CREDS}{query}"),
            &alice_token,
            None,
        )
        .await;
        let ids: Vec<Value> = json(listed).await["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].clone())
            .collect();
        assert_eq!(ids, vec![json!(alices)]);
    }
    let listed = as_user(
        &app,
        Method::GET,
        &format!("{CREDS}?user_id={bob}"),
        &alice_token,
        None,
    )
    .await;
    assert_eq!(json(listed).await["credentials"], json!([]));
    // The admin sees both.
    assert_eq!(
        json(app.get(CREDS).await).await["credentials"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Another's credential, or one that does not exist: 403 alike for a user.
    for id in [bobs.as_str(), "nosuchcredential"] {
        let path = format!("{CREDS}/{id}");
        for (method, body, rule) in [
            (Method::GET, None, "identity:get_credential"),
            (
                Method::PATCH,
                Some(json!({"credential": {"blob": "z"}})),
                "identity:update_credential",
            ),
            (Method::DELETE, None, "identity:delete_credential"),
        ] {
            let resp = as_user(&app, method, &path, &alice_token, body).await;
            assert_error(resp, 403, rule).await;
        }
    }
    let path = format!("{CREDS}/{alices}");
    let resp = as_user(
        &app,
        Method::PATCH,
        &path,
        &alice_token,
        Some(json!({"credential": {"blob": "a2"}})),
    )
    .await;
    assert_eq!(json(resp).await["credential"]["blob"], "a2");
    assert_eq!(
        as_user(&app, Method::DELETE, &path, &alice_token, None)
            .await
            .status(),
        204
    );
    // No token: 401.
    assert_eq!(
        as_user(&app, Method::GET, CREDS, "", None).await.status(),
        401
    );
}

async fn ec2_credentials_of_a_user() {
    let app = spawn_app().await;
    let (alice, token) = member(&app, "alice").await;
    let (bob, bob_token) = member(&app, "bob").await;
    let base = format!("/v3/users/{alice}/credentials/OS-EC2");
    let body = json!({"tenant_id": app.admin_project_id});
    let resp = as_user(&app, Method::POST, &base, &token, Some(body.clone())).await;
    assert_eq!(resp.status(), 201);
    let created = json(resp).await["credential"].clone();
    let access = created["access"].as_str().unwrap().to_string();
    assert_eq!(access.len(), 32);
    assert_eq!(created["secret"].as_str().unwrap().len(), 32);
    assert_eq!(created["user_id"], alice.as_str());
    assert_eq!(created["tenant_id"], app.admin_project_id.as_str());
    assert_eq!(created["trust_id"], Value::Null);
    assert_eq!(
        created["links"]["self"],
        app.url(&format!("{base}/{access}")).as_str()
    );
    let shown = as_user(&app, Method::GET, &format!("{base}/{access}"), &token, None).await;
    assert_eq!(json(shown).await["credential"], created);
    let listed = json(as_user(&app, Method::GET, &base, &token, None).await).await;
    assert_eq!(listed["credentials"], json!([created]));
    assert_eq!(listed["links"]["self"], app.url(&base).as_str());

    // The same row in /v3/credentials, of type ec2, its id the access's SHA-256.
    let v3 = json(as_user(&app, Method::GET, CREDS, &token, None).await).await;
    let row = &v3["credentials"][0];
    assert_eq!(row["id"], sha256_hex(&access).as_str());
    assert_eq!(row["type"], "ec2");
    assert_eq!(row["project_id"], app.admin_project_id.as_str());
    let blob: Value = serde_json::from_str(row["blob"].as_str().unwrap()).unwrap();
    assert_eq!(blob["access"], access.as_str());
    assert_eq!(blob["secret"], created["secret"]);

    // Bob may not make, list, show or delete Alice's.
    let resp = as_user(&app, Method::POST, &base, &bob_token, Some(body.clone())).await;
    assert_error(resp, 403, "identity:ec2_create_credential").await;
    let resp = as_user(&app, Method::GET, &base, &bob_token, None).await;
    assert_error(resp, 403, "identity:ec2_list_credentials").await;
    let one = format!("{base}/{access}");
    let resp = as_user(&app, Method::GET, &one, &bob_token, None).await;
    assert_error(resp, 403, "identity:ec2_get_credential").await;
    let resp = as_user(&app, Method::DELETE, &one, &bob_token, None).await;
    assert_error(resp, 403, "identity:ec2_delete_credential").await;
    // Under his own path, Alice's access is unknown.
    let resp = as_user(
        &app,
        Method::GET,
        &format!("/v3/users/{bob}/credentials/OS-EC2/{access}"),
        &bob_token,
        None,
    )
    .await;
    assert_eq!(resp.status(), 404);
    // The admin may.
    assert_eq!(app.get(&one).await.status(), 200);

    // Bad and unknown input.
    let resp = as_user(&app, Method::POST, &base, &token, Some(json!({}))).await;
    assert_error(resp, 400, "'tenant_id' is a required property").await;
    let resp = as_user(
        &app,
        Method::POST,
        &base,
        &token,
        Some(json!({"tenant_id": "nope"})),
    )
    .await;
    assert_error(resp, 404, "Could not find project: nope.").await;
    assert_error(
        app.post(
            "/v3/users/nobody/credentials/OS-EC2",
            json!({"tenant_id": app.admin_project_id}),
        )
        .await,
        404,
        "Could not find user: nobody.",
    )
    .await;

    assert_eq!(
        as_user(&app, Method::DELETE, &one, &token, None)
            .await
            .status(),
        204
    );
    assert_eq!(
        as_user(&app, Method::GET, &one, &token, None)
            .await
            .status(),
        404
    );
    let listed = json(as_user(&app, Method::GET, &base, &token, None).await).await;
    assert_eq!(listed["credentials"], json!([]));

    // Audited, each under the credential's id, refusals too.
    let events = json(app.get("/v3/audit-events").await).await;
    let seen: Vec<(String, String, String)> = events["audit_events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["event_type"].as_str().unwrap_or_default().to_string(),
                e["outcome"].as_str().unwrap_or_default().to_string(),
                e["target"]["id"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let id = sha256_hex(&access);
    for (event, outcome) in [
        ("identity.user.credential.ec2.created", "success"),
        ("identity.user.credential.ec2.deleted", "success"),
        ("identity.user.credential.ec2.deleted", "failure"),
    ] {
        assert!(
            seen.iter()
                .any(|(e, o, t)| e == event && o == outcome && *t == id),
            "{event} {outcome} {id} in {seen:?}"
        );
    }
}

/// ec2tokens' credentials for a signature-v2 GET, signed with `secret`.
fn ec2_v2(access: &str, secret: &str, timestamp: &str) -> Value {
    let to_sign = format!(
        "GET\nec2.example.com\n/\nAWSAccessKeyId={access}&Action=DescribeInstances\
         &SignatureMethod=HmacSHA256&SignatureVersion=2&Timestamp={}",
        timestamp.replace(':', "%3A")
    );
    let signature = STANDARD.encode(hmac256(secret.as_bytes(), to_sign.as_bytes()));
    json!({"credentials": {"access": access, "signature": signature,
        "host": "ec2.example.com", "verb": "GET", "path": "/",
        "params": {"AWSAccessKeyId": access, "Action": "DescribeInstances",
            "SignatureMethod": "HmacSHA256", "SignatureVersion": "2", "Timestamp": timestamp},
        "headers": {}, "body_hash": ""}})
}

/// s3tokens' credentials for a v4 string to sign, signed with `secret`.
fn s3_v4(access: &str, secret: &str) -> Value {
    let now = chrono::Utc::now();
    let (date, day) = (
        now.format("%Y%m%dT%H%M%SZ").to_string(),
        now.format("%Y%m%d").to_string(),
    );
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{date}\n{day}/RegionOne/s3/aws4_request\n{}",
        sha256_hex("GET\n/bucket/key\n\nhost:s3\n\nhost\nUNSIGNED-PAYLOAD")
    );
    let mut key = hmac256(format!("AWS4{secret}").as_bytes(), day.as_bytes());
    for part in ["RegionOne", "s3", "aws4_request"] {
        key = hmac256(&key, part.as_bytes());
    }
    let signature = hex::encode(hmac256(&key, to_sign.as_bytes()));
    json!({"credentials": {"access": access, "signature": signature,
        "token": URL_SAFE.encode(to_sign)}})
}

async fn ec2tokens_and_s3tokens_turn_signatures_into_project_tokens() {
    let app = spawn_app().await;
    let (alice, token) = member(&app, "alice").await;
    let base = format!("/v3/users/{alice}/credentials/OS-EC2");
    let resp = as_user(
        &app,
        Method::POST,
        &base,
        &token,
        Some(json!({"tenant_id": app.admin_project_id})),
    )
    .await;
    let cred = json(resp).await["credential"].clone();
    let access = cred["access"].as_str().unwrap();
    let secret = cred["secret"].as_str().unwrap();
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();

    // ec2tokens: no X-Auth-Token; 200, the token in X-Subject-Token, with the catalog.
    let resp = as_user(
        &app,
        Method::POST,
        "/v3/ec2tokens",
        "",
        Some(ec2_v2(access, secret, &now)),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let ec2_token = resp.headers()["x-subject-token"]
        .to_str()
        .unwrap()
        .to_string();
    let body = json(resp).await["token"].clone();
    assert_eq!(body["user"]["id"], alice.as_str());
    assert_eq!(body["project"]["id"], app.admin_project_id.as_str());
    assert_eq!(body["methods"], json!(["ec2credential"]));
    let roles: Vec<&str> = body["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(roles.contains(&"member"), "{roles:?}");
    assert!(!body["catalog"].as_array().unwrap().is_empty());
    // The token works; it may not mint more credentials (Keystone's LP#2153453).
    let me = as_user(
        &app,
        Method::GET,
        &format!("/v3/users/{alice}"),
        &ec2_token,
        None,
    )
    .await;
    assert_eq!(me.status(), 200);
    let resp = as_user(
        &app,
        Method::POST,
        &base,
        &ec2_token,
        Some(json!({"tenant_id": app.admin_project_id})),
    )
    .await;
    assert_error(resp, 403, "EC2 credential cannot create credentials").await;

    // s3tokens: 200 and the token body.
    let resp = as_user(
        &app,
        Method::POST,
        "/v3/s3tokens",
        "",
        Some(s3_v4(access, secret)),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let body = json(resp).await["token"].clone();
    assert_eq!(body["user"]["id"], alice.as_str());
    assert_eq!(body["project"]["id"], app.admin_project_id.as_str());

    // Refusals: 401 in Keystone's shape.
    let wrong = ec2_v2(access, "not-the-secret", &now);
    let unknown = ec2_v2("no-such-access", secret, &now);
    let old = ec2_v2(access, secret, "2001-01-01T00:00:00Z");
    let mut unsigned = ec2_v2(access, secret, &now);
    unsigned["credentials"]
        .as_object_mut()
        .unwrap()
        .remove("signature");
    let mut no_access = ec2_v2(access, secret, &now);
    no_access["credentials"]
        .as_object_mut()
        .unwrap()
        .remove("access");
    for body in [wrong, unknown, old, unsigned, no_access] {
        let resp = as_user(&app, Method::POST, "/v3/ec2tokens", "", Some(body)).await;
        assert_error(resp, 401, "requires authentication").await;
    }
    for body in [
        s3_v4(access, "not-the-secret"),
        s3_v4("no-such-access", secret),
    ] {
        let resp = as_user(&app, Method::POST, "/v3/s3tokens", "", Some(body)).await;
        assert_error(resp, 401, "requires authentication").await;
    }
    let resp = as_user(&app, Method::POST, "/v3/ec2tokens", "", Some(json!({}))).await;
    assert_error(resp, 400, "request must include a request body").await;
    let resp = as_user(&app, Method::GET, "/v3/ec2tokens", "", None).await;
    assert_eq!(resp.status(), 405);

    // The owner disabled, or without a role on the project: no token.
    let grants = json(
        app.get(&format!("/v3/role_assignments?user.id={alice}"))
            .await,
    )
    .await;
    let role = grants["role_assignments"][0]["role"]["id"]
        .as_str()
        .unwrap();
    let grant = format!(
        "/v3/projects/{}/users/{alice}/roles/{role}",
        app.admin_project_id
    );
    assert_eq!(app.delete(&grant).await.status(), 204);
    let resp = as_user(
        &app,
        Method::POST,
        "/v3/ec2tokens",
        "",
        Some(ec2_v2(access, secret, &now)),
    )
    .await;
    assert_eq!(resp.status(), 401);
    assert_eq!(app.put(&grant).await.status(), 204);
    let resp = app
        .patch(
            &format!("/v3/users/{alice}"),
            json!({"user": {"enabled": false}}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let resp = as_user(
        &app,
        Method::POST,
        "/v3/s3tokens",
        "",
        Some(s3_v4(access, secret)),
    )
    .await;
    assert_eq!(resp.status(), 401);
}

async fn deleting_the_user_or_project_deletes_its_credentials() {
    let app = spawn_app().await;
    let uid = app.create_user("gone", "gone-pw-123").await;
    let resp = app
        .post(
            "/v3/projects",
            json!({"project": {"name": "short-lived", "domain_id": "default"}}),
        )
        .await;
    let project = json(resp).await["project"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for (user, project) in [(&uid, None), (&app.admin_id, Some(&project))] {
        let body = json!({"credential": {"type": "x", "user_id": user, "project_id": project,
            "blob": "b"}});
        assert_eq!(app.post(CREDS, body).await.status(), 201);
    }
    assert_eq!(app.delete(&format!("/v3/users/{uid}")).await.status(), 204);
    assert_eq!(
        app.delete(&format!("/v3/projects/{project}"))
            .await
            .status(),
        204
    );
    assert_eq!(json(app.get(CREDS).await).await["credentials"], json!([]));
}

/// botocore's S3SigV4Auth and HmacV1Auth to /v3/s3tokens (as Swift's s3api forwards), and
/// botocore's SigV4Auth and keystoneclient's Ec2Signer to /v3/ec2tokens.
async fn real_signers_get_tokens() {
    let Some(python) = venv_python("botocore and keystoneclient's Ec2Signer") else {
        return;
    };
    let app = spawn_app().await;
    let (uid, token) = member(&app, "signer").await;
    let resp = as_user(
        &app,
        Method::POST,
        &format!("/v3/users/{uid}/credentials/OS-EC2"),
        &token,
        Some(json!({"tenant_id": app.admin_project_id})),
    )
    .await;
    let cred = json(resp).await["credential"].clone();
    let input = json!({"url": app.base, "access": cred["access"], "secret": cred["secret"],
        "user_id": uid, "project_id": app.admin_project_id});
    let out = crate::helpers::run_sdk_script(python, "ec2_signers.py", &input).await;
    assert!(out.contains("ec2_signers: OK"), "{out}");
}

both_backends!(
    create_show_update_list_and_delete_as_the_reference_says,
    bad_bodies_are_keystone_400s,
    blobs_are_sealed_at_rest,
    users_see_and_change_only_their_own,
    ec2_credentials_of_a_user,
    ec2tokens_and_s3tokens_turn_signatures_into_project_tokens,
    deleting_the_user_or_project_deletes_its_credentials,
    real_signers_get_tokens,
);
