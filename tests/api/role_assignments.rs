//! `GET /v3/role_assignments` is paged like every other list (issue 15, item 14), and a
//! domain reader's `?effective` list is their domain's alone, filters and all.

use std::collections::{BTreeSet, HashMap};

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{json, password_auth, spawn_app_with, TestApp};

/// Role ids by name, one lookup each (the role list itself is capped too).
async fn role_ids(app: &TestApp) -> HashMap<String, String> {
    let mut ids = HashMap::new();
    for name in ["admin", "manager", "member", "reader"] {
        let body = json(app.get(&format!("/v3/roles?name={name}")).await).await;
        let id = body["roles"][0]["id"]
            .as_str()
            .expect("role id")
            .to_string();
        ids.insert(name.to_string(), id);
    }
    ids
}

async fn created(app: &TestApp, path: &str, body: Value, kind: &str) -> String {
    let resp = app.post(path, body).await;
    assert_eq!(resp.status(), 201, "create {kind}");
    json(resp).await[kind]["id"]
        .as_str()
        .expect("id")
        .to_string()
}

async fn put_ok(app: &TestApp, path: &str) {
    assert_eq!(app.put(path).await.status(), 204, "PUT {path}");
}

/// Follows `next` from `path` with `token`: every entry, and how many pages it took. Each
/// page but the last is full and says `truncated`; the last says neither.
async fn walk(app: &TestApp, token: &str, path: &str, per_page: usize) -> (Vec<Value>, usize) {
    let mut entries = Vec::new();
    let mut pages = 0;
    let mut next = Some(app.url(path));
    while let Some(url) = next {
        let resp = app
            .client
            .get(&url)
            .header("X-Auth-Token", token)
            .send()
            .await
            .expect("page");
        assert_eq!(resp.status(), 200, "{url}");
        let body = json(resp).await;
        let page = body["role_assignments"]
            .as_array()
            .expect("entries")
            .clone();
        pages += 1;
        next = body["links"]["next"].as_str().map(str::to_owned);
        if next.is_some() {
            assert_eq!(page.len(), per_page, "a full page: {body}");
            assert_eq!(body["truncated"], true, "{body}");
        } else {
            assert!(body.get("truncated").is_none(), "{body}");
        }
        if pages > 1 {
            assert!(body["links"]["previous"].is_string(), "{body}");
        } else {
            assert_eq!(body["links"]["previous"], Value::Null);
        }
        entries.extend(page);
        assert!(pages < 100, "the walk ends");
    }
    (entries, pages)
}

/// (user, scope domain, role) of effective entries on domains.
fn triples(entries: &[Value]) -> BTreeSet<(String, String, String)> {
    let set: BTreeSet<(String, String, String)> = entries
        .iter()
        .map(|e| {
            (
                e["user"]["id"].as_str().expect("user").to_string(),
                e["scope"]["domain"]["id"]
                    .as_str()
                    .expect("domain")
                    .to_string(),
                e["role"]["id"].as_str().expect("role").to_string(),
            )
        })
        .collect();
    assert_eq!(set.len(), entries.len(), "no entry twice");
    set
}

async fn role_assignments_page_under_the_list_limit() {
    let app = spawn_app_with(&[("IAM_GROUPS_IDENTITY__LIST_LIMIT", "3")]).await;
    let roles = role_ids(&app).await;
    let project = app.admin_project_id.clone();
    let mut users = Vec::new();
    for i in 0..4 {
        let user = app
            .create_user(&format!("paged{i}"), "paged-password")
            .await;
        put_ok(
            &app,
            &format!(
                "/v3/projects/{project}/users/{user}/roles/{}",
                roles["member"]
            ),
        )
        .await;
        users.push(user);
    }
    // Bootstrap's own grants are in the list too: count them as the admin's token shows.
    let (all, pages) = walk(&app, &app.admin_token, "/v3/role_assignments", 3).await;
    let on_project: BTreeSet<String> = all
        .iter()
        .filter(|e| e["scope"]["project"]["id"] == project.as_str())
        .filter(|e| e["role"]["id"] == roles["member"].as_str())
        .map(|e| e["user"]["id"].as_str().expect("user").to_string())
        .collect();
    assert_eq!(on_project, users.iter().cloned().collect());
    assert_eq!(pages, all.len().div_ceil(3));
    let keys: BTreeSet<String> = all.iter().map(|e| e.to_string()).collect();
    assert_eq!(keys.len(), all.len(), "no entry twice across pages");
    // `limit` asks for less than the cap, never more.
    let body = json(app.get("/v3/role_assignments?limit=2").await).await;
    assert_eq!(
        body["role_assignments"].as_array().expect("entries").len(),
        2
    );
    assert_eq!(body["truncated"], true);
    let body = json(app.get("/v3/role_assignments?limit=50").await).await;
    assert_eq!(
        body["role_assignments"].as_array().expect("entries").len(),
        3
    );
    // The filters page too; a marker that names no entry is a 404, as on other lists.
    let path = format!(
        "/v3/role_assignments?scope.project.id={project}&role.id={}",
        roles["member"]
    );
    let (filtered, pages) = walk(&app, &app.admin_token, &path, 3).await;
    assert_eq!(filtered.len(), 4);
    assert_eq!(pages, 2);
    let resp = app.get("/v3/role_assignments?marker=00ff").await;
    assert_eq!(resp.status(), 404);
    assert_eq!(
        json(resp).await,
        json!({"error": {"code": 404, "title": "Not Found",
            "message": "Could not find role assignment: 00ff."}})
    );
}

