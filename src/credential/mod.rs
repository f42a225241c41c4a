//! The credential manager: access keys (AK/SK), one set of rules for Huawei's
//! `/v3.0/OS-CREDENTIAL/credentials` and Baidu's `/v1/user/{userName}/accesskey`, on one
//! store, so a key made on one face signs on both. Keystone's rule on the key's owner,
//! then (for a change) the ceiling; at most two keys a user; minting needs a recent
//! password login. The secret is returned by the create only and never logged.

pub mod keystone;

pub mod application;

use crate::assignment::ceiling;
use crate::auth::fresh_login::check_may_mint_access_key;
use crate::auth::policy::glue::authorize;
use crate::auth::policy::{self, Policy, Target};
use crate::auth::AuthContext;
use crate::change::{self, Action, Event};
use crate::db;
use crate::db::credentials::{self as store, CredentialChanges};
use crate::db::models::{CredentialRow, UserRow};
use crate::domain::credentials::{new_access_key, new_secret_key, CredentialStatus};
use crate::domain::now_ms;
use crate::error::ApiError;
use crate::identity::groups::load_user;
use crate::identity::Ref;
use crate::state::AppState;

/// Which face a call came through: each names the audited target its own way (Huawei's
/// `credential`, Baidu's `user.accesskey`), as the audit trail has always shown them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    Huawei,
    Baidu,
}

impl Face {
    fn target_type(self) -> &'static str {
        match self {
            Face::Huawei => "credential",
            Face::Baidu => "user.accesskey",
        }
    }
}

/// How a call names a key: by its access key id (Huawei), or as one of a named user's keys
/// (Baidu), where another user's key is as unknown as a missing one.
#[derive(Debug, Clone)]
pub enum KeyRef {
    Access(String),
    OfUser { user: Ref, access: String },
}

impl KeyRef {
    fn access(&self) -> &str {
        match self {
            KeyRef::Access(access) | KeyRef::OfUser { access, .. } => access,
        }
    }
}

/// Keystone's target of a credential rule: the key's owner.
fn owner(user_id: &str) -> Target<'_> {
    Target {
        user_id: Some(user_id),
        ..Target::default()
    }
}

/// The owner a call names, after `rule` (and, for a change, the ceiling) allowed it: a
/// missing user is a 404 for an admin and a 403 for anyone else.
async fn authorized_owner(
    state: &AppState,
    caller: &AuthContext,
    rule: &Policy,
    user: Ref,
) -> Result<UserRow, ApiError> {
    let loaded = db::run(&state.pool, move |conn| load_user(conn, &user)).await;
    let user = authorize(caller, rule, loaded, |u| owner(&u.id))?;
    if !std::ptr::eq(rule, &policy::READ_CREDENTIAL) {
        ceiling::check_user(state, caller, rule, &user.id).await?;
    }
    Ok(user)
}

/// The key a call names, after `rule` on its owner (and, for a change, the ceiling)
/// allowed it. An unknown key is a 404 for an admin but a 403 for anyone else, so keys
/// cannot be probed by id.
async fn authorized_key(
    state: &AppState,
    caller: &AuthContext,
    rule: &Policy,
    key: KeyRef,
) -> Result<CredentialRow, ApiError> {
    match key {
        KeyRef::Access(access) => {
            let loaded = db::run(&state.pool, move |conn| {
                store::get_credential(conn, &access)
            })
            .await
            .map_err(ApiError::from);
            let row = authorize(caller, rule, loaded, |row| owner(&row.user_id))?;
            // Reads are not limited; a change to another user's key is.
            if !std::ptr::eq(rule, &policy::READ_CREDENTIAL) {
                ceiling::check_user(state, caller, rule, &row.user_id).await?;
            }
            Ok(row)
        }
        KeyRef::OfUser { user, access } => {
            let user = authorized_owner(state, caller, rule, user).await?;
            db::run(&state.pool, move |conn| {
                let key = store::get_credential(conn, &access)?;
                if key.user_id != user.id {
                    return Err(ApiError::not_found("accesskey", access));
                }
                Ok(key)
            })
            .await
        }
    }
}

