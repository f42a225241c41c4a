//! The request bodies and list queries of OS-FEDERATION, each declared once for the parser
//! and the document. Keystone's schemas refuse properties they do not name
//! (`additionalProperties: false`), and so do these.

use serde_json::{json, Value};

use crate::api::http::body::BodyObject;
use crate::api::http::wire::{BodyField, Extra, Patch, StoredText};
use crate::db::federation::IdpFilter;
use crate::domain::values::{reject_nul, ResourceId};
use crate::error::ApiError;
use crate::federation::{IdentityProviderChanges, NewIdentityProvider, ProtocolFields};

/// A remote id or a protocol's `remote_id_attribute`: 1 to 255 characters (the column's
/// size: an issuer URL such as Entra ID's is longer than Keystone's schema's 64).
const REMOTE_ID_MAX: usize = 255;

/// Refuses the properties a Keystone schema does not name.
fn no_more(extra: Extra, key: &str) -> Result<(), ApiError> {
    match extra.0.keys().next() {
        Some(k) => Err(ApiError::invalid_field(
            key,
            format!("Additional properties are not allowed ('{k}' was unexpected)"),
        )),
        None => Ok(()),
    }
}

/// The document of a body whose object under `key` takes only the declared properties.
fn closed(mut schema: Value, key: &str) -> Value {
    schema["properties"][key]["additionalProperties"] = json!(false);
    schema
}

/// `remote_ids`: unique strings of 1 to 255 characters.
pub struct RemoteIds(pub Vec<String>);

impl BodyField for RemoteIds {
    fn schema() -> Value {
        json!({"type": "array", "uniqueItems": true, "items":
            {"type": "string", "minLength": 1, "maxLength": REMOTE_ID_MAX, "pattern": "^[^\\u0000]*$"}})
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
        let mut ids: Vec<String> = Vec::with_capacity(items.len());
        for item in items {
            let Value::String(id) = item else {
                return Err(ApiError::invalid_field(
                    field,
                    format!("{item} is not of type 'string'"),
                ));
            };
            reject_nul(field, &id)?;
            if id.is_empty() || id.chars().count() > REMOTE_ID_MAX {
                return Err(ApiError::invalid_field(
                    field,
                    format!("'{id}' must have 1 to {REMOTE_ID_MAX} characters"),
                ));
            }
            if ids.contains(&id) {
                return Err(ApiError::invalid_field(
                    field,
                    format!("'{id}' is given twice: remote ids must be unique"),
                ));
            }
            ids.push(id);
        }
        Ok(Some(RemoteIds(ids)))
    }
}

/// `authorization_ttl`: minutes, 0 or more.
pub struct Minutes(pub i32);

impl BodyField for Minutes {
    fn schema() -> Value {
        json!({"type": "integer", "minimum": 0, "maximum": i32::MAX})
    }
    fn take(body: &mut BodyObject, field: &str) -> Result<Option<Self>, ApiError> {
        let Some(value) = body.remove(field) else {
            return Ok(None);
        };
        match value.as_i64().map(i32::try_from) {
            Some(Ok(n)) if n >= 0 => Ok(Some(Minutes(n))),
            _ => Err(ApiError::invalid_field(
                field,
                format!("{value} is not a number of minutes (an integer from 0)"),
            )),
        }
    }
}

/// A mapping id a protocol names, or a protocol's remote id attribute: 1 to 64 (Keystone's
/// schema) or 255 characters.
pub struct Bounded<const MAX: usize>(pub String);

impl<const MAX: usize> BodyField for Bounded<MAX> {
    fn schema() -> Value {
        json!({"type": "string", "minLength": 1, "maxLength": MAX, "pattern": "^[^\\u0000]*$"})
    }
    fn take(body: &mut BodyObject, field: &str) -> Result<Option<Self>, ApiError> {
        let Some(raw) = body.take_string(field)? else {
            return Ok(None);
        };
        reject_nul(field, &raw)?;
        if raw.is_empty() || raw.chars().count() > MAX {
            return Err(ApiError::invalid_field(
                field,
                format!("'{raw}' must have 1 to {MAX} characters"),
            ));
        }
        Ok(Some(Bounded(raw)))
    }
}

