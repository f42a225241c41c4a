//! Issue 15's edge findings, each through HTTP against the running server: made-up methods
//! in the metrics, replayed and ambiguous signed requests on both faces, Baidu's expiration
//! cap and body binding, the password hashing queue and the failed-login limit, forwarding
//! headers from untrusted peers, and the modes of the data and log files.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use chrono::Utc;
use iam_groups::auth::signature::Algorithm;
use iam_groups::auth::signature::RequestParts;
use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::helpers::{
    assert_error, json, password_auth, spawn_app, spawn_app_with, AccessKey, Backend, Bce, TestApp,
    AUTH_REQUIRED,
};

/// The whole Keystone error body.
fn keystone_error(code: u16, title: &str, message: &str) -> Value {
    json!({"error": {"code": code, "message": message, "title": title}})
}

async fn status_and_body(resp: Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("json body"))
}

/// A Keystone 401, with its `WWW-Authenticate`.
async fn assert_keystone_401(resp: Response) {
    assert!(resp.headers().contains_key("www-authenticate"));
    let (status, body) = status_and_body(resp).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body, keystone_error(401, "Unauthorized", AUTH_REQUIRED));
}

/// A Baidu error: status, code and message exactly, and a request id.
async fn assert_bce(resp: Response, status: u16, code: &str, message: &str) {
    let got = resp.status().as_u16();
    let body: Value = resp.json().await.expect("json body");
    assert_eq!(got, status, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["message"], message, "{body}");
    assert!(body["requestId"].as_str().is_some_and(|r| !r.is_empty()));
    assert_eq!(body.as_object().map(|o| o.len()), Some(3), "{body}");
}

async fn metrics(app: &TestApp) -> String {
    let resp = app.call(Method::GET, "/metrics", "", None).await;
    assert_eq!(resp.status(), 200);
    resp.text().await.expect("metrics text")
}

/// The value of one sample line of `/metrics`, 0 when absent.
fn sample(text: &str, series: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.trim().parse::<f64>().ok())
        .map_or(0, |v| v as u64)
}

// ---------------------------------------------------------------------------------------
// Item 3: the method label
// ---------------------------------------------------------------------------------------

async fn made_up_methods_share_one_metrics_label() {
    let app = spawn_app().await;
    for i in 0..5 {
        let name = format!("MADEUP{i}{}", "X".repeat(500));
        let method = Method::from_bytes(name.as_bytes()).expect("a token");
        let resp = app.call(method, "/v3/groups", "", None).await;
        assert_eq!(resp.status(), 405, "{i}");
    }
    let text = metrics(&app).await;
    assert!(!text.contains("MADEUP"), "raw methods leaked into labels");
    assert_eq!(
        sample(
            &text,
            "iam_groups_http_requests_total{method=\"OTHER\",route=\"/v3/groups\",status=\"405\"}"
        ),
        5,
        "{text}"
    );
    // The methods HTTP defines keep their names.
    assert_eq!(
        sample(
            &text,
            "iam_groups_http_requests_total{method=\"GET\",route=\"/v3/auth/tokens\",status=\"200\"}"
        ),
        0
    );
    let resp = app.get("/v3/groups").await;
    assert_eq!(resp.status(), 200);
    let text = metrics(&app).await;
    assert_eq!(
        sample(
            &text,
            "iam_groups_http_requests_total{method=\"GET\",route=\"/v3/groups\",status=\"200\"}"
        ),
        1,
        "{text}"
    );
}

// ---------------------------------------------------------------------------------------
// Item 15: file modes
// ---------------------------------------------------------------------------------------

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

