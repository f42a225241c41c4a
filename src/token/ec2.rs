//! `POST /v3/ec2tokens` and `POST /v3/s3tokens` (Keystone's `EC2_S3_Resource`): an EC2 or
//! S3 service forwards what its client signed with an EC2 credential, and gets a token
//! scoped to the credential's project for the credential's owner. The calls carry no
//! token: the signature is the proof. Every refusal is a 401 and is audited.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;

use crate::auth::context::{self, NewToken, Proof};
use crate::auth::ec2_signature::{check_ec2, check_s3, SignedRequest};
use crate::auth::refs::ScopeRequest;
use crate::change::{self, Event};
use crate::credential::keystone::{self, ec2_credential_id, EC2, EC2_METHOD};
use crate::db;
use crate::db::os_credentials as store;
use crate::error::ApiError;
use crate::state::AppState;
use crate::token::Issued;

/// Keystone's `[credential] auth_ttl`: minutes a signed request's timestamp stays good.
pub const AUTH_TTL_MINUTES: i64 = 15;

/// What the service forwarded, by call.
#[derive(Debug, Clone)]
pub enum Signed {
    /// ec2tokens: the request's parts and the signature the client sent.
    Ec2 {
        request: SignedRequest,
        signature: String,
    },
    /// s3tokens: the string to sign (base64) and the signature.
    S3 { token: String, signature: String },
}

fn refuse(detail: impl Into<String>) -> ApiError {
    ApiError::Unauthorized(detail.into())
}

/// A signed request's timestamp: ISO 8601 (`Timestamp`) or AWS's basic form
/// (`X-Amz-Date`, `20130524T000000Z`); one without a zone is UTC.
fn parse_timestamp(raw: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(t.with_timezone(&Utc));
    }
    let naive = raw.trim_end_matches('Z');
    ["%Y%m%dT%H%M%S", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(naive, f).ok())
        .map(|n| n.and_utc())
}

/// Keystone's `_check_timestamp`: a request signed more than `auth_ttl` ago is expired.
fn check_timestamp(timestamp: Option<&str>) -> Result<(), ApiError> {
    let Some(raw) = timestamp else {
        // The signer left it out on purpose.
        return Ok(());
    };
    let at = parse_timestamp(raw).ok_or_else(|| refuse("Credential timestamp is invalid"))?;
    if Utc::now() > at + chrono::Duration::minutes(AUTH_TTL_MINUTES) {
        return Err(refuse("Credential is expired"));
    }
    Ok(())
}

/// Keystone's `handle_authenticate`: the EC2 credential of `access`, the signature over
/// its secret, then a token for its owner on its project (which must hold roles there;
/// owner and project enabled, as for any login).
pub async fn authenticate(
    state: &AppState,
    access: Option<String>,
    signed: Signed,
) -> Result<Issued, ApiError> {
    change::audit(Event::authenticate(None));
    let issued_at_us = Utc::now().timestamp_micros();
    let access = access.ok_or_else(|| refuse("EC2 Signature not supplied"))?;
    let id = ec2_credential_id(&access);
    let row = match db::run(&state.pool, move |conn| store::get_credential(conn, &id)).await {
        Ok(row) => row,
        Err(db::error::StoreError::NotFound { .. }) => {
            return Err(refuse("EC2 access key not found."))
        }
        Err(e) => return Err(e.into()),
    };
    if row.cred_type != EC2 {
        return Err(refuse("EC2 access key not found."));
    }
    let cred = keystone::open(state, row)?;
    change::amend(|e| e.target_id = Some(cred.user_id.clone()));
    let ec2 = cred
        .as_ec2()
        .ok_or_else(|| refuse("the EC2 credential's blob has no access"))?;
    let timestamp = match &signed {
        Signed::Ec2 { request, signature } => {
            check_ec2(request, &ec2.secret, signature).map_err(refuse)?;
            request.timestamp().map(str::to_string)
        }
        Signed::S3 { token, signature } => {
            check_s3(token, &ec2.secret, signature).map_err(refuse)?;
            None
        }
    };
    let project_id = ec2
        .tenant_id
        .ok_or_else(|| refuse("the EC2 credential names no project"))?;
    check_timestamp(timestamp.as_deref())?;
    let proof = Proof::Login {
        user_id: ec2.user_id,
        scope: ScopeRequest::ProjectId(project_id),
        token: NewToken {
            methods: vec![EC2_METHOD.to_string()],
            issued_at_us,
            lifetime_s: state.settings.token.expiration,
            cap_expires_at_us: None,
            audit_ids: None,
            auth_at_us: None,
            password_stamp: None,
            application_credential_id: None,
        },
    };
    let ctx = db::run(&state.pool, move |conn| context::build(conn, proof)).await?;
    let token = state.keys.issue(&ctx.claims)?;
    Ok(Issued { token, ctx })
}

/// The `credentials` object of a body (or Keystone's older `credential` and
/// `ec2Credentials`); an empty body is a 400, as in Keystone.
pub fn credentials_of(body: &Value) -> Result<serde_json::Map<String, Value>, ApiError> {
    let obj = match body {
        Value::Object(obj) if !obj.is_empty() => obj,
        _ => {
            return Err(ApiError::Validation(
                "request must include a request body".into(),
            ))
        }
    };
    let found = ["credentials", "credential", "ec2Credentials"]
        .iter()
        .filter_map(|k| obj.get(*k))
        .find(|v| v.as_object().is_some_and(|o| !o.is_empty()));
    Ok(found
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_both_forms_and_their_age() {
        assert!(parse_timestamp("20130524T000000Z").is_some());
        assert!(parse_timestamp("2013-05-24T00:00:00Z").is_some());
        assert!(parse_timestamp("2013-05-24T00:00:00.123Z").is_some());
        assert!(parse_timestamp("2013-05-24T00:00:00").is_some());
        assert!(parse_timestamp("yesterday").is_none());
        assert!(check_timestamp(None).is_ok());
        assert!(check_timestamp(Some("20130524T000000Z")).is_err());
        assert!(check_timestamp(Some("soon")).is_err());
        let now = Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
        assert!(check_timestamp(Some(&now)).is_ok());
    }

    #[test]
    fn credentials_come_under_any_of_keystones_names() {
        use serde_json::json;
        assert!(credentials_of(&json!({})).is_err());
        assert!(credentials_of(&json!([1])).is_err());
        let c = credentials_of(&json!({"ec2Credentials": {"access": "a"}})).unwrap();
        assert_eq!(c["access"], "a");
        let c = credentials_of(&json!({"credentials": "x"})).unwrap();
        assert!(c.is_empty());
    }
}
