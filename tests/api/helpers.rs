//! `spawn_app()`: the real server on a free port with a fresh database, plus a client and
//! the personas the tests need. Every test runs twice, once per backend: the
//! [`both_backends!`] macro makes a `sqlite::` and a `postgres::` test of each.

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use iam_groups::auth::bce_signature;
use iam_groups::auth::signature::{Algorithm, RequestParts};
use iam_groups::config::Settings;
use iam_groups::startup::Application;
use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::postgres;

pub const ADMIN_PASSWORD: &str = "admin-test-password";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

tokio::task_local! {
    static BACKEND: Backend;
}

/// The backend of the running test (SQLite outside `run_on`).
pub fn backend() -> Backend {
    BACKEND.try_with(|b| *b).unwrap_or(Backend::Sqlite)
}

/// Runs a test body against a backend. Without PostgreSQL the PostgreSQL half is skipped
/// with a loud message, except in CI, where it fails.
pub async fn run_on<F: Future<Output = ()>>(backend: Backend, test: F) {
    if backend == Backend::Postgres && !postgres::available() {
        if postgres::required() {
            panic!(
                "PostgreSQL is required here (CI) but not installed: \
                 apt-get install postgresql, or set IAM_GROUPS_TEST_POSTGRES_URL"
            );
        }
        eprintln!(
            "\n*** SKIPPED on PostgreSQL: no server. Install Debian's `postgresql` package (the \
             tests start a throwaway cluster) or set IAM_GROUPS_TEST_POSTGRES_URL. ***\n"
        );
        crate::skips::record(crate::skips::Missing::Postgres);
        return;
    }
    BACKEND.scope(backend, test).await
}

/// The Python of the virtualenv holding the real clients (`IAM_GROUPS_TEST_VENV`, built by
/// `.ci/run` from `tests/requirements.txt`). `None` means skip loudly, except in CI.
#[allow(dead_code)] // used by the client tests that land next
pub fn venv_python(what: &str) -> Option<PathBuf> {
    let venv = std::env::var("IAM_GROUPS_TEST_VENV")
        .ok()
        .map(PathBuf::from)
        .or_else(|| {
            let local = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv");
            local.join("bin/python").is_file().then_some(local)
        });
    match venv {
        Some(dir) if dir.join("bin/python").is_file() => Some(dir.join("bin/python")),
        _ => {
            assert!(
                !postgres::required(),
                "{what} needs the client virtualenv in CI: set IAM_GROUPS_TEST_VENV"
            );
            eprintln!(
                "\n*** SKIPPED {what}: no client virtualenv. Run: python3 -m venv .venv && \
                 .venv/bin/pip install -r tests/requirements.txt ***\n"
            );
            crate::skips::record(crate::skips::Missing::Venv);
            None
        }
    }
}

/// Turns `async fn name()` test bodies into a test per backend.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::helpers::run_on($crate::helpers::Backend::Sqlite, super::$name()).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::helpers::run_on($crate::helpers::Backend::Postgres, super::$name()).await
                }
            )*
        }
    };
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub admin_token: String,
    pub admin_id: String,
    pub admin_project_id: String,
    pub database_url: String,
    pub dir: tempfile::TempDir,
}

/// A fresh database for the current backend.
pub fn fresh_database_url(dir: &std::path::Path) -> String {
    match backend() {
        Backend::Sqlite => format!("sqlite://{}", dir.join("iam.sqlite").display()),
        Backend::Postgres => postgres::fresh_database(),
    }
}

/// Starts the service with the test configuration and extra environment overrides.
pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut env: HashMap<String, String> = HashMap::new();
    env.insert("IAM_GROUPS_ENV".into(), "test".into());
    env.insert("IAM_GROUPS_BIND".into(), "127.0.0.1:0".into());
    if !overrides
        .iter()
        .any(|(k, _)| *k == "IAM_GROUPS_DATABASE_URL")
    {
        let url = tokio::task::block_in_place(|| fresh_database_url(dir.path()));
        env.insert("IAM_GROUPS_DATABASE_URL".into(), url);
    }
    env.insert(
        "IAM_GROUPS_TOKEN_KEY_FILE".into(),
        dir.path().join("token.key").display().to_string(),
    );
    env.insert(
        "IAM_GROUPS_CREDENTIAL_KEY_FILE".into(),
        dir.path().join("credential.key").display().to_string(),
    );
    env.insert("IAM_GROUPS_ADMIN_PASSWORD".into(), ADMIN_PASSWORD.into());
    env.insert("IAM_GROUPS_SERVER__WORKERS".into(), "2".into());
    env.insert("IAM_GROUPS_DATABASE__POOL_SIZE".into(), "4".into());
    for (k, v) in overrides {
        env.insert(k.to_string(), v.to_string());
    }
    let config_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config");
    let settings = Settings::from_sources(&config_dir, &env).expect("settings");
    let database_url = settings.database.url.clone();
    let app = Application::build(settings).await.expect("application");
    let base = format!("http://{}", app.address());
    let admin_id = app.bootstrap.admin_user_id.clone();
    let admin_project_id = app.bootstrap.admin_project_id.clone();
    tokio::spawn(app.run());
    let mut test = TestApp {
        base,
        client: reqwest::Client::new(),
        admin_token: String::new(),
        admin_id,
        admin_project_id,
        database_url,
        dir,
    };
    test.admin_token = test.login("admin", ADMIN_PASSWORD).await;
    test
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// A password auth body by user name in the Default domain.
pub fn password_auth(name: &str, password: &str) -> Value {
    json!({"auth": {"identity": {"methods": ["password"],
        "password": {"user": {"name": name, "domain": {"id": "default"}, "password": password}}}}})
}

