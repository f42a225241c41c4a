//! What token issue does for OS-TRUST: a trust-scoped token is never rescoped, and each
//! token issued from a limited trust spends one of its uses.

use crate::auth::AuthContext;
use crate::db;
use crate::error::ApiError;
use crate::state::AppState;

/// Keystone's token plugin: a trust-scoped token may not be used to get another token.
pub fn refuse_rescope(original: &AuthContext) -> Result<(), ApiError> {
    if original.claims.openstack_trust_id.is_some() {
        return Err(ApiError::forbidden_action(
            "Using trust-scoped token to create another token. Create a new trust-scoped \
             token instead",
        ));
    }
    Ok(())
}

/// Keystone `consume_use`, after the token is made: a limited trust loses one use, and one
/// with none left (spent by a concurrent issue meanwhile) gives no token (401).
pub async fn consume_use(state: &AppState, ctx: &AuthContext) -> Result<(), ApiError> {
    let Some(trust) = &ctx.trust else {
        return Ok(());
    };
    if trust.remaining_uses.is_none() {
        return Ok(());
    }
    let trust_id = trust.id.clone();
    let consumed = db::run(&state.pool, move |conn| {
        db::trusts::consume_use(conn, &trust_id)
    })
    .await?;
    if !consumed {
        return Err(ApiError::unauthorized(format!(
            "trust {} has no uses left",
            trust.id
        )));
    }
    // Trusts are read afresh by every request that shows one: nothing cached holds it.
    state.changed(&[]);
    Ok(())
}
