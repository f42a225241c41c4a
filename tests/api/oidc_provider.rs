//! A real OpenID Connect provider for the tests: `tests/oidc/provider.mjs` (npm's certified
//! `oidc-provider`) on a free loopback port, with a confidential client, users with a `groups`
//! claim and JWT access tokens. `OidcProvider::start().await` runs one and waits for its
//! discovery document; dropping it stops the provider (its standard input closes).
//!
//! Without node or `tests/oidc/node_modules` the tests that need it are skipped loudly, except
//! in CI (CI=true), where that is a failure.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use iam_groups::auth::oidc::ProviderConfig;
use serde_json::{json, Value};

/// The users every provider has unless told otherwise, `(username, password)`: alice (sub
/// `alice-sub`, groups developers and admins) and bob (`bob-sub`, readers).
pub const ALICE: (&str, &str) = ("alice", "alice-password");
pub const BOB: (&str, &str) = ("bob", "bob-password");

/// How long the provider may take to start (node loads oidc-provider in ~2 s on an idle
/// machine; the suite's machine is shared).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// What one token request gave.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access_token: String,
    /// Only with the `openid` scope for a user; never for client_credentials.
    pub id_token: Option<String>,
}

/// Knobs of one provider (environment variables of provider.mjs).
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Lifetime of access and id tokens in seconds (OIDC_TOKEN_TTL).
    pub token_ttl: Option<u64>,
    /// Listen on this port instead of a free one (OIDC_PORT): a restart keeps the issuer.
    pub port: Option<u16>,
    /// The users, as provider.mjs's OIDC_USERS list.
    pub users: Option<Value>,
    /// The client's redirect URI (OIDC_REDIRECT_URI).
    pub redirect_uri: Option<String>,
}

pub struct OidcProvider {
    pub issuer: String,
    pub port: u16,
    pub client_id: String,
    pub client_secret: String,
    /// A second client: its id tokens carry another audience, signed with ES256.
    pub other_client_id: String,
    pub other_client_secret: String,
    /// The resource indicator: the `aud` of every access token.
    pub resource: String,
    pub http: reqwest::Client,
    child: Child,
    stderr: Arc<Mutex<String>>,
}

/// tests/oidc, if node and its packages are there. `None` means skip loudly, except in CI.
fn provider_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oidc");
    let node = Command::new("node").arg("--version").output().is_ok();
    let packages = dir.join("node_modules/oidc-provider").is_dir();
    if node && packages {
        return Some(dir);
    }
    assert!(
        !crate::postgres::required(),
        "the OpenID Connect tests need node and tests/oidc/node_modules in CI \
         (node: {node}, oidc-provider: {packages}); tools/test-all installs them"
    );
    eprintln!(
        "\n*** SKIPPED an OpenID Connect test: needs node and `npm ci` in tests/oidc \
         (node: {node}, oidc-provider: {packages}) ***\n"
    );
    crate::skips::record(crate::skips::Missing::OidcProvider);
    None
}

impl OidcProvider {
    /// A provider with the default users (alice, bob) and 5-minute tokens; `None`: skipped.
    pub async fn start() -> Option<OidcProvider> {
        OidcProvider::start_with(Options::default()).await
    }

