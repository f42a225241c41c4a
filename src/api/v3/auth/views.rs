//! Keystone's token body, serialized straight from the auth context, and its schema.

use serde::Serialize;
use serde_json::{json, Value};

use crate::auth::app_cred::AppCredGrant;
use crate::auth::{AuthContext, Scope};
use crate::domain::keystone_time_from_micros;

#[derive(Serialize)]
struct IdName<'a> {
    id: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct TokenUser<'a> {
    id: &'a str,
    name: &'a str,
    domain: IdName<'a>,
    password_expires_at: Option<String>,
}

#[derive(Serialize)]
struct ProjectRef<'a> {
    id: &'a str,
    name: &'a str,
    domain: IdName<'a>,
}

/// `{"id": ...}`, as the trust block names its users.
#[derive(Serialize)]
struct IdOnly<'a> {
    id: &'a str,
}

/// The `OS-TRUST:trust` block of a trust-scoped token.
#[derive(Serialize)]
struct TrustView<'a> {
    id: &'a str,
    impersonation: bool,
    trustee_user: IdOnly<'a>,
    trustor_user: IdOnly<'a>,
}

#[derive(Serialize)]
struct SystemAll {
    all: bool,
}

#[derive(Serialize)]
struct TokenView<'a> {
    methods: &'a [String],
    user: TokenUser<'a>,
    audit_ids: Vec<&'a str>,
    expires_at: String,
    issued_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    project: Option<ProjectRef<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_domain: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    domain: Option<IdName<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    system: Option<SystemAll>,
    #[serde(skip_serializing_if = "Option::is_none")]
    roles: Option<Vec<IdName<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    catalog: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    application_credential: Option<AppCredView<'a>>,
    #[serde(rename = "OS-TRUST:trust", skip_serializing_if = "Option::is_none")]
    trust: Option<TrustView<'a>>,
    #[serde(rename = "OS-OAUTH1", skip_serializing_if = "Option::is_none")]
    oauth1: Option<OAuth1Ref<'a>>,
}

/// Keystone's `token.application_credential`: `access_rules` only when it has some.
#[derive(Serialize)]
struct AppCredView<'a> {
    id: &'a str,
    name: &'a str,
    restricted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_rules: Option<Vec<AccessRuleView<'a>>>,
}

#[derive(Serialize)]
struct AccessRuleView<'a> {
    id: &'a str,
    service: &'a str,
    method: &'a str,
    path: &'a str,
}

fn app_cred_view(grant: &AppCredGrant) -> AppCredView<'_> {
    AppCredView {
        id: &grant.id,
        name: &grant.name,
        restricted: grant.restricted(),
        access_rules: (!grant.access_rules.is_empty()).then(|| {
            grant
                .access_rules
                .iter()
                .map(|r| AccessRuleView {
                    id: &r.id,
                    service: &r.service,
                    method: &r.method,
                    path: &r.path,
                })
                .collect()
        }),
    }
}

/// A delegated token's `OS-OAUTH1` block.
#[derive(Serialize)]
struct OAuth1Ref<'a> {
    access_token_id: &'a str,
    consumer_id: &'a str,
}

/// Keystone's token body, serialized straight from the auth context: an unscoped token has
/// no roles and no catalog.
#[derive(Serialize)]
pub struct TokenResponse<'a> {
    token: TokenView<'a>,
}

/// Keystone's `audit_ids`: the token's own, and for a rescoped token the chain id (the
/// first token's). The ids of the tokens between, carried for revocation, are not shown.
fn shown_audit_ids(ids: &[String]) -> Vec<&str> {
    match ids {
        [own, .., chain] => vec![own.as_str(), chain.as_str()],
        other => other.iter().map(String::as_str).collect(),
    }
}

