//! Hostile input (issue 7, "Bad input"): every string field of every create and update body,
//! on both faces, gets each hostile value; raw bytes that reqwest will not send (invalid
//! UTF-8 in paths and bodies); deep nesting, huge numbers, duplicate keys, wrong content
//! types, 10 MB bodies and slow clients. Each answer is a 4xx in the face's error shape
//! (nothing stored) or a 2xx whose value a later GET returns byte for byte; never a 5xx.
//!
//! Duplicate keys: the last one wins, as serde_json (and Keystone's Python `json`) keep it.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{json, spawn_app, spawn_app_with, TestApp};

/// The hostile strings, each with a label for the report.
fn hostile_strings() -> Vec<(&'static str, String)> {
    vec![
        ("empty", String::new()),
        ("10k chars", "x".repeat(10_000)),
        ("129 two-byte chars", "é".repeat(129)),
        ("128 four-byte chars", "🦀".repeat(128)),
        ("NUL inside", "a\0b".into()),
        ("NUL alone", "\0".into()),
        ("RTL override", "\u{202E}txt.exe\u{202C}".into()),
        ("bidi marks", "\u{200F}שלום\u{200E} abc".into()),
        ("emoji ZWJ", "👨‍👩‍👧‍👦🏳️‍🌈".into()),
        (
            "combining marks",
            "Z\u{0351}\u{0368}a\u{036D}\u{0301}l\u{0300}g\u{0489}o".into(),
        ),
        ("BOM, zero widths", "\u{FEFF}a\u{200B}b\u{2060}".into()),
        ("noncharacters", "\u{FFFE}\u{FFFF}\u{10FFFF}".into()),
        ("C0 and DEL", "a\u{1}\u{1b}[31mred\u{7f}".into()),
        ("CR LF", "line1\r\nline2\n".into()),
        ("unicode spaces only", "\u{3000}\u{2028}\u{00A0}".into()),
        ("padded", "  padded  ".into()),
        ("SQL quote", "'; DROP TABLE groups; --".into()),
        ("SQL or", "\" OR \"1\"=\"1".into()),
        ("LIKE wildcards", "%_\\%".into()),
        ("JSON injection", "\",\"id\":\"forged\",\"x\":\"".into()),
        ("JSON text", "{\"group\":{\"name\":\"inner\"}}".into()),
        ("HTML", "<script>alert(1)</script>".into()),
        ("format strings", "%s%n%x{0}${jndi:ldap://x/a}".into()),
        ("path traversal", "../../etc/passwd".into()),
        ("URL characters", "a/b?c=d#e&f;g".into()),
        ("backslashes", "C:\\Windows\\System32".into()),
    ]
}

/// What a field holds, so that an accepted value can be read back and compared.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// Stored exactly as given.
    Verbatim,
    /// Keystone's names: surrounding white space trimmed, the rest kept exactly.
    Name,
    /// One of `tags`.
    Tag,
    /// A password: never returned; an accepted one must log in.
    Password,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Face {
    Keystone,
    Baidu,
}

/// One create/update route of the table.
struct Resource {
    label: &'static str,
    face: Face,
    /// The collection: POST to create, GET to count, `{collection}/{id}` to read one.
    collection: &'static str,
    /// The key of the list in the collection's GET.
    list_key: &'static str,
    /// `{"group": {...}}` on Keystone's face; Baidu's bodies are the object itself.
    wrapper: Option<&'static str>,
    /// The field that identifies a created resource (`id`; `access` for a credential).
    id_field: &'static str,
    /// How to update: PATCH, or PUT for Huawei's credentials and Baidu's face.
    update: Method,
    /// The string fields under test.
    fields: &'static [(&'static str, Kind)],
}

/// A valid object for `resource`, unique by `n`.
fn valid_object(resource: &Resource, n: usize, fixtures: &Fixtures) -> Value {
    match resource.label {
        "group" => json!({"name": format!("g{n}")}),
        "user" => json!({"name": format!("u{n}")}),
        "project" => json!({"name": format!("p{n}")}),
        "domain" => json!({"name": format!("d{n}")}),
        "role" => json!({"name": format!("r{n}")}),
        "region" => json!({"id": format!("region-{n}")}),
        "service" => json!({"type": format!("type{n}")}),
        "endpoint" => json!({"service_id": fixtures.service_id, "interface": "public",
                             "url": format!("http://e{n}.example")}),
        "credential" => json!({"user_id": fixtures.user_id}),
        "v1 group" => json!({"name": format!("bg{n}")}),
        "v1 user" => json!({"name": format!("bu{n}")}),
        other => panic!("no valid body for {other}"),
    }
}

