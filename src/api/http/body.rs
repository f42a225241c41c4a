//! Request bodies as every handler reads them: the JSON parser and the typed accessors of
//! the object inside. Depends on nothing but serde_json, the error type and the log, so the
//! fuzz target (fuzz/) compiles this file alone instead of the whole service.

use serde_json::{Map, Value};

use crate::error::ApiError;

/// Fields that the service computes and never stores from a request body.
const COMPUTED_FIELDS: &[&str] = &["id", "links", "create_time"];

/// Parses a request body as the handlers see it: `Null` for an empty or blank body, the
/// JSON value otherwise, Keystone's 400 for anything that is not JSON (invalid UTF-8,
/// nesting past serde_json's limit of 128, numbers out of range). Duplicate keys: the last
/// wins, as in Keystone's Python `json`. A number whose value a double or a 64-bit integer
/// cannot hold (more digits than a double keeps, past 2^64, below the smallest double) is
/// a 400 too, rather than stored rounded. The entry point of the fuzz target.
pub fn parse_json_body(bytes: &[u8]) -> Result<Value, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    let value = serde_json::from_slice::<Value>(bytes).map_err(|e| {
        log::debug!("malformed JSON body: {e}");
        ApiError::MalformedJson
    })?;
    if let Some(token) = first_inexact_number(bytes) {
        let shown: String = token.chars().take(64).collect();
        return Err(ApiError::invalid_field(
            "request body",
            format!("the number {shown} cannot be stored exactly"),
        ));
    }
    Ok(value)
}