async fn a_domain_readers_effective_list_is_its_domain_alone_and_paged() {
    let app = spawn_app_with(&[("IAM_GROUPS_IDENTITY__LIST_LIMIT", "2")]).await;
    let roles = role_ids(&app).await;
    let d = created(
        &app,
        "/v3/domains",
        json!({"domain": {"name": "dee"}}),
        "domain",
    )
    .await;
    let e = created(
        &app,
        "/v3/domains",
        json!({"domain": {"name": "eee"}}),
        "domain",
    )
    .await;
    let reader = created(
        &app,
        "/v3/users",
        json!({"user": {"name": "rita", "domain_id": d, "password": "rita-password"}}),
        "user",
    )
    .await;
    put_ok(
        &app,
        &format!("/v3/domains/{d}/users/{reader}/roles/{}", roles["reader"]),
    )
    .await;
    let group = created(
        &app,
        "/v3/groups",
        json!({"group": {"name": "crew", "domain_id": d}}),
        "group",
    )
    .await;
    put_ok(
        &app,
        &format!("/v3/domains/{d}/groups/{group}/roles/{}", roles["member"]),
    )
    .await;
    let mut expected = BTreeSet::new();
    expected.insert((reader.clone(), d.clone(), roles["reader"].clone()));
    for i in 0..3 {
        let user = created(
            &app,
            "/v3/users",
            json!({"user": {"name": format!("crew{i}"), "domain_id": d}}),
            "user",
        )
        .await;
        put_ok(&app, &format!("/v3/groups/{group}/users/{user}")).await;
        // The same users hold roles elsewhere, which the reader of D never sees.
        put_ok(
            &app,
            &format!("/v3/domains/{e}/users/{user}/roles/{}", roles["manager"]),
        )
        .await;
        for role in ["member", "reader"] {
            expected.insert((user.clone(), d.clone(), roles[role].clone()));
        }
    }
    let resp = app
        .call(
            Method::POST,
            "/v3/auth/tokens",
            "",
            Some({
                let mut body = password_auth("rita", "rita-password");
                body["auth"]["identity"]["password"]["user"]["domain"] = json!({"id": d});
                body["auth"]["scope"] = json!({"domain": {"id": d}});
                body
            }),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let token = resp.headers()["x-subject-token"]
        .to_str()
        .expect("token")
        .to_string();

    let (entries, pages) = walk(&app, &token, "/v3/role_assignments?effective", 2).await;
    assert_eq!(triples(&entries), expected);
    assert_eq!(pages, 4);
    // The admin asking for D sees the same entries, in the same pages.
    let path = format!("/v3/role_assignments?effective&scope.domain.id={d}");
    let (admins, _) = walk(&app, &app.admin_token, &path, 2).await;
    assert_eq!(admins, entries);
    // Another domain stays refused to the reader of D.
    let resp = app
        .call(
            Method::GET,
            &format!("/v3/role_assignments?effective&scope.domain.id={e}"),
            &token,
            None,
        )
        .await;
    assert_eq!(resp.status(), 403);
}

/// `role.id` with `effective` finds roles given by inference, and `scope.project.id` finds
/// grants inherited from the project's domain.
async fn effective_filters_reach_inherited_and_implied_roles() {
    let app = spawn_app_with(&[]).await;
    let roles = role_ids(&app).await;
    let d = created(
        &app,
        "/v3/domains",
        json!({"domain": {"name": "inh"}}),
        "domain",
    )
    .await;
    let p = created(
        &app,
        "/v3/projects",
        json!({"project": {"name": "leaf", "domain_id": d}}),
        "project",
    )
    .await;
    let user = created(
        &app,
        "/v3/users",
        json!({"user": {"name": "heir", "domain_id": d}}),
        "user",
    )
    .await;
    let inherited = format!(
        "/v3/OS-INHERIT/domains/{d}/users/{user}/roles/{}/inherited_to_projects",
        roles["admin"]
    );
    put_ok(&app, &inherited).await;
    let path = format!(
        "/v3/role_assignments?effective&scope.project.id={p}&role.id={}",
        roles["reader"]
    );
    let body = json(app.get(&path).await).await;
    assert_eq!(
        body["role_assignments"],
        json!([{
            "role": {"id": roles["reader"]},
            "user": {"id": user},
            "scope": {"project": {"id": p}},
            "links": {
                "assignment": app.url(&inherited),
                "prior_role": app.url(&format!("/v3/roles/{}", roles["admin"])),
            },
        }])
    );
    // On the domain itself an inherited grant gives nothing.
    let path = format!("/v3/role_assignments?effective&scope.domain.id={d}");
    let body = json(app.get(&path).await).await;
    assert_eq!(body["role_assignments"], json!([]));
}

/// One entry as (actor, role, scope, inherited): `user:<id>`, `member`, `project:<id>`.
fn entries(
    body: &Value,
    roles: &HashMap<String, String>,
) -> BTreeSet<(String, String, String, bool)> {
    let role_name = |id: &str| {
        roles
            .iter()
            .find(|(_, v)| v.as_str() == id)
            .map(|(k, _)| k.clone())
            .unwrap_or_else(|| id.to_string())
    };
    body["role_assignments"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            let actor = match (e["user"]["id"].as_str(), e["group"]["id"].as_str()) {
                (Some(u), _) => format!("user:{u}"),
                (_, Some(g)) => format!("group:{g}"),
                _ => panic!("no actor in {e}"),
            };
            let scope = &e["scope"];
            let target = if let Some(p) = scope["project"]["id"].as_str() {
                format!("project:{p}")
            } else if let Some(d) = scope["domain"]["id"].as_str() {
                format!("domain:{d}")
            } else {
                assert_eq!(scope["system"], json!({"all": true}));
                "system".to_string()
            };
            let inherited = scope["OS-INHERIT:inherited_to"] == "projects";
            (
                actor,
                role_name(e["role"]["id"].as_str().unwrap()),
                target,
                inherited,
            )
        })
        .collect()
}

