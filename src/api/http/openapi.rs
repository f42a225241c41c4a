//! `GET /openapi.json`: the OpenAPI 3 document of every route, built from the route table
//! itself (see [`crate::api::http::routing`]), with the JSON Schemas of bodies and answers below.

use std::sync::OnceLock;

use actix_web::HttpResponse;
use serde_json::{json, Map, Value};

use crate::api::http::routing::{Auth, Operation, Param, ParamKind, RouteTable};

/// Statuses any authenticated route may answer besides its own.
const COMMON_ERRORS: &[u16] = &[400, 401, 403, 404, 413, 503];

// Query parameters shared by lists.
pub(crate) const LIMIT: Param = Param {
    name: "limit",
    description: "Most entries in a page (capped by identity.list_limit).",
    kind: ParamKind::PositiveInteger,
};
pub(crate) const MARKER: Param = Param {
    name: "marker",
    description: "Id of the last entry of the previous page.",
    // An empty marker names no entry: refused with 400, so documented as at least one.
    kind: ParamKind::Sized {
        min: 1,
        max: crate::api::http::query::MARKER_MAX_CHARS as u32,
    },
};
pub(crate) const fn text(name: &'static str, description: &'static str) -> Param {
    Param {
        name,
        description,
        kind: ParamKind::Text,
    }
}

/// A page of a Keystone list: filters, `limit`, `marker`.
pub(crate) fn paged(filters: &[Param]) -> Vec<Param> {
    let mut all = filters.to_vec();
    all.extend([LIMIT, MARKER]);
    all
}

fn string() -> Value {
    json!({"type": "string"})
}

/// An object with these properties, all required.
fn object(properties: &[(&str, Value)]) -> Value {
    let mut props = Map::new();
    let mut required = Vec::new();
    for (name, schema) in properties {
        props.insert((*name).to_string(), schema.clone());
        required.push(json!(name));
    }
    json!({"type": "object", "properties": props, "required": required})
}

/// `{"<key>": <schema>}`, Keystone's wrapper.
pub(crate) fn wrapped(key: &str, schema: Value) -> Value {
    object(&[(key, schema)])
}

/// `{"<key>": [<item>], "links": {...}}`, Keystone's collection.
pub(crate) fn collection(key: &str, item: Value) -> Value {
    let mut schema = object(&[
        (key, json!({"type": "array", "items": item})),
        ("links", links()),
    ]);
    schema["properties"]["truncated"] = json!({"type": "boolean"});
    schema
}

/// Baidu's list, `{"<key>": [<item>]}`.
pub(crate) fn bce_list(key: &str, item: Value) -> Value {
    let mut schema = object(&[(key, json!({"type": "array", "items": item}))]);
    schema["properties"]["truncated"] = json!({"type": "boolean"});
    schema
}

fn links() -> Value {
    json!({"type": "object", "properties": {
        "self": {"type": "string"},
        "previous": {"type": ["string", "null"]},
        "next": {"type": ["string", "null"]},
    }, "required": ["self"]})
}

fn self_link() -> Value {
    object(&[("self", string())])
}

pub(crate) fn boolean() -> Value {
    json!({"type": "boolean"})
}

pub(crate) fn any_object() -> Value {
    json!({"type": "object", "additionalProperties": crate::api::http::wire::any_json()})
}

pub(crate) fn project() -> Value {
    object(&[
        ("id", string()),
        ("name", string()),
        ("domain_id", string()),
        ("enabled", boolean()),
        ("links", self_link()),
    ])
}

pub(crate) fn domain() -> Value {
    object(&[
        ("id", string()),
        ("name", string()),
        ("enabled", boolean()),
        ("links", self_link()),
    ])
}

pub(crate) fn audit_event() -> Value {
    object(&[
        ("id", string()),
        ("event_type", string()),
        ("action", string()),
        ("outcome", string()),
        ("occurred_at", string()),
        ("initiator", any_object()),
        ("target", any_object()),
        ("request_id", string()),
    ])
}

pub(crate) fn bce_access_key() -> Value {
    object(&[
        ("id", string()),
        ("createTime", string()),
        ("enabled", boolean()),
        ("description", string()),
    ])
}