async fn data_and_log_files_are_created_owner_only() {
    let dir = tempfile::tempdir().expect("temp dir");
    let audit = dir.path().join("logs/audit.jsonl");
    let audit_str = audit.display().to_string();
    let mut overrides = vec![("IAM_GROUPS_AUDIT_LOG", audit_str.as_str())];
    let sqlite = dir.path().join("data/iam.sqlite");
    let sqlite_url = format!("sqlite://{}", sqlite.display());
    if crate::helpers::backend() == Backend::Sqlite {
        overrides.push(("IAM_GROUPS_DATABASE_URL", sqlite_url.as_str()));
    }
    let app = spawn_app_with(&overrides).await;
    // Something to write, so the audit log and the WAL have content.
    app.create_group("files").await;
    assert_eq!(mode(&audit), 0o600, "audit log");
    assert_eq!(mode(&app.dir.path().join("token.key")), 0o600, "token key");
    assert_eq!(
        mode(&app.dir.path().join("credential.key")),
        0o600,
        "credential key"
    );
    if crate::helpers::backend() == Backend::Sqlite {
        assert_eq!(mode(&sqlite), 0o600, "SQLite database");
        for suffix in ["-wal", "-shm"] {
            let side = std::path::PathBuf::from(format!("{}{suffix}", sqlite.display()));
            if side.exists() {
                assert_eq!(mode(&side), 0o600, "{}", side.display());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Items 6 and 12 on the Huawei face
// ---------------------------------------------------------------------------------------

async fn a_replayed_huawei_signature_is_401_after_the_grace() {
    let app = spawn_app().await;
    let (_, key) = app.domain_admin_with_key("signer").await;
    let victim = app.create_user("victim", "victim-pw-1").await;
    let in_domain = [("X-Domain-Id", "default")];
    let body = json!({"credential": {"user_id": victim}}).to_string();
    let at = Utc::now();
    let send = || {
        app.signed(
            Algorithm::HmacSha256,
            &key,
            Method::POST,
            "/v3.0/OS-CREDENTIAL/credentials",
            &in_domain,
            Some(&body),
            at,
        )
    };
    let first = send().await;
    assert_eq!(first.status(), 201);
    let made = json(first).await;
    assert!(made["credential"]["secret"].is_string());
    // Past the grace, the same bytes are a replay: no second key, no fresh secret.
    tokio::time::sleep(Duration::from_millis(2300)).await;
    assert_keystone_401(send().await).await;
    let keys = json(
        app.get(&format!("/v3.0/OS-CREDENTIAL/credentials?user_id={victim}"))
            .await,
    )
    .await;
    assert_eq!(keys["credentials"].as_array().map(Vec::len), Some(1));

    // Reads are held to one use as well.
    let at = Utc::now();
    let list = || {
        app.signed(
            Algorithm::HmacSm3,
            &key,
            Method::GET,
            "/v3/groups",
            &in_domain,
            None,
            at,
        )
    };
    assert_eq!(list().await.status(), 200);
    tokio::time::sleep(Duration::from_millis(2300)).await;
    assert_keystone_401(list().await).await;
    // A fresh signature of the same request is fine.
    let resp = app
        .signed(
            Algorithm::HmacSm3,
            &key,
            Method::GET,
            "/v3/groups",
            &in_domain,
            None,
            Utc::now(),
        )
        .await;
    assert_eq!(resp.status(), 200);
}

async fn with_no_grace_a_signature_is_taken_exactly_once() {
    let app = spawn_app_with(&[("IAM_GROUPS_SIGNING__REPLAY_GRACE_MS", "0")]).await;
    let (_, key) = app.domain_admin_with_key("signer").await;
    let body = json!({"group": {"name": "once"}}).to_string();
    let at = Utc::now();
    for expected in [201, 401, 401] {
        let resp = app
            .signed(
                Algorithm::HmacSha256,
                &key,
                Method::POST,
                "/v3/groups",
                &[("X-Domain-Id", "default")],
                Some(&body),
                at,
            )
            .await;
        if expected == 401 {
            assert_keystone_401(resp).await;
        } else {
            assert_eq!(resp.status(), 201);
        }
    }
    assert_eq!(app.group_count().await, 1);
}

/// Two instances on one database: a signature used through one is a replay through the
/// other.
async fn replays_are_refused_across_instances() {
    let first = spawn_app_with(&[("IAM_GROUPS_SIGNING__REPLAY_GRACE_MS", "0")]).await;
    let key_file = first
        .dir
        .path()
        .join("credential.key")
        .display()
        .to_string();
    let token_file = first.dir.path().join("token.key").display().to_string();
    let shared = [
        ("IAM_GROUPS_SIGNING__REPLAY_GRACE_MS", "0"),
        ("IAM_GROUPS_DATABASE_URL", first.database_url.as_str()),
        ("IAM_GROUPS_CREDENTIAL_KEY_FILE", key_file.as_str()),
        ("IAM_GROUPS_TOKEN_KEY_FILE", token_file.as_str()),
    ];
    let second = spawn_app_with(&shared).await;
    let (_, key) = first.domain_admin_with_key("signer").await;
    let at = Utc::now();
    let body = json!({"group": {"name": "shared"}}).to_string();
    let resp = first
        .signed(
            Algorithm::HmacSha256,
            &key,
            Method::POST,
            "/v3/groups",
            &[("X-Domain-Id", "default")],
            Some(&body),
            at,
        )
        .await;
    assert_eq!(resp.status(), 201);
    // The same bytes to the other instance (its own Host is signed, so sign for it with
    // the same time: the helper signs what it sends, so replay by hand).
    let host = first.base.trim_start_matches("http://").to_string();
    let date = crate::helpers::sdk_date(at);
    let signature = huawei_signature(&key, "POST", "/v3/groups", &host, &date, &body);
    let resp = second
        .client
        .post(second.url("/v3/groups"))
        .header("Host", host)
        .header("X-Sdk-Date", date)
        .header("X-Domain-Id", "default")
        .header("Content-Type", "application/json")
        .header("Authorization", signature)
        .body(body)
        .send()
        .await
        .expect("request");
    assert_keystone_401(resp).await;
    assert_eq!(first.group_count().await, 1);
}

/// The Authorization of the helper's signing of a request with a JSON body, X-Domain-Id
/// `default`.
fn huawei_signature(
    key: &AccessKey,
    method: &str,
    path: &str,
    host: &str,
    date: &str,
    body: &str,
) -> String {
    use iam_groups::auth::signature::{canonical_request, string_to_sign};
    let alg = Algorithm::HmacSha256;
    let headers = [
        ("content-type", "application/json"),
        ("host", host),
        ("x-domain-id", "default"),
        ("x-sdk-date", date),
    ];
    let signed: Vec<String> = headers.iter().map(|(n, _)| n.to_string()).collect();
    let parts = RequestParts {
        method,
        path,
        query: "",
        headers: headers.iter().map(|(n, v)| (*n, v.as_bytes())).collect(),
        body: body.as_bytes(),
    };
    let canonical = canonical_request(alg, &parts, &signed).expect("canonical");
    let to_sign = string_to_sign(alg, date, &canonical);
    format!(
        "{} Access={}, SignedHeaders={}, Signature={}",
        alg.name(),
        key.access,
        signed.join(";"),
        hex::encode(alg.hmac(key.secret.as_bytes(), to_sign.as_bytes()))
    )
}

async fn ambiguous_huawei_signed_requests_are_400() {
    let app = spawn_app().await;
    let (_, key) = app.domain_admin_with_key("signer").await;
    let in_domain = [("X-Domain-Id", "default")];
    app.create_group("a").await;
    app.create_group("b").await;
    for (target, why) in [
        (
            "/v3/groups?name=a&name=b",
            "a query parameter is given more than once, which a signature cannot order",
        ),
        (
            "/v3/groups?name=b&domain_id=default&name=a",
            "a query parameter is given more than once, which a signature cannot order",
        ),
        (
            "/v3/groups/x%2Fy",
            "the path has an encoded '/' (%2F), which a signature cannot tell from '/'",
        ),
        (
            "/v3/users/a%2fb/groups",
            "the path has an encoded '/' (%2F), which a signature cannot tell from '/'",
        ),
    ] {
        let resp = app
            .signed(
                Algorithm::HmacSha256,
                &key,
                Method::GET,
                target,
                &in_domain,
                None,
                Utc::now(),
            )
            .await;
        let (status, body) = status_and_body(resp).await;
        assert_eq!(status, 400, "{target}: {body}");
        assert_eq!(
            body,
            keystone_error(
                400,
                "Bad Request",
                &format!("AK/SK signed request refused: {why}.")
            ),
            "{target}"
        );
    }
    // One value per key, and an encoded character that is not '/', are fine.
    let resp = app
        .signed(
            Algorithm::HmacSha256,
            &key,
            Method::GET,
            "/v3/groups?name=a&domain_id=default",
            &in_domain,
            None,
            Utc::now(),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(json(resp).await["groups"][0]["name"], "a");
    let resp = app
        .signed(
            Algorithm::HmacSha256,
            &key,
            Method::GET,
            "/v3/groups/no%20such",
            &in_domain,
            None,
            Utc::now(),
        )
        .await;
    assert_eq!(resp.status(), 404);
    // Token callers are not signed: their queries are as before.
    assert_eq!(app.get("/v3/groups?name=a&name=b").await.status(), 200);
}

// ---------------------------------------------------------------------------------------
// Items 6, 7 and 12 on the Baidu face
// ---------------------------------------------------------------------------------------

async fn a_replayed_baidu_signature_is_401_after_the_grace() {
    let app = spawn_app().await;
    let (_, key) = app.domain_admin_with_key("owner").await;
    app.create_user("victim", "victim-pw-1").await;
    let s = Bce::now(&key);
    let first = s
        .send(&app, Method::POST, "/v1/user/victim/accesskey", None)
        .await;
    assert_eq!(first.status(), 201);
    assert!(json(first).await["secret"].is_string());
    tokio::time::sleep(Duration::from_millis(2300)).await;
    assert_bce(
        s.send(&app, Method::POST, "/v1/user/victim/accesskey", None)
            .await,
        401,
        "AccessDenied",
        AUTH_REQUIRED,
    )
    .await;
    let keys = json(
        Bce::now(&key)
            .send(&app, Method::GET, "/v1/user/victim/accesskey", None)
            .await,
    )
    .await;
    assert_eq!(
        keys["accessKeys"].as_array().map(Vec::len),
        Some(1),
        "{keys}"
    );
}

async fn baidu_expiration_is_capped() {
    let app = spawn_app().await;
    let (_, key) = app.domain_admin_with_key("owner").await;
    for (expiration, cap) in [(1801, 1800), (604_800, 1800)] {
        let s = Bce {
            expiration,
            ..Bce::now(&key)
        };
        assert_bce(
            s.send(&app, Method::GET, "/v1/group", None).await,
            400,
            "InvalidHTTPAuthHeader",
            &format!("expirationPeriodInSeconds may be at most {cap}."),
        )
        .await;
    }
    let s = Bce {
        expiration: 1800,
        ..Bce::now(&key)
    };
    assert_eq!(
        s.send(&app, Method::GET, "/v1/group", None).await.status(),
        200
    );

    // The cap is configurable.
    let app = spawn_app_with(&[("IAM_GROUPS_SIGNING__BCE_MAX_EXPIRATION_SECS", "60")]).await;
    let (_, key) = app.domain_admin_with_key("owner").await;
    let s = Bce {
        expiration: 61,
        ..Bce::now(&key)
    };
    assert_bce(
        s.send(&app, Method::GET, "/v1/group", None).await,
        400,
        "InvalidHTTPAuthHeader",
        "expirationPeriodInSeconds may be at most 60.",
    )
    .await;
    let s = Bce {
        expiration: 60,
        ..Bce::now(&key)
    };
    assert_eq!(
        s.send(&app, Method::GET, "/v1/group", None).await.status(),
        200
    );
}

async fn a_baidu_body_must_be_bound_to_its_signature() {
    let app = spawn_app().await;
    let (_, key) = app.domain_admin_with_key("owner").await;
    let unbound = "A request with a body must sign Content-MD5, x-bce-content-sha256 or \
                   Content-Length, so that the body is bound to the signature.";
    let body = json!({"name": "evil"}).to_string();
    // Only the host signed: any body would do for a captured request.
    for signed in [&["host"][..], &["host", "content-type"][..]] {
        let s = Bce {
            signed: Some(signed),
            ..Bce::now(&key)
        };
        assert_bce(
            s.send(&app, Method::POST, "/v1/group", Some(&body)).await,
            400,
            "InvalidHTTPAuthHeader",
            unbound,
        )
        .await;
    }
    assert_eq!(app.group_count().await, 0);
    // Content-Length signed (the SDK's default set, or named), or a digest.
    for (i, signed) in [
        None,
        Some(&["host", "content-length"][..]),
        Some(&["host", "x-bce-content-sha256"][..]),
    ]
    .into_iter()
    .enumerate()
    {
        let body = json!({"name": format!("bound-{i}")}).to_string();
        let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(body.as_bytes()));
        let s = Bce {
            signed,
            extra: vec![("x-bce-content-sha256", sha)],
            ..Bce::now(&key)
        };
        let resp = s.send(&app, Method::POST, "/v1/group", Some(&body)).await;
        assert_eq!(resp.status(), 201, "{signed:?}");
    }
    // A digest that is not the body's.
    let s = Bce {
        signed: Some(&["host", "x-bce-content-sha256"]),
        extra: vec![("x-bce-content-sha256", "0".repeat(64))],
        ..Bce::now(&key)
    };
    assert_bce(
        s.send(&app, Method::POST, "/v1/group", Some(&body)).await,
        400,
        "BadDigest",
        "The x-bce-content-sha256 you specified did not match what we received.",
    )
    .await;
    // No body: nothing to bind.
    let s = Bce {
        signed: Some(&["host"]),
        ..Bce::now(&key)
    };
    assert_eq!(
        s.send(&app, Method::GET, "/v1/group", None).await.status(),
        200
    );
    assert_eq!(app.group_count().await, 3);
}

async fn ambiguous_baidu_signed_requests_are_400() {
    let app = spawn_app().await;
    let (_, key) = app.domain_admin_with_key("owner").await;
    for (target, why) in [
        (
            "/v1/group?marker=a&marker=b",
            "a query parameter is given more than once, which a signature cannot order",
        ),
        (
            "/v1/group/x%2Fy",
            "the path has an encoded '/' (%2F), which a signature cannot tell from '/'",
        ),
    ] {
        assert_bce(
            Bce::now(&key).send(&app, Method::GET, target, None).await,
            400,
            "InvalidHTTPAuthHeader",
            &format!("bce-auth-v1 signed request refused: {why}."),
        )
        .await;
    }
}

// ---------------------------------------------------------------------------------------
// Item 8: the hashing queue and the failed-login limit
// ---------------------------------------------------------------------------------------

/// Costly hashes (64 MiB, 4 passes), so that logins overlap.
const SLOW_HASHES: [(&str, &str); 2] = [
    ("IAM_GROUPS_IDENTITY__PASSWORD_HASH_MEMORY_KIB", "65536"),
    ("IAM_GROUPS_IDENTITY__PASSWORD_HASH_ITERATIONS", "4"),
];

async fn login(app: &TestApp, name: &str, password: &str, forwarded: Option<&str>) -> Response {
    let mut req = app
        .client
        .post(app.url("/v3/auth/tokens"))
        .json(&password_auth(name, password));
    if let Some(ip) = forwarded {
        req = req.header("X-Forwarded-For", ip);
    }
    req.send().await.expect("request")
}

async fn a_full_hashing_queue_is_503_with_retry_after() {
    let mut overrides = SLOW_HASHES.to_vec();
    overrides.push(("IAM_GROUPS_LOGIN__HASH_QUEUE_LIMIT", "1"));
    overrides.push(("IAM_GROUPS_LOGIN__HASH_RETRY_AFTER_SECS", "3"));
    let app = spawn_app_with(&overrides).await;
    app.create_user("many", "many-pw-1").await;
    let attempts = 12;
    let answers = futures_util::future::join_all(
        (0..attempts).map(|_| login(&app, "many", "many-pw-1", None)),
    )
    .await;
    let mut refused = 0;
    for resp in answers {
        match resp.status().as_u16() {
            201 => {}
            503 => {
                refused += 1;
                assert_eq!(resp.headers()["retry-after"], "3");
                let (_, body) = status_and_body(resp).await;
                assert_eq!(
                    body,
                    keystone_error(
                        503,
                        "Service Unavailable",
                        "The service is temporarily unavailable; please retry shortly."
                    )
                );
            }
            other => panic!("unexpected status {other}"),
        }
    }
    // Two hashing threads and one waiting job: most of the burst is turned away at once.
    assert!(refused >= 1, "no login was refused");
    assert!(refused < attempts, "every login was refused");
    let text = metrics(&app).await;
    assert_eq!(
        sample(
            &text,
            "iam_groups_password_hash_jobs_total{outcome=\"refused\"}"
        ),
        refused,
        "{text}"
    );
    // Once the burst is over, logins work again.
    assert_eq!(login(&app, "many", "many-pw-1", None).await.status(), 201);
}

async fn abandoned_logins_are_not_hashed() {
    use tokio::io::AsyncWriteExt;
    let app = spawn_app_with(&SLOW_HASHES).await;
    app.create_user("gone", "gone-pw-1").await;
    let before = metrics(&app).await;
    let hashed_before = sample(
        &before,
        "iam_groups_password_hash_jobs_total{outcome=\"hashed\"}",
    );
    let body = password_auth("gone", "wrong-pw").to_string();
    let request = format!(
        "POST /v3/auth/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let address = app.base.trim_start_matches("http://").to_string();
    let sent = 12u64;
    let mut streams = Vec::new();
    for _ in 0..sent {
        let mut stream = tokio::net::TcpStream::connect(&address)
            .await
            .expect("connect");
        stream
            .write_all(request.as_bytes())
            .await
            .expect("send login");
        streams.push(stream);
    }
    // Let every login reach the queue, then hang up on all of them.
    tokio::time::sleep(Duration::from_millis(150)).await;
    drop(streams);
    // Every job is either hashed or dropped unhashed; wait until all are accounted for.
    let mut settled = (0, 0);
    for _ in 0..100 {
        let text = metrics(&app).await;
        let hashed = sample(
            &text,
            "iam_groups_password_hash_jobs_total{outcome=\"hashed\"}",
        ) - hashed_before;
        let abandoned = sample(
            &text,
            "iam_groups_password_hash_jobs_total{outcome=\"abandoned\"}",
        );
        settled = (hashed, abandoned);
        if hashed + abandoned >= sent {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (hashed, abandoned) = settled;
    // (A login read only after its hang-up may never be queued at all: at most `sent`.)
    assert!(
        hashed + abandoned <= sent,
        "hashed {hashed}, abandoned {abandoned}"
    );
    assert!(abandoned >= 1, "hashed {hashed}, abandoned {abandoned}");
    assert!(hashed < sent, "hashed {hashed}, abandoned {abandoned}");
    // A real login after the flood is answered.
    assert_eq!(login(&app, "gone", "gone-pw-1", None).await.status(), 201);
}

async fn too_many_failed_logins_from_one_source_are_429() {
    let app = spawn_app_with(&[("IAM_GROUPS_LOGIN__FAILED_LOGIN_LIMIT", "3")]).await;
    app.create_user("guessed", "guessed-pw-1").await;
    for i in 0..3 {
        let resp = login(&app, "guessed", &format!("guess-{i}"), None).await;
        assert_error(resp, 401, AUTH_REQUIRED).await;
    }
    // Even the right password, and whatever X-Forwarded-For says: the peer is not a proxy.
    for forwarded in [None, Some("10.9.9.9")] {
        let resp = login(&app, "guessed", "guessed-pw-1", forwarded).await;
        assert_eq!(resp.status(), 429, "{forwarded:?}");
        let retry: u64 = resp.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&retry), "{retry}");
        let (_, body) = status_and_body(resp).await;
        assert_eq!(
            body,
            keystone_error(
                429,
                "Too Many Requests",
                &format!(
                    "Too many failed authentication attempts from this address; retry in \
                     {retry} seconds."
                )
            )
        );
    }
    // Successful logins do not count, and other callers (tokens) are untouched.
    assert_eq!(app.get("/v3/groups").await.status(), 200);

    // Off with 0.
    let app = spawn_app_with(&[("IAM_GROUPS_LOGIN__FAILED_LOGIN_LIMIT", "0")]).await;
    for i in 0..5 {
        let resp = login(&app, "admin", &format!("guess-{i}"), None).await;
        assert_error(resp, 401, AUTH_REQUIRED).await;
    }
    assert_eq!(
        login(&app, "admin", crate::helpers::ADMIN_PASSWORD, None)
            .await
            .status(),
        201
    );
}

async fn behind_a_trusted_proxy_the_limit_is_per_forwarded_client() {
    let app = spawn_app_with(&[
        ("IAM_GROUPS_LOGIN__FAILED_LOGIN_LIMIT", "2"),
        ("IAM_GROUPS_SERVER__TRUSTED_PROXIES", "127.0.0.1, ::1"),
    ])
    .await;
    for i in 0..2 {
        let resp = login(&app, "admin", &format!("guess-{i}"), Some("10.0.0.1")).await;
        assert_error(resp, 401, AUTH_REQUIRED).await;
    }
    let resp = login(&app, "admin", "guess", Some("10.0.0.1")).await;
    assert_eq!(resp.status(), 429);
    // A client cannot escape by prepending an address: the proxy's own entry is last.
    let resp = login(&app, "admin", "guess", Some("10.0.0.7, 10.0.0.1")).await;
    assert_eq!(resp.status(), 429);
    // Another client behind the proxy is not limited by the first one's failures.
    let resp = login(
        &app,
        "admin",
        crate::helpers::ADMIN_PASSWORD,
        Some("10.0.0.2"),
    )
    .await;
    assert_eq!(resp.status(), 201);
}

// ---------------------------------------------------------------------------------------
// Item 13: forwarding headers
// ---------------------------------------------------------------------------------------

async fn v3_self_link(resp: Response) -> String {
    assert_eq!(resp.status(), 200);
    let body = json(resp).await;
    body["version"]["links"][0]["href"]
        .as_str()
        .unwrap_or_else(|| panic!("no self link: {body}"))
        .to_string()
}

async fn forwarding_headers_count_only_from_trusted_proxies() {
    let app = spawn_app().await;
    let own = format!("{}/v3/", app.base);
    let spoofed = [
        ("X-Forwarded-Host", "evil.example.test"),
        ("X-Forwarded-Proto", "https"),
        ("Forwarded", "host=evil.example.test;proto=https"),
    ];
    for (name, value) in spoofed {
        let resp = app
            .client
            .get(app.url("/v3"))
            .header(name, value)
            .send()
            .await
            .expect("request");
        assert_eq!(v3_self_link(resp).await, own, "{name}");
        let resp = app
            .client
            .get(app.url("/v3/groups"))
            .header(name, value)
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 401);
        assert_eq!(
            resp.headers()["www-authenticate"],
            format!("Keystone uri=\"{}\"", app.base).as_str(),
            "{name}"
        );
    }
    // A plain Host is still used, as Keystone does without a public URL.
    let resp = app
        .client
        .get(app.url("/v3"))
        .header("Host", "iam.example.test:5000")
        .send()
        .await
        .expect("request");
    assert_eq!(v3_self_link(resp).await, "http://iam.example.test:5000/v3/");
    // One that could break out of a URL or a quoted header gives way to the bound address.
    for bad in ["evil.test/x?", "a\"b", "user@evil.test"] {
        let resp = app
            .client
            .get(app.url("/v3/groups"))
            .header("Host", bad)
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 401, "{bad}");
        assert_eq!(
            resp.headers()["www-authenticate"],
            format!("Keystone uri=\"{}\"", app.base).as_str(),
            "{bad}"
        );
    }

    // From a configured proxy they are believed.
    let app = spawn_app_with(&[("IAM_GROUPS_SERVER__TRUSTED_PROXIES", "127.0.0.0/8, ::1")]).await;
    let resp = app
        .client
        .get(app.url("/v3"))
        .header("X-Forwarded-Host", "iam.example.test")
        .header("X-Forwarded-Proto", "https")
        .send()
        .await
        .expect("request");
    assert_eq!(v3_self_link(resp).await, "https://iam.example.test/v3/");
    let resp = app
        .client
        .get(app.url("/v3/groups"))
        .header("Forwarded", "host=iam.example.test;proto=https")
        .send()
        .await
        .expect("request");
    assert_eq!(
        resp.headers()["www-authenticate"],
        "Keystone uri=\"https://iam.example.test\""
    );
    // Even a proxy's host must be a plain host.
    let resp = app
        .client
        .get(app.url("/v3"))
        .header("X-Forwarded-Host", "evil.test/x")
        .send()
        .await
        .expect("request");
    assert_eq!(v3_self_link(resp).await, format!("{}/v3/", app.base));
}

both_backends!(
    made_up_methods_share_one_metrics_label,
    data_and_log_files_are_created_owner_only,
    a_replayed_huawei_signature_is_401_after_the_grace,
    with_no_grace_a_signature_is_taken_exactly_once,
    replays_are_refused_across_instances,
    ambiguous_huawei_signed_requests_are_400,
    a_replayed_baidu_signature_is_401_after_the_grace,
    baidu_expiration_is_capped,
    a_baidu_body_must_be_bound_to_its_signature,
    ambiguous_baidu_signed_requests_are_400,
    a_full_hashing_queue_is_503_with_retry_after,
    abandoned_logins_are_not_hashed,
    too_many_failed_logins_from_one_source_are_429,
    behind_a_trusted_proxy_the_limit_is_per_forwarded_client,
    forwarding_headers_count_only_from_trusted_proxies,
);