fn resources() -> Vec<Resource> {
    use Kind::*;
    let patch = || Method::PATCH;
    vec![
        Resource {
            label: "group",
            face: Face::Keystone,
            collection: "/v3/groups",
            list_key: "groups",
            wrapper: Some("group"),
            id_field: "id",
            update: patch(),
            fields: &[
                ("name", Name),
                ("description", Verbatim),
                ("domain_id", Verbatim),
                ("x_attr", Verbatim),
            ],
        },
        Resource {
            label: "user",
            face: Face::Keystone,
            collection: "/v3/users",
            list_key: "users",
            wrapper: Some("user"),
            id_field: "id",
            update: patch(),
            fields: &[
                ("name", Name),
                ("description", Verbatim),
                ("password", Password),
                ("default_project_id", Verbatim),
                ("domain_id", Verbatim),
                ("x_attr", Verbatim),
            ],
        },
        Resource {
            label: "project",
            face: Face::Keystone,
            collection: "/v3/projects",
            list_key: "projects",
            wrapper: Some("project"),
            id_field: "id",
            update: patch(),
            fields: &[
                ("name", Name),
                ("description", Verbatim),
                ("domain_id", Verbatim),
                ("parent_id", Verbatim),
                ("tags", Tag),
                ("x_attr", Verbatim),
            ],
        },
        Resource {
            label: "domain",
            face: Face::Keystone,
            collection: "/v3/domains",
            list_key: "domains",
            wrapper: Some("domain"),
            id_field: "id",
            update: patch(),
            fields: &[
                ("name", Name),
                ("description", Verbatim),
                ("tags", Tag),
                ("x_attr", Verbatim),
            ],
        },
        Resource {
            label: "role",
            face: Face::Keystone,
            collection: "/v3/roles",
            list_key: "roles",
            wrapper: Some("role"),
            id_field: "id",
            update: patch(),
            fields: &[
                ("name", Name),
                ("description", Verbatim),
                ("domain_id", Verbatim),
            ],
        },
        Resource {
            label: "region",
            face: Face::Keystone,
            collection: "/v3/regions",
            list_key: "regions",
            wrapper: Some("region"),
            id_field: "id",
            update: patch(),
            fields: &[
                ("id", Verbatim),
                ("description", Verbatim),
                ("parent_region_id", Verbatim),
                ("x_attr", Verbatim),
            ],
        },
        Resource {
            label: "service",
            face: Face::Keystone,
            collection: "/v3/services",
            list_key: "services",
            wrapper: Some("service"),
            id_field: "id",
            update: patch(),
            fields: &[
                ("type", Verbatim),
                ("name", Verbatim),
                ("description", Verbatim),
            ],
        },
        Resource {
            label: "endpoint",
            face: Face::Keystone,
            collection: "/v3/endpoints",
            list_key: "endpoints",
            wrapper: Some("endpoint"),
            id_field: "id",
            update: patch(),
            fields: &[
                ("url", Verbatim),
                ("interface", Verbatim),
                ("service_id", Verbatim),
                ("region_id", Verbatim),
                ("x_attr", Verbatim),
            ],
        },
        Resource {
            label: "credential",
            face: Face::Keystone,
            collection: "/v3.0/OS-CREDENTIAL/credentials",
            list_key: "credentials",
            wrapper: Some("credential"),
            id_field: "access",
            update: Method::PUT,
            fields: &[
                ("user_id", Verbatim),
                ("description", Verbatim),
                ("status", Verbatim),
            ],
        },
        Resource {
            label: "v1 group",
            face: Face::Baidu,
            collection: "/v1/group",
            list_key: "groups",
            wrapper: None,
            id_field: "name",
            update: Method::PUT,
            fields: &[("name", Name), ("description", Verbatim)],
        },
        Resource {
            label: "v1 user",
            face: Face::Baidu,
            collection: "/v1/user",
            list_key: "users",
            wrapper: None,
            id_field: "name",
            update: Method::PUT,
            fields: &[("name", Name), ("description", Verbatim)],
        },
    ]
}

/// Whether a field is read by a create (`true`) or an update of the resource: a
/// credential's `user_id` only on create, its `status` only on update.
fn applies(resource: &Resource, field: &str, create: bool) -> bool {
    match (resource.label, field) {
        ("credential", "user_id") => create,
        ("credential", "status") => !create,
        _ => true,
    }
}

/// A field that names another resource, where an unknown value may be a 404.
fn is_reference(field: &str) -> bool {
    field.ends_with("_id")
}

/// What the table needs to exist first.
struct Fixtures {
    service_id: String,
    user_id: String,
}

/// Percent-encodes everything but RFC 3986's unreserved characters, for names in paths.
fn encode_path_segment(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Checks an error body against its face's shape; returns a complaint if it is wrong.
fn error_shape_problem(face: Face, status: u16, body: &Value) -> Option<String> {
    match face {
        Face::Keystone => {
            let error = body.get("error").and_then(Value::as_object)?;
            let ok = error.len() == 3
                && error.get("code") == Some(&json!(status))
                && error.get("message").is_some_and(Value::is_string)
                && error.get("title").is_some_and(Value::is_string);
            (!ok).then(|| format!("not Keystone's error shape: {body}"))
        }
        Face::Baidu => {
            let ok = body.as_object().is_some_and(|o| o.len() == 3)
                && ["code", "message", "requestId"]
                    .iter()
                    .all(|k| body.get(k).is_some_and(Value::is_string));
            (!ok).then(|| format!("not Baidu's error shape: {body}"))
        }
    }
    .or_else(|| {
        let missing = match face {
            Face::Keystone => body.get("error").and_then(Value::as_object).is_none(),
            Face::Baidu => false,
        };
        missing.then(|| format!("no error object: {body}"))
    })
}

/// Sends `body` (the object, wrapped as the face wants) and returns status and JSON.
async fn send(
    app: &TestApp,
    resource: &Resource,
    method: Method,
    path: &str,
    object: Value,
) -> (u16, Value) {
    let body = match resource.wrapper {
        Some(key) => json!({ key: object }),
        None => object,
    };
    let resp = app.call(method, path, &app.admin_token, Some(body)).await;
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}

/// The resource object of a create, update or show answer.
fn object_of<'a>(resource: &Resource, body: &'a Value) -> &'a Value {
    match resource.wrapper {
        Some(key) => &body[key],
        None => body,
    }
}

