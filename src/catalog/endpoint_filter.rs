//! The endpoint filter (Keystone's OS-EP-FILTER, in `catalog/core.py`): endpoint groups
//! (a name and the endpoint attributes they select by), and the endpoints and endpoint
//! groups tied to projects. A project with any of them gets a catalog of only those
//! endpoints (enabled ones, of enabled services); every change here names the catalog
//! tag, so the cached catalogs are dropped.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::{catalog_rows, changed, enforce, said};
use crate::auth::policy;
use crate::auth::AuthContext;
use crate::cache::Tag;
use crate::change::{self, Action, Event};
use crate::db::catalog::{self as catalog_store, EndpointFilter};
use crate::db::endpoint_filter::{self as store, EndpointGroupRow};
use crate::db::models::{EndpointRow, ProjectRow};
use crate::db::{self, resources, write_tx, DbConn, StoreError};
use crate::domain::new_id;
use crate::error::ApiError;
use crate::state::{AppState, CatalogRows};

/// The endpoint attributes an endpoint group may select by (Keystone's valid filters).
pub const FILTER_KEYS: &[&str] = &["service_id", "region_id", "interface"];

/// A new endpoint group, its values already checked by the face.
#[derive(Debug, Clone)]
pub struct NewEndpointGroup {
    pub name: String,
    pub description: Option<String>,
    pub filters: Map<String, Value>,
}

/// An endpoint group's changes; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct EndpointGroupChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub filters: Option<Map<String, Value>>,
}

/// An endpoint group's filters, as stored.
pub fn filters_of(group: &EndpointGroupRow) -> Map<String, Value> {
    serde_json::from_str(&group.filters).unwrap_or_default()
}

/// True if the endpoint has every attribute the filters name, with that value.
fn selects(filters: &Map<String, Value>, endpoint: &EndpointRow) -> bool {
    filters.iter().all(|(key, want)| {
        let have = match key.as_str() {
            "service_id" => json!(endpoint.service_id),
            "region_id" => json!(endpoint.region_id),
            "interface" => json!(endpoint.interface),
            _ => return false,
        };
        have == *want
    })
}

fn all_endpoints(conn: &mut DbConn) -> Result<Vec<EndpointRow>, StoreError> {
    catalog_store::list_endpoints(conn, &EndpointFilter::default())
}

/// Keystone `list_endpoints_for_project`: the endpoints tied to the project directly and
/// through its endpoint groups, by id.
fn endpoints_for_project(
    conn: &mut DbConn,
    project_id: &str,
) -> Result<BTreeMap<String, EndpointRow>, StoreError> {
    let direct = store::endpoints_of_project(conn, project_id)?;
    let groups = store::groups_of_project(conn, project_id)?;
    if direct.is_empty() && groups.is_empty() {
        return Ok(BTreeMap::new());
    }
    let filters: Vec<Map<String, Value>> = groups.iter().map(filters_of).collect();
    Ok(all_endpoints(conn)?
        .into_iter()
        .filter(|e| direct.contains(&e.id) || filters.iter().any(|f| selects(f, e)))
        .map(|e| (e.id.clone(), e))
        .collect())
}

/// The catalog a token scoped to `project_id` carries: the whole catalog, or, when the
/// project has endpoints tied to it, only those (services left with none are dropped).
pub async fn project_catalog_rows(
    state: &AppState,
    project_id: &str,
) -> Result<CatalogRows, ApiError> {
    let full = catalog_rows(state).await?;
    let key = format!("catalog:project:{project_id}");
    let project_id = project_id.to_string();
    state
        .catalog_cache
        .get_or_load(&key, &[Tag::Catalog], || async move {
            let tied = db::run(&state.pool, move |conn| {
                endpoints_for_project(conn, &project_id)
            })
            .await?;
            if tied.is_empty() {
                return Ok(full);
            }
            let filtered: Vec<_> = full
                .iter()
                .filter_map(|(service, endpoints)| {
                    let kept: Vec<EndpointRow> = endpoints
                        .iter()
                        .filter(|e| tied.contains_key(&e.id))
                        .cloned()
                        .collect();
                    (!kept.is_empty()).then(|| (service.clone(), kept))
                })
                .collect();
            Ok(Arc::new(filtered))
        })
        .await
}

