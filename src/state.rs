//! What every handler shares, passed as `web::Data<AppState>`.

use std::sync::Arc;

use actix_web::web;
use tokio::sync::Semaphore;

use crate::auth::cache::{FreshCache, Generation, TokenCache};
use crate::auth::password::PasswordHasher;
use crate::auth::token::TokenKeys;
use crate::config::Settings;
use crate::db::models::{EndpointRow, ServiceRow};
use crate::db::DbPool;
use crate::domain::values::Password;
use crate::error::ApiError;

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
    /// One permit per core: password hashing is CPU- and memory-bound, so more at once
    /// only multiplies memory (19 MiB each at the default cost).
    pub hash_slots: Arc<Semaphore>,
}

impl AppState {
    /// Checks a password against a stored hash off the async workers (a missing hash costs
    /// the same and fails).
    pub async fn verify_password(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, ApiError> {
        let _slot = self.hash_slot().await?;
        let hasher = self.hasher.clone();
        Ok(web::block(move || hasher.verify(&password, stored.as_deref())).await?)
    }

    /// Hashes a new password off the async workers.
    pub async fn hash_password(&self, password: Password) -> Result<String, ApiError> {
        let _slot = self.hash_slot().await?;
        let hasher = self.hasher.clone();
        web::block(move || hasher.hash(&password)).await?
    }

    async fn hash_slot(&self) -> Result<tokio::sync::SemaphorePermit<'_>, ApiError> {
        self.hash_slots
            .acquire()
            .await
            .map_err(|e| ApiError::Internal(format!("hashing semaphore closed: {e}")))
    }
}
