//! The audit trail: each kind of change, through either face, is exactly one event with
//! who, what, target, outcome and request id; reads are none; failed logins and refused
//! changes are failure events; `GET /v3/audit-events` is for admins, with filters and pages;
//! `IAM_GROUPS_AUDIT_LOG` writes the same events as JSON lines.

use reqwest::{Method, Response};
use serde_json::{json, Value};

use crate::helpers::{json, password_auth, spawn_app, spawn_app_with, TestApp, ADMIN_PASSWORD};

/// The request id a response carries.
fn request_id(resp: &Response) -> String {
    resp.headers()["x-openstack-request-id"]
        .to_str()
        .expect("request id")
        .to_string()
}

/// The events of one request.
async fn events_of(app: &TestApp, request_id: &str) -> Vec<Value> {
    let body = json(
        app.get(&format!("/v3/audit-events?request_id={request_id}"))
            .await,
    )
    .await;
    body["audit_events"].as_array().expect("events").clone()
}

/// Runs `call`, checks its status, and that it left exactly one event of `event_type`
/// with `outcome`; returns that event.
async fn one_event(
    app: &TestApp,
    resp: Response,
    status: u16,
    event_type: &str,
    outcome: &str,
) -> Value {
    let id = request_id(&resp);
    let got = resp.status().as_u16();
    let body = resp.text().await.expect("body");
    assert_eq!(got, status, "{event_type}: {body}");
    let events = events_of(app, &id).await;
    assert_eq!(events.len(), 1, "{event_type}: {events:?}");
    let event = events[0].clone();
    assert_eq!(event["event_type"], event_type, "{event}");
    assert_eq!(event["outcome"], outcome, "{event}");
    assert_eq!(event["request_id"], id.as_str());
    assert_eq!(
        event["typeURI"],
        "http://schemas.dmtf.org/cloud/audit/1.0/event"
    );
    assert_eq!(event["status"], status);
    event
}