// ---- endpoint groups ----

/// Keystone `create_endpoint_group`.
pub async fn create_endpoint_group(
    state: &AppState,
    caller: &AuthContext,
    new: NewEndpointGroup,
) -> Result<EndpointGroupRow, ApiError> {
    said(Event::new(Action::Create, "endpoint_group", None));
    enforce(caller, &policy::CREATE_ENDPOINT_GROUP)?;
    let row = EndpointGroupRow {
        id: new_id(),
        name: new.name,
        description: new.description,
        filters: Value::Object(new.filters).to_string(),
    };
    let created = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| store::create_endpoint_group(conn, &row))?;
        Ok::<_, ApiError>(row)
    })
    .await?;
    change::amend(|e| e.target_id = Some(created.id.clone()));
    Ok(created)
}

/// Keystone `get_endpoint_group`.
pub async fn get_endpoint_group(
    state: &AppState,
    caller: &AuthContext,
    id: String,
) -> Result<EndpointGroupRow, ApiError> {
    enforce(caller, &policy::GET_ENDPOINT_GROUP)?;
    db::run(&state.pool, move |conn| {
        store::get_endpoint_group(conn, &id)
    })
    .await
    .map_err(ApiError::from)
}

/// Keystone `list_endpoint_groups`, by `name`.
pub async fn list_endpoint_groups(
    state: &AppState,
    caller: &AuthContext,
    name: Option<String>,
) -> Result<Vec<EndpointGroupRow>, ApiError> {
    enforce(caller, &policy::LIST_ENDPOINT_GROUPS)?;
    db::run(&state.pool, move |conn| {
        store::list_endpoint_groups(conn, name.as_deref())
    })
    .await
    .map_err(ApiError::from)
}

/// Keystone `update_endpoint_group`: the id cannot change.
pub async fn update_endpoint_group(
    state: &AppState,
    caller: &AuthContext,
    id: String,
    changes: EndpointGroupChanges,
) -> Result<EndpointGroupRow, ApiError> {
    said(Event::updated("endpoint_group", id.clone()));
    enforce(caller, &policy::UPDATE_ENDPOINT_GROUP)?;
    let updated = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            let mut row = store::get_endpoint_group(conn, &id)?;
            if let Some(n) = changes.name {
                row.name = n;
            }
            if let Some(d) = changes.description {
                row.description = d;
            }
            if let Some(f) = changes.filters {
                row.filters = Value::Object(f).to_string();
            }
            store::update_endpoint_group(conn, &row)?;
            Ok::<_, ApiError>(row)
        })
    })
    .await?;
    changed(state);
    Ok(updated)
}

/// Keystone `delete_endpoint_group`: its project associations go with it.
pub async fn delete_endpoint_group(
    state: &AppState,
    caller: &AuthContext,
    id: String,
) -> Result<(), ApiError> {
    said(Event::deleted("endpoint_group", id.clone()));
    enforce(caller, &policy::DELETE_ENDPOINT_GROUP)?;
    db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| store::delete_endpoint_group(conn, &id))
    })
    .await?;
    changed(state);
    Ok(())
}