fn keystone_error() -> Value {
    wrapped(
        "error",
        object(&[
            ("code", json!({"type": "integer"})),
            ("message", string()),
            ("title", string()),
        ]),
    )
}

fn bce_error() -> Value {
    object(&[
        ("code", string()),
        ("message", string()),
        ("requestId", string()),
    ])
}

/// A PATCH cannot change an id, a domain, a project's parent or `is_domain` (Keystone's
/// 400s "Cannot change ID", "Cannot change Domain ID", "Update of `x` is not allowed"; the
/// same value is taken): the document leaves them out of what may be sent and says why,
/// rather than promise any value is accepted.
fn forbid_id(body: &mut Value) -> Option<String> {
    let inner = match body["properties"].as_object_mut() {
        Some(props) if props.len() == 1 => props.values_mut().next(),
        _ => None,
    };
    let inner = inner.filter(|i| i.get("properties").is_some())?;
    let props = inner["properties"].as_object_mut()?;
    let mut fixed = vec!["id"];
    for field in ["domain_id", "parent_id", "is_domain"] {
        if props.remove(field).is_some() {
            fixed.push(field);
        }
    }
    props.remove("id");
    inner["not"] =
        json!({"anyOf": fixed.iter().map(|f| json!({"required": [f]})).collect::<Vec<_>>()});
    let named: Vec<String> = fixed.iter().map(|f| format!("`{f}`")).collect();
    Some(format!(
        "Cannot change ID (nor {}): sending any of them is refused with 400 unless it is the \
         value already stored.",
        named.join(", ")
    ))
}

fn parameter(param: &Param) -> Value {
    let schema = match param.kind {
        ParamKind::Text => json!({"type": "string"}),
        ParamKind::Pattern(pattern) => json!({"type": "string", "pattern": pattern}),
        ParamKind::Sized { min, max } => {
            json!({"type": "string", "minLength": min, "maxLength": max})
        }
        ParamKind::Id => {
            json!({"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[a-zA-Z0-9_-]+$"})
        }
        ParamKind::PositiveInteger => json!({"type": "integer", "minimum": 1, "maximum": i64::MAX}),
        ParamKind::Boolean => json!({"type": "boolean"}),
        ParamKind::OneOf(words) => json!({"type": "string", "enum": words}),
    };
    json!({"name": param.name, "in": "query", "required": false,
           "description": param.description, "schema": schema})
}

/// The `{name}` parameters of a path template, each a required string; a project tag
/// (`{tag}`) with Keystone's tag rules, which the server enforces with 400.
fn path_parameters(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            let name = name.split(':').next().unwrap_or(name);
            let schema = match name {
                "tag" => json!({"type": "string", "minLength": 1, "maxLength": 255,
                                "pattern": "^[^,/\\u0000]*$"}),
                _ => json!({"type": "string", "minLength": 1}),
            };
            json!({"name": name, "in": "path", "required": true, "schema": schema})
        })
        .collect()
}

fn json_content(schema: &Value) -> Value {
    json!({"application/json": {"schema": schema}})
}

