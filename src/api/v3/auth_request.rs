//! The body of `POST /v3/auth/tokens`, read into what the token manager acts on: how the
//! caller proves who they are, and the scope asked for. Each part of the body is declared
//! once (`auth_body!`), which yields both its serde parser and its schema for the document.
//! Pure parsing (serde, the error type), so the fuzz target (fuzz/) compiles this file alone
//! instead of the whole service.

use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::api::http::body::is_secret_field;
use crate::auth::refs::{AppCredRef, AuthMethod as Method, DomainRef, ScopeRequest, UserRef};
use crate::error::ApiError;

/// A part of the body as the document shows it.
pub trait WireSchema {
    fn schema() -> Value;
}

impl WireSchema for String {
    fn schema() -> Value {
        json!({"type": "string"})
    }
}

impl WireSchema for bool {
    fn schema() -> Value {
        json!({"type": "boolean"})
    }
}

impl<T: WireSchema> WireSchema for Vec<T> {
    fn schema() -> Value {
        json!({"type": "array", "items": T::schema()})
    }
}

fn object_schema(properties: Vec<(&str, Value, bool)>) -> Value {
    let mut props = Map::new();
    let mut required = Vec::new();
    for (name, schema, is_required) in properties {
        if is_required {
            required.push(json!(name));
        }
        props.insert(name.to_string(), schema);
    }
    // Fields not declared are ignored, but the body parser keeps every number exactly or
    // refuses it: the document's `AnyJson` says which (see `api::http::wire::any_json`).
    let mut schema = json!({"type": "object", "properties": props,
        "additionalProperties": {"$ref": "#/components/schemas/AnyJson"}});
    if !required.is_empty() {
        schema["required"] = Value::Array(required);
    }
    schema
}

macro_rules! auth_field_type {
    (required $ty:ty) => { $ty };
    (optional $ty:ty) => { Option<$ty> };
}

macro_rules! auth_is_required {
    (required) => {
        true
    };
    (optional) => {
        false
    };
}

