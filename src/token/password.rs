//! Password sign-in, with Keystone's lockout: used by token issue and by the self-service
//! password change, which both prove a password (Keystone's `authenticate`).

use crate::cache::Tag;
use crate::db::models::UserRow;
use crate::db::{self, users};
use crate::domain::now_ms;
use crate::error::ApiError;
use crate::state::AppState;

/// Keystone `authenticate` (identity SQL driver): the user, if `password` is theirs and the
/// account is not locked out. Every refusal is the same 401 (the reason is only logged), and
/// costs one password hash check whatever the reason, so that neither the body nor the time
/// tells a locked account or an unknown user from a wrong password.
pub async fn check_password(
    state: &AppState,
    user: Option<UserRow>,
    password: String,
) -> Result<UserRow, ApiError> {
    let Some(user) = user else {
        state.verify_password(password, None).await?;
        return Err(ApiError::unauthorized("no such user"));
    };
    let lockout = state.settings.security_compliance.lockout();
    if let Some(lockout) = lockout {
        let user_id = user.id.clone();
        let may_try = db::run(&state.pool, move |conn| {
            users::claim_password_attempt(conn, &user_id, &lockout, now_ms())
        })
        .await?;
        // The attempt counts towards the lockout, which the user's cached tokens carry.
        state.changed(&[Tag::principal(&user.id)]);
        if !may_try {
            state.verify_password(password, None).await?;
            return Err(ApiError::unauthorized(format!(
                "user {} is locked out after failed password logins",
                user.id
            )));
        }
    }
    if !state
        .verify_password(password, user.password_hash.clone())
        .await?
    {
        return Err(ApiError::unauthorized(format!(
            "wrong password for user {}",
            user.id
        )));
    }
    if lockout.is_some() {
        let user_id = user.id.clone();
        db::run(&state.pool, move |conn| {
            users::reset_failed_auth(conn, &user_id)
        })
        .await?;
        state.changed(&[Tag::principal(&user.id)]);
    }
    Ok(user)
}