/// Huawei's `CreatePermanentAccessKey` and Baidu's `CreateAccessKey`: a new active key
/// for `user`, and its secret (shown this once).
pub async fn create_access_key(
    state: &AppState,
    caller: &AuthContext,
    face: Face,
    user: Ref,
    description: String,
) -> Result<(CredentialRow, String), ApiError> {
    // The new key's id is known only once it is made: a refusal names none.
    change::audit(Event::new(Action::Create, face.target_type(), None));
    let rule = &policy::WRITE_CREDENTIAL;
    let user = authorized_owner(state, caller, rule, user).await?;
    check_may_mint_access_key(
        caller,
        state.settings.credentials.mint_login_window,
        state.settings.security_compliance.lockout(),
        chrono::Utc::now().timestamp_micros(),
    )?;
    let access = new_access_key()?;
    let secret = new_secret_key()?;
    let row = CredentialRow {
        sealed_secret: state.cipher.seal(&access, &user.id, &secret)?,
        access,
        user_id: user.id,
        status: CredentialStatus::Active.as_str().to_string(),
        description,
        create_time: now_ms(),
    };
    let limit = state.settings.quota.access_keys_per_user;
    let created = db::run(&state.pool, move |conn| {
        store::create_credential(conn, row, limit)
    })
    .await?;
    change::amend(|e| e.target_id = Some(created.access.clone()));
    // Access keys are read afresh for every signed request: no cached answer holds one.
    state.changed(&[]);
    Ok((created, secret))
}

/// Huawei's `ListPermanentAccessKeys` (the caller's keys when no user is named) and
/// Baidu's `ListAccessKey`: a user's keys, oldest first, without secrets.
pub async fn list_access_keys(
    state: &AppState,
    caller: &AuthContext,
    user: Option<Ref>,
) -> Result<Vec<CredentialRow>, ApiError> {
    let user = user.unwrap_or_else(|| Ref::id(caller.user_id()));
    let user = authorized_owner(state, caller, &policy::READ_CREDENTIAL, user).await?;
    db::run(&state.pool, move |conn| {
        store::list_credentials_for_user(conn, &user.id)
    })
    .await
    .map_err(ApiError::from)
}

/// Huawei's `ShowPermanentAccessKey`.
pub async fn get_access_key(
    state: &AppState,
    caller: &AuthContext,
    key: KeyRef,
) -> Result<CredentialRow, ApiError> {
    authorized_key(state, caller, &policy::READ_CREDENTIAL, key).await
}

/// Huawei's `UpdatePermanentAccessKey` (status, description) and Baidu's
/// `?enable`/`?disable`: at least one change.
pub async fn update_access_key(
    state: &AppState,
    caller: &AuthContext,
    face: Face,
    key: KeyRef,
    changes: CredentialChanges,
) -> Result<CredentialRow, ApiError> {
    change::audit(Event::updated(face.target_type(), key.access()));
    if changes.status.is_none() && changes.description.is_none() {
        return Err(ApiError::Validation(
            "Invalid input for field 'credential': give 'status' or 'description'".into(),
        ));
    }
    let row = authorized_key(state, caller, &policy::WRITE_CREDENTIAL, key).await?;
    let updated = db::run(&state.pool, move |conn| {
        store::update_credential(conn, &row.access, changes)
    })
    .await?;
    // Access keys are read afresh for every signed request: no cached answer holds one.
    state.changed(&[]);
    Ok(updated)
}

/// Huawei's `DeletePermanentAccessKey` and Baidu's `DeleteAccessKey`.
pub async fn delete_access_key(
    state: &AppState,
    caller: &AuthContext,
    face: Face,
    key: KeyRef,
) -> Result<(), ApiError> {
    change::audit(Event::deleted(face.target_type(), key.access()));
    let row = authorized_key(state, caller, &policy::WRITE_CREDENTIAL, key).await?;
    db::run(&state.pool, move |conn| {
        store::delete_credential(conn, &row.access)
    })
    .await?;
    // Access keys are read afresh for every signed request: no cached answer holds one.
    state.changed(&[]);
    Ok(())
}
