//! Storage's outcomes on the wire (issue 14, item 2): a NUL names nothing on either backend
//! (PostgreSQL's refusal of one cannot be classified, so it never reaches PostgreSQL), and a
//! database that refuses writes is a 503 while reads go on.

use diesel::prelude::*;
use diesel::PgConnection;
use serde_json::{json, Value};

use crate::helpers::{password_auth, run_on, spawn_app, Backend, TestApp};

fn not_found_body() -> Value {
    json!({"error": {"code": 404, "message": "The resource could not be found.",
                     "title": "Not Found"}})
}

async fn body_of(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

/// A NUL in a list filter, anywhere in the query or path, is the same 404 on both backends,
/// for an admin and for an anonymous caller alike (a NUL names nothing, so nothing leaks).
async fn a_nul_in_a_filter_or_path_is_404_before_any_query() {
    let app = spawn_app().await;
    for path in [
        "/v3/groups?domain_id=%00",
        "/v3/groups?name__contains=a%00",
        "/v3/users?domain_id=x%00y",
        "/v3/projects?parent_id=%00",
        "/v3/role_assignments?user.id=%00",
        "/v3/regions/%00",
        "/v3/services/%00",
        "/v3/endpoints/%00",
    ] {
        assert_eq!(
            body_of(app.get(path).await).await,
            (404, not_found_body()),
            "{path}"
        );
        let anonymous = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(body_of(anonymous).await, (404, not_found_body()), "{path}");
    }
}

/// A NUL in a body field that refers to a stored row by id: that row does not exist, in
/// Keystone's words, and the same on both backends.
async fn a_nul_in_a_body_reference_names_no_row() {
    let app = spawn_app().await;
    let resp = app
        .post(
            "/v3/endpoints",
            json!({"endpoint": {"service_id": "a\u{0}b", "interface": "public",
                                "url": "http://e.example"}}),
        )
        .await;
    assert_eq!(
        body_of(resp).await,
        (
            400,
            json!({"error": {"code": 400, "message": "Could not find service: a\u{0}b.",
                             "title": "Bad Request"}})
        )
    );
    let resp = app
        .post(
            "/v3/regions",
            json!({"region": {"id": "child", "parent_region_id": "\u{0}"}}),
        )
        .await;
    assert_eq!(
        body_of(resp).await,
        (
            404,
            json!({"error": {"code": 404, "message": "Could not find region: \u{0}.",
                             "title": "Not Found"}})
        )
    );
    // An endpoint's region is created if missing, so it must be storable: refused.
    let resp = app
        .post("/v3/services", json!({"service": {"type": "t"}}))
        .await;
    let service: Value = resp.json().await.unwrap();
    let service_id = service["service"]["id"].as_str().unwrap();
    for field in ["region_id", "region"] {
        let resp = app
            .post(
                "/v3/endpoints",
                json!({"endpoint": {"service_id": service_id, "interface": "public",
                                    "url": "http://e.example", field: "r\u{0}"}}),
            )
            .await;
        assert_eq!(
            body_of(resp).await,
            (
                400,
                json!({"error": {"code": 400, "title": "Bad Request", "message":
                    format!("Invalid input for field '{field}': NUL characters are not allowed")}})
            ),
            "{field}"
        );
    }
    // Only the region bootstrap made: nothing was created for the refused endpoints.
    let (status, regions) = body_of(app.get("/v3/regions").await).await;
    let ids: Vec<&str> = regions["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!((status, ids), (200, vec!["RegionOne"]));
    // A user name with a NUL logs in as nobody: Keystone's 401.
    let resp = app
        .client
        .post(app.url("/v3/auth/tokens"))
        .json(&password_auth("ad\u{0}min", "whatever"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        body_of(resp).await,
        (
            401,
            json!({"error": {"code": 401,
                             "message": "The request you have made requires authentication.",
                             "title": "Unauthorized"}})
        )
    );
}

both_backends!(
    a_nul_in_a_filter_or_path_is_404_before_any_query,
    a_nul_in_a_body_reference_names_no_row,
);

/// Sets `default_transaction_read_only` on the app's database and drops its connections,
/// so that the pool reconnects into sessions of the new mode.
fn set_read_only(app: &TestApp, on: bool) {
    let mut admin = PgConnection::establish(&app.database_url).expect("connect");
    let name = app
        .database_url
        .rsplit('/')
        .next()
        .expect("a database name");
    // This session itself starts read-only once the mode is on.
    diesel::sql_query("SET default_transaction_read_only = off")
        .execute(&mut admin)
        .expect("a writable session");
    diesel::sql_query(format!(
        "ALTER DATABASE {name} SET default_transaction_read_only = {}",
        if on { "on" } else { "off" }
    ))
    .execute(&mut admin)
    .expect("alter database");
    diesel::sql_query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .execute(&mut admin)
    .expect("terminate the app's sessions");
}

fn unavailable_body() -> Value {
    json!({"error": {"code": 503,
                     "message": "The service is temporarily unavailable; please retry shortly.",
                     "title": "Service Unavailable"}})
}

/// PostgreSQL refusing writes (a hot standby, or `default_transaction_read_only`; SQLSTATE
/// 25006, whatever language the server words it in) is a 503 for writes while reads are
/// served, and writes work again once the database does. SQLite's read-only file is
/// `failure::sqlite_on_a_full_or_read_only_disk_gives_503_and_recovers`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_read_only_is_503_for_writes_and_reads_go_on() {
    run_on(Backend::Postgres, async {
        let app = spawn_app().await;
        assert_eq!(app.get("/v3/groups").await.status(), 200);
        tokio::task::block_in_place(|| set_read_only(&app, true));
        // The first request after the sessions were dropped may meet one of them dead
        // (PostgreSQL closes it as the pool hands it out): a 503 too.
        let resp = app
            .post("/v3/groups", json!({"group": {"name": "while-read-only"}}))
            .await;
        assert_eq!(body_of(resp).await, (503, unavailable_body()));
        let resp = app
            .post("/v3/groups", json!({"group": {"name": "while-read-only"}}))
            .await;
        assert_eq!(body_of(resp).await, (503, unavailable_body()));
        let (status, body) = body_of(app.get("/v3/groups?name=while-read-only").await).await;
        assert_eq!((status, &body["groups"]), (200, &json!([])));

        tokio::task::block_in_place(|| set_read_only(&app, false));
        let mut status = 0;
        // One dropped session may still be handed out once.
        for _ in 0..3 {
            let resp = app
                .post("/v3/groups", json!({"group": {"name": "after-read-only"}}))
                .await;
            status = resp.status().as_u16();
            if status == 201 {
                break;
            }
            assert_eq!(body_of(resp).await, (503, unavailable_body()));
        }
        assert_eq!(status, 201);
    })
    .await
}
