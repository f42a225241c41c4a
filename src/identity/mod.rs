//! The identity manager (Keystone's `identity/core.py`): users, groups and memberships,
//! with their rules once for every face. Each operation loads its target, enforces the
//! policy against the caller *and* the target (Keystone's rule, then the manager ceiling),
//! acts in one transaction, and says what it changed: the audit event and the cache
//! entries to drop ([`crate::change`]). Faces resolve their own way of naming things into a
//! [`Ref`] and render what comes back; nothing here knows HTTP.

pub mod membership;

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