impl TokenResponse<'_> {
    /// The document's schema of the token body.
    pub fn schema() -> Value {
        let string = json!({"type": "string"});
        let id_name = json!({"type": "object", "properties": {"id": string, "name": string}});
        json!({"type": "object", "required": ["token"], "properties": {"token": {
            "type": "object",
            "required": ["methods", "user", "audit_ids", "expires_at", "issued_at"],
            "properties": {
                "methods": {"type": "array", "items": string},
                "user": {"type": "object", "properties": {
                    "id": string, "name": string, "domain": id_name,
                    "password_expires_at": {"type": ["string", "null"]},
                }},
                "audit_ids": {"type": "array", "items": string},
                "expires_at": string,
                "issued_at": string,
                "project": {"type": "object", "properties": {
                    "id": string, "name": string, "domain": id_name,
                }},
                "is_domain": {"type": "boolean"},
                "domain": id_name,
                "system": {"type": "object", "properties": {"all": {"type": "boolean"}}},
                "roles": {"type": "array", "items": id_name},
                "catalog": {"type": "array"},
                "application_credential": {"type": "object",
                    "required": ["id", "name", "restricted"], "properties": {
                    "id": string, "name": string, "restricted": {"type": "boolean"},
                    "access_rules": {"type": "array", "items": {"type": "object", "properties": {
                        "id": string, "service": string, "method": string, "path": string,
                    }}},
                }},
                "OS-TRUST:trust": {"type": "object",
                    "required": ["id", "impersonation", "trustee_user", "trustor_user"],
                    "properties": {
                        "id": string,
                        "impersonation": {"type": "boolean"},
                        "trustee_user": {"type": "object", "properties": {"id": string}},
                        "trustor_user": {"type": "object", "properties": {"id": string}},
                    }},
            },
        }}})
    }
}

/// The body of a token: unscoped ones have no roles and no catalog.
pub fn token_body(ctx: &AuthContext, catalog: Option<Value>) -> TokenResponse<'_> {
    let claims = &ctx.claims;
    let mut token = TokenView {
        methods: &claims.openstack_methods,
        user: TokenUser {
            id: &ctx.user.id,
            name: &ctx.user.name,
            domain: IdName {
                id: &ctx.user_domain.id,
                name: &ctx.user_domain.name,
            },
            password_expires_at: ctx
                .user
                .password_expires_at
                .map(|ms| keystone_time_from_micros(ms * 1000)),
        },
        audit_ids: shown_audit_ids(&claims.openstack_audit_ids),
        expires_at: keystone_time_from_micros(claims.openstack_expires_at_us),
        issued_at: keystone_time_from_micros(claims.openstack_issued_at_us),
        project: None,
        is_domain: None,
        domain: None,
        system: None,
        roles: None,
        catalog: None,
        application_credential: ctx.application_credential.as_ref().map(app_cred_view),
        trust: ctx.trust.as_ref().map(|t| TrustView {
            id: &t.id,
            impersonation: t.impersonation,
            trustee_user: IdOnly {
                id: &t.trustee_user_id,
            },
            trustor_user: IdOnly {
                id: &t.trustor_user_id,
            },
        }),
        oauth1: match (
            &claims.openstack_oauth1_access_token_id,
            &claims.openstack_oauth1_consumer_id,
        ) {
            (Some(access_token_id), Some(consumer_id)) => Some(OAuth1Ref {
                access_token_id,
                consumer_id,
            }),
            _ => None,
        },
    };
    match &ctx.scope {
        // A trust without a project still shows its (empty) roles.
        Scope::Unscoped if ctx.trust.is_some() => {}
        Scope::Unscoped => return TokenResponse { token },
        Scope::Project { project, domain } => {
            token.project = Some(ProjectRef {
                id: &project.id,
                name: &project.name,
                domain: IdName {
                    id: &domain.id,
                    name: &domain.name,
                },
            });
            // Keystone's trust-scoped body has no `is_domain`.
            token.is_domain = ctx.trust.is_none().then_some(false);
        }
        Scope::Domain(domain) => {
            token.domain = Some(IdName {
                id: &domain.id,
                name: &domain.name,
            })
        }
        Scope::System => token.system = Some(SystemAll { all: true }),
    }
    token.roles = Some(
        ctx.roles
            .iter()
            .map(|r| IdName {
                id: &r.id,
                name: &r.name,
            })
            .collect(),
    );
    token.catalog = catalog;
    TokenResponse { token }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_show_the_own_and_the_chain_audit_id() {
        let ids: Vec<String> = ["c", "b", "a"].iter().map(|s| s.to_string()).collect();
        assert_eq!(shown_audit_ids(&ids), ["c", "a"]);
        assert_eq!(shown_audit_ids(&ids[1..]), ["b", "a"]);
        assert_eq!(shown_audit_ids(&ids[2..]), ["a"]);
    }
}
