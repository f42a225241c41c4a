//! What every handler shares, passed as `web::Data<AppState>`.

use std::sync::Arc;

use actix_web::web::Bytes;

use crate::audit::AuditLog;
use crate::auth::credential_cipher::CredentialCipher;
use crate::auth::login::LoginThrottle;
use crate::auth::password::{HashWorkers, PasswordHasher};
use crate::auth::replay::ReplayGuard;
use crate::auth::token::TokenKeys;
use crate::auth::TokenCache;
use crate::cache::{FreshCache, Invalidations, Tag};
use crate::config::Settings;
use crate::db::models::{EndpointRow, ServiceRow};
use crate::db::{self, DbConn, DbPool};
use crate::domain::values::{NewPassword, PasswordRules};
use crate::error::ApiError;

/// A cached database result, of whatever type the read returned.
pub type CachedRead = Arc<dyn std::any::Any + Send + Sync>;

/// The catalog rows, shared between the requests that render them.
pub type CatalogRows = Arc<Vec<(ServiceRow, Vec<EndpointRow>)>>;
use crate::metrics::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub settings: Arc<Settings>,
    pub keys: Arc<TokenKeys>,
    pub hasher: Arc<PasswordHasher>,
    /// What each change made through this instance invalidated; see `cache`.
    pub changes: Arc<Invalidations>,
    pub token_cache: Arc<TokenCache>,
    pub catalog_cache: Arc<FreshCache<CatalogRows>>,
    /// Database reads on the hot paths (lists, membership checks), invalidated like tokens.
    pub read_cache: Arc<FreshCache<CachedRead>>,
    /// Rendered list pages (JSON bytes), invalidated like tokens and bounded in bytes.
    pub page_cache: Arc<FreshCache<Bytes>>,
    /// The threads that hash passwords (one per core).
    pub hash_workers: Arc<HashWorkers>,
    pub metrics: Arc<Metrics>,
    /// Seals and opens access-key secrets.
    pub cipher: Arc<CredentialCipher>,
    /// The audit trail's JSON-lines file, when `audit.log_file` is set.
    pub audit_log: Option<Arc<AuditLog>>,
    /// What a new password must satisfy (`[security_compliance]`).
    pub password_rules: Arc<PasswordRules>,
    /// One use per AK/SK signature (`[signing]`).
    pub replay: Arc<ReplayGuard>,
    /// Failed password logins per source (`[login]`).
    pub login_throttle: Arc<LoginThrottle>,
}

impl AppState {
    /// Says what a write changed, once it committed: the cache entries computed from those
    /// tags go, the others stay. A successful write that never calls this invalidates
    /// everything (`api::middleware`), so this is also how a handler says "nothing cached
    /// changed" (`&[]`).
    pub fn changed(&self, tags: &[Tag]) {
        self.changes.invalidate(tags);
        crate::change::declare();
    }

    /// A database read computed from `tags`, answered from `read_cache` while none of them
    /// changed through this instance and the entry is younger than `token.cache_ttl_ms` (as
    /// Keystone caches its identity and assignment lookups); otherwise loaded and stored.
    /// Errors are not cached.
    pub async fn cached_read<T, E, F>(
        &self,
        key: String,
        tags: &[Tag],
        load: F,
    ) -> Result<T, ApiError>
    where
        T: Clone + Send + Sync + 'static,
        E: From<db::StoreError> + Into<ApiError> + Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    {
        let hit = self
            .read_cache
            .get_or_load(&key, tags, || async {
                let value = db::run(&self.pool, load).await.map_err(Into::into)?;
                Ok::<CachedRead, ApiError>(Arc::new(value))
            })
            .await?;
        hit.downcast_ref::<T>()
            .cloned()
            .ok_or_else(|| ApiError::Internal(format!("read cache entry {key} holds another type")))
    }

    /// A list page rendered to JSON bytes, answered from `page_cache` under the same rules
    /// as [`AppState::cached_read`]. Serializing a page (up to 1,000 entries, ~200 KB) cost
    /// more than everything else in a list request; a page asked for again is sent as it
    /// was. `key` must name everything the bytes depend on: the filters as applied (which
    /// include the caller's domain), the page, the base URL and the request's path and
    /// query (the links).
    pub async fn cached_page<T, E, F, R>(
        &self,
        key: String,
        tags: &[Tag],
        load: F,
        render: R,
    ) -> Result<Bytes, ApiError>
    where
        T: Send + 'static,
        E: From<db::StoreError> + Into<ApiError> + Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        R: FnOnce(T) -> Result<Bytes, ApiError>,
    {
        self.page_cache
            .get_or_load(&key, tags, || async {
                render(db::run(&self.pool, load).await.map_err(Into::into)?)
            })
            .await
    }

    /// Checks a password against a stored hash on the hashing threads (a missing hash costs
    /// the same and fails).
    pub async fn verify_password(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, ApiError> {
        let hasher = self.hasher.clone();
        self.hash_workers
            .run(move || hasher.verify(&password, stored.as_deref()))
            .await
    }

    /// Hashes a new password on the hashing threads. Only a [`NewPassword`] is accepted, so
    /// every password the API stores has passed the configured rules.
    pub async fn hash_password(&self, password: NewPassword) -> Result<String, ApiError> {
        let hasher = self.hasher.clone();
        let password = password.into_password();
        self.hash_workers
            .run(move || hasher.hash(&password))
            .await?
    }
}
