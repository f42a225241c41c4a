//! The web console in a real browser: seeds users, groups and grants over the API, then runs
//! `tests/console/console.test.mjs` (playwright-core driving Debian's headless Chromium)
//! against the running server. Screenshots land in `target/screenshots/` (in `docs/screenshots/`
//! with IAM_GROUPS_UPDATE_SCREENSHOTS=1).
//! Without Chromium or the npm packages the test is skipped loudly, except in CI.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;

use crate::helpers::{json, spawn_app, TestApp, ADMIN_PASSWORD};

const CHROMIUM: &str = "/usr/bin/chromium";
const USER: &str = "carol";
const USER_PASSWORD: &str = "carol-password-1";

/// The browser test's folder, if Chromium, node and its packages are all there. `None`
/// means skip loudly, except in CI.
fn browser_test_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/console");
    let node = Command::new("node").arg("--version").output().is_ok();
    let packages = dir.join("node_modules/playwright-core").is_dir();
    let chromium = Path::new(CHROMIUM).is_file();
    if node && packages && chromium {
        return Some(dir);
    }
    assert!(
        !crate::postgres::required(),
        "the console test needs node, {CHROMIUM} and tests/console/node_modules in CI \
         (node: {node}, chromium: {chromium}, playwright-core: {packages})"
    );
    eprintln!(
        "\n*** SKIPPED the console browser test: needs node, Debian's chromium at {CHROMIUM} \
         and `npm ci` in tests/console (node: {node}, chromium: {chromium}, \
         playwright-core: {packages}) ***\n"
    );
    crate::skips::record(crate::skips::Missing::Browser);
    None
}

async fn role_id(app: &TestApp, name: &str) -> String {
    let body = json(app.get(&format!("/v3/roles?name={name}")).await).await;
    body["roles"][0]["id"]
        .as_str()
        .expect("role id")
        .to_string()
}

/// Users ada and brian to add; carol, a non-admin in `auditors` only; `auditors` holds
/// reader on the admin project and member on the Default domain.
async fn seed(app: &TestApp) {
    app.create_user("ada", "ada-password-1").await;
    app.create_user("brian", "brian-password-1").await;
    let carol = app.create_user(USER, USER_PASSWORD).await;
    let auditors = app.create_group("auditors").await;
    let auditors = auditors["id"].as_str().expect("id");
    app.create_group("others").await;
    let resp = app
        .put(&format!("/v3/groups/{auditors}/users/{carol}"))
        .await;
    assert_eq!(resp.status(), 204);
    let (reader, member) = (role_id(app, "reader").await, role_id(app, "member").await);
    let project = &app.admin_project_id;
    for path in [
        format!("/v3/projects/{project}/groups/{auditors}/roles/{reader}"),
        format!("/v3/domains/default/groups/{auditors}/roles/{member}"),
    ] {
        assert_eq!(app.put(&path).await.status(), 204, "{path}");
    }
    let resp = app
        .patch(
            &format!("/v3/groups/{auditors}"),
            json!({"group": {"description": "Read-only access to the admin project"}}),
        )
        .await;
    assert_eq!(resp.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_works_in_a_real_browser() {
    let Some(dir) = browser_test_dir() else {
        return;
    };
    let app = spawn_app().await;
    seed(&app).await;
    // Screenshots go to target/ so a test run leaves the tree clean; set
    // IAM_GROUPS_UPDATE_SCREENSHOTS=1 to refresh the ones the README shows.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let shots = if std::env::var("IAM_GROUPS_UPDATE_SCREENSHOTS").is_ok_and(|v| v == "1") {
        root.join("docs/screenshots")
    } else {
        root.join("target/screenshots")
    };
    let base = app.base.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("console.test.mjs")
            .current_dir(&dir)
            .env("CONSOLE_BASE", base)
            .env("CONSOLE_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("CONSOLE_USER", USER)
            .env("CONSOLE_USER_PASSWORD", USER_PASSWORD)
            .env("CONSOLE_SCREENSHOTS", shots)
            .env("CHROMIUM", CHROMIUM)
            .output()
            .expect("run node")
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "the browser test failed:\n{stdout}\n{stderr}"
    );
}

/// The console's files come from the binary, with a strict content security policy.
async fn console_assets_are_served_from_the_binary() {
    let app = spawn_app().await;
    for (path, kind) in [
        ("/console/", "text/html"),
        ("/console", "text/html"),
        ("/console/app.js", "text/javascript"),
        ("/console/app.css", "text/css"),
    ] {
        let resp = app.call(reqwest::Method::GET, path, "", None).await;
        assert_eq!(resp.status(), 200, "{path}");
        let headers = resp.headers();
        assert!(
            headers["content-type"].to_str().unwrap().starts_with(kind),
            "{path}"
        );
        assert!(headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'self'"));
    }
    let resp = app
        .call(reqwest::Method::GET, "/console/nothing.js", "", None)
        .await;
    crate::helpers::assert_error(resp, 404, "could not be found").await;
}

both_backends!(console_assets_are_served_from_the_binary);
