//! Every filter Keystone's API reference lists for the lists of groups, and the federated
//! filters of the list of users: `GET /v3/groups` (`name` and its patterns, `domain_id`),
//! `GET /v3/users/{user_id}/groups` (`name` and its patterns, narrowed to a domain-scoped
//! caller's domain), `GET /v3/users` (`idp_id`, `protocol_id`, `unique_id`); applied before
//! the page, each with a case that keeps nothing.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{json, spawn_app, TestApp};

/// The names in a list, sorted.
async fn names(app: &TestApp, token: &str, path: &str, key: &str) -> Vec<String> {
    let resp = app.call(Method::GET, path, token, None).await;
    assert_eq!(resp.status(), 200, "{path}");
    let body = json(resp).await;
    let mut names: Vec<String> = body[key]
        .as_array()
        .unwrap_or_else(|| panic!("{path}: {body}"))
        .iter()
        .map(|g| g["name"].as_str().unwrap_or_default().to_string())
        .collect();
    names.sort();
    names
}

/// Groups `alpha`, `alps`, `Beta` in the Default domain and `alpha` again in `other`; the
/// user `gus` (Default) is a member of `alpha`, `Beta` and other's `alpha`.
struct World {
    app: TestApp,
    other: String,
    gus: String,
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
    let gus = app.create_user("gus", "gus-password-1").await;
    let id = |g: Value| g["id"].as_str().unwrap().to_string();
    let alpha = id(app.create_group("alpha").await);
    app.create_group("alps").await;
    let beta = id(app.create_group("Beta").await);
    let resp = app
        .post(
            "/v3/groups",
            json!({"group": {"name": "alpha", "domain_id": other}}),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let other_alpha = json(resp).await["group"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for group in [&alpha, &beta, &other_alpha] {
        let resp = app.put(&format!("/v3/groups/{group}/users/{gus}")).await;
        assert_eq!(resp.status(), 204);
    }
    World { app, other, gus }
}

async fn the_groups_list_takes_every_group_filter() {
    let w = world().await;
    let (app, t) = (&w.app, w.app.admin_token.clone());
    let other = w.other.as_str();
    let cases: Vec<(String, Vec<&str>)> = vec![
        ("".into(), vec!["Beta", "alpha", "alpha", "alps"]),
        ("name=alpha".into(), vec!["alpha", "alpha"]),
        ("name=alp".into(), vec![]),
        ("name=".into(), vec![]),
        ("name__contains=lp".into(), vec!["alpha", "alpha", "alps"]),
        ("name__contains=LP".into(), vec![]),
        ("name__icontains=LP".into(), vec!["alpha", "alpha", "alps"]),
        (
            "name__startswith=alp".into(),
            vec!["alpha", "alpha", "alps"],
        ),
        ("name__istartswith=b".into(), vec!["Beta"]),
        ("name__startswith=b".into(), vec![]),
        ("name__endswith=ha".into(), vec!["alpha", "alpha"]),
        ("name__iendswith=TA".into(), vec!["Beta"]),
        ("name__equals=alps".into(), vec!["alps"]),
        ("name__iequals=beta".into(), vec!["Beta"]),
        ("domain_id=default".into(), vec!["Beta", "alpha", "alps"]),
        (format!("domain_id={other}"), vec!["alpha"]),
        ("domain_id=no-such-domain".into(), vec![]),
        (format!("domain_id={other}&name=alps"), vec![]),
        (
            "domain_id=default&name__startswith=al".into(),
            vec!["alpha", "alps"],
        ),
    ];
    for (query, expected) in cases {
        let path = format!("/v3/groups?{query}");
        assert_eq!(names(app, &t, &path, "groups").await, expected, "{path}");
    }
    // Filters apply before the page: a page of one holds the first group that passes.
    let page = json(app.get("/v3/groups?name=alps&limit=1").await).await;
    assert_eq!(page["groups"].as_array().map(Vec::len), Some(1), "{page}");
    assert_eq!(page["groups"][0]["name"], "alps");
}

async fn a_users_groups_take_the_name_filter() {
    let w = world().await;
    let (app, t) = (&w.app, w.app.admin_token.clone());
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("", vec!["Beta", "alpha", "alpha"]),
        ("name=alpha", vec!["alpha", "alpha"]),
        ("name=alps", vec![]),
        ("name__startswith=B", vec!["Beta"]),
        ("name__istartswith=b", vec!["Beta"]),
        ("name__contains=lp", vec!["alpha", "alpha"]),
        ("name__endswith=x", vec![]),
    ];
    for (query, expected) in cases {
        let path = format!("/v3/users/{}/groups?{query}", w.gus);
        assert_eq!(names(app, &t, &path, "groups").await, expected, "{path}");
    }
    let path = format!("/v3/users/{}/groups?name__iendswith=TA&limit=1", w.gus);
    let page = json(app.get(&path).await).await;
    assert_eq!(page["groups"].as_array().map(Vec::len), Some(1), "{page}");
    assert_eq!(page["groups"][0]["name"], "Beta");
}

/// A domain-scoped token of an admin of `other`.
async fn admin_of(app: &TestApp, domain: &str) -> String {
    let resp = app
        .post(
            "/v3/users",
            json!({"user": {"name": "olga", "password": "olga-password-1", "domain_id": domain}}),
        )
        .await;
    let olga = json(resp).await["user"]["id"].as_str().unwrap().to_string();
    app.grant_domain_role(&olga, domain, "admin").await;
    let body = json!({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {"id": olga,
            "password": "olga-password-1"}}},
        "scope": {"domain": {"id": domain}}}});
    let resp = app
        .call(Method::POST, "/v3/auth/tokens", "", Some(body))
        .await;
    assert_eq!(resp.status(), 201);
    resp.headers()["x-subject-token"]
        .to_str()
        .unwrap()
        .to_string()
}