/// Declares parts of the body: a serde struct (a missing `optional` field is `None`,
/// unknown fields are ignored, as Keystone's schema allows them) and its schema.
macro_rules! auth_body {
    ($(
        $(#[$meta:meta])*
        struct $name:ident { $( $mode:ident $field:ident : $ty:ty ),* $(,)? }
    )*) => {$(
        $(#[$meta])*
        #[derive(Debug, Deserialize)]
        struct $name {
            $( $field: auth_field_type!($mode $ty), )*
        }

        impl WireSchema for $name {
            fn schema() -> Value {
                object_schema(vec![$(
                    (stringify!($field), <$ty as WireSchema>::schema(), auth_is_required!($mode)),
                )*])
            }
        }
    )*};
}

auth_body! {
    /// The whole body: `{"auth": {...}}`.
    struct AuthRequestBody {
        required auth: AuthBody,
    }

    struct AuthBody {
        required identity: IdentityBody,
        optional scope: ScopeField,
    }

    struct IdentityBody {
        required methods: Vec<String>,
        optional password: PasswordBody,
        optional token: TokenBody,
        optional application_credential: AppCredBody,
    }

    /// An application credential by id, or by name with its user.
    struct AppCredBody {
        optional id: String,
        optional name: String,
        optional user: AppCredUserBody,
        required secret: String,
    }

    /// The owner of a credential named by name: by id, or by name with its domain.
    struct AppCredUserBody {
        optional id: String,
        optional name: String,
        optional domain: DomainBody,
    }

    struct PasswordBody {
        required user: PasswordUserBody,
    }

    /// A user by id, or by name with its domain.
    struct PasswordUserBody {
        optional id: String,
        optional name: String,
        optional domain: DomainBody,
        required password: String,
    }

    /// A domain by id or by name.
    struct DomainBody {
        optional id: String,
        optional name: String,
    }

    struct TokenBody {
        required id: String,
    }

    /// An object scope: a project, a domain or the system.
    struct ScopeBody {
        optional project: ProjectScopeBody,
        optional domain: DomainBody,
        optional system: SystemScopeBody,
    }

    /// A project by id, or by name with its domain.
    struct ProjectScopeBody {
        optional id: String,
        optional name: String,
        optional domain: DomainBody,
    }

    struct SystemScopeBody {
        optional all: bool,
    }
}

/// `scope`: an object (a [`ScopeBody`]) or the string `"unscoped"`. Kept as given and read
/// by [`parse_scope`], which refuses anything else in Keystone's words.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
struct ScopeField(Value);

impl WireSchema for ScopeField {
    fn schema() -> Value {
        json!({"oneOf": [scope_object_schema(), {"type": "string", "enum": ["unscoped"]}]})
    }
}

/// A `POST /v3/auth/tokens` body, read: how the caller proves who they are, and the scope
/// asked for.
#[derive(Debug)]
pub struct AuthRequest {
    pub method: Method,
    pub scope: ScopeRequest,
}

impl AuthRequest {
    /// The body's schema for the document, from the declaration the parser is made from.
    pub fn schema() -> Value {
        AuthRequestBody::schema()
    }
}

fn domain_ref(domain: Option<DomainBody>, what: &str) -> Result<DomainRef, ApiError> {
    match domain {
        Some(DomainBody { id: Some(id), .. }) => Ok(DomainRef::Id(id)),
        Some(DomainBody {
            name: Some(name), ..
        }) => Ok(DomainRef::Name(name)),
        _ => Err(ApiError::expecting("domain id or name", what)),
    }
}

fn parse_method(identity: IdentityBody) -> Result<Method, ApiError> {
    let methods = identity.methods;
    if methods.iter().any(|m| m == "password") {
        let password = identity
            .password
            .ok_or_else(|| ApiError::expecting("password", "identity"))?;
        let user = match password.user {
            PasswordUserBody { id: Some(id), .. } => UserRef::Id(id),
            PasswordUserBody {
                name: Some(name),
                domain,
                ..
            } => UserRef::Name {
                name,
                domain: domain_ref(domain, "user")?,
            },
            _ => return Err(ApiError::expecting("user id or name", "password")),
        };
        return Ok(Method::Password {
            user,
            password: password.user.password,
        });
    }
    if methods.iter().any(|m| m == "token") {
        let token = identity
            .token
            .ok_or_else(|| ApiError::expecting("token", "identity"))?;
        return Ok(Method::Token { token: token.id });
    }
    if methods.iter().any(|m| m == "application_credential") {
        let body = identity
            .application_credential
            .ok_or_else(|| ApiError::expecting("application_credential", "identity"))?;
        return Ok(Method::ApplicationCredential {
            credential: app_cred_ref(body.id, body.name, body.user)?,
            secret: body.secret,
        });
    }
    // Keystone answers an unsupported method with 401, not 400.
    Err(ApiError::unauthorized(format!(
        "unsupported auth methods {methods:?}"
    )))
}

/// Keystone's `_lookup_app_cred`: an id, or a name with the user (by id, or by name with
/// its domain).
fn app_cred_ref(
    id: Option<String>,
    name: Option<String>,
    user: Option<AppCredUserBody>,
) -> Result<AppCredRef, ApiError> {
    if let Some(id) = id {
        return Ok(AppCredRef::Id(id));
    }
    let name = name.ok_or_else(|| ApiError::expecting("id or name", "application credential"))?;
    let user = match user {
        Some(AppCredUserBody { id: Some(id), .. }) => UserRef::Id(id),
        Some(AppCredUserBody {
            name: Some(user_name),
            domain: Some(domain),
            ..
        }) => UserRef::Name {
            name: user_name,
            domain: domain_ref(Some(domain), "user")?,
        },
        Some(AppCredUserBody { name: Some(_), .. }) => {
            return Err(ApiError::expecting("domain", "user"))
        }
        _ => return Err(ApiError::expecting("user", "application credential")),
    };
    Ok(AppCredRef::Named { name, user })
}

/// Reads a part of the body with serde, refusing it in Keystone's words (the field's path,
/// and "'x' is a required property" for a missing one), never quoting a secret.
fn deserialize<T: serde::de::DeserializeOwned>(value: Value, at: &str) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = join(at, &e.path().to_string());
        let message = e.into_inner().to_string();
        if let Some(field) = missing_field(&message) {
            // Keystone names the missing field itself, not the object lacking it.
            return ApiError::invalid_field(
                &join(&path, field),
                format!("'{field}' is a required property"),
            );
        }
        if is_secret_field(&path) {
            // serde's message quotes the value ("invalid type: integer `1234`"): not for a
            // password. The only secret in this body is a string.
            return ApiError::invalid_field(&path, "the value is not of type 'string'");
        }
        ApiError::invalid_field(&path, message)
    })
}

/// A field's dotted path under `at` (serde names the root `.`).
fn join(at: &str, inner: &str) -> String {
    match (at, inner) {
        (at, "." | "") => at.to_string(),
        ("", inner) => inner.to_string(),
        (at, inner) => format!("{at}.{inner}"),
    }
}

/// The field serde says is missing ("missing field `identity`"), if that is what it says.
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

