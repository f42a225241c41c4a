//! Keystone's project tags (api-ref "Projects": tags): the set at `/v3/projects/{id}/tags`,
//! one tag at `/v3/projects/{id}/tags/{tag}`, the tag rules, and the tag filters of
//! `GET /v3/projects` reading the `project_tag` index kept in step with every change.

use diesel::prelude::*;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_error, json, spawn_app, TestApp};

async fn create_project(app: &TestApp, body: Value) -> String {
    let resp = app.post("/v3/projects", json!({ "project": body })).await;
    assert_eq!(resp.status(), 201, "create project {body}");
    json(resp).await["project"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn put_tags(app: &TestApp, id: &str, tags: Value) -> reqwest::Response {
    app.call(
        Method::PUT,
        &format!("/v3/projects/{id}/tags"),
        &app.admin_token,
        Some(json!({ "tags": tags })),
    )
    .await
}

fn sorted(v: &Value) -> Vec<String> {
    let mut tags: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    tags.sort();
    tags
}

/// The names of `GET /v3/projects?{q}`, sorted.
async fn listed(app: &TestApp, q: &str) -> Vec<String> {
    let resp = app.get(&format!("/v3/projects?{q}")).await;
    assert_eq!(resp.status(), 200, "{q}");
    let mut names: Vec<String> = json(resp).await["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

/// The rows of `project_tag` for a project.
fn indexed(app: &TestApp, id: &str) -> Vec<String> {
    use iam_groups::db::schema::project_tag;
    let id = id.to_string();
    let mut rows: Vec<String> = app.with_db(move |conn| {
        project_tag::table
            .filter(project_tag::project_id.eq(id))
            .select(project_tag::name)
            .load(conn)
            .unwrap()
    });
    rows.sort();
    rows
}

async fn the_tag_routes_list_add_check_replace_and_remove() {
    let app = spawn_app().await;
    let id = create_project(&app, json!({"name": "tagged", "tags": ["a"]})).await;
    let base = format!("/v3/projects/{id}/tags");

    let listed_tags = json(app.get(&base).await).await;
    assert_eq!(
        listed_tags,
        json!({"tags": ["a"], "links": {"self": format!("{}{base}", app.base)}})
    );

    // One tag: 201 with its URL, then 204 on GET and HEAD.
    let resp = app.put(&format!("{base}/b")).await;
    assert_eq!(resp.status(), 201);
    assert_eq!(
        resp.headers()["location"].to_str().unwrap(),
        format!("{}{base}/b", app.base)
    );
    assert_eq!(resp.text().await.unwrap(), "");
    assert_eq!(app.get(&format!("{base}/b")).await.status(), 204);
    assert_eq!(app.head(&format!("{base}/b")).await.status(), 204);
    assert_error(
        app.get(&format!("{base}/zzz")).await,
        404,
        "Could not find project tag: zzz.",
    )
    .await;
    assert_eq!(app.head(&format!("{base}/zzz")).await.status(), 404);
    // A tag with a space, percent-encoded in the path.
    assert_eq!(app.put(&format!("{base}/with%20space")).await.status(), 201);
    assert_eq!(app.get(&format!("{base}/with%20space")).await.status(), 204);
    assert_eq!(
        sorted(&json(app.get(&base).await).await["tags"]),
        ["a", "b", "with space"]
    );
    assert_eq!(indexed(&app, &id), ["a", "b", "with space"]);

    // The whole set is replaced, and the project shows it.
    let resp = put_tags(&app, &id, json!(["x", "y", "z"])).await;
    assert_eq!(resp.status(), 200);
    let body = json(resp).await;
    assert_eq!(sorted(&body["tags"]), ["x", "y", "z"]);
    assert_eq!(body["links"]["self"], format!("{}{base}", app.base));
    let project = json(app.get(&format!("/v3/projects/{id}")).await).await;
    assert_eq!(sorted(&project["project"]["tags"]), ["x", "y", "z"]);
    assert_eq!(indexed(&app, &id), ["x", "y", "z"]);

    // One tag goes; the second time it is a 404.
    assert_eq!(app.delete(&format!("{base}/x")).await.status(), 204);
    assert_error(
        app.delete(&format!("{base}/x")).await,
        404,
        "Could not find project tag: x.",
    )
    .await;
    assert_eq!(
        sorted(&json(app.get(&base).await).await["tags"]),
        ["y", "z"]
    );

    // All of them go.
    assert_eq!(app.delete(&base).await.status(), 204);
    assert_eq!(json(app.get(&base).await).await["tags"], json!([]));
    assert!(indexed(&app, &id).is_empty());

    // A project that does not exist.
    for (method, path) in [
        (Method::GET, "/v3/projects/nope/tags".to_string()),
        (Method::GET, "/v3/projects/nope/tags/a".to_string()),
        (Method::PUT, "/v3/projects/nope/tags/a".to_string()),
        (Method::DELETE, "/v3/projects/nope/tags/a".to_string()),
        (Method::DELETE, "/v3/projects/nope/tags".to_string()),
    ] {
        let resp = app.call(method, &path, &app.admin_token, None).await;
        assert_error(resp, 404, "Could not find project: nope.").await;
    }
    assert_error(
        put_tags(&app, "nope", json!(["a"])).await,
        404,
        "Could not find project: nope.",
    )
    .await;
}

async fn keystones_tag_rules_are_400s() {
    let app = spawn_app().await;
    let id = create_project(&app, json!({"name": "strict"})).await;
    let base = format!("/v3/projects/{id}/tags");
    let long = "t".repeat(256);
    let eighty_one: Vec<String> = (0..81).map(|i| format!("t{i}")).collect();
    for (tags, message) in [
        (json!(["a/b"]), "'a/b' is not a valid tag"),
        (json!(["a,b"]), "'a,b' is not a valid tag"),
        (json!([""]), "is not a valid tag"),
        (json!([long]), "is not a valid tag"),
        (json!(["a", "a"]), "[\"a\",\"a\"] has non-unique elements"),
        (json!(eighty_one), "is too long"),
        (json!("a"), "is not of type 'array'"),
        (json!([1]), "is not of type 'string'"),
    ] {
        let resp = put_tags(&app, &id, tags.clone()).await;
        assert_error(resp, 400, message).await;
    }
    // No `tags` at all.
    let resp = app
        .call(Method::PUT, &base, &app.admin_token, Some(json!({})))
        .await;
    assert_error(resp, 400, "Invalid input for field 'tags'").await;
    // One tag in the URL follows the same rules.
    assert_error(
        app.put(&format!("{base}/a%2Cb")).await,
        400,
        "'a,b' is not a valid tag",
    )
    .await;
    assert_error(
        app.put(&format!("{base}/{}", "t".repeat(256))).await,
        400,
        "is not a valid tag",
    )
    .await;
    // Adding a tag the project has repeats it, which the set may not; so does the 81st.
    assert_eq!(app.put(&format!("{base}/once")).await.status(), 201);
    assert_error(
        app.put(&format!("{base}/once")).await,
        400,
        "has non-unique elements",
    )
    .await;
    let eighty: Vec<String> = (0..80).map(|i| format!("t{i}")).collect();
    assert_eq!(put_tags(&app, &id, json!(eighty)).await.status(), 200);
    assert_error(app.put(&format!("{base}/more")).await, 400, "is too long").await;
    // Nothing changed with the refusals.
    assert_eq!(
        json(app.get(&base).await).await["tags"]
            .as_array()
            .unwrap()
            .len(),
        80
    );
    // The same rules on create and update.
    for body in [json!({"tags": ["a/b"]}), json!({"tags": ["a", "a"]})] {
        let resp = app
            .patch(&format!("/v3/projects/{id}"), json!({ "project": body }))
            .await;
        assert_eq!(resp.status(), 400, "{body}");
    }
}

async fn the_tag_filters_follow_every_change() {
    let app = spawn_app().await;
    let p = create_project(&app, json!({"name": "p", "tags": ["k", "l"]})).await;
    let q = create_project(&app, json!({"name": "q"})).await;
    assert_eq!(listed(&app, "tags=k,l").await, ["p"]);
    assert_eq!(listed(&app, "not-tags-any=k").await, ["admin", "q"]);
    // PUT one tag.
    assert_eq!(
        app.put(&format!("/v3/projects/{q}/tags/k")).await.status(),
        201
    );
    assert_eq!(listed(&app, "tags=k").await, ["p", "q"]);
    assert_eq!(listed(&app, "not-tags=k,l").await, ["admin", "q"]);
    // PATCH the tags.
    let resp = app
        .patch(
            &format!("/v3/projects/{p}"),
            json!({"project": {"tags": ["m"]}}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(listed(&app, "tags=k").await, ["q"]);
    assert_eq!(listed(&app, "tags-any=m,zz").await, ["p"]);
    assert_eq!(indexed(&app, &p), ["m"]);
    // A PATCH without tags leaves them alone.
    let resp = app
        .patch(
            &format!("/v3/projects/{p}"),
            json!({"project": {"description": "d"}}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(indexed(&app, &p), ["m"]);
    // DELETE one, then all.
    assert_eq!(
        app.delete(&format!("/v3/projects/{q}/tags/k"))
            .await
            .status(),
        204
    );
    assert!(listed(&app, "tags=k").await.is_empty());
    assert_eq!(
        app.delete(&format!("/v3/projects/{p}/tags")).await.status(),
        204
    );
    assert!(listed(&app, "tags-any=m,k").await.is_empty());
    // A deleted project leaves no index rows behind.
    assert_eq!(put_tags(&app, &q, json!(["gone"])).await.status(), 200);
    assert_eq!(app.delete(&format!("/v3/projects/{q}")).await.status(), 204);
    assert!(indexed(&app, &q).is_empty());
    // The same tag asked twice counts once.
    assert_eq!(put_tags(&app, &p, json!(["r"])).await.status(), 200);
    assert_eq!(listed(&app, "tags=r,r").await, ["p"]);
}

/// The tag rules: reading as get_project (a reader of the domain, a token on the project),
/// changing as update_project (a manager of the domain).
async fn who_may_read_and_change_tags() {
    let app = spawn_app().await;
    let id = create_project(&app, json!({"name": "ruled", "tags": ["a"]})).await;
    let member = app.create_user("tag-member", "pw-tag-member").await;
    let roles = json(app.get("/v3/roles?name=member").await).await;
    let member_role = roles["roles"][0]["id"].as_str().unwrap().to_string();
    let resp = app
        .put(&format!(
            "/v3/projects/{id}/users/{member}/roles/{member_role}"
        ))
        .await;
    assert_eq!(resp.status(), 204);
    let scoped = {
        let resp = app
            .call(
                Method::POST,
                "/v3/auth/tokens",
                "",
                Some(
                    json!({"auth": {"identity": {"methods": ["password"], "password": {"user":
                    {"id": member, "password": "pw-tag-member"}}},
                    "scope": {"project": {"id": id}}}}),
                ),
            )
            .await;
        assert_eq!(resp.status(), 201);
        resp.headers()["x-subject-token"]
            .to_str()
            .unwrap()
            .to_string()
    };
    let base = format!("/v3/projects/{id}/tags");
    let as_member = |method: Method, path: String, body: Option<Value>| {
        let app = &app;
        let token = scoped.clone();
        async move { app.call(method, &path, &token, body).await.status() }
    };
    assert_eq!(as_member(Method::GET, base.clone(), None).await, 200);
    assert_eq!(as_member(Method::GET, format!("{base}/a"), None).await, 204);
    for (method, path, body) in [
        (Method::PUT, format!("{base}/b"), None),
        (Method::PUT, base.clone(), Some(json!({"tags": ["c"]}))),
        (Method::DELETE, format!("{base}/a"), None),
        (Method::DELETE, base.clone(), None),
    ] {
        assert_eq!(as_member(method, path, body).await, 403);
    }
    // A missing project is a 403 for them, not a 404.
    assert_eq!(
        as_member(Method::GET, "/v3/projects/nope/tags".into(), None).await,
        403
    );
    assert_eq!(json(app.get(&base).await).await["tags"], json!(["a"]));
}

/// The event types the request of `resp` left in the audit trail.
async fn audited(app: &TestApp, resp: reqwest::Response) -> Vec<(String, String)> {
    let id = resp.headers()["x-openstack-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    let body = json(app.get(&format!("/v3/audit-events?request_id={id}")).await).await;
    body["audit_events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["event_type"].as_str().unwrap().to_string(),
                e["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn each_tag_change_is_one_audit_event() {
    let app = spawn_app().await;
    let id = create_project(&app, json!({"name": "audited"})).await;
    let base = format!("/v3/projects/{id}/tags");
    let one = |t: &str, outcome: &str| vec![(t.to_string(), outcome.to_string())];
    let resp = app.put(&format!("{base}/a")).await;
    assert_eq!(
        audited(&app, resp).await,
        one("identity.project.tag.created", "success")
    );
    // A 400 (the tag repeated) changed nothing and is not audited; a refusal (403) is.
    let resp = app.put(&format!("{base}/a")).await;
    assert_eq!(resp.status(), 400);
    assert!(audited(&app, resp).await.is_empty());
    app.create_user("tag-nobody", "pw-tag-nobody").await;
    let nobody = app.login("tag-nobody", "pw-tag-nobody").await;
    let resp = app
        .call(Method::PUT, &format!("{base}/c"), &nobody, None)
        .await;
    assert_eq!(resp.status(), 403);
    assert_eq!(
        audited(&app, resp).await,
        one("identity.project.tag.created", "failure")
    );
    let resp = put_tags(&app, &id, json!(["b"])).await;
    assert_eq!(
        audited(&app, resp).await,
        one("identity.project.updated", "success")
    );
    let resp = app.delete(&format!("{base}/b")).await;
    assert_eq!(
        audited(&app, resp).await,
        one("identity.project.tag.deleted", "success")
    );
    let resp = app.delete(&base).await;
    assert_eq!(
        audited(&app, resp).await,
        one("identity.project.updated", "success")
    );
    // Reads are not audited.
    let resp = app.get(&base).await;
    assert!(audited(&app, resp).await.is_empty());
    // A project acting as a domain is created, and deleted, as a domain.
    let resp = app
        .post(
            "/v3/projects",
            json!({"project": {"name": "audom", "is_domain": true}}),
        )
        .await;
    let id = resp.headers()["x-openstack-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    let created = json(resp).await;
    let body = json(app.get(&format!("/v3/audit-events?request_id={id}")).await).await;
    assert_eq!(
        body["audit_events"][0]["event_type"],
        "identity.domain.created"
    );
    let dom = created["project"]["id"].as_str().unwrap().to_string();
    let resp = app
        .patch(
            &format!("/v3/projects/{dom}"),
            json!({"project": {"enabled": false}}),
        )
        .await;
    assert_eq!(
        audited(&app, resp).await,
        one("identity.project.updated", "success")
    );
    let resp = app.delete(&format!("/v3/projects/{dom}")).await;
    assert_eq!(
        audited(&app, resp).await,
        one("identity.domain.deleted", "success")
    );
}

both_backends!(
    the_tag_routes_list_add_check_replace_and_remove,
    keystones_tag_rules_are_400s,
    the_tag_filters_follow_every_change,
    who_may_read_and_change_tags,
    each_tag_change_is_one_audit_event,
);
