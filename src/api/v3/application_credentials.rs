//! `/v3/users/{user_id}/application_credentials` and `/v3/users/{user_id}/access_rules`:
//! Keystone's application credentials and their access rules. Each handler reads the typed
//! request, calls the credential manager (`credential::application`) and wraps its answer.
//! The secret is in the create response only.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::api::http::body::BodyObject;
use crate::api::http::envelope;
use crate::api::http::extract::{BaseUrl, JsonBody};
use crate::api::http::openapi::wrapped;
use crate::api::http::query::ListQuery;
use crate::api::http::routing::{op, RouteTable};
use crate::api::http::wire::{nullable, BodyField, Patch, StoredText, TextFilter};
use crate::assignment::roles::role_domain;
use crate::auth::AuthContext;
use crate::credential::application::{self, NewAccessRule, NewAppCred, RoleName};
use crate::db::application_credentials::{AccessRuleFilter, AccessRuleRow, AppCred};
use crate::domain::values::{Description, Name};
use crate::error::ApiError;
use crate::state::AppState;

/// Keystone's methods an access rule may name.
const METHODS: [&str; 6] = ["DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"];
/// Keystone's `path` bound.
const PATH_MAX_CHARS: usize = 225;

/// The `expires_at` the document shows: a date and time, an optional fraction and zone.
const EXPIRES_AT_PATTERN: &str = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])\
    T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,6})?(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9])?$";

/// `expires_at`: ISO 8601, with or without a fraction and a zone (UTC when none).
pub struct ExpiresAt(pub i64);

/// Reads Keystone's `expires_at` into microseconds since the epoch.
pub fn parse_expires_at(field: &str, raw: &str) -> Result<i64, ApiError> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(raw) {
        return Ok(t.timestamp_micros());
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M%.fZ",
    ] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(raw.trim_end_matches('Z'), format) {
            return Ok(t.and_utc().timestamp_micros());
        }
    }
    Err(ApiError::invalid_field(
        field,
        format!("'{raw}' is not an ISO 8601 date and time"),
    ))
}

/// Keystone shows `expires_at` as the naive UTC time with microseconds (Python's
/// `isoformat()` of what was given).
pub fn show_expires_at(micros: i64) -> String {
    match chrono::DateTime::from_timestamp_micros(micros) {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
        None => "1970-01-01T00:00:00.000000".to_string(),
    }
}