async fn each_kind_of_change_is_exactly_one_event() {
    let app = spawn_app().await;
    let admin = app.admin_id.clone();
    let t = app.admin_token.clone();
    let call = |method: Method, path: &str, body: Option<Value>| {
        let (app, path, t) = (&app, path.to_string(), t.clone());
        async move { app.call(method, &path, &t, body).await }
    };

    // Groups and memberships.
    let resp = call(
        Method::POST,
        "/v3/groups",
        Some(json!({"group": {"name": "g1"}})),
    )
    .await;
    let e = one_event(&app, resp, 201, "identity.group.created", "success").await;
    let gid = e["target"]["id"]
        .as_str()
        .expect("new group id")
        .to_string();
    assert_eq!(e["target"]["type"], "group");
    assert_eq!(e["initiator"]["id"], admin.as_str());
    assert_eq!(e["action"], "create");
    assert_eq!(
        json(app.get(&format!("/v3/groups/{gid}")).await).await["group"]["name"],
        "g1"
    );
    let resp = call(
        Method::PATCH,
        &format!("/v3/groups/{gid}"),
        Some(json!({"group": {"description": "d"}})),
    )
    .await;
    let e = one_event(&app, resp, 200, "identity.group.updated", "success").await;
    assert_eq!(e["target"]["id"], gid.as_str());
    let uid = app.create_user("dora", "dora-password-1").await;
    let membership = format!("/v3/groups/{gid}/users/{uid}");
    let resp = call(Method::PUT, &membership, None).await;
    let e = one_event(&app, resp, 204, "identity.group.user.created", "success").await;
    assert_eq!(e["target"]["path"], membership.as_str());
    assert_eq!(e["target"]["id"], uid.as_str());
    let resp = call(Method::DELETE, &membership, None).await;
    one_event(&app, resp, 204, "identity.group.user.deleted", "success").await;

    // Users, passwords, grants.
    let resp = call(
        Method::PATCH,
        &format!("/v3/users/{uid}"),
        Some(json!({"user": {"description": "x"}})),
    )
    .await;
    one_event(&app, resp, 200, "identity.user.updated", "success").await;
    let dora = app.login("dora", "dora-password-1").await;
    let resp = app
        .call(
            Method::POST,
            &format!("/v3/users/{uid}/password"),
            &dora,
            Some(json!({"user": {"original_password": "dora-password-1",
                                  "password": "dora-password-2"}})),
        )
        .await;
    let e = one_event(&app, resp, 204, "identity.user.password.updated", "success").await;
    assert_eq!(e["initiator"]["id"], uid.as_str());
    let roles = json(app.get("/v3/roles?name=member").await).await;
    let member_role = roles["roles"][0]["id"]
        .as_str()
        .expect("member role")
        .to_string();
    let grant = format!(
        "/v3/projects/{}/groups/{gid}/roles/{member_role}",
        app.admin_project_id
    );
    let resp = call(Method::PUT, &grant, None).await;
    one_event(
        &app,
        resp,
        204,
        "identity.project.group.role.created",
        "success",
    )
    .await;
    let resp = call(Method::DELETE, &grant, None).await;
    one_event(
        &app,
        resp,
        204,
        "identity.project.group.role.deleted",
        "success",
    )
    .await;
    let resp = call(
        Method::POST,
        "/v3/projects",
        Some(json!({"project": {"name": "p1"}})),
    )
    .await;
    one_event(&app, resp, 201, "identity.project.created", "success").await;

    // Tokens: issue, a failed login, revoke.
    let resp = app
        .call(
            Method::POST,
            "/v3/auth/tokens",
            "",
            Some(password_auth("dora", "dora-password-2")),
        )
        .await;
    let fresh = resp.headers()["x-subject-token"]
        .to_str()
        .expect("token")
        .to_string();
    let e = one_event(&app, resp, 201, "identity.authenticate", "success").await;
    assert_eq!(e["initiator"]["id"], uid.as_str());
    assert_eq!(e["target"]["id"], uid.as_str());
    let resp = app
        .call(
            Method::POST,
            "/v3/auth/tokens",
            "",
            Some(password_auth("dora", "wrong password")),
        )
        .await;
    let e = one_event(&app, resp, 401, "identity.authenticate", "failure").await;
    assert!(e["initiator"]["id"].is_null(), "{e}");
    let resp = app
        .client
        .delete(app.url("/v3/auth/tokens"))
        .header("X-Auth-Token", &t)
        .header("X-Subject-Token", &fresh)
        .send()
        .await
        .expect("revoke");
    one_event(&app, resp, 204, "identity.token.deleted", "success").await;

    // A change policy refuses is a failure event of the one who tried.
    let dora = app.login("dora", "dora-password-2").await;
    let resp = app
        .call(
            Method::POST,
            "/v3/groups",
            &dora,
            Some(json!({"group": {"name": "not-allowed"}})),
        )
        .await;
    let e = one_event(&app, resp, 403, "identity.group.created", "failure").await;
    assert_eq!(e["initiator"]["id"], uid.as_str());

    // Access keys and the Baidu face.
    let resp = call(
        Method::POST,
        "/v3.0/OS-CREDENTIAL/credentials",
        Some(json!({"credential": {"user_id": uid}})),
    )
    .await;
    let id = request_id(&resp);
    let body = json(resp).await;
    let access = body["credential"]["access"]
        .as_str()
        .expect("ak")
        .to_string();
    let secret = body["credential"]["secret"]
        .as_str()
        .expect("sk")
        .to_string();
    let events = events_of(&app, &id).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["event_type"], "identity.credential.created");
    assert_eq!(events[0]["target"]["id"], access.as_str());
    assert!(!events.iter().any(|e| e.to_string().contains(&secret)));
    let resp = call(Method::POST, "/v1/group", Some(json!({"name": "b1"}))).await;
    let e = one_event(&app, resp, 201, "identity.group.created", "success").await;
    assert_eq!(e["target"]["path"], "/v1/group");
    let resp = call(
        Method::PUT,
        &format!("/v1/user/dora/accesskey/{access}?disable"),
        None,
    )
    .await;
    let e = one_event(
        &app,
        resp,
        200,
        "identity.user.accesskey.updated",
        "success",
    )
    .await;
    assert_eq!(e["target"]["id"], access.as_str());
    let resp = call(Method::DELETE, "/v1/group/b1", None).await;
    one_event(&app, resp, 204, "identity.group.deleted", "success").await;
    let resp = call(Method::DELETE, &format!("/v3/groups/{gid}"), None).await;
    one_event(&app, resp, 204, "identity.group.deleted", "success").await;

    // Reads and plain failures are not events.
    for resp in [
        call(Method::GET, "/v3/groups", None).await,
        call(Method::HEAD, "/v3/users", None).await,
        call(Method::GET, "/v1/group", None).await,
        call(Method::DELETE, "/v3/groups/no-such-group", None).await,
        call(Method::POST, "/v3/groups", Some(json!({"nope": 1}))).await,
    ] {
        let id = request_id(&resp);
        assert!(events_of(&app, &id).await.is_empty(), "{}", resp.url());
    }
}