/// The URL that shows one resource.
fn show_path(resource: &Resource, object: &Value) -> String {
    let id = object[resource.id_field].as_str().expect("id of created");
    format!("{}/{}", resource.collection, encode_path_segment(id))
}

async fn count(app: &TestApp, resource: &Resource, path: &str) -> usize {
    let body = json(app.get(path).await).await;
    body[resource.list_key]
        .as_array()
        .unwrap_or_else(|| panic!("{} list: {body}", resource.label))
        .len()
}

/// What a later GET must say for `value` given in a field of `kind`.
fn expected(kind: Kind, value: &str) -> Value {
    match kind {
        Kind::Verbatim => json!(value),
        Kind::Name => json!(value.trim()),
        Kind::Tag => json!([value]),
        Kind::Password => Value::Null,
    }
}

fn field_value(kind: Kind, value: &str) -> Value {
    match kind {
        Kind::Tag => json!([value]),
        _ => json!(value),
    }
}

/// Tallies of the table, printed when the test ends.
#[derive(Default)]
struct Tally {
    cases: usize,
    accepted: usize,
    refused: usize,
    problems: Vec<String>,
}

impl Tally {
    fn problem(&mut self, what: String) {
        eprintln!("PROBLEM: {what}");
        self.problems.push(what);
    }
}

/// Checks one answer to a create; returns the created object if it was accepted.
#[allow(clippy::too_many_arguments)]
async fn check_answer(
    app: &TestApp,
    resource: &Resource,
    field: &str,
    kind: Kind,
    label: &str,
    value: &str,
    (status, body): (u16, Value),
    before: &Value,
    tally: &mut Tally,
) -> Option<Value> {
    let case = format!("{} {field} = {label}", resource.label);
    tally.cases += 1;
    match status {
        200..=299 => {
            tally.accepted += 1;
            let created = object_of(resource, &body).clone();
            let shown = json(app.get(&show_path(resource, &created)).await).await;
            let shown = object_of(resource, &shown);
            if kind == Kind::Password {
                return Some(created);
            }
            let got = match kind {
                Kind::Tag => &shown["tags"],
                _ => &shown[field],
            };
            if got != &expected(kind, value) {
                tally.problem(format!(
                    "{case}: accepted but read back as {got} (wanted {})",
                    expected(kind, value)
                ));
            }
            Some(created)
        }
        400..=499 => {
            tally.refused += 1;
            if status == 404 && before.is_null() && !is_reference(field) {
                tally.problem(format!("{case}: a create answered 404: {body}"));
            }
            if let Some(p) = error_shape_problem(resource.face, status, &body) {
                tally.problem(format!("{case}: {status} {p}"));
            }
            if !before.is_null() {
                // An update that was refused changed nothing.
                let now = json(app.get(&show_path(resource, before)).await).await;
                if object_of(resource, &now) != before {
                    tally.problem(format!(
                        "{case}: refused with {status} but the resource changed: {now}"
                    ));
                }
            }
            None
        }
        _ => {
            tally.problem(format!("{case}: {status} {body}"));
            None
        }
    }
}

async fn setup(app: &TestApp) -> Fixtures {
    let service = json(
        app.post("/v3/services", json!({"service": {"type": "fixture"}}))
            .await,
    )
    .await;
    let user_id = app.create_user("fixture-user", "fixture-pw-1").await;
    Fixtures {
        service_id: service["service"]["id"].as_str().expect("service").into(),
        user_id,
    }
}

