//! Who is calling and what they may do: tokens, passwords, the request's auth context and
//! the default policy.

pub mod app_cred;
pub mod bce_signature;
pub mod context;
pub mod credential_cipher;
pub mod ec2_signature;
pub mod fresh_login;
pub mod login;
pub mod oidc;
pub mod password;
pub mod policy;
pub mod refs;
pub mod replay;
pub mod signature;
#[cfg(test)]
pub mod test_vectors;
pub mod token;
pub mod trust_scope;

pub use context::{AuthContext, Scope};

/// Validated tokens, by token string.
pub type TokenCache = crate::cache::FreshCache<AuthContext>;
