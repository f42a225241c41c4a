//! Token revocation, after Keystone's revoke driver: events by audit id or by user.

use diesel::prelude::*;

use super::models::NewRevocationEvent;
use super::schema::revocation_events as events;
use super::DbConn;
use crate::domain::now_ms;
use crate::error::ApiError;

/// Keystone `revoke` for one token (and its rescoped children, which share the audit id).
pub fn revoke_token(conn: &mut DbConn, audit_id: &str, expires_at_ms: i64) -> Result<(), ApiError> {
    purge_expired(conn)?;
    diesel::insert_into(events::table)
        .values(&NewRevocationEvent {
            audit_id: Some(audit_id.to_string()),
            user_id: None,
            issued_before: now_ms(),
            expires_at: expires_at_ms,
        })
        .execute(conn)?;
    Ok(())
}

/// Revokes every token of a user issued until now (a password change).
pub fn revoke_user_tokens(
    conn: &mut DbConn,
    user_id: &str,
    token_lifetime_ms: i64,
) -> Result<(), ApiError> {
    let now = now_ms();
    diesel::insert_into(events::table)
        .values(&NewRevocationEvent {
            audit_id: None,
            user_id: Some(user_id.to_string()),
            issued_before: now,
            expires_at: now + token_lifetime_ms,
        })
        .execute(conn)?;
    Ok(())
}

/// True if a token with these audit ids, issued at `issued_at_ms` for `user_id`, is revoked.
pub fn is_revoked(
    conn: &mut DbConn,
    audit_ids: &[String],
    user_id: &str,
    issued_at_ms: i64,
) -> Result<bool, ApiError> {
    let hit: Option<i64> = events::table
        .filter(
            events::audit_id.eq_any(audit_ids).or(events::user_id
                .eq(user_id)
                .and(events::issued_before.ge(issued_at_ms))),
        )
        .select(events::id)
        .first(conn)
        .optional()?;
    Ok(hit.is_some())
}

/// Drops events whose tokens have all expired anyway.
fn purge_expired(conn: &mut DbConn) -> Result<(), ApiError> {
    diesel::delete(events::table.filter(events::expires_at.lt(now_ms()))).execute(conn)?;
    Ok(())
}
