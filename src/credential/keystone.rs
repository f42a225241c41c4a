//! Keystone's credentials (`/v3/credentials`, `keystone/credential/core.py`) and the EC2
//! credentials stored among them (`/v3/users/{user_id}/credentials/OS-EC2`), apart from
//! the AK/SK access keys of this module's parent. A blob is sealed at rest with the
//! credential cipher (the credential's id and owner as associated data) and opened only
//! to be shown to a caller the policy allows, or to check an ec2tokens signature.
//!
//! An EC2 credential's id is the SHA-256 of its access, so `/v3/credentials` and OS-EC2
//! name the same row, as in Keystone.

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::auth::policy::glue::{authorize, needs_target};
use crate::auth::policy::{self, Policy, Target};
use crate::auth::AuthContext;
use crate::change::{self, Action, Event};
use crate::db;
use crate::db::os_credentials::{
    self as store, CredentialFilter, OsCredentialChanges, OsCredentialRow,
};
use crate::domain::{new_id, now_ms};
use crate::error::ApiError;
use crate::identity::groups::load_user;
use crate::identity::Ref;
use crate::state::AppState;

/// Keystone's `CRED_TYPE_EC2`.
pub const EC2: &str = "ec2";
/// Keystone's `[credential] user_limit` default: credentials one user may hold.
pub const USER_LIMIT: i64 = 500;
/// The auth method of a token made from an EC2 credential (Keystone's marker method).
pub const EC2_METHOD: &str = "ec2credential";
/// Blob keys of an EC2 credential that bind its scope: a PATCH may not change them.
const SCOPE_KEYS: &[&str] = &["trust_id", "app_cred_id", "access_token_id", "access_id"];
/// The audit target of the OS-EC2 calls (the `/v3/credentials` calls are `credential`).
const EC2_TARGET: &str = "user.credential.ec2";

/// A credential with its blob opened.
#[derive(Debug, Clone)]
pub struct Credential {
    pub id: String,
    pub user_id: String,
    pub project_id: Option<String>,
    pub cred_type: String,
    pub blob: String,
    pub extra: Map<String, Value>,
}

/// An EC2 credential as OS-EC2 shows it (Keystone's `_convert_v3_to_ec2_credential`).
#[derive(Debug, Clone)]
pub struct Ec2Credential {
    pub user_id: String,
    pub tenant_id: Option<String>,
    pub access: String,
    pub secret: String,
    pub trust_id: Option<String>,
}

/// Keystone's `hash_access_key`: the id of the EC2 credential of `access`.
pub fn ec2_credential_id(access: &str) -> String {
    hex::encode(Sha256::digest(access.as_bytes()))
}

/// Opens a stored row's blob: a failure means the key file changed (a 500).
pub fn open(state: &AppState, row: OsCredentialRow) -> Result<Credential, ApiError> {
    let plain = state.cipher.open(&row.id, &row.user_id, &row.sealed_blob)?;
    let blob = String::from_utf8(plain)
        .map_err(|_| ApiError::Internal(format!("credential {} is not UTF-8", row.id)))?;
    let extra = match serde_json::from_str::<Value>(&row.extra) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    Ok(Credential {
        id: row.id,
        user_id: row.user_id,
        project_id: row.project_id,
        cred_type: row.cred_type,
        blob,
        extra,
    })
}

impl Credential {
    /// The EC2 view of an `ec2` credential; `None` for another type or a blob without an
    /// access.
    pub fn as_ec2(&self) -> Option<Ec2Credential> {
        if self.cred_type != EC2 {
            return None;
        }
        let blob: Value = serde_json::from_str(&self.blob).ok()?;
        let text = |key: &str| blob.get(key).and_then(Value::as_str).map(str::to_string);
        Some(Ec2Credential {
            user_id: self.user_id.clone(),
            tenant_id: self.project_id.clone(),
            access: text("access")?,
            secret: text("secret").unwrap_or_default(),
            trust_id: text("trust_id"),
        })
    }
}

/// Keystone's `_validate_blob_json`: an EC2 blob is a JSON object with an `access`.
fn ec2_blob(blob: &str) -> Result<Map<String, Value>, ApiError> {
    let parsed: Value = serde_json::from_str(blob)
        .map_err(|_| ApiError::Validation("Invalid blob in credential".into()))?;
    let obj = match parsed {
        Value::Object(obj) if !obj.is_empty() => obj,
        _ => return Err(ApiError::expecting("blob", "credential")),
    };
    match obj.get("access") {
        None | Some(Value::Null) => Err(ApiError::expecting("access", "credential")),
        Some(Value::String(_)) => Ok(obj),
        Some(_) => Err(ApiError::invalid_field("access", "is not of type 'string'")),
    }
}

