//! Regions: Keystone's `create_region`, `get_region`, `list_regions`, `update_region`,
//! `delete_region`. A region's parent must exist and the tree stay acyclic; a region in use
//! (children, endpoints) cannot be deleted; its id never changes.

use serde_json::{Map, Value};

use super::{changed, enforce, merged_extra, said};
use crate::auth::policy;
use crate::auth::AuthContext;
use crate::change::{self, Action, Event};
use crate::db::models::RegionRow;
use crate::db::{self, catalog as store, write_tx};
use crate::domain::new_id;
use crate::domain::values::ResourceId;
use crate::error::ApiError;
use crate::state::AppState;

/// A new region, as a body gives it.
#[derive(Debug, Default)]
pub struct NewRegion {
    /// The body's `id`, used by `POST` (a new one is made when absent).
    pub id: Option<String>,
    pub description: Option<String>,
    pub parent_region_id: Option<String>,
    pub extra: Map<String, Value>,
}

/// A region's changes; `None` keeps a field.
#[derive(Debug, Default)]
pub struct RegionChanges {
    /// The body's `id`: refused unless it is the region's own ("Cannot change ID").
    pub id: Option<String>,
    pub description: Option<String>,
    /// `Some(None)` makes the region a root.
    pub parent_region_id: Option<Option<String>>,
    pub extra: Map<String, Value>,
}

/// The filters of `list_regions`.
#[derive(Debug, Clone, Default)]
pub struct RegionFilter {
    pub parent_region_id: Option<String>,
}

fn row(id: String, new: NewRegion) -> RegionRow {
    RegionRow {
        id,
        description: new.description.unwrap_or_default(),
        parent_region_id: new.parent_region_id,
        extra: Value::Object(new.extra).to_string(),
    }
}

async fn insert(
    state: &AppState,
    caller: &AuthContext,
    region: RegionRow,
) -> Result<RegionRow, ApiError> {
    enforce(caller, &policy::WRITE_CATALOG)?;
    let created = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| store::create_region(conn, region))
    })
    .await?;
    changed(state);
    Ok(created)
}

/// Keystone's `create_region` (`POST /v3/regions`): the body's `id`, else a new one.
pub async fn create_region(
    state: &AppState,
    caller: &AuthContext,
    new: NewRegion,
) -> Result<RegionRow, ApiError> {
    // The id is known only once the body is read and allowed: a refusal names none.
    said(Event::new(Action::Create, "region", None));
    let id = match &new.id {
        Some(given) => ResourceId::parse("id", given)?.into_inner(),
        None => new_id(),
    };
    let created = insert(state, caller, row(id, new)).await?;
    change::amend(|e| e.target_id = Some(created.id.clone()));
    Ok(created)
}

/// Keystone's `create_region` with the id in the URL (`PUT /v3/regions/{id}`); a body `id`
/// is ignored. Audited as an update of that id, as the URL names it.
pub async fn create_region_with_id(
    state: &AppState,
    caller: &AuthContext,
    region_id: String,
    new: NewRegion,
) -> Result<RegionRow, ApiError> {
    said(Event::updated("region", region_id.clone()));
    insert(state, caller, row(region_id, new)).await
}

/// Keystone's `get_region`: any authenticated caller (Keystone's empty rule).
pub async fn get_region(state: &AppState, region_id: String) -> Result<RegionRow, ApiError> {
    db::run(&state.pool, move |conn| store::get_region(conn, &region_id))
        .await
        .map_err(ApiError::from)
}

/// Keystone's `list_regions`: any authenticated caller.
pub async fn list_regions(
    state: &AppState,
    filter: RegionFilter,
) -> Result<Vec<RegionRow>, ApiError> {
    db::run(&state.pool, move |conn| {
        store::list_regions(conn, filter.parent_region_id.as_deref())
    })
    .await
    .map_err(ApiError::from)
}

/// Keystone's `update_region`: the id cannot change; a new parent must exist and not make
/// a cycle.
pub async fn update_region(
    state: &AppState,
    caller: &AuthContext,
    region_id: String,
    changes: RegionChanges,
) -> Result<RegionRow, ApiError> {
    said(Event::updated("region", region_id.clone()));
    if changes.id.as_ref().is_some_and(|given| *given != region_id) {
        return Err(ApiError::Validation("Cannot change ID".into()));
    }
    enforce(caller, &policy::WRITE_CATALOG)?;
    let updated = db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            let mut region = store::get_region(conn, &region_id)?;
            if let Some(d) = changes.description {
                region.description = d;
            }
            if let Some(p) = changes.parent_region_id {
                region.parent_region_id = p;
            }
            region.extra = merged_extra(&region.extra, changes.extra);
            store::update_region(conn, &region)?;
            Ok::<_, ApiError>(region)
        })
    })
    .await?;
    changed(state);
    Ok(updated)
}

/// Keystone's `delete_region`: refused while child regions or endpoints use it.
pub async fn delete_region(
    state: &AppState,
    caller: &AuthContext,
    region_id: String,
) -> Result<(), ApiError> {
    said(Event::deleted("region", region_id.clone()));
    enforce(caller, &policy::WRITE_CATALOG)?;
    db::run(&state.pool, move |conn| {
        write_tx(conn, |conn| store::delete_region(conn, &region_id))
    })
    .await?;
    changed(state);
    Ok(())
}