fn parse_scope(scope: Option<ScopeField>) -> Result<ScopeRequest, ApiError> {
    let scope = match scope.map(|s| s.0) {
        None | Some(Value::Null) => return Ok(ScopeRequest::Default),
        Some(Value::String(s)) if s == "unscoped" => return Ok(ScopeRequest::Unscoped),
        Some(Value::Object(object)) if object.contains_key(TRUST_SCOPE) => {
            return parse_trust_scope(object)
        }
        Some(object @ Value::Object(_)) => deserialize::<ScopeBody>(object, "auth.scope")?,
        Some(other) => {
            return Err(ApiError::invalid_field(
                "scope",
                format!("{other} is not of type 'object'"),
            ))
        }
    };
    if let Some(project) = scope.project {
        if let Some(id) = project.id {
            return Ok(ScopeRequest::ProjectId(id));
        }
        let name = project
            .name
            .ok_or_else(|| ApiError::expecting("project id or name", "scope"))?;
        return Ok(ScopeRequest::ProjectName {
            name,
            domain: domain_ref(project.domain, "project")?,
        });
    }
    if let Some(system) = scope.system {
        return match system.all {
            Some(true) => Ok(ScopeRequest::System),
            _ => Err(ApiError::expecting("\"all\": true", "system scope")),
        };
    }
    if let Some(domain) = scope.domain {
        return Ok(ScopeRequest::Domain(domain_ref(Some(domain), "scope")?));
    }
    Err(ApiError::Validation(
        "Specify a project or a domain in the scope, or \"unscoped\".".into(),
    ))
}

/// The key of a trust scope (OS-TRUST).
const TRUST_SCOPE: &str = "OS-TRUST:trust";

/// `{"OS-TRUST:trust": {"id": ...}}`, alone in the scope (Keystone's "exactly one of").
fn parse_trust_scope(scope: Map<String, Value>) -> Result<ScopeRequest, ApiError> {
    let others = ["project", "domain", "system", "unscoped"];
    if others.iter().any(|k| scope.contains_key(*k)) {
        return Err(ApiError::expecting(
            "system, project, domain, OS-TRUST:trust or unscoped",
            "scope",
        ));
    }
    match scope.get(TRUST_SCOPE) {
        Some(Value::Object(trust)) => match trust.get("id") {
            Some(Value::String(id)) if !id.is_empty() => Ok(ScopeRequest::Trust(id.clone())),
            Some(Value::String(_)) | None | Some(Value::Null) => {
                Err(ApiError::expecting("trust_id", "trust"))
            }
            Some(other) => Err(ApiError::invalid_field(
                "auth.scope.OS-TRUST:trust.id",
                format!("{other} is not of type 'string'"),
            )),
        },
        Some(other) => Err(ApiError::invalid_field(
            "auth.scope.OS-TRUST:trust",
            format!("{other} is not of type 'object'"),
        )),
        None => Err(ApiError::expecting("trust_id", "trust")),
    }
}

/// The scope's schema as the document shows it: [`ScopeBody`]'s, with the trust scope.
fn scope_object_schema() -> Value {
    let mut schema = ScopeBody::schema();
    schema["properties"][TRUST_SCOPE] = json!({"type": "object", "required": ["id"],
        "properties": {"id": {"type": "string", "minLength": 1}},
        "additionalProperties": {"$ref": "#/components/schemas/AnyJson"}});
    schema
}

/// Checks a `POST /v3/auth/tokens` body as the handler reads it, without acting on it:
/// the entry point of the fuzz target (the parsed parts stay private).
pub fn check_auth_request(body: Value) -> Result<(), ApiError> {
    parse_auth_request(body).map(|_| ())
}