impl BodyField for ExpiresAt {
    fn schema() -> Value {
        // What every parser above reads. Days past the 28th are read too, but not every
        // month has them, so the document leaves them out rather than promise them.
        json!({"type": "string", "pattern": EXPIRES_AT_PATTERN})
    }
    fn take(body: &mut BodyObject, field: &str) -> Result<Option<Self>, ApiError> {
        match body.take_string(field)? {
            None => Ok(None),
            Some(raw) => Ok(Some(ExpiresAt(parse_expires_at(field, &raw)?))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_expires_at_is_read() {
        let pattern = fancy_regex::Regex::new(EXPIRES_AT_PATTERN).unwrap();
        for raw in [
            "2030-02-28T23:59:59",
            "0000-01-01T00:00:00.5",
            "2030-12-01T10:00:00.123456Z",
            "2030-12-01T10:00:00+13:59",
            "2030-12-01T10:00:00-00:00",
        ] {
            assert!(pattern.is_match(raw).unwrap(), "{raw}");
            assert!(parse_expires_at("expires_at", raw).is_ok(), "{raw}");
        }
        assert!(!pattern.is_match("0000-00-00T").unwrap());
        assert_eq!(
            show_expires_at(parse_expires_at("e", "2030-12-01T10:00:00.000123").unwrap()),
            "2030-12-01T10:00:00.000123"
        );
    }
}

/// `roles`: each `{"id": ...}` or `{"name": ...}`.
pub struct RoleList(pub Vec<RoleName>);

impl BodyField for RoleList {
    fn schema() -> Value {
        json!({"type": "array", "items": {"type": "object", "minProperties": 1,
        "maxProperties": 1, "additionalProperties": false, "properties": {
            "id": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[^\\u0000]*$"},
            "name": {"type": "string", "minLength": 1, "maxLength": 255},
        }}})
    }
    fn take(body: &mut BodyObject, field: &str) -> Result<Option<Self>, ApiError> {
        let Some(value) = body.remove(field) else {
            return Ok(None);
        };
        let Value::Array(items) = value else {
            return Err(ApiError::invalid_field(
                field,
                "the value is not of type 'array'",
            ));
        };
        let mut roles = Vec::new();
        for item in items {
            let at = format!("{field}[]");
            let Value::Object(mut map) = item else {
                return Err(ApiError::invalid_field(
                    &at,
                    "the value is not of type 'object'",
                ));
            };
            if map.len() != 1 {
                return Err(ApiError::invalid_field(
                    &at,
                    "a role is given by exactly one of 'id' or 'name'",
                ));
            }
            let role = match (map.remove("id"), map.remove("name")) {
                (Some(Value::String(id)), None) if !id.is_empty() => RoleName::Id(id),
                (None, Some(Value::String(name))) if !name.is_empty() => RoleName::Name(name),
                _ => {
                    return Err(ApiError::invalid_field(
                        &at,
                        "a role is given by exactly one of 'id' or 'name', a non-empty string",
                    ))
                }
            };
            roles.push(role);
        }
        Ok(Some(RoleList(roles)))
    }
}

/// `access_rules`: each an existing rule's `{"id"}`, or `{"service", "method", "path"}`.
pub struct AccessRuleList(pub Vec<NewAccessRule>);

fn rule_string(
    map: &mut serde_json::Map<String, Value>,
    key: &str,
) -> Result<Option<String>, ApiError> {
    match map.remove(key) {
        None => Ok(None),
        Some(Value::String(s)) if !s.contains('\0') => Ok(Some(s)),
        Some(_) => Err(ApiError::invalid_field(
            &format!("access_rules[].{key}"),
            "the value is not a string",
        )),
    }
}

impl BodyField for AccessRuleList {
    fn schema() -> Value {
        json!({"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "string", "minLength": 1, "maxLength": 64},
            "service": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[^\\u0000]*$"},
            "method": {"type": "string", "enum": METHODS},
            "path": {"type": "string", "maxLength": PATH_MAX_CHARS, "pattern": "^/[^\\u0000]*$"},
        }, "anyOf": [{"required": ["id"]}, {"required": ["service", "method", "path"]}]}})
    }
    fn take(body: &mut BodyObject, field: &str) -> Result<Option<Self>, ApiError> {
        let Some(value) = body.remove(field) else {
            return Ok(None);
        };
        let Value::Array(items) = value else {
            return Err(ApiError::invalid_field(
                field,
                "the value is not of type 'array'",
            ));
        };
        let mut rules = Vec::new();
        for item in items {
            let Value::Object(mut map) = item else {
                return Err(ApiError::invalid_field(
                    "access_rules[]",
                    "the value is not of type 'object'",
                ));
            };
            let id = rule_string(&mut map, "id")?;
            let service = rule_string(&mut map, "service")?;
            let method = rule_string(&mut map, "method")?;
            let path = rule_string(&mut map, "path")?;
            if let Some(id) = id {
                rules.push(NewAccessRule::Existing(id));
                continue;
            }
            let (Some(service), Some(method), Some(path)) = (service, method, path) else {
                return Err(ApiError::expecting(
                    "id, or service, method and path",
                    "access rule",
                ));
            };
            if service.is_empty() || service.chars().count() > 64 {
                return Err(ApiError::invalid_field(
                    "access_rules[].service",
                    "a service type is 1 to 64 characters",
                ));
            }
            if !METHODS.contains(&method.as_str()) {
                return Err(ApiError::invalid_field(
                    "access_rules[].method",
                    format!("'{method}' is not one of {METHODS:?}"),
                ));
            }
            if !path.starts_with('/') || path.chars().count() > PATH_MAX_CHARS {
                return Err(ApiError::invalid_field(
                    "access_rules[].path",
                    format!("a path starts with '/' and has at most {PATH_MAX_CHARS} characters"),
                ));
            }
            rules.push(NewAccessRule::Rule {
                service,
                method,
                path,
            });
        }
        Ok(Some(AccessRuleList(rules)))
    }
}

crate::wire_body! {
    /// The body of `POST /v3/users/{user_id}/application_credentials`.
    pub struct CreateAppCred in "application_credential" {
        required name: Name,
        patch description: Description,
        patch secret: StoredText,
        patch expires_at: ExpiresAt,
        patch unrestricted: bool,
        optional roles: RoleList,
        optional access_rules: AccessRuleList,
    }
}

crate::wire_query! {
    /// `GET /v3/users/{user_id}/application_credentials`.
    pub struct AppCredListQuery {
        name: TextFilter = "Only the credential of this name.",
    }
}

crate::wire_query! {
    /// `GET /v3/users/{user_id}/access_rules`.
    pub struct AccessRuleListQuery {
        service: TextFilter = "Only rules for this service type.",
        path: TextFilter = "Only rules of this path.",
        method: TextFilter = "Only rules of this method.",
    }
}

fn access_rule_json(rule: &AccessRuleRow, base: &BaseUrl) -> Value {
    json!({
        "id": rule.id,
        "service": rule.service,
        "method": rule.method,
        "path": rule.path,
        "links": {"self": base.join(&format!("/v3/users/{}/access_rules/{}", rule.user_id, rule.id))},
    })
}

fn app_cred_json(cred: &AppCred, secret: Option<&str>, base: &BaseUrl) -> Value {
    let row = &cred.row;
    let roles: Vec<Value> = cred
        .roles
        .iter()
        .map(|r| json!({"id": r.id, "name": r.name, "domain_id": role_domain(r)}))
        .collect();
    let mut body = json!({
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "project_id": row.project_id,
        "roles": roles,
        "unrestricted": row.unrestricted,
        "expires_at": row.expires_at.map(show_expires_at),
        "links": {"self": base.join(&format!(
            "/v3/users/{}/application_credentials/{}", row.user_id, row.id))},
    });
    if !cred.access_rules.is_empty() {
        body["access_rules"] = Value::Array(
            cred.access_rules
                .iter()
                .map(|r| {
                    let mut shown = access_rule_json(r, base);
                    if let Some(m) = shown.as_object_mut() {
                        m.remove("links");
                    }
                    shown
                })
                .collect(),
        );
    }
    if let Some(secret) = secret {
        body["secret"] = json!(secret);
    }
    body
}

fn app_cred_schema(with_secret: bool) -> Value {
    let string = json!({"type": "string"});
    let mut schema = json!({"type": "object",
    "required": ["id", "name", "project_id", "roles", "unrestricted", "links"],
    "properties": {
        "id": string, "name": string, "project_id": string,
        "description": nullable(string.clone()),
        "expires_at": nullable(string.clone()),
        "unrestricted": {"type": "boolean"},
        "roles": {"type": "array", "items": {"type": "object", "properties": {
            "id": string, "name": string, "domain_id": {"type": ["string", "null"]},
        }}},
        "access_rules": {"type": "array", "items": access_rule_schema()},
        "links": {"type": "object", "properties": {"self": string}},
    }});
    if with_secret {
        schema["properties"]["secret"] = string;
        if let Some(required) = schema["required"].as_array_mut() {
            required.push(json!("secret"));
        }
    }
    schema
}

fn access_rule_schema() -> Value {
    let string = json!({"type": "string"});
    json!({"type": "object", "required": ["id", "service", "method", "path"], "properties": {
        "id": string, "service": string, "method": string, "path": string,
        "links": {"type": "object", "properties": {"self": string}},
    }})
}

fn list_schema(key: &str, item: Value) -> Value {
    let link = json!({"type": ["string", "null"]});
    json!({"type": "object", "required": [key, "links"], "properties": {
        key: {"type": "array", "items": item},
        "links": {"type": "object", "properties": {"self": link, "next": link, "previous": link}},
    }})
}

/// `POST /v3/users/{user_id}/application_credentials`.
pub async fn create(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let body = CreateAppCred::from_body(body.into_value()?)?;
    let new = NewAppCred {
        name: body.name.into_inner(),
        description: body
            .description
            .into_option()
            .flatten()
            .map(Description::into_inner),
        secret: body.secret.into_option().flatten().map(|s| s.0),
        expires_at: body.expires_at.into_option().flatten().map(|e| e.0),
        unrestricted: matches!(body.unrestricted, Patch::Value(true)),
        roles: body.roles.map(|r| r.0),
        access_rules: body.access_rules.map(|r| r.0),
    };
    let (cred, secret) =
        application::create_application_credential(&state, &caller, path.into_inner(), new).await?;
    Ok(HttpResponse::build(StatusCode::CREATED)
        .json(json!({"application_credential": app_cred_json(&cred, Some(&secret), &base)})))
}

/// `GET /v3/users/{user_id}/application_credentials?name=`.
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = AppCredListQuery::from_query(&ListQuery::from_request(&req)?)?;
    let creds =
        application::list_application_credentials(&state, &caller, path.into_inner(), query.name)
            .await?;
    let shown: Vec<Value> = creds
        .iter()
        .map(|c| app_cred_json(c, None, &base))
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "application_credentials": shown,
        "links": envelope::unpaged_links(&base, &req),
    })))
}

