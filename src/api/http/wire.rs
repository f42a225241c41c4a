//! The typed wire contract: one declaration per request body and per list query, from which
//! both the parser and the OpenAPI document are generated, so they cannot disagree.
//!
//! ```ignore
//! wire_body! {
//!     /// The body of `POST /v3/groups`.
//!     pub struct CreateGroup in "group" {
//!         required name: Name,
//!         optional description: Description,
//!         optional domain_id: ResourceId,
//!         rest extra: Extra,
//!     }
//! }
//! let body = CreateGroup::from_body(json)?;     // Keystone's wording on every refusal
//! let schema = CreateGroup::schema();           // the document's requestBody
//!
//! wire_query! {
//!     /// `GET /v3/groups`.
//!     pub struct GroupListQuery {
//!         name: NameMatches = "Exact name; with name__contains etc., a pattern.",
//!         domain_id: Text = "Only groups of this domain.",
//!     }
//! }
//! let q = GroupListQuery::from_query(&ListQuery::from_request(&req)?)?;
//! let params = GroupListQuery::params();        // the document's query parameters
//! ```
//!
//! Field modes: `required` (absent is "'x' is a required property"), `optional` (absent is
//! `None`; null is refused), `patch` (absent, null or a value: [`Patch`]), `rest` (whatever
//! fields are left, kept as extra attributes; declare it last). A field whose JSON name is
//! not a Rust identifier is written `optional kind as "type": Text`.
//!
//! Over 500 lines: the two declaration macros and every shared field type belong together (a
//! field type is the parser and the schema at once); about a third is their unit tests.

use serde_json::{json, Map, Value};

use crate::api::http::body::BodyObject;
use crate::api::http::query::ListQuery;
use crate::api::http::routing::{Param, ParamKind};
use crate::domain::filter::{StringMatch, TimeMatch};
use crate::domain::values::{
    reject_nul, Description, Name, NameFilter, ResourceId, NAME_FILTER_MAX_CHARS,
    PASSWORD_MAX_CHARS,
};
use crate::error::ApiError;

/// A PATCH field: left alone, cleared, or set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Patch<T> {
    #[default]
    Absent,
    Null,
    Value(T),
}

impl<T> Patch<T> {
    pub fn is_absent(&self) -> bool {
        matches!(self, Patch::Absent)
    }
    /// `None` when absent; `Some(None)` when cleared.
    pub fn into_option(self) -> Option<Option<T>> {
        match self {
            Patch::Absent => None,
            Patch::Null => Some(None),
            Patch::Value(v) => Some(Some(v)),
        }
    }
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Patch<U> {
        match self {
            Patch::Absent => Patch::Absent,
            Patch::Null => Patch::Null,
            Patch::Value(v) => Patch::Value(f(v)),
        }
    }
}

/// A type a body field can hold: how it is read (in Keystone's words when it is wrong) and
/// how the document shows it.
pub trait BodyField: Sized {
    fn schema() -> Value;
    /// The field's value; `None` when absent. Null is refused unless the type allows it.
    fn take(body: &mut BodyObject, field: &str) -> Result<Option<Self>, ApiError>;
    /// Absent, null or a value.
    fn take_patch(body: &mut BodyObject, field: &str) -> Result<Patch<Self>, ApiError> {
        if body.is_null(field) {
            body.remove(field);
            return Ok(Patch::Null);
        }
        Ok(match Self::take(body, field)? {
            None => Patch::Absent,
            Some(v) => Patch::Value(v),
        })
    }
}

/// The schema of a field that may also be null.
pub fn nullable(mut schema: Value) -> Value {
    match schema.get("type").cloned() {
        Some(Value::String(t)) => schema["type"] = json!([t, "null"]),
        Some(Value::Array(mut types)) => {
            if !types.contains(&json!("null")) {
                types.push(json!("null"));
            }
            schema["type"] = Value::Array(types);
        }
        _ => return json!({"anyOf": [schema, {"type": "null"}]}),
    }
    schema
}

/// Any string, as given.
pub struct Text(pub String);

impl BodyField for Text {
    fn schema() -> Value {
        json!({"type": "string"})
    }
    fn take(body: &mut BodyObject, field: &str) -> Result<Option<Self>, ApiError> {
        Ok(body.take_string(field)?.map(Text))
    }
}

