//! The operator's endpoints: `/healthz`, `/readyz` and `/metrics`, all without a token.

use diesel::RunQueryDsl;
use iam_groups::config::DatabaseSettings;
use iam_groups::db;
use reqwest::Method;

use crate::helpers::{json, spawn_app, TestApp};

async fn get_text(app: &TestApp, path: &str) -> (u16, String) {
    let resp = app.call(Method::GET, path, "", None).await;
    let status = resp.status().as_u16();
    (status, resp.text().await.expect("body"))
}

async fn healthz_answers_without_a_token() {
    let app = spawn_app().await;
    let resp = app.call(Method::GET, "/healthz", "", None).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(json(resp).await, serde_json::json!({"status": "ok"}));
    let resp = app.call(Method::HEAD, "/healthz", "", None).await;
    assert_eq!(resp.status(), 200);
}

/// Forgets the newest applied migration, as a database restored from an older backup
/// would look: the service must then say it is not ready.
fn forget_newest_migration(url: &str) {
    let pool = db::build_pool(&DatabaseSettings {
        url: url.to_string(),
        pool_size: 1,
        connection_timeout: 5,
        busy_timeout_ms: 5000,
    })
    .expect("pool");
    let mut conn = pool.get().expect("connection");
    let deleted = diesel::sql_query(
        "DELETE FROM __diesel_schema_migrations WHERE version = \
         (SELECT MAX(version) FROM __diesel_schema_migrations)",
    )
    .execute(&mut *conn)
    .expect("delete");
    assert_eq!(deleted, 1);
}

async fn readyz_is_503_while_migrations_are_pending() {
    let app = spawn_app().await;
    let resp = app.call(Method::GET, "/readyz", "", None).await;
    assert_eq!(resp.status(), 200);
    let body = json(resp).await;
    assert_eq!(body["status"], "ready");
    assert!(body["schema_version"].is_string(), "{body}");

    let url = app.database_url.clone();
    tokio::task::block_in_place(|| forget_newest_migration(&url));
    let resp = app.call(Method::GET, "/readyz", "", None).await;
    assert_eq!(resp.status(), 503);
    let body = json(resp).await;
    assert_eq!(body["status"], "not ready");
    assert_eq!(body["reason"], "migrations pending");
    assert_eq!(body["pending_migrations"].as_array().map(Vec::len), Some(1));
}

async fn metrics_count_requests_tokens_pool_and_records() {
    let app = spawn_app().await;
    let group = app.create_group("watched").await;
    let user = app.create_user("watcher", "watcher-password").await;
    let gid = group["id"].as_str().unwrap();
    assert_eq!(
        app.put(&format!("/v3/groups/{gid}/users/{user}"))
            .await
            .status(),
        204
    );
    assert_eq!(app.get(&format!("/v3/groups/{gid}")).await.status(), 200);
    let resp = app
        .call(Method::GET, "/v3/groups", "not-a-token", None)
        .await;
    assert_eq!(resp.status(), 401);

    let resp = app.call(Method::GET, "/metrics", "", None).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = resp.text().await.unwrap();
    for expected in [
        // The route template, never the group's id.
        "iam_groups_http_requests_total{method=\"GET\",route=\"/v3/groups/{group_id}\",status=\"200\"} 1",
        "iam_groups_http_requests_total{method=\"PUT\",route=\"/v3/groups/{group_id}/users/{user_id}\",status=\"204\"} 1",
        "iam_groups_http_requests_total{method=\"GET\",route=\"/v3/groups\",status=\"401\"} 1",
        "iam_groups_http_request_duration_seconds_bucket{method=\"POST\",route=\"/v3/groups\",le=\"+Inf\"} 1",
        "iam_groups_token_validations_total{outcome=\"rejected\"} 1",
        "iam_groups_db_pool_connections{state=\"idle\"}",
        "iam_groups_db_pool_connections{state=\"in_use\"}",
        "iam_groups_db_pool_wait_seconds_count",
        "iam_groups_db_pool_timeouts_total 0",
        "iam_groups_records{kind=\"groups\"} 1",
        "iam_groups_records{kind=\"users\"} 2",
        "iam_groups_records{kind=\"memberships\"} 1",
        "# TYPE iam_groups_http_request_duration_seconds histogram",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert!(!text.contains(gid), "an id leaked into a label");
    let valid = text
        .lines()
        .find(|l| l.starts_with("iam_groups_token_validations_total{outcome=\"valid\"}"))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse::<u64>().ok())
        .expect("valid token count");
    assert!(valid >= 4, "{valid}");
    assert!(!text.contains(&app.admin_token));

    // Counts are cached: a new group does not show until they are taken again.
    app.create_group("unseen-yet").await;
    let (_, again) = get_text(&app, "/metrics").await;
    assert!(
        again.contains("iam_groups_records{kind=\"groups\"} 1"),
        "{again}"
    );
    // Unknown URLs share one label.
    app.call(Method::GET, "/no/such/thing", "", None).await;
    let (_, again) = get_text(&app, "/metrics").await;
    assert!(
        again.contains("route=\"unmatched\",status=\"404\"} 1"),
        "{again}"
    );
}

both_backends!(
    healthz_answers_without_a_token,
    readyz_is_503_while_migrations_are_pending,
    metrics_count_requests_tokens_pool_and_records,
);
