//! Endpoints: Keystone's `create_endpoint`, `get_endpoint`, `list_endpoints`,
//! `update_endpoint`, `delete_endpoint`. The service an endpoint names must exist (else
//! 400); a region it names is created when missing, as Keystone does.

use serde_json::{Map, Value};

use super::{changed, enforce, merged_extra, named_in_body, said};
use crate::auth::policy;
use crate::auth::AuthContext;
use crate::change::{self, Action, Event};
use crate::db::catalog::{self as store, EndpointFilter};
use crate::db::models::EndpointRow;
use crate::db::{self, write_tx};
use crate::domain::new_id;
use crate::error::ApiError;
use crate::state::AppState;

/// A new endpoint, its values already checked by the face.
#[derive(Debug)]
pub struct NewEndpoint {
    pub service_id: String,
    pub interface: String,
    pub url: String,
    pub region_id: Option<String>,
    pub enabled: Option<bool>,
    pub extra: Map<String, Value>,
}

/// An endpoint's changes; `None` keeps a field.
#[derive(Debug, Default)]
pub struct EndpointChanges {
    /// The body's `id`: refused unless it is the endpoint's own ("Cannot change ID").
    pub id: Option<String>,
    pub service_id: Option<String>,
    pub interface: Option<String>,
    pub url: Option<String>,
    /// `Some(None)` takes the endpoint out of any region.
    pub region_id: Option<Option<String>>,
    pub enabled: Option<bool>,
    pub extra: Map<String, Value>,
}

impl EndpointChanges {
    fn is_empty(&self) -> bool {
        self.id.is_none()
            && self.service_id.is_none()
            && self.interface.is_none()
            && self.url.is_none()
            && self.region_id.is_none()
            && self.enabled.is_none()
            && self.extra.is_empty()
    }
}

/// Keystone's `create_endpoint`: enabled unless the body says otherwise.
pub async fn create_endpoint(
    state: &AppState,
    caller: &AuthContext,
    new: NewEndpoint,
) -> Result<EndpointRow, ApiError> {
    said(Event::new(Action::Create, "endpoint", None));
    enforce(caller, &policy::WRITE_CATALOG)?;
    let row = EndpointRow {
        id: new_id(),
        service_id: new.service_id,
        interface: new.interface,
        region_id: new.region_id,
        url: new.url,
        enabled: new.enabled.unwrap_or(true),
        extra: Value::Object(new.extra).to_string(),
    };
    let created = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| store::create_endpoint(conn, row))
    })
    .await
    .map_err(named_in_body)?;
    change::amend(|e| e.target_id = Some(created.id.clone()));
    changed(state);
    Ok(created)
}

/// Keystone's `get_endpoint`.
pub async fn get_endpoint(
    state: &AppState,
    caller: &AuthContext,
    endpoint_id: String,
) -> Result<EndpointRow, ApiError> {
    enforce(caller, &policy::READ_CATALOG)?;
    db::run(&state.pool, move |conn| {
        store::get_endpoint(conn, &endpoint_id)
    })
    .await
    .map_err(ApiError::from)
}

/// Keystone's `list_endpoints`, filtered by `interface`, `service_id` and `region_id`.
pub async fn list_endpoints(
    state: &AppState,
    caller: &AuthContext,
    filter: EndpointFilter,
) -> Result<Vec<EndpointRow>, ApiError> {
    enforce(caller, &policy::READ_CATALOG)?;
    db::run(&state.pool, move |conn| {
        store::list_endpoints(conn, &filter)
    })
    .await
    .map_err(ApiError::from)
}

/// Keystone's `update_endpoint`: at least one field; the id cannot change.
pub async fn update_endpoint(
    state: &AppState,
    caller: &AuthContext,
    endpoint_id: String,
    changes: EndpointChanges,
) -> Result<EndpointRow, ApiError> {
    said(Event::updated("endpoint", endpoint_id.clone()));
    if changes.is_empty() {
        return Err(ApiError::Validation(
            "Invalid input for field 'endpoint': {} does not have enough properties".into(),
        ));
    }
    if changes
        .id
        .as_ref()
        .is_some_and(|given| *given != endpoint_id)
    {
        return Err(ApiError::Validation("Cannot change ID".into()));
    }
    enforce(caller, &policy::WRITE_CATALOG)?;
    let updated = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            let mut endpoint = store::get_endpoint(conn, &endpoint_id)?;
            if let Some(s) = changes.service_id {
                endpoint.service_id = s;
            }
            if let Some(i) = changes.interface {
                endpoint.interface = i;
            }
            if let Some(u) = changes.url {
                endpoint.url = u;
            }
            if let Some(r) = changes.region_id {
                endpoint.region_id = r;
            }
            if let Some(e) = changes.enabled {
                endpoint.enabled = e;
            }
            endpoint.extra = merged_extra(&endpoint.extra, changes.extra);
            store::update_endpoint(conn, &endpoint).map_err(named_in_body)?;
            Ok::<_, ApiError>(endpoint)
        })
    })
    .await?;
    changed(state);
    Ok(updated)
}

/// Keystone's `delete_endpoint`.
pub async fn delete_endpoint(
    state: &AppState,
    caller: &AuthContext,
    endpoint_id: String,
) -> Result<(), ApiError> {
    said(Event::deleted("endpoint", endpoint_id.clone()));
    enforce(caller, &policy::WRITE_CATALOG)?;
    db::run(&state.pool, move |conn| {
        store::delete_endpoint(conn, &endpoint_id)
    })
    .await?;
    changed(state);
    Ok(())
}
