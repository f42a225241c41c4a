//! The request bodies and list queries of unified limits, after Keystone's
//! `limit/schema.py`: one declaration each, from which the parser and the document are
//! generated. Keystone's schemas allow no other properties, so neither do these.

use serde_json::{json, Value};

use crate::api::http::body::BodyObject;
use crate::api::http::wire::{BodyField, Extra, Patch, Text};
use crate::db::limits::LimitFilter;
use crate::domain::values::Description;
use crate::error::ApiError;
use crate::limit::limits::{LimitChanges, NewLimit, Owner};
use crate::limit::registered_limits::{NewRegisteredLimit, RegisteredLimitChanges};

/// The largest limit: what a signed 32-bit integer holds (Keystone's column).
const LIMIT_MAX: i64 = 0x7FFF_FFFF;

/// A limit's value: a whole number from -1 (no limit) to 2147483647.
pub struct LimitValue(pub i64);

impl BodyField for LimitValue {
    fn schema() -> Value {
        json!({"type": "integer", "minimum": -1, "maximum": LIMIT_MAX})
    }
    fn take(body: &mut BodyObject, field: &str) -> Result<Option<Self>, ApiError> {
        let Some(raw) = body.remove(field) else {
            return Ok(None);
        };
        let Some(n) = raw.as_i64().filter(|_| raw.is_i64() || raw.is_u64()) else {
            return Err(ApiError::invalid_field(
                field,
                format!("{raw} is not of type 'integer'"),
            ));
        };
        if n < -1 {
            return Err(ApiError::invalid_field(
                field,
                format!("{n} is less than the minimum of -1"),
            ));
        }
        if n > LIMIT_MAX {
            return Err(ApiError::invalid_field(
                field,
                format!("{n} is greater than the maximum of {LIMIT_MAX}"),
            ));
        }
        Ok(Some(LimitValue(n)))
    }
}

/// A resource's name (Keystone's `parameter_types.name`): 1 to 255 characters, not only
/// white space, no NUL.
pub struct LongName(pub String);

impl BodyField for LongName {
    fn schema() -> Value {
        json!({"type": "string", "minLength": 1, "maxLength": 255,
            "pattern": "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"})
    }
    fn take(body: &mut BodyObject, field: &str) -> Result<Option<Self>, ApiError> {
        let Some(raw) = body.take_string(field)? else {
            return Ok(None);
        };
        if raw.trim().is_empty() || raw.chars().count() > 255 || raw.contains('\0') {
            return Err(ApiError::invalid_field(
                field,
                format!("'{raw}' must have 1 to 255 characters, not only white space"),
            ));
        }
        Ok(Some(LongName(raw)))
    }
}

/// The fields of a registered limit a body may give.
const REGISTERED_LIMIT_FIELDS: &[&str] = &[
    "service_id",
    "region_id",
    "resource_name",
    "default_limit",
    "description",
];

/// The fields of a new limit a body may give.
const LIMIT_FIELDS: &[&str] = &[
    "project_id",
    "domain_id",
    "service_id",
    "region_id",
    "resource_name",
    "resource_limit",
    "description",
];

/// The fields of a limit a PATCH may change.
const LIMIT_UPDATE_FIELDS: &[&str] = &["resource_limit", "description"];

/// Reads a PATCH body `{"<key>": {...}}` whose object takes only `allowed`.
fn closed_patch(body: &Value, key: &str, allowed: &[&str]) -> Result<(), ApiError> {
    match body.get(key) {
        Some(inner) => refuse_unknown(inner, key, allowed),
        None => Ok(()),
    }
}

/// Keystone's `additionalProperties: false`.
fn no_extra(extra: Extra, field: &str) -> Result<(), ApiError> {
    match extra.0.keys().next() {
        None => Ok(()),
        Some(key) => Err(ApiError::invalid_field(
            field,
            format!("Additional properties are not allowed ('{key}' was unexpected)"),
        )),
    }
}

/// Keystone's `additionalProperties: false` on the object as sent, before any field is read
/// (the body parser sets computed fields such as `id` and `links` aside).
pub fn refuse_unknown(object: &Value, field: &str, allowed: &[&str]) -> Result<(), ApiError> {
    let Some(map) = object.as_object() else {
        return Ok(());
    };
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        None => Ok(()),
        Some(key) => Err(ApiError::invalid_field(
            field,
            format!("Additional properties are not allowed ('{key}' was unexpected)"),
        )),
    }
}

/// The document of an object that takes no other properties.
fn closed(mut schema: Value) -> Value {
    schema["additionalProperties"] = json!(false);
    schema
}

/// The document of a wrapped object (`{"limit": {...}}`) that takes no other properties.
fn closed_inner(mut schema: Value, key: &str) -> Value {
    schema["properties"][key]["additionalProperties"] = json!(false);
    schema
}

fn description(d: Patch<Description>) -> Option<Option<String>> {
    d.into_option().map(|d| d.map(Description::into_inner))
}