/// A string stored as given, so with no NUL (PostgreSQL cannot store one). A reference to
/// a row is a [`Text`] instead: a NUL there names no row, and the answer says so.
pub struct StoredText(pub String);

impl BodyField for StoredText {
    fn schema() -> Value {
        json!({"type": "string", "pattern": NO_NUL})
    }
    fn take(body: &mut BodyObject, field: &str) -> Result<Option<Self>, ApiError> {
        match body.take_string(field)? {
            None => Ok(None),
            Some(s) => {
                reject_nul(field, &s)?;
                Ok(Some(StoredText(s)))
            }
        }
    }
}

impl BodyField for bool {
    fn schema() -> Value {
        json!({"type": "boolean"})
    }
    fn take(body: &mut BodyObject, field: &str) -> Result<Option<Self>, ApiError> {
        body.take_bool(field)
    }
}

/// No NUL anywhere (no stored text holds one).
const NO_NUL: &str = "^[^\\u0000]*$";

/// Something besides white space (a name is trimmed, and must not end up empty), no NUL.
const NOT_BLANK: &str = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$";

impl BodyField for Name {
    fn schema() -> Value {
        json!({"type": "string", "minLength": 1, "maxLength": 128, "pattern": NOT_BLANK})
    }
    fn take(body: &mut BodyObject, field: &str) -> Result<Option<Self>, ApiError> {
        match body.take_string(field)? {
            None => Ok(None),
            Some(s) => Ok(Some(Name::parse(field, &s)?)),
        }
    }
}

impl BodyField for Description {
    fn schema() -> Value {
        json!({"type": "string", "maxLength": 255, "pattern": NO_NUL})
    }
    fn take(body: &mut BodyObject, field: &str) -> Result<Option<Self>, ApiError> {
        match body.take_string(field)? {
            None => Ok(None),
            Some(s) => Ok(Some(Description::parse(field, &s)?)),
        }
    }
}

impl BodyField for ResourceId {
    fn schema() -> Value {
        json!({"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[a-zA-Z0-9_-]+$"})
    }
    fn take(body: &mut BodyObject, field: &str) -> Result<Option<Self>, ApiError> {
        match body.take_string(field)? {
            None => Ok(None),
            Some(s) => Ok(Some(ResourceId::parse(field, &s)?)),
        }
    }
}

/// A password as a body gives it: 1 to 4096 characters (Keystone's bound), no NUL; what
/// else it must satisfy is the configured rules' to say, after the policy.
pub struct PasswordText(pub String);

impl BodyField for PasswordText {
    fn schema() -> Value {
        json!({"type": "string", "minLength": 1, "maxLength": PASSWORD_MAX_CHARS, "pattern": NO_NUL})
    }
    fn take(body: &mut BodyObject, field: &str) -> Result<Option<Self>, ApiError> {
        Ok(StoredText::take(body, field)?.map(|t| PasswordText(t.0)))
    }
}

/// Keystone's `tags`.
#[derive(Debug, Clone)]
pub struct Tags(pub Vec<String>);