/// Reads a `POST /v3/auth/tokens` body.
pub fn parse_auth_request(body: Value) -> Result<AuthRequest, ApiError> {
    let parsed: AuthRequestBody = deserialize(body, "")?;
    let method = parse_method(parsed.auth.identity)?;
    let scope = parse_scope(parsed.auth.scope)?;
    Ok(AuthRequest { method, scope })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn password_requests_by_id_and_by_name() {
        let AuthRequest {
            method: m,
            scope: s,
        } = parse_auth_request(json!({"auth": {"identity": {"methods": ["password"],
            "password": {"user": {"id": "u1", "password": "p"}}}}}))
        .unwrap();
        assert!(matches!(m, Method::Password { user: UserRef::Id(ref id), .. } if id == "u1"));
        assert!(matches!(s, ScopeRequest::Default));

        let AuthRequest {
            method: m,
            scope: s,
        } = parse_auth_request(json!({"auth": {"identity": {"methods": ["password"],
            "password": {"user": {"name": "admin", "domain": {"name": "Default"}, "password": "p"}}},
            "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}))
        .unwrap();
        assert!(matches!(
            m,
            Method::Password {
                user: UserRef::Name { .. },
                ..
            }
        ));
        assert!(matches!(s, ScopeRequest::ProjectName { .. }));
    }

    #[test]
    fn malformed_requests_are_400_and_name_the_field() {
        let err = parse_auth_request(json!({"auth": {"identity": {"methods": "password"}}}))
            .err()
            .unwrap();
        assert!(err.to_string().contains("auth.identity.methods"), "{err}");
        let err = parse_auth_request(json!({"auth": {"identity": {"methods": ["password"],
            "password": {"user": {"name": "x", "password": "p"}}}}}))
        .err()
        .unwrap();
        assert!(err.to_string().starts_with("400"), "{err}");
    }

    #[test]
    fn application_credential_requests_by_id_and_by_name() {
        let AuthRequest { method, .. } = parse_auth_request(json!({"auth": {"identity": {
            "methods": ["application_credential"],
            "application_credential": {"id": "c1", "secret": "s"}}}}))
        .unwrap();
        assert!(matches!(method, Method::ApplicationCredential {
            credential: AppCredRef::Id(ref id), ref secret } if id == "c1" && secret == "s"));
        let AuthRequest { method, .. } = parse_auth_request(json!({"auth": {"identity": {
            "methods": ["application_credential"],
            "application_credential": {"name": "n", "secret": "s",
                "user": {"name": "u", "domain": {"id": "default"}}}}}}))
        .unwrap();
        assert!(matches!(
            method,
            Method::ApplicationCredential {
                credential: AppCredRef::Named {
                    user: UserRef::Name { .. },
                    ..
                },
                ..
            }
        ));
        for (body, says) in [
            (json!({"secret": "s"}), "id or name"),
            (json!({"name": "n", "secret": "s"}), "user"),
            (
                json!({"name": "n", "secret": "s", "user": {"name": "u"}}),
                "domain",
            ),
            (json!({"id": "c1"}), "'secret' is a required property"),
        ] {
            let err = parse_auth_request(json!({"auth": {"identity": {
                "methods": ["application_credential"], "application_credential": body}}}))
            .err()
            .unwrap();
            assert!(err.to_string().starts_with("400"), "{err}");
            assert!(err.to_string().contains(says), "{err}");
        }
    }

    #[test]
    fn scopes_parse() {
        let scope = |v: Value| parse_scope(Some(ScopeField(v)));
        assert!(matches!(
            scope(json!("unscoped")).unwrap(),
            ScopeRequest::Unscoped
        ));
        assert!(matches!(
            scope(json!({"domain": {"id": "d"}})).unwrap(),
            ScopeRequest::Domain(DomainRef::Id(_))
        ));
        assert!(scope(json!({"project": {"name": "p"}})).is_err());
        assert!(scope(json!(5)).is_err());
        assert!(matches!(
            scope(json!({"OS-TRUST:trust": {"id": "t1"}})).unwrap(),
            ScopeRequest::Trust(ref id) if id == "t1"
        ));
        assert!(scope(json!({"OS-TRUST:trust": ""})).is_err());
        assert!(scope(json!({"OS-TRUST:trust": {}})).is_err());
        assert!(scope(json!({"OS-TRUST:trust": {"id": "t"}, "project": {"id": "p"}})).is_err());
        let typed = scope(json!({"project": {"id": 5}})).err().unwrap();
        assert!(
            typed.to_string().contains("auth.scope.project.id"),
            "{typed}"
        );
    }

    #[test]
    fn a_missing_field_is_named_as_keystone_does() {
        let err = parse_auth_request(json!({"auth": {}})).err().unwrap();
        assert!(
            err.to_string()
                .contains("'identity' is a required property"),
            "{err}"
        );
    }

    #[test]
    fn the_schema_is_the_parser_s() {
        let s = AuthRequest::schema();
        assert_eq!(s["required"], json!(["auth"]));
        let identity = &s["properties"]["auth"]["properties"]["identity"];
        assert_eq!(identity["required"], json!(["methods"]));
        let user = &identity["properties"]["password"]["properties"]["user"];
        assert_eq!(user["required"], json!(["password"]));
        let scope = &s["properties"]["auth"]["properties"]["scope"]["oneOf"][0];
        assert_eq!(
            scope["properties"]["system"]["properties"]["all"]["type"],
            "boolean"
        );
    }
}