async fn a_domain_scoped_caller_sees_the_groups_of_its_domain() {
    let w = world().await;
    let app = &w.app;
    // ola, of `other`, is in Default's `alpha` and in other's `alpha`.
    let resp = app
        .post(
            "/v3/users",
            json!({"user": {"name": "ola", "domain_id": w.other}}),
        )
        .await;
    let ola = json(resp).await["user"]["id"].as_str().unwrap().to_string();
    let groups = json(app.get("/v3/groups?name=alpha").await).await;
    for g in groups["groups"].as_array().unwrap() {
        let resp = app
            .put(&format!(
                "/v3/groups/{}/users/{ola}",
                g["id"].as_str().unwrap()
            ))
            .await;
        assert_eq!(resp.status(), 204);
    }
    let domains_of = |body: &Value| -> Vec<String> {
        let mut d: Vec<String> = body["groups"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|g| g["domain_id"].as_str().unwrap().to_string())
            .collect();
        d.sort();
        d
    };
    let path = format!("/v3/users/{ola}/groups");
    let everyone = json(app.get(&path).await).await;
    let mut both = vec!["default".to_string(), w.other.clone()];
    both.sort();
    assert_eq!(domains_of(&everyone), both);
    // The admin of `other`, scoped to it, sees only the groups of `other`, as Keystone
    // narrows a domain-scoped caller's list; and its filters still apply.
    let token = admin_of(app, &w.other).await;
    let resp = app.call(Method::GET, &path, &token, None).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(domains_of(&json(resp).await), vec![w.other.clone()]);
    let filtered = format!("{path}?name=Beta");
    assert!(names(app, &token, &filtered, "groups").await.is_empty());
    // Its list of groups is narrowed to its domain the same way.
    assert_eq!(
        names(app, &token, "/v3/groups", "groups").await,
        vec!["alpha"]
    );
    let none = names(app, &token, "/v3/groups?name=Beta", "groups").await;
    assert!(none.is_empty(), "{none:?}");
}

async fn federated_user_filters_keep_only_federated_users() {
    let w = world().await;
    let (app, t) = (&w.app, w.app.admin_token.clone());
    let all = names(app, &t, "/v3/users", "users").await;
    assert_eq!(all, vec!["admin", "gus"]);
    // Every user here is local: a federated filter keeps none of them, whatever it names.
    for query in [
        "idp_id=myidp",
        "protocol_id=saml2",
        "unique_id=gus",
        "idp_id=",
        "idp_id=myidp&protocol_id=saml2&name=gus",
    ] {
        let path = format!("/v3/users?{query}");
        let got = names(app, &t, &path, "users").await;
        assert!(got.is_empty(), "{path}: {got:?}");
    }
}

both_backends!(
    the_groups_list_takes_every_group_filter,
    a_users_groups_take_the_name_filter,
    a_domain_scoped_caller_sees_the_groups_of_its_domain,
    federated_user_filters_keep_only_federated_users,
);
