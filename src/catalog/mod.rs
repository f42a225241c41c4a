//! The catalog manager (Keystone's `catalog/core.py`): regions, services and endpoints, for
//! every face. Reads are any authenticated caller's (regions) or need `READ_CATALOG`; every
//! change needs `WRITE_CATALOG`, runs in one transaction, says its audit event and
//! invalidates the cached catalog that tokens carry.

pub mod endpoint_filter;
pub mod endpoints;
pub mod policies;
pub mod regions;
pub mod services;

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::auth::policy::{self, Policy, Target};
use crate::auth::AuthContext;
use crate::cache::Tag;
use crate::change::{self, Event};
use crate::db::StoreError;
use crate::db::{self, catalog as store};
use crate::error::ApiError;
use crate::state::{AppState, CatalogRows};

/// The catalog rules take no target: they are about the deployment, not a domain.
fn enforce(caller: &AuthContext, rule: &Policy) -> Result<(), ApiError> {
    policy::enforce(caller, rule, &Target::default())
}

/// Says a change's event before its rule is enforced, so a refusal is audited too.
fn said(event: Event) {
    change::audit(event);
}

/// What every catalog change invalidates: the catalog tokens carry.
fn changed(state: &AppState) {
    state.changed(&[Tag::Catalog]);
}

/// Stored extra attributes with a change's extras laid over them, as Keystone's update
/// merges the reference.
fn merged_extra(stored: &str, extra: Map<String, Value>) -> String {
    let mut merged: Map<String, Value> = serde_json::from_str(stored).unwrap_or_default();
    merged.extend(extra);
    Value::Object(merged).to_string()
}

/// The catalog rows (enabled services with their enabled endpoints), from the cache while
/// no change was made and they are young enough: what a scoped token and
/// `GET /v3/auth/catalog` carry.
pub async fn catalog_rows(state: &AppState) -> Result<CatalogRows, ApiError> {
    state
        .catalog_cache
        .get_or_load("catalog", &[Tag::Catalog], || async {
            Ok(Arc::new(db::run(&state.pool, store::catalog).await?))
        })
        .await
}

/// Keystone's 400 for a service or region a body names that does not exist.
fn named_in_body(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound { kind, id } => {
            ApiError::Validation(format!("Could not find {kind}: {id}."))
        }
        other => other.into(),
    }
}
