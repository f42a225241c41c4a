//! The OS-OAUTH1 manager (Keystone's `oauth1/core.py`): consumers, the third parties a
//! user may delegate roles on a project to. A consumer's secret is made here, shown by
//! the create alone, sealed at rest, and cannot be changed.

pub mod flow;
pub mod signature;

use serde_json::{Map, Value};

use crate::auth::policy::{self, Policy, Target};
use crate::auth::AuthContext;
use crate::change::{self, Action, Event};
use crate::db::oauth1::{self as store, ConsumerRow};
use crate::db::{self, write_tx};
use crate::domain::credentials::new_secret_key;
use crate::domain::new_id;
use crate::error::ApiError;
use crate::state::AppState;

/// What the consumer's secret is sealed to, beside its id.
const SEALED_FOR: &str = "oauth1-consumer";

fn enforce(caller: &AuthContext, rule: &Policy) -> Result<(), ApiError> {
    policy::enforce(caller, rule, &Target::default())
}

/// A consumer's changes: `description` (`Some(None)` clears it) and other attributes.
#[derive(Debug, Default)]
pub struct ConsumerChanges {
    /// The body's `id`: refused unless it is the consumer's own.
    pub id: Option<String>,
    pub description: Option<Option<String>>,
    pub extra: Map<String, Value>,
}

fn merged_extra(stored: &str, extra: Map<String, Value>) -> String {
    let mut merged: Map<String, Value> = serde_json::from_str(stored).unwrap_or_default();
    merged.extend(extra);
    Value::Object(merged).to_string()
}

/// Keystone's `create_consumer`: a new id and secret; the secret is returned this once.
pub async fn create_consumer(
    state: &AppState,
    caller: &AuthContext,
    description: Option<String>,
    mut extra: Map<String, Value>,
) -> Result<(ConsumerRow, String), ApiError> {
    change::audit(Event::new(Action::Create, "OS-OAUTH1:consumer", None));
    enforce(caller, &policy::CREATE_CONSUMER)?;
    extra.remove("id");
    extra.remove("secret");
    let id = new_id();
    let secret = new_secret_key()?;
    let row = ConsumerRow {
        sealed_secret: state.cipher.seal(&id, SEALED_FOR, &secret)?,
        id,
        description,
        extra: Value::Object(extra).to_string(),
    };
    let created = db::run(&state.pool, move |conn| store::create_consumer(conn, row)).await?;
    change::amend(|e| e.target_id = Some(created.id.clone()));
    // Consumers are read afresh for every signed request: no cached answer holds one.
    state.changed(&[]);
    Ok((created, secret))
}

/// Keystone's `get_consumer`.
pub async fn get_consumer(
    state: &AppState,
    caller: &AuthContext,
    consumer_id: String,
) -> Result<ConsumerRow, ApiError> {
    enforce(caller, &policy::GET_CONSUMER)?;
    db::run(&state.pool, move |conn| {
        store::get_consumer(conn, &consumer_id)
    })
    .await
    .map_err(ApiError::from)
}

/// Keystone's `list_consumers`.
pub async fn list_consumers(
    state: &AppState,
    caller: &AuthContext,
) -> Result<Vec<ConsumerRow>, ApiError> {
    enforce(caller, &policy::LIST_CONSUMERS)?;
    db::run(&state.pool, store::list_consumers)
        .await
        .map_err(ApiError::from)
}

/// Keystone's `update_consumer`: at least one attribute; never the secret or the id.
pub async fn update_consumer(
    state: &AppState,
    caller: &AuthContext,
    consumer_id: String,
    changes: ConsumerChanges,
) -> Result<ConsumerRow, ApiError> {
    change::audit(Event::updated("OS-OAUTH1:consumer", consumer_id.clone()));
    enforce(caller, &policy::UPDATE_CONSUMER)?;
    if changes.extra.contains_key("secret") {
        return Err(ApiError::Validation(
            "Invalid input for field 'consumer': the secret of a consumer cannot be changed".into(),
        ));
    }
    if changes.id.is_none() && changes.description.is_none() && changes.extra.is_empty() {
        return Err(ApiError::Validation(
            "Invalid input for field 'consumer': {} does not have enough properties".into(),
        ));
    }
    if changes.id.as_ref().is_some_and(|id| *id != consumer_id) {
        return Err(ApiError::Validation("Cannot change ID".into()));
    }
    let updated = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            let mut row = store::get_consumer(conn, &consumer_id)?;
            if let Some(d) = changes.description {
                row.description = d;
            }
            row.extra = merged_extra(&row.extra, changes.extra);
            store::update_consumer(conn, &row)?;
            Ok::<_, ApiError>(row)
        })
    })
    .await?;
    state.changed(&[]);
    Ok(updated)
}

/// Keystone's `delete_consumer`: its request and access tokens go with it.
pub async fn delete_consumer(
    state: &AppState,
    caller: &AuthContext,
    consumer_id: String,
) -> Result<(), ApiError> {
    change::audit(Event::deleted("OS-OAUTH1:consumer", consumer_id.clone()));
    enforce(caller, &policy::DELETE_CONSUMER)?;
    db::run(&state.pool, move |conn| {
        store::delete_consumer(conn, &consumer_id)
    })
    .await?;
    state.changed(&[]);
    Ok(())
}