/// Keystone's target of a credential rule: the credential's owner.
fn owner(user_id: &str) -> Target<'_> {
    Target {
        user_id: Some(user_id),
        ..Target::default()
    }
}

/// Keystone refuses to mint credentials with a token made from an EC2 credential
/// (LP#2153453): a leaked EC2 secret must not yield more of them.
fn refuse_delegated(caller: &AuthContext) -> Result<(), ApiError> {
    if caller
        .claims
        .openstack_methods
        .iter()
        .any(|m| m == EC2_METHOD)
    {
        return Err(ApiError::Forbidden(
            "A token made from an EC2 credential cannot create credentials.".into(),
        ));
    }
    Ok(())
}

/// A new credential as a face read it.
#[derive(Debug)]
pub struct NewCredential {
    pub user_id: String,
    pub project_id: Option<String>,
    pub cred_type: String,
    pub blob: String,
    pub extra: Map<String, Value>,
}

/// Seals and stores a credential whose policy check passed.
async fn store_new(
    state: &AppState,
    new: NewCredential,
    id: String,
) -> Result<Credential, ApiError> {
    let row = OsCredentialRow {
        sealed_blob: state.cipher.seal(&id, &new.user_id, &new.blob)?,
        id,
        user_id: new.user_id,
        project_id: new.project_id,
        cred_type: new.cred_type,
        extra: Value::Object(new.extra).to_string(),
        created_at: now_ms(),
    };
    let created = db::run(&state.pool, move |conn| {
        store::create_credential(conn, row, USER_LIMIT)
    })
    .await?;
    change::amend(|e| e.target_id = Some(created.id.clone()));
    // No cached answer holds a credential.
    state.changed(&[]);
    Ok(Credential {
        blob: new.blob,
        ..open_unsealed(created)
    })
}

/// A row just stored, without opening what was just sealed (the blob is filled in).
fn open_unsealed(row: OsCredentialRow) -> Credential {
    Credential {
        id: row.id,
        user_id: row.user_id,
        project_id: row.project_id,
        cred_type: row.cred_type,
        blob: String::new(),
        extra: match serde_json::from_str::<Value>(&row.extra) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        },
    }
}

/// Keystone's `create_credential` (`POST /v3/credentials`): an `ec2` credential needs a
/// `project_id` and a JSON blob with an `access`, whose SHA-256 is its id; any other type
/// gets a new id.
pub async fn create_credential(
    state: &AppState,
    caller: &AuthContext,
    new: NewCredential,
) -> Result<Credential, ApiError> {
    change::audit(Event::new(Action::Create, "credential", None));
    policy::enforce(caller, &policy::WRITE_CREDENTIAL, &owner(&new.user_id))?;
    refuse_delegated(caller)?;
    if new.cred_type.chars().count() > 255 {
        return Err(ApiError::invalid_field("type", "is too long"));
    }
    let id = if new.cred_type.eq_ignore_ascii_case(EC2) {
        if new.project_id.is_none() {
            return Err(ApiError::invalid_field(
                "credential",
                "an ec2 credential requires project_id",
            ));
        }
        let blob = ec2_blob(&new.blob)?;
        let access = blob
            .get("access")
            .and_then(Value::as_str)
            .unwrap_or_default();
        ec2_credential_id(access)
    } else {
        new_id()
    };
    store_new(state, new, id).await
}

/// The credential `id` after `rule` on its owner allowed the caller; an unknown one is a
/// 404 for an admin and a 403 for anyone else.
async fn authorized(
    state: &AppState,
    caller: &AuthContext,
    rule: &Policy,
    id: String,
) -> Result<OsCredentialRow, ApiError> {
    let loaded = db::run(&state.pool, move |conn| store::get_credential(conn, &id))
        .await
        .map_err(ApiError::from);
    authorize(caller, rule, loaded, |row| owner(&row.user_id))
}

/// Keystone's `get_credential`.
pub async fn get_credential(
    state: &AppState,
    caller: &AuthContext,
    id: String,
) -> Result<Credential, ApiError> {
    let row = authorized(state, caller, &policy::READ_CREDENTIAL, id).await?;
    open(state, row)
}

