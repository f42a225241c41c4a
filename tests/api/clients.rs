//! The real OpenStack clients against the running service: the `openstack` CLI, openstacksdk
//! and tempest, from the virtualenv that `.ci/run` builds from `tests/requirements.txt`.
//! Each test starts the service on SQLite and runs one script of `tests/clients/`; the
//! script's whole output is shown when it fails. Without the virtualenv they skip loudly
//! (and fail in CI).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::helpers::{spawn_app, venv_python, TestApp, ADMIN_PASSWORD};

/// A file of `tests/clients/`.
fn client_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/clients")
        .join(name)
}

/// Runs a client script against `app` as the bootstrap admin, off the async threads.
async fn run_client(app: &TestApp, python: &Path, program: &str, args: &[&str]) -> Output {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .env("IAM_TEST_URL", &app.base)
        .env("IAM_TEST_USER", "admin")
        .env("IAM_TEST_PASSWORD", ADMIN_PASSWORD)
        .env("IAM_TEST_USER_DOMAIN", "Default")
        .env("IAM_TEST_PROJECT", "admin")
        .env("IAM_TEST_PROJECT_DOMAIN", "Default")
        .env("IAM_TEST_REGION", "RegionOne")
        .env("IAM_TEST_PYTHON", python);
    tokio::task::spawn_blocking(move || cmd.output().expect("client script starts"))
        .await
        .expect("client thread")
}

/// Panics with the script's whole output unless it exited 0.
fn assert_success(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
}

/// Runs a Python script of `tests/clients/` with the virtualenv's Python.
pub(crate) async fn python_client(what: &str, script: &str, args: &[&str]) {
    let Some(python) = venv_python(what) else {
        return;
    };
    let app = spawn_app().await;
    let path = client_file(script);
    let mut all = vec![path.to_str().expect("utf-8 path")];
    all.extend_from_slice(args);
    let out = run_client(&app, &python, python.to_str().expect("utf-8 path"), &all).await;
    assert_success(what, &out);
}

/// python-openstackclient with OS_* variables: groups, users, memberships, role grants,
/// tokens, projects and domains.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openstack_cli_env_auth() {
    python_client(
        "the openstack CLI (OS_*)",
        "osc_test.py",
        &["--auth", "env"],
    )
    .await;
}

/// python-openstackclient with a clouds.yaml (OS_CLOUD): the same commands.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openstack_cli_clouds_yaml() {
    python_client(
        "the openstack CLI (clouds.yaml)",
        "osc_test.py",
        &["--auth", "cloud"],
    )
    .await;
}

/// openstacksdk's `conn.identity`: groups, users, memberships, group grants on projects.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openstacksdk() {
    python_client("openstacksdk", "sdk_test.py", &[]).await;
}

/// keystoneauth1's `Password(..., trust_id=...)`: a trustee logs in with a trust, with and
/// without impersonation; the token's trust, user, project and roles.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keystoneauth_trust_login() {
    python_client("keystoneauth trust login", "trust_login.py", &[]).await;
}

/// Tempest's identity tests of `tests/clients/tempest-selection.txt`, dynamic credentials.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tempest_identity() {
    let Some(python) = venv_python("tempest") else {
        return;
    };
    let app = spawn_app().await;
    let script = client_file("run_tempest.sh");
    let out = run_client(
        &app,
        &python,
        "bash",
        &[script.to_str().expect("utf-8 path")],
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The counts go straight to stderr, past the test harness's capture, so that every run
    // shows them.
    let counts = stdout
        .lines()
        .find(|l| l.starts_with("tempest: "))
        .unwrap_or("tempest: no result line");
    let _ = writeln!(std::io::stderr(), "{counts}");
    assert_success("tempest", &out);
}
