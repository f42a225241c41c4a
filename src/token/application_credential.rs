//! The `application_credential` auth method (Keystone's `auth/plugins/application_credential.py`
//! and `_lookup_app_cred`): a credential by id, or by name with its user, and its secret. The
//! token is scoped to the credential's project, with the credential's roles; a scope in the
//! request is refused. Every refusal is a 401 and costs one hash check.

use crate::auth::context;
use crate::auth::refs::{AppCredRef, ScopeRequest};
use crate::change;
use crate::db::application_credentials::{self as store, AppCredRow};
use crate::db::{self, StoreError};
use crate::error::ApiError;
use crate::state::AppState;

/// A credential whose secret was proved.
pub struct Proved {
    pub row: AppCredRow,
}

fn lookup(conn: &mut db::DbConn, credential: &AppCredRef) -> Result<Option<AppCredRow>, ApiError> {
    match credential {
        AppCredRef::Id(id) => match store::get_application_credential(conn, id) {
            Ok(c) => Ok(Some(c.row)),
            Err(StoreError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        },
        AppCredRef::Named { name, user } => {
            let Some(user) = context::find_user(conn, user)? else {
                return Ok(None);
            };
            let mut found = store::list_application_credentials(conn, &user.id, Some(name))?;
            Ok(match found.len() {
                1 => found.pop().map(|c| c.row),
                _ => None,
            })
        }
    }
}

/// Proves `secret` for the credential named. Keystone's `Invalid application credential ID
/// or secret` (logged) is a 401 for a missing, expired or wrong one alike.
pub async fn prove(
    state: &AppState,
    credential: AppCredRef,
    secret: String,
    scope: &ScopeRequest,
    now_us: i64,
) -> Result<Proved, ApiError> {
    if !matches!(scope, ScopeRequest::Default) {
        return Err(ApiError::unauthorized(
            "Application credentials cannot request a scope.",
        ));
    }
    let found = db::run(&state.pool, move |conn| lookup(conn, &credential)).await?;
    if let Some(row) = &found {
        let user_id = row.user_id.clone();
        change::amend(|e| e.target_id = Some(user_id));
    }
    let stored = found.as_ref().map(|r| r.secret_hash.clone());
    let matches = state.verify_password(secret, stored).await?;
    let Some(row) = found else {
        return Err(ApiError::unauthorized("no such application credential"));
    };
    if !matches {
        return Err(ApiError::unauthorized(format!(
            "wrong secret for application credential {}",
            row.id
        )));
    }
    if row.expires_at.is_some_and(|at| at <= now_us) {
        return Err(ApiError::unauthorized(format!(
            "application credential {} has expired",
            row.id
        )));
    }
    Ok(Proved { row })
}
