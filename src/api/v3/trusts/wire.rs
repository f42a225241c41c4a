//! The wire contract of `/v3/OS-TRUST/trusts`: the create body (Keystone's
//! `trust_create_request_body`), the list filters, and a trust as responses show it.

use serde_json::{json, Map, Value};

use crate::api::http::body::BodyObject;
use crate::api::http::envelope::parse_extra;
use crate::api::http::extract::BaseUrl;
use crate::api::http::wire::{nullable, BodyField, Extra, Patch, Text};
use crate::api::v3::roles::{role_json, role_schema};
use crate::db::trusts::{TrustFilter, TrustRow};
use crate::domain::keystone_time_from_micros;
use crate::error::ApiError;
use crate::trust::{NewTrust, RoleRef, TrustWithRoles};

/// An integer or null, at least `MIN` (Keystone's `remaining_uses` and
/// `redelegation_count`).
pub struct NullableCount<const MIN: i64>(pub Option<i64>);

impl<const MIN: i64> BodyField for NullableCount<MIN> {
    fn schema() -> Value {
        json!({"type": ["integer", "null"], "minimum": MIN, "maximum": i32::MAX})
    }
    fn take(body: &mut BodyObject, field: &str) -> Result<Option<Self>, ApiError> {
        match body.remove(field) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(NullableCount(None))),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(v) if v < MIN => Err(ApiError::invalid_field(
                    field,
                    format!("{v} is less than the minimum of {MIN}"),
                )),
                Some(v) if v > i64::from(i32::MAX) => Err(ApiError::invalid_field(
                    field,
                    format!("{v} is greater than the maximum of {}", i32::MAX),
                )),
                Some(v) => Ok(Some(NullableCount(Some(v)))),
                None => Err(ApiError::invalid_field(
                    field,
                    format!("{n} is not of type 'integer', 'null'"),
                )),
            },
            Some(other) => Err(ApiError::invalid_field(
                field,
                format!("{other} is not of type 'integer', 'null'"),
            )),
        }
    }
}

/// A boolean or null (Keystone's `allow_redelegation`).
pub struct NullableBool(pub Option<bool>);

impl BodyField for NullableBool {
    fn schema() -> Value {
        json!({"type": ["boolean", "null"]})
    }
    fn take(body: &mut BodyObject, field: &str) -> Result<Option<Self>, ApiError> {
        match body.remove(field) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(NullableBool(None))),
            Some(Value::Bool(b)) => Ok(Some(NullableBool(Some(b)))),
            Some(other) => Err(ApiError::invalid_field(
                field,
                format!("{other} is not of type 'boolean', 'null'"),
            )),
        }
    }
}

/// `roles`: objects of exactly one property, `id` or `name`.
pub struct TrustRoles(pub Vec<RoleRef>);

impl BodyField for TrustRoles {
    fn schema() -> Value {
        let string = json!({"type": "string", "minLength": 1, "maxLength": 255});
        json!({"type": "array", "items": {"type": "object",
            "properties": {"id": string, "name": string},
            "minProperties": 1, "maxProperties": 1, "additionalProperties": false}})
    }
    fn take(body: &mut BodyObject, field: &str) -> Result<Option<Self>, ApiError> {
        let Some(value) = body.remove(field) else {
            return Ok(None);
        };
        let Value::Array(items) = value else {
            return Err(ApiError::invalid_field(
                field,
                format!("{value} is not of type 'array'"),
            ));
        };
        let mut roles = Vec::with_capacity(items.len());
        for item in items {
            let Value::Object(map) = &item else {
                return Err(ApiError::invalid_field(
                    field,
                    format!("{item} is not of type 'object'"),
                ));
            };
            if map.len() != 1 {
                return Err(ApiError::invalid_field(
                    field,
                    format!("{item} must have exactly one property, 'id' or 'name'"),
                ));
            }
            let role = match (map.get("id"), map.get("name")) {
                (Some(Value::String(id)), None) if valid_ref(id) => RoleRef::Id(id.clone()),
                (None, Some(Value::String(name))) if valid_ref(name) => RoleRef::Name(name.clone()),
                _ => {
                    return Err(ApiError::invalid_field(
                        field,
                        format!("{item} is not a role id or name"),
                    ))
                }
            };
            roles.push(role);
        }
        Ok(Some(TrustRoles(roles)))
    }
}

fn valid_ref(text: &str) -> bool {
    // A NUL names no role: the lookup says so (404), as the document allows the string.
    (1..=255).contains(&text.chars().count())
}

crate::wire_body! {
    /// The body of `POST /v3/OS-TRUST/trusts` (Keystone's `trust_create_request_body`).
    pub struct CreateTrust in "trust" {
        required trustor_user_id: Text,
        required trustee_user_id: Text,
        required impersonation: bool,
        patch project_id: Text,
        optional roles: TrustRoles,
        patch expires_at: Text,
        optional remaining_uses: NullableCount<1>,
        optional allow_redelegation: NullableBool,
        optional redelegation_count: NullableCount<0>,
        rest extra: Extra,
    }
}

