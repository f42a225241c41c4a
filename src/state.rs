//! What every handler shares, passed as `web::Data<AppState>`.

use std::sync::Arc;

use crate::auth::cache::{FreshCache, Generation, TokenCache};
use crate::auth::password::PasswordHasher;
use crate::auth::token::TokenKeys;
use crate::config::Settings;
use crate::db::models::{EndpointRow, ServiceRow};
use crate::db::DbPool;

/// The catalog rows, shared between the requests that render them.
pub type CatalogRows = Arc<Vec<(ServiceRow, Vec<EndpointRow>)>>;

#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub settings: Arc<Settings>,
    pub keys: Arc<TokenKeys>,
    pub hasher: Arc<PasswordHasher>,
    /// Bumped by every change made through this instance; see `auth::cache`.
    pub generation: Arc<Generation>,
    pub token_cache: Arc<TokenCache>,
    pub catalog_cache: Arc<FreshCache<CatalogRows>>,
}
