//! The Huawei IAM user-group API: create, show, list, update, delete.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_error, json, spawn_app};

fn assert_group_shape(group: &Value, base: &str) {
    let obj = group.as_object().unwrap();
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort();
    for k in [
        "create_time",
        "description",
        "domain_id",
        "id",
        "links",
        "name",
    ] {
        assert!(keys.contains(&k), "{k} missing from {group}");
    }
    let id = group["id"].as_str().unwrap();
    assert_eq!(id.len(), 32);
    assert!(id
        .chars()
        .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)));
    assert!(group["create_time"].is_i64());
    assert_eq!(
        group["links"],
        json!({"self": format!("{base}/v3/groups/{id}")})
    );
}

async fn create_returns_the_group_with_huawei_extras() {
    let app = spawn_app().await;
    let before = chrono::Utc::now().timestamp_millis();
    let resp = app
        .post(
            "/v3/groups",
            json!({"group": {"name": "IAMGroup", "description": "IAMDescription", "domain_id": "default"}}),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let after = chrono::Utc::now().timestamp_millis();
    let group = json(resp).await["group"].clone();
    assert_group_shape(&group, &app.base);
    assert_eq!(group["name"], "IAMGroup");
    assert_eq!(group["description"], "IAMDescription");
    assert_eq!(group["domain_id"], "default");
    let created = group["create_time"].as_i64().unwrap();
    assert!(
        before <= created && created <= after,
        "{created} in [{before}, {after}]"
    );
    assert_eq!(
        group.as_object().unwrap().len(),
        6,
        "no other fields: {group}"
    );
}

async fn domain_defaults_to_the_token_domain_and_description_to_empty() {
    let app = spawn_app().await;
    let group = app.create_group("defaults").await;
    assert_eq!(group["domain_id"], "default");
    assert_eq!(group["description"], "");
}

async fn a_group_is_the_same_object_in_every_response() {
    let app = spawn_app().await;
    let resp = app
        .post(
            "/v3/groups",
            json!({"group": {"name": "same", "description": "d", "team": {"size": 3}}}),
        )
        .await;
    let created = json(resp).await["group"].clone();
    assert_eq!(
        created["team"],
        json!({"size": 3}),
        "extra attributes round-trip"
    );
    let id = created["id"].as_str().unwrap();

    let shown = json(app.get(&format!("/v3/groups/{id}")).await).await["group"].clone();
    assert_eq!(shown, created);
    let listed = json(app.get("/v3/groups").await).await["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == id)
        .cloned()
        .unwrap();
    assert_eq!(listed, created);

    let user = app.create_user("member1", "pw-member1").await;
    assert_eq!(
        app.put(&format!("/v3/groups/{id}/users/{user}"))
            .await
            .status(),
        204
    );
    let of_user =
        json(app.get(&format!("/v3/users/{user}/groups")).await).await["groups"][0].clone();
    assert_eq!(of_user, created);

    let updated = json(
        app.patch(
            &format!("/v3/groups/{id}"),
            json!({"group": {"description": "d2"}}),
        )
        .await,
    )
    .await["group"]
        .clone();
    let mut expected = created.clone();
    expected["description"] = json!("d2");
    assert_eq!(
        updated, expected,
        "only the description changed; create_time kept"
    );
}

async fn show_unknown_ids_and_names_are_plain_404() {
    let app = spawn_app().await;
    app.create_group("by-name").await;
    let resp = app.get("/v3/groups/0123456789abcdef0123456789abcdef").await;
    assert_error(
        resp,
        404,
        "Could not find group: 0123456789abcdef0123456789abcdef.",
    )
    .await;
    let resp = app.get("/v3/groups/by-name").await;
    assert_error(resp, 404, "Could not find group: by-name.").await;
}

async fn list_filters_by_name_and_domain() {
    let app = spawn_app().await;
    app.create_group("alpha").await;
    app.create_group("beta").await;
    let body = json(app.get("/v3/groups?name=alpha").await).await;
    let groups = body["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0]["name"], "alpha");
    assert_eq!(
        body["links"]["self"],
        format!("{}/v3/groups?name=alpha", app.base)
    );
    assert_eq!(body["links"]["next"], Value::Null);
    assert_eq!(body["links"]["previous"], Value::Null);

    let body = json(app.get("/v3/groups?domain_id=default").await).await;
    assert_eq!(body["groups"].as_array().unwrap().len(), 2);
    let body = json(app.get("/v3/groups?domain_id=elsewhere").await).await;
    assert_eq!(body["groups"].as_array().unwrap().len(), 0);

    let name64 = "n".repeat(64);
    assert_eq!(
        app.get(&format!("/v3/groups?name={name64}")).await.status(),
        200
    );
    let resp = app.get(&format!("/v3/groups?name={name64}x")).await;
    assert_error(resp, 400, "Invalid input for field 'name'").await;
}

async fn names_are_validated_and_trimmed() {
    let app = spawn_app().await;
    let before = app.group_count().await;
    for (body, message) in [
        (json!({"group": {}}), "'name' is a required property"),
        (
            json!({"group": {"name": ""}}),
            "Invalid input for field 'name'",
        ),
        (
            json!({"group": {"name": "   "}}),
            "Invalid input for field 'name'",
        ),
        (
            json!({"group": {"name": "x".repeat(129)}}),
            "Invalid input for field 'name'",
        ),
        (json!({"group": {"name": 42}}), "42 is not of type 'string'"),
        (
            json!({"group": {"name": null}}),
            "null is not of type 'string'",
        ),
        (
            json!({"group": {"name": "ok", "description": "d".repeat(256)}}),
            "Invalid input for field 'description'",
        ),
        (
            json!({"group": {"name": "ok", "description": 7}}),
            "Invalid input for field 'description'",
        ),
        (
            json!({"group": {"name": "ok", "domain_id": "not a valid id"}}),
            "Invalid input for field 'domain_id'",
        ),
        (
            json!({"group": {"name": "ok", "domain_id": 5}}),
            "Invalid input for field 'domain_id'",
        ),
        (
            json!({"name": "unwrapped"}),
            "Expecting to find group in request body",
        ),
        (json!({"group": "flat"}), "Invalid input for field 'group'"),
        (json!([1, 2]), "Expecting to find group in request body"),
    ] {
        let resp = app.post("/v3/groups", body.clone()).await;
        assert_eq!(resp.status(), 400, "{body}");
        assert_error(resp, 400, message).await;
    }
    assert_eq!(app.group_count().await, before, "nothing stored");

    let group = app.create_group("  padded  ").await;
    assert_eq!(group["name"], "padded");
    let long = "é".repeat(128);
    assert_eq!(app.create_group(&long).await["name"], long.as_str());
}

async fn a_missing_domain_is_404() {
    let app = spawn_app().await;
    let resp = app
        .post(
            "/v3/groups",
            json!({"group": {"name": "lost", "domain_id": "nosuchdomain"}}),
        )
        .await;
    assert_error(resp, 404, "Could not find domain: nosuchdomain.").await;
}

async fn duplicate_names_in_a_domain_are_409() {
    let app = spawn_app().await;
    app.create_group("dup").await;
    let resp = app
        .post("/v3/groups", json!({"group": {"name": "dup"}}))
        .await;
    assert_error(
        resp,
        409,
        "Conflict occurred attempting to store group - Duplicate entry found with name dup at domain ID default.",
    )
    .await;
    assert_eq!(app.group_count().await, 1);
}

async fn concurrent_creates_of_one_name_yield_one_group() {
    let app = spawn_app().await;
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let client = app.client.clone();
        let url = app.url("/v3/groups");
        let token = app.admin_token.clone();
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .header("X-Auth-Token", token)
                .json(&json!({"group": {"name": "race"}}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        19,
        "{statuses:?}"
    );
}

async fn update_changes_name_and_description_only() {
    let app = spawn_app().await;
    let group = app.create_group("before").await;
    let id = group["id"].as_str().unwrap();
    let path = format!("/v3/groups/{id}");
    let resp = app
        .patch(
            &path,
            json!({"group": {"name": "after", "description": "new"}}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let updated = json(resp).await["group"].clone();
    assert_eq!(updated["name"], "after");
    assert_eq!(updated["description"], "new");
    assert_eq!(updated["create_time"], group["create_time"]);
    assert_eq!(updated["id"], group["id"]);

    // Same domain id is allowed; another is not; an empty patch is not.
    assert_eq!(
        app.patch(&path, json!({"group": {"domain_id": "default"}}))
            .await
            .status(),
        200
    );
    let resp = app
        .patch(&path, json!({"group": {"domain_id": "other"}}))
        .await;
    assert_error(resp, 400, "Cannot change Domain ID").await;
    let resp = app.patch(&path, json!({"group": {}})).await;
    assert_error(resp, 400, "does not have enough properties").await;
    let resp = app.patch(&path, json!({"group": {"id": "0123"}})).await;
    assert_error(resp, 400, "Cannot change ID").await;
    let resp = app.patch(&path, json!({"group": {"name": ""}})).await;
    assert_error(resp, 400, "Invalid input for field 'name'").await;
    let resp = app.patch(&path, json!({})).await;
    assert_error(resp, 400, "Expecting to find group in request body").await;

    app.create_group("taken").await;
    let resp = app.patch(&path, json!({"group": {"name": "taken"}})).await;
    assert_error(resp, 409, "Duplicate entry found with name taken").await;

    let shown = json(app.get(&path).await).await["group"].clone();
    assert_eq!(shown["name"], "after", "failed updates changed nothing");

    let resp = app
        .patch(
            "/v3/groups/0123456789abcdef0123456789abcdef",
            json!({"group": {"name": "x"}}),
        )
        .await;
    assert_error(resp, 404, "Could not find group").await;
}

async fn delete_removes_the_group_and_its_memberships() {
    let app = spawn_app().await;
    let group = app.create_group("doomed").await;
    let id = group["id"].as_str().unwrap();
    let user = app.create_user("carl", "carl-pw-1").await;
    assert_eq!(
        app.put(&format!("/v3/groups/{id}/users/{user}"))
            .await
            .status(),
        204
    );

    let resp = app.delete(&format!("/v3/groups/{id}")).await;
    assert_eq!(resp.status(), 204);
    assert!(resp.bytes().await.unwrap().is_empty());
    assert_error(
        app.get(&format!("/v3/groups/{id}")).await,
        404,
        "Could not find group",
    )
    .await;
    assert_error(
        app.delete(&format!("/v3/groups/{id}")).await,
        404,
        "Could not find group",
    )
    .await;
    let groups = json(app.get(&format!("/v3/users/{user}/groups")).await).await;
    assert_eq!(groups["groups"], json!([]));
    // The name is free again.
    app.create_group("doomed").await;
}

async fn members_without_admin_are_forbidden_to_manage_groups() {
    let app = spawn_app().await;
    let group = app.create_group("staff").await;
    let id = group["id"].as_str().unwrap();
    app.create_user("dora", "dora-pw-1").await;
    let dora = app.login("dora", "dora-pw-1").await;
    for (method, path, body) in [
        (Method::GET, "/v3/groups".to_string(), None),
        (
            Method::POST,
            "/v3/groups".to_string(),
            Some(json!({"group": {"name": "mine"}})),
        ),
        (Method::GET, format!("/v3/groups/{id}"), None),
        (
            Method::PATCH,
            format!("/v3/groups/{id}"),
            Some(json!({"group": {"name": "x"}})),
        ),
        (Method::DELETE, format!("/v3/groups/{id}"), None),
        (Method::GET, format!("/v3/groups/{id}/users"), None),
        (
            Method::PUT,
            format!("/v3/groups/{id}/users/{}", app.admin_id),
            None,
        ),
        (
            Method::DELETE,
            format!("/v3/groups/{id}/users/{}", app.admin_id),
            None,
        ),
    ] {
        let resp = app.call(method.clone(), &path, &dora, body).await;
        assert_eq!(resp.status(), 403, "{method} {path}");
        assert_error(
            resp,
            403,
            "You are not authorized to perform the requested action",
        )
        .await;
    }
    assert_eq!(app.group_count().await, 1);
}

both_backends!(
    create_returns_the_group_with_huawei_extras,
    domain_defaults_to_the_token_domain_and_description_to_empty,
    a_group_is_the_same_object_in_every_response,
    show_unknown_ids_and_names_are_plain_404,
    list_filters_by_name_and_domain,
    names_are_validated_and_trimmed,
    a_missing_domain_is_404,
    duplicate_names_in_a_domain_are_409,
    concurrent_creates_of_one_name_yield_one_group,
    update_changes_name_and_description_only,
    delete_removes_the_group_and_its_memberships,
    members_without_admin_are_forbidden_to_manage_groups,
);