fn text(t: Patch<Text>) -> Option<Option<String>> {
    t.into_option().map(|t| t.map(|t| t.0))
}

/// `{"<key>": [<item>, ...]}` with at least one item, each read by `item`.
fn batch<T>(
    body: Value,
    key: &str,
    item: impl Fn(Value) -> Result<T, ApiError>,
) -> Result<Vec<T>, ApiError> {
    let Value::Object(mut outer) = body else {
        return Err(ApiError::expecting(key, "request body"));
    };
    match outer.remove(key) {
        None => Err(ApiError::expecting(key, "request body")),
        Some(Value::Array(items)) if items.is_empty() => {
            Err(ApiError::invalid_field(key, "[] is too short"))
        }
        Some(Value::Array(items)) => items.into_iter().map(item).collect(),
        Some(other) => Err(ApiError::invalid_field(
            key,
            format!("{other} is not of type 'array'"),
        )),
    }
}

/// The document of a batch body.
fn batch_schema(key: &str, item: Value) -> Value {
    json!({"type": "object", "required": [key], "properties": {
        key: {"type": "array", "minItems": 1, "items": closed(item)},
    }, "additionalProperties": crate::api::http::wire::any_json()})
}

crate::wire_body! {
    /// One item of `POST /v3/registered_limits`.
    pub struct RegisteredLimitItem {
        required service_id: Text,
        patch region_id: Text,
        required resource_name: LongName,
        required default_limit: LimitValue,
        patch description: Description,
        rest extra: Extra,
    }
}

/// The body of `POST /v3/registered_limits`: `{"registered_limits": [...]}`.
pub struct CreateRegisteredLimits;

impl CreateRegisteredLimits {
    pub fn from_body(body: Value) -> Result<Vec<NewRegisteredLimit>, ApiError> {
        batch(body, "registered_limits", |item| {
            refuse_unknown(&item, "registered_limits", REGISTERED_LIMIT_FIELDS)?;
            let item = RegisteredLimitItem::from_body(item)?;
            no_extra(item.extra, "registered_limits")?;
            Ok(NewRegisteredLimit {
                service_id: item.service_id.0,
                region_id: text(item.region_id).flatten(),
                resource_name: item.resource_name.0,
                default_limit: item.default_limit.0,
                description: description(item.description).flatten(),
            })
        })
    }
    pub fn schema() -> Value {
        batch_schema("registered_limits", RegisteredLimitItem::schema())
    }
}

crate::wire_body! {
    /// The body of `PATCH /v3/registered_limits/{registered_limit_id}`.
    pub struct UpdateRegisteredLimit in "registered_limit" {
        optional service_id: Text,
        patch region_id: Text,
        optional resource_name: LongName,
        optional default_limit: LimitValue,
        patch description: Description,
        rest extra: Extra,
    }
}

impl UpdateRegisteredLimit {
    pub fn document() -> Value {
        closed_inner(UpdateRegisteredLimit::schema(), "registered_limit")
    }
    /// Reads the body, refusing any field Keystone's schema does not name.
    pub fn from_closed_body(body: Value) -> Result<Self, ApiError> {
        closed_patch(&body, "registered_limit", REGISTERED_LIMIT_FIELDS)?;
        UpdateRegisteredLimit::from_body(body)
    }
    pub fn into_changes(self) -> Result<RegisteredLimitChanges, ApiError> {
        no_extra(self.extra, "registered_limit")?;
        Ok(RegisteredLimitChanges {
            service_id: self.service_id.map(|t| t.0),
            region_id: text(self.region_id),
            resource_name: self.resource_name.map(|n| n.0),
            default_limit: self.default_limit.map(|v| v.0),
            description: description(self.description),
        })
    }
}

crate::wire_body! {
    /// One item of `POST /v3/limits`: for a project or for a domain.
    pub struct LimitItem {
        patch project_id: Text,
        patch domain_id: Text,
        required service_id: Text,
        patch region_id: Text,
        required resource_name: LongName,
        required resource_limit: LimitValue,
        patch description: Description,
        rest extra: Extra,
    }
}

/// The body of `POST /v3/limits`: `{"limits": [...]}`.
pub struct CreateLimits;

