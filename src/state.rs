//! What every handler shares, passed as `web::Data<AppState>`.

use std::sync::Arc;

use crate::auth::credential_cipher::CredentialCipher;
use crate::auth::password::PasswordHasher;
use crate::auth::token::TokenKeys;
use crate::config::Settings;
use crate::db::DbPool;

#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub settings: Arc<Settings>,
    pub keys: Arc<TokenKeys>,
    pub hasher: Arc<PasswordHasher>,
    /// Seals and opens access-key secrets.
    pub cipher: Arc<CredentialCipher>,
}
