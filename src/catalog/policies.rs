//! Policy blobs: Keystone's `create_policy`, `get_policy`, `list_policies`,
//! `update_policy`, `delete_policy` (`/v3/policies`). A blob is stored for other services
//! to fetch (Keystone's endpoint-policy use); this service never enforces one. Kept with
//! the catalog since the blobs belong to the services and endpoints it lists.

use serde_json::{Map, Value};

use super::{enforce, merged_extra, said};
use crate::auth::policy;
use crate::auth::AuthContext;
use crate::change::{self, Action, Event};
use crate::db::policies::{self as store, PolicyRow};
use crate::db::{self, write_tx};
use crate::domain::new_id;
use crate::error::ApiError;
use crate::state::AppState;

/// A new policy: its `type`, its `blob`, and any other attributes given.
#[derive(Debug)]
pub struct NewPolicy {
    pub policy_type: String,
    pub blob: String,
    pub extra: Map<String, Value>,
}

/// A policy's changes; `None` keeps a field.
#[derive(Debug, Default)]
pub struct PolicyChanges {
    /// The body's `id`: refused unless it is the policy's own.
    pub id: Option<String>,
    pub policy_type: Option<String>,
    pub blob: Option<String>,
    pub extra: Map<String, Value>,
}

impl PolicyChanges {
    fn is_empty(&self) -> bool {
        self.id.is_none()
            && self.policy_type.is_none()
            && self.blob.is_none()
            && self.extra.is_empty()
    }
}

/// Keystone's `create_policy`: a new id whatever the body says.
pub async fn create_policy(
    state: &AppState,
    caller: &AuthContext,
    new: NewPolicy,
) -> Result<PolicyRow, ApiError> {
    said(Event::new(Action::Create, "policy", None));
    enforce(caller, &policy::CREATE_POLICY)?;
    let mut extra = new.extra;
    extra.remove("id");
    let row = PolicyRow {
        id: new_id(),
        policy_type: new.policy_type,
        blob: new.blob,
        extra: Value::Object(extra).to_string(),
    };
    let created = db::run(&state.pool, move |conn| store::create_policy(conn, row)).await?;
    change::amend(|e| e.target_id = Some(created.id.clone()));
    // No cached answer holds a policy blob.
    state.changed(&[]);
    Ok(created)
}

/// Keystone's `get_policy`.
pub async fn get_policy(
    state: &AppState,
    caller: &AuthContext,
    policy_id: String,
) -> Result<PolicyRow, ApiError> {
    enforce(caller, &policy::GET_POLICY)?;
    db::run(&state.pool, move |conn| store::get_policy(conn, &policy_id))
        .await
        .map_err(ApiError::from)
}

/// Keystone's `list_policies`, filtered by `type`.
pub async fn list_policies(
    state: &AppState,
    caller: &AuthContext,
    policy_type: Option<String>,
) -> Result<Vec<PolicyRow>, ApiError> {
    enforce(caller, &policy::LIST_POLICIES)?;
    db::run(&state.pool, move |conn| {
        store::list_policies(conn, policy_type.as_deref())
    })
    .await
    .map_err(ApiError::from)
}

/// Keystone's `update_policy`: at least one attribute; the id cannot change; other
/// attributes are merged over the stored ones.
pub async fn update_policy(
    state: &AppState,
    caller: &AuthContext,
    policy_id: String,
    changes: PolicyChanges,
) -> Result<PolicyRow, ApiError> {
    said(Event::updated("policy", policy_id.clone()));
    // Keystone enforces the rule before it reads the body.
    enforce(caller, &policy::UPDATE_POLICY)?;
    if changes.is_empty() {
        return Err(ApiError::Validation(
            "Invalid input for field 'policy': {} does not have enough properties".into(),
        ));
    }
    if changes.id.as_ref().is_some_and(|given| *given != policy_id) {
        return Err(ApiError::Validation("Cannot change policy ID".into()));
    }
    let updated = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            let mut row = store::get_policy(conn, &policy_id)?;
            if let Some(t) = changes.policy_type {
                row.policy_type = t;
            }
            if let Some(b) = changes.blob {
                row.blob = b;
            }
            row.extra = merged_extra(&row.extra, changes.extra);
            store::update_policy(conn, &row)?;
            Ok::<_, ApiError>(row)
        })
    })
    .await?;
    state.changed(&[]);
    Ok(updated)
}

/// Keystone's `delete_policy`.
pub async fn delete_policy(
    state: &AppState,
    caller: &AuthContext,
    policy_id: String,
) -> Result<(), ApiError> {
    said(Event::deleted("policy", policy_id.clone()));
    enforce(caller, &policy::DELETE_POLICY)?;
    db::run(&state.pool, move |conn| {
        store::delete_policy(conn, &policy_id)
    })
    .await?;
    state.changed(&[]);
    Ok(())
}