/// Keystone's `list_credentials` (`user_id`, `type`): everyone's for an admin or a system
/// reader, only the caller's own for anyone else (Keystone drops the others from the list).
pub async fn list_credentials(
    state: &AppState,
    caller: &AuthContext,
    mut filter: CredentialFilter,
) -> Result<Vec<Credential>, ApiError> {
    let rule = &policy::LIST_CREDENTIALS;
    policy::enforce(caller, rule, &owner(caller.user_id()))?;
    if needs_target(caller, rule) {
        if filter
            .user_id
            .as_deref()
            .is_some_and(|u| u != caller.user_id())
        {
            return Ok(Vec::new());
        }
        filter.user_id = Some(caller.user_id().to_string());
    }
    let rows = db::run(&state.pool, move |conn| {
        store::list_credentials(conn, &filter)
    })
    .await?;
    rows.into_iter().map(|row| open(state, row)).collect()
}

/// A change to a credential as a face read it: `None` leaves a field alone.
#[derive(Debug, Default)]
pub struct CredentialUpdate {
    pub blob: Option<String>,
    pub cred_type: Option<String>,
    pub user_id: Option<String>,
    /// `Some(None)`: null.
    pub project_id: Option<Option<String>>,
    pub id: Option<String>,
    pub extra: Map<String, Value>,
}

/// Keystone's `update_credential`: only the blob (and extra attributes) change; the id,
/// type, owner and project are the credential's for life, and an EC2 blob keeps its
/// access and the scope keys it was made with.
pub async fn update_credential(
    state: &AppState,
    caller: &AuthContext,
    id: String,
    update: CredentialUpdate,
) -> Result<Credential, ApiError> {
    change::audit(Event::updated("credential", id.clone()));
    let row = authorized(state, caller, &policy::UPDATE_CREDENTIAL, id).await?;
    let current = open(state, row)?;
    if update.id.as_ref().is_some_and(|i| *i != current.id) {
        return Err(ApiError::Validation("Cannot change ID".into()));
    }
    let immutable = [
        ("type", update.cred_type.as_ref().map(|t| Some(t.as_str()))),
        ("user_id", update.user_id.as_ref().map(|u| Some(u.as_str()))),
        (
            "project_id",
            update.project_id.as_ref().map(|p| p.as_deref()),
        ),
    ];
    let now = [
        Some(current.cred_type.as_str()),
        Some(current.user_id.as_str()),
        current.project_id.as_deref(),
    ];
    for ((field, given), held) in immutable.iter().zip(now) {
        if given.is_some_and(|g| g != held) {
            return Err(ApiError::Validation(format!(
                "{field} can not be updated for credential"
            )));
        }
    }
    if let (Some(blob), true) = (&update.blob, current.cred_type == EC2) {
        let new_blob = ec2_blob(blob)?;
        let old_blob = ec2_blob(&current.blob).unwrap_or_default();
        for key in SCOPE_KEYS {
            if old_blob.get(*key) != new_blob.get(*key) {
                return Err(ApiError::Validation(format!(
                    "{key} can not be updated for credential"
                )));
            }
        }
    }
    let mut extra = current.extra.clone();
    let extra_changed = !update.extra.is_empty();
    extra.extend(update.extra);
    let changes = OsCredentialChanges {
        sealed_blob: match &update.blob {
            Some(blob) => Some(state.cipher.seal(&current.id, &current.user_id, blob)?),
            None => None,
        },
        extra: extra_changed.then(|| Value::Object(extra.clone()).to_string()),
    };
    let id = current.id.clone();
    db::run(&state.pool, move |conn| {
        store::update_credential(conn, &id, changes)
    })
    .await?;
    state.changed(&[]);
    Ok(Credential {
        blob: update.blob.unwrap_or(current.blob),
        extra,
        ..current
    })
}

/// Keystone's `delete_credential`.
pub async fn delete_credential(
    state: &AppState,
    caller: &AuthContext,
    id: String,
) -> Result<(), ApiError> {
    change::audit(Event::deleted("credential", id.clone()));
    let row = authorized(state, caller, &policy::DELETE_CREDENTIAL, id).await?;
    db::run(&state.pool, move |conn| {
        store::delete_credential(conn, &row.id)
    })
    .await?;
    state.changed(&[]);
    Ok(())
}