impl From<CreateTrust> for NewTrust {
    fn from(body: CreateTrust) -> NewTrust {
        let text = |p: Patch<Text>| match p {
            Patch::Value(t) if !t.0.is_empty() => Some(t.0),
            _ => None,
        };
        NewTrust {
            trustor_user_id: body.trustor_user_id.0,
            trustee_user_id: body.trustee_user_id.0,
            impersonation: body.impersonation,
            project_id: text(body.project_id),
            roles: body.roles.map(|r| r.0).unwrap_or_default(),
            expires_at: match body.expires_at {
                Patch::Value(t) => Some(t.0),
                _ => None,
            },
            remaining_uses: body.remaining_uses.and_then(|c| c.0),
            allow_redelegation: body.allow_redelegation.and_then(|b| b.0),
            redelegation_count: body.redelegation_count.and_then(|c| c.0),
            extra: body.extra.0,
        }
    }
}

crate::wire_query! {
    /// `GET /v3/OS-TRUST/trusts`: Keystone's `trustor_user_id`, else `trustee_user_id`.
    pub struct TrustListQuery {
        trustor_user_id: Option<String> = "Only the trusts of this trustor (a non-admin: itself).",
        trustee_user_id: Option<String> = "Only the trusts to this trustee (a non-admin: itself).",
    }
}

impl From<TrustListQuery> for TrustFilter {
    fn from(q: TrustListQuery) -> TrustFilter {
        TrustFilter {
            trustor_user_id: q.trustor_user_id,
            trustee_user_id: q.trustee_user_id,
        }
    }
}

/// The self link of a trust.
fn trust_link(base: &BaseUrl, id: &str) -> String {
    base.join(&format!("/v3/OS-TRUST/trusts/{id}"))
}

/// A trust's roles as Keystone shows them: every field of each role, and the list's links.
pub fn trust_roles_json(with: &TrustWithRoles, base: &BaseUrl) -> (Value, Value) {
    let roles: Vec<Value> = with
        .roles
        .iter()
        .map(|r| role_json(r.clone(), base))
        .collect();
    let links = json!({
        "self": format!("{}/roles", trust_link(base, &with.trust.id)),
        "previous": null,
        "next": null,
    });
    (Value::Array(roles), links)
}

/// A trust as Keystone shows it: its attributes (and extras), `deleted_at` (always null:
/// a deleted trust is gone), `links`; with roles, also `roles` and `roles_links`.
pub fn trust_json(trust: &TrustRow, roles: Option<&TrustWithRoles>, base: &BaseUrl) -> Value {
    let mut map: Map<String, Value> = parse_extra(&trust.extra);
    map.insert("id".into(), json!(trust.id));
    map.insert("trustor_user_id".into(), json!(trust.trustor_user_id));
    map.insert("trustee_user_id".into(), json!(trust.trustee_user_id));
    map.insert("project_id".into(), json!(trust.project_id));
    map.insert("impersonation".into(), json!(trust.impersonation));
    map.insert(
        "expires_at".into(),
        json!(trust.expires_at.map(keystone_time_from_micros)),
    );
    map.insert("remaining_uses".into(), json!(trust.remaining_uses));
    map.insert("deleted_at".into(), Value::Null);
    map.insert(
        "redelegated_trust_id".into(),
        json!(trust.redelegated_trust_id),
    );
    map.insert("redelegation_count".into(), json!(trust.redelegation_count));
    map.insert("links".into(), json!({"self": trust_link(base, &trust.id)}));
    if let Some(with) = roles {
        let (roles, links) = trust_roles_json(with, base);
        map.insert("roles".into(), roles);
        map.insert("roles_links".into(), links);
    }
    Value::Object(map)
}

/// The schema of [`trust_json`]; `with_roles` for a single trust.
pub fn trust_schema(with_roles: bool) -> Value {
    let string = json!({"type": "string"});
    let links = json!({"type": "object", "required": ["self"],
        "properties": {"self": string}});
    let mut schema = json!({"type": "object",
    "required": ["id", "trustor_user_id", "trustee_user_id", "project_id", "impersonation",
        "expires_at", "remaining_uses", "deleted_at", "redelegated_trust_id",
        "redelegation_count", "links"],
    "properties": {
        "id": string,
        "trustor_user_id": string,
        "trustee_user_id": string,
        "project_id": nullable(string.clone()),
        "impersonation": {"type": "boolean"},
        "expires_at": nullable(string.clone()),
        "remaining_uses": {"type": ["integer", "null"]},
        "deleted_at": {"type": ["string", "null"]},
        "redelegated_trust_id": nullable(string.clone()),
        "redelegation_count": {"type": "integer"},
        "links": links,
    }});
    if with_roles {
        schema["properties"]["roles"] = json!({"type": "array", "items": role_schema()});
        schema["properties"]["roles_links"] = json!({"type": "object",
            "properties": {"self": string}});
        if let Some(required) = schema["required"].as_array_mut() {
            required.extend([json!("roles"), json!("roles_links")]);
        }
    }
    schema
}