async fn every_filter_of_the_list_selects_its_assignments() {
    let app = spawn_app_with(&[]).await;
    let roles = role_ids(&app).await;
    let d = created(
        &app,
        "/v3/domains",
        json!({"domain": {"name": "f"}}),
        "domain",
    )
    .await;
    let p = created(
        &app,
        "/v3/projects",
        json!({"project": {"name": "top", "domain_id": d}}),
        "project",
    )
    .await;
    let c = created(
        &app,
        "/v3/projects",
        json!({"project": {"name": "below", "parent_id": p}}),
        "project",
    )
    .await;
    let u = created(
        &app,
        "/v3/users",
        json!({"user": {"name": "una", "domain_id": d}}),
        "user",
    )
    .await;
    let g = created(
        &app,
        "/v3/groups",
        json!({"group": {"name": "gee", "domain_id": d}}),
        "group",
    )
    .await;
    let (member, reader) = (&roles["member"], &roles["reader"]);
    put_ok(&app, &format!("/v3/projects/{p}/users/{u}/roles/{member}")).await;
    put_ok(&app, &format!("/v3/projects/{c}/groups/{g}/roles/{reader}")).await;
    put_ok(&app, &format!("/v3/domains/{d}/users/{u}/roles/{reader}")).await;
    put_ok(
        &app,
        &format!("/v3/OS-INHERIT/domains/{d}/users/{u}/roles/{member}/inherited_to_projects"),
    )
    .await;
    put_ok(&app, &format!("/v3/system/users/{u}/roles/{reader}")).await;
    let get = |q: String| {
        let app = &app;
        let roles = &roles;
        async move {
            let resp = app.get(&format!("/v3/role_assignments?{q}")).await;
            assert_eq!(resp.status(), 200, "{q}");
            entries(&json(resp).await, roles)
        }
    };
    let e = |actor: &str, role: &str, target: String, inherited: bool| {
        (actor.to_string(), role.to_string(), target, inherited)
    };
    let (user, group) = (format!("user:{u}"), format!("group:{g}"));
    let on_p = e(&user, "member", format!("project:{p}"), false);
    let on_c = e(&group, "reader", format!("project:{c}"), false);
    let on_d = e(&user, "reader", format!("domain:{d}"), false);
    let inherited = e(&user, "member", format!("domain:{d}"), true);
    let system = e(&user, "reader", "system".into(), false);

    let all_of_user = BTreeSet::from([
        on_p.clone(),
        on_d.clone(),
        inherited.clone(),
        system.clone(),
    ]);
    assert_eq!(get(format!("user.id={u}")).await, all_of_user);
    assert_eq!(
        get(format!("group.id={g}")).await,
        BTreeSet::from([on_c.clone()])
    );
    assert_eq!(
        get(format!("role.id={reader}&scope.domain.id={d}")).await,
        BTreeSet::from([on_d.clone()])
    );
    assert_eq!(
        get(format!("role.id={member}&group.id={g}")).await,
        BTreeSet::new()
    );
    assert_eq!(
        get(format!("scope.project.id={p}")).await,
        BTreeSet::from([on_p.clone()])
    );
    assert_eq!(
        get(format!("scope.project.id={c}&user.id={u}")).await,
        BTreeSet::new()
    );
    assert_eq!(
        get(format!("scope.project.id={p}&include_subtree=true")).await,
        BTreeSet::from([on_p.clone(), on_c.clone()])
    );
    assert_eq!(
        get(format!(
            "scope.OS-INHERIT:inherited_to=projects&user.id={u}"
        ))
        .await,
        BTreeSet::from([inherited.clone()])
    );
    assert_eq!(
        get(format!("scope.system=all&user.id={u}")).await,
        BTreeSet::from([system.clone()])
    );
    assert_eq!(
        get(format!("scope.system=all&group.id={g}")).await,
        BTreeSet::new()
    );
    // Names only when asked for.
    let named = json(
        app.get(&format!(
            "/v3/role_assignments?group.id={g}&include_names=true"
        ))
        .await,
    )
    .await;
    assert_eq!(named["role_assignments"][0]["group"]["name"], "gee");
    assert_eq!(
        named["role_assignments"][0]["scope"]["project"]["name"],
        "below"
    );
    let plain = json(
        app.get(&format!(
            "/v3/role_assignments?group.id={g}&include_names=false"
        ))
        .await,
    )
    .await;
    assert_eq!(plain["role_assignments"][0]["group"], json!({"id": g}));

    for (q, message) in [
        ("scope.system=yes", "'yes' is not 'all'"),
        ("scope.system=", "'' is not 'all'"),
        (
            "scope.OS-INHERIT:inherited_to=domains",
            "'domains' is not 'projects'",
        ),
        (
            "include_subtree=true",
            "scope.project.id needs to be specified",
        ),
        ("include_names=maybe", "'maybe' is not a boolean"),
    ] {
        let resp = app.get(&format!("/v3/role_assignments?{q}")).await;
        crate::helpers::assert_error(resp, 400, message).await;
    }
    let resp = app
        .get(&format!(
            "/v3/role_assignments?scope.project.id={p}&scope.domain.id={d}"
        ))
        .await;
    crate::helpers::assert_error(resp, 400, "Specify at most one of").await;
    // The document says which scope words the list takes, as the server does.
    let doc = json(app.get("/openapi.json").await).await;
    let params = doc["paths"]["/v3/role_assignments"]["get"]["parameters"]
        .as_array()
        .expect("parameters")
        .clone();
    let schema_of = |name: &str| {
        params
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["schema"].clone())
            .unwrap_or_else(|| panic!("no parameter {name}"))
    };
    assert_eq!(
        schema_of("scope.system"),
        json!({"type": "string", "enum": ["all"]})
    );
    assert_eq!(
        schema_of("scope.OS-INHERIT:inherited_to"),
        json!({"type": "string", "enum": ["projects"]})
    );
    assert_eq!(schema_of("include_subtree"), json!({"type": "boolean"}));
}

both_backends!(
    role_assignments_page_under_the_list_limit,
    a_domain_readers_effective_list_is_its_domain_alone_and_paged,
    effective_filters_reach_inherited_and_implied_roles,
    every_filter_of_the_list_selects_its_assignments,
);