/// The user of an OS-EC2 path, after `rule` allowed the caller on it: a missing user is a
/// 404 for an admin and a 403 for anyone else.
async fn authorized_user(
    state: &AppState,
    caller: &AuthContext,
    rule: &Policy,
    user_id: String,
) -> Result<String, ApiError> {
    let user = Ref::Id(user_id);
    let loaded = db::run(&state.pool, move |conn| load_user(conn, &user)).await;
    Ok(authorize(caller, rule, loaded, |u| owner(&u.id))?.id)
}

/// An unguessable hex string of 128 random bits (Keystone's `uuid4().hex`).
fn random_hex() -> Result<String, ApiError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::Internal(format!("no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

/// `POST /v3/users/{user_id}/credentials/OS-EC2`: a new access and secret for the user on
/// project `tenant_id`, stored as an `ec2` credential.
pub async fn create_ec2_credential(
    state: &AppState,
    caller: &AuthContext,
    user_id: String,
    project_id: String,
) -> Result<Ec2Credential, ApiError> {
    change::audit(Event::new(Action::Create, EC2_TARGET, None));
    let user_id = authorized_user(state, caller, &policy::EC2_CREATE_CREDENTIAL, user_id).await?;
    refuse_delegated(caller)?;
    let access = random_hex()?;
    let secret = random_hex()?;
    let blob = json!({"access": access, "secret": secret, "trust_id": null}).to_string();
    let new = NewCredential {
        user_id,
        project_id: Some(project_id),
        cred_type: EC2.into(),
        blob,
        extra: Map::new(),
    };
    let created = store_new(state, new, ec2_credential_id(&access)).await?;
    created
        .as_ec2()
        .ok_or_else(|| ApiError::Internal("a new EC2 credential without access".into()))
}

/// `GET /v3/users/{user_id}/credentials/OS-EC2`: the user's EC2 credentials.
pub async fn list_ec2_credentials(
    state: &AppState,
    caller: &AuthContext,
    user_id: String,
) -> Result<Vec<Ec2Credential>, ApiError> {
    let user_id = authorized_user(state, caller, &policy::EC2_LIST_CREDENTIALS, user_id).await?;
    let filter = CredentialFilter {
        user_id: Some(user_id),
        cred_type: Some(EC2.into()),
    };
    let rows = db::run(&state.pool, move |conn| {
        store::list_credentials(conn, &filter)
    })
    .await?;
    let mut found = Vec::new();
    for row in rows {
        if let Some(ec2) = open(state, row)?.as_ec2() {
            found.push(ec2);
        }
    }
    Ok(found)
}

/// The user's EC2 credential of `access`, after `rule` allowed the caller on the user:
/// another user's, or a credential of another type, is as unknown as a missing one.
async fn users_ec2(
    state: &AppState,
    caller: &AuthContext,
    rule: &Policy,
    user_id: String,
    access: String,
) -> Result<Credential, ApiError> {
    let user_id = authorized_user(state, caller, rule, user_id).await?;
    let id = ec2_credential_id(&access);
    let row = db::run(&state.pool, move |conn| store::get_credential(conn, &id)).await?;
    if row.user_id != user_id || row.cred_type != EC2 {
        return Err(ApiError::not_found("credential", access));
    }
    open(state, row)
}

/// `GET /v3/users/{user_id}/credentials/OS-EC2/{credential_id}` (the access).
pub async fn get_ec2_credential(
    state: &AppState,
    caller: &AuthContext,
    user_id: String,
    access: String,
) -> Result<Ec2Credential, ApiError> {
    let cred = users_ec2(
        state,
        caller,
        &policy::EC2_GET_CREDENTIAL,
        user_id,
        access.clone(),
    )
    .await?;
    cred.as_ec2()
        .ok_or_else(|| ApiError::not_found("credential", access))
}

/// `DELETE /v3/users/{user_id}/credentials/OS-EC2/{credential_id}`.
pub async fn delete_ec2_credential(
    state: &AppState,
    caller: &AuthContext,
    user_id: String,
    access: String,
) -> Result<(), ApiError> {
    // Named by the credential's id, as its creation was.
    change::audit(Event::deleted(EC2_TARGET, ec2_credential_id(&access)));
    let rule = &policy::EC2_DELETE_CREDENTIAL;
    let cred = users_ec2(state, caller, rule, user_id, access).await?;
    db::run(&state.pool, move |conn| {
        store::delete_credential(conn, &cred.id)
    })
    .await?;
    state.changed(&[]);
    Ok(())
}