async fn the_trail_is_for_admins_and_filters_and_pages() {
    let app = spawn_app().await;
    for i in 0..5 {
        app.create_group(&format!("f{i}")).await;
    }
    app.create_user("erin", "erin-password-1").await;
    let erin = app.login("erin", "erin-password-1").await;
    let resp = app.call(Method::GET, "/v3/audit-events", &erin, None).await;
    assert_eq!(resp.status(), 403);

    let created = json(
        app.get("/v3/audit-events?event_type=identity.group.created&limit=2")
            .await,
    )
    .await;
    let page = created["audit_events"].as_array().expect("events");
    assert_eq!(page.len(), 2);
    assert_eq!(created["truncated"], true);
    // The next link works and continues in order.
    let next = created["links"]["next"]
        .as_str()
        .expect("next link")
        .to_string();
    let rest = json(
        app.client
            .get(&next)
            .header("X-Auth-Token", &app.admin_token)
            .send()
            .await
            .expect("next"),
    )
    .await;
    let rest = rest["audit_events"].as_array().expect("events");
    assert_eq!(rest.len(), 2);
    assert!(rest[0]["id"].as_str() > page[1]["id"].as_str());
    let all = json(
        app.get("/v3/audit-events?event_type=identity.group.created")
            .await,
    )
    .await;
    let times: Vec<&str> = all["audit_events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["occurred_at"].as_str().expect("time"))
        .collect();
    assert_eq!(times.len(), 5);
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");

    let by_initiator = json(
        app.get(&format!(
            "/v3/audit-events?initiator_id={}&outcome=success",
            app.admin_id
        ))
        .await,
    )
    .await;
    assert!(
        by_initiator["audit_events"]
            .as_array()
            .expect("events")
            .len()
            >= 6
    );
    let since = times[2];
    let later = json(
        app.get(&format!(
            "/v3/audit-events?event_type=identity.group.created&since={since}"
        ))
        .await,
    )
    .await;
    assert_eq!(later["audit_events"].as_array().expect("events").len(), 3);
    let resp = app.get("/v3/audit-events?since=yesterday").await;
    assert_eq!(resp.status(), 400);
}

async fn the_audit_log_file_has_the_same_events_as_json_lines() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("audit/events.jsonl");
    let app = spawn_app_with(&[("IAM_GROUPS_AUDIT_LOG", path.to_str().expect("path"))]).await;
    app.create_group("logged").await;
    let bad = app
        .call(
            Method::POST,
            "/v3/auth/tokens",
            "",
            Some(password_auth("admin", "not the password")),
        )
        .await;
    assert_eq!(bad.status(), 401);
    let listed = json(app.get("/v3/audit-events").await).await;
    let events = listed["audit_events"].as_array().expect("events").clone();
    let text = std::fs::read_to_string(&path).expect("audit log");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines, events);
    assert!(!text.contains(&app.admin_token));
    assert!(!text.contains(ADMIN_PASSWORD));
    assert!(!text.contains("not the password"));
}

both_backends!(
    each_kind_of_change_is_exactly_one_event,
    the_trail_is_for_admins_and_filters_and_pages,
    the_audit_log_file_has_the_same_events_as_json_lines,
);
