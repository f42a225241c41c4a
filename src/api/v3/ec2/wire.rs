//! The wire contract of `/v3/credentials`, OS-EC2, `/v3/ec2tokens` and `/v3/s3tokens`:
//! the request bodies and list filters (parser and document from one declaration), and
//! the views with their schemas.

use serde_json::{json, Map, Value};

use crate::api::http::extract::BaseUrl;
use crate::api::http::wire::{any_json, Extra, Patch, StoredText, Text};
use crate::credential::keystone::{Credential, CredentialUpdate, Ec2Credential, NewCredential};
use crate::domain::values::ResourceId;

crate::wire_body! {
    /// The body of `POST /v3/credentials` (Keystone's `credential_create`).
    pub struct CreateCredential in "credential" {
        required blob: StoredText,
        required cred_type as "type": StoredText,
        required user_id: ResourceId,
        patch project_id: ResourceId,
        optional id: Text,
        rest extra: Extra,
    }
}

impl From<CreateCredential> for NewCredential {
    fn from(body: CreateCredential) -> NewCredential {
        // A given `id` is not kept: Keystone assigns one.
        let _ = body.id;
        NewCredential {
            user_id: body.user_id.into_inner(),
            project_id: body
                .project_id
                .into_option()
                .flatten()
                .map(ResourceId::into_inner),
            cred_type: body.cred_type.0,
            blob: body.blob.0,
            extra: body.extra.0,
        }
    }
}

crate::wire_body! {
    /// The body of `PATCH /v3/credentials/{credential_id}` (Keystone's
    /// `credential_update`): at least one field; only `blob` (and extra attributes)
    /// may differ from what the credential holds.
    pub struct UpdateCredential in "credential" {
        optional blob: StoredText,
        optional cred_type as "type": Text,
        optional user_id: Text,
        patch project_id: Text,
        optional id: Text,
        rest extra: Extra,
    }
}

impl From<UpdateCredential> for CredentialUpdate {
    fn from(body: UpdateCredential) -> CredentialUpdate {
        CredentialUpdate {
            blob: body.blob.map(|b| b.0),
            cred_type: body.cred_type.map(|t| t.0),
            user_id: body.user_id.map(|u| u.0),
            project_id: match body.project_id {
                Patch::Absent => None,
                Patch::Null => Some(None),
                Patch::Value(p) => Some(Some(p.0)),
            },
            id: body.id.map(|i| i.0),
            extra: body.extra.0,
        }
    }
}

crate::wire_body! {
    /// The body of `POST /v3/users/{user_id}/credentials/OS-EC2`.
    pub struct CreateEc2Credential {
        required tenant_id: ResourceId,
    }
}

crate::wire_query! {
    /// `GET /v3/credentials` (Keystone's `user_id` and `type` hints).
    pub struct CredentialListQuery {
        user_id: Option<String> = "Only this user's credentials.",
        cred_type as "type": Option<String> = "Only credentials of this type (`ec2`, `totp`, ...).",
    }
}

/// A credential as Keystone shows it: its extra attributes, then its own fields.
pub fn credential_view(cred: &Credential, base: &BaseUrl) -> Value {
    let mut out: Map<String, Value> = cred.extra.clone();
    out.insert("id".into(), json!(cred.id));
    out.insert("user_id".into(), json!(cred.user_id));
    out.insert("project_id".into(), json!(cred.project_id));
    out.insert("type".into(), json!(cred.cred_type));
    out.insert("blob".into(), json!(cred.blob));
    out.insert(
        "links".into(),
        json!({"self": base.join(&format!("/v3/credentials/{}", cred.id))}),
    );
    Value::Object(out)
}

pub fn credential_schema() -> Value {
    json!({"type": "object",
    "required": ["id", "user_id", "project_id", "type", "blob", "links"],
    "properties": {
        "id": {"type": "string"},
        "user_id": {"type": "string"},
        "project_id": {"type": ["string", "null"]},
        "type": {"type": "string"},
        "blob": {"type": "string"},
        "links": {"type": "object", "properties": {"self": {"type": "string"}}},
    }})
}

/// An EC2 credential as OS-EC2 shows it, secret included (as Keystone does).
pub fn ec2_view(cred: &Ec2Credential, base: &BaseUrl) -> Value {
    let link = format!(
        "/v3/users/{}/credentials/OS-EC2/{}",
        cred.user_id, cred.access
    );
    json!({
        "user_id": cred.user_id,
        "tenant_id": cred.tenant_id,
        "access": cred.access,
        "secret": cred.secret,
        "trust_id": cred.trust_id,
        "links": {"self": base.join(&link)},
    })
}

pub fn ec2_schema() -> Value {
    json!({"type": "object",
    "required": ["user_id", "tenant_id", "access", "secret", "trust_id", "links"],
    "properties": {
        "user_id": {"type": "string"},
        "tenant_id": {"type": ["string", "null"]},
        "access": {"type": "string"},
        "secret": {"type": "string"},
        "trust_id": {"type": ["string", "null"]},
        "links": {"type": "object", "properties": {"self": {"type": "string"}}},
    }})
}

/// The body of ec2tokens and s3tokens, as the document shows it: what the service
/// forwards of the signed request. Unknown fields are ignored, as Keystone ignores them.
pub fn signed_request_schema(s3: bool) -> Value {
    let mut inner = json!({"type": "object", "additionalProperties": any_json(), "properties": {
        "access": {"type": "string"},
        "signature": {"type": "string"},
    }});
    if s3 {
        inner["properties"]["token"] =
            json!({"type": "string", "description": "The string to sign, base64."});
    } else {
        for key in ["host", "verb", "path", "body_hash"] {
            inner["properties"][key] = json!({"type": "string"});
        }
        for key in ["params", "headers"] {
            inner["properties"][key] =
                json!({"type": "object", "additionalProperties": {"type": "string"}});
        }
    }
    json!({"type": "object", "required": ["credentials"], "additionalProperties": any_json(),
        "properties": {"credentials": inner}})
}
