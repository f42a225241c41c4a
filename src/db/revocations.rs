//! Token revocation, after Keystone's revoke driver: events by audit id (a token and its
//! rescoped descendants), by user, by project or by domain.

use diesel::prelude::*;

use super::error::StoreError;
use super::models::NewRevocationEvent;
use super::schema::revocation_events as events;
use super::DbConn;
use crate::domain::now_ms;

/// What a time-bound revocation event covers: every token issued until now for it.
#[derive(Debug, Clone, Copy)]
pub enum Revoked<'a> {
    /// Tokens of the user (a password change, a disabled user).
    User(&'a str),
    /// Tokens scoped to the project (a disabled project).
    Project(&'a str),
    /// Tokens scoped to the domain or to one of its projects, and tokens of its users (a
    /// disabled domain).
    Domain(&'a str),
}

/// Keystone `revoke` for one token, and for every token rescoped from it at any depth:
/// each carries the audit ids of its whole lineage.
pub fn revoke_token(
    conn: &mut DbConn,
    audit_id: &str,
    expires_at_ms: i64,
) -> Result<(), StoreError> {
    purge_expired(conn)?;
    diesel::insert_into(events::table)
        .values(&NewRevocationEvent {
            audit_id: Some(audit_id.to_string()),
            user_id: None,
            issued_before: now_ms(),
            expires_at: expires_at_ms,
            project_id: None,
            domain_id: None,
        })
        .execute(conn)?;
    Ok(())
}

/// Revokes every token of `what` issued until now.
///
/// A change that revokes calls this inside its transaction and again right after the
/// commit. A login takes its token's issue time before it reads what it checks (user,
/// project, domain), so a login that read the state from before the commit has an issue
/// time before the commit, which the second event, timed after the commit, covers; the
/// first event, timed before the commit, would miss a token issued between the two, but
/// holds if the process dies before the second is written.
pub fn revoke(conn: &mut DbConn, what: Revoked, token_lifetime_ms: i64) -> Result<(), StoreError> {
    let now = now_ms();
    let (user_id, project_id, domain_id) = match what {
        Revoked::User(id) => (Some(id), None, None),
        Revoked::Project(id) => (None, Some(id), None),
        Revoked::Domain(id) => (None, None, Some(id)),
    };
    diesel::insert_into(events::table)
        .values(&NewRevocationEvent {
            audit_id: None,
            user_id: user_id.map(str::to_owned),
            issued_before: now,
            expires_at: now + token_lifetime_ms,
            project_id: project_id.map(str::to_owned),
            domain_id: domain_id.map(str::to_owned),
        })
        .execute(conn)?;
    Ok(())
}

/// What a token is, for [`is_revoked`].
#[derive(Debug, Clone, Copy)]
pub struct TokenFacts<'a> {
    pub audit_ids: &'a [String],
    pub user_id: &'a str,
    pub user_domain_id: &'a str,
    pub project_id: Option<&'a str>,
    /// The domain of the token's scope: the domain of a domain-scoped token, or the domain of
    /// the project of a project-scoped one.
    pub scope_domain_id: Option<&'a str>,
    pub issued_at_ms: i64,
}

/// True if a token is revoked: one of its audit ids is, or an event for its user, its
/// project, its scope's domain or its user's domain was made at or after its issue.
pub fn is_revoked(conn: &mut DbConn, token: &TokenFacts) -> Result<bool, StoreError> {
    let mut domains = vec![token.user_domain_id.to_string()];
    domains.extend(token.scope_domain_id.map(str::to_owned));
    // No event names the empty project (ids are never empty), so an unscoped token matches
    // no project event.
    let project = token.project_id.unwrap_or_default().to_string();
    let timed = events::user_id
        .eq(token.user_id)
        .or(events::domain_id.eq_any(domains))
        .or(events::project_id.eq(project));
    let hit: Option<i64> = events::table
        .filter(
            events::audit_id
                .eq_any(token.audit_ids)
                .or(events::issued_before.ge(token.issued_at_ms).and(timed)),
        )
        .select(events::id)
        .first(conn)
        .optional()?;
    Ok(hit.is_some())
}

/// Drops events whose tokens have all expired anyway.
fn purge_expired(conn: &mut DbConn) -> Result<(), StoreError> {
    diesel::delete(events::table.filter(events::expires_at.lt(now_ms()))).execute(conn)?;
    Ok(())
}