/// Every hostile string in every string field of every create and update body.
async fn every_field_of_every_body_takes_every_hostile_string() {
    let app = spawn_app_with(&[("IAM_GROUPS_IDENTITY__LIST_LIMIT", "0")]).await;
    let fixtures = setup(&app).await;
    let values = hostile_strings();
    let mut tally = Tally::default();
    let mut n = 0;
    for resource in resources() {
        let mut per_route = (0, 0);
        for &(field, kind) in resource.fields {
            // Creates: a valid body with one field made hostile.
            for (label, value) in &values {
                if !applies(&resource, field, true) {
                    continue;
                }
                n += 1;
                let mut object = valid_object(&resource, n, &fixtures);
                let counted = match resource.label {
                    // Two access keys at most per user, and lists are per user.
                    "credential" => {
                        let made = json(
                            app.post("/v3/users", json!({"user": {"name": format!("owner{n}")}}))
                                .await,
                        )
                        .await;
                        let owner = made["user"]["id"].as_str().expect("owner").to_string();
                        if field != "user_id" {
                            object["user_id"] = json!(owner);
                        }
                        format!("{}?user_id={owner}", resource.collection)
                    }
                    _ => resource.collection.to_string(),
                };
                let before_count = count(&app, &resource, &counted).await;
                object[field] = field_value(kind, value);
                let answer = send(
                    &app,
                    &resource,
                    Method::POST,
                    resource.collection,
                    object.clone(),
                )
                .await;
                let accepted = (200..300).contains(&answer.0);
                let created = check_answer(
                    &app,
                    &resource,
                    field,
                    kind,
                    label,
                    value,
                    answer,
                    &Value::Null,
                    &mut tally,
                )
                .await;
                let after_count = count(&app, &resource, &counted).await;
                let wanted = before_count + usize::from(accepted);
                if after_count != wanted {
                    tally.problem(format!(
                        "{} {field} = {label}: {after_count} stored, wanted {wanted}",
                        resource.label
                    ));
                }
                if kind == Kind::Password && created.is_some() {
                    let resp = app
                        .call(
                            Method::POST,
                            "/v3/auth/tokens",
                            "",
                            Some(crate::helpers::password_auth(
                                object["name"].as_str().unwrap_or_default(),
                                value,
                            )),
                        )
                        .await;
                    if resp.status() != 201 {
                        tally.problem(format!(
                            "password {label} accepted but does not log in: {}",
                            resp.status()
                        ));
                    }
                }
                if accepted {
                    per_route.0 += 1;
                } else {
                    per_route.1 += 1;
                }
            }
            // Updates: one resource, each field made hostile in turn.
            if !applies(&resource, field, false) {
                continue;
            }
            n += 1;
            let object = valid_object(&resource, n, &fixtures);
            let (status, body) =
                send(&app, &resource, Method::POST, resource.collection, object).await;
            assert!(
                (200..300).contains(&status),
                "{}: {status} {body}",
                resource.label
            );
            let mut current = object_of(&resource, &body).clone();
            // What a GET shows now, to compare a refused update against.
            for (label, value) in &values {
                let shown = json(app.get(&show_path(&resource, &current)).await).await;
                let before = object_of(&resource, &shown).clone();
                let mut change = json!({});
                change[field] = field_value(kind, value);
                if resource.face == Face::Baidu && field == "description" {
                    // Baidu's update bodies carry the name too.
                    change["name"] = before["name"].clone();
                }
                let path = show_path(&resource, &current);
                let answer = send(&app, &resource, resource.update.clone(), &path, change).await;
                let accepted = (200..300).contains(&answer.0);
                if let Some(updated) = check_answer(
                    &app, &resource, field, kind, label, value, answer, &before, &mut tally,
                )
                .await
                {
                    current = updated;
                }
                if accepted {
                    per_route.0 += 1;
                } else {
                    per_route.1 += 1;
                }
            }
        }
        eprintln!(
            "hostile strings: {:<12} {:>4} accepted {:>4} refused",
            resource.label, per_route.0, per_route.1
        );
    }
    eprintln!(
        "hostile strings: {} cases, {} accepted and read back, {} refused, {} problems",
        tally.cases,
        tally.accepted,
        tally.refused,
        tally.problems.len()
    );
    assert!(
        tally.problems.is_empty(),
        "{} problems:\n{}",
        tally.problems.len(),
        tally.problems.join("\n")
    );
}

// ---- raw HTTP: bytes reqwest will not send ----

/// Sends `request` as is on a fresh connection and returns the status and the body, or
/// `None` when the server closed the connection without an answer.
fn raw_exchange(address: SocketAddr, request: &[u8]) -> Option<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    stream.write_all(request).expect("write");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    parse_answer(&answer)
}

fn parse_answer(answer: &[u8]) -> Option<(u16, Vec<u8>)> {
    let text = String::from_utf8_lossy(answer);
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n")?;
    Some((status, answer[split + 4..].to_vec()))
}

fn address(app: &TestApp) -> SocketAddr {
    app.base
        .trim_start_matches("http://")
        .parse()
        .expect("address")
}

/// A raw request with the admin token, `Connection: close`, and `body` if any.
fn raw_request(app: &TestApp, method: &str, path: &[u8], body: Option<&[u8]>) -> Vec<u8> {
    let mut request = Vec::new();
    request.extend_from_slice(method.as_bytes());
    request.push(b' ');
    request.extend_from_slice(path);
    request.extend_from_slice(b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    request.extend_from_slice(format!("X-Auth-Token: {}\r\n", app.admin_token).as_bytes());
    if let Some(body) = body {
        request.extend_from_slice(
            format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            )
            .as_bytes(),
        );
    }
    request.extend_from_slice(b"\r\n");
    if let Some(body) = body {
        request.extend_from_slice(body);
    }
    request
}

/// Asserts a 4xx in the face's shape from a raw answer.
fn assert_raw_refusal(face: Face, what: &str, answer: Option<(u16, Vec<u8>)>) -> u16 {
    let (status, body) = answer.unwrap_or_else(|| panic!("{what}: no answer"));
    assert!((400..500).contains(&status), "{what}: {status}");
    let body: Value = serde_json::from_slice(&body)
        .unwrap_or_else(|_| panic!("{what}: {status} body not JSON: {body:?}"));
    if let Some(p) = error_shape_problem(face, status, &body) {
        panic!("{what}: {status} {p}");
    }
    status
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.expect("thread")
}