/// `GET /v3/users/{user_id}/application_credentials/{application_credential_id}`.
pub async fn show(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (user_id, id) = path.into_inner();
    let cred = application::get_application_credential(&state, &caller, &user_id, id).await?;
    Ok(HttpResponse::Ok()
        .json(json!({"application_credential": app_cred_json(&cred, None, &base)})))
}

/// `DELETE /v3/users/{user_id}/application_credentials/{application_credential_id}`.
pub async fn delete(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (user_id, id) = path.into_inner();
    application::delete_application_credential(&state, &caller, &user_id, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /v3/users/{user_id}/access_rules?service=&path=&method=`.
pub async fn list_rules(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = AccessRuleListQuery::from_query(&ListQuery::from_request(&req)?)?;
    let filter = AccessRuleFilter {
        service: query.service,
        path: query.path,
        method: query.method,
    };
    let rules = application::list_access_rules(&state, &caller, path.into_inner(), filter).await?;
    let shown: Vec<Value> = rules.iter().map(|r| access_rule_json(r, &base)).collect();
    Ok(HttpResponse::Ok().json(json!({
        "access_rules": shown,
        "links": envelope::unpaged_links(&base, &req),
    })))
}

/// `GET /v3/users/{user_id}/access_rules/{access_rule_id}`.
pub async fn show_rule(
    state: web::Data<AppState>,
    caller: AuthContext,
    base: BaseUrl,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (user_id, id) = path.into_inner();
    let rule = application::get_access_rule(&state, &caller, user_id, id).await?;
    Ok(HttpResponse::Ok().json(json!({"access_rule": access_rule_json(&rule, &base)})))
}

/// `DELETE /v3/users/{user_id}/access_rules/{access_rule_id}`: 403 while in use.
pub async fn delete_rule(
    state: web::Data<AppState>,
    caller: AuthContext,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (user_id, id) = path.into_inner();
    application::delete_access_rule(&state, &caller, user_id, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The routes of application credentials and access rules, with their documentation.
pub fn routes(t: &mut RouteTable<'_>) {
    let a = |id: &str, summary: &str| op(id, summary).tag("application credentials");
    t.at("/v3/users/{user_id}/application_credentials")
        .get(
            list,
            a(
                "listApplicationCredentials",
                "A user's application credentials.",
            )
            .query(&AppCredListQuery::filters())
            .answers(
                200,
                list_schema("application_credentials", app_cred_schema(false)),
            ),
        )
        .post(
            create,
            a(
                "createApplicationCredential",
                "Make an application credential for the token's project; the secret is \
                 shown once.",
            )
            .body(CreateAppCred::schema())
            .answers(
                201,
                wrapped("application_credential", app_cred_schema(true)),
            )
            .errors(&[409]),
        );
    t.at("/v3/users/{user_id}/application_credentials/{application_credential_id}")
        .get(
            show,
            a("showApplicationCredential", "One application credential.").answers(
                200,
                wrapped("application_credential", app_cred_schema(false)),
            ),
        )
        .delete(
            delete,
            a(
                "deleteApplicationCredential",
                "Delete an application credential; its tokens stop working.",
            )
            .empty(204),
        );
    t.at("/v3/users/{user_id}/access_rules").get(
        list_rules,
        a("listAccessRules", "A user's access rules.")
            .query(&AccessRuleListQuery::filters())
            .answers(200, list_schema("access_rules", access_rule_schema())),
    );
    t.at("/v3/users/{user_id}/access_rules/{access_rule_id}")
        .get(
            show_rule,
            a("showAccessRule", "One access rule.")
                .answers(200, wrapped("access_rule", access_rule_schema())),
        )
        .delete(
            delete_rule,
            a(
                "deleteAccessRule",
                "Delete an access rule no application credential uses.",
            )
            .empty(204),
        );
}
