//! Registered limits: Keystone's `create_registered_limits`, `get_registered_limit`,
//! `list_registered_limits`, `update_registered_limit`, `delete_registered_limit`.

use super::{assert_exist, enforce, Named};
use crate::auth::policy;
use crate::auth::AuthContext;
use crate::change::{self, Action, Event};
use crate::db::limits::{self as store, LimitFilter, RegisteredLimitRow};
use crate::db::{self, write_tx};
use crate::domain::new_id;
use crate::error::ApiError;
use crate::state::AppState;

/// A new registered limit, its values already checked by the face.
#[derive(Debug, Clone)]
pub struct NewRegisteredLimit {
    pub service_id: String,
    pub region_id: Option<String>,
    pub resource_name: String,
    pub default_limit: i64,
    pub description: Option<String>,
}

/// A registered limit's changes; `None` keeps a field, `Some(None)` clears one.
#[derive(Debug, Clone, Default)]
pub struct RegisteredLimitChanges {
    pub service_id: Option<String>,
    pub region_id: Option<Option<String>>,
    pub resource_name: Option<String>,
    pub default_limit: Option<i64>,
    pub description: Option<Option<String>>,
}

const TARGET: &str = "registered_limit";

/// Keystone `create_registered_limits`: all of them or none; the services and regions
/// they name must exist (400), and none may repeat a service, region and resource (409).
pub async fn create_registered_limits(
    state: &AppState,
    caller: &AuthContext,
    new: Vec<NewRegisteredLimit>,
) -> Result<Vec<RegisteredLimitRow>, ApiError> {
    change::audit(Event::new(Action::Create, TARGET, None));
    enforce(caller, &policy::CREATE_REGISTERED_LIMITS)?;
    let rows: Vec<RegisteredLimitRow> = new
        .into_iter()
        .map(|n| RegisteredLimitRow {
            id: new_id(),
            service_id: n.service_id,
            region_id: n.region_id,
            resource_name: n.resource_name,
            default_limit: n.default_limit,
            description: n.description,
        })
        .collect();
    let created = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            for row in &rows {
                let named = Named {
                    service_id: Some(&row.service_id),
                    region_id: row.region_id.as_deref(),
                    ..Named::default()
                };
                assert_exist(conn, &named, TARGET)?;
            }
            store::create_registered_limits(conn, &rows)?;
            Ok::<_, ApiError>(rows)
        })
    })
    .await?;
    let ids: Vec<&str> = created.iter().map(|r| r.id.as_str()).collect();
    let ids = ids.join(",");
    change::amend(|e| e.target_id = Some(ids));
    Ok(created)
}

/// Keystone `get_registered_limit`: any authenticated caller.
pub async fn get_registered_limit(
    state: &AppState,
    caller: &AuthContext,
    id: String,
) -> Result<RegisteredLimitRow, ApiError> {
    enforce(caller, &policy::GET_REGISTERED_LIMIT)?;
    db::run(&state.pool, move |conn| {
        store::get_registered_limit(conn, &id)
    })
    .await
    .map_err(ApiError::from)
}

/// Keystone `list_registered_limits`: any authenticated caller; `service_id`,
/// `region_id`, `resource_name`.
pub async fn list_registered_limits(
    state: &AppState,
    caller: &AuthContext,
    filter: LimitFilter,
) -> Result<Vec<RegisteredLimitRow>, ApiError> {
    enforce(caller, &policy::LIST_REGISTERED_LIMITS)?;
    db::run(&state.pool, move |conn| {
        store::list_registered_limits(conn, &filter)
    })
    .await
    .map_err(ApiError::from)
}

/// Keystone `update_registered_limit`: refused (403) while limits refer to it; what it
/// names must exist (400); it must stay unique (409).
pub async fn update_registered_limit(
    state: &AppState,
    caller: &AuthContext,
    id: String,
    changes: RegisteredLimitChanges,
) -> Result<RegisteredLimitRow, ApiError> {
    change::audit(Event::updated(TARGET, id.clone()));
    enforce(caller, &policy::UPDATE_REGISTERED_LIMIT)?;
    db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            let named = Named {
                service_id: changes.service_id.as_deref(),
                region_id: changes.region_id.as_ref().and_then(|r| r.as_deref()),
                ..Named::default()
            };
            assert_exist(conn, &named, TARGET)?;
            let mut row = store::get_registered_limit(conn, &id)?;
            if store::limits_of(conn, &id)? > 0 {
                return Err(ApiError::Forbidden(store::in_use_message(&id)));
            }
            if let Some(s) = changes.service_id {
                row.service_id = s;
            }
            if let Some(r) = changes.region_id {
                row.region_id = r;
            }
            if let Some(n) = changes.resource_name {
                row.resource_name = n;
            }
            if let Some(d) = changes.default_limit {
                row.default_limit = d;
            }
            if let Some(d) = changes.description {
                row.description = d;
            }
            store::update_registered_limit(conn, &row)?;
            Ok(row)
        })
    })
    .await
}

/// Keystone `delete_registered_limit`: refused (403) while limits refer to it.
pub async fn delete_registered_limit(
    state: &AppState,
    caller: &AuthContext,
    id: String,
) -> Result<(), ApiError> {
    change::audit(Event::deleted(TARGET, id.clone()));
    enforce(caller, &policy::DELETE_REGISTERED_LIMIT)?;
    db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| store::delete_registered_limit(conn, &id))
    })
    .await
    .map_err(ApiError::from)
}