fn projects_by_id(conn: &mut DbConn, ids: Vec<String>) -> Result<Vec<ProjectRow>, StoreError> {
    let mut projects = Vec::with_capacity(ids.len());
    for id in ids {
        match resources::get_project(conn, &id) {
            Ok(p) => projects.push(p),
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(projects)
}

/// Keystone `list_projects_associated_with_endpoint_group`.
pub async fn list_projects_for_endpoint_group(
    state: &AppState,
    caller: &AuthContext,
    id: String,
) -> Result<Vec<ProjectRow>, ApiError> {
    enforce(caller, &policy::LIST_PROJECTS_FOR_ENDPOINT_GROUP)?;
    db::run(&state.pool, move |conn| {
        let ids = store::projects_of_group(conn, &id)?;
        projects_by_id(conn, ids)
    })
    .await
    .map_err(ApiError::from)
}

/// Keystone `get_endpoints_filtered_by_endpoint_group`: the endpoints it selects.
pub async fn list_endpoints_for_endpoint_group(
    state: &AppState,
    caller: &AuthContext,
    id: String,
) -> Result<Vec<EndpointRow>, ApiError> {
    enforce(caller, &policy::LIST_ENDPOINTS_FOR_ENDPOINT_GROUP)?;
    db::run(&state.pool, move |conn| {
        let filters = filters_of(&store::get_endpoint_group(conn, &id)?);
        Ok(all_endpoints(conn)?
            .into_iter()
            .filter(|e| selects(&filters, e))
            .collect())
    })
    .await
    .map_err(|e: StoreError| e.into())
}

/// The project and the endpoint group both exist (404 otherwise), as Keystone checks.
fn group_and_project(conn: &mut DbConn, group: &str, project: &str) -> Result<(), StoreError> {
    resources::get_project(conn, project)?;
    store::get_endpoint_group(conn, group)?;
    Ok(())
}

/// Keystone `get_endpoint_group_in_project`.
pub async fn get_endpoint_group_in_project(
    state: &AppState,
    caller: &AuthContext,
    group: String,
    project: String,
) -> Result<(), ApiError> {
    enforce(caller, &policy::GET_ENDPOINT_GROUP_IN_PROJECT)?;
    db::run(&state.pool, move |conn| {
        group_and_project(conn, &group, &project)?;
        if store::group_in_project(conn, &group, &project)? {
            Ok(())
        } else {
            Err(store::group_not_in_project())
        }
    })
    .await
    .map_err(ApiError::from)
}

/// Keystone `add_endpoint_group_to_project`: a second time is a 409.
pub async fn add_endpoint_group_to_project(
    state: &AppState,
    caller: &AuthContext,
    group: String,
    project: String,
) -> Result<(), ApiError> {
    said(Event::created(
        "project_endpoint_group",
        format!("{group}:{project}"),
    ));
    enforce(caller, &policy::ADD_ENDPOINT_GROUP_TO_PROJECT)?;
    db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            group_and_project(conn, &group, &project)?;
            store::add_endpoint_group_to_project(conn, &group, &project)
        })
    })
    .await?;
    changed(state);
    Ok(())
}

/// Keystone `remove_endpoint_group_from_project`.
pub async fn remove_endpoint_group_from_project(
    state: &AppState,
    caller: &AuthContext,
    group: String,
    project: String,
) -> Result<(), ApiError> {
    said(Event::deleted(
        "project_endpoint_group",
        format!("{group}:{project}"),
    ));
    enforce(caller, &policy::REMOVE_ENDPOINT_GROUP_FROM_PROJECT)?;
    db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            group_and_project(conn, &group, &project)?;
            store::remove_endpoint_group_from_project(conn, &group, &project)
        })
    })
    .await?;
    changed(state);
    Ok(())
}

/// Keystone `get_endpoint_groups_for_project`.
pub async fn list_endpoint_groups_for_project(
    state: &AppState,
    caller: &AuthContext,
    project: String,
) -> Result<Vec<EndpointGroupRow>, ApiError> {
    enforce(caller, &policy::LIST_ENDPOINT_GROUPS_FOR_PROJECT)?;
    db::run(&state.pool, move |conn| {
        resources::get_project(conn, &project)?;
        store::groups_of_project(conn, &project)
    })
    .await
    .map_err(ApiError::from)
}

// ---- project endpoints ----

/// Keystone `list_projects_for_endpoint`: the projects an endpoint is tied to directly.
pub async fn list_projects_for_endpoint(
    state: &AppState,
    caller: &AuthContext,
    endpoint: String,
) -> Result<Vec<ProjectRow>, ApiError> {
    enforce(caller, &policy::LIST_PROJECTS_FOR_ENDPOINT)?;
    db::run(&state.pool, move |conn| {
        catalog_store::get_endpoint(conn, &endpoint)?;
        let ids = store::projects_of_endpoint(conn, &endpoint)?;
        projects_by_id(conn, ids)
    })
    .await
    .map_err(ApiError::from)
}

