//! Secrets never leak: the real binary runs as a child process with `RUST_LOG=debug`, its
//! stderr and stdout captured, while the test logs in (right, wrong and locked out), issues,
//! validates and revokes tokens, creates an access key and signs requests with it. Then no
//! password, token, access-key secret, password hash or signing key may appear in any log
//! line, nor in any response (bodies and headers), except where the API hands one over on
//! purpose: the token in `X-Subject-Token`, the secret in the access key's creation body.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use chrono::Utc;
use iam_groups::auth::signature::Algorithm;
use reqwest::{Method, RequestBuilder};
use serde_json::{json, Value};

use crate::helpers::{fresh_database_url, password_auth, AccessKey, TestApp, ADMIN_PASSWORD};

/// A password sent as a JSON number.
const MISTYPED: u64 = 8_041_739_526;

/// The service as a child process; killed when dropped, even if the test fails.
struct Server {
    child: Child,
    output: Arc<Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }
}

/// Copies a pipe of the child into `sink`, line by line, until it closes.
fn capture(pipe: impl Read + Send + 'static, sink: Arc<Mutex<String>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { return };
            let mut sink = sink.lock().unwrap();
            sink.push_str(&line);
            sink.push('\n');
        }
    });
}

/// Starts the binary on a free port with debug logging; returns it and its base URL.
fn start(dir: &std::path::Path, database_url: &str) -> (Server, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_iam-groups"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "debug")
        .env("IAM_GROUPS_ENV", "test")
        .env(
            "IAM_GROUPS_CONFIG_DIR",
            concat!(env!("CARGO_MANIFEST_DIR"), "/config"),
        )
        .env("IAM_GROUPS_BIND", "127.0.0.1:0")
        .env("IAM_GROUPS_DATABASE_URL", database_url)
        .env("IAM_GROUPS_TOKEN_KEY_FILE", dir.join("token.key"))
        .env("IAM_GROUPS_CREDENTIAL_KEY_FILE", dir.join("credential.key"))
        .env("IAM_GROUPS_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("IAM_GROUPS_SERVER__WORKERS", "2")
        .env("IAM_GROUPS_LOCKOUT_FAILURE_ATTEMPTS", "2")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let output = Arc::new(Mutex::new(String::new()));
    capture(child.stdout.take().expect("stdout"), output.clone());
    capture(child.stderr.take().expect("stderr"), output.clone());
    let server = Server { child, output };
    let started = Instant::now();
    loop {
        let text = server.output();
        if let Some(at) = text.find("listening on http://") {
            let rest = &text[at + "listening on ".len()..];
            let base = rest.split_whitespace().next().expect("address").to_string();
            return (server, base);
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the service did not start:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Every response the test saw, as text: status, headers, body.
#[derive(Default)]
struct Seen {
    responses: Vec<(String, String)>,
}

impl Seen {
    /// Sends `req`, records the response under `what`, and returns status and body.
    async fn send(
        &mut self,
        what: &str,
        req: RequestBuilder,
    ) -> (u16, reqwest::header::HeaderMap, String) {
        let resp = req.send().await.expect("request");
        self.record(what, resp).await
    }

    async fn record(
        &mut self,
        what: &str,
        resp: reqwest::Response,
    ) -> (u16, reqwest::header::HeaderMap, String) {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.text().await.expect("body");
        let mut text = format!("{status}\n");
        for (name, value) in &headers {
            // The one header whose job is to carry a token.
            if name != "x-subject-token" {
                text.push_str(&format!("{name}: {}\n", value.to_str().unwrap_or("?")));
            }
        }
        text.push_str(&body);
        self.responses.push((what.to_string(), text));
        (status, headers, body)
    }
}

fn login(app: &TestApp, name: &str, password: &str) -> RequestBuilder {
    app.client
        .post(app.url("/v3/auth/tokens"))
        .json(&password_auth(name, password))
}

fn subject_token(headers: &reqwest::header::HeaderMap) -> String {
    headers["x-subject-token"].to_str().unwrap().to_string()
}

/// The ways a secret could be written out: as it is, and for keys, in hex too.
fn forms(secret: &str) -> Vec<String> {
    let mut forms = vec![secret.to_string()];
    if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(secret) {
        forms.push(hex::encode(&bytes));
        forms.push(format!("{bytes:?}"));
    }
    forms
}

async fn no_secret_reaches_a_log_line_or_a_response() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = tokio::task::block_in_place(|| fresh_database_url(dir.path()));
    let (server, base) = start(dir.path(), &database_url);
    let mut seen = Seen::default();
    let mut app = TestApp {
        base,
        client: reqwest::Client::new(),
        admin_token: String::new(),
        admin_id: String::new(),
        admin_project_id: String::new(),
        database_url,
        dir,
    };
    let (sam_pw_1, sam_pw_2, sam_pw_3) = ("Sam-pw-1-9f2c41", "Sam-pw-2-7e1b08", "Sam-pw-3-c4d2a6");
    let wrong_pw = "Wrong-pw-55ab1e";
    let lou_pw = "Lou-pw-3b8e90";

    // The admin signs in; a wrong admin password is refused.
    let (status, headers, body) = seen
        .send("admin login", login(&app, "admin", ADMIN_PASSWORD))
        .await;
    assert_eq!(status, 201, "{body}");
    app.admin_token = subject_token(&headers);
    let token: Value = serde_json::from_str(&body).unwrap();
    app.admin_id = token["token"]["user"]["id"].as_str().unwrap().into();
    let (status, _, _) = seen
        .send("admin wrong login", login(&app, "admin", wrong_pw))
        .await;
    assert_eq!(status, 401);

    // Users with passwords: created, signed in, changed by themselves and by the admin.
    let (status, _, body) = seen
        .send(
            "create sam",
            app.client
                .post(app.url("/v3/users"))
                .header("X-Auth-Token", &app.admin_token)
                .json(&json!({"user": {"name": "sam", "password": sam_pw_1}})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let sam_id = serde_json::from_str::<Value>(&body).unwrap()["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _, _) = seen
        .send(
            "create lou",
            app.client
                .post(app.url("/v3/users"))
                .header("X-Auth-Token", &app.admin_token)
                .json(&json!({"user": {"name": "lou", "password": lou_pw}})),
        )
        .await;
    assert_eq!(status, 201);
    let (status, headers, _) = seen.send("sam login", login(&app, "sam", sam_pw_1)).await;
    assert_eq!(status, 201);
    let sam_token_1 = subject_token(&headers);
    let (status, _, _) = seen
        .send("sam wrong login", login(&app, "sam", wrong_pw))
        .await;
    assert_eq!(status, 401);
    let (status, _, _) = seen
        .send(
            "sam changes password",
            app.client
                .post(app.url(&format!("/v3/users/{sam_id}/password")))
                .header("X-Auth-Token", &sam_token_1)
                .json(&json!({"user": {"original_password": sam_pw_1, "password": sam_pw_2}})),
        )
        .await;
    assert_eq!(status, 204);
    let (status, _, _) = seen
        .send(
            "admin sets sam's password",
            app.client
                .patch(app.url(&format!("/v3/users/{sam_id}")))
                .header("X-Auth-Token", &app.admin_token)
                .json(&json!({"user": {"password": sam_pw_3}})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, headers, _) = seen
        .send("sam login again", login(&app, "sam", sam_pw_3))
        .await;
    assert_eq!(status, 201);
    let sam_token_2 = subject_token(&headers);

    // Lou is locked out; the right password is then refused too.
    for _ in 0..2 {
        let (status, _, _) = seen
            .send("lou wrong login", login(&app, "lou", wrong_pw))
            .await;
        assert_eq!(status, 401);
    }
    let (status, _, _) = seen.send("lou locked", login(&app, "lou", lou_pw)).await;
    assert_eq!(status, 401);

    // A body that is not JSON, with a password in it.
    let (status, _, _) = seen
        .send(
            "truncated login",
            app.client
                .post(app.url("/v3/auth/tokens"))
                .header("Content-Type", "application/json")
                .body(format!(
                    r#"{{"auth": {{"identity": {{"methods": ["password"], "password": {{"user": {{"name": "sam", "password": "{sam_pw_3}""#
                )),
        )
        .await;
    assert_eq!(status, 400);

    // A password of the wrong type is still a password: refused without being echoed.
    let (status, _, _) = seen
        .send(
            "login with a number for a password",
            app.client
                .post(app.url("/v3/auth/tokens"))
                .json(&json!({"auth": {"identity": {
                "methods": ["password"],
                "password": {"user": {"name": "sam", "domain": {"id": "default"},
                    "password": MISTYPED}}}}})),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _, _) = seen
        .send(
            "create with a number for a password",
            app.client
                .post(app.url("/v3/users"))
                .header("X-Auth-Token", &app.admin_token)
                .json(&json!({"user": {"name": "nim", "password": MISTYPED}})),
        )
        .await;
    assert_eq!(status, 400);
    for field in ["original_password", "password"] {
        let mut user = json!({"original_password": sam_pw_3, "password": "Sam-pw-4-0a9d3f"});
        user[field] = json!(MISTYPED);
        let (status, _, _) = seen
            .send(
                "change with a number for a password",
                app.client
                    .post(app.url(&format!("/v3/users/{sam_id}/password")))
                    .header("X-Auth-Token", &sam_token_2)
                    .json(&json!({ "user": user })),
            )
            .await;
        assert_eq!(status, 400);
    }

    // Tokens: validated, checked, refused when tampered with, revoked.
    let (status, _, _) = seen
        .send(
            "validate",
            app.client
                .get(app.url("/v3/auth/tokens"))
                .header("X-Auth-Token", &app.admin_token)
                .header("X-Subject-Token", &sam_token_2),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _, _) = seen
        .send(
            "check",
            app.client
                .head(app.url("/v3/auth/tokens"))
                .header("X-Auth-Token", &app.admin_token)
                .header("X-Subject-Token", &sam_token_2),
        )
        .await;
    assert_eq!(status, 200);
    let mut tampered = sam_token_2.clone();
    let last = if tampered.ends_with('A') { "B" } else { "A" };
    tampered.replace_range(tampered.len() - 1.., last);
    let (status, _, _) = seen
        .send(
            "tampered token",
            app.client
                .get(app.url(&format!("/v3/users/{sam_id}")))
                .header("X-Auth-Token", &tampered),
        )
        .await;
    assert_eq!(status, 401);
    let (status, _, _) = seen
        .send(
            "revoke",
            app.client
                .delete(app.url("/v3/auth/tokens"))
                .header("X-Auth-Token", &app.admin_token)
                .header("X-Subject-Token", &sam_token_2),
        )
        .await;
    assert_eq!(status, 204);
    // The first token went with the password change, the second with the revocation.
    for token in [&sam_token_1, &sam_token_2] {
        let (status, _, _) = seen
            .send(
                "use revoked",
                app.client
                    .get(app.url(&format!("/v3/users/{sam_id}")))
                    .header("X-Auth-Token", token),
            )
            .await;
        assert_eq!(status, 401);
    }
    let (status, headers, _) = seen
        .send("sam login once more", login(&app, "sam", sam_pw_3))
        .await;
    assert_eq!(status, 201);
    let sam_token_3 = subject_token(&headers);

    // An access key, and requests signed with it (one with a wrong secret).
    let (status, _, body) = seen
        .send(
            "create access key",
            app.client
                .post(app.url("/v3.0/OS-CREDENTIAL/credentials"))
                .header("X-Auth-Token", &sam_token_3)
                .json(&json!({"credential": {"user_id": sam_id, "description": "k"}})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let created: Value = serde_json::from_str(&body).unwrap();
    let key = AccessKey {
        access: created["credential"]["access"].as_str().unwrap().into(),
        secret: created["credential"]["secret"].as_str().unwrap().into(),
    };
    let path = format!("/v3/users/{sam_id}");
    let resp = app
        .signed(
            Algorithm::HmacSha256,
            &key,
            Method::GET,
            &path,
            &[],
            None,
            Utc::now(),
        )
        .await;
    let (status, _, _) = seen.record("signed request", resp).await;
    assert_eq!(status, 200);
    let forged = AccessKey {
        access: key.access.clone(),
        secret: format!("{}x", key.secret),
    };
    let resp = app
        .signed(
            Algorithm::HmacSha256,
            &forged,
            Method::GET,
            &path,
            &[],
            None,
            Utc::now(),
        )
        .await;
    let (status, _, _) = seen.record("badly signed request", resp).await;
    assert_eq!(status, 401);
    let (status, _, _) = seen
        .send(
            "list access keys",
            app.client
                .get(app.url(&format!("/v3.0/OS-CREDENTIAL/credentials?user_id={sam_id}")))
                .header("X-Auth-Token", &sam_token_3),
        )
        .await;
    assert_eq!(status, 200);

    // Let the last log lines reach the pipe.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = server.output();
    assert!(
        log.contains("DEBUG") && log.contains("iam_groups::access"),
        "the capture holds the debug log and the access log:\n{log}"
    );
    assert!(
        log.contains("locked out"),
        "the lockout is logged, not sent"
    );

    let mut secrets: Vec<(String, String)> = Vec::new();
    for (what, password) in [
        ("the admin's password", ADMIN_PASSWORD),
        ("a wrong password", wrong_pw),
        ("sam's first password", sam_pw_1),
        ("sam's second password", sam_pw_2),
        ("sam's third password", sam_pw_3),
        ("lou's password", lou_pw),
        ("a password sent as a number", &MISTYPED.to_string()),
    ] {
        secrets.push((what.into(), password.into()));
    }
    for (what, token) in [
        ("the admin's token", &app.admin_token),
        ("sam's first token", &sam_token_1),
        ("sam's second token", &sam_token_3),
        ("a tampered token", &tampered),
    ] {
        secrets.push((what.into(), token.clone()));
        let signature = token.rsplit('.').next().unwrap().to_string();
        secrets.push((format!("the signature of {what}"), signature));
    }
    for user_id in [&app.admin_id, &sam_id] {
        let hash = app.stored_user(user_id).password_hash.expect("a hash");
        let digest = hash.rsplit('$').next().unwrap().to_string();
        secrets.push((format!("the password hash of {user_id}"), hash));
        secrets.push((format!("the hash digest of {user_id}"), digest));
    }
    for file in ["token.key", "credential.key"] {
        let key = std::fs::read_to_string(app.dir.path().join(file)).unwrap();
        for form in forms(key.trim()) {
            secrets.push((file.to_string(), form));
        }
    }
    let secret_key = key.secret.clone();

    for (what, secret) in &secrets {
        assert!(secret.len() >= 8, "{what} is too short to search for");
        for line in log.lines() {
            assert!(
                !line.contains(secret.as_str()),
                "{what} in a log line: {line}"
            );
        }
        for (response, text) in &seen.responses {
            assert!(
                !text.contains(secret.as_str()),
                "{what} in the response to {response}: {text}"
            );
        }
    }
    assert!(
        !log.contains(&secret_key),
        "the access-key secret in the log"
    );
    for (response, text) in &seen.responses {
        if response != "create access key" {
            assert!(
                !text.contains(&secret_key),
                "the access-key secret in the response to {response}"
            );
        }
    }
}

both_backends!(no_secret_reaches_a_log_line_or_a_response);