/// Invalid UTF-8 in paths, raw and percent-encoded, and in queries, on both faces.
async fn invalid_utf8_in_paths_is_a_4xx_in_the_face_shape() {
    let app = spawn_app().await;
    let addr = address(&app);
    let cases: &[(Face, &[u8])] = &[
        (Face::Keystone, b"/v3/groups/%FF%FE"),
        (Face::Keystone, b"/v3/groups/%C0%AF"),
        (Face::Keystone, b"/v3/groups/%ED%A0%80"),
        (Face::Keystone, b"/v3/users/%FF/groups"),
        (Face::Keystone, b"/v3/groups?marker=%FF%FE"),
        (Face::Baidu, b"/v1/group/%FF%FE"),
        (Face::Baidu, b"/v1/user/%C3%28/group"),
    ];
    for (face, path) in cases {
        let request = raw_request(&app, "GET", path, None);
        let answer = blocking(move || raw_exchange(addr, &request)).await;
        let what = String::from_utf8_lossy(path).into_owned();
        let status = assert_raw_refusal(*face, &what, answer);
        eprintln!("invalid UTF-8 in path {what:?}: {status}");
    }
    // Raw bytes above 0x7F in the request line are not HTTP (RFC 9112 wants ASCII there):
    // actix-web's parser answers a bare 400 and closes before any route sees the request,
    // so this one 400 has no body in either face's shape.
    for path in [
        &b"/v3/groups/\xff\xfe"[..],
        b"/v1/group/\xff",
        b"/v3/groups?name=\xc3\x28",
    ] {
        let request = raw_request(&app, "GET", path, None);
        let answer = blocking(move || raw_exchange(addr, &request)).await;
        assert_eq!(
            answer.map(|a| a.0),
            Some(400),
            "{}",
            String::from_utf8_lossy(path)
        );
    }
    // A query string is decoded as Keystone's (Python's `parse_qs`) decodes it: a byte that
    // is not UTF-8 becomes U+FFFD, so such a filter matches nothing.
    for query in [&b"/v3/groups?name=%FF"[..], b"/v3/groups?name=%C3%28"] {
        let request = raw_request(&app, "GET", query, None);
        let (status, body) = blocking(move || raw_exchange(addr, &request))
            .await
            .expect("answer");
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(query));
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["groups"], json!([]));
    }
    // The same in a membership PUT and a grant: nothing is stored.
    let group = app.create_group("target").await;
    let gid = group["id"].as_str().unwrap().to_string();
    let path = format!("/v3/groups/{gid}/users/%FF%FE").into_bytes();
    let request = raw_request(&app, "PUT", &path, None);
    assert_raw_refusal(
        Face::Keystone,
        "membership",
        blocking(move || raw_exchange(addr, &request)).await,
    );
    let users = json(app.get(&format!("/v3/groups/{gid}/users")).await).await;
    assert_eq!(users["users"], json!([]));
}

/// Invalid UTF-8 inside JSON strings: 400 in the face's shape, nothing stored.
async fn invalid_utf8_and_lone_surrogates_in_json_are_400() {
    let app = spawn_app().await;
    let addr = address(&app);
    let groups = app.group_count().await;
    let bad: &[&[u8]] = &[
        b"\xff\xfe",         // never valid
        b"\xc0\xaf",         // overlong '/'
        b"\xed\xa0\x80",     // a surrogate encoded in UTF-8
        b"\xf4\x90\x80\x80", // above U+10FFFF
        b"a\xc3",            // truncated sequence
        b"\\ud800",          // a lone high surrogate escape
        b"\\udc00\\ud800",   // surrogates the wrong way round
        b"\\u0000",          // NUL by escape
    ];
    for raw in bad {
        for (face, path, wrap) in [
            (Face::Keystone, "/v3/groups", true),
            (Face::Keystone, "/v3/users", true),
            (Face::Baidu, "/v1/group", false),
            (Face::Baidu, "/v1/user", false),
        ] {
            let mut body = Vec::new();
            let key = if path.ends_with("users") || path.ends_with("user") {
                "user"
            } else {
                "group"
            };
            if wrap {
                body.extend_from_slice(format!("{{\"{key}\":{{\"name\":\"").as_bytes());
            } else {
                body.extend_from_slice(b"{\"name\":\"");
            }
            body.extend_from_slice(raw);
            body.extend_from_slice(if wrap { b"\"}}" } else { b"\"}" });
            let request = raw_request(&app, "POST", path.as_bytes(), Some(&body));
            let what = format!("{path} {}", String::from_utf8_lossy(raw));
            let status = assert_raw_refusal(
                face,
                &what,
                blocking(move || raw_exchange(addr, &request)).await,
            );
            assert_eq!(status, 400, "{what}");
        }
    }
    assert_eq!(app.group_count().await, groups);
    // A correct surrogate pair is a character like any other.
    let request = raw_request(
        &app,
        "POST",
        b"/v3/groups",
        Some(br#"{"group":{"name":"crab \ud83e\udd80"}}"#),
    );
    let (status, body) = blocking(move || raw_exchange(addr, &request))
        .await
        .expect("answer");
    assert_eq!(status, 201);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["group"]["name"], "crab 🦀");
}