    pub async fn start_with(options: Options) -> Option<OidcProvider> {
        let dir = provider_dir()?;
        let mut command = Command::new("node");
        command
            .arg("provider.mjs")
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(ttl) = options.token_ttl {
            command.env("OIDC_TOKEN_TTL", ttl.to_string());
        }
        if let Some(port) = options.port {
            command.env("OIDC_PORT", port.to_string());
        }
        if let Some(users) = &options.users {
            command.env("OIDC_USERS", users.to_string());
        }
        if let Some(uri) = &options.redirect_uri {
            command.env("OIDC_REDIRECT_URI", uri);
        }
        let mut child = command.spawn().expect("start node tests/oidc/provider.mjs");
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err_pipe = child.stderr.take().expect("stderr");
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err_pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut text) = sink.lock() {
                    text.push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            }
        });
        // The ready line, then the rest of stdout drained so the pipe never fills.
        let out_pipe = child.stdout.take().expect("stdout");
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(out_pipe).lines() {
                let Ok(line) = line else { break };
                if let Some(ready) = line.strip_prefix("OIDC-PROVIDER-READY ") {
                    let _ = ready_tx.send(ready.to_string());
                }
            }
        });
        let ready = tokio::task::spawn_blocking(move || ready_rx.recv_timeout(START_TIMEOUT))
            .await
            .expect("join");
        let ready: Value = match ready {
            Ok(line) => serde_json::from_str(&line).expect("the ready line is JSON"),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                let text = stderr.lock().map(|s| s.clone()).unwrap_or_default();
                panic!("the OpenID Connect provider did not start:\n{text}");
            }
        };
        let field = |name: &str| ready[name].as_str().expect(name).to_string();
        let provider = OidcProvider {
            issuer: field("issuer"),
            port: ready["port"].as_u64().expect("port") as u16,
            client_id: field("client_id"),
            client_secret: "iam-groups-secret".into(),
            other_client_id: "other-client".into(),
            other_client_secret: "other-client-secret".into(),
            resource: field("resource"),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
            child,
            stderr,
        };
        provider.wait_for_discovery().await;
        Some(provider)
    }

    async fn wait_for_discovery(&self) {
        let url = format!("{}/.well-known/openid-configuration", self.issuer);
        for _ in 0..100 {
            if let Ok(resp) = self.http.get(&url).send().await {
                if resp.status() == 200 {
                    let doc: Value = resp.json().await.expect("discovery JSON");
                    assert_eq!(doc["issuer"], json!(self.issuer));
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no discovery document at {url}:\n{}", self.stderr());
    }

    /// What the provider wrote to stderr so far (warnings, errors).
    pub fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// The verifier's config for this provider: keys from discovery, the client id and the
    /// resource as audiences.
    pub fn config(&self) -> ProviderConfig {
        ProviderConfig {
            issuer: self.issuer.clone(),
            client_id: Some(self.client_id.clone()),
            audiences: vec![self.resource.clone()],
            jwks: None,
            discovery: true,
        }
    }

    /// The provider's JWKS document (public keys), as an inline `signing_key` would hold it.
    pub async fn jwks(&self) -> String {
        let resp = self
            .http
            .get(format!("{}/jwks", self.issuer))
            .send()
            .await
            .expect("GET jwks");
        assert_eq!(resp.status(), 200);
        resp.text().await.expect("jwks")
    }

    /// A token request at the token endpoint with HTTP basic client authentication (as
    /// keystoneauth sends it). Panics on an error answer, with the provider's reason.
    pub async fn token_request(&self, client: (&str, &str), form: &[(&str, &str)]) -> Tokens {
        let resp = self
            .http
            .post(format!("{}/token", self.issuer))
            .basic_auth(client.0, Some(client.1))
            .form(form)
            .send()
            .await
            .expect("POST token");
        let status = resp.status();
        let body: Value = resp.json().await.expect("token JSON");
        assert_eq!(status, 200, "token request {form:?}: {body}");
        Tokens {
            access_token: body["access_token"]
                .as_str()
                .expect("access_token")
                .to_string(),
            id_token: body["id_token"].as_str().map(str::to_string),
        }
    }

    /// client_credentials for the main client: an access token whose `sub` is the client.
    pub async fn client_credentials_token(&self) -> Tokens {
        self.token_request(
            (&self.client_id, &self.client_secret),
            &[("grant_type", "client_credentials"), ("scope", "groups")],
        )
        .await
    }

    /// The password grant for a user, as keystoneauth's v3oidcpassword asks it: an access
    /// token and an id token, both with the user's claims.
    pub async fn password_token(&self, user: &str, password: &str) -> Tokens {
        self.password_token_for((&self.client_id, &self.client_secret), user, password)
            .await
    }

    /// The password grant through another client.
    pub async fn password_token_for(
        &self,
        client: (&str, &str),
        user: &str,
        password: &str,
    ) -> Tokens {
        self.token_request(
            client,
            &[
                ("grant_type", "password"),
                ("username", user),
                ("password", password),
                ("scope", "openid profile email groups"),
            ],
        )
        .await
    }

    /// Stops the provider now (dropping it does the same).
    pub fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        self.kill();
    }
}
