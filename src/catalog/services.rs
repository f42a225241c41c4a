//! Services: Keystone's `create_service`, `get_service`, `list_services`,
//! `update_service`, `delete_service` (its endpoints go with it).

use serde_json::{Map, Value};

use super::{changed, enforce, merged_extra, said};
use crate::auth::policy;
use crate::auth::AuthContext;
use crate::change::{self, Action, Event};
use crate::db::catalog::{self as store, ServiceFilter};
use crate::db::models::ServiceRow;
use crate::db::{self, write_tx};
use crate::domain::new_id;
use crate::error::ApiError;
use crate::state::AppState;

/// A new service. `name` and `description` are extra attributes, as in Keystone's model.
#[derive(Debug)]
pub struct NewService {
    pub service_type: String,
    pub enabled: Option<bool>,
    pub extra: Map<String, Value>,
}

/// A service's changes; `None` keeps a field.
#[derive(Debug, Default)]
pub struct ServiceChanges {
    /// The body's `id`: refused unless it is the service's own ("Cannot change ID").
    pub id: Option<String>,
    pub service_type: Option<String>,
    pub enabled: Option<bool>,
    pub extra: Map<String, Value>,
}

impl ServiceChanges {
    fn is_empty(&self) -> bool {
        self.id.is_none()
            && self.service_type.is_none()
            && self.enabled.is_none()
            && self.extra.is_empty()
    }
}

/// Keystone's `create_service`: enabled unless the body says otherwise.
pub async fn create_service(
    state: &AppState,
    caller: &AuthContext,
    new: NewService,
) -> Result<ServiceRow, ApiError> {
    said(Event::new(Action::Create, "service", None));
    enforce(caller, &policy::WRITE_CATALOG)?;
    let row = ServiceRow {
        id: new_id(),
        service_type: new.service_type,
        enabled: new.enabled.unwrap_or(true),
        extra: Value::Object(new.extra).to_string(),
    };
    let created = db::run(&state.pool, move |conn| store::create_service(conn, row)).await?;
    change::amend(|e| e.target_id = Some(created.id.clone()));
    changed(state);
    Ok(created)
}

/// Keystone's `get_service`.
pub async fn get_service(
    state: &AppState,
    caller: &AuthContext,
    service_id: String,
) -> Result<ServiceRow, ApiError> {
    enforce(caller, &policy::READ_CATALOG)?;
    db::run(&state.pool, move |conn| {
        store::get_service(conn, &service_id)
    })
    .await
    .map_err(ApiError::from)
}

/// Keystone's `list_services`, filtered by `type` and `name`.
pub async fn list_services(
    state: &AppState,
    caller: &AuthContext,
    filter: ServiceFilter,
) -> Result<Vec<ServiceRow>, ApiError> {
    enforce(caller, &policy::READ_CATALOG)?;
    db::run(&state.pool, move |conn| store::list_services(conn, &filter))
        .await
        .map_err(ApiError::from)
}

/// Keystone's `update_service`: at least one field; the id cannot change.
pub async fn update_service(
    state: &AppState,
    caller: &AuthContext,
    service_id: String,
    changes: ServiceChanges,
) -> Result<ServiceRow, ApiError> {
    said(Event::updated("service", service_id.clone()));
    if changes.is_empty() {
        return Err(ApiError::Validation(
            "Invalid input for field 'service': {} does not have enough properties".into(),
        ));
    }
    if changes
        .id
        .as_ref()
        .is_some_and(|given| *given != service_id)
    {
        return Err(ApiError::Validation("Cannot change ID".into()));
    }
    enforce(caller, &policy::WRITE_CATALOG)?;
    let updated = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            let mut service = store::get_service(conn, &service_id)?;
            if let Some(k) = changes.service_type {
                service.service_type = k;
            }
            if let Some(e) = changes.enabled {
                service.enabled = e;
            }
            service.extra = merged_extra(&service.extra, changes.extra);
            store::update_service(conn, &service)?;
            Ok::<_, ApiError>(service)
        })
    })
    .await?;
    changed(state);
    Ok(updated)
}

/// Keystone's `delete_service`: its endpoints go with it, in one transaction.
pub async fn delete_service(
    state: &AppState,
    caller: &AuthContext,
    service_id: String,
) -> Result<(), ApiError> {
    said(Event::deleted("service", service_id.clone()));
    enforce(caller, &policy::WRITE_CATALOG)?;
    db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| store::delete_service(conn, &service_id))
    })
    .await?;
    changed(state);
    Ok(())
}