fn endpoint_and_project(
    conn: &mut DbConn,
    endpoint: &str,
    project: &str,
) -> Result<(), StoreError> {
    catalog_store::get_endpoint(conn, endpoint)?;
    resources::get_project(conn, project)?;
    Ok(())
}

/// Keystone `check_endpoint_in_project`.
pub async fn check_endpoint_in_project(
    state: &AppState,
    caller: &AuthContext,
    project: String,
    endpoint: String,
) -> Result<(), ApiError> {
    enforce(caller, &policy::CHECK_ENDPOINT_IN_PROJECT)?;
    db::run(&state.pool, move |conn| {
        endpoint_and_project(conn, &endpoint, &project)?;
        if store::endpoint_in_project(conn, &endpoint, &project)? {
            Ok(())
        } else {
            Err(store::endpoint_not_in_project(&endpoint, &project))
        }
    })
    .await
    .map_err(ApiError::from)
}

/// Keystone `add_endpoint_to_project`: a second time is a 409.
pub async fn add_endpoint_to_project(
    state: &AppState,
    caller: &AuthContext,
    project: String,
    endpoint: String,
) -> Result<(), ApiError> {
    said(Event::created(
        "project_endpoint",
        format!("{project}:{endpoint}"),
    ));
    enforce(caller, &policy::ADD_ENDPOINT_TO_PROJECT)?;
    db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            endpoint_and_project(conn, &endpoint, &project)?;
            store::add_endpoint_to_project(conn, &endpoint, &project)
        })
    })
    .await?;
    changed(state);
    Ok(())
}

/// Keystone `remove_endpoint_from_project`: 404 when they are not associated.
pub async fn remove_endpoint_from_project(
    state: &AppState,
    caller: &AuthContext,
    project: String,
    endpoint: String,
) -> Result<(), ApiError> {
    said(Event::deleted(
        "project_endpoint",
        format!("{project}:{endpoint}"),
    ));
    enforce(caller, &policy::REMOVE_ENDPOINT_FROM_PROJECT)?;
    db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            store::remove_endpoint_from_project(conn, &endpoint, &project)
        })
    })
    .await?;
    changed(state);
    Ok(())
}

/// Keystone `list_endpoints_for_project`: tied directly or through endpoint groups.
pub async fn list_endpoints_for_project(
    state: &AppState,
    caller: &AuthContext,
    project: String,
) -> Result<Vec<EndpointRow>, ApiError> {
    enforce(caller, &policy::LIST_ENDPOINTS_FOR_PROJECT)?;
    db::run(&state.pool, move |conn| {
        resources::get_project(conn, &project)?;
        Ok(endpoints_for_project(conn, &project)?
            .into_values()
            .collect())
    })
    .await
    .map_err(|e: StoreError| e.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(service: &str, region: Option<&str>, interface: &str) -> EndpointRow {
        EndpointRow {
            id: "e".into(),
            service_id: service.into(),
            interface: interface.into(),
            region_id: region.map(str::to_string),
            url: "http://x".into(),
            enabled: true,
            extra: "{}".into(),
        }
    }

    fn filters(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn filters_select_by_every_attribute_they_name() {
        let e = endpoint("s1", Some("r1"), "public");
        assert!(selects(&filters(json!({"service_id": "s1"})), &e));
        assert!(selects(
            &filters(json!({"service_id": "s1", "interface": "public", "region_id": "r1"})),
            &e
        ));
        assert!(!selects(
            &filters(json!({"service_id": "s1", "interface": "admin"})),
            &e
        ));
        assert!(!selects(&filters(json!({"region_id": "r2"})), &e));
        let no_region = endpoint("s1", None, "public");
        assert!(selects(&filters(json!({"region_id": null})), &no_region));
        assert!(!selects(&filters(json!({"service_id": 1})), &e));
    }
}
