//! Keystone's account lockout (`[security_compliance] lockout_failure_attempts`,
//! `lockout_duration`): failed password logins lock the account, with the very 401 a wrong
//! password gets.

use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{password_auth, spawn_app, spawn_app_with, TestApp};

const ATTEMPTS: (&str, &str) = ("IAM_GROUPS_LOCKOUT_FAILURE_ATTEMPTS", "3");

/// A login attempt: status, the headers a client could compare, and the body's bytes.
async fn attempt(app: &TestApp, name: &str, password: &str) -> (u16, Option<String>, Vec<u8>) {
    let resp = app
        .call(
            Method::POST,
            "/v3/auth/tokens",
            "",
            Some(password_auth(name, password)),
        )
        .await;
    let status = resp.status().as_u16();
    let headers: HeaderMap = resp.headers().clone();
    let challenge = headers
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string());
    (status, challenge, resp.bytes().await.unwrap().to_vec())
}

/// A failed login; returns its body bytes.
async fn refused(app: &TestApp, name: &str, password: &str) -> Vec<u8> {
    let (status, challenge, body) = attempt(app, name, password).await;
    assert_eq!(status, 401, "{}", String::from_utf8_lossy(&body));
    assert!(challenge.is_some(), "401 carries WWW-Authenticate");
    body
}

async fn succeeds(app: &TestApp, name: &str, password: &str) {
    let (status, _, body) = attempt(app, name, password).await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
}

async fn lockout_is_off_by_default() {
    let app = spawn_app().await;
    app.create_user("ann", "ann-pw-1").await;
    for _ in 0..8 {
        refused(&app, "ann", "wrong").await;
    }
    succeeds(&app, "ann", "ann-pw-1").await;
}

/// Three failures lock; the right password then gets the wrong password's 401, byte for
/// byte, until the lock runs out; a success resets the count.
async fn a_locked_account_answers_like_a_wrong_password_until_the_lock_expires() {
    let app = spawn_app_with(&[ATTEMPTS, ("IAM_GROUPS_LOCKOUT_DURATION", "2")]).await;
    app.create_user("bob", "bob-pw-1").await;

    // Two failures, a success, two more: never three in a row, so never locked.
    refused(&app, "bob", "wrong-1").await;
    refused(&app, "bob", "wrong-2").await;
    succeeds(&app, "bob", "bob-pw-1").await;
    refused(&app, "bob", "wrong-3").await;
    refused(&app, "bob", "wrong-4").await;
    succeeds(&app, "bob", "bob-pw-1").await;

    let (_, wrong_challenge, _) = attempt(&app, "bob", "wrong-5").await;
    let wrong = refused(&app, "bob", "wrong-6").await;
    refused(&app, "bob", "wrong-7").await;
    let locked_at = std::time::Instant::now();
    let (status, locked_challenge, locked) = attempt(&app, "bob", "bob-pw-1").await;
    assert_eq!(status, 401);
    assert_eq!(locked, wrong, "the locked body is the wrong-password body");
    assert_eq!(locked_challenge, wrong_challenge);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&locked).unwrap(),
        json!({"error": {"code": 401,
            "message": "The request you have made requires authentication.",
            "title": "Unauthorized"}})
    );
    // Failures while locked are not counted, and do not extend the lock.
    refused(&app, "bob", "wrong-8").await;
    refused(&app, "bob", "bob-pw-1").await;

    let wait = Duration::from_millis(2100).saturating_sub(locked_at.elapsed());
    tokio::time::sleep(wait).await;
    succeeds(&app, "bob", "bob-pw-1").await;
    // The expired lock was forgotten: three more failures are needed to lock again.
    refused(&app, "bob", "wrong-9").await;
    refused(&app, "bob", "wrong-10").await;
    succeeds(&app, "bob", "bob-pw-1").await;
}

/// Unknown users are never "locked", and answer the same as everyone else.
async fn unknown_users_get_the_same_401() {
    let app = spawn_app_with(&[ATTEMPTS]).await;
    app.create_user("cat", "cat-pw-1").await;
    let unknown = refused(&app, "nobody", "x").await;
    for _ in 0..3 {
        refused(&app, "cat", "wrong").await;
    }
    assert_eq!(refused(&app, "cat", "cat-pw-1").await, unknown);
    for _ in 0..5 {
        assert_eq!(refused(&app, "nobody", "x").await, unknown);
    }
}

