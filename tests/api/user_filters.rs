//! Every filter Keystone's API reference lists for the two lists of users, `GET /v3/users`
//! and `GET /v3/groups/{group_id}/users`: `name`, `enabled`, `domain_id`,
//! `password_expires_at` (with each operator), and the `name__*` comparators; applied before
//! the page, and refused with a 400 when malformed.

use serde_json::{json, Value};

use crate::helpers::{assert_error, json, spawn_app, TestApp};

/// 2026-12-01T10:00:00Z, in milliseconds.
const T0: i64 = 1_796_119_200_000;
const HOUR: i64 = 3_600_000;

/// The names in a list of users, sorted.
async fn names(app: &TestApp, path: &str) -> Vec<String> {
    let body = json(app.get(path).await).await;
    let mut names: Vec<String> = body["users"]
        .as_array()
        .unwrap_or_else(|| panic!("{path}: {body}"))
        .iter()
        .map(|u| u["name"].as_str().unwrap_or_default().to_string())
        .collect();
    names.sort();
    names
}

/// Users in two domains, one disabled, with passwords expiring at T0 - 1h, T0 and T0 + 1h
/// (and one that never expires), all members of one group; and one user outside it.
struct World {
    app: TestApp,
    group: String,
}

async fn world() -> World {
    let app = spawn_app().await;
    let other = json(
        app.post("/v3/domains", json!({"domain": {"name": "other"}}))
            .await,
    )
    .await["domain"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let group = app.create_group("filtered").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let make = |name: &'static str, domain: Option<String>, enabled: bool| {
        let app = &app;
        async move {
            let mut user = json!({"name": name, "password": "pw-of-a-user-1", "enabled": enabled});
            if let Some(d) = domain {
                user["domain_id"] = Value::String(d);
            }
            let resp = app.post("/v3/users", json!({"user": user})).await;
            json(resp).await["user"]["id"].as_str().unwrap().to_string()
        }
    };
    let alice = make("alice", None, true).await;
    let alina = make("alina", None, false).await;
    let bob = make("bob", Some(other.clone()), true).await;
    let carol = make("carol", None, true).await;
    let outsider = make("alix", None, true).await;
    app.set_password_expiry(&alice, Some(T0 - HOUR));
    app.set_password_expiry(&alina, Some(T0));
    app.set_password_expiry(&bob, Some(T0 + HOUR));
    app.set_password_expiry(&outsider, Some(T0));
    for uid in [&alice, &alina, &bob, &carol] {
        let resp = app.put(&format!("/v3/groups/{group}/users/{uid}")).await;
        assert_eq!(resp.status(), 204);
    }
    let _ = other;
    World { app, group }
}

/// The cases both lists share: (query, members of the group that pass). `GET /v3/users`
/// adds the bootstrap admin and the outsider where they pass too.
fn cases(other: &str) -> Vec<(String, Vec<&'static str>)> {
    vec![
        ("".into(), vec!["alice", "alina", "bob", "carol"]),
        ("name=alice".into(), vec!["alice"]),
        ("enabled=false".into(), vec!["alina"]),
        ("enabled=true".into(), vec!["alice", "bob", "carol"]),
        (format!("domain_id={other}"), vec!["bob"]),
        ("domain_id=default&enabled=true".into(), vec!["alice", "carol"]),
        ("name__startswith=ali".into(), vec!["alice", "alina"]),
        ("name__contains=o".into(), vec!["bob", "carol"]),
        (
            "password_expires_at=lt:2026-12-01T10:00:00Z".into(),
            vec!["alice"],
        ),
        (
            "password_expires_at=lte:2026-12-01T10:00:00Z".into(),
            vec!["alice", "alina"],
        ),
        (
            "password_expires_at=gt:2026-12-01T10:00:00Z".into(),
            vec!["bob"],
        ),
        (
            "password_expires_at=gte:2026-12-01T10:00:00Z".into(),
            vec!["alina", "bob"],
        ),
        (
            "password_expires_at=eq:2026-12-01T10:00:00Z".into(),
            vec!["alina"],
        ),
        ("password_expires_at=2026-12-01T10:00:00Z".into(), vec!["alina"]),
        (
            "password_expires_at=neq:2026-12-01T10:00:00Z".into(),
            vec!["alice", "bob"],
        ),
        // A range: both bounds hold.
        (
            "password_expires_at=gt:2026-12-01T08:00:00Z&password_expires_at=lt:2026-12-01T10:30:00Z"
                .into(),
            vec!["alice", "alina"],
        ),
        // The same instant written with an offset.
        (
            "password_expires_at=eq:2026-12-01T12:00:00%2B02:00".into(),
            vec!["alina"],
        ),
        ("name=alice&enabled=false".into(), vec![]),
    ]
}

async fn a_groups_users_take_every_user_filter() {
    let w = world().await;
    let other = json(w.app.get("/v3/domains?name=other").await).await["domains"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for (query, expected) in cases(&other) {
        let path = format!("/v3/groups/{}/users?{query}", w.group);
        assert_eq!(names(&w.app, &path).await, expected, "{path}");
    }
    // Filters apply before the page: the first page of one holds the first that passes.
    let path = format!("/v3/groups/{}/users?enabled=false&limit=1", w.group);
    let page = json(w.app.get(&path).await).await;
    assert_eq!(page["users"].as_array().map(Vec::len), Some(1), "{page}");
    assert_eq!(page["users"][0]["name"], "alina");
}

async fn the_users_list_takes_every_user_filter() {
    let w = world().await;
    let other = json(w.app.get("/v3/domains?name=other").await).await["domains"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The users outside the group, where each query lets them through.
    let outside = |query: &str| -> Vec<&'static str> {
        match query {
            "" | "enabled=true" | "domain_id=default&enabled=true" => vec!["admin", "alix"],
            "name__startswith=ali" => vec!["alix"],
            "name__contains=o" => vec![],
            q if q.starts_with("password_expires_at=lte:")
                || q.starts_with("password_expires_at=gte:")
                || q.starts_with("password_expires_at=eq:")
                || q.starts_with("password_expires_at=2026")
                || q.starts_with("password_expires_at=gt:2026-12-01T08") =>
            {
                vec!["alix"]
            }
            _ => vec![],
        }
    };
    for (query, members) in cases(&other) {
        let mut expected: Vec<&str> = members;
        expected.extend(outside(&query));
        expected.sort();
        let path = format!("/v3/users?{query}");
        assert_eq!(names(&w.app, &path).await, expected, "{path}");
    }
}

async fn malformed_user_filters_are_400_on_both_lists() {
    let w = world().await;
    for list in [
        "/v3/users".to_string(),
        format!("/v3/groups/{}/users", w.group),
    ] {
        for (query, why) in [
            (
                "password_expires_at=before:2026-12-01T10:00:00Z",
                "is not an operator",
            ),
            (
                "password_expires_at=lt:00:00:00T2026-12-01",
                "is not an ISO 8601 timestamp",
            ),
            ("password_expires_at=", "is not an ISO 8601 timestamp"),
            ("enabled=maybe", "is not a boolean"),
        ] {
            let path = format!("{list}?{query}");
            let body = assert_error(w.app.get(&path).await, 400, why).await;
            assert_eq!(body["error"]["title"], "Bad Request", "{path}");
        }
    }
}

both_backends!(
    a_groups_users_take_every_user_filter,
    the_users_list_takes_every_user_filter,
    malformed_user_filters_are_400_on_both_lists,
);