fn operation(op: &Operation) -> Value {
    let doc = &op.doc;
    let mut parameters = path_parameters(&op.path);
    parameters.extend(doc.query.iter().map(parameter));
    for (name, required) in &doc.headers {
        // A blank header is no header: the server refuses it as missing.
        parameters.push(json!({"name": name, "in": "header", "required": required,
                               "schema": {"type": "string", "minLength": 1, "pattern": "\\S"}}));
    }
    let mut responses = Map::new();
    let ok = match &doc.answer {
        Some(schema) => json!({"description": "Success.", "content": json_content(schema)}),
        None => json!({"description": "Success, no body."}),
    };
    responses.insert(doc.ok.to_string(), ok);
    let error_schema = match doc.auth {
        Auth::Baidu => bce_error(),
        _ => keystone_error(),
    };
    let mut errors: Vec<u16> = match doc.auth {
        Auth::Public => vec![400, 404],
        _ => COMMON_ERRORS.to_vec(),
    };
    errors.extend(&doc.extra_errors);
    if doc.body.is_some() {
        errors.push(415);
    }
    for status in errors {
        responses.entry(status.to_string()).or_insert_with(|| {
            json!({"description": "Refused; the body says why.",
                   "content": json_content(&error_schema)})
        });
    }
    let mut out = json!({
        "operationId": doc.id,
        "summary": doc.summary,
        "tags": [doc.tag],
        "parameters": parameters,
        "responses": responses,
    });
    if let Some(body) = &doc.body {
        // Baidu's face reads an empty body as `{}`: a body with no required field may then
        // be left out (an update that changes nothing). Keystone's always wraps its object.
        let optional = doc.auth == Auth::Baidu
            && body
                .get("required")
                .and_then(Value::as_array)
                .is_none_or(Vec::is_empty);
        let mut body = body.clone();
        let fixed = if op.method == "patch" {
            forbid_id(&mut body)
        } else {
            None
        };
        if optional {
            // An empty body, or a literal `null`, reads as `{}`.
            body = json!({"anyOf": [body, {"type": "null"}]});
        }
        out["requestBody"] = json!({"required": !optional, "content": json_content(&body)});
        if let Some(fixed) = fixed {
            out["requestBody"]["description"] = json!(fixed);
        }
    }
    out["security"] = match doc.auth {
        Auth::Public => json!([]),
        Auth::Token => json!([{"token": []}]),
        Auth::Baidu => json!([{"token": []}, {"bceAuth": []}]),
    };
    out
}

/// The whole document.
pub(crate) fn document(operations: &[Operation]) -> Value {
    let mut paths = Map::new();
    for op in operations {
        let entry = paths.entry(op.path.clone()).or_insert_with(|| json!({}));
        entry[op.method] = operation(op);
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "iam-groups",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "OpenStack Keystone v3 as Huawei Cloud IAM speaks it, centred on \
                            user groups, and Baidu AI Cloud IAM's /v1 face on the same data. \
                            Every GET also answers HEAD.",
        },
        "paths": paths,
        "components": {
            "schemas": {"AnyJson": crate::api::http::wire::any_json_component()},
            "securitySchemes": {
                "token": {"type": "apiKey", "in": "header", "name": "X-Auth-Token"},
                "bceAuth": {"type": "apiKey", "in": "header", "name": "Authorization",
                            "description": "bce-auth-v1/{ak}/{timestamp}/{expiration}/{signedHeaders}/{signature}"},
            },
        },
    })
}

/// `GET /openapi.json`, rendered once.
pub async fn serve() -> HttpResponse {
    static RENDERED: OnceLock<String> = OnceLock::new();
    let body = RENDERED.get_or_init(|| {
        let mut table = RouteTable::documenting();
        crate::api::declare_routes(&mut table);
        document(&table.operations).to_string()
    });
    HttpResponse::Ok()
        .content_type("application/json")
        .body(body.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn documented() -> Value {
        let mut table = RouteTable::documenting();
        crate::api::declare_routes(&mut table);
        document(&table.operations)
    }

    #[test]
    fn every_operation_has_a_unique_id_and_documented_answers() {
        let doc = documented();
        let mut ids = std::collections::HashSet::new();
        let mut count = 0;
        for (path, methods) in doc["paths"].as_object().unwrap() {
            for (method, op) in methods.as_object().unwrap() {
                count += 1;
                let id = op["operationId"].as_str().unwrap();
                assert!(ids.insert(id.to_string()), "{id} twice");
                assert!(
                    !op["responses"].as_object().unwrap().is_empty(),
                    "{method} {path}"
                );
                let params = op["parameters"].as_array().unwrap();
                for name in path.split('/').filter_map(|s| s.strip_prefix('{')) {
                    let name = name.trim_end_matches('}');
                    assert!(
                        params
                            .iter()
                            .any(|p| p["name"] == name && p["in"] == "path"),
                        "{method} {path}: {name}"
                    );
                }
            }
        }
        assert!(count > 90, "{count} operations");
        assert!(doc["paths"]["/v3/groups/{group_id}/users/{user_id}"]["head"].is_object());
        assert!(doc["paths"]["/v1/group/{group_name}"]["delete"].is_object());
    }
}
