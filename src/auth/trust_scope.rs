//! The scope of a trust-scoped token (Keystone's token model for OS-TRUST): the trust's
//! project, the roles it delegates that its (original) trustor still holds there, and, when
//! it impersonates, the trustor as the token's user. Checked when the token is issued and
//! again on every validation, so deleting the trust, the trustor losing a delegated role or
//! either user being disabled or deleted ends its tokens at once.

use std::collections::BTreeSet;

use crate::auth::context::Scope;
use crate::db::assignments::{self, RoleTarget};
use crate::db::models::{DomainRow, RoleRow, UserRow};
use crate::db::trusts::{self, TrustRow};
use crate::db::{resources, users, DbConn, StoreError};
use crate::error::ApiError;

/// Most links of a redelegation chain walked (the configured depth is far below).
const MAX_CHAIN: usize = 32;

/// What a trust gives its trustee's token.
#[derive(Debug, Clone)]
pub struct TrustScoped {
    pub trust: TrustRow,
    /// The token's user: the trustor when the trust impersonates, else the trustee.
    pub user: UserRow,
    pub user_domain: DomainRow,
    pub scope: Scope,
    pub roles: Vec<RoleRow>,
    /// The trustor, whose revocations end the token too (Keystone's revoke model matches a
    /// user against the trustor and the trustee as well).
    pub trustor: UserRow,
}

/// When the check is made: a refusal at issue is Keystone's (a 401 for a missing trust, a
/// 403 for the others), while a token that no longer holds is simply invalid (401).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Issuing,
    Validating,
}

fn refuse(when: When, message: &str) -> ApiError {
    match when {
        When::Issuing => ApiError::Forbidden(message.to_string()),
        When::Validating => ApiError::unauthorized(format!("trust-scoped token: {message}")),
    }
}

fn user_or_401(conn: &mut DbConn, user_id: &str) -> Result<UserRow, ApiError> {
    match users::get_user(conn, user_id) {
        Ok(u) => Ok(u),
        Err(StoreError::NotFound { .. }) => Err(ApiError::unauthorized(format!(
            "trust agent {user_id} no longer exists"
        ))),
        Err(e) => Err(e.into()),
    }
}

/// The trustor whose roles the trust hands on: its own, or for a redelegated trust that of
/// the first trust of the chain. Every trust of the chain must still hold, and every
/// trustee along it must still be enabled (Keystone's `get_trust_pedigree` check).
fn original_trustor(
    conn: &mut DbConn,
    trust: &TrustRow,
    when: When,
    now_us: i64,
) -> Result<String, ApiError> {
    let mut current = trust.clone();
    for _ in 0..MAX_CHAIN {
        let Some(parent_id) = current.redelegated_trust_id.clone() else {
            return Ok(current.trustor_user_id);
        };
        let parent = match trusts::find_trust(conn, &parent_id)? {
            Some(p) if !p.is_expired(now_us) => p,
            _ => {
                return Err(ApiError::unauthorized(format!(
                    "trust {parent_id} of the chain is gone or expired"
                )))
            }
        };
        let agent_ok = matches!(users::get_user(conn, &parent.trustee_user_id), Ok(u) if u.enabled);
        if !agent_ok {
            return Err(refuse(
                when,
                "One of the trust agents is disabled or deleted",
            ));
        }
        current = parent;
    }
    Err(ApiError::unauthorized("trust chain too long"))
}

/// Resolves a trust for its trustee `trustee`. At issue a used-up trust is refused (as
/// Keystone's `get_trust` hides it); a token already issued from its last use still holds.
pub fn resolve(
    conn: &mut DbConn,
    trustee: &UserRow,
    trust_id: &str,
    when: When,
    now_us: i64,
) -> Result<TrustScoped, ApiError> {
    let trust = match trusts::find_trust(conn, trust_id)? {
        Some(t) if !(t.is_expired(now_us) || when == When::Issuing && t.is_used_up()) => t,
        _ => {
            return Err(ApiError::unauthorized(format!(
                "Could not find trust: {trust_id}."
            )))
        }
    };
    if trust.trustee_user_id != trustee.id {
        return Err(refuse(when, "User is not a trustee."));
    }
    let trustor = user_or_401(conn, &trust.trustor_user_id)?;
    let trustor_domain = resources::get_domain(conn, &trustor.domain_id)?;
    if !trustor_domain.enabled {
        return Err(ApiError::unauthorized("Trustor domain is disabled."));
    }
    if !trustor.enabled {
        return Err(refuse(when, "Trustor is disabled."));
    }
    let original = original_trustor(conn, &trust, when, now_us)?;
    let (scope, held) = match &trust.project_id {
        Some(project_id) => {
            let project = match resources::get_project(conn, project_id) {
                Ok(p) => p,
                Err(StoreError::NotFound { .. }) => {
                    return Err(ApiError::unauthorized(format!(
                        "project {project_id} of trust {trust_id} not found"
                    )))
                }
                Err(e) => return Err(e.into()),
            };
            let domain = resources::get_domain(conn, &project.domain_id)?;
            if !project.enabled || !domain.enabled {
                return Err(ApiError::unauthorized(format!(
                    "project {project_id} of trust {trust_id} is disabled"
                )));
            }
            let held =
                assignments::effective_roles(conn, &original, &RoleTarget::Project(&project))?;
            (Scope::Project { project, domain }, held)
        }
        None => (Scope::Unscoped, Vec::new()),
    };
    // The delegated roles with every role they imply: the trustor must still hold each.
    let delegated: Vec<String> = trusts::trust_roles(conn, trust_id)?
        .into_iter()
        .map(|r| r.id)
        .collect();
    let rules = assignments::inference_rules(conn)?;
    let wanted: BTreeSet<String> = assignments::expand_implied(&rules, &delegated);
    let held_ids: BTreeSet<&str> = held.iter().map(|r| r.id.as_str()).collect();
    // Every global role the trust stands for must still be the trustor's there (a domain's
    // own role only stands for the global roles it implies, as in tokens).
    for id in &wanted {
        if !held_ids.contains(id.as_str()) && is_global_role(conn, id)? {
            return Err(refuse(when, "Trustee has no delegated roles."));
        }
    }
    let roles: Vec<RoleRow> = held
        .into_iter()
        .filter(|r| wanted.contains(&r.id))
        .collect();
    let (user, user_domain) = if trust.impersonation {
        (trustor.clone(), trustor_domain)
    } else {
        let domain = resources::get_domain(conn, &trustee.domain_id)?;
        (trustee.clone(), domain)
    };
    Ok(TrustScoped {
        trust,
        user,
        user_domain,
        scope,
        roles,
        trustor,
    })
}

fn is_global_role(conn: &mut DbConn, role_id: &str) -> Result<bool, StoreError> {
    match crate::db::roles::get_role(conn, role_id) {
        Ok(role) => Ok(role.domain_id == resources::GLOBAL_ROLE_DOMAIN),
        Err(StoreError::NotFound { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}