async fn post_raw(app: &TestApp, path: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let resp = app
        .client
        .post(app.url(path))
        .header("X-Auth-Token", &app.admin_token)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .expect("request");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// 100k '[' and '{' of nesting: 400 (serde_json's recursion limit), no stack overflow.
async fn deep_nesting_is_400_without_overflowing_the_stack() {
    let app = spawn_app().await;
    let groups = app.group_count().await;
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("100k [", "[".repeat(100_000).into_bytes()),
        (
            "50k [ then ]",
            format!("{}{}", "[".repeat(50_000), "]".repeat(50_000)).into_bytes(),
        ),
        ("20k {\"a\":", "{\"a\":".repeat(20_000).into_bytes()),
        (
            "inside a group",
            format!(
                r#"{{"group":{{"name":"deep","x":{}}}}}"#,
                "[".repeat(100_000)
            )
            .into_bytes(),
        ),
    ];
    for (label, body) in bodies {
        for (face, path) in [(Face::Keystone, "/v3/groups"), (Face::Baidu, "/v1/group")] {
            let (status, answer) = post_raw(&app, path, "application/json", body.clone()).await;
            assert_eq!(status, 400, "{label} on {path}: {answer}");
            assert_eq!(error_shape_problem(face, status, &answer), None, "{label}");
        }
    }
    // 127 levels are within the limit, stored and returned exactly.
    let nested = format!("{}1{}", "[".repeat(120), "]".repeat(120));
    let body = format!(r#"{{"group":{{"name":"nested","x":{nested}}}}}"#);
    let (status, answer) = post_raw(&app, "/v3/groups", "application/json", body.into()).await;
    assert_eq!(status, 201, "{answer}");
    let id = answer["group"]["id"].as_str().unwrap();
    let shown = app
        .get(&format!("/v3/groups/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(shown.contains(&nested), "{shown}");
    assert_eq!(app.group_count().await, groups + 1);
}

/// Numbers out of range, or that would be rounded, are 400; others come back as values.
async fn huge_numbers_are_refused_or_returned_exactly() {
    let app = spawn_app().await;
    let groups = app.group_count().await;
    for number in ["1e400", "-1e400", "1E+999999999999"] {
        let body = format!(r#"{{"group":{{"name":"n","x":{number}}}}}"#);
        let (status, answer) = post_raw(&app, "/v3/groups", "application/json", body.into()).await;
        assert_eq!(status, 400, "{number}: {answer}");
        assert_eq!(
            answer["error"]["message"],
            "Expecting to find valid JSON in request body. The server could not comply with the \
             request since it is either malformed or otherwise incorrect. The client is assumed \
             to be in error."
        );
    }
    // A number where a string or a boolean belongs: a type error, its echo cut short.
    let long = "9".repeat(5000);
    for (field, number) in [("name", long.as_str()), ("enabled", "1e308")] {
        let body = format!(r#"{{"user":{{"name":"n","{field}":{number}}}}}"#);
        let (status, answer) = post_raw(&app, "/v3/users", "application/json", body.into()).await;
        assert_eq!(status, 400, "{field}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.len() < 300, "{message}");
    }
    // A number a double or a 64-bit integer cannot hold exactly: refused, not rounded.
    for number in [
        "123456789012345678901234567890",
        "18446744073709551616",
        "1.0000000000000000000001",
        "9007199254740993.0",
        "4.9e-324",
        "1e-400",
    ] {
        let body = format!(r#"{{"group":{{"name":"n","x":{number}}}}}"#);
        let (status, answer) = post_raw(&app, "/v3/groups", "application/json", body.into()).await;
        assert_eq!(status, 400, "{number}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains("cannot be stored exactly"), "{message}");
    }
    assert_eq!(app.group_count().await, groups);
    // Numbers are values: kept exactly, spelt as JSON spells them.
    for (i, (number, spelt)) in [
        ("18446744073709551615", "18446744073709551615"),
        ("-9223372036854775808", "-9223372036854775808"),
        ("9007199254740993", "9007199254740993"),
        ("0.1", "0.1"),
        ("5e-324", "5e-324"),
        ("1.7976931348623157e308", "1.7976931348623157e+308"),
        ("1E2", "100.0"),
        ("1.50", "1.5"),
        ("-0", "-0.0"),
    ]
    .iter()
    .enumerate()
    {
        let body = format!(r#"{{"group":{{"name":"num{i}","x":{number}}}}}"#);
        let (status, answer) = post_raw(&app, "/v3/groups", "application/json", body.into()).await;
        assert_eq!(status, 201, "{number}: {answer}");
        let id = answer["group"]["id"].as_str().unwrap();
        let shown = app
            .get(&format!("/v3/groups/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            shown.contains(&format!("\"x\":{spelt}")),
            "{number} came back as {shown}"
        );
    }
}

/// Duplicate keys: the last one wins, at every level, as in Keystone's Python `json`.
async fn duplicate_keys_keep_the_last() {
    let app = spawn_app().await;
    let cases = [
        (r#"{"group":{"name":"first","name":"second"}}"#, "second"),
        (r#"{"group":{"name":"a"},"group":{"name":"b"}}"#, "b"),
        (r#"{"group":{"name":1,"name":"typed"}}"#, "typed"),
    ];
    for (body, name) in cases {
        let (status, answer) = post_raw(&app, "/v3/groups", "application/json", body.into()).await;
        assert_eq!(status, 201, "{body}: {answer}");
        assert_eq!(answer["group"]["name"], name, "{body}");
    }
    // The last one wins also when it is the bad one.
    let (status, answer) = post_raw(
        &app,
        "/v3/groups",
        "application/json",
        br#"{"group":{"name":"ok","name":"\u0000"}}"#.to_vec(),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    let (status, answer) = post_raw(
        &app,
        "/v1/group",
        "application/json",
        br#"{"name":"v1-first","name":"v1-last"}"#.to_vec(),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["name"], "v1-last");
}

/// Only JSON types are read; everything else is 400 and nothing is stored.
async fn wrong_content_types_are_400_and_store_nothing() {
    let app = spawn_app().await;
    let groups = app.group_count().await;
    let body = br#"{"group":{"name":"typed"}}"#.to_vec();
    let refused = [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "application/jsonx",
        "application/json-seq",
        "json",
        "",
        "*/*",
    ];
    for content_type in refused {
        let (status, answer) = post_raw(&app, "/v3/groups", content_type, body.clone()).await;
        assert_eq!(status, 400, "{content_type:?}: {answer}");
        assert_eq!(
            error_shape_problem(Face::Keystone, status, &answer),
            None,
            "{content_type:?}"
        );
        let v1 = br#"{"name":"typed"}"#.to_vec();
        let (status, answer) = post_raw(&app, "/v1/group", content_type, v1).await;
        assert_eq!(status, 400, "v1 {content_type:?}: {answer}");
        assert_eq!(error_shape_problem(Face::Baidu, status, &answer), None);
    }
    // A header value that is not text at all.
    let addr = address(&app);
    let mut request = raw_request(&app, "POST", b"/v3/groups", None);
    request.truncate(request.len() - 2);
    request.extend_from_slice(b"Content-Type: application/\xffjson\r\nContent-Length: 26\r\n\r\n");
    request.extend_from_slice(&body);
    assert_raw_refusal(
        Face::Keystone,
        "binary content type",
        blocking(move || raw_exchange(addr, &request)).await,
    );
    assert_eq!(app.group_count().await, groups);
    // JSON by any spelling is read.
    for (i, content_type) in [
        "application/json",
        "APPLICATION/JSON",
        "application/json; charset=utf-8",
        "application/merge-patch+json",
    ]
    .iter()
    .enumerate()
    {
        let body = format!(r#"{{"group":{{"name":"typed{i}"}}}}"#).into_bytes();
        let (status, answer) = post_raw(&app, "/v3/groups", content_type, body).await;
        assert_eq!(status, 201, "{content_type}: {answer}");
    }
}

/// Writes `head` then `body` (from another thread, so that an early answer is read while
/// the body is still going out) and returns the answer.
fn exchange_while_sending(
    address: SocketAddr,
    head: Vec<u8>,
    body: Vec<Vec<u8>>,
    pause: Duration,
) -> Option<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    stream.write_all(&head).expect("head");
    let mut writer = stream.try_clone().expect("clone");
    let sending = std::thread::spawn(move || {
        for piece in body {
            // The server may answer and close before the body is all sent.
            if writer.write_all(&piece).is_err() {
                return;
            }
            std::thread::sleep(pause);
        }
    });
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let _ = sending.join();
    parse_answer(&answer)
}

fn post_head(app: &TestApp, path: &str, length: Option<usize>) -> Vec<u8> {
    let framing = match length {
        Some(n) => format!("Content-Length: {n}"),
        None => "Transfer-Encoding: chunked".to_string(),
    };
    format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nX-Auth-Token: {}\r\n\
         Content-Type: application/json\r\n{framing}\r\n\r\n",
        app.admin_token
    )
    .into_bytes()
}

fn chunked(body: &[u8], size: usize) -> Vec<Vec<u8>> {
    let mut pieces: Vec<Vec<u8>> = body
        .chunks(size)
        .map(|c| {
            let mut piece = format!("{:x}\r\n", c.len()).into_bytes();
            piece.extend_from_slice(c);
            piece.extend_from_slice(b"\r\n");
            piece
        })
        .collect();
    pieces.push(b"0\r\n\r\n".to_vec());
    pieces
}

/// A 10 MB body, declared or chunked: 413, nothing stored, and the service still answers.
async fn ten_megabyte_bodies_are_413_and_store_nothing() {
    let app = spawn_app().await;
    let addr = address(&app);
    let groups = app.group_count().await;
    let description = "x".repeat(10 * 1024 * 1024);
    for (face, path, body) in [
        (
            Face::Keystone,
            "/v3/groups",
            format!(r#"{{"group":{{"name":"big","description":"{description}"}}}}"#),
        ),
        (
            Face::Baidu,
            "/v1/group",
            format!(r#"{{"name":"big","description":"{description}"}}"#),
        ),
    ] {
        // Declared by Content-Length: refused before the body is read.
        let head = post_head(&app, path, Some(body.len()));
        let pieces: Vec<Vec<u8>> = body
            .as_bytes()
            .chunks(64 * 1024)
            .map(<[u8]>::to_vec)
            .collect();
        let answer =
            blocking(move || exchange_while_sending(addr, head, pieces, Duration::ZERO)).await;
        assert_eq!(assert_raw_refusal(face, path, answer), 413, "{path}");
        // Chunked: only counting the bytes can tell.
        let head = post_head(&app, path, None);
        let pieces = chunked(body.as_bytes(), 64 * 1024);
        let answer =
            blocking(move || exchange_while_sending(addr, head, pieces, Duration::ZERO)).await;
        assert_eq!(
            assert_raw_refusal(face, path, answer),
            413,
            "{path} chunked"
        );
    }
    assert_eq!(app.group_count().await, groups);
}

/// Slow clients: a body trickled in time is served; one too slow gets 408 in the face's
/// shape and stores nothing; a stalled head is dropped; and none of them holds up others.
async fn slow_clients_are_served_or_dropped_without_blocking_others() {
    let app = spawn_app_with(&[
        ("IAM_GROUPS_SERVER__BODY_READ_TIMEOUT_MS", "2000"),
        ("IAM_GROUPS_SERVER__CLIENT_REQUEST_TIMEOUT_MS", "1000"),
    ])
    .await;
    let addr = address(&app);
    let groups = app.group_count().await;
    let bytes = |body: &str| body.bytes().map(|b| vec![b]).collect::<Vec<_>>();

    // In time: 26 bytes, 20 ms apart.
    let body = r#"{"group":{"name":"slow"}}"#;
    let head = post_head(&app, "/v3/groups", Some(body.len()));
    let pieces = bytes(body);
    let answer =
        blocking(move || exchange_while_sending(addr, head, pieces, Duration::from_millis(20)))
            .await;
    assert_eq!(answer.map(|a| a.0), Some(201), "a slow body in time");

    // Too slow: a byte every 150 ms would take 4 s; the limit is 2 s. Meanwhile others
    // are answered, and many stalled connections do not change that.
    let stalled: Vec<TcpStream> = (0..40)
        .map(|_| {
            let mut s = TcpStream::connect(addr).expect("connect");
            s.write_all(&post_head(&app, "/v3/groups", Some(100)))
                .expect("head");
            s.write_all(b"{\"gro").expect("some body");
            s
        })
        .collect();
    let mut trickles = Vec::new();
    for (face, path, body) in [
        (
            Face::Keystone,
            "/v3/groups",
            r#"{"group":{"name":"too-slow"}}"#,
        ),
        (
            Face::Baidu,
            "/v1/group",
            r#"{"name":"too-slow-v1","x":"........"}"#,
        ),
    ] {
        let head = post_head(&app, path, Some(body.len()));
        let pieces = bytes(body);
        trickles.push((
            face,
            path,
            Instant::now(),
            tokio::task::spawn_blocking(move || {
                exchange_while_sending(addr, head, pieces, Duration::from_millis(150))
            }),
        ));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    for _ in 0..10 {
        let started = Instant::now();
        assert_eq!(app.get("/v3/groups").await.status(), 200);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "an ordinary request waited {:?} behind slow ones",
            started.elapsed()
        );
    }
    for (face, path, started, task) in trickles {
        let answer = task.await.expect("thread");
        let elapsed = started.elapsed();
        assert_eq!(assert_raw_refusal(face, path, answer), 408, "{path}");
        assert!(
            elapsed < Duration::from_secs(4),
            "{path}: dropped after {elapsed:?}"
        );
    }

    // The stalled ones were answered 408 and closed too.
    for mut s in stalled {
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut answer = Vec::new();
        let _ = s.read_to_end(&mut answer);
        assert_eq!(parse_answer(&answer).map(|a| a.0), Some(408));
    }

    // A head that never ends: dropped after client_request_timeout.
    let started = Instant::now();
    let answer = blocking(move || {
        let mut s = TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(b"POST /v3/groups HTTP/1.1\r\nHost: localhost\r\nX-Au")
            .unwrap();
        let mut answer = Vec::new();
        let _ = s.read_to_end(&mut answer);
        answer
    })
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "a stalled head held its connection for {:?}",
        started.elapsed()
    );
    if let Some((status, _)) = parse_answer(&answer) {
        assert_eq!(status, 408);
    }
    assert_eq!(app.group_count().await, groups + 1);
}

both_backends!(
    every_field_of_every_body_takes_every_hostile_string,
    invalid_utf8_in_paths_is_a_4xx_in_the_face_shape,
    invalid_utf8_and_lone_surrogates_in_json_are_400,
    deep_nesting_is_400_without_overflowing_the_stack,
    huge_numbers_are_refused_or_returned_exactly,
    duplicate_keys_keep_the_last,
    wrong_content_types_are_400_and_store_nothing,
    ten_megabyte_bodies_are_413_and_store_nothing,
    slow_clients_are_served_or_dropped_without_blocking_others,
);