crate::wire_body! {
    /// The body of `PUT /v3/OS-FEDERATION/identity_providers/{idp_id}`.
    pub struct CreateIdentityProvider in "identity_provider" {
        optional enabled: bool,
        patch description: StoredText,
        patch domain_id: ResourceId,
        patch authorization_ttl: Minutes,
        patch remote_ids: RemoteIds,
        rest extra: Extra,
    }
}

impl CreateIdentityProvider {
    pub fn document() -> Value {
        closed(Self::schema(), "identity_provider")
    }
    pub fn parse(body: Value) -> Result<NewIdentityProvider, ApiError> {
        let b = Self::from_body(body)?;
        no_more(b.extra, "identity_provider")?;
        Ok(NewIdentityProvider {
            enabled: b.enabled,
            description: b.description.into_option().flatten().map(|d| d.0),
            domain_id: b
                .domain_id
                .into_option()
                .flatten()
                .map(ResourceId::into_inner),
            authorization_ttl: b.authorization_ttl.into_option().flatten().map(|m| m.0),
            remote_ids: b
                .remote_ids
                .into_option()
                .flatten()
                .map(|r| r.0)
                .unwrap_or_default(),
        })
    }
}

crate::wire_body! {
    /// The body of `PATCH /v3/OS-FEDERATION/identity_providers/{idp_id}`: its domain cannot
    /// change.
    pub struct UpdateIdentityProvider in "identity_provider" {
        optional enabled: bool,
        patch description: StoredText,
        patch authorization_ttl: Minutes,
        patch remote_ids: RemoteIds,
        rest extra: Extra,
    }
}

impl UpdateIdentityProvider {
    pub fn document() -> Value {
        let mut schema = closed(Self::schema(), "identity_provider");
        schema["properties"]["identity_provider"]["minProperties"] = json!(1);
        schema
    }
    pub fn parse(body: Value) -> Result<IdentityProviderChanges, ApiError> {
        let b = Self::from_body(body)?;
        no_more(b.extra, "identity_provider")?;
        let changes = IdentityProviderChanges {
            enabled: b.enabled,
            description: b.description.into_option().map(|d| d.map(|d| d.0)),
            authorization_ttl: b.authorization_ttl.into_option().map(|m| m.map(|m| m.0)),
            remote_ids: match b.remote_ids {
                Patch::Absent => None,
                Patch::Null => Some(Vec::new()),
                Patch::Value(r) => Some(r.0),
            },
        };
        if changes.enabled.is_none()
            && changes.description.is_none()
            && changes.authorization_ttl.is_none()
            && changes.remote_ids.is_none()
        {
            return Err(ApiError::invalid_field(
                "identity_provider",
                "{} does not have enough properties",
            ));
        }
        Ok(changes)
    }
}

crate::wire_body! {
    /// The body of `PUT /v3/OS-FEDERATION/identity_providers/{idp_id}/protocols/{protocol_id}`.
    pub struct CreateProtocol in "protocol" {
        required mapping_id: Bounded<64>,
        patch remote_id_attribute: Bounded<REMOTE_ID_MAX>,
        rest extra: Extra,
    }
}

impl CreateProtocol {
    pub fn document() -> Value {
        closed(Self::schema(), "protocol")
    }
    pub fn parse(body: Value) -> Result<ProtocolFields, ApiError> {
        let b = Self::from_body(body)?;
        no_more(b.extra, "protocol")?;
        Ok(ProtocolFields {
            mapping_id: b.mapping_id.0,
            remote_id_attribute: Some(b.remote_id_attribute.into_option().flatten().map(|a| a.0)),
        })
    }
}

crate::wire_body! {
    /// The body of `PATCH .../protocols/{protocol_id}`: Keystone requires the mapping, and
    /// takes no null remote id attribute.
    pub struct UpdateProtocol in "protocol" {
        required mapping_id: Bounded<64>,
        optional remote_id_attribute: Bounded<REMOTE_ID_MAX>,
        rest extra: Extra,
    }
}

impl UpdateProtocol {
    pub fn document() -> Value {
        closed(Self::schema(), "protocol")
    }
    pub fn parse(body: Value) -> Result<ProtocolFields, ApiError> {
        let b = Self::from_body(body)?;
        no_more(b.extra, "protocol")?;
        Ok(ProtocolFields {
            mapping_id: b.mapping_id.0,
            remote_id_attribute: b.remote_id_attribute.map(|a| Some(a.0)),
        })
    }
}