impl BodyField for Tags {
    fn schema() -> Value {
        json!({"type": "array", "maxItems": 80, "uniqueItems": true, "items":
            {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[^,/\\u0000]*$"}})
    }
    fn take(body: &mut BodyObject, field: &str) -> Result<Option<Self>, ApiError> {
        Ok(body.take_tags(field)?.map(Tags))
    }
}

/// A project's or domain's name: trimmed, 1 to 64 characters (Keystone's resource schema).
pub struct ResourceName(pub Name);

impl BodyField for ResourceName {
    fn schema() -> Value {
        json!({"type": "string", "minLength": 1, "maxLength": 64, "pattern": NOT_BLANK})
    }
    fn take(body: &mut BodyObject, field: &str) -> Result<Option<Self>, ApiError> {
        match body.take_string(field)? {
            None => Ok(None),
            Some(s) => Ok(Some(ResourceName(Name::parse_resource(field, &s)?))),
        }
    }
}

/// Keystone's resource `options`: no option is supported, so only an empty object.
pub struct Options;

impl BodyField for Options {
    fn schema() -> Value {
        json!({"type": "object", "maxProperties": 0})
    }
    fn take(body: &mut BodyObject, field: &str) -> Result<Option<Self>, ApiError> {
        debug_assert_eq!(field, "options");
        let present = body.contains(field);
        body.take_options()?;
        Ok(present.then_some(Options))
    }
}

/// A list filter of tags, comma-separated (`?tags=a,b`): Keystone's `tags`, `tags-any`,
/// `not-tags`, `not-tags-any`.
impl QueryField for Option<Tags> {
    fn params(name: &'static str, description: &'static str) -> Vec<Param> {
        vec![Param {
            name,
            description,
            kind: ParamKind::Text,
        }]
    }
    fn read(query: &ListQuery, name: &'static str) -> Result<Self, ApiError> {
        Ok(query
            .get(name)
            .map(|raw| Tags(raw.split(',').map(str::to_owned).collect())))
    }
}

/// Refuses an update body with nothing in it, as Keystone's `minProperties: 1` does.
pub fn require_properties(body: &Value, key: &str) -> Result<(), ApiError> {
    if body
        .get(key)
        .and_then(Value::as_object)
        .is_some_and(Map::is_empty)
    {
        return Err(ApiError::Validation(format!(
            "Invalid input for field '{key}': {{}} does not have enough properties"
        )));
    }
    Ok(())
}

/// The schema of an update body whose object under `key` must not be empty.
pub fn with_min_properties(mut schema: Value, key: &str) -> Value {
    schema["properties"][key]["minProperties"] = json!(1);
    schema
}

/// The fields left once the declared ones are read: Keystone keeps them as extra attributes.
#[derive(Debug, Default)]
pub struct Extra(pub Map<String, Value>);

#[doc(hidden)]
pub fn required<T>(value: Option<T>, field: &str) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::invalid_field(field, format!("'{field}' is a required property")))
}

#[doc(hidden)]
pub fn object_schema(properties: Vec<(&str, Value, bool)>, rest: bool) -> Value {
    let mut props = Map::new();
    let mut required = Vec::new();
    for (name, schema, is_required) in properties {
        if is_required {
            required.push(json!(name));
        }
        props.insert(name.to_string(), schema);
    }
    let mut schema = json!({"type": "object", "properties": props});
    if !required.is_empty() {
        schema["required"] = Value::Array(required);
    }
    // Fields not declared are kept as extra attributes (`rest`) or ignored, as Keystone's
    // schemas allow them; either way they are JSON the body parser keeps exactly.
    let _ = rest;
    schema["additionalProperties"] = any_json();
    schema
}

/// Where the document defines [`any_json`].
pub const ANY_JSON_REF: &str = "#/components/schemas/AnyJson";

/// Any JSON value the body parser keeps exactly: numbers within what a 64-bit integer or a
/// double holds (a longer one is refused, not stored rounded: see `parse_json_body`).
/// Recursive, so it lives in the document's components and is referred to.
pub fn any_json() -> Value {
    json!({"$ref": ANY_JSON_REF})
}

/// The component [`any_json`] refers to.
pub fn any_json_component() -> Value {
    json!({"anyOf": [
        {"type": ["string", "boolean", "null"]},
        {"type": "integer", "minimum": i64::MIN, "maximum": u64::MAX},
        // Any other number is one a double holds (a whole number past 64 bits is refused).
        {"type": "number", "not": {"type": "integer"}},
        {"type": "array", "items": {"$ref": ANY_JSON_REF}},
        {"type": "object", "additionalProperties": {"$ref": ANY_JSON_REF}},
    ]})
}

#[doc(hidden)]
#[macro_export]
macro_rules! wire_field_type {
    (required $ty:ty) => { $ty };
    (optional $ty:ty) => { Option<$ty> };
    (patch $ty:ty) => { $crate::api::http::wire::Patch<$ty> };
    (rest $ty:ty) => { $ty };
}

#[doc(hidden)]
#[macro_export]
macro_rules! wire_json_name {
    ($field:ident) => {
        stringify!($field)
    };
    ($field:ident $json:literal) => {
        $json
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! wire_take {
    (required $ty:ty, $obj:ident, $name:expr) => {
        $crate::api::http::wire::required(
            <$ty as $crate::api::http::wire::BodyField>::take(&mut $obj, $name)?,
            $name,
        )?
    };
    (optional $ty:ty, $obj:ident, $name:expr) => {
        <$ty as $crate::api::http::wire::BodyField>::take(&mut $obj, $name)?
    };
    (patch $ty:ty, $obj:ident, $name:expr) => {
        <$ty as $crate::api::http::wire::BodyField>::take_patch(&mut $obj, $name)?
    };
    (rest $ty:ty, $obj:ident, $name:expr) => {
        $crate::api::http::wire::Extra(
            ::std::mem::replace(&mut $obj, $crate::api::http::body::BodyObject::empty())
                .into_extra(),
        )
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! wire_schema {
    (required $ty:ty) => {
        Some((<$ty as $crate::api::http::wire::BodyField>::schema(), true))
    };
    (optional $ty:ty) => {
        Some((<$ty as $crate::api::http::wire::BodyField>::schema(), false))
    };
    (patch $ty:ty) => {
        Some((
            $crate::api::http::wire::nullable(
                <$ty as $crate::api::http::wire::BodyField>::schema(),
            ),
            false,
        ))
    };
    (rest $ty:ty) => {
        None
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! wire_is_rest {
    (rest) => {
        true
    };
    ($other:ident) => {
        false
    };
}

/// Declares a request body type; see the module documentation.
#[macro_export]
macro_rules! wire_body {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident $(in $key:literal)? {
            $( $(#[$fmeta:meta])* $mode:ident $field:ident $(as $json:literal)? : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $( $(#[$fmeta])* pub $field: $crate::wire_field_type!($mode $ty), )*
        }

        impl $name {
            /// Reads the body, refusing it in Keystone's words.
            #[allow(unused_mut)]
            pub fn from_body(
                body: ::serde_json::Value,
            ) -> Result<Self, $crate::error::ApiError> {
                let mut obj = $crate::wire_body!(@unwrap body $(, $key)?);
                Ok($name {
                    $( $field: $crate::wire_take!(
                        $mode $ty, obj, $crate::wire_json_name!($field $($json)?)
                    ), )*
                })
            }

            /// The JSON Schema of the body, for the document.
            pub fn schema() -> ::serde_json::Value {
                let mut properties = Vec::new();
                let mut rest = false;
                $(
                    if let Some((schema, required)) = $crate::wire_schema!($mode $ty) {
                        properties.push(($crate::wire_json_name!($field $($json)?), schema, required));
                    }
                    rest |= $crate::wire_is_rest!($mode);
                )*
                let inner = $crate::api::http::wire::object_schema(properties, rest);
                $crate::wire_body!(@wrap inner $(, $key)?)
            }
        }
    };
    (@unwrap $body:ident, $key:literal) => {
        $crate::api::http::body::BodyObject::unwrap_from($body, $key)?
    };
    (@unwrap $body:ident) => {
        $crate::api::http::body::BodyObject::from_body($body)?
    };
    (@wrap $inner:ident, $key:literal) => {
        ::serde_json::json!({"type": "object", "required": [$key], "properties": {$key: $inner},
            "additionalProperties": $crate::api::http::wire::any_json()})
    };
    (@wrap $inner:ident) => {
        $inner
    };
}

/// A type a list's query parameter can hold: which parameters it reads and how.
pub trait QueryField: Sized {
    /// The parameters it reads, under `name`.
    fn params(name: &'static str, description: &'static str) -> Vec<Param>;
    fn read(query: &ListQuery, name: &'static str) -> Result<Self, ApiError>;
}

/// An exact string (`?domain_id=...`); an empty value is a filter for the empty string.
pub type TextFilter = Option<String>;

impl QueryField for Option<String> {
    fn params(name: &'static str, description: &'static str) -> Vec<Param> {
        vec![Param {
            name,
            description,
            kind: ParamKind::Text,
        }]
    }
    fn read(query: &ListQuery, name: &'static str) -> Result<Self, ApiError> {
        Ok(query.get(name).map(str::to_owned))
    }
}

impl QueryField for Option<bool> {
    fn params(name: &'static str, description: &'static str) -> Vec<Param> {
        vec![Param {
            name,
            description,
            kind: ParamKind::Boolean,
        }]
    }
    fn read(query: &ListQuery, name: &'static str) -> Result<Self, ApiError> {
        query.get_bool(name)
    }
}

/// An id (`?user_id=...`), refused with 400 unless it could be one.
impl QueryField for Option<ResourceId> {
    fn params(name: &'static str, description: &'static str) -> Vec<Param> {
        vec![Param {
            name,
            description,
            kind: ParamKind::Id,
        }]
    }
    fn read(query: &ListQuery, name: &'static str) -> Result<Self, ApiError> {
        Ok(query
            .get(name)
            .map(|raw| ResourceId::parse(name, raw))
            .transpose()?)
    }
}

/// A name: exact (`?name=`) and Keystone's patterns (`?name__contains=` and the other
/// `__startswith`, `__endswith`, case-insensitive `__i...` forms).
#[derive(Debug, Clone, Default)]
pub struct NameMatches {
    pub exact: Option<String>,
    pub patterns: Vec<StringMatch>,
}

impl QueryField for NameMatches {
    fn params(name: &'static str, description: &'static str) -> Vec<Param> {
        // As `NameFilter` reads them: up to 64 characters (Huawei's list filter).
        let kind = ParamKind::Sized {
            min: 0,
            max: NAME_FILTER_MAX_CHARS as u32,
        };
        let mut params = vec![Param {
            name,
            description,
            kind,
        }];
        for (suffix, what) in PATTERN_SUFFIXES {
            params.push(Param {
                name: leak(format!("{name}__{suffix}")),
                description: leak(format!("Only entries whose {name} {what}.")),
                kind,
            });
        }
        params
    }
    fn read(query: &ListQuery, name: &'static str) -> Result<Self, ApiError> {
        let exact = match query.get(name) {
            Some(raw) => Some(NameFilter::parse(name, raw)?.as_str().to_owned()),
            None => None,
        };
        Ok(NameMatches {
            exact,
            patterns: query.string_matches(name)?,
        })
    }
}

/// Keystone's pattern suffixes (`StringMatch::comparator` reads them), and what each keeps.
const PATTERN_SUFFIXES: &[(&str, &str)] = &[
    ("contains", "contains this"),
    ("icontains", "contains this, ignoring case"),
    ("startswith", "starts with this"),
    ("istartswith", "starts with this, ignoring case"),
    ("endswith", "ends with this"),
    ("iendswith", "ends with this, ignoring case"),
    ("equals", "is this"),
    ("iequals", "is this, ignoring case"),
];

/// What the document says a time filter is: an optional comparator, then an ISO 8601 UTC
/// time. The date parts are bounded so that every string the pattern allows is a real
/// time (days up to 28), which the parser accepts; the parser takes more (offsets,
/// fractions, day 31), as Keystone does.
pub const TIME_FILTER_PATTERN: &str = "^((lt|lte|gt|gte|eq|neq):)?(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z$";

/// Keystone's time filters: `?<name>=[lt|lte|gt|gte|eq|neq:]<ISO 8601>`, repeatable.
impl QueryField for Vec<TimeMatch> {
    fn params(name: &'static str, description: &'static str) -> Vec<Param> {
        vec![Param {
            name,
            description,
            kind: ParamKind::Pattern(TIME_FILTER_PATTERN),
        }]
    }
    fn read(query: &ListQuery, name: &'static str) -> Result<Self, ApiError> {
        query.time_matches(name)
    }
}

/// The parameter names of a pattern filter are built once per process (the document is
/// built once and cached), so leaking them is bounded.
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// Declares a list's query parameters (besides `limit` and `marker`); see the module
/// documentation.
#[macro_export]
macro_rules! wire_query {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $( $(#[$fmeta:meta])* $field:ident $(as $json:literal)? : $ty:ty = $doc:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default)]
        $vis struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        impl $name {
            pub fn from_query(
                query: &$crate::api::http::query::ListQuery,
            ) -> Result<Self, $crate::error::ApiError> {
                Ok($name {
                    $( $field: <$ty as $crate::api::http::wire::QueryField>::read(
                        query, $crate::wire_json_name!($field $($json)?)
                    )?, )*
                })
            }

            /// The filters, then `limit` and `marker`, for the document.
            pub fn params() -> Vec<$crate::api::http::routing::Param> {
                $crate::api::http::openapi::paged(&Self::filters())
            }

            /// The filters alone, for a list that is not paged (Keystone's catalog).
            pub fn filters() -> Vec<$crate::api::http::routing::Param> {
                let mut params = Vec::new();
                $( params.extend(<$ty as $crate::api::http::wire::QueryField>::params(
                    $crate::wire_json_name!($field $($json)?), $doc
                )); )*
                params
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::http::routing::ParamKind;

    crate::wire_body! {
        /// A test body.
        struct Create in "thing" {
            required name: Name,
            optional description: Description,
            optional kind as "type": Text,
            rest extra: Extra,
        }
    }

    crate::wire_body! {
        struct Update in "thing" {
            patch description: Description,
            optional enabled: bool,
        }
    }

    fn err(e: ApiError) -> String {
        e.to_string()
    }

    #[test]
    fn a_body_is_read_in_keystones_words() {
        let c = Create::from_body(json!({"thing": {"name": " x ", "type": "t", "k": 1}})).unwrap();
        assert_eq!(c.name.as_str(), "x");
        assert!(c.description.is_none());
        assert_eq!(c.kind.map(|t| t.0).as_deref(), Some("t"));
        assert_eq!(c.extra.0.get("k"), Some(&json!(1)));
        let missing = err(Create::from_body(json!({"thing": {}})).err().unwrap());
        assert!(
            missing.contains("'name' is a required property"),
            "{missing}"
        );
        let typed = err(Create::from_body(json!({"thing": {"name": 42}}))
            .err()
            .unwrap());
        assert!(typed.contains("42 is not of type 'string'"), "{typed}");
        let wrapper = err(Create::from_body(json!({"other": {}})).err().unwrap());
        assert!(wrapper.contains("Expecting to find thing"), "{wrapper}");
    }

    #[test]
    fn a_patch_field_has_three_states() {
        let absent = Update::from_body(json!({"thing": {}})).unwrap();
        assert!(absent.description.is_absent());
        let null = Update::from_body(json!({"thing": {"description": null}})).unwrap();
        assert_eq!(null.description.map(|d| d.into_inner()), Patch::Null);
        let set = Update::from_body(json!({"thing": {"description": "d"}})).unwrap();
        assert_eq!(
            set.description.map(|d| d.into_inner()),
            Patch::Value("d".into())
        );
        assert!(Update::from_body(json!({"thing": {"enabled": null}})).is_err());
        let enabled = Update::from_body(json!({"thing": {"enabled": false}})).unwrap();
        assert_eq!(enabled.enabled, Some(false));
    }

    #[test]
    fn the_schema_is_the_parser_s() {
        let s = Create::schema();
        assert_eq!(s["required"], json!(["thing"]));
        let inner = &s["properties"]["thing"];
        assert_eq!(inner["required"], json!(["name"]));
        assert_eq!(inner["properties"]["type"]["type"], "string");
        assert_eq!(inner["additionalProperties"], any_json());
        let u = Update::schema();
        assert_eq!(
            u["properties"]["thing"]["properties"]["description"]["type"],
            json!(["string", "null"])
        );
    }

    crate::wire_query! {
        struct Q {
            name: NameMatches = "Exact name.",
            domain_id: Option<String> = "A domain.",
            enabled: Option<bool> = "Enabled or not.",
        }
    }

    #[test]
    fn what_the_time_pattern_allows_the_parser_reads() {
        for sample in [
            "lt:2026-12-01T10:00:00Z",
            "neq:1999-02-28T23:59:59Z",
            "2000-01-01T00:00:00Z",
        ] {
            assert!(TimeMatch::parse(sample).is_ok(), "{sample}");
        }
    }

    #[test]
    fn a_query_declares_what_it_reads() {
        let names: Vec<&str> = Q::params().iter().map(|p| p.name).collect();
        assert!(names.starts_with(&["name", "name__contains"]), "{names:?}");
        assert!(names.contains(&"domain_id") && names.contains(&"enabled"));
        assert!(names.ends_with(&["limit", "marker"]));
        let enabled = Q::params()
            .into_iter()
            .find(|p| p.name == "enabled")
            .unwrap();
        assert_eq!(enabled.kind, ParamKind::Boolean);
        let q = Q::from_query(
            &ListQuery::parse("name=a&name__icontains=B&domain_id=d&enabled=false").unwrap(),
        )
        .unwrap();
        assert_eq!(q.name.exact.as_deref(), Some("a"));
        assert_eq!(q.name.patterns.len(), 1);
        assert_eq!(q.domain_id.as_deref(), Some("d"));
        assert_eq!(q.enabled, Some(false));
        assert!(Q::from_query(&ListQuery::parse("enabled=maybe").unwrap()).is_err());
    }
}