/// The first number of a well-formed JSON text whose value changes on the way through
/// serde_json's `Value` (which keeps a double or a 64-bit integer), if any.
fn first_inexact_number(json: &[u8]) -> Option<&str> {
    let mut i = 0;
    while i < json.len() {
        match json[i] {
            b'"' => {
                // Skip the string; the text is known to be valid JSON.
                i += 1;
                while i < json.len() && json[i] != b'"' {
                    i += if json[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < json.len()
                    && matches!(json[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    i += 1;
                }
                let token = std::str::from_utf8(&json[start..i]).ok()?;
                let kept = serde_json::from_str::<Value>(token).ok()?.to_string();
                if decimal_value(token) != decimal_value(&kept) {
                    return Some(token);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// A JSON number as sign, significant digits and exponent, so that `1E2`, `100` and
/// `100.0` compare equal and `0.1000000000000000055` does not equal `0.1`.
fn decimal_value(token: &str) -> (bool, String, i64) {
    let negative = token.starts_with('-');
    let unsigned = token.trim_start_matches('-');
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (
            &unsigned[..at],
            unsigned[at + 1..].parse::<i64>().unwrap_or(i64::MAX),
        ),
        None => (unsigned, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut digits: String = format!("{whole}{fraction}")
        .trim_start_matches('0')
        .to_string();
    let mut exponent = exponent.saturating_sub(fraction.len() as i64);
    while digits.ends_with('0') {
        digits.pop();
        exponent = exponent.saturating_add(1);
    }
    if digits.is_empty() {
        // Zero, whatever its exponent.
        return (negative, String::new(), 0);
    }
    (negative, digits, exponent)
}

/// The object under `key` in a request body such as `{"group": {...}}`, with typed
/// accessors that answer in Keystone's words.
#[derive(Debug)]
pub struct BodyObject {
    map: Map<String, Value>,
}

impl BodyObject {
    /// Unwraps `{"<key>": {...}}`; anything else is a 400.
    pub fn unwrap_from(body: Value, key: &str) -> Result<BodyObject, ApiError> {
        let Value::Object(mut outer) = body else {
            return Err(ApiError::expecting(key, "request body"));
        };
        match outer.remove(key) {
            Some(Value::Object(map)) => Ok(BodyObject { map }),
            Some(other) => Err(ApiError::invalid_field(
                key,
                format!("{other} is not of type 'object'"),
            )),
            None => Err(ApiError::expecting(key, "request body")),
        }
    }

    /// A body that is itself the object, as Baidu's are (`{"name": ...}`, no wrapper key).
    /// An empty body is an empty object.
    pub fn from_body(body: Value) -> Result<BodyObject, ApiError> {
        match body {
            Value::Object(map) => Ok(BodyObject { map }),
            Value::Null => Ok(BodyObject { map: Map::new() }),
            _ => Err(ApiError::expecting("an object", "request body")),
        }
    }

    /// An object with no fields (what is left once a body's fields are all read).
    pub fn empty() -> BodyObject {
        BodyObject { map: Map::new() }
    }

    /// True if `field` is present and null.
    pub fn is_null(&self, field: &str) -> bool {
        matches!(self.map.get(field), Some(Value::Null))
    }

    /// Removes `field`, whatever it holds.
    pub fn remove(&mut self, field: &str) -> Option<Value> {
        self.map.remove(field)
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn contains(&self, field: &str) -> bool {
        self.map.contains_key(field)
    }

    /// A string field; absent is `None`, any other type (null included) is a 400.
    pub fn take_string(&mut self, field: &str) -> Result<Option<String>, ApiError> {
        match self.map.remove(field) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(type_error(field, &other, "string")),
        }
    }

    /// A string field that may be null: absent `None`, null `Some(None)`.
    pub fn take_nullable_string(
        &mut self,
        field: &str,
    ) -> Result<Option<Option<String>>, ApiError> {
        match self.map.remove(field) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(Value::String(s)) => Ok(Some(Some(s))),
            Some(other) => Err(type_error(field, &other, "string")),
        }
    }

    /// A boolean field; absent is `None`.
    pub fn take_bool(&mut self, field: &str) -> Result<Option<bool>, ApiError> {
        match self.map.remove(field) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(other) => Err(type_error(field, &other, "boolean")),
        }
    }

    /// Keystone's `tags`: up to 80 distinct strings of 1 to 255 characters without `/` or `,`.
    pub fn take_tags(&mut self, field: &str) -> Result<Option<Vec<String>>, ApiError> {
        let Some(value) = self.map.remove(field) else {
            return Ok(None);
        };
        let Value::Array(items) = value else {
            return Err(type_error(field, &value, "array"));
        };
        if items.len() > 80 {
            return Err(ApiError::invalid_field(
                field,
                "is too long (at most 80 tags)",
            ));
        }
        let mut tags: Vec<String> = Vec::with_capacity(items.len());
        for item in items {
            let Value::String(tag) = item else {
                return Err(type_error(field, &item, "string"));
            };
            let n = tag.chars().count();
            if n == 0 || n > 255 || tag.contains('/') || tag.contains(',') || tag.contains('\0') {
                return Err(ApiError::invalid_field(
                    field,
                    format!("'{tag}' is not a valid tag"),
                ));
            }
            if tags.contains(&tag) {
                // Keystone's schema says `uniqueItems`.
                return Err(ApiError::invalid_field(
                    field,
                    format!(
                        "{} has non-unique elements",
                        Value::from(tags_and(&tags, tag))
                    ),
                ));
            }
            tags.push(tag);
        }
        Ok(Some(tags))
    }

    /// Keystone's resource `options`: an object. No option is supported, so it must be empty.
    pub fn take_options(&mut self) -> Result<(), ApiError> {
        match self.map.remove("options") {
            None => Ok(()),
            Some(Value::Object(map)) => match map.keys().next() {
                None => Ok(()),
                Some(key) => Err(ApiError::invalid_field(
                    "options",
                    format!("Additional properties are not allowed ('{key}' was unexpected)"),
                )),
            },
            Some(other) => Err(type_error("options", &other, "object")),
        }
    }

    /// Whatever fields are left: Keystone keeps them as extra attributes of the resource.
    pub fn into_extra(mut self) -> Map<String, Value> {
        for field in COMPUTED_FIELDS {
            self.map.remove(*field);
        }
        self.map
    }
}

/// Fields whose value is a secret even when it has the wrong type (a password sent as a
/// number is still the password), by the last part of their path.
const SECRET_FIELDS: &[&str] = &["password", "original_password", "secret"];

/// True if the field at `path` (`auth.identity.password.user.password`) holds a secret,
/// whose value an error message must not repeat.
pub fn is_secret_field(path: &str) -> bool {
    let last = path.rsplit('.').next().unwrap_or(path);
    SECRET_FIELDS.contains(&last)
}

/// The tags read so far with the repeated one, as the refusal shows them.
fn tags_and(tags: &[String], repeated: String) -> Vec<String> {
    let mut shown = tags.to_vec();
    shown.push(repeated);
    shown
}

fn type_error(field: &str, value: &Value, expected: &str) -> ApiError {
    if is_secret_field(field) {
        // Keystone echoes the value here; for a secret that would put it in the response
        // and in the debug log.
        return ApiError::invalid_field(field, format!("the value is not of type '{expected}'"));
    }
    let mut shown = value.to_string();
    if shown.len() > 64 {
        shown = format!("{}...", shown.chars().take(64).collect::<String>());
    }
    ApiError::invalid_field(field, format!("{shown} is not of type '{expected}'"))
}