/// The mapping under `"mapping"`: the rules are read by the mapping engine, which refuses
/// them naming the rule and property.
pub fn mapping_body(body: Value) -> Result<Value, ApiError> {
    let Value::Object(mut outer) = body else {
        return Err(ApiError::expecting("mapping", "request body"));
    };
    match outer.remove("mapping") {
        Some(mapping @ Value::Object(_)) => Ok(mapping),
        Some(other) => Err(ApiError::invalid_field(
            "mapping",
            format!("{other} is not of type 'object'"),
        )),
        None => Err(ApiError::expecting("mapping", "request body")),
    }
}

fn strings() -> Value {
    json!({"type": "array", "items": {"type": "string"}})
}

fn domain_ref() -> Value {
    json!({"type": "object", "additionalProperties": false,
           "properties": {"id": {"type": "string"}, "name": {"type": "string"}}})
}

/// The document of a mapping body: Keystone's schema 1.0, which every later version accepts.
/// What JSON Schema cannot say is said in words: a `{N}` must name a remote entry that is
/// a direct map; a `regex` must compile.
pub fn mapping_schema() -> Value {
    let condition = |name: &str| {
        json!({"type": "object", "additionalProperties": false, "required": ["type", name],
               "properties": {"type": {"type": "string"}, name: strings(),
                              "regex": {"type": "boolean"}}})
    };
    let remote = json!({"oneOf": [
        {"type": "object", "additionalProperties": false, "required": ["type"],
         "properties": {"type": {"type": "string"}}},
        condition("any_one_of"),
        condition("not_any_of"),
        condition("blacklist"),
        condition("whitelist"),
    ]});
    let user = json!({"type": "object", "additionalProperties": false, "properties": {
        "id": {"type": "string"}, "name": {"type": "string"}, "email": {"type": "string"},
        "domain": domain_ref(), "type": {"type": "string", "enum": ["ephemeral", "local"]}}});
    let group = json!({"oneOf": [
        {"type": "object", "additionalProperties": false, "required": ["id"],
         "properties": {"id": {"type": "string"}}},
        {"type": "object", "additionalProperties": false, "required": ["name", "domain"],
         "properties": {"name": {"type": "string"}, "domain": domain_ref()}},
    ]});
    let projects = json!({"type": "array", "items": {"type": "object",
        "additionalProperties": false, "required": ["name", "roles"], "properties": {
            "name": {"type": "string"},
            "roles": {"type": "array", "items": {"type": "object", "additionalProperties": false,
                "required": ["name"], "properties": {"name": {"type": "string"}}}}}}});
    let local = json!({"type": "object", "additionalProperties": false, "properties": {
        "user": user, "group": group, "groups": {"type": "string"},
        "group_ids": {"type": "string"}, "projects": projects, "domain": domain_ref()}});
    json!({"type": "object", "required": ["mapping"],
    "additionalProperties": crate::api::http::wire::any_json(),
    "properties": {"mapping": {
        "type": "object", "required": ["rules"], "additionalProperties": false,
        "description": "Keystone's mapping: every {N} in a local entry names the Nth remote \
            entry that is a direct map (one with only `type`, or with `whitelist` or \
            `blacklist`); a `regex` must compile; `groups` needs a `domain` in its entry \
            unless it is substituted. Schema 2.0 adds `domain` on projects and 3.0 \
            `projects_json`.",
        "properties": {
            "schema_version": {"type": "string", "enum": ["1.0", "2.0", "3.0"]},
            "rules": {"type": "array", "minItems": 1, "items": {
                "type": "object", "additionalProperties": false,
                "required": ["local", "remote"],
                "properties": {
                    "local": {"type": "array", "items": local},
                    "remote": {"type": "array", "minItems": 1, "items": remote},
                }}},
        }}}})
}

crate::wire_query! {
    /// `GET /v3/OS-FEDERATION/identity_providers` (Keystone's api-ref: `id`, `enabled`).
    pub struct IdpListQuery {
        id: Option<String> = "Only the provider with this id.",
        enabled: Option<bool> = "Only enabled (true) or disabled (false) providers.",
    }
}

impl From<IdpListQuery> for IdpFilter {
    fn from(q: IdpListQuery) -> Self {
        IdpFilter {
            id: q.id,
            enabled: q.enabled,
        }
    }
}
