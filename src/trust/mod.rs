//! The trust manager (Keystone's `keystone/api/trusts.py` and `keystone/trust/core.py`):
//! OS-TRUST trusts, by which a trustor delegates roles it holds on a project to a trustee,
//! optionally impersonated, for a limited number of tokens or time, and redelegable down a
//! bounded chain. Tokens scoped to a trust are the token manager's and `auth::trust_scope`'s.

use serde_json::{Map, Value};

use crate::auth::policy::trust::{self as rules, trust_target};
use crate::auth::policy::{self, Target};
use crate::auth::AuthContext;
use crate::change::{self, Action, Event};
use crate::db::assignments::{self, RoleTarget};
use crate::db::models::RoleRow;
use crate::db::trusts::{self as store, TrustFilter, TrustRow};
use crate::db::{self, resources, roles as role_store, users as user_store, DbConn, StoreError};
use crate::domain::new_id;
use crate::error::ApiError;
use crate::state::AppState;

/// The audited target type, Keystone's notification resource name.
const TARGET: &str = "OS-TRUST:trust";

fn now_us() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// A role as a trust request names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleRef {
    Id(String),
    Name(String),
}

/// A new trust as a face read it (shape-checked: remaining uses >= 1, count >= 0).
#[derive(Debug, Default)]
pub struct NewTrust {
    pub trustor_user_id: String,
    pub trustee_user_id: String,
    pub impersonation: bool,
    pub project_id: Option<String>,
    pub roles: Vec<RoleRef>,
    /// As given: parsed here, in Keystone's words when it is not a time.
    pub expires_at: Option<String>,
    pub remaining_uses: Option<i64>,
    pub allow_redelegation: Option<bool>,
    pub redelegation_count: Option<i64>,
    /// Attributes Keystone does not know, kept and shown back.
    pub extra: Map<String, Value>,
}

/// A trust with the roles it delegates.
#[derive(Debug, Clone)]
pub struct TrustWithRoles {
    pub trust: TrustRow,
    pub roles: Vec<RoleRow>,
}

/// Keystone's `utils.parse_expiration_date`: an ISO 8601 time (UTC when it names no zone),
/// not in the past. Microseconds since the epoch.
pub fn parse_expires_at(text: &str, now_us: i64) -> Result<i64, ApiError> {
    let bad = || {
        ApiError::Validation(
            "Timestamp not in expected format. The server could not comply with the request \
             since it is either malformed or otherwise incorrect. The client is assumed to be \
             in error."
                .into(),
        )
    };
    let at = if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        t.timestamp_micros()
    } else {
        let naive = text.strip_suffix('Z').unwrap_or(text);
        let formats = [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S%.f",
        ];
        let parsed = formats
            .iter()
            .find_map(|f| chrono::NaiveDateTime::parse_from_str(naive, f).ok())
            .or_else(|| {
                chrono::NaiveDate::parse_from_str(naive, "%Y-%m-%d")
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
            })
            .ok_or_else(bad)?;
        parsed.and_utc().timestamp_micros()
    };
    if at < now_us {
        return Err(ApiError::Validation(
            "The 'expires_at' must not be before now. The server could not comply with the \
             request since it is either malformed or otherwise incorrect. The client is \
             assumed to be in error."
                .into(),
        ));
    }
    Ok(at)
}

