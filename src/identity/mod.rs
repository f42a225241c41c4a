//! The identity manager (Keystone's `identity/core.py`): users, groups and memberships,
//! with their rules once for every face. Each operation loads its target, enforces the
//! policy against the caller *and* the target (Keystone's rule, then the manager ceiling),
//! acts in one transaction, and says what it changed: the audit event and the cache
//! entries to drop ([`crate::change`]). Faces resolve their own way of naming things into a
//! [`Ref`] and render what comes back; nothing here knows HTTP.

pub mod groups;
pub mod membership;
pub mod users;

/// How a face names a user or a group: Keystone's id, or Baidu's name within an account
/// (a Keystone domain).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ref {
    Id(String),
    Named { domain_id: String, name: String },
}

impl Ref {
    pub fn id(id: impl Into<String>) -> Ref {
        Ref::Id(id.into())
    }
    pub fn named(domain_id: impl Into<String>, name: impl Into<String>) -> Ref {
        Ref::Named {
            domain_id: domain_id.into(),
            name: name.into(),
        }
    }
}

impl Ref {
    /// What a call names as its target before any lookup (a refused call's audit target):
    /// the id, or the name given.
    pub fn given(&self) -> &str {
        match self {
            Ref::Id(id) => id,
            Ref::Named { name, .. } => name,
        }
    }
}

/// How a face renders a list: the page's rows into the bytes it answers with, and the key
/// naming everything those bytes depend on besides the rows (the face, its base URL, the
/// request's path and query, for the links). A list the read cache may keep is rendered
/// once and answered again while nothing it was computed from changed.
pub struct View<F> {
    pub key: String,
    pub render: F,
}

/// Where a new user or group goes when the body names no domain: the token's, then the
/// configured default (Keystone's `_normalize_domain_id`).
pub fn default_domain(state: &crate::state::AppState, caller: &crate::auth::AuthContext) -> String {
    caller
        .scope_domain_id()
        .map(str::to_owned)
        .unwrap_or_else(|| state.settings.identity.default_domain_id.clone())
}