impl TestApp {
    /// A password token for a user id, scoped to `domain_id` (`None`: unscoped).
    #[allow(dead_code)] // not every test module uses it
    pub async fn token_for(
        &self,
        user_id: &str,
        password: &str,
        domain_id: Option<&str>,
    ) -> String {
        let mut auth = json!({"identity": {"methods": ["password"],
            "password": {"user": {"id": user_id, "password": password}}}});
        if let Some(d) = domain_id {
            auth["scope"] = json!({"domain": {"id": d}});
        }
        let resp = self
            .call(
                Method::POST,
                "/v3/auth/tokens",
                "",
                Some(json!({ "auth": auth })),
            )
            .await;
        assert_eq!(resp.status(), 201, "token for {user_id}");
        resp.headers()["x-subject-token"]
            .to_str()
            .expect("token header")
            .to_string()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A request with `token` as `X-Auth-Token` (none if empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Response {
        let mut req = self.client.request(method, self.url(path));
        if !token.is_empty() {
            req = req.header("X-Auth-Token", token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.expect("request")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.call(Method::GET, path, &self.admin_token, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.call(Method::POST, path, &self.admin_token, Some(body))
            .await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Response {
        self.call(Method::PATCH, path, &self.admin_token, Some(body))
            .await
    }

    pub async fn put(&self, path: &str) -> Response {
        self.call(Method::PUT, path, &self.admin_token, None).await
    }

    pub async fn head(&self, path: &str) -> Response {
        self.call(Method::HEAD, path, &self.admin_token, None).await
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.call(Method::DELETE, path, &self.admin_token, None)
            .await
    }

    /// Issues a token; panics unless 201.
    pub async fn login(&self, name: &str, password: &str) -> String {
        let resp = self
            .call(
                Method::POST,
                "/v3/auth/tokens",
                "",
                Some(password_auth(name, password)),
            )
            .await;
        assert_eq!(resp.status(), 201, "login of {name}");
        resp.headers()["x-subject-token"]
            .to_str()
            .expect("token header")
            .to_string()
    }

    /// Creates a user with a password; returns its id.
    pub async fn create_user(&self, name: &str, password: &str) -> String {
        let resp = self
            .post(
                "/v3/users",
                json!({"user": {"name": name, "password": password}}),
            )
            .await;
        assert_eq!(resp.status(), 201, "create user {name}");
        let body: Value = resp.json().await.expect("json");
        body["user"]["id"].as_str().expect("id").to_string()
    }

    /// Creates a group; returns the whole `group` object.
    pub async fn create_group(&self, name: &str) -> Value {
        let resp = self
            .post("/v3/groups", json!({"group": {"name": name}}))
            .await;
        assert_eq!(resp.status(), 201, "create group {name}");
        let body: Value = resp.json().await.expect("json");
        body["group"].clone()
    }

    /// A user's row as stored, read straight from the database: for what the API never
    /// shows (the password hash, the lockout count).
    #[allow(dead_code)] // not every test module uses it
    pub fn stored_user(&self, user_id: &str) -> iam_groups::db::models::UserRow {
        self.with_db(|conn| iam_groups::db::users::get_user(conn, user_id).expect("stored user"))
    }

    /// Runs `f` on the service's database directly, behind the service's back: for what
    /// the API never shows, and to see whether an answer came from a cache.
    #[allow(dead_code)] // not every test module uses it
    pub fn with_db<T>(&self, f: impl FnOnce(&mut iam_groups::db::DbConn) -> T) -> T {
        let settings = iam_groups::config::DatabaseSettings {
            url: self.database_url.clone(),
            pool_size: 1,
            connection_timeout: 5,
            busy_timeout_ms: 5000,
        };
        tokio::task::block_in_place(|| {
            let pool = iam_groups::db::build_pool(&settings).expect("pool");
            let mut conn = pool.get().expect("connection");
            f(&mut conn)
        })
    }

    /// Sets when a user's password expires, straight in the database: the API sets no expiry
    /// yet (Keystone's `password_expires_days` is not implemented), but the column and its
    /// list filter exist.
    #[allow(dead_code)] // not every test module uses it
    pub fn set_password_expiry(&self, user_id: &str, at_ms: Option<i64>) {
        use diesel::prelude::*;
        use iam_groups::db::schema::users;
        let n = self.with_db(|conn| {
            diesel::update(users::table.find(user_id))
                .set(users::password_expires_at.eq(at_ms))
                .execute(conn)
                .expect("update")
        });
        assert_eq!(n, 1, "user {user_id} exists");
    }

    /// The number of groups, as the admin sees them.
    pub async fn group_count(&self) -> usize {
        let body: Value = self.get("/v3/groups").await.json().await.expect("json");
        body["groups"].as_array().expect("groups").len()
    }
}

/// Asserts a Keystone error response: status, body shape, and the message.
pub async fn assert_error(resp: Response, status: u16, message_part: &str) -> Value {
    assert_eq!(resp.status().as_u16(), status, "status");
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"),
        "error content type"
    );
    let body: Value = resp.json().await.expect("json error body");
    let error = body["error"].as_object().expect("error object");
    assert_eq!(error.len(), 3, "error has code, message, title: {body}");
    assert_eq!(error["code"], status, "{body}");
    assert!(
        error["title"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    let message = error["message"].as_str().expect("message");
    assert!(
        message.contains(message_part),
        "message {message:?} should contain {message_part:?}"
    );
    body
}

pub async fn json(resp: Response) -> Value {
    resp.json().await.expect("json body")
}

/// Keystone's message for a request without valid credentials.
#[allow(dead_code)] // not every test module uses it
pub const AUTH_REQUIRED: &str = "The request you have made requires authentication.";

/// An access key as created through the API.
#[derive(Debug, Clone)]
pub struct AccessKey {
    pub access: String,
    pub secret: String,
}

/// The signing time Huawei's SDKs put in `X-Sdk-Date`.
pub fn sdk_date(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

impl TestApp {
    /// Grants a global role on a domain to a user, through the grant API.
    pub async fn grant_domain_role(&self, user_id: &str, domain_id: &str, role: &str) {
        let roles = json(self.get(&format!("/v3/roles?name={role}")).await).await;
        let role_id = roles["roles"][0]["id"]
            .as_str()
            .expect("role exists")
            .to_string();
        let resp = self
            .put(&format!(
                "/v3/domains/{domain_id}/users/{user_id}/roles/{role_id}"
            ))
            .await;
        assert_eq!(resp.status(), 204, "grant {role} on domain {domain_id}");
    }

    /// A new user with `admin` on the Default domain and an access key the admin made.
    #[allow(dead_code)] // not every test module uses it
    pub async fn domain_admin_with_key(&self, name: &str) -> (String, AccessKey) {
        let uid = self.create_user(name, "signer-pw-123").await;
        self.grant_domain_role(&uid, "default", "admin").await;
        let key = self.create_access_key(&self.admin_token, &uid).await;
        (uid, key)
    }

    /// Creates an access key for `user_id` with `token`; panics unless 201.
    pub async fn create_access_key(&self, token: &str, user_id: &str) -> AccessKey {
        let resp = self
            .call(
                Method::POST,
                "/v3.0/OS-CREDENTIAL/credentials",
                token,
                Some(json!({"credential": {"user_id": user_id, "description": "test key"}})),
            )
            .await;
        assert_eq!(resp.status(), 201, "create access key");
        let body: Value = resp.json().await.expect("json");
        AccessKey {
            access: body["credential"]["access"]
                .as_str()
                .expect("access")
                .into(),
            secret: body["credential"]["secret"]
                .as_str()
                .expect("secret")
                .into(),
        }
    }

    /// Sends a request signed as Huawei's SDK signs it. `headers` are extra headers, all
    /// signed along with Host and X-Sdk-Date (`at` the signing time).
    #[allow(clippy::too_many_arguments)]
    pub async fn signed(
        &self,
        algorithm: iam_groups::auth::signature::Algorithm,
        key: &AccessKey,
        method: Method,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Response {
        use iam_groups::auth::signature::{canonical_request, string_to_sign, RequestParts};
        let host = self.base.trim_start_matches("http://").to_string();
        let date = sdk_date(at);
        let mut all: Vec<(String, String)> =
            vec![("host".into(), host), ("x-sdk-date".into(), date.clone())];
        if body.is_some() {
            all.push(("content-type".into(), "application/json".into()));
        }
        for (n, v) in headers {
            all.push((n.to_ascii_lowercase(), v.to_string()));
        }
        all.sort();
        let signed_headers: Vec<String> = all.iter().map(|(n, _)| n.clone()).collect();
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let body_bytes = body.unwrap_or("").as_bytes();
        let parts = RequestParts {
            method: method.as_str(),
            path,
            query,
            headers: all
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_bytes()))
                .collect(),
            body: body_bytes,
        };
        let canonical = canonical_request(algorithm, &parts, &signed_headers).expect("canonical");
        let to_sign = string_to_sign(algorithm, &date, &canonical);
        let signature = hex::encode(algorithm.hmac(key.secret.as_bytes(), to_sign.as_bytes()));
        let authorization = format!(
            "{} Access={}, SignedHeaders={}, Signature={signature}",
            algorithm.name(),
            key.access,
            signed_headers.join(";")
        );
        let mut req = self
            .client
            .request(method, self.url(path_and_query))
            .header("Authorization", authorization);
        for (n, v) in &all {
            if n != "host" {
                req = req.header(n.as_str(), v.as_str());
            }
        }
        if let Some(body) = body {
            req = req.body(body.to_string());
        }
        req.send().await.expect("request")
    }
}

/// Runs a Python script of `tests/clients/` with `input` as JSON on its standard input, off
/// the async threads; panics with its whole output unless it exits 0, else returns stdout.
pub async fn run_sdk_script(python: PathBuf, script: &str, input: &Value) -> String {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/clients")
        .join(script);
    let input = input.to_string();
    let output = tokio::task::spawn_blocking(move || {
        let mut child = Command::new(python)
            .arg(path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write input");
        child.wait_with_output().expect("python finishes")
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{script} failed\nstdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The Baidu face's signing time format.
#[allow(dead_code)] // not every test module uses it
pub fn bce_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A bce-auth-v1 request, signed by hand so every part can be chosen.
#[allow(dead_code)] // not every test module uses it
pub struct Bce<'a> {
    pub key: &'a AccessKey,
    pub at: DateTime<Utc>,
    pub expiration: u32,
    /// `None`: the default set (what the SDK signs).
    pub signed: Option<&'a [&'a str]>,
    /// Extra headers, sent (and signed when named in `signed` or x-bce-*).
    pub extra: Vec<(&'a str, String)>,
}

impl<'a> Bce<'a> {
    pub fn now(key: &'a AccessKey) -> Self {
        Bce {
            key,
            at: Utc::now(),
            expiration: 1800,
            signed: None,
            extra: Vec::new(),
        }
    }

    pub async fn send(
        &self,
        app: &TestApp,
        method: Method,
        target: &str,
        body: Option<&str>,
    ) -> Response {
        let timestamp = bce_time(self.at);
        let host = app.base.trim_start_matches("http://").to_string();
        let mut headers: Vec<(String, String)> = vec![
            ("host".into(), host),
            ("x-bce-date".into(), timestamp.clone()),
        ];
        if let Some(body) = body {
            headers.push(("content-type".into(), "application/json".into()));
            headers.push(("content-length".into(), body.len().to_string()));
        }
        for (n, v) in &self.extra {
            headers.push((n.to_string(), v.clone()));
        }
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
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
        let prefix = format!(
            "bce-auth-v1/{}/{timestamp}/{}",
            self.key.access, self.expiration
        );
        let alg = Algorithm::HmacSha256;
        let signing_key = hex::encode(alg.hmac(self.key.secret.as_bytes(), prefix.as_bytes()));
        let names: Option<Vec<String>> = self
            .signed
            .map(|s| s.iter().map(|n| n.to_string()).collect());
        let canonical = bce_signature::canonical_request(&parts, names.as_deref());
        let signature = hex::encode(alg.hmac(signing_key.as_bytes(), canonical.as_bytes()));
        let authorization = format!(
            "{prefix}/{}/{signature}",
            self.signed.map(|s| s.join(";")).unwrap_or_default()
        );
        let mut req = app
            .client
            .request(method, app.url(target))
            .header("Authorization", authorization);
        for (n, v) in &headers {
            // reqwest sets Host and Content-Length itself, to the same values.
            if n != "host" && n != "content-length" {
                req = req.header(n.as_str(), v.as_str());
            }
        }
        if let Some(body) = body {
            req = req.body(body.to_string());
        }
        req.send().await.expect("request")
    }
}
