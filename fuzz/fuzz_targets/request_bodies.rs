//! Arbitrary bytes through everything that reads a request before a handler acts: the JSON
//! body parser, the body accessors and validated values every create and update uses, the
//! token request parser, and both AK/SK signature parsers with their canonical forms.
//! The first byte picks the parser; nothing may panic, and a few invariants must hold.
#![no_main]

use chrono::{DateTime, Utc};
use iam_groups_fuzz::api::v3::auth_request::check_auth_request;
use iam_groups_fuzz::api::http::body::{parse_json_body, BodyObject};
use iam_groups_fuzz::auth::bce_signature;
use iam_groups_fuzz::auth::signature::{self, RequestParts};
use iam_groups_fuzz::domain::values::{Description, Name, NameFilter, Password, ResourceId};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// The wrapper keys of Keystone's bodies.
const WRAPPERS: &[&str] = &[
    "group", "user", "project", "domain", "role", "region", "service", "endpoint",
    "credential",
];

/// The string fields the handlers read, through every validated type.
const FIELDS: &[&str] = &["name", "description", "domain_id", "password", "id", "x"];

fn body_object(mut object: BodyObject) {
    for field in FIELDS {
        if let Ok(Some(raw)) = object.take_string(field) {
            values(&raw);
        }
        let _ = object.take_nullable_string(field);
    }
    let _ = object.take_bool("enabled");
    if let Ok(Some(tags)) = object.take_tags("tags") {
        assert!(tags.len() <= 80);
        for tag in tags {
            assert!(!tag.is_empty() && !tag.contains(['/', ',', '\0']), "{tag:?}");
        }
    }
    let _ = object.take_options();
    let _ = object.is_empty();
    let extra = object.into_extra();
    // What is kept as extra attributes is stored as text and parsed back on every read.
    let stored = Value::Object(extra).to_string();
    let back = parse_json_body(stored.as_bytes()).expect("stored extras parse back");
    assert!(back.is_object());
}

fn json_body(data: &[u8]) {
    let Ok(value) = parse_json_body(data) else {
        return;
    };
    // Whatever is accepted survives being written out and read again unchanged.
    let written = serde_json::to_vec(&value).expect("serializes");
    assert_eq!(parse_json_body(&written).expect("re-parses"), value);
    for key in WRAPPERS {
        if let Ok(object) = BodyObject::unwrap_from(value.clone(), key) {
            body_object(object);
        }
    }
    if let Ok(object) = BodyObject::from_body(value.clone()) {
        body_object(object);
    }
    let _ = check_auth_request(value);
}

fn values(raw: &str) {
    if let Ok(name) = Name::parse("name", raw) {
        let n = name.as_str();
        assert_eq!(n, n.trim());
        assert!(!n.is_empty() && n.chars().count() <= 128 && !n.contains('\0'));
    }
    let _ = Name::parse_resource("name", raw);
    let _ = NameFilter::parse("name", raw);
    if let Ok(d) = Description::parse("description", raw) {
        assert_eq!(d.into_inner(), raw, "descriptions are kept verbatim");
    }
    if let Ok(id) = ResourceId::parse("domain_id", raw) {
        assert!(id.as_str().bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    }
    if let Err(e) = Password::parse("password", raw) {
        // A refused password is never echoed back.
        if raw.len() >= 8 {
            assert!(!e.to_string().contains(raw));
        }
    }
}

/// Lines: Authorization, method, path, query, then `name: value` headers; the bytes after
/// the first empty line are the body.
fn request<'a>(text: &'a str, body: &'a [u8]) -> (&'a str, RequestParts<'a>) {
    let mut lines = text.split('\n');
    let authorization = lines.next().unwrap_or("");
    let method = lines.next().unwrap_or("GET");
    let path = lines.next().unwrap_or("/");
    let query = lines.next().unwrap_or("");
    let headers = lines
        .take_while(|l| !l.is_empty())
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap_or((l, ""));
            (n, v.as_bytes())
        })
        .collect();
    (
        authorization,
        RequestParts {
            method,
            path,
            query,
            headers,
            body,
        },
    )
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_750_000_000, 0).expect("a fixed time")
}

fn huawei(data: &[u8]) {
    let split = data.windows(2).position(|w| w == b"\n\n").unwrap_or(data.len());
    let text = String::from_utf8_lossy(&data[..split]);
    let body = data.get(split + 2..).unwrap_or(&[]);
    let (authorization, parts) = request(&text, body);
    let _ = signature::is_signature(authorization);
    let uri = signature::canonical_uri(parts.path);
    assert!(uri.ends_with('/'));
    let _ = signature::canonical_query(parts.query);
    if let Ok(auth) = signature::parse_authorization(authorization) {
        let _ = signature::canonical_request(auth.algorithm, &parts, &auth.signed_headers);
        let _ = signature::verify(&auth, &parts, b"secret", now());
    }
}

fn baidu(data: &[u8]) {
    let split = data.windows(2).position(|w| w == b"\n\n").unwrap_or(data.len());
    let text = String::from_utf8_lossy(&data[..split]);
    let body = data.get(split + 2..).unwrap_or(&[]);
    let (authorization, parts) = request(&text, body);
    let _ = bce_signature::is_bce_auth(authorization);
    let _ = bce_signature::canonical_uri(parts.path);
    let _ = bce_signature::canonical_query(parts.query);
    let _ = bce_signature::canonical_headers(&parts, None);
    let _ = bce_signature::check_content_md5(&parts);
    if let Ok(auth) = bce_signature::parse_authorization(authorization) {
        let _ = bce_signature::canonical_request(&parts, auth.signed_headers.as_deref());
        let _ = bce_signature::verify(&auth, &parts, b"secret", now());
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    match which % 4 {
        0 => json_body(rest),
        1 => values(&String::from_utf8_lossy(rest)),
        2 => huawei(rest),
        _ => baidu(rest),
    }
});