impl CreateLimits {
    pub fn from_body(body: Value) -> Result<Vec<NewLimit>, ApiError> {
        batch(body, "limits", |item| {
            refuse_unknown(&item, "limits", LIMIT_FIELDS)?;
            let item = LimitItem::from_body(item)?;
            no_extra(item.extra, "limits")?;
            // Keystone's `oneOf`: a project limit or a domain limit, never both.
            let owner = match (text(item.project_id), text(item.domain_id)) {
                (Some(Some(p)), None) => Owner::Project(p),
                (None, Some(Some(d))) => Owner::Domain(d),
                _ => {
                    return Err(ApiError::invalid_field(
                        "limits",
                        "exactly one of 'project_id' and 'domain_id' is required",
                    ))
                }
            };
            Ok(NewLimit {
                owner,
                service_id: item.service_id.0,
                region_id: text(item.region_id).flatten(),
                resource_name: item.resource_name.0,
                resource_limit: item.resource_limit.0,
                description: description(item.description).flatten(),
            })
        })
    }
    pub fn schema() -> Value {
        let mut item = LimitItem::schema();
        item["oneOf"] = json!([
            {"required": ["project_id"], "properties": {"project_id": {"type": "string"}},
                "not": {"required": ["domain_id"]}},
            {"required": ["domain_id"], "properties": {"domain_id": {"type": "string"}},
                "not": {"required": ["project_id"]}},
        ]);
        batch_schema("limits", item)
    }
}

crate::wire_body! {
    /// The body of `PATCH /v3/limits/{limit_id}`: its value and description only.
    pub struct UpdateLimit in "limit" {
        optional resource_limit: LimitValue,
        patch description: Description,
        rest extra: Extra,
    }
}

impl UpdateLimit {
    pub fn document() -> Value {
        closed_inner(UpdateLimit::schema(), "limit")
    }
    /// Reads the body, refusing any field Keystone's schema does not name.
    pub fn from_closed_body(body: Value) -> Result<Self, ApiError> {
        closed_patch(&body, "limit", LIMIT_UPDATE_FIELDS)?;
        UpdateLimit::from_body(body)
    }
    pub fn into_changes(self) -> Result<LimitChanges, ApiError> {
        no_extra(self.extra, "limit")?;
        Ok(LimitChanges {
            resource_limit: self.resource_limit.map(|v| v.0),
            description: description(self.description),
        })
    }
}

crate::wire_query! {
    /// `GET /v3/registered_limits` (Keystone's api-ref).
    pub struct RegisteredLimitListQuery {
        service_id: Option<String> = "Only registered limits of this service.",
        region_id: Option<String> = "Only registered limits in this region.",
        resource_name: Option<String> = "Only registered limits of this resource.",
    }
}

impl From<RegisteredLimitListQuery> for LimitFilter {
    fn from(q: RegisteredLimitListQuery) -> LimitFilter {
        LimitFilter {
            service_id: q.service_id,
            region_id: q.region_id,
            resource_name: q.resource_name,
            ..LimitFilter::default()
        }
    }
}

crate::wire_query! {
    /// `GET /v3/limits` (Keystone's api-ref).
    pub struct LimitListQuery {
        service_id: Option<String> = "Only limits of this service.",
        region_id: Option<String> = "Only limits in this region.",
        resource_name: Option<String> = "Only limits of this resource.",
        project_id: Option<String> = "Only limits of this project.",
        domain_id: Option<String> = "Only limits of this domain.",
    }
}

impl From<LimitListQuery> for LimitFilter {
    fn from(q: LimitListQuery) -> LimitFilter {
        LimitFilter {
            service_id: q.service_id,
            region_id: q.region_id,
            resource_name: q.resource_name,
            project_id: q.project_id,
            domain_id: q.domain_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_values_stay_within_a_signed_int() {
        let value = |v: Value| {
            let mut body = BodyObject::from_body(json!({ "v": v })).unwrap();
            LimitValue::take(&mut body, "v").map(|o| o.map(|l| l.0))
        };
        assert_eq!(value(json!(-1)).unwrap(), Some(-1));
        assert_eq!(value(json!(2147483647)).unwrap(), Some(2147483647));
        assert!(value(json!(-2)).is_err());
        assert!(value(json!(2147483648_i64)).is_err());
        assert!(value(json!(1.5)).is_err());
        assert!(value(json!("5")).is_err());
    }

    #[test]
    fn a_limit_is_for_a_project_or_a_domain() {
        let one = |item: Value| CreateLimits::from_body(json!({ "limits": [item] }));
        let base = json!({"service_id": "s", "resource_name": "cores", "resource_limit": 5});
        let with = |extra: Value| {
            let mut item = base.clone();
            for (k, v) in extra.as_object().unwrap() {
                item[k] = v.clone();
            }
            item
        };
        assert!(one(with(json!({"project_id": "p"}))).is_ok());
        assert!(one(with(json!({"domain_id": "d"}))).is_ok());
        assert!(one(base.clone()).is_err());
        assert!(one(with(json!({"project_id": "p", "domain_id": "d"}))).is_err());
        assert!(one(with(json!({"project_id": "p", "colour": "red"}))).is_err());
        assert!(CreateLimits::from_body(json!({"limits": []})).is_err());
        assert!(one(with(json!({"project_id": "p", "id": null}))).is_err());
        assert!(UpdateLimit::from_closed_body(json!({"limit": {"id": null}})).is_err());
        assert!(UpdateLimit::from_closed_body(json!({"limit": {"resource_limit": 1}})).is_ok());
        assert!(CreateLimits::from_body(json!({"limits": {}})).is_err());
    }
}