/// Keystone's `_normalize_role_list`: ids as given, names looked up among the global roles
/// (404 when none has it).
fn normalize_roles(conn: &mut DbConn, roles: &[RoleRef]) -> Result<Vec<String>, ApiError> {
    let mut ids: Vec<String> = Vec::new();
    for role in roles {
        let id = match role {
            RoleRef::Id(id) => id.clone(),
            RoleRef::Name(name) => {
                resources::find_global_role_by_name(conn, name)?
                    .ok_or_else(|| ApiError::not_found("role", name.clone()))?
                    .id
            }
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// The trust a token was scoped to, and its ancestors: Keystone's `get_trust_pedigree`.
fn pedigree(conn: &mut DbConn, first: TrustRow, now_us: i64) -> Result<Vec<TrustRow>, ApiError> {
    let mut chain = vec![first];
    while let Some(parent) = chain.last().and_then(|t| t.redelegated_trust_id.clone()) {
        if chain.len() > 64 {
            break;
        }
        chain.push(store::get_trust(conn, &parent, now_us)?);
    }
    Ok(chain)
}

/// What a new trust becomes once Keystone's redelegation rules are applied.
struct Planned {
    redelegation_count: i32,
    redelegated_trust_id: Option<String>,
    expires_at: Option<i64>,
}

/// Keystone `create_trust`'s redelegation rules (and `_validate_redelegation` for each
/// trust of the chain it is redelegated from).
fn plan_redelegation(
    conn: &mut DbConn,
    new: &NewTrust,
    role_ids: &[String],
    mut expires_at: Option<i64>,
    from: Option<TrustRow>,
    max: i32,
    now_us: i64,
) -> Result<Planned, ApiError> {
    let requested = new.redelegation_count;
    let redelegatable = new.allow_redelegation.unwrap_or(false) && requested != Some(0);
    let mut count: Option<i64> = None;
    if !redelegatable {
        count = Some(0);
    } else {
        if let Some(r) = requested.filter(|r| *r > i64::from(max)) {
            return Err(ApiError::Forbidden(format!(
                "Requested redelegation depth of {r} is greater than allowed {max}"
            )));
        }
        if new.remaining_uses.is_some() {
            return Err(ApiError::Validation(
                "remaining_uses must not be set if redelegation is allowed".into(),
            ));
        }
        count = count.or(requested);
    }
    let mut redelegated_trust_id = None;
    if let Some(parent) = from {
        redelegated_trust_id = Some(parent.id.clone());
        let remaining = i64::from(parent.redelegation_count) - 1;
        if redelegatable && requested.is_some_and(|r| r != 0 && r != remaining) {
            return Err(ApiError::Forbidden(
                "Modifying \"redelegation_count\" upon redelegation is forbidden. Omitting \
                 this parameter is advised."
                    .into(),
            ));
        }
        count = count.or(Some(remaining));
        for t in pedigree(conn, parent, now_us)? {
            let depth = t.redelegation_count;
            if !(0 < depth && depth <= max) {
                return Err(ApiError::Forbidden(format!(
                    "Remaining redelegation depth of {depth} out of allowed range of \
                     [0..{max}]"
                )));
            }
            if let Some(uses) = new.remaining_uses {
                return Err(ApiError::Forbidden(format!(
                    "Field \"remaining_uses\" is set to {uses} while it must not be set in \
                     order to redelegate a trust"
                )));
            }
            match (expires_at, t.expires_at) {
                (Some(mine), Some(theirs)) if theirs < mine => {
                    return Err(ApiError::Forbidden(
                        "Requested expiration time is more than redelegated trust can provide"
                            .into(),
                    ))
                }
                (None, theirs) => expires_at = theirs,
                _ => {}
            }
            let parent_roles: Vec<String> = store::trust_roles(conn, &t.id)?
                .into_iter()
                .map(|r| r.id)
                .collect();
            if !role_ids.iter().all(|id| parent_roles.contains(id)) {
                return Err(ApiError::Forbidden(
                    "Some of requested roles are not in redelegated trust".into(),
                ));
            }
            if !t.impersonation && new.impersonation {
                return Err(ApiError::Forbidden(format!(
                    "Impersonation is not allowed because redelegated trust does not specify \
                     impersonation. Redelegated trust id: {}",
                    t.id
                )));
            }
        }
    }
    let count = count.unwrap_or(i64::from(max));
    Ok(Planned {
        redelegation_count: i32::try_from(count).unwrap_or(i32::MAX),
        redelegated_trust_id,
        expires_at,
    })
}

/// Keystone's check on a token from a restricted application credential: it may not make
/// or delete trusts (that would let a credential outlive its own limits).
fn refuse_restricted_credential(caller: &AuthContext) -> Result<(), ApiError> {
    if caller
        .application_credential
        .as_ref()
        .is_some_and(|c| c.restricted())
    {
        return Err(ApiError::forbidden_action(
            "Using method 'application_credential' is not allowed for managing trusts",
        ));
    }
    Ok(())
}

/// Keystone's `POST /v3/OS-TRUST/trusts`: the caller must be the trustor; the trustee must
/// exist; the roles (by id or name) must be ones the trustor holds on the project; a
/// trust-scoped caller redelegates its own trust, within its rules.
pub async fn create_trust(
    state: &AppState,
    caller: &AuthContext,
    new: NewTrust,
) -> Result<TrustWithRoles, ApiError> {
    change::audit(Event::new(Action::Create, TARGET, None));
    refuse_restricted_credential(caller)?;
    if caller.claims.openstack_oauth1_access_token_id.is_some() {
        return Err(ApiError::forbidden_action(
            "Cannot create a trust with a token issued via delegation",
        ));
    }
    let target = Target {
        trustor_user_id: Some(&new.trustor_user_id),
        trustee_user_id: Some(&new.trustee_user_id),
        ..Target::default()
    };
    policy::enforce(caller, &rules::CREATE_TRUST, &target)?;
    if new.project_id.is_some() && new.roles.is_empty() {
        return Err(ApiError::forbidden_action(
            "At least one role should be specified",
        ));
    }
    if caller.user_id() != new.trustor_user_id {
        return Err(ApiError::forbidden_action(
            "The authenticated user should match the trustor",
        ));
    }
    let max = state.settings.trust.max_redelegation_count;
    let from = caller.trust.as_ref().map(|t| t.id.clone());
    let created = db::run(&state.pool, move |conn| {
        let now = now_us();
        user_store::get_user(conn, &new.trustee_user_id)?;
        let role_ids = normalize_roles(conn, &new.roles)?;
        if let Some(project_id) = &new.project_id {
            let project = resources::get_project(conn, project_id)?;
            let held = assignments::effective_roles(
                conn,
                &new.trustor_user_id,
                &RoleTarget::Project(&project),
            )?;
            if let Some(missing) = role_ids
                .iter()
                .find(|id| !held.iter().any(|r| &r.id == *id))
            {
                return Err(ApiError::not_found("role", missing.clone()));
            }
        } else if let Some(first) = role_ids.first() {
            // Without a project the trustor holds no role to hand on.
            return Err(ApiError::not_found("role", first.clone()));
        }
        let expires_at = new
            .expires_at
            .as_deref()
            .map(|t| parse_expires_at(t, now))
            .transpose()?;
        let from = match from {
            Some(id) => Some(store::get_trust(conn, &id, now)?),
            None => None,
        };
        let plan = plan_redelegation(conn, &new, &role_ids, expires_at, from, max, now)?;
        let row = TrustRow {
            id: new_id(),
            trustor_user_id: new.trustor_user_id,
            trustee_user_id: new.trustee_user_id,
            project_id: new.project_id,
            impersonation: new.impersonation,
            expires_at: plan.expires_at,
            remaining_uses: new
                .remaining_uses
                .map(|n| i32::try_from(n).unwrap_or(i32::MAX)),
            redelegated_trust_id: plan.redelegated_trust_id,
            redelegation_count: plan.redelegation_count,
            extra: Value::Object(new.extra).to_string(),
            created_at: now,
        };
        let trust = store::create_trust(conn, row, &role_ids)?;
        let roles = store::trust_roles(conn, &trust.id)?;
        Ok::<_, ApiError>(TrustWithRoles { trust, roles })
    })
    .await?;
    change::amend(|e| e.target_id = Some(created.trust.id.clone()));
    // Trusts are read afresh by every request that uses one: no cached answer holds one.
    state.changed(&[]);
    Ok(created)
}

/// Loads a trust as Keystone's `_build_trust_target_enforcement` does: a missing, expired
/// or used-up trust is a 404 for every caller, before the policy.
async fn authorized_trust(
    state: &AppState,
    caller: &AuthContext,
    rule: &policy::Policy,
    trust_id: String,
) -> Result<TrustRow, ApiError> {
    let trust = db::run(&state.pool, move |conn| {
        store::get_trust(conn, &trust_id, now_us())
    })
    .await?;
    policy::enforce(
        caller,
        rule,
        &trust_target(&trust.trustor_user_id, &trust.trustee_user_id),
    )?;
    Ok(trust)
}

async fn with_roles(state: &AppState, trust: TrustRow) -> Result<TrustWithRoles, ApiError> {
    let id = trust.id.clone();
    let roles = db::run(&state.pool, move |conn| store::trust_roles(conn, &id)).await?;
    Ok(TrustWithRoles { trust, roles })
}

/// Keystone's `GET /v3/OS-TRUST/trusts/{trust_id}`.
pub async fn get_trust(
    state: &AppState,
    caller: &AuthContext,
    trust_id: String,
) -> Result<TrustWithRoles, ApiError> {
    let trust = authorized_trust(state, caller, &rules::GET_TRUST, trust_id).await?;
    with_roles(state, trust).await
}

/// Keystone's `GET /v3/OS-TRUST/trusts`: with `trustor_user_id`, the trustor's (its own for
/// a non-admin); else with `trustee_user_id`, the trustee's; else all (admins and system
/// readers). Without roles, as Keystone lists them.
pub async fn list_trusts(
    state: &AppState,
    caller: &AuthContext,
    filter: TrustFilter,
) -> Result<Vec<TrustRow>, ApiError> {
    let filter = if let Some(trustor) = filter.trustor_user_id {
        let target = Target {
            trustor_user_id: Some(&trustor),
            ..Target::default()
        };
        policy::enforce(caller, &rules::LIST_TRUSTS_FOR_TRUSTOR, &target)?;
        TrustFilter {
            trustor_user_id: Some(trustor),
            trustee_user_id: None,
        }
    } else if let Some(trustee) = filter.trustee_user_id {
        let target = Target {
            trustee_user_id: Some(&trustee),
            ..Target::default()
        };
        policy::enforce(caller, &rules::LIST_TRUSTS_FOR_TRUSTEE, &target)?;
        TrustFilter {
            trustor_user_id: None,
            trustee_user_id: Some(trustee),
        }
    } else {
        policy::enforce(caller, &rules::LIST_TRUSTS, &Target::default())?;
        TrustFilter::default()
    };
    db::run(&state.pool, move |conn| store::list_trusts(conn, &filter))
        .await
        .map_err(ApiError::from)
}

/// Keystone's `DELETE /v3/OS-TRUST/trusts/{trust_id}`: the trusts redelegated from it go
/// too, and every token of any of them fails its next validation.
pub async fn delete_trust(
    state: &AppState,
    caller: &AuthContext,
    trust_id: String,
) -> Result<(), ApiError> {
    change::audit(Event::deleted(TARGET, trust_id.clone()));
    refuse_restricted_credential(caller)?;
    let trust = authorized_trust(state, caller, &rules::DELETE_TRUST, trust_id).await?;
    db::run(&state.pool, move |conn| {
        store::delete_trust(conn, &trust.id)
    })
    .await?;
    state.changed(&[]);
    Ok(())
}

/// Keystone's `GET /v3/OS-TRUST/trusts/{trust_id}/roles`.
pub async fn list_roles_for_trust(
    state: &AppState,
    caller: &AuthContext,
    trust_id: String,
) -> Result<TrustWithRoles, ApiError> {
    let trust = authorized_trust(state, caller, &rules::LIST_ROLES_FOR_TRUST, trust_id).await?;
    with_roles(state, trust).await
}

/// Keystone's `GET`/`HEAD /v3/OS-TRUST/trusts/{trust_id}/roles/{role_id}`: the role, if the
/// trust delegates it (else 404 naming the role).
pub async fn get_role_for_trust(
    state: &AppState,
    caller: &AuthContext,
    trust_id: String,
    role_id: String,
) -> Result<RoleRow, ApiError> {
    let trust = authorized_trust(state, caller, &rules::GET_ROLE_FOR_TRUST, trust_id).await?;
    let with = with_roles(state, trust).await?;
    if !with.roles.iter().any(|r| r.id == role_id) {
        return Err(ApiError::not_found("role", role_id));
    }
    db::run(&state.pool, move |conn| {
        role_store::get_role(conn, &role_id)
    })
    .await
    .map_err(|e: StoreError| e.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000_000_000;

    #[test]
    fn expiry_times_parse_as_keystone_reads_them() {
        let later = NOW + 3_600_000_000;
        let text = keystone_text(later);
        assert_eq!(parse_expires_at(&text, NOW).unwrap(), later);
        let no_zone = text.trim_end_matches('Z').to_string();
        assert_eq!(parse_expires_at(&no_zone, NOW).unwrap(), later);
        let seconds = chrono::DateTime::from_timestamp_micros(later)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        assert_eq!(parse_expires_at(&seconds, NOW).unwrap(), later);
        let err = parse_expires_at("bad.123Z", NOW).unwrap_err();
        assert!(err.to_string().contains("Timestamp not in expected format"));
        let past = parse_expires_at(&keystone_text(NOW - 1), NOW).unwrap_err();
        assert!(past.to_string().contains("must not be before now"));
    }

    fn keystone_text(us: i64) -> String {
        crate::domain::keystone_time_from_micros(us)
    }
}