/// Without a duration the lock holds until an admin re-enables the user or sets a password
/// (Keystone clears the count when a user is enabled).
async fn re_enabling_or_a_new_password_from_an_admin_clears_the_lock() {
    let app = spawn_app_with(&[ATTEMPTS, ("IAM_GROUPS_LOCKOUT_DURATION", "0")]).await;
    let id = app.create_user("dan", "dan-pw-1").await;
    let path = format!("/v3/users/{id}");
    let lock = || async {
        for _ in 0..3 {
            refused(&app, "dan", "wrong").await;
        }
        refused(&app, "dan", "dan-pw-1").await;
    };

    lock().await;
    // An unrelated change does not unlock.
    let resp = app
        .patch(&path, json!({"user": {"description": "still locked"}}))
        .await;
    assert_eq!(resp.status(), 200);
    refused(&app, "dan", "dan-pw-1").await;
    let resp = app.patch(&path, json!({"user": {"enabled": true}})).await;
    assert_eq!(resp.status(), 200);
    succeeds(&app, "dan", "dan-pw-1").await;

    lock().await;
    let resp = app
        .patch(&path, json!({"user": {"password": "dan-pw-2"}}))
        .await;
    assert_eq!(resp.status(), 200);
    succeeds(&app, "dan", "dan-pw-2").await;
}

/// Proving the original password to change it is a login: it counts, and is refused while
/// locked, with the same 401.
async fn the_self_service_password_change_counts_and_respects_the_lock() {
    let app = spawn_app_with(&[ATTEMPTS, ("IAM_GROUPS_LOCKOUT_DURATION", "600")]).await;
    let id = app.create_user("eve", "eve-pw-1").await;
    let token = app.login("eve", "eve-pw-1").await;
    let change = |original: &'static str| {
        let (app, token, id) = (&app, token.clone(), id.clone());
        async move {
            app.call(
                Method::POST,
                &format!("/v3/users/{id}/password"),
                &token,
                Some(json!({"user": {"original_password": original, "password": "eve-pw-2"}})),
            )
            .await
        }
    };
    let wrong = change("wrong-1").await;
    assert_eq!(wrong.status(), 401);
    let wrong = wrong.bytes().await.unwrap();
    assert_eq!(change("wrong-2").await.status(), 401);
    // The third failure is a login.
    refused(&app, "eve", "wrong-3").await;
    let locked = change("eve-pw-1").await;
    assert_eq!(locked.status(), 401);
    assert_eq!(locked.bytes().await.unwrap(), wrong);
    refused(&app, "eve", "eve-pw-1").await;
}

/// The count lives in the database: failures on two instances add up, and a new instance
/// (a restart) still sees the lock.
async fn the_lock_holds_across_instances_and_restarts() {
    let first = spawn_app_with(&[ATTEMPTS, ("IAM_GROUPS_LOCKOUT_DURATION", "600")]).await;
    let key_file = first.dir.path().join("token.key").display().to_string();
    let database_url = first.database_url.clone();
    let shared = [
        ATTEMPTS,
        ("IAM_GROUPS_LOCKOUT_DURATION", "600"),
        ("IAM_GROUPS_TOKEN_KEY_FILE", key_file.as_str()),
        ("IAM_GROUPS_DATABASE_URL", database_url.as_str()),
    ];
    let second = spawn_app_with(&shared).await;
    first.create_user("fay", "fay-pw-1").await;
    refused(&first, "fay", "wrong-1").await;
    refused(&second, "fay", "wrong-2").await;
    refused(&first, "fay", "wrong-3").await;
    refused(&second, "fay", "fay-pw-1").await;
    refused(&first, "fay", "fay-pw-1").await;
    let restarted = spawn_app_with(&shared).await;
    refused(&restarted, "fay", "fay-pw-1").await;
}

/// Concurrent guesses cannot outrun the count: each attempt is counted before its password
/// is checked, so of many parallel guesses only the threshold's worth are ever checked (a
/// count taken after the check would let all of them through while it still read 0).
async fn parallel_guesses_cannot_outrun_the_count() {
    let app = spawn_app_with(&[ATTEMPTS, ("IAM_GROUPS_LOCKOUT_DURATION", "600")]).await;
    let id = app.create_user("gus", "gus-pw-1").await;
    let guesses: Vec<_> = (0..12)
        .map(|i| {
            let app = &app;
            async move { attempt(app, "gus", &format!("guess-{i}")).await.0 }
        })
        .collect();
    let statuses = futures_util::future::join_all(guesses).await;
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    assert_eq!(app.stored_user(&id).failed_auth_count, 3);
    refused(&app, "gus", "gus-pw-1").await;
}

both_backends!(
    lockout_is_off_by_default,
    a_locked_account_answers_like_a_wrong_password_until_the_lock_expires,
    unknown_users_get_the_same_401,
    re_enabling_or_a_new_password_from_an_admin_clears_the_lock,
    the_self_service_password_change_counts_and_respects_the_lock,
    the_lock_holds_across_instances_and_restarts,
    parallel_guesses_cannot_outrun_the_count,
);
