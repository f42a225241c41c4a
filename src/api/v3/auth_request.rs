//! The body of `POST /v3/auth/tokens`, read into what the handler acts on: how the caller
//! proves who they are, and the scope asked for. Pure parsing (serde, the error type), so
//! the fuzz target (fuzz/) compiles this file alone instead of the whole service.

use serde::Deserialize;
use serde_json::Value;

use crate::api::http::body::is_secret_field;
use crate::auth::refs::{DomainRef, ScopeRequest, UserRef};
use crate::error::ApiError;

#[derive(Debug, Deserialize)]
struct AuthRequestBody {
    auth: AuthBody,
}

#[derive(Debug, Deserialize)]
struct AuthBody {
    identity: IdentityBody,
    #[serde(default)]
    scope: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct IdentityBody {
    methods: Vec<String>,
    #[serde(default)]
    password: Option<PasswordBody>,
    #[serde(default)]
    token: Option<TokenBody>,
}

#[derive(Debug, Deserialize)]
struct PasswordBody {
    user: PasswordUserBody,
}

#[derive(Debug, Deserialize)]
struct PasswordUserBody {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    domain: Option<DomainBody>,
    password: String,
}

#[derive(Debug, Deserialize)]
struct DomainBody {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct TokenBody {
    id: String,
}

/// How the caller proves who they are.
pub(crate) enum Method {
    Password { user: UserRef, password: String },
    Token { token: String },
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
    // Keystone answers an unsupported method with 401, not 400.
    Err(ApiError::unauthorized(format!(
        "unsupported auth methods {methods:?}"
    )))
}

fn parse_scope(scope: Option<Value>) -> Result<ScopeRequest, ApiError> {
    let scope = match scope {
        None | Some(Value::Null) => return Ok(ScopeRequest::Default),
        Some(Value::String(s)) if s == "unscoped" => return Ok(ScopeRequest::Unscoped),
        Some(Value::Object(map)) => map,
        Some(other) => {
            return Err(ApiError::invalid_field(
                "scope",
                format!("{other} is not of type 'object'"),
            ))
        }
    };
    let field = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    if let Some(project) = scope.get("project") {
        if let Some(id) = field(project, "id") {
            return Ok(ScopeRequest::ProjectId(id));
        }
        let name = field(project, "name")
            .ok_or_else(|| ApiError::expecting("project id or name", "scope"))?;
        let domain = project.get("domain").cloned().unwrap_or(Value::Null);
        let domain = match (field(&domain, "id"), field(&domain, "name")) {
            (Some(id), _) => DomainRef::Id(id),
            (None, Some(name)) => DomainRef::Name(name),
            _ => return Err(ApiError::expecting("domain id or name", "project")),
        };
        return Ok(ScopeRequest::ProjectName { name, domain });
    }
    if let Some(system) = scope.get("system") {
        return match system.get("all") {
            Some(Value::Bool(true)) => Ok(ScopeRequest::System),
            _ => Err(ApiError::expecting("\"all\": true", "system scope")),
        };
    }
    if let Some(domain) = scope.get("domain") {
        return match (field(domain, "id"), field(domain, "name")) {
            (Some(id), _) => Ok(ScopeRequest::Domain(DomainRef::Id(id))),
            (None, Some(name)) => Ok(ScopeRequest::Domain(DomainRef::Name(name))),
            _ => Err(ApiError::expecting("domain id or name", "scope")),
        };
    }
    Err(ApiError::Validation(
        "Specify a project or a domain in the scope, or \"unscoped\".".into(),
    ))
}

/// Checks a `POST /v3/auth/tokens` body as the handler reads it, without acting on it:
/// the entry point of the fuzz target (the parsed parts stay private).
pub fn check_auth_request(body: Value) -> Result<(), ApiError> {
    parse_auth_request(body).map(|_| ())
}

pub(crate) fn parse_auth_request(body: Value) -> Result<(Method, ScopeRequest), ApiError> {
    let parsed: AuthRequestBody = serde_path_to_error::deserialize(body).map_err(|e| {
        let path = e.path().to_string();
        if is_secret_field(&path) {
            // serde's message quotes the value ("invalid type: integer `1234`"): not for a
            // password. The only secret in this body is a string.
            return ApiError::invalid_field(&path, "the value is not of type 'string'");
        }
        ApiError::invalid_field(&path, e.into_inner())
    })?;
    let method = parse_method(parsed.auth.identity)?;
    let scope = parse_scope(parsed.auth.scope)?;
    Ok((method, scope))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn password_requests_by_id_and_by_name() {
        let (m, s) = parse_auth_request(json!({"auth": {"identity": {"methods": ["password"],
            "password": {"user": {"id": "u1", "password": "p"}}}}}))
        .unwrap();
        assert!(matches!(m, Method::Password { user: UserRef::Id(ref id), .. } if id == "u1"));
        assert!(matches!(s, ScopeRequest::Default));

        let (m, s) = parse_auth_request(json!({"auth": {"identity": {"methods": ["password"],
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
    fn scopes_parse() {
        assert!(matches!(
            parse_scope(Some(json!("unscoped"))).unwrap(),
            ScopeRequest::Unscoped
        ));
        assert!(matches!(
            parse_scope(Some(json!({"domain": {"id": "d"}}))).unwrap(),
            ScopeRequest::Domain(DomainRef::Id(_))
        ));
        assert!(parse_scope(Some(json!({"project": {"name": "p"}}))).is_err());
        assert!(parse_scope(Some(json!(5))).is_err());
    }
}
