//! Keystone's token body, serialized straight from the auth context, and its schema.

use serde::Serialize;
use serde_json::{json, Value};

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
    #[serde(rename = "OS-OAUTH1", skip_serializing_if = "Option::is_none")]
    oauth1: Option<OAuth1Ref<'a>>,
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
            token.is_domain = Some(false);
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
